from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.people import acting
from pricing.models import ImportStatus
from transactions.sales_import.importer import UnknownPlatform, sales_report_import

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = (
        "Import a platform's sales report (CSV, also gzip or zip) as orders: each sale is matched to the oldest "
        "unsold pair of its style and size, unmatched sales go to the review queue, an order number already "
        "present is updated. The format is detected from the header. All-or-nothing unless --skip-bad-rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The report file.")
        parser.add_argument("--platform", required=True, help="Platform code: stockx, goat, alias, ebay ...")
        parser.add_argument("--skip-bad-rows", action="store_true", help="Write the good rows and report the bad ones.")
        parser.add_argument("--dry-run", action="store_true", help="Do everything, then roll it back.")
        parser.add_argument("--as-user", metavar="EMAIL", help="Record this user as the importer (audit).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        user = acting(options["as_user"])
        progress = (lambda rows: self.stdout.write(f"  {rows:,} rows read")) if options["verbosity"] >= 1 else None
        try:
            run = sales_report_import(
                path=path,
                platform_code=options["platform"],
                dry_run=options["dry_run"],
                skip_bad_rows=options["skip_bad_rows"],
                acting_user=user,
                progress=progress,
            )
        except UnknownPlatform as exc:
            raise CommandError(str(exc)) from None
        for error in run.errors[:SHOWN_ERRORS]:
            where = ", ".join(
                part
                for part in (
                    f"line {error['line']}" if error.get("line") else "",
                    f'column "{error["column"]}"' if error.get("column") else "",
                )
                if part
            )
            self.stdout.write(f"  {where + ': ' if where else ''}{error['message']}")
        if len(run.errors) > SHOWN_ERRORS:
            self.stdout.write(f"  ... and {len(run.errors) - SHOWN_ERRORS} more (admin: Import runs)")
        summary = f"{run.file_name}: {run.message}"
        if run.status == ImportStatus.FAILED:
            raise CommandError(summary)
        style = self.style.WARNING if run.status == ImportStatus.PARTIAL else self.style.SUCCESS
        self.stdout.write(style(summary))
