from procrastinate.contrib.django import app as procrastinate_app


def test_partition_upkeep_runs_nightly_on_the_maintenance_queue():
    periodic = {p.task.name: p for p in procrastinate_app.periodic_registry.periodic_tasks.values()}
    job = periodic["accounts.tasks.partition_upkeep"]
    assert job.cron == "17 3 * * *"
    assert job.task.queue == "maintenance"


def test_retention_runs_nightly():
    periodic = {p.task.name: p for p in procrastinate_app.periodic_registry.periodic_tasks.values()}
    assert periodic["accounts.tasks.apply_retention"].cron == "42 2 * * *"
