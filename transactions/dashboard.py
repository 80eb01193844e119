"""The admin index: the numbers a reseller opens the back office for.

Stock and sales figures are read live from the inventory and orders (indexed slices), so a
sale shows the moment it commits; market prices and opportunities come from the analytics
materialized views (refreshed every 5 minutes), so the page stays fast at a million price rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from catalog.models import OPEN_STOCK
from pricing.models import ImportRun, InventoryAging, ProfitOpportunity, ViewRefresh
from soleflip.values.money import format_cents
from transactions.models import CLOSED_ORDER_STATUSES, Order, Platform

WEEKS = 12
CHART_COLORS = ["#7c3aed", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#64748b"]


def environment_label(request: HttpRequest) -> list[str] | None:
    """Show a badge when not in production, so nobody mistakes a demo for the real books."""
    return ["Development", "warning"] if settings.DEBUG else None


def _money(cents: int | None) -> str:
    return format_cents(cents or 0, settings.BASE_CURRENCY)


def stock_figures() -> dict[str, Any]:
    """Open stock at cost and at market (highest bids), unrealized profit, dead stock.

    Which pairs are in stock is read live from the inventory (its open-stock index), so a
    sale, purchase or write-off shows the moment it commits; the market bids come from the
    inventory aging view (refreshed every 5 minutes). A pair bought since the last refresh
    counts at cost, without a bid until then.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*),
                   sum(round(COALESCE(i.purchase_price_cents, 0) * i.purchase_fx_rate))::bigint,
                   sum(a.market_bid_cents) FILTER (WHERE a.market_bid_cents IS NOT NULL)::bigint,
                   sum(a.unrealized_profit_cents)::bigint,
                   count(*) FILTER (WHERE COALESCE(i.purchased_at, i.created_at) < now() - interval '90 days'),
                   sum(round(COALESCE(i.purchase_price_cents, 0) * i.purchase_fx_rate))
                       FILTER (WHERE COALESCE(i.purchased_at, i.created_at) < now() - interval '90 days')::bigint
            FROM products.inventory i
            LEFT JOIN analytics.inventory_aging_mv a ON a.inventory_id = i.id
            WHERE i.status = ANY(%s)
            """,
            [list(OPEN_STOCK)],
        )
        pairs, at_cost, at_market, unrealized, dead_pairs, dead_capital = cursor.fetchone()
    return {
        "pairs": pairs or 0,
        "at_cost": _money(at_cost),
        "at_market": _money(at_market),
        "unrealized": _money(unrealized),
        "dead_pairs": dead_pairs or 0,
        "dead_capital": _money(dead_capital),
    }


def weekly_sales(today: dt.date) -> dict[str, Any]:
    """Net proceeds per ISO week and platform over the last weeks, as Chart.js data (live from orders)."""
    start = today - dt.timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    weeks = [start + dt.timedelta(weeks=n) for n in range(WEEKS)]
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    rows = (
        Order.objects.filter(sold_at__gte=since, currency=settings.BASE_CURRENCY)
        .exclude(status__in=CLOSED_ORDER_STATUSES)
        .annotate(day=TruncDate("sold_at"))
        .values("day", "platform_id")
        .annotate(net=Sum("net_proceeds_cents"), orders=Count("id"))
    )
    names = dict(Platform.objects.values_list("id", "name"))
    net: dict[Any, dict[dt.date, int]] = defaultdict(lambda: dict.fromkeys(weeks, 0))
    orders = 0
    gross_net = 0
    for row in rows:
        week = row["day"] - dt.timedelta(days=row["day"].weekday())
        net[row["platform_id"]][week] += row["net"]
        orders += row["orders"]
        gross_net += row["net"]
    datasets = [
        {
            "label": names.get(platform_id, "unknown"),
            "data": [round(cents / 100, 2) for cents in by_week.values()],
            "backgroundColor": CHART_COLORS[n % len(CHART_COLORS)],
        }
        for n, (platform_id, by_week) in enumerate(sorted(net.items(), key=lambda kv: names.get(kv[0], "")))
    ]
    chart = {"labels": [f"W{w.isocalendar().week}" for w in weeks], "datasets": datasets}
    options = {
        "maintainAspectRatio": False,
        "animation": False,
        "scales": {"x": {"stacked": True}, "y": {"stacked": True}},
        "plugins": {"legend": {"display": True}},
    }
    return {
        "chart": json.dumps(chart),
        "options": json.dumps(options),
        "orders": orders,
        "net": _money(gross_net),
    }


def top_opportunities(limit: int = 8) -> dict[str, Any]:
    rows = ProfitOpportunity.objects.filter(profit_cents__gt=0).select_related("product").order_by("-profit_cents")
    return {
        "headers": ["Product", "EU size", "Buy at", "Sell on", "Profit", "ROI"],
        "rows": [
            [
                o.product.name,
                f"{o.standardized_size.normalize()}",
                f"{o.retail_source} {format_cents(o.retail_cents, o.currency)}",
                o.resale_source,
                format_cents(o.profit_cents, o.currency),
                f"{(o.roi_bps or 0) / 100:.0f}%",
            ]
            for o in rows[:limit]
        ],
    }


def dead_stock(limit: int = 8) -> dict[str, Any]:
    rows = InventoryAging.objects.filter(is_dead_stock=True, inventory__status__in=OPEN_STOCK).select_related(
        "product", "size"
    )[:limit]
    return {
        "headers": ["Product", "Size", "Days", "At cost", "Highest bid"],
        "rows": [
            [
                a.product.name,
                str(a.size or "–"),
                a.days_in_stock,
                _money(a.locked_capital_base_cents),
                format_cents(a.market_bid_cents, a.currency),
            ]
            for a in rows
        ],
    }


def last_imports(limit: int = 5) -> dict[str, Any]:
    runs = ImportRun.objects.select_related("user").order_by("-created_at")[:limit]
    return {
        "headers": ["File", "Kind", "Outcome", "Rows", "When"],
        "rows": [
            [
                r.file_name,
                r.get_kind_display(),
                r.get_status_display(),
                f"{r.rows_created} new, {r.rows_updated} changed, {r.rows_unchanged} same, {r.rows_failed} bad",
                timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
            ]
            for r in runs
        ],
    }


def view_freshness(now: dt.datetime) -> dict[str, Any]:
    refreshes = list(ViewRefresh.objects.all())
    return {
        "headers": ["View", "Refreshed", "Rows", "Took"],
        "rows": [
            [
                v.view_name,
                f"{int((now - v.refreshed_at).total_seconds() // 60)} min ago",
                v.row_count,
                f"{v.duration_ms} ms",
            ]
            for v in refreshes
        ],
        "oldest_minutes": max((int((now - v.refreshed_at).total_seconds() // 60) for v in refreshes), default=None),
    }


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """Unfold's DASHBOARD_CALLBACK: add the dashboard's figures to the admin index context."""
    if not request.user.is_authenticated or not request.user.has_perm("pricing.view_profitopportunity"):
        return context  # the app list only, for staff without analytics access
    now = timezone.now()
    open_imports = ImportRun.objects.filter(status="running").aggregate(n=Count("id"))["n"]
    context.update(
        {
            "dashboard": True,
            "stock": stock_figures(),
            "sales": weekly_sales(timezone.localdate()),
            "opportunities": top_opportunities(),
            "dead": dead_stock(),
            "imports": last_imports(),
            "open_imports": open_imports,
            "freshness": view_freshness(now),
            "links": {
                "opportunities": reverse("admin:pricing_profitopportunity_changelist"),
                "aging": reverse("admin:pricing_inventoryaging_changelist") + "?is_dead_stock__exact=1",
                "imports": reverse("admin:pricing_importrun_changelist"),
                "refreshes": reverse("admin:pricing_viewrefresh_changelist"),
            },
        }
    )
    return context
