"""Building blocks shared by every SoleFlip model: keys, timestamps, authorship, checks."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from soleflip.values.cards import refuse_card_numbers

CURRENCY_PATTERN = r"^[A-Z]{3}$"


class UUIDModel(models.Model):
    """UUID primary key, generated in Python and by the database (raw SQL and COPY paths)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, db_default=RandomUUID(), editable=False)

    class Meta:
        abstract = True


class TimestampedModel(UUIDModel):
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)

    # Text fields that legitimately hold long digit runs (GTINs) and are validated otherwise.
    card_check_exempt: ClassVar[frozenset[str]] = frozenset()

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        refuse_card_numbers(self, exempt=self.card_check_exempt)
        if not self._state.adding:
            self.updated_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "updated_at"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        super().clean()
        refuse_card_numbers(self, exempt=self.card_check_exempt)


def _author() -> models.ForeignKey:
    """A column naming the user who did something to the row (SET NULL, never cascades)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        editable=False,
    )


class AuthoredModel(TimestampedModel):
    """A critical table: it records which user created and last changed each row.

    No index on these columns: users are anonymized, never deleted, so nothing looks rows up
    by author except the audit screens, which read ``system.audit_log`` instead.
    """

    created_by = _author()
    updated_by = _author()

    class Meta:
        abstract = True


def currency_check(table: str, field: str = "currency") -> models.CheckConstraint:
    """CHECK that a currency column holds an ISO 4217 code (the review's price_sources rule)."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__regex": CURRENCY_PATTERN}),
        name=f"chk_{table}_{field}_format",
        violation_error_message="Currency must be a three-letter ISO code such as EUR.",
    )


def choices_check(table: str, field: str, choices: type[models.TextChoices]) -> models.CheckConstraint:
    """CHECK that a vocabulary column holds one of its TextChoices (docs/adr/0002)."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": choices.values}),
        name=f"chk_{table}_{field}_valid",
    )


def non_negative_check(table: str, field: str, *, nullable: bool = False) -> models.CheckConstraint:
    condition = models.Q(**{f"{field}__gte": 0})
    if nullable:
        condition |= models.Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition, name=f"chk_{table}_{field}_non_negative")
