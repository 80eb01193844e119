from typing import Any

from django.core.management.base import CommandParser

from soleflip.values.money import format_cents
from transactions.management.events import OrderEventCommand, parse_amount
from transactions.models import Order
from transactions.services import order_return


class Command(OrderEventCommand):
    help = (
        "Record that the buyer sent a shipped or completed order back: the order is Returned with its "
        "refund (the sale price unless --refund says less), the pair Returned until it is inspected."
    )

    def add_event_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--refund", help="Paid back to the buyer, in currency units (default: the sale price).")
        parser.add_argument("--reason", default="", help="Why, for the order's notes.")

    def run_event(self, acting_user: Any, order: Order, options: dict[str, Any]) -> str:
        refund = parse_amount(options["refund"], "--refund") if options["refund"] is not None else None
        returned = order_return(
            acting_user=acting_user, order=order, refund_cents=refund, reason=options["reason"].strip()
        )
        refunded = format_cents(returned.refund_cents, returned.currency)
        return f"returned, {refunded} refunded; the pair is marked returned until it is inspected."
