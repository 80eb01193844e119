"""Reading one Awin publisher feed row: validation and normalization, sizes, brands, style codes.

Pure Python, no database access: ``pricing/services.py`` (``awin_feed_import``) opens the file
through ``soleflip.tabular``, hands every row to an ``AwinRowReader`` and streams what it
returns into a staging table. The reader validates everything a row must satisfy before a
single row is written (price, currency, GTIN check digits, dates not in the future, links,
lengths the tables hold, duplicate ``aw_product_id`` within the file), and every problem is
a ``RowError`` naming file, line and column. The rules and their reasons are in
docs/imports/awin.md.

Speed matters here: every row of a million-row feed passes through ``read``, so a row
unchanged since the last import is recognized by its fingerprint before anything else, and
the common shapes of each value take a fast path before the general parsers in
``soleflip.tabular`` (which accept every spelling and explain every refusal).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import uuid
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.utils.text import slugify

from catalog.gtin import gtin_check_digit
from catalog.sizing import ChartLine, Decision, parse_size_label, standardize, standardize_label
from soleflip.tabular.errors import FileRejected, InvalidValue, RowError
from soleflip.tabular.reader import Row
from soleflip.tabular.values import parse_bool, parse_datetime, parse_int, parse_money

# --- columns -----------------------------------------------------------------------------

AW_PRODUCT_ID = "aw_product_id"
MERCHANT_ID = "merchant_id"
# Awin's price columns in the order they are trusted: search_price is the price the offer
# sells at; store_price and display_price (``EUR130.00``) stand in when it is missing.
PRICE_COLUMNS = ("search_price", "store_price", "display_price")
# GTIN columns, in the order they are read; a row whose codes disagree is refused.
GTIN_COLUMNS = ("ean", "product_GTIN", "upc")
SIZE_COLUMNS = ("Fashion:size", "size")
IMAGE_COLUMNS = ("merchant_image_url", "aw_image_url", "large_image")
# Where a row says who the shoe is for, most specific first.
GENDER_COLUMNS = ("Fashion:suitable_for", "category_name", "merchant_category")
# The columns this importer reads; any other column is kept in ``raw`` only.
KNOWN_COLUMNS = (
    AW_PRODUCT_ID,
    MERCHANT_ID,
    "merchant_name",
    "merchant_product_id",
    "product_name",
    "brand_name",
    *PRICE_COLUMNS,
    "currency",
    *GTIN_COLUMNS,
    "mpn",
    "description",
    "merchant_deep_link",
    "aw_deep_link",
    *IMAGE_COLUMNS,
    "in_stock",
    "stock_quantity",
    "is_for_sale",
    *SIZE_COLUMNS,
    "colour",
    *GENDER_COLUMNS,
    "last_updated",
)

# What the integration.awin_products columns (and price_sources.source_url) hold. A longer
# value is refused rather than cut: the cut value would be compared on every re-import.
MAX_LENGTHS = {
    AW_PRODUCT_ID: 40,
    "merchant_name": 150,
    "merchant_product_id": 100,
    "product_name": 500,
    "brand_name": 150,
    "mpn": 100,
    "colour": 150,
    "category_name": 150,
    "merchant_deep_link": 1000,  # it becomes price_sources.source_url (1000)
    "aw_deep_link": 2000,
}
SIZE_LABEL_MAX = 40
IMAGE_URL_MAX = 1000
STYLE_CODE_MAX = 50  # products.style_code
PRODUCT_NAME_MAX = 255  # products.name

# Awin writes last_updated without a zone. It is read as Berlin time (Awin's home zone and
# the easternmost its European merchants stamp in): a UTC or London stamp read that way only
# comes out an hour or two older, while a Berlin stamp read as UTC would land up to two hours
# in the future and be refused.
FEED_TIME_ZONE = ZoneInfo("Europe/Berlin")
# Clock skew allowed between the merchant's server and ours (docs/adr/0006).
FUTURE_TOLERANCE = timedelta(minutes=5)
# Region of a size label that names none. Awin's European merchants write EU sizes bare
# ("42.5"); a bare US or UK number (0..25) is implausible as an EU size and is refused by
# the parser, so a wrong guess here sends the size to review rather than to a wrong size.
DEFAULT_SIZE_REGION = "EU"

# Bumped when the way a row is read changes, so a re-import rewrites rows read the old way.
READER_VERSION = b"awin-reader-2"  # at most 16 bytes (blake2b person); 2: over the row's text

_PLAIN_PRICE = re.compile(r"([0-9]{1,9})\.([0-9]{2})")
_MERCHANT_ID = re.compile(r"[0-9]{1,20}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_STYLE_SUFFIX = re.compile(r"[A-Z0-9]{2,}(?:[-.][A-Z0-9]{2,4})?")
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


# --- the header --------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedLayout:
    """Which of the known columns a feed has, under the names it spells them with.

    Awin's own columns are lower case except ``product_GTIN`` and ``Fashion:*``; feeds that
    went through a spreadsheet come back as ``EAN`` or ``Product_GTIN``, so names are matched
    without regard to case. Two columns that differ only in case are refused: which one
    holds the value cannot be told.
    """

    file: str
    header: tuple[str, ...]
    columns: Mapping[str, str]  # known name -> name in this file

    @classmethod
    def from_header(cls, file: str, header: Sequence[str], *, merchant: str | None, line: int = 1) -> FeedLayout:
        """Map the known columns; raise ``FileRejected`` if the feed cannot be imported at all."""
        by_folded: dict[str, list[str]] = {}
        for name in header:
            if name:
                by_folded.setdefault(name.casefold(), []).append(name)
        problems: list[RowError] = []
        columns: dict[str, str] = {}
        for known in KNOWN_COLUMNS:
            found = by_folded.get(known.casefold(), [])
            if len(found) > 1:
                names = " and ".join(f'"{name}"' for name in found)
                problems.append(RowError(file, line, None, f"columns {names} differ only in case; keep one of them"))
            elif found:
                columns[known] = found[0]
        if AW_PRODUCT_ID not in columns:
            problems.append(RowError(file, line, None, f'missing required column "{AW_PRODUCT_ID}"'))
        if not any(column in columns for column in PRICE_COLUMNS):
            names = ", ".join(f'"{column}"' for column in PRICE_COLUMNS)
            problems.append(RowError(file, line, None, f"missing a price column: one of {names} is required"))
        if MERCHANT_ID not in columns and merchant is None:
            problems.append(
                RowError(
                    file,
                    line,
                    None,
                    f'the feed has no "{MERCHANT_ID}" column: say whose feed it is with --merchant (the Awin '
                    "advertiser id)",
                )
            )
        if problems:
            raise FileRejected(file, "; ".join(problem.message for problem in problems), problems)
        return cls(file, tuple(header), columns)

    def get(self, known: str) -> str | None:
        """Return the file's name for a known column, or None when the feed lacks it."""
        return self.columns.get(known)


# --- sizes -------------------------------------------------------------------------------


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
        if decision.is_decided:
            return SizeRef(
                number,
                brand_slug,
                region,
                value,
                gender_class,
                decision.eu_value,
                self._chart_id(decision.line),
                "decided",
                "",
            )
        candidates = tuple(str(candidate) for candidate in decision.candidates)
        return SizeRef(
            number,
            brand_slug,
            region,
            value,
            gender_class,
            None,
            None,
            decision.status.value,
            decision.reason,
            candidates,
        )


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


# --- brands ------------------------------------------------------------------------------


class BrandBook:
    """Map a feed's brand_name to the slug of a catalog brand: an existing one, else a new slug.

    Existing brands are matched by slug or by name without regard to case (``ASICS`` and
    ``Asics`` are one brand); a new brand's slug is ``slugify(name)``, which is also what the
    size charts are keyed by (``new-balance``).
    """

    def __init__(self, brands: Iterable[tuple[str, str]]) -> None:
        self._slugs: dict[str, str] = {}
        for name, slug in brands:
            self._slugs.setdefault(slug, slug)
            self._slugs.setdefault(name.casefold(), slug)
        self._cache: dict[str, str] = {}

    def slug(self, name: str) -> str:
        """Return the slug for a brand name; empty for a blank name."""
        slug = self._cache.get(name)
        if slug is None:
            new = slugify(name)[:100]
            slug = self._slugs.get(name.casefold()) or self._slugs.get(new) or new
            self._cache[name] = slug
        return slug


def style_code_of(mpn: str, description: str) -> str:
    """Return a row's style code: ``mpn``, else one the merchant appends to the description.

    size? and other JD group feeds leave ``mpn`` empty and end the description with
    ``| DD1391-100``. That tail is taken only when it looks like a style code (capitals and
    digits, at least one digit, an optional ``-`` or ``.`` part), so a sentence never becomes
    one. Codes are kept upper case with single spaces; products are matched on that form.
    """
    code = " ".join(mpn.split()).upper()
    if code:
        return code if len(code) <= STYLE_CODE_MAX else ""
    _head, bar, tail = description.rpartition("|")
    if not bar:
        return ""
    tail = tail.strip().rstrip("_.-")
    if 5 <= len(tail) <= 20 and _STYLE_SUFFIX.fullmatch(tail) and any(char.isdigit() for char in tail):
        return tail
    return ""


# --- rows --------------------------------------------------------------------------------


class AwinRow(NamedTuple):
    """One validated feed row, as the staging table takes it (a tuple: a million are made)."""

    line: int
    merchant_id: str
    aw_product_id: str
    merchant_name: str
    merchant_product_id: str
    product_name: str
    brand_name: str
    brand_slug: str
    ean_raw: str
    ean: str | None
    mpn: str
    style_code: str
    size_label: str
    size_ref: int | None
    gender_class: str
    colour: str
    category_name: str
    price_cents: int
    currency: str
    in_stock: bool
    stock_quantity: int | None
    merchant_deep_link: str
    aw_deep_link: str
    image_url: str
    last_updated: datetime | None
    fingerprint: int


class Snapshot:
    """The fingerprints of one merchant's rows already imported and matched, with their ids.

    A row whose fingerprint is here is byte for byte a row imported before (the fingerprint
    covers the row's text, ``aw_product_id`` included): it is neither staged nor written,
    since its raw row, its match and the price written from them are what the file says
    (docs/imports/awin.md, "Re-imports"). The fingerprints sit in one sorted array, 8 bytes
    a row, and the ``aw_product_id`` of each (0 when not a plain number) in a parallel one:
    a million-row merchant costs 16 MB, where a dict of ids would cost 100.
    """

    def __init__(self, merchant_id: str, fingerprints: Iterable[int], aw_ids: Iterable[int] = ()) -> None:
        pairs = sorted(itertools.zip_longest(fingerprints, aw_ids, fillvalue=0))
        self.merchant_id = merchant_id
        self._fingerprints = array("q", (fingerprint for fingerprint, _ in pairs))
        self._aw_ids = array("q", (aw_id for _, aw_id in pairs))

    @classmethod
    def from_sorted(cls, merchant_id: str, fingerprints: array[int], aw_ids: array[int]) -> Snapshot:
        """Wrap arrays already in fingerprint order (as the database sends them) without sorting again."""
        snapshot = cls(merchant_id, ())
        snapshot._fingerprints, snapshot._aw_ids = fingerprints, aw_ids
        return snapshot

    def __len__(self) -> int:
        return len(self._fingerprints)

    def __contains__(self, fingerprint: object) -> bool:
        return self._index(fingerprint) is not None

    def _index(self, fingerprint: object) -> int | None:
        values = self._fingerprints
        index = bisect_left(values, fingerprint)  # type: ignore[call-overload]
        return index if index < len(values) and values[index] == fingerprint else None


def is_merchant_id(text: str) -> bool:
    """Return whether the text is an Awin merchant (advertiser) id: ASCII digits, at most 20."""
    return bool(_MERCHANT_ID.fullmatch(text))


def numeric_id(text: str) -> int | None:
    """Return an aw_product_id as an int when that loses nothing ("0123" stays text), else None."""
    if text.isdigit() and len(text) <= 18 and text[0] != "0":
        return int(text)
    return None


def fingerprint_base(header: Sequence[str]) -> hashlib.blake2b:
    """Return the hash every row fingerprint of a feed with this header starts from."""
    base = hashlib.blake2b(digest_size=8, person=READER_VERSION)
    base.update("\x1f".join(header).encode())
    return base


@dataclass
class ReaderStats:
    """What ``AwinRowReader.read`` has seen so far."""

    rows: int = 0
    bad_rows: int = 0
    unchanged: int = 0


class AwinRowReader:
    """Validate feed rows one at a time and turn the good ones into ``AwinRow`` tuples.

    ``merchant`` is the ``--merchant`` option: the merchant of rows whose feed has no
    ``merchant_id`` column (or an empty cell), and a check on the rows that have one.
    ``snapshot``, when given, lets unchanged rows of that merchant be skipped: ``read``
    returns None for them and counts them in ``stats.unchanged``.
    """

    def __init__(
        self,
        layout: FeedLayout,
        *,
        merchant: str | None,
        brands: BrandBook,
        sizes: SizeBook,
        now: datetime,
        snapshot: Snapshot | None = None,
    ) -> None:
        self.layout = layout
        self.merchant = merchant
        self.brands = brands
        self.sizes = sizes
        self.snapshot = snapshot
        self.stats = ReaderStats()
        self._latest = now + FUTURE_TOLERANCE
        self._seen_numeric: set[int] = set()
        self._seen_other: set[str] = set()
        self._fingerprint_base = fingerprint_base(layout.header)
        column = layout.get
        self._c_aw = column(AW_PRODUCT_ID) or AW_PRODUCT_ID
        self._c_merchant = column(MERCHANT_ID)
        self._c_currency = column("currency")
        self._c_description = column("description")
        self._c_prices = [name for known in PRICE_COLUMNS if (name := column(known))]
        self._c_gtins = [name for known in GTIN_COLUMNS if (name := column(known))]
        self._c_size = next((name for known in SIZE_COLUMNS if (name := column(known))), None)
        self._c_images = [name for known in IMAGE_COLUMNS if (name := column(known))]
        self._c_gender = [name for known in GENDER_COLUMNS if (name := column(known))]
        self._c_links = [name for known in ("merchant_deep_link", "aw_deep_link") if (name := column(known))]
        self._c_in_stock = column("in_stock")
        self._c_quantity = column("stock_quantity")
        self._c_for_sale = column("is_for_sale")
        self._c_last_updated = column("last_updated")
        # (name in the file, limit) in MAX_LENGTHS order; None for columns the feed lacks.
        self._texts = [(column(known), limit) for known, limit in MAX_LENGTHS.items()]
        self._genders: dict[tuple[str, ...], str] = {}
        self._style: tuple[str, str, str] = ("", "", "")

    def refresh_clock(self, now: datetime) -> None:
        """Move the future limit on; called now and then, so a long import never trips on its own clock."""
        self._latest = now + FUTURE_TOLERANCE

    def line_skipper(self) -> Callable[[str], bool]:
        """The test whether a line of the file, unparsed, is a row imported before (then counted unchanged).

        Used through ``TabularReader.skip_lines`` for the snapshot's merchant: the line's
        fingerprint is the one its row would have, and the snapshot gives the row's
        ``aw_product_id``, so the file-wide duplicate check holds without parsing (a repeat
        is not skipped, and ``read`` reports it). Parsing a 92-column row costs about 20 µs;
        this about 2. It runs once per line of a re-imported feed, so it is one closure with
        everything it reads bound to locals (attribute lookups and method calls were a good
        part of its cost), the snapshot's lookup inlined.
        """
        snapshot = self.snapshot
        if snapshot is None:
            return lambda text: False
        fingerprints, aw_ids, size = snapshot._fingerprints, snapshot._aw_ids, len(snapshot)
        new_digest, from_bytes, seen = self._fingerprint_base.copy, int.from_bytes, self._seen_numeric
        stats = self.stats

        def skip(text: str) -> bool:
            digest = new_digest()
            digest.update(text.encode())
            fingerprint = from_bytes(digest.digest(), "big", signed=True)
            index = bisect_left(fingerprints, fingerprint)
            if index == size or fingerprints[index] != fingerprint:
                return False
            aw_id = aw_ids[index]
            if not aw_id or aw_id in seen:
                return False
            seen.add(aw_id)
            stats.rows += 1
            stats.unchanged += 1
            return True

        return skip

    def _fingerprint(self, text: str) -> int:
        digest = self._fingerprint_base.copy()
        digest.update(text.encode())
        return int.from_bytes(digest.digest(), "big", signed=True)

    def read(self, row: Row) -> AwinRow | list[RowError] | None:
        """Return the row validated, its problems, or None when it is unchanged since the last import."""
        stats = self.stats
        stats.rows += 1
        # The row's text as written; a row built in code has none, and its cells stand in.
        fingerprint = self._fingerprint(row.text or "\x1f".join(row.values()))
        snapshot = self.snapshot
        if snapshot is not None:
            # A row identical to one imported, validated and matched before is valid still
            # (its last_updated only grew older): only its uniqueness in this file is checked.
            merchant = (row[self._c_merchant].strip() if self._c_merchant else "") or self.merchant
            if (
                merchant == snapshot.merchant_id
                and fingerprint in snapshot
                and not self._is_duplicate(row[self._c_aw].strip())
            ):
                stats.unchanged += 1
                return None
        return self._validate(row, fingerprint)

    def _validate(self, row: Row, fingerprint: int) -> AwinRow | list[RowError]:
        stats = self.stats
        errors: list[RowError] = []
        file, line = self.layout.file, row.line
        # The ten columns with a length limit, in MAX_LENGTHS order.
        texts: list[str] = []
        for name, limit in self._texts:
            value = row[name].strip() if name else ""
            if len(value) > limit:
                errors.append(RowError(file, line, name, f"is {len(value)} characters long; at most {limit} are kept"))
            texts.append(value)
        aw_product_id, merchant_name, merchant_product_id, product_name, brand_name, mpn, colour, category = texts[:8]
        merchant_deep_link, aw_deep_link = texts[8:]

        if not aw_product_id:
            errors.append(RowError(file, line, self._c_aw, "aw_product_id is empty: every row needs Awin's product id"))
        elif self._is_duplicate(aw_product_id):
            message = f'aw_product_id "{aw_product_id}" appears on an earlier line of this file'
            errors.append(RowError(file, line, self._c_aw, message))
        merchant_id = self._merchant(row, errors)
        price_cents, currency = self._price(row, errors)
        ean_raw, ean = self._gtin(row, errors)
        in_stock, stock_quantity = self._stock(row, errors)
        last_updated = self._last_updated(row, errors)
        for name in self._c_links:
            link = row[name].strip()
            if link and not (link.startswith(("https://", "http://")) and " " not in link) and not _URL.fullmatch(link):
                errors.append(RowError(file, line, name, f'"{_clip(link)}" is not a web address (http:// or https://)'))
        size_label = row[self._c_size].strip() if self._c_size else ""
        if len(size_label) > SIZE_LABEL_MAX:
            message = f"is {len(size_label)} characters long; at most {SIZE_LABEL_MAX} are kept"
            errors.append(RowError(file, line, self._c_size, message))
        if errors:
            stats.bad_rows += 1
            return errors

        brand_slug = self.brands.slug(brand_name)
        gender_class = self._gender_class(row)
        return AwinRow(
            line,
            merchant_id,
            aw_product_id,
            merchant_name,
            merchant_product_id,
            product_name,
            brand_name,
            brand_slug,
            ean_raw,
            ean,
            mpn,
            self._style_code(row, mpn),
            size_label,
            self.sizes.ref(brand_slug, size_label, gender_class) if size_label else None,
            gender_class,
            colour,
            category,
            price_cents,
            currency,
            in_stock,
            stock_quantity,
            merchant_deep_link,
            aw_deep_link,
            self._image_url(row),
            last_updated,
            fingerprint,
        )

    def raw_json(self, row: Row) -> str:
        """Return the row's non-empty cells as JSON, column by column as the feed names them."""
        return json.dumps(
            {key: value for key, value in row.items() if value}, ensure_ascii=False, separators=(",", ":")
        )

    # -- the parts of ``read``: each checks its columns and appends what is wrong -------------

    def _is_duplicate(self, aw_product_id: str) -> bool:
        # Awin's product ids are unique across its network, so a repeat is a duplicate row
        # whatever merchant it names. Ints where possible: a million ids cost 60 MB as str.
        key = numeric_id(aw_product_id)
        if key is None:
            if aw_product_id in self._seen_other:
                return True
            self._seen_other.add(aw_product_id)
            return False
        if key in self._seen_numeric:
            return True
        self._seen_numeric.add(key)
        return False

    def _merchant(self, row: Row, errors: list[RowError]) -> str:
        column = self._c_merchant
        value = row[column].strip() if column else ""
        if not value:
            if self.merchant is None:
                errors.append(
                    RowError(self.layout.file, row.line, column, "merchant_id is empty and no --merchant was given")
                )
            return self.merchant or ""
        if not _MERCHANT_ID.fullmatch(value):
            message = f'"{_clip(value)}" is not an Awin merchant id (digits only)'
            errors.append(RowError(self.layout.file, row.line, column, message))
        elif self.merchant is not None and value != self.merchant:
            message = f"merchant_id {value} is not the merchant given with --merchant ({self.merchant})"
            errors.append(RowError(self.layout.file, row.line, column, message))
        return value

    def _price(self, row: Row, errors: list[RowError]) -> tuple[int, str]:
        file, line, column = self.layout.file, row.line, self._c_currency
        stated = row[column].strip().upper() if column else ""
        if stated and not _CURRENCY.fullmatch(stated):
            errors.append(RowError(file, line, column, f'"{_clip(stated)}" is not a currency code such as EUR'))
            return 0, ""
        for name in self._c_prices:
            text = row[name].strip()
            if not text:
                continue
            plain = _PLAIN_PRICE.fullmatch(text) if stated else None
            if plain:
                cents, currency = int(plain[1]) * 100 + int(plain[2]), stated
            else:
                try:
                    cents, found = parse_money(text, stated or None)
                except InvalidValue as exc:
                    errors.append(RowError(file, line, name, str(exc)))
                    return 0, stated
                if found and stated and found != stated:
                    message = f'"{text}" is in {found}, but the currency column says {stated}'
                    errors.append(RowError(file, line, name, message))
                    return 0, stated
                if not found:
                    message = f'"{text}" names no currency, and the row has no currency'
                    errors.append(RowError(file, line, column or name, message))
                    return 0, stated
                currency = found
            if cents == 0:
                errors.append(RowError(file, line, name, "a price of 0 is not an offer"))
            return cents, currency
        empty = " and ".join(self._c_prices)
        errors.append(RowError(file, line, self._c_prices[0], f"the row has no price ({empty} empty)"))
        return 0, stated

    def _gtin(self, row: Row, errors: list[RowError]) -> tuple[str, str | None]:
        first_raw, canonical = "", None
        for name in self._c_gtins:
            raw = row[name].strip()
            if not raw:
                continue
            code = gtin_canonical(raw)
            if code is None:
                errors.append(RowError(self.layout.file, row.line, name, _gtin_problem(raw)))
            elif canonical is None:
                first_raw, canonical = raw, code
            elif code != canonical:
                message = f"{raw} names another product than {first_raw} in the same row"
                errors.append(RowError(self.layout.file, row.line, name, message))
        return first_raw, canonical

    def _stock(self, row: Row, errors: list[RowError]) -> tuple[bool, int | None]:
        quantity = None
        if name := self._c_quantity:
            text = row[name].strip()
            if text.isdigit():
                quantity = int(text)
            elif text:
                try:
                    quantity = parse_int(text)
                except InvalidValue as exc:
                    errors.append(RowError(self.layout.file, row.line, name, str(exc)))
                else:
                    if quantity < 0:
                        message = f"a stock quantity of {quantity} is negative"
                        errors.append(RowError(self.layout.file, row.line, name, message))
                        quantity = None
        in_stock = self._flag(row, self._c_in_stock, errors)
        for_sale = self._flag(row, self._c_for_sale, errors)
        if in_stock is None:
            # Feeds that leave in_stock empty still say it through the quantity.
            in_stock = quantity > 0 if quantity is not None else True
        return in_stock and for_sale is not False, quantity

    def _flag(self, row: Row, column: str | None, errors: list[RowError]) -> bool | None:
        if column is None:
            return None
        text = row[column].strip()
        if not text:
            return None
        value = _TRUE_FALSE.get(text)
        if value is not None:
            return value
        try:
            return parse_bool(text)
        except InvalidValue as exc:
            errors.append(RowError(self.layout.file, row.line, column, str(exc)))
            return None

    def _last_updated(self, row: Row, errors: list[RowError]) -> datetime | None:
        name = self._c_last_updated
        text = row[name].strip() if name else ""
        if not text:
            return None
        try:
            value = _parse_timestamp(text)
        except InvalidValue as exc:
            errors.append(RowError(self.layout.file, row.line, name, str(exc)))
            return None
        if value > self._latest:
            message = f'"{text}" is in the future (more than {_minutes(FUTURE_TOLERANCE)} ahead of this server)'
            errors.append(RowError(self.layout.file, row.line, name, message))
            return None
        return value

    def _gender_class(self, row: Row) -> str:
        # A feed has a handful of categories: read each combination once.
        key = tuple(row[name] for name in self._c_gender)
        klass = self._genders.get(key)
        if klass is None:
            klass = self._genders[key] = gender_class_of(*key)
        return klass

    def _style_code(self, row: Row, mpn: str) -> str:
        # The sizes of one product follow each other and share mpn and description.
        description = row[self._c_description] if self._c_description else ""
        last_mpn, last_description, code = self._style
        if mpn != last_mpn or description != last_description:
            code = style_code_of(mpn, description)
            self._style = (mpn, description, code)
        return code

    def _image_url(self, row: Row) -> str:
        # An image is a nicety: a broken or over-long one is dropped, never a reason to refuse the row.
        for name in self._c_images:
            value = row[name].strip()
            if value:
                return value if len(value) <= IMAGE_URL_MAX and _URL.fullmatch(value) else ""
        return ""


_TRUE_FALSE = {"1": True, "0": False}


@lru_cache(maxsize=8192)
def _parse_timestamp(text: str) -> datetime:
    # Feeds repeat a few thousand distinct stamps over a million rows: parse each once.
    return parse_datetime(text, default_tz=FEED_TIME_ZONE)


def gtin_canonical(raw: str) -> str | None:
    """Return the canonical GTIN (``catalog.gtin.normalize_gtin``'s form), or None if it is not one."""
    code = raw if raw.isdigit() else "".join(raw.split())
    if len(code) not in (8, 12, 13, 14) or not code.isdigit():
        return None
    # GS1's sum (catalog.gtin.gtin_check_digit) over the ASCII codes: from the right of the
    # body, weights 3, 1, 3, ... Summing bytes runs in C; a million codes take 0.3 s, not 2.
    digits = code.encode()
    threes, ones = digits[-2::-2], digits[-3::-2]
    total = 3 * (sum(threes) - 48 * len(threes)) + sum(ones) - 48 * len(ones)
    if (10 - total % 10) % 10 != digits[-1] - 48:
        return None
    padded = code.zfill(14)
    return padded[1:] if padded[0] == "0" else padded


def _gtin_problem(raw: str) -> str:
    code = "".join(raw.split())
    if not code.isdigit():
        hint = " (a spreadsheet turned it into a number with an exponent?)" if "E+" in code.upper() else ""
        return f'"{_clip(raw)}" is not a GTIN: digits only{hint}'
    if len(code) not in (8, 12, 13, 14):
        return f"{code} has {len(code)} digits; a GTIN has 8, 12, 13 or 14"
    return f"{code} has a wrong check digit (expected {gtin_check_digit(code[:-1])}): a typo or a cut-off code"


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} minutes"
