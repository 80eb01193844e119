"""Reading and writing overlap: the reader thread and what it hands over.

A reader thread parses and validates the rows (Python, one core) and formats the good ones
as staged lines, while the importing thread (``pricing.awin.importer``) feeds PostgreSQL (the
other core). Only the importing thread touches the database.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.utils import timezone

from pricing.awin.reader import AwinRow, AwinRowReader
from pricing.awin.sizes import SizeRef
from pricing.awin.staging import staging_line
from soleflip.tabular.errors import RowError
from soleflip.tabular.reader import TabularReader

# Rows the reader thread hands over at a time (also how often progress is reported).
BATCH_ROWS = 10_000
# Staged rows the reader may have waiting for the database (see ReaderThread).
QUEUE_BYTES = 50 << 20


@dataclass
class Batch:
    """What the reader thread hands over: staged lines (COPY text), errors and new sizes."""

    data: bytes = b""
    lines: int = 0
    errors: list[RowError] = field(default_factory=list)
    bad_rows: int = 0
    sizes: list[SizeRef] = field(default_factory=list)
    merchants: set[str] = field(default_factory=set)
    rows: int = 0
    bytes_read: int = 0


class _Finished:
    """End of the file."""


@dataclass
class _Crashed:
    error: BaseException


class _Cancelled(Exception):
    """The importing thread stopped listening."""


class ReaderThread(threading.Thread):
    """Read, validate and format the rows in the background; hand batches over a bounded queue.

    The queue holds at most QUEUE_BYTES of staged rows (and always one batch, about 25 MB
    at most), so memory stays flat whatever the file size. It is bounded by bytes, not by
    batches: while the database works on a pass, the reader goes on through unchanged rows,
    whose batches carry nothing (with two batches at most, reading and writing took turns:
    a 10%-changed million-row feed took 38-45 s instead of 31 s).
    """

    def __init__(
        self, table: TabularReader, reader: AwinRowReader, handle: IO[bytes], *, stop_writing_on_error: bool
    ) -> None:
        super().__init__(name="awin-feed-reader", daemon=True)
        self.table = table
        self.reader = reader
        self.handle = handle
        self.stop_writing_on_error = stop_writing_on_error
        self.out: queue.Queue[Batch | _Finished | _Crashed] = queue.Queue()
        self.cancelled = threading.Event()
        self._room = threading.Condition()
        self._queued_bytes = 0
        self.batch, self.lines = Batch(), list[str]()

    def run(self) -> None:
        try:
            self._read()
            self._put(_Finished())
        except _Cancelled:
            pass
        except BaseException as exc:  # handed to the importing thread, which re-raises it
            with contextlib.suppress(_Cancelled):
                self._put(_Crashed(exc))

    def _read(self) -> None:
        table, reader = self.table, self.reader
        read, raw_json = reader.read, reader.raw_json
        writing = True
        parsed = since = skipped = 0
        skip = reader.line_skipper()

        def skip_unchanged(text: str) -> bool:
            # Rows recognized unparsed still move the progress on, a batch every BATCH_ROWS.
            nonlocal skipped
            if not skip(text):
                return False
            skipped += 1
            if skipped % BATCH_ROWS == 0:
                self._hand_over(parsed + skipped)
            return True

        table.skip_lines(skip_unchanged if reader.snapshot is not None else None)
        for row in table:
            parsed += 1
            since += 1
            if table.errors:  # rows the pre-parser refused (wrong field count) before this one
                parsed += self._take_parser_errors(self.batch)
            result = read(row)
            if isinstance(result, AwinRow):
                if writing:
                    self.batch.merchants.add(result.merchant_id)
                    self.lines.append(staging_line(result, raw_json(row)))
            elif result is not None:
                self.batch.errors.extend(result)
                self.batch.bad_rows += 1
                # All or nothing: once a row is bad nothing will be written, so stop staging.
                writing = writing and not self.stop_writing_on_error
            if since == BATCH_ROWS:
                self._hand_over(parsed + table.lines_skipped)
                since = 0
        parsed += self._take_parser_errors(self.batch)
        self._hand_over(parsed + table.lines_skipped)

    def _take_parser_errors(self, batch: Batch) -> int:
        errors = self.table.errors
        count = len(errors)
        if count:
            batch.errors.extend(errors)
            batch.bad_rows += count
            errors.clear()  # the run keeps them; the pre-parser's own limit must never stop the file
        return count

    def _hand_over(self, rows: int) -> None:
        """Hand the batch read so far over to the importing thread (``rows``: all read, skipped ones too)."""
        batch, lines = self.batch, self.lines
        self.batch, self.lines = Batch(), []
        batch.data = "".join(lines).encode()
        batch.lines = len(lines)
        batch.sizes = self.reader.sizes.take_new()
        batch.rows = rows
        batch.bytes_read = self.handle.tell()
        self.reader.refresh_clock(timezone.now())
        self._put(batch)

    def _put(self, item: Batch | _Finished | _Crashed) -> None:
        size = _queued_size(item)
        with self._room:
            while self._queued_bytes and self._queued_bytes + size > QUEUE_BYTES:
                if self.cancelled.is_set():
                    raise _Cancelled
                self._room.wait(timeout=0.2)
            if self.cancelled.is_set():
                raise _Cancelled
            self._queued_bytes += size
        self.out.put(item)

    def batches(self) -> Iterator[Batch]:
        """Yield the batches in order; re-raise what went wrong in the thread."""
        while True:
            item = self.out.get()
            with self._room:
                self._queued_bytes -= _queued_size(item)
                self._room.notify_all()
            if isinstance(item, _Finished):
                return
            if isinstance(item, _Crashed):
                raise item.error
            yield item


def _queued_size(item: Batch | _Finished | _Crashed) -> int:
    """What a handed-over item weighs in the queue: its staged text and its errors."""
    return len(item.data) + 200 * len(item.errors) if isinstance(item, Batch) else 0


# --- the GIL -----------------------------------------------------------------------------

# The GIL switch interval while an import runs (Python's default is 5 ms); why: where the importer uses it.
_SWITCH_INTERVAL = 0.0005
_switching_lock = threading.Lock()
_switching_users = 0
_switching_saved = 0.005


@contextlib.contextmanager
def fast_thread_switching() -> Iterator[None]:
    """Lower the GIL switch interval while any import runs (it is process-wide; imports may overlap)."""
    global _switching_users, _switching_saved
    with _switching_lock:
        if not _switching_users:
            _switching_saved = sys.getswitchinterval()
            sys.setswitchinterval(_SWITCH_INTERVAL)
        _switching_users += 1
    try:
        yield
    finally:
        with _switching_lock:
            _switching_users -= 1
            if not _switching_users:
                sys.setswitchinterval(_switching_saved)
