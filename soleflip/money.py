"""Money is integer cents plus an ISO currency code; this turns it into text for people.

Rates are integer basis points (950 = 9.5%): ``format_bps`` and ``bps_to_percent`` show them
as percentages.
"""

from __future__ import annotations

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
