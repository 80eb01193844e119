from typing import Any

from transactions.management.events import OrderEventCommand
from transactions.models import Order
from transactions.services import order_ship


class Command(OrderEventCommand):
    help = "Mark an order shipped: the pair left for the buyer or the platform's authentication."

    def run_event(self, acting_user: Any, order: Order, options: dict[str, Any]) -> str:
        order_ship(acting_user=acting_user, order=order)
        return "shipped."
