"""The staging tables of one Awin import and the set-based pass of SQL over them.

The importing thread COPYs the rows the reader formatted (``staging_line``) into the TEMP
table ``awin_stage``; a pass (``Stage.run_pass``) then matches them to the catalog, adds
what the catalog lacks and writes the raw rows and the prices, in a fixed set of statements
whatever the number of rows. How rows are matched, what is created, and why it is fast:
docs/imports/awin.md. The staging table's columns, and which of them the upserts write, come
from the column spec (``pricing.awin.columns``).
"""

from __future__ import annotations

import json
import re
import sys
import time
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from django.db import connection

from catalog.models import Supplier
from pricing.awin.columns import AWIN_PRODUCTS_VALUES, PRICE_SOURCES_VALUES, STAGE_TEXT, STAGE_TYPED
from pricing.awin.reader import AwinRow, Snapshot
from pricing.awin.sizes import SizeRef
from pricing.models import ImportRun

_MERCHANT_LOCK = "soleflip.awin_feed:"

# --- the staging table -------------------------------------------------------------------

# awin_stage holds a row's values (columns.STAGE_TYPED, then columns.STAGE_TEXT), then the raw
# row as JSON. Its COPY column list and staging_line below follow that one order.
_STAGE_COLUMNS = ", ".join([*(name for name, _type in STAGE_TYPED), *STAGE_TEXT, "raw"])
# The text values of a row in STAGE_TEXT order, picked by position (in C, a million times).
_stage_texts = itemgetter(*(AwinRow._fields.index(name) for name in STAGE_TEXT))
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_NULL = "\\N"


def staging_line(row: AwinRow, raw: str) -> str:
    """Format one row as a line of COPY text for ``awin_stage`` (columns in ``_STAGE_COLUMNS`` order).

    The typed values are formatted one by one, in ``STAGE_TYPED`` order (a test holds the two
    together); the text values are joined and escaped at once.
    """
    stamp = _NULL if row.last_updated is None else _isoformat(row.last_updated)
    text = "\x00".join(_stage_texts(row))
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
        f"{row.line}\t{row.fingerprint}\t{row.price_cents}\t{size_ref}\t{ean}\t"
        f"{in_stock}\t{quantity}\t{stamp}\t{text}\t{raw}\n"
    )


@lru_cache(maxsize=8192)
def _isoformat(value: datetime) -> str:
    return value.isoformat()


_TEMP_TABLES = f"""
CREATE TEMP TABLE awin_stage ({", ".join(f"{name} {type_}" for name, type_ in STAGE_TYPED)},
    {", ".join(f"{name} text NOT NULL" for name in STAGE_TEXT)}, raw jsonb NOT NULL) ON COMMIT DROP;
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
    true, %(acting_user)s, %(acting_user)s
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
    SELECT DISTINCT ON (t.product_id, z.size_id) t.product_id, z.size_id, s.ean, '', %(acting_user)s, %(acting_user)s
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
# What each reason counted above means, as the run's options name it.
UNMATCHED = {
    "no_style_code": "GTIN missing or not in the catalog, and no style code (mpn) to find or create the product",
    "no_brand": "GTIN missing or not in the catalog, and no brand_name to create the product",
    "no_product_name": "GTIN missing or not in the catalog, and no product_name to create the product",
    "no_size": "GTIN missing or not in the catalog, and no size",
    "size_unreadable": "GTIN missing or not in the catalog, and the size is not a shoe size",
    "conflict": "the catalog could not take its product or variant (its GTIN or brand name is used otherwise)",
}

# 7. The raw rows. Guarded: a row whose content and match are what is stored is not
#    rewritten (the fingerprint alone differing, as after a column reorder, refreshes the
#    fingerprint without counting as a change: updated_at moves only on a real change).
# Each column written -> what it is written from: the staged values the column spec sends
# to awin_products, then the raw row as JSON and the match.
_RAW_VALUES = {
    **{column: f"s.{staged}" for column, staged in AWIN_PRODUCTS_VALUES.items()},
    "raw": "s.raw",
    "matched_variant_id": "m.variant_id",
}
_RAW_CHANGED = f"(a.{', a.'.join(_RAW_VALUES)}) IS DISTINCT FROM (EXCLUDED.{', EXCLUDED.'.join(_RAW_VALUES)})"
_UPSERT_RAW = f"""
WITH written AS (
    INSERT INTO integration.awin_products AS a (
        merchant_id, aw_product_id, {", ".join(_RAW_VALUES)}, raw_fingerprint, import_run_id)
    SELECT s.merchant_id, s.aw_product_id, {", ".join(_RAW_VALUES.values())}, s.fingerprint, %(run)s
    FROM awin_stage s LEFT JOIN awin_match m ON m.line = s.line
    ON CONFLICT (merchant_id, aw_product_id) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in _RAW_VALUES)},
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
#    write and the history triggers see only real changes. Each column -> what it is written
#    from: the merchant's name, the staged values the column spec sends to price_sources, the
#    merchant's supplier.
_PRICE_VALUES = {
    "source_name": "left(coalesce(nullif(s.merchant_name, ''), am.supplier_name, 'Awin merchant ' || s.merchant_id), 150)",
    **{column: f"s.{staged}" for column, staged in PRICE_SOURCES_VALUES.items()},
    "supplier_id": "am.supplier_id",
}
_UPSERT_PRICES = f"""
WITH written AS (
    INSERT INTO integration.price_sources AS p (
        product_id, size_id, source_type, source_product_id, price_type, {", ".join(_PRICE_VALUES)},
        metadata, created_by_id, updated_by_id)
    SELECT m.product_id, m.size_id, 'awin', s.aw_product_id, 'retail', {", ".join(_PRICE_VALUES.values())},
           '{{}}'::jsonb, %(acting_user)s, %(acting_user)s
    FROM awin_stage s
    JOIN awin_match m ON m.line = s.line
    JOIN awin_merchants am ON am.merchant_id = s.merchant_id
    ON CONFLICT (product_id, size_id, source_type, source_product_id, price_type) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in _PRICE_VALUES)},
        updated_by_id = EXCLUDED.updated_by_id,
        updated_at = statement_timestamp()
    WHERE (p.{", p.".join(_PRICE_VALUES)}) IS DISTINCT FROM (EXCLUDED.{", EXCLUDED.".join(_PRICE_VALUES)})
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
class Totals:
    """What one import has counted so far, and the database seconds of each step."""

    read: int = 0
    bad_rows: int = 0
    staged: int = 0
    created: int = 0
    updated: int = 0
    unmatched: Counter[str] = field(default_factory=Counter)
    catalog: Counter[str] = field(default_factory=Counter)
    phases: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


class Stage:
    """The staging tables of one import and the set-based pass over them."""

    def __init__(self, *, run: ImportRun, acting_user: Any, totals: Totals) -> None:
        self.params = {"run": run.pk, "acting_user": getattr(acting_user, "pk", None)}
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
        with connection.cursor() as cursor, cursor.copy(f"COPY awin_stage ({_STAGE_COLUMNS}) FROM STDIN") as copy:
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
