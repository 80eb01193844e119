"""The catalog: master data (schema ``core``) and products with their sizes and stock (``products``)."""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from decimal import Decimal
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Upper
from simple_history.models import HistoricalRecords

from catalog.gtin import normalize_gtin, validate_gtin
from soleflip.db.audit import audit_triggers
from soleflip.db.crypto import EncryptedTextField
from soleflip.db.models import (
    AuthoredModel,
    TimestampedModel,
    choices_check,
    currency_check,
    non_negative_check,
)

# --- core -------------------------------------------------------------------------------


class Brand(TimestampedModel):
    """A brand (Nike, Jordan, adidas ...); its size charts decide standardized sizes."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "brands"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="uq_brands_slug"),
            models.UniqueConstraint(fields=["name"], name="uq_brands_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Category(TimestampedModel):
    """A node of the category tree (Footwear > Sneakers > Basketball)."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        db_table = "categories"
        verbose_name_plural = "categories"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="uq_categories_slug"),
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="chk_categories_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Color(TimestampedModel):
    """A colour of the central colour catalog (the review's ``core.colors``)."""

    name = models.CharField(max_length=60)
    hex_code = models.CharField(
        max_length=7, blank=True, validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}$", "Use #RRGGBB.")]
    )

    class Meta:
        db_table = "colors"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="uq_colors_name")]

    def __str__(self) -> str:
        return self.name


class Material(TimestampedModel):
    """An upper or sole material (leather, suede, mesh)."""

    name = models.CharField(max_length=60)

    class Meta:
        db_table = "materials"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="uq_materials_name")]

    def __str__(self) -> str:
        return self.name


class Tag(TimestampedModel):
    """A free label for products and suppliers (``core.tags`` instead of JSONB lists)."""

    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60)

    class Meta:
        db_table = "tags"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="uq_tags_slug")]

    def __str__(self) -> str:
        return self.name


class SupplierType(models.TextChoices):
    RETAILER = "retailer", "Retailer"
    BRAND_STORE = "brand_store", "Brand store"
    MARKETPLACE = "marketplace", "Marketplace"
    PRIVATE = "private", "Private seller"
    WHOLESALE = "wholesale", "Wholesale"


class Supplier(AuthoredModel):
    """Where pairs are bought. Contact fields are personal data (docs/gdpr.md)."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150)
    supplier_type = models.CharField(max_length=20, choices=SupplierType.choices, default=SupplierType.RETAILER)
    website = models.URLField(blank=True)
    awin_merchant_id = models.CharField(
        max_length=20, blank=True, help_text="Awin advertiser id, to match feed rows to this supplier."
    )
    contact_person = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    street = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country_code = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2, e.g. DE.")
    vat_id = models.CharField("VAT id", max_length=30, blank=True)
    default_currency = models.CharField(max_length=3, default="EUR")
    api_key_encrypted = EncryptedTextField(
        "API key", blank=True, help_text="The supplier's API key for stock and order sync; stored encrypted."
    )
    return_policy_days = models.PositiveSmallIntegerField(null=True, blank=True)
    rating = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="suppliers", db_table="supplier_tags")

    card_check_exempt = frozenset({"api_key_encrypted"})  # keys are random strings

    history = HistoricalRecords(table_name="suppliers_history", cascade_delete_history=False)

    class Meta:
        db_table = "suppliers"
        triggers = audit_triggers()
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="uq_suppliers_slug"),
            choices_check("suppliers", "supplier_type", SupplierType),
            currency_check("suppliers", "default_currency"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=0, rating__lte=5),
                name="chk_suppliers_rating_range",
            ),
            models.CheckConstraint(
                condition=models.Q(country_code="") | models.Q(country_code__regex=r"^[A-Z]{2}$"),
                name="chk_suppliers_country_code_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SupplierAccount(AuthoredModel):
    """A login at a supplier's shop. Payment data is a provider token and last four digits only."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="accounts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supplier_accounts",
        help_text="The staff member who buys through this account (row-level security scope).",
    )
    email = models.EmailField(help_text="Login e-mail at the supplier.")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    street = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    payment_provider = models.CharField(max_length=40, blank=True, help_text="e.g. stripe, paypal.")
    payment_method_token = models.CharField(
        max_length=200, blank=True, help_text="The provider's token, never a card number."
    )
    payment_method_last4 = models.CharField(max_length=4, blank=True)
    bank_details_encrypted = EncryptedTextField(
        "bank details", blank=True, help_text="Account holder, IBAN and BIC for refunds; stored encrypted."
    )
    is_active = models.BooleanField(default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(table_name="supplier_accounts_history", cascade_delete_history=False)

    class Meta:
        db_table = "supplier_accounts"
        triggers = audit_triggers()
        ordering = ["supplier__name", "email"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "email"], name="uq_supplier_accounts_supplier_email"),
            # PCI: the only card data we hold is four digits.
            models.CheckConstraint(
                condition=models.Q(payment_method_last4="") | models.Q(payment_method_last4__regex=r"^[0-9]{4}$"),
                name="chk_supplier_accounts_last4_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} @ {self.supplier}"


class SupplierEventType(models.TextChoices):
    CREATED = "created", "Created"
    ORDER_PLACED = "order_placed", "Order placed"
    DELIVERY = "delivery", "Delivery"
    RETURN = "return", "Return"
    ISSUE = "issue", "Issue"
    TERMS_CHANGED = "terms_changed", "Terms changed"
    NOTE = "note", "Note"


class SupplierHistory(TimestampedModel):
    """An event in the relationship with a supplier."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(max_length=20, choices=SupplierEventType.choices)
    occurred_at = models.DateTimeField()
    description = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        db_table = "supplier_history"
        verbose_name_plural = "supplier history"
        ordering = ["-occurred_at"]
        indexes = [
            # A supplier's timeline, newest first.
            models.Index(fields=["supplier", "-occurred_at"], name="idx_supplier_history_timeline"),
        ]
        constraints = [choices_check("supplier_history", "event_type", SupplierEventType)]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} ({self.occurred_at:%Y-%m-%d})"


class SupplierPerformance(TimestampedModel):
    """A supplier's KPIs for one period (orders, spend, delivery, defects)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="performance")
    period_start = models.DateField()
    period_end = models.DateField()
    orders_count = models.PositiveIntegerField(default=0)
    items_received = models.PositiveIntegerField(default=0)
    items_defective = models.PositiveIntegerField(default=0)
    total_spent_cents = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, default="EUR")
    avg_delivery_days = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    on_time_rate_bps = models.PositiveIntegerField(
        null=True, blank=True, help_text="Share of orders delivered on time, in basis points (10000 = 100%)."
    )

    class Meta:
        db_table = "supplier_performance"
        verbose_name_plural = "supplier performance"
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "period_start", "period_end"], name="uq_supplier_performance_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="chk_supplier_performance_period_order",
            ),
            models.CheckConstraint(
                condition=models.Q(items_defective__lte=models.F("items_received")),
                name="chk_supplier_performance_defects_le_received",
            ),
            models.CheckConstraint(
                condition=models.Q(on_time_rate_bps__isnull=True) | models.Q(on_time_rate_bps__lte=10000),
                name="chk_supplier_performance_on_time_rate_range",
            ),
            non_negative_check("supplier_performance", "total_spent_cents"),
            currency_check("supplier_performance"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} {self.period_start}–{self.period_end}"


# --- products ---------------------------------------------------------------------------


class GenderClass(models.TextChoices):
    """Who a size or product is cut for; GS/PS/TD are the kids' lines."""

    MEN = "M", "Men"
    WOMEN = "W", "Women"
    UNISEX = "U", "Unisex"
    GRADE_SCHOOL = "GS", "Grade school (Y)"
    PRE_SCHOOL = "PS", "Pre-school (C)"
    TODDLER = "TD", "Toddler"


class SizeRegion(models.TextChoices):
    US = "US"
    UK = "UK"
    EU = "EU"
    CM = "CM"
    KR = "KR", "KR (mm)"


class Product(AuthoredModel):
    """A model in one colourway (one style code). Sizes and EANs live on its variants."""

    # A manufacturer's style code is an identifier (digits and dashes), not a place a card
    # number is entered; a numeric one may pass the card check digit.
    card_check_exempt = frozenset({"style_code"})

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    name = models.CharField(max_length=255)
    style_code = models.CharField(max_length=50, blank=True, help_text="Manufacturer style code, e.g. DD1391-100.")
    colorway = models.CharField(max_length=150, blank=True)
    color = models.ForeignKey(Color, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    material = models.ForeignKey(Material, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    tags = models.ManyToManyField(Tag, blank=True, related_name="products", db_table="product_tags")
    gender_class = models.CharField(max_length=2, choices=GenderClass.choices, default=GenderClass.MEN)
    release_date = models.DateField(null=True, blank=True)
    retail_price_cents = models.IntegerField(null=True, blank=True, help_text="Manufacturer retail price in cents.")
    retail_currency = models.CharField(max_length=3, default="EUR")
    avg_resale_price_cents = models.IntegerField(
        null=True, blank=True, editable=False, help_text="Cached average resale price in cents (denormalized)."
    )
    description = models.TextField(blank=True)
    image_url = models.URLField(max_length=500, blank=True)
    enrichment_data = models.JSONField(default=dict, blank=True, help_text="Raw data from StockX and other enrichers.")
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords(table_name="products_history", cascade_delete_history=False)

    class Meta:
        db_table = "products"
        triggers = audit_triggers()
        ordering = ["brand__name", "name"]
        indexes = [
            # Matching feed rows and sales reports by style code (review 3.2).
            models.Index(fields=["style_code"], name="idx_products_style_code"),
            # Admin search: Django's icontains is UPPER(col) LIKE UPPER('%term%'), which only a
            # trigram index on UPPER(col) serves (a plain gin_trgm_ops on col is not used).
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="idx_products_name_trgm"),
            GinIndex(OpClass(Upper("style_code"), name="gin_trgm_ops"), name="idx_products_style_code_trgm"),
            # The product list's date hierarchy: first and last release date, the years.
            models.Index(fields=["release_date"], name="idx_products_release_date"),
        ]
        constraints = [
            # One product per brand and style code; products without a code are not limited.
            models.UniqueConstraint(
                fields=["brand", "style_code"],
                condition=~models.Q(style_code=""),
                name="uq_products_brand_style_code",
            ),
            models.CheckConstraint(
                condition=models.Q(retail_price_cents__isnull=True) | models.Q(retail_price_cents__gte=0),
                name="chk_products_retail_price_positive",
            ),
            non_negative_check("products", "avg_resale_price_cents", nullable=True),
            currency_check("products", "retail_currency"),
            choices_check("products", "gender_class", GenderClass),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.style_code})" if self.style_code else self.name


class SizeChart(TimestampedModel):
    """One line of a brand's size chart: a size in one region equals an EU size, with its source."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="size_charts")
    gender_class = models.CharField(max_length=2, choices=GenderClass.choices)
    region = models.CharField(max_length=2, choices=SizeRegion.choices)
    value = models.CharField(max_length=10)
    eu_value = models.DecimalField(max_digits=4, decimal_places=1, help_text="EU size this value equals.")
    source = models.CharField(max_length=255, help_text="Where the chart line comes from (provenance).")

    class Meta:
        db_table = "size_charts"
        ordering = ["brand__name", "gender_class", "region", "eu_value"]
        constraints = [
            # A chart may list a value twice with different EU sizes: that is an ambiguity to
            # report, so the key includes eu_value.
            models.UniqueConstraint(
                fields=["brand", "gender_class", "region", "value", "eu_value"], name="uq_size_charts_line"
            ),
            choices_check("size_charts", "gender_class", GenderClass),
            choices_check("size_charts", "region", SizeRegion),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.gender_class} {self.region} {self.value} = EU {self.eu_value}"


class Size(TimestampedModel):
    """A size as a source wrote it; ``standardized_value`` is its EU size once a chart decides it.

    A US, UK, CM or KR size means different EU sizes at different brands (US M 9 is EU 42.5
    at Nike, 42 2/3 at adidas), so such sizes belong to a brand. EU sizes are the standard
    itself and need none.
    """

    brand = models.ForeignKey(
        Brand,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sizes",
        help_text="Whose size chart reads this size; empty for sizes any brand shares (EU).",
    )
    region = models.CharField(max_length=2, choices=SizeRegion.choices)
    value = models.CharField(max_length=10, help_text='The size as written, e.g. "9.5" or "36 2/3".')
    gender_class = models.CharField(
        max_length=2, choices=GenderClass.choices, blank=True, help_text="Empty when the source did not say."
    )
    standardized_value = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, help_text="EU size; empty until a size chart decides it."
    )
    standardized_by = models.ForeignKey(
        SizeChart, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Chart line used."
    )

    class Meta:
        db_table = "sizes"
        ordering = ["region", "gender_class", "value"]
        indexes = [
            # Profit matching joins retail and resale prices on the standardized size.
            models.Index(fields=["standardized_value"], name="idx_sizes_standardized_value"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "region", "value", "gender_class"],
                nulls_distinct=False,
                name="uq_sizes_brand_region_value_class",
            ),
            choices_check("sizes", "region", SizeRegion),
            models.CheckConstraint(
                condition=models.Q(gender_class="") | models.Q(gender_class__in=GenderClass.values),
                name="chk_sizes_gender_class_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(standardized_value__isnull=True)
                | models.Q(standardized_value__gte=Decimal("15"), standardized_value__lte=Decimal("55")),
                name="chk_sizes_standardized_value_range",
            ),
        ]

    def __str__(self) -> str:
        klass = f" {self.gender_class}" if self.gender_class else ""
        return f"{self.region}{klass} {self.value}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"


class SizeReview(TimestampedModel):
    """A size no chart could standardize: staff decide its EU size here, nobody guesses.

    Accepting a review adds the mapping as a chart line (provenance: who accepted it), so
    every size like it standardizes on the next run.
    """

    size = models.OneToOneField(Size, on_delete=models.CASCADE, related_name="review")
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    outcome = models.CharField(max_length=10, help_text="What standardization concluded: ambiguous or unknown.")
    reason = models.TextField()
    candidates = models.JSONField(default=list, blank=True, help_text="EU sizes the charts allow.")
    accepted_eu_value = models.DecimalField("EU size", max_digits=4, decimal_places=1, null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "size_reviews"
        ordering = ["status", "-created_at"]
        permissions = [("standardize_sizes", "Can accept size mappings")]
        indexes = [
            # The queue: open reviews, oldest first.
            models.Index(fields=["created_at"], name="idx_size_reviews_open", condition=models.Q(status="open")),
        ]
        constraints = [
            choices_check("size_reviews", "status", ReviewStatus),
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(accepted_eu_value__isnull=False),
                name="chk_size_reviews_accepted_has_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.size} ({self.get_status_display()})"


class Variant(AuthoredModel):
    """A product in one size, identified by its GTIN (EAN/UPC)."""

    # No index of its own: uq_variants_product_size (product_id, size_id) serves every lookup
    # by product, and one index fewer is one write fewer per variant a feed import creates.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants", db_index=False)
    size = models.ForeignKey(Size, on_delete=models.PROTECT, related_name="variants")
    # NULL, not '', for "no code yet": many variants may lack one, and NULLs never collide
    # in the unique index.
    ean = models.CharField(  # noqa: DJ001
        "EAN/GTIN",
        max_length=14,
        null=True,
        blank=True,
        validators=[validate_gtin],
        help_text="Canonical GTIN: EAN-13 (UPC-A gets its leading 0), or GTIN-14.",
    )
    sku = models.CharField("SKU", max_length=60, blank=True, help_text="Merchant or own stock-keeping code.")

    card_check_exempt = frozenset({"ean"})

    history = HistoricalRecords(table_name="variants_history", cascade_delete_history=False)

    class Meta:
        db_table = "variants"
        triggers = audit_triggers()
        ordering = ["product", "size"]
        indexes = [
            # Exact search by SKU on the variant screen (soleflip.admin.ProductSearchMixin).
            models.Index(fields=["sku"], name="idx_variants_sku"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["product", "size"], name="uq_variants_product_size"),
            # Product lookup by EAN goes through the variant (review 3.2's idx_products_ean).
            models.UniqueConstraint(fields=["ean"], name="idx_products_ean"),
            models.CheckConstraint(
                condition=models.Q(ean__isnull=True) | models.Q(ean__regex=r"^[0-9]{13,14}$"),
                name="chk_variants_ean_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} – {self.size}"

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        self._canonicalize_ean()
        super().clean_fields(exclude=exclude)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._canonicalize_ean()
        super().save(*args, **kwargs)

    def _canonicalize_ean(self) -> None:
        # UPC-A 036000291452 and EAN-13 0036000291452 are one code: store one form of it.
        if self.ean:
            with contextlib.suppress(ValueError):  # an invalid code is reported by the validator
                self.ean = normalize_gtin(self.ean)


class InventoryStatus(models.TextChoices):
    """The life of a pair: bought, in hand, on sale, gone."""

    INCOMING = "incoming", "Incoming"
    AVAILABLE = "available", "Available"
    LISTED = "listed", "Listed"
    RESERVED = "reserved", "Reserved"
    SOLD = "sold", "Sold"
    RETURNED = "returned", "Returned"
    WRITTEN_OFF = "written_off", "Written off"


#: Pairs still in stock: bought and not gone (sold, returned to the supplier, written off). The
#: one list of them; the inventory index below, the analytics views and every sale read it.
OPEN_STOCK: tuple[str, ...] = (
    InventoryStatus.INCOMING,
    InventoryStatus.AVAILABLE,
    InventoryStatus.LISTED,
    InventoryStatus.RESERVED,
)
#: Statuses staff may set by hand; "listed" follows from listings, "sold" from orders.
MANUAL_STATUSES: tuple[str, ...] = (
    InventoryStatus.INCOMING,
    InventoryStatus.AVAILABLE,
    InventoryStatus.RESERVED,
    InventoryStatus.RETURNED,
    InventoryStatus.WRITTEN_OFF,
)


def pair_state_check(*pairs: str) -> str:
    """PL/pgSQL of the deferred triggers that keep a pair's status true to its orders and listings.

    For each pair (inventory id expressions, NULLs skipped): it is Sold exactly when it has
    an open order (one not cancelled or returned), and Listed exactly when one of its
    listings is active. Checked at commit, so an event may write the order, the listings and
    the status in any order; whatever wrote them (a service, raw SQL, COPY), the commit of a
    contradiction fails with the rule it broke.
    """
    return f"""
        FOREACH pair IN ARRAY ARRAY[{", ".join(pairs)}]::uuid[] LOOP
            CONTINUE WHEN pair IS NULL;
            SELECT i.status, format('%s (%s), %s', p.name, p.style_code, COALESCE(s.region || ' ' || s.value, 'no size'))
                INTO pair_status, pair_label
                FROM products.inventory i
                JOIN products.products p ON p.id = i.product_id
                LEFT JOIN products.sizes s ON s.id = i.size_id
                WHERE i.id = pair;
            CONTINUE WHEN NOT FOUND;
            has_open_order := EXISTS (
                SELECT 1 FROM transactions.orders o
                WHERE o.inventory_id = pair AND o.status NOT IN ('cancelled', 'returned')
            );
            has_active_listing := EXISTS (
                SELECT 1 FROM platforms.listings l WHERE l.inventory_id = pair AND l.status = 'active'
            );
            IF pair_status = 'sold' AND NOT has_open_order THEN
                RAISE EXCEPTION 'the pair % is sold but has no open order: a pair is sold by recording its sale', pair_label
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'chk_inventory_sold_has_order';
            ELSIF pair_status <> 'sold' AND has_open_order THEN
                RAISE EXCEPTION 'the pair % has an open order, so it is sold, not %', pair_label, pair_status
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'chk_inventory_sold_has_order';
            ELSIF has_active_listing AND pair_status <> 'listed' THEN
                RAISE EXCEPTION 'the pair % is % but has an active listing: end the listing first', pair_label, pair_status
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'chk_inventory_listed_has_listing';
            ELSIF pair_status = 'listed' AND NOT has_active_listing THEN
                RAISE EXCEPTION 'the pair % is listed but none of its listings is active', pair_label
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'chk_inventory_listed_has_listing';
            END IF;
        END LOOP;
        RETURN NULL;
    """


def pair_state_trigger(name: str, operation: Any, *pairs: str) -> pgtrigger.Trigger:
    """A deferred row trigger running ``pair_state_check`` at commit."""
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Row,
        when=pgtrigger.After,
        timing=pgtrigger.Deferred,
        operation=operation,
        func=pair_state_check(*pairs),
        declare=[
            ("pair", "uuid"),
            ("pair_status", "text"),
            ("pair_label", "text"),
            ("has_open_order", "boolean"),
            ("has_active_listing", "boolean"),
        ],
    )


class Condition(models.TextChoices):
    NEW = "new", "New (deadstock)"
    NEW_DEFECTS = "new_defects", "New with defects"
    USED = "used", "Used"


class Inventory(AuthoredModel):
    """Pairs bought for resale: what they cost, where they are, what state they are in."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="inventory")
    size = models.ForeignKey(Size, null=True, blank=True, on_delete=models.PROTECT, related_name="inventory")
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.PROTECT, related_name="inventory")
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.SET_NULL, related_name="inventory")
    supplier_name = models.CharField(
        max_length=150, blank=True, help_text="Supplier name at purchase (cached, kept if the supplier goes)."
    )
    supplier_account = models.ForeignKey(
        SupplierAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="inventory"
    )
    quantity = models.IntegerField(default=1, editable=False, help_text="Always 1: a row is one pair.")
    purchase_price_cents = models.IntegerField(null=True, blank=True, help_text="Price paid per pair, in cents.")
    currency = models.CharField(max_length=3, default="EUR")
    purchase_fx_rate = models.DecimalField(
        "FX rate at purchase",
        max_digits=12,
        decimal_places=6,
        default=Decimal("1"),
        help_text="Units of the base currency per unit of the purchase currency on the purchase day.",
    )
    status = models.CharField(max_length=20, choices=InventoryStatus.choices, default=InventoryStatus.AVAILABLE)
    condition = models.CharField(max_length=20, choices=Condition.choices, default=Condition.NEW)
    location = models.CharField(max_length=100, blank=True, help_text="Shelf, box or warehouse.")
    purchased_at = models.DateTimeField(null=True, blank=True)
    external_order_ref = models.CharField(max_length=100, blank=True, help_text="The supplier's order number.")
    notes = models.TextField(blank=True)

    history = HistoricalRecords(table_name="inventory_history", cascade_delete_history=False)

    class Meta:
        db_table = "inventory"
        triggers = [
            *audit_triggers(),
            pair_state_trigger("pair_state", pgtrigger.Insert | pgtrigger.UpdateOf("status"), "NEW.id"),
        ]
        verbose_name = "inventory item"
        verbose_name_plural = "inventory"
        ordering = ["-purchased_at"]
        indexes = [
            # Stock per product, size and status (review 3.2).
            models.Index(fields=["product", "size", "status"], name="idx_inventory_product_size_status"),
            # The inventory list, newest purchases first.
            models.Index(fields=["-purchased_at"], name="idx_inventory_purchased_at"),
            # Exact search by the supplier's order number (soleflip.admin.ProductSearchMixin).
            models.Index(fields=["external_order_ref"], name="idx_inventory_external_order_ref"),
            # The status filter on the inventory screen and dashboard (partial: open stock only).
            models.Index(
                fields=["status", "-purchased_at"],
                name="idx_inventory_open_status",
                condition=models.Q(status__in=[str(status) for status in OPEN_STOCK]),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="chk_inventory_quantity_positive"),
            # A row is one pair: it is bought, listed, sold and returned as one (docs/adr/0014).
            models.CheckConstraint(condition=models.Q(quantity=1), name="chk_inventory_single_pair"),
            models.CheckConstraint(
                condition=models.Q(purchase_price_cents__isnull=True) | models.Q(purchase_price_cents__gte=0),
                name="chk_inventory_purchase_price_positive",
            ),
            models.CheckConstraint(condition=models.Q(purchase_fx_rate__gt=0), name="chk_inventory_fx_rate_positive"),
            currency_check("inventory"),
            choices_check("inventory", "status", InventoryStatus),
            choices_check("inventory", "condition", Condition),
        ]

    def __str__(self) -> str:
        return f"{self.product} / {self.size} [{self.status}]"
