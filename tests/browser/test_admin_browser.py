"""Staff in a real browser: log in, dashboard, EAN search, edit and history, bulk action, readonly."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role
from catalog.models import Inventory, Variant
from demo.seed import demo_seed
from pricing.analytics import analytics_refresh
from tests.browser.conftest import SKIP_WITHOUT_BROWSER
from tests.factories import make_user

pytestmark = [pytest.mark.browser, SKIP_WITHOUT_BROWSER, pytest.mark.django_db(transaction=True)]
# The README's screenshots are refreshed on request only, so a test run leaves the tree clean.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "soleflip-screenshots"
)
PASSWORD = "a long browser test password"


def log_in(page: Any, username: str) -> None:
    page.goto("/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


@pytest.fixture
def demo() -> None:
    demo_seed()
    analytics_refresh()


def test_admin_works_the_day(page, demo):
    anna = make_user(username="anna", password=PASSWORD, is_staff=True, is_superuser=True, role=Role.ADMIN)
    log_in(page, "anna")

    # The dashboard shows the stock figures and the weekly chart.
    assert page.locator("[data-figure=stock-at-cost]").inner_text().startswith("€")
    assert page.locator("canvas.chart").count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    # Search a product by the EAN on its box.
    variant = Variant.objects.select_related("product").order_by("ean").first()
    assert variant is not None and variant.ean
    page.goto(f"/admin/catalog/product/?q={variant.ean}")
    assert variant.product.name in page.locator("#result_list").inner_text()
    assert page.locator("#result_list tbody tr").count() == 1

    # Edit an inventory item.
    item = Inventory.objects.filter(status="available").order_by("external_order_ref").first()
    assert item is not None
    page.goto(f"/admin/catalog/inventory/{item.pk}/change/")
    page.fill("input[name=location]", "Shelf Z9")
    page.fill("input[name=change_reason]", "recounted the back room")
    page.click("button[name=_save]")
    page.wait_for_url("**/admin/catalog/inventory/")
    item.refresh_from_db()
    assert item.location == "Shelf Z9"

    # ... and see the change, who made it and why, in its history.
    page.goto(f"/admin/catalog/inventory/{item.pk}/history/")
    history = page.locator("#content").inner_text()
    assert "recounted the back room" in history and "Shelf Z9" in history and anna.email in history
    assert "Purchased at" not in history  # only what was changed is recorded as changed

    # Bulk action: write off two pairs from the list.
    page.goto("/admin/catalog/inventory/?status__exact=available")
    page.screenshot(path=str(SCREENSHOTS / "inventory.png"))
    boxes = page.locator("input[name=_selected_action]")
    ids = [boxes.nth(n).get_attribute("value") for n in range(2)]
    for n in range(2):
        boxes.nth(n).check()
    page.select_option("select[name=action]", "mark_written_off")
    page.click("button[name=index]")
    # Writing off asks first: nothing changes until it is confirmed.
    assert set(Inventory.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"available"}
    page.check("input[name=confirm]")
    page.click("button[name=apply]")
    page.wait_for_url("**/admin/catalog/inventory/**")
    assert set(Inventory.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"written_off"}

    page.goto("/admin/pricing/profitopportunity/")
    page.screenshot(path=str(SCREENSHOTS / "profit-opportunities.png"))


def test_readonly_is_refused_a_change(page, demo):
    make_user(username="rita", password=PASSWORD, is_staff=True, role=Role.READONLY)
    log_in(page, "rita")
    item = Inventory.objects.order_by("external_order_ref").first()
    assert item is not None
    page.goto(f"/admin/catalog/inventory/{item.pk}/change/")
    assert page.locator("button[name=_save]").count() == 0
    assert page.locator("input[name=location]").count() == 0  # shown as text, not a field
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"/admin/catalog/inventory/{item.pk}/change/", form={"csrfmiddlewaretoken": token, "location": "x"}
    )
    assert response.status == 403 and "CSRF" not in response.text()  # refused for lack of permission
    item.refresh_from_db()
    assert item.location != "x"
