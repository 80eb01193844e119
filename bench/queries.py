"""The review's four query expectations at a million price sources (review section 4.1).

    .venv/bin/python bench/queries.py [--scale 3400] [--runs 50]

Uses a separate database (soleflip_bench on the same server, or BENCH_DATABASE_URL),
seeds it with `seed_demo --scale`, refreshes the analytics views (timing each CONCURRENTLY
refresh), then prints p50/p95 of each query with its plan. Targets are ours; the review's
expectations in brackets.
"""

from __future__ import annotations

import argparse
import random
import time

from _setup import data_size, machine, percentile, setup

QUERIES = [
    (
        "product lookup by EAN",
        2.0,
        "< 10 ms",
        """SELECT p.id, p.name, p.style_code, v.ean FROM products.variants v
           JOIN products.products p ON p.id = v.product_id WHERE v.ean = %(ean)s""",
    ),
    (
        "inventory status filter (first page)",
        20.0,
        "< 50 ms",
        """SELECT i.id, i.purchased_at, i.purchase_price_cents FROM products.inventory i
           WHERE i.status = %(status)s ORDER BY i.purchased_at DESC LIMIT 100""",
    ),
    (
        "profit opportunities top 100 for a brand (MV)",
        20.0,
        "< 200 ms",
        """SELECT * FROM analytics.profit_opportunities_mv WHERE brand_id = %(brand)s
           ORDER BY profit_cents DESC NULLS LAST LIMIT 100""",
    ),
    (
        "brand analytics (MV)",
        10.0,
        "~500 ms live",
        "SELECT * FROM analytics.brand_performance_mv ORDER BY profit_base_cents DESC",
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=3400, help="seed_demo --scale (3400 = ~1M price sources)")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    setup(args.scale)

    from django.db import connection

    from pricing.analytics import analytics_refresh

    with connection.cursor() as cursor:
        price_sources, inventory = data_size(cursor)
        cursor.execute("SELECT ean FROM products.variants WHERE ean IS NOT NULL ORDER BY random() LIMIT 200")
        eans = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT id FROM core.brands")
        brands = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]

    print(f"\nmachine: {machine()}; {version}")
    print(f"data: {price_sources:,} price sources, {inventory:,} inventory rows\n")
    print("CONCURRENTLY refresh of each analytics view:")
    for result in analytics_refresh(concurrently=True):
        print(f"  {result.view_name:<26} {result.row_count:>9,} rows  {result.duration_ms:>7,} ms")

    rng = random.Random(1)
    print(f"\n{'query':<48} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}  review")
    plans = []
    with connection.cursor() as cursor:
        for name, target, review, sql in QUERIES:
            samples = []
            for _ in range(args.runs):
                params = {"ean": rng.choice(eans), "status": "available", "brand": rng.choice(brands)}
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                samples.append((time.perf_counter() - started) * 1000)
            p50, p95 = percentile(samples, 50), percentile(samples, 95)
            verdict = "ok" if p95 <= target else "MISS"
            print(f"{name:<48} {p50:>8.2f} {p95:>8.2f} {target:>7.0f}  {review} {verdict}")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            plans.append((name, [r[0] for r in cursor.fetchall()]))
    for name, plan in plans:
        print(f"\nEXPLAIN {name}:")
        for line in plan:
            print(f"  {line}")


if __name__ == "__main__":
    main()
