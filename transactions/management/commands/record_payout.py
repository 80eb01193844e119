from typing import Any

from django.core.management.base import CommandError, CommandParser

from soleflip.management.base import ActingCommand
from soleflip.values.money import format_cents
from transactions.management.events import parse_amount, platform_by_code, refusals
from transactions.models import Order
from transactions.services import Reconciled, payout_reconcile, payout_record


class Command(ActingCommand):
    help = (
        "Record money a platform paid out for some of its orders, assign the orders to it, and print "
        "how the amount compares with their net proceeds (matched, short or over)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("order_numbers", nargs="+", metavar="ORDER_NUMBER", help="The platform's order numbers.")
        parser.add_argument("--platform", required=True, help="Platform code: stockx, goat, alias, ebay ...")
        parser.add_argument("--payout-id", required=True, help="The platform's payout id.")
        parser.add_argument("--amount", required=True, help="The amount paid out, in currency units, e.g. 300.00.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        amount = parse_amount(options["amount"], "--amount")
        platform = platform_by_code(options["platform"])
        numbers = list(dict.fromkeys(number.strip() for number in options["order_numbers"]))
        orders = list(Order.objects.filter(platform=platform, external_order_number__in=numbers))
        found = {order.external_order_number for order in orders}
        missing = [number for number in numbers if number not in found]
        if missing:
            raise CommandError(f"{platform} has no order {', '.join(missing)}: nothing was recorded")
        with refusals():
            payout = payout_record(
                acting_user=user,
                platform=platform,
                external_payout_id=options["payout_id"].strip(),
                amount_cents=amount,
                orders=orders,
            )
        reconciliation = payout_reconcile(payout)
        style = self.style.SUCCESS if reconciliation.state == Reconciled.MATCHED else self.style.WARNING
        self.stdout.write(
            style(
                f"Recorded {platform} payout {payout.external_payout_id} of "
                f"{format_cents(payout.amount_cents, payout.currency)} for order(s) {', '.join(numbers)}; "
                f"{reconciliation}."
            )
        )
