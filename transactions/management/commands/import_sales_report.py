from typing import Any

from django.core.management.base import CommandError, CommandParser

from pricing.imports import ImportCommand
from transactions.sales_import.importer import UnknownPlatform, sales_report_import


class Command(ImportCommand):
    help = (
        "Import a platform's sales report (CSV, also gzip or zip) as orders: each sale is matched to the oldest "
        "unsold pair of its style and size, unmatched sales go to the review queue, an order number already "
        "present is updated. The format is detected from the header. All-or-nothing unless --skip-bad-rows."
    )
    file_help = "The report file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--platform", required=True, help="Platform code: stockx, goat, alias, ebay ...")

    def handle(self, *args: Any, **options: Any) -> None:
        path = self.import_path(options)
        acting_user = self.acting_user(options)
        progress = (lambda rows: self.stdout.write(f"  {rows:,} rows read")) if options["verbosity"] >= 1 else None
        try:
            run = sales_report_import(
                path=path,
                platform_code=options["platform"],
                dry_run=options["dry_run"],
                skip_bad_rows=options["skip_bad_rows"],
                acting_user=acting_user,
                progress=progress,
            )
        except UnknownPlatform as exc:
            raise CommandError(str(exc)) from None
        self.report(run)
