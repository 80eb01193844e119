"""Open any upload as text: unwrap gzip and zip by magic bytes, decode UTF-8 or cp1252, split physical lines."""

from __future__ import annotations

import codecs
import gzip
import io
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Protocol, cast

from soleflip.tabular.errors import FileRejected, RowError, _ReadFailed

CHUNK_SIZE = 1 << 20
#: A physical line longer than this is not CSV (or has no line breaks at all); stop before memory grows.
MAX_LINE_CHARS = 16 * 1024 * 1024

#: Decompression limits. A real export packs 5 to 20 times (gzip or deflate on CSV); a file
#: that unpacks to more than MAX_RATIO times the packed bytes read so far, once past
#: RATIO_GRACE_BYTES, is a decompression bomb (a 100 KB zip of newlines is 100 MB of empty
#: lines) and is refused within the first RATIO_GRACE_BYTES, in well under a second.
MAX_RATIO = 100
RATIO_GRACE_BYTES = 32 * 1024 * 1024
#: Nothing we import unpacks to more than this, whatever its ratio.
MAX_UNPACKED_BYTES = 16 * 1024**3

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_UTF16_32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".tab", ".psv"})
_CP1252_FALLBACK = "soleflip.cp1252_latin1"

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


class _Counting:
    """The packed stream, counting the bytes the decompressor has taken from it."""

    def __init__(self, stream: BinaryReadable) -> None:
        self._stream = stream
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        return data


def _megabytes(size: int) -> str:
    return f"{size / 1024**2:,.1f} MB"


def _check_unpacked(display: str, unpacked: int, packed: int) -> None:
    """Refuse what unpacks beyond the limits (see ``MAX_RATIO``), with the figures."""
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileRejected(
            display, f"unpacks to more than {_megabytes(MAX_UNPACKED_BYTES)}: split it, or import it unpacked"
        )
    if unpacked > RATIO_GRACE_BYTES and unpacked > MAX_RATIO * max(packed, 1):
        raise FileRejected(
            display,
            f"unpacks to more than {MAX_RATIO} times its packed size ({_megabytes(unpacked)} from "
            f"{_megabytes(packed)}): refused as a decompression bomb; real exports pack 5 to 20 times",
        )


class _Bounded:
    """The unpacked stream, refused as soon as it unpacks beyond the limits."""

    def __init__(self, stream: BinaryReadable, display: str, packed: Callable[[], int]) -> None:
        self._stream = stream
        self._display = display
        self._packed = packed
        self.unpacked = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._stream.read(size)
        self.unpacked += len(data)
        _check_unpacked(self._display, self.unpacked, self._packed())
        return data


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
        packed = _Counting(stream)
        unzipped = gzip.GzipFile(fileobj=cast(IO[bytes], packed), mode="rb")
        closers.append(unzipped.close)
        return _Opened(_Bounded(unzipped, display, lambda: packed.count), display, "gzip")
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
        # The sizes the archive declares refuse a bomb before a byte is unpacked; the bounded
        # stream holds a member to them whatever it declared.
        _check_unpacked(f"{display}/{info.filename}", info.file_size, info.compress_size)
        try:
            member = archive.open(info)
        except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as exc:
            # RuntimeError: encrypted member; NotImplementedError: compression method zipfile lacks.
            raise FileRejected(display, f"cannot open {info.filename} in the zip archive ({exc})") from exc
        closers.append(member.close)
        name = f"{display}/{info.filename}"
        return _Opened(_Bounded(member, name, lambda: info.compress_size), name, "zip")
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
