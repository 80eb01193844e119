"""Monthly partitions: made ahead, across year ends, and the DEFAULT net is emptied into them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pricing.models import PriceHistory
from soleflip.db.partitions import (
    Month,
    apply_upkeep,
    create_month_partition,
    ensure_partitions,
    existing_partitions,
    plan_upkeep,
)
from soleflip.db.schemas import PARTITIONED_TABLES
from tests.factories import make_price_history, make_system_log

pytestmark = pytest.mark.django_db


def test_month_arithmetic_crosses_year_ends():
    assert Month(2026, 12).plus(1) == Month(2027, 1)
    assert Month(2027, 1).plus(-1) == Month(2026, 12)
    assert Month(2026, 11).plus(14) == Month(2028, 1)
    assert Month(2026, 12).start == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def test_migrate_leaves_this_month_and_three_ahead():
    this_month = Month.of(timezone.now().astimezone(dt.UTC))
    for table in PARTITIONED_TABLES:
        names = {name for _, name in existing_partitions(table)}
        assert f"{table}_default" in names
        for offset in range(4):
            assert f"{table}_{this_month.plus(offset).suffix}" in names


def test_ensure_partitions_over_a_year_end_creates_the_new_year():
    created = ensure_partitions(months_ahead=3, now=dt.datetime(2030, 11, 15, tzinfo=dt.UTC))
    for table in PARTITIONED_TABLES:
        assert {f"{table}_2030_11", f"{table}_2030_12", f"{table}_2031_01", f"{table}_2031_02"} <= set(created)
    assert ensure_partitions(months_ahead=3, now=dt.datetime(2030, 11, 15, tzinfo=dt.UTC)) == []


def test_rows_in_the_default_partition_move_into_a_new_month(sql):
    stray = make_price_history(recorded_at=dt.datetime(2032, 1, 31, 23, 59, tzinfo=dt.UTC))
    make_price_history(recorded_at=dt.datetime(2032, 2, 1, tzinfo=dt.UTC))  # next month stays put
    assert sql("SELECT count(*) FROM integration.price_history_default")[0][0] == 2

    assert create_month_partition("price_history", Month(2032, 1)) is True

    assert sql("SELECT id FROM integration.price_history_2032_01") == [(stray.id,)]
    assert sql("SELECT count(*) FROM integration.price_history_default")[0][0] == 1
    assert sql("SELECT count(*) FROM integration.price_history")[0][0] == 2
    assert create_month_partition("price_history", Month(2032, 1)) is False


def test_a_month_partition_takes_only_its_month(sql):
    create_month_partition("audit_log", Month(2033, 3))
    bounds = sql("SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.relname = 'audit_log_2033_03'")[0][
        0
    ]
    assert "2033-03-01" in bounds and "2033-04-01" in bounds


def _names(sql, schema: str) -> set[str]:
    return {r[0] for r in sql("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])}


def test_upkeep_archives_months_past_the_window_across_a_year_end(sql):
    for month in (Month(2025, 11), Month(2025, 12), Month(2026, 1)):
        create_month_partition("price_history", month)
    old = make_price_history(recorded_at=dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC))

    actions = plan_upkeep(premake=3, archive_after=12, now=dt.datetime(2027, 1, 15, tzinfo=dt.UTC))
    planned = [str(a) for a in actions if a.table == "price_history"]
    assert "archive integration.price_history_2025_11 -> archive.price_history_2025_11" in planned
    assert "archive integration.price_history_2025_12 -> archive.price_history_2025_12" in planned
    assert not any("2026_01 ->" in line for line in planned)  # Jan 2026 is within 12 months of Jan 2027
    assert "create integration.price_history_2027_04" in planned

    apply_upkeep(actions)
    assert {"price_history_2025_11", "price_history_2025_12"} <= _names(sql, "archive")
    assert "price_history_2026_01" in _names(sql, "integration")
    assert not PriceHistory.objects.filter(pk=old.pk).exists()  # detached: no longer in the live table
    assert sql("SELECT count(*) FROM archive.price_history_2025_12")[0][0] == 1
    assert plan_upkeep(premake=3, archive_after=12, now=dt.datetime(2027, 1, 15, tzinfo=dt.UTC)) == []


def test_upkeep_moves_stranded_default_rows_into_their_month(sql):
    make_system_log(created_at=dt.datetime(2031, 3, 3, tzinfo=dt.UTC))
    actions = plan_upkeep(premake=0, archive_after=12, now=dt.datetime(2031, 5, 1, tzinfo=dt.UTC))
    assert "move 1 row(s) from system.logs_default into system.logs_2031_03" in [str(a) for a in actions]
    apply_upkeep(actions)
    assert sql("SELECT count(*) FROM system.logs_2031_03")[0][0] == 1
    assert sql("SELECT count(*) FROM system.logs_default")[0][0] == 0


def test_manage_partitions_is_a_dry_run_unless_committed(sql, capsys):
    before = _names(sql, "integration")
    call_command("manage_partitions", "--premake", "30")
    out = capsys.readouterr().out
    assert "Dry run:" in out and "create integration.price_history_" in out
    assert _names(sql, "integration") == before
    call_command("manage_partitions", "--premake", "30", "--commit")
    assert len(_names(sql, "integration") - before) >= 26
    call_command("manage_partitions", "--premake", "30")
    assert "Partitions are up to date." in capsys.readouterr().out


def test_manage_partitions_refuses_nonsense_windows():
    with pytest.raises(CommandError, match="--archive-after 1 or more"):
        call_command("manage_partitions", "--archive-after", "0")
