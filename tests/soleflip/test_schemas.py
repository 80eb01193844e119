"""Guards: every table sits in the schema the review gives it, and nothing strays into public."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

from soleflip.db.schemas import ALL_SCHEMAS, APP_SCHEMAS, PARTITIONED_TABLES, TABLE_SCHEMAS, VIEW_SCHEMAS
from tests.conftest import plain_search_path

PROJECT_APPS = set(APP_SCHEMAS)
pytestmark = pytest.mark.django_db


def project_tables(*, managed: bool = True) -> dict[str, str]:
    """db_table -> app label of every project model (auto-created M2M tables included).

    Managed models are tables; unmanaged ones read materialized views.
    """
    return {
        model._meta.db_table: model._meta.app_label
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in PROJECT_APPS and model._meta.managed == managed
    }


def catalog_tables(sql, schemas: tuple[str, ...]) -> dict[str, str]:
    """Tables (plain and partitioned, not partitions) in the given schemas: name -> schema."""
    rows = sql(
        """
        SELECT c.relname, n.nspname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY(%s)
        """,
        [list(schemas)],
    )
    return dict(rows)


def test_table_map_covers_every_model_and_nothing_else():
    assert set(project_tables()) == set(TABLE_SCHEMAS)
    assert set(project_tables(managed=False)) == set(VIEW_SCHEMAS)


def test_table_map_puts_each_table_in_a_schema_of_its_own_app():
    relations = {**project_tables(), **project_tables(managed=False)}
    schemas = {**TABLE_SCHEMAS, **VIEW_SCHEMAS}
    for table, app_label in relations.items():
        assert schemas[table] in APP_SCHEMAS[app_label], table


def test_every_view_model_reads_a_materialized_view_in_its_schema(sql):
    rows = dict(sql("SELECT matviewname, schemaname FROM pg_matviews WHERE schemaname = ANY(%s)", [list(ALL_SCHEMAS)]))
    assert rows == VIEW_SCHEMAS


def test_every_project_table_is_in_its_schema(sql):
    in_db = catalog_tables(sql, (*ALL_SCHEMAS, "public"))
    for table, schema in TABLE_SCHEMAS.items():
        assert in_db.get(table) == schema, f"{table} is in {in_db.get(table)!r}, expected {schema!r}"


def test_no_project_table_in_public(sql):
    public = set(catalog_tables(sql, ("public",)))
    assert public.isdisjoint(TABLE_SCHEMAS)
    # What is left in public is Django's own bookkeeping and the job queue's tables.
    assert all(name.startswith(("django_", "auth_", "procrastinate_", "axes_")) for name in public), public


def test_app_schemas_hold_no_unexpected_tables(sql):
    unexpected = set(catalog_tables(sql, ALL_SCHEMAS)) - set(TABLE_SCHEMAS)
    assert unexpected == set()


def test_partitions_sit_beside_their_parent(sql):
    rows = sql(
        """
        SELECT p.relname, pn.nspname, c.relname, n.nspname
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
        WHERE p.relkind = 'p'
        """
    )
    parents = {parent for parent, _, _, _ in rows}
    assert parents == set(PARTITIONED_TABLES)
    for parent, parent_schema, child, child_schema in rows:
        assert child_schema == parent_schema, child
        assert child.startswith(f"{parent}_")


def test_no_functions_in_app_schemas(sql):
    # Trigger functions and extension functions belong in public: a function in an app
    # schema would block `migrate <app> zero` (DROP SCHEMA without CASCADE).
    rows = sql(
        "SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = ANY(%s)",
        [list(ALL_SCHEMAS)],
    )
    assert rows == []


def test_the_reviews_schemas_exist(sql):
    review = {"core", "products", "integration", "pricing", "analytics", "transactions", "platforms"}
    added = {"auth", "system", "archive"}  # review 1.2.7, 1.1 and 4.2.3
    assert set(ALL_SCHEMAS) == review | added
    rows = sql("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [list(ALL_SCHEMAS)])
    assert {r[0] for r in rows} == set(ALL_SCHEMAS)


def test_raw_sql_with_default_search_path_finds_qualified_tables():
    # psql or cron sessions do not have the app's search_path: qualified names must work.
    with connection.cursor() as cursor, plain_search_path(cursor):
        cursor.execute("SELECT count(*) FROM integration.price_sources, integration.price_history")
        assert cursor.fetchone() == (0,)
