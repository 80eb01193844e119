"""The business events of selling: list, sell, ship, cancel, return, pay out.

Each event is one function that takes the acting user, records it with the database
(``app.user_id``, for the audit log and row-level security) and writes every row the event
changes in one transaction. The admin, the commands, the sales-report import and the demo
data all call these; nothing else writes an order, a listing's status or a pair's
"listed"/"sold" status. The database states the same rules (``transactions.models``'s pair
check, one open order per pair, the order status machine) and refuses what gets past them.
Buying is ``catalog.services.inventory_buy``. Who may do what: docs/workflows.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import MANUAL_STATUSES, OPEN_STOCK, Inventory, InventoryStatus
from catalog.services import CLOCK_SKEW
from soleflip.db import act_as
from soleflip.money import format_cents
from transactions.models import (
    CLOSED_ORDER_STATUSES,
    FeeSchedule,
    Listing,
    ListingStatus,
    Order,
    OrderStatus,
    Payout,
    PayoutStatus,
    Platform,
    UnmatchedSale,
    UnmatchedSaleStatus,
    net_proceeds_cents,
)

#: Pairs that can be offered on a platform.
LISTABLE = (InventoryStatus.AVAILABLE, InventoryStatus.LISTED)
#: Listings that still offer the pair (a draft is not yet offered, but would be).
OPEN_LISTINGS = (ListingStatus.ACTIVE, ListingStatus.DRAFT)


class EventRefused(ValidationError):
    """An event that cannot happen as asked; nothing was written. The message says why, for people."""


class NotAvailable(EventRefused):
    """The pair is sold, or otherwise out of stock, already: nothing was recorded."""


class NoFeeSchedule(EventRefused):
    """No fee schedule of the platform was in force on the sale date; ``fact`` says which was looked for."""

    def __init__(self, fact: str) -> None:
        super().__init__(f"{fact}: add one under Fee schedules, or enter the fees the platform charged")
        self.fact = fact


# --------------------------------------------------------------------------- fees


def fee_schedule_in_force(*, platform: Platform, sold_at: dt.datetime, seller_level: int | None = None) -> FeeSchedule:
    """Return the platform's schedule for a sale at ``sold_at`` (its region and level); raise ``NoFeeSchedule``."""
    level = seller_level if seller_level is not None else platform.seller_level
    sold_on = timezone.localtime(sold_at).date()
    schedule = FeeSchedule.objects.in_force(platform=platform, region=platform.region, seller_level=level, on=sold_on)
    if schedule is None:
        raise NoFeeSchedule(f"{platform} has no fee schedule for region {platform.region}, level {level} on {sold_on}")
    return schedule


def schedule_fees(schedule: FeeSchedule, sale_price_cents: int) -> tuple[int, int]:
    """(platform fee, processing fee) of a sale: the fixed fee is the platform's, like its percentage."""
    fees = schedule.fees_for(sale_price_cents)
    return fees.transaction_fee_cents + fees.fixed_fee_cents, fees.processing_fee_cents


@dataclass(frozen=True)
class Quote:
    """What a sale at a price leaves after the fees of the schedule in force."""

    schedule: FeeSchedule
    platform_fee_cents: int
    processing_fee_cents: int
    net_cents: int
    currency: str

    def __str__(self) -> str:
        fees = self.platform_fee_cents + self.processing_fee_cents
        return f"{format_cents(self.net_cents, self.currency)} after {format_cents(fees, self.currency)} fees"


def fees_quote(
    *, platform: Platform, price_cents: int, on: dt.datetime | None = None, schedule: FeeSchedule | None = None
) -> Quote | None:
    """What the seller receives for an ask or sale price on ``platform`` (None without a schedule).

    ``schedule``: the schedule in force, when the caller looked it up already (a list of many).
    """
    if schedule is None:
        try:
            schedule = fee_schedule_in_force(platform=platform, sold_at=on or timezone.now())
        except NoFeeSchedule:
            return None
    platform_fee, processing = schedule_fees(schedule, price_cents)
    net = net_proceeds_cents(
        sale_price_cents=price_cents, platform_fee_cents=platform_fee, processing_fee_cents=processing
    )
    return Quote(schedule, platform_fee, processing, net, schedule.currency)


@transaction.atomic
def order_apply_fees(*, order: Order, acting_user: Any, seller_level: int | None = None) -> Order:
    """Compute an order's fees from the schedule in force on its sale date, and save them.

    The platform's region and seller level pick the schedule unless ``seller_level`` is
    given. A later schedule never changes an earlier order: the date decides.
    """
    act_as(acting_user)
    schedule = fee_schedule_in_force(platform=order.platform, sold_at=order.sold_at, seller_level=seller_level)
    order.fee_schedule = schedule
    order.platform_fee_cents, order.processing_fee_cents = schedule_fees(schedule, order.sale_price_cents)
    order.net_proceeds_cents = order.computed_net_proceeds_cents()
    _authored(order, acting_user)
    order.full_clean()
    order.save()
    return order


def orders_recalculate_fees(*, orders: QuerySet[Order], acting_user: Any) -> tuple[int, list[str]]:
    """Recompute fees of many orders from their sale-date schedules; return (done, problems)."""
    done, problems = 0, []
    for order in orders.select_related("platform"):
        try:
            order_apply_fees(order=order, acting_user=acting_user)
            done += 1
        except ValidationError as exc:
            problems.append(f"{order}: {' '.join(exc.messages)}")
    return done, problems


# --------------------------------------------------------------------------- listing


def _authored(row: Any, acting_user: Any, *, creating: bool = False) -> None:
    if acting_user is not None and getattr(acting_user, "is_authenticated", False):
        if creating:
            row.created_by = acting_user
        row.updated_by = acting_user


def _by(acting_user: Any) -> dict[str, Any]:
    """``updated_by``/``updated_at`` for a queryset update."""
    authored = acting_user if acting_user is not None and getattr(acting_user, "is_authenticated", False) else None
    return {"updated_by": authored, "updated_at": timezone.now()}


def _lock_pair(inventory: Inventory) -> Inventory:
    """The pair's row, locked until the event commits (events on one pair take turns)."""
    return Inventory.objects.select_for_update(of=("self",)).select_related("product", "size").get(pk=inventory.pk)


def _relist_status(items: Iterable[Any], acting_user: Any) -> None:
    """Pairs marked listed whose last open listing ended are available again."""
    ids = list(items)
    (
        Inventory.objects.filter(pk__in=ids, status=InventoryStatus.LISTED)
        .exclude(listings__status=ListingStatus.ACTIVE)
        .update(status=InventoryStatus.AVAILABLE, **_by(acting_user))
    )


@transaction.atomic
def listing_create(
    *,
    acting_user: Any,
    inventory: Inventory,
    platform: Platform,
    ask_price_cents: int,
    currency: str | None = None,
    listed_at: dt.datetime | None = None,
    external_listing_id: str = "",
    draft: bool = False,
) -> Listing:
    """Offer a pair on a platform at an ask; the pair is Listed while any listing of it is active.

    A pair may be listed on several platforms at once; the first sale ends the others.
    Refused (``EventRefused``) for a pair that is not available or listed.
    """
    act_as(acting_user)
    item = _lock_pair(inventory)
    if item.status not in LISTABLE:
        raise EventRefused(
            f"{item.product} ({item.size or 'no size'}) is {item.get_status_display().lower()}: "
            "only available or listed pairs can be listed"
        )
    if ask_price_cents <= 0:
        raise EventRefused("the ask must be more than zero")
    listing = Listing(
        inventory=item,
        platform=platform,
        ask_price_cents=ask_price_cents,
        currency=currency or platform.default_currency,
        listed_at=listed_at or timezone.now(),
        external_listing_id=external_listing_id,
        status=ListingStatus.DRAFT if draft else ListingStatus.ACTIVE,
    )
    _authored(listing, acting_user, creating=True)
    listing.full_clean(exclude=["inventory", "platform"])
    listing.save(force_insert=True)
    if not draft and item.status != InventoryStatus.LISTED:
        Inventory.objects.filter(pk=item.pk).update(status=InventoryStatus.LISTED, **_by(acting_user))
    return listing


@transaction.atomic
def listings_end(*, acting_user: Any, listings: QuerySet[Listing], status: str = ListingStatus.ENDED) -> int:
    """End active or draft listings (taken down by hand, or expired); sold and ended ones stay as they are.

    A pair left without an active listing is available again.
    """
    act_as(acting_user)
    if status not in (ListingStatus.ENDED, ListingStatus.EXPIRED):
        raise ValueError(f"a listing is ended or expired by hand, not {status!r}")
    chosen = list(listings.filter(status__in=OPEN_LISTINGS).select_for_update(of=("self",)))
    if not chosen:
        return 0
    now = timezone.now()
    ended = Listing.objects.filter(pk__in=[listing.pk for listing in chosen]).update(
        status=status, ended_at=now, **_by(acting_user)
    )
    _relist_status({listing.inventory_id for listing in chosen}, acting_user)
    return int(ended)


@transaction.atomic
def listings_reactivate(*, acting_user: Any, listings: QuerySet[Listing]) -> tuple[int, list[str]]:
    """Offer ended or expired listings again; each pair must be available or listed. Returns (done, refusals)."""
    act_as(acting_user)
    done, refused = 0, []
    for listing in listings.filter(status__in=[ListingStatus.ENDED, ListingStatus.EXPIRED]).select_related("platform"):
        item = _lock_pair(listing.inventory)
        if item.status not in LISTABLE:
            refused.append(f"{listing}: the pair is {item.get_status_display().lower()}")
            continue
        Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.ACTIVE, ended_at=None, **_by(acting_user))
        if item.status != InventoryStatus.LISTED:
            Inventory.objects.filter(pk=item.pk).update(status=InventoryStatus.LISTED, **_by(acting_user))
        done += 1
    return done, refused


# --------------------------------------------------------------------------- stock by hand


@dataclass(frozen=True)
class StatusReport:
    """What a status change did: pairs changed, listings ended on the way, pairs left alone and why."""

    changed: int
    listings_ended: int
    skipped: dict[str, int]

    def __str__(self) -> str:
        text = f"{self.changed} pair(s) marked"
        if self.listings_ended:
            text += f", {self.listings_ended} listing(s) ended"
        for reason, count in sorted(self.skipped.items()):
            text += f"; {count} left alone: {reason}"
        return text


SOLD_STAYS = "sold (cancel or return the order instead)"
LISTED_IS_AVAILABLE = "listed, so for sale already"


@transaction.atomic
def inventory_set_status(*, acting_user: Any, items: QuerySet[Inventory], status: str) -> StatusReport:
    """Mark pairs incoming, available, reserved, returned (to the supplier) or written off by hand.

    Sold pairs are left alone (a sale is undone by cancelling or returning its order).
    Listed pairs lose their listings when taken off sale (reserved, returned, written off);
    marking a listed pair available leaves it listed.
    """
    act_as(acting_user)
    if status not in MANUAL_STATUSES:
        allowed = ", ".join(InventoryStatus(s).label.lower() for s in MANUAL_STATUSES)
        raise ValueError(f"status {status!r} cannot be set by hand (allowed: {allowed})")
    chosen = list(items.select_for_update(of=("self",)).values_list("pk", "status"))
    skipped: dict[str, int] = {}
    to_change = []
    listed = []
    for pk, current in chosen:
        if current == InventoryStatus.SOLD:
            skipped[SOLD_STAYS] = skipped.get(SOLD_STAYS, 0) + 1
        elif current == InventoryStatus.LISTED and status == InventoryStatus.AVAILABLE:
            skipped[LISTED_IS_AVAILABLE] = skipped.get(LISTED_IS_AVAILABLE, 0) + 1
        elif current != status:
            to_change.append(pk)
            if current == InventoryStatus.LISTED:
                listed.append(pk)
    ended = 0
    if listed:
        ended = listings_end(acting_user=acting_user, listings=Listing.objects.filter(inventory_id__in=listed))
    changed = Inventory.objects.filter(pk__in=to_change).update(status=status, **_by(acting_user))
    return StatusReport(int(changed), ended, skipped)


# --------------------------------------------------------------------------- selling


@transaction.atomic
def sale_record(
    *,
    acting_user: Any,
    inventory: Inventory,
    platform: Platform,
    external_order_number: str,
    sale_price_cents: int,
    sold_at: dt.datetime,
    listing: Listing | None = None,
    currency: str | None = None,
    fee_schedule: FeeSchedule | None = None,
    platform_fee_cents: int | None = None,
    processing_fee_cents: int | None = None,
    shipping_cost_cents: int = 0,
    other_costs_cents: int = 0,
    paid_cents: int | None = None,
    payout_currency: str | None = None,
    payout_fx_rate: Decimal | None = None,
    status: str = OrderStatus.PENDING,
    buyer_region: str = "",
    notes: str = "",
) -> Order:
    """Sell a pair: the one writer of "this pair is sold".

    The pair is taken by one conditional UPDATE (open stock only), so of any number of
    concurrent attempts exactly one succeeds; the others raise ``NotAvailable`` and write
    nothing (the database's one-open-order-per-pair index stands behind it). Fees come from
    the fee schedule in force on the sale date (``fee_schedule``, when the caller looked it
    up already) unless the caller states them (a report that lists fees: ``platform_fee_cents``).
    ``paid_cents``, what the platform paid for the sale in the sale currency when a report
    says so, is the net proceeds; what the fees do not explain of it becomes other costs. The listing that sold (given, or the pair's active listing
    on the platform) becomes sold; every other open listing of the pair ends. A sale dated
    before the purchase is refused.
    """
    act_as(acting_user)
    if not external_order_number.strip():
        raise EventRefused("the platform's order number is needed")
    if sale_price_cents <= 0:
        raise EventRefused("the sale price must be more than zero")
    if sold_at > timezone.now() + CLOCK_SKEW:
        raise EventRefused("the sale date is in the future: a sale is recorded once it happened")
    item = Inventory.objects.select_related("product", "size").get(pk=inventory.pk)
    purchased = item.purchased_at
    # Days, not instants: a sale typed to the minute on the day of the purchase is no contradiction.
    if purchased is not None and timezone.localdate(sold_at) < timezone.localdate(purchased):
        when = timezone.localdate(purchased).isoformat()
        raise EventRefused(f"the sale date is before the pair was bought ({when}): check the dates")
    taken = Inventory.objects.filter(pk=item.pk, status__in=OPEN_STOCK).update(
        status=InventoryStatus.SOLD, **_by(acting_user)
    )
    if not taken:
        item.refresh_from_db(fields=["status"])
        raise NotAvailable(
            f"{item.product} ({item.size or 'no size'}) is {item.get_status_display().lower()}: "
            "it cannot be sold (again)"
        )
    open_listings = list(
        Listing.objects.filter(inventory=item, status__in=OPEN_LISTINGS).order_by("listed_at", "created_at")
    )
    if listing is None:
        listing = next(
            (
                offered
                for offered in open_listings
                if offered.platform_id == platform.pk and offered.status == ListingStatus.ACTIVE
            ),
            None,
        )
    elif listing.inventory_id != item.pk or listing.platform_id != platform.pk:
        raise EventRefused(f"the listing {listing} is not this pair's listing on {platform}")
    schedule = None
    if platform_fee_cents is None:
        schedule = fee_schedule or fee_schedule_in_force(platform=platform, sold_at=sold_at)
        platform_fee_cents, processing_fee_cents = schedule_fees(schedule, sale_price_cents)
    currency = currency or (listing.currency if listing else platform.default_currency)
    order = Order(
        inventory=item,
        platform=platform,
        listing=listing,
        fee_schedule=schedule,
        external_order_number=external_order_number.strip(),
        sold_at=sold_at,
        sale_price_cents=sale_price_cents,
        platform_fee_cents=platform_fee_cents,
        processing_fee_cents=processing_fee_cents or 0,
        shipping_cost_cents=shipping_cost_cents,
        other_costs_cents=other_costs_cents,
        net_proceeds_cents=0,
        currency=currency,
        payout_currency=payout_currency or currency,
        payout_fx_rate=payout_fx_rate,
        status=status,
        buyer_region=buyer_region,
        notes=notes,
    )
    order.net_proceeds_cents = order.computed_net_proceeds_cents()
    if paid_cents is not None:
        order.other_costs_cents += max(0, order.net_proceeds_cents - paid_cents)
        order.net_proceeds_cents = paid_cents
    _authored(order, acting_user, creating=True)
    order.full_clean(exclude=["inventory", "platform", "listing", "fee_schedule", "payout"], validate_unique=False)
    if Order.objects.filter(platform=platform, external_order_number=order.external_order_number).exists():
        raise EventRefused(f"{platform} order {order.external_order_number} is recorded already")
    order.save(force_insert=True)
    now = timezone.now()
    if listing is not None:
        Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.SOLD, ended_at=sold_at, **_by(acting_user))
    others = [offered.pk for offered in open_listings if listing is None or offered.pk != listing.pk]
    if others:
        Listing.objects.filter(pk__in=others).update(status=ListingStatus.ENDED, ended_at=now, **_by(acting_user))
    return order


def _lock_order(order: Order) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related("inventory", "platform").get(pk=order.pk)


@transaction.atomic
def order_ship(*, acting_user: Any, order: Order) -> Order:
    """The pair left for the buyer (or the platform's authentication)."""
    act_as(acting_user)
    locked = _lock_order(order)
    if locked.status != OrderStatus.PENDING:
        raise EventRefused(f"{locked} is {locked.get_status_display().lower()}: only pending orders ship")
    return _set_order_status(locked, OrderStatus.SHIPPED, acting_user)


@transaction.atomic
def order_complete(*, acting_user: Any, order: Order) -> Order:
    """The buyer has the pair and the platform will pay out."""
    act_as(acting_user)
    locked = _lock_order(order)
    if locked.status not in (OrderStatus.PENDING, OrderStatus.SHIPPED):
        raise EventRefused(f"{locked} is {locked.get_status_display().lower()}: it cannot be completed")
    return _set_order_status(locked, OrderStatus.COMPLETED, acting_user)


def _set_order_status(order: Order, status: str, acting_user: Any, **fields: Any) -> Order:
    order.status = status
    for name, value in fields.items():
        setattr(order, name, value)
    _authored(order, acting_user)
    order.save(update_fields=["status", *fields, "updated_by"])
    return order


@transaction.atomic
def order_cancel(*, acting_user: Any, order: Order, reason: str = "") -> Order:
    """Cancel an order before it shipped: the pair is back in stock (Available).

    Its listings stay ended; staff may reactivate them (Listings, "Reactivate").
    """
    act_as(acting_user)
    locked = _lock_order(order)
    if locked.status != OrderStatus.PENDING:
        message = f"{locked} is {locked.get_status_display().lower()}: only an order not yet shipped can be cancelled"
        if locked.status in (OrderStatus.SHIPPED, OrderStatus.COMPLETED):
            message += "; record a return instead"
        raise EventRefused(message)
    notes = f"{locked.notes}\nCancelled: {reason}".strip() if reason else locked.notes
    _set_order_status(locked, OrderStatus.CANCELLED, acting_user, cancelled_at=timezone.now(), notes=notes)
    back = Inventory.objects.filter(pk=locked.inventory_id, status=InventoryStatus.SOLD).update(
        status=InventoryStatus.AVAILABLE, **_by(acting_user)
    )
    if not back:
        raise EventRefused(f"the pair of {locked} is not marked sold; nothing was changed")
    return locked


@transaction.atomic
def order_return(*, acting_user: Any, order: Order, refund_cents: int | None = None, reason: str = "") -> Order:
    """The buyer sent the pair back: the order is kept as Returned with its refund, the pair is Returned.

    ``refund_cents`` is what was paid back to the buyer (the sale price when not given), in
    the order's currency. A returned pair is inspected, then marked available by hand.
    """
    act_as(acting_user)
    locked = _lock_order(order)
    if locked.status not in (OrderStatus.SHIPPED, OrderStatus.COMPLETED):
        raise EventRefused(
            f"{locked} is {locked.get_status_display().lower()}: only a shipped or completed order can be returned"
        )
    refund = locked.sale_price_cents if refund_cents is None else refund_cents
    if not 0 <= refund <= locked.sale_price_cents:
        raise EventRefused(
            f"a refund of {format_cents(refund, locked.currency)} is not between nothing and the sale price "
            f"({format_cents(locked.sale_price_cents, locked.currency)})"
        )
    notes = f"{locked.notes}\nReturned: {reason}".strip() if reason else locked.notes
    _set_order_status(
        locked, OrderStatus.RETURNED, acting_user, refund_cents=refund, returned_at=timezone.now(), notes=notes
    )
    Inventory.objects.filter(pk=locked.inventory_id, status=InventoryStatus.SOLD).update(
        status=InventoryStatus.RETURNED, **_by(acting_user)
    )
    return locked


@transaction.atomic
def unmatched_sale_record(*, acting_user: Any, entry: UnmatchedSale, inventory: Inventory) -> Order:
    """Record a queued sale (one no pair was matched to) on the pair staff chose, and resolve it."""
    act_as(acting_user)
    locked = UnmatchedSale.objects.select_for_update(of=("self",)).select_related("platform").get(pk=entry.pk)
    if locked.status != UnmatchedSaleStatus.OPEN:
        raise EventRefused(f"{locked} is resolved already")
    stated = locked.platform_fee_cents is not None
    order = sale_record(
        acting_user=acting_user,
        inventory=inventory,
        platform=locked.platform,
        external_order_number=locked.external_order_number,
        sale_price_cents=locked.sale_price_cents,
        sold_at=locked.sold_at,
        currency=locked.currency,
        platform_fee_cents=locked.platform_fee_cents if stated else None,
        processing_fee_cents=locked.processing_fee_cents if stated else None,
        shipping_cost_cents=locked.shipping_cost_cents or 0,
        status=OrderStatus.COMPLETED,
        buyer_region=locked.buyer_region,
    )
    locked.status, locked.order, locked.resolved_at = UnmatchedSaleStatus.RESOLVED, order, timezone.now()
    _authored(locked, acting_user)
    locked.save(update_fields=["status", "order", "resolved_at", "updated_by"])
    return order


# --------------------------------------------------------------------------- paying out


class Reconciled:
    """The outcome of comparing a payout with its orders."""

    MATCHED = "matched"
    SHORT = "short"
    OVER = "over"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reconciliation:
    """A payout against the net proceeds of its orders, in the payout's currency."""

    state: str  # one of Reconciled's values
    expected_cents: int | None
    paid_cents: int
    currency: str
    orders: int
    reason: str = ""

    @property
    def difference_cents(self) -> int | None:
        return None if self.expected_cents is None else self.paid_cents - self.expected_cents

    def __str__(self) -> str:
        if self.expected_cents is None:
            return f"cannot compare: {self.reason}"
        if self.state == Reconciled.MATCHED:
            return f"matched: {format_cents(self.paid_cents, self.currency)} for {self.orders} order(s)"
        difference = abs(self.difference_cents or 0)
        return (
            f"{self.state} by {format_cents(difference, self.currency)}: paid "
            f"{format_cents(self.paid_cents, self.currency)}, the orders' net proceeds are "
            f"{format_cents(self.expected_cents, self.currency)}"
        )


def expected_payout_cents(order: Order, currency: str) -> int | None:
    """What the platform owes for an order, in ``currency`` (None when no rate says so)."""
    owed = order.net_proceeds_cents - (order.refund_cents or 0 if order.status == OrderStatus.RETURNED else 0)
    if order.currency == currency:
        return owed
    if order.payout_currency == currency and order.payout_fx_rate:
        return int((Decimal(owed) * order.payout_fx_rate).quantize(Decimal(1), ROUND_HALF_UP))
    return None


def payout_reconcile(payout: Payout) -> Reconciliation:
    """Compare a payout with the orders it pays: matched, short or over, with the difference."""
    orders = list(payout.orders.all())
    expected = 0
    for order in orders:
        owed = expected_payout_cents(order, payout.currency)
        if owed is None:
            reason = f"{order} is in {order.currency} and has no rate into {payout.currency}"
            return Reconciliation(Reconciled.UNKNOWN, None, payout.amount_cents, payout.currency, len(orders), reason)
        expected += owed
    if not orders:
        return Reconciliation(
            Reconciled.UNKNOWN, None, payout.amount_cents, payout.currency, 0, "no orders are assigned to it"
        )
    state = (
        Reconciled.MATCHED
        if payout.amount_cents == expected
        else Reconciled.SHORT
        if payout.amount_cents < expected
        else Reconciled.OVER
    )
    return Reconciliation(state, expected, payout.amount_cents, payout.currency, len(orders))


@transaction.atomic
def payout_record(
    *,
    acting_user: Any,
    platform: Platform,
    external_payout_id: str,
    amount_cents: int,
    orders: Iterable[Order],
    currency: str | None = None,
    paid_at: dt.datetime | None = None,
    fx_rate: Decimal | None = None,
    status: str = PayoutStatus.PAID,
) -> Payout:
    """Record money a platform paid out for some of its orders, and assign the orders to it.

    Orders must be of the platform, not cancelled, and not paid by another payout. The
    reconciliation (``payout_reconcile``) compares the amount with their net proceeds.
    """
    act_as(acting_user)
    chosen = list(Order.objects.select_for_update(of=("self",)).filter(pk__in=[order.pk for order in orders]))
    problems = []
    for order in chosen:
        if order.platform_id != platform.pk:
            problems.append(f"{order} was sold on another platform")
        elif order.payout_id is not None:
            problems.append(f"{order} is paid by another payout already")
        elif order.status == OrderStatus.CANCELLED:
            problems.append(f"{order} is cancelled")
    if problems:
        raise EventRefused("; ".join(problems))
    if amount_cents < 0:
        raise EventRefused("a payout cannot be negative")
    if Payout.objects.filter(platform=platform, external_payout_id=external_payout_id).exists():
        raise EventRefused(f"{platform} payout {external_payout_id} is recorded already")
    payout = Payout(
        platform=platform,
        external_payout_id=external_payout_id,
        amount_cents=amount_cents,
        currency=currency or platform.default_currency,
        fx_rate=fx_rate if fx_rate is not None else Decimal(1),
        status=status,
        paid_at=paid_at or (timezone.now() if status == PayoutStatus.PAID else None),
    )
    payout.full_clean(exclude=["platform"], validate_unique=False)
    payout.save(force_insert=True)
    Order.objects.filter(pk__in=[order.pk for order in chosen]).update(payout=payout, **_by(acting_user))
    return payout


__all__ = [
    "CLOSED_ORDER_STATUSES",
    "EventRefused",
    "NoFeeSchedule",
    "NotAvailable",
    "Quote",
    "Reconciled",
    "Reconciliation",
    "StatusReport",
    "fee_schedule_in_force",
    "fees_quote",
    "inventory_set_status",
    "listing_create",
    "listings_end",
    "listings_reactivate",
    "order_apply_fees",
    "order_cancel",
    "order_complete",
    "order_return",
    "order_ship",
    "orders_recalculate_fees",
    "payout_reconcile",
    "payout_record",
    "sale_record",
    "schedule_fees",
    "unmatched_sale_record",
]
