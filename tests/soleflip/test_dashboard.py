import json

import pytest
from django.utils import timezone

from accounts.models import Role
from demo.seed import demo_seed
from pricing.analytics import analytics_refresh
from pricing.models import InventoryAging
from soleflip.values.money import format_cents
from tests.factories import make_user
from transactions.dashboard import stock_figures, weekly_sales

pytestmark = pytest.mark.django_db


def test_stock_figures_sum_the_aging_view():
    demo_seed()
    analytics_refresh()
    figures = stock_figures()
    rows = list(InventoryAging.objects.all())
    assert figures["pairs"] == sum(r.quantity for r in rows)
    assert figures["at_cost"] == format_cents(sum(r.locked_capital_base_cents for r in rows), "EUR")
    assert figures["dead_pairs"] == sum(r.quantity for r in rows if r.is_dead_stock)


def test_weekly_chart_adds_up_to_the_net_proceeds():
    demo_seed()
    analytics_refresh()
    sales = weekly_sales(timezone.localdate())
    chart = json.loads(sales["chart"])
    assert len(chart["labels"]) == 12
    total = round(sum(v for d in chart["datasets"] for v in d["data"]) * 100)
    assert format_cents(total, "EUR") == sales["net"]
    assert sales["orders"] > 0


def test_dashboard_page_for_staff_with_analytics_access(client):
    demo_seed()
    analytics_refresh()
    client.force_login(make_user(is_staff=True, role=Role.USER))
    page = client.get("/admin/").content.decode()
    assert 'data-figure="stock-at-cost"' in page and "Top profit opportunities" in page


def test_dashboard_is_hidden_without_analytics_access(client):
    user_without = make_user(is_staff=True)
    user_without.groups.clear()
    client.force_login(user_without)
    assert b'data-figure="stock-at-cost"' not in client.get("/admin/").content
