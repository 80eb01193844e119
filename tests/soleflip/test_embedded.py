"""The embedded-server launcher: finding a running server, and deferring to DATABASE_URL."""

import os
import sys

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
