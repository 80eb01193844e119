"""Refreshing the analytics schema's materialized views."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from pricing.models import ViewRefresh
from soleflip.db.schemas import VIEW_SCHEMAS

# The analytics schema's views from the one map of where relations live, in its order (none
# reads another); each has a unique index, so it can refresh CONCURRENTLY.
VIEWS: tuple[str, ...] = tuple(view for view, schema in VIEW_SCHEMAS.items() if schema == "analytics")


@dataclass(frozen=True)
class RefreshResult:
    view_name: str
    duration_ms: int
    row_count: int

    def __str__(self) -> str:
        return f"{self.view_name}: {self.row_count} rows in {self.duration_ms} ms"


def analytics_refresh(*, views: list[str] | None = None, concurrently: bool = True) -> list[RefreshResult]:
    """Refresh the named views (all by default) and record when, how long and how many rows.

    CONCURRENTLY lets readers go on during the refresh; it needs the view populated, which
    the migration does. Each view refreshes in its own transaction, so one failure does not
    undo the others' work.
    """
    unknown = set(views or ()) - set(VIEWS)
    if unknown:
        raise ValueError(f"unknown analytics view(s): {', '.join(sorted(unknown))}; known: {', '.join(VIEWS)}")
    results = []
    for name in views or VIEWS:
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            # The views are everyone's figures: computed as the system, never through the row
            # security of whoever pressed "refresh".
            cursor.execute("SELECT set_config('app.user_id', '', true)")
            mode = "CONCURRENTLY " if concurrently else ""
            cursor.execute(f"REFRESH MATERIALIZED VIEW {mode}analytics.{name}")
            cursor.execute(f"SELECT count(*) FROM analytics.{name}")
            row = cursor.fetchone()
            duration_ms = int((time.monotonic() - started) * 1000)
            ViewRefresh.objects.update_or_create(
                view_name=name,
                defaults={
                    "refreshed_at": timezone.now(),
                    "duration_ms": duration_ms,
                    "row_count": row[0] if row else 0,
                    "was_concurrent": concurrently,
                },
            )
        results.append(RefreshResult(name, duration_ms, row[0] if row else 0))
    return results
