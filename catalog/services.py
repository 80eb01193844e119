"""Writes on the catalog: a purchase (a pair enters stock), size charts and size standardization."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.gtin import normalize_gtin
from catalog.models import (
    Brand,
    Condition,
    Inventory,
    InventoryStatus,
    Product,
    ReviewStatus,
    Size,
    SizeChart,
    SizeReview,
    Supplier,
    SupplierAccount,
    Variant,
)
from catalog.sizing import ChartLine, Decision, load_charts, standardize
from soleflip.db.acting_user import act_as
from soleflip.values.cards import refuse_card_numbers

BRAND_NAMES = {"nike": "Nike", "jordan": "Jordan", "adidas": "adidas", "asics": "ASICS", "new-balance": "New Balance"}


@transaction.atomic
def size_charts_load(*, path: str | Path | None = None) -> tuple[int, int]:
    """Load the size charts file into ``size_charts``; return (lines added, lines already there)."""
    lines = load_charts(path)
    brands = {}
    for slug in sorted({line.brand_slug for line in lines}):
        brands[slug], _ = Brand.objects.get_or_create(slug=slug, defaults={"name": BRAND_NAMES.get(slug, slug.title())})
    existing = set(
        SizeChart.objects.values_list("brand__slug", "gender_class", "region", "value", "eu_value").iterator()
    )
    new = [
        SizeChart(
            brand=brands[line.brand_slug],
            gender_class=line.gender_class,
            region=line.region,
            value=line.value,
            eu_value=line.eu_value,
            source=line.source[:255],
        )
        for line in lines
        if (line.brand_slug, line.gender_class, line.region, line.value, line.eu_value) not in existing
    ]
    SizeChart.objects.bulk_create(new, batch_size=1000)
    return len(new), len(lines) - len(new)


def _chart_lines() -> tuple[list[ChartLine], dict[tuple[Any, ...], SizeChart]]:
    rows = list(SizeChart.objects.select_related("brand"))
    lines = [ChartLine(r.brand.slug, r.gender_class, r.region, r.value, r.eu_value, r.source) for r in rows]
    by_key = {(r.brand.slug, r.gender_class, r.region, r.value, r.eu_value): r for r in rows}
    return lines, by_key


def size_decide(size: Size, charts: list[ChartLine]) -> Decision:
    """What the charts say about one size (EU sizes of no brand are their own standard)."""
    return standardize(
        charts,
        brand_slug=size.brand.slug if size.brand else "",
        region=size.region,
        value=size.value,
        gender_class=size.gender_class or None,
    )


@dataclass
class StandardizeReport:
    decided: int = 0
    queued: int = 0
    still_in_review: int = 0
    examples: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.decided} size(s) standardized, {self.queued} sent to review, {self.still_in_review} still in review"
        )


class _DryRun(Exception):
    pass


def sizes_standardize(*, acting_user: Any, commit: bool, brand: Brand | None = None) -> StandardizeReport:
    """Fill ``standardized_value`` wherever a chart decides it; queue every other size for review.

    Never guesses. Without ``commit`` nothing is written; the report says what would happen.
    """
    report = StandardizeReport()
    try:
        with transaction.atomic():
            act_as(acting_user)
            _standardize(report, brand)
            if not commit:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _standardize(report: StandardizeReport, brand: Brand | None) -> None:
    charts, by_key = _chart_lines()
    pending = Size.objects.filter(standardized_value__isnull=True).select_related("brand", "review")
    if brand is not None:
        pending = pending.filter(brand=brand)
    now = timezone.now()
    for size in pending:
        decision = size_decide(size, charts)
        review = getattr(size, "review", None)
        if decision.is_decided:
            line = decision.line
            size.standardized_value = decision.eu_value
            size.standardized_by = (
                by_key.get((line.brand_slug, line.gender_class, line.region, line.value, line.eu_value))
                if line
                else None
            )
            size.save(update_fields=["standardized_value", "standardized_by"])
            if review is not None and review.status == ReviewStatus.OPEN:
                review.status, review.accepted_eu_value = ReviewStatus.ACCEPTED, decision.eu_value
                review.reviewed_at = now
                review.reason = f"{review.reason}\nDecided by the charts on {now:%Y-%m-%d}: {decision.reason}"
                review.save()
            report.decided += 1
            continue
        candidates = [str(value) for value in decision.candidates]
        if review is None:
            SizeReview.objects.create(
                size=size, outcome=decision.status.value, reason=decision.reason, candidates=candidates
            )
            report.queued += 1
            if len(report.examples) < 10:
                report.examples.append(f"{size}{f' ({size.brand})' if size.brand else ''}: {decision.reason}")
        else:
            changed = (review.reason, review.candidates) != (decision.reason, candidates)
            if review.status == ReviewStatus.OPEN and changed:
                review.outcome, review.reason, review.candidates = decision.status.value, decision.reason, candidates
                review.save()
            report.still_in_review += 1


@transaction.atomic
def size_review_accept(*, review: SizeReview, eu_value: Decimal, acting_user: Any) -> SizeReview:
    """Accept an EU size for a reviewed size, record it as a chart line, and apply it to sizes like it."""
    act_as(acting_user)
    if review.status != ReviewStatus.OPEN:
        raise ValueError(f"review of {review.size} is already {review.get_status_display().lower()}")
    size = review.size
    now = timezone.now()
    if size.brand is not None:
        SizeChart.objects.get_or_create(
            brand=size.brand,
            gender_class=size.gender_class or "U",
            region=size.region,
            value=size.value,
            eu_value=eu_value,
            defaults={"source": f"Accepted in size review by {acting_user} on {now:%Y-%m-%d}"},
        )
    review.status, review.accepted_eu_value = ReviewStatus.ACCEPTED, eu_value
    review.reviewed_by, review.reviewed_at = acting_user, now
    review.full_clean()
    review.save()
    size.standardized_value = eu_value
    size.save(update_fields=["standardized_value"])
    if size.brand is not None:
        sizes_standardize(acting_user=acting_user, commit=True, brand=size.brand)
    return review


@transaction.atomic
def size_review_dismiss(*, review: SizeReview, acting_user: Any) -> SizeReview:
    """Close a review without a mapping (not a shoe size, a data error upstream)."""
    act_as(acting_user)
    review.status, review.reviewed_by, review.reviewed_at = ReviewStatus.DISMISSED, acting_user, timezone.now()
    review.save()
    return review


#: Above this many rows in one call, their constraints are left to the database (Django
#: checks each constraint with a query per row, which a bulk of thousands cannot afford).
CHECKED_ONE_BY_ONE = 50
#: How far in the future an event's date may be (clocks of other machines, typing to the minute).
CLOCK_SKEW = dt.timedelta(minutes=5)


class PurchaseRefused(ValidationError):
    """A purchase that cannot be recorded as given; nothing was written."""


def inventory_buy(
    *,
    acting_user: Any,
    purchase_price_cents: int,
    product: Product | None = None,
    size: Size | None = None,
    ean: str | None = None,
    currency: str | None = None,
    purchase_fx_rate: Decimal | None = None,
    supplier: Supplier | None = None,
    supplier_account: SupplierAccount | None = None,
    purchased_at: dt.datetime | None = None,
    condition: str = Condition.NEW,
    location: str = "",
    external_order_ref: str = "",
    notes: str = "",
    incoming: bool = False,
) -> Inventory:
    """A pair enters stock: bought at a price, from a supplier, on a date.

    The variant is the product's in that size (or the one whose GTIN is ``ean``, which then
    decides the product and size too); the supplier's name is kept with the pair. A price in
    another currency than the base currency needs its FX rate at purchase. ``incoming``: the
    pair is on its way (status Incoming), else it is Available.
    """
    base = settings.BASE_CURRENCY
    currency = currency or base
    if ean:
        try:
            code = normalize_gtin(ean)
        except ValueError as exc:
            raise PurchaseRefused(f"EAN/GTIN {ean}: {exc}") from exc
        variant = Variant.objects.select_related("product", "size").filter(ean=code).first()
        if variant is None:
            raise PurchaseRefused(f"no variant in the catalog has the EAN/GTIN {code}")
        if product is not None and product.pk != variant.product_id:
            raise PurchaseRefused(f"EAN/GTIN {code} is {variant}, not {product}")
        product, size = variant.product, variant.size
    elif product is None:
        raise PurchaseRefused("a purchase needs the product (or an EAN/GTIN)")
    else:
        variant = Variant.objects.filter(product=product, size=size).first() if size is not None else None
    if purchase_fx_rate is None:
        if currency != base:
            raise PurchaseRefused(f"a price in {currency} needs its FX rate into {base} on the purchase day")
        purchase_fx_rate = Decimal(1)
    return inventory_buy_many(
        acting_user=acting_user,
        purchases=[
            Purchase(
                product=product,
                size=size,
                variant=variant,
                purchase_price_cents=purchase_price_cents,
                currency=currency,
                purchase_fx_rate=purchase_fx_rate,
                supplier=supplier,
                supplier_account=supplier_account,
                purchased_at=purchased_at or timezone.now(),
                condition=condition,
                location=location,
                external_order_ref=external_order_ref,
                notes=notes,
                incoming=incoming,
            )
        ],
    )[0]


@dataclass(frozen=True)
class Purchase:
    """One pair bought, its product, size and variant known (``inventory_buy`` finds them)."""

    product: Product
    size: Size | None
    variant: Variant | None
    purchase_price_cents: int
    currency: str
    purchase_fx_rate: Decimal
    purchased_at: dt.datetime
    supplier: Supplier | None = None
    supplier_account: SupplierAccount | None = None
    condition: str = Condition.NEW
    location: str = ""
    external_order_ref: str = ""
    notes: str = ""
    incoming: bool = False


@transaction.atomic
def inventory_buy_many(*, acting_user: Any, purchases: Sequence[Purchase]) -> list[Inventory]:
    """Pairs enter stock, all or none: one row per pair, Available (or Incoming), the supplier's name kept."""
    act_as(acting_user)
    now = timezone.now()
    authored = acting_user if acting_user is not None and getattr(acting_user, "is_authenticated", False) else None
    items = []
    for purchase in purchases:
        if purchase.purchase_price_cents < 0:
            raise PurchaseRefused("the purchase price cannot be negative")
        if purchase.purchased_at > now + CLOCK_SKEW:
            raise PurchaseRefused("the purchase date is in the future")
        supplier = purchase.supplier
        if purchase.supplier_account is not None and supplier is None:
            supplier = purchase.supplier_account.supplier
        item = Inventory(
            product=purchase.product,
            size=purchase.size,
            variant=purchase.variant,
            supplier=supplier,
            supplier_name=supplier.name if supplier is not None else "",
            supplier_account=purchase.supplier_account,
            purchase_price_cents=purchase.purchase_price_cents,
            currency=purchase.currency,
            purchase_fx_rate=purchase.purchase_fx_rate,
            purchased_at=purchase.purchased_at,
            condition=purchase.condition,
            location=purchase.location,
            external_order_ref=purchase.external_order_ref,
            notes=purchase.notes,
            status=InventoryStatus.INCOMING if purchase.incoming else InventoryStatus.AVAILABLE,
            created_by=authored,
            updated_by=authored,
        )
        refuse_card_numbers(item)
        item.full_clean(
            exclude=["product", "size", "variant", "supplier", "supplier_account"],
            validate_unique=False,
            validate_constraints=len(purchases) <= CHECKED_ONE_BY_ONE,
        )
        items.append(item)
    Inventory.objects.bulk_create(items, batch_size=5000)
    Inventory.history.bulk_history_create(items, batch_size=5000, default_user=authored)
    return items
