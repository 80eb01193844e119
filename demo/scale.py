"""A large, realistic data set for benchmarks: `manage.py seed_demo --scale N`.

Scale N adds 10*N products in 10 sizes each, so about 300*N price sources (a retail offer
and a StockX bid and ask per size) and 60*N pairs of stock with their listings and orders
over two years. N=3400 is the review's million-row scale (1.02M price sources, 204K pairs).
Generation is deterministic per product, and a second run with the same N adds nothing
(with a larger N it adds the difference).

The catalog and prices are written by COPY for speed; the pairs go through the business
events in batches (``inventory_buy_many``, ``listings_create``, ``sales_record``,
``inventory_set_status``), so fees, net proceeds, statuses and listings follow the same
rules as a sale in the admin, and the database's pair checks verify them at commit.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from catalog.gtin import with_check_digit
from catalog.models import Brand, GenderClass, Inventory, Product, Size, SizeRegion, Supplier, Variant
from catalog.services import Purchase, inventory_buy_many
from demo.seed import demo_seed
from pricing.models import PriceSource
from soleflip.db.bulk import copy_rows
from transactions.models import Listing, Order, OrderStatus, Platform
from transactions.services import Offer, Sale, inventory_set_status, listings_create, sales_record

PRODUCTS_PER_SCALE = 10
SIZES_PER_PRODUCT = 10
PAIRS_PER_PRODUCT = 6
SCALE_MARK = "scale"  # enrichment_data["seed"] on generated products

MODELS = {
    "Nike": ["Dunk Low Retro", "Air Force 1 '07", "Air Max 90", "Air Max 1 '86", "Blazer Mid '77", "Zoom Vomero 5"],
    "Jordan": ["Air Jordan 1 Retro High OG", "Air Jordan 4 Retro", "Air Jordan 3 Retro", "Air Jordan 11 Retro"],
    "adidas": ["Samba OG", "Gazelle Indoor", "Campus 00s", "Superstar", "Forum Low", "Handball Spezial"],
    "New Balance": ["550", "2002R", "990v6", "9060", "530", "1906R"],
    "ASICS": ["Gel-Kayano 14", "Gel-1130", "Gel-NYC", "GT-2160"],
    "Puma": ["Suede Classic", "Palermo", "Speedcat OG"],
    "Salomon": ["XT-6", "ACS Pro"],
    "Converse": ["Chuck 70 Hi", "Run Star Hike"],
}
COLORWAYS = [
    "White/Black",
    "Triple White",
    "Black/White",
    "University Red",
    "Sail/Gum",
    "Grey Fog",
    "Panda",
    "Olive/Sail",
    "Navy/White",
    "Bred",
    "Cream/Green",
    "Pink Foam",
    "Rain Cloud",
    "Mocha",
]
MEN_EU = [f"{38.5 + 0.5 * i:g}" for i in range(19)]  # 38.5 .. 47.5
WOMEN_EU = [f"{35.5 + 0.5 * i:g}" for i in range(14)]  # 35.5 .. 42
STATUSES = [("sold", 35), ("listed", 15), ("available", 40), ("incoming", 5), ("reserved", 5)]


@dataclass
class ScaleReport:
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        if not any(self.counts.values()):
            return "Scale data already present; nothing added."
        return "Scale data added: " + ", ".join(f"{n:,} {name}" for name, n in self.counts.items())


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@dataclass
class _Context:
    now: dt.datetime
    brands: dict[str, Brand]
    sizes: dict[tuple[str, str], Size]
    suppliers: list[Supplier]
    platforms: list[Platform]
    pairs: list[_Pair] = field(default_factory=list)


def _context(now: dt.datetime) -> _Context:
    demo_seed(now=now)  # platforms, fee schedules, suppliers
    brands = {}
    for name in MODELS:
        brands[name], _ = Brand.objects.get_or_create(slug=name.lower().replace(" ", "-"), defaults={"name": name})
    sizes = {}
    for gender, values in ((GenderClass.MEN, MEN_EU), (GenderClass.WOMEN, WOMEN_EU)):
        for value in values:
            sizes[(gender.value, value)], _ = Size.objects.get_or_create(
                region=SizeRegion.EU, value=value, gender_class=gender, defaults={"standardized_value": Decimal(value)}
            )
    platforms = list(Platform.objects.order_by("code"))
    return _Context(now, brands, sizes, list(Supplier.objects.order_by("slug")), platforms)


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


class _Batch:
    """Rows of one model, COPYed in chunks so memory stays flat at any scale."""

    def __init__(self, model: type[models.Model], chunk: int = 50_000) -> None:
        self.model, self.chunk, self.total = model, chunk, 0
        self.rows: list[dict[str, Any]] = []

    def add(self, **row: Any) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        self.total += copy_rows(self.model, self.rows)
        self.rows = []


def _generate_product(index: int, ctx: _Context, out: dict[str, _Batch]) -> None:
    rng = random.Random(index)
    brand_name = rng.choice(list(MODELS))
    model_name, colorway = rng.choice(MODELS[brand_name]), rng.choice(COLORWAYS)
    gender = GenderClass.WOMEN.value if rng.random() < 0.3 else GenderClass.MEN.value
    retail = rng.randrange(8999, 22999, 500)
    product_id = _uuid(rng)
    letters = "".join(chr(65 + (index // 26**k) % 26) for k in range(2))
    out["products"].add(
        id=product_id,
        brand_id=ctx.brands[brand_name].pk,
        name=f"{brand_name} {model_name} '{colorway}'",
        style_code=f"{letters}{index % 10000:04d}-{(index // 10000) % 1000:03d}",
        colorway=colorway,
        gender_class=gender,
        retail_price_cents=retail,
        release_date=(ctx.now - dt.timedelta(days=rng.randrange(30, 2000))).date(),
        enrichment_data={"seed": SCALE_MARK, "index": index},
    )
    values = MEN_EU if gender == "M" else WOMEN_EU
    start = rng.randrange(0, len(values) - SIZES_PER_PRODUCT + 1)
    market = int(retail * rng.uniform(0.8, 2.2))
    size_ids = []
    variant_ids: dict[uuid.UUID, uuid.UUID] = {}
    for s_index, value in enumerate(values[start : start + SIZES_PER_PRODUCT]):
        size = ctx.sizes[(gender, value)]
        size_ids.append(size.pk)
        ean = with_check_digit(f"42{index:07d}{s_index:03d}")
        variant_id = _uuid(rng)
        variant_ids[size.pk] = variant_id
        out["variants"].add(id=variant_id, product_id=product_id, size_id=size.pk, ean=ean)
        bid = max(1000, int(market * rng.uniform(0.85, 1.15)))
        for source_type, price_type, cents, in_stock in (
            ("awin", "retail", retail * rng.randrange(60, 101) // 100, rng.random() < 0.75),
            ("stockx", "highest_bid", bid, True),
            ("stockx", "lowest_ask", int(bid * rng.uniform(1.03, 1.2)), True),
        ):
            out["price_sources"].add(
                id=_uuid(rng),
                product_id=product_id,
                size_id=size.pk,
                source_type=source_type,
                source_product_id=f"{source_type}-{ean}",
                source_name="size? Official DE" if source_type == "awin" else "StockX",
                price_type=price_type,
                price_cents=cents,
                currency="EUR",
                in_stock=in_stock,
                supplier_id=ctx.suppliers[0].pk if source_type == "awin" else None,
                last_updated=ctx.now - dt.timedelta(minutes=rng.randrange(1, 10_000)),
            )
    for pair in range(PAIRS_PER_PRODUCT):
        size_id = rng.choice(size_ids)
        _generate_pair(rng, index, pair, product_id, (size_id, variant_ids[size_id]), retail, market, ctx)


@dataclass(frozen=True)
class _Pair:
    """A generated pair's life: bought, perhaps listed, perhaps sold; written by the services."""

    purchase: Purchase
    status: str
    platform: Platform | None = None
    ask_cents: int = 0
    listed_at: dt.datetime | None = None
    sold_at: dt.datetime | None = None


def _generate_pair(
    rng: random.Random,
    index: int,
    pair: int,
    product_id: uuid.UUID,
    size_and_variant: tuple[uuid.UUID, uuid.UUID],
    retail: int,
    market: int,
    ctx: _Context,
) -> None:
    status = _weighted(rng, STATUSES)
    purchased_at = ctx.now - dt.timedelta(days=rng.randrange(1, 730), minutes=rng.randrange(1440))
    supplier = rng.choice(ctx.suppliers)
    ref = f"S{index:07d}-{pair}"
    size_id, variant_id = size_and_variant
    purchase = Purchase(
        product=Product(pk=product_id),
        size=Size(pk=size_id),
        variant=Variant(pk=variant_id),
        supplier=supplier,
        purchase_price_cents=retail * rng.randrange(60, 101) // 100,
        currency="EUR",
        purchase_fx_rate=Decimal(1),
        purchased_at=purchased_at,
        external_order_ref=ref,
        location=f"Shelf {chr(65 + rng.randrange(8))}{rng.randrange(1, 20)}",
        incoming=status == "incoming",
    )
    if status not in ("listed", "sold"):
        ctx.pairs.append(_Pair(purchase, status))
        return
    platform = rng.choice(ctx.platforms)
    ask = max(1000, int(market * rng.uniform(0.95, 1.25)))
    # Listed after the purchase and never in the future (a pair bought yesterday is listed today).
    listed_at = min(purchased_at + dt.timedelta(days=rng.randrange(1, 5)), ctx.now - dt.timedelta(hours=2))
    sold_at = (
        min(listed_at + dt.timedelta(days=rng.randrange(1, 120)), ctx.now - dt.timedelta(hours=1))
        if status == "sold"
        else None
    )
    ctx.pairs.append(_Pair(purchase, status, platform, ask, listed_at, sold_at))


def _write_pairs(ctx: _Context, counts: dict[str, int]) -> None:
    """Buy, list and sell the generated pairs through the business events, a batch at a time."""
    pairs, ctx.pairs = ctx.pairs, []
    if not pairs:
        return
    items = inventory_buy_many(acting_user=None, purchases=[p.purchase for p in pairs])
    reserved = [item.pk for item, p in zip(items, pairs, strict=True) if p.status == "reserved"]
    if reserved:
        inventory_set_status(acting_user=None, items=Inventory.objects.filter(pk__in=reserved), status="reserved")
    offered = [(item, p) for item, p in zip(items, pairs, strict=True) if p.platform is not None]
    listings = listings_create(
        acting_user=None,
        offers=[
            Offer(
                inventory_id=item.pk,
                platform=p.platform,
                ask_price_cents=p.ask_cents,
                currency="EUR",
                listed_at=p.listed_at,
                external_listing_id=f"{item.external_order_ref}-L",
            )
            for item, p in offered
            if p.platform is not None
        ],
    )
    orders = sales_record(
        acting_user=None,
        sales=[
            Sale(
                inventory_id=item.pk,
                platform=p.platform,
                external_order_number=f"{item.external_order_ref}-O",
                sale_price_cents=p.ask_cents,
                sold_at=p.sold_at,
                currency="EUR",
                payout_fx_rate=Decimal(1),
                status=OrderStatus.COMPLETED,
            )
            for item, p in offered
            if p.platform is not None and p.sold_at is not None
        ],
    )
    counts["inventory"] += len(items)
    counts["listings"] += len(listings)
    counts["orders"] += len(orders)


@transaction.atomic
def scale_seed(
    *, scale: int, now: dt.datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> ScaleReport:
    """Add the generated products (and everything hanging off them) up to ``scale``."""
    now = now or timezone.now()
    ctx = _context(now)
    first = Product.objects.filter(enrichment_data__seed=SCALE_MARK).count()
    last = scale * PRODUCTS_PER_SCALE
    out = {
        "products": _Batch(Product),
        "variants": _Batch(Variant),
        "price_sources": _Batch(PriceSource),
    }
    counts = {"inventory": 0, "listings": 0, "orders": 0}
    for index in _indexes(first, last, progress):
        _generate_product(index, ctx, out)
        if len(out["products"].rows) >= 2_000:  # parents before children: keep FKs satisfied
            _flush(out, ctx, counts)
    _flush(out, ctx, counts)
    _analyze([*(batch.model for batch in out.values()), Inventory, Listing, Order])
    totals = {name.replace("_", " "): batch.total for name, batch in out.items()}
    return ScaleReport({**totals, **counts})


def _flush(out: dict[str, _Batch], ctx: _Context, counts: dict[str, int]) -> None:
    for batch in out.values():
        batch.flush()
    _write_pairs(ctx, counts)


def _analyze(written: Iterable[type[models.Model]]) -> None:
    """Fresh planner statistics for the tables just filled, before the pair checks at commit.

    Without them the planner takes the new rows for a few and answers "has this pair an
    active listing?" by reading every active listing.
    """
    tables = ", ".join(f'"{model._meta.db_table}"' for model in written)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _indexes(first: int, last: int, progress: Callable[[int, int], None] | None) -> Iterator[int]:
    for index in range(first, last):
        if progress and (index - first) % 1000 == 0:
            progress(index - first, last - first)
        yield index
    if progress and last > first:
        progress(last - first, last - first)
