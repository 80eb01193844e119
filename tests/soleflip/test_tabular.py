"""The CSV pre-parser: containers, encodings, delimiters, line numbers, refusals and value parsers.

No database: these tests exercise pure Python, so they are not marked django_db.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from soleflip.tabular import opening
from soleflip.tabular.errors import (
    FileRejected,
    InvalidAmount,
    InvalidBoolean,
    InvalidDate,
    InvalidInteger,
    InvalidValue,
    RowError,
)
from soleflip.tabular.formulas import escape_formula
from soleflip.tabular.headers import check_columns_match, check_header, normalize_header
from soleflip.tabular.reader import Row, TabularReader, open_table
from soleflip.tabular.values import (
    looks_like_amount,
    looks_like_date,
    looks_like_text,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_int,
    parse_money,
)

# The real size?Official DE feed (1,150 size rows) that the demo imports too.
SAMPLE = Path(__file__).resolve().parents[2] / "demo" / "awin_feed_sample.csv"


@functools.cache
def sample_records() -> tuple[tuple[str, ...], ...]:
    """Return the sample parsed by the stdlib, the reference the reader must agree with."""
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        return tuple(tuple(record) for record in csv.reader(handle))


def sample_as(delimiter: str = ",") -> str:
    """Return the sample's content written again with ``delimiter`` (quoting where needed)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(sample_records())
    return out.getvalue()


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read_all(source, name=None, **kwargs):
    with open_table(source, name, **kwargs) as table:
        return table, list(table)


def expected_rows() -> list[dict[str, str]]:
    header, *records = sample_records()
    return [dict(zip(header, record, strict=True)) for record in records]


class OneWayStream:
    """A pipe-like binary stream: read() only, short reads, no seek."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self._data = data
        self._step = step

    def read(self, size: int = -1, /) -> bytes:
        size = len(self._data) if size < 0 else min(size, self._step)
        chunk, self._data = self._data[:size], self._data[size:]
        return chunk


# --------------------------------------------------------------------------- the real Awin sample


def test_real_awin_sample_is_read_end_to_end():
    table, rows = read_all(SAMPLE)
    assert table.name == "awin_feed_sample.csv"
    assert (table.delimiter, table.encoding, table.compression) == (",", "utf-8", None)
    assert len(table.header) == 92
    assert table.header[0] == "aw_deep_link" and table.header[-1] == "Fashion:swatch"
    assert len(rows) == 1150 == table.rows_read
    assert [row.line for row in rows[:3]] == [2, 3, 4] and rows[-1].line == 1151

    first = rows[0]
    assert first["product_name"] == "ASICS GT-2160 Damen, weiss"
    assert first["aw_product_id"] == "38953129761"
    assert first["merchant_product_id"] == "003750677"  # leading zeros survive: values stay text
    assert first["ean"] == "4550457535267"
    assert first["display_price"] == "EUR130.00"
    assert first["Fashion:size"] == "36"
    assert "„Olympic Medals“" in rows[1]["description"]
    assert Counter(row["category_name"] for row in rows) == {
        "Men's Footwear": 608,
        "Women's Footwear": 457,
        "Children's Footwear": 85,
    }
    assert Counter(row["in_stock"] for row in rows) == {"1": 1043, "0": 107}
    assert {row["product_GTIN"] for row in rows} == {""}


def test_real_sample_values_parse_with_the_value_parsers():
    _, rows = read_all(SAMPLE)
    first = rows[0]
    assert parse_money(first["search_price"], first["currency"]) == (13000, "EUR")
    assert parse_money(first["display_price"]) == (13000, "EUR")
    assert parse_bool(first["in_stock"]) is True
    assert parse_int(first["stock_quantity"]) == 8


def test_real_sample_header_passes_the_header_check():
    with open_table(SAMPLE) as table:
        table.check_header(required={"aw_product_id", "ean", "search_price", "currency"}, optional={"colour"})


def test_cp1252_copy_of_the_sample_reads_the_same(tmp_path):
    path = write(tmp_path, "feed.csv", SAMPLE.read_text(encoding="utf-8").encode("cp1252"))
    table, rows = read_all(path)
    assert table.encoding == "cp1252"
    assert rows == expected_rows()
    assert "„Olympic Medals“" in rows[1]["description"]


def test_sample_with_bom_reads_the_same_and_the_first_header_has_no_bom(tmp_path):
    path = write(tmp_path, "feed.csv", b"\xef\xbb\xbf" + SAMPLE.read_bytes())
    table, rows = read_all(path)
    assert table.encoding == "utf-8-sig"
    assert table.header[0] == table.raw_header[0] == "aw_deep_link"
    assert rows == expected_rows()


@pytest.mark.parametrize(
    ("delimiter", "suffix"), [(";", "csv"), ("|", "psv"), ("\t", "tsv")], ids=["semi", "pipe", "tab"]
)
def test_sample_with_another_delimiter_is_sniffed(tmp_path, delimiter, suffix):
    path = write(tmp_path, f"feed.{suffix}", sample_as(delimiter))
    table, rows = read_all(path)
    assert table.delimiter == delimiter
    assert rows == expected_rows()
    assert rows[-1].line == 1151


def test_gzipped_sample_is_unwrapped(tmp_path):
    path = write(tmp_path, "feed.csv.gz", gzip.compress(SAMPLE.read_bytes()))
    table, rows = read_all(path)
    assert table.compression == "gzip"
    assert table.name == "feed.csv.gz"
    assert rows == expected_rows()


def test_zipped_sample_is_unwrapped_and_named_by_its_member(tmp_path):
    path = tmp_path / "feeds.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("awin/feed.csv", SAMPLE.read_bytes())
    table, rows = read_all(path)
    assert table.compression == "zip"
    assert table.name == "feeds.zip/awin/feed.csv"
    assert rows == expected_rows()


def _newlines(megabytes: int) -> bytes:
    """A header and then nothing but line breaks: packs about a thousand times."""
    return b"a,b\n" + b"\n" * (megabytes << 20)


def test_a_gzip_bomb_is_refused_early_with_its_figures(tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "RATIO_GRACE_BYTES", 1 << 20)
    path = write(tmp_path, "feed.csv.gz", gzip.compress(_newlines(64)))
    with pytest.raises(FileRejected) as refused:
        read_all(path)
    message = str(refused.value)
    assert "unpacks to more than 100 times its packed size" in message and "decompression bomb" in message
    # Refused soon after the grace megabyte, not after unpacking all 64.
    unpacked = float(re.search(r"\(([0-9.,]+) MB from", message)[1].replace(",", ""))  # type: ignore[index]
    assert 1 < unpacked < 4


def test_a_zip_bomb_is_refused_by_its_declared_sizes_and_while_it_unpacks(tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "RATIO_GRACE_BYTES", 1 << 20)
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("feed.csv", _newlines(16))
    with pytest.raises(FileRejected, match=r"feed\.zip/feed\.csv: unpacks to more than 100 times its packed size"):
        read_all(path)
    # A member that lies about its size is held to the limit while it unpacks.
    monkeypatch.setattr(opening, "_check_unpacked", lambda *args: None)  # the up-front check, out of the way
    with open_table(path) as table:
        monkeypatch.undo()
        monkeypatch.setattr(opening, "RATIO_GRACE_BYTES", 1 << 20)
        with pytest.raises(FileRejected, match="decompression bomb"):
            list(table)


def test_a_real_export_packing_ten_times_passes_the_limits(tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "RATIO_GRACE_BYTES", 1 << 16)
    data = SAMPLE.read_bytes() * 3
    packed = gzip.compress(data)
    assert 3 < len(data) / len(packed) < 30
    _table, rows = read_all(write(tmp_path, "feed.csv.gz", packed))
    assert len(rows) > 3000


def test_gzipped_cp1252_semicolon_sample_from_a_pipe(tmp_path):
    data = gzip.compress(sample_as(";").encode("cp1252"))
    table, rows = read_all(OneWayStream(data, step=4096), "upload.csv.gz")
    assert (table.compression, table.encoding, table.delimiter) == ("gzip", "cp1252", ";")
    assert rows == expected_rows()


# --------------------------------------------------------------------------- containers


def test_gzip_is_recognized_by_magic_bytes_not_by_extension(tmp_path):
    path = write(tmp_path, "feed.csv", gzip.compress(b"a,b\n1,2\n"))
    table, rows = read_all(path)
    assert table.compression == "gzip"
    assert rows == [{"a": "1", "b": "2"}]


def test_zip_is_recognized_by_magic_bytes_not_by_extension(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("feed.csv", "a,b\n1,2\n")
    table, rows = read_all(write(tmp_path, "download.bin", buffer.getvalue()))
    assert table.compression == "zip"
    assert rows == [{"a": "1", "b": "2"}]


def test_plain_file_named_gz_is_read_as_plain_text(tmp_path):
    table, rows = read_all(write(tmp_path, "feed.csv.gz", "a,b\n1,2\n"))
    assert table.compression is None
    assert rows == [{"a": "1", "b": "2"}]


def test_zip_with_two_csv_files_is_refused_listing_its_members(tmp_path):
    path = tmp_path / "feeds.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("de.csv", "a,b\n1,2\n")
        archive.writestr("fr.csv", "a,b\n1,2\n")
        archive.writestr("readme.md", "hello")
    with pytest.raises(
        FileRejected, match=re.escape("exactly one CSV file, it holds 2; members: de.csv, fr.csv, readme.md")
    ):
        open_table(path)


def test_zip_without_a_csv_file_is_refused_and_an_xlsx_is_named(tmp_path):
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/workbook.xml", "<x/>")
    with pytest.raises(FileRejected) as caught:
        open_table(path)
    assert str(caught.value) == (
        "report.xlsx: the zip archive holds no CSV file (this is an Excel .xlsx workbook: save it as CSV); "
        "members: [Content_Types].xml, xl/workbook.xml"
    )


def test_zip_ignores_macos_metadata_members(tmp_path):
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("feed.csv", "a,b\n1,2\n")
        archive.writestr("__MACOSX/._feed.csv", b"\x00\x05\x16\x07")
    _, rows = read_all(path)
    assert rows == [{"a": "1", "b": "2"}]


def test_zip_from_a_non_seekable_stream_is_spooled(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("feed.csv", "a;b\n1;2\n3;4\n")
    table, rows = read_all(OneWayStream(buffer.getvalue()), "upload.zip")
    assert table.name == "upload.zip/feed.csv"
    assert [row.line for row in rows] == [2, 3]


def test_damaged_zip_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("feed.csv", "a,b\n1,2\n")
    path = write(tmp_path, "feed.zip", buffer.getvalue()[:30])
    with pytest.raises(FileRejected, match=re.escape("feed.zip: the zip archive is damaged or truncated")):
        open_table(path)


def test_truncated_gzip_is_refused(tmp_path):
    data = gzip.compress(b"a,b\n" + b"1,2\n" * 10_000)
    path = write(tmp_path, "feed.csv.gz", data[: len(data) // 2])
    with pytest.raises(FileRejected, match="the gzip data is damaged or truncated"):
        read_all(path)


def test_binary_file_object_is_read_from_its_position_and_named_by_the_caller():
    handle = io.BytesIO(b"junk-before|a,b\n1,2\n")
    handle.seek(len(b"junk-before|"))
    table, rows = read_all(handle, "sales.csv")
    assert table.name == "sales.csv"
    assert rows == [{"a": "1", "b": "2"}]
    assert not handle.closed  # the caller's file stays the caller's


def test_file_object_without_a_name_is_called_upload():
    table, _ = read_all(OneWayStream(b"a,b\n1,2\n"))
    assert table.name == "upload"


def test_path_in_messages_is_only_the_base_name(tmp_path):
    path = write(tmp_path, "feed.csv", "a,b\n1\n")
    with pytest.raises(FileRejected) as caught:
        read_all(path)
    assert str(tmp_path) not in str(caught.value)
    assert str(caught.value).startswith("feed.csv: line 2:")


def test_legacy_excel_workbook_is_refused(tmp_path):
    path = write(tmp_path, "report.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(FileRejected, match=r"Excel \.xls workbook"):
        open_table(path)


# --------------------------------------------------------------------------- encodings


def test_cp1252_is_chosen_from_the_sample(tmp_path):
    path = write(tmp_path, "feed.csv", "name;colour\nGel-Kayano;weiß\n€ Edition;Grün\n".encode("cp1252"))
    table, rows = read_all(path)
    assert table.encoding == "cp1252"
    assert rows == [{"name": "Gel-Kayano", "colour": "weiß"}, {"name": "€ Edition", "colour": "Grün"}]


def test_late_cp1252_byte_after_ascii_switches_encoding_without_losing_rows(tmp_path):
    ascii_part = "sku,name\n" + "".join(f"SKU{n},Runner {n}\n" for n in range(3000))
    data = ascii_part.encode("ascii") + "SKU-X,Café Crème\n".encode("cp1252")
    with TabularReader(write(tmp_path, "feed.csv", data), chunk_size=4096) as table:
        first = next(table)
        assert table.encoding == "utf-8"  # nothing but ASCII seen yet
        rows = [first, *table]
        assert table.encoding == "cp1252"
    assert len(rows) == 3001
    assert rows[-1] == {"sku": "SKU-X", "name": "Café Crème"}
    assert rows[-1].line == 3002


def test_utf8_characters_cut_by_chunk_boundaries_are_decoded(tmp_path):
    text = "name,colour\n" + "".join(f"Größe {n} „Ü“,weiß€\n" for n in range(500))
    for chunk_size in (1, 2, 3, 5, 64):
        with TabularReader(write(tmp_path, "feed.csv", text), chunk_size=chunk_size) as table:
            rows = list(table)
            assert table.encoding == "utf-8"
        assert rows[499] == {"name": "Größe 499 „Ü“", "colour": "weiß€"}


def test_bom_is_found_even_when_reads_are_one_byte_long(tmp_path):
    with TabularReader(write(tmp_path, "feed.csv", b"\xef\xbb\xbfean,name\n1,Gr\xc3\xbcn\n"), chunk_size=1) as table:
        assert table.raw_header == ("ean", "name")
        assert list(table) == [{"ean": "1", "name": "Grün"}]
        assert table.encoding == "utf-8-sig"


def test_cp1252_byte_after_utf8_text_is_refused_as_mixed_naming_its_line(tmp_path):
    data = "name,colour\nAir,weiß\n".encode() + b"Max,caf\xe9\nMore,x\n"
    with pytest.raises(FileRejected) as caught:
        read_all(write(tmp_path, "feed.csv", data))
    assert "line 3: byte 0xE9 is not UTF-8, but earlier lines are UTF-8" in str(caught.value)
    assert caught.value.errors == [RowError("feed.csv", 3, None, "byte 0xE9 is not UTF-8")]


def test_bytes_cp1252_leaves_undefined_fall_back_to_latin1(tmp_path):
    table, rows = read_all(write(tmp_path, "feed.csv", b"a,b\n\x81\x9d,\x80\n"))
    assert table.encoding == "cp1252"
    assert rows == [{"a": "\x81\x9d", "b": "€"}]


def test_utf16_text_is_refused_with_a_hint(tmp_path):
    path = write(tmp_path, "export.csv", "a\tb\n1\t2\n".encode("utf-16"))
    with pytest.raises(FileRejected, match="UTF-16 or UTF-32 text: save it as UTF-8 CSV"):
        open_table(path)


def test_nul_byte_is_refused_naming_its_line(tmp_path):
    path = write(tmp_path, "feed.csv", b"a,b\n1,2\n3,\x004\n")
    with pytest.raises(FileRejected, match="line 3 contains a NUL byte"):
        read_all(path)


# --------------------------------------------------------------------------- delimiters


def test_semicolon_file_with_decimal_commas_is_sniffed(tmp_path):
    table, rows = read_all(write(tmp_path, "preise.csv", "Name;Preis;Größe\nAir Max 1;129,95;42\nSamba;99,95;41\n"))
    assert table.delimiter == ";"
    assert rows[0] == {"Name": "Air Max 1", "Preis": "129,95", "Größe": "42"}


def test_delimiters_inside_quotes_do_not_fool_the_sniffer(tmp_path):
    text = 'name|note\n"Dunk; Low, Panda"|"a|b; c, d"\n"x, y"|"1;2;3"\n'
    table, rows = read_all(write(tmp_path, "feed.txt", text))
    assert table.delimiter == "|"
    assert rows == [{"name": "Dunk; Low, Panda", "note": "a|b; c, d"}, {"name": "x, y", "note": "1;2;3"}]


def test_a_short_row_among_the_first_lines_does_not_defeat_the_sniffer(tmp_path):
    path = write(tmp_path, "feed.csv", "a;b;c\n1;2;3\n4;5\n6;7;8\n")
    with pytest.raises(FileRejected, match="line 3: expected 3 fields as in the header, got 2"):
        read_all(path)


def test_no_consistent_delimiter_is_refused_naming_each_candidate(tmp_path):
    path = write(tmp_path, "notes.csv", "just one column of prose\nand a second line\n")
    with pytest.raises(FileRejected) as caught:
        open_table(path)
    message = str(caught.value)
    assert message.startswith('notes.csv: cannot tell the delimiter (tried ",", ";", tab, "|" on the first lines)')
    assert '",": the header has 1 column' in message
    assert "tab: the header has 1 column" in message


def test_header_that_two_delimiters_split_and_no_row_agrees_with_is_refused(tmp_path):
    path = write(tmp_path, "feed.csv", "a,b;c\n1 2 3\n4 5 6\n")
    with pytest.raises(FileRejected) as caught:
        open_table(path)
    assert '",": 2 columns, and 0 of 2 rows have that many; ";": 2 columns, and 0 of 2 rows' in str(caught.value)


def test_rows_break_the_tie_between_delimiters_that_split_the_header(tmp_path):
    table, _ = read_all(write(tmp_path, "feed.csv", "Preis, EUR;Name\n12,50;Air\n13,50;Max\n14;Dunk\n"))
    assert table.delimiter == ";"


def test_explicit_delimiter_skips_sniffing(tmp_path):
    table, rows = read_all(write(tmp_path, "eans.csv", "ean\n4550457535267\n"), delimiter=",")
    assert table.delimiter == ","
    assert rows == [{"ean": "4550457535267"}]


def test_an_invalid_explicit_delimiter_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError, match="one character"):
        open_table(write(tmp_path, "f.csv", "a,b\n"), delimiter=",,")


# --------------------------------------------------------------------------- rows and line numbers


def test_multiline_quoted_field_keeps_the_line_where_the_row_starts(tmp_path):
    text = 'sku,description,price\nA,"first line\nsecond line\n\nfourth line",10\nB,plain,20\nC,"x\r\ny",30\n'
    _, rows = read_all(write(tmp_path, "feed.csv", text))
    assert [(row.line, row["sku"]) for row in rows] == [(2, "A"), (6, "B"), (7, "C")]
    assert rows[0]["description"] == "first line\nsecond line\n\nfourth line"
    assert rows[2]["description"] == "x\r\ny"


def test_line_numbers_do_not_depend_on_where_chunks_are_cut(tmp_path):
    text = 'a,b\r\n"1\r\n\r\nx",2\r\n\r\n3,"4\r5"\r6,7\r\n' * 50
    path = write(tmp_path, "feed.csv", "a,b\r\n" + text.replace("a,b\r\n", ""))
    with TabularReader(path) as table:
        reference = [(row.line, dict(row)) for row in table]
    assert [line for line, _ in reference[:4]] == [2, 6, 8, 9]
    for chunk_size in (1, 2, 3, 7):
        with TabularReader(path, chunk_size=chunk_size) as table:
            assert [(row.line, dict(row)) for row in table] == reference


def test_error_after_a_multiline_field_names_the_physical_line(tmp_path):
    text = 'sku,description\nA,"one\ntwo\nthree"\nB\n'
    with pytest.raises(FileRejected, match="line 5: expected 2 fields"):
        read_all(write(tmp_path, "feed.csv", text))


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_line_endings_do_not_change_line_numbers(tmp_path, newline):
    text = newline.join(["a,b", "1,2", "", "3,4", ""])
    _, rows = read_all(write(tmp_path, "feed.csv", text))
    assert [(row.line, row["a"]) for row in rows] == [(2, "1"), (4, "3")]


def test_blank_lines_are_skipped_but_counted(tmp_path):
    text = "\n\na,b\n\n1,2\n   \n\t\n3,4\n\n"
    table, rows = read_all(write(tmp_path, "feed.csv", text))
    assert table.header_line == 3
    assert [(row.line, row["b"]) for row in rows] == [(5, "2"), (8, "4")]


def test_last_row_without_a_line_break_is_read(tmp_path):
    _, rows = read_all(write(tmp_path, "feed.csv", "a,b\n1,2\n3,4"))
    assert [row.line for row in rows] == [2, 3]


def test_a_row_of_empty_fields_is_a_row_not_a_blank_line(tmp_path):
    _, rows = read_all(write(tmp_path, "feed.csv", "a,b\n,\n"))
    assert rows == [{"a": "", "b": ""}]


def test_values_are_returned_exactly_as_written(tmp_path):
    _, rows = read_all(write(tmp_path, "stockx.csv", "Brand,Sneaker Name\n Yeezy,Adidas-Yeezy-Boost-350 \n"))
    assert rows == [{"Brand": " Yeezy", "Sneaker Name": "Adidas-Yeezy-Boost-350 "}]


def test_short_row_is_an_error_naming_its_line(tmp_path):
    path = write(tmp_path, "feed.csv", "sku,name,price\nA,Air,10\nB,Max\nC,Dunk,30\n")
    with pytest.raises(FileRejected) as caught:
        read_all(path)
    assert str(caught.value) == (
        "feed.csv: line 3: expected 3 fields as in the header, got 2 "
        "(a missing field, or a line break inside an unquoted value?)"
    )
    (error,) = caught.value.errors
    assert (error.file, error.line, error.column) == ("feed.csv", 3, None)
    assert str(error).startswith("feed.csv, line 3: expected 3 fields as in the header, got 2")


def test_extra_field_is_an_error_naming_its_line(tmp_path):
    path = write(tmp_path, "feed.csv", "sku,name,price\nA,Air,10\nB,Max,1,000\n")
    with pytest.raises(FileRejected, match=r"line 3: expected 3 fields as in the header, got 4 \(a delimiter inside"):
        read_all(path)


def test_rows_before_a_bad_row_are_yielded_first(tmp_path):
    # Streaming: the caller sees row 2 before row 3 fails, so imports must run in a transaction.
    with open_table(write(tmp_path, "feed.csv", "a,b\n1,2\n3\n")) as table:
        assert next(table).line == 2
        with pytest.raises(FileRejected, match="line 3"):
            next(table)


def test_collect_mode_skips_bad_rows_and_reports_them(tmp_path):
    text = "sku,name\nA,Air\nB\nC,Dunk\nD,Max,extra\nE,Samba\n"
    with open_table(write(tmp_path, "feed.csv", text), on_error="collect") as table:
        rows = list(table)
        assert [row["sku"] for row in rows] == ["A", "C", "E"]
        assert [(error.line, error.message[:35]) for error in table.errors] == [
            (3, "expected 2 fields as in the header,"),
            (5, "expected 2 fields as in the header,"),
        ]
        with pytest.raises(FileRejected) as caught:
            table.raise_if_errors()
    assert str(caught.value).startswith("feed.csv: 2 bad rows; the first at line 3: expected 2 fields")
    assert len(caught.value.errors) == 2


def test_collect_mode_stops_after_too_many_errors(tmp_path):
    text = "a,b\n" + "1\n" * 20
    table = open_table(write(tmp_path, "feed.csv", text), on_error="collect", max_errors=5)
    with table, pytest.raises(FileRejected, match="more than 5 bad rows; stopped reading at line 7") as caught:
        list(table)
    assert len(caught.value.errors) == 6


def test_clean_file_in_collect_mode_passes_raise_if_errors(tmp_path):
    with open_table(write(tmp_path, "feed.csv", "a,b\n1,2\n"), on_error="collect") as table:
        assert len(list(table)) == 1
        table.raise_if_errors()


def test_truncated_file_names_the_line_where_the_broken_row_starts(tmp_path):
    text = 'sku,description,price\nA,ok,10\nB,"Der GT-2160 ist eine Hommage\nan die Laufdesigns'
    with pytest.raises(FileRejected) as caught:
        read_all(write(tmp_path, "feed.csv", text))
    assert str(caught.value) == (
        "feed.csv: line 3: a quoted field opened in this row is never closed (truncated file or a stray quote)"
    )
    assert caught.value.errors[-1].line == 3


def test_truncated_file_in_collect_mode_is_still_rejected_with_earlier_errors(tmp_path):
    text = 'a,b\n1\n2,"unclosed\n'
    table = open_table(write(tmp_path, "feed.csv", text), on_error="collect")
    with table, pytest.raises(FileRejected, match="line 3: a quoted field") as caught:
        list(table)
    assert [error.line for error in caught.value.errors] == [2, 3]


def test_stray_quote_mid_file_stops_at_the_field_size_limit_naming_its_line(tmp_path):
    text = 'a,b\n1,2\n3,"oops\n' + "5,6\n" * 40_000
    with pytest.raises(FileRejected, match=r"line 3: a field runs past 131,072 characters; a quote opened in this row"):
        read_all(write(tmp_path, "feed.csv", text))


def test_text_after_a_closing_quote_is_refused(tmp_path):
    text = 'a,b\n1,2\n"Air "Max" 1",3\n'
    with pytest.raises(FileRejected, match=r'text follows a closing quote on line 3; .* must be doubled \(""\)'):
        read_all(write(tmp_path, "feed.csv", text), delimiter=",")


def test_line_without_any_line_break_beyond_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "MAX_LINE_CHARS", 1000)
    path = write(tmp_path, "feed.csv", "a,b\n" + "x" * 5000)
    with pytest.raises(FileRejected, match="line 2 runs past 1,000 characters without a line break"):
        TabularReader(path, chunk_size=256)


def test_empty_file_is_refused(tmp_path):
    for content in ("", "\n\n  \n"):
        with pytest.raises(FileRejected, match=re.escape("feed.csv: the file is empty: no header line")):
            open_table(write(tmp_path, "feed.csv", content))


def test_header_only_file_yields_no_rows(tmp_path):
    table, rows = read_all(write(tmp_path, "feed.csv", "sku;name\n"))
    assert table.delimiter == ";"
    assert rows == []


def test_peek_does_not_consume_rows(tmp_path):
    with open_table(write(tmp_path, "feed.csv", "a,b\n1,2\n3,4\n5,6\n")) as table:
        assert [row.line for row in table.peek(2)] == [2, 3]
        assert [row.line for row in table.peek(10)] == [2, 3, 4]
        assert [row.line for row in table] == [2, 3, 4]


def test_rows_are_dicts_that_carry_their_line(tmp_path):
    _, (row,) = read_all(write(tmp_path, "feed.csv", "a,b\n1,2\n"))
    assert isinstance(row, dict) and isinstance(row, Row)
    assert row.line == 2
    assert repr(row) == "Row(line=2, {'a': '1', 'b': '2'})"


# --------------------------------------------------------------------------- header checks


def test_header_names_are_normalized_and_the_originals_kept(tmp_path):
    table, rows = read_all(write(tmp_path, "feed.csv", "\ufeff Order Date ,Sneaker\u00a0 Name,Sale Price\n1,2,3\n"))
    assert table.raw_header == (" Order Date ", "Sneaker\u00a0 Name", "Sale Price")
    assert table.header == ("Order Date", "Sneaker Name", "Sale Price")
    assert rows == [{"Order Date": "1", "Sneaker Name": "2", "Sale Price": "3"}]
    assert normalize_header("\ufeff  ean \t") == "ean"


def test_duplicate_header_names_are_refused_when_opening(tmp_path):
    path = write(tmp_path, "feed.csv", "ean,name,EAN,ean\n1,2,3,4\n")
    with pytest.raises(FileRejected) as caught:
        open_table(path)
    assert str(caught.value) == 'feed.csv: duplicate header name "ean" (columns 1, 4)'
    assert caught.value.errors == [RowError("feed.csv", 1, "ean", 'duplicate header name "ean" (columns 1, 4)')]


def test_missing_required_column_message_lists_expected_headers(tmp_path):
    table = open_table(write(tmp_path, "feed.csv", "aw_product_id,product_name\n1,Air\n"))
    with table, pytest.raises(FileRejected) as caught:
        table.check_header(required=["aw_product_id", "ean", "search_price"], optional=["colour"])
    assert str(caught.value) == (
        'feed.csv: missing required columns "ean", "search_price"; '
        'expected headers: "aw_product_id", "ean", "search_price" (optional: "colour")'
    )
    (error,) = caught.value.errors
    assert error.line == 1


def test_column_differing_only_in_case_is_pointed_out():
    (error,) = check_header(["EAN", "name"], ["ean"], file="feed.csv")
    assert error.message.endswith('"EAN" differs from "ean" only in case')


def test_unknown_columns_are_reported_only_when_not_allowed():
    header = ["ean", "name", "mystery"]
    assert check_header(header, ["ean"], ["name"]) == []
    (error,) = check_header(header, ["ean"], ["name"], file="f.csv", allow_unknown=False)
    assert str(error) == 'f.csv, line 1: unknown column "mystery"; known: "ean", "name"'


def test_unnamed_trailing_columns_are_allowed_while_empty(tmp_path):
    _, rows = read_all(write(tmp_path, "export.csv", "a;b;;\n1;2;;\n3;4; ;\n"))
    assert rows == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_a_value_under_an_unnamed_column_is_an_error(tmp_path):
    with pytest.raises(FileRejected, match="line 3: column 3 has no header name but holds 'surprise'"):
        read_all(write(tmp_path, "export.csv", "a;b;\n1;2;\n3;4;surprise\n"))


SCRAPED_SALES = """\
Order Date,Sneaker Name,Sale Price,Retail Price
$1000,2019-09-01,Adidas-Yeezy-Boost-350-V2-Beluga,$220
"$1,050",2019-09-02,Adidas-Yeezy-Boost-350-V2-Zebra,$220
$999,,Nike-Air-Max-90-Off-White,$160
$732,2019-09-03,Air-Jordan-1-Retro-High-Off-White-Chicago,$190
"""

GOOD_SALES = """\
Order Date,Sneaker Name,Sale Price,Retail Price
9/1/17,Adidas-Yeezy-Boost-350-V2-Beluga,"$1,097",$220
,Adidas-Yeezy-Boost-350-V2-Zebra,$685,$220
9/2/17,Nike-Air-Max-90-Off-White,$690,$160
9/3/17,Air-Jordan-1-Retro-High-Off-White-Chicago,"$1,075",$190
"""

SALES_VALIDATORS: dict[str, Callable[[str], object]] = {
    "Order Date": functools.partial(parse_date, dayfirst=False),
    "Sneaker Name": looks_like_text,
    "Sale Price": parse_money,
}


def test_header_that_does_not_match_its_columns_is_detected(tmp_path):
    with open_table(write(tmp_path, "scraped.csv", SCRAPED_SALES)) as table:
        errors = check_columns_match(table.peek(100), SALES_VALIDATORS, file=table.name)
    by_column = {error.column: error for error in errors}
    assert set(by_column) == {"Order Date", "Sneaker Name", "Sale Price"}
    name_error = by_column["Sneaker Name"]
    assert str(name_error) == (
        'scraped.csv, line 2, column "Sneaker Name": 3 of 3 sampled values do not fit this column '
        '(such as "2019-09-01"); they look like "Order Date" values: does the header match the columns?'
    )
    assert 'they look like "Sale Price" values' in str(by_column["Order Date"])


def test_matching_columns_with_empty_dates_pass_the_column_check(tmp_path):
    with open_table(write(tmp_path, "stockx.csv", GOOD_SALES)) as table:
        assert check_columns_match(table.peek(100), SALES_VALIDATORS, file=table.name) == []
        assert len(list(table)) == 4


def test_column_check_needs_enough_values_and_a_majority():
    rows = [{"name": "2019-09-01"}, {"name": "Air Max"}, {"name": "Dunk"}, {"name": ""}]
    assert check_columns_match(rows, {"name": looks_like_text}) == []
    assert check_columns_match(rows[:1], {"name": looks_like_text}) == []
    (error,) = check_columns_match(rows[:1], {"name": looks_like_text}, min_values=1)
    assert error.line is None and error.column == "name"


# --------------------------------------------------------------------------- errors


def test_row_error_reads_as_file_line_column_message():
    with pytest.raises(InvalidAmount) as caught:
        parse_money("EURabc")
    error = RowError("feed.csv", 17, "search_price", str(caught.value))
    assert str(error) == 'feed.csv, line 17, column "search_price": "EURabc" is not an amount'
    assert str(RowError("feed.csv", None, None, "is empty")) == "feed.csv: is empty"


def test_file_rejected_keeps_file_message_and_errors():
    error = RowError("feed.csv", 3, None, "bad")
    rejected = FileRejected("feed.csv", "line 3: bad", [error])
    assert str(rejected) == "feed.csv: line 3: bad"
    assert (rejected.file, rejected.message, rejected.errors) == ("feed.csv", "line 3: bad", [error])


@pytest.mark.parametrize("error", [InvalidAmount, InvalidDate, InvalidBoolean, InvalidInteger])
def test_value_errors_are_value_error_subclasses(error):
    assert issubclass(error, InvalidValue) and issubclass(error, ValueError)


# --------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EUR130.00", (13000, "EUR")),
        ("130.00 EUR", (13000, "EUR")),
        ("$732", (73200, "USD")),
        ("$1,000", (100000, "USD")),
        ("€1.234,50", (123450, "EUR")),
        ("1.234,50 €", (123450, "EUR")),
        ("399.90 BRL", (39990, "BRL")),
        ("£89.99", (8999, "GBP")),
        ("129,95", (12995, None)),
        ("1 234,50", (123450, None)),
        ("1\u00a0234,50\u00a0€", (123450, "EUR")),
        ("1'234.50 CHF", (123450, "CHF")),
        ("1,234.5", (123450, None)),
        ("1.234.567,89", (123456789, None)),
        ("1,000,000", (100000000, None)),
        ("12.5", (1250, None)),
        ("0", (0, None)),
        ("0.99", (99, None)),
        ("  EUR 130 ", (13000, "EUR")),
        ("US$5", (500, "USD")),
        ("R$ 10,00", (1000, "BRL")),
    ],
)
def test_money_formats_are_read_as_cents_and_currency(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1,000", 100000),  # one separator and exactly three digits: thousands
        ("1.234", 123400),
        ("1,5", 150),  # one or two digits after the only separator: decimals
        ("1,50", 150),
        ("12.345,6", 1234560),  # both present: the last one is the decimal separator
        ("12,345.6", 1234560),
    ],
)
def test_ambiguous_separators_follow_the_documented_rule(text, cents):
    assert parse_money(text)[0] == cents


def test_a_feed_known_to_use_a_decimal_point_can_say_so():
    assert parse_money("1,000", decimal_separator=".")[0] == 100000
    with pytest.raises(InvalidAmount, match="more than two decimals"):
        parse_money("1.234", decimal_separator=".")
    with pytest.raises(InvalidAmount, match="thousands"):
        parse_money("129,95", decimal_separator=".")
    assert parse_money("1.234", decimal_separator=",")[0] == 123400


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("EURabc", '"EURabc" is not an amount'),
        ("", "an empty value is not an amount"),
        ("abc", '"abc" is not an amount'),
        ("12.", '"12." is not an amount'),
        ("1,23,456", "do not group thousands by three digits"),
        ("1.2.3", "do not group thousands by three digits"),
        ("0,123", "do not group thousands by three digits"),
        ("1.2345", "more than two decimals"),
        ("1,234.567", "more than two decimals"),
        ("€12 USD", "names two currencies"),
        ("eur 12", "is not an amount"),
        ("1e5", "is not an amount"),
        ("99999999999999999", "too large"),
        ("--12", "is not an amount"),
    ],
)
def test_bad_amounts_are_refused_with_a_message(text, message):
    with pytest.raises(InvalidAmount, match=message):
        parse_money(text)


def test_negative_amounts_only_when_the_caller_allows_them():
    with pytest.raises(
        InvalidAmount, match=re.escape('"-12.50 EUR" is negative; a negative amount is not allowed here')
    ):
        parse_money("-12.50 EUR")
    assert parse_money("-12.50 EUR", allow_negative=True) == (-1250, "EUR")
    assert parse_money("€-12,50", allow_negative=True) == (-1250, "EUR")
    assert parse_money("−3", allow_negative=True) == (-300, None)
    assert parse_money("-0.00") == (0, None)


def test_default_currency_fills_in_and_decides_what_a_dollar_sign_means():
    assert parse_money("129,95", "EUR") == (12995, "EUR")
    assert parse_money("GBP 10", "EUR") == (1000, "GBP")
    assert parse_money("$10", "CAD") == (1000, "CAD")
    assert parse_money("$10", "EUR") == (1000, "USD")


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-12", dt.date(2025, 10, 12)),
        ("2025/10/12", dt.date(2025, 10, 12)),
        ("17.10.2017", dt.date(2017, 10, 17)),
        ("1.2.17", dt.date(2017, 2, 1)),
        ("Tuesday, October 17, 2017", dt.date(2017, 10, 17)),
        ("Oct 17, 2017", dt.date(2017, 10, 17)),
        ("oct. 17 2017", dt.date(2017, 10, 17)),
        ("Sept 1, 2017", dt.date(2017, 9, 1)),
        ("17 October 2017", dt.date(2017, 10, 17)),
        ("Tue 17th Oct 2017", dt.date(2017, 10, 17)),
        ("  2025-10-12 ", dt.date(2025, 10, 12)),
    ],
)
def test_date_formats_are_read(text, expected):
    assert parse_date(text) == expected


def test_slashed_dates_need_the_day_order_from_the_caller():
    with pytest.raises(InvalidDate, match='"12/10/2025" is ambiguous'):
        parse_date("12/10/2025")
    assert parse_date("12/10/2025", dayfirst=True) == dt.date(2025, 10, 12)
    assert parse_date("12/10/2025", dayfirst=False) == dt.date(2025, 12, 10)
    assert parse_date("12-10-2025", dayfirst=True) == dt.date(2025, 10, 12)


def test_two_digit_years_pivot_like_strptime():
    assert parse_date("9/1/17", dayfirst=False) == dt.date(2017, 9, 1)
    assert parse_date("24.09.68") == dt.date(2068, 9, 24)
    assert parse_date("24.09.85") == dt.date(1985, 9, 24)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "an empty value is not a date"),
        ("31.02.2025", "not a real date \\(year 2025, month 2, day 31\\)"),
        ("13/13/2025", "not a real date"),
        ("Monday, October 17, 2017", "October 17, 2017 is a Tuesday"),
        ("Funday, October 17, 2017", 'unknown weekday "Funday"'),
        ("17 Oktober 2017", "is not a date"),
        ("2025-10-12 14:03:00", "has a time of day"),
        ("Adidas-Yeezy-Boost-350", "is not a date"),
        ("20251012", "is not a date"),
    ],
)
def test_bad_dates_are_refused_with_a_message(text, message):
    with pytest.raises(InvalidDate, match=message):
        parse_date(text, dayfirst=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-12 14:03:00", dt.datetime(2025, 10, 12, 12, 3, tzinfo=dt.UTC)),  # CEST is UTC+2
        ("2025-10-12T14:03", dt.datetime(2025, 10, 12, 12, 3, tzinfo=dt.UTC)),
        ("2025-12-12 14:03:00", dt.datetime(2025, 12, 12, 13, 3, tzinfo=dt.UTC)),  # CET is UTC+1
        ("2025-10-12T14:03:00+05:30", dt.datetime(2025, 10, 12, 8, 33, tzinfo=dt.UTC)),
        ("2025-10-12 14:03:00 -0400", dt.datetime(2025, 10, 12, 18, 3, tzinfo=dt.UTC)),
        ("2025-10-12T14:03:00Z", dt.datetime(2025, 10, 12, 14, 3, tzinfo=dt.UTC)),
        ("2025-10-12 14:03:00.250 UTC", dt.datetime(2025, 10, 12, 14, 3, 0, 250000, tzinfo=dt.UTC)),
        ("2025-10-12", dt.datetime(2025, 10, 11, 22, 0, tzinfo=dt.UTC)),  # a date alone is local midnight
        ("Oct 17, 2017 2:03 PM", dt.datetime(2017, 10, 17, 12, 3, tzinfo=dt.UTC)),
        ("Oct 17, 2017, 12:15 am", dt.datetime(2017, 10, 16, 22, 15, tzinfo=dt.UTC)),
        ("17.10.2017 14:03", dt.datetime(2017, 10, 17, 12, 3, tzinfo=dt.UTC)),
    ],
)
def test_datetimes_come_back_aware_in_utc(text, expected):
    result = parse_datetime(text, default_tz="Europe/Berlin")
    assert result == expected
    assert result.tzinfo is dt.UTC


def test_bad_date_part_of_a_datetime_is_named_with_the_whole_value():
    with pytest.raises(InvalidDate) as caught:
        parse_datetime("12/10/2025 14:03", default_tz="UTC")
    assert str(caught.value).startswith('"12/10/2025 14:03" is not a date and time ("12/10/2025" is ambiguous')


def test_datetime_with_its_own_offset_needs_no_default_zone():
    assert parse_datetime("2025-10-12T14:03:00+02:00") == dt.datetime(2025, 10, 12, 12, 3, tzinfo=dt.UTC)


def test_datetime_without_any_zone_is_refused_rather_than_guessed():
    with pytest.raises(InvalidDate, match="has no time zone, and no default zone is configured"):
        parse_datetime("2025-10-12 14:03:00")


def test_default_zone_may_be_a_tzinfo():
    plus_two = dt.timezone(dt.timedelta(hours=2))
    assert parse_datetime("12/10/2025 14:03", dayfirst=True, default_tz=plus_two) == dt.datetime(
        2025, 10, 12, 12, 3, tzinfo=dt.UTC
    )


def test_local_time_skipped_by_dst_is_refused_and_a_repeated_one_is_the_first():
    with pytest.raises(InvalidDate, match="does not exist in Europe/Berlin"):
        parse_datetime("2025-03-30 02:30", default_tz="Europe/Berlin")
    assert parse_datetime("2025-10-26 02:30", default_tz="Europe/Berlin") == dt.datetime(
        2025, 10, 26, 0, 30, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    "text", ["2025-10-12 25:00", "2025-10-12 14:60", "2025-10-12 13:00 PM", "2025-10-12 14:03 +25:00", "14:03"]
)
def test_bad_times_are_refused(text):
    with pytest.raises(InvalidDate):
        parse_datetime(text, default_tz="UTC")


def test_date_and_amount_predicates():
    assert looks_like_date("2019-09-01") and looks_like_date("9/1/17") and looks_like_date("Oct 17, 2017 2:03 PM")
    assert not looks_like_date("Air Jordan 1")
    assert looks_like_amount("$1,000") and looks_like_amount("-3,50 €")
    assert not looks_like_amount("Air Max 90")
    assert looks_like_text("Air Max 90") and not looks_like_text("$220") and not looks_like_text("2019-09-01")


# --------------------------------------------------------------------------- booleans and integers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", True),
        ("0", False),
        ("yes", True),
        ("No", False),
        ("TRUE", True),
        ("false", False),
        ("y", True),
        ("N", False),
        ("In Stock", True),
        ("out of  stock", False),
        (" InStock ", True),
    ],
)
def test_booleans_are_read_in_any_case(text, expected):
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["", "maybe", "2", "ja", "on"])
def test_other_booleans_are_refused(text):
    with pytest.raises(InvalidBoolean, match="is not a yes/no value"):
        parse_bool(text)


@pytest.mark.parametrize(("text", "expected"), [("12", 12), ("12.0", 12), ("12.00", 12), (" -3 ", -3), ("+7", 7)])
def test_whole_numbers_are_read(text, expected):
    assert parse_int(text) == expected


@pytest.mark.parametrize("text", ["12.5", "", "1e3", "1,000", "twelve", "1" * 19, "٣"])
def test_other_numbers_are_refused_as_integers(text):
    with pytest.raises(InvalidInteger):
        parse_int(text)


# --------------------------------------------------------------------------- export escaping


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.5", "'-12.5"),
        ("Air Max 90", "Air Max 90"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_formula_like_text_is_escaped(value, expected):
    assert escape_formula(value) == expected


def test_numbers_stay_numbers_only_in_numeric_columns():
    assert escape_formula("-12.5", numeric=True) == "-12.5"
    assert escape_formula("+3", numeric=True) == "+3"
    assert escape_formula("-1+2", numeric=True) == "'-1+2"
    assert escape_formula("=1+2", numeric=True) == "'=1+2"


def test_values_that_are_not_text_pass_through():
    assert escape_formula(-12) == -12
    assert escape_formula(None) is None


# --------------------------------------------------------------------------- skipping known lines


def test_a_row_keeps_its_text_as_written_without_the_line_ending(tmp_path):
    data = 'id,name\r\n1,"Air Max ""90"""\r\n2,"two\r\nlines"\r\n3,last'
    _, rows = read_all(write(tmp_path, "t.csv", data))
    assert [row.text for row in rows] == ['1,"Air Max ""90"""', '2,"two\r\nlines"', "3,last"]
    assert [row.line for row in rows] == [2, 3, 5]


def test_skipped_lines_leave_every_later_line_number_and_error_where_it_was(tmp_path):
    data = 'id,name\n1,a\n2,b\n\n3,"multi\nline"\n1,a\n4\n5,e\n'
    path = write(tmp_path, "t.csv", data)
    seen: list[str] = []

    def known(text: str) -> bool:
        seen.append(text)
        return text in {"1,a", "2,b"}

    with open_table(path, on_error="collect") as table:
        table.skip_lines(known)
        rows = list(table)
    assert [(row.line, row["id"]) for row in rows] == [(5, "3"), (9, "5")]
    assert [(error.line, "expected 2 fields" in error.message) for error in table.errors] == [(8, True)]
    assert table.lines_skipped == 3 and table.rows_read == 2
    # Asked only between records: never about the second line of the quoted field.
    assert 'line"' not in seen and "" in seen


def test_a_quote_error_after_skipped_lines_names_its_own_line(tmp_path):
    path = write(tmp_path, "t.csv", 'id,name\n1,a\n1,a\n2,"open\n')
    with open_table(path) as table:
        table.skip_lines(lambda text: text == "1,a")
        with pytest.raises(FileRejected) as caught:
            list(table)
    assert caught.value.errors[-1].line == 4 and "never closed" in caught.value.message


@pytest.mark.parametrize("other", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_only_cr_and_lf_break_lines_other_separators_are_data(tmp_path, other):
    # str.splitlines breaks on these too: a row holding one must not be cut, nor its line number move.
    path = write(tmp_path, "feed.csv", f'sku,name\nA,"x{other}y"\nB,plain\r\nC,"two\nlines {other}"\nD,last\n')
    _, rows = read_all(path)
    assert [(row.line, row["sku"], row["name"]) for row in rows] == [
        (2, "A", f"x{other}y"),
        (3, "B", "plain"),
        (4, "C", f"two\nlines {other}"),
        (6, "D", "last"),
    ]
    assert rows[0].text == f'A,"x{other}y"'
