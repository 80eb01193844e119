from typing import Any

from django.core.management.base import CommandParser

from soleflip.management.base import ActingCommand
from soleflip.values.money import format_cents
from transactions.management.events import (
    pair_by_ref,
    pair_label,
    parse_amount,
    platform_by_code,
    refusals,
)
from transactions.services import fees_quote, listing_create


class Command(ActingCommand):
    help = (
        "Offer a pair on a platform at an ask: the pair becomes Listed. REF is the supplier order number "
        "it was bought under. Prints what the seller receives after the platform's fees."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ref", metavar="REF", help="The supplier order number of the pair (buy_pair --ref).")
        parser.add_argument("--platform", required=True, help="Platform code: stockx, goat, alias, ebay ...")
        parser.add_argument("--ask", required=True, help="The ask, in currency units, e.g. 189.00.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        item = pair_by_ref(options["ref"])
        platform = platform_by_code(options["platform"])
        ask = parse_amount(options["ask"], "--ask")
        with refusals():
            listing = listing_create(acting_user=user, inventory=item, platform=platform, ask_price_cents=ask)
        line = f"Listed {pair_label(item)} on {platform} at {format_cents(ask, listing.currency)}"
        quote = fees_quote(platform=platform, price_cents=ask)
        if quote is None:
            line += f"; {platform} has no fee schedule in force, so what you receive is not known"
        else:
            fees = format_cents(quote.platform_fee_cents + quote.processing_fee_cents, quote.currency)
            line += f": you receive {format_cents(quote.net_cents, quote.currency)} after fees ({fees})"
        self.stdout.write(self.style.SUCCESS(line + "."))
