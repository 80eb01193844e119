from typing import Any

from django.core.management.base import CommandParser

from transactions.management.events import OrderEventCommand
from transactions.models import Order
from transactions.services import order_cancel


class Command(OrderEventCommand):
    help = (
        "Cancel an order that has not shipped: the pair is Available again (its listings stay ended). "
        "A shipped or completed order is returned instead (return_order)."
    )

    def add_event_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reason", default="", help="Why, for the order's notes.")

    def run_event(self, acting_user: Any, order: Order, options: dict[str, Any]) -> str:
        order_cancel(acting_user=acting_user, order=order, reason=options["reason"].strip())
        return "cancelled; the pair is available again, its listings stay ended."
