"""One inventory item's life in one list: edits, audit entries, listings, orders, price moves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.db import models

from accounts.models import AuditLog, User
from catalog.models import Inventory
from soleflip.values.money import format_cents

MAX_EVENTS = 60


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    kind: str
    text: str
    by: str = ""


def _change_text(item: Inventory, name: str, old: Any, new: Any) -> str:
    """``purchase price: €100.00 → €120.00``: the field's name and values as people read them."""
    from soleflip.admin.money import amount_label, is_amount_field

    field = cast(models.Field, item._meta.get_field(name))
    if is_amount_field(field):
        return f"{amount_label(field)}: {format_cents(old, item.currency)} → {format_cents(new, item.currency)}"
    return f"{field.verbose_name}: {old} → {new}"


def inventory_timeline(item: Inventory) -> list[Event]:
    """Newest first: its history (who, why, which fields), audit rows from non-admin paths,
    listings, orders and the price moves of its product and size."""
    from pricing.models import PriceHistory
    from transactions.models import Listing, Order

    events: list[Event] = []
    recorded: list[tuple[dt.datetime, frozenset[str]]] = []  # what history already tells
    history = list(item.history.select_related("history_user").order_by("history_date"))
    for previous, record in zip([None, *history], history, strict=False):
        if previous is None:
            text = "created"
            recorded.append((record.history_date, frozenset({"*created*"})))
        else:
            changes = record.diff_against(previous).changes
            text = "; ".join(_change_text(item, c.field, c.old, c.new) for c in changes) or "saved without changes"
            recorded.append((record.history_date, frozenset(c.field for c in changes)))
        if record.history_change_reason:
            text += f" (why: {record.history_change_reason})"
        who = record.history_user.email if record.history_user else ""
        events.append(Event(record.history_date, "edit", text, who))
    # Audit rows the history does not show: bulk updates, imports, raw SQL. A row is the
    # same change as a history entry when it is a few seconds from it and touches the same fields.
    users: dict[object, str | None] = {}
    for entry in AuditLog.objects.filter(table_name="inventory", record_id=item.pk).order_by("changed_at"):
        old, new = entry.old_values or {}, entry.new_values or {}
        fields = [k for k in new if old.get(k) != new.get(k) and k not in ("updated_at", "created_at", "updated_by")]
        key = (
            frozenset({"*created*"})
            if entry.operation == "INSERT"
            else frozenset(f.removesuffix("_id") for f in fields)
        )
        if any(abs((at - entry.changed_at).total_seconds()) < 5 and same == key for at, same in recorded):
            continue
        if entry.changed_by and entry.changed_by not in users:
            users[entry.changed_by] = User.objects.filter(pk=entry.changed_by).values_list("email", flat=True).first()
        text = f"{entry.operation.lower()} outside the form" + (f": {', '.join(fields)}" if fields else "")
        events.append(Event(entry.changed_at, "audit", text, users.get(entry.changed_by) or "system"))
    for listing in Listing.objects.filter(inventory=item).select_related("platform"):
        when = listing.listed_at or listing.created_at
        events.append(
            Event(
                when,
                "listing",
                f"listed on {listing.platform} at {format_cents(listing.ask_price_cents, listing.currency)}",
            )
        )
        if listing.ended_at:
            events.append(Event(listing.ended_at, "listing", f"listing on {listing.platform} {listing.status}"))
    for order in Order.objects.filter(inventory=item).select_related("platform"):
        events.append(
            Event(
                order.sold_at,
                "order",
                f"sold on {order.platform} #{order.external_order_number} for "
                f"{format_cents(order.sale_price_cents, order.currency)}, net {format_cents(order.net_proceeds_cents, order.currency)}",
            )
        )
    if item.size_id:
        moves = PriceHistory.objects.filter(product_id=item.product_id, size_id=item.size_id).order_by("-recorded_at")[
            :10
        ]
        for move in moves:
            before = format_cents(move.old_price_cents, move.currency) if move.old_price_cents is not None else "new"
            events.append(
                Event(
                    move.recorded_at,
                    "price",
                    f"{move.source_type} {move.price_type}: {before} → {format_cents(move.new_price_cents, move.currency)}",
                )
            )
    return sorted(events, key=lambda e: e.at, reverse=True)[:MAX_EVENTS]
