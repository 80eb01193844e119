import datetime as dt

import pytest
from django.utils import timezone

from catalog.models import Inventory
from catalog.timeline import inventory_timeline
from soleflip.db.acting_user import acting_user
from tests.factories import make_inventory, make_listing, make_order, make_price_source, make_size, make_user

pytestmark = pytest.mark.django_db


def test_the_timeline_merges_history_audit_listings_orders_and_prices(client):
    staff = make_user(is_staff=True, is_superuser=True)
    size = make_size()
    item = make_inventory(size=size, location="A1", purchase_price_cents=10000)
    item.location = "B2"
    item.purchase_price_cents = 12000
    item._change_reason = "recount"  # type: ignore[attr-defined]
    item.save()
    with acting_user(staff.pk):
        Inventory.objects.filter(pk=item.pk).update(status="reserved")  # a bulk path: no history row
    make_listing(inventory=item, listed_at=timezone.now() - dt.timedelta(days=1))
    make_order(inventory=item, external_order_number="T-1")
    make_price_source(product=item.product, size=size, price_cents=12345)

    events = inventory_timeline(item)
    kinds = {e.kind for e in events}
    assert kinds == {"edit", "audit", "listing", "order", "price"}
    texts = " | ".join(e.text for e in events)
    assert "location: A1 → B2" in texts and "(why: recount)" in texts
    assert "purchase price: €100.00 → €120.00" in texts
    assert "update outside the form: status" in texts
    assert "#T-1" in texts and "€123.45" in texts
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)

    client.force_login(staff)
    page = client.get(f"/admin/catalog/inventory/{item.pk}/change/").content.decode()
    assert "location: A1 → B2" in page and "#T-1" in page


def test_audit_log_screen_finds_a_users_changes(client):
    staff = make_user(is_staff=True, is_superuser=True)
    with acting_user(staff.pk):
        item = make_inventory()
    client.force_login(staff)
    page = client.get(f"/admin/accounts/auditlog/?q={staff.email}").content.decode()
    assert str(item.pk) in page
    assert str(item.pk) in client.get(f"/admin/accounts/auditlog/?q={item.pk}").content.decode()
