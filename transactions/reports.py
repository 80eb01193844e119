"""Platform sales reports: one mapping per export format, detected from the header.

Each ``ReportFormat`` says which columns of one export hold which part of a sale and how to
read them (date order, time zone, default currency, the region of bare size numbers). The
header decides the format: the one whose required columns are all present wins, and a file
that fits none is refused with every format's expected headers. ``SaleParser`` turns one
row into a ``ReportedSale`` or raises ``RowInvalid`` with one located error per bad cell.

Columns holding personal data (names, addresses, VAT numbers, e-mail, tracking numbers)
are listed per format in ``personal`` and never read: nothing of them reaches the database,
not even an error message. The formats, their headers and the rules are documented in
docs/imports/sales-reports.md; keep the two in step.

Pure parsing: nothing here touches the database. Matching, fees and writes live in
``transactions.sales_import.sales_report_import``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.utils import timezone

from soleflip.tabular.errors import FileRejected, InvalidValue, RowError
from soleflip.tabular.values import (
    looks_like_amount,
    looks_like_text,
    parse_date,
    parse_datetime,
    parse_int,
    parse_money,
)

__all__ = [
    "FORMATS",
    "Amount",
    "DetectedFormat",
    "ReportFormat",
    "ReportedSale",
    "RowInvalid",
    "SaleParser",
    "detect_format",
    "style_key",
]

# Cells that mean "nothing here" (StockX writes N/A for the size of a book and the currency of an absent fee).
NULL_VALUES = frozenset({"", "n/a", "na", "-", "--", "none", "null"})
# Sales dated this far ahead of now are refused: a clock or date-order problem, not a sale.
FUTURE_TOLERANCE = timedelta(days=1)


def _is_null(text: str) -> bool:
    return text.strip().casefold() in NULL_VALUES


def _collapse(text: str) -> str:
    """Strip and collapse whitespace runs: `` Yeezy `` is ``Yeezy``."""
    return " ".join(text.split())


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def style_key(text: str) -> str:
    """Return the matching key of a style code or product name: letters and digits, upper case.

    Alias writes ``DM7866 200`` where Nike prints ``DM7866-200``; the 2019 StockX sample
    writes names as ``Adidas-Yeezy-Boost-350-V2-Beluga``. Punctuation and spaces carry no
    meaning in either, so they are dropped on both sides of the comparison.
    """
    return re.sub(r"[^A-Za-z0-9]+", "", text).upper()


# --------------------------------------------------------------------------- formats


@dataclass(frozen=True)
class Amount:
    """A money column and, if the export has one, the column naming its currency."""

    column: str
    currency_column: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column, self.currency_column) if self.currency_column else (self.column,)


DateReader = Callable[[str], datetime]


@dataclass(frozen=True)
class ReportFormat:
    """How one platform export maps onto a sale.

    Column attributes name the header of each part of a sale (None: the export has no
    such column). ``optional`` columns may be missing from a file; all other mapped columns
    are required and decide detection. ``personal`` columns exist in the export but are
    never read; ``ignored`` ones are read by nobody either (kept for the documentation and
    for the 44-column StockX invoice check). ``checked`` columns are not stored but are
    validated, so a header that does not match its columns is caught there too.
    """

    name: str
    title: str
    platforms: tuple[str, ...]
    sold_at: str
    product_name: str
    size: str
    sale_price: Amount
    order_number: str | None = None  # None: derived from the row (see SaleParser._synthetic_number)
    style_code: str | None = None
    brand: str | None = None
    seller_fee: Amount | None = None
    processing_fee: Amount | None = None
    shipping_fee: Amount | None = None
    payout: Amount | None = None
    quantity: str | None = None
    buyer_region: str | None = None
    checked: Mapping[str, Literal["amount", "date"]] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()
    personal: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    # Reading rules.
    default_currency: str | None = None  # for amounts with neither a symbol nor a currency column
    dayfirst: bool | None = None  # for 03/04/2024-style dates; None refuses them as ambiguous
    default_tz: str | None = None  # for times without a zone; None: settings.TIME_ZONE
    size_region: str = "US"  # the region of a bare size number such as "10.5"
    order_status: str = "completed"
    read_date: DateReader | None = None  # replaces parse_datetime for exports with an odd date form
    read_size: Callable[[str], str] | None = None  # turns the size cell into a size label
    read_region: Callable[[str], str] | None = None  # turns the buyer region cell into a short code

    @property
    def amounts(self) -> tuple[Amount, ...]:
        fees = (self.seller_fee, self.processing_fee, self.shipping_fee, self.payout)
        return (self.sale_price, *(amount for amount in fees if amount is not None))

    @property
    def mapped_columns(self) -> tuple[str, ...]:
        """Every column the import reads, in the order of a sale's parts."""
        singles = (self.order_number, self.sold_at, self.product_name, self.style_code, self.brand, self.size)
        names: list[str] = [name for name in singles if name]
        for amount in self.amounts:
            names.extend(amount.columns)
        names.extend(name for name in (self.quantity, self.buyer_region) if name)
        names.extend(self.checked)
        return tuple(dict.fromkeys(names))

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(name for name in self.mapped_columns if name not in self.optional)

    @property
    def all_columns(self) -> tuple[str, ...]:
        """The export's full header as documented: read, personal and ignored columns."""
        return tuple(dict.fromkeys((*self.mapped_columns, *self.personal, *self.ignored)))

    def expected_headers(self) -> str:
        """``Title: "A", "B" (optional: "C")``, for messages and the docs."""
        optional = [name for name in self.mapped_columns if name in self.optional]
        extra = f" (optional: {_quoted(optional)})" if optional else ""
        return f"{self.title}: {_quoted(self.required_columns)}{extra}"

    def parse_sold_at(self, text: str) -> datetime:
        if self.read_date is not None:
            return self.read_date(text)
        return parse_datetime(text, dayfirst=self.dayfirst, default_tz=self.default_tz or settings.TIME_ZONE)


def _ebay_date(text: str) -> datetime:
    """eBay's order report writes ``Mar-14-24``; other forms go through ``parse_datetime``."""
    match = re.fullmatch(r"\s*([A-Za-z]{3})-(\d{1,2})-(\d{2}|\d{4})\s*", text)
    if match:
        month, day, year = match.groups()
        year = year if len(year) == 4 else str(2000 + int(year))  # eBay began in 1995; no 19xx order is imported
        return parse_datetime(f"{month} {day}, {year}", default_tz=settings.TIME_ZONE)
    return parse_datetime(text, dayfirst=True, default_tz=settings.TIME_ZONE)


_EBAY_SIZE_NAME = re.compile(r"size", re.IGNORECASE)


def _ebay_size(text: str) -> str:
    """Take the size out of eBay's ``Variation Details`` (``US Shoe Size (Men's):9.5|Colour:White``).

    The variation name says the region and the class (``UK Shoe Size``, ``(Women's)``); the
    value may say them too (``EU 42``), and then it wins.
    """
    for part in re.split(r"[|;]", text):
        name, colon, value = part.partition(":")
        if not colon or not _EBAY_SIZE_NAME.search(name):
            continue
        value = _collapse(value)
        if re.match(r"(?i)(US|UK|EU|EUR|CM|JP)\b", value):
            return value
        region = next((word for word in ("US", "UK", "EU", "CM") if re.search(rf"\b{word}\b", name, re.I)), "")
        klass = "W" if re.search(r"women", name, re.I) else "M" if re.search(r"\bmen", name, re.I) else ""
        return " ".join(part for part in (region, klass, value) if part)
    return _collapse(text) if ":" not in text else ""


# ISO 3166-2 codes of the US states: the 2019 StockX sample names the buyer's state in full,
# and orders.buyer_region holds a short code.
_US_STATE_NAMES = """
    AL=Alabama, AK=Alaska, AZ=Arizona, AR=Arkansas, CA=California, CO=Colorado, CT=Connecticut, DE=Delaware,
    DC=District of Columbia, FL=Florida, GA=Georgia, HI=Hawaii, ID=Idaho, IL=Illinois, IN=Indiana, IA=Iowa,
    KS=Kansas, KY=Kentucky, LA=Louisiana, ME=Maine, MD=Maryland, MA=Massachusetts, MI=Michigan, MN=Minnesota,
    MS=Mississippi, MO=Missouri, MT=Montana, NE=Nebraska, NV=Nevada, NH=New Hampshire, NJ=New Jersey,
    NM=New Mexico, NY=New York, NC=North Carolina, ND=North Dakota, OH=Ohio, OK=Oklahoma, OR=Oregon,
    PA=Pennsylvania, RI=Rhode Island, SC=South Carolina, SD=South Dakota, TN=Tennessee, TX=Texas, UT=Utah,
    VT=Vermont, VA=Virginia, WA=Washington, WV=West Virginia, WI=Wisconsin, WY=Wyoming
"""
_US_STATES = {
    name.strip().casefold(): f"US-{code}" for code, name in re.findall(r"([A-Z]{2})=([^,]+)", _US_STATE_NAMES)
}


def _us_state(text: str) -> str:
    """``California`` -> ``US-CA``; a region that is not a US state is not kept (the column holds 10 characters)."""
    return _US_STATES.get(_collapse(text).casefold(), "")


STOCKX_INVOICE = ReportFormat(
    name="stockx_invoice",
    title="StockX EU seller invoice report",
    platforms=("stockx",),
    order_number="Order Number",
    sold_at="Sale Date",
    product_name="Item",
    style_code="Style",
    size="Sku Size",
    sale_price=Amount("Listing Price", "Listing Price Currency"),
    seller_fee=Amount("Seller Fee", "Seller Fee Currency"),
    processing_fee=Amount("Payment Processing", "Payment Processing Currency"),
    shipping_fee=Amount("Shipping Fee", "Shipping Fee Currency"),
    # The payout excluding VAT: VAT collected for the tax office is not proceeds of the sale.
    payout=Amount("Total Net Amount (Payout Excluding VAT)", "Total Net Amount (Payout Excluding VAT) Currency"),
    quantity="Quantity",
    personal=(
        "Seller Name",
        "Seller Address (Billing)",
        "Seller VAT Number",
        "Ship From Address",
        "Ship To Address",
        "Buyer Destination City",
        "Seller Tracking Number",
        "Buyer Tracking Number",
    ),
    ignored=(
        "Sold To Name",
        "Sold To address",
        "Sold to VAT Number",
        "Fiscal Representative Name",
        "Fiscal Representative Address",
        "StockX Destination Address",
        "Payout date",
        "Invoice Date",
        "Invoice Number",
        "Sku Name",
        "Buyer Destination Country",
        "VAT Rate",
        "Total Gross Amount (Total Payout)",
        "Total Gross Amount (Total Payout) Currency",
        "Total VAT Amount",
        "Total VAT Amount Currency",
        "Payout ID",
        "Special references",
        "Provider Transaction ID",
        "Total Invoice Amount",
    ),
    default_tz="UTC",  # StockX writes "2022-07-08 00:46:09 +00"; a time without the zone is UTC too
    size_region="US",
)

STOCKX_HISTORICAL = ReportFormat(
    name="stockx_historical",
    title="StockX historical sales export",
    platforms=("stockx",),
    order_number="Order Number",
    sold_at="Sale Date",
    product_name="Item",
    style_code="Style",
    size="Size",
    sale_price=Amount("Listing Price", "Currency"),
    seller_fee=Amount("Seller Fee", "Currency"),
    processing_fee=Amount("Payment Processing", "Currency"),
    shipping_fee=Amount("Shipping Fee", "Currency"),
    payout=Amount("Payout", "Currency"),
    optional=frozenset({"Seller Fee", "Payment Processing", "Shipping Fee", "Currency"}),
    ignored=("Payout Date", "Status"),
    default_tz="UTC",
    size_region="US",
)

STOCKX_SALES_2019 = ReportFormat(
    name="stockx_sales_2019",
    title="StockX public sales sample (2019)",
    platforms=("stockx",),
    order_number=None,
    sold_at="Order Date",
    brand="Brand",
    product_name="Sneaker Name",
    sale_price=Amount("Sale Price"),
    size="Shoe Size",
    buyer_region="Buyer Region",
    checked={"Retail Price": "amount", "Release Date": "date"},
    default_currency="USD",
    dayfirst=False,  # 9/1/17 is September 1st: a US file
    size_region="US",
    read_region=_us_state,
)

ALIAS_SALES = ReportFormat(
    name="alias_sales",
    title="Alias/GOAT seller sales report",
    platforms=("alias", "goat"),
    order_number="ORDER_NUMBER",
    sold_at="PURCHASED_DATE",
    style_code="SKU",
    size="SIZE",
    product_name="NAME",
    # Despite its name the column holds whole currency units: 399 is a $399 sale.
    sale_price=Amount("PRODUCT_PRICE_CENTS_SALE_PRICE"),
    personal=("USERNAME",),
    ignored=("CREDIT_DATE",),
    default_currency="USD",
    dayfirst=True,  # 20/12/24
    size_region="US",
)

EBAY_ORDERS = ReportFormat(
    name="ebay_orders",
    title="eBay Seller Hub orders report",
    platforms=("ebay",),
    order_number="Order Number",
    sold_at="Sale Date",
    product_name="Item Title",
    style_code="Custom Label",  # the seller's SKU: SoleFlip sellers put the style code there
    size="Variation Details",
    sale_price=Amount("Sold For"),
    quantity="Quantity",
    personal=(
        "Buyer Username",
        "Buyer Name",
        "Buyer Email",
        "Buyer Note",
        "Buyer Address 1",
        "Buyer Address 2",
        "Buyer City",
        "Buyer State",
        "Buyer Zip",
        "Buyer Country",
        "Ship To Name",
        "Ship To Phone",
        "Ship To Address 1",
        "Ship To Address 2",
        "Ship To City",
        "Ship To State",
        "Ship To Zip",
        "Ship To Country",
        "Tracking Number",
    ),
    ignored=(
        "Sales Record Number",
        "Item Number",
        "Shipping And Handling",
        "Total Price",
        "Payment Method",
        "Paid On Date",
        "Shipped On Date",
        "Transaction ID",
    ),
    size_region="EU",  # the demo's eBay is ebay.de
    order_status="pending",  # the report lists orders as they come in, before they ship
    read_date=_ebay_date,
    read_size=_ebay_size,
)

FORMATS: tuple[ReportFormat, ...] = (STOCKX_INVOICE, STOCKX_HISTORICAL, STOCKX_SALES_2019, ALIAS_SALES, EBAY_ORDERS)


# --------------------------------------------------------------------------- detection


@dataclass(frozen=True)
class DetectedFormat:
    """A format and where its columns are in this file (names as the file spells them)."""

    format: ReportFormat
    columns: Mapping[str, str]  # the format's column name -> the file's header name

    def has(self, column: str | None) -> bool:
        return column is not None and column in self.columns

    def header_of(self, column: str | None) -> str | None:
        """The file's spelling of a format column, for error locations."""
        return None if column is None else self.columns.get(column, column)

    @property
    def reports_fees(self) -> bool:
        """Whether this file carries the platform's fees (else they are computed from the fee schedule)."""
        fmt = self.format
        return any(self.has(fee.column) for fee in (fmt.seller_fee, fmt.processing_fee, fmt.shipping_fee) if fee)

    def validators(self) -> dict[str, Callable[[str], object]]:
        """Per file column, a test its values must mostly pass: the header-matches-columns check."""
        fmt = self.format
        tests: dict[str, Callable[[str], object]] = {fmt.product_name: looks_like_text, fmt.sold_at: fmt.parse_sold_at}
        if fmt.brand is not None:
            tests[fmt.brand] = looks_like_text
        tests.update((amount.column, looks_like_amount) for amount in fmt.amounts)
        tests.update(
            (name, looks_like_amount if kind == "amount" else _looks_like_any_date)
            for name, kind in fmt.checked.items()
        )
        return {self.columns[name]: test for name, test in tests.items() if name in self.columns}


def _looks_like_any_date(text: str) -> bool:
    for dayfirst in (False, True):
        try:
            parse_date(text, dayfirst=dayfirst)
        except InvalidValue:
            continue
        return True
    return False


def detect_format(header: Sequence[str], *, file: str, line: int | None = 1) -> DetectedFormat:
    """Return the format whose required columns the header has; else refuse listing every format's headers.

    Header names are compared ignoring case (after whitespace is collapsed), because
    spreadsheets re-save exports with their own capitalization. When several formats fit,
    the one that requires the most columns wins: it is the more specific reading.
    """
    by_folded: dict[str, str] = {}
    for name in header:
        by_folded.setdefault(name.casefold(), name)
    fitting: list[DetectedFormat] = []
    for fmt in FORMATS:
        columns = {name: by_folded[name.casefold()] for name in fmt.mapped_columns if name.casefold() in by_folded}
        if all(name in columns for name in fmt.required_columns):
            fitting.append(DetectedFormat(fmt, columns))
    if fitting:
        return max(fitting, key=lambda found: len(found.format.required_columns))
    errors = []
    for fmt in FORMATS:
        missing = [name for name in fmt.required_columns if name.casefold() not in by_folded]
        listed = _quoted(missing[:6]) + (" ..." if len(missing) > 6 else "")
        errors.append(RowError(file, line, None, f"not a {fmt.expected_headers()}; missing {listed}"))
    message = "the header matches no sales report format; expected headers: " + " | ".join(
        fmt.expected_headers() for fmt in FORMATS
    )
    raise FileRejected(file, message, errors)


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class ReportedSale:
    """One sale as a report states it, parsed; amounts in cents, fees None where the report has none."""

    line: int
    order_number: str
    sold_at: datetime
    product_name: str
    style_code: str
    brand: str
    size_label: str
    sale_price_cents: int
    currency: str
    seller_fee_cents: int | None
    processing_fee_cents: int | None
    shipping_fee_cents: int | None
    payout_cents: int | None
    payout_currency: str | None
    buyer_region: str

    def same_sale_as(self, other: ReportedSale) -> bool:
        """Whether two rows state the same sale (everything but the line equal)."""
        return dataclasses.replace(self, line=0) == dataclasses.replace(other, line=0)


class RowInvalid(Exception):
    """A row cannot be read; ``errors`` locate each bad cell."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


_CURRENCY = re.compile(r"[A-Z]{3}")


class SaleParser:
    """Read the rows of one file of a detected format into ``ReportedSale`` objects.

    Stateful for one file: the 2019 sample has no order number, and a synthetic one counts
    how often the same content occurred before in this file.
    """

    def __init__(self, detected: DetectedFormat, *, file: str, platform_currency: str) -> None:
        self.detected = detected
        self.format = detected.format
        self.file = file
        self.platform_currency = platform_currency
        self._occurrences: Counter[str] = Counter()

    def parse(self, row: Mapping[str, str], line: int) -> ReportedSale:
        """Return the sale of one row; raise ``RowInvalid`` naming every bad cell."""
        fmt, errors = self.format, _Errors(self.detected, self.file, line)
        cell = self._cell(row)

        sold_text = cell(fmt.sold_at)
        sold_at: datetime | None = None
        if _is_null(sold_text):
            errors.add(fmt.sold_at, "the sale date is empty; every sale needs one")
        else:
            with errors.reading(fmt.sold_at):
                sold_at = fmt.parse_sold_at(sold_text)
                if sold_at > timezone.now() + FUTURE_TOLERANCE:
                    errors.add(fmt.sold_at, f'"{sold_text}" is in the future (check the date order)')

        product_name = _collapse(cell(fmt.product_name))
        if _is_null(product_name) and fmt.style_code is None:
            errors.add(fmt.product_name, "the product name is empty; this report has no style code to match by")
        style_code = "" if _is_null(cell(fmt.style_code)) else _collapse(cell(fmt.style_code))
        if len(style_code) > 50:
            errors.add(fmt.style_code, "a style code longer than 50 characters is not a style code")
        brand = _collapse(cell(fmt.brand))[:100]
        size_text = cell(fmt.size)
        size_label = "" if _is_null(size_text) else _collapse(fmt.read_size(size_text) if fmt.read_size else size_text)
        if len(size_label) > 50:
            errors.add(fmt.size, "a size longer than 50 characters is not a size")

        quantity_text = cell(fmt.quantity)
        if not _is_null(quantity_text):
            with errors.reading(fmt.quantity):
                quantity = parse_int(quantity_text)
                if quantity != 1:
                    errors.add(fmt.quantity, f"quantity {quantity}: each sale must be one item (one order per pair)")

        price, currency = self._amount(row, fmt.sale_price, errors, default=None, required=True)
        if price is not None and price <= 0:
            errors.add(fmt.sale_price.column, "the sale price must be more than zero")
        fees = [
            self._fee(row, amount, errors, currency)
            for amount in (fmt.seller_fee, fmt.processing_fee, fmt.shipping_fee)
        ]
        payout, payout_currency = (None, None)
        if fmt.payout is not None and self.detected.has(fmt.payout.column):
            payout, payout_currency = self._amount(row, fmt.payout, errors, default=currency, required=False)

        checked: list[str] = []  # canonical values, part of a synthetic order number
        for name, kind in fmt.checked.items():
            text = cell(name)
            checked.append("")
            if not _is_null(text):  # the 2019 sample leaves release dates empty
                with errors.reading(name):
                    if kind == "amount":
                        checked[-1] = str(parse_money(text, fmt.default_currency))
                    else:
                        checked[-1] = parse_date(text, dayfirst=fmt.dayfirst).isoformat()

        order_number = _collapse(cell(fmt.order_number)) if fmt.order_number else ""
        if fmt.order_number is not None:
            if _is_null(order_number):
                errors.add(fmt.order_number, "the order number is empty")
            elif len(order_number) > 100:
                errors.add(fmt.order_number, "an order number longer than 100 characters is not an order number")

        if errors or sold_at is None or price is None or currency is None:
            raise RowInvalid(errors.list or [RowError(self.file, line, None, "the row cannot be read")])
        region_text = cell(fmt.buyer_region)
        buyer_region = fmt.read_region(region_text) if fmt.read_region else _collapse(region_text)
        sale = ReportedSale(
            line=line,
            order_number=order_number,
            sold_at=sold_at,
            product_name=product_name[:255],
            style_code=style_code,
            brand=brand,
            size_label=size_label,
            sale_price_cents=price,
            currency=currency,
            seller_fee_cents=fees[0],
            processing_fee_cents=fees[1],
            shipping_fee_cents=fees[2],
            payout_cents=payout,
            payout_currency=payout_currency,
            buyer_region=buyer_region if len(buyer_region) <= 10 else "",
        )
        if fmt.order_number is None:
            return dataclasses.replace(sale, order_number=self._synthetic_number(sale, region_text, checked))
        return sale

    def _cell(self, row: Mapping[str, str]) -> Callable[[str | None], str]:
        columns = self.detected.columns

        def cell(name: str | None) -> str:
            if name is None or name not in columns:
                return ""
            return row.get(columns[name]) or ""

        return cell

    def _amount(
        self, row: Mapping[str, str], amount: Amount, errors: _Errors, *, default: str | None, required: bool
    ) -> tuple[int | None, str | None]:
        """Read a money cell: (cents, currency), or (None, None) when empty and not required."""
        cell = self._cell(row)
        text = cell(amount.column)
        if _is_null(text):
            if required:
                errors.add(amount.column, "the amount is empty")
            return None, None
        column_currency: str | None = None
        currency_text = cell(amount.currency_column).strip().upper()
        if not _is_null(currency_text):
            if _CURRENCY.fullmatch(currency_text):
                column_currency = currency_text
            else:
                errors.add(amount.currency_column, f'"{currency_text}" is not a currency code such as EUR')
        fallback = column_currency or default or self.format.default_currency or self.platform_currency
        try:
            # Fees written as deductions (-12.29) are read as their amount.
            cents, currency = parse_money(text, fallback, allow_negative=amount is not self.format.sale_price)
        except InvalidValue as exc:
            errors.add(amount.column, str(exc))
            return None, None
        if column_currency and currency != column_currency:
            errors.add(amount.column, f'"{text}" is in {currency}, but its currency column says {column_currency}')
            return None, None
        return abs(cents), currency

    def _fee(self, row: Mapping[str, str], amount: Amount | None, errors: _Errors, currency: str | None) -> int | None:
        """Read a fee: None when the file has no fee columns, 0 for an empty cell of a fee column."""
        if amount is None or not self.detected.reports_fees:
            return None
        if not self.detected.has(amount.column):
            return 0
        cents, fee_currency = self._amount(row, amount, errors, default=currency, required=False)
        if cents is not None and currency is not None and fee_currency != currency:
            errors.add(amount.column, f"the fee is in {fee_currency} but the sale in {currency}; one currency per sale")
        return cents or 0

    def _synthetic_number(self, sale: ReportedSale, region_text: str, checked: list[str]) -> str:
        """Give a report without order numbers a stable one: its content plus how often it occurred before.

        Identical rows in the 2019 sample are separate sales, so the content alone is not a
        key; the n-th occurrence of the same content gets the same number in every import of
        the file, which keeps re-imports idempotent. The content is taken parsed ($1,097 and
        1097 USD are one price, " Yeezy" is "Yeezy"), so cosmetic differences do not matter.
        """
        content = "\x1f".join(
            [
                sale.sold_at.isoformat(),
                sale.brand.casefold(),
                style_key(sale.product_name),
                str(sale.sale_price_cents),
                sale.currency,
                sale.size_label.casefold(),
                _collapse(region_text).casefold(),
                *checked,
            ]
        )
        self._occurrences[content] += 1
        digest = hashlib.sha256(f"{content}\x1e{self._occurrences[content]}".encode()).hexdigest()
        return f"{self.format.name}-{digest[:24]}"


class _Errors:
    """The errors of one row, each naming its column as the file spells it."""

    def __init__(self, detected: DetectedFormat, file: str, line: int) -> None:
        self.detected = detected
        self.file = file
        self.line = line
        self.list: list[RowError] = []

    def __bool__(self) -> bool:
        return bool(self.list)

    def add(self, column: str | None, message: str) -> None:
        self.list.append(RowError(self.file, self.line, self.detected.header_of(column), message))

    @contextmanager
    def reading(self, column: str | None) -> Iterator[None]:
        """Turn an ``InvalidValue`` raised in the block into an error of ``column``."""
        try:
            yield
        except InvalidValue as exc:
            self.add(column, str(exc))
