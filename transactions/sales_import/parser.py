"""Platform sales report rows: one row of a detected format read into a ``ReportedSale``.

``SaleParser`` turns one row into a ``ReportedSale`` or raises ``RowInvalid`` with one
located error per bad cell. Personal-data columns (``ReportFormat.personal``) are never
read. The reading rules are documented in docs/imports/sales-reports.md.

Pure parsing: nothing here touches the database. Matching, fees and writes live in
``importer.sales_report_import``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from soleflip.tabular.errors import InvalidValue, RowError
from soleflip.tabular.values import parse_date, parse_int, parse_money
from transactions.sales_import.formats import Amount, DetectedFormat, _collapse

__all__ = [
    "ReportedSale",
    "RowInvalid",
    "SaleParser",
    "style_key",
]

# Cells that mean "nothing here" (StockX writes N/A for the size of a book and the currency of an absent fee).
NULL_VALUES = frozenset({"", "n/a", "na", "-", "--", "none", "null"})
# Sales dated this far ahead of now are refused: a clock or date-order problem, not a sale.
FUTURE_TOLERANCE = timedelta(days=1)


def _is_null(text: str) -> bool:
    return text.strip().casefold() in NULL_VALUES


def style_key(text: str) -> str:
    """Return the matching key of a style code or product name: letters and digits, upper case.

    Alias writes ``DM7866 200`` where Nike prints ``DM7866-200``; the 2019 StockX sample
    writes names as ``Adidas-Yeezy-Boost-350-V2-Beluga``. Punctuation and spaces carry no
    meaning in either, so they are dropped on both sides of the comparison.
    """
    return re.sub(r"[^A-Za-z0-9]+", "", text).upper()


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
