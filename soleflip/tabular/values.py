"""The value parsers every import shares: money with its decimal convention, dates, times, booleans, integers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from soleflip.tabular.errors import InvalidAmount, InvalidBoolean, InvalidDate, InvalidInteger

# --------------------------------------------------------------------------- money

_CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "US$": "USD", "R$": "BRL", "$": "USD"}
_DOLLAR_CURRENCIES = frozenset({"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN"})
_CURRENCY = r"[A-Z]{3}|US\$|R\$|[€£¥$]"
_MINUS = r"[-−]"
_MONEY_RE = re.compile(
    rf"(?P<sign1>{_MINUS})?\s*(?P<before>{_CURRENCY})?\s*(?P<sign2>{_MINUS})?\s*"
    rf"(?P<number>[0-9][0-9.,' ]*?)\s*(?P<after>{_CURRENCY})?"
)
# The first group may not start with 0: "0,123" is not 123.
_GROUPED = {sep: re.compile(rf"[1-9][0-9]{{0,2}}(?:{re.escape(sep)}[0-9]{{3}})+") for sep in (".", ",", " ", "'")}


def parse_money(
    text: str,
    default_currency: str | None = None,
    *,
    allow_negative: bool = False,
    decimal_separator: Literal[".", ","] | None = None,
) -> tuple[int, str | None]:
    """Read an amount as ``(cents, currency)``; currency is from the text, else ``default_currency``.

    Accepted: ``EUR130.00``, ``130.00 EUR``, ``$732``, ``$1,000``, ``€1.234,50``, ``1.234,50 €``,
    ``£89.99``, ``129,95``, ``1 234,50``, ``1'234.50``, a leading minus (only with
    ``allow_negative``). Currency: a three-letter upper-case code, ``€ £ ¥ R$ US$``, or ``$``,
    which means ``default_currency`` when that is a dollar currency (CAD, AUD...) and USD
    otherwise.

    Separator rule, unless ``decimal_separator`` fixes it for a feed known to use one:

    * spaces and apostrophes only ever group thousands;
    * if both ``.`` and ``,`` occur, the last one is the decimal separator (``1.234,50``, ``1,234.50``);
    * if only one of them occurs more than once, it groups thousands (``1,000,000``);
    * if it occurs once, it groups thousands when exactly three digits follow (``1,000`` and
      ``1.234`` are one thousand and 1,234), else it is the decimal separator (``129,95``, ``12.5``).

    Thousands groups must have three digits (``1,23,456`` is refused), and at most two
    decimals are accepted (``1.2345`` is refused): a cent is the unit here.
    """
    original = text
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ").strip()
    match = _MONEY_RE.fullmatch(text)
    if not match:
        raise InvalidAmount(f'"{original}" is not an amount' if text else "an empty value is not an amount")
    before, after = match["before"], match["after"]
    if before and after and before != after:
        raise InvalidAmount(f'"{original}" names two currencies')
    symbol = before or after
    currency: str | None
    if symbol is None:
        currency = default_currency
    elif symbol == "$":
        currency = default_currency if default_currency in _DOLLAR_CURRENCIES else "USD"
    else:
        currency = _CURRENCY_SYMBOLS.get(symbol, symbol)
    negative = bool(match["sign1"] or match["sign2"])
    if match["sign1"] and match["sign2"]:
        raise InvalidAmount(f'"{original}" is not an amount')
    cents = _cents(match["number"], original, decimal_separator)
    if negative and cents:
        if not allow_negative:
            raise InvalidAmount(f'"{original}" is negative; a negative amount is not allowed here')
        cents = -cents
    return cents, currency


def _cents(number: str, original: str, decimal_separator: str | None) -> int:
    """Turn the digits-and-separators part into cents following the rule in ``parse_money``."""
    if not number[-1].isdigit():
        raise InvalidAmount(f'"{original}" is not an amount')
    decimal = decimal_separator
    if decimal is None:
        last_dot, last_comma = number.rfind("."), number.rfind(",")
        if last_dot >= 0 and last_comma >= 0:
            decimal = "." if last_dot > last_comma else ","
        elif last_dot >= 0 or last_comma >= 0:
            separator = "." if last_dot >= 0 else ","
            digits_after = len(number) - max(last_dot, last_comma) - 1
            if number.count(separator) == 1 and digits_after != 3:
                decimal = separator
    whole, fraction = number, ""
    if decimal is not None and decimal in number:
        whole, fraction = number.rsplit(decimal, 1)
        if not fraction.isdigit():
            raise InvalidAmount(f'"{original}" is not an amount')
        if len(fraction) > 2:
            raise InvalidAmount(f'"{original}" has more than two decimals')
    if not whole.isdigit():
        separators = {char for char in whole if not char.isdigit()}
        if len(separators) != 1 or not _GROUPED[separators.pop()].fullmatch(whole):
            raise InvalidAmount(f'"{original}" is not an amount: its separators do not group thousands by three digits')
    digits = "".join(char for char in whole if char.isdigit())
    if len(digits) > 15:
        raise InvalidAmount(f'"{original}" is too large to be an amount')
    return int(digits) * 100 + int(fraction.ljust(2, "0"))


def looks_like_amount(text: str) -> bool:
    """Return whether ``text`` reads as a money amount (negative included)."""
    try:
        parse_money(text, allow_negative=True)
    except InvalidAmount:
        return False
    return True


# --------------------------------------------------------------------------- dates

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_ISO_DATE = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})")
_YMD_SLASH = re.compile(r"(?P<year>[0-9]{4})/(?P<month>[0-9]{1,2})/(?P<day>[0-9]{1,2})")
_DOTTED = re.compile(r"(?P<day>[0-9]{1,2})\.(?P<month>[0-9]{1,2})\.(?P<year>[0-9]{4}|[0-9]{2})")
_NUMERIC = re.compile(r"(?P<a>[0-9]{1,2})(?P<sep>[/-])(?P<b>[0-9]{1,2})(?P=sep)(?P<year>[0-9]{4}|[0-9]{2})")
_WEEKDAY_PREFIX = r"(?:(?P<weekday>[A-Za-z]+)\.?,?\s+)?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_NAMED_MDY = re.compile(
    rf"{_WEEKDAY_PREFIX}(?P<month>[A-Za-z]+)\.?\s+(?P<day>[0-9]{{1,2}}){_ORDINAL},?\s+(?P<year>[0-9]{{4}})",
    re.IGNORECASE,
)
_NAMED_DMY = re.compile(
    rf"{_WEEKDAY_PREFIX}(?P<day>[0-9]{{1,2}}){_ORDINAL}\.?\s+(?P<month>[A-Za-z]+)\.?,?\s+(?P<year>[0-9]{{4}})",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"(?P<date>.+?)(?:T|\s+|,\s*)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]{1,9}))?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*(?P<zone>[Zz]|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)


def _year(text: str) -> int:
    # Two-digit years follow strptime's %y pivot: 00-68 are 20xx, 69-99 are 19xx.
    value = int(text)
    if len(text) == 2:
        return value + (2000 if value < 69 else 1900)
    return value


def _make_date(original: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidDate(f'"{original}" is not a real date (year {year}, month {month}, day {day})') from None


def parse_date(text: str, *, dayfirst: bool | None = None) -> date:
    """Read a calendar date.

    Accepted: ISO ``2025-10-12``, ``2025/10/12``, ``17.10.2017`` (always day first),
    ``Tuesday, October 17, 2017``, ``Oct 17, 2017``, ``17 October 2017``, and ``12/10/2025`` or
    ``12-10-25`` only when ``dayfirst`` says which number is the day: without it they are
    ambiguous and refused. Two-digit years are 2000-2068 or 1969-1999. A weekday, if given,
    must match the date. English month and weekday names only.
    """
    original = text
    text = " ".join(text.split())
    if not text:
        raise InvalidDate("an empty value is not a date")
    for pattern in (_ISO_DATE, _YMD_SLASH, _DOTTED):
        if match := pattern.fullmatch(text):
            return _make_date(original, _year(match["year"]), int(match["month"]), int(match["day"]))
    if match := _NUMERIC.fullmatch(text):
        if dayfirst is None:
            raise InvalidDate(
                f'"{original}" is ambiguous: it could be day/month or month/day, and the order is not configured'
            )
        day, month = (match["a"], match["b"]) if dayfirst else (match["b"], match["a"])
        return _make_date(original, _year(match["year"]), int(month), int(day))
    for pattern in (_NAMED_MDY, _NAMED_DMY):
        if (match := pattern.fullmatch(text)) and match["month"].lower() in _MONTHS:
            result = _make_date(original, int(match["year"]), _MONTHS[match["month"].lower()], int(match["day"]))
            weekday = match["weekday"]
            if weekday is not None:
                if weekday.lower() not in _WEEKDAYS:
                    raise InvalidDate(f'"{original}" is not a date: unknown weekday "{weekday}"')
                if _WEEKDAYS[weekday.lower()] != result.weekday():
                    # Names spelled out: strftime's %A and %B follow the process locale.
                    month_name = _MONTH_NAMES[result.month - 1]
                    actual = _WEEKDAY_NAMES[result.weekday()]
                    raise InvalidDate(
                        f'"{original}" is not a date: {month_name} {result.day}, {result.year} is a {actual}'
                    )
            return result
    if _TIME.fullmatch(text):
        raise InvalidDate(f'"{original}" has a time of day where a date alone is expected')
    raise InvalidDate(f'"{original}" is not a date')


def _zone(text: str) -> tzinfo:
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise InvalidDate(f'"{text}" is not a time zone offset')
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_datetime(text: str, *, dayfirst: bool | None = None, default_tz: tzinfo | str | None = None) -> datetime:
    """Read a date and time and return it timezone-aware, in UTC.

    The date part takes every form ``parse_date`` does; the time is ``HH:MM[:SS[.ffffff]]``
    after ``T``, a space or a comma, optionally with AM/PM, then optionally ``Z``, ``UTC`` or an
    offset like ``+02:00``. A date alone means midnight. Without a zone in the text the time is
    local to ``default_tz`` (a ``tzinfo`` or an IANA name such as ``"Europe/Berlin"``); without
    either it is refused rather than guessed. A local time skipped by a DST change is refused;
    one repeated by it is read as the first occurrence.
    """
    original = text
    text = " ".join(text.split())
    match = _TIME.fullmatch(text)
    if match:
        try:
            day = parse_date(match["date"], dayfirst=dayfirst)
        except InvalidDate as exc:
            raise InvalidDate(f'"{original}" is not a date and time ({exc})') from None
        hour, minute = int(match["hour"]), int(match["minute"])
        second = int(match["second"] or 0)
        microsecond = int((match["fraction"] or "0")[:6].ljust(6, "0"))
        if match["ampm"]:
            if not 1 <= hour <= 12:
                raise InvalidDate(f'"{original}" is not a time: hour {hour} with AM/PM')
            hour = hour % 12 + (12 if match["ampm"][0] in "Pp" else 0)
        if hour > 23 or minute > 59 or second > 59:
            raise InvalidDate(f'"{original}" is not a real time of day')
        naive = datetime.combine(day, time(hour, minute, second, microsecond))
        zone_text = match["zone"]
    else:
        naive = datetime.combine(parse_date(text, dayfirst=dayfirst), time())
        zone_text = None
    if zone_text:
        return naive.replace(tzinfo=_zone(zone_text)).astimezone(UTC)
    if default_tz is None:
        raise InvalidDate(f'"{original}" has no time zone, and no default zone is configured for it')
    zone = ZoneInfo(default_tz) if isinstance(default_tz, str) else default_tz
    aware = naive.replace(tzinfo=zone, fold=0)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise InvalidDate(f'"{original}" does not exist in {zone} (the clocks skip it)')
    return aware.astimezone(UTC)


def looks_like_date(text: str) -> bool:
    """Return whether ``text`` reads as a date or date and time in any accepted form and day order."""
    for dayfirst in (True, False):
        try:
            parse_datetime(text, dayfirst=dayfirst, default_tz=UTC)
        except InvalidDate:
            continue
        return True
    return False


def looks_like_text(text: str) -> bool:
    """Return whether ``text`` is neither a date nor an amount: a validator for name-like columns."""
    return not looks_like_date(text) and not looks_like_amount(text)


# --------------------------------------------------------------------------- booleans and integers

_TRUE = frozenset({"1", "yes", "true", "y", "in stock", "instock"})
_FALSE = frozenset({"0", "no", "false", "n", "out of stock", "outofstock"})
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}(?:\.0+)?")


def parse_bool(text: str) -> bool:
    """Read 1/0, yes/no, true/false, y/n or in stock/out of stock, in any case."""
    folded = " ".join(text.split()).casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise InvalidBoolean(f'"{text}" is not a yes/no value (use 1/0, yes/no, true/false, y/n, in stock/out of stock)')


def parse_int(text: str) -> int:
    """Read a whole number; ``12.0`` is 12 (spreadsheets write that) but ``12.5`` is refused."""
    stripped = text.strip()
    if not _INTEGER.fullmatch(stripped):
        if not stripped:
            raise InvalidInteger("an empty value is not a whole number")
        raise InvalidInteger(f'"{text}" is not a whole number')
    return int(stripped.split(".", 1)[0])
