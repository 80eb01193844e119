"""Backup and restore: a seeded database dumps, restores into a new one, and every table matches."""

from __future__ import annotations

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from demo.scale import scale_seed
from demo.seed import demo_seed
from soleflip.db.backup import table_fingerprints
from tests.factories import make_inventory, make_supplier_account, make_user


def _url(database: str) -> str:
    s = connection.settings_dict
    port = s.get("PORT") or s.get("OPTIONS", {}).get("port") or ""
    return psycopg.conninfo.make_conninfo(
        dbname=database,
        host=s.get("HOST") or "",
        port=str(port),
        user=s.get("USER") or "",
        password=s.get("PASSWORD") or "",
    )


@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_row_of_every_table(tmp_path):
    demo_seed()
    scale_seed(scale=2)
    make_inventory(supplier_account=make_supplier_account(user=make_user()))  # a row RLS would scope
    dump = tmp_path / "soleflip.dump"
    call_command("backup", str(dump))
    assert dump.stat().st_size > 10_000

    target = f"{connection.settings_dict['NAME']}_restored"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin.execute(f'CREATE DATABASE "{target}"')
    try:
        call_command("restore", str(dump), "--database", target)
        with connection.cursor() as cursor:
            original = table_fingerprints(cursor)
        with psycopg.connect(_url(target)) as restored:
            copy = table_fingerprints(restored.cursor())
        assert set(copy) == set(original)
        assert {t: v for t, v in copy.items() if v != original[t]} == {}
        assert original["products.inventory"][0] > 100 and original["integration.price_history_default"][0] == 0
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


@pytest.mark.django_db
def test_restore_names_a_missing_file():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", "/nowhere/soleflip.dump")
