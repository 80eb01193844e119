"""Platforms, fees, listings, orders and payouts; every sale, listing and payout through its service."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from unfold.contrib.filters.admin import RangeDateTimeFilter

from catalog.models import OPEN_STOCK, Inventory
from catalog.search import ProductSearchMixin
from soleflip.admin.actions import EventAdminMixin, EventForm, action_form
from soleflip.admin.base import HistoryAdmin, SoleflipAdmin
from soleflip.admin.exports import ExportSelectionMixin
from soleflip.admin.forms import MoneyField
from soleflip.admin.money import money
from soleflip.values.money import format_cents
from transactions import models
from transactions.services import (
    fees_quote,
    listing_create,
    listings_end,
    listings_reactivate,
    order_cancel,
    order_complete,
    order_return,
    order_ship,
    orders_recalculate_fees,
    payout_reconcile,
    payout_record,
    sale_record,
    unmatched_sale_record,
)

#: A listing whose fee schedule the list has not looked up (a change page looks it up itself).
NOT_LOOKED_UP = object()


def _one(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any], what: str) -> Any | None:
    """The one row an action works on, or a message asking to choose one."""
    if queryset.count() != 1:
        modeladmin.message_user(request, f"Choose one {what} for this action.", messages.WARNING)
        return None
    return queryset.first()


def sale_url(**initial: Any) -> str:
    """The "record a sale" form, filled in with what is known."""
    return reverse("admin:transactions_order_add") + "?" + urlencode({k: v for k, v in initial.items() if v})


def listing_url(**initial: Any) -> str:
    return reverse("admin:transactions_listing_add") + "?" + urlencode({k: v for k, v in initial.items() if v})


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
        money("minimum_fee_cents", description="minimum fee"),
        money("fixed_fee_cents", description="fixed fee"),
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


# --------------------------------------------------------------------------- listings


class ListingForm(EventForm):
    """Offer a pair on a platform (``listing_create``)."""

    draft = forms.BooleanField(required=False, help_text="Save as a draft: not offered yet, the pair stays as it is.")

    class Meta:
        model = models.Listing
        fields = ["inventory", "platform", "ask_price_cents", "currency", "listed_at", "external_listing_id"]
        help_texts = {"listed_at": "Empty: now.", "currency": "Empty: the platform's currency."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False
        self.fields["currency"].initial = ""

    def run_event(self, data: dict[str, Any]) -> models.Listing:
        return listing_create(
            acting_user=self.request.user,
            inventory=data["inventory"],
            platform=data["platform"],
            ask_price_cents=data["ask_price_cents"],
            currency=data.get("currency") or None,
            listed_at=data.get("listed_at"),
            external_listing_id=data.get("external_listing_id") or "",
            draft=data.get("draft", False),
        )


@admin.register(models.Listing)
class ListingAdmin(EventAdminMixin, ExportSelectionMixin, ProductSearchMixin, HistoryAdmin):
    event_form = ListingForm
    event_extra_fields = ("draft",)
    product_path = "inventory__product"
    gtin_path = "inventory__variant__ean"
    exact_search_fields = ("external_listing_id",)
    list_display = [
        "pair",
        "platform",
        money("ask_price_cents", description="ask"),
        "you_receive",
        "status",
        "listed_at",
    ]
    list_filter = ["status", "platform", ("listed_at", RangeDateTimeFilter)]
    list_filter_submit = True
    list_select_related = ["inventory__product", "inventory__size", "platform"]
    search_fields = ["external_listing_id", "inventory__product__name", "inventory__product__style_code"]
    autocomplete_fields = ["inventory", "platform"]
    actions = ["end_listings", "reactivate_listings", "record_sale"]

    readonly_fields = ["inventory", "platform", "currency", "status", "listed_at", "ended_at", "you_receive"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a listing is ended, not deleted: its pair's history keeps it

    @admin.display(description="pair")
    def pair(self, obj: models.Listing) -> str:
        item = obj.inventory
        return f"{item.product.name} – {item.size or 'no size'}"

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> Any:
        base = super().get_changelist(request, **kwargs)

        class WithSchedules(base):  # type: ignore[valid-type, misc]
            """The page's listings learn their platform's fee schedule in force: one query, not one per row."""

            def get_results(self, request: HttpRequest) -> None:
                super().get_results(request)
                today = timezone.localdate()
                platforms = {listing.platform_id: listing.platform for listing in self.result_list}
                in_force = {
                    (schedule.platform_id, schedule.region, schedule.seller_level): schedule
                    for schedule in models.FeeSchedule.objects.filter(platform_id__in=platforms, valid_from__lte=today)
                    .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
                    .order_by()
                }
                for listing in self.result_list:
                    platform = platforms[listing.platform_id]
                    key = (platform.pk, platform.region, platform.seller_level)
                    listing.schedule_in_force = in_force.get(key)

        return WithSchedules

    @admin.display(description="you receive after fees")
    def you_receive(self, obj: models.Listing) -> str:
        if obj.pk is None:
            return "–"
        looked_up = getattr(obj, "schedule_in_force", NOT_LOOKED_UP)
        if looked_up is None:
            return f"– (no fee schedule of {obj.platform} in force)"
        schedule = None if looked_up is NOT_LOOKED_UP else cast(models.FeeSchedule, looked_up)
        quote = fees_quote(platform=obj.platform, price_cents=obj.ask_price_cents, schedule=schedule)
        if quote is None:
            return f"– (no fee schedule of {obj.platform} in force)"
        return str(quote)

    @admin.action(description="End selected listings", permissions=["change"])
    def end_listings(self, request: HttpRequest, queryset: QuerySet[models.Listing]) -> None:
        ended = listings_end(acting_user=request.user, listings=queryset)
        self.message_user(request, f"{ended} listing(s) ended; sold and already ended ones were left alone.")

    @admin.action(description="Reactivate selected listings", permissions=["change"])
    def reactivate_listings(self, request: HttpRequest, queryset: QuerySet[models.Listing]) -> None:
        done, refused = listings_reactivate(acting_user=request.user, listings=queryset)
        self.message_user(request, f"{done} listing(s) active again.")
        for problem in refused[:20]:
            self.message_user(request, problem, messages.WARNING)

    @admin.action(description="Record the sale of this listing", permissions=["add_order"])
    def record_sale(self, request: HttpRequest, queryset: QuerySet[models.Listing]) -> HttpResponse | None:
        listing = _one(self, request, queryset, "listing")
        if listing is None:
            return None
        url = sale_url(
            inventory=listing.inventory_id,
            platform=listing.platform_id,
            listing=listing.pk,
            sale_price_cents=listing.ask_price_cents,
            currency=listing.currency,
        )
        return HttpResponseRedirect(url)

    def has_add_order_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("transactions.add_order")

    def response_add(self, request: HttpRequest, obj: models.Listing, post_url_continue: str | None = None) -> Any:
        quote = fees_quote(platform=obj.platform, price_cents=obj.ask_price_cents)
        if quote is not None:
            self.message_user(
                request, f"Listed at {format_cents(obj.ask_price_cents, obj.currency)}: you receive {quote}."
            )
        return super().response_add(request, obj, post_url_continue)


# --------------------------------------------------------------------------- orders


class SaleForm(EventForm):
    """Record a sale (``sale_record``): fees from the schedule unless typed in."""

    platform_fee_cents = MoneyField(
        label="Platform fee", required=False, help_text="Empty: from the fee schedule in force on the sale date."
    )
    processing_fee_cents = MoneyField(
        label="Processing fee", required=False, help_text="Empty: from the fee schedule in force on the sale date."
    )
    shipping_cost_cents = MoneyField(label="Shipping cost", required=False)
    other_costs_cents = MoneyField(label="Other costs", required=False)

    class Meta:
        model = models.Order
        fields = [
            "inventory",
            "platform",
            "listing",
            "external_order_number",
            "sold_at",
            "sale_price_cents",
            "currency",
            "platform_fee_cents",
            "processing_fee_cents",
            "shipping_cost_cents",
            "other_costs_cents",
            "status",
            "buyer_region",
            "notes",
        ]
        help_texts = {
            "listing": "Empty: the pair's active listing on the platform, if any.",
            "currency": "Empty: the listing's or the platform's currency.",
            "external_order_number": "The platform's order number.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False
        self.fields["currency"].initial = ""
        status_field = cast(forms.ChoiceField, self.fields["status"])
        status_field.choices = [
            (s.value, s.label)
            for s in (models.OrderStatus.PENDING, models.OrderStatus.SHIPPED, models.OrderStatus.COMPLETED)
        ]
        cast(forms.ModelChoiceField, self.fields["inventory"]).queryset = Inventory.objects.filter(
            status__in=OPEN_STOCK
        )
        self.fields["inventory"].label = "Pair"
        self.fields["sold_at"].initial = timezone.now

    def run_event(self, data: dict[str, Any]) -> models.Order:
        stated = data.get("platform_fee_cents") is not None
        return sale_record(
            acting_user=self.request.user,
            inventory=data["inventory"],
            platform=data["platform"],
            listing=data.get("listing"),
            external_order_number=data["external_order_number"],
            sale_price_cents=data["sale_price_cents"],
            sold_at=data["sold_at"],
            currency=data.get("currency") or None,
            platform_fee_cents=data["platform_fee_cents"] if stated else None,
            processing_fee_cents=(data.get("processing_fee_cents") or 0) if stated else None,
            shipping_cost_cents=data.get("shipping_cost_cents") or 0,
            other_costs_cents=data.get("other_costs_cents") or 0,
            status=data["status"],
            buyer_region=data.get("buyer_region") or "",
            notes=data.get("notes") or "",
        )


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=200, help_text="Optional; kept in the order's notes.")


class ReturnForm(forms.Form):
    refund_cents = MoneyField(
        label="Refund to the buyer", required=False, help_text="Empty: the sale price, refunded in full."
    )
    reason = forms.CharField(required=False, max_length=200, help_text="Optional; kept in the order's notes.")


@admin.register(models.Order)
class OrderAdmin(EventAdminMixin, ExportSelectionMixin, ProductSearchMixin, HistoryAdmin):
    event_form = SaleForm
    product_path = "inventory__product"
    gtin_path = "inventory__variant__ean"
    exact_search_fields = ("external_order_number",)
    list_display = [
        "external_order_number",
        "product",
        "size",
        "platform",
        "sold_at",
        money("sale_price_cents", description="sale price"),
        "fees",
        money("net_proceeds_cents", description="net proceeds"),
        "margin",
        "roi",
        "status",
    ]
    list_filter = ["status", "platform", ("sold_at", RangeDateTimeFilter)]
    list_filter_submit = True
    list_select_related = ["platform", "inventory__product", "inventory__size"]
    search_fields = ["external_order_number", "inventory__product__name", "inventory__product__style_code"]
    autocomplete_fields = ["inventory", "platform", "listing", "payout", "fee_schedule"]
    actions = ["mark_shipped", "mark_completed", "cancel_orders", "return_orders", "recalculate_fees"]
    editable_after_sale = ("buyer_region", "notes")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        shown = [f.name for f in self.model._meta.fields if f.editable and f.name not in self.editable_after_sale]
        return [*shown, "margin", "roi"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an order is cancelled or returned, never deleted: the books keep it

    @admin.display(description="product", ordering="inventory__product__name")
    def product(self, obj: models.Order) -> str:
        return obj.inventory.product.name

    @admin.display(description="size")
    def size(self, obj: models.Order) -> str:
        return str(obj.inventory.size or "–")

    @admin.display(description="fees")
    def fees(self, obj: models.Order) -> str:
        return format_cents(obj.platform_fee_cents + obj.processing_fee_cents, obj.currency)

    def _margin_cents(self, obj: models.Order) -> int | None:
        if obj.pk is None or not obj.inventory_id:
            return None
        cost = obj.inventory.purchase_price_cents
        if cost is None or obj.net_proceeds_cents is None or obj.inventory.currency != obj.currency:
            return None  # margin across currencies needs both FX rates: see the analytics views
        return obj.net_proceeds_cents - cost

    @admin.display(description="margin")
    def margin(self, obj: models.Order) -> str:
        return format_cents(self._margin_cents(obj), obj.currency)

    @admin.display(description="ROI")
    def roi(self, obj: models.Order) -> str:
        margin = self._margin_cents(obj)
        cost = obj.inventory.purchase_price_cents if obj.inventory_id else None
        return "–" if margin is None or not cost else f"{margin * 100 / cost:.1f}%"

    def _each(self, request: HttpRequest, queryset: QuerySet[models.Order], event: Any, done: str) -> None:
        count, problems = 0, []
        for order in queryset.select_related("platform"):
            try:
                event(acting_user=request.user, order=order)
                count += 1
            except forms.ValidationError as exc:
                problems.append(" ".join(exc.messages))
        self.message_user(request, f"{count} order(s) {done}.")
        for problem in problems[:20]:
            self.message_user(request, problem, messages.WARNING)

    @admin.action(description="Mark selected orders shipped", permissions=["change"])
    def mark_shipped(self, request: HttpRequest, queryset: QuerySet[models.Order]) -> None:
        self._each(request, queryset, order_ship, "marked shipped")

    @admin.action(description="Mark selected orders completed", permissions=["change"])
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[models.Order]) -> None:
        self._each(request, queryset, order_complete, "marked completed")

    @admin.action(description="Cancel selected orders (pairs back in stock)", permissions=["change"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[models.Order]) -> HttpResponse | None:
        def apply(data: dict[str, Any]) -> None:
            for order in queryset:
                order_cancel(acting_user=request.user, order=order, reason=data.get("reason") or "")
            self.message_user(request, f"{len(queryset)} order(s) cancelled; their pairs are available again.")

        return action_form(
            self,
            request,
            queryset,
            form_class=CancelForm,
            title="Cancel orders",
            submit="Cancel these orders",
            intro="Only orders not yet shipped can be cancelled. Each pair goes back in stock as available; "
            "its ended listings can be reactivated under Listings.",
            apply=apply,
        )

    @admin.action(description="Record a return of the selected order", permissions=["change"])
    def return_orders(self, request: HttpRequest, queryset: QuerySet[models.Order]) -> HttpResponse | None:
        order = _one(self, request, queryset, "order")
        if order is None:
            return None

        def apply(data: dict[str, Any]) -> None:
            order_return(
                acting_user=request.user, order=order, refund_cents=data.get("refund_cents"), reason=data["reason"]
            )
            self.message_user(request, f"{order} returned; the pair is marked returned.")

        return action_form(
            self,
            request,
            queryset,
            form_class=ReturnForm,
            title="Record a return",
            submit="Record the return",
            intro="The order is kept as returned with its refund; the pair comes back as returned.",
            apply=apply,
        )

    @admin.action(description="Recalculate fees from the schedule of the sale date", permissions=["change"])
    def recalculate_fees(self, request: HttpRequest, queryset: QuerySet[models.Order]) -> None:
        done, problems = orders_recalculate_fees(orders=queryset, acting_user=request.user)
        self.message_user(request, f"Fees recalculated for {done} order(s).", messages.SUCCESS)
        for problem in problems[:20]:
            self.message_user(request, problem, messages.WARNING)


# --------------------------------------------------------------------------- payouts


class PayoutForm(EventForm):
    """Record a payout and the orders it pays (``payout_record``)."""

    order_numbers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The platform's order numbers this payout pays, one per line or separated by commas.",
    )

    class Meta:
        model = models.Payout
        fields = ["platform", "external_payout_id", "amount_cents", "currency", "fx_rate", "status", "paid_at"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        platform = data.get("platform")
        text = data.get("order_numbers") or ""
        numbers = [n.strip() for n in text.replace(",", "\n").splitlines() if n.strip()]
        if platform is not None and numbers:
            found = list(models.Order.objects.filter(platform=platform, external_order_number__in=numbers))
            missing = sorted(set(numbers) - {order.external_order_number for order in found})
            if missing:
                self.add_error("order_numbers", f"no {platform} order has the number(s) {', '.join(missing[:20])}")
            data["orders"] = found
        return data

    def run_event(self, data: dict[str, Any]) -> models.Payout:
        return payout_record(
            acting_user=self.request.user,
            platform=data["platform"],
            external_payout_id=data["external_payout_id"],
            amount_cents=data["amount_cents"],
            currency=data.get("currency") or None,
            fx_rate=data.get("fx_rate"),
            status=data["status"],
            paid_at=data.get("paid_at"),
            orders=data.get("orders", []),
        )


@admin.register(models.Payout)
class PayoutAdmin(EventAdminMixin, SoleflipAdmin):
    event_form = PayoutForm
    event_extra_fields = ("order_numbers",)
    list_display = [
        "external_payout_id",
        "platform",
        money("amount_cents", description="amount"),
        "reconciliation",
        "status",
        "paid_at",
    ]
    list_filter = ["status", "platform"]
    list_select_related = ["platform"]
    search_fields = ["=external_payout_id"]
    date_hierarchy = "paid_at"

    readonly_fields = [
        "platform",
        "external_payout_id",
        "amount_cents",
        "currency",
        "fx_rate",
        "reconciliation",
        "orders",
    ]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.Payout]:
        # Each row's reconciliation reads its orders: one query for the page, not one per row.
        return super().get_queryset(request).prefetch_related("orders")

    @admin.display(description="reconciliation")
    def reconciliation(self, obj: models.Payout) -> str:
        return str(payout_reconcile(obj)) if obj.pk else "–"

    @admin.display(description="orders")
    def orders(self, obj: models.Payout) -> str:
        return ", ".join(str(order) for order in obj.orders.select_related("platform")[:100]) or "–"


# --------------------------------------------------------------------------- review queue


class ChoosePairForm(forms.Form):
    pair = forms.ModelChoiceField(queryset=Inventory.objects.none(), help_text="The pair this sale sold.")

    def __init__(self, *args: Any, entry: models.UnmatchedSale, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pairs = Inventory.objects.filter(status__in=OPEN_STOCK).select_related("product", "size")
        if entry.style_code:
            pairs = pairs.filter(product__style_code__iexact=entry.style_code.strip())
        first = list(pairs.order_by("purchased_at").values_list("pk", flat=True)[:500])
        cast(forms.ModelChoiceField, self.fields["pair"]).queryset = pairs.filter(pk__in=first).order_by("purchased_at")


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
        money("sale_price_cents", description="sale price"),
        "reason",
        "status",
    ]
    list_filter = ["status", "platform"]
    list_select_related = ["platform"]
    search_fields = ["=external_order_number", "style_code", "product_name"]
    readonly_fields = ["run", "line", "order", "resolved_at"]
    date_hierarchy = "sold_at"
    actions = ["record_sale"]

    @admin.action(description="Record the sale on a pair in stock", permissions=["change"])
    def record_sale(self, request: HttpRequest, queryset: QuerySet[models.UnmatchedSale]) -> HttpResponse | None:
        entry = _one(self, request, queryset, "queued sale")
        if entry is None:
            return None

        def apply(data: dict[str, Any]) -> None:
            order = unmatched_sale_record(acting_user=request.user, entry=entry, inventory=data["pair"])
            self.message_user(request, f"{order} recorded on {data['pair']}; the queued sale is resolved.")

        return action_form(
            self,
            request,
            queryset,
            form_class=ChoosePairForm,
            form_kwargs={"entry": entry},
            title="Record a queued sale",
            submit="Record the sale",
            intro="Choose the pair this sale sold; it is recorded like any sale and leaves the queue.",
            apply=apply,
        )
