"""Monthly range partitions for the high-volume tables (the review's section 4.2.2).

pg_partman is not available in the embedded server, so this small manager does what the
project needs: a partition per calendar month (UTC bounds), made ahead of time, with the
DEFAULT partition as a net whose rows move into the right month when that month's
partition is created.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from soleflip.db import PARTITIONED_TABLES, TABLE_SCHEMAS


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: dt.datetime | dt.date) -> Month:
        return cls(moment.year, moment.month)

    def plus(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=dt.UTC)

    @property
    def suffix(self) -> str:
        return f"{self.year:04d}_{self.month:02d}"


def partition_name(table: str, month: Month) -> str:
    return f"{table}_{month.suffix}"


def existing_partitions(table: str) -> list[tuple[str, str]]:
    """Return (schema, name) of every partition attached to ``table``, DEFAULT included."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, c.relname
            FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_class p ON p.oid = i.inhparent
            JOIN pg_namespace pn ON pn.oid = p.relnamespace
            WHERE p.relname = %s AND pn.nspname = %s
            ORDER BY c.relname
            """,
            [table, TABLE_SCHEMAS[table]],
        )
        return [(row[0], row[1]) for row in cursor.fetchall()]


def table_exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{TABLE_SCHEMAS[table]}.{table}"])
        row = cursor.fetchone()
    return bool(row and row[0])


def create_month_partition(table: str, month: Month) -> bool:
    """Create ``table``'s partition for ``month`` unless it exists; return whether it was made.

    Rows already sitting in the DEFAULT partition for that month are moved into the new one
    in the same transaction, so nothing is lost and the attach cannot fail on them.
    """
    schema, column = TABLE_SCHEMAS[table], PARTITIONED_TABLES[table]
    name = partition_name(table, month)
    if (schema, name) in existing_partitions(table):
        return False
    lower, upper = month.start, month.plus(1).start
    qualified = f'"{schema}"."{name}"'
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE {qualified} (LIKE "{schema}"."{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
        cursor.execute(
            f'WITH moved AS (DELETE FROM "{schema}"."{table}_default" '
            f'WHERE "{column}" >= %s AND "{column}" < %s RETURNING *) '
            f"INSERT INTO {qualified} SELECT * FROM moved",
            [lower, upper],
        )
        cursor.execute(
            f'ALTER TABLE "{schema}"."{table}" ATTACH PARTITION {qualified} '
            f"FOR VALUES FROM ('{lower.isoformat()}') TO ('{upper.isoformat()}')"
        )
    return True


def ensure_partitions(*, months_ahead: int = 3, now: dt.datetime | None = None) -> list[str]:
    """Make sure every partitioned table has partitions from this month to ``months_ahead``."""
    current = Month.of(now or timezone.now().astimezone(dt.UTC))
    created = []
    for table in PARTITIONED_TABLES:
        if not table_exists(table):
            continue  # its app is migrated down
        for offset in range(months_ahead + 1):
            month = current.plus(offset)
            if create_month_partition(table, month):
                created.append(partition_name(table, month))
    return created
