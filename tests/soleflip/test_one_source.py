"""One source of truth per list: what the database holds agrees with the list the code derives it from.

Each list is written once (the models, the schema map, one function) and everything else is
derived from it or held to it here: the audited tables, the analytics views, the statuses
that count as stock in hand, and net proceeds as the SQL views compute them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection

from catalog.models import OPEN_STOCK
from pricing.analytics import VIEWS, analytics_refresh
from pricing.models import ProfitOpportunity
from soleflip.db.audit import AUDIT_TRIGGERS, audited_models
from soleflip.db.schemas import VIEW_SCHEMAS
from tests.factories import make_fee_schedule, make_platform, make_price_source, make_product, make_size
from transactions.models import net_proceeds_cents
from transactions.services import schedule_fees


def _rows(query: str, params: list[str] | None = None) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchall()


@pytest.mark.django_db
def test_the_audited_tables_are_those_whose_models_declare_the_audit_triggers():
    in_database = {
        (table, trigger)
        for table, name in _rows(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE 'pgtrigger_audit_%%'"
        )
        for trigger in AUDIT_TRIGGERS
        if str(name).startswith(f"pgtrigger_{trigger}_")
    }
    tables = {table for table, _ in in_database}
    assert tables == {model._meta.db_table for model in audited_models()}
    assert {"orders", "inventory", "listings", "users", "price_sources"} <= tables
    # Every audited table records updates and deletes (price_sources' inserts are in price history).
    assert all((table, "audit_update") in in_database and (table, "audit_delete") in in_database for table in tables)


@pytest.mark.django_db
def test_the_audit_log_filter_offers_every_audited_table_by_its_name(admin_client):
    page = admin_client.get("/admin/accounts/auditlog/").content.decode()
    for model in audited_models():
        assert f"?table={model._meta.db_table}" in page
        assert str(model._meta.verbose_name_plural).capitalize() in page


@pytest.mark.django_db
def test_the_audit_log_names_the_kind_of_record_not_its_table(admin_client):
    make_fee_schedule()  # an audited insert
    page = admin_client.get("/admin/accounts/auditlog/?table=fee_schedules").content.decode()
    rows = page[page.index('id="result_list"') :]
    assert 'class="field-what' in rows and ">Fee schedules<" in rows
    assert ">fee_schedules<" not in rows


@pytest.mark.django_db
def test_the_refreshed_views_are_the_materialized_views_of_the_analytics_schema():
    matviews = {str(name) for (name,) in _rows("SELECT matviewname FROM pg_matviews WHERE schemaname = 'analytics'")}
    assert set(VIEWS) == matviews == {view for view, schema in VIEW_SCHEMAS.items() if schema == "analytics"}


def _status_lists(definition: str) -> list[set[str]]:
    """The string lists a view compares ``status`` with: ``status = ANY (ARRAY['a'::text, ...])``."""
    lists = re.findall(r"status\)?::text = ANY \(\(?ARRAY\[([^\]]*)\]", definition)
    return [set(re.findall(r"'([^']*)'", found)) for found in lists]


@pytest.mark.django_db
def test_the_views_count_as_stock_in_hand_exactly_the_models_open_statuses():
    open_stock = {str(status) for status in OPEN_STOCK}
    found = []
    for view in VIEWS:
        (definition,) = _rows("SELECT pg_get_viewdef(%s::regclass, true)", [f"analytics.{view}"])[0]
        found.extend(_status_lists(str(definition)))
    assert found, "no view filters stock by status any more: update this test"
    assert all(statuses == open_stock for statuses in found), found


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bid_cents", "fee_bps", "processing_bps", "fixed_cents", "minimum_cents"),
    [
        (16000, 850, 300, 0, 500),  # plain
        (3000, 900, 0, 0, 500),  # the minimum fee binds
        (20050, 900, 300, 0, 0),  # 9% of 200.50 = 18.045: rounds half up, as the function does
        (11150, 1000, 250, 150, 0),  # 11.15 and 2.7875: both round, plus a fixed fee
        (99999, 1250, 290, 95, 700),
    ],
)
def test_the_views_net_proceeds_are_the_one_functions(bid_cents, fee_bps, processing_bps, fixed_cents, minimum_cents):
    product = make_product()
    size = make_size(region="EU", value="42", standardized_value=Decimal("42"))
    make_price_source(product=product, size=size, price_cents=5000, source_name="Shop")
    make_price_source(product=product, size=size, source_type="stockx", price_type="highest_bid", price_cents=bid_cents)
    schedule = make_fee_schedule(
        platform=make_platform(code="stockx", seller_level=1),
        seller_level=1,
        valid_from=dt.date(2024, 1, 1),
        transaction_fee_bps=fee_bps,
        processing_fee_bps=processing_bps,
        fixed_fee_cents=fixed_cents,
        minimum_fee_cents=minimum_cents,
    )
    analytics_refresh(views=["profit_opportunities_mv"])

    # As a sale records it: the schedule's fees, then the one net proceeds function.
    platform_fee, processing_fee = schedule_fees(schedule, bid_cents)
    expected = net_proceeds_cents(
        sale_price_cents=bid_cents, platform_fee_cents=platform_fee, processing_fee_cents=processing_fee
    )
    assert ProfitOpportunity.objects.get(product=product).net_if_sold_now_cents == expected
