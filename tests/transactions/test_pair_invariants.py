"""The database itself refuses a pair whose status contradicts its orders and listings.

The checks are deferred to commit (an event writes order, listings and status in any
order); ``SET CONSTRAINTS ALL IMMEDIATE`` runs them at once so each test sees the refusal.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from catalog.models import Inventory
from tests.factories import make_inventory, make_listing, make_order, make_platform
from transactions.models import Listing, Order


def _immediately() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_a_sold_pair_cannot_keep_an_active_listing():
    listing = make_listing()
    order = make_order(inventory=listing.inventory, platform=listing.platform)
    _immediately()
    with pytest.raises(IntegrityError, match="sold but has an active listing"), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(status="active")
    assert Order.objects.filter(pk=order.pk).exists()


@pytest.mark.django_db
def test_a_pair_with_an_open_order_must_be_sold():
    order = make_order()
    _immediately()
    with pytest.raises(IntegrityError, match="has an open order, so it is sold, not available"), transaction.atomic():
        Inventory.objects.filter(pk=order.inventory_id).update(status="available")


@pytest.mark.django_db
def test_a_pair_is_not_sold_without_an_order():
    item = make_inventory()
    _immediately()
    with pytest.raises(IntegrityError, match="is sold but has no open order"), transaction.atomic():
        Inventory.objects.filter(pk=item.pk).update(status="sold")


@pytest.mark.django_db
def test_listed_means_an_active_listing():
    item = make_inventory()
    listing = make_listing(inventory=make_inventory())
    _immediately()
    with pytest.raises(IntegrityError, match="is listed but none of its listings is active"), transaction.atomic():
        Inventory.objects.filter(pk=item.pk).update(status="listed")
    with pytest.raises(IntegrityError, match="is listed but none of its listings is active"), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(status="ended")


@pytest.mark.django_db
def test_one_open_order_per_pair():
    order = make_order()
    with pytest.raises(IntegrityError, match="uq_orders_one_open_per_pair"), transaction.atomic():
        Order.objects.create(
            inventory=order.inventory,
            platform=make_platform(),
            external_order_number="SECOND",
            sold_at=order.sold_at,
            sale_price_cents=10000,
            net_proceeds_cents=9000,
        )


@pytest.mark.django_db
def test_order_status_moves_only_forward():
    order = make_order(status="completed")
    with pytest.raises(DatabaseError, match="Invalid transition"), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(status="pending")
    with pytest.raises(DatabaseError, match="Invalid transition"), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(status="cancelled", cancelled_at=dt.datetime.now(dt.UTC))


@pytest.mark.django_db
def test_a_row_is_one_pair():
    with pytest.raises(IntegrityError, match="chk_inventory_single_pair"), transaction.atomic():
        Inventory.objects.filter(pk=make_inventory().pk).update(quantity=2)


@pytest.mark.django_db
def test_connections_tell_the_triggers_to_ignore_none():
    # Unset, each trigger's ignore check raises and rolls back a subtransaction, which walks
    # every pending deferred pair check: quadratic in a big transaction (soleflip/settings.py).
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('pgtrigger.ignore')::text[]")
        assert cursor.fetchone() == ([],)
