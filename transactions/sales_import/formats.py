"""Platform sales report formats: one mapping per export, detected from the header.

Each ``ReportFormat`` says which columns of one export hold which part of a sale and how to
read them (date order, time zone, default currency, the region of bare size numbers). The
header decides the format: the one whose required columns are all present wins, and a file
that fits none is refused with every format's expected headers.

Columns holding personal data (names, addresses, VAT numbers, e-mail, tracking numbers)
are listed per format in ``personal`` and never read: nothing of them reaches the database,
not even an error message. The formats, their headers and the rules are documented in
docs/imports/sales-reports.md; keep the two in step.

Nothing here touches the database. Rows are read by ``parser.SaleParser``; matching, fees
and writes live in ``importer.sales_report_import``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.conf import settings

from soleflip.tabular.errors import FileRejected, InvalidValue, RowError
from soleflip.tabular.values import looks_like_amount, looks_like_text, parse_date, parse_datetime

__all__ = [
    "FORMATS",
    "Amount",
    "DetectedFormat",
    "ReportFormat",
    "detect_format",
    "report_platforms",
]


def _collapse(text: str) -> str:
    """Strip and collapse whitespace runs: `` Yeezy `` is ``Yeezy``."""
    return " ".join(text.split())


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


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
    order_number: str | None = None  # None: derived from the row (see parser.SaleParser._synthetic_number)
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


def report_platforms() -> frozenset[str]:
    """The platform codes a sales report can be imported for: those some format belongs to."""
    return frozenset(code for fmt in FORMATS for code in fmt.platforms)


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
