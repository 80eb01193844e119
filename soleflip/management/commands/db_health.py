import json
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from soleflip.db.health import health_report


def _default(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else str(value)


class Command(BaseCommand):
    help = (
        "Database health: slowest statements, unused indexes, largest tables and dead rows, connections, "
        "analytics freshness, partitions, last imports, failed jobs. --json for machines."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = health_report()
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, default=_default))
            return
        c = report["connections"]
        self.stdout.write(self.style.MIGRATE_HEADING("Connections"))
        self.stdout.write(f"  {c.get('active')} of {c.get('max_connections')} ({c.get('usage_pct')}%)")
        role = report["role"]
        applies = "applies" if role["row_security_applies"] else "does NOT apply"
        self.stdout.write(f"  as {role['role']}: row-level security {applies}")
        self._table("Slowest statements (mean)", report["slowest_statements"]["rows"], ["mean_ms", "calls", "query"])
        if not report["slowest_statements"]["available"]:
            self.stdout.write(f"  {report['slowest_statements']['why']}")
        self._table(
            "Largest tables",
            report["largest_tables"],
            ["schema", "table", "total", "indexes", "rows_estimate", "dead_pct"],
        )
        self._table(
            "Unused indexes (no scans since statistics reset)",
            report["unused_indexes"],
            ["schema", "table", "index", "size"],
        )
        self._table("Analytics views", report["views"], ["view_name", "age_minutes", "row_count", "duration_ms"])
        self._table(
            "Partitions", report["partitions"], ["table", "months_attached", "months_ahead", "rows_in_default", "ok"]
        )
        self._table(
            "Last imports",
            report["last_imports"],
            ["created_at", "kind", "status", "file_name", "rows_read", "rows_failed"],
        )
        self._table(
            "Imports left running by a process that ended",
            report["abandoned_imports"],
            ["started_at", "kind", "file_name"],
        )
        self._table("Failed jobs (7 days)", report["failed_jobs"], ["at", "task_name", "queue_name"])
        self.stdout.write(self.style.MIGRATE_HEADING("Problems"))
        for problem in report["problems"] or ["none"]:
            self.stdout.write(f"  {problem}")

    def _table(self, title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(title))
        if not rows:
            self.stdout.write("  (none)")
        for row in rows:
            self.stdout.write("  " + "  ".join(str(row.get(c, "")) for c in columns))
