"""Row-level security and least-privilege roles, on the runtime role (superusers bypass RLS).

Roles are created inside the test's transaction and vanish with its rollback.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import Role
from catalog.models import Inventory
from soleflip.db.acting_user import set_acting_user
from tests.factories import make_inventory, make_order, make_supplier_account, make_user
from transactions.models import Order

pytestmark = pytest.mark.django_db
PREFIX = "rlstest"


@pytest.fixture
def world():
    alice, bob = make_user(role=Role.USER), make_user(role=Role.USER)
    admin, reader = make_user(role=Role.ADMIN), make_user(role=Role.READONLY)
    mine = make_inventory(supplier_account=make_supplier_account(user=alice))
    theirs = make_inventory(supplier_account=make_supplier_account(user=bob))
    # Cancelled orders: both pairs stay in stock, so the stock views hold them too.
    cancelled = {"status": "cancelled", "cancelled_at": timezone.now()}
    orders = {
        "my_order": make_order(inventory=mine, **cancelled),
        "their_order": make_order(inventory=theirs, **cancelled),
    }
    with connection.cursor() as cursor:
        # Ownership changes need no pending deferred FK checks from the rows made above.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("create_db_roles", "--prefix", PREFIX, "--commit", stdout=io.StringIO())
    return {"alice": alice, "bob": bob, "admin": admin, "reader": reader, "mine": mine, "theirs": theirs, **orders}


def as_role(role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')


def visible(model) -> set:
    return set(model.objects.values_list("pk", flat=True))


def test_the_runtime_role_cannot_bypass_row_security(world):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = %s", [f"{PREFIX}_app"])
        assert cursor.fetchone() == (False, False)


def test_a_user_sees_and_changes_only_their_own_stock_and_orders(world):
    as_role(f"{PREFIX}_app")
    set_acting_user(world["alice"].pk)
    assert visible(Inventory) == {world["mine"].pk}
    assert visible(Order) == {world["my_order"].pk}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM products.inventory")
        assert cursor.fetchone()[0] == 1
        cursor.execute("UPDATE products.inventory SET location = 'stolen' WHERE id = %s", [world["theirs"].pk])
        assert cursor.rowcount == 0
        cursor.execute("DELETE FROM transactions.orders WHERE id = %s", [world["their_order"].pk])
        assert cursor.rowcount == 0
    assert Inventory.objects.filter(pk=world["theirs"].pk).update(location="stolen") == 0
    bobs_account = world["theirs"].supplier_account
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        make_inventory(product=world["mine"].product, supplier_account=bobs_account)


def test_admin_readonly_and_the_system_see_everything(world):
    as_role(f"{PREFIX}_app")
    everything = {world["mine"].pk, world["theirs"].pk}
    for who in ("admin", "reader"):
        set_acting_user(world[who].pk)
        assert visible(Inventory) == everything
    set_acting_user(world["reader"].pk)
    assert Inventory.objects.filter(pk=world["theirs"].pk).update(location="x") == 0  # readonly writes nothing
    set_acting_user(None)
    assert visible(Inventory) == everything


def test_the_readonly_role_reads_analytics_and_catalog_only(world):
    as_role(f"{PREFIX}_readonly")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM analytics.profit_opportunities_mv")
        cursor.execute("SELECT count(*) FROM core.brands")
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            cursor.execute("SELECT count(*) FROM integration.price_sources")
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            cursor.execute("INSERT INTO core.tags (name, slug) VALUES ('x', 'x')")


def test_the_runtime_role_has_no_ddl(world):
    as_role(f"{PREFIX}_app")
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TABLE products.stray (id int)")


def test_the_runtime_role_can_refresh_the_analytics_views(world):
    from pricing.analytics import analytics_refresh

    as_role(f"{PREFIX}_app")
    set_acting_user(world["alice"].pk)
    results = analytics_refresh(views=["inventory_aging_mv"])
    assert results[0].row_count == 2  # computed as the system, not through Alice's row security
