import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from unfold.contrib.filters.admin import RangeDateTimeFilter

from catalog.models import Size
from catalog.search import ProductSearchMixin
from pricing import models
from pricing.admin_imports import KINDS, import_view
from pricing.analytics import analytics_refresh
from pricing.imports import import_run_errors_csv, import_runs_sweep
from soleflip.admin.base import ReadOnlyAdminMixin, SoleflipAdmin
from soleflip.admin.exports import ExportSelectionMixin
from soleflip.admin.money import money
from soleflip.values.money import format_bps, format_cents
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
class PriceHistoryAdmin(ReadOnlyAdminMixin, SoleflipAdmin):
    list_display = [
        "recorded_at",
        "price_source_id",
        "source_type",
        "price_type",
        money("old_price_cents", description="old price"),
        money("new_price_cents", description="new price"),
        "in_stock",
        "author",
    ]
    list_filter = ["source_type", "price_type", ("recorded_at", RangeDateTimeFilter)]
    list_filter_submit = True
    search_fields = ["price_source_id", "product_id"]
    search_help_text = "The id of a price source or a product (as shown on its page)."

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.PriceHistory]:
        authors = get_user_model().objects.filter(pk=OuterRef("changed_by")).values("email")[:1]
        return super().get_queryset(request).annotate(author_email=Subquery(authors))

    @admin.display(description="by")
    def author(self, obj: models.PriceHistory) -> str:
        # Who changed the price (docs/adr/0011); "system" when no user was acting (a feed run without --as-user).
        return getattr(obj, "author_email", None) or ("system" if obj.changed_by is None else str(obj.changed_by))

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


@admin.register(models.ImportRun)
class ImportRunAdmin(SoleflipAdmin):
    """Every import's record; "Import a file" uploads a feed or report with a preview first."""

    change_list_template = "admin/pricing/importrun_change_list.html"

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/", self.admin_site.admin_view(lambda r: import_view(self, r)), name="{}_{}_import".format(*info)
            ),
            path(
                "<path:object_id>/errors.csv",
                self.admin_site.admin_view(self.errors_csv),
                name="{}_{}_errors".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        import_runs_sweep()  # a run whose process died shows as failed, with why, not "running" forever
        can_import = any(request.user.has_perm(k.permission) for k in KINDS.values())
        return super().changelist_view(request, {**(extra_context or {}), "can_import": can_import})

    def errors_csv(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The rejected rows of one run as a CSV download (line, column, reason)."""
        run = self.get_object(request, object_id)
        if run is None or not self.has_view_permission(request, run):
            raise PermissionDenied
        response = HttpResponse(import_run_errors_csv(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{run.file_name}.errors.csv"'
        return response

    @admin.display(description="rejected rows")
    def errors_link(self, obj: models.ImportRun) -> str:
        if not obj.errors:
            return "–"
        url = reverse("admin:pricing_importrun_errors", args=[obj.pk])
        return format_html('<a href="{}">{} row(s) as CSV</a>', url, len(obj.errors))

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
        "errors_link",
        "user",
        "created_at",
    ]
    readonly_fields = ["errors_link"]
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
    list_display = ["name", "rule_type", "value", "brand", "category", "priority", "is_active"]
    list_filter = ["rule_type", "is_active"]
    list_select_related = ["brand", "category"]
    search_fields = ["name"]
    autocomplete_fields = ["brand", "category"]

    @admin.display(description="value")
    def value(self, obj: models.PriceRule) -> str:
        # A fixed markup is an amount, every other rule a percentage (chk_price_rules_value_present).
        if obj.rule_type == models.RuleType.FIXED_MARKUP:
            return format_cents(obj.value_cents, obj.currency)
        return format_bps(obj.value_bps)


@admin.register(models.BrandMultiplier)
class BrandMultiplierAdmin(SoleflipAdmin):
    list_display = ["brand", "multiplier", "valid_from", "valid_until"]
    list_select_related = ["brand"]
    search_fields = ["brand__name"]
    autocomplete_fields = ["brand"]


# --- analytics views --------------------------------------------------------------------


class AnalyticsViewAdmin(ReadOnlyAdminMixin, SoleflipAdmin):
    """Read-only screens over materialized views, with their refresh time and a refresh button."""

    change_list_template = "admin/pricing/analytics_change_list.html"
    show_full_result_count = False

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
        if not self.value():
            return queryset
        try:
            size = Decimal(self.value() or "")
        except InvalidOperation:
            raise IncorrectLookupParameters(f"EU size {self.value()!r} is not a number") from None
        if not size.is_finite():
            raise IncorrectLookupParameters(f"EU size {self.value()!r} is not a number")
        return queryset.filter(standardized_size=size)


@admin.register(models.ProfitOpportunity)
class ProfitOpportunityAdmin(ExportSelectionMixin, ProductSearchMixin, AnalyticsViewAdmin):
    list_display = [
        "product",
        "brand",
        "size",
        money("retail_cents", description="retail"),
        "retail_source",
        "resale_source",
        money("highest_bid_cents", description="highest bid"),
        money("lowest_ask_cents", description="lowest ask"),
        money("net_if_sold_now_cents", description="net if sold now"),
        money("profit_cents", description="profit"),
        "roi",
        money("profit_if_listed_cents", description="profit if listed at ask"),
    ]
    list_filter = ["brand", SizeFilter, "resale_source", "retail_source_type", MinimumRoiFilter]
    list_select_related = ["product", "brand"]
    search_fields = ["product__name", "product__style_code"]
    # NULLS LAST as the index: opportunities without a fee schedule (no profit) come last.
    ordering = [F("profit_cents").desc(nulls_last=True)]

    @admin.display(description="EU size", ordering="standardized_size")
    def size(self, obj: models.ProfitOpportunity) -> str:
        return f"{obj.standardized_size.normalize()}"

    @admin.display(description="ROI", ordering="roi_bps")
    def roi(self, obj: models.ProfitOpportunity) -> str:
        return "–" if obj.roi_bps is None else f"{obj.roi_bps / 100:.1f}%"


@admin.register(models.BrandPerformance)
class BrandPerformanceAdmin(AnalyticsViewAdmin):
    list_display = [
        "brand_name",
        "products_count",
        "retail_offers_in_stock",
        "units_in_stock",
        money("stock_cost_base_cents", base=True, description="stock at cost"),
        "units_sold",
        "units_sold_90d",
        money("revenue_base_cents", base=True, description="revenue"),
        money("profit_base_cents", base=True, description="profit"),
        "avg_days_to_sell",
    ]
    ordering = ["-profit_base_cents"]


@admin.register(models.DailySales)
class DailySalesAdmin(AnalyticsViewAdmin):
    list_display = [
        "day",
        "platform",
        "currency",
        "orders_count",
        money("gross_cents"),
        money("fees_cents"),
        money("net_cents"),
        money("profit_base_cents", base=True, description="profit"),
    ]
    list_filter = ["currency"]
    date_hierarchy = "day"
    ordering = ["-day"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.DailySales]:
        names = Platform.objects.filter(pk=OuterRef("platform_id")).values("name")
        return super().get_queryset(request).annotate(platform_name=Subquery(names))

    @admin.display(description="platform", ordering="platform_name")
    def platform(self, obj: models.DailySales) -> str:
        return str(getattr(obj, "platform_name", obj.platform_id))


@admin.register(models.InventoryAging)
class InventoryAgingAdmin(ProductSearchMixin, AnalyticsViewAdmin):
    list_display = [
        "product",
        "size",
        "status",
        "days_in_stock",
        "age_bucket",
        "is_dead_stock",
        money("locked_capital_base_cents", base=True, description="locked capital"),
        money("market_bid_cents", description="highest bid"),
        money("unrealized_profit_cents", description="unrealized profit"),
    ]
    list_filter = ["age_bucket", "is_dead_stock", "status", "brand"]
    list_select_related = ["product", "size"]
    search_fields = ["product__name", "product__style_code"]
    ordering = ["-days_in_stock"]


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
