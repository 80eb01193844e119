"""Exporting a selection: needs the export permission, and cells cannot run as formulas."""

from __future__ import annotations

import csv
import io

import pytest

from accounts.models import Role
from tests.factories import make_inventory, make_user

pytestmark = pytest.mark.django_db


def export(client, ids) -> tuple[int, str]:
    client.post("/admin/catalog/inventory/", {"action": "export_admin_action", "_selected_action": ids})
    response = client.post(
        "/admin/catalog/inventory/export/",
        {
            "format": "0",
            "export_items": ids,
            "resource": "0",
            **{f"inventoryresource_{f}": "on" for f in ("id", "location", "notes")},
        },
    )
    return response.status_code, response.content.decode() if response.status_code == 200 else ""


def test_user_exports_a_selection_with_formulas_escaped(client):
    item = make_inventory(location="+49 shelf", notes='=HYPERLINK("http://evil.example","click")')
    client.force_login(make_user(is_staff=True, role=Role.USER))
    status, body = export(client, [str(item.pk)])
    assert status == 200, body
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["location"] == "'+49 shelf"
    assert rows[0]["notes"].startswith("'=HYPERLINK")


def test_readonly_cannot_export(client):
    item = make_inventory()
    client.force_login(make_user(is_staff=True, role=Role.READONLY))
    page = client.get("/admin/catalog/inventory/").content.decode()
    assert "export_admin_action" not in page
    status, _ = export(client, [str(item.pk)])
    assert status == 403


def test_an_export_too_big_for_the_admin_is_refused(client, monkeypatch):
    from catalog.admin import InventoryAdmin

    monkeypatch.setattr(InventoryAdmin, "MAX_EXPORT_ROWS", 2)
    for _ in range(3):
        make_inventory()
    client.force_login(make_user(is_staff=True, role=Role.ADMIN))
    response = client.post("/admin/catalog/inventory/export/", {"format": "0", "resource": "0"})
    assert response.status_code == 403
