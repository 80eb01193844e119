"""Validators every model shares."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# 13 to 19 digits, optionally grouped by single spaces or dashes, as card numbers are written.
_CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


# An IBAN (country code, check digits, groups of four) is a bank account, not a card.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
# A UUID (a record's id, as in an erased user's deleted_<id>@anonymized.local) is an id, not
# a card, though now and then (about one random UUID in 3,000) its leading digits and dashes
# ("41804735-0692-43c0-...") read as a Luhn-valid card number.
_UUID = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f])")


def find_card_number(text: str) -> str | None:
    """Return a Luhn-valid 13-19 digit run (a payment card number) found in ``text``, if any."""
    for match in _CARD_LIKE.finditer(_IBAN.sub(" ", _UUID.sub(" ", text))):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return digits
    return None


def refuse_card_numbers(instance: object, *, exempt: set[str] | frozenset[str] = frozenset()) -> None:
    """Refuse a row that holds something that looks like a card number in any text field (PCI).

    Only a payment provider's token and the last four digits may be stored.
    """
    from django.db import models

    errors = {}
    for field in instance._meta.concrete_fields:  # type: ignore[attr-defined]
        if field.name in exempt or not isinstance(field, models.CharField | models.TextField):
            continue
        value = getattr(instance, field.attname, None)
        if isinstance(value, str) and find_card_number(value):
            errors[field.name] = ValidationError(
                "This looks like a payment card number. Store only the provider's token and the last four digits.",
                code="card_number",
            )
    if errors:
        raise ValidationError(errors)
