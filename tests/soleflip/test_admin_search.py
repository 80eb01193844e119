"""Admin search and bulk actions on the big lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from pricing.models import PriceHistory
from tests.factories import (
    make_fee_schedule,
    make_inventory,
    make_listing,
    make_order,
    make_platform,
    make_price_source,
    make_product,
    make_user,
    make_variant,
)
from transactions.models import Listing, Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def listed(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_inventory_search_by_style_code_fragment_ean_or_reference(staff):
    samba = make_product(name="adidas Samba OG", style_code="B75806")
    other = make_product(name="Nike Dunk Low", style_code="DD1391-100")
    variant = make_variant(product=other, ean="036000291452")  # a UPC
    mine = make_inventory(product=samba, external_order_ref="NIKE-ORDER-1")
    theirs = make_inventory(product=other, variant=variant, location="Box 7")

    page = listed(staff, "/admin/catalog/inventory/?q=7580")
    assert str(mine.pk) in page and str(theirs.pk) not in page
    page = listed(staff, "/admin/catalog/inventory/?q=0036000291452")  # its EAN-13 form finds the UPC
    assert str(theirs.pk) in page and str(mine.pk) not in page
    page = listed(staff, "/admin/catalog/inventory/?q=NIKE-ORDER-1")
    assert str(mine.pk) in page and str(theirs.pk) not in page


def test_product_search_by_ean_finds_the_product_once(staff):
    product = make_product(name="Air Jordan 4")
    for _ in range(3):
        make_variant(product=product)
    first = product.variants.first()
    assert first is not None
    ean = first.ean
    page = listed(staff, f"/admin/catalog/product/?q={ean}")
    assert page.count(f"/admin/catalog/product/{product.pk}/change/") == 1


def test_price_history_search_takes_ids_only(staff):
    source = make_price_source()
    row = PriceHistory.objects.get(price_source_id=source.pk)
    link = f"/admin/pricing/pricehistory/{row.pk}/change/"
    assert link in listed(staff, f"/admin/pricing/pricehistory/?q={source.pk}")
    assert link in listed(staff, f"/admin/pricing/pricehistory/?q={source.product_id}")
    assert link not in listed(staff, "/admin/pricing/pricehistory/?q=Air")


def test_listings_can_be_ended_in_bulk(staff):
    active = make_listing(status="active")
    sold = make_listing(status="sold")
    staff.post(
        "/admin/transactions/listing/",
        {"action": "end_listings", "_selected_action": [active.pk, sold.pk]},
    )
    assert Listing.objects.get(pk=active.pk).status == "ended"
    assert Listing.objects.get(pk=sold.pk).status == "sold"


def test_order_fees_can_be_recalculated_in_bulk(staff):
    platform = make_platform()
    make_fee_schedule(platform=platform, valid_from=dt.date(2020, 1, 1), transaction_fee_bps=1000, processing_fee_bps=0)
    order = make_order(platform=platform, sold_at=timezone.now(), sale_price_cents=10000, net_proceeds_cents=10000)
    orphan = make_order(sale_price_cents=10000, net_proceeds_cents=10000)  # its platform has no schedule
    response = staff.post(
        "/admin/transactions/order/",
        {"action": "recalculate_fees", "_selected_action": [order.pk, orphan.pk]},
        follow=True,
    )
    order.refresh_from_db()
    assert (order.platform_fee_cents, order.net_proceeds_cents) == (1000, 9000)
    messages = [str(m) for m in response.context["messages"]]
    assert any("Fees recalculated for 1 order" in m for m in messages)
    assert any(orphan.external_order_number in m and "no fee schedule" in m for m in messages)
    assert Order.objects.get(pk=orphan.pk).net_proceeds_cents == 10000


def test_listing_and_order_search_through_the_pair_they_belong_to(staff):
    samba = make_product(name="adidas Samba OG", style_code="B75806")
    dunk = make_product(name="Nike Dunk Low", style_code="DD1391-100")
    variant = make_variant(product=dunk, ean="036000291452")
    mine = make_inventory(product=samba)
    theirs = make_inventory(product=dunk, variant=variant)
    listings = {
        pair: make_listing(inventory=pair, external_listing_id=f"L-{n}") for n, pair in enumerate([mine, theirs])
    }
    orders = {pair: make_order(inventory=pair) for pair in [mine, theirs]}

    screens: list[tuple[str, dict[Any, Any]]] = [
        ("/admin/transactions/listing/", listings),
        ("/admin/transactions/order/", orders),
    ]
    for url, rows in screens:
        by_name = listed(staff, f"{url}?q=samba")
        assert f"{url}{rows[mine].pk}/change/" in by_name and f"{url}{rows[theirs].pk}/change/" not in by_name
        by_ean = listed(staff, f"{url}?q=0036000291452")
        assert f"{url}{rows[theirs].pk}/change/" in by_ean and f"{url}{rows[mine].pk}/change/" not in by_ean
        assert f"{url}{rows[mine].pk}/change/" not in listed(staff, f"{url}?q=nothing-like-it")
    by_reference = listed(staff, "/admin/transactions/order/?q=" + orders[theirs].external_order_number)
    assert f"/admin/transactions/order/{orders[theirs].pk}/change/" in by_reference
    assert f"/admin/transactions/order/{orders[mine].pk}/change/" not in by_reference
    by_listing_id = listed(staff, "/admin/transactions/listing/?q=L-0")
    assert f"/admin/transactions/listing/{listings[mine].pk}/change/" in by_listing_id
    assert f"/admin/transactions/listing/{listings[theirs].pk}/change/" not in by_listing_id


def test_search_through_a_relation_looks_up_the_foreign_key_not_a_join(staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_listing(inventory=make_inventory(product=make_product(name="adidas Samba OG")))
    with CaptureQueriesContext(connection) as queries:
        listed(staff, "/admin/transactions/listing/?q=samba")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    # ORed with the other branches, a join on inventory made the planner hash every listing
    # for each page view; an array of keys is looked up on the foreign key's index.
    assert counts, queries.captured_queries
    for sql in counts:
        assert '"listings"."inventory_id" = ANY(ARRAY(SELECT' in sql and "JOIN" not in sql, sql
