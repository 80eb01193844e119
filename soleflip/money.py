"""Money is integer cents plus an ISO currency code; this turns it into text for people."""

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
