"""Prices: feeds and markets (schema ``integration``), pricing rules (``pricing``).

The ``analytics`` schema holds materialized views only; they arrive with the pricing engine.
"""

from __future__ import annotations

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from catalog.models import Brand, Category, InventoryStatus, Product, Size, Supplier, Variant
from soleflip.db.audit import ACTOR, audit_triggers
from soleflip.db.models import AuthoredModel, TimestampedModel, UUIDModel, choices_check, currency_check
from soleflip.values.money import format_cents


class SourceType(models.TextChoices):
    """Where a price was seen (the review's ``integration.source_type_enum``)."""

    AWIN = "awin", "Awin feed"
    STOCKX = "stockx", "StockX"
    GOAT = "goat", "GOAT"
    ALIAS = "alias", "Alias"
    EBAY = "ebay", "eBay"
    KLEKT = "klekt", "Klekt"
    RETAILER = "retailer", "Retailer (direct)"
    MANUAL = "manual", "Manual entry"


class PriceType(models.TextChoices):
    """What the price means (``integration.price_type_enum``)."""

    RETAIL = "retail", "Retail (buy)"
    RESALE = "resale", "Resale"
    LOWEST_ASK = "lowest_ask", "Lowest ask"
    HIGHEST_BID = "highest_bid", "Highest bid"
    LAST_SALE = "last_sale", "Last sale"


_HISTORY_COLUMNS = (
    "recorded_at, price_source_id, product_id, size_id, source_type, price_type,"
    " old_price_cents, new_price_cents, currency, in_stock, stock_quantity, changed_by"
)
# The price source columns whose every change price_history records, and the columns that
# move with such a change without saying anything of their own: when it changed (the row's
# updated_at, the source's last_updated) and who changed it (price_history.changed_by).
PRICE_TRACKED = ("price_cents", "currency", "in_stock", "stock_quantity")
_BOOKKEEPING = ("updated_at", "updated_by_id", "last_updated")
# All of price_sources' columns, for its audit trigger (tests/pricing/test_price_history.py keeps
# the list equal to the model's).
PRICE_SOURCE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "created_by_id",
    "updated_by_id",
    "product_id",
    "size_id",
    "source_type",
    "source_product_id",
    "source_name",
    "price_type",
    "price_cents",
    "currency",
    "in_stock",
    "stock_quantity",
    "source_url",
    "affiliate_link",
    "supplier_id",
    "metadata",
    "last_updated",
)


class PriceSource(AuthoredModel):
    """The one table of prices: every retail and resale price of a product (and size) by source.

    A row per product, size, source, source product and price type; a row without a size
    is a price for any size. Every insert and every change of price or stock is written to
    ``price_history`` by the statement-level triggers below, whatever wrote it (admin, ORM
    bulk paths, raw SQL, COPY + upsert).
    """

    # No index of its own: uq_price_sources_source_key leads with product_id and size_id and
    # serves every lookup by product (and by product and size); one write fewer per new price.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_sources", db_index=False)
    size = models.ForeignKey(Size, null=True, blank=True, on_delete=models.SET_NULL, related_name="price_sources")
    source_type = models.CharField(max_length=20, choices=SourceType.choices)
    source_product_id = models.CharField(max_length=100, help_text="The source's own id (Awin aw_product_id, ...).")
    source_name = models.CharField(max_length=150, help_text="Merchant or platform name as the source gives it.")
    price_type = models.CharField(max_length=20, choices=PriceType.choices)
    price_cents = models.IntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    in_stock = models.BooleanField(default=True)
    stock_quantity = models.IntegerField(null=True, blank=True)
    source_url = models.URLField(max_length=1000, blank=True)
    affiliate_link = models.URLField(max_length=2000, blank=True)
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.SET_NULL, related_name="price_sources"
    )
    metadata = models.JSONField(default=dict, blank=True)
    last_updated = models.DateTimeField(
        null=True, blank=True, help_text="When the source last changed this price (validated on import, not by CHECK)."
    )

    # Sources' ids are often GTINs or long numbers; they are identifiers, not card data.
    card_check_exempt = frozenset({"source_product_id"})
    # Admin edits keep per-object history; feed imports are recorded by price_history and the audit log.
    history = HistoricalRecords(table_name="price_sources_history", cascade_delete_history=False)

    class Meta:
        db_table = "price_sources"
        indexes = [
            # Profit query: cheapest in-stock retail price per product and size (review 3.1).
            # Without the review's price_cents column: no index holds the price, so a price
            # change is a HOT update (no index writes) on the free space fillfactor 85 leaves
            # in each page (migration 0013, docs/adr/0012).
            models.Index(
                fields=["product", "size"],
                name="idx_price_sources_retail_active",
                condition=models.Q(price_type="retail", in_stock=True),
            ),
            # Exact search by the source's product id (an Awin aw_product_id, a StockX id).
            models.Index(fields=["source_product_id"], name="idx_price_sources_source_product"),
        ]
        constraints = [
            # One row per product, size, source, source product and price type. NULLS NOT
            # DISTINCT makes rows without a size collide too (the review's two partial unique
            # indexes, as one index that ON CONFLICT can name): docs/adr/0007.
            models.UniqueConstraint(
                fields=["product", "size", "source_type", "source_product_id", "price_type"],
                nulls_distinct=False,
                name="uq_price_sources_source_key",
            ),
            models.CheckConstraint(condition=models.Q(price_cents__gte=0), name="chk_price_sources_price_positive"),
            models.CheckConstraint(
                condition=models.Q(stock_quantity__isnull=True) | models.Q(stock_quantity__gte=0),
                name="chk_price_sources_stock_positive",
            ),
            currency_check("price_sources"),
            choices_check("price_sources", "source_type", SourceType),
            choices_check("price_sources", "price_type", PriceType),
        ]
        # Statement-level triggers with transition tables: one INSERT ... SELECT per statement,
        # the cheapest measured design (1.02x on a guarded re-import). PostgreSQL allows
        # transition tables on single-event triggers only, hence two. statement_timestamp()
        # orders two changes made in one transaction (now() would give both the same time).
        triggers = [
            # price_history records every insert, and every change of price or stock with its
            # author: the audit log keeps the other changes (docs/adr/0011).
            *audit_triggers(
                inserts=False, recorded_elsewhere=PRICE_TRACKED + _BOOKKEEPING, columns=PRICE_SOURCE_COLUMNS
            ),
            pgtrigger.Trigger(
                name="price_history_on_insert",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_rows"),
                func=f"""
                    INSERT INTO integration.price_history ({_HISTORY_COLUMNS})
                    SELECT statement_timestamp(), n.id, n.product_id, n.size_id, n.source_type, n.price_type,
                           NULL, n.price_cents, n.currency, n.in_stock, n.stock_quantity, {ACTOR}
                    FROM new_rows n;
                    RETURN NULL;
                """,
            ),
            pgtrigger.Trigger(
                name="price_history_on_update",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
                func=f"""
                    INSERT INTO integration.price_history ({_HISTORY_COLUMNS})
                    SELECT statement_timestamp(), n.id, n.product_id, n.size_id, n.source_type, n.price_type,
                           o.price_cents, n.price_cents, n.currency, n.in_stock, n.stock_quantity, {ACTOR}
                    FROM new_rows n JOIN old_rows o ON o.id = n.id
                    WHERE ({", ".join(f"o.{c}" for c in PRICE_TRACKED)})
                          IS DISTINCT FROM ({", ".join(f"n.{c}" for c in PRICE_TRACKED)});
                    RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        price = format_cents(self.price_cents, self.currency)
        return f"{self.get_source_type_display()} {self.get_price_type_display()} {price}"


class PriceHistory(UUIDModel):
    """A price or stock change of a price source, written by a trigger. Partitioned by month.

    ``price_source_id`` has no foreign key: history outlives the row it describes, and old
    partitions move to the ``archive`` schema.
    """

    recorded_at = models.DateTimeField()
    price_source_id = models.UUIDField()
    product_id = models.UUIDField()
    size_id = models.UUIDField(null=True, blank=True)
    source_type = models.CharField(max_length=20, choices=SourceType.choices)
    price_type = models.CharField(max_length=20, choices=PriceType.choices)
    old_price_cents = models.IntegerField(null=True, blank=True)
    new_price_cents = models.IntegerField()
    currency = models.CharField(max_length=3)
    in_stock = models.BooleanField()
    stock_quantity = models.IntegerField(null=True, blank=True)
    # Who made the change (app.user_id: the request's user, the command's --as-user); no
    # foreign key, as on audit_log.changed_by: history outlives users and moves to archive.
    changed_by = models.UUIDField(null=True, blank=True, help_text="The user who made the change, if known.")

    class Meta:
        db_table = "price_history"
        verbose_name_plural = "price history"
        indexes = [
            # A price source's chart: its changes over time.
            models.Index(fields=["price_source_id", "-recorded_at"], name="idx_price_history_source_time"),
            # A product's price movements across sources.
            models.Index(fields=["product_id", "-recorded_at"], name="idx_price_history_product_time"),
        ]
        constraints = [currency_check("price_history")]

    def __str__(self) -> str:
        return f"{self.recorded_at:%Y-%m-%d %H:%M} {self.old_price_cents} → {self.new_price_cents}"


class ImportKind(models.TextChoices):
    AWIN_FEED = "awin_feed", "Awin product feed"
    SALES_REPORT = "sales_report", "Platform sales report"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Succeeded, bad rows skipped"
    FAILED = "failed", "Failed (nothing written)"


class ImportRun(TimestampedModel):
    """One import of one file: who, what, how it went, and the rows it rejected."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.BigIntegerField(default=0)
    options = models.JSONField(default=dict, blank=True, help_text="Dry run, skip bad rows, merchant, platform ...")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.IntegerField(default=0)
    rows_created = models.IntegerField(default=0)
    rows_updated = models.IntegerField(default=0)
    rows_unchanged = models.IntegerField(default=0)
    rows_skipped = models.IntegerField(default=0)
    rows_failed = models.IntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="Rejected rows: line, column, reason.")
    message = models.TextField(blank=True)

    card_check_exempt = frozenset({"file_sha256"})  # a hex digest can hold long digit runs

    class Meta:
        db_table = "import_runs"
        ordering = ["-created_at"]
        indexes = [
            # "Last import runs" on the dashboard.
            models.Index(fields=["-created_at"], name="idx_import_runs_created"),
            # Has this exact file been imported before?
            models.Index(fields=["file_sha256"], name="idx_import_runs_sha256"),
        ]
        constraints = [
            choices_check("import_runs", "kind", ImportKind),
            choices_check("import_runs", "status", ImportStatus),
            models.CheckConstraint(
                condition=models.Q(
                    rows_read__gte=0,
                    rows_created__gte=0,
                    rows_updated__gte=0,
                    rows_unchanged__gte=0,
                    rows_skipped__gte=0,
                    rows_failed__gte=0,
                ),
                name="chk_import_runs_counts_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"


class AwinProduct(TimestampedModel):
    """A feed row as Awin sent it, kept raw; matched to a variant when the import can."""

    merchant_id = models.CharField(max_length=20)
    merchant_name = models.CharField(max_length=150, blank=True)
    aw_product_id = models.CharField(max_length=40)
    merchant_product_id = models.CharField(max_length=100, blank=True)
    product_name = models.CharField(max_length=500, blank=True)
    brand_name = models.CharField(max_length=150, blank=True)
    ean = models.CharField(max_length=20, blank=True, help_text="As the feed wrote it.")
    mpn = models.CharField(max_length=100, blank=True)
    size_label = models.CharField(max_length=40, blank=True)
    colour = models.CharField(max_length=150, blank=True)
    category_name = models.CharField(max_length=150, blank=True)
    price_cents = models.IntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    in_stock = models.BooleanField(default=False)
    stock_quantity = models.IntegerField(null=True, blank=True)
    merchant_deep_link = models.URLField(max_length=2000, blank=True)
    aw_deep_link = models.URLField(max_length=2000, blank=True)
    image_url = models.URLField(max_length=1000, blank=True)
    last_updated = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, help_text="The whole feed row, column by column.")
    # A re-import compares this 64-bit hash of the row as read, instead of sending the row
    # back to the database, so a million unchanged rows cost no writes (docs/imports/awin.md).
    raw_fingerprint = models.BigIntegerField(
        null=True, blank=True, editable=False, help_text="Hash of the feed row as last imported."
    )
    import_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    matched_variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="awin_products"
    )

    class Meta:
        db_table = "awin_products"
        constraints = [
            models.UniqueConstraint(fields=["merchant_id", "aw_product_id"], name="uq_awin_products_merchant_product"),
            models.CheckConstraint(
                condition=models.Q(price_cents__isnull=True) | models.Q(price_cents__gte=0),
                name="chk_awin_products_price_positive",
            ),
            currency_check("awin_products"),
        ]
        indexes = [
            # Matching in-stock feed rows to variants by EAN (review 3.2).
            models.Index(fields=["ean", "in_stock"], name="idx_awin_ean_in_stock", condition=models.Q(in_stock=True)),
            # A re-import's first read: the fingerprints of a merchant's matched rows, in order,
            # with their ids, from the index alone (0.25 s to scan a million; the 2 GB table
            # takes 1.4 s).
            models.Index(
                fields=["merchant_id", "raw_fingerprint"],
                include=["aw_product_id"],
                name="idx_awin_products_fingerprints",
                condition=models.Q(matched_variant__isnull=False, raw_fingerprint__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_name or self.merchant_id}: {self.product_name} {self.size_label}"


class RuleType(models.TextChoices):
    MARKUP_PERCENT = "markup_percent", "Markup on cost (percent)"
    FIXED_MARKUP = "fixed_markup", "Fixed markup"
    MIN_MARGIN = "min_margin", "Minimum margin"


class PriceRule(TimestampedModel):
    """How to price a listing: a markup or margin rule for a brand or category."""

    name = models.CharField(max_length=100)
    rule_type = models.CharField(max_length=20, choices=RuleType.choices)
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="price_rules")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="price_rules")
    value_bps = models.IntegerField(null=True, blank=True, help_text="Percent rules, in basis points (1500 = 15%).")
    value_cents = models.IntegerField(null=True, blank=True, help_text="Fixed rules, in cents.")
    currency = models.CharField(max_length=3, default="EUR")
    priority = models.SmallIntegerField(default=100, help_text="Lower runs first.")
    is_active = models.BooleanField(default=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "price_rules"
        ordering = ["priority", "name"]
        constraints = [
            choices_check("price_rules", "rule_type", RuleType),
            currency_check("price_rules"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="chk_price_rules_validity_order",
            ),
            # A percent rule carries basis points, a fixed rule cents.
            models.CheckConstraint(
                condition=(models.Q(rule_type="fixed_markup") & models.Q(value_cents__isnull=False))
                | (~models.Q(rule_type="fixed_markup") & models.Q(value_bps__isnull=False)),
                name="chk_price_rules_value_present",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BrandMultiplier(TimestampedModel):
    """A brand's demand multiplier applied to resale estimates (1.150 = 15% above)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="multipliers")
    multiplier = models.DecimalField(max_digits=5, decimal_places=3, default=Decimal("1.000"))
    reason = models.CharField(max_length=255, blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "brand_multipliers"
        ordering = ["brand__name", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "valid_from"], name="uq_brand_multipliers_brand_from"),
            models.CheckConstraint(condition=models.Q(multiplier__gt=0), name="chk_brand_multipliers_positive"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=models.F("valid_from")),
                name="chk_brand_multipliers_validity_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} × {self.multiplier}"


# --- analytics --------------------------------------------------------------------------


class ViewRefresh(models.Model):
    """When each analytics view was last refreshed, how long it took, and how many rows it has."""

    view_name = models.CharField(max_length=63, primary_key=True)
    refreshed_at = models.DateTimeField()
    duration_ms = models.IntegerField()
    row_count = models.BigIntegerField()
    was_concurrent = models.BooleanField(default=True)

    class Meta:
        db_table = "view_refreshes"
        verbose_name_plural = "view refreshes"
        ordering = ["view_name"]
        permissions = [("refresh_analytics", "Can refresh the analytics views")]

    def __str__(self) -> str:
        return f"{self.view_name} at {self.refreshed_at:%Y-%m-%d %H:%M}"


class AnalyticsView(models.Model):
    """Base of the read-only models over ``analytics`` materialized views (migration 0004)."""

    refreshed_at = models.DateTimeField()

    class Meta:
        abstract = True
        managed = False


class ProfitOpportunity(AnalyticsView):
    """Best in-stock retail price against a resale platform's bid and ask, per product and EU size."""

    id = models.UUIDField(primary_key=True)
    product = models.ForeignKey(Product, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    standardized_size = models.DecimalField("EU size", max_digits=4, decimal_places=1)
    currency = models.CharField(max_length=3)
    retail_price_source = models.ForeignKey(
        PriceSource, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    retail_cents = models.IntegerField()
    retail_source = models.CharField(max_length=150)
    retail_source_type = models.CharField(max_length=20, choices=SourceType.choices)
    retail_url = models.URLField(max_length=2000)
    resale_source = models.CharField(max_length=20, choices=SourceType.choices)
    highest_bid_cents = models.IntegerField(null=True)
    lowest_ask_cents = models.IntegerField(null=True)
    fee_schedule_id = models.UUIDField(null=True)
    seller_level = models.SmallIntegerField(null=True)
    net_if_sold_now_cents = models.IntegerField(null=True)
    profit_cents = models.IntegerField(null=True)
    roi_bps = models.IntegerField("ROI (bps)", null=True)
    net_if_listed_cents = models.IntegerField(null=True)
    profit_if_listed_cents = models.IntegerField(null=True)
    roi_if_listed_bps = models.IntegerField(null=True)

    class Meta(AnalyticsView.Meta):
        db_table = "profit_opportunities_mv"
        verbose_name_plural = "profit opportunities"
        ordering = ["-profit_cents"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "standardized_size", "currency", "resale_source"], name="idx_profit_opps_mv_pk"
            ),
            models.UniqueConstraint(fields=["id"], name="idx_profit_opps_mv_id"),
        ]
        indexes = [
            models.Index(fields=["brand", "-profit_cents"], name="idx_profit_opps_mv_brand_profit"),
            models.Index(fields=["-profit_cents"], name="idx_profit_opps_mv_profit"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} EU {self.standardized_size} via {self.resale_source}"


class BrandPerformance(AnalyticsView):
    """A brand's catalog, offers, stock and sales in one row."""

    brand = models.OneToOneField(
        Brand, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    brand_name = models.CharField(max_length=100)
    products_count = models.BigIntegerField()
    retail_offers_in_stock = models.BigIntegerField()
    avg_retail_cents = models.IntegerField(null=True)
    avg_highest_bid_cents = models.IntegerField(null=True)
    units_in_stock = models.BigIntegerField()
    stock_cost_base_cents = models.BigIntegerField()
    units_sold = models.BigIntegerField()
    units_sold_90d = models.BigIntegerField()
    revenue_base_cents = models.BigIntegerField()
    net_base_cents = models.BigIntegerField()
    profit_base_cents = models.BigIntegerField()
    avg_days_to_sell = models.DecimalField(max_digits=8, decimal_places=1, null=True)

    class Meta(AnalyticsView.Meta):
        db_table = "brand_performance_mv"
        verbose_name_plural = "brand performance"
        ordering = ["-profit_base_cents"]
        constraints = [models.UniqueConstraint(fields=["brand"], name="idx_brand_performance_mv_pk")]

    def __str__(self) -> str:
        return self.brand_name


class DailySales(AnalyticsView):
    """Orders, gross, fees, net and profit per UTC day, platform and currency."""

    id = models.UUIDField(primary_key=True)
    day = models.DateField()
    platform_id = models.UUIDField()
    currency = models.CharField(max_length=3)
    orders_count = models.BigIntegerField()
    gross_cents = models.BigIntegerField()
    fees_cents = models.BigIntegerField()
    net_cents = models.BigIntegerField()
    profit_base_cents = models.BigIntegerField()

    class Meta(AnalyticsView.Meta):
        db_table = "daily_sales_mv"
        verbose_name_plural = "daily sales"
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "platform_id", "currency"], name="idx_daily_sales_mv_pk"),
            models.UniqueConstraint(fields=["id"], name="idx_daily_sales_mv_id"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.currency}"


AGE_BUCKETS = [("0-30", "0-30 days"), ("31-60", "31-60 days"), ("61-90", "61-90 days"), ("90+", "over 90 days")]


class InventoryAging(AnalyticsView):
    """An open inventory item's age, locked capital and market value."""

    inventory = models.OneToOneField(
        "catalog.Inventory", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    product = models.ForeignKey(Product, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    size = models.ForeignKey(Size, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    # Fixed choices: the list filters offer them without a DISTINCT over the whole view.
    status = models.CharField(max_length=20, choices=InventoryStatus.choices)
    purchased_at = models.DateTimeField(null=True)
    days_in_stock = models.IntegerField()
    age_bucket = models.CharField(max_length=5, choices=AGE_BUCKETS)
    is_dead_stock = models.BooleanField()
    quantity = models.IntegerField()
    purchase_price_cents = models.IntegerField(null=True)
    currency = models.CharField(max_length=3)
    locked_capital_base_cents = models.BigIntegerField()
    market_bid_cents = models.IntegerField(null=True)
    unrealized_profit_cents = models.IntegerField(null=True)

    class Meta(AnalyticsView.Meta):
        db_table = "inventory_aging_mv"
        verbose_name_plural = "inventory aging"
        ordering = ["-days_in_stock"]
        constraints = [models.UniqueConstraint(fields=["inventory"], name="idx_inventory_aging_mv_pk")]
        indexes = [models.Index(fields=["-days_in_stock"], name="idx_inventory_aging_mv_days")]

    def __str__(self) -> str:
        return f"{self.inventory_id} ({self.days_in_stock} days)"
