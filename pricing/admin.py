import uuid
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from unfold.contrib.filters.admin import RangeDateTimeFilter

from catalog.models import Size
from pricing import models
from pricing.analytics import analytics_refresh
from soleflip.admin import ProductSearchMixin, SoleflipAdmin, money
from soleflip.exports import ExportSelectionMixin
from soleflip.money import format_cents
from transactions.models import Platform


@admin.register(models.PriceSource)
class PriceSourceAdmin(ExportSelectionMixin, ProductSearchMixin, SoleflipAdmin):
    exact_search_fields = ("source_product_id",)
    list_display = [
        "product",
        "size",
        "source_type",
        "source_name",
        "price_type",
        money("price_cents"),
        "in_stock",
        "last_updated",
    ]
    list_filter = ["source_type", "price_type", "in_stock", ("last_updated", RangeDateTimeFilter)]
    list_filter_submit = True
    list_select_related = ["product", "size"]
    search_fields = ["product__name", "product__style_code", "source_product_id"]
    autocomplete_fields = ["product", "size", "supplier"]


@admin.register(models.PriceHistory)
class PriceHistoryAdmin(SoleflipAdmin):
    list_display = ["recorded_at", "price_source_id", "source_type", "price_type", "old_price", "new_price", "in_stock"]
    list_filter = ["source_type", "price_type", ("recorded_at", RangeDateTimeFilter)]
    list_filter_submit = True
    search_fields = ["price_source_id", "product_id"]
    search_help_text = "The id of a price source or a product (as shown on its page)."

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[models.PriceHistory], search_term: str
    ) -> tuple[QuerySet[models.PriceHistory], bool]:
        # Ids are UUIDs: anything else matches nothing (and must not cast a million ids to text).
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            wanted = uuid.UUID(term)
        except ValueError:
            return queryset.none(), False
        return queryset.filter(Q(price_source_id=wanted) | Q(product_id=wanted)), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # written by triggers only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="old price", ordering="old_price_cents")
    def old_price(self, obj: models.PriceHistory) -> str:
        return format_cents(obj.old_price_cents, obj.currency)

    @admin.display(description="new price", ordering="new_price_cents")
    def new_price(self, obj: models.PriceHistory) -> str:
        return format_cents(obj.new_price_cents, obj.currency)


@admin.register(models.ImportRun)
class ImportRunAdmin(SoleflipAdmin):
    list_display = [
        "file_name",
        "kind",
        "status",
        "rows_read",
        "rows_created",
        "rows_updated",
        "rows_unchanged",
        "rows_skipped",
        "rows_failed",
        "user",
        "created_at",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["user"]
    search_fields = ["file_name", "=file_sha256"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.AwinProduct)
class AwinProductAdmin(SoleflipAdmin):
    list_display = ["product_name", "merchant_name", "size_label", "ean", money("price_cents"), "in_stock"]
    list_filter = ["in_stock", "merchant_name"]
    list_select_related = ["matched_variant"]
    search_fields = ["product_name", "=ean", "=aw_product_id"]
    autocomplete_fields = ["matched_variant"]


@admin.register(models.PriceRule)
class PriceRuleAdmin(SoleflipAdmin):
    list_display = ["name", "rule_type", "brand", "category", "priority", "is_active"]
    list_filter = ["rule_type", "is_active"]
    list_select_related = ["brand", "category"]
    search_fields = ["name"]
    autocomplete_fields = ["brand", "category"]


@admin.register(models.BrandMultiplier)
class BrandMultiplierAdmin(SoleflipAdmin):
    list_display = ["brand", "multiplier", "valid_from", "valid_until"]
    list_select_related = ["brand"]
    search_fields = ["brand__name"]
    autocomplete_fields = ["brand"]


# --- analytics views --------------------------------------------------------------------


class AnalyticsViewAdmin(SoleflipAdmin):
    """Read-only screens over materialized views, with their refresh time and a refresh button."""

    change_list_template = "admin/pricing/analytics_change_list.html"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        refresh = path("refresh/", self.admin_site.admin_view(self.refresh_view), name="{}_{}_refresh".format(*info))
        return [refresh, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "view_refresh": models.ViewRefresh.objects.filter(view_name=self.opts.db_table).first(),
            "can_refresh": request.user.has_perm("pricing.refresh_analytics"),
        }
        return super().changelist_view(request, extra_context)

    def refresh_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("pricing.refresh_analytics"):
            raise PermissionDenied
        (result,) = analytics_refresh(views=[self.opts.db_table])
        self.message_user(request, f"Refreshed: {result}.", messages.SUCCESS)
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))


class MinimumRoiFilter(admin.SimpleListFilter):
    title = "minimum ROI"
    parameter_name = "min_roi"
    THRESHOLDS = (10, 20, 30, 50, 100)

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(pct), f"≥ {pct}%") for pct in self.THRESHOLDS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in {str(pct) for pct in self.THRESHOLDS}:
            return queryset.filter(roi_bps__gte=int(self.value() or 0) * 100)
        return queryset


class SizeFilter(admin.SimpleListFilter):
    title = "EU size"
    parameter_name = "size"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        # Sizes come from the (small) sizes table, not a DISTINCT over the view.
        values = {v for v in Size.objects.values_list("standardized_value", flat=True) if v is not None}
        return [(str(v), f"EU {v.normalize()}") for v in sorted(values)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(standardized_size=self.value()) if self.value() else queryset


@admin.register(models.ProfitOpportunity)
class ProfitOpportunityAdmin(ExportSelectionMixin, ProductSearchMixin, AnalyticsViewAdmin):
    list_display = [
        "product",
        "brand",
        "size",
        "retail",
        "retail_source",
        "resale_source",
        "bid",
        "ask",
        "net_now",
        "profit",
        "roi",
        "profit_if_listed",
    ]
    list_filter = ["brand", SizeFilter, "resale_source", "retail_source_type", MinimumRoiFilter]
    list_select_related = ["product", "brand"]
    search_fields = ["product__name", "product__style_code"]
    # NULLS LAST as the index: opportunities without a fee schedule (no profit) come last.
    ordering = [F("profit_cents").desc(nulls_last=True)]

    @admin.display(description="EU size", ordering="standardized_size")
    def size(self, obj: models.ProfitOpportunity) -> str:
        return f"{obj.standardized_size.normalize()}"

    @admin.display(description="retail", ordering="retail_cents")
    def retail(self, obj: models.ProfitOpportunity) -> str:
        return format_cents(obj.retail_cents, obj.currency)

    @admin.display(description="highest bid", ordering="highest_bid_cents")
    def bid(self, obj: models.ProfitOpportunity) -> str:
        return format_cents(obj.highest_bid_cents, obj.currency)

    @admin.display(description="lowest ask", ordering="lowest_ask_cents")
    def ask(self, obj: models.ProfitOpportunity) -> str:
        return format_cents(obj.lowest_ask_cents, obj.currency)

    @admin.display(description="net if sold now", ordering="net_if_sold_now_cents")
    def net_now(self, obj: models.ProfitOpportunity) -> str:
        return format_cents(obj.net_if_sold_now_cents, obj.currency)

    @admin.display(description="profit", ordering="profit_cents")
    def profit(self, obj: models.ProfitOpportunity) -> str:
        return format_cents(obj.profit_cents, obj.currency)

    @admin.display(description="ROI", ordering="roi_bps")
    def roi(self, obj: models.ProfitOpportunity) -> str:
        return "–" if obj.roi_bps is None else f"{obj.roi_bps / 100:.1f}%"

    @admin.display(description="profit if listed at ask", ordering="profit_if_listed_cents")
    def profit_if_listed(self, obj: models.ProfitOpportunity) -> str:
        return format_cents(obj.profit_if_listed_cents, obj.currency)


@admin.register(models.BrandPerformance)
class BrandPerformanceAdmin(AnalyticsViewAdmin):
    list_display = [
        "brand_name",
        "products_count",
        "retail_offers_in_stock",
        "units_in_stock",
        "stock_cost",
        "units_sold",
        "units_sold_90d",
        "revenue",
        "profit",
        "avg_days_to_sell",
    ]
    ordering = ["-profit_base_cents"]

    @admin.display(description="stock at cost", ordering="stock_cost_base_cents")
    def stock_cost(self, obj: models.BrandPerformance) -> str:
        return format_cents(obj.stock_cost_base_cents, settings.BASE_CURRENCY)

    @admin.display(description="revenue", ordering="revenue_base_cents")
    def revenue(self, obj: models.BrandPerformance) -> str:
        return format_cents(obj.revenue_base_cents, settings.BASE_CURRENCY)

    @admin.display(description="profit", ordering="profit_base_cents")
    def profit(self, obj: models.BrandPerformance) -> str:
        return format_cents(obj.profit_base_cents, settings.BASE_CURRENCY)


@admin.register(models.DailySales)
class DailySalesAdmin(AnalyticsViewAdmin):
    list_display = ["day", "platform", "currency", "orders_count", "gross", "fees", "net", "profit"]
    list_filter = ["currency"]
    date_hierarchy = "day"
    ordering = ["-day"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.DailySales]:
        names = Platform.objects.filter(pk=OuterRef("platform_id")).values("name")
        return super().get_queryset(request).annotate(platform_name=Subquery(names))

    @admin.display(description="platform", ordering="platform_name")
    def platform(self, obj: models.DailySales) -> str:
        return str(getattr(obj, "platform_name", obj.platform_id))

    @admin.display(description="gross", ordering="gross_cents")
    def gross(self, obj: models.DailySales) -> str:
        return format_cents(obj.gross_cents, obj.currency)

    @admin.display(description="fees", ordering="fees_cents")
    def fees(self, obj: models.DailySales) -> str:
        return format_cents(obj.fees_cents, obj.currency)

    @admin.display(description="net", ordering="net_cents")
    def net(self, obj: models.DailySales) -> str:
        return format_cents(obj.net_cents, obj.currency)

    @admin.display(description="profit", ordering="profit_base_cents")
    def profit(self, obj: models.DailySales) -> str:
        return format_cents(obj.profit_base_cents, settings.BASE_CURRENCY)


@admin.register(models.InventoryAging)
class InventoryAgingAdmin(ProductSearchMixin, AnalyticsViewAdmin):
    list_display = [
        "product",
        "size",
        "status",
        "days_in_stock",
        "age_bucket",
        "is_dead_stock",
        "locked_capital",
        "market_bid",
        "unrealized_profit",
    ]
    list_filter = ["age_bucket", "is_dead_stock", "status", "brand"]
    list_select_related = ["product", "size"]
    search_fields = ["product__name", "product__style_code"]
    ordering = ["-days_in_stock"]

    @admin.display(description="locked capital", ordering="locked_capital_base_cents")
    def locked_capital(self, obj: models.InventoryAging) -> str:
        return format_cents(obj.locked_capital_base_cents, settings.BASE_CURRENCY)

    @admin.display(description="highest bid", ordering="market_bid_cents")
    def market_bid(self, obj: models.InventoryAging) -> str:
        return format_cents(obj.market_bid_cents, obj.currency)

    @admin.display(description="unrealized profit", ordering="unrealized_profit_cents")
    def unrealized_profit(self, obj: models.InventoryAging) -> str:
        return format_cents(obj.unrealized_profit_cents, obj.currency)


@admin.register(models.ViewRefresh)
class ViewRefreshAdmin(SoleflipAdmin):
    list_display = ["view_name", "refreshed_at", "duration_ms", "row_count", "was_concurrent"]
    actions = ["refresh_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_refresh_analytics_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("pricing.refresh_analytics")

    @admin.action(description="Refresh the selected views now", permissions=["refresh_analytics"])
    def refresh_selected(self, request: HttpRequest, queryset: QuerySet[models.ViewRefresh]) -> None:
        results = analytics_refresh(views=list(queryset.values_list("view_name", flat=True)))
        self.message_user(request, "Refreshed: " + "; ".join(map(str, results)), messages.SUCCESS)
