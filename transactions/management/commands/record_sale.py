from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from soleflip.management.base import ActingCommand
from soleflip.values.money import format_cents
from transactions.management.events import (
    pair_by_ref,
    pair_label,
    parse_amount,
    parse_when,
    platform_by_code,
    refusal_message,
)
from transactions.services import NoFeeSchedule, sale_record


class Command(ActingCommand):
    help = (
        "Record a sale of a pair on a platform: the pair becomes Sold, its listing there sold, its other "
        "listings ended, and a pending order is created. REF is the supplier order number the pair was "
        "bought under. Fees come from the fee schedule in force on the sale date unless --platform-fee "
        "(and --processing-fee) state what the platform charged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ref", metavar="REF", help="The supplier order number of the pair (buy_pair --ref).")
        parser.add_argument("--platform", required=True, help="Platform code: stockx, goat, alias, ebay ...")
        parser.add_argument("--order-number", required=True, help="The platform's order number.")
        parser.add_argument("--price", required=True, help="The sale price, in currency units, e.g. 189.00.")
        parser.add_argument("--sold-at", metavar="DATE", help="Sale date, or date and time (default: now).")
        parser.add_argument("--platform-fee", help="The platform's fee as charged, in currency units.")
        parser.add_argument("--processing-fee", help="The payment processing fee as charged (with --platform-fee).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        if options["processing_fee"] is not None and options["platform_fee"] is None:
            raise CommandError(
                "--processing-fee goes with --platform-fee: state both fees the platform charged, "
                "or neither to take them from the fee schedule"
            )
        price = parse_amount(options["price"], "--price")
        stated = options["platform_fee"] is not None
        platform_fee = parse_amount(options["platform_fee"], "--platform-fee") if stated else None
        processing_fee = (
            parse_amount(options["processing_fee"], "--processing-fee")
            if options["processing_fee"] is not None
            else (0 if stated else None)
        )
        sold_at = parse_when(options["sold_at"], "--sold-at") if options["sold_at"] else timezone.now()
        item = pair_by_ref(options["ref"])
        platform = platform_by_code(options["platform"])
        try:
            order = sale_record(
                acting_user=user,
                inventory=item,
                platform=platform,
                external_order_number=options["order_number"],
                sale_price_cents=price,
                sold_at=sold_at,
                platform_fee_cents=platform_fee,
                processing_fee_cents=processing_fee,
            )
        except NoFeeSchedule as exc:
            raise CommandError(f"{refusal_message(exc)} (--platform-fee, --processing-fee)") from None
        except ValidationError as exc:
            raise CommandError(refusal_message(exc)) from None
        money = order.currency
        self.stdout.write(
            self.style.SUCCESS(
                f"Sold {pair_label(item)} on {platform} (order {order.external_order_number}) for "
                f"{format_cents(order.sale_price_cents, money)} on {timezone.localtime(order.sold_at):%Y-%m-%d}: "
                f"you receive {format_cents(order.net_proceeds_cents, money)} after "
                f"{format_cents(order.platform_fee_cents, money)} platform and "
                f"{format_cents(order.processing_fee_cents, money)} processing fees"
                f"{' (from the fee schedule)' if order.fee_schedule_id else ' (as stated)'}."
            )
        )
