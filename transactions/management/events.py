"""What the event commands share: amounts and dates as typed, pairs, platforms and orders by number.

Every event command is a thin front to one service: it turns what was typed into the
service's arguments, calls it, and prints one line for people. A service's refusal (a
``ValidationError``) becomes the command's error, with the service's message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from catalog.models import Inventory
from soleflip.management.base import ActingCommand
from soleflip.values.money import parse_money
from transactions.models import Order, Platform

_AMOUNT = re.compile(r"[0-9]+(?:\.(?P<decimals>[0-9]+))?")
_MAX_CENTS = 2**31 - 1  # the largest amount a cents column holds
_SHOWN = 5  # pairs named when a supplier order number names several


def parse_amount(text: str, option: str) -> int:
    """Cents of an amount typed in currency units, read as the admin's money fields read it.

    ``"99.95"`` and ``"99,95"`` are 9995, ``"189"`` is 18900; thousands separators, three
    decimals, signs and currency are refused with how to write the amount
    (``soleflip.values.money.parse_money``).
    """
    try:
        cents = parse_money(text)
    except ValidationError as exc:
        raise CommandError(f"{option} {exc.messages[0]}") from None
    if cents > _MAX_CENTS:
        raise CommandError(f"{option} {text} is too large an amount")
    return cents


def parse_rate(text: str, option: str) -> Decimal:
    """A positive exchange rate typed with a point: ``"1.0825"``."""
    typed = text.strip()
    if _AMOUNT.fullmatch(typed) is None or Decimal(typed) == 0:
        raise CommandError(f'{option} "{text}" is not a rate: write a number above zero with a point, e.g. 1.0825')
    return Decimal(typed)


def parse_when(text: str, option: str) -> dt.datetime:
    """A date (the start of that day) or a date and time, ISO 8601; without an offset, local time."""
    typed = text.strip()
    try:
        moment = parse_datetime(typed)
        if moment is None:
            day = parse_date(typed)
            moment = dt.datetime.combine(day, dt.time.min) if day is not None else None
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(f'{option} "{text}" is not a date: write 2026-11-30 or 2026-11-30T14:05')
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def platform_by_code(code: str) -> Platform:
    platform = Platform.objects.filter(code__iexact=code.strip()).first()
    if platform is None:
        known = ", ".join(Platform.objects.order_by("code").values_list("code", flat=True))
        raise CommandError(f'no platform has the code "{code}" (codes: {known or "none yet"})')
    return platform


def pair_label(item: Inventory) -> str:
    """The pair for people: product, style code and size."""
    return f"{item.product}, {item.size}" if item.size is not None else str(item.product)


def pair_by_ref(ref: str) -> Inventory:
    """The one pair bought under this supplier order number."""
    pairs = list(
        Inventory.objects.filter(external_order_ref=ref.strip())
        .select_related("product", "size")
        .order_by("purchased_at")[: _SHOWN + 1]
    )
    if not pairs:
        raise CommandError(f'no pair has the supplier order number "{ref}"')
    if len(pairs) > 1:
        named = "; ".join(f"{pair_label(item)} ({item.get_status_display().lower()})" for item in pairs[:_SHOWN])
        more = " and more" if len(pairs) > _SHOWN else ""
        raise CommandError(
            f'several pairs have the supplier order number "{ref}": {named}{more}. '
            "Choose the pair in the admin (Inventory) instead."
        )
    return pairs[0]


def order_by_number(platform: Platform, number: str) -> Order:
    order = (
        Order.objects.select_related("platform", "inventory__product", "inventory__size")
        .filter(platform=platform, external_order_number=number.strip())
        .first()
    )
    if order is None:
        raise CommandError(f"{platform} has no order {number}")
    return order


def refusal_message(exc: ValidationError) -> str:
    """A service's refusal as one line (field errors name their field)."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            message if field == "__all__" else f"{field.replace('_', ' ')}: {message}"
            for field, messages in exc.message_dict.items()
            for message in messages
        )
    return "; ".join(exc.messages)


@contextmanager
def refusals() -> Iterator[None]:
    """Turn a service's ``ValidationError`` into the command's ``CommandError``, with its message."""
    try:
        yield
    except ValidationError as exc:
        raise CommandError(refusal_message(exc)) from None


class OrderEventCommand(ActingCommand):
    """A command for an event on one order, named by its platform and order number."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("order_number", metavar="ORDER_NUMBER", help="The platform's order number.")
        parser.add_argument("--platform", required=True, help="Platform code: stockx, goat, alias, ebay ...")
        self.add_event_arguments(parser)

    def add_event_arguments(self, parser: CommandParser) -> None:
        """Options of the event itself."""

    def run_event(self, acting_user: Any, order: Order, options: dict[str, Any]) -> str:
        """Call the event's service; return what happened, for the line printed."""
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        platform = platform_by_code(options["platform"])
        order = order_by_number(platform, options["order_number"])
        with refusals():
            done = self.run_event(user, order, options)
        self.stdout.write(
            self.style.SUCCESS(
                f"{platform} order {order.external_order_number} ({pair_label(order.inventory)}): {done}"
            )
        )
