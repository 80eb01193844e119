"""A feed row's size and who the shoe is for: the size book and the gender class.

Pure Python, no database access: the importer loads the size charts (``SizeBook``'s
``charts`` and ``chart_ids``) and the reader asks the book for each row's size. The rules
and their reasons are in docs/imports/awin.md, "Sizes".
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from catalog.sizing import ChartLine, Decision, parse_size_label, standardize, standardize_label

# Region of a size label that names none. Awin's European merchants write EU sizes bare
# ("42.5"); a bare US or UK number (0..25) is implausible as an EU size and is refused by
# the parser, so a wrong guess here sends the size to review rather than to a wrong size.
DEFAULT_SIZE_REGION = "EU"

_WORDS = re.compile(r"[^\W\d_]+(?:'s)?")
_GENDER_WORDS = {
    "M": frozenset({"men", "men's", "mens", "man", "male", "herren", "herr", "homme", "hommes", "hombre", "uomo"}),
    "W": frozenset(
        {"women", "women's", "womens", "woman", "female", "ladies", "damen", "dame", "femme", "femmes", "mujer"}
    ),
    "U": frozenset({"unisex"}),
    "kids": frozenset(
        {
            "children",
            "children's",
            "childrens",
            "kids",
            "kid",
            "kinder",
            "junior",
            "juniors",
            "youth",
            "baby",
            "babies",
            "toddler",
            "infant",
            "infants",
            "boys",
            "girls",
            "jungen",
            "mädchen",
            "enfant",
            "enfants",
        }
    ),
}


# A size chart line's identity: brand slug, gender class, region, value, EU value.
ChartKey = tuple[str, str, str, str, Decimal]


@dataclass(frozen=True)
class SizeRef:
    """What a size label of a brand becomes in ``products.sizes``, decided once per import.

    ``region`` is None when the label cannot be placed at all (not a shoe size, or no brand
    to read a brand-specific size with); such rows can only match by GTIN. ``brand_slug`` is
    empty for EU sizes, which any brand shares (catalog.models.Size). ``eu_value`` is set
    only when the charts decide it; otherwise ``outcome`` and ``reason`` are what the size
    review queue is told.
    """

    ref: int
    brand_slug: str
    region: str | None
    value: str
    gender_class: str
    eu_value: Decimal | None
    chart_id: uuid.UUID | None
    outcome: str
    reason: str
    candidates: tuple[str, ...] = ()


class SizeBook:
    """Decide each (brand, label, class) once and number the outcomes for the staging table.

    Rules (docs/imports/awin.md, "Sizes"): a label decided as an EU size (bare ``42.5`` in
    a German feed, or ``UK 8 (EU 42.5)``) becomes the shared EU size with that value. An EU
    size the brand's chart does not list, and every other region, becomes a size of that
    brand, standardized as ``sizes_standardize`` would standardize it, so the review queue
    and later standardization runs see the same thing this import saw.
    """

    def __init__(self, charts: Sequence[ChartLine], chart_ids: Mapping[ChartKey, uuid.UUID]) -> None:
        self._charts = list(charts)
        self._chart_ids = dict(chart_ids)
        self._refs: dict[tuple[str, str, str], int] = {}
        self.sizes: list[SizeRef] = []
        self._sent = 0

    def ref(self, brand_slug: str, label: str, gender_class: str) -> int:
        """Return the number of the size this label stands for, deciding it the first time."""
        key = (brand_slug, label, gender_class)
        number = self._refs.get(key)
        if number is None:
            number = len(self.sizes)
            self.sizes.append(self._decide(number, brand_slug, label, gender_class))
            self._refs[key] = number
        return number

    def take_new(self) -> list[SizeRef]:
        """Return the sizes decided since the last call (each is sent to the database once)."""
        new = self.sizes[self._sent :]
        self._sent = len(self.sizes)
        return new

    def _chart_id(self, line: ChartLine | None) -> uuid.UUID | None:
        if line is None:
            return None
        return self._chart_ids.get((line.brand_slug, line.gender_class, line.region, line.value, line.eu_value))

    def _decide(self, number: int, brand_slug: str, label: str, gender_class: str) -> SizeRef:
        klass = gender_class or None
        parsed = parse_size_label(label, default_region=DEFAULT_SIZE_REGION, default_class=klass)
        if parsed is None or parsed.region is None:
            return SizeRef(number, "", None, "", "", None, None, "unreadable", f'"{label}" is not a shoe size')
        own_class = parsed.gender_class or ""
        decision = standardize_label(self._charts, brand_slug, label, klass, default_region=DEFAULT_SIZE_REGION)
        secondary = parsed.secondary
        eu_part = parsed if parsed.region == "EU" else secondary if secondary and secondary.region == "EU" else None
        if decision.is_decided and eu_part is not None:
            return SizeRef(number, "", "EU", eu_part.value, own_class, decision.eu_value, None, "decided", "")
        if not brand_slug:
            reason = f'"{label}" is not a size that can be read without a brand (the row has no brand_name)'
            return SizeRef(number, "", None, "", "", None, None, "unreadable", reason)
        if parsed.region != "EU":
            # The brand's size row holds the primary part alone, decided as sizes_standardize would.
            decision = standardize(
                self._charts,
                brand_slug=brand_slug,
                region=parsed.region,
                value=parsed.value,
                gender_class=parsed.gender_class,
            )
        return self._brand_size(number, brand_slug, parsed.region, parsed.value, own_class, decision)

    def _brand_size(
        self, number: int, brand_slug: str, region: str, value: str, gender_class: str, decision: Decision
    ) -> SizeRef:
        label = (number, brand_slug, region, value, gender_class)
        if decision.is_decided:
            return SizeRef(*label, decision.eu_value, self._chart_id(decision.line), "decided", "")
        candidates = tuple(str(candidate) for candidate in decision.candidates)
        return SizeRef(*label, None, None, decision.status.value, decision.reason, candidates)


def gender_class_of(*texts: str) -> str:
    """Return M, W or U from what a row says the shoe is for; empty for kids or when it does not say.

    Kids' shoes get no class: GS, PS and TD cannot be told from a category name, and the
    EU size is read on every kids' chart instead.
    """
    for text in texts:
        words = set(_WORDS.findall(text.casefold()))
        if not words:
            continue
        if words & _GENDER_WORDS["kids"]:
            return ""
        men, women = bool(words & _GENDER_WORDS["M"]), bool(words & _GENDER_WORDS["W"])
        if (men and women) or words & _GENDER_WORDS["U"]:
            return "U"
        if men:
            return "M"
        if women:
            return "W"
    return ""
