"""Rows out of a text stream: the delimiter sniffed, each row a dict keyed by the normalized header, with its line."""

from __future__ import annotations

import csv
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Literal

from soleflip.tabular.errors import FileRejected, RowError
from soleflip.tabular.headers import check_header, normalize_header
from soleflip.tabular.opening import CHUNK_SIZE, Source, _Decoder, _display_name, _open_binary, _physical_lines

if TYPE_CHECKING:
    from _csv import Reader as CsvReader
#: Candidate delimiters, in the order that breaks ties.
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
#: The sniffer looks at this many physical lines or characters, whichever comes first.
SNIFF_LINES = 200
SNIFF_CHARS = 256 * 1024
# --------------------------------------------------------------------------- rows


class Row(dict[str, str]):
    """One data row: normalized header name -> raw cell text, plus ``line``, where the row starts in the file.

    ``text`` is the record as written (decoded, its physical lines joined, without the final
    line ending): what a fingerprint of "this row exactly as before" is taken over.
    """

    __slots__ = ("line", "text")

    def __init__(self, line: int, items: Iterable[tuple[str, str]] = (), text: str = "") -> None:
        super().__init__(items)
        self.line = line
        self.text = text

    def __repr__(self) -> str:
        return f"Row(line={self.line}, {dict.__repr__(self)})"


def _without_line_ending(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


class _LineFeed:
    """The physical lines handed to the csv module, numbered, grouped by record, some skipped.

    The csv module reads exactly the lines of one record per ``next`` (it never reads ahead),
    so the lines fed since the last ``take`` are the record just read: its first line number
    and its text come from here, exact whatever the quoting. Between two records a line that
    ``skip`` recognizes is passed over unparsed (see ``TabularReader.skip_lines``); a line
    recognized there is the text of a record read before, so it is a whole record as well.
    """

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.number = 0  # physical lines taken from the file so far
        self.skipped = 0
        self.skip: Callable[[str], bool] | None = None
        self._start = 1
        self._pending: list[str] = []

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self.skip is not None and not self._pending:
            return self._next_unskipped(self.skip)
        for line in self._lines:
            self.number += 1
            if not self._pending:
                self._start = self.number
            self._pending.append(line)
            return line
        raise StopIteration

    def _next_unskipped(self, skip: Callable[[str], bool]) -> str:
        """The first line of the next record, passing over the lines ``skip`` recognizes.

        The loop of a re-import, once per line of the file: counts are kept in locals and
        the line ending is cut inline.
        """
        number = self.number
        skipped = 0
        try:
            for line in self._lines:
                number += 1
                if line[-1:] == "\n":
                    text = line[:-2] if line[-2:-1] == "\r" else line[:-1]
                else:
                    text = line[:-1] if line[-1:] == "\r" else line
                if skip(text):
                    skipped += 1
                    continue
                self._start = number
                self._pending.append(line)
                return line
            raise StopIteration
        finally:
            self.number = number
            self.skipped += skipped

    @property
    def record_start(self) -> int:
        """The line the record being read starts on (the next line when none is pending)."""
        return self._start if self._pending else self.number + 1

    def take(self) -> tuple[int, str]:
        """Return the first line number and the text of the record just read, and start the next one."""
        start, lines = self._start, self._pending
        self._pending = []
        return start, _without_line_ending(lines[0] if len(lines) == 1 else "".join(lines))


def _delimiter_label(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else f'"{delimiter}"'


def _csv_reader(lines: Iterable[str], delimiter: str) -> CsvReader:
    # strict: a quote left open at EOF or text after a closing quote is an error, not a silently repaired row.
    return csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)


def _trial(sample: list[str], delimiter: str) -> tuple[list[str] | None, list[list[str]], str | None]:
    """Parse the sample with ``delimiter``: the header, the complete rows after it, and a quoting problem."""
    reader = _csv_reader(sample, delimiter)
    records: list[list[str]] = []
    problem = None
    try:
        for fields in reader:
            if fields and (len(fields) > 1 or fields[0].strip()):
                records.append(fields)
    except csv.Error as exc:
        # The sample may end inside a quoted field; the real pass reports a truly unclosed quote.
        if "unexpected end of data" not in str(exc):
            problem = f"line {reader.line_num}: {exc}"
    return (records[0] if records else None), records[1:], problem


def _sniff(sample: list[str], name: str) -> str:
    """Pick the delimiter that splits the header into 2+ columns, using the rows to break ties.

    The header is the strong signal: if one candidate splits it, that candidate wins, and rows
    that disagree become row errors naming their lines rather than a vague refusal. When several
    split it, the one most sample rows agree with wins, provided more than half of them do.
    """
    if not any(line.strip() for line in sample):
        raise FileRejected(name, "the file is empty: no header line")
    verdicts: list[str] = []
    candidates: list[tuple[tuple[int, int, int], str, bool]] = []
    for priority, delimiter in enumerate(DELIMITERS):
        header, rows, problem = _trial(sample, delimiter)
        label = _delimiter_label(delimiter)
        if problem:
            verdicts.append(f"{label}: {problem}")
        elif header is None:
            verdicts.append(f"{label}: the header line never ends (an unclosed quote?)")
        elif len(header) < 2:
            verdicts.append(f"{label}: the header has 1 column")
        else:
            matching = sum(1 for fields in rows if len(fields) == len(header))
            majority = not rows or matching * 2 > len(rows)
            candidates.append(((matching, len(header), -priority), delimiter, majority))
            verdicts.append(f"{label}: {len(header)} columns, and {matching} of {len(rows)} rows have that many")
    if len(candidates) == 1:
        return candidates[0][1]
    if candidates:
        _, delimiter, majority = max(candidates)
        if majority:
            return delimiter
    tried = ", ".join(_delimiter_label(d) for d in DELIMITERS)
    raise FileRejected(name, f"cannot tell the delimiter (tried {tried} on the first lines): " + "; ".join(verdicts))


class TabularReader:
    """Iterate the rows of one CSV-like file; see ``open_table``.

    Attributes once open: ``name`` (for messages; ``archive.zip/member.csv`` for zips),
    ``compression`` (None, ``"gzip"``, ``"zip"``), ``delimiter``, ``encoding`` (``"utf-8"``,
    ``"utf-8-sig"`` or ``"cp1252"``; may turn from utf-8 to cp1252 mid-file, see ``_Decoder``),
    ``raw_header`` (as written), ``header`` (normalized, same length), ``header_line``,
    ``errors`` (rows refused in ``collect`` mode) and ``rows_read``.
    """

    def __init__(
        self,
        source: Source,
        name: str | None = None,
        *,
        delimiter: str | None = None,
        on_error: Literal["raise", "collect"] = "raise",
        max_errors: int = 1000,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
            raise ValueError(f"delimiter must be one character other than a quote or line break, not {delimiter!r}")
        if on_error not in ("raise", "collect"):
            raise ValueError(f"on_error must be 'raise' or 'collect', not {on_error!r}")
        self.name = _display_name(source, name)
        self.errors: list[RowError] = []
        self.rows_read = 0
        self._on_error = on_error
        self._max_errors = max_errors
        self._buffer: deque[Row] = deque()
        self._closers: list[Callable[[], object]] = []
        try:
            opened = _open_binary(source, self.name, self._closers)
            self.name = opened.name
            self.compression = opened.compression
            self._decoder = _Decoder(opened.stream, self.name, opened.compression, chunk_size)
            lines = itertools.chain.from_iterable(_physical_lines(self._decoder, self.name))
            sample: list[str] = []
            size = 0
            for line in lines:
                sample.append(line)
                size += len(line)
                if len(sample) >= SNIFF_LINES or size >= SNIFF_CHARS:
                    break
            self.delimiter = delimiter or _sniff(sample, self.name)
            self._feed = _LineFeed(itertools.chain(sample, lines))
            self._csv = _csv_reader(self._feed, self.delimiter)
            self._records = self._read_records()
            first = next(self._records, None)
            if first is None:
                raise FileRejected(self.name, "the file is empty: no header line")
            self.header_line, raw, _ = first
            self.raw_header = tuple(raw)
            self.header = tuple(normalize_header(column) for column in raw)
            duplicates = check_header(self.header, (), file=self.name, line=self.header_line)
            if duplicates:
                # A dict cannot hold two values under one key; refusing beats losing one silently.
                raise FileRejected(self.name, "; ".join(e.message for e in duplicates), duplicates)
            self._rows = self._read_rows()
        except BaseException:
            self.close()
            raise

    @property
    def encoding(self) -> str:
        """Return the encoding in use; ``utf-8`` until a non-UTF-8 byte is met in an ASCII-only start."""
        return self._decoder.encoding

    def __enter__(self) -> TabularReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file and any archive opened for it (not a file object the caller passed in)."""
        while self._closers:
            self._closers.pop()()

    def __iter__(self) -> Iterator[Row]:
        return self

    def __next__(self) -> Row:
        if self._buffer:
            return self._buffer.popleft()
        return next(self._rows)

    def peek(self, count: int) -> list[Row]:
        """Return the next ``count`` rows (fewer at the end) without consuming them."""
        while len(self._buffer) < count:
            row = next(self._rows, None)
            if row is None:
                break
            self._buffer.append(row)
        return list(itertools.islice(self._buffer, count))

    def check_header(
        self, required: Iterable[str], optional: Iterable[str] = (), *, allow_unknown: bool = True
    ) -> None:
        """Raise ``FileRejected`` listing missing required (and, if not allowed, unknown) columns."""
        errors = check_header(
            self.header, required, optional, file=self.name, line=self.header_line, allow_unknown=allow_unknown
        )
        if errors:
            raise FileRejected(self.name, "; ".join(error.message for error in errors), errors)

    def raise_if_errors(self) -> None:
        """Raise ``FileRejected`` if rows were refused in ``collect`` mode, for all-or-nothing imports."""
        if self.errors:
            count = len(self.errors)
            first = self.errors[0]
            message = f"{count} bad row{'s' if count != 1 else ''}; the first at line {first.line}: {first.message}"
            raise FileRejected(self.name, message, self.errors)

    def _reject(self, error: RowError) -> None:
        """Record a bad row, or stop the file, according to ``on_error``."""
        if self._on_error == "raise":
            raise FileRejected(self.name, f"line {error.line}: {error.message}", [error])
        self.errors.append(error)
        if len(self.errors) > self._max_errors:
            raise FileRejected(
                self.name, f"more than {self._max_errors} bad rows; stopped reading at line {error.line}", self.errors
            )

    def skip_lines(self, skip: Callable[[str], bool] | None) -> None:
        """Pass over, unparsed, each data line for which ``skip(text)`` is true; ``lines_skipped`` counts them.

        ``skip`` gets a physical line without its ending, between two records, and must be
        true only for the ``text`` of a row read before (a fingerprint of unchanged rows):
        such a line is then a whole record, and skipping it leaves every later row's line
        number and every error's exactly as without skipping. Rows skipped this way are not
        counted in ``rows_read``.
        """
        self._feed.skip = skip

    @property
    def lines_skipped(self) -> int:
        return self._feed.skipped

    def _read_records(self) -> Iterator[tuple[int, list[str], str]]:
        """Yield (start line, fields, text) for each non-blank record; quoting errors reject the file."""
        reader, feed = self._csv, self._feed
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                start = feed.record_start
                text = str(exc)
                if "unexpected end of data" in text:
                    message = "a quoted field opened in this row is never closed (truncated file or a stray quote)"
                elif "field larger than field limit" in text:
                    message = (
                        f"a field runs past {csv.field_size_limit():,} characters; "
                        "a quote opened in this row is probably never closed"
                    )
                elif "expected after" in text:
                    message = (
                        f"text follows a closing quote on line {feed.number}; "
                        'a quote inside a quoted field must be doubled ("")'
                    )
                else:
                    message = text
                error = RowError(self.name, start, None, message)
                raise FileRejected(self.name, f"line {start}: {message}", [*self.errors, error]) from None
            start, text = feed.take()
            if fields and (len(fields) > 1 or fields[0].strip()):
                yield start, fields, text

    def _read_rows(self) -> Iterator[Row]:
        header = self.header
        expected = len(header)
        named = [(index, column) for index, column in enumerate(header) if column]
        unnamed = [index for index, column in enumerate(header) if not column]
        for line, fields, text in self._records:
            got = len(fields)
            if got != expected:
                hint = (
                    "a delimiter inside an unquoted value?"
                    if got > expected
                    else "a missing field, or a line break inside an unquoted value?"
                )
                self._reject(
                    RowError(self.name, line, None, f"expected {expected} fields as in the header, got {got} ({hint})")
                )
                continue
            if unnamed:
                # Columns without a header name may exist (trailing delimiters) but must stay empty.
                stray = next((index for index in unnamed if fields[index].strip()), None)
                if stray is not None:
                    message = f"column {stray + 1} has no header name but holds {fields[stray]!r}"
                    self._reject(RowError(self.name, line, None, message))
                    continue
                row = Row(line, [(column, fields[index]) for index, column in named], text)
            else:
                row = Row(line, zip(header, fields, strict=True), text)
            self.rows_read += 1
            yield row


def open_table(
    source: Source,
    name: str | None = None,
    *,
    delimiter: str | None = None,
    on_error: Literal["raise", "collect"] = "raise",
    max_errors: int = 1000,
) -> TabularReader:
    """Open a CSV-like file for streaming rows; raises ``FileRejected`` for whole-file problems.

    ``source`` is a path, or a binary file object (read from its current position and not
    closed here). ``name`` is the file name shown in messages (default: the base name).
    gzip and zip wrappers are recognized by their magic bytes; a zip must hold exactly one
    ``.csv``/``.tsv``/``.txt`` member. ``delimiter`` skips sniffing. With ``on_error="raise"``
    the first bad row raises ``FileRejected``; with ``"collect"`` bad rows are skipped and
    recorded in ``errors`` (call ``raise_if_errors()`` for all-or-nothing), up to ``max_errors``.
    Broken quoting (a quote never closed, text after a closing quote) rejects the file in both
    modes: the rows after it cannot be trusted. Cell values are returned exactly as written.
    """
    return TabularReader(source, name, delimiter=delimiter, on_error=on_error, max_errors=max_errors)
