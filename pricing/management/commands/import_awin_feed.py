import sys
import time
from typing import Any

from django.core.management.base import CommandParser

from pricing.awin.importer import ImportProgress, awin_feed_import
from pricing.imports import ImportCommand


class Command(ImportCommand):
    help = (
        "Import an Awin publisher feed (CSV, .csv.gz or .zip; any delimiter and encoding) into the raw Awin rows "
        "and the retail prices, adding unknown products to the catalog. All-or-nothing unless --skip-bad-rows."
    )
    file_help = "The feed file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--merchant", help="Awin advertiser id, for feeds without a merchant_id column (a check on the others)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = self.import_path(options)
        acting_user = self.acting_user(options)
        self._last_draw = 0.0
        run = awin_feed_import(
            path=path,
            merchant=options["merchant"],
            dry_run=options["dry_run"],
            skip_bad_rows=options["skip_bad_rows"],
            acting_user=acting_user,
            progress=self._progress,
        )
        self.stderr.write("")  # end the progress line
        self.report(run)

    def _progress(self, progress: ImportProgress) -> None:
        now = time.monotonic()
        if now - self._last_draw < 0.2:
            return
        self._last_draw = now
        width = 30
        share = progress.bytes_read / progress.bytes_total if progress.bytes_total else 1.0
        filled = min(width, int(width * share))
        bar = "#" * filled + "." * (width - filled)
        self.stderr.write(f"\r  [{bar}] {share:4.0%} {progress.rows:,} rows {progress.phase} ", ending="")
        sys.stderr.flush()
