"""An import run never stays "running" after its process is gone: a liveness lock and a sweep.

The end-to-end tests start a real process in the middle of an import run and stop it the
hard way (kill -9) and the polite way (SIGTERM).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command

from pricing.imports import ABANDONED, import_run, import_runs_sweep
from pricing.models import ImportKind, ImportRun, ImportStatus
from soleflip.db import locks
from soleflip.db.health import abandoned_imports, health_report
from tests.database import conninfo, database_url
from tests.factories import make_import_run

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_run_left_running_by_a_process_that_ended_is_marked_failed_with_why():
    run = make_import_run(status=ImportStatus.RUNNING)  # nobody holds its lock: its process is gone
    assert [row["file_name"] for row in abandoned_imports()] == ["feed.csv"]
    assert any("left running by a process that ended" in p for p in health_report()["problems"])

    assert import_runs_sweep() == 1
    run.refresh_from_db()
    assert (run.status, run.message) == (ImportStatus.FAILED, ABANDONED)
    assert run.finished_at is not None
    assert abandoned_imports() == [] and import_runs_sweep() == 0


@pytest.mark.django_db
def test_a_run_whose_process_is_still_at_work_is_left_alone():
    run = make_import_run(status=ImportStatus.RUNNING)
    with psycopg.connect(conninfo(), autocommit=True) as other:  # another process, holding the run's lock
        other.execute(f"SELECT pg_advisory_lock({locks.KEY_SQL})", [f"soleflip.import_run:{run.pk}"])
        assert locks.is_held(f"soleflip.import_run:{run.pk}")
        assert import_runs_sweep() == 0 and abandoned_imports() == []
    # Its connection closed (the process ended): now the run is abandoned.
    assert _wait_for(lambda: import_runs_sweep() == 1)


@pytest.mark.django_db
def test_a_run_holds_its_lock_while_it_works_and_releases_it_after(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("aw_product_id\n1\n")
    with import_run(kind=ImportKind.AWIN_FEED, path=path) as recorder:
        name = f"soleflip.import_run:{recorder.run.pk}"
        assert locks.is_held(name)
        assert import_runs_sweep() == 0  # its own process sweeping does not fail it
    assert not locks.is_held(name)
    assert ImportRun.objects.get().status == ImportStatus.SUCCEEDED


@pytest.mark.django_db
def test_the_import_runs_screen_sweeps_before_it_lists(admin_client):
    run = make_import_run(status=ImportStatus.RUNNING)
    page = admin_client.get("/admin/pricing/importrun/").content.decode()
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert "Failed" in page


def _start_an_import(tmp_path: Path) -> subprocess.Popen[str]:
    """A process in the middle of an import run (inside its data transaction), as a command runs it."""
    path = tmp_path / "feed.csv"
    path.write_text("aw_product_id\n1\n")
    script = textwrap.dedent(
        f"""
        import time
        import django
        django.setup()
        from pricing.imports import ImportCommand, import_run
        from pricing.models import ImportKind

        class Slow(ImportCommand):
            def handle(self, *args, **options):
                with import_run(kind=ImportKind.AWIN_FEED, path=options["file"]) as run, run.data_transaction():
                    print("working", flush=True)
                    time.sleep(120)

        Slow().run_from_argv(["manage.py", "slow_import", {str(path)!r}])
        """
    )
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "soleflip.settings_test"}
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the run is committed and working
    assert line == "working\n", process.stderr.read() if process.stderr else line
    return process


def _wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_kill_9_leaves_a_run_that_the_sweep_marks_failed(tmp_path):
    process = _start_an_import(tmp_path)
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.RUNNING and import_runs_sweep() == 0

    process.kill()
    process.wait(timeout=30)
    # PostgreSQL ends the dead client's session and releases its lock.
    assert _wait_for(lambda: not locks.is_held(f"soleflip.import_run:{run.pk}"))
    run.refresh_from_db()
    assert run.status == ImportStatus.RUNNING  # nothing could record the end ...
    assert import_runs_sweep() == 1  # ... until the sweep
    run.refresh_from_db()
    assert (run.status, run.message) == (ImportStatus.FAILED, ABANDONED)


@pytest.mark.django_db(transaction=True)
def test_sigterm_ends_the_run_as_failed_with_the_reason(tmp_path):
    process = _start_an_import(tmp_path)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED
    assert run.message == "Interrupted: the process was told to stop (SIGTERM); nothing was written."
    assert not locks.is_held(f"soleflip.import_run:{run.pk}")


@pytest.mark.django_db
def test_the_worker_sweeps_when_it_starts(monkeypatch):
    run = make_import_run(status=ImportStatus.RUNNING)
    started = []
    monkeypatch.setattr("pricing.management.commands.run_worker.call_command", lambda *args, **kw: started.append(args))
    call_command("run_worker")
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert started == [("procrastinate", "worker", "--concurrency=1")]
