"""Platform sales reports turned into orders: each sale recorded through ``services.sale_record``.

The format is read from the header (``formats``) and the rows by ``parser``; each sale is
matched to the oldest unsold pair of its product and size bought before it sold, and
recorded by the sale service like a sale entered in the admin. A sale no pair can be
matched to goes to the review queue. Rules: docs/imports/sales-reports.md.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CharField, F, Func, Q, Value
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from catalog.models import OPEN_STOCK, Brand, Inventory, Product, SizeChart
from catalog.sizing import ChartLine, Decision, parse_size_label, standardize_label
from pricing.imports import ImportFailed, RunRecorder, run_import
from pricing.models import ImportKind, ImportRun
from soleflip.tabular.errors import FileRejected, RowError
from soleflip.tabular.headers import check_columns_match
from soleflip.tabular.reader import TabularReader, open_table
from transactions.models import (
    FeeSchedule,
    Order,
    Platform,
    UnmatchedSale,
    UnmatchedSaleStatus,
    net_proceeds_cents,
)
from transactions.sales_import.formats import DetectedFormat, ReportFormat, detect_format, report_platforms
from transactions.sales_import.parser import ReportedSale, RowInvalid, SaleParser, style_key
from transactions.services import EventRefused, NoFeeSchedule, fee_schedule_in_force, sale_record, schedule_fees

#: Rows per batch: one query each finds the batch's existing orders, queued sales and products.
BATCH_SIZE = 500
#: ``progress`` is called with the number of rows read every this many rows.
PROGRESS_EVERY = 500
#: Size labels of items without a shoe size (StockX writes N/A for a book; the parser makes that "").
NO_SIZE = frozenset({"", "one size", "onesize", "os", "o/s"})
#: orders.payout_fx_rate is numeric(12, 6).
MAX_FX_RATE = Decimal("999999.999999")
#: Order fields that are not the report's to validate (foreign keys: checking them costs a query each).
_RELATIONS = ["inventory", "platform", "listing", "fee_schedule", "payout", "created_by", "updated_by"]


class UnknownPlatform(ValueError):
    """The platform code names no platform."""


def report_platform_choices() -> list[tuple[str, str]]:
    """(code, name) of the platforms whose sales reports can be imported, by name: the import screen's choices.

    A platform is offered when it is in the platforms table, active, and at least one report
    format belongs to it (``formats.report_platforms``): a platform without a format has no
    report to import, and a format whose platform is not in the table cannot be imported for
    it (``UnknownPlatform``). Read from the database at each call, so a platform added or
    deactivated shows at once.
    """
    active = Platform.objects.filter(is_active=True, code__in=report_platforms())
    platforms = active.order_by(Lower("name"), "code")  # case ignored: "eBay" sorts among the others, not last
    return list(platforms.values_list("code", "name"))


def sales_report_import(
    *,
    path: str | Path,
    platform_code: str,
    display_name: str | None = None,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    acting_user: Any = None,
    progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """Import one platform sales report as orders and return its import run, whether it succeeded or not.

    The format is detected from the header (``formats.FORMATS``). Each sale
    becomes an order on the oldest unsold pair of its product (style code) and size (EU
    size), which is marked sold with its active listings on the platform; an order number
    already present updates that order. A sale no pair can be matched to unambiguously goes
    to the review queue (``UnmatchedSale``) instead. All-or-nothing unless
    ``skip_bad_rows``; ``dry_run`` does everything and rolls it back. The run (status,
    counts, rejected rows) is kept in every case; only an unexpected error or an interrupt
    propagates (the run is then kept as failed). ``display_name`` is the file name to
    record (an admin upload's original name); ``progress`` is called with the rows read so
    far; ``acting_user`` is recorded on the run and as the author of the writes. Raises
    ``UnknownPlatform`` before starting a run. Rules: docs/imports/sales-reports.md.
    """
    platform = Platform.objects.filter(code=platform_code).first()
    if platform is None:
        known = ", ".join(Platform.objects.order_by("code").values_list("code", flat=True)) or "none yet"
        raise UnknownPlatform(f'unknown platform "{platform_code}"; known platforms: {known}')
    options = {"platform": platform.code, "dry_run": dry_run, "skip_bad_rows": skip_bad_rows}
    return run_import(
        lambda recorder: _SalesReportImport(
            recorder,
            platform=platform,
            path=Path(path),
            display_name=display_name,
            dry_run=dry_run,
            skip_bad_rows=skip_bad_rows,
            progress=progress,
        ).execute(),
        kind=ImportKind.SALES_REPORT,
        path=path,
        display_name=display_name,
        acting_user=acting_user,
        options=options,
    )


@dataclass(frozen=True)
class _Prepared:
    """A parsed sale and the order fields the report decides (money, dates, fees, payout)."""

    sale: ReportedSale
    order_fields: dict[str, Any]


_T = TypeVar("_T")


def _batched(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _alnum_upper(field: str) -> Upper:
    """SQL twin of ``parser.style_key``: letters and digits of a column, upper case."""
    stripped = Func(F(field), Value("[^A-Za-z0-9]+"), Value(""), Value("g"), function="REGEXP_REPLACE")
    return Upper(stripped, output_field=CharField())


def _brand_matches(brand: Brand, name: str) -> bool:
    folded = " ".join(name.split()).casefold()
    return folded in (brand.name.casefold(), brand.slug.casefold())


class _SalesReportImport:
    """One run of ``sales_report_import``: reads, checks and writes one file."""

    detected: DetectedFormat  # known once the header is read

    def __init__(
        self,
        recorder: RunRecorder,
        *,
        platform: Platform,
        path: Path,
        display_name: str | None,
        dry_run: bool,
        skip_bad_rows: bool,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.recorder = recorder
        self.run = recorder.run
        self.acting_user = (
            recorder.acting_user if recorder.acting_user is not None and recorder.acting_user.pk else None
        )
        self.platform = platform
        self.path = path
        self.display_name = display_name
        self.dry_run = dry_run
        self.skip_bad_rows = skip_bad_rows
        self.progress = progress
        self.now = timezone.now()
        self.rows = 0
        self.bad_rows = 0
        self.errors: list[RowError] = []
        self.outcome: Counter[str] = Counter()
        self.seen: dict[str, ReportedSale] = {}
        self.products: dict[tuple[str, str], list[Product]] = {}
        self.schedules: dict[dt.date, FeeSchedule | NoFeeSchedule] = {}
        self.schedules_by_id: dict[Any, FeeSchedule] = {}
        self.decisions: dict[tuple[str, str, str], Decision] = {}
        self.charts: list[ChartLine] | None = None

    # ------------------------------------------------------------------ the run

    def execute(self) -> None:
        try:
            table = open_table(self.path, self.display_name, on_error="collect")
        except FileRejected as exc:
            self._refuse(exc)
        with table:
            try:
                detected = self._detect(table)
            except FileRejected as exc:
                self._refuse(exc)
            self.detected = detected
            self.run.options = {**self.run.options, "format": detected.format.name}
            parser = SaleParser(detected, file=table.name, platform_currency=self.platform.default_currency)
            with self.recorder.data_transaction(dry_run=self.dry_run):
                self._lock_platform()
                try:
                    for batch in _batched(self._prepared(table, parser), BATCH_SIZE):
                        # All-or-nothing: after the first bad row, stop writing but keep checking.
                        if self.skip_bad_rows or not (self.errors or table.errors):
                            self._write(batch)
                except FileRejected as exc:  # broken quoting or too many bad rows further down
                    self._refuse(exc)
                self._conclude(table)

    def _detect(self, table: TabularReader) -> DetectedFormat:
        detected = detect_format(table.header, file=table.name, line=table.header_line)
        if self.platform.code not in detected.format.platforms:
            belongs = " or ".join(detected.format.platforms)
            message = (
                f"the header is that of the {detected.format.title}, a report of {belongs}; "
                f"it cannot be imported for {self.platform.code}"
            )
            raise FileRejected(table.name, message, [RowError(table.name, table.header_line, None, message)])
        # Scraped files carry headers that do not match their columns (dates under the name).
        mismatched = check_columns_match(table.peek(100), detected.validators(), file=table.name)
        if mismatched:
            raise FileRejected(table.name, "the header does not match the columns below it", mismatched)
        return detected

    def _refuse(self, exc: FileRejected) -> NoReturn:
        """Refuse the whole file (nothing is written): the run keeps the reasons, and the bad rows seen so far."""
        found = [*self.errors, *(exc.errors or [RowError(exc.file, None, None, exc.message)])]
        self.recorder.reject(sorted(found, key=lambda error: error.line or 0))
        self.run.rows_read = self.rows
        self.run.message = f"Refused: {exc}"
        self._reset_counts()
        raise ImportFailed(self.run)

    def _reset_counts(self) -> None:
        run = self.run
        run.rows_created = run.rows_updated = run.rows_unchanged = run.rows_skipped = 0

    def _lock_platform(self) -> None:
        # Imports of one platform's reports take turns (until the data transaction ends): a
        # second import of the same report waits, then finds the orders and changes nothing,
        # instead of failing on the unique order number. Other platforms' imports run on;
        # pairs they compete for are guarded by the row lock in _match.
        with connection.cursor() as cursor:
            key = f"soleflip.sales_report_import:{self.platform.pk}"
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])

    def _conclude(self, table: TabularReader) -> None:
        run = self.run
        errors = sorted([*self.errors, *table.errors], key=lambda error: error.line or 0)
        bad = self.bad_rows + len(table.errors)
        run.rows_read = self.rows + len(table.errors)
        self.recorder.reject(errors)
        if errors and not self.skip_bad_rows:
            self._reset_counts()
            run.message = (
                f"{bad} bad row(s) of {run.rows_read}; nothing was written. "
                "Fix the rows, or import with skip bad rows to write the others."
            )
            raise ImportFailed(run)
        run.rows_skipped = bad
        outcome = self.outcome
        run.options = {**run.options, "outcome": dict(sorted(outcome.items()))}
        parts = [
            f"{outcome['orders_created']} order(s) created",
            f"{outcome['orders_updated']} updated",
            f"{outcome['orders_unchanged'] + outcome['duplicate_rows']} unchanged",
            f"{outcome['sent_to_review']} sale(s) sent to the review queue",
        ]
        if outcome["review_updated"] or outcome["review_unchanged"]:
            parts.append(f"{outcome['review_updated'] + outcome['review_unchanged']} already there")
        if bad:
            parts.append(f"{bad} bad row(s) skipped")
        run.message = f"{self.format.title}, {run.rows_read} row(s): " + ", ".join(parts) + "."
        if self.dry_run:
            run.message += " Dry run: nothing was written."

    # ------------------------------------------------------------------ reading

    def _prepared(self, table: TabularReader, parser: SaleParser) -> Iterator[_Prepared]:
        """Parse and check every row; yield the good ones with their order fields, record the bad."""
        for row in table:
            self.rows += 1
            if self.progress is not None and self.rows % PROGRESS_EVERY == 0:
                self.progress(self.rows)
            try:
                sale = parser.parse(row, row.line)
                earlier = self.seen.get(sale.order_number)
                if earlier is not None:
                    if earlier.same_sale_as(sale):  # the same sale listed twice: nothing to do
                        self._count("duplicate_rows", "unchanged")
                        continue
                    column = self.detected.header_of(self.format.order_number)
                    message = f'order number "{sale.order_number}" is also on line {earlier.line}, with other values'
                    raise RowInvalid([RowError(table.name, row.line, column, message)])
                self.seen[sale.order_number] = sale
                yield _Prepared(sale, self._order_fields(sale, table.name))
            except RowInvalid as exc:
                self.bad_rows += 1
                self.errors.extend(exc.errors)

    def _order_fields(self, sale: ReportedSale, file: str) -> dict[str, Any]:
        """The order's money as the report states it; fees from the fee schedule when it states none.

        Net proceeds are in the sale currency. A payout in the sale currency is the net
        proceeds (what was really paid), and what the listed fees do not explain goes to
        other costs. A payout in another currency converts the price less fees, so the FX
        rate at payout is payout / (price - fees), in payout units per sale unit; without a
        payout in another currency the rate is 1.
        """
        fmt, price = self.format, sale.sale_price_cents
        errors: list[RowError] = []
        schedule = None
        if sale.seller_fee_cents is None:
            schedule = self._schedule(sale, file)
            platform_fee, processing_fee = schedule_fees(schedule, price)
            shipping = 0
        else:
            platform_fee, processing_fee = sale.seller_fee_cents, sale.processing_fee_cents or 0
            shipping = sale.shipping_fee_cents or 0
        deductions = platform_fee + processing_fee + shipping
        other, rate, payout_currency = 0, Decimal(1), sale.currency
        payout_column = self.detected.header_of(fmt.payout.column if fmt.payout else None)
        if sale.payout_cents is None:
            net = net_proceeds_cents(sale_price_cents=price, platform_fee_cents=deductions)
        elif sale.payout_currency == sale.currency:
            # What was paid is the net proceeds (sale_record's paid_cents); the rest is other costs.
            net = sale.payout_cents
            other = max(0, price - deductions - net)
            if net > price:
                errors.append(RowError(file, sale.line, payout_column, "the payout is more than the sale price"))
        else:
            net = net_proceeds_cents(sale_price_cents=price, platform_fee_cents=deductions)
            payout_currency = sale.payout_currency or sale.currency
            if net <= 0:
                message = "the fees leave nothing to pay out, so the payout's FX rate cannot be derived"
                errors.append(RowError(file, sale.line, payout_column, message))
            else:
                rate = (Decimal(sale.payout_cents) / Decimal(net)).quantize(Decimal("0.000001"), ROUND_HALF_UP)
                if not Decimal(0) < rate <= MAX_FX_RATE:
                    message = f"the payout gives an FX rate of {rate}, which is not a rate"
                    errors.append(RowError(file, sale.line, payout_column, message))
        fields: dict[str, Any] = {
            "sold_at": sale.sold_at,
            "sale_price_cents": price,
            "currency": sale.currency,
            "platform_fee_cents": platform_fee,
            "processing_fee_cents": processing_fee,
            "shipping_cost_cents": shipping,
            "other_costs_cents": other,
            "net_proceeds_cents": net,
            "payout_currency": payout_currency,
            "payout_fx_rate": rate,
            "fee_schedule_id": schedule.pk if schedule else None,
        }
        if sale.buyer_region:  # a report without buyer regions leaves what staff entered
            fields["buyer_region"] = sale.buyer_region
        try:
            Order(external_order_number=sale.order_number, **fields).clean_fields(exclude=_RELATIONS)
        except ValidationError as exc:
            errors.extend(
                RowError(file, sale.line, None, f"{name}: {' '.join(messages)}")
                for name, messages in exc.message_dict.items()
            )
        if errors:
            raise RowInvalid(errors)
        return fields

    def _schedule(self, sale: ReportedSale, file: str) -> FeeSchedule:
        day = timezone.localtime(sale.sold_at).date()
        if day not in self.schedules:
            try:
                self.schedules[day] = fee_schedule_in_force(platform=self.platform, sold_at=sale.sold_at)
            except NoFeeSchedule as exc:
                self.schedules[day] = exc
        found = self.schedules[day]
        if isinstance(found, FeeSchedule):
            self.schedules_by_id[found.pk] = found
        if isinstance(found, NoFeeSchedule):
            message = f"the report states no fees and {found.fact}: add the fee schedule, then import again"
            raise RowInvalid([RowError(file, sale.line, self.detected.header_of(self.format.sold_at), message)])
        return found

    # ------------------------------------------------------------------ writing

    def _write(self, batch: list[_Prepared]) -> None:
        numbers = [prepared.sale.order_number for prepared in batch]
        orders = {
            order.external_order_number: order
            for order in Order.objects.select_for_update(of=("self",)).filter(
                platform=self.platform, external_order_number__in=numbers
            )
        }
        queued = {
            entry.external_order_number: entry
            for entry in UnmatchedSale.objects.select_for_update(of=("self",)).filter(
                platform=self.platform, external_order_number__in=numbers
            )
        }
        self._load_products(prepared.sale for prepared in batch if prepared.sale.order_number not in orders)
        for prepared in batch:
            number = prepared.sale.order_number
            order, entry = orders.get(number), queued.get(number)
            if order is not None:
                self._update_order(order, prepared)
            elif entry is not None and entry.status == UnmatchedSaleStatus.RESOLVED:
                # Staff closed it without an order (not our pair, a test sale): their decision stands.
                self._count("review_unchanged", "unchanged")
                continue
            else:
                match = self._match(prepared.sale)
                if isinstance(match, str):
                    self._queue(prepared, match, entry)
                    continue
                order = self._create_order(prepared, match)
            if entry is not None and entry.status == UnmatchedSaleStatus.OPEN:
                self._resolve(entry, order)

    @property
    def format(self) -> ReportFormat:
        return self.detected.format

    def _count(self, outcome: str, column: str) -> None:
        self.outcome[outcome] += 1
        setattr(self.run, f"rows_{column}", getattr(self.run, f"rows_{column}") + 1)

    def _authored(self, *, creating: bool) -> dict[str, Any]:
        """created_by/updated_by of a write; without a user, an earlier author is kept."""
        if self.acting_user is None:
            return {}
        return (
            {"created_by": self.acting_user, "updated_by": self.acting_user}
            if creating
            else {"updated_by": self.acting_user}
        )

    def _create_order(self, prepared: _Prepared, item: Inventory) -> Order:
        """Record the sale on the matched pair through the sale service, as staff would in the admin."""
        sale, fields = prepared.sale, prepared.order_fields
        schedule_id = fields["fee_schedule_id"]
        try:
            order = sale_record(
                acting_user=self.acting_user,
                inventory=item,
                platform=self.platform,
                external_order_number=sale.order_number,
                sale_price_cents=fields["sale_price_cents"],
                sold_at=fields["sold_at"],
                currency=fields["currency"],
                fee_schedule=self.schedules_by_id.get(schedule_id) if schedule_id else None,
                platform_fee_cents=None if schedule_id else fields["platform_fee_cents"],
                processing_fee_cents=None if schedule_id else fields["processing_fee_cents"],
                shipping_cost_cents=fields["shipping_cost_cents"],
                paid_cents=sale.payout_cents if sale.payout_currency == sale.currency else None,
                payout_currency=fields["payout_currency"],
                payout_fx_rate=fields["payout_fx_rate"],
                status=self.format.order_status,
                buyer_region=fields.get("buyer_region", ""),
            )
        except EventRefused as exc:  # the pair was locked for this sale: a refusal here is a bug
            raise RuntimeError(f"order {sale.order_number} on {item}: {' '.join(exc.messages)}") from exc
        self._count("orders_created", "created")
        return order

    def _update_order(self, order: Order, prepared: _Prepared) -> None:
        """Write the fields the report changed; the pair, listing and status stay as they are."""
        changed = [name for name, value in prepared.order_fields.items() if getattr(order, name) != value]
        if not changed:
            self._count("orders_unchanged", "unchanged")
            return
        for name in changed:
            setattr(order, name, prepared.order_fields[name])
        authored = self._authored(creating=False)
        for name, value in authored.items():
            setattr(order, name, value)
        order.save(update_fields=[*changed, *authored])
        self._count("orders_updated", "updated")

    def _queue(self, prepared: _Prepared, reason: str, entry: UnmatchedSale | None) -> None:
        """Put a sale in the review queue, or refresh its entry there; never twice."""
        sale = prepared.sale
        fields: dict[str, Any] = {
            "sold_at": sale.sold_at,
            "product_name": sale.product_name,
            "style_code": sale.style_code,
            "brand_name": sale.brand,
            "size_label": sale.size_label,
            "sale_price_cents": sale.sale_price_cents,
            "currency": sale.currency,
            "platform_fee_cents": sale.seller_fee_cents,
            "processing_fee_cents": sale.processing_fee_cents,
            "shipping_cost_cents": sale.shipping_fee_cents,
            "payout_cents": sale.payout_cents,
            "payout_currency": sale.payout_currency or "",
            "buyer_region": sale.buyer_region,
            "reason": reason,
        }
        if entry is None:
            UnmatchedSale.objects.create(
                platform=self.platform,
                external_order_number=sale.order_number,
                run=self.run,
                line=sale.line,
                **fields,
                **self._authored(creating=True),
            )
            self._count("sent_to_review", "created")
            return
        changed = [name for name, value in fields.items() if getattr(entry, name) != value]
        if not changed:
            self._count("review_unchanged", "unchanged")
            return
        for name in changed:
            setattr(entry, name, fields[name])
        entry.run, entry.line = self.run, sale.line
        authored = self._authored(creating=False)
        for name, value in authored.items():
            setattr(entry, name, value)
        entry.save(update_fields=[*changed, "run", "line", *authored])
        self._count("review_updated", "updated")

    def _resolve(self, entry: UnmatchedSale, order: Order) -> None:
        entry.status, entry.order, entry.resolved_at = UnmatchedSaleStatus.RESOLVED, order, self.now
        authored = self._authored(creating=False)
        for name, value in authored.items():
            setattr(entry, name, value)
        entry.save(update_fields=["status", "order", "resolved_at", *authored])

    # ------------------------------------------------------------------ matching

    def _product_key(self, sale: ReportedSale) -> tuple[str, str] | None:
        """What finds the product: the style code, else (reports without one) the product name."""
        if sale.style_code and style_key(sale.style_code):
            return "style_code", style_key(sale.style_code)
        if sale.product_name and style_key(sale.product_name):
            return "name", style_key(sale.product_name)
        return None

    def _load_products(self, sales: Iterable[ReportedSale]) -> None:
        """Find the products of a batch's sales by style code or name, one query per kind of key.

        The comparison ignores case, spaces and punctuation (``parser.style_key``), which
        no index serves: a batch costs one scan of products instead of one per row.
        """
        wanted: dict[str, set[str]] = {"style_code": set(), "name": set()}
        for sale in sales:
            sale_key = self._product_key(sale)
            if sale_key is not None and sale_key not in self.products:
                wanted[sale_key[0]].add(sale_key[1])
        for field, keys in wanted.items():
            if not keys:
                continue
            for key in keys:
                self.products[field, key] = []
            found = (
                Product.objects.select_related("brand")
                .annotate(match_key=_alnum_upper(field))
                .filter(match_key__in=keys)
                .order_by("brand__name", "name")
            )
            for product in found:
                self.products[field, product.match_key].append(product)

    def _match(self, sale: ReportedSale) -> Inventory | str:
        """Lock and return the pair a sale sold, or say why there is no single one."""
        key = self._product_key(sale)
        if key is None:
            return "the report names neither a style code nor a product"
        products = self.products.get(key, [])
        what = f'style code "{sale.style_code}"' if key[0] == "style_code" else f'the name "{sale.product_name}"'
        if len(products) > 1 and sale.brand:
            products = [product for product in products if _brand_matches(product.brand, sale.brand)] or products
        if not products:
            return f"no product in the catalog has {what}"
        if len(products) > 1:
            listed = "; ".join(f"{product} by {product.brand}" for product in products[:5])
            return f"{len(products)} products have {what} ({listed}): which one sold is for staff to decide"
        product = products[0]
        sizes = self._size_filter(product, sale.size_label)
        if isinstance(sizes, str):
            return sizes
        size_filter, size_text = sizes
        unsold = (
            Inventory.objects.filter(product=product, status__in=OPEN_STOCK)
            .filter(size_filter)
            .filter(Q(purchased_at__isnull=True) | Q(purchased_at__lte=sale.sold_at))
        )
        # SKIP LOCKED: a pair another transaction is selling right now is not this sale's; read-then-write
        # without a lock sold one pair dozens of times in a test (docs/stack-facts.md, trap 6).
        item = (
            unsold.order_by(F("purchased_at").asc(nulls_last=True), "created_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if item is not None:
            return item
        if unsold.exists():
            return (
                f"every unsold pair of {product} in {size_text} is being sold by another import or sale "
                "right now; import the report again when it is done"
            )
        return f"no unsold pair of {product} in {size_text}"

    def _size_filter(self, product: Product, label: str) -> tuple[Q, str] | str:
        """Which stored sizes are the sale's size: the same EU size, or the same size as written.

        The label is read for the product's brand and class (``10.5`` on a men's Nike is US M
        10.5, EU 44.5). A size stored without an EU size yet still matches when it is written
        the same (region, value and class); a label with a second size in it (``UK 6 (EU 39)``)
        matches only by its EU size, which both parts decide together.
        """
        if label.casefold() in NO_SIZE:
            return Q(size__isnull=True), "no size"
        klass = product.gender_class
        region = self.format.size_region
        parsed = parse_size_label(label, default_region=region, default_class=klass)
        if parsed is None:
            return f'"{label}" is not a shoe size the catalog can hold'
        decision = self._decide(product.brand.slug, label, klass)
        as_written = None
        if parsed.secondary is None and parsed.region is not None:
            as_written = Q(
                size__region=parsed.region,
                size__value=parsed.value,
                size__gender_class__in=["", parsed.gender_class or klass],
            )
        if decision.is_decided and decision.eu_value is not None:
            size_filter = Q(size__standardized_value=decision.eu_value)
            if as_written is not None:
                size_filter |= as_written & Q(size__standardized_value__isnull=True)
            return size_filter, f'size "{label}" (EU {decision.eu_value.normalize():f})'
        if as_written is not None:
            return as_written, f'size "{label}" as written (no EU size: {decision.reason})'
        return f'size "{label}" has no single EU size: {decision.reason}'

    def _decide(self, brand_slug: str, label: str, klass: str) -> Decision:
        key = (brand_slug, label, klass)
        if key not in self.decisions:
            if self.charts is None:
                self.charts = [
                    ChartLine(line.brand.slug, line.gender_class, line.region, line.value, line.eu_value, line.source)
                    for line in SizeChart.objects.select_related("brand")
                ]
            self.decisions[key] = standardize_label(
                self.charts, brand_slug, label, klass, default_region=self.format.size_region
            )
        return self.decisions[key]
