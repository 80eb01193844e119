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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import MANUAL_STATUSES, OPEN_STOCK, Inventory, InventoryStatus
from catalog.services import CHECKED_ONE_BY_ONE, CLOCK_SKEW
from soleflip.db.acting_user import act_as
from soleflip.values.cards import refuse_card_numbers
from soleflip.values.money import format_cents
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


def _user(acting_user: Any) -> Any:
    return acting_user if acting_user is not None and getattr(acting_user, "is_authenticated", False) else None


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


@dataclass(frozen=True)
class Offer:
    """One listing, as ``listing_create`` takes it; ``listings_create`` takes many."""

    inventory_id: Any
    platform: Platform
    ask_price_cents: int
    currency: str | None = None
    listed_at: dt.datetime | None = None
    external_listing_id: str = ""
    draft: bool = False


def listing_create(*, acting_user: Any, inventory: Inventory, **offer: Any) -> Listing:
    """Offer a pair on a platform at an ask (``listings_create`` of one ``Offer``).

    Takes ``Offer``'s fields as keywords: platform, ask_price_cents, and optionally the
    currency (the platform's), listed_at (now), the platform's listing id and ``draft``.
    """
    return listings_create(acting_user=acting_user, offers=[Offer(inventory_id=inventory.pk, **offer)])[0]


@transaction.atomic
def listings_create(*, acting_user: Any, offers: Sequence[Offer]) -> list[Listing]:
    """Offer pairs on platforms at asks, all or none; a pair is Listed while any listing of it is active.

    A pair may be listed on several platforms at once; the first sale ends the others.
    Refused (``EventRefused``) for a pair that is not available or listed.
    """
    act_as(acting_user)
    if not offers:
        return []
    ids = list({offer.inventory_id for offer in offers})
    items = Inventory.objects.select_for_update(of=("self",)).select_related("product", "size").in_bulk(ids)
    if len(items) != len(ids):
        raise EventRefused("a pair to list is not in the inventory (deleted, or not visible to you)")
    now = timezone.now()
    listings = []
    for offer in offers:
        item = items[offer.inventory_id]
        if item.status not in LISTABLE:
            raise EventRefused(
                f"{item.product} ({item.size or 'no size'}) is {item.get_status_display().lower()}: "
                "only available or listed pairs can be listed"
            )
        if offer.ask_price_cents <= 0:
            raise EventRefused("the ask must be more than zero")
        listing = Listing(
            inventory=item,
            platform=offer.platform,
            ask_price_cents=offer.ask_price_cents,
            currency=offer.currency or offer.platform.default_currency,
            listed_at=offer.listed_at or now,
            external_listing_id=offer.external_listing_id,
            status=ListingStatus.DRAFT if offer.draft else ListingStatus.ACTIVE,
        )
        _authored(listing, acting_user, creating=True)
        refuse_card_numbers(listing)
        listing.full_clean(
            exclude=["inventory", "platform"],
            validate_unique=False,
            validate_constraints=len(offers) <= CHECKED_ONE_BY_ONE,
        )
        listings.append(listing)
    Listing.objects.bulk_create(listings, batch_size=5000)
    Listing.history.bulk_history_create(listings, batch_size=5000, default_user=_user(acting_user))
    offered = {listing.inventory_id for listing in listings if listing.status == ListingStatus.ACTIVE}
    Inventory.objects.filter(pk__in=offered, status=InventoryStatus.AVAILABLE).update(
        status=InventoryStatus.LISTED, **_by(acting_user)
    )
    return listings


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


@dataclass(frozen=True)
class Sale:
    """One sale, as ``sale_record`` takes it; ``sales_record`` takes many."""

    inventory_id: Any
    platform: Platform
    external_order_number: str
    sale_price_cents: int
    sold_at: dt.datetime
    listing: Listing | None = None
    currency: str | None = None
    fee_schedule: FeeSchedule | None = None
    platform_fee_cents: int | None = None
    processing_fee_cents: int | None = None
    shipping_cost_cents: int = 0
    other_costs_cents: int = 0
    paid_cents: int | None = None
    payout_currency: str | None = None
    payout_fx_rate: Decimal | None = None
    status: str = OrderStatus.PENDING
    buyer_region: str = ""
    notes: str = ""


def sale_record(*, acting_user: Any, inventory: Inventory, **sale: Any) -> Order:
    """Sell a pair: the one writer of "this pair is sold" (``sales_record`` of one ``Sale``).

    Takes ``Sale``'s fields as keywords: platform, external_order_number, sale_price_cents,
    sold_at, and optionally the listing, currency, fee schedule or stated fees, costs, what
    was paid, payout currency and rate, status, buyer region and notes.
    """
    return sales_record(acting_user=acting_user, sales=[Sale(inventory_id=inventory.pk, **sale)])[0]


@transaction.atomic
def sales_record(*, acting_user: Any, sales: Sequence[Sale]) -> list[Order]:
    """Record sales, all or none: each pair is taken from stock and sold once.

    The pairs are taken by one conditional UPDATE (open stock only), so of any number of
    concurrent attempts on a pair exactly one succeeds; the others raise ``NotAvailable``
    and write nothing (the database's one-open-order-per-pair index stands behind it). Fees
    come from the fee schedule in force on the sale date (``fee_schedule``, when the caller
    looked it up already) unless the sale states them (a report that lists fees:
    ``platform_fee_cents``). ``paid_cents``, what the platform paid for the sale in the sale
    currency when a report says so, is the net proceeds; what the fees do not explain of it
    becomes other costs. The listing that sold (given, or the pair's active listing on the
    platform) becomes sold; every other open listing of the pair ends. A sale dated before
    the purchase or in the future is refused. The first refusal (``EventRefused``) refuses
    the whole list.
    """
    act_as(acting_user)
    if not sales:
        return []
    now = timezone.now()
    numbers: set[tuple[Any, str]] = set()
    for sale in sales:
        number = sale.external_order_number.strip()
        if not number:
            raise EventRefused("the platform's order number is needed")
        if sale.sale_price_cents <= 0:
            raise EventRefused("the sale price must be more than zero")
        if sale.sold_at > now + CLOCK_SKEW:
            raise EventRefused("the sale date is in the future: a sale is recorded once it happened")
        if (sale.platform.pk, number) in numbers:
            raise EventRefused(f"{sale.platform} order {number} is twice in the sales to record")
        numbers.add((sale.platform.pk, number))
    pair_ids = [sale.inventory_id for sale in sales]
    if len(set(pair_ids)) != len(pair_ids):
        raise EventRefused("a pair is sold once: the same pair is twice in the sales to record")
    items = Inventory.objects.select_related("product", "size").in_bulk(pair_ids)
    if len(items) != len(pair_ids):
        raise EventRefused("a pair to sell is not in the inventory (deleted, or not visible to you)")
    for sale in sales:
        item = items[sale.inventory_id]
        # Days, not instants: a sale typed to the minute on the day of the purchase is no contradiction.
        if item.purchased_at is not None and timezone.localdate(sale.sold_at) < timezone.localdate(item.purchased_at):
            when = timezone.localdate(item.purchased_at).isoformat()
            raise EventRefused(f"the sale date is before the pair was bought ({when}): check the dates")
    _take_pairs(items, acting_user)
    open_listings: dict[Any, list[Listing]] = {}
    for open_listing in Listing.objects.filter(inventory_id__in=pair_ids, status__in=OPEN_LISTINGS).order_by(
        "listed_at", "created_at"
    ):
        open_listings.setdefault(open_listing.inventory_id, []).append(open_listing)
    schedules = _Schedules({sale.platform.pk for sale in sales if sale.platform_fee_cents is None})
    orders, sold, ended = [], [], []
    for sale in sales:
        item, offered = items[sale.inventory_id], open_listings.get(sale.inventory_id, [])
        listing = sale.listing
        if listing is None:
            listing = next(
                (o for o in offered if o.platform_id == sale.platform.pk and o.status == ListingStatus.ACTIVE), None
            )
        elif listing.inventory_id != item.pk or listing.platform_id != sale.platform.pk:
            raise EventRefused(f"the listing {listing} is not this pair's listing on {sale.platform}")
        orders.append(_order(sale, item, listing, schedules, acting_user))
        if listing is not None:
            sold.append((listing.pk, sale.sold_at))
        ended += [o.pk for o in offered if listing is None or o.pk != listing.pk]
    one_by_one = len(orders) <= CHECKED_ONE_BY_ONE
    for order in orders:
        refuse_card_numbers(order, exempt=order.card_check_exempt)
        exclude = ["inventory", "platform", "listing", "fee_schedule", "payout"]
        order.full_clean(exclude=exclude, validate_unique=False, validate_constraints=one_by_one)
    taken = Order.objects.filter(
        platform_id__in={sale.platform.pk for sale in sales}, external_order_number__in={n for _, n in numbers}
    ).values_list("platform_id", "external_order_number")
    for platform_id, number in taken:
        if (platform_id, number) in numbers:
            platform = next(sale.platform for sale in sales if sale.platform.pk == platform_id)
            raise EventRefused(f"{platform} order {number} is recorded already")
    Order.objects.bulk_create(orders, batch_size=5000)
    Order.history.bulk_history_create(orders, batch_size=5000, default_user=_user(acting_user))
    _end_listings(sold, ended, acting_user, now)
    return orders


class _Schedules:
    """The fee schedules of some platforms, read once; which was in force on a day is decided here."""

    def __init__(self, platform_ids: set[Any]) -> None:
        self.by_platform: dict[Any, list[FeeSchedule]] = {}
        for schedule in FeeSchedule.objects.filter(platform_id__in=platform_ids).order_by("-valid_from"):
            self.by_platform.setdefault(schedule.platform_id, []).append(schedule)

    def in_force(self, platform: Platform, sold_at: dt.datetime) -> FeeSchedule:
        """As ``fee_schedule_in_force``: the platform's region and seller level, the sale's local day."""
        day = timezone.localdate(sold_at)
        for schedule in self.by_platform.get(platform.pk, []):
            if (
                schedule.region == platform.region
                and schedule.seller_level == platform.seller_level
                and schedule.valid_from <= day
                and (schedule.valid_to is None or day < schedule.valid_to)
            ):
                return schedule
        return fee_schedule_in_force(platform=platform, sold_at=sold_at)  # raises NoFeeSchedule, with its message


def _take_pairs(items: dict[Any, Inventory], acting_user: Any) -> None:
    """Mark the pairs sold if all of them are still in stock; else refuse, naming one that is not."""
    user = _user(acting_user)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE products.inventory SET status = %s, updated_by_id = %s, updated_at = now() "
            "WHERE id = ANY(%s) AND status = ANY(%s) RETURNING id",
            [InventoryStatus.SOLD, user.pk if user else None, list(items), list(OPEN_STOCK)],
        )
        taken = {row[0] for row in cursor.fetchall()}
    for pk, item in items.items():
        if pk not in taken:
            item.refresh_from_db(fields=["status"])
            raise NotAvailable(
                f"{item.product} ({item.size or 'no size'}) is {item.get_status_display().lower()}: "
                "it cannot be sold (again)"
            )


def _order(
    sale: Sale,
    item: Inventory,
    listing: Listing | None,
    schedules: _Schedules,
    acting_user: Any,
) -> Order:
    """The order of one sale, its fees from the schedule in force unless the sale states them."""
    schedule, platform_fee, processing = None, sale.platform_fee_cents, sale.processing_fee_cents
    if platform_fee is None:
        schedule = sale.fee_schedule or schedules.in_force(sale.platform, sale.sold_at)
        platform_fee, processing = schedule_fees(schedule, sale.sale_price_cents)
    currency = sale.currency or (listing.currency if listing else sale.platform.default_currency)
    order = Order(
        inventory=item,
        platform=sale.platform,
        listing=listing,
        fee_schedule=schedule,
        external_order_number=sale.external_order_number.strip(),
        sold_at=sale.sold_at,
        sale_price_cents=sale.sale_price_cents,
        platform_fee_cents=platform_fee,
        processing_fee_cents=processing or 0,
        shipping_cost_cents=sale.shipping_cost_cents,
        other_costs_cents=sale.other_costs_cents,
        net_proceeds_cents=0,
        currency=currency,
        payout_currency=sale.payout_currency or currency,
        payout_fx_rate=sale.payout_fx_rate,
        status=sale.status,
        buyer_region=sale.buyer_region,
        notes=sale.notes,
    )
    order.net_proceeds_cents = order.computed_net_proceeds_cents()
    if sale.paid_cents is not None:
        order.other_costs_cents += max(0, order.net_proceeds_cents - sale.paid_cents)
        order.net_proceeds_cents = sale.paid_cents
    _authored(order, acting_user, creating=True)
    return order


def _end_listings(sold: list[tuple[Any, dt.datetime]], ended: list[Any], acting_user: Any, now: dt.datetime) -> None:
    """The listings that sold are sold (ended on their sale date); the pairs' other open listings end now."""
    user = _user(acting_user)
    if sold:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE platforms.listings l SET status = %s, ended_at = v.sold_at, updated_by_id = %s, "
                "updated_at = now() FROM unnest(%s::uuid[], %s::timestamptz[]) AS v(id, sold_at) WHERE l.id = v.id",
                [ListingStatus.SOLD, user.pk if user else None, [pk for pk, _ in sold], [at for _, at in sold]],
            )
    if ended:
        Listing.objects.filter(pk__in=ended).update(status=ListingStatus.ENDED, ended_at=now, **_by(acting_user))


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
    "Offer",
    "Quote",
    "Reconciled",
    "Reconciliation",
    "Sale",
    "StatusReport",
    "fee_schedule_in_force",
    "fees_quote",
    "inventory_set_status",
    "listing_create",
    "listings_create",
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
    "sales_record",
    "schedule_fees",
    "unmatched_sale_record",
]
