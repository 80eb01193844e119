"""Import an Awin product feed: ``awin_feed_import``, the one code path behind
``manage.py import_awin_feed`` and the admin's upload.

It reads the file through ``soleflip.tabular``, validates every row
(``pricing.awin.reader``), streams the good rows into a TEMP staging table with COPY, and
does the matching, the catalog additions and the writes as set-based SQL, a pass per 50,000
staged rows (``pricing.awin.staging``). How rows are matched, what is created, and why it is
fast: docs/imports/awin.md.

Reading and writing overlap: a reader thread (``pricing.awin.pipeline``) parses and validates
(Python, one core) while this thread feeds PostgreSQL (the other core). Only this thread
touches the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

from catalog.models import Brand, SizeChart
from catalog.sizing import ChartLine
from pricing.awin.brands import BrandBook
from pricing.awin.pipeline import Batch, ReaderThread, fast_thread_switching
from pricing.awin.reader import AwinRowReader, FeedLayout, is_merchant_id
from pricing.awin.sizes import SizeBook
from pricing.awin.staging import UNMATCHED, Stage, Totals
from pricing.imports import ImportFailed, RunRecorder, run_import
from pricing.models import ImportKind, ImportRun
from soleflip.tabular.errors import FileRejected, RowError
from soleflip.tabular.reader import TabularReader, open_table

# Rows staged before a set-based pass runs: large enough that each statement's fixed cost
# vanishes, small enough that the staging table and its hash joins stay in memory.
PASS_ROWS = 50_000
# ... or this many, when the reader has nothing waiting and the database would idle.
MIN_PASS_ROWS = 5_000
# The stored run keeps every rejected row up to pricing.imports.MAX_STORED_ERRORS; the
# reader itself never gives up on a file for having many bad rows.
_UNLIMITED_ERRORS = 1 << 62


@dataclass(frozen=True)
class ImportProgress:
    """Where an import is: ``phase`` is "reading" or "writing"; bytes count the file as stored."""

    phase: str
    rows: int
    bytes_read: int
    bytes_total: int


ProgressCallback = Callable[[ImportProgress], None]


def awin_feed_import(
    *,
    path: str | Path,
    display_name: str | None = None,
    merchant: str | None = None,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    acting_user: Any = None,
    progress: ProgressCallback | None = None,
) -> ImportRun:
    """Import an Awin publisher feed (CSV, ``.csv.gz`` or ``.zip``) and return its ``ImportRun``.

    ``display_name`` is the name shown in messages and stored on the run (an upload's original
    name; default: the file's). ``merchant`` is the Awin advertiser id for feeds without a
    ``merchant_id`` column, and a check on feeds with one. All-or-nothing unless
    ``skip_bad_rows``; ``dry_run`` does everything, counts it and rolls it back. A refused file
    returns a ``failed`` run with its reasons in ``errors`` and ``message``; only crashes and
    interrupts raise (the run is then kept as failed and the data rolled back). ``acting_user``
    is recorded as the author of the run, of the catalog rows it adds and of the prices it writes.
    """
    options = {"merchant": merchant, "dry_run": dry_run, "skip_bad_rows": skip_bad_rows}
    return run_import(
        lambda recorder: _FeedImport(
            recorder,
            path=Path(path),
            name=display_name or Path(path).name,
            merchant=merchant,
            dry_run=dry_run,
            skip_bad_rows=skip_bad_rows,
            acting_user=acting_user,
            progress=progress,
        ).execute(),
        kind=ImportKind.AWIN_FEED,
        path=path,
        display_name=display_name,
        acting_user=acting_user,
        options=options,
    )


# --- the import --------------------------------------------------------------------------


class _FeedImport:
    """One run of ``awin_feed_import``: the file, the options, the counts."""

    def __init__(
        self,
        recorder: RunRecorder,
        *,
        path: Path,
        name: str,
        merchant: str | None,
        dry_run: bool,
        skip_bad_rows: bool,
        acting_user: Any,
        progress: ProgressCallback | None,
    ) -> None:
        self.recorder = recorder
        self.run = recorder.run
        self.path = path
        self.name = name
        self.merchant = merchant.strip() if merchant is not None else None
        self.dry_run = dry_run
        self.skip_bad_rows = skip_bad_rows
        self.acting_user = acting_user
        self.progress = progress
        self.totals = Totals()
        self.size = path.stat().st_size

    def execute(self) -> None:
        if self.merchant is not None and not is_merchant_id(self.merchant):
            self._refuse(f'--merchant "{self.merchant}" is not an Awin merchant id (digits only)')
        try:
            with (
                open(self.path, "rb") as handle,
                open_table(handle, self.name, on_error="collect", max_errors=_UNLIMITED_ERRORS) as table,
            ):
                self._import(table, handle)
        except FileRejected as exc:
            errors = exc.errors or [RowError(exc.file, None, None, exc.message)]
            self.recorder.reject(errors)
            self.totals.bad_rows += len(exc.errors)
            self._refuse(str(exc))

    def _import(self, table: TabularReader, handle: IO[bytes]) -> None:
        layout = FeedLayout.from_header(table.name, table.header, merchant=self.merchant, line=table.header_line)
        sizes = _size_book()
        brands = BrandBook(Brand.objects.values_list("name", "slug"))
        # The merchant whose stored rows let unchanged rows be skipped: the feed's first.
        first = self.merchant
        if first is None and (column := layout.get("merchant_id")):
            first = next((row[column].strip() for row in table.peek(1)), None)
        with self.recorder.data_transaction(dry_run=self.dry_run):
            stage = Stage(run=self.run, acting_user=self.acting_user, totals=self.totals)
            snapshot = None
            if first is not None and is_merchant_id(first):
                stage.add_merchants({first})
                snapshot = stage.snapshot(first)
            reader = AwinRowReader(
                layout, merchant=self.merchant, brands=brands, sizes=sizes, snapshot=snapshot, now=timezone.now()
            )
            thread = ReaderThread(table, reader, handle, stop_writing_on_error=not self.skip_bad_rows)
            # Each wait of this thread on the database socket ends with a wait for the GIL,
            # which the reader thread holds up to the switch interval (5 ms by default), and a
            # COPY waits on the socket every few hundred kilobytes: staging 200,000 new rows
            # took 9.6 s at 5 ms, 5.9 s at 0.5 ms. The reader loses about 1% to the switching.
            with fast_thread_switching():
                thread.start()
                try:
                    self._write(thread, stage)
                finally:
                    thread.cancelled.set()
                    thread.join()
            if self.totals.bad_rows and not self.skip_bad_rows:
                self._refuse("")
            stage.drop()
        self._finish()

    def _write(self, thread: ReaderThread, stage: Stage) -> None:
        totals = self.totals
        for batch in thread.batches():
            totals.read = batch.rows
            if batch.errors:
                self.recorder.reject(batch.errors)
                totals.bad_rows += batch.bad_rows
            if self.skip_bad_rows or not totals.bad_rows:
                stage.add_sizes(batch.sizes)
                if batch.lines:
                    stage.add_merchants(batch.merchants)
                    stage.copy(batch.data, batch.lines)
                # A full pass, or a smaller one when the reader has nothing waiting: the
                # database would idle otherwise while the reader works on.
                if stage.pending >= PASS_ROWS or (stage.pending >= MIN_PASS_ROWS and thread.out.empty()):
                    self._report("writing", batch)
                    stage.run_pass()
            self._report("reading", batch)
        if self.skip_bad_rows or not totals.bad_rows:
            stage.run_pass()

    def _report(self, phase: str, batch: Batch) -> None:
        if self.progress is not None:
            self.progress(ImportProgress(phase, batch.rows, batch.bytes_read, self.size))

    def _refuse(self, message: str) -> None:
        """Fail the run: nothing is written (this is raised inside the data transaction)."""
        run, totals = self.run, self.totals
        run.rows_read = totals.read
        run.rows_created = run.rows_updated = run.rows_unchanged = run.rows_skipped = 0
        # The run's failed count is rows, not problems: a row with two bad columns fails once.
        self.recorder.error_count = totals.bad_rows
        if message:
            run.message = message
        else:
            first = self.recorder.errors[0] if self.recorder.errors else None
            run.message = f"{totals.bad_rows:,} bad row(s); nothing was written." + (
                f" The first: {first}" if first else ""
            )
        raise ImportFailed(run)

    def _finish(self) -> None:
        totals, run = self.totals, self.run
        run.rows_read = totals.read
        run.rows_created = totals.created
        run.rows_updated = totals.updated
        run.rows_skipped = totals.bad_rows
        run.rows_unchanged = totals.read - totals.bad_rows - totals.created - totals.updated
        unmatched = sum(totals.unmatched.values())
        run.options = {
            **run.options,
            "unmatched": {UNMATCHED[reason]: count for reason, count in totals.unmatched.most_common()},
            "catalog_added": {what: count for what, count in totals.catalog.items() if count},
            "rows_staged": totals.staged,
            "phases_ms": {phase: int(seconds * 1000) for phase, seconds in totals.phases.items()},
        }
        parts = [
            f"{run.rows_read:,} read",
            f"{run.rows_created:,} created",
            f"{run.rows_updated:,} updated",
            f"{run.rows_unchanged:,} unchanged",
        ]
        if run.rows_skipped:
            parts.append(f"{run.rows_skipped:,} bad rows skipped")
        message = ", ".join(parts) + "."
        if unmatched:
            message += f" {unmatched:,} kept without a catalog match."
        added = ", ".join(f"{count:,} {what.replace('_', ' ')}" for what, count in totals.catalog.items() if count)
        if added:
            message += f" Added to the catalog: {added}."
        if self.dry_run:
            message += " Dry run: nothing was written."
        run.message = message


def _size_book() -> SizeBook:
    """The size charts as the database holds them (accepted reviews included), for the size book."""
    rows = list(SizeChart.objects.select_related("brand"))
    lines = [ChartLine(r.brand.slug, r.gender_class, r.region, r.value, r.eu_value, r.source) for r in rows]
    ids = {(r.brand.slug, r.gender_class, r.region, r.value, r.eu_value): r.pk for r in rows}
    return SizeBook(lines, ids)
