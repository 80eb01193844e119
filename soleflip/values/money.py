"""Money is integer cents plus an ISO currency code; this turns it into text for people.

Rates are integer basis points (950 = 9.5%): ``format_bps`` and ``bps_to_percent`` show them
as percentages.

Parsing what people type: Form fields for money and rates: people type ``99.95`` and ``9.5``, the database keeps cents and basis points.

Input is strict on purpose. An amount is digits with at most one decimal separator followed
by one or two digits: ``99.95``, ``99,95``, ``99.9``, ``99``. Anything a reader could take
two ways is refused with a message saying how to write it, never guessed: ``1.234,56`` and
``1,234.56`` (thousands separators), ``1,234`` and ``1.234`` (a thousands group or three
decimals?), ``12.345`` (more than two decimals). Currency symbols and codes are refused too:
the currency is a column of its own. Nothing is ever multiplied or divided by 100 or 1000
behind the typist's back.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "SEK": "SEK "}


def format_cents(cents: int | None, currency: str) -> str:
    """``format_cents(12995, "EUR") == "€129.95"``; unknown currencies keep their code."""
    if cents is None:
        return "–"
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    symbol = SYMBOLS.get(currency, f"{currency} ")
    return f"{sign}{symbol}{whole:,}.{rest:02d}"


def cents_to_units(cents: int) -> str:
    """The amount as typed into a form or a spreadsheet: ``cents_to_units(9995) == "99.95"``.

    Always two decimals, a point before the cents, no thousands separators, no currency.
    """
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def bps_to_percent(bps: int) -> str:
    """Basis points as a plain percentage, without trailing zeros: 950 → ``"9.5"``, 1000 → ``"10"``."""
    sign = "-" if bps < 0 else ""
    whole, rest = divmod(abs(bps), 100)
    return f"{sign}{whole}" if rest == 0 else f"{sign}{whole}.{rest:02d}".rstrip("0")


def format_bps(bps: int | None) -> str:
    """``format_bps(950) == "9.5%"``; ``None`` is a dash, like a missing amount."""
    return "–" if bps is None else f"{bps_to_percent(bps)}%"


MAX_WHOLE_DIGITS = 15  # far above any price; keeps int() away from absurd inputs

CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def parse_money(text: str, *, allow_negative: bool = False) -> int:
    """Cents from an amount typed in currency units: ``"99.95"`` → 9995, ``"99,9"`` → 9990, ``"99"`` → 9900.

    Raises ``ValidationError`` with a message that says how to write the amount instead.
    """
    return _parse_hundredths(
        text, allow_negative=allow_negative, decimals="the cents", precision="money is entered to the cent"
    )


def parse_percent(text: str, *, allow_negative: bool = False) -> int:
    """Basis points from a percentage: ``"9"`` → 900, ``"9.5"`` and ``"9,5"`` → 950, ``"9.5%"`` → 950."""
    stripped = text.strip()
    stripped = stripped.removesuffix("%").rstrip()
    return _parse_hundredths(
        stripped,
        allow_negative=allow_negative,
        decimals="the decimals",
        precision="a rate is entered to a hundredth of a percent",
        thousands_hint=False,
    )


def _parse_hundredths(
    text: str, *, allow_negative: bool, decimals: str, precision: str, thousands_hint: bool = True
) -> int:
    """Hundredths of the unit in ``text``, by the rules in this module's docstring."""
    typed = text.strip()
    if not typed:
        raise ValidationError("Enter a number, e.g. 99.95.", code="required")
    if not re.fullmatch(r"[-0-9.,\s]+", typed):
        raise ValidationError(
            f'"{typed}" is not a number: write digits only, with a point before {decimals} (e.g. 1000 or 99.95)',
            code="invalid",
        )
    if any(char.isspace() for char in typed):
        compact = re.sub(r"\s+", "", typed)
        raise ValidationError(f'"{typed}" has a space: write {compact} (no spaces inside)', code="invalid")
    negative = typed.startswith("-")
    body = typed[1:] if negative else typed
    if "-" in body or not body:
        raise ValidationError(f'"{typed}" is not a number: write digits, e.g. 99.95', code="invalid")
    if negative and not allow_negative:
        raise ValidationError(f'"{typed}" is negative: enter zero or more', code="negative")
    sign = "-" if negative else ""
    separators = [char for char in body if char in ".,"]
    if len(separators) > 1:
        raise ValidationError(
            f'"{typed}" is ambiguous: write {sign}{_suggestion(body)} (a point before {decimals}, no thousands separators)',
            code="ambiguous",
        )
    whole, separator, fraction = body.partition(separators[0]) if separators else (body, "", "")
    if separator and (not whole or not fraction):
        plain = whole or f"0{body}"
        raise ValidationError(f'"{typed}" is incomplete: write {sign}{plain}', code="invalid")
    if thousands_hint and len(fraction) == 3 and 1 <= len(whole) <= 3 and not whole.startswith("0"):
        # A thousands group or three decimals: the message names both readings.
        name = "point" if separator == "." else "comma"
        raise ValidationError(
            f'"{typed}" has more than two decimals: {precision} '
            f"(write {sign}{int(whole + fraction)} if the {name} separates thousands)",
            code="too_precise",
        )
    if len(fraction) > 2:
        raise ValidationError(f'"{typed}" has more than two decimals: {precision}', code="too_precise")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise ValidationError(f'"{typed}" is too large', code="invalid")
    value = int(whole) * 100 + int(fraction.ljust(2, "0"))
    return -value if negative else value


def _suggestion(body: str) -> str:
    """How ``body`` (digits with several separators) is written plainly, if its last separator marks decimals."""
    head, _, tail = body.replace(",", ".").rpartition(".")
    digits = head.replace(".", "")
    if digits and 1 <= len(tail) <= 2:
        return f"{int(digits)}.{tail}"
    if digits and len(tail) == 3:
        return str(int(digits + tail))  # every separator groups thousands: 1.234.567
    return "1234.56"
