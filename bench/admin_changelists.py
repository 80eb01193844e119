"""Server-side render time of every admin changelist at a million price sources (issue: admin, fast at scale).

    .venv/bin/python bench/admin_changelists.py [--scale 3400] [--runs 20]

For each project changelist: the first page, a filtered page and two search pages (a
term matching many products, "Samba" or an EAN, and one product's style code), rendered
through the full Django stack (middleware, admin, templates) by the test client as a
superuser. Each page is viewed --warmup times first, as a running server would have
(templates compiled, plans and buffers warm); the very first view is printed as "cold".
Garbage is collected between views, outside the timing. Prints p50 and p95 of the warm
views in ms and the queries per page. Target: p95 < 150 ms. Uses the bench database
(see bench/_setup.py).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from urllib.parse import urlencode

from _setup import data_size, machine, percentile, setup

TARGET_MS = 150.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=3400)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2, help="views of each page before measuring (default 2)")
    args = parser.parse_args()
    setup(args.scale)

    from django.conf import settings
    from django.contrib import admin
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from pricing.analytics import analytics_refresh
    from soleflip.db.schemas import APP_SCHEMAS

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    analytics_refresh()
    with connection.cursor() as cursor:
        price_sources, inventory = data_size(cursor)
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SELECT ean FROM products.variants WHERE ean IS NOT NULL LIMIT 1")
        ean = cursor.fetchone()[0]
        cursor.execute("SELECT style_code FROM products.products WHERE style_code <> '' ORDER BY id LIMIT 1")
        style_code = cursor.fetchone()[0]

    user, _ = User.objects.get_or_create(
        username="bench", defaults={"email": "bench@soleflip.local", "is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)

    print(f"\nmachine: {machine()}; {version}")
    print(
        f"data: {price_sources:,} price sources, {inventory:,} inventory rows; "
        f"{args.warmup} warm-up and {args.runs} measured views per page\n"
    )
    print(f"{'changelist':<40} {'page':<9} {'cold ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}  verdict")
    worst = 0.0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in APP_SCHEMAS:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        pages = [("first", url)]
        filters = list(model_admin.list_filter)
        field_filter = next((f for f in filters if isinstance(f, str)), None)
        if field_filter:
            value = _some_value(model, field_filter)
            if value is not None:
                pages.append(("filtered", f"{url}?{urlencode({f'{field_filter}__exact': value})}"))
        if model_admin.search_fields:
            term = ean if any("ean" in f for f in model_admin.search_fields) else "Samba"
            pages.append(("search", f"{url}?{urlencode({'q': term})}"))
            pages.append(("search 1", f"{url}?{urlencode({'q': style_code})}"))  # one product: rare terms must not scan
        for kind, page_url in pages:
            samples = []
            queries = 0
            cold = None
            for run in range(args.warmup + args.runs):
                gc.collect()
                connection.queries_log.clear()  # the log keeps 9,000 queries; past that the count is lost
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(page_url)
                    elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (page_url, response.status_code)
                cold = elapsed if cold is None else cold
                if run >= args.warmup:
                    samples.append(elapsed)
                queries = len(captured)
            p95 = percentile(samples, 95)
            worst = max(worst, p95)
            verdict = "ok" if p95 < TARGET_MS else "MISS"
            print(
                f"{url:<40} {kind:<9} {cold:>8.1f} {statistics.median(samples):>8.1f} {p95:>8.1f} {queries:>8}  {verdict}"
            )
    print(f"\nworst p95: {worst:.1f} ms (target {TARGET_MS:.0f} ms)")


def _some_value(model, field_name: str):
    try:
        field = model._meta.get_field(field_name)
    except Exception:
        return None
    if field.is_relation:
        row = model._default_manager.exclude(**{f"{field_name}__isnull": True}).values_list(field.attname, flat=True)[
            :1
        ]
    else:
        row = model._default_manager.values_list(field_name, flat=True)[:1]
    values = list(row)
    if not values:
        return None
    return int(values[0]) if isinstance(values[0], bool) else values[0]


if __name__ == "__main__":
    main()
