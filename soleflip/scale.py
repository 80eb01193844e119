"""A large, realistic data set for benchmarks: `manage.py seed_demo --scale N`.

Scale N adds 10*N products in 10 sizes each, so about 300*N price sources (a retail offer
and a StockX bid and ask per size) and 60*N pairs of stock with their listings and orders
over two years. N=3400 is the review's million-row scale (1.02M price sources, 204K pairs).
Generation is deterministic per product, and a second run with the same N adds nothing
(with a larger N it adds the difference).

Rows are written by COPY for speed, not through the business events; the database's pair
checks verify every generated pair at commit, so the data keeps the events' rules: a sold
pair has one open order and its listing is sold, a listed pair has exactly one active
listing, any other pair has neither. Fees and net proceeds come from the same functions the
events use (``schedule_fees`` with the schedule in force on the sale date, ``net_proceeds_cents``).
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
from pricing.models import PriceSource
from soleflip.bulk import copy_rows
from soleflip.demo import demo_seed
from transactions.models import FeeSchedule, Listing, Order, Platform, net_proceeds_cents
from transactions.services import NoFeeSchedule, fee_schedule_in_force, schedule_fees

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
    schedules: dict[tuple[uuid.UUID, dt.date], FeeSchedule | None] = field(default_factory=dict)

    def schedule_on(self, platform: Platform, sold_at: dt.datetime) -> FeeSchedule | None:
        """The platform's fee schedule in force on the sale date (one query per platform and day)."""
        key = (platform.pk, timezone.localtime(sold_at).date())
        if key not in self.schedules:
            try:
                self.schedules[key] = fee_schedule_in_force(platform=platform, sold_at=sold_at)
            except NoFeeSchedule:
                self.schedules[key] = None
        return self.schedules[key]


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
    for s_index, value in enumerate(values[start : start + SIZES_PER_PRODUCT]):
        size = ctx.sizes[(gender, value)]
        size_ids.append(size.pk)
        ean = with_check_digit(f"42{index:07d}{s_index:03d}")
        out["variants"].add(id=_uuid(rng), product_id=product_id, size_id=size.pk, ean=ean)
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
        _generate_pair(rng, index, pair, product_id, rng.choice(size_ids), retail, market, ctx, out)


def _generate_pair(
    rng: random.Random,
    index: int,
    pair: int,
    product_id: uuid.UUID,
    size_id: uuid.UUID,
    retail: int,
    market: int,
    ctx: _Context,
    out: dict[str, _Batch],
) -> None:
    status = _weighted(rng, STATUSES)
    purchased_at = ctx.now - dt.timedelta(days=rng.randrange(1, 730), minutes=rng.randrange(1440))
    supplier = rng.choice(ctx.suppliers)
    inventory_id = _uuid(rng)
    ref = f"S{index:07d}-{pair}"
    out["inventory"].add(
        id=inventory_id,
        product_id=product_id,
        size_id=size_id,
        supplier_id=supplier.pk,
        supplier_name=supplier.name,
        quantity=1,
        purchase_price_cents=retail * rng.randrange(60, 101) // 100,
        currency="EUR",
        status=status,
        purchased_at=purchased_at,
        external_order_ref=ref,
        location=f"Shelf {chr(65 + rng.randrange(8))}{rng.randrange(1, 20)}",
    )
    if status not in ("listed", "sold"):
        return
    platform = rng.choice(ctx.platforms)
    ask = max(1000, int(market * rng.uniform(0.95, 1.25)))
    listing_id = _uuid(rng)
    # Listed after the purchase and never in the future (a pair bought yesterday is listed today).
    listed_at = min(purchased_at + dt.timedelta(days=rng.randrange(1, 5)), ctx.now - dt.timedelta(hours=2))
    sold_at = (
        min(listed_at + dt.timedelta(days=rng.randrange(1, 120)), ctx.now - dt.timedelta(hours=1))
        if status == "sold"
        else None
    )
    out["listings"].add(
        id=listing_id,
        inventory_id=inventory_id,
        platform_id=platform.pk,
        external_listing_id=f"{ref}-L",
        ask_price_cents=ask,
        currency="EUR",
        status="active" if sold_at is None else "sold",
        listed_at=listed_at,
        ended_at=sold_at,
    )
    if sold_at is None:
        return
    schedule = ctx.schedule_on(platform, sold_at)
    platform_fee, processing = schedule_fees(schedule, ask) if schedule else (0, 0)
    out["orders"].add(
        id=_uuid(rng),
        inventory_id=inventory_id,
        platform_id=platform.pk,
        listing_id=listing_id,
        fee_schedule_id=schedule.pk if schedule else None,
        external_order_number=f"{ref}-O",
        sold_at=sold_at,
        sale_price_cents=ask,
        platform_fee_cents=platform_fee,
        processing_fee_cents=processing,
        net_proceeds_cents=net_proceeds_cents(
            sale_price_cents=ask, platform_fee_cents=platform_fee, processing_fee_cents=processing
        ),
        payout_fx_rate=Decimal("1"),
        status="completed",
    )


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
        "inventory": _Batch(Inventory),
        "listings": _Batch(Listing),
        "orders": _Batch(Order),
    }
    for index in _indexes(first, last, progress):
        _generate_product(index, ctx, out)
        if len(out["products"].rows) >= 2_000:  # parents before children: keep FKs satisfied
            for batch in out.values():
                batch.flush()
    for batch in out.values():
        batch.flush()
    _analyze(batch.model for batch in out.values())
    return ScaleReport({name.replace("_", " "): batch.total for name, batch in out.items()})


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
