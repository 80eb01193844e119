"""Background jobs of the system schema, run by `manage.py run_worker` (procrastinate)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from soleflip.partitions import apply_upkeep, plan_upkeep


@app.periodic(cron="17 3 * * *", periodic_id="nightly")
@app.task(queue="maintenance", queueing_lock="partition_upkeep")
def partition_upkeep(timestamp: int | None = None) -> None:
    """Nightly: months ahead, DEFAULT partitions drained, old months archived."""
    apply_upkeep(plan_upkeep())
