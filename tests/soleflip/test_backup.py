"""Backup and restore: a seeded database dumps, restores into a new one, and every table matches."""

from __future__ import annotations

import io

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from demo.scale import scale_seed
from demo.seed import demo_seed
from soleflip.db.backup import regrant, table_fingerprints
from soleflip.db.roles import RoleNames
from tests.database import conninfo
from tests.factories import make_inventory, make_supplier_account, make_user


@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_row_of_every_table(tmp_path):
    demo_seed()
    scale_seed(scale=2)
    make_inventory(supplier_account=make_supplier_account(user=make_user()))  # a row RLS would scope
    dump = tmp_path / "soleflip.dump"
    call_command("backup", str(dump))
    assert dump.stat().st_size > 10_000

    target = f"{connection.settings_dict['NAME']}_restored"
    roles = RoleNames.with_prefix("restore_check")
    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin.execute(f'CREATE DATABASE "{target}"')
        for role in (roles.owner, roles.app, roles.readonly, roles.analytics):
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')
            admin.execute(f'CREATE ROLE "{role}"')
    try:
        out = io.StringIO()
        call_command("restore", str(dump), "--database", target, "--roles-prefix", "restore_check", stdout=out)
        assert "restore_check_app and the other roles have their grants" in out.getvalue()
        with connection.cursor() as cursor:
            original = table_fingerprints(cursor)
        with psycopg.connect(conninfo(target)) as restored:
            copy = table_fingerprints(restored.cursor())
        assert set(copy) == set(original)
        assert {t: v for t, v in copy.items() if v != original[t]} == {}
        assert original["products.inventory"][0] > 100 and original["integration.price_history_default"][0] == 0
        # The restored database is the roles' again: a dump carries no owners or grants.
        with psycopg.connect(conninfo(target)) as restored:
            owner, may_write = restored.execute(
                "SELECT tableowner, has_table_privilege('restore_check_app', 'products.inventory', 'SELECT,INSERT') "
                "FROM pg_tables WHERE schemaname = 'products' AND tablename = 'inventory'"
            ).fetchone()  # type: ignore[misc]
        assert (owner, may_write) == ("restore_check_owner", True)
    finally:
        with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
            for role in (roles.app, roles.readonly, roles.analytics, roles.owner):
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.mark.django_db
def test_without_the_roles_a_restore_says_what_to_run():
    assert regrant("any_database", RoleNames.with_prefix("nobody_made_these")) is False


@pytest.mark.django_db
def test_restore_names_a_missing_file():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", "/nowhere/soleflip.dump")
