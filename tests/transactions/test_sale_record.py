"""Selling is one service: it takes the pair once, applies fees, ends every other listing, refuses what is wrong."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import Inventory
from tests.factories import make_fee_schedule, make_inventory, make_platform, make_user
from transactions.models import Listing, Order
from transactions.services import (
    EventRefused,
    NoFeeSchedule,
    NotAvailable,
    listing_create,
    order_cancel,
    order_return,
    order_ship,
    sale_record,
)

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)


def _listed_pair(price: int = 10000):
    """A pair bought before NOW, listed on two platforms through the listing service."""
    stockx = make_platform(code="stockx", name="StockX")
    ebay = make_platform(code="ebay", name="eBay")
    make_fee_schedule(platform=stockx, valid_from=dt.date(2020, 1, 1), transaction_fee_bps=900, processing_fee_bps=300)
    make_fee_schedule(platform=ebay, valid_from=dt.date(2020, 1, 1), transaction_fee_bps=1300, processing_fee_bps=0)
    item = make_inventory(purchase_price_cents=price, purchased_at=NOW - dt.timedelta(days=30))
    on_stockx = listing_create(acting_user=None, inventory=item, platform=stockx, ask_price_cents=15000)
    on_ebay = listing_create(acting_user=None, inventory=item, platform=ebay, ask_price_cents=16000)
    return item, stockx, ebay, on_stockx, on_ebay


@pytest.mark.django_db
def test_a_sale_marks_the_pair_sold_applies_fees_and_ends_the_other_listings():
    seller = make_user()
    item, stockx, _, on_stockx, on_ebay = _listed_pair()
    item.refresh_from_db()
    assert item.status == "listed"
    order = sale_record(
        acting_user=seller,
        inventory=item,
        platform=stockx,
        external_order_number="SX-1",
        sale_price_cents=14500,
        sold_at=NOW,
    )
    item.refresh_from_db()
    on_stockx.refresh_from_db()
    on_ebay.refresh_from_db()
    assert item.status == "sold"
    assert (on_stockx.status, on_ebay.status) == ("sold", "ended")
    assert order.listing == on_stockx  # the active listing on the selling platform
    # StockX 9% + 3% of 145.00: 13.05 and 4.35, net 127.60
    assert (order.platform_fee_cents, order.processing_fee_cents, order.net_proceeds_cents) == (1305, 435, 12760)
    assert order.fee_schedule is not None
    assert order.created_by == seller and item.updated_by == seller


@pytest.mark.django_db
def test_stated_fees_win_over_the_schedule():
    item, stockx, *_ = _listed_pair()
    order = sale_record(
        acting_user=None,
        inventory=item,
        platform=stockx,
        external_order_number="SX-2",
        sale_price_cents=20000,
        sold_at=NOW,
        platform_fee_cents=1000,
        processing_fee_cents=500,
        shipping_cost_cents=400,
    )
    assert order.fee_schedule is None
    assert order.net_proceeds_cents == 20000 - 1000 - 500 - 400


@pytest.mark.django_db
def test_a_pair_is_sold_once_and_not_before_it_was_bought():
    item, stockx, ebay, *_ = _listed_pair()
    sale = {"acting_user": None, "inventory": item, "sale_price_cents": 15000}
    with pytest.raises(EventRefused, match="before the pair was bought"):
        sale_record(**sale, platform=stockx, external_order_number="EARLY", sold_at=NOW - dt.timedelta(days=31))
    with pytest.raises(EventRefused, match="in the future"):
        sale_record(
            **sale, platform=stockx, external_order_number="LATER", sold_at=timezone.now() + dt.timedelta(days=1)
        )
    sale_record(**sale, platform=stockx, external_order_number="SX-3", sold_at=NOW)
    with pytest.raises(NotAvailable, match="is sold"):
        sale_record(**sale, platform=ebay, external_order_number="EB-3", sold_at=NOW)
    assert Order.objects.filter(inventory=item).count() == 1


@pytest.mark.django_db
def test_a_sale_without_a_fee_schedule_is_refused_and_writes_nothing():
    platform = make_platform(code="klekt", name="Klekt")
    item = make_inventory(purchased_at=NOW - dt.timedelta(days=3))
    with pytest.raises(NoFeeSchedule, match="no fee schedule"):
        sale_record(
            acting_user=None,
            inventory=item,
            platform=platform,
            external_order_number="K-1",
            sale_price_cents=10000,
            sold_at=NOW,
        )
    item.refresh_from_db()
    assert item.status == "available" and not Order.objects.exists()


@pytest.mark.django_db
def test_cancel_puts_the_pair_back_and_its_listings_can_be_reactivated():
    from transactions.services import listings_reactivate

    item, stockx, _, _, on_ebay = _listed_pair()
    order = sale_record(
        acting_user=None,
        inventory=item,
        platform=stockx,
        external_order_number="SX-4",
        sale_price_cents=15000,
        sold_at=NOW,
    )
    order_cancel(acting_user=None, order=order, reason="buyer changed their mind")
    item.refresh_from_db()
    order.refresh_from_db()
    assert (order.status, item.status) == ("cancelled", "available")
    assert "buyer changed their mind" in order.notes and order.cancelled_at is not None
    done, refused = listings_reactivate(acting_user=None, listings=Listing.objects.filter(pk=on_ebay.pk))
    item.refresh_from_db()
    assert (done, refused, item.status) == (1, [], "listed")
    # sold again, on the reactivated listing's platform
    again = sale_record(
        acting_user=None,
        inventory=item,
        platform=on_ebay.platform,
        external_order_number="EB-4",
        sale_price_cents=16000,
        sold_at=NOW,
    )
    assert again.listing == on_ebay


@pytest.mark.django_db
def test_a_shipped_order_is_returned_not_cancelled():
    item, stockx, *_ = _listed_pair()
    order = sale_record(
        acting_user=None,
        inventory=item,
        platform=stockx,
        external_order_number="SX-5",
        sale_price_cents=15000,
        sold_at=NOW,
    )
    order_ship(acting_user=None, order=order)
    with pytest.raises(EventRefused, match="record a return instead"):
        order_cancel(acting_user=None, order=order)
    with pytest.raises(EventRefused, match="not between"):
        order_return(acting_user=None, order=order, refund_cents=15001)
    order_return(acting_user=None, order=order, refund_cents=12000)
    order.refresh_from_db()
    item.refresh_from_db()
    assert (order.status, order.refund_cents, item.status) == ("returned", 12000, "returned")


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_sales_of_one_pair_make_exactly_one_order():
    platform = make_platform()
    make_fee_schedule(platform=platform, valid_from=dt.date(2020, 1, 1))
    item = make_inventory(purchased_at=timezone.now() - dt.timedelta(days=1))
    listing_create(acting_user=None, inventory=item, platform=platform, ask_price_cents=20000)
    outcomes: list[str] = []
    start = threading.Barrier(50)

    def sell(n: int) -> None:
        try:
            start.wait()
            sale_record(
                acting_user=None,
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
    assert Inventory.objects.get(pk=item.pk).status == "sold"


@pytest.mark.django_db
def test_listing_refuses_a_pair_that_is_not_for_sale():
    platform = make_platform()
    item = make_inventory(status="written_off")
    with pytest.raises(EventRefused, match="written off: only available or listed pairs"):
        listing_create(acting_user=None, inventory=item, platform=platform, ask_price_cents=10000)
    assert not Listing.objects.filter(inventory=item).exists()


@pytest.mark.django_db
def test_many_sales_are_recorded_all_or_none():
    from transactions.services import Sale, sales_record

    first, stockx, *_ = _listed_pair()
    second = make_inventory(purchased_at=NOW - dt.timedelta(days=5))
    sold = make_inventory(status="written_off", purchased_at=NOW - dt.timedelta(days=5))
    sale = {"platform": stockx, "sale_price_cents": 15000, "sold_at": NOW}
    with pytest.raises(NotAvailable, match="written off: it cannot be sold"):
        sales_record(
            acting_user=None,
            sales=[
                Sale(inventory_id=first.pk, external_order_number="M-1", **sale),
                Sale(inventory_id=sold.pk, external_order_number="M-2", **sale),
            ],
        )
    assert not Order.objects.exists()
    assert Inventory.objects.get(pk=first.pk).status == "listed"  # nothing of the list was written
    orders = sales_record(
        acting_user=None,
        sales=[
            Sale(inventory_id=first.pk, external_order_number="M-1", **sale),
            Sale(inventory_id=second.pk, external_order_number="M-3", **sale),
        ],
    )
    assert [o.net_proceeds_cents for o in orders] == [13200, 13200]  # 9% + 3% of 150.00 each
    assert set(Inventory.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"sold"}
    assert Listing.objects.get(inventory=first, platform=stockx).status == "sold"
    assert Order.history.filter(external_order_number__in=["M-1", "M-3"]).count() == 2
