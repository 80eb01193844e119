"""Sales report formats: detection from the header and reading rows, without the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from soleflip.tabular.errors import FileRejected
from soleflip.tabular.reader import Row
from transactions.sales_import.formats import (
    ALIAS_SALES,
    EBAY_ORDERS,
    FORMATS,
    STOCKX_HISTORICAL,
    STOCKX_INVOICE,
    STOCKX_SALES_2019,
    detect_format,
)
from transactions.sales_import.parser import ReportedSale, RowInvalid, SaleParser, style_key

# The StockX EU seller invoice report's header, in the order StockX exports it.
INVOICE_HEADER = [
    "Seller Name",
    "Seller Address (Billing)",
    "Seller VAT Number",
    "Sold To Name",
    "Sold To address",
    "Sold to VAT Number",
    "Fiscal Representative Name",
    "Fiscal Representative Address",
    "StockX Destination Address",
    "Payout date",
    "Invoice Date",
    "Invoice Number",
    "Item",
    "Sku Name",
    "Sku Size",
    "Style",
    "Order Number",
    "Sale Date",
    "Seller Tracking Number",
    "Buyer Destination Country",
    "Buyer Destination City",
    "Buyer Tracking Number",
    "Quantity",
    "Ship From Address",
    "Ship To Address",
    "Seller Fee",
    "Seller Fee Currency",
    "Payment Processing",
    "Payment Processing Currency",
    "Shipping Fee",
    "Shipping Fee Currency",
    "VAT Rate",
    "Total Net Amount (Payout Excluding VAT)",
    "Total Net Amount (Payout Excluding VAT) Currency",
    "Listing Price",
    "Listing Price Currency",
    "Total Gross Amount (Total Payout)",
    "Total Gross Amount (Total Payout) Currency",
    "Total VAT Amount",
    "Total VAT Amount Currency",
    "Payout ID",
    "Special references",
    "Provider Transaction ID",
    "Total Invoice Amount",
]


def parse(fmt_header: list[str], values: dict[str, str], *, line: int = 2, parser: SaleParser | None = None):
    """Read one row given as column -> value (missing columns empty)."""
    if parser is None:
        parser = SaleParser(detect_format(fmt_header, file="report.csv"), file="report.csv", platform_currency="EUR")
    return parser.parse(Row(line, [(column, values.get(column, "")) for column in fmt_header]), line)


def invalid(fmt_header: list[str], values: dict[str, str]) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(RowInvalid) as caught:
        parse(fmt_header, values)
    return [(error.line, error.column, error.message) for error in caught.value.errors]


INVOICE_ROW = {
    "Seller Name": "Erika Mustermann",
    "Order Number": "39230274-39130033",
    "Sale Date": "2024-07-08 00:46:09 +00",
    "Item": "Nike Dunk Low Retro White Black",
    "Sku Size": "10.5",
    "Style": "DD1391-100",
    "Quantity": "1",
    "Seller Fee": "12.29",
    "Seller Fee Currency": "EUR",
    "Payment Processing": "5.67",
    "Payment Processing Currency": "EUR",
    "Shipping Fee": "",
    "Shipping Fee Currency": "EUR",
    "Total Net Amount (Payout Excluding VAT)": "171.05",
    "Total Net Amount (Payout Excluding VAT) Currency": "EUR",
    "Listing Price": "189",
    "Listing Price Currency": "EUR",
}
HISTORICAL_HEADER = ["Order Number", "Sale Date", "Item", "Style", "Size", "Listing Price", "Payout"]
SAMPLE_2019_HEADER = [
    "Order Date",
    "Brand",
    "Sneaker Name",
    "Sale Price",
    "Retail Price",
    "Release Date",
    "Shoe Size",
    "Buyer Region",
]
SAMPLE_2019_ROW = {
    "Order Date": "9/1/17",
    "Brand": " Yeezy",
    "Sneaker Name": "Adidas-Yeezy-Boost-350-Low-V2-Beluga",
    "Sale Price": "$1,097",
    "Retail Price": "$220",
    "Release Date": "9/24/16",
    "Shoe Size": "11",
    "Buyer Region": "California",
}


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda fmt: fmt.name)
def test_each_format_is_detected_from_its_full_header(fmt):
    assert detect_format(list(fmt.all_columns), file="report.csv").format is fmt


def test_the_invoice_report_is_detected_in_stockx_column_order_with_44_columns():
    assert len(INVOICE_HEADER) == 44
    assert set(STOCKX_INVOICE.all_columns) == set(INVOICE_HEADER)
    assert detect_format(INVOICE_HEADER, file="invoice.csv").format is STOCKX_INVOICE


def test_detection_ignores_the_case_of_header_names():
    detected = detect_format([name.upper() for name in HISTORICAL_HEADER], file="sales.csv")
    assert detected.format is STOCKX_HISTORICAL
    assert detected.columns["Order Number"] == "ORDER NUMBER"


def test_the_historical_export_needs_no_fee_columns_but_reads_them_when_present():
    assert not detect_format(HISTORICAL_HEADER, file="sales.csv").reports_fees
    assert detect_format([*HISTORICAL_HEADER, "Seller Fee"], file="sales.csv").reports_fees


def test_a_header_of_no_known_format_is_refused_with_every_formats_expected_headers():
    with pytest.raises(FileRejected) as caught:
        detect_format(["Order", "Date", "Price"], file="sales.csv")
    message = str(caught.value)
    assert message.startswith("sales.csv: the header matches no sales report format; expected headers: ")
    for fmt in FORMATS:
        assert fmt.expected_headers() in message
    assert '"Order Number", "Sale Date", "Item", "Style", "Size", "Listing Price", "Payout"' in message
    assert len(caught.value.errors) == len(FORMATS)
    assert caught.value.errors[0].line == 1


def test_an_invoice_row_gives_price_fees_payout_and_currencies_in_cents():
    sale = parse(INVOICE_HEADER, INVOICE_ROW)
    assert sale == ReportedSale(
        line=2,
        order_number="39230274-39130033",
        sold_at=dt.datetime(2024, 7, 8, 0, 46, 9, tzinfo=dt.UTC),
        product_name="Nike Dunk Low Retro White Black",
        style_code="DD1391-100",
        brand="",
        size_label="10.5",
        sale_price_cents=18900,
        currency="EUR",
        seller_fee_cents=1229,
        processing_fee_cents=567,
        shipping_fee_cents=0,
        payout_cents=17105,
        payout_currency="EUR",
        buyer_region="",
    )


def test_an_empty_fee_with_an_na_currency_is_no_fee():
    sale = parse(INVOICE_HEADER, INVOICE_ROW | {"Seller Fee": "", "Seller Fee Currency": "N/A"})
    assert sale.seller_fee_cents == 0


def test_a_size_and_style_of_na_are_empty():
    sale = parse(INVOICE_HEADER, INVOICE_ROW | {"Sku Size": "N/A", "Style": "N/A"})
    assert (sale.size_label, sale.style_code) == ("", "")


@pytest.mark.parametrize(
    ("price", "payout", "cents", "currency"),
    [("$732", "$640", 73200, "USD"), ("€1.234,50", "€1.100,00", 123450, "EUR"), ("$1,000", "$900", 100000, "USD")],
)
def test_prices_written_with_symbols_and_separators_are_read(price, payout, cents, currency):
    row = {"Order Number": "A1", "Sale Date": "2024-03-01", "Item": "x", "Style": "DD1391-100", "Size": "9"}
    sale = parse(HISTORICAL_HEADER, row | {"Listing Price": price, "Payout": payout})
    assert (sale.sale_price_cents, sale.currency, sale.payout_currency) == (cents, currency, currency)


def test_a_long_date_with_its_weekday_is_read():
    row = {"Order Number": "A1", "Item": "x", "Style": "S", "Size": "9", "Listing Price": "$100", "Payout": "$90"}
    sale = parse(HISTORICAL_HEADER, row | {"Sale Date": "Tuesday, October 17, 2017"})
    assert sale.sold_at == dt.datetime(2017, 10, 17, tzinfo=dt.UTC)


def test_an_empty_sale_date_is_an_error_naming_line_and_column():
    assert invalid(INVOICE_HEADER, INVOICE_ROW | {"Sale Date": ""}) == [
        (2, "Sale Date", "the sale date is empty; every sale needs one")
    ]


def test_a_sale_date_in_the_future_is_an_error():
    errors = invalid(INVOICE_HEADER, INVOICE_ROW | {"Sale Date": "2999-01-01 10:00:00 +00"})
    assert errors == [(2, "Sale Date", '"2999-01-01 10:00:00 +00" is in the future (check the date order)')]


def test_every_bad_cell_of_a_row_is_reported_with_its_column():
    errors = invalid(INVOICE_HEADER, INVOICE_ROW | {"Listing Price": "abc", "Quantity": "2", "Order Number": ""})
    assert [(column, message) for _, column, message in errors] == [
        ("Quantity", "quantity 2: each sale must be one item (one order per pair)"),
        ("Listing Price", '"abc" is not an amount'),
        ("Order Number", "the order number is empty"),
    ]


def test_an_amount_contradicting_its_currency_column_is_an_error():
    errors = invalid(INVOICE_HEADER, INVOICE_ROW | {"Listing Price": "$189"})
    assert errors == [(2, "Listing Price", '"$189" is in USD, but its currency column says EUR')]


def test_a_fee_in_another_currency_than_the_price_is_an_error():
    errors = invalid(INVOICE_HEADER, INVOICE_ROW | {"Seller Fee Currency": "GBP"})
    assert errors == [(2, "Seller Fee", "the fee is in GBP but the sale in EUR; one currency per sale")]


def test_a_zero_or_negative_price_is_an_error_but_a_fee_written_as_a_deduction_is_read():
    assert (
        invalid(INVOICE_HEADER, INVOICE_ROW | {"Listing Price": "0"})[0][2] == "the sale price must be more than zero"
    )
    assert parse(INVOICE_HEADER, INVOICE_ROW | {"Seller Fee": "-12.29"}).seller_fee_cents == 1229


def test_the_2019_sample_reads_stray_spaces_dollar_prices_us_dates_and_states():
    sale = parse(SAMPLE_2019_HEADER, SAMPLE_2019_ROW)
    assert sale.brand == "Yeezy"
    assert (sale.sale_price_cents, sale.currency) == (109700, "USD")
    assert timezone_date(sale) == dt.date(2017, 9, 1)
    assert (sale.size_label, sale.buyer_region, sale.style_code) == ("11", "US-CA", "")
    assert sale.order_number.startswith("stockx_sales_2019-")


def timezone_date(sale: ReportedSale) -> dt.date:
    from django.utils import timezone

    return timezone.localtime(sale.sold_at).date()


def test_the_2019_sample_accepts_an_empty_release_date_but_not_a_bad_one():
    assert parse(SAMPLE_2019_HEADER, SAMPLE_2019_ROW | {"Release Date": ""}).order_number
    errors = invalid(SAMPLE_2019_HEADER, SAMPLE_2019_ROW | {"Release Date": "soon"})
    assert errors == [(2, "Release Date", '"soon" is not a date')]


def test_synthetic_order_numbers_count_identical_rows_and_are_the_same_in_every_import():
    def numbers(rows):
        detected = detect_format(SAMPLE_2019_HEADER, file="sample.csv")
        parser = SaleParser(detected, file="sample.csv", platform_currency="EUR")
        return [parse(SAMPLE_2019_HEADER, row, line=n, parser=parser).order_number for n, row in enumerate(rows, 2)]

    other = SAMPLE_2019_ROW | {"Shoe Size": "9"}
    first = numbers([SAMPLE_2019_ROW, SAMPLE_2019_ROW, other])
    assert len(set(first)) == 3  # identical rows are separate sales
    assert numbers([SAMPLE_2019_ROW, SAMPLE_2019_ROW, other]) == first
    # Cosmetic differences do not change the sale: the same price written differently, spaces.
    cosmetic = SAMPLE_2019_ROW | {"Sale Price": "1097 USD", "Brand": "Yeezy  ", "Buyer Region": " california"}
    assert numbers([cosmetic])[0] == first[0]


def test_alias_reports_give_style_codes_with_spaces_whole_dollar_prices_and_day_first_dates():
    header = list(ALIAS_SALES.all_columns)
    row = {
        "USERNAME": "seller123",
        "ORDER_NUMBER": "586612181",
        "SKU": "DD1391 100",
        "SIZE": "10.5",
        "NAME": "Dunk Low 'Black White'",
        "PRODUCT_PRICE_CENTS_SALE_PRICE": "138",
        "CREDIT_DATE": "20/12/24",
        "PURCHASED_DATE": "18/12/24",
    }
    sale = parse(header, row)
    assert (sale.style_code, sale.sale_price_cents, sale.currency) == ("DD1391 100", 13800, "USD")
    assert timezone_date(sale) == dt.date(2024, 12, 18)
    assert sale.seller_fee_cents is None and sale.payout_cents is None  # fees come from the fee schedule


def test_ebay_orders_read_the_size_from_variation_details_and_the_us_date_form():
    header = list(EBAY_ORDERS.all_columns)
    row = {
        "Order Number": "12-34567-89012",
        "Sale Date": "Mar-14-24",
        "Item Title": "Nike Dunk Low Panda",
        "Custom Label": "DD1391-100",
        "Variation Details": "US Shoe Size (Men's):10.5|Colour:White",
        "Sold For": "EUR 129,95",
        "Quantity": "1",
    }
    sale = parse(header, row)
    assert (sale.size_label, sale.sale_price_cents, sale.currency) == ("US M 10.5", 12995, "EUR")
    assert timezone_date(sale) == dt.date(2024, 3, 14)
    assert parse(header, row | {"Variation Details": "EU Shoe Size:44,5"}).size_label == "EU 44,5"


def test_style_keys_ignore_case_spaces_and_punctuation():
    assert style_key("dd1391 100") == style_key("DD1391-100") == "DD1391100"
    assert style_key("Adidas-Yeezy-Boost-350") == style_key("adidas Yeezy Boost 350")


def test_no_format_reads_a_personal_column():
    for fmt in (STOCKX_INVOICE, ALIAS_SALES, EBAY_ORDERS):
        assert fmt.personal
        assert set(fmt.personal).isdisjoint(fmt.mapped_columns)
    assert {"Seller Name", "Seller Address (Billing)", "Seller VAT Number"} <= set(STOCKX_INVOICE.personal)
    assert STOCKX_SALES_2019.order_number is None


def test_the_documentation_lists_every_formats_headers_as_the_code_has_them():
    document = (Path(__file__).resolve().parents[2] / "docs" / "imports" / "sales-reports.md").read_text()
    flat = " ".join(document.split())
    for fmt in FORMATS:
        headers = fmt.expected_headers().removeprefix(f"{fmt.title}: ")
        assert f"Required headers: {headers}" in flat, fmt.name
        for column in fmt.personal:
            assert f'"{column}"' in flat, column
