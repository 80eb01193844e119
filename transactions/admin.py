from django.contrib import admin

from soleflip.money import format_cents
from transactions import models


@admin.register(models.Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "default_currency", "is_active"]
    search_fields = ["name", "code"]


@admin.register(models.FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["platform", "region", "seller_level", "valid_from", "valid_to", "transaction_fee_bps"]
    list_filter = ["platform", "region"]
    list_select_related = ["platform"]


@admin.register(models.Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["inventory", "platform", "ask_price", "status", "listed_at"]
    list_filter = ["status", "platform"]
    list_select_related = ["inventory__product", "inventory__size", "platform"]
    search_fields = ["external_listing_id", "inventory__product__name"]
    autocomplete_fields = ["inventory", "platform"]

    @admin.display(description="ask", ordering="ask_price_cents")
    def ask_price(self, obj: models.Listing) -> str:
        return format_cents(obj.ask_price_cents, obj.currency)


@admin.register(models.Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["external_order_number", "platform", "sold_at", "sale_price", "net_proceeds", "status"]
    list_filter = ["status", "platform"]
    list_select_related = ["platform"]
    search_fields = ["external_order_number"]
    autocomplete_fields = ["inventory", "platform", "listing", "payout"]
    date_hierarchy = "sold_at"

    @admin.display(description="sale price", ordering="sale_price_cents")
    def sale_price(self, obj: models.Order) -> str:
        return format_cents(obj.sale_price_cents, obj.currency)

    @admin.display(description="net proceeds", ordering="net_proceeds_cents")
    def net_proceeds(self, obj: models.Order) -> str:
        return format_cents(obj.net_proceeds_cents, obj.currency)


@admin.register(models.Payout)
class PayoutAdmin(admin.ModelAdmin):
    list_display = ["external_payout_id", "platform", "amount", "status", "paid_at"]
    search_fields = ["external_payout_id"]

    @admin.display(description="amount", ordering="amount_cents")
    def amount(self, obj: models.Payout) -> str:
        return format_cents(obj.amount_cents, obj.currency)
