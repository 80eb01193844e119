from typing import Any

from transactions.management.events import OrderEventCommand
from transactions.models import Order
from transactions.services import order_complete


class Command(OrderEventCommand):
    help = "Mark an order completed: the buyer has the pair and the platform will pay out."

    def run_event(self, acting_user: Any, order: Order, options: dict[str, Any]) -> str:
        order_complete(acting_user=acting_user, order=order)
        return "completed."
