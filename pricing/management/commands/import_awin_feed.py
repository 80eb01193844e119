import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.people import acting
from pricing.awin.importer import ImportProgress, awin_feed_import
from pricing.models import ImportStatus


class Command(BaseCommand):
    help = (
        "Import an Awin publisher feed (CSV, .csv.gz or .zip; any delimiter and encoding) into the raw Awin rows "
        "and the retail prices, adding unknown products to the catalog. All-or-nothing unless --skip-bad-rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The feed file.")
        parser.add_argument(
            "--merchant", help="Awin advertiser id, for feeds without a merchant_id column (a check on the others)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Do everything and count it, then roll it back.")
        parser.add_argument("--skip-bad-rows", action="store_true", help="Write the good rows; report the bad ones.")
        parser.add_argument("--as-user", metavar="EMAIL", help="Record the import as this user's (audit, history).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        user = acting(options["as_user"])
        self._last_draw = 0.0
        run = awin_feed_import(
            path=path,
            merchant=options["merchant"],
            dry_run=options["dry_run"],
            skip_bad_rows=options["skip_bad_rows"],
            acting_user=user,
            progress=self._progress,
        )
        self.stderr.write("")  # end the progress line
        duration = run.options.get("duration_ms", 0) / 1000
        summary = f"{run.file_name}: {run.message} ({duration:.1f} s, import run {run.pk})"
        if run.status == ImportStatus.FAILED:
            for error in run.errors[:10]:
                where = ", ".join(
                    part
                    for part in (
                        f"line {error['line']}" if error.get("line") else "",
                        f'column "{error["column"]}"' if error.get("column") else "",
                    )
                    if part
                )
                self.stderr.write(f"  {where}: {error['message']}" if where else f"  {error['message']}")
            if len(run.errors) > 10:
                self.stderr.write(f"  ... {run.rows_failed - 10:,} more in the run's error report")
            raise CommandError(summary)
        style = self.style.WARNING if run.status == ImportStatus.PARTIAL else self.style.SUCCESS
        self.stdout.write(style(summary))

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
