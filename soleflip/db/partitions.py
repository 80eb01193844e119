"""Monthly range partitions for the high-volume tables (the review's sections 4.2.2, 4.2.3).

pg_partman is not available in the embedded server, so this small manager does what the
project needs: a partition per calendar month (UTC bounds), made ahead of time, with the
DEFAULT partition as a net whose rows move into the right month when that month's
partition is created, and months past the hot window detached into the ``archive`` schema.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from soleflip.db.schemas import PARTITIONED_TABLES, TABLE_SCHEMAS


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


@dataclass(frozen=True)
class PartitionAction:
    """One step of partition upkeep, printable before it is done (dry run)."""

    kind: str  # "create", "drain" or "archive"
    table: str
    partition: str
    rows: int = 0

    def __str__(self) -> str:
        schema = TABLE_SCHEMAS[self.table]
        if self.kind == "create":
            return f"create {schema}.{self.partition}"
        if self.kind == "drain":
            return f"move {self.rows} row(s) from {schema}.{self.table}_default into {schema}.{self.partition}"
        return f"archive {schema}.{self.partition} -> archive.{self.partition}"


def _partition_month(table: str, name: str) -> Month | None:
    suffix = name.removeprefix(f"{table}_")
    try:
        year, month = (int(part) for part in suffix.split("_"))
    except ValueError:
        return None  # the DEFAULT partition
    return Month(year, month)


def plan_upkeep(*, premake: int = 3, archive_after: int = 12, now: dt.datetime | None = None) -> list[PartitionAction]:
    """What upkeep would do now: months to create ahead, DEFAULT rows to move, months to archive.

    A partition is archived (detached from its table and moved to the ``archive`` schema,
    the review's 4.2.3) once its whole month is older than ``archive_after`` months.
    """
    current = Month.of(now or timezone.now().astimezone(dt.UTC))
    oldest_hot = current.plus(-archive_after)
    actions: list[PartitionAction] = []
    for table, column in PARTITIONED_TABLES.items():
        if not table_exists(table):
            continue
        schema = TABLE_SCHEMAS[table]
        present = {_partition_month(table, name) for _, name in existing_partitions(table)}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT date_trunc('month', \"{column}\" AT TIME ZONE 'UTC'), count(*) "
                f'FROM "{schema}"."{table}_default" GROUP BY 1 ORDER BY 1'
            )
            stranded = [(Month.of(row[0]), row[1]) for row in cursor.fetchall()]
        for month, rows in stranded:
            actions.append(PartitionAction("drain", table, partition_name(table, month), rows))
        for offset in range(premake + 1):
            month = current.plus(offset)
            if month not in present:
                actions.append(PartitionAction("create", table, partition_name(table, month)))
        archivable = {m for m in present if m is not None and m.plus(1).start <= oldest_hot.start}
        archivable |= {m for m, _ in stranded if m.plus(1).start <= oldest_hot.start}
        for month in sorted(archivable, key=lambda m: m.start):
            actions.append(PartitionAction("archive", table, partition_name(table, month)))
    return actions


def archive_partition(table: str, month: Month) -> None:
    """Detach one month from its table and move it into the ``archive`` schema."""
    schema, name = TABLE_SCHEMAS[table], partition_name(table, month)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{schema}"."{table}" DETACH PARTITION "{schema}"."{name}"')
        cursor.execute(f'ALTER TABLE "{schema}"."{name}" SET SCHEMA archive')


def apply_upkeep(actions: list[PartitionAction]) -> None:
    """Carry out a plan from ``plan_upkeep``, each step in its own transaction."""
    for action in actions:
        month = _partition_month(action.table, action.partition)
        assert month is not None
        if action.kind in ("create", "drain"):
            create_month_partition(action.table, month)
        else:
            archive_partition(action.table, month)
