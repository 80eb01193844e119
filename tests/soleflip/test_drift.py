"""Drift: the database has exactly the indexes and constraints the models declare."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from soleflip.db.schemas import APP_SCHEMAS, TABLE_SCHEMAS, VIEW_SCHEMAS

RELATION_SCHEMAS = {**TABLE_SCHEMAS, **VIEW_SCHEMAS}

pytestmark = pytest.mark.django_db


def project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in APP_SCHEMAS]


def declared_names(model: type[models.Model]) -> set[str]:
    return {i.name for i in model._meta.indexes} | {c.name for c in model._meta.constraints}


def db_objects(sql, table: str) -> tuple[set[str], dict[str, list[str]]]:
    """Constraint and index names on ``table``, and its unique indexes -> their columns."""
    schema = RELATION_SCHEMAS[table]
    constraints = {
        r[0]
        for r in sql(
            "SELECT con.conname FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = %s AND n.nspname = %s",
            [table, schema],
        )
    }
    rows = sql(
        """
        SELECT ic.relname, ix.indisunique, ix.indisprimary,
               array(SELECT a.attname FROM unnest(ix.indkey) k JOIN pg_attribute a
                     ON a.attrelid = c.oid AND a.attnum = k ORDER BY a.attname)
        FROM pg_index ix
        JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_class ic ON ic.oid = ix.indexrelid
        WHERE c.relname = %s AND n.nspname = %s
        """,
        [table, schema],
    )
    indexes = {r[0] for r in rows}
    unique = {r[0]: r[3] for r in rows if r[1] and not r[2]}
    return constraints | indexes, unique


def allowed_unique_column_sets(model: type[models.Model]) -> list[list[str]]:
    """Unique column sets Django creates from field options rather than named constraints."""
    sets = [[f.column] for f in model._meta.local_fields if f.unique and not f.primary_key]
    for fields in model._meta.unique_together:
        sets.append(sorted(str(model._meta.get_field(name).column) for name in fields))  # type: ignore[union-attr]
    return sets


@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.db_table)
def test_declared_indexes_and_constraints_exist_by_name(sql, model):
    names, _ = db_objects(sql, model._meta.db_table)
    missing = declared_names(model) - names
    assert missing == set(), f"{model._meta.db_table}: declared but not in the database: {missing}"


@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.db_table)
def test_no_unique_constraint_the_model_does_not_declare(sql, model):
    _, unique = db_objects(sql, model._meta.db_table)
    declared = declared_names(model)
    allowed = allowed_unique_column_sets(model)
    stray = {name: cols for name, cols in unique.items() if name not in declared and sorted(cols) not in allowed}
    assert stray == {}, f"{model._meta.db_table}: unique indexes no model declares: {stray}"


def test_declared_names_follow_the_naming_rule():
    for model in project_models():
        for name in declared_names(model):
            assert name.startswith(("idx_", "uq_", "chk_", "excl_")), name
            assert len(name) <= 63, name


def test_makemigrations_finds_no_model_change():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
