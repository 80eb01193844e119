"""Accounts (schema ``auth``) and system tables (schema ``system``).

``archive`` holds detached old partitions and has no models of its own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from soleflip.db.audit import APPEND_ONLY, audit_triggers
from soleflip.db.crypto import EncryptedTextField
from soleflip.db.models import TimestampedModel, UUIDModel, choices_check
from soleflip.values.cards import refuse_card_numbers


class Role(models.TextChoices):
    """The review's three roles (``auth.user_role``)."""

    ADMIN = "admin", "Admin"
    USER = "user", "User"
    READONLY = "readonly", "Read-only"


class User(UUIDModel, AbstractUser):
    """A staff member or operator. E-mail is the login identity and is unique, case-insensitive."""

    email = models.EmailField("email address")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER)
    data_retention_until = models.DateField(
        null=True, blank=True, help_text="Personal data is anonymized after this date."
    )
    deletion_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person asked to be forgotten."
    )
    anonymized_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Declared again only to give the link tables names of their own in the auth schema.
    groups = models.ManyToManyField(  # type: ignore[assignment]
        Group,
        verbose_name="groups",
        blank=True,
        related_name="user_set",
        related_query_name="user",
        db_table="user_groups",
    )
    user_permissions = models.ManyToManyField(  # type: ignore[assignment]
        Permission,
        verbose_name="user permissions",
        blank=True,
        related_name="user_set",
        related_query_name="user",
        db_table="user_permissions",
    )

    # Passwords and login times are not history; personal fields are scrubbed on erasure.
    history = HistoricalRecords(
        table_name="users_history", excluded_fields=["password", "last_login"], cascade_delete_history=False
    )

    class Meta:
        db_table = "users"
        permissions = [
            ("anonymize_user", "Can anonymize a person (GDPR erasure)"),
            ("export_personal_data", "Can export a person's data (GDPR access request)"),
        ]
        triggers = audit_triggers(exclude=("password",))
        constraints = [
            # Login and GDPR lookups by e-mail, whatever its case.
            models.UniqueConstraint(Lower("email"), name="uq_users_email_lower"),
            choices_check("users", "role", Role),
        ]

    def __str__(self) -> str:
        return self.email or self.username

    def clean(self) -> None:
        super().clean()
        refuse_card_numbers(self, exempt={"password"})  # a hash may hold long digit runs

    def save(self, *args: Any, **kwargs: Any) -> None:
        refuse_card_numbers(self, exempt={"password"})  # a hash may hold long digit runs
        update_fields = kwargs.get("update_fields")
        if self.role == Role.READONLY and self.is_superuser:
            # A superuser passes every permission check: read-only would mean nothing.
            self.is_superuser = False
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "is_superuser"}
        # A login only stamps last_login, which history leaves out: no history row for it.
        if set(kwargs.get("update_fields") or ()) == {"last_login"}:
            self.skip_history_when_saving = True
        try:
            super().save(*args, **kwargs)
        finally:
            self.__dict__.pop("skip_history_when_saving", None)
        if update_fields is None or "role" in update_fields:  # not on a login's last_login save
            self.sync_role()

    def sync_role(self) -> None:
        """Make the user's groups and permissions agree with their role.

        The role's group becomes their only role group (groups that are no role stay), and a
        read-only user keeps no direct permission but view ones. Saving the user does this;
        a form that saves groups and permissions after the user calls it again afterwards.
        """
        role_names = set(Role.values)
        current = {g.name for g in self.groups.all() if g.name in role_names}
        if current != {self.role}:
            self.groups.remove(*Group.objects.filter(name__in=role_names - {self.role}))
            self.groups.add(Group.objects.get_or_create(name=self.role)[0])
        if self.role == Role.READONLY:
            self.user_permissions.remove(*self.user_permissions.exclude(codename__startswith="view_"))


class ApiKey(TimestampedModel):
    """A key for programmatic access: only its hash is kept; the prefix identifies it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="Shown in lists so a key can be recognised.")
    key_hash = models.CharField(max_length=128, editable=False)
    card_check_exempt = frozenset({"key_hash"})  # a hex digest may hold long digit runs
    scopes = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "api_keys"
        constraints = [
            # The prefix is how a presented key finds its row.
            models.UniqueConstraint(fields=["prefix"], name="uq_api_keys_prefix"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SystemConfig(TimestampedModel):
    """A named configuration value, stored encrypted (``value_encrypted``)."""

    key = models.CharField(max_length=100)
    value_encrypted = EncryptedTextField("value", blank=True, help_text="Stored encrypted with FIELD_ENCRYPTION_KEYS.")
    card_check_exempt = frozenset({"value_encrypted"})  # secrets are random strings
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        db_table = "config"
        constraints = [models.UniqueConstraint(fields=["key"], name="uq_config_key")]

    def __str__(self) -> str:
        return self.key


class LogLevel(models.TextChoices):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class SystemLog(UUIDModel):
    """An application event. Partitioned by month on ``created_at`` (migration 0002)."""

    created_at = models.DateTimeField()
    level = models.CharField(max_length=10, choices=LogLevel.choices, default=LogLevel.INFO)
    logger = models.CharField(max_length=100)
    message = models.TextField()
    context = models.JSONField(default=dict, blank=True)
    user_id = models.UUIDField(null=True, blank=True)

    class Meta:
        db_table = "logs"
        constraints = [choices_check("logs", "level", LogLevel)]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.level} {self.logger}"


class AuditOperation(models.TextChoices):
    INSERT = "INSERT"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class AuditLog(UUIDModel):
    """One row change on a critical table, as a trigger saw it. Partitioned by month.

    ``changed_by`` holds the user id without a foreign key: audit rows outlive what they
    describe, and partitions move to the archive schema.
    """

    changed_at = models.DateTimeField()
    table_name = models.CharField(max_length=100)
    record_id = models.UUIDField()
    operation = models.CharField(max_length=10, choices=AuditOperation.choices)
    old_values = models.JSONField(null=True, blank=True)
    new_values = models.JSONField(null=True, blank=True)
    changed_by = models.UUIDField(null=True, blank=True)

    class Meta:
        db_table = "audit_log"
        permissions = [("view_db_health", "Can see the database health page")]
        triggers = [APPEND_ONLY]
        indexes = [
            # The audit screen: one record's history, newest first.
            models.Index(fields=["table_name", "record_id", "-changed_at"], name="idx_audit_log_record"),
            # The audit screen unfiltered and by time range, newest first.
            models.Index(fields=["-changed_at"], name="idx_audit_log_changed_at"),
            # "What did this user change?"
            models.Index(fields=["changed_by", "-changed_at"], name="idx_audit_log_changed_by"),
        ]
        constraints = [choices_check("audit_log", "operation", AuditOperation)]

    def __str__(self) -> str:
        return f"{self.operation} {self.table_name} {self.record_id}"
