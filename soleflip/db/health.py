"""Database health: the review's monitoring queries (section 11.2 and 4.3) and the product's own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from soleflip.db import locks
from soleflip.db.schemas import PARTITIONED_TABLES, TABLE_SCHEMAS


def _rows(sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        names = [c.name for c in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def slowest_statements(limit: int = 10) -> dict[str, Any]:
    """Top statements by mean time (pg_stat_statements), or why they cannot be shown."""
    try:
        with transaction.atomic():
            _ensure_pg_stat_statements()
            rows = _rows(
                "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query, calls, "
                "round(mean_exec_time::numeric, 2) AS mean_ms, round(total_exec_time::numeric, 1) AS total_ms "
                "FROM pg_stat_statements ORDER BY mean_exec_time DESC LIMIT %s",
                [limit],
            )
        return {"available": True, "rows": rows}
    except DatabaseError as exc:
        return {
            "available": False,
            "rows": [],
            "why": f"pg_stat_statements is not available ({str(exc).splitlines()[0]}); add it to "
            "shared_preload_libraries and run CREATE EXTENSION pg_stat_statements (docs/database/performance-tuning.md)",
        }


def _ensure_pg_stat_statements() -> None:
    # The extension needs the library preloaded (pg_tune sets it) and a superuser to create it;
    # where both hold it is made on first use, elsewhere the report says what to do.
    preloaded = _rows("SELECT current_setting('shared_preload_libraries') AS libs")[0]["libs"]
    if "pg_stat_statements" in preloaded:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")


def unused_indexes() -> list[dict[str, Any]]:
    return _rows(
        "SELECT s.schemaname AS schema, s.relname AS table, s.indexrelname AS index, s.idx_scan AS scans, "
        "pg_size_pretty(pg_relation_size(s.indexrelid)) AS size "
        "FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid "
        "WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary "
        "AND s.schemaname NOT IN ('pg_catalog', 'pg_toast') ORDER BY pg_relation_size(s.indexrelid) DESC LIMIT 20"
    )


def largest_tables(limit: int = 10) -> list[dict[str, Any]]:
    """Biggest tables with their index share and dead rows (a bloat indicator: VACUUM reclaims them)."""
    return _rows(
        "SELECT n.nspname AS schema, c.relname AS table, pg_size_pretty(pg_total_relation_size(c.oid)) AS total, "
        "pg_size_pretty(pg_indexes_size(c.oid)) AS indexes, c.reltuples::bigint AS rows_estimate, "
        "coalesce(s.n_dead_tup, 0) AS dead_rows, "
        "round(100.0 * coalesce(s.n_dead_tup, 0) / greatest(c.reltuples::numeric + coalesce(s.n_dead_tup, 0), 1), 1) "
        "AS dead_pct "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
        "WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
        "ORDER BY pg_total_relation_size(c.oid) DESC LIMIT %s",
        [limit],
    )


def connection_role() -> dict[str, Any]:
    """The role the application connects as, and whether row-level security applies to it."""
    row = _rows(
        "SELECT current_user AS role, rolsuper AS superuser, rolbypassrls AS bypassrls "
        "FROM pg_roles WHERE rolname = current_user"
    )[0]
    row["row_security_applies"] = not (row["superuser"] or row["bypassrls"])
    return row


def role_problem(role: dict[str, Any]) -> str | None:
    """Why a connection role is wrong for the application, or None."""
    if role["row_security_applies"]:
        return None
    what = "a superuser" if role["superuser"] else "a role with BYPASSRLS"
    return (
        f"the application connects as {role['role']}, {what}: row-level security does not apply, so every "
        "user sees and changes everyone's pairs and orders; connect as the runtime role "
        "(manage.py create_db_roles; docs/security/database-roles.md)"
    )


def connections() -> dict[str, Any]:
    row = _rows(
        "SELECT count(*) AS active, s.max_val AS max_connections, round(100.0 * count(*) / s.max_val, 1) AS usage_pct "
        "FROM pg_stat_activity, (SELECT setting::int AS max_val FROM pg_settings WHERE name = 'max_connections') s "
        "WHERE datname = current_database() GROUP BY s.max_val"
    )
    return row[0] if row else {}


def view_freshness() -> list[dict[str, Any]]:
    now = timezone.now()
    rows = _rows("SELECT view_name, refreshed_at, duration_ms, row_count FROM analytics.view_refreshes ORDER BY 1")
    for row in rows:
        row["age_minutes"] = int((now - row["refreshed_at"]).total_seconds() // 60)
        row["refreshed_at"] = row["refreshed_at"].isoformat()
    return rows


def partitions() -> list[dict[str, Any]]:
    """Per partitioned table: months ready ahead, rows stranded in DEFAULT, months attached."""
    from soleflip.db.partitions import Month, existing_partitions

    this_month = Month.of(timezone.now().astimezone(dt.UTC))
    out = []
    for table in PARTITIONED_TABLES:
        schema = TABLE_SCHEMAS[table]
        names = {name for _, name in existing_partitions(table)}
        ahead = 0
        while f"{table}_{this_month.plus(ahead + 1).suffix}" in names:
            ahead += 1
        stranded = _rows(f'SELECT count(*) AS n FROM "{schema}"."{table}_default"')[0]["n"]
        out.append(
            {
                "table": f"{schema}.{table}",
                "months_attached": len(names) - 1,
                "this_month_ready": f"{table}_{this_month.suffix}" in names,
                "months_ahead": ahead,
                "rows_in_default": stranded,
                "ok": ahead >= 1 and stranded == 0 and f"{table}_{this_month.suffix}" in names,
            }
        )
    return out


def last_imports(limit: int = 10) -> list[dict[str, Any]]:
    rows = _rows(
        "SELECT file_name, kind, status, rows_read, rows_created, rows_updated, rows_unchanged, rows_failed, created_at "
        "FROM integration.import_runs ORDER BY created_at DESC LIMIT %s",
        [limit],
    )
    for row in rows:
        row["created_at"] = row["created_at"].isoformat()
    return rows


def abandoned_imports() -> list[dict[str, Any]]:
    """Import runs still "running" whose process has ended (nobody holds their liveness lock)."""
    held = locks.import_run_held_sql("id")
    rows = _rows(
        f"SELECT file_name, kind, COALESCE(started_at, created_at) AS started_at FROM integration.import_runs WHERE status = 'running' AND NOT {held} "
        "ORDER BY started_at"
    )
    for row in rows:
        row["started_at"] = row["started_at"].isoformat()
    return rows


def failed_jobs(days: int = 7) -> list[dict[str, Any]]:
    return _rows(
        "SELECT j.id, j.task_name, j.queue_name, j.status, max(e.at) AS at FROM procrastinate_jobs j "
        "LEFT JOIN procrastinate_events e ON e.job_id = j.id "
        "WHERE j.status = 'failed' GROUP BY j.id HAVING max(e.at) IS NULL OR max(e.at) > now() - make_interval(days => %s) "
        "ORDER BY max(e.at) DESC NULLS LAST LIMIT 20",
        [days],
    )


def health_report() -> dict[str, Any]:
    report = {
        "generated_at": timezone.now().isoformat(),
        "connections": connections(),
        "role": connection_role(),
        "slowest_statements": slowest_statements(),
        "unused_indexes": unused_indexes(),
        "largest_tables": largest_tables(),
        "views": view_freshness(),
        "partitions": partitions(),
        "last_imports": last_imports(),
        "abandoned_imports": abandoned_imports(),
        "failed_jobs": failed_jobs(),
    }
    report["problems"] = problems(report)
    return report


def problems(report: dict[str, Any]) -> list[str]:
    """What an operator should look at now."""
    found = []
    if problem := role_problem(report["role"]):
        found.append(problem)
    usage = report["connections"].get("usage_pct") or 0
    if usage >= 80:
        found.append(f"connections at {usage}% of max_connections")
    for view in report["views"]:
        if view["age_minutes"] > 15:
            found.append(
                f"{view['view_name']} last refreshed {view['age_minutes']} minutes ago (is the worker running?)"
            )
    for part in report["partitions"]:
        if not part["ok"]:
            found.append(f"{part['table']}: partitions need upkeep (manage.py manage_partitions --commit)")
    if report["abandoned_imports"]:
        found.append(
            f"{len(report['abandoned_imports'])} import run(s) left running by a process that ended "
            "(marked failed when the worker or the web server starts)"
        )
    if report["failed_jobs"]:
        found.append(f"{len(report['failed_jobs'])} failed background job(s) this week")
    return found
