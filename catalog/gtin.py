"""GTIN (EAN/UPC) validation and the one canonical form a variant stores."""

from __future__ import annotations

from django.core.exceptions import ValidationError

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """Return the GS1 check digit for ``body`` (the code without its last digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalize_gtin(raw: str) -> str:
    """Validate a GTIN-8/12/13/14 and return its canonical form.

    Every GTIN is the same number once left-padded to 14 digits, so UPC-A ``012345678905``
    and EAN-13 ``0012345678905`` name one variant. The canonical form is that number as an
    EAN-13 when it fits (what shoe boxes print), otherwise the full GTIN-14.
    Raises ValueError with the reason.
    """
    code = "".join(raw.split())
    if not code.isdigit():
        raise ValueError(f"GTIN {raw!r} must contain digits only")
    if len(code) not in GTIN_LENGTHS:
        raise ValueError(f"GTIN {raw!r} has {len(code)} digits; expected 8, 12, 13 or 14")
    if gtin_check_digit(code[:-1]) != int(code[-1]):
        raise ValueError(f"GTIN {raw!r} has a wrong check digit (expected {gtin_check_digit(code[:-1])})")
    gtin14 = code.zfill(14)
    return gtin14[1:] if gtin14.startswith("0") else gtin14


def with_check_digit(body: str) -> str:
    """Append the check digit: ``with_check_digit("400638133393") == "4006381333931"``."""
    return body + str(gtin_check_digit(body))


def validate_gtin(value: str) -> None:
    """Model and form validator: the value must be a valid GTIN-8/12/13/14."""
    try:
        normalize_gtin(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid_gtin") from None
