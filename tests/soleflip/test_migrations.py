"""Migrations: reversible app by app on a database holding demo data, and flush leaves nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.operations import CreateModel
from django.db.migrations.state import ProjectState

from demo.seed import demo_seed
from soleflip.db.operations import InSchema
from soleflip.db.schemas import APP_SCHEMAS, TABLE_SCHEMAS


def existing_schemas(sql) -> set[str]:
    rows = sql("SELECT nspname FROM pg_namespace")
    return {r[0] for r in rows}


def row_counts(sql) -> dict[str, int]:
    return {table: sql(f'SELECT count(*) FROM "{schema}"."{table}"')[0][0] for table, schema in TABLE_SCHEMAS.items()}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("app", ["transactions", "pricing", "catalog", "accounts"])
def test_app_migrates_to_zero_and_back(app, sql):
    demo_seed()
    call_command("migrate", app, "zero", verbosity=0)
    assert existing_schemas(sql).isdisjoint(APP_SCHEMAS[app])
    call_command("migrate", verbosity=0)
    assert set(APP_SCHEMAS[app]) <= existing_schemas(sql)
    tables = {t for t, s in TABLE_SCHEMAS.items() if s in APP_SCHEMAS[app]}
    assert all(count == 0 for table, count in row_counts(sql).items() if table in tables)
    # The rebuilt schema takes the demo data again.
    demo_seed()


@pytest.mark.django_db(transaction=True)
def test_flush_leaves_every_schema_empty(sql):
    demo_seed()
    sql(
        "INSERT INTO integration.price_history (recorded_at, price_source_id, product_id, source_type, "
        "price_type, new_price_cents, currency, in_stock) "
        "VALUES ('2031-05-05', gen_random_uuid(), gen_random_uuid(), 'awin', 'retail', 1, 'EUR', true)"
    )
    assert sum(row_counts(sql).values()) > 0
    call_command("flush", "--no-input", verbosity=0)
    assert row_counts(sql) == dict.fromkeys(TABLE_SCHEMAS, 0)


@pytest.mark.django_db
def test_in_schema_refuses_a_non_atomic_migration():
    operation = InSchema("core", [CreateModel("Stray", fields=[])])
    with connection.schema_editor(atomic=False) as editor, pytest.raises(RuntimeError, match="atomic"):
        operation.database_forwards("catalog", editor, ProjectState(), ProjectState())


def test_in_schema_rejects_an_unknown_schema():
    with pytest.raises(ValueError, match="not one of the project's schemas"):
        InSchema("sales", [])
