"""Selling through the admin: the order form runs the sale service, so the books and the stock agree."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from catalog.models import Inventory
from tests.factories import make_fee_schedule, make_inventory, make_platform, make_user
from transactions.models import Listing, Order
from transactions.services import listing_create

PASSWORD = "a long admin test password"


def _sale_form(item: Inventory, platform, number: str, price: str = "145.00", **extra: str) -> dict[str, str]:
    now = timezone.localtime()
    return {
        "inventory": str(item.pk),
        "platform": str(platform.pk),
        "external_order_number": number,
        "sold_at_0": now.strftime("%Y-%m-%d"),
        "sold_at_1": now.strftime("%H:%M:%S"),
        "sale_price_cents": price,
        "status": "pending",
        **extra,
    }


def _staff(role: str = Role.USER, **kw):
    return make_user(password=PASSWORD, is_staff=True, role=role, **kw)


@pytest.fixture
def listed():
    stockx = make_platform(code="stockx", name="StockX")
    ebay = make_platform(code="ebay", name="eBay")
    make_fee_schedule(platform=stockx, valid_from=dt.date(2020, 1, 1), transaction_fee_bps=900, processing_fee_bps=300)
    make_fee_schedule(platform=ebay, valid_from=dt.date(2020, 1, 1), transaction_fee_bps=1300, processing_fee_bps=0)
    item = make_inventory(purchase_price_cents=9995, purchased_at=timezone.now() - dt.timedelta(days=10))
    listing_create(acting_user=None, inventory=item, platform=stockx, ask_price_cents=15000)
    listing_create(acting_user=None, inventory=item, platform=ebay, ask_price_cents=16000)
    return item, stockx, ebay


@pytest.mark.django_db
def test_orders_add_sells_the_pair_with_the_schedules_fees(client: Client, listed):
    item, stockx, _ = listed
    client.force_login(_staff(role=Role.ADMIN, is_superuser=True))
    response = client.post("/admin/transactions/order/add/", _sale_form(item, stockx, "SX-100"))
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    item.refresh_from_db()
    assert item.status == "sold"
    assert set(Listing.objects.filter(inventory=item).values_list("platform__code", "status")) == {
        ("stockx", "sold"),
        ("ebay", "ended"),
    }
    # 145.00 at 9% + 3%: 13.05 + 4.35 fees, 127.60 net, 27.65 margin on 99.95 (27.7%)
    assert (order.sale_price_cents, order.platform_fee_cents + order.processing_fee_cents) == (14500, 1740)
    assert order.net_proceeds_cents == 12760
    page = client.get(f"/admin/transactions/order/{order.pk}/change/").content.decode()
    assert "€127.60" in page and "€27.65" in page and "27.7%" in page


@pytest.mark.django_db
def test_a_refused_sale_is_a_form_error_not_a_server_error(client: Client, listed):
    item, stockx, ebay = listed
    client.force_login(_staff(role=Role.ADMIN, is_superuser=True))
    before = timezone.localtime(item.purchased_at - dt.timedelta(days=1))
    form = _sale_form(item, stockx, "SX-101", sold_at_0=before.strftime("%Y-%m-%d"))
    response = client.post("/admin/transactions/order/add/", form)
    assert response.status_code == 200
    assert "before the pair was bought" in response.content.decode()
    assert client.post("/admin/transactions/order/add/", _sale_form(item, stockx, "SX-102")).status_code == 302
    again = client.post("/admin/transactions/order/add/", _sale_form(item, ebay, "EB-102"))
    assert again.status_code == 200
    assert Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_admin_sales_of_one_pair_make_one_order():
    platform = make_platform(code="stockx", name="StockX")
    make_fee_schedule(platform=platform, valid_from=dt.date(2020, 1, 1))
    item = make_inventory(purchased_at=timezone.now() - dt.timedelta(days=10))
    sellers = [_staff(role=Role.ADMIN, is_superuser=True, username=f"seller{n}") for n in range(50)]
    statuses: list[int] = []
    start = threading.Barrier(50)

    def sell(n: int) -> None:
        try:
            client = Client()
            client.force_login(sellers[n])
            start.wait()
            response = client.post("/admin/transactions/order/add/", _sale_form(item, platform, f"RACE-{n}"))
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=sell, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert sorted(statuses) == [200] * 49 + [302]  # one redirect to the list, 49 forms with the refusal
    assert Order.objects.filter(inventory=item).count() == 1
    assert Inventory.objects.get(pk=item.pk).status == "sold"


@pytest.mark.django_db
def test_cancel_through_the_admin_puts_the_pair_back(client: Client, listed):
    item, stockx, _ = listed
    client.force_login(_staff(role=Role.ADMIN, is_superuser=True))
    client.post("/admin/transactions/order/add/", _sale_form(item, stockx, "SX-103"))
    order = Order.objects.get()
    changelist = "/admin/transactions/order/"
    action = {"action": "cancel_orders", "_selected_action": [str(order.pk)]}
    confirm = client.post(changelist, action)
    assert confirm.status_code == 200 and "Cancel these orders" in confirm.content.decode()
    assert Order.objects.get().status == "pending"  # nothing happens before the confirmation
    done = client.post(changelist, {**action, "apply": "1", "reason": "out of stock"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert (Order.objects.get().status, item.status) == ("cancelled", "available")


@pytest.mark.django_db
def test_the_listing_list_says_what_each_ask_leaves_after_fees(client: Client, listed):
    client.force_login(_staff(role=Role.ADMIN, is_superuser=True))
    page = client.get("/admin/transactions/listing/").content.decode()
    # StockX 9% + 3% of 150.00; eBay 13% of 160.00
    assert "€132.00 after €18.00 fees" in page
    assert "€139.20 after €20.80 fees" in page


@pytest.mark.django_db
def test_the_payout_list_reconciles_each_payout_in_one_query_for_the_page(client: Client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_order, make_payout

    platform = make_platform(code="stockx", name="StockX")
    client.force_login(_staff(role=Role.ADMIN, is_superuser=True))

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/transactions/payout/").status_code == 200
        return len(queries.captured_queries)

    short = make_payout(platform=platform, amount_cents=17000)
    make_order(platform=platform, payout=short, net_proceeds_cents=17600)
    one = page_queries()
    for _ in range(3):
        matched = make_payout(platform=platform, amount_cents=17600)
        make_order(platform=platform, payout=matched, net_proceeds_cents=17600)
    page = client.get("/admin/transactions/payout/").content.decode()
    assert "short by €6.00" in page and "matched: €176.00 for 1 order(s)" in page
    assert page_queries() == one
