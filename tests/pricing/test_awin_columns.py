"""The Awin column spec: the lists derived from it agree with the row the reader builds and the line it stages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pricing.awin.columns import (
    AWIN_PRODUCTS_VALUES,
    COMPUTED_COLUMNS,
    FEED_COLUMNS,
    GENDER_COLUMNS,
    GTIN_COLUMNS,
    IMAGE_COLUMNS,
    KNOWN_COLUMNS,
    MAX_LENGTHS,
    PRICE_COLUMNS,
    PRICE_SOURCES_VALUES,
    SIZE_COLUMNS,
    STAGE_TEXT,
    STAGE_TYPED,
    TEXT,
)
from pricing.awin.reader import AwinRow
from pricing.awin.staging import staging_line


def test_every_staged_value_is_a_field_of_the_row_and_every_field_is_staged_once():
    staged = [name for name, _type in STAGE_TYPED] + list(STAGE_TEXT)
    assert sorted(staged) == sorted(AwinRow._fields)


def test_the_known_columns_are_the_feeds_own_and_include_every_group():
    assert len(set(KNOWN_COLUMNS)) == len(KNOWN_COLUMNS)
    for group in (PRICE_COLUMNS, GTIN_COLUMNS, SIZE_COLUMNS, IMAGE_COLUMNS, GENDER_COLUMNS):
        assert set(group) <= set(KNOWN_COLUMNS)
    # A computed value may share a feed column's name only if that column is not staged
    # ("ean": the feed's column is read into ean_raw, the computed value is the canonical GTIN).
    staged_feed = {column.name for column in FEED_COLUMNS if column.staged is not None}
    assert not {column.name for column in COMPUTED_COLUMNS} & staged_feed


def test_a_limited_column_is_staged_as_text_under_its_name():
    staged_text = {column.name for column in FEED_COLUMNS if column.staged == TEXT}
    assert set(MAX_LENGTHS) <= staged_text


def test_what_the_upserts_write_is_staged():
    staged = {name for name, _type in STAGE_TYPED} | set(STAGE_TEXT)
    assert set(AWIN_PRODUCTS_VALUES.values()) <= staged
    assert set(PRICE_SOURCES_VALUES.values()) <= staged
    assert AWIN_PRODUCTS_VALUES["ean"] == "ean_raw"
    assert (PRICE_SOURCES_VALUES["source_url"], PRICE_SOURCES_VALUES["affiliate_link"]) == (
        "merchant_deep_link",
        "aw_deep_link",
    )


def test_the_staged_line_holds_each_value_under_its_column():
    stamp = dt.datetime(2026, 1, 15, 8, 0, tzinfo=dt.UTC)
    typed: dict[str, Any] = {
        "line": 7,
        "fingerprint": -1234567890123,
        "price_cents": 18000,
        "size_ref": 3,
        "ean": "4006381333931",
        "in_stock": False,
        "stock_quantity": None,
        "last_updated": stamp,
    }
    assert set(typed) == {name for name, _type in STAGE_TYPED}
    texts: dict[str, Any] = {name: f"<{name}>" for name in STAGE_TEXT}
    row = AwinRow(**typed, **texts)
    columns = [name for name, _type in STAGE_TYPED] + list(STAGE_TEXT) + ["raw"]
    line = staging_line(row, '{"a":"b"}')
    assert line.endswith("\n")
    expected = {
        **texts,
        "line": "7",
        "fingerprint": "-1234567890123",
        "price_cents": "18000",
        "size_ref": "3",
        "ean": "4006381333931",
        "in_stock": "f",
        "stock_quantity": "\\N",
        "last_updated": stamp.isoformat(),
        "raw": '{"a":"b"}',
    }
    assert dict(zip(columns, line[:-1].split("\t"), strict=True)) == expected
