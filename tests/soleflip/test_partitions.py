"""Monthly partitions: made ahead, across year ends, and the DEFAULT net is emptied into them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from soleflip.db import PARTITIONED_TABLES
from soleflip.partitions import Month, create_month_partition, ensure_partitions, existing_partitions
from tests.factories import make_price_history

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
