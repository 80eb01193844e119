"""The three roles: their groups, the documented matrix, and what each may do in the admin."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from accounts.models import Role
from accounts.roles import roles_matrix_markdown
from catalog.models import Inventory
from demo.seed import demo_seed
from tests.factories import make_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def staff(role: Role):
    return make_user(is_staff=True, role=role)


def test_the_three_role_groups_exist_after_migrate():
    assert {"admin", "user", "readonly"} <= set(Group.objects.values_list("name", flat=True))


def test_docs_show_the_matrix_the_code_grants():
    assert roles_matrix_markdown() in (ROOT / "docs" / "roles.md").read_text()


def test_a_users_role_decides_their_group():
    user = make_user(role=Role.READONLY)
    assert set(user.groups.values_list("name", flat=True)) == {"readonly"}
    user.role = Role.USER
    user.save()
    assert set(user.groups.values_list("name", flat=True)) == {"user"}


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (
            Role.USER,
            [
                "catalog.change_inventory",
                "transactions.add_order",
                "transactions.import_order",
                "pricing.export_pricesource",
            ],
            [
                "pricing.import_pricesource",
                "pricing.change_pricesource",
                "accounts.view_user",
                "catalog.standardize_sizes",
            ],
        ),
        (
            Role.READONLY,
            ["catalog.view_inventory", "pricing.view_profitopportunity", "transactions.view_order"],
            ["catalog.change_inventory", "catalog.export_inventory", "transactions.export_order", "accounts.view_user"],
        ),
        (
            Role.ADMIN,
            [
                "pricing.import_pricesource",
                "accounts.change_user",
                "catalog.standardize_sizes",
                "pricing.refresh_analytics",
            ],
            [],
        ),
    ],
)
def test_each_role_grants_what_the_matrix_says(role, allowed, denied):
    user = staff(role)
    assert all(user.has_perm(p) for p in allowed), [p for p in allowed if not user.has_perm(p)]
    assert not any(user.has_perm(p) for p in denied), [p for p in denied if user.has_perm(p)]


def test_readonly_sees_inventory_but_cannot_change_it(client):
    demo_seed()
    item = Inventory.objects.first()
    assert item is not None
    client.force_login(staff(Role.READONLY))
    url = f"/admin/catalog/inventory/{item.pk}/change/"
    assert client.get("/admin/catalog/inventory/").status_code == 200
    page = client.get(url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(url, {"location": "Hacked"}).status_code == 403
    item.refresh_from_db()
    assert item.location != "Hacked"


def test_readonly_gets_no_bulk_actions_and_user_does(client):
    demo_seed()
    client.force_login(staff(Role.READONLY))
    assert b"mark_written_off" not in client.get("/admin/catalog/inventory/").content
    client.force_login(staff(Role.USER))
    assert b"mark_written_off" in client.get("/admin/catalog/inventory/").content


def test_user_cannot_open_user_management(client):
    client.force_login(staff(Role.USER))
    assert client.get("/admin/accounts/user/").status_code == 403
