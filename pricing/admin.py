from django.contrib import admin

from pricing import models
from soleflip.money import format_cents


@admin.register(models.PriceSource)
class PriceSourceAdmin(admin.ModelAdmin):
    list_display = ["product", "size", "source_type", "price_type", "price", "in_stock", "last_updated"]
    list_filter = ["source_type", "price_type", "in_stock"]
    list_select_related = ["product", "size"]
    search_fields = ["product__name", "product__style_code", "source_product_id"]
    autocomplete_fields = ["product", "size", "supplier"]

    @admin.display(description="price", ordering="price_cents")
    def price(self, obj: models.PriceSource) -> str:
        return format_cents(obj.price_cents, obj.currency)


@admin.register(models.ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["file_name", "kind", "status", "rows_read", "rows_created", "rows_failed", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(models.AwinProduct)
class AwinProductAdmin(admin.ModelAdmin):
    list_display = ["product_name", "merchant_name", "size_label", "ean", "in_stock"]
    list_filter = ["in_stock"]
    search_fields = ["product_name", "ean", "aw_product_id"]


@admin.register(models.PriceRule)
class PriceRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "rule_type", "brand", "category", "priority", "is_active"]
    autocomplete_fields = ["brand", "category"]


@admin.register(models.BrandMultiplier)
class BrandMultiplierAdmin(admin.ModelAdmin):
    list_display = ["brand", "multiplier", "valid_from", "valid_until"]
    autocomplete_fields = ["brand"]
