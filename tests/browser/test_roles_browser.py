"""Roles in a real browser: an admin makes a read-only person, who then can look but not write."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from catalog.models import Inventory
from demo.seed import demo_seed
from pricing.analytics import analytics_refresh
from pricing.models import ImportRun
from tests.browser.conftest import SKIP_WITHOUT_BROWSER
from tests.factories import make_user
from transactions.models import Listing, Order

pytestmark = [pytest.mark.browser, SKIP_WITHOUT_BROWSER, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long browser test password"
IMPORT_URL = "/admin/pricing/importrun/import/"
IMPORT_LINK = 'a[href="import/"]'  # "Import a file" on the import runs list


def log_in(page: Any, username: str) -> None:
    page.goto("/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def log_out(page: Any) -> None:
    response = page.request.post("/admin/logout/", form={"csrfmiddlewaretoken": csrf_token(page)})
    assert response.ok
    page.goto("/admin/")
    page.wait_for_url("**/admin/login/**")


def csrf_token(page: Any) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def action_names(page: Any) -> set[str]:
    """The bulk actions the list offers (none when it shows no action box)."""
    options = page.locator("select[name=action] option")
    return {value for n in range(options.count()) if (value := options.nth(n).get_attribute("value"))}


def snapshot() -> dict[str, Any]:
    """Every row a read-only person might try to write, field by field."""
    return {
        "inventory": list(Inventory.objects.order_by("pk").values()),
        "orders": list(Order.objects.order_by("pk").values()),
        "listings": list(Listing.objects.order_by("pk").values()),
        "import runs": ImportRun.objects.count(),
        "inventory history": Inventory.history.count(),
        "users": User.objects.count(),
    }


@pytest.fixture
def demo() -> None:
    demo_seed()
    analytics_refresh()


def test_an_admin_makes_a_readonly_person_who_cannot_write_anything(page, demo):
    make_user(username="anna", password=PASSWORD, is_staff=True, role=Role.ADMIN)
    log_in(page, "anna")

    # What an admin has, so its absence below means something.
    page.goto("/admin/catalog/inventory/")
    assert page.locator('a[href="/admin/catalog/inventory/add/"]').count() >= 1
    assert {"mark_written_off", "export_admin_action"} <= action_names(page)
    page.goto("/admin/pricing/importrun/")
    assert page.locator(IMPORT_LINK).count() == 1

    # Make Rita read-only, and tick the "user" group too, as if by mistake.
    page.goto("/admin/accounts/user/add/")
    page.fill("input[name=username]", "rita")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.select_option("select[name=role]", Role.READONLY.value)
    page.fill("input[name=email]", "rita@example.com")
    page.check("input[name=is_staff]")
    page.locator("fieldset.collapse summary").click()  # the raw permissions, folded away
    page.select_option("#id_groups_from", label="user")
    page.click("#id_groups_add")
    assert page.locator("#id_groups_to option").all_inner_texts() == ["user"]
    page.click("button[name=_save]")
    page.wait_for_url("**/admin/accounts/user/*/change/")

    rita = User.objects.get(username="rita")
    assert rita.role == Role.READONLY and rita.is_staff and not rita.is_superuser
    assert set(rita.groups.values_list("name", flat=True)) == {"readonly"}
    assert not rita.user_permissions.exists()

    log_out(page)
    log_in(page, "rita")
    before = snapshot()

    # No way to add from the lists, and no bulk actions: neither writes nor exports.
    for changelist, add in [
        ("/admin/catalog/inventory/", "/admin/catalog/inventory/add/"),
        ("/admin/transactions/order/", "/admin/transactions/order/add/"),
    ]:
        page.goto(changelist)
        assert page.locator("#result_list tbody tr").count() > 0  # she does see the rows
        assert page.locator(f'a[href="{add}"]').count() == 0
        assert action_names(page) == set()
    page.goto("/admin/pricing/importrun/")
    assert page.locator(IMPORT_LINK).count() == 0

    # An item's form shows the values but nothing that saves or deletes.
    item = Inventory.objects.order_by("external_order_ref").first()
    order = Order.objects.order_by("external_order_number").first()
    assert item is not None and order is not None
    page.goto(f"/admin/catalog/inventory/{item.pk}/change/")
    assert page.locator("#content").inner_text().strip()
    assert page.locator("button[name=_save], button[name=_continue], button[name=_addanother]").count() == 0
    assert page.locator(f'a[href$="/inventory/{item.pk}/delete/"]').count() == 0
    assert page.locator("input[name=location]").count() == 0

    # Forged requests are refused for lack of permission (not for a missing CSRF token).
    token = csrf_token(page)
    forged = [
        ("/admin/catalog/inventory/add/", {"status": "available", "location": "Forged"}),
        ("/admin/transactions/order/add/", {"external_order_number": "FORGED-1"}),
        (f"/admin/catalog/inventory/{item.pk}/change/", {"location": "Forged", "status": "written_off"}),
        (f"/admin/catalog/inventory/{item.pk}/delete/", {"post": "yes"}),
        (f"/admin/transactions/order/{order.pk}/delete/", {"post": "yes"}),
        ("/admin/catalog/inventory/export/", {"format": "0"}),
    ]
    for url, form in forged:
        response = page.request.post(url, form={"csrfmiddlewaretoken": token, **form})
        assert response.status == 403, url
        assert "CSRF" not in response.text(), url
    upload = page.request.post(
        IMPORT_URL,
        multipart={
            "csrfmiddlewaretoken": token,
            "kind": "sales",
            "platform": "stockx",
            "file": {
                "name": "sales.csv",
                "mimeType": "text/csv",
                "buffer": b"Order Number,Sale Date\nX-1,2025-01-01\n",
            },
        },
    )
    assert upload.status == 403 and "CSRF" not in upload.text()

    # A bulk action or an export posted by hand does nothing either.
    for action in ("mark_written_off", "export_admin_action"):
        response = page.request.post(
            "/admin/catalog/inventory/",
            form={"csrfmiddlewaretoken": token, "action": action, "_selected_action": str(item.pk), "index": "0"},
        )
        assert response.ok and "attachment" not in (response.headers.get("content-disposition") or ""), action

    assert snapshot() == before


def test_a_readonly_person_cannot_open_the_import_screen(page, demo):
    make_user(username="rita", password=PASSWORD, is_staff=True, role=Role.READONLY)
    log_in(page, "rita")
    response = page.goto(IMPORT_URL)
    assert response is not None and response.status == 403
