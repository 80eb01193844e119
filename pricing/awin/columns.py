"""The Awin columns the import reads, and where each one's value goes: the one list the others come from.

``FEED_COLUMNS`` names every column of the feed the importer reads, in the order a header is
checked, and says for each what the import needs to know of it: the longest value the
tables it lands in hold, the column of the staging table ``awin_stage`` it is staged in,
and the columns of ``integration.awin_products`` (the raw row) and
``integration.price_sources`` (the price) it is written to. ``COMPUTED_COLUMNS`` are the
staged values the reader works out itself, from several columns or from none (the line,
the fingerprint): they are no column of the feed, and are kept apart so that the feed's
list stays the feed's.

Derived from the two, and written out nowhere else:

* ``KNOWN_COLUMNS``: the columns ``FeedLayout`` looks for in a header (any other column is
  kept in ``raw`` only), and ``MAX_LENGTHS``: the values refused when longer than their
  column holds;
* ``STAGE_TYPED`` and ``STAGE_TEXT``: the columns of ``awin_stage``, in the order
  ``staging_line`` writes them for COPY;
* ``AWIN_PRODUCTS_VALUES`` and ``PRICE_SOURCES_VALUES``: which staged value each column of
  the raw row and of the price is written from (the guarded upserts compare exactly these).

Every staged name is also a field of ``pricing.awin.reader.AwinRow``, which holds one
validated row as it is staged.
"""

from __future__ import annotations

from dataclasses import dataclass

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

# The type of a staged text value: an absent or empty cell is staged as "".
TEXT = "text NOT NULL"


@dataclass(frozen=True)
class Column:
    """A column of the feed, or a value the reader works out: where it comes from and where it goes.

    ``name`` is the feed's name for the column (as Awin spells it; a header is matched
    without regard to case), or a computed value's own. A staged value has this name in
    ``awin_stage`` and in ``AwinRow``.

    ``max_length``: what the table columns the value lands in hold. A longer value is
    refused rather than cut: the cut value would be compared on every re-import.

    ``staged``: the type of the value's ``awin_stage`` column; None when the column is only
    read into another value (``search_price`` into ``price_cents``).

    ``awin_products`` and ``price_sources``: the column of ``integration.awin_products``
    and of ``integration.price_sources`` the staged value is written to, if any.
    """

    name: str
    max_length: int | None = None
    staged: str | None = None
    awin_products: str | None = None
    price_sources: str | None = None


# The columns this importer reads, in the order a header is checked (and its problems named);
# any other column is kept in ``raw`` only.
FEED_COLUMNS = (
    # These two are a raw row's key: written apart from its compared columns.
    Column(AW_PRODUCT_ID, max_length=40, staged=TEXT),
    Column(MERCHANT_ID, staged=TEXT),
    Column("merchant_name", max_length=150, staged=TEXT, awin_products="merchant_name"),
    Column("merchant_product_id", max_length=100, staged=TEXT, awin_products="merchant_product_id"),
    Column("product_name", max_length=500, staged=TEXT, awin_products="product_name"),
    Column("brand_name", max_length=150, staged=TEXT, awin_products="brand_name"),
    *(Column(name) for name in PRICE_COLUMNS),  # read into price_cents
    Column("currency", staged=TEXT, awin_products="currency", price_sources="currency"),
    *(Column(name) for name in GTIN_COLUMNS),  # read into ean_raw and ean
    Column("mpn", max_length=100, staged=TEXT, awin_products="mpn"),
    Column("description"),  # its tail may be the style code
    Column(
        "merchant_deep_link",
        max_length=1000,  # it becomes price_sources.source_url (1000)
        staged=TEXT,
        awin_products="merchant_deep_link",
        price_sources="source_url",
    ),
    Column("aw_deep_link", max_length=2000, staged=TEXT, awin_products="aw_deep_link", price_sources="affiliate_link"),
    *(Column(name) for name in IMAGE_COLUMNS),  # read into image_url
    # Staged as read together with is_for_sale (and stock_quantity when in_stock is empty).
    Column("in_stock", staged="boolean NOT NULL", awin_products="in_stock", price_sources="in_stock"),
    Column("stock_quantity", staged="integer", awin_products="stock_quantity", price_sources="stock_quantity"),
    Column("is_for_sale"),  # read into in_stock
    *(Column(name) for name in SIZE_COLUMNS),  # read into size_label
    Column("colour", max_length=150, staged=TEXT, awin_products="colour"),
    # GENDER_COLUMNS, in their order: read into gender_class (category_name is also kept).
    Column("Fashion:suitable_for"),
    Column("category_name", max_length=150, staged=TEXT, awin_products="category_name"),
    Column("merchant_category"),
    Column("last_updated", staged="timestamptz", awin_products="last_updated", price_sources="last_updated"),
)

# The staged values that are no column of the feed: the reader works each out.
COMPUTED_COLUMNS = (
    Column("line", staged="integer NOT NULL"),  # the file's line the row starts on
    # The row's text hashed (reader.fingerprint_base). Stored as awin_products.raw_fingerprint
    # apart from the compared columns: a fingerprint alone differing is no change of the row.
    Column("fingerprint", staged="bigint NOT NULL"),
    # The first of PRICE_COLUMNS given, in cents.
    Column("price_cents", staged="integer NOT NULL", awin_products="price_cents", price_sources="price_cents"),
    Column("size_ref", staged="integer"),  # the size book's number for the row's size; NULL without a size
    Column("ean", staged="text"),  # the canonical GTIN the variants are matched on; NULL without one
    Column("brand_slug", staged=TEXT),  # the catalog brand's slug (brands.BrandBook)
    Column("ean_raw", staged=TEXT, awin_products="ean"),  # the first of GTIN_COLUMNS, as the feed wrote it
    Column("style_code", staged=TEXT),  # mpn, else the end of description (brands.style_code_of)
    Column("size_label", staged=TEXT, awin_products="size_label"),  # the first of SIZE_COLUMNS
    Column("gender_class", staged=TEXT),  # M, W, U or "" from GENDER_COLUMNS (sizes.gender_class_of)
    Column("image_url", staged=TEXT, awin_products="image_url"),  # the first of IMAGE_COLUMNS, if it is fit
)
# Limits of computed values, checked where they are worked out: a longer size label is refused
# (awin_products.size_label), a longer image link dropped (awin_products.image_url).
SIZE_LABEL_MAX = 40
IMAGE_URL_MAX = 1000

KNOWN_COLUMNS = tuple(column.name for column in FEED_COLUMNS)
MAX_LENGTHS = {column.name: column.max_length for column in FEED_COLUMNS if column.max_length is not None}

_VALUES = (*COMPUTED_COLUMNS, *FEED_COLUMNS)
# awin_stage: the typed columns (name, type) first, written without escaping, then the text
# ones; the raw row as JSON (``raw``) follows them, and is no value of the spec.
STAGE_TYPED = tuple(
    (column.name, column.staged) for column in _VALUES if column.staged is not None and column.staged != TEXT
)
STAGE_TEXT = tuple(column.name for column in _VALUES if column.staged == TEXT)

# The table's column -> the awin_stage column it is written from.
AWIN_PRODUCTS_VALUES = {column.awin_products: column.name for column in _VALUES if column.awin_products}
PRICE_SOURCES_VALUES = {column.price_sources: column.name for column in _VALUES if column.price_sources}
