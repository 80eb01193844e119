from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import DurationField, ExpressionWrapper, QuerySet
from django.db.models.functions import Coalesce, Now
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateTimeFilter

from catalog import models
from catalog.search import ProductSearchMixin
from catalog.services import inventory_buy, size_review_accept, size_review_dismiss
from catalog.timeline import inventory_timeline
from pricing.models import PriceSource
from soleflip.admin.actions import EventAdminMixin, EventForm, action_form
from soleflip.admin.base import HistoryAdmin, SoleflipAdmin
from soleflip.admin.exports import ExportSelectionMixin
from soleflip.admin.money import money
from soleflip.values.money import format_cents
from transactions.admin import listing_url, sale_url
from transactions.models import Listing, Order
from transactions.services import inventory_set_status


@admin.register(models.Brand)
class BrandAdmin(SoleflipAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Category)
class CategoryAdmin(SoleflipAdmin):
    list_display = ["name", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Color, models.Material)
class NamedAdmin(SoleflipAdmin):
    search_fields = ["name"]


@admin.register(models.Tag)
class TagAdmin(SoleflipAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Supplier)
class SupplierAdmin(HistoryAdmin):
    list_display = ["name", "supplier_type", "city", "country_code", "awin_merchant_id", "is_active"]
    list_filter = ["supplier_type", "is_active", "country_code"]
    search_fields = ["name", "awin_merchant_id"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["tags"]


@admin.register(models.SupplierAccount)
class SupplierAccountAdmin(HistoryAdmin):
    list_display = ["email", "supplier", "user", "payment_provider", "payment_method_last4", "is_active"]
    list_filter = ["is_active", "payment_provider"]
    list_select_related = ["supplier", "user"]
    search_fields = ["email", "supplier__name"]
    autocomplete_fields = ["supplier", "user"]


@admin.register(models.SupplierHistory)
class SupplierHistoryAdmin(SoleflipAdmin):
    list_display = ["supplier", "event_type", "occurred_at", "description"]
    list_filter = ["event_type"]
    list_select_related = ["supplier"]
    search_fields = ["supplier__name", "description"]
    autocomplete_fields = ["supplier"]
    date_hierarchy = "occurred_at"


@admin.register(models.SupplierPerformance)
class SupplierPerformanceAdmin(SoleflipAdmin):
    list_display = [
        "supplier",
        "period_start",
        "period_end",
        "orders_count",
        "items_received",
        "items_defective",
        money("total_spent_cents"),
    ]
    list_select_related = ["supplier"]
    search_fields = ["supplier__name"]
    autocomplete_fields = ["supplier"]
    date_hierarchy = "period_start"


class VariantInline(TabularInline):
    model = models.Variant
    extra = 0
    fields = ["size", "ean", "sku"]
    autocomplete_fields = ["size"]


class PriceSourceInline(TabularInline):
    model = PriceSource
    extra = 0
    fields = ["size", "source_type", "source_name", "price_type", "price_cents", "currency", "in_stock"]
    autocomplete_fields = ["size"]
    show_change_link = True
    per_page = 20
    ordering = ["size__value", "source_type", "price_type"]


@admin.register(models.Product)
class ProductAdmin(ExportSelectionMixin, ProductSearchMixin, HistoryAdmin):
    product_path = "pk"
    list_display = [
        "name",
        "brand",
        "style_code",
        "colorway",
        money("retail_price_cents", currency="retail_currency"),
        "release_date",
    ]
    list_filter = ["brand", "gender_class", "category"]
    list_select_related = ["brand"]
    search_fields = ["name", "style_code"]
    autocomplete_fields = ["brand", "category", "color", "material", "tags"]
    date_hierarchy = "release_date"
    inlines = [VariantInline, PriceSourceInline]
    readonly_fields = ["avg_resale_price_cents"]


@admin.register(models.Size)
class SizeAdmin(SoleflipAdmin):
    list_display = ["__str__", "brand", "region", "gender_class", "value", "standardized_value"]
    list_filter = ["region", "gender_class", "brand"]
    list_select_related = ["brand"]
    search_fields = ["value"]


@admin.register(models.SizeChart)
class SizeChartAdmin(SoleflipAdmin):
    list_display = ["brand", "gender_class", "region", "value", "eu_value", "source"]
    list_filter = ["brand", "gender_class", "region"]
    list_select_related = ["brand"]
    search_fields = ["value", "source"]


@admin.register(models.Variant)
class VariantAdmin(ProductSearchMixin, HistoryAdmin):
    gtin_path = "ean"
    exact_search_fields = ("sku",)
    list_display = ["product", "size", "ean", "sku"]
    list_select_related = ["product", "size"]
    search_fields = ["ean", "sku", "product__name", "product__style_code"]
    ordering = ["product_id", "size_id"]  # the unique index's order: no sort of 340K rows
    autocomplete_fields = ["product", "size"]


class ListingInline(TabularInline):
    model = Listing
    extra = 0
    fields = ["platform", "ask", "status", "listed_at", "ended_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a pair is listed with "List on a platform", which keeps its status right

    @admin.display(description="ask")
    def ask(self, obj: Listing) -> str:
        return format_cents(obj.ask_price_cents, obj.currency)


class OrderInline(TabularInline):
    model = Order
    extra = 0
    fields = ["platform", "external_order_number", "sold_at", "sale_price", "net_proceeds", "status"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # orders come from sales reports or "Record a sale"

    @admin.display(description="sale price")
    def sale_price(self, obj: Order) -> str:
        return format_cents(obj.sale_price_cents, obj.currency)

    @admin.display(description="net proceeds")
    def net_proceeds(self, obj: Order) -> str:
        return format_cents(obj.net_proceeds_cents, obj.currency)


class PurchaseForm(EventForm):
    """A pair enters stock (``inventory_buy``)."""

    ean = forms.CharField(
        label="EAN/GTIN", required=False, max_length=14, help_text="From the box: decides product and size."
    )
    incoming = forms.BooleanField(required=False, help_text="On its way: not in hand yet.")

    class Meta:
        model = models.Inventory
        fields = [
            "product",
            "size",
            "purchase_price_cents",
            "currency",
            "purchase_fx_rate",
            "supplier",
            "supplier_account",
            "purchased_at",
            "condition",
            "location",
            "external_order_ref",
            "notes",
        ]
        help_texts = {
            "purchase_fx_rate": "Needed for a price in another currency than the base currency.",
            "purchased_at": "Empty: now.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].required = False
        self.fields["purchase_fx_rate"].required = False
        self.fields["purchase_fx_rate"].initial = None
        self.fields["purchase_price_cents"].required = True

    def run_event(self, data: dict[str, Any]) -> models.Inventory:
        return inventory_buy(
            acting_user=self.request.user,
            product=data.get("product"),
            size=data.get("size"),
            ean=data.get("ean") or None,
            purchase_price_cents=data["purchase_price_cents"],
            currency=data.get("currency") or None,
            purchase_fx_rate=data.get("purchase_fx_rate"),
            supplier=data.get("supplier"),
            supplier_account=data.get("supplier_account"),
            purchased_at=data.get("purchased_at"),
            condition=data.get("condition") or models.Condition.NEW,
            location=data.get("location") or "",
            external_order_ref=data.get("external_order_ref") or "",
            notes=data.get("notes") or "",
            incoming=data.get("incoming", False),
        )


class WriteOffForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, write these pairs off", help_text="Their listings end.")


@admin.register(models.Inventory)
class InventoryAdmin(EventAdminMixin, ExportSelectionMixin, ProductSearchMixin, HistoryAdmin):
    event_form = PurchaseForm
    event_extra_fields = ("ean", "incoming")
    gtin_path = "variant__ean"
    exact_search_fields = ("external_order_ref",)
    list_display = [
        "product",
        "size",
        "status",
        money("purchase_price_cents"),
        "days_in_stock",
        "supplier_name",
        "location",
        "purchased_at",
    ]
    list_filter = ["status", "condition", "supplier", ("purchased_at", RangeDateTimeFilter)]
    list_filter_submit = True
    list_select_related = ["product", "size"]
    search_fields = ["product__name", "product__style_code", "variant__ean", "external_order_ref"]
    autocomplete_fields = ["product", "size", "variant", "supplier", "supplier_account"]
    inlines = [ListingInline, OrderInline]
    readonly_fields = ["status", "variant", "days_in_stock", "realized_profit", "roi", "next_steps", "timeline"]
    actions = [
        "list_on_platform",
        "record_sale",
        "mark_available",
        "mark_reserved",
        "mark_returned",
        "mark_written_off",
    ]

    @admin.display(description="next steps")
    def next_steps(self, obj: models.Inventory) -> str:
        if obj.pk is None or obj.status not in models.OPEN_STOCK:
            return "–"
        links = []
        if obj.status in (models.InventoryStatus.AVAILABLE, models.InventoryStatus.LISTED):
            links.append(
                format_html(
                    '<a class="text-primary-600" href="{}">List on a platform</a>', listing_url(inventory=obj.pk)
                )
            )
        links.append(format_html('<a class="text-primary-600" href="{}">Record a sale</a>', sale_url(inventory=obj.pk)))
        return format_html_join(" · ", "{}", ((link,) for link in links))

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.Inventory]:
        age = ExpressionWrapper(Now() - Coalesce("purchased_at", "created_at"), output_field=DurationField())
        return super().get_queryset(request).annotate(age=age)

    @admin.display(description="days in stock", ordering="age")
    def days_in_stock(self, obj: models.Inventory) -> int | None:
        age = getattr(obj, "age", None)
        return age.days if age is not None else None

    def _sale(self, obj: models.Inventory) -> Order | None:
        return obj.orders.exclude(status__in=["cancelled", "returned"]).order_by("-sold_at").first()

    @admin.display(description="realized profit")
    def realized_profit(self, obj: models.Inventory) -> str:
        sale = self._sale(obj)
        if sale is None or obj.purchase_price_cents is None:
            return "–"
        return format_cents(sale.net_proceeds_cents - obj.purchase_price_cents, sale.currency)

    @admin.display(description="timeline")
    def timeline(self, obj: models.Inventory) -> str:
        if obj.pk is None:
            return "–"
        rows = format_html_join(
            "",
            '<tr><td style="white-space:nowrap">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), e.kind, e.text, e.by)
                for e in inventory_timeline(obj)
            ),
        )
        return format_html('<table class="timeline"><tbody>{}</tbody></table>', rows)

    @admin.display(description="ROI")
    def roi(self, obj: models.Inventory) -> str:
        sale = self._sale(obj)
        if sale is None or not obj.purchase_price_cents:
            return "–"
        return f"{(sale.net_proceeds_cents - obj.purchase_price_cents) * 100 / obj.purchase_price_cents:.1f}%"

    def _mark(self, request: HttpRequest, queryset: QuerySet[models.Inventory], status: str) -> None:
        report = inventory_set_status(acting_user=request.user, items=queryset, status=status)
        label = models.InventoryStatus(status).label.lower()
        self.message_user(request, str(report).replace("marked", f"marked {label}", 1))

    @admin.action(description="List the selected pair on a platform", permissions=["change"])
    def list_on_platform(self, request: HttpRequest, queryset: QuerySet[models.Inventory]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Choose one pair to list.", messages.WARNING)
            return None
        return HttpResponseRedirect(listing_url(inventory=queryset.get().pk))

    @admin.action(description="Record the sale of the selected pair", permissions=["change"])
    def record_sale(self, request: HttpRequest, queryset: QuerySet[models.Inventory]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Choose one pair to sell.", messages.WARNING)
            return None
        return HttpResponseRedirect(sale_url(inventory=queryset.get().pk))

    @admin.action(description="Mark selected as available", permissions=["change"])
    def mark_available(self, request: HttpRequest, queryset: QuerySet[models.Inventory]) -> None:
        self._mark(request, queryset, models.InventoryStatus.AVAILABLE)

    @admin.action(description="Mark selected as reserved", permissions=["change"])
    def mark_reserved(self, request: HttpRequest, queryset: QuerySet[models.Inventory]) -> None:
        self._mark(request, queryset, models.InventoryStatus.RESERVED)

    @admin.action(description="Mark selected as returned to the supplier", permissions=["change"])
    def mark_returned(self, request: HttpRequest, queryset: QuerySet[models.Inventory]) -> None:
        self._mark(request, queryset, models.InventoryStatus.RETURNED)

    @admin.action(description="Write off selected", permissions=["change"])
    def mark_written_off(self, request: HttpRequest, queryset: QuerySet[models.Inventory]) -> HttpResponse | None:
        return action_form(
            self,
            request,
            queryset,
            form_class=WriteOffForm,
            title="Write off pairs",
            submit="Write off",
            intro="Written-off pairs leave the stock figures; their active listings end.",
            apply=lambda data: self._mark(request, queryset, models.InventoryStatus.WRITTEN_OFF),
        )


class SizeReviewForm(forms.ModelForm):
    class Meta:
        model = models.SizeReview
        fields = ["accepted_eu_value"]

    def clean_accepted_eu_value(self) -> Decimal | None:
        value = self.cleaned_data["accepted_eu_value"]
        if value is not None and not Decimal("15") <= value <= Decimal("55"):
            raise forms.ValidationError("An EU shoe size lies between 15 and 55.")
        return value


@admin.register(models.SizeReview)
class SizeReviewAdmin(SoleflipAdmin):
    """The queue of sizes no chart decides: enter the EU size to accept a mapping, or dismiss."""

    form = SizeReviewForm
    list_display = ["size", "brand", "outcome", "reason", "candidate_sizes", "status", "created_at"]
    list_filter = ["status", "outcome", "size__region"]
    list_select_related = ["size__brand"]
    search_fields = ["size__value", "size__brand__name"]
    readonly_fields = ["size", "brand", "outcome", "reason", "candidate_sizes", "status", "reviewed_by", "reviewed_at"]
    fields = [*readonly_fields, "accepted_eu_value"]
    actions = ["dismiss"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.SizeReview | None = None) -> bool:
        allowed = request.user.has_perm("catalog.standardize_sizes")
        return allowed and (obj is None or obj.status == models.ReviewStatus.OPEN)

    def has_standardize_sizes_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.standardize_sizes")

    @admin.display(description="brand", ordering="size__brand__name")
    def brand(self, obj: models.SizeReview) -> str:
        return str(obj.size.brand or "–")

    @admin.display(description="EU sizes the charts allow")
    def candidate_sizes(self, obj: models.SizeReview) -> str:
        return ", ".join(obj.candidates) or "–"

    def save_model(self, request: HttpRequest, obj: models.SizeReview, form: forms.ModelForm, change: bool) -> None:
        value = form.cleaned_data.get("accepted_eu_value")
        if value is None:
            return
        fresh = models.SizeReview.objects.select_related("size__brand").get(pk=obj.pk)
        size_review_accept(review=fresh, eu_value=value, acting_user=request.user)
        self.message_user(request, f"{fresh.size} is EU {value.normalize()}; sizes like it now standardize too.")

    @admin.action(description="Dismiss (no mapping)", permissions=["standardize_sizes"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[models.SizeReview]) -> None:
        for review in queryset.filter(status=models.ReviewStatus.OPEN):
            size_review_dismiss(review=review, acting_user=request.user)
