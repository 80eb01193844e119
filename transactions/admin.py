from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from unfold.contrib.filters.admin import RangeDateTimeFilter

from soleflip.admin import HistoryAdmin, ProductSearchMixin, SoleflipAdmin, money
from soleflip.exports import ExportSelectionMixin
from transactions import models
from transactions.services import listings_end, orders_recalculate_fees


@admin.register(models.Platform)
class PlatformAdmin(SoleflipAdmin):
    list_display = ["name", "code", "region", "seller_level", "default_currency", "is_active"]
    list_filter = ["is_active", "region"]
    search_fields = ["name", "code"]


@admin.register(models.FeeSchedule)
class FeeScheduleAdmin(SoleflipAdmin):
    list_display = [
        "platform",
        "region",
        "seller_level",
        "valid_from",
        "valid_to",
        "transaction_fee",
        "processing_fee",
        money("minimum_fee_cents"),
        money("fixed_fee_cents"),
    ]
    list_filter = ["platform", "region", "seller_level"]
    list_select_related = ["platform"]
    search_fields = ["platform__name", "notes"]
    autocomplete_fields = ["platform"]
    date_hierarchy = "valid_from"

    @admin.display(description="transaction fee", ordering="transaction_fee_bps")
    def transaction_fee(self, obj: models.FeeSchedule) -> str:
        return f"{obj.transaction_fee_bps / 100:g}%"

    @admin.display(description="processing fee", ordering="processing_fee_bps")
    def processing_fee(self, obj: models.FeeSchedule) -> str:
        return f"{obj.processing_fee_bps / 100:g}%"


@admin.register(models.Listing)
class ListingAdmin(ExportSelectionMixin, ProductSearchMixin, HistoryAdmin):
    product_path = "inventory__product"
    gtin_path = "inventory__variant__ean"
    exact_search_fields = ("external_listing_id",)
    list_display = ["inventory", "platform", money("ask_price_cents", description="ask"), "status", "listed_at"]
    list_filter = ["status", "platform", ("listed_at", RangeDateTimeFilter)]
    list_filter_submit = True
    list_select_related = ["inventory__product", "inventory__size", "platform"]
    search_fields = ["external_listing_id", "inventory__product__name", "inventory__product__style_code"]
    autocomplete_fields = ["inventory", "platform"]
    actions = ["end_listings"]

    @admin.action(description="Mark selected listings ended", permissions=["change"])
    def end_listings(self, request: HttpRequest, queryset: QuerySet[models.Listing]) -> None:
        ended = listings_end(listings=queryset, user=request.user)
        self.message_user(request, f"{ended} listing(s) ended; sold and already ended ones were left alone.")


@admin.register(models.Order)
class OrderAdmin(ExportSelectionMixin, ProductSearchMixin, HistoryAdmin):
    product_path = "inventory__product"
    gtin_path = "inventory__variant__ean"
    exact_search_fields = ("external_order_number",)
    list_display = [
        "external_order_number",
        "platform",
        "sold_at",
        money("sale_price_cents"),
        money("net_proceeds_cents"),
        "margin",
        "roi",
        "status",
    ]
    list_filter = ["status", "platform", ("sold_at", RangeDateTimeFilter)]
    list_filter_submit = True
    list_select_related = ["platform", "inventory"]
    search_fields = ["external_order_number", "inventory__product__name", "inventory__product__style_code"]
    autocomplete_fields = ["inventory", "platform", "listing", "payout", "fee_schedule"]
    readonly_fields = ["margin", "roi"]
    actions = ["recalculate_fees"]

    @admin.action(description="Recalculate fees from the schedule of the sale date", permissions=["change"])
    def recalculate_fees(self, request: HttpRequest, queryset: QuerySet[models.Order]) -> None:
        done, problems = orders_recalculate_fees(orders=queryset)
        self.message_user(request, f"Fees recalculated for {done} order(s).", messages.SUCCESS)
        for problem in problems[:20]:
            self.message_user(request, problem, messages.WARNING)

    def _margin_cents(self, obj: models.Order) -> int | None:
        cost = obj.inventory.purchase_price_cents if obj.inventory_id else None
        if cost is None or obj.inventory.currency != obj.currency:
            return None  # margin across currencies needs both FX rates: see the analytics views
        return obj.net_proceeds_cents - cost

    @admin.display(description="margin")
    def margin(self, obj: models.Order) -> str:
        from soleflip.money import format_cents

        return format_cents(self._margin_cents(obj), obj.currency)

    @admin.display(description="ROI")
    def roi(self, obj: models.Order) -> str:
        margin = self._margin_cents(obj)
        cost = obj.inventory.purchase_price_cents if obj.inventory_id else None
        return "–" if margin is None or not cost else f"{margin * 100 / cost:.1f}%"


@admin.register(models.Payout)
class PayoutAdmin(SoleflipAdmin):
    list_display = ["external_payout_id", "platform", money("amount_cents"), "fx_rate", "status", "paid_at"]
    list_filter = ["status", "platform"]
    list_select_related = ["platform"]
    search_fields = ["=external_payout_id"]
    date_hierarchy = "paid_at"

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.UnmatchedSale)
class UnmatchedSaleAdmin(SoleflipAdmin):
    """Sales from reports that matched no pair in stock: staff find the pair and record the order."""

    list_display = [
        "external_order_number",
        "platform",
        "sold_at",
        "product_name",
        "style_code",
        "size_label",
        money("sale_price_cents"),
        "reason",
        "status",
    ]
    list_filter = ["status", "platform"]
    list_select_related = ["platform"]
    search_fields = ["=external_order_number", "style_code", "product_name"]
    readonly_fields = ["run", "line", "order", "resolved_at"]
    date_hierarchy = "sold_at"
