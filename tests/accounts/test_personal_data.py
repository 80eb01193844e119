"""The registry of personal data: every text field of every installed model is classified, and only real ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts import personal_data
from accounts.personal_data import (
    NOT_PERSONAL,
    OWN_ROW,
    PERSONAL,
    SUBJECTS,
    TABLES_WITHOUT_MODELS,
    Treatment,
    all_models,
    classify,
    inventory_markdown,
    stale_entries,
    unclassified,
)
from soleflip.db.schemas import PARTITIONED_TABLES


def test_every_text_field_of_every_installed_model_is_classified():
    """A new text field (ours, Django's or a third-party app's) must say whether it is personal, and how it is erased."""
    assert unclassified() == []


def test_the_guard_finds_a_field_left_out(monkeypatch):
    account = dict(PERSONAL["catalog.SupplierAccount"])
    del account["phone"]
    monkeypatch.setitem(PERSONAL, "catalog.SupplierAccount", account)
    monkeypatch.setitem(NOT_PERSONAL, "auth.Group", ("", frozenset()))
    assert sorted(unclassified()) == [
        "auth.Group.name",
        "catalog.HistoricalSupplierAccount.phone",
        "catalog.SupplierAccount.phone",
    ]


def test_the_registry_names_only_text_fields_that_exist(monkeypatch):
    assert stale_entries() == []
    monkeypatch.setitem(NOT_PERSONAL, "catalog.Brand", ("brand names", frozenset({"name", "slug", "motto"})))
    monkeypatch.setitem(PERSONAL, "catalog.Gone", {})
    assert sorted(stale_entries()) == ["catalog.Brand.motto", "catalog.Gone"]


def test_history_tables_are_classified_as_their_models():
    from catalog.models import SupplierAccount

    history = SupplierAccount.history.model
    assert classify(history, "phone") is PERSONAL["catalog.SupplierAccount"]["phone"]
    assert classify(history, "history_change_reason").treatment is Treatment.SCRUB  # type: ignore[union-attr]
    assert isinstance(classify(history, "history_type"), str)


def test_own_row_treatments_sit_on_the_subjects_only_and_owners_are_users():
    with_own = {label for label, fields in PERSONAL.items() if any(p.treatment in OWN_ROW for p in fields.values())}
    assert with_own == set(SUBJECTS)
    for model in all_models():
        for field in model._meta.concrete_fields:
            entry = classify(model, field.name)
            if isinstance(entry, personal_data.Personal) and entry.owner:
                owner = model._meta.get_field(entry.owner)
                assert owner.related_model._meta.label == settings.AUTH_USER_MODEL  # type: ignore[union-attr]


def test_the_encrypted_fields_are_classified_and_bank_details_are_destroyed():
    from soleflip.db.crypto import encrypted_fields

    for model, field in encrypted_fields():
        assert classify(model, field.name) is not None
    assert PERSONAL["catalog.SupplierAccount"]["bank_details_encrypted"].treatment is Treatment.DESTROY


@pytest.mark.django_db
def test_every_text_column_in_the_database_belongs_to_a_classified_field():
    """Tables made by SQL or by third-party apps, and archived months, are covered too."""
    fields: dict[tuple[str, str], str] = {}
    for model in all_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, personal_data.TEXT_FIELDS):
                fields[(model._meta.db_table, field.column)] = f"{model._meta.label}.{field.name}"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, c.relname, a.attname
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
              AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
              AND a.atttypid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype, 'jsonb'::regtype,
                                 'json'::regtype, 'inet'::regtype, 'bytea'::regtype)
            """
        )
        columns = cursor.fetchall()
    assert len(columns) > 200
    unknown = []
    for schema, table, column in columns:
        parent = table[:-8] if schema == "archive" and table[:-8] in PARTITIONED_TABLES else table
        if f"{schema}.{table}" not in TABLES_WITHOUT_MODELS and (parent, column) not in fields:
            unknown.append(f"{schema}.{table}.{column}")
    assert unknown == []


def test_docs_show_the_registry():
    text = (Path(__file__).resolve().parents[2] / "docs" / "gdpr.md").read_text()
    assert inventory_markdown() in text
