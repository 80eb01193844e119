"""Reading one Awin publisher feed row: the header, validation and normalization.

Pure Python, no database access: ``pricing.awin.importer`` (``awin_feed_import``) opens the
file through ``soleflip.tabular``, hands every row to an ``AwinRowReader`` and streams what it
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
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from catalog.gtin import gtin_check_digit
from pricing.awin.brands import BrandBook, style_code_of
from pricing.awin.columns import (
    AW_PRODUCT_ID,
    GENDER_COLUMNS,
    GTIN_COLUMNS,
    IMAGE_COLUMNS,
    IMAGE_URL_MAX,
    KNOWN_COLUMNS,
    MAX_LENGTHS,
    MERCHANT_ID,
    PRICE_COLUMNS,
    SIZE_COLUMNS,
    SIZE_LABEL_MAX,
)
from pricing.awin.sizes import SizeBook, gender_class_of
from soleflip.tabular.errors import FileRejected, InvalidValue, RowError
from soleflip.tabular.reader import Row
from soleflip.tabular.values import parse_bool, parse_datetime, parse_int, parse_money
from soleflip.values.money import format_cents

# Awin writes last_updated without a zone. It is read as Berlin time (Awin's home zone and
# the easternmost its European merchants stamp in): a UTC or London stamp read that way only
# comes out an hour or two older, while a Berlin stamp read as UTC would land up to two hours
# in the future and be refused.
FEED_TIME_ZONE = ZoneInfo("Europe/Berlin")
# Clock skew allowed between the merchant's server and ours (docs/adr/0006).
FUTURE_TOLERANCE = timedelta(minutes=5)

# Bumped when the way a row is read changes, so a re-import rewrites rows read the old way.
READER_VERSION = b"awin-reader-2"  # at most 16 bytes (blake2b person); 2: over the row's text

#: The price columns are PostgreSQL integers (cents): a larger price is refused here, with
#: its line and column, before COPY would fail on it for the whole file.
MAX_PRICE_CENTS = 2**31 - 1
_PLAIN_PRICE = re.compile(r"([0-9]{1,9})\.([0-9]{2})")
_MERCHANT_ID = re.compile(r"[0-9]{1,20}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


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


# --- rows --------------------------------------------------------------------------------


class AwinRow(NamedTuple):
    """One validated feed row, as the staging table takes it (a tuple: a million are made).

    Its fields are the staged values of ``pricing.awin.columns`` (``STAGE_TYPED`` and
    ``STAGE_TEXT``), by name.
    """

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


# The columns with a length limit (MAX_LENGTHS) in the order of the values they become in
# the row (AwinRow's fields): the order ``_validate`` unpacks them in and reports them in.
_LIMITED = sorted(MAX_LENGTHS.items(), key=lambda item: AwinRow._fields.index(item[0]))


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
        # (name in the file, limit) in _LIMITED order; None for columns the feed lacks.
        self._texts = [(column(known), limit) for known, limit in _LIMITED]
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
        # The ten columns with a length limit, in _LIMITED order.
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
            elif cents > MAX_PRICE_CENTS:
                largest = format_cents(MAX_PRICE_CENTS, currency)
                errors.append(RowError(file, line, name, f'"{_clip(text)}" is above the largest price held, {largest}'))
                return 0, currency
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
