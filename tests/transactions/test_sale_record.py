"""Selling is concurrency-safe: of many simultaneous sales of the last pair, exactly one happens."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import Inventory
from tests.factories import make_fee_schedule, make_inventory, make_listing, make_platform
from transactions.models import Order
from transactions.services import NotAvailable, sale_record


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_sales_of_one_pair_make_exactly_one_order():
    platform = make_platform()
    make_fee_schedule(platform=platform, valid_from=dt.date(2020, 1, 1))
    item = make_inventory(quantity=1, status="listed")
    outcomes: list[str] = []
    start = threading.Barrier(50)

    def sell(n: int) -> None:
        try:
            start.wait()
            sale_record(
                inventory=item,
                platform=platform,
                external_order_number=f"RACE-{n}",
                sale_price_cents=20000,
                sold_at=timezone.now(),
            )
            outcomes.append("sold")
        except NotAvailable:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=sell, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes.count("sold") == 1 and outcomes.count("refused") == 49
    assert Order.objects.filter(inventory=item).count() == 1
    item.refresh_from_db()
    assert (item.status, item.quantity) == ("sold", 0)


@pytest.mark.django_db
def test_a_sale_takes_one_pair_computes_fees_and_closes_the_listing():
    platform = make_platform()
    make_fee_schedule(platform=platform, valid_from=dt.date(2020, 1, 1), transaction_fee_bps=1000, processing_fee_bps=0)
    item = make_inventory(quantity=2, status="available")
    listing = make_listing(inventory=item, platform=platform)
    order = sale_record(
        inventory=item,
        platform=platform,
        external_order_number="A-1",
        sale_price_cents=10000,
        sold_at=timezone.now(),
        listing=listing,
    )
    item.refresh_from_db()
    listing.refresh_from_db()
    assert (item.quantity, item.status) == (1, "available")  # one pair left, still for sale
    assert (order.platform_fee_cents, order.net_proceeds_cents) == (1000, 9000)
    assert listing.status == "sold"
    sale: dict[str, Any] = {
        "inventory": item,
        "platform": platform,
        "sale_price_cents": 10000,
        "sold_at": timezone.now(),
    }
    sale_record(**sale, external_order_number="A-2")  # the last pair
    assert Inventory.objects.get(pk=item.pk).status == "sold"
    with pytest.raises(NotAvailable):
        sale_record(**sale, external_order_number="A-3")
    assert not Order.objects.filter(external_order_number="A-3").exists()
