"""Where pairs are sold (schema ``platforms``) and what they sold for (``transactions``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pgtrigger
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import Func
from simple_history.models import HistoricalRecords

from catalog.models import Inventory, pair_state_trigger
from soleflip.db.audit import audit_triggers
from soleflip.db.models import (
    CURRENCY_PATTERN,
    AuthoredModel,
    TimestampedModel,
    choices_check,
    currency_check,
    non_negative_check,
)
from soleflip.values.money import format_cents


class DateRange(Func):
    """``daterange(valid_from, valid_to, '[)')``: NULL ``valid_to`` means open-ended."""

    function = "DATERANGE"
    output_field = models.Field()


class Platform(TimestampedModel):
    """A marketplace where pairs are sold (StockX, GOAT, Alias, eBay, Klekt ...)."""

    code = models.SlugField(max_length=30, help_text="Short code used by imports, e.g. stockx.")
    name = models.CharField(max_length=100)
    website = models.URLField(blank=True)
    default_currency = models.CharField(max_length=3, default="EUR")
    region = models.CharField(max_length=10, default="EU", help_text="The region we sell in on this platform.")
    seller_level = models.PositiveSmallIntegerField(
        default=1, help_text="Our seller level here: it picks the fee schedule for profit estimates."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "platforms"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="uq_platforms_code"),
            currency_check("platforms", "default_currency"),
        ]

    def __str__(self) -> str:
        return self.name


class FeeScheduleQuerySet(models.QuerySet["FeeSchedule"]):
    def in_force(self, *, platform: Platform, region: str, seller_level: int, on: dt.date) -> FeeSchedule | None:
        """Return the schedule that applied to a sale on ``on`` (None if none did)."""
        return (
            self.filter(platform=platform, region=region, seller_level=seller_level, valid_from__lte=on)
            .filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=on))
            .first()
        )


@dataclass(frozen=True)
class Fees:
    """What a platform keeps of one sale, in cents of the schedule's currency."""

    transaction_fee_cents: int
    processing_fee_cents: int
    fixed_fee_cents: int

    @property
    def total_cents(self) -> int:
        return self.transaction_fee_cents + self.processing_fee_cents + self.fixed_fee_cents


def _bps_of(amount_cents: int, bps: int) -> int:
    """``bps`` basis points of an amount, rounded half up to whole cents."""
    return int((Decimal(amount_cents) * bps / 10000).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


class FeeSchedule(AuthoredModel):
    """A platform's fees for one region and seller level, valid for a date range.

    Fees of an order come from the schedule in force on its sale date, so a new schedule
    never changes past orders. Ranges of one key may not overlap.
    """

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="fee_schedules")
    region = models.CharField(max_length=10, default="EU", help_text="Selling region, e.g. EU, US, UK.")
    seller_level = models.PositiveSmallIntegerField(default=1, help_text="Platform seller level (1 = entry).")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Exclusive end; empty while in force.")
    transaction_fee_bps = models.PositiveIntegerField(
        help_text="Percent of the sale price, in basis points (900 = 9%)."
    )
    processing_fee_bps = models.PositiveIntegerField(default=0, help_text="Payment processing, in basis points.")
    fixed_fee_cents = models.IntegerField(default=0)
    minimum_fee_cents = models.IntegerField(default=0, help_text="The transaction fee is at least this.")
    currency = models.CharField(max_length=3, default="EUR")
    notes = models.TextField(blank=True)

    objects = FeeScheduleQuerySet.as_manager()

    class Meta:
        db_table = "fee_schedules"
        triggers = audit_triggers()
        ordering = ["platform__name", "region", "seller_level", "-valid_from"]
        constraints = [
            ExclusionConstraint(
                name="excl_fee_schedules_no_overlap",
                expressions=[
                    ("platform", RangeOperators.EQUAL),
                    ("region", RangeOperators.EQUAL),
                    ("seller_level", RangeOperators.EQUAL),
                    (DateRange("valid_from", "valid_to", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from")),
                name="chk_fee_schedules_validity_order",
            ),
            models.CheckConstraint(
                condition=models.Q(transaction_fee_bps__lte=10000, processing_fee_bps__lte=10000),
                name="chk_fee_schedules_rates_range",
            ),
            non_negative_check("fee_schedules", "fixed_fee_cents"),
            non_negative_check("fee_schedules", "minimum_fee_cents"),
            currency_check("fee_schedules"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.region} L{self.seller_level} from {self.valid_from}"

    def fees_for(self, sale_price_cents: int) -> Fees:
        """Fees on one sale: the transaction fee (at least the minimum), processing, fixed."""
        return Fees(
            transaction_fee_cents=max(_bps_of(sale_price_cents, self.transaction_fee_bps), self.minimum_fee_cents),
            processing_fee_cents=_bps_of(sale_price_cents, self.processing_fee_bps),
            fixed_fee_cents=self.fixed_fee_cents,
        )


class ListingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SOLD = "sold", "Sold"
    ENDED = "ended", "Ended"
    EXPIRED = "expired", "Expired"


class Listing(AuthoredModel):
    """An inventory item offered on one platform; an item may be listed on several at once."""

    inventory = models.ForeignKey(Inventory, on_delete=models.PROTECT, related_name="listings")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="listings")
    external_listing_id = models.CharField(max_length=100, blank=True)
    ask_price_cents = models.IntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=20, choices=ListingStatus.choices, default=ListingStatus.ACTIVE)
    listed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(table_name="listings_history", cascade_delete_history=False)

    class Meta:
        db_table = "listings"
        triggers = [
            *audit_triggers(),
            pair_state_trigger(
                "listing_pair_state",
                pgtrigger.Insert | pgtrigger.UpdateOf("status", "inventory_id") | pgtrigger.Delete,
                "NEW.inventory_id",
                "OLD.inventory_id",
            ),
        ]
        ordering = ["-listed_at"]
        indexes = [
            # The listing screen by status, newest first.
            models.Index(fields=["status", "-listed_at"], name="idx_listings_status_listed"),
            # The listing screen's order, newest first (the admin adds the id as tie-breaker).
            models.Index(fields=["-listed_at", "-id"], name="idx_listings_listed_at"),
            # Exact search by the platform's listing id, whatever the platform.
            models.Index(fields=["external_listing_id"], name="idx_listings_external_id"),
            # Active listings per platform (listing screen filter, sync jobs).
            models.Index(
                fields=["platform", "-listed_at"],
                name="idx_listings_active",
                condition=models.Q(status="active"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_listing_id"],
                condition=~models.Q(external_listing_id=""),
                name="uq_listings_platform_external_id",
            ),
            models.CheckConstraint(condition=models.Q(ask_price_cents__gt=0), name="chk_listings_ask_price_positive"),
            currency_check("listings"),
            choices_check("listings", "status", ListingStatus),
        ]

    def __str__(self) -> str:
        return f"{self.platform}: {format_cents(self.ask_price_cents, self.currency)}"


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"


class Payout(TimestampedModel):
    """Money a platform paid out, possibly for several orders, with the FX rate it used."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="payouts")
    external_payout_id = models.CharField(max_length=100)
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    fx_rate = models.DecimalField(
        "FX rate at payout",
        max_digits=12,
        decimal_places=6,
        default=Decimal("1"),
        help_text="Units of the base currency per unit of the payout currency.",
    )
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PENDING)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "payouts"
        ordering = ["-paid_at"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_payout_id"], name="uq_payouts_platform_external_id"),
            non_negative_check("payouts", "amount_cents"),
            models.CheckConstraint(condition=models.Q(fx_rate__gt=0), name="chk_payouts_fx_rate_positive"),
            currency_check("payouts"),
            choices_check("payouts", "status", PayoutStatus),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.external_payout_id}"


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SHIPPED = "shipped", "Shipped"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    RETURNED = "returned", "Returned"


#: Orders that no longer hold their pair: it is back in stock (cancelled) or came back (returned).
CLOSED_ORDER_STATUSES: tuple[str, ...] = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
#: The order status machine: what each status may become (the database enforces it).
ORDER_TRANSITIONS: tuple[tuple[str, str], ...] = (
    (OrderStatus.PENDING, OrderStatus.SHIPPED),
    (OrderStatus.PENDING, OrderStatus.COMPLETED),
    (OrderStatus.PENDING, OrderStatus.CANCELLED),
    (OrderStatus.SHIPPED, OrderStatus.COMPLETED),
    (OrderStatus.SHIPPED, OrderStatus.RETURNED),
    (OrderStatus.COMPLETED, OrderStatus.RETURNED),
)


def net_proceeds_cents(
    *,
    sale_price_cents: int,
    platform_fee_cents: int = 0,
    processing_fee_cents: int = 0,
    shipping_cost_cents: int = 0,
    other_costs_cents: int = 0,
) -> int:
    """What a sale leaves the seller, in the sale currency: the price less fees and costs.

    The one definition: orders, fee quotes, imports and the analytics views (tested against
    this function) all compute it so.
    """
    return sale_price_cents - platform_fee_cents - processing_fee_cents - shipping_cost_cents - other_costs_cents


class Order(AuthoredModel):
    """A sale of an inventory item on a platform, with its fees and what it paid out."""

    # StockX order numbers are 16 digits (39224521-39124285); one in ten passes the card
    # check digit. They are the platform's identifiers, not card numbers.
    card_check_exempt = frozenset({"external_order_number"})

    inventory = models.ForeignKey(Inventory, on_delete=models.PROTECT, related_name="orders")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="orders")
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    fee_schedule = models.ForeignKey(
        FeeSchedule,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        help_text="Schedule the fees came from.",
    )
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    external_order_number = models.CharField(max_length=100)
    sold_at = models.DateTimeField()
    sale_price_cents = models.IntegerField()
    platform_fee_cents = models.IntegerField(default=0)
    processing_fee_cents = models.IntegerField(default=0)
    shipping_cost_cents = models.IntegerField(default=0)
    other_costs_cents = models.IntegerField(default=0)
    net_proceeds_cents = models.IntegerField(help_text="Sale price less fees and costs, in the sale currency.")
    currency = models.CharField(max_length=3, default="EUR")
    payout_currency = models.CharField(max_length=3, default="EUR")
    payout_fx_rate = models.DecimalField(
        "FX rate at payout",
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Units of the base currency per unit of the payout currency on the payout day.",
    )
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    buyer_region = models.CharField(max_length=10, blank=True)
    notes = models.TextField(blank=True)
    refund_cents = models.IntegerField(
        null=True, blank=True, help_text="Paid back to the buyer on a return, in the sale currency."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(table_name="orders_history", cascade_delete_history=False)

    class Meta:
        db_table = "orders"
        triggers = [
            *audit_triggers(),
            pair_state_trigger(
                "order_pair_state",
                pgtrigger.Insert | pgtrigger.UpdateOf("status", "inventory_id") | pgtrigger.Delete,
                "NEW.inventory_id",
                "OLD.inventory_id",
            ),
            pgtrigger.FSM(name="order_status_machine", field="status", transitions=list(ORDER_TRANSITIONS)),
        ]
        ordering = ["-sold_at"]
        indexes = [
            # Dashboard: sales per platform, newest first (review 3.2).
            models.Index(fields=["platform", "-sold_at"], name="idx_orders_platform_sold_at"),
            # The order screen's order (newest first, then id, as the admin adds): reports
            # with dates only give thousands of orders the same sold_at.
            models.Index(fields=["-sold_at", "-id"], name="idx_orders_sold_at"),
            # Exact search by order number, whatever the platform.
            models.Index(fields=["external_order_number"], name="idx_orders_external_number"),
        ]
        constraints = [
            # One pair, one sale: of the orders of a pair at most one is open.
            models.UniqueConstraint(
                fields=["inventory"],
                condition=~models.Q(status__in=["cancelled", "returned"]),
                name="uq_orders_one_open_per_pair",
                violation_error_message="This pair is sold already.",
            ),
            models.CheckConstraint(
                condition=models.Q(refund_cents__isnull=True)
                | models.Q(refund_cents__gte=0, refund_cents__lte=models.F("sale_price_cents")),
                name="chk_orders_refund_within_price",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="returned") | models.Q(returned_at__isnull=False),
                name="chk_orders_returned_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | models.Q(cancelled_at__isnull=False),
                name="chk_orders_cancelled_has_date",
            ),
            # An order number imported twice is the same order.
            models.UniqueConstraint(
                fields=["platform", "external_order_number"], name="uq_orders_platform_external_number"
            ),
            models.CheckConstraint(condition=models.Q(sale_price_cents__gt=0), name="chk_orders_sale_price_positive"),
            models.CheckConstraint(
                condition=models.Q(net_proceeds_cents__lte=models.F("sale_price_cents")),
                name="chk_orders_net_proceeds_logical",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    platform_fee_cents__gte=0,
                    processing_fee_cents__gte=0,
                    shipping_cost_cents__gte=0,
                    other_costs_cents__gte=0,
                ),
                name="chk_orders_fees_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(payout_fx_rate__isnull=True) | models.Q(payout_fx_rate__gt=0),
                name="chk_orders_payout_fx_rate_positive",
            ),
            currency_check("orders"),
            currency_check("orders", "payout_currency"),
            choices_check("orders", "status", OrderStatus),
        ]

    def __str__(self) -> str:
        return f"{self.platform} #{self.external_order_number}"

    def computed_net_proceeds_cents(self) -> int:
        return net_proceeds_cents(
            sale_price_cents=self.sale_price_cents,
            platform_fee_cents=self.platform_fee_cents,
            processing_fee_cents=self.processing_fee_cents,
            shipping_cost_cents=self.shipping_cost_cents,
            other_costs_cents=self.other_costs_cents,
        )


class UnmatchedSaleStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class UnmatchedSale(AuthoredModel):
    """A reported sale that no inventory item could be matched to: the review queue of sales imports.

    It keeps the parsed sale (what the report said, personal data left out), so staff can
    create the order without the file. Importing the report again finds it by platform and
    order number, so it is never queued twice; an import that can match it later creates
    the order and resolves it.
    """

    # Everything here is copied from the platform's report, never typed: identifiers and
    # names as the platform wrote them (an item called "Gift box 4111 1111 1111 1111" is a
    # product name, and refusing it would stop the import), and the importer's reason,
    # which quotes them.
    card_check_exempt = frozenset(
        {"external_order_number", "product_name", "style_code", "brand_name", "size_label", "reason"}
    )

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="unmatched_sales")
    external_order_number = models.CharField(max_length=100)
    run = models.ForeignKey(
        "pricing.ImportRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The import that last reported this sale.",
    )
    line = models.PositiveIntegerField(null=True, blank=True, help_text="Line of the sale in that import's file.")
    sold_at = models.DateTimeField()
    product_name = models.CharField(max_length=255, blank=True)
    style_code = models.CharField(max_length=50, blank=True)
    brand_name = models.CharField(max_length=100, blank=True)
    size_label = models.CharField(max_length=50, blank=True, help_text="The size as the report wrote it.")
    sale_price_cents = models.IntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    platform_fee_cents = models.IntegerField(null=True, blank=True, help_text="Empty when the report has no fees.")
    processing_fee_cents = models.IntegerField(null=True, blank=True)
    shipping_cost_cents = models.IntegerField(null=True, blank=True)
    payout_cents = models.IntegerField(null=True, blank=True, help_text="Empty when the report has no payout.")
    payout_currency = models.CharField(max_length=3, blank=True)
    buyer_region = models.CharField(max_length=10, blank=True)
    reason = models.TextField(help_text="Why no inventory item was matched.")
    status = models.CharField(max_length=10, choices=UnmatchedSaleStatus.choices, default=UnmatchedSaleStatus.OPEN)
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The order that resolved it, if an import or staff created one.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "unmatched_sales"
        ordering = ["status", "-sold_at"]
        indexes = [
            # The queue: open sales, oldest first.
            models.Index(fields=["created_at"], name="idx_unmatched_sales_open", condition=models.Q(status="open")),
        ]
        constraints = [
            # A sale reported twice (the same report imported again) is the same queue entry.
            models.UniqueConstraint(
                fields=["platform", "external_order_number"], name="uq_unmatched_sales_platform_order_number"
            ),
            models.CheckConstraint(
                condition=models.Q(sale_price_cents__gt=0), name="chk_unmatched_sales_sale_price_positive"
            ),
            models.CheckConstraint(
                condition=(models.Q(platform_fee_cents__isnull=True) | models.Q(platform_fee_cents__gte=0))
                & (models.Q(processing_fee_cents__isnull=True) | models.Q(processing_fee_cents__gte=0))
                & (models.Q(shipping_cost_cents__isnull=True) | models.Q(shipping_cost_cents__gte=0)),
                name="chk_unmatched_sales_fees_non_negative",
            ),
            non_negative_check("unmatched_sales", "payout_cents", nullable=True),
            currency_check("unmatched_sales"),
            models.CheckConstraint(
                condition=models.Q(payout_currency="") | models.Q(payout_currency__regex=CURRENCY_PATTERN),
                name="chk_unmatched_sales_payout_currency_format",
            ),
            choices_check("unmatched_sales", "status", UnmatchedSaleStatus),
            models.CheckConstraint(
                condition=~models.Q(status="resolved") | models.Q(resolved_at__isnull=False),
                name="chk_unmatched_sales_resolved_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} #{self.external_order_number} ({self.get_status_display()})"
