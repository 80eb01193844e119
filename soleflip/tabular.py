"""Pre-parser that every CSV import goes through before a single row is imported.

It unwraps gzip and zip (by magic bytes), decodes UTF-8 (with or without BOM) or cp1252, sniffs
the delimiter, and yields each row as a dict keyed by the normalized header together with the
physical line where the row starts and its text as written. It never pads or drops fields:
a row whose field count differs from the header's is an error naming the file and line.
Everything streams with bounded memory, so a 1 GB feed costs what a 1 MB one does. An
importer that recognizes rows it read before can have their lines passed over unparsed
(``TabularReader.skip_lines``) without changing any line number.

It also holds the value parsers the importers share (money, dates, booleans, integers), the
header checks, and formula escaping for spreadsheet exports. django-import-export's own CSV
path is comma-only, UTF-8-only and pads short rows (docs/stack-facts.md, trap 3), hence this module.

Typical use::

    with open_table(upload, "feed.csv.gz", on_error="collect") as table:
        table.check_header(required={"aw_product_id", "ean", "search_price"})
        for row in table:
            cents, currency = parse_money(row["search_price"], row.get("currency") or None)
        table.raise_if_errors()
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import os
import re
import tempfile
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Literal, Protocol, TypeVar, cast, overload
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

__all__ = [
    "DELIMITERS",
    "BinaryReadable",
    "FileRejected",
    "InvalidAmount",
    "InvalidBoolean",
    "InvalidDate",
    "InvalidInteger",
    "InvalidValue",
    "Row",
    "RowError",
    "Source",
    "TabularReader",
    "check_columns_match",
    "check_header",
    "escape_formula",
    "looks_like_amount",
    "looks_like_date",
    "looks_like_text",
    "normalize_header",
    "open_table",
    "parse_bool",
    "parse_date",
    "parse_datetime",
    "parse_int",
    "parse_money",
]

#: Candidate delimiters, in the order that breaks ties.
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")

CHUNK_SIZE = 1 << 20
#: The sniffer looks at this many physical lines or characters, whichever comes first.
SNIFF_LINES = 200
SNIFF_CHARS = 256 * 1024
#: A physical line longer than this is not CSV (or has no line breaks at all); stop before memory grows.
MAX_LINE_CHARS = 16 * 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_UTF16_32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".tab", ".psv"})
_CP1252_FALLBACK = "soleflip.cp1252_latin1"


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class RowError:
    """One problem in an input file, located as precisely as it is known."""

    file: str
    line: int | None
    column: str | None
    message: str

    def location(self) -> str:
        """Return ``feed.csv, line 17, column "ean"`` with the parts that are known."""
        parts = [self.file] if self.file else []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f'column "{self.column}"')
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class FileRejected(Exception):
    """The whole file cannot be imported; ``errors`` holds the located problems found so far."""

    def __init__(self, file: str, message: str, errors: Iterable[RowError] = ()) -> None:
        self.file = file
        self.message = message
        self.errors = list(errors)
        super().__init__(file, message, self.errors)

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


class InvalidValue(ValueError):
    """A cell's text cannot be read as the requested type; the message is meant for people."""


class InvalidAmount(InvalidValue):
    """The text is not a money amount."""


class InvalidDate(InvalidValue):
    """The text is not a date or a date and time."""


class InvalidBoolean(InvalidValue):
    """The text is not a yes/no value."""


class InvalidInteger(InvalidValue):
    """The text is not a whole number."""


class _ReadFailed(Exception):
    """The compressed container broke while streaming."""


# --------------------------------------------------------------------------- opening


class BinaryReadable(Protocol):
    """Anything with ``read(size) -> bytes``: an open file, an upload, a socket file."""

    def read(self, size: int = -1, /) -> bytes: ...


Source = str | os.PathLike[str] | BinaryReadable


class _Prefixed:
    """Replay the bytes already taken from a non-seekable stream, then continue with the stream."""

    def __init__(self, prefix: bytes, rest: BinaryReadable) -> None:
        self._prefix = prefix
        self._rest = rest

    def read(self, size: int = -1, /) -> bytes:
        """Read up to ``size`` bytes (all with a negative size)."""
        if not self._prefix:
            return self._rest.read(size)
        if size < 0:
            data, self._prefix = self._prefix + self._rest.read(), b""
            return data
        data, self._prefix = self._prefix[:size], self._prefix[size:]
        return data


def _read_at_least(stream: BinaryReadable, size: int) -> bytes:
    """Read until ``size`` bytes or end of file, because pipes and sockets return short reads."""
    parts: list[bytes] = []
    total = 0
    while total < size:
        data = stream.read(size - total)
        if not data:
            break
        parts.append(data)
        total += len(data)
    return b"".join(parts)


@dataclass
class _Opened:
    stream: BinaryReadable
    name: str
    compression: str | None


def _display_name(source: Source, name: str | None) -> str:
    if name:
        return name
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    raw = getattr(source, "name", None)
    # Only the base name: a server path in a message helps no one and leaks the layout.
    return PurePosixPath(str(raw).replace("\\", "/")).name if isinstance(raw, str) and raw else "upload"


def _open_binary(source: Source, display: str, closers: list[Callable[[], object]]) -> _Opened:
    """Open ``source`` and unwrap gzip or zip, appending what must be closed to ``closers``."""
    stream: BinaryReadable
    if isinstance(source, str | os.PathLike):
        handle = open(source, "rb")  # noqa: SIM115 -- closed by the reader through ``closers``
        closers.append(handle.close)
        head = handle.read(8)
        handle.seek(0)
        stream, seekable = handle, True
    elif callable(getattr(source, "seekable", None)) and cast(IO[bytes], source).seekable():
        seekable_source = cast(IO[bytes], source)
        position = seekable_source.tell()
        head = _read_at_least(seekable_source, 8)
        seekable_source.seek(position)
        stream, seekable = source, True
    else:
        head = _read_at_least(source, 8)
        stream, seekable = _Prefixed(head, source), False

    if head.startswith(_GZIP_MAGIC):
        # GzipFile only seeks when asked to rewind; reading forward works on a pipe too.
        unzipped = gzip.GzipFile(fileobj=cast(IO[bytes], stream), mode="rb")
        closers.append(unzipped.close)
        return _Opened(unzipped, display, "gzip")
    if head[:4] in _ZIP_MAGICS:
        if not seekable:
            # zipfile needs to seek to the central directory at the end; spill to disk past 16 MB.
            spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 -- see closers
            closers.append(spool.close)
            while data := stream.read(CHUNK_SIZE):
                spool.write(data)
            spool.seek(0)
            stream = spool
        try:
            archive = zipfile.ZipFile(cast(IO[bytes], stream))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise FileRejected(display, f"the zip archive is damaged or truncated ({exc})") from exc
        closers.append(archive.close)
        info = _pick_zip_member(archive, display)
        try:
            member = archive.open(info)
        except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as exc:
            # RuntimeError: encrypted member; NotImplementedError: compression method zipfile lacks.
            raise FileRejected(display, f"cannot open {info.filename} in the zip archive ({exc})") from exc
        closers.append(member.close)
        return _Opened(member, f"{display}/{info.filename}", "zip")
    if head.startswith(_OLE_MAGIC):
        raise FileRejected(display, "this is an Excel .xls workbook (or another binary file), not CSV: save it as CSV")
    return _Opened(stream, display, None)


def _pick_zip_member(archive: zipfile.ZipFile, display: str) -> zipfile.ZipInfo:
    """Return the one CSV-like member, ignoring folders and macOS metadata, or reject the archive."""
    files = [info for info in archive.infolist() if not info.is_dir()]

    def is_junk(filename: str) -> bool:
        path = PurePosixPath(filename)
        return path.parts[0] == "__MACOSX" or path.name.startswith("._") or path.name == ".DS_Store"

    candidates = [
        info
        for info in files
        if not is_junk(info.filename) and PurePosixPath(info.filename).suffix.lower() in _CSV_SUFFIXES
    ]
    if len(candidates) == 1:
        return candidates[0]
    listing = ", ".join(info.filename for info in files) or "nothing"
    if candidates:
        raise FileRejected(
            display, f"the zip archive must hold exactly one CSV file, it holds {len(candidates)}; members: {listing}"
        )
    hint = (
        " (this is an Excel .xlsx workbook: save it as CSV)" if any(i.filename.startswith("xl/") for i in files) else ""
    )
    raise FileRejected(display, f"the zip archive holds no CSV file{hint}; members: {listing}")


# --------------------------------------------------------------------------- decoding


def _latin1_for_undefined(exc: UnicodeError) -> tuple[str, int]:
    """Decode the five bytes cp1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) as latin-1 does."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error(_CP1252_FALLBACK, _latin1_for_undefined)


class _Decoder:
    """Turn the byte stream into text chunks, choosing UTF-8 or cp1252 as it goes.

    The first chunk (1 MiB) is the sample: a BOM or valid non-ASCII UTF-8 settles on UTF-8,
    a non-UTF-8 byte settles on cp1252. A pure-ASCII sample stays tentatively UTF-8; at the
    first byte that is not UTF-8 it switches to cp1252, which is safe because everything
    decoded before was ASCII and reads the same in both. A non-UTF-8 byte after real UTF-8
    text means mixed encodings, and that is refused rather than guessed.
    """

    def __init__(self, stream: BinaryReadable, name: str, compression: str | None, chunk_size: int) -> None:
        self.encoding = "utf-8"
        self._stream = stream
        self._name = name
        self._compression = compression
        self._chunk_size = chunk_size
        self._utf8_seen = False  # True once non-ASCII UTF-8 (or a BOM) has been read

    def _read(self, size: int | None = None) -> bytes:
        try:
            return _read_at_least(self._stream, size or self._chunk_size)
        except (EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
            what = f"{self._compression} data" if self._compression else "file"
            raise _ReadFailed(f"the {what} is damaged or truncated ({exc})") from exc

    def chunks(self) -> Iterator[str]:
        """Yield decoded text; raise ``_MixedText`` or ``_ReadFailed`` where the bytes go wrong."""
        data = self._read(max(self._chunk_size, 4))  # a BOM must fit in the first read
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
            self.encoding = "utf-8-sig"
            self._utf8_seen = True
        elif data.startswith(_UTF16_32_BOMS):
            raise FileRejected(self._name, "the file is UTF-16 or UTF-32 text: save it as UTF-8 CSV")
        pending = b""
        while True:
            final = not data
            buffer = pending + data if pending else data
            pending = b""
            if self.encoding == "cp1252":
                text = buffer.decode("cp1252", _CP1252_FALLBACK)
            else:
                text, pending = self._decode_utf8(buffer, final)
            if text:
                yield text
            if final:
                return
            data = self._read()

    def _decode_utf8(self, buffer: bytes, final: bool) -> tuple[str, bytes]:
        """Decode ``buffer`` as UTF-8, keeping a sequence cut by the chunk boundary for the next chunk."""
        try:
            text = buffer.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not final and exc.reason == "unexpected end of data" and len(buffer) - exc.start < 4:
                text, rest = buffer[: exc.start].decode("utf-8"), buffer[exc.start :]
                self._utf8_seen = self._utf8_seen or not text.isascii()
                return text, rest
            head = buffer[: exc.start]
            if not self._utf8_seen and head.isascii():
                self.encoding = "cp1252"
                return buffer.decode("cp1252", _CP1252_FALLBACK), b""
            # Hand back the good text first so the line counter can name the line of the bad byte.
            raise _MixedText(head.decode("utf-8"), buffer[exc.start]) from None
        self._utf8_seen = self._utf8_seen or not text.isascii()
        return text, b""


class _MixedText(Exception):
    """Internal: valid text followed by a byte that makes the file mixed-encoding."""

    def __init__(self, text: str, byte: int) -> None:
        super().__init__(byte)
        self.text = text
        self.byte = byte


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


# What str.splitlines breaks on besides \n, \r and \r\n.
_OTHER_LINE_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _physical_lines(decoder: _Decoder, name: str) -> Iterator[list[str]]:
    """Yield lists of physical lines (endings kept; ``\\n``, ``\\r\\n`` and ``\\r`` only).

    ``str.splitlines`` also breaks on form feeds, U+0085, U+2028 and others, which are data
    inside a CSV field (the csv module would then count lines differently): it splits only
    text without any of them.
    """
    pending = ""
    done = 0  # complete lines handed out so far
    chunks = decoder.chunks()
    while True:
        try:
            chunk = next(chunks, None)
        except _MixedText as exc:
            chunk = exc.text
            bad: int | None = exc.byte
        except _ReadFailed as exc:
            raise FileRejected(name, f"{exc}; read up to line {done}") from None
        else:
            bad = None
        if chunk is None:
            break
        text = pending + chunk if pending else chunk
        if "\x00" in text:
            line = done + 1 + _line_breaks(text[: text.index("\x00")])
            raise FileRejected(
                name,
                f"line {line} contains a NUL byte: this is a binary file or UTF-16 text, not a UTF-8 or cp1252 CSV",
                [RowError(name, line, None, "contains a NUL byte")],
            )
        if any(other in text for other in _OTHER_LINE_BREAKS):
            lines = io.StringIO(text, newline="").readlines()
        else:  # the same lines, split about three times as fast
            lines = text.splitlines(keepends=True)
        # An unterminated last line, or one ending in a lone CR that may be half of CRLF, waits for more text.
        pending = lines.pop() if lines and not lines[-1].endswith("\n") else ""
        if bad is not None:
            line = done + len(lines) + 1 + (1 if pending.endswith("\r") else 0)
            message = (
                f"line {line}: byte 0x{bad:02X} is not UTF-8, but earlier lines are UTF-8: the file mixes "
                "encodings; save it again as UTF-8"
            )
            raise FileRejected(name, message, [RowError(name, line, None, f"byte 0x{bad:02X} is not UTF-8")])
        if len(pending) > MAX_LINE_CHARS:
            raise FileRejected(
                name, f"line {done + len(lines) + 1} runs past {MAX_LINE_CHARS:,} characters without a line break"
            )
        done += len(lines)
        if lines:
            yield lines
    if pending:
        yield [pending]


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


def normalize_header(name: str) -> str:
    """Strip BOMs and surrounding whitespace and collapse inner whitespace runs; case is kept."""
    return " ".join(name.replace("\ufeff", "").split())


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


# --------------------------------------------------------------------------- header checks


def _quoted_list(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def check_header(
    header: Sequence[str],
    required: Iterable[str],
    optional: Iterable[str] = (),
    *,
    file: str = "",
    line: int | None = 1,
    allow_unknown: bool = True,
) -> list[RowError]:
    """Return problems with ``header``: duplicate names, missing required and (optionally) unknown columns.

    Names are compared exactly (after ``normalize_header``); a column that differs only in
    case is pointed out in the message rather than accepted.
    """
    errors: list[RowError] = []
    names = [normalize_header(column) for column in header]
    positions: dict[str, list[int]] = {}
    for index, column in enumerate(names, start=1):
        if column:
            positions.setdefault(column, []).append(index)
    for column, where in positions.items():
        if len(where) > 1:
            columns = ", ".join(str(position) for position in where)
            errors.append(RowError(file, line, column, f'duplicate header name "{column}" (columns {columns})'))

    required_list = list(dict.fromkeys(required))
    optional_list = [column for column in dict.fromkeys(optional) if column not in required_list]
    present = set(positions)
    missing = [column for column in required_list if column not in present]
    if missing:
        by_folded = {column.casefold(): column for column in present}
        hints = [
            f'"{by_folded[column.casefold()]}" differs from "{column}" only in case'
            for column in missing
            if column.casefold() in by_folded
        ]
        plural = "s" if len(missing) > 1 else ""
        message = (
            f"missing required column{plural} {_quoted_list(missing)}; expected headers: {_quoted_list(required_list)}"
        )
        if optional_list:
            message += f" (optional: {_quoted_list(optional_list)})"
        if hints:
            message += "; " + "; ".join(hints)
        errors.append(RowError(file, line, None, message))
    if not allow_unknown:
        known = set(required_list) | set(optional_list)
        unknown = [column for column in positions if column not in known]
        if unknown:
            plural = "s" if len(unknown) > 1 else ""
            known_list = _quoted_list([*required_list, *optional_list])
            message = f"unknown column{plural} {_quoted_list(unknown)}; known: {known_list}"
            errors.append(RowError(file, line, None, message))
    return errors


def _fits(validator: Callable[[str], object], value: str) -> bool:
    try:
        return validator(value) is not False
    except ValueError:
        return False


def check_columns_match(
    rows: Iterable[Mapping[str, str]],
    validators: Mapping[str, Callable[[str], object]],
    *,
    file: str = "",
    sample_size: int = 100,
    max_bad_share: float = 0.5,
    min_values: int = 3,
) -> list[RowError]:
    """Report columns whose values mostly fail their validator: the header does not match the columns.

    A validator takes the stripped, non-empty cell text and fails by raising ``ValueError`` or
    returning ``False`` (so both ``parse_date`` and ``looks_like_text`` work). Empty cells are
    not counted: scraped files leave dates empty. A column is reported when at least
    ``min_values`` values were tested and more than ``max_bad_share`` of them fail; the message
    says which other validated column the values would fit, if any. Give it a sample such as
    ``reader.peek(100)``; rows without a ``line`` attribute are reported without one.
    """
    sample = list(itertools.islice(rows, sample_size))
    values: dict[str, list[tuple[int | None, str]]] = {column: [] for column in validators}
    for row in sample:
        for column in validators:
            text = (row.get(column) or "").strip()
            if text:
                values[column].append((getattr(row, "line", None), text))
    errors: list[RowError] = []
    for column, validator in validators.items():
        tested = values[column]
        if len(tested) < min_values:
            continue
        bad = [(line, text) for line, text in tested if not _fits(validator, text)]
        if len(bad) <= max_bad_share * len(tested):
            continue
        first_line, first_text = bad[0]
        message = f'{len(bad)} of {len(tested)} sampled values do not fit this column (such as "{first_text}")'
        fits_elsewhere = [
            other
            for other, other_validator in validators.items()
            if other != column and sum(_fits(other_validator, text) for _, text in bad) > (1 - max_bad_share) * len(bad)
        ]
        if fits_elsewhere:
            message += f"; they look like {_quoted_list(fits_elsewhere)} values"
        message += ": does the header match the columns?"
        errors.append(RowError(file, first_line, column, message))
    return errors


# --------------------------------------------------------------------------- money

_CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "US$": "USD", "R$": "BRL", "$": "USD"}
_DOLLAR_CURRENCIES = frozenset({"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN"})
_CURRENCY = r"[A-Z]{3}|US\$|R\$|[€£¥$]"
_MINUS = r"[-−]"
_MONEY_RE = re.compile(
    rf"(?P<sign1>{_MINUS})?\s*(?P<before>{_CURRENCY})?\s*(?P<sign2>{_MINUS})?\s*"
    rf"(?P<number>[0-9][0-9.,' ]*?)\s*(?P<after>{_CURRENCY})?"
)
# The first group may not start with 0: "0,123" is not 123.
_GROUPED = {sep: re.compile(rf"[1-9][0-9]{{0,2}}(?:{re.escape(sep)}[0-9]{{3}})+") for sep in (".", ",", " ", "'")}


def parse_money(
    text: str,
    default_currency: str | None = None,
    *,
    allow_negative: bool = False,
    decimal_separator: Literal[".", ","] | None = None,
) -> tuple[int, str | None]:
    """Read an amount as ``(cents, currency)``; currency is from the text, else ``default_currency``.

    Accepted: ``EUR130.00``, ``130.00 EUR``, ``$732``, ``$1,000``, ``€1.234,50``, ``1.234,50 €``,
    ``£89.99``, ``129,95``, ``1 234,50``, ``1'234.50``, a leading minus (only with
    ``allow_negative``). Currency: a three-letter upper-case code, ``€ £ ¥ R$ US$``, or ``$``,
    which means ``default_currency`` when that is a dollar currency (CAD, AUD...) and USD
    otherwise.

    Separator rule, unless ``decimal_separator`` fixes it for a feed known to use one:

    * spaces and apostrophes only ever group thousands;
    * if both ``.`` and ``,`` occur, the last one is the decimal separator (``1.234,50``, ``1,234.50``);
    * if only one of them occurs more than once, it groups thousands (``1,000,000``);
    * if it occurs once, it groups thousands when exactly three digits follow (``1,000`` and
      ``1.234`` are one thousand and 1,234), else it is the decimal separator (``129,95``, ``12.5``).

    Thousands groups must have three digits (``1,23,456`` is refused), and at most two
    decimals are accepted (``1.2345`` is refused): a cent is the unit here.
    """
    original = text
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ").strip()
    match = _MONEY_RE.fullmatch(text)
    if not match:
        raise InvalidAmount(f'"{original}" is not an amount' if text else "an empty value is not an amount")
    before, after = match["before"], match["after"]
    if before and after and before != after:
        raise InvalidAmount(f'"{original}" names two currencies')
    symbol = before or after
    currency: str | None
    if symbol is None:
        currency = default_currency
    elif symbol == "$":
        currency = default_currency if default_currency in _DOLLAR_CURRENCIES else "USD"
    else:
        currency = _CURRENCY_SYMBOLS.get(symbol, symbol)
    negative = bool(match["sign1"] or match["sign2"])
    if match["sign1"] and match["sign2"]:
        raise InvalidAmount(f'"{original}" is not an amount')
    cents = _cents(match["number"], original, decimal_separator)
    if negative and cents:
        if not allow_negative:
            raise InvalidAmount(f'"{original}" is negative; a negative amount is not allowed here')
        cents = -cents
    return cents, currency


def _cents(number: str, original: str, decimal_separator: str | None) -> int:
    """Turn the digits-and-separators part into cents following the rule in ``parse_money``."""
    if not number[-1].isdigit():
        raise InvalidAmount(f'"{original}" is not an amount')
    decimal = decimal_separator
    if decimal is None:
        last_dot, last_comma = number.rfind("."), number.rfind(",")
        if last_dot >= 0 and last_comma >= 0:
            decimal = "." if last_dot > last_comma else ","
        elif last_dot >= 0 or last_comma >= 0:
            separator = "." if last_dot >= 0 else ","
            digits_after = len(number) - max(last_dot, last_comma) - 1
            if number.count(separator) == 1 and digits_after != 3:
                decimal = separator
    whole, fraction = number, ""
    if decimal is not None and decimal in number:
        whole, fraction = number.rsplit(decimal, 1)
        if not fraction.isdigit():
            raise InvalidAmount(f'"{original}" is not an amount')
        if len(fraction) > 2:
            raise InvalidAmount(f'"{original}" has more than two decimals')
    if not whole.isdigit():
        separators = {char for char in whole if not char.isdigit()}
        if len(separators) != 1 or not _GROUPED[separators.pop()].fullmatch(whole):
            raise InvalidAmount(f'"{original}" is not an amount: its separators do not group thousands by three digits')
    digits = "".join(char for char in whole if char.isdigit())
    if len(digits) > 15:
        raise InvalidAmount(f'"{original}" is too large to be an amount')
    return int(digits) * 100 + int(fraction.ljust(2, "0"))


def looks_like_amount(text: str) -> bool:
    """Return whether ``text`` reads as a money amount (negative included)."""
    try:
        parse_money(text, allow_negative=True)
    except InvalidAmount:
        return False
    return True


# --------------------------------------------------------------------------- dates

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_ISO_DATE = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})")
_YMD_SLASH = re.compile(r"(?P<year>[0-9]{4})/(?P<month>[0-9]{1,2})/(?P<day>[0-9]{1,2})")
_DOTTED = re.compile(r"(?P<day>[0-9]{1,2})\.(?P<month>[0-9]{1,2})\.(?P<year>[0-9]{4}|[0-9]{2})")
_NUMERIC = re.compile(r"(?P<a>[0-9]{1,2})(?P<sep>[/-])(?P<b>[0-9]{1,2})(?P=sep)(?P<year>[0-9]{4}|[0-9]{2})")
_WEEKDAY_PREFIX = r"(?:(?P<weekday>[A-Za-z]+)\.?,?\s+)?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_NAMED_MDY = re.compile(
    rf"{_WEEKDAY_PREFIX}(?P<month>[A-Za-z]+)\.?\s+(?P<day>[0-9]{{1,2}}){_ORDINAL},?\s+(?P<year>[0-9]{{4}})",
    re.IGNORECASE,
)
_NAMED_DMY = re.compile(
    rf"{_WEEKDAY_PREFIX}(?P<day>[0-9]{{1,2}}){_ORDINAL}\.?\s+(?P<month>[A-Za-z]+)\.?,?\s+(?P<year>[0-9]{{4}})",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"(?P<date>.+?)(?:T|\s+|,\s*)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]{1,9}))?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*(?P<zone>[Zz]|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)


def _year(text: str) -> int:
    # Two-digit years follow strptime's %y pivot: 00-68 are 20xx, 69-99 are 19xx.
    value = int(text)
    if len(text) == 2:
        return value + (2000 if value < 69 else 1900)
    return value


def _make_date(original: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidDate(f'"{original}" is not a real date (year {year}, month {month}, day {day})') from None


def parse_date(text: str, *, dayfirst: bool | None = None) -> date:
    """Read a calendar date.

    Accepted: ISO ``2025-10-12``, ``2025/10/12``, ``17.10.2017`` (always day first),
    ``Tuesday, October 17, 2017``, ``Oct 17, 2017``, ``17 October 2017``, and ``12/10/2025`` or
    ``12-10-25`` only when ``dayfirst`` says which number is the day: without it they are
    ambiguous and refused. Two-digit years are 2000-2068 or 1969-1999. A weekday, if given,
    must match the date. English month and weekday names only.
    """
    original = text
    text = " ".join(text.split())
    if not text:
        raise InvalidDate("an empty value is not a date")
    for pattern in (_ISO_DATE, _YMD_SLASH, _DOTTED):
        if match := pattern.fullmatch(text):
            return _make_date(original, _year(match["year"]), int(match["month"]), int(match["day"]))
    if match := _NUMERIC.fullmatch(text):
        if dayfirst is None:
            raise InvalidDate(
                f'"{original}" is ambiguous: it could be day/month or month/day, and the order is not configured'
            )
        day, month = (match["a"], match["b"]) if dayfirst else (match["b"], match["a"])
        return _make_date(original, _year(match["year"]), int(month), int(day))
    for pattern in (_NAMED_MDY, _NAMED_DMY):
        if (match := pattern.fullmatch(text)) and match["month"].lower() in _MONTHS:
            result = _make_date(original, int(match["year"]), _MONTHS[match["month"].lower()], int(match["day"]))
            weekday = match["weekday"]
            if weekday is not None:
                if weekday.lower() not in _WEEKDAYS:
                    raise InvalidDate(f'"{original}" is not a date: unknown weekday "{weekday}"')
                if _WEEKDAYS[weekday.lower()] != result.weekday():
                    # Names spelled out: strftime's %A and %B follow the process locale.
                    month_name = _MONTH_NAMES[result.month - 1]
                    actual = _WEEKDAY_NAMES[result.weekday()]
                    raise InvalidDate(
                        f'"{original}" is not a date: {month_name} {result.day}, {result.year} is a {actual}'
                    )
            return result
    if _TIME.fullmatch(text):
        raise InvalidDate(f'"{original}" has a time of day where a date alone is expected')
    raise InvalidDate(f'"{original}" is not a date')


def _zone(text: str) -> tzinfo:
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise InvalidDate(f'"{text}" is not a time zone offset')
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_datetime(text: str, *, dayfirst: bool | None = None, default_tz: tzinfo | str | None = None) -> datetime:
    """Read a date and time and return it timezone-aware, in UTC.

    The date part takes every form ``parse_date`` does; the time is ``HH:MM[:SS[.ffffff]]``
    after ``T``, a space or a comma, optionally with AM/PM, then optionally ``Z``, ``UTC`` or an
    offset like ``+02:00``. A date alone means midnight. Without a zone in the text the time is
    local to ``default_tz`` (a ``tzinfo`` or an IANA name such as ``"Europe/Berlin"``); without
    either it is refused rather than guessed. A local time skipped by a DST change is refused;
    one repeated by it is read as the first occurrence.
    """
    original = text
    text = " ".join(text.split())
    match = _TIME.fullmatch(text)
    if match:
        try:
            day = parse_date(match["date"], dayfirst=dayfirst)
        except InvalidDate as exc:
            raise InvalidDate(f'"{original}" is not a date and time ({exc})') from None
        hour, minute = int(match["hour"]), int(match["minute"])
        second = int(match["second"] or 0)
        microsecond = int((match["fraction"] or "0")[:6].ljust(6, "0"))
        if match["ampm"]:
            if not 1 <= hour <= 12:
                raise InvalidDate(f'"{original}" is not a time: hour {hour} with AM/PM')
            hour = hour % 12 + (12 if match["ampm"][0] in "Pp" else 0)
        if hour > 23 or minute > 59 or second > 59:
            raise InvalidDate(f'"{original}" is not a real time of day')
        naive = datetime.combine(day, time(hour, minute, second, microsecond))
        zone_text = match["zone"]
    else:
        naive = datetime.combine(parse_date(text, dayfirst=dayfirst), time())
        zone_text = None
    if zone_text:
        return naive.replace(tzinfo=_zone(zone_text)).astimezone(UTC)
    if default_tz is None:
        raise InvalidDate(f'"{original}" has no time zone, and no default zone is configured for it')
    zone = ZoneInfo(default_tz) if isinstance(default_tz, str) else default_tz
    aware = naive.replace(tzinfo=zone, fold=0)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise InvalidDate(f'"{original}" does not exist in {zone} (the clocks skip it)')
    return aware.astimezone(UTC)


def looks_like_date(text: str) -> bool:
    """Return whether ``text`` reads as a date or date and time in any accepted form and day order."""
    for dayfirst in (True, False):
        try:
            parse_datetime(text, dayfirst=dayfirst, default_tz=UTC)
        except InvalidDate:
            continue
        return True
    return False


def looks_like_text(text: str) -> bool:
    """Return whether ``text`` is neither a date nor an amount: a validator for name-like columns."""
    return not looks_like_date(text) and not looks_like_amount(text)


# --------------------------------------------------------------------------- booleans and integers

_TRUE = frozenset({"1", "yes", "true", "y", "in stock", "instock"})
_FALSE = frozenset({"0", "no", "false", "n", "out of stock", "outofstock"})
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}(?:\.0+)?")


def parse_bool(text: str) -> bool:
    """Read 1/0, yes/no, true/false, y/n or in stock/out of stock, in any case."""
    folded = " ".join(text.split()).casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise InvalidBoolean(f'"{text}" is not a yes/no value (use 1/0, yes/no, true/false, y/n, in stock/out of stock)')


def parse_int(text: str) -> int:
    """Read a whole number; ``12.0`` is 12 (spreadsheets write that) but ``12.5`` is refused."""
    stripped = text.strip()
    if not _INTEGER.fullmatch(stripped):
        if not stripped:
            raise InvalidInteger("an empty value is not a whole number")
        raise InvalidInteger(f'"{text}" is not a whole number')
    return int(stripped.split(".", 1)[0])


# --------------------------------------------------------------------------- exports

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_T = TypeVar("_T")


@overload
def escape_formula(value: str, *, numeric: bool = False) -> str: ...
@overload
def escape_formula(value: _T, *, numeric: bool = False) -> _T: ...
def escape_formula(value: object, *, numeric: bool = False) -> object:
    """Prefix ``'`` to text a spreadsheet would run as a formula (starting ``= + - @``, tab or CR).

    In a ``numeric`` column a plain number such as ``-12.5`` is left alone so it stays a
    number; anything else starting that way is still escaped. Non-text values pass through.
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_TRIGGERS):
        return value
    if numeric and _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value
