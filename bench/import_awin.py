"""Import generated Awin feeds end to end and print rows/s, peak RSS and the ratio to a bare COPY.

    .venv/bin/python bench/import_awin.py [--rows 10000,100000,1000000] [--keep DIR]

For each size it generates a realistic feed (the 92 columns of a real size?Official DE
feed, ~1.4 KB a row, 8-12 sizes per product, EU sizes, EANs, style codes in ``mpn`` or at
the end of the description), then times, each in a fresh child process so the peak RSS
printed is the import's own:

* the first import into an empty catalog (brands, products, sizes, variants, raw rows and
  prices all created);
* the same file again (everything unchanged);
* the file with 10% of the prices changed;
* a bare ``COPY ... FROM STDIN (FORMAT csv)`` of the same file into a table of text columns,
  the floor any import of this file stands on;
* the trigger overhead on a 10%-changed re-import (dry runs): the guarded price upsert and
  the whole import with the ``price_sources`` triggers enabled, with the two price-history
  triggers disabled (the audit triggers kept), and with all of them disabled (``ALTER TABLE
  ... DISABLE TRIGGER USER``), each inside a transaction that is rolled back.

Between imports it runs VACUUM ANALYZE on the tables an import writes, as autovacuum does
between two days' imports (see ``vacuum``).

It uses its own database (see bench/_setup.py; ``BENCH_DATABASE_URL`` overrides), which
it empties of catalog, price and import rows before each size. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The header of the real feed in demo/awin_feed_sample.csv, in its order.
HEADER = [
    "aw_deep_link", "product_name", "aw_product_id", "merchant_product_id", "merchant_image_url", "description",
    "merchant_category", "search_price", "merchant_name", "merchant_id", "category_name", "category_id",
    "aw_image_url", "currency", "store_price", "delivery_cost", "merchant_deep_link", "language", "last_updated",
    "display_price", "data_feed_id", "brand_name", "brand_id", "colour", "product_short_description",
    "specifications", "condition", "product_model", "model_number", "dimensions", "keywords", "promotional_text",
    "product_type", "commission_group", "merchant_product_category_path", "merchant_product_second_category",
    "merchant_product_third_category", "rrp_price", "saving", "savings_percent", "base_price", "base_price_amount",
    "base_price_text", "product_price_old", "delivery_restrictions", "delivery_weight", "warranty",
    "terms_of_contract", "delivery_time", "in_stock", "stock_quantity", "valid_from", "valid_to", "is_for_sale",
    "web_offer", "pre_order", "stock_status", "size_stock_status", "size_stock_amount", "merchant_thumb_url",
    "large_image", "alternate_image", "aw_thumb_url", "alternate_image_two", "alternate_image_three",
    "alternate_image_four", "reviews", "average_rating", "rating", "number_available", "custom_1", "custom_2",
    "custom_3", "custom_4", "custom_5", "custom_6", "custom_7", "custom_8", "custom_9", "ean", "isbn", "upc", "mpn",
    "parent_product_id", "product_GTIN", "basket_link", "Fashion:suitable_for", "Fashion:category", "Fashion:size",
    "Fashion:material", "Fashion:pattern", "Fashion:swatch",
]  # fmt: skip

MERCHANT_ID = "10597"
BRANDS = {
    "Nike": ["Dunk Low Retro", "Air Force 1 '07", "Air Max 90", "Air Max 1 '86", "Zoom Vomero 5"],
    "Jordan": ["Air 1 Retro High OG", "Air 4 Retro", "Air 3 Retro", "Air 11 Retro"],
    "adidas": ["Samba OG", "Gazelle Indoor", "Campus 00s", "Superstar", "Handball Spezial"],
    "New Balance": ["550", "2002R", "990v6", "9060", "530"],
    "ASICS": ["GEL-KAYANO 14", "GEL-1130", "GEL-NYC", "GT-2160"],
    "Puma": ["Suede Classic", "Palermo", "Speedcat OG"],
}
COLOURS = ["weiss", "schwarz", "grau", "blau", "rot", "grün", "beige", "braun", "rosa", "lila"]
MEN = [f"{38.5 + 0.5 * i:g}" for i in range(19)]  # EU 38.5 .. 47.5
WOMEN = [f"{35.5 + 0.5 * i:g}" for i in range(14)]  # EU 35.5 .. 42
KIDS = [f"{28 + 0.5 * i:g}" for i in range(12)]  # EU 28 .. 33.5
CATEGORIES = {"M": ("Men's Footwear", "189", MEN), "W": ("Women's Footwear", "194", WOMEN)}
CATEGORIES["K"] = ("Children's Footwear", "614", KIDS)
TEXT = (
    "Der Klassiker kehrt zurück: ein Obermaterial aus Leder und Wildleder, eine gepolsterte Zunge und eine "
    "griffige Gummiaußensohle sorgen für Komfort vom Morgen bis zum Abend. Die „Sail“-Akzente setzen Kontraste, "
    "während die Mittelsohle für Dämpfung bei jedem Schritt sorgt."
)


def _style_code(brand: str, index: int) -> str:
    if brand == "ASICS":
        return f"1203A{index % 1000:03d}.{index // 1000 % 1000:03d}"
    if brand == "adidas":
        return f"I{chr(65 + index % 26)}{index % 10000:04d}{index // 10000 % 10}"
    if brand == "New Balance":
        return f"U{index % 10000:04d}{chr(65 + index // 10000 % 26)}GR"
    return f"{chr(65 + index % 26)}{chr(65 + index // 26 % 26)}{index % 10000:04d}-{index // 10000 % 1000:03d}"


def _ean(row: int) -> str:
    body = f"40{row:010d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def write_feed(handle: IO[str], rows: int, *, changed_share: float = 0.0) -> None:
    """Write a feed of ``rows`` rows; ``changed_share`` of them get another price (deterministic)."""
    writer = csv.writer(handle)
    writer.writerow(HEADER)
    empty = dict.fromkeys(HEADER, "")
    stamp = dt.datetime(2026, 1, 15, 6, 0, 0, tzinfo=dt.UTC)
    row = 0
    product = 0
    while row < rows:
        rng = random.Random(product)
        brand = rng.choice(list(BRANDS))
        model = rng.choice(BRANDS[brand])
        colour = rng.choice(COLOURS)
        klass = rng.choices("MWK", weights=[6, 4, 1])[0]
        category, category_id, sizes = CATEGORIES[klass]
        code = _style_code(brand, product)
        price = rng.randrange(60, 260) * 100 - rng.choice((0, 5, 1))
        slug = f"{colour}-{brand.lower().replace(' ', '-')}-{product}"
        page = f"https://www.sizeofficial.de/product/{slug}/{700000 + product}_sizede/"
        image = f"https://cdn.media.amplience.net/t/jpl/sz_product_list?plu=sz_{700000 + product}_a&qlt=80&v=2"
        count = min(rng.randrange(8, 13), len(sizes), rows - row)
        start = rng.randrange(0, len(sizes) - count + 1)
        for size in sizes[start : start + count]:
            aw_id = str(38_000_000_000 + row)
            cents = price + (500 if changed_share and (row * 7919) % 1000 < changed_share * 1000 else 0)
            in_stock = rng.random() < 0.9
            cells = dict(empty)
            cells.update(
                {
                    "aw_deep_link": f"https://www.awin1.com/pclick.php?p={aw_id}&a=394937&m={MERCHANT_ID}",
                    "product_name": f"{brand} {model}, {colour}",
                    "aw_product_id": aw_id,
                    "merchant_product_id": f"{3_000_000 + row:09d}",
                    "merchant_image_url": image,
                    "description": f"{TEXT} | {code}" if product % 3 else TEXT,
                    "merchant_category": category,
                    "search_price": f"{cents // 100}.{cents % 100:02d}",
                    "merchant_name": "size?Official DE",
                    "merchant_id": MERCHANT_ID,
                    "category_name": category,
                    "category_id": category_id,
                    "aw_image_url": f"https://images2.productserve.com/?w=200&h=200&bg=white&trim=5&t=letterbox&url=ssl%3A{image[8:]}&feedId=21293",
                    "currency": "EUR",
                    "delivery_cost": "0" if cents >= 5000 else "4",
                    "merchant_deep_link": page,
                    "language": "de",
                    "last_updated": (stamp - dt.timedelta(minutes=row % 5000)).strftime("%Y-%m-%d %H:%M:%S"),
                    "display_price": f"EUR{cents // 100}.{cents % 100:02d}",
                    "data_feed_id": "21293",
                    "brand_name": brand,
                    "brand_id": str(1000 + list(BRANDS).index(brand)),
                    "colour": colour,
                    "model_number": f"{3_000_000 + row:09d}",
                    "delivery_time": "5 to 7 days",
                    "in_stock": "1" if in_stock else "0",
                    "stock_quantity": str(rng.randrange(1, 13)) if in_stock else "0",
                    "is_for_sale": "1",
                    "aw_thumb_url": f"https://images2.productserve.com/?w=70&h=70&bg=white&url=ssl%3A{image[8:]}",
                    "ean": _ean(row) if row % 50 else "",
                    "mpn": "" if product % 3 else code,
                    "Fashion:size": size,
                }
            )
            writer.writerow(cells.values())
            row += 1
        product += 1


def generate(path: Path, rows: int, changed_share: float) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_feed(handle, rows, changed_share=changed_share)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the measured child processes ----------------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soleflip.settings")
    import django

    django.setup()


# Which price_sources triggers a measured import runs with: all of them; all but the two
# price-history ones (the audit triggers stay); none (``DISABLE TRIGGER USER``).
TRIGGERS = ("all", "no_history", "none")


def run_import(path: Path, *, dry_run: bool, triggers: str = "all") -> dict[str, Any]:
    """Import one file (in this child process) and return its figures as a dict."""
    _django()
    from django.db import connection, transaction

    from pricing.awin.importer import awin_feed_import

    class _Rollback(Exception):
        pass

    result: dict[str, Any] = {}
    started = time.monotonic()
    try:
        # Trigger comparisons run inside one transaction that is rolled back, so the disabled
        # triggers are never seen by anyone else (and nothing stays written).
        with transaction.atomic():
            with connection.cursor() as cursor:
                if triggers == "none":
                    cursor.execute("ALTER TABLE integration.price_sources DISABLE TRIGGER USER")
                elif triggers == "no_history":
                    cursor.execute(
                        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'integration.price_sources'::regclass"
                        " AND tgname LIKE 'pgtrigger_price_history_%'"
                    )
                    for (name,) in cursor.fetchall():
                        cursor.execute(f'ALTER TABLE integration.price_sources DISABLE TRIGGER "{name}"')
            started = time.monotonic()
            run = awin_feed_import(path=path, dry_run=dry_run)
            elapsed = time.monotonic() - started
            result = {
                "seconds": elapsed,
                "rows": run.rows_read,
                "status": run.status,
                "message": run.message,
                "phases_ms": run.options.get("phases_ms", {}),
            }
            if triggers != "all":
                raise _Rollback
    except _Rollback:
        pass
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def bare_copy(path: Path) -> float:
    """Seconds to COPY the file as it is (CSV, text columns) into a table: the floor of any import."""
    _django()
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        columns = ", ".join(f'"c{i}" text' for i in range(len(HEADER)))
        cursor.execute(f"CREATE TEMP TABLE bare_copy ({columns}) ON COMMIT DROP")
        started = time.monotonic()
        with cursor.copy("COPY bare_copy FROM STDIN (FORMAT csv, HEADER true)") as copy, path.open("rb") as handle:
            while data := handle.read(1 << 20):
                copy.write(data)
        return time.monotonic() - started


def child(*arguments: str) -> dict[str, Any]:
    """Run this script as a child process with ``arguments``; return the JSON it prints."""
    output = subprocess.run([sys.executable, __file__, *arguments], check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


# --- the parent ---------------------------------------------------------------------------


def database_url() -> str:
    """BENCH_DATABASE_URL, else the bench server's URL with the database soleflip_bench_awin."""
    from _setup import bench_database_url

    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    head, _, tail = bench_database_url().partition("?")
    return head.rsplit("/", 1)[0] + "/soleflip_bench_awin" + (f"?{tail}" if tail else "")


def prepare(url: str) -> None:
    from _setup import ensure_database

    name = url.partition("?")[0].rsplit("/", 1)[1]
    if "bench" not in name:
        sys.exit(f"refusing to empty {name}: the bench needs a database whose name says bench")
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], check=True, capture_output=True)
    subprocess.run([*manage, "load_size_charts"], check=True, capture_output=True)


def empty(url: str) -> None:
    """Empty what an import writes (and what hangs off it), keeping the size charts."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE integration.price_sources, integration.price_history, integration.awin_products,"
            " integration.import_runs, products.variants, products.size_reviews, products.sizes,"
            " products.products CASCADE"
        )
        conn.execute(
            "DELETE FROM core.brands b WHERE NOT EXISTS (SELECT FROM products.size_charts c WHERE c.brand_id = b.id)"
        )
        conn.execute("VACUUM ANALYZE")


def vacuum(url: str) -> None:
    """VACUUM ANALYZE what an import writes, as autovacuum does between two days' imports.

    Right after a million-row import the visibility map is not set yet, and reading the
    merchant's fingerprints falls back from the index to the 2 GB table (about 2 s instead
    of 0.1 s); a feed imported again within minutes pays that once.
    """
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("integration.awin_products", "integration.price_sources", "products.variants"):
            conn.execute(f"VACUUM ANALYZE {table}")


def line(label: str, rows: int, seconds: float, rss: float | None, floor: float) -> str:
    rss_text = f"{rss:8.0f}" if rss is not None else " " * 8
    return f"  {label:<34} {rows:>10,} {seconds:8.1f} {rows / seconds:>10,.0f} {rss_text} {seconds / floor:7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000,1000000", help="comma-separated feed sizes")
    parser.add_argument("--keep", type=Path, help="write the feeds into DIR and keep them")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each trigger variant (median)")
    parser.add_argument("--generate", nargs=3, help=argparse.SUPPRESS)  # PATH ROWS CHANGED_SHARE
    parser.add_argument("--import", dest="import_", nargs=3, help=argparse.SUPPRESS)  # PATH DRY_RUN TRIGGERS
    parser.add_argument("--bare-copy", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(Path(args.generate[0]), int(args.generate[1]), float(args.generate[2]))
        return
    if args.import_:
        path, dry_run, triggers = args.import_
        print(json.dumps(run_import(Path(path), dry_run=dry_run == "1", triggers=triggers)))
        return
    if args.bare_copy:
        print(json.dumps({"seconds": bare_copy(args.bare_copy), "peak_rss_mib": peak_rss_mib()}))
        return

    from _setup import machine

    url = database_url()
    prepare(url)
    print(f"machine: {machine()}; database: {url.partition('?')[0].rsplit('/', 1)[1]}")
    print(f"  {'':<34} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'RSS MiB':>8} {'x COPY':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.keep or Path(tmp)
        for rows in (int(n) for n in args.rows.split(",")):
            base, changed = directory / f"awin_{rows}.csv", directory / f"awin_{rows}_changed.csv"
            for path, share in ((base, 0.0), (changed, 0.1)):
                if not path.exists():
                    subprocess.run(
                        [sys.executable, __file__, "--generate", str(path), str(rows), str(share)], check=True
                    )
            empty(url)
            size_mb = base.stat().st_size / 1e6
            floor = child("--bare-copy", str(base))["seconds"]
            print(f"{rows:,} rows ({size_mb:,.0f} MB):")
            print(line("bare COPY of the file", rows, floor, None, floor))
            first = child("--import", str(base), "0", "all")
            print(line("first import (all new)", rows, first["seconds"], first["peak_rss_mib"], floor))
            vacuum(url)
            again = child("--import", str(base), "0", "all")
            print(line("same file again (all unchanged)", rows, again["seconds"], again["peak_rss_mib"], floor))
            vacuum(url)
            runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in TRIGGERS}
            for _ in range(args.repeat):
                for variant in TRIGGERS:
                    runs[variant].append(child("--import", str(changed), "1", variant))
            upsert = {v: _median([r["phases_ms"].get("prices", 0) for r in runs[v]]) for v in TRIGGERS}
            total = {v: _median([r["seconds"] for r in runs[v]]) for v in TRIGGERS}
            vacuum(url)
            final = child("--import", str(changed), "0", "all")
            print(line("10% of prices changed", rows, final["seconds"], final["peak_rss_mib"], floor))
            for label, without in (
                ("price-history triggers (audit kept)", "no_history"),
                ("all price_sources triggers (history + audit; DISABLE TRIGGER USER)", "none"),
            ):
                print(
                    f"  {label} on the 10% re-import: guarded upsert {upsert['all']:,.0f} ms with, "
                    f"{upsert[without]:,.0f} ms without = {upsert['all'] / max(upsert[without], 1):.2f}x; "
                    f"whole import {total['all']:.1f} s vs {total[without]:.1f} s = "
                    f"{total['all'] / total[without]:.2f}x (medians of {args.repeat} dry runs)"
                )
            for label, result in (("first", first), ("again", again), ("changed", final)):
                phases = ", ".join(f"{k} {v / 1000:.1f}" for k, v in sorted(result["phases_ms"].items()))
                print(f"    {label}: {phases} (database seconds per step)")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


if __name__ == "__main__":
    main()
