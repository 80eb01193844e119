"""Per-object history in the admin: who changed what, when, why, with the changed fields."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog.models import Inventory
from soleflip.db.schemas import TABLE_SCHEMAS
from tests.factories import make_inventory, make_user

pytestmark = pytest.mark.django_db


def test_an_admin_edit_is_recorded_with_user_reason_and_changed_field(client):
    staff = make_user(is_staff=True, is_superuser=True)
    client.force_login(staff)
    item = make_inventory(location="Shelf A1", purchased_at=timezone.now().replace(microsecond=0))
    bought = timezone.localtime(item.purchased_at)
    url = f"/admin/catalog/inventory/{item.pk}/change/"
    form = client.get(url).context["adminform"].form
    # What the browser posts back: each field's value as the form shows it (money as "99.99").
    data = {
        k: form.fields[k].prepare_value(v) if k in form.fields else v
        for k, v in form.initial.items()
        if v is not None and not isinstance(v, list)
    }
    data.update(
        {
            "location": "Shelf B2",
            "change_reason": "moved to the back room",
            "purchased_at_0": bought.strftime("%Y-%m-%d"),
            "purchased_at_1": bought.strftime("%H:%M:%S"),
        }
    )
    for prefix in ("listings", "orders"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    last = Inventory.history.filter(id=item.pk).latest("history_date")
    assert (last.history_user, last.history_change_reason, last.location) == (
        staff,
        "moved to the back room",
        "Shelf B2",
    )
    delta = last.diff_against(last.prev_record)
    assert delta.changed_fields == ["location"]
    item.refresh_from_db()
    assert item.updated_by == staff

    page = client.get(f"/admin/catalog/inventory/{item.pk}/history/").content.decode()
    assert "moved to the back room" in page and "Shelf B2" in page


def test_a_past_version_can_be_seen_but_not_reverted(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    item = make_inventory(location="Shelf A1")
    item.location = "Shelf C3"
    item.save()
    first = Inventory.history.filter(id=item.pk).earliest("history_date")
    url = f"/admin/catalog/inventory/{item.pk}/history/{first.history_id}/"
    page = client.get(url)
    assert page.status_code == 200 and "Shelf A1" in page.content.decode()
    assert client.post(url, {"location": "Shelf A1"}).status_code == 403
    item.refresh_from_db()
    assert item.location == "Shelf C3"


def test_history_tables_sit_in_their_apps_schemas():
    for table in ("inventory_history", "products_history", "orders_history", "users_history", "suppliers_history"):
        assert table in TABLE_SCHEMAS


def test_a_login_adds_no_history_row(client):
    from accounts.models import User

    user = make_user(is_staff=True)
    before = User.history.filter(id=user.pk).count()
    client.force_login(user)
    assert User.history.filter(id=user.pk).count() == before
    user.first_name = "Ada"
    user.save()
    assert User.history.filter(id=user.pk).count() == before + 1
