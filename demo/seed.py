"""A small, realistic demo data set: what `make run` loads so the admin has something to show.

Idempotent: rows are found by natural keys (slugs, style codes, EANs, order numbers) and
only created when missing, so a second run changes nothing. Stock and sales are written by
the business events (``inventory_buy``, ``listing_create``, ``sale_record`` ...), so the demo
holds nothing the application itself could not have recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone

from catalog.gtin import with_check_digit
from catalog.models import (
    Brand,
    Category,
    Color,
    GenderClass,
    Inventory,
    InventoryStatus,
    Product,
    Size,
    SizeRegion,
    Supplier,
    SupplierType,
    Variant,
)
from catalog.services import inventory_buy
from pricing.models import PriceSource, PriceType, SourceType
from transactions.models import FeeSchedule, Listing, Order, Platform
from transactions.services import listing_create, order_complete, order_ship, sale_record

BRANDS = ["Nike", "Jordan", "adidas", "New Balance", "ASICS"]

# brand, name, style code, colorway, colour, retail cents, release date
PRODUCTS = [
    ("Nike", "Nike Dunk Low Retro", "DD1391-100", "White/Black", "White", 11999, "2021-03-10"),
    ("Nike", "Nike Air Force 1 '07", "CW2288-111", "White/White", "White", 11999, "2019-12-01"),
    ("Nike", "Nike Air Max 1 '86 OG", "DQ3989-100", "White/University Red", "Red", 15999, "2023-03-26"),
    (
        "Jordan",
        "Air Jordan 1 Retro High OG 'Lost & Found'",
        "DZ5485-612",
        "Varsity Red/Black",
        "Red",
        17999,
        "2022-11-19",
    ),
    (
        "Jordan",
        "Air Jordan 4 Retro 'Military Black'",
        "DH6927-111",
        "White/Black/Neutral Grey",
        "White",
        20999,
        "2022-05-21",
    ),
    ("adidas", "adidas Samba OG", "B75806", "Cloud White/Core Black", "White", 11000, "2018-01-01"),
    ("adidas", "adidas Gazelle Indoor", "IG1643", "Blue/Gum", "Blue", 12000, "2023-08-01"),
    ("New Balance", "New Balance 550", "BB550WT1", "White/Green", "Green", 12999, "2020-11-01"),
    ("New Balance", "New Balance 2002R 'Protection Pack'", "M2002RDA", "Rain Cloud", "Grey", 14999, "2021-08-20"),
    ("ASICS", "ASICS Gel-Kayano 14", "1201A019-107", "White/Pure Silver", "Silver", 15000, "2022-06-01"),
]

EU_SIZES = ["40", "40.5", "41", "42", "42.5", "43", "44", "44.5", "45", "46"]

SUPPLIERS = [
    ("size? Official DE", SupplierType.RETAILER, "https://www.size.co.uk/", "17046"),
    ("Nike Store DE", SupplierType.BRAND_STORE, "https://www.nike.com/de/", ""),
    ("43einhalb", SupplierType.RETAILER, "https://www.43einhalb.com/", ""),
    ("Private seller", SupplierType.PRIVATE, "", ""),
]

PLATFORMS = [
    ("stockx", "StockX", "https://stockx.com/"),
    ("goat", "GOAT", "https://www.goat.com/"),
    ("alias", "Alias", "https://alias.org/"),
    ("ebay", "eBay", "https://www.ebay.de/"),
    ("klekt", "Klekt", "https://www.klekt.com/"),
]

# platform, level, transaction bps, processing bps, minimum fee cents, fixed fee cents
FEES = [
    ("stockx", 1, 900, 300, 500, 0),
    ("stockx", 2, 850, 300, 500, 0),
    ("stockx", 3, 800, 300, 500, 0),
    ("stockx", 4, 750, 300, 500, 0),
    ("stockx", 5, 700, 300, 500, 0),
    ("goat", 1, 950, 290, 0, 500),
    ("alias", 1, 950, 290, 0, 500),
    ("ebay", 1, 800, 0, 0, 35),
    ("klekt", 1, 1500, 0, 0, 0),
]
FEES_VALID_FROM = dt.date(2024, 1, 1)


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, model: type[models.Model], was_created: bool) -> None:
        if was_created:
            name = model._meta.verbose_name_plural
            self.created[str(name)] = self.created.get(str(name), 0) + 1

    def __str__(self) -> str:
        if not self.created:
            return "Demo data already present; nothing changed."
        return "Demo data created: " + ", ".join(f"{n} {name}" for name, n in sorted(self.created.items()))


def _demo_ean(product_index: int, size_index: int) -> str:
    # 400000 is a GS1 Germany prefix; the rest is stable per product and size.
    return with_check_digit(f"400000{product_index:03d}{size_index:03d}")


@transaction.atomic
def demo_seed(*, now: dt.datetime | None = None) -> SeedReport:
    """Create the demo catalog, suppliers, platforms, fees, prices, stock and sales if missing."""
    now = now or timezone.now()
    report = SeedReport()

    brands = {}
    for name in BRANDS:
        brands[name], created = Brand.objects.get_or_create(
            slug=name.lower().replace(" ", "-"), defaults={"name": name}
        )
        report.add(Brand, created)
    footwear, created = Category.objects.get_or_create(slug="footwear", defaults={"name": "Footwear"})
    report.add(Category, created)
    sneakers, created = Category.objects.get_or_create(
        slug="sneakers", defaults={"name": "Sneakers", "parent": footwear}
    )
    report.add(Category, created)

    sizes = []
    for value in EU_SIZES:
        size, created = Size.objects.get_or_create(
            region=SizeRegion.EU,
            value=value,
            gender_class=GenderClass.MEN,
            defaults={"standardized_value": Decimal(value)},
        )
        report.add(Size, created)
        sizes.append(size)

    suppliers = []
    for name, kind, website, merchant_id in SUPPLIERS:
        supplier, created = Supplier.objects.get_or_create(
            slug=name.lower().replace(" ", "-").replace("?", ""),
            defaults={"name": name, "supplier_type": kind, "website": website, "awin_merchant_id": merchant_id},
        )
        report.add(Supplier, created)
        suppliers.append(supplier)

    platforms = {}
    for code, name, website in PLATFORMS:
        platforms[code], created = Platform.objects.get_or_create(
            code=code, defaults={"name": name, "website": website}
        )
        report.add(Platform, created)
    for code, level, bps, processing, minimum, fixed in FEES:
        _, created = FeeSchedule.objects.get_or_create(
            platform=platforms[code],
            region="EU",
            seller_level=level,
            valid_from=FEES_VALID_FROM,
            defaults={
                "transaction_fee_bps": bps,
                "processing_fee_bps": processing,
                "minimum_fee_cents": minimum,
                "fixed_fee_cents": fixed,
                "notes": "Demo values modelled on the platform's published seller fees.",
            },
        )
        report.add(FeeSchedule, created)

    for p_index, (brand, name, style, colorway, colour, retail, released) in enumerate(PRODUCTS):
        color, created = Color.objects.get_or_create(name=colour)
        report.add(Color, created)
        product, created = Product.objects.get_or_create(
            brand=brands[brand],
            style_code=style,
            defaults={
                "name": name,
                "category": sneakers,
                "colorway": colorway,
                "color": color,
                "retail_price_cents": retail,
                "retail_currency": "EUR",
                "release_date": dt.date.fromisoformat(released),
            },
        )
        report.add(Product, created)
        for s_index, size in enumerate(sizes):
            variant, created = Variant.objects.get_or_create(
                product=product, size=size, defaults={"ean": _demo_ean(p_index, s_index)}
            )
            report.add(Variant, created)
            _seed_prices(report, product, size, variant, p_index, s_index, retail, suppliers[0], now)
        _seed_stock(report, product, sizes, p_index, retail, suppliers, platforms, now)
    return report


def _seed_prices(
    report: SeedReport,
    product: Product,
    size: Size,
    variant: Variant,
    p_index: int,
    s_index: int,
    retail: int,
    retailer: Supplier,
    now: dt.datetime,
) -> None:
    # Retail at the Awin merchant (some sizes sold out, some discounted) and StockX's market.
    discount = (p_index * 7 + s_index * 3) % 30
    market = retail + (p_index * 1300 + s_index * 450) % 9000 - 1500
    prices = [
        (
            SourceType.AWIN,
            retailer.name,
            PriceType.RETAIL,
            retail * (100 - discount) // 100,
            (s_index + p_index) % 4 != 0,
        ),
        (SourceType.STOCKX, "StockX", PriceType.LOWEST_ASK, market + 1200, True),
        (SourceType.STOCKX, "StockX", PriceType.HIGHEST_BID, market, True),
    ]
    for source_type, source_name, price_type, cents, in_stock in prices:
        _, created = PriceSource.objects.get_or_create(
            product=product,
            size=size,
            source_type=source_type,
            source_product_id=f"{source_type}-{variant.ean}",
            price_type=price_type,
            defaults={
                "source_name": source_name,
                "price_cents": cents,
                "currency": "EUR",
                "in_stock": in_stock,
                "supplier": retailer if source_type == SourceType.AWIN else None,
                "last_updated": now - dt.timedelta(hours=s_index + 1),
            },
        )
        report.add(PriceSource, created)


def _seed_stock(
    report: SeedReport,
    product: Product,
    sizes: list[Size],
    p_index: int,
    retail: int,
    suppliers: list[Supplier],
    platforms: dict[str, Platform],
    now: dt.datetime,
) -> None:
    """Three pairs per product: one sold, one listed, one in hand (some of those dead stock).

    Written by the business events, as staff would record them: buy, list, sell, ship,
    complete. A pair is found by its supplier order number; one already there is left as it is.
    """
    lifecycle = [InventoryStatus.SOLD, InventoryStatus.LISTED, InventoryStatus.AVAILABLE]
    for n, status in enumerate(lifecycle):
        ref = f"DEMO-{p_index:02d}{n}"
        if Inventory.objects.filter(external_order_ref=ref).exists():
            continue
        supplier = suppliers[(p_index + n) % len(suppliers)]
        purchased_at = now - dt.timedelta(days=12 + p_index * 11 + n * 37)
        item = inventory_buy(
            acting_user=None,
            product=product,
            size=sizes[(p_index + n * 3) % len(sizes)],
            purchase_price_cents=retail * (85 - (p_index % 3) * 5) // 100,
            currency="EUR",
            supplier=supplier,
            purchased_at=purchased_at,
            location=f"Shelf {chr(65 + p_index % 4)}{n + 1}",
            external_order_ref=ref,
        )
        report.add(Inventory, True)
        if status == InventoryStatus.AVAILABLE:
            continue
        platform = platforms[["stockx", "goat", "alias"][(p_index + n) % 3]]
        ask = retail + 2500 + p_index * 700
        listing = listing_create(
            acting_user=None,
            inventory=item,
            platform=platform,
            ask_price_cents=ask,
            listed_at=purchased_at + dt.timedelta(days=2),
            external_listing_id=f"{ref}-L",
        )
        report.add(Listing, True)
        if status != InventoryStatus.SOLD:
            continue
        order = sale_record(
            acting_user=None,
            inventory=item,
            platform=platform,
            listing=listing,
            external_order_number=f"{ref}-O",
            sale_price_cents=ask,
            sold_at=purchased_at + dt.timedelta(days=9),
            payout_fx_rate=Decimal("1"),
        )
        order_ship(acting_user=None, order=order)
        order_complete(acting_user=None, order=order)
        report.add(Order, True)
