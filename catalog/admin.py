from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from catalog import models
from catalog.services import size_review_accept, size_review_dismiss
from soleflip.money import format_cents


@admin.register(models.Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Color, models.Material)
class NamedAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(models.Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "supplier_type", "country_code", "is_active"]
    list_filter = ["supplier_type", "is_active"]
    search_fields = ["name", "awin_merchant_id"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.SupplierAccount)
class SupplierAccountAdmin(admin.ModelAdmin):
    list_display = ["email", "supplier", "user", "payment_provider", "payment_method_last4", "is_active"]
    list_select_related = ["supplier", "user"]
    search_fields = ["email", "supplier__name"]
    autocomplete_fields = ["supplier", "user"]


@admin.register(models.SupplierHistory)
class SupplierHistoryAdmin(admin.ModelAdmin):
    list_display = ["supplier", "event_type", "occurred_at"]
    list_filter = ["event_type"]
    list_select_related = ["supplier"]
    autocomplete_fields = ["supplier"]


@admin.register(models.SupplierPerformance)
class SupplierPerformanceAdmin(admin.ModelAdmin):
    list_display = ["supplier", "period_start", "period_end", "orders_count", "items_received"]
    list_select_related = ["supplier"]
    autocomplete_fields = ["supplier"]


class VariantInline(admin.TabularInline):
    model = models.Variant
    extra = 0
    autocomplete_fields = ["size"]


@admin.register(models.Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "style_code", "colorway", "retail_price", "release_date"]
    list_filter = ["brand", "gender_class"]
    list_select_related = ["brand"]
    search_fields = ["name", "style_code", "variants__ean"]
    autocomplete_fields = ["brand", "category", "color", "material", "tags"]
    date_hierarchy = "release_date"
    inlines = [VariantInline]

    @admin.display(description="retail price", ordering="retail_price_cents")
    def retail_price(self, obj: models.Product) -> str:
        return format_cents(obj.retail_price_cents, obj.retail_currency)


@admin.register(models.Size)
class SizeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "brand", "region", "gender_class", "value", "standardized_value"]
    list_filter = ["region", "gender_class", "brand"]
    list_select_related = ["brand"]
    search_fields = ["value"]


@admin.register(models.SizeChart)
class SizeChartAdmin(admin.ModelAdmin):
    list_display = ["brand", "gender_class", "region", "value", "eu_value", "source"]
    list_filter = ["brand", "gender_class", "region"]
    list_select_related = ["brand"]


@admin.register(models.Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["product", "size", "ean", "sku"]
    list_select_related = ["product", "size"]
    search_fields = ["ean", "sku", "product__name", "product__style_code"]
    autocomplete_fields = ["product", "size"]


@admin.register(models.Inventory)
class InventoryAdmin(admin.ModelAdmin):
    list_display = ["product", "size", "status", "purchase_price", "supplier_name", "location", "purchased_at"]
    list_filter = ["status", "condition"]
    list_select_related = ["product", "size"]
    search_fields = ["product__name", "product__style_code", "external_order_ref"]
    autocomplete_fields = ["product", "size", "variant", "supplier", "supplier_account"]
    date_hierarchy = "purchased_at"

    @admin.display(description="purchase price", ordering="purchase_price_cents")
    def purchase_price(self, obj: models.Inventory) -> str:
        return format_cents(obj.purchase_price_cents, obj.currency)


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
class SizeReviewAdmin(admin.ModelAdmin):
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
        size_review_accept(review=fresh, eu_value=value, user=request.user)
        self.message_user(request, f"{fresh.size} is EU {value.normalize()}; sizes like it now standardize too.")

    @admin.action(description="Dismiss (no mapping)", permissions=["standardize_sizes"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[models.SizeReview]) -> None:
        for review in queryset.filter(status=models.ReviewStatus.OPEN):
            size_review_dismiss(review=review, user=request.user)
