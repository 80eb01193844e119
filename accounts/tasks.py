"""Background jobs of the system schema, run by `manage.py run_worker` (procrastinate)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from soleflip.db.partitions import apply_upkeep, plan_upkeep


@app.periodic(cron="17 3 * * *", periodic_id="nightly")
@app.task(queue="maintenance", queueing_lock="partition_upkeep")
def partition_upkeep(timestamp: int | None = None) -> None:
    """Nightly: months ahead, DEFAULT partitions drained, old months archived."""
    apply_upkeep(plan_upkeep())


@app.periodic(cron="42 2 * * *", periodic_id="nightly")
@app.task(queue="maintenance", queueing_lock="retention")
def apply_retention(timestamp: int | None = None) -> None:
    """Nightly: erase people past retention or deletion grace; drop logs past their retention."""
    from accounts.gdpr import retention_apply, retention_plan

    retention_apply(retention_plan(), acting_user=None)
