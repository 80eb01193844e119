"""Background jobs of the pricing engine, run by `manage.py run_worker` (procrastinate)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from pricing.analytics import analytics_refresh


@app.task(queue="imports")
def run_import(job: dict[str, object], user_id: str | None = None) -> None:
    """Run an import confirmed in the admin whose file is too big to run during the request."""
    from pricing.admin_imports import run_pending_job

    run_pending_job(job, user_id)


@app.periodic(cron="23 * * * *", periodic_id="hourly")
@app.task(queue="maintenance", queueing_lock="purge_uploads")
def purge_uploads(timestamp: int | None = None) -> None:
    """Hourly: delete admin uploads never confirmed, once older than IMPORT_UPLOAD_HOURS."""
    from pricing.admin_imports import purge_stale_uploads

    purge_stale_uploads()


@app.periodic(cron="*/5 * * * *", periodic_id="every_5_minutes")
@app.task(queue="analytics", queueing_lock="refresh_analytics")
def refresh_analytics(timestamp: int | None = None) -> None:
    """Refresh every analytics view (every 5 minutes, and on demand from the admin)."""
    analytics_refresh()
