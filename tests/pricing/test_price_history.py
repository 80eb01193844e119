"""Price history is written by triggers, whichever path writes a price."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import AuditLog
from pricing.models import PRICE_SOURCE_COLUMNS, PriceHistory, PriceSource
from soleflip.db.acting_user import acting_user
from tests.conftest import plain_search_path
from tests.factories import make_price_source, make_product, make_size, make_user

pytestmark = pytest.mark.django_db


def history(source: PriceSource) -> list[tuple[int | None, int, bool]]:
    rows = PriceHistory.objects.filter(price_source_id=source.pk).order_by("recorded_at", "old_price_cents")
    return [(h.old_price_cents, h.new_price_cents, h.in_stock) for h in rows]


def test_insert_writes_the_first_price():
    source = make_price_source(price_cents=12999)
    assert history(source) == [(None, 12999, True)]
    row = PriceHistory.objects.get(price_source_id=source.pk)
    assert (row.product_id, row.size_id, row.source_type, row.currency) == (source.product_id, None, "awin", "EUR")


def test_model_save_writes_a_change_and_skips_a_non_change():
    source = make_price_source(price_cents=12999)
    source.price_cents = 11999
    source.save()
    source.source_name = "renamed merchant"  # not a price or stock change
    source.save()
    assert history(source) == [(None, 12999, True), (12999, 11999, True)]


def test_queryset_update_writes_history():
    sources = [make_price_source(price_cents=10000) for _ in range(3)]
    PriceSource.objects.filter(pk__in=[s.pk for s in sources[:2]]).update(in_stock=False)
    assert history(sources[0])[-1] == (10000, 10000, False)
    assert history(sources[2]) == [(None, 10000, True)]


def test_bulk_create_upsert_writes_history_only_for_changed_rows():
    product, size = make_product(), make_size()
    key = {"product": product, "size": size, "source_type": "stockx", "price_type": "lowest_ask", "source_name": "x"}

    def rows(a_cents: int, b_cents: int) -> list[PriceSource]:
        return [
            PriceSource(**key, source_product_id="a", price_cents=a_cents),
            PriceSource(**key, source_product_id="b", price_cents=b_cents),
        ]

    PriceSource.objects.bulk_create(rows(20000, 21000))
    PriceSource.objects.bulk_create(
        rows(19500, 21000),
        update_conflicts=True,
        unique_fields=["product", "size", "source_type", "source_product_id", "price_type"],
        update_fields=["price_cents"],
    )
    a = PriceSource.objects.get(source_product_id="a")
    b = PriceSource.objects.get(source_product_id="b")
    assert history(a) == [(None, 20000, True), (20000, 19500, True)]
    assert history(b) == [(None, 21000, True)]


def test_raw_sql_update_with_default_search_path_writes_history():
    source = make_price_source(price_cents=5000, stock_quantity=3)
    with connection.cursor() as cursor, plain_search_path(cursor):
        cursor.execute("UPDATE integration.price_sources SET stock_quantity = 2 WHERE id = %s", [source.pk])
    row = PriceHistory.objects.filter(price_source_id=source.pk).order_by("-recorded_at", "-old_price_cents").first()
    assert row is not None and (row.old_price_cents, row.new_price_cents, row.stock_quantity) == (5000, 5000, 2)


def test_copy_and_guarded_upsert_write_history_for_new_and_changed_rows_only():
    product, size = make_product(), make_size()
    unchanged = make_price_source(product=product, size=size, source_product_id="same", price_cents=100)
    changed = make_price_source(product=product, size=size, source_product_id="moves", price_cents=200)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE staging (source_product_id text, price_cents int) ON COMMIT DROP")
        with cursor.copy("COPY staging (source_product_id, price_cents) FROM STDIN") as copy:
            for row in [("same", 100), ("moves", 150), ("fresh", 300)]:
                copy.write_row(row)
        cursor.execute(
            """
            INSERT INTO integration.price_sources
                (product_id, size_id, source_type, source_product_id, source_name, price_type, price_cents,
                 currency, in_stock, source_url, affiliate_link, metadata)
            SELECT %s, %s, 'awin', source_product_id, 'feed', 'retail', price_cents, 'EUR', true, '', '', '{}'
            FROM staging
            ON CONFLICT (product_id, size_id, source_type, source_product_id, price_type) DO UPDATE
                SET price_cents = EXCLUDED.price_cents
                WHERE (price_sources.price_cents) IS DISTINCT FROM (EXCLUDED.price_cents)
            """,
            [product.pk, size.pk],
        )
    fresh = PriceSource.objects.get(source_product_id="fresh")
    assert history(unchanged) == [(None, 100, True)]
    assert history(changed) == [(None, 200, True), (200, 150, True)]
    assert history(fresh) == [(None, 300, True)]


def test_admin_save_writes_history(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    source = make_price_source(price_cents=8000, source_url="https://shop.example/p")
    url = f"/admin/pricing/pricesource/{source.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"product": source.product_id, "price_cents": "75.00", "metadata": "{}"})
    data.update({"last_updated_0": "", "last_updated_1": ""})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert history(source)[-1] == (8000, 7500, True)


def test_history_records_who_changed_the_price():
    user = make_user()
    source = make_price_source(price_cents=9000)
    with acting_user(user.pk):
        PriceSource.objects.filter(pk=source.pk).update(price_cents=8500, in_stock=False)
    rows = PriceHistory.objects.filter(price_source_id=source.pk).order_by("recorded_at")
    assert [(h.new_price_cents, h.changed_by) for h in rows] == [(9000, None), (8500, user.pk)]


def test_the_price_history_screen_shows_who_changed_the_price(client):
    author = make_user(email="buyer@example.org")
    source = make_price_source(price_cents=9000)
    with acting_user(author.pk):
        PriceSource.objects.filter(pk=source.pk).update(price_cents=8500)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/pricing/pricehistory/?q={source.pk}").content.decode()
    assert "buyer@example.org" in page


def audit_updates(source: PriceSource) -> list[AuditLog]:
    return list(AuditLog.objects.filter(table_name="price_sources", record_id=source.pk, operation="UPDATE"))


def test_a_price_or_stock_change_is_left_to_price_history_not_the_audit_log():
    source = make_price_source(price_cents=9000, stock_quantity=3)
    PriceSource.objects.filter(pk=source.pk).update(
        price_cents=8500, stock_quantity=2, in_stock=False, last_updated=timezone.now(), updated_at=timezone.now()
    )
    assert audit_updates(source) == []
    assert history(source)[-1] == (9000, 8500, False)


def test_the_audit_trigger_compares_every_column_of_the_table():
    # The trigger compares the columns price history does not record one by one: a column
    # added to the model must join the list, or its changes would go unaudited.
    assert sorted(PRICE_SOURCE_COLUMNS) == sorted(f.column for f in PriceSource._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'integration' AND table_name = 'price_sources'"
        )
        assert sorted(PRICE_SOURCE_COLUMNS) == sorted(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("column", "value"),
    [("source_url", "https://shop.example/b"), ("source_name", "another shop"), ("metadata", {"k": 1})],
)
def test_a_change_of_any_untracked_column_is_audited(column, value):
    source = make_price_source(price_cents=9000, source_url="https://shop.example/a")
    PriceSource.objects.filter(pk=source.pk).update(**{column: value})
    [entry] = audit_updates(source)
    assert entry.new_values is not None and entry.new_values[column] == value


def test_any_other_change_is_audited_with_the_whole_row_price_included():
    user = make_user()
    source = make_price_source(price_cents=9000, source_url="https://shop.example/a")
    with acting_user(user.pk):
        PriceSource.objects.filter(pk=source.pk).update(price_cents=8000, source_url="https://shop.example/b")
    [entry] = audit_updates(source)
    assert entry.changed_by == user.pk
    assert entry.old_values is not None and entry.new_values is not None
    assert (entry.old_values["source_url"], entry.new_values["source_url"]) == (
        "https://shop.example/a",
        "https://shop.example/b",
    )
    assert (entry.old_values["price_cents"], entry.new_values["price_cents"]) == (9000, 8000)


def hot_updates() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = 'integration.price_sources'::regclass"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def test_a_price_change_is_a_hot_update_and_still_writes_history():
    source = make_price_source(price_cents=9000)
    before = hot_updates()
    PriceSource.objects.filter(pk=source.pk).update(price_cents=8900, updated_at=timezone.now())
    assert hot_updates() == before + 1  # no index holds the price: no index entry written
    assert history(source)[-1] == (9000, 8900, True)
    # A stock change moves the row in and out of the retail index: not HOT, still recorded.
    PriceSource.objects.filter(pk=source.pk).update(in_stock=False)
    assert hot_updates() == before + 1
    assert history(source)[-1] == (8900, 8900, False)


def test_history_rows_land_in_the_month_partition(sql):
    make_price_source()
    month = timezone.now().astimezone(dt.UTC).strftime("%Y_%m")
    assert sql(f"SELECT count(*) FROM integration.price_history_{month}")[0][0] == 1
    assert sql("SELECT count(*) FROM integration.price_history_default")[0][0] == 0
