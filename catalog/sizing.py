"""Size standardization: brand size charts, size labels, and EU sizes decided without guessing.

Pure Python (no database access). ``standardize`` answers one of three things: ``decided``
(the EU size and the chart line that says so), ``ambiguous`` (the candidate EU sizes and
why) or ``unknown`` (no chart line). Ambiguous and unknown sizes go to the review queue;
nothing here picks a "most likely" size. The rules are explained in
``docs/database/size-standardization.md``.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

DEFAULT_CHARTS_PATH: Final = Path(__file__).resolve().parent / "data" / "size_charts.json"

# The vocabularies of catalog.models.SizeRegion and GenderClass, repeated so that this
# module imports without Django; tests/catalog/test_sizing.py keeps them equal.
REGIONS: Final = ("US", "UK", "EU", "CM", "KR")
GENDER_CLASSES: Final = ("M", "W", "U", "GS", "PS", "TD")

# The range chk_sizes_standardized_value_range allows for sizes.standardized_value.
EU_MIN: Final = Decimal("15")
EU_MAX: Final = Decimal("55")

EU_AS_GIVEN: Final = "EU value as given"

# Brands sized on another brand's charts; mirrors "brand_aliases" in size_charts.json.
CHART_ALIASES: Final[Mapping[str, str]] = {"jordan": "nike"}

# The class a kids' suffix states (GS/Y, PS/C, TD) ...
SUFFIX_CLASS: Final[Mapping[str, str]] = {"Y": "GS", "C": "PS", "K": "TD", "T": "TD"}
# ... and the charts a suffixed size may be on: Nike's Y runs 1Y-7Y across its PS and GS
# charts and its C runs 1C-13.5C across TD and PS; adidas's K covers infants and little kids.
SUFFIX_CHARTS: Final[Mapping[str, tuple[str, ...]]] = {
    "Y": ("GS", "PS"),
    "C": ("PS", "TD"),
    "K": ("TD", "PS"),
    "T": ("TD",),
}


class Status(enum.StrEnum):
    """What standardizing a size concluded."""

    DECIDED = "decided"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ChartLine:
    """One line of a brand's size chart: ``value`` in ``region`` is EU ``eu_value``."""

    brand_slug: str
    gender_class: str
    region: str
    value: str
    eu_value: Decimal
    source: str


@dataclass(frozen=True)
class ParsedSize:
    """A size label taken apart.

    ``value`` is canonical text (``42 2/3``, ``42.5``, ``9``). ``region`` is None when the
    label names none and no default was given. ``gender_class`` is the class the label
    states (in either part) or the default; ``kids_suffix`` is the letter of a kids' size
    (``Y``, ``C``, ``K``, ``T``). ``secondary`` is the size given in parentheses or after
    a slash (``UK 6 (EU 39)``, ``M 9 / W 10.5``); its own class is None unless it states one.
    """

    region: str | None
    value: str
    gender_class: str | None = None
    kids_suffix: str | None = None
    secondary: ParsedSize | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome of standardizing one size.

    ``decided``: ``eu_value`` is the EU size; ``line`` the chart line used (None when an EU
    size was taken as given) and ``source`` its provenance. ``ambiguous``: ``candidates``
    are the EU sizes the charts allow (possibly none) and ``reason`` says why. ``unknown``:
    no chart line reads the size. ``lines`` are all chart lines behind the outcome.
    ``has_chart`` says a chart for this brand, class and region was consulted, so an
    unknown value is off that chart rather than uncharted.
    """

    status: Status
    reason: str
    eu_value: Decimal | None = None
    line: ChartLine | None = None
    source: str = ""
    candidates: tuple[Decimal, ...] = ()
    lines: tuple[ChartLine, ...] = ()
    has_chart: bool = False

    @property
    def is_decided(self) -> bool:
        return self.status is Status.DECIDED


# --- charts ------------------------------------------------------------------------------


def load_charts(path: str | Path | None = None) -> list[ChartLine]:
    """Read a size charts file (default: catalog/data/size_charts.json); raise ValueError on bad data."""
    chart_path = Path(path) if path is not None else DEFAULT_CHARTS_PATH
    document = json.loads(chart_path.read_text(encoding="utf-8"))
    lines: list[ChartLine] = []
    seen: set[tuple[str, str, str, str, Decimal]] = set()
    for number, chart in enumerate(document["charts"], start=1):
        where = f"{chart_path.name}: chart {number} ({chart.get('id', 'no id')})"
        for line in _chart_lines(chart, where):
            key = (line.brand_slug, line.gender_class, line.region, line.value, line.eu_value)
            # size_charts has this key unique: a repeated line is a copy-paste slip.
            if key in seen:
                raise ValueError(f"{where}: {line.region} {line.value} = EU {line.eu_value} is listed twice")
            seen.add(key)
            lines.append(line)
    return lines


def _chart_lines(chart: Mapping[str, Any], where: str) -> Iterable[ChartLine]:
    for key in ("brand", "gender_class", "source", "retrieved", "licence", "columns", "rows"):
        if not chart.get(key):
            raise ValueError(f"{where}: '{key}' is missing (every chart needs its provenance)")
    brand, klass, source, columns = chart["brand"], chart["gender_class"], chart["source"], chart["columns"]
    if klass not in GENDER_CLASSES:
        raise ValueError(f"{where}: gender_class {klass!r} is not one of {', '.join(GENDER_CLASSES)}")
    if len(source) > 255:
        raise ValueError(f"{where}: source is longer than the 255 characters size_charts.source holds")
    try:
        date.fromisoformat(chart["retrieved"])
    except ValueError:
        raise ValueError(f"{where}: retrieved {chart['retrieved']!r} is not an ISO date") from None
    if "EU" not in columns or len(set(columns)) != len(columns) or not set(columns) <= set(REGIONS):
        raise ValueError(f"{where}: columns {columns} must be distinct regions of {', '.join(REGIONS)}, EU included")
    for row_number, row in enumerate(chart["rows"], start=1):
        if len(row) != len(columns):
            raise ValueError(f"{where}, row {row_number}: {len(row)} cells for {len(columns)} columns")
        cells = dict(zip(columns, row, strict=True))
        eu_value = eu_decimal(cells["EU"] or "")
        if eu_value is None or not EU_MIN <= eu_value <= EU_MAX:
            raise ValueError(f"{where}, row {row_number}: EU {cells['EU']!r} is not an EU size in 15..55")
        for region, cell in cells.items():
            if cell is None:
                continue
            if normalize_value(cell) != cell:
                raise ValueError(f"{where}, row {row_number}: {region} {cell!r} is not canonical size text")
            yield ChartLine(brand, klass, region, cell, eu_value, source)


# --- values and labels -------------------------------------------------------------------

_VULGAR_FRACTIONS: Final = {"⅓": "1/3", "⅔": "2/3", "½": "1/2", "¼": "1/4", "¾": "3/4"}
_FRACTIONS: Final = {
    "1/3": Fraction(1, 3),
    "2/3": Fraction(2, 3),
    "1/2": Fraction(1, 2),
    "1/4": Fraction(1, 4),
    "3/4": Fraction(3, 4),
}
_NUMBER: Final = r"\d{1,3}(?:[.,]\d{1,2})?(?:\s*(?:[123]/[234]|[⅓⅔½¼¾]))?"
_VALUE_RE: Final = re.compile(
    r"(?P<whole>\d{1,3})(?:[.,](?P<decimals>\d{1,2}))?(?:\s*(?P<fraction>[123]/[234]))?",
)
# Decimal writings of thirds that feeds use for adidas sizes (42.67, 42.7 for 42 2/3).
_EU_FRACTIONS: Final = {
    Fraction(0): Fraction(0),
    Fraction(1, 2): Fraction(1, 2),
    Fraction(1, 3): Fraction(1, 3),
    Fraction(2, 3): Fraction(2, 3),
    Fraction(3, 10): Fraction(1, 3),
    Fraction(33, 100): Fraction(1, 3),
    Fraction(7, 10): Fraction(2, 3),
    Fraction(67, 100): Fraction(2, 3),
    Fraction(66, 100): Fraction(2, 3),
}


def normalize_value(text: str) -> str | None:
    """Return the canonical text of a size number (``42,5`` -> ``42.5``, ``42⅔`` -> ``42 2/3``), or None."""
    for symbol, fraction in _VULGAR_FRACTIONS.items():
        text = text.replace(symbol, f" {fraction}")
    match = _VALUE_RE.fullmatch(text.strip())
    if match is None:
        return None
    whole, decimals, fraction = match.group("whole", "decimals", "fraction")
    if fraction is None:
        return _plain(Decimal(f"{whole}.{decimals or '0'}"))
    if decimals is not None or fraction not in _FRACTIONS:
        return None
    # Thirds stay thirds (only EU uses them, and 42.7 is not 42 2/3); halves and quarters become decimals.
    if fraction in ("1/3", "2/3"):
        return f"{int(whole)} {fraction}"
    part = _FRACTIONS[fraction]
    return _plain(int(whole) + Decimal(part.numerator) / Decimal(part.denominator))


def eu_decimal(value: str) -> Decimal | None:
    """Return an EU size as a one-decimal Decimal (``36 2/3`` -> 36.7), or None if it is not one."""
    text = normalize_value(value)
    if text is None:
        return None
    exact = _exact(text)
    whole = exact.numerator // exact.denominator
    part = _EU_FRACTIONS.get(exact - whole)
    # EU sizes come in whole, half and third steps; anything else is not an EU size.
    if part is None:
        return None
    size = whole + part
    return (Decimal(size.numerator) / Decimal(size.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _exact(text: str) -> Fraction:
    whole, _, fraction = text.partition(" ")
    return Fraction(Decimal(whole)) + (_FRACTIONS[fraction] if fraction else 0)


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


_REGION_WORDS: Final = {
    "US": "US",
    "UK": "UK",
    "EU": "EU",
    "EUR": "EU",
    "FR": "EU",
    "CM": "CM",
    "JP": "CM",
    "KR": "KR",
    "MM": "KR",
}
_CLASS_WORDS: Final = {
    "M": "M",
    "MEN": "M",
    "MENS": "M",
    "MEN'S": "M",
    "W": "W",
    "WMNS": "W",
    "WOMEN": "W",
    "WOMENS": "W",
    "WOMEN'S": "W",
    "GS": "GS",
    "PS": "PS",
    "TD": "TD",
}
_PART_RE: Final = re.compile(
    rf"""
    (?:(?P<region>EUR|EU|FR|US|UK|CM|JP|KR|MM)\s*)?
    (?:(?P<class_before>WOMEN'?S|WOMEN|WMNS|MEN'?S|MEN|GS|PS|TD|M|W)\s*)?
    (?P<number>{_NUMBER})
    (?P<suffix>[YCKT])?
    (?:\s*(?P<class_after>GS|PS|TD|M|W))?
    """,
    re.IGNORECASE | re.VERBOSE,
)
# What a number can be in each region; KR is millimetres, so it never overlaps the others.
_PLAUSIBLE: Final = {
    "US": (Fraction(0), Fraction(25)),
    "UK": (Fraction(0), Fraction(25)),
    "EU": (Fraction(15), Fraction(60)),
    "CM": (Fraction(7), Fraction(40)),
    "KR": (Fraction(70), Fraction(400)),
    None: (Fraction(0), Fraction(400)),
}


@dataclass(frozen=True)
class _Part:
    region: str | None
    value: str
    gender_class: str | None
    kids_suffix: str | None


def parse_size_label(
    label: str, *, default_region: str | None = None, default_class: str | None = None
) -> ParsedSize | None:
    """Read a shoe size label from a feed or sales report; return None if it is not one.

    Understands ``9``, ``US M 9``, ``W 10.5``, ``M 9 / W 10.5``, ``UK 6 (EU 39)``,
    ``CM 23.5 (US M 4.5)``, ``EU 42 2/3``, ``42⅔``, ``4Y``, ``10C``, ``2T``, ``8K`` and
    ``42,5``. A region comes from the label, else from its form (thirds are EU; M/W and
    kids' letters are US), else ``default_region``. Apparel sizes (``XL``, ``One Size``)
    and labels with anything else in them return None.
    """
    if default_region is not None:
        default_region = _checked(default_region, REGIONS, "region")
    if default_class is not None:
        default_class = _checked(default_class, GENDER_CLASSES, "gender class")
    texts = _split_label(label.replace("’", "'").strip())
    if texts is None:
        return None
    primary = _parse_part(texts[0], default_region)
    secondary = _parse_part(texts[1], None) if texts[1] is not None else None
    if primary is None or (texts[1] is not None and secondary is None):
        return None
    # A class stated in either part is the label's (CM 23.5 (US M 4.5) is a men's size).
    stated = primary if primary.gender_class else secondary if secondary and secondary.gender_class else None
    return ParsedSize(
        region=primary.region,
        value=primary.value,
        gender_class=stated.gender_class if stated else default_class,
        kids_suffix=stated.kids_suffix if stated else None,
        secondary=ParsedSize(secondary.region, secondary.value, secondary.gender_class, secondary.kids_suffix)
        if secondary
        else None,
    )


def _split_label(label: str) -> tuple[str, str | None] | None:
    match = re.fullmatch(r"([^()]+?)\s*\(([^()]+)\)", label)
    if match:
        return match.group(1), match.group(2)
    if "(" in label or ")" in label:
        return None
    # A slash between two sizes ("M 9 / W 10.5"), not the one inside a third ("36 2/3").
    parts = re.split(r"\s*(?:\||(?<!\d)/|/(?!\d))\s*", label)
    if len(parts) == 1:
        return label, None
    if len(parts) == 2:
        return parts[0], parts[1]
    return None


def _parse_part(text: str, default_region: str | None) -> _Part | None:
    match = _PART_RE.fullmatch(text.strip())
    if match is None:
        return None
    value = normalize_value(match["number"])
    if value is None:
        return None
    region = _REGION_WORDS[match["region"].upper()] if match["region"] else None
    suffix = match["suffix"].upper() if match["suffix"] else None
    words = {_CLASS_WORDS[word.upper()] for word in (match["class_before"], match["class_after"]) if word}
    if len(words) > 1:
        return None
    klass = words.pop() if words else None
    if suffix is not None:
        # Kids' letters are US sizing (adidas also prints them on UK sizes: "UK 10K").
        if region not in (None, "US", "UK") or klass in ("M", "W", "U"):
            return None
        region = region or "US"
        klass = klass or SUFFIX_CLASS[suffix]
    if " " in value:  # thirds: only EU sizes come in thirds
        if region not in (None, "EU"):
            return None
        region = "EU"
    if region is None and klass in ("M", "W"):
        region = "US"  # M/W numbering is the US convention
    region = region or default_region
    low, high = _PLAUSIBLE[region]
    if not low <= _exact(value) <= high:
        return None
    return _Part(region, value, klass, suffix)


def _checked(value: str, allowed: Sequence[str], what: str) -> str:
    upper = value.strip().upper()
    if upper not in allowed:
        raise ValueError(f"{value!r} is not a {what}: use one of {', '.join(allowed)}")
    return upper


# --- standardization ---------------------------------------------------------------------


def standardize(
    charts: Sequence[ChartLine], *, brand_slug: str, region: str, value: str, gender_class: str | None
) -> Decision:
    """Decide the EU size of one size on a brand's charts, or say why it cannot be decided.

    Never guesses: a value the charts read two ways is ``ambiguous``, a value no chart
    lists is ``unknown``. An EU value is its own standard when the brand's EU chart for the
    class lists it, or when there is no such chart. Without a gender class (or with U), a
    non-EU value is decided only if the men's and women's charts (or a unisex chart) list
    it and every chart that lists it agrees. Jordan is read on Nike's charts.
    """
    region = _checked(region, REGIONS, "region")
    klass = _checked(gender_class, GENDER_CLASSES, "gender class") if gender_class else None
    text = normalize_value(value)
    if text is None:
        return Decision(Status.UNKNOWN, f"{value!r} is not a size value")
    brand = brand_slug.strip().lower()
    lines, chart_brand = _brand_lines(charts, brand)
    reading = _Reading(brand, chart_brand, region, text, klass)
    if region == "EU":
        return _standardize_eu(reading, lines)
    return _standardize_on_charts(reading, lines)


def standardize_label(
    charts: Sequence[ChartLine],
    brand_slug: str,
    label: str,
    default_class: str | None = None,
    *,
    default_region: str | None = None,
) -> Decision:
    """Parse a size label and standardize it; a secondary size in the label can settle an ambiguity.

    Both parts must agree: ``UK 6 (EU 39)`` on Nike's charts is EU 39 (UK 6 alone is 39 or
    40), while a secondary that contradicts the primary makes the label ambiguous. A kids'
    suffix is read on every chart that uses it (``2Y`` is on Nike's PS chart, ``10C`` on
    its TD chart) and decides only if those charts agree.
    """
    parsed = parse_size_label(label, default_region=default_region, default_class=default_class)
    texts = _split_label(label.strip())
    if parsed is None or texts is None:
        return Decision(Status.UNKNOWN, f"{label!r} is not a shoe size label")
    primary = _standardize_part(charts, brand_slug, parsed, parsed.gender_class, parsed.kids_suffix)
    second = parsed.secondary
    if second is None:
        return primary
    # The secondary part's own class, else the label's (UK 6 (EU 39) of a men's shoe).
    own = second.gender_class is not None
    secondary = _standardize_part(
        charts,
        brand_slug,
        second,
        second.gender_class if own else parsed.gender_class,
        second.kids_suffix if own else parsed.kids_suffix,
    )
    return _combine(primary, secondary, texts[0], texts[1] or "")


@dataclass(frozen=True)
class _Reading:
    brand: str
    chart_brand: str
    region: str
    value: str
    gender_class: str | None

    @property
    def size(self) -> str:
        return f"{self.region} {self.value}"

    @property
    def note(self) -> str:
        return f" ({self.brand} uses {self.chart_brand}'s charts)" if self.chart_brand != self.brand else ""

    def chart(self, classes: str, region: str = "") -> str:
        """Name a chart for reasons: "the nike M chart", "the adidas M/W EU chart"."""
        return " ".join(part for part in ("the", self.chart_brand, classes, region, "chart") if part)


def _brand_lines(charts: Sequence[ChartLine], brand: str) -> tuple[list[ChartLine], str]:
    own = [line for line in charts if line.brand_slug == brand]
    # A brand's own lines win over its alias, so Jordan-only lines could be added later.
    if own or brand not in CHART_ALIASES:
        return own, brand
    alias = CHART_ALIASES[brand]
    return [line for line in charts if line.brand_slug == alias], alias


def _classes_for(klass: str | None, lines: Sequence[ChartLine]) -> tuple[str, ...]:
    if klass is None:
        return GENDER_CLASSES
    if klass == "U" and not any(line.gender_class == "U" for line in lines):
        return ("M", "W")  # a unisex size without a unisex chart is a men's or a women's size
    return (klass,)


def _standardize_eu(reading: _Reading, lines: Sequence[ChartLine]) -> Decision:
    eu_value = eu_decimal(reading.value)
    if eu_value is None:
        return Decision(Status.UNKNOWN, f"{reading.size} is not an EU size (whole, half or third sizes only)")
    if not EU_MIN <= eu_value <= EU_MAX:
        return Decision(Status.UNKNOWN, f"{reading.size} is outside the EU sizes kept (15..55)")
    classes = _classes_for(reading.gender_class, lines)
    eu_lines = [line for line in lines if line.region == "EU" and line.gender_class in classes]
    stated = "/".join(classes) if reading.gender_class else ""
    if not eu_lines:
        return Decision(
            Status.DECIDED,
            f"{reading.brand} has no {stated + ' ' if stated else ''}EU chart to check {reading.size} against: "
            f"EU is the standard, taken as given{reading.note}",
            eu_value=eu_value,
            source=EU_AS_GIVEN,
            candidates=(eu_value,),
        )
    matches = [line for line in eu_lines if line.eu_value == eu_value]
    if not matches:
        return Decision(
            Status.UNKNOWN, f"{reading.size} is not on {reading.chart(stated, 'EU')}{reading.note}", has_chart=True
        )
    return _decided(matches, f"{reading.size} is on {reading.chart(_classes(matches), 'EU')}{reading.note}")


def _standardize_on_charts(reading: _Reading, lines: Sequence[ChartLine]) -> Decision:
    if not lines:
        return Decision(Status.UNKNOWN, f"{reading.brand} has no size chart{reading.note}")
    klass = reading.gender_class
    classes = _classes_for(klass, lines)
    region_lines = [line for line in lines if line.region == reading.region]
    class_lines = [line for line in region_lines if line.gender_class in classes]
    if not class_lines:
        others = [line for line in region_lines if line.value == reading.value]
        missing = f"{reading.brand} has no {'/'.join(classes) + ' ' if klass else ''}{reading.region} chart"
        if not others:
            return Decision(Status.UNKNOWN, f"{missing}{reading.note}")
        # Other classes' charts list the value, but reading it there would be a guess.
        return _ambiguous(
            others,
            f"{missing}{reading.note}; its other charts read {reading.size} as {_readings(others)}",
            has_chart=False,
        )
    matches = [line for line in class_lines if line.value == reading.value]
    if not matches:
        on = reading.chart(klass or "") if len(classes) == 1 else f"any {reading.chart_brand} chart"
        return Decision(Status.UNKNOWN, f"{reading.size} is not on {on}{reading.note}", has_chart=True)
    unclassed = len(classes) > 1
    without = "no gender class given" if klass is None else "a unisex (U) size"
    eu_values = {line.eu_value for line in matches}
    if len(eu_values) > 1:
        if unclassed:
            why = f"{without}, and the {reading.chart_brand} charts differ: {_readings(matches)}"
        else:
            why = f"{reading.size} is on {reading.chart(klass or '')} {len(eu_values)} times: {_readings(matches)}"
        return _ambiguous(matches, why, has_chart=True)
    listed = {line.gender_class for line in matches}
    # Without a class, one reading is safe only if both adult charts (or a unisex chart)
    # list the value: otherwise a chart that does not list it may be the one that applies.
    if unclassed and "U" not in listed and not {"M", "W"} <= listed:
        return _ambiguous(
            matches,
            f"{without}, and only {reading.chart(_classes(matches))} lists {reading.size} "
            f"({_readings(matches)}): the class decides whether that applies",
            has_chart=True,
        )
    eu_value = _plain(matches[0].eu_value)
    return _decided(matches, f"{reading.size} is EU {eu_value} on {reading.chart(_classes(matches))}{reading.note}")


def _decided(lines: Sequence[ChartLine], reason: str) -> Decision:
    return Decision(
        Status.DECIDED,
        reason,
        eu_value=lines[0].eu_value,
        line=lines[0],
        source=lines[0].source,
        candidates=(lines[0].eu_value,),
        lines=tuple(lines),
        has_chart=True,
    )


def _ambiguous(lines: Sequence[ChartLine], reason: str, *, has_chart: bool) -> Decision:
    return Decision(
        Status.AMBIGUOUS,
        reason,
        candidates=tuple(sorted({line.eu_value for line in lines})),
        lines=tuple(lines),
        has_chart=has_chart,
    )


def _readings(lines: Sequence[ChartLine]) -> str:
    return ", ".join(f"{line.gender_class} EU {_plain(line.eu_value)}" for line in lines)


def _classes(lines: Sequence[ChartLine]) -> str:
    return "/".join(dict.fromkeys(line.gender_class for line in lines))


def _standardize_part(
    charts: Sequence[ChartLine], brand_slug: str, part: ParsedSize, klass: str | None, suffix: str | None
) -> Decision:
    if part.region is None:
        return Decision(
            Status.AMBIGUOUS,
            f"{part.value} names no region (US, UK, EU, CM, KR); pass default_region for feeds that imply one",
        )
    if suffix is None or klass != SUFFIX_CLASS[suffix]:
        return standardize(charts, brand_slug=brand_slug, region=part.region, value=part.value, gender_class=klass)
    decisions = [
        standardize(charts, brand_slug=brand_slug, region=part.region, value=part.value, gender_class=chart_class)
        for chart_class in SUFFIX_CHARTS[suffix]
    ]
    # Read on every chart that uses the letter. If one of those charts is missing, its
    # reading is unknown, so the stated class's answer stands (ambiguous or unknown).
    if len(decisions) == 1 or any(not decision.has_chart for decision in decisions):
        return decisions[0]
    lines = tuple(line for decision in decisions for line in decision.lines)
    eu_values = {value for decision in decisions for value in decision.candidates}
    if not eu_values:
        return decisions[0]
    if len(eu_values) > 1:
        return _ambiguous(
            lines,
            f"{part.region} {part.value}{suffix} is on several charts with different sizes: {_readings(lines)}",
            has_chart=True,
        )
    return next(decision for decision in decisions if decision.candidates)


def _possible(decision: Decision) -> set[Decimal] | None:
    """Return the EU sizes a decision allows; None when it says nothing (no chart to read it on)."""
    if decision.eu_value is not None:
        return {decision.eu_value}
    if not decision.has_chart:
        return None
    # An unknown value on a chart that exists allows nothing: the label contradicts the chart.
    return set(decision.candidates)


def _combine(primary: Decision, secondary: Decision, primary_text: str, secondary_text: str) -> Decision:
    first, second = _possible(primary), _possible(secondary)
    if second is None:
        return primary
    if first is None:
        reason = f"{primary_text}: {primary.reason}; so read by {secondary_text}: {secondary.reason}"
        return replace(secondary, reason=reason)
    both = first & second
    told = f"{primary_text} allows {_eu_list(first)}, {secondary_text} allows {_eu_list(second)}"
    if len(both) != 1:
        why = "the label still allows several sizes" if both else "the label contradicts itself"
        return Decision(
            Status.AMBIGUOUS,
            f"{why}: {told}",
            candidates=tuple(sorted(both or first | second)),
            lines=primary.lines + secondary.lines,
            has_chart=True,
        )
    eu_value = both.pop()
    supporting = tuple(line for line in primary.lines + secondary.lines if line.eu_value == eu_value)
    if not supporting:  # both parts are EU values taken as given
        return replace(primary, reason=f"{told}: together EU {_plain(eu_value)}")
    return _decided(supporting, f"{told}: together EU {_plain(eu_value)}")


def _eu_list(values: set[Decimal]) -> str:
    return " or ".join(f"EU {_plain(value)}" for value in sorted(values)) if values else "no size on its chart"
