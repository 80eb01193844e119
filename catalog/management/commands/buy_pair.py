from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from catalog.models import Product, Size, Supplier
from catalog.services import inventory_buy
from soleflip.management.base import ActingCommand
from soleflip.values.money import format_cents
from transactions.management.events import (
    pair_label,
    parse_amount,
    parse_rate,
    parse_when,
    refusals,
)


class Command(ActingCommand):
    help = (
        "Record a purchase: one pair enters stock, Available (or Incoming with --incoming). The pair is the "
        'product of --style-code in --size ("EU 42"), or the variant whose EAN/GTIN is --ean.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--style-code", help="The product's style code, e.g. DD1391-100 (with --size).")
        which.add_argument("--ean", help="The variant's EAN/GTIN; it names the product and the size.")
        parser.add_argument("--size", help='The size as the catalog writes it, e.g. "EU 42" (with --style-code).')
        parser.add_argument("--price", required=True, help="Price paid for the pair, in currency units, e.g. 99.95.")
        parser.add_argument("--currency", help=f"ISO code of the price's currency (default {settings.BASE_CURRENCY}).")
        parser.add_argument(
            "--fx-rate", help="Units of the base currency per unit of --currency on the purchase day, e.g. 0.9231."
        )
        parser.add_argument("--supplier", metavar="SLUG", help="The supplier's slug, e.g. 43einhalb.")
        parser.add_argument("--purchased-at", metavar="DATE", help="Purchase date, or date and time (default: now).")
        parser.add_argument("--location", default="", help='Where the pair is kept, e.g. "Shelf A1".')
        parser.add_argument(
            "--ref",
            default="",
            metavar="SUPPLIER-ORDER",
            help="The supplier's order number: other commands find the pair by it.",
        )
        parser.add_argument("--incoming", action="store_true", help="The pair is on its way (status Incoming).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        price = parse_amount(options["price"], "--price")
        rate = parse_rate(options["fx_rate"], "--fx-rate") if options["fx_rate"] is not None else None
        purchased_at = parse_when(options["purchased_at"], "--purchased-at") if options["purchased_at"] else None
        product: Product | None = None
        size: Size | None = None
        if options["style_code"] is not None:
            if not options["size"]:
                raise CommandError('--style-code needs --size, e.g. --size "EU 42"')
            product = _product(options["style_code"])
            size = _size(product, options["size"])
        elif options["size"]:
            raise CommandError("--size goes with --style-code: an EAN/GTIN names the size itself")
        supplier = _supplier(options["supplier"]) if options["supplier"] else None
        with refusals():
            item = inventory_buy(
                acting_user=user,
                purchase_price_cents=price,
                product=product,
                size=size,
                ean=options["ean"],
                currency=options["currency"].strip().upper() if options["currency"] else None,
                purchase_fx_rate=rate,
                supplier=supplier,
                purchased_at=purchased_at,
                location=options["location"].strip(),
                external_order_ref=options["ref"].strip(),
                incoming=options["incoming"],
            )
        line = f"Bought {pair_label(item)} for {format_cents(price, item.currency)}"
        if item.currency != settings.BASE_CURRENCY:
            line += f" (FX rate {item.purchase_fx_rate})"
        if item.supplier_name:
            line += f" from {item.supplier_name}"
        line += f" on {timezone.localtime(item.purchased_at):%Y-%m-%d}"
        if item.external_order_ref:
            line += f", supplier order {item.external_order_ref}"
        line += f": {item.get_status_display().lower()}"
        if item.location:
            line += f", at {item.location}"
        self.stdout.write(self.style.SUCCESS(line + "."))


def _product(style_code: str) -> Product:
    products = list(Product.objects.filter(style_code__iexact=style_code.strip()).select_related("brand")[:5])
    if not products:
        raise CommandError(f'no product has the style code "{style_code}"')
    if len(products) > 1:
        named = "; ".join(f"{product.brand}: {product.name}" for product in products)
        raise CommandError(f'several products have the style code "{style_code}" ({named}): name the pair by --ean')
    return products[0]


def _size(product: Product, typed: str) -> Size:
    """The size of one of the product's variants written as ``typed`` ("EU 42", or "EU M 42"), any case."""
    wanted = " ".join(typed.split()).casefold()
    sizes = [
        variant.size for variant in product.variants.select_related("size").order_by("size__region", "size__value")
    ]
    matches = [size for size in sizes if wanted in (f"{size.region} {size.value}".casefold(), str(size).casefold())]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        offered = ", ".join(f"{size.region} {size.value}" for size in sizes) or "none yet"
        raise CommandError(f'{product} has no variant in size "{typed}" (its sizes: {offered})')
    named = ", ".join(f'"{size}"' for size in matches)
    raise CommandError(f'"{typed}" is more than one size of {product}: write one of {named}')


def _supplier(slug: str) -> Supplier:
    supplier = Supplier.objects.filter(slug=slug.strip().lower()).first()
    if supplier is None:
        raise CommandError(f'no supplier has the slug "{slug}" (see Suppliers in the admin)')
    return supplier
