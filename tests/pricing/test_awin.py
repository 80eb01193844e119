"""Reading one Awin feed row: every bad input is refused with its file, line and column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from catalog.gtin import normalize_gtin
from catalog.sizing import load_charts
from pricing.awin.brands import BrandBook, style_code_of
from pricing.awin.reader import AwinRow, AwinRowReader, FeedLayout, Snapshot, gtin_canonical
from pricing.awin.sizes import SizeBook, gender_class_of
from soleflip.tabular.errors import FileRejected, RowError
from soleflip.tabular.reader import Row

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
HEADER = (
    "aw_product_id",
    "merchant_id",
    "merchant_name",
    "product_name",
    "brand_name",
    "search_price",
    "currency",
    "ean",
    "upc",
    "mpn",
    "Fashion:size",
    "category_name",
    "in_stock",
    "stock_quantity",
    "merchant_deep_link",
    "aw_deep_link",
    "last_updated",
)
GOOD = {
    "aw_product_id": "38953129761",
    "merchant_id": "10597",
    "merchant_name": "size?Official DE",
    "product_name": "Nike Dunk Low Retro, weiss",
    "brand_name": "Nike",
    "search_price": "119.95",
    "currency": "EUR",
    "ean": "4006381333931",
    "upc": "",
    "mpn": "dd1391-100",
    "Fashion:size": "42.5",
    "category_name": "Herren Sneaker",
    "in_stock": "1",
    "stock_quantity": "8",
    "merchant_deep_link": "https://www.sizeofficial.de/product/weiss-nike-dunk/702948_sizede/",
    "aw_deep_link": "https://www.awin1.com/pclick.php?p=38953129761&a=394937&m=10597",
    "last_updated": "2026-03-01 12:30:00",
}


@pytest.fixture(scope="module")
def charts():
    return load_charts()


def make_reader(charts, header=HEADER, *, merchant=None, snapshot=None, brands=()) -> AwinRowReader:
    layout = FeedLayout.from_header("feed.csv", header, merchant=merchant)
    return AwinRowReader(
        layout, merchant=merchant, brands=BrandBook(brands), sizes=SizeBook(charts, {}), snapshot=snapshot, now=NOW
    )


def row(line: int = 2, header=HEADER, **cells: str) -> Row:
    values = {**GOOD, **cells}
    return Row(line, [(column, values.get(column, "")) for column in header])


def errors_of(result) -> list[tuple[int | None, str | None, str]]:
    assert isinstance(result, list), f"expected errors, got {result!r}"
    return [(error.line, error.column, error.message) for error in result]


def good(result) -> AwinRow:
    assert isinstance(result, AwinRow), f"expected a row, got {result!r}"
    return result


def only_error(result) -> RowError:
    assert isinstance(result, list) and len(result) == 1, result
    return result[0]


# --- the header ---------------------------------------------------------------------------


def test_header_without_aw_product_id_is_refused():
    with pytest.raises(FileRejected, match='missing required column "aw_product_id"'):
        FeedLayout.from_header("feed.csv", ["ean", "search_price", "merchant_id"], merchant=None)


def test_header_without_any_price_column_is_refused_naming_the_three():
    with pytest.raises(FileRejected, match='"search_price", "store_price", "display_price"'):
        FeedLayout.from_header("feed.csv", ["aw_product_id", "merchant_id"], merchant=None)


def test_header_without_merchant_id_needs_the_merchant_option():
    with pytest.raises(FileRejected, match="--merchant"):
        FeedLayout.from_header("feed.csv", ["aw_product_id", "search_price"], merchant=None)
    layout = FeedLayout.from_header("feed.csv", ["aw_product_id", "search_price"], merchant="10597")
    assert layout.get("merchant_id") is None


def test_header_names_are_matched_without_regard_to_case():
    layout = FeedLayout.from_header("feed.csv", ["AW_PRODUCT_ID", "EAN", "Product_GTIN", "search_price"], merchant="1")
    assert (layout.get("aw_product_id"), layout.get("ean"), layout.get("product_GTIN")) == (
        "AW_PRODUCT_ID",
        "EAN",
        "Product_GTIN",
    )


def test_header_with_two_columns_differing_only_in_case_is_refused():
    with pytest.raises(FileRejected, match='columns "ean" and "EAN" differ only in case') as refused:
        FeedLayout.from_header("feed.csv", ["aw_product_id", "search_price", "ean", "EAN"], merchant="1")
    assert refused.value.errors[0].line == 1


# --- a good row ---------------------------------------------------------------------------


def test_a_good_row_is_read_into_typed_values(charts):
    result = make_reader(charts).read(row())
    assert isinstance(result, AwinRow)
    assert (result.aw_product_id, result.merchant_id, result.price_cents, result.currency) == (
        "38953129761",
        "10597",
        11995,
        "EUR",
    )
    assert (result.ean, result.style_code, result.brand_slug, result.gender_class) == (
        "4006381333931",
        "DD1391-100",
        "nike",
        "M",
    )
    assert (result.in_stock, result.stock_quantity) == (True, 8)
    # Awin's zone-less stamps are Berlin time: 12:30 CET is 11:30 UTC.
    assert result.last_updated == dt.datetime(2026, 3, 1, 11, 30, tzinfo=dt.UTC)


def test_display_price_with_its_currency_stands_in_for_a_missing_search_price(charts):
    header = (*HEADER, "display_price")
    result = make_reader(charts, header).read(
        row(header=header, search_price="", currency="", display_price="EUR130.00")
    )
    assert isinstance(result, AwinRow) and (result.price_cents, result.currency) == (13000, "EUR")


def test_upc_a_and_its_ean_13_form_are_one_code(charts):
    reader = make_reader(charts)
    from_upc = reader.read(row(ean="", upc="036000291452"))
    from_ean = reader.read(row(line=3, aw_product_id="2", ean="0036000291452"))
    assert isinstance(from_upc, AwinRow) and isinstance(from_ean, AwinRow)
    assert from_upc.ean == from_ean.ean == "0036000291452"
    assert from_upc.ean_raw == "036000291452"


def test_gtin_reading_agrees_with_the_catalog_normalizer():
    for code in ("036000291452", "0036000291452", "4006381333931", "96385074", "10012345678902", "4006381333932"):
        try:
            expected = normalize_gtin(code)
        except ValueError:
            expected = None
        assert gtin_canonical(code) == expected


def test_out_of_stock_follows_in_stock_then_quantity_then_is_for_sale(charts):
    header = (*HEADER, "is_for_sale")
    reader = make_reader(charts, header)
    assert good(reader.read(row(header=header, in_stock="0"))).in_stock is False
    assert good(reader.read(row(3, header, aw_product_id="2", in_stock="", stock_quantity="0"))).in_stock is False
    assert good(reader.read(row(4, header, aw_product_id="3", in_stock="", stock_quantity=""))).in_stock is True
    assert good(reader.read(row(5, header, aw_product_id="4", is_for_sale="0"))).in_stock is False


# --- bad values, one case each ----------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"search_price": "12,3,4"}, "search_price", "is not an amount"),
        ({"search_price": "abc"}, "search_price", '"abc" is not an amount'),
        ({"search_price": "0.00"}, "search_price", "a price of 0 is not an offer"),
        ({"search_price": "-5.00"}, "search_price", "negative"),
        ({"search_price": ""}, "search_price", "the row has no price"),
        ({"search_price": "£99.00"}, "search_price", "is in GBP, but the currency column says EUR"),
        ({"currency": "euro"}, "currency", "is not a currency code"),
        ({"currency": "", "search_price": "99.00"}, "currency", "names no currency"),
        ({"ean": "4006381333932"}, "ean", "wrong check digit (expected 1)"),
        ({"ean": "4.00638E+12"}, "ean", "a spreadsheet turned it into a number with an exponent"),
        ({"ean": "40063813"}, "ean", "wrong check digit"),
        ({"ean": "400638133393"}, "ean", "wrong check digit"),
        ({"ean": "123"}, "ean", "has 3 digits"),
        ({"upc": "036000291452"}, "upc", "names another product than 4006381333931"),
        ({"last_updated": "2026-03-01 12:06:00+00:00"}, "last_updated", "is in the future"),
        ({"last_updated": "05/03/2026 10:00"}, "last_updated", "ambiguous"),
        ({"last_updated": "gestern"}, "last_updated", "is not a date"),
        ({"stock_quantity": "-2"}, "stock_quantity", "is negative"),
        ({"stock_quantity": "2.5"}, "stock_quantity", "is not a whole number"),
        ({"in_stock": "maybe"}, "in_stock", "is not a yes/no value"),
        ({"merchant_deep_link": "www.example.com/shoe"}, "merchant_deep_link", "is not a web address"),
        ({"aw_deep_link": "javascript:alert(1)"}, "aw_deep_link", "is not a web address"),
        ({"product_name": "x" * 501}, "product_name", "is 501 characters long; at most 500 are kept"),
        ({"merchant_deep_link": "https://e.com/" + "x" * 990}, "merchant_deep_link", "at most 1000 are kept"),
        ({"Fashion:size": "4" * 41}, "Fashion:size", "at most 40 are kept"),
        ({"aw_product_id": ""}, "aw_product_id", "aw_product_id is empty"),
        ({"merchant_id": "size?"}, "merchant_id", "is not an Awin merchant id"),
    ],
)
def test_a_bad_value_is_refused_naming_line_column_and_reason(charts, cells, column, message):
    error = only_error(make_reader(charts).read(row(17, **cells)))
    assert (error.file, error.line, error.column) == ("feed.csv", 17, column)
    assert message in error.message


def test_a_time_within_the_clock_skew_tolerance_is_accepted(charts):
    result = make_reader(charts).read(row(last_updated="2026-03-01 12:04:00+00:00"))
    assert isinstance(result, AwinRow)


def test_every_problem_of_a_row_is_reported_not_just_the_first(charts):
    result = make_reader(charts).read(row(9, search_price="abc", ean="123", in_stock="maybe"))
    assert [column for _line, column, _message in errors_of(result)] == ["search_price", "ean", "in_stock"]


def test_a_repeated_aw_product_id_is_refused_on_its_second_line(charts):
    reader = make_reader(charts)
    assert isinstance(reader.read(row(2)), AwinRow)
    error = only_error(reader.read(row(40)))
    assert (error.line, error.column) == (40, "aw_product_id")
    assert "appears on an earlier line" in error.message


def test_the_merchant_option_checks_the_merchant_id_column(charts):
    error = only_error(make_reader(charts, merchant="17046").read(row()))
    assert error.column == "merchant_id" and "not the merchant given with --merchant (17046)" in error.message


def test_an_empty_merchant_id_takes_the_merchant_option_else_is_refused(charts):
    assert good(make_reader(charts, merchant="10597").read(row(merchant_id=""))).merchant_id == "10597"
    error = only_error(make_reader(charts).read(row(merchant_id="")))
    assert "merchant_id is empty and no --merchant was given" in error.message


def test_a_broken_image_is_dropped_rather_than_refusing_the_row(charts):
    header = (*HEADER, "merchant_image_url")
    result = make_reader(charts, header).read(row(header=header, merchant_image_url="not a link"))
    assert isinstance(result, AwinRow) and result.image_url == ""


# --- products, brands, sizes --------------------------------------------------------------


def test_style_code_comes_from_mpn_else_from_the_end_of_the_description():
    assert style_code_of(" dd1391-100 ", "... | FV5029-200") == "DD1391-100"
    assert style_code_of("", "Der Jordan 4 ... | FV5029-200") == "FV5029-200"
    assert style_code_of("", "GEL-Technologie | 1203A544.101") == "1203A544.101"
    assert style_code_of("", "Air 1 | DZ5485-402_") == "DZ5485-402"


def test_a_sentence_after_the_last_bar_is_not_a_style_code():
    assert style_code_of("", "Jacke | Unser Model ist 1,85 m groß und trägt Größe M.") == ""
    assert style_code_of("", "Ein Klassiker ohne Code") == ""
    assert style_code_of("", "Farbe | SCHWARZ") == ""  # no digit: a word, not a code


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("Men's Footwear",), "M"),
        (("Herren Sneaker",), "M"),
        (("Women's Footwear",), "W"),
        (("Damen",), "W"),
        (("Children's Footwear",), ""),
        (("Kinder Schuhe",), ""),
        (("Unisex",), "U"),
        (("Men's & Women's",), "U"),
        (("", "Women's Footwear"), "W"),
        (("Footwear",), ""),
    ],
)
def test_gender_class_is_read_from_what_a_row_says_the_shoe_is_for(texts, expected):
    assert gender_class_of(*texts) == expected


def test_existing_brands_are_matched_by_slug_or_name_regardless_of_case():
    book = BrandBook([("ASICS", "asics"), ("New Balance", "new-balance"), ("Jordan Brand", "jordan")])
    assert book.slug("Asics") == "asics"
    assert book.slug("NEW BALANCE") == "new-balance"
    assert book.slug("jordan brand") == "jordan"
    assert book.slug("Salomon") == "salomon"
    assert book.slug("") == ""


def test_a_bare_eu_size_on_the_brands_chart_becomes_the_shared_eu_size(charts):
    book = SizeBook(charts, {})
    size = book.sizes[book.ref("nike", "42.5", "M")]
    assert (size.brand_slug, size.region, size.value, size.gender_class, size.eu_value) == (
        "",
        "EU",
        "42.5",
        "M",
        Decimal("42.5"),
    )
    assert size.outcome == "decided"


def test_an_eu_size_off_the_brands_chart_goes_to_review_as_the_brands_size(charts):
    book = SizeBook(charts, {})
    size = book.sizes[book.ref("jordan", "30.5", "")]
    assert (size.brand_slug, size.region, size.value, size.eu_value) == ("jordan", "EU", "30.5", None)
    assert size.outcome == "unknown" and "not on the nike EU chart" in size.reason


def test_a_us_size_is_the_brands_size_standardized_on_its_chart(charts):
    book = SizeBook(charts, {})
    size = book.sizes[book.ref("nike", "US M 9", "")]
    assert (size.brand_slug, size.region, size.value, size.gender_class, size.eu_value) == (
        "nike",
        "US",
        "9",
        "M",
        Decimal("42.5"),
    )


def test_an_ambiguous_size_keeps_its_candidates_and_no_value(charts):
    book = SizeBook(charts, {})
    size = book.sizes[book.ref("nike", "UK 6", "M")]
    assert size.eu_value is None and size.outcome == "ambiguous"
    assert set(size.candidates) == {"39.0", "40.0"}


def test_apparel_sizes_cannot_be_placed(charts):
    book = SizeBook(charts, {})
    size = book.sizes[book.ref("carhartt-wip", "XL", "M")]
    assert size.region is None and size.outcome == "unreadable"


def test_each_size_is_decided_once_and_sent_once(charts):
    book = SizeBook(charts, {})
    first = book.ref("nike", "42", "M")
    assert book.ref("nike", "42", "M") == first
    assert [size.ref for size in book.take_new()] == [first]
    assert book.take_new() == []


# --- re-imports ---------------------------------------------------------------------------


def test_an_unchanged_row_of_the_snapshot_merchant_is_skipped(charts):
    first = good(make_reader(charts).read(row()))
    reader = make_reader(charts, snapshot=Snapshot("10597", [first.fingerprint]))
    assert reader.read(row()) is None
    assert reader.stats.unchanged == 1


def test_a_changed_row_of_the_snapshot_merchant_is_read_again(charts):
    first = good(make_reader(charts).read(row()))
    reader = make_reader(charts, snapshot=Snapshot("10597", [first.fingerprint]))
    assert good(reader.read(row(search_price="99.95"))).price_cents == 9995


def test_the_same_row_of_another_merchant_is_not_skipped(charts):
    first = good(make_reader(charts, merchant="10597").read(row(merchant_id="")))
    reader = make_reader(charts, merchant="17046", snapshot=Snapshot("10597", [first.fingerprint]))
    assert isinstance(reader.read(row(merchant_id="")), AwinRow)


def test_a_duplicate_of_an_unchanged_row_is_still_refused(charts):
    first = good(make_reader(charts).read(row()))
    reader = make_reader(charts, snapshot=Snapshot("10597", [first.fingerprint]))
    assert reader.read(row(2)) is None
    assert "appears on an earlier line" in only_error(reader.read(row(3))).message


def test_the_fingerprint_covers_every_cell_and_the_header(charts):
    fingerprint = good(make_reader(charts).read(row())).fingerprint
    assert good(make_reader(charts).read(row(colour="rot", aw_product_id="5"))).fingerprint != fingerprint
    reordered = tuple(reversed(HEADER))
    assert good(make_reader(charts, reordered).read(row(header=reordered))).fingerprint != fingerprint
    assert good(make_reader(charts).read(row(99))).fingerprint == fingerprint  # the line is not content
