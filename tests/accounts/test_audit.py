"""The trigger-written audit log: every path is recorded with its actor, and the log is append-only."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import AuditLog
from catalog.models import Inventory
from soleflip.db.acting_user import acting_user, set_acting_user
from tests.factories import make_fee_schedule, make_inventory, make_order, make_user

pytestmark = pytest.mark.django_db


def entries(table: str, record_id) -> list[AuditLog]:
    return list(AuditLog.objects.filter(table_name=table, record_id=record_id).order_by("changed_at", "operation"))


def test_orm_save_is_recorded_with_the_acting_user():
    user = make_user()
    with acting_user(user.pk):
        item = make_inventory(location="A1")
        item.location = "B2"
        item.save()
    log = entries("inventory", item.pk)
    assert [e.operation for e in log] == ["INSERT", "UPDATE"]
    old, new = log[1].old_values, log[1].new_values
    assert old is not None and new is not None
    assert (old["location"], new["location"]) == ("A1", "B2")
    assert {e.changed_by for e in log} == {user.pk}


def test_bulk_update_and_raw_sql_are_recorded_too():
    items = [make_inventory() for _ in range(3)]
    Inventory.objects.filter(pk__in=[i.pk for i in items]).update(status="reserved")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE products.inventory SET location = 'raw' WHERE id = %s", [items[0].pk])
        cancelled = make_order(status="cancelled", cancelled_at=timezone.now())  # deleting it leaves no pair sold
        cursor.execute("DELETE FROM transactions.orders WHERE id = %s", [cancelled.pk])
    updates = AuditLog.objects.filter(table_name="inventory", operation="UPDATE")
    assert updates.count() == 4
    assert AuditLog.objects.filter(table_name="orders", operation="DELETE").count() == 1
    assert all(e.changed_by is None for e in updates)  # nobody said who: recorded as unknown


def test_updates_that_change_nothing_are_not_recorded():
    item = make_inventory()
    Inventory.objects.filter(pk=item.pk).update(location=item.location)
    assert [e.operation for e in entries("inventory", item.pk)] == ["INSERT"]


def test_password_hashes_stay_out_of_the_audit_log():
    user = make_user()
    new = entries("users", user.pk)[0].new_values
    assert new is not None
    assert "password" not in new and new["email"] == user.email


def test_fee_schedules_are_audited():
    schedule = make_fee_schedule()
    assert [e.operation for e in entries("fee_schedules", schedule.pk)] == ["INSERT"]


def test_the_audit_log_refuses_updates_and_deletes():
    item = make_inventory()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.filter(record_id=item.pk).update(operation="DELETE")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.filter(record_id=item.pk).delete()
    assert len(entries("inventory", item.pk)) == 1


@pytest.mark.django_db(transaction=True)
def test_the_gdpr_scrub_may_rewrite_it_inside_its_own_transaction():
    item = make_inventory()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL app.gdpr_scrub = 'on'")
        AuditLog.objects.filter(record_id=item.pk).update(new_values={})
    assert entries("inventory", item.pk)[0].new_values == {}
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.filter(record_id=item.pk).delete()


def test_a_reset_acting_user_reads_as_nobody():
    user = make_user()
    set_acting_user(user.pk, local=False)
    set_acting_user(None, local=False)
    item = make_inventory()
    assert entries("inventory", item.pk)[0].changed_by is None
