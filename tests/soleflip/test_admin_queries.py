"""No changelist runs more queries because it shows more rows (no N+1), and none counts a whole table."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.scale import scale_seed
from demo.seed import demo_seed
from pricing.analytics import analytics_refresh
from soleflip.admin.base import EstimatedCountPaginator
from soleflip.db.schemas import APP_SCHEMAS
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PROJECT_ADMINS = [m for m in admin.site._registry if m._meta.app_label in APP_SCHEMAS]


def changelist_queries(client) -> dict[str, int]:
    counts = {}
    for model in PROJECT_ADMINS:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counts[url] = len(queries)
    return counts


def test_changelist_query_counts_do_not_grow_with_rows(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    demo_seed()
    analytics_refresh()
    small = changelist_queries(client)
    scale_seed(scale=3)  # 30 more products: every list now fills its first page
    analytics_refresh()
    large = changelist_queries(client)
    grown = {url: (small[url], large[url]) for url in small if large[url] > small[url]}
    assert grown == {}


def test_every_project_changelist_uses_the_estimated_count_paginator():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in APP_SCHEMAS:
            assert issubclass(model_admin.paginator, EstimatedCountPaginator), model
            assert model_admin.show_full_result_count is False, model


def test_big_unfiltered_lists_use_the_planner_estimate_not_count(client):
    demo_seed()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE integration.price_sources")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/pricing/pricesource/")
    sql = [q["sql"] for q in queries.captured_queries]
    counts = [s for s in sql if "COUNT(*)" in s.upper()]
    # 300 rows is under the estimate threshold, so a capped count is used, never a bare full count.
    assert counts and all("LIMIT 1001" in s for s in counts), counts


def test_deep_pages_are_capped():
    from catalog.models import Brand

    paginator = EstimatedCountPaginator(Brand.objects.order_by("pk"), per_page=50)
    paginator.__dict__["count"] = 1_000_000  # what the estimate would say for a huge table
    assert paginator.num_pages == 200


def test_capped_count_ignores_the_list_order():
    # Ordered, the capped count walks the ordering index and filters (57 ms for a search at a
    # million rows); unordered, any index on the filter serves it.
    from pricing.models import PriceSource

    with CaptureQueriesContext(connection) as queries:
        paginator = EstimatedCountPaginator(PriceSource.objects.filter(in_stock=True).order_by("-pk"), per_page=50)
        assert paginator.count == 0
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert "LIMIT 1001" in sql and "ORDER BY" not in sql.upper()
