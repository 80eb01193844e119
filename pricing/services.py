"""Writes on prices that touch many rows: the Awin product feed import.

``awin_feed_import`` is the one code path behind ``manage.py import_awin_feed`` and the
admin's upload: it reads the file through ``soleflip.tabular``, validates every row
(``pricing.awin``), streams the good rows into a TEMP staging table with COPY, and does the
matching, the catalog additions and the writes as set-based SQL, a pass per 50,000 staged
rows. How rows are matched, what is created, and why it is fast: docs/imports/awin.md.

Reading and writing overlap: a reader thread parses and validates (Python, one core) while
this thread feeds PostgreSQL (the other core). Only this thread touches the database.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import sys
import threading
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from django.db import connection
from django.utils import timezone

from catalog.models import Brand, SizeChart, Supplier
from catalog.sizing import ChartLine
from pricing.awin import (
    AwinRow,
    AwinRowReader,
    BrandBook,
    FeedLayout,
    SizeBook,
    SizeRef,
    Snapshot,
    is_merchant_id,
)
from pricing.imports import ImportFailed, RunRecorder, import_run
from pricing.models import ImportKind, ImportRun
from soleflip.tabular.errors import FileRejected, RowError
from soleflip.tabular.reader import TabularReader, open_table

# Rows staged before a set-based pass runs: large enough that each statement's fixed cost
# vanishes, small enough that the staging table and its hash joins stay in memory.
PASS_ROWS = 50_000
# ... or this many, when the reader has nothing waiting and the database would idle.
MIN_PASS_ROWS = 5_000
# Rows the reader thread hands over at a time (also how often progress is reported).
BATCH_ROWS = 10_000
# Staged rows the reader may have waiting for the database (see _ReaderThread).
QUEUE_BYTES = 50 << 20
# The stored run keeps every rejected row up to pricing.imports.MAX_STORED_ERRORS; the
# reader itself never gives up on a file for having many bad rows.
_UNLIMITED_ERRORS = 1 << 62

_MERCHANT_LOCK = "soleflip.awin_feed:"
_SWITCH_INTERVAL = 0.0005
_UNMATCHED = {
    "no_style_code": "GTIN missing or not in the catalog, and no style code (mpn) to find or create the product",
    "no_brand": "GTIN missing or not in the catalog, and no brand_name to create the product",
    "no_product_name": "GTIN missing or not in the catalog, and no product_name to create the product",
    "no_size": "GTIN missing or not in the catalog, and no size",
    "size_unreadable": "GTIN missing or not in the catalog, and the size is not a shoe size",
    "conflict": "the catalog could not take its product or variant (its GTIN or brand name is used otherwise)",
}


@dataclass(frozen=True)
class ImportProgress:
    """Where an import is: ``phase`` is "reading" or "writing"; bytes count the file as stored."""

    phase: str
    rows: int
    bytes_read: int
    bytes_total: int


ProgressCallback = Callable[[ImportProgress], None]


def awin_feed_import(
    *,
    path: str | Path,
    display_name: str | None = None,
    merchant: str | None = None,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    user: Any = None,
    progress: ProgressCallback | None = None,
) -> ImportRun:
    """Import an Awin publisher feed (CSV, ``.csv.gz`` or ``.zip``) and return its ``ImportRun``.

    ``display_name`` is the name shown in messages and stored on the run (an upload's original
    name; default: the file's). ``merchant`` is the Awin advertiser id for feeds without a
    ``merchant_id`` column, and a check on feeds with one. All-or-nothing unless
    ``skip_bad_rows``; ``dry_run`` does everything, counts it and rolls it back. A refused file
    returns a ``failed`` run with its reasons in ``errors`` and ``message``; only crashes and
    interrupts raise (the run is then kept as failed and the data rolled back).
    """
    options = {"merchant": merchant, "dry_run": dry_run, "skip_bad_rows": skip_bad_rows}
    try:
        with import_run(
            kind=ImportKind.AWIN_FEED, path=path, display_name=display_name, acting_user=user, options=options
        ) as recorder:
            _FeedImport(
                recorder,
                path=Path(path),
                name=display_name or Path(path).name,
                merchant=merchant,
                dry_run=dry_run,
                skip_bad_rows=skip_bad_rows,
                user=user,
                progress=progress,
            ).execute()
    except ImportFailed as exc:
        return exc.run
    return recorder.run


# --- the reader thread -------------------------------------------------------------------


@dataclass
class _Batch:
    """What the reader thread hands over: staged lines (COPY text), errors and new sizes."""

    data: bytes = b""
    lines: int = 0
    errors: list[RowError] = field(default_factory=list)
    bad_rows: int = 0
    sizes: list[SizeRef] = field(default_factory=list)
    merchants: set[str] = field(default_factory=set)
    rows: int = 0
    bytes_read: int = 0


class _Finished:
    """End of the file."""


@dataclass
class _Crashed:
    error: BaseException


class _Cancelled(Exception):
    """The importing thread stopped listening."""


class _ReaderThread(threading.Thread):
    """Read, validate and format the rows in the background; hand batches over a bounded queue.

    The queue holds at most QUEUE_BYTES of staged rows (and always one batch, about 25 MB
    at most), so memory stays flat whatever the file size. It is bounded by bytes, not by
    batches: while the database works on a pass, the reader goes on through unchanged rows,
    whose batches carry nothing (with two batches at most, reading and writing took turns:
    a 10%-changed million-row feed took 38-45 s instead of 31 s).
    """

    def __init__(
        self, table: TabularReader, reader: AwinRowReader, handle: IO[bytes], *, stop_writing_on_error: bool
    ) -> None:
        super().__init__(name="awin-feed-reader", daemon=True)
        self.table = table
        self.reader = reader
        self.handle = handle
        self.stop_writing_on_error = stop_writing_on_error
        self.out: queue.Queue[_Batch | _Finished | _Crashed] = queue.Queue()
        self.cancelled = threading.Event()
        self._room = threading.Condition()
        self._queued_bytes = 0
        self.batch, self.lines = _Batch(), list[str]()

    def run(self) -> None:
        try:
            self._read()
            self._put(_Finished())
        except _Cancelled:
            pass
        except BaseException as exc:  # handed to the importing thread, which re-raises it
            with contextlib.suppress(_Cancelled):
                self._put(_Crashed(exc))

    def _read(self) -> None:
        table, reader = self.table, self.reader
        read, raw_json = reader.read, reader.raw_json
        writing = True
        parsed = since = skipped = 0
        skip = reader.line_skipper()

        def skip_unchanged(text: str) -> bool:
            # Rows recognized unparsed still move the progress on, a batch every BATCH_ROWS.
            nonlocal skipped
            if not skip(text):
                return False
            skipped += 1
            if skipped % BATCH_ROWS == 0:
                self._hand_over(parsed + skipped)
            return True

        table.skip_lines(skip_unchanged if reader.snapshot is not None else None)
        for row in table:
            parsed += 1
            since += 1
            if table.errors:  # rows the pre-parser refused (wrong field count) before this one
                parsed += self._take_parser_errors(self.batch)
            result = read(row)
            if isinstance(result, AwinRow):
                if writing:
                    self.batch.merchants.add(result.merchant_id)
                    self.lines.append(_staging_line(result, raw_json(row)))
            elif result is not None:
                self.batch.errors.extend(result)
                self.batch.bad_rows += 1
                # All or nothing: once a row is bad nothing will be written, so stop staging.
                writing = writing and not self.stop_writing_on_error
            if since == BATCH_ROWS:
                self._hand_over(parsed + table.lines_skipped)
                since = 0
        parsed += self._take_parser_errors(self.batch)
        self._hand_over(parsed + table.lines_skipped)

    def _take_parser_errors(self, batch: _Batch) -> int:
        errors = self.table.errors
        count = len(errors)
        if count:
            batch.errors.extend(errors)
            batch.bad_rows += count
            errors.clear()  # the run keeps them; the pre-parser's own limit must never stop the file
        return count

    def _hand_over(self, rows: int) -> None:
        """Hand the batch read so far over to the importing thread (``rows``: all read, skipped ones too)."""
        batch, lines = self.batch, self.lines
        self.batch, self.lines = _Batch(), []
        batch.data = "".join(lines).encode()
        batch.lines = len(lines)
        batch.sizes = self.reader.sizes.take_new()
        batch.rows = rows
        batch.bytes_read = self.handle.tell()
        self.reader.refresh_clock(timezone.now())
        self._put(batch)

    def _put(self, item: _Batch | _Finished | _Crashed) -> None:
        size = _queued_size(item)
        with self._room:
            while self._queued_bytes and self._queued_bytes + size > QUEUE_BYTES:
                if self.cancelled.is_set():
                    raise _Cancelled
                self._room.wait(timeout=0.2)
            if self.cancelled.is_set():
                raise _Cancelled
            self._queued_bytes += size
        self.out.put(item)

    def batches(self) -> Iterator[_Batch]:
        """Yield the batches in order; re-raise what went wrong in the thread."""
        while True:
            item = self.out.get()
            with self._room:
                self._queued_bytes -= _queued_size(item)
                self._room.notify_all()
            if isinstance(item, _Finished):
                return
            if isinstance(item, _Crashed):
                raise item.error
            yield item


def _queued_size(item: _Batch | _Finished | _Crashed) -> int:
    """What a handed-over item weighs in the queue: its staged text and its errors."""
    return len(item.data) + 200 * len(item.errors) if isinstance(item, _Batch) else 0


# --- the staging table -------------------------------------------------------------------

# Typed columns first (written without escaping), then text, then the raw row as JSON.
_STAGE_TYPED = (
    "line integer NOT NULL",
    "fingerprint bigint NOT NULL",
    "price_cents integer NOT NULL",
    "in_stock boolean NOT NULL",
    "stock_quantity integer",
    "size_ref integer",
    "ean text",
    "last_updated timestamptz",
)
_STAGE_TEXT = (
    "merchant_id",
    "aw_product_id",
    "merchant_name",
    "merchant_product_id",
    "product_name",
    "brand_name",
    "brand_slug",
    "ean_raw",
    "mpn",
    "style_code",
    "size_label",
    "gender_class",
    "colour",
    "category_name",
    "currency",
    "merchant_deep_link",
    "aw_deep_link",
    "image_url",
)
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_NULL = "\\N"


def _staging_line(row: AwinRow, raw: str) -> str:
    """Format one row as a line of COPY text for ``awin_stage`` (columns in the order above)."""
    stamp = _NULL if row.last_updated is None else _isoformat(row.last_updated)
    text = "\x00".join(
        (
            row.merchant_id,
            row.aw_product_id,
            row.merchant_name,
            row.merchant_product_id,
            row.product_name,
            row.brand_name,
            row.brand_slug,
            row.ean_raw,
            row.mpn,
            row.style_code,
            row.size_label,
            row.gender_class,
            row.colour,
            row.category_name,
            row.currency,
            row.merchant_deep_link,
            row.aw_deep_link,
            row.image_url,
        )
    )
    # NUL never occurs in text (the pre-parser refuses it), so it can stand for the tabs
    # until the escaping of the values is done on the whole line at once.
    if _COPY_SPECIAL.search(text):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    text = text.replace("\x00", "\t")
    if "\\" in raw:  # JSON escapes (\" \\ \n ...) reach COPY with their backslash doubled
        raw = raw.replace("\\", "\\\\")
    quantity = _NULL if row.stock_quantity is None else row.stock_quantity
    size_ref = _NULL if row.size_ref is None else row.size_ref
    ean = row.ean or _NULL
    in_stock = "t" if row.in_stock else "f"
    return (
        f"{row.line}\t{row.fingerprint}\t{row.price_cents}\t{in_stock}\t{quantity}\t"
        f"{size_ref}\t{ean}\t{stamp}\t{text}\t{raw}\n"
    )


@lru_cache(maxsize=8192)
def _isoformat(value: datetime) -> str:
    return value.isoformat()


_TEMP_TABLES = f"""
CREATE TEMP TABLE awin_stage ({", ".join(_STAGE_TYPED)}, {", ".join(f"{c} text NOT NULL" for c in _STAGE_TEXT)},
    raw jsonb NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE awin_sizes (
    ref integer PRIMARY KEY, brand_slug text NOT NULL, region text, value text NOT NULL, gender_class text NOT NULL,
    eu_value numeric(4, 1), chart_id uuid, outcome text NOT NULL, reason text NOT NULL, candidates jsonb NOT NULL,
    size_id uuid) ON COMMIT DROP;
CREATE TEMP TABLE awin_merchants (merchant_id text PRIMARY KEY, supplier_id uuid, supplier_name text) ON COMMIT DROP;
CREATE TEMP TABLE awin_match (
    line integer PRIMARY KEY, variant_id uuid NOT NULL, product_id uuid NOT NULL, size_id uuid NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE awin_todo (
    line integer PRIMARY KEY, brand_slug text NOT NULL, style_code text NOT NULL, size_ref integer NOT NULL,
    brand_id uuid, product_id uuid, variant_id uuid, variant_size_id uuid) ON COMMIT DROP;
CREATE TEMP TABLE awin_outcome (line integer PRIMARY KEY, created boolean NOT NULL) ON COMMIT DROP;
"""
# ON COMMIT DROP covers the usual case; inside an enclosing transaction (tests, the bench)
# there is no commit between two imports, so the import drops them itself.
_DROP_TEMP_TABLES = "DROP TABLE awin_stage, awin_sizes, awin_merchants, awin_match, awin_todo, awin_outcome"

# 1. Rows whose GTIN names a variant: the strongest match there is.
_MATCH_BY_GTIN = """
INSERT INTO awin_match (line, variant_id, product_id, size_id)
SELECT s.line, v.id, v.product_id, v.size_id
FROM awin_stage s JOIN products.variants v ON v.ean = s.ean
"""

# 2. The others, when they carry what it takes to find or create their variant (a brand, a
#    style code, a name and a size that can be placed), with their brand and product when
#    the catalog has them: the product by brand and style code, compared in upper case as
#    feeds write either.
_TODO = """
INSERT INTO awin_todo (line, brand_slug, style_code, size_ref, brand_id, product_id)
SELECT DISTINCT ON (s.line) s.line, s.brand_slug, s.style_code, s.size_ref, b.id, p.id
FROM awin_stage s
JOIN awin_sizes z ON z.ref = s.size_ref AND z.region IS NOT NULL
LEFT JOIN core.brands b ON b.slug = s.brand_slug
LEFT JOIN products.products p ON p.brand_id = b.id AND upper(p.style_code) = s.style_code
WHERE NOT EXISTS (SELECT FROM awin_match m WHERE m.line = s.line)
  AND s.style_code <> '' AND s.brand_slug <> '' AND s.product_name <> ''
ORDER BY s.line, p.created_at
"""

# 3. Else the product by its style code alone, when one product has it: a feed's brand_name
#    may be the line (Jordan) where the catalog has the maker (Nike), but a code names one shoe.
_TODO_PRODUCTS_BY_CODE = """
UPDATE awin_todo t SET product_id = x.id
FROM (
    SELECT upper(p.style_code) AS code, min(p.id::text)::uuid AS id
    FROM products.products p
    WHERE upper(p.style_code) IN (SELECT style_code FROM awin_todo WHERE product_id IS NULL)
    GROUP BY 1 HAVING count(*) = 1
) x
WHERE t.product_id IS NULL AND x.code = t.style_code
"""

# 4. Brands and products the catalog does not have yet. ORDER BY keeps the insertion order
#    (and so the unique-index locks) the same in concurrent imports: no deadlock.
_NEW_BRANDS = """
INSERT INTO core.brands (name, slug, is_active)
SELECT DISTINCT ON (t.brand_slug) left(s.brand_name, 100), t.brand_slug, true
FROM awin_todo t JOIN awin_stage s ON s.line = t.line
WHERE t.product_id IS NULL AND t.brand_id IS NULL
ORDER BY t.brand_slug, s.line
ON CONFLICT DO NOTHING
"""

_TODO_BRANDS = """
UPDATE awin_todo t SET brand_id = b.id
FROM core.brands b
WHERE t.product_id IS NULL AND t.brand_id IS NULL AND b.slug = t.brand_slug
"""

# A product is for men or women when all its rows say so; unisex when they differ or are silent.
_NEW_PRODUCTS = """
INSERT INTO products.products (
    brand_id, name, style_code, colorway, gender_class, retail_currency, description, image_url,
    enrichment_data, is_active, created_by_id, updated_by_id)
SELECT DISTINCT ON (t.brand_id, t.style_code)
    t.brand_id, left(s.product_name, 255), t.style_code, left(s.colour, 150),
    CASE WHEN min(s.gender_class) OVER same = max(s.gender_class) OVER same AND s.gender_class <> ''
         THEN s.gender_class ELSE 'U' END,
    s.currency, '', CASE WHEN length(s.image_url) <= 500 THEN s.image_url ELSE '' END,
    jsonb_build_object('awin', jsonb_build_object(
        'merchant_id', s.merchant_id, 'aw_product_id', s.aw_product_id, 'import_run', %(run)s::text)),
    true, %(user)s, %(user)s
FROM awin_todo t JOIN awin_stage s ON s.line = t.line
WHERE t.product_id IS NULL AND t.brand_id IS NOT NULL
WINDOW same AS (PARTITION BY t.brand_id, t.style_code)
ORDER BY t.brand_id, t.style_code, s.line
ON CONFLICT DO NOTHING
"""

_TODO_PRODUCTS = """
UPDATE awin_todo t SET product_id = p.id
FROM products.products p
WHERE t.product_id IS NULL AND p.brand_id = t.brand_id AND upper(p.style_code) = t.style_code
"""

# 5. Sizes: the ones this pass needs, as the size book decided them, then their ids.
_NEW_SIZES = """
INSERT INTO products.sizes (brand_id, region, value, gender_class, standardized_value, standardized_by_id)
SELECT b.id, z.region, z.value, z.gender_class, z.eu_value, z.chart_id
FROM awin_sizes z LEFT JOIN core.brands b ON z.brand_slug <> '' AND b.slug = z.brand_slug
WHERE z.size_id IS NULL AND z.region IS NOT NULL AND (z.brand_slug = '' OR b.id IS NOT NULL)
  AND z.ref IN (SELECT size_ref FROM awin_todo WHERE product_id IS NOT NULL)
ORDER BY z.brand_slug, z.region, z.value, z.gender_class
ON CONFLICT DO NOTHING
"""

_SIZE_IDS = """
UPDATE awin_sizes z SET size_id = s.id
FROM products.sizes s LEFT JOIN core.brands b ON b.id = s.brand_id
WHERE z.size_id IS NULL AND z.region = s.region AND z.value = s.value AND z.gender_class = s.gender_class
  AND coalesce(b.slug, '') = z.brand_slug
"""

# A size the charts do not decide goes to the review queue with the reason the charts gave;
# a size already there (open or decided by staff) is left as it is.
_NEW_REVIEWS = """
INSERT INTO products.size_reviews (status, outcome, reason, candidates, size_id)
SELECT DISTINCT ON (s.id) 'open', z.outcome, z.reason, z.candidates, s.id
FROM awin_sizes z JOIN products.sizes s ON s.id = z.size_id
WHERE z.outcome <> 'decided' AND s.standardized_value IS NULL
  AND z.ref IN (SELECT size_ref FROM awin_todo WHERE product_id IS NOT NULL)
ORDER BY s.id, z.ref
ON CONFLICT (size_id) DO NOTHING
"""

# 6. Variants: the product's variant in this size, else its one variant of the same EU size
#    (EU 42 listed as a women's size is the variant EU 42 of a unisex shoe), else a new one.
_TODO_VARIANTS = """
UPDATE awin_todo t SET variant_id = v.id, variant_size_id = v.size_id
FROM awin_sizes z, products.variants v
WHERE t.variant_id IS NULL AND z.ref = t.size_ref AND v.product_id = t.product_id AND v.size_id = z.size_id
"""

_TODO_VARIANTS_BY_EU_SIZE = """
UPDATE awin_todo t SET variant_id = x.variant_id, variant_size_id = x.size_id
FROM (
    SELECT t2.line, min(v.id::text)::uuid AS variant_id, min(v.size_id::text)::uuid AS size_id
    FROM awin_todo t2
    JOIN awin_sizes z ON z.ref = t2.size_ref
    JOIN products.variants v ON v.product_id = t2.product_id
    JOIN products.sizes vs ON vs.id = v.size_id
    WHERE t2.variant_id IS NULL AND z.eu_value IS NOT NULL AND vs.standardized_value = z.eu_value
    GROUP BY t2.line HAVING count(*) = 1
) x
WHERE t.line = x.line
"""

# Two rows of one product and size with different GTINs (merchants list 13C and 13.5C both
# as EU 31.5): the first row's GTIN goes on the variant, the other row matches it by size.
# The rows are matched to the variants as they are inserted (counts: added, rows matched);
# a variant a concurrent import added first is found by _TODO_VARIANTS afterwards.
_NEW_VARIANTS = """
WITH added AS (
    INSERT INTO products.variants (product_id, size_id, ean, sku, created_by_id, updated_by_id)
    SELECT DISTINCT ON (t.product_id, z.size_id) t.product_id, z.size_id, s.ean, '', %(user)s, %(user)s
    FROM awin_todo t JOIN awin_stage s ON s.line = t.line JOIN awin_sizes z ON z.ref = t.size_ref
    WHERE t.variant_id IS NULL AND t.product_id IS NOT NULL AND z.size_id IS NOT NULL
    ORDER BY t.product_id, z.size_id, s.ean IS NULL, s.line
    ON CONFLICT DO NOTHING
    RETURNING id, product_id, size_id
), matched AS (
    UPDATE awin_todo t SET variant_id = a.id, variant_size_id = a.size_id
    FROM awin_sizes z, added a
    WHERE t.variant_id IS NULL AND z.ref = t.size_ref AND a.product_id = t.product_id AND a.size_id = z.size_id
    RETURNING t.line
)
SELECT (SELECT count(*) FROM added), (SELECT count(*) FROM matched)
"""

# Every way to a variant above goes through the row's product, so the todo row has all
# the match needs (joining the variants again took 0.4 s a pass in a first import).
_TODO_MATCHES = """
INSERT INTO awin_match (line, variant_id, product_id, size_id)
SELECT t.line, t.variant_id, t.product_id, t.variant_size_id
FROM awin_todo t WHERE t.variant_id IS NOT NULL
"""

_UNMATCHED_REASONS = """
SELECT CASE
           WHEN s.style_code = '' THEN 'no_style_code'
           WHEN s.brand_slug = '' THEN 'no_brand'
           WHEN s.product_name = '' THEN 'no_product_name'
           WHEN s.size_ref IS NULL THEN 'no_size'
           WHEN z.region IS NULL THEN 'size_unreadable'
           ELSE 'conflict'
       END,
       count(*)
FROM awin_stage s LEFT JOIN awin_sizes z ON z.ref = s.size_ref
WHERE NOT EXISTS (SELECT FROM awin_match m WHERE m.line = s.line)
GROUP BY 1
"""

# 7. The raw rows. Guarded: a row whose content and match are what is stored is not
#    rewritten (the fingerprint alone differing, as after a column reorder, refreshes the
#    fingerprint without counting as a change: updated_at moves only on a real change).
_RAW_COLUMNS = (
    "merchant_name",
    "merchant_product_id",
    "product_name",
    "brand_name",
    "ean",
    "mpn",
    "size_label",
    "colour",
    "category_name",
    "price_cents",
    "currency",
    "in_stock",
    "stock_quantity",
    "merchant_deep_link",
    "aw_deep_link",
    "image_url",
    "last_updated",
    "raw",
    "matched_variant_id",
)
_RAW_CHANGED = f"(a.{', a.'.join(_RAW_COLUMNS)}) IS DISTINCT FROM (EXCLUDED.{', EXCLUDED.'.join(_RAW_COLUMNS)})"
_UPSERT_RAW = f"""
WITH written AS (
    INSERT INTO integration.awin_products AS a (
        merchant_id, aw_product_id, {", ".join(_RAW_COLUMNS)}, raw_fingerprint, import_run_id)
    SELECT s.merchant_id, s.aw_product_id, s.merchant_name, s.merchant_product_id, s.product_name, s.brand_name,
           s.ean_raw, s.mpn, s.size_label, s.colour, s.category_name, s.price_cents, s.currency, s.in_stock,
           s.stock_quantity, s.merchant_deep_link, s.aw_deep_link, s.image_url, s.last_updated, s.raw,
           m.variant_id, s.fingerprint, %(run)s
    FROM awin_stage s LEFT JOIN awin_match m ON m.line = s.line
    ON CONFLICT (merchant_id, aw_product_id) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in _RAW_COLUMNS)},
        raw_fingerprint = EXCLUDED.raw_fingerprint,
        import_run_id = CASE WHEN {_RAW_CHANGED} THEN EXCLUDED.import_run_id ELSE a.import_run_id END,
        updated_at = CASE WHEN {_RAW_CHANGED} THEN statement_timestamp() ELSE a.updated_at END
    WHERE (a.raw_fingerprint IS DISTINCT FROM EXCLUDED.raw_fingerprint) OR {_RAW_CHANGED}
    RETURNING a.merchant_id, a.aw_product_id, a.xmax = 0 AS inserted, a.updated_at = statement_timestamp() AS changed
)
INSERT INTO awin_outcome (line, created)
SELECT s.line, w.inserted
FROM written w JOIN awin_stage s ON s.merchant_id = w.merchant_id AND s.aw_product_id = w.aw_product_id
WHERE w.changed
"""

# 8. The prices: one guarded upsert on the price_sources key, so an unchanged price costs no
#    write and the history triggers see only real changes.
_PRICE_COLUMNS = (
    "source_name",
    "price_cents",
    "currency",
    "in_stock",
    "stock_quantity",
    "source_url",
    "affiliate_link",
    "supplier_id",
    "last_updated",
)
_UPSERT_PRICES = f"""
WITH written AS (
    INSERT INTO integration.price_sources AS p (
        product_id, size_id, source_type, source_product_id, price_type, {", ".join(_PRICE_COLUMNS)},
        metadata, created_by_id, updated_by_id)
    SELECT m.product_id, m.size_id, 'awin', s.aw_product_id, 'retail',
           left(coalesce(nullif(s.merchant_name, ''), am.supplier_name, 'Awin merchant ' || s.merchant_id), 150),
           s.price_cents, s.currency, s.in_stock, s.stock_quantity, s.merchant_deep_link, s.aw_deep_link,
           am.supplier_id, s.last_updated, '{{}}'::jsonb, %(user)s, %(user)s
    FROM awin_stage s
    JOIN awin_match m ON m.line = s.line
    JOIN awin_merchants am ON am.merchant_id = s.merchant_id
    ON CONFLICT (product_id, size_id, source_type, source_product_id, price_type) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in _PRICE_COLUMNS)},
        updated_by_id = EXCLUDED.updated_by_id,
        updated_at = statement_timestamp()
    WHERE (p.{", p.".join(_PRICE_COLUMNS)}) IS DISTINCT FROM (EXCLUDED.{", EXCLUDED.".join(_PRICE_COLUMNS)})
    RETURNING p.source_product_id, p.xmax = 0 AS inserted
)
INSERT INTO awin_outcome (line, created)
SELECT s.line, w.inserted FROM written w JOIN awin_stage s ON s.aw_product_id = w.source_product_id
ON CONFLICT (line) DO UPDATE SET created = awin_outcome.created OR EXCLUDED.created
"""

_OUTCOME = "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM awin_outcome"
_CLEAR_PASS = "TRUNCATE awin_stage, awin_match, awin_todo, awin_outcome"

# The fingerprints of the rows a re-import may skip (imported, matched), in order, each with
# its aw_product_id when that is a plain number as numeric_id() reads it (else 0), read from
# the covering index idx_awin_products_fingerprints alone and packed into one bytea of
# big-endian int64 pairs: a million come over in about 1 s (0.25 s of it the index scan;
# a regular expression for "plain number" made it 2.2 s).
_SNAPSHOT = """
SELECT string_agg(
    int8send(raw_fingerprint)
    || int8send(CASE WHEN aw_product_id <> '' AND length(aw_product_id) <= 18 AND aw_product_id NOT LIKE '0%%'
                      AND ltrim(aw_product_id, '0123456789') = '' THEN aw_product_id::bigint ELSE 0 END),
    ''::bytea ORDER BY raw_fingerprint)
FROM integration.awin_products
WHERE merchant_id = %s AND matched_variant_id IS NOT NULL AND raw_fingerprint IS NOT NULL
"""


@dataclass
class _Totals:
    read: int = 0
    bad_rows: int = 0
    staged: int = 0
    created: int = 0
    updated: int = 0
    unmatched: Counter[str] = field(default_factory=Counter)
    catalog: Counter[str] = field(default_factory=Counter)
    phases: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


class _Stage:
    """The staging tables of one import and the set-based pass over them."""

    def __init__(self, *, run: ImportRun, user: Any, totals: _Totals) -> None:
        self.params = {"run": run.pk, "user": getattr(user, "pk", None)}
        self.totals = totals
        self.pending = 0
        self.merchants: set[str] = set()
        with connection.cursor() as cursor:
            cursor.execute(_TEMP_TABLES)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(_DROP_TEMP_TABLES)

    def add_merchants(self, merchants: set[str]) -> None:
        """Lock each new merchant for this transaction and note its supplier, if one is set up."""
        new = sorted(merchants - self.merchants)
        if not new:
            return
        with connection.cursor() as cursor:
            for merchant in new:
                # Two imports of one merchant's feed run one after the other; the second then
                # finds the first one's rows and changes nothing (docs/imports/awin.md).
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [_MERCHANT_LOCK + merchant])
                suppliers = list(Supplier.objects.filter(awin_merchant_id=merchant).values_list("pk", "name")[:2])
                supplier_id, supplier_name = suppliers[0] if len(suppliers) == 1 else (None, None)
                cursor.execute(
                    "INSERT INTO awin_merchants (merchant_id, supplier_id, supplier_name) VALUES (%s, %s, %s)",
                    [merchant, supplier_id, supplier_name],
                )
        self.merchants.update(new)

    def snapshot(self, merchant: str) -> Snapshot:
        """Load what the last imports stored for a (locked) merchant, for skipping unchanged rows."""
        started = time.monotonic()
        pairs = array("q")
        with connection.cursor() as cursor:
            cursor.execute(_SNAPSHOT, [merchant])
            packed = cursor.fetchone()[0]
        if packed:
            pairs.frombytes(bytes(packed))
            if sys.byteorder == "little":
                pairs.byteswap()
        snapshot = Snapshot.from_sorted(merchant, pairs[0::2], pairs[1::2])
        self.totals.phases["snapshot"] += time.monotonic() - started
        return snapshot

    def add_sizes(self, sizes: list[SizeRef]) -> None:
        if not sizes:
            return
        columns = "ref, brand_slug, region, value, gender_class, eu_value, chart_id, outcome, reason, candidates"
        with connection.cursor() as cursor, cursor.copy(f"COPY awin_sizes ({columns}) FROM STDIN") as copy:
            for size in sizes:
                copy.write_row(
                    (
                        size.ref,
                        size.brand_slug,
                        size.region,
                        size.value,
                        size.gender_class,
                        size.eu_value,
                        size.chart_id,
                        size.outcome,
                        size.reason,
                        json.dumps(list(size.candidates)),
                    )
                )

    def copy(self, data: bytes, lines: int) -> None:
        started = time.monotonic()
        columns = ", ".join([*(c.split()[0] for c in _STAGE_TYPED), *_STAGE_TEXT, "raw"])
        with connection.cursor() as cursor, cursor.copy(f"COPY awin_stage ({columns}) FROM STDIN") as copy:
            for start in range(0, len(data), 1 << 20):
                copy.write(data[start : start + (1 << 20)])
        self.pending += lines
        self.totals.staged += lines
        self.totals.phases["copy"] += time.monotonic() - started

    def run_pass(self) -> None:
        """Match, add to the catalog and write everything staged; then empty the staging tables."""
        if not self.pending:
            return
        totals, params = self.totals, self.params
        with connection.cursor() as cursor:

            def step(name: str, sql: str) -> int:
                started = time.monotonic()
                cursor.execute(sql, params)
                totals.phases[name] += time.monotonic() - started
                return cursor.rowcount

            def without_product() -> int:
                cursor.execute("SELECT count(*) FROM awin_todo WHERE product_id IS NULL")
                return int(cursor.fetchone()[0])

            def analyze() -> None:
                # The steps fill awin_todo column by column and filter on "still NULL". Fresh
                # statistics keep the planner hashing; stale ones (a column all NULL when last
                # analyzed) made it loop, 4 s instead of 0.05 s a pass.
                step("match", "ANALYZE awin_todo")

            step("match", _MATCH_BY_GTIN)
            todo = step("match", _TODO)
            if todo:
                analyze()
                if without_product():
                    step("match", _TODO_PRODUCTS_BY_CODE)
                if without_product():
                    totals.catalog["brands"] += step("catalog", _NEW_BRANDS)
                    # Also when none was added: a concurrent import may just have added it.
                    step("match", _TODO_BRANDS)
                    totals.catalog["products"] += step("catalog", _NEW_PRODUCTS)
                    step("match", _TODO_PRODUCTS)
                    analyze()
                totals.catalog["sizes"] += step("catalog", _NEW_SIZES)
                step("match", _SIZE_IDS)
                totals.catalog["size_reviews"] += step("catalog", _NEW_REVIEWS)
                found = step("match", _TODO_VARIANTS)
                if found < todo:
                    found += step("match", _TODO_VARIANTS_BY_EU_SIZE)
                if found < todo:
                    step("catalog", _NEW_VARIANTS)
                    added, matched = cursor.fetchone()
                    totals.catalog["variants"] += added
                    if found + matched < todo:
                        step("match", _TODO_VARIANTS)
                step("match", _TODO_MATCHES)
            step("match", _UNMATCHED_REASONS)
            for reason, count in cursor.fetchall():
                totals.unmatched[reason] += count
            step("raw_rows", _UPSERT_RAW)
            step("prices", _UPSERT_PRICES)
            cursor.execute(_OUTCOME)
            created, updated = cursor.fetchone()
            totals.created += created
            totals.updated += updated
            cursor.execute(_CLEAR_PASS)
        self.pending = 0


# --- the import --------------------------------------------------------------------------


class _FeedImport:
    """One run of ``awin_feed_import``: the file, the options, the counts."""

    def __init__(
        self,
        recorder: RunRecorder,
        *,
        path: Path,
        name: str,
        merchant: str | None,
        dry_run: bool,
        skip_bad_rows: bool,
        user: Any,
        progress: ProgressCallback | None,
    ) -> None:
        self.recorder = recorder
        self.run = recorder.run
        self.path = path
        self.name = name
        self.merchant = merchant.strip() if merchant is not None else None
        self.dry_run = dry_run
        self.skip_bad_rows = skip_bad_rows
        self.user = user
        self.progress = progress
        self.totals = _Totals()
        self.size = path.stat().st_size

    def execute(self) -> None:
        if self.merchant is not None and not is_merchant_id(self.merchant):
            self._refuse(f'--merchant "{self.merchant}" is not an Awin merchant id (digits only)')
        try:
            with (
                open(self.path, "rb") as handle,
                open_table(handle, self.name, on_error="collect", max_errors=_UNLIMITED_ERRORS) as table,
            ):
                self._import(table, handle)
        except FileRejected as exc:
            errors = exc.errors or [RowError(exc.file, None, None, exc.message)]
            self.recorder.reject(errors)
            self.totals.bad_rows += len(exc.errors)
            self._refuse(str(exc))

    def _import(self, table: TabularReader, handle: IO[bytes]) -> None:
        layout = FeedLayout.from_header(table.name, table.header, merchant=self.merchant, line=table.header_line)
        sizes = _size_book()
        brands = BrandBook(Brand.objects.values_list("name", "slug"))
        # The merchant whose stored rows let unchanged rows be skipped: the feed's first.
        first = self.merchant
        if first is None and (column := layout.get("merchant_id")):
            first = next((row[column].strip() for row in table.peek(1)), None)
        with self.recorder.data_transaction(dry_run=self.dry_run):
            stage = _Stage(run=self.run, user=self.user, totals=self.totals)
            snapshot = None
            if first is not None and is_merchant_id(first):
                stage.add_merchants({first})
                snapshot = stage.snapshot(first)
            reader = AwinRowReader(
                layout, merchant=self.merchant, brands=brands, sizes=sizes, snapshot=snapshot, now=timezone.now()
            )
            thread = _ReaderThread(table, reader, handle, stop_writing_on_error=not self.skip_bad_rows)
            # Each wait of this thread on the database socket ends with a wait for the GIL,
            # which the reader thread holds up to the switch interval (5 ms by default), and a
            # COPY waits on the socket every few hundred kilobytes: staging 200,000 new rows
            # took 9.6 s at 5 ms, 5.9 s at 0.5 ms. The reader loses about 1% to the switching.
            with _fast_thread_switching():
                thread.start()
                try:
                    self._write(thread, stage)
                finally:
                    thread.cancelled.set()
                    thread.join()
            if self.totals.bad_rows and not self.skip_bad_rows:
                self._refuse("")
            stage.drop()
        self._finish()

    def _write(self, thread: _ReaderThread, stage: _Stage) -> None:
        totals = self.totals
        for batch in thread.batches():
            totals.read = batch.rows
            if batch.errors:
                self.recorder.reject(batch.errors)
                totals.bad_rows += batch.bad_rows
            if self.skip_bad_rows or not totals.bad_rows:
                stage.add_sizes(batch.sizes)
                if batch.lines:
                    stage.add_merchants(batch.merchants)
                    stage.copy(batch.data, batch.lines)
                # A full pass, or a smaller one when the reader has nothing waiting: the
                # database would idle otherwise while the reader works on.
                if stage.pending >= PASS_ROWS or (stage.pending >= MIN_PASS_ROWS and thread.out.empty()):
                    self._report("writing", batch)
                    stage.run_pass()
            self._report("reading", batch)
        if self.skip_bad_rows or not totals.bad_rows:
            stage.run_pass()

    def _report(self, phase: str, batch: _Batch) -> None:
        if self.progress is not None:
            self.progress(ImportProgress(phase, batch.rows, batch.bytes_read, self.size))

    def _refuse(self, message: str) -> None:
        """Fail the run: nothing is written (this is raised inside the data transaction)."""
        run, totals = self.run, self.totals
        run.rows_read = totals.read
        run.rows_created = run.rows_updated = run.rows_unchanged = run.rows_skipped = 0
        # The run's failed count is rows, not problems: a row with two bad columns fails once.
        self.recorder.error_count = totals.bad_rows
        if message:
            run.message = message
        else:
            first = self.recorder.errors[0] if self.recorder.errors else None
            run.message = f"{totals.bad_rows:,} bad row(s); nothing was written." + (
                f" The first: {first}" if first else ""
            )
        raise ImportFailed(run)

    def _finish(self) -> None:
        totals, run = self.totals, self.run
        run.rows_read = totals.read
        run.rows_created = totals.created
        run.rows_updated = totals.updated
        run.rows_skipped = totals.bad_rows
        run.rows_unchanged = totals.read - totals.bad_rows - totals.created - totals.updated
        unmatched = sum(totals.unmatched.values())
        run.options = {
            **run.options,
            "unmatched": {_UNMATCHED[reason]: count for reason, count in totals.unmatched.most_common()},
            "catalog_added": {what: count for what, count in totals.catalog.items() if count},
            "rows_staged": totals.staged,
            "phases_ms": {phase: int(seconds * 1000) for phase, seconds in totals.phases.items()},
        }
        parts = [
            f"{run.rows_read:,} read",
            f"{run.rows_created:,} created",
            f"{run.rows_updated:,} updated",
            f"{run.rows_unchanged:,} unchanged",
        ]
        if run.rows_skipped:
            parts.append(f"{run.rows_skipped:,} bad rows skipped")
        message = ", ".join(parts) + "."
        if unmatched:
            message += f" {unmatched:,} kept without a catalog match."
        added = ", ".join(f"{count:,} {what.replace('_', ' ')}" for what, count in totals.catalog.items() if count)
        if added:
            message += f" Added to the catalog: {added}."
        if self.dry_run:
            message += " Dry run: nothing was written."
        run.message = message


_switching_lock = threading.Lock()
_switching_users = 0
_switching_saved = 0.005


@contextlib.contextmanager
def _fast_thread_switching() -> Iterator[None]:
    """Lower the GIL switch interval while any import runs (it is process-wide; imports may overlap)."""
    global _switching_users, _switching_saved
    with _switching_lock:
        if not _switching_users:
            _switching_saved = sys.getswitchinterval()
            sys.setswitchinterval(_SWITCH_INTERVAL)
        _switching_users += 1
    try:
        yield
    finally:
        with _switching_lock:
            _switching_users -= 1
            if not _switching_users:
                sys.setswitchinterval(_switching_saved)


def _size_book() -> SizeBook:
    """The size charts as the database holds them (accepted reviews included), for the size book."""
    rows = list(SizeChart.objects.select_related("brand"))
    lines = [ChartLine(r.brand.slug, r.gender_class, r.region, r.value, r.eu_value, r.source) for r in rows]
    ids = {(r.brand.slug, r.gender_class, r.region, r.value, r.eu_value): r.pk for r in rows}
    return SizeBook(lines, ids)
