from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.people import acting
from soleflip.money import format_cents
from transactions.management.commands._events import (
    add_as_user,
    order_by_number,
    pair_label,
    parse_amount,
    platform_by_code,
    refusals,
)
from transactions.services import order_return


class Command(BaseCommand):
    help = (
        "Record that the buyer sent a shipped or completed order back: the order is Returned with its "
        "refund (the sale price unless --refund says less), the pair Returned until it is inspected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("order_number", metavar="ORDER_NUMBER", help="The platform's order number.")
        parser.add_argument("--platform", required=True, help="Platform code: stockx, goat, alias, ebay ...")
        parser.add_argument("--refund", help="Paid back to the buyer, in currency units (default: the sale price).")
        parser.add_argument("--reason", default="", help="Why, for the order's notes.")
        add_as_user(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting(options["as_user"])
        refund = parse_amount(options["refund"], "--refund") if options["refund"] is not None else None
        platform = platform_by_code(options["platform"])
        order = order_by_number(platform, options["order_number"])
        with refusals():
            returned = order_return(
                acting_user=user, order=order, refund_cents=refund, reason=options["reason"].strip()
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Returned {platform} order {order.external_order_number} ({pair_label(order.inventory)}): "
                f"{format_cents(returned.refund_cents, returned.currency)} refunded; "
                "the pair is marked returned until it is inspected."
            )
        )
