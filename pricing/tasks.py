"""Background jobs of the pricing engine, run by `manage.py run_worker` (procrastinate)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from pricing.analytics import analytics_refresh


@app.periodic(cron="*/5 * * * *", periodic_id="every_5_minutes")
@app.task(queue="analytics", queueing_lock="refresh_analytics")
def refresh_analytics(timestamp: int | None = None) -> None:
    """Refresh every analytics view (every 5 minutes, and on demand from the admin)."""
    analytics_refresh()
