"""One pair's life in a real browser: bought, listed on two platforms, sold on one, cancelled.

Every step is a screen a reseller uses; the test checks the stock, the listings, the fees
and the dashboard after each, as the reseller would read them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from catalog.models import Inventory, Variant
from demo.seed import demo_seed
from pricing.analytics import analytics_refresh
from soleflip.values.money import format_cents
from tests.browser.conftest import SKIP_WITHOUT_BROWSER
from tests.browser.test_admin_browser import PASSWORD, log_in
from tests.factories import make_user
from transactions.models import Listing, Order, Platform
from transactions.services import fees_quote

pytestmark = [pytest.mark.browser, SKIP_WITHOUT_BROWSER, pytest.mark.django_db(transaction=True)]


def choose(page: Any, field: str, text: str) -> None:
    """Pick ``text`` in an autocomplete (select2) field, as a person does: open, type, Enter."""
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-search__field", text)
    page.wait_for_selector(f".select2-results__option--highlighted:has-text('{text}')")
    page.keyboard.press("Enter")


def figure(page: Any, name: str) -> str:
    page.goto("/admin/")
    return page.locator(f"[data-figure={name}]").inner_text().strip()


def cents(text: str) -> int:
    return round(float(text.replace("€", "").replace(",", "")) * 100)


def test_buy_list_sell_and_cancel_keep_stock_listings_fees_and_dashboard_right(page):
    demo_seed()
    analytics_refresh()
    make_user(username="sam", password=PASSWORD, is_staff=True, is_superuser=True, role=Role.ADMIN)
    log_in(page, "sam")
    stock_before = cents(figure(page, "stock-at-cost"))
    sales_before = cents(figure(page, "net-12w"))

    # Buy: the EAN from the box decides product and size; the price is typed as money.
    variant = Variant.objects.filter(inventory__isnull=True).select_related("product", "size").order_by("ean").first()
    assert variant is not None
    page.goto("/admin/catalog/inventory/add/")
    page.fill("input[name=ean]", variant.ean)
    page.fill("input[name=purchase_price_cents]", "99.95")
    page.fill("input[name=location]", "Shelf B7")
    page.fill("input[name=external_order_ref]", "BROWSER-1")
    page.click("button[name=_save]")
    page.wait_for_url("**/admin/catalog/inventory/")
    item = Inventory.objects.get(external_order_ref="BROWSER-1")
    assert (item.product, item.size, item.purchase_price_cents, item.status) == (
        variant.product,
        variant.size,
        9995,
        "available",
    )
    assert cents(figure(page, "stock-at-cost")) == stock_before + 9995

    # List it on StockX and on eBay from the pair's page.
    for platform, ask in (("StockX", "150.00"), ("eBay", "160.00")):
        page.goto(f"/admin/catalog/inventory/{item.pk}/change/")
        page.click("text=List on a platform")
        page.wait_for_url("**/admin/transactions/listing/add/**")
        choose(page, "platform", platform)
        page.fill("input[name=ask_price_cents]", ask)
        page.click("button[name=_save]")
        page.wait_for_url("**/admin/transactions/listing/")
        assert "you receive" in page.locator("body").inner_text()
    item.refresh_from_db()
    assert item.status == "listed"

    # Sell it on StockX for 145.00: the fees come from StockX's schedule.
    page.goto(f"/admin/catalog/inventory/{item.pk}/change/")
    page.click("text=Record a sale")
    page.wait_for_url("**/admin/transactions/order/add/**")
    choose(page, "platform", "StockX")
    page.fill("input[name=external_order_number]", "BROWSER-SALE-1")
    now = timezone.localtime()
    page.fill("input[name=sold_at_0]", now.strftime("%Y-%m-%d"))
    page.fill("input[name=sold_at_1]", now.strftime("%H:%M:%S"))
    page.fill("input[name=sale_price_cents]", "145.00")
    page.click("button[name=_save]")
    page.wait_for_url("**/admin/transactions/order/")

    order = Order.objects.get(external_order_number="BROWSER-SALE-1")
    quote = fees_quote(platform=Platform.objects.get(code="stockx"), price_cents=14500)
    assert quote is not None and order.net_proceeds_cents == quote.net_cents
    item.refresh_from_db()
    assert item.status == "sold"
    assert dict(Listing.objects.filter(inventory=item).values_list("platform__code", "status")) == {
        "stockx": "sold",
        "ebay": "ended",
    }
    page.goto(f"/admin/transactions/order/{order.pk}/change/")
    detail = page.locator("#content").inner_text()
    margin = quote.net_cents - 9995
    assert format_cents(quote.net_cents, "EUR") in detail
    assert format_cents(margin, "EUR") in detail and f"{margin * 100 / 9995:.1f}%" in detail

    # The dashboard counts the pair as sold at once: out of stock, into the week's sales.
    assert cents(figure(page, "stock-at-cost")) == stock_before
    assert cents(figure(page, "net-12w")) == sales_before + quote.net_cents

    # Cancel before shipping, with a confirmation: the pair is back in stock.
    page.goto("/admin/transactions/order/?q=BROWSER-SALE-1")
    page.locator("input[name=_selected_action]").first.check()
    page.select_option("select[name=action]", "cancel_orders")
    page.click("button[name=index]")
    page.fill("input[name=reason]", "buyer cancelled")
    page.click("button[name=apply]")
    page.wait_for_url("**/admin/transactions/order/**")
    item.refresh_from_db()
    order.refresh_from_db()
    assert (order.status, item.status) == ("cancelled", "available")
    assert cents(figure(page, "stock-at-cost")) == stock_before + 9995
