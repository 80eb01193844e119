"""Analytics views: what they compute, how they refresh, and the worker that refreshes them."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from procrastinate.contrib.django import app as procrastinate_app

from pricing.analytics import VIEWS, analytics_refresh
from pricing.models import BrandPerformance, DailySales, InventoryAging, ProfitOpportunity, ViewRefresh
from tests.factories import (
    make_fee_schedule,
    make_inventory,
    make_order,
    make_platform,
    make_price_source,
    make_product,
    make_size,
)


def _market(product, eu_size: str):
    """Retail offers on two size rows that standardize to the same EU size, and StockX prices."""
    eu = make_size(region="EU", value=eu_size, standardized_value=Decimal(eu_size))
    us = make_size(region="US", value="9", gender_class="M", standardized_value=Decimal(eu_size))
    make_price_source(product=product, size=eu, price_cents=11000, source_name="Shop A")
    make_price_source(product=product, size=us, price_cents=9900, source_name="Shop B")  # cheapest
    make_price_source(product=product, size=eu, price_cents=5000, in_stock=False, source_name="Sold out")
    for price_type, cents in (("highest_bid", 16000), ("lowest_ask", 19000)):
        make_price_source(product=product, size=us, source_type="stockx", price_type=price_type, price_cents=cents)
    return eu


@pytest.mark.django_db
def test_profit_opportunity_uses_cheapest_in_stock_retail_and_todays_fees():
    product = make_product()
    _market(product, "42.5")
    stockx = make_platform(code="stockx", seller_level=2)
    make_fee_schedule(platform=stockx, seller_level=1, valid_from=dt.date(2024, 1, 1), transaction_fee_bps=900)
    level2 = make_fee_schedule(
        platform=stockx,
        seller_level=2,
        valid_from=dt.date(2024, 1, 1),
        transaction_fee_bps=850,
        processing_fee_bps=300,
        minimum_fee_cents=500,
    )
    analytics_refresh(views=["profit_opportunities_mv"])

    row = ProfitOpportunity.objects.get(product=product)
    assert (row.standardized_size, row.retail_cents, row.retail_source) == (Decimal("42.5"), 9900, "Shop B")
    assert (row.highest_bid_cents, row.lowest_ask_cents, row.seller_level) == (16000, 19000, 2)
    assert row.fee_schedule_id == level2.pk
    now_fees, ask_fees = level2.fees_for(16000), level2.fees_for(19000)
    assert row.net_if_sold_now_cents == 16000 - now_fees.total_cents
    assert row.profit_cents == 16000 - now_fees.total_cents - 9900
    assert row.roi_bps == round(row.profit_cents * 10000 / 9900)
    assert row.net_if_listed_cents == 19000 - ask_fees.total_cents


@pytest.mark.django_db
def test_profit_opportunity_without_fee_schedule_has_no_net():
    product = make_product()
    _market(product, "44")
    analytics_refresh(views=["profit_opportunities_mv"])
    row = ProfitOpportunity.objects.get(product=product)
    assert row.highest_bid_cents == 16000
    assert row.net_if_sold_now_cents is None and row.profit_cents is None


@pytest.mark.django_db
def test_sizes_without_a_standardized_value_are_left_out():
    product = make_product()
    unknown = make_size(region="US", value="5", gender_class="")
    make_price_source(product=product, size=unknown, price_cents=5000)
    make_price_source(product=product, size=unknown, source_type="stockx", price_type="highest_bid", price_cents=9000)
    analytics_refresh(views=["profit_opportunities_mv"])
    assert not ProfitOpportunity.objects.filter(product=product).exists()


@pytest.mark.django_db
def test_inventory_aging_and_brand_and_daily_sales():
    product = make_product()
    size = _market(product, "43")
    now = timezone.now()
    old = make_inventory(
        product=product, size=size, purchase_price_cents=10000, purchased_at=now - dt.timedelta(days=120)
    )
    fresh = make_inventory(
        product=product, size=size, purchase_price_cents=12000, purchased_at=now - dt.timedelta(days=5)
    )
    sold = make_inventory(product=product, size=size, status="sold", purchase_price_cents=9000)
    platform = make_platform()
    make_order(inventory=sold, platform=platform, sold_at=now, sale_price_cents=20000, net_proceeds_cents=17600)
    analytics_refresh()

    aged = {row.inventory_id: row for row in InventoryAging.objects.all()}
    assert set(aged) == {old.pk, fresh.pk}  # sold stock is not aging
    assert aged[old.pk].is_dead_stock and aged[old.pk].age_bucket == "90+"
    assert not aged[fresh.pk].is_dead_stock and aged[fresh.pk].age_bucket == "0-30"
    assert aged[old.pk].market_bid_cents == 16000 and aged[old.pk].unrealized_profit_cents == 6000
    assert aged[old.pk].locked_capital_base_cents == 10000

    brand = BrandPerformance.objects.get(brand=product.brand)
    assert (brand.products_count, brand.units_in_stock, brand.stock_cost_base_cents) == (1, 2, 22000)
    assert (brand.units_sold, brand.net_base_cents, brand.profit_base_cents) == (1, 17600, 8600)

    day = DailySales.objects.get(platform_id=platform.pk)
    assert (day.orders_count, day.gross_cents, day.fees_cents, day.net_cents) == (1, 20000, 2400, 17600)


@pytest.mark.django_db
def test_refresh_records_time_duration_and_rows():
    make_product()
    results = analytics_refresh()
    assert [r.view_name for r in results] == list(VIEWS)
    recorded = {r.view_name: r for r in ViewRefresh.objects.all()}
    assert set(recorded) == set(VIEWS)
    assert recorded["brand_performance_mv"].row_count == 1
    assert all(r.was_concurrent for r in recorded.values())


@pytest.mark.django_db
def test_refresh_rejects_an_unknown_view():
    with pytest.raises(ValueError, match="unknown analytics view"):
        analytics_refresh(views=["secret_mv"])


@pytest.mark.django_db
def test_refresh_command_prints_each_view(capsys):
    call_command("refresh_analytics", "--view", "daily_sales_mv")
    out = capsys.readouterr().out
    assert "daily_sales_mv: 0 rows" in out and "Refreshed 1 view(s)" in out


def test_refresh_is_scheduled_every_five_minutes():
    crons = {p.task.name: p.cron for p in procrastinate_app.periodic_registry.periodic_tasks.values()}
    assert crons["pricing.tasks.refresh_analytics"] == "*/5 * * * *"


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_refresh_job():
    from pricing.tasks import refresh_analytics

    make_product()
    refresh_analytics.defer()
    connector = procrastinate_app.connector.get_worker_connector()  # type: ignore[attr-defined]

    def work() -> None:  # a thread of its own, as `run_worker` is its own process in production
        with procrastinate_app.replace_connector(connector) as worker_app:
            worker_app.run_worker(queues=["analytics"], wait=False, install_signal_handlers=False, listen_notify=False)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=60)
    assert ViewRefresh.objects.filter(view_name="brand_performance_mv", row_count=1).exists()


@pytest.mark.django_db
def test_aging_screen_filters_by_fixed_choices_without_scanning_the_view(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pricing.models import AGE_BUCKETS
    from tests.factories import make_user

    now = timezone.now()
    old = make_inventory(purchase_price_cents=10000, purchased_at=now - dt.timedelta(days=120))
    fresh = make_inventory(purchase_price_cents=12000, purchased_at=now - dt.timedelta(days=5))
    analytics_refresh()
    # The view's CASE and the choices name the same buckets: a bucket the choices lacked could not be filtered.
    assert {row.age_bucket for row in InventoryAging.objects.all()} <= {value for value, _ in AGE_BUCKETS}
    client.force_login(make_user(is_staff=True, is_superuser=True))
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/admin/pricing/inventoryaging/").content.decode()
    assert "over 90 days" in page and "Available" in page  # the filters offer every choice
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"]]
    page = client.get("/admin/pricing/inventoryaging/?age_bucket__exact=90%2B").content.decode()
    assert f"/admin/pricing/inventoryaging/{old.pk}/change/" in page
    assert f"/admin/pricing/inventoryaging/{fresh.pk}/change/" not in page
