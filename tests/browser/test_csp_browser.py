"""The admin works under its content security policy: no page is refused a script, style, font or image."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role
from catalog.models import Inventory
from demo.seed import demo_seed
from pricing.analytics import analytics_refresh
from soleflip.middleware import CONTENT_SECURITY_POLICY
from tests.browser.conftest import SKIP_WITHOUT_BROWSER
from tests.factories import make_user

pytestmark = [pytest.mark.browser, SKIP_WITHOUT_BROWSER, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long browser test password"
# Every refusal the browser makes under the policy, collected in the page.
WATCH = """
window.__refused = [];
document.addEventListener('securitypolicyviolation',
    (e) => window.__refused.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


def refused(page: Any) -> list[str]:
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__refused")


def test_every_kind_of_admin_page_works_under_the_policy(page):
    demo_seed()
    analytics_refresh()
    make_user(username="anna", password=PASSWORD, is_staff=True, is_superuser=True, role=Role.ADMIN)
    page.add_init_script(WATCH)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)

    response = page.goto("/admin/login/")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    page.fill("input[name=username]", "anna")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    assert refused(page) == []
    # The dashboard's chart was drawn by Chart.js (a script the policy lets run).
    assert page.evaluate("Boolean(window.Chart && Chart.getChart(document.querySelector('canvas.chart')))")

    item = Inventory.objects.order_by("external_order_ref").first()
    assert item is not None
    for url in (
        "/admin/catalog/inventory/?status__exact=available",
        f"/admin/catalog/inventory/{item.pk}/change/",
        f"/admin/catalog/inventory/{item.pk}/history/",
        "/admin/transactions/order/add/",
        "/admin/pricing/importrun/import/",
        "/admin/pricing/profitopportunity/",
    ):
        page.goto(url)
        assert refused(page) == [], url
    # A searchable dropdown (select2, loaded from this site) opens and searches.
    page.goto("/admin/transactions/order/add/")
    page.click(".select2-selection")
    assert page.locator(".select2-search__field").count() >= 1
    assert refused(page) == []
    assert not [text for text in console if "Content Security Policy" in text]
