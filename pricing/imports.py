"""The life of one import run, shared by every importer (Awin feeds, platform sales reports), and their command.

An ``ImportRun`` row is written before any data and finished after, in transactions of its
own, so a failed or interrupted import still leaves its record (and its rejected rows)
while the data it would have written is rolled back. Importers do their writes inside
``run.data_transaction()`` and report what they did through ``run.count_*``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from pricing.models import ImportKind, ImportRun, ImportStatus
from soleflip.db import locks
from soleflip.db.acting_user import set_acting_user
from soleflip.management.base import ActingCommand
from soleflip.tabular.errors import RowError
from soleflip.tabular.formulas import escape_formula

MAX_STORED_ERRORS = 10_000  # the run keeps this many rejected rows; the count is always exact


def file_fingerprint(path: str | Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class ImportFailed(Exception):
    """The import was refused; nothing was written. ``run`` holds the reasons."""

    def __init__(self, run: ImportRun) -> None:
        super().__init__(run.message)
        self.run = run


class _Rollback(Exception):
    pass


class RunRecorder:
    """Counts and rejected rows of a run in progress; written to its ``ImportRun`` at the end."""

    def __init__(self, run: ImportRun, *, acting_user: Any) -> None:
        self.run = run
        self.acting_user = acting_user
        self.errors: list[RowError] = []
        self.error_count = 0

    def reject(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.error_count += 1
            if len(self.errors) < MAX_STORED_ERRORS:
                self.errors.append(error)

    @contextmanager
    def data_transaction(self, *, dry_run: bool = False) -> Iterator[None]:
        """The one transaction the data is written in, with the acting user set for audit.

        With ``dry_run`` everything is done and counted, then rolled back.
        """
        try:
            with transaction.atomic():
                if self.acting_user is not None:
                    set_acting_user(self.acting_user.pk)
                yield
                if dry_run:
                    raise _Rollback
        except _Rollback:
            pass


@contextmanager
def import_run(
    *,
    kind: ImportKind,
    path: str | Path,
    display_name: str | None = None,
    acting_user: Any = None,
    options: dict[str, Any] | None = None,
) -> Iterator[RunRecorder]:
    """Record one import run around the importer's work.

    The importer raises ``ImportFailed`` (after ``reject``-ing rows) to refuse the file; any
    other exception marks the run failed with its message and propagates. On success the
    run is ``succeeded``, or ``partial`` when rows were skipped.
    """
    sha256, size = file_fingerprint(path)
    with transaction.atomic():
        run = ImportRun.objects.create(
            kind=kind,
            status=ImportStatus.RUNNING,
            file_name=display_name or Path(path).name,
            file_sha256=sha256,
            file_size=size,
            options=options or {},
            user=acting_user if acting_user is not None and acting_user.pk else None,
            started_at=timezone.now(),
        )
        # Taken before the row is committed: nobody ever sees a running run without its lock.
        locks.hold(_liveness_lock(run.pk))
    recorder = RunRecorder(run, acting_user=acting_user)
    started = time.monotonic()
    try:
        yield recorder
    except ImportFailed:
        _finish(recorder, ImportStatus.FAILED, started)
        raise
    except BaseException as exc:  # interrupted (Ctrl-C, SIGTERM) or crashed: the data transaction rolled back
        run.message = run.message or f"Interrupted: {_interruption(exc)}"
        _finish(recorder, ImportStatus.FAILED, started)
        raise
    else:
        status = ImportStatus.PARTIAL if run.rows_skipped else ImportStatus.SUCCEEDED
        _finish(recorder, status, started)
    finally:
        # A connection that is gone took the lock with it; never hide the run's own error.
        with contextlib.suppress(DatabaseError):
            locks.release(_liveness_lock(run.pk))


def run_import(
    work: Callable[[RunRecorder], None],
    *,
    kind: ImportKind,
    path: str | Path,
    display_name: str | None = None,
    acting_user: Any = None,
    options: dict[str, Any] | None = None,
) -> ImportRun:
    """Run ``work`` inside an import run and return the run, whether the file was imported or refused.

    A refused file (``ImportFailed``) is a returned ``failed`` run; a crash or an interrupt
    propagates, with the run kept as failed.
    """
    try:
        with import_run(
            kind=kind, path=path, display_name=display_name, acting_user=acting_user, options=options
        ) as recorder:
            work(recorder)
    except ImportFailed as refused:
        return refused.run
    return recorder.run


def _liveness_lock(run_id: object) -> str:
    return f"{locks.IMPORT_RUN}{run_id}"


def _interruption(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "stopped by Ctrl-C; nothing was written."
    if isinstance(exc, SystemExit):
        return "the process was told to stop (SIGTERM); nothing was written."
    return f"{type(exc).__name__}: {exc}"


ABANDONED = (
    "The import stopped before it finished: its process ended (killed, crashed, or the database restarted). "
    "Nothing of it was written."
)


def import_runs_sweep() -> int:
    """Mark failed every run still "running" whose process has ended (nobody holds its liveness lock).

    Called when the worker starts, on a web process's first request and from the import
    runs screen; ``db_health`` reports such runs. Returns how many it marked.
    """
    held = locks.import_run_held_sql("r.id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE integration.import_runs r SET status = %s, finished_at = now(), "
            f"message = CASE WHEN r.message = '' THEN %s ELSE r.message || ' ' || %s END "
            f"WHERE r.status = %s AND NOT {held}",
            [ImportStatus.FAILED, ABANDONED, ABANDONED, ImportStatus.RUNNING],
        )
        return cursor.rowcount


def _finish(recorder: RunRecorder, status: ImportStatus, started: float) -> None:
    run = recorder.run
    run.status = status
    run.finished_at = timezone.now()
    run.options = {**run.options, "duration_ms": int((time.monotonic() - started) * 1000)}
    run.rows_failed = recorder.error_count if status == ImportStatus.FAILED else run.rows_failed
    run.errors = [
        {"line": e.line, "column": e.column, "message": e.message} for e in recorder.errors[:MAX_STORED_ERRORS]
    ]
    if status == ImportStatus.FAILED and recorder.error_count and not run.message:
        run.message = f"{recorder.error_count} bad row(s); nothing was written."
    run.save()


def import_run_errors_csv(run: ImportRun) -> str:
    """The rejected rows of a run as CSV (file, line, column, reason), safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "line", "column", "reason"])
    for error in run.errors:
        writer.writerow(
            [
                escape_formula(run.file_name),
                error.get("line", ""),
                escape_formula(str(error.get("column") or "")),
                escape_formula(str(error.get("message", ""))),
            ]
        )
    return out.getvalue()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


class ImportCommand(ActingCommand):
    """An import command: a FILE, ``--dry-run``, ``--skip-bad-rows``, ``--as-user`` and the run's report.

    The report is the same for every import: up to ``SHOWN_ERRORS`` rejected rows on stderr,
    each with its line and column, then one summary line on stdout; a refused file is a
    command error (exit status 1) with the summary as its message.
    """

    SHOWN_ERRORS = 20
    file_help = "The file (CSV, .csv.gz or .zip)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("file", help=self.file_help)
        parser.add_argument("--dry-run", action="store_true", help="Do everything and count it, then roll it back.")
        parser.add_argument("--skip-bad-rows", action="store_true", help="Write the good rows; report the bad ones.")
        return parser

    def execute(self, *args: Any, **options: Any) -> Any:
        # SIGTERM (a service manager stopping the process) ends the import like Ctrl-C does:
        # the data rolls back and the run is recorded as failed, with the reason.
        if threading.current_thread() is not threading.main_thread():
            return super().execute(*args, **options)
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            return super().execute(*args, **options)
        finally:
            signal.signal(signal.SIGTERM, previous)

    def import_path(self, options: dict[str, Any]) -> Path:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        return path

    def report(self, run: ImportRun) -> None:
        """Print the run's rejected rows and its summary; raise ``CommandError`` when it failed."""
        for error in run.errors[: self.SHOWN_ERRORS]:
            where = ", ".join(
                part
                for part in (
                    f"line {error['line']}" if error.get("line") else "",
                    f'column "{error["column"]}"' if error.get("column") else "",
                )
                if part
            )
            self.stderr.write(f"  {where}: {error['message']}" if where else f"  {error['message']}")
        rejected = max(len(run.errors), run.rows_failed, run.rows_skipped)
        if rejected > self.SHOWN_ERRORS:
            self.stderr.write(f"  ... and {rejected - self.SHOWN_ERRORS:,} more (admin: Import runs)")
        duration = run.options.get("duration_ms", 0) / 1000
        summary = f"{run.file_name}: {run.message} ({duration:.1f} s)"
        if run.status == ImportStatus.FAILED:
            raise CommandError(summary)
        style = self.style.WARNING if run.status == ImportStatus.PARTIAL else self.style.SUCCESS
        self.stdout.write(style(summary))
