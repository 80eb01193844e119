from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.people import acting
from transactions.management.commands._events import (
    add_as_user,
    order_by_number,
    pair_label,
    platform_by_code,
    refusals,
)
from transactions.services import order_cancel


class Command(BaseCommand):
    help = (
        "Cancel an order that has not shipped: the pair is Available again (its listings stay ended). "
        "A shipped or completed order is returned instead (return_order)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("order_number", metavar="ORDER_NUMBER", help="The platform's order number.")
        parser.add_argument("--platform", required=True, help="Platform code: stockx, goat, alias, ebay ...")
        parser.add_argument("--reason", default="", help="Why, for the order's notes.")
        add_as_user(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting(options["as_user"])
        platform = platform_by_code(options["platform"])
        order = order_by_number(platform, options["order_number"])
        with refusals():
            order_cancel(acting_user=user, order=order, reason=options["reason"].strip())
        self.stdout.write(
            self.style.SUCCESS(
                f"Cancelled {platform} order {order.external_order_number} ({pair_label(order.inventory)}): "
                "the pair is available again; its listings stay ended."
            )
        )
