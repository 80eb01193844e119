"""Shared by the bench scripts: a separate benchmark database, migrated and seeded at scale."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_database_url() -> str:
    """BENCH_DATABASE_URL, else DATABASE_URL (or the embedded server) with the database soleflip_bench."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    from soleflip.db import embedded

    base = os.environ.get("DATABASE_URL") or embedded.start()[0]
    head, _, tail = base.partition("?")
    return head.rsplit("/", 1)[0] + "/soleflip_bench" + (f"?{tail}" if tail else "")


def ensure_database(url: str) -> None:
    import psycopg

    head, _, tail = url.partition("?")
    admin_url = head.rsplit("/", 1)[0] + "/postgres" + (f"?{tail}" if tail else "")
    name = head.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(scale: int) -> None:
    """Point Django at the bench database, migrate it and seed it up to ``scale``."""
    url = bench_database_url()
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soleflip.settings")
    manage = [sys.executable, str(ROOT / "manage.py")]
    env = {**os.environ}
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], check=True, env=env)
    started = time.monotonic()
    subprocess.run([*manage, "seed_demo", "--scale", str(scale)], check=True, env=env)
    print(f"seeded in {time.monotonic() - started:.1f} s")
    import django

    django.setup()


def machine() -> str:
    mem = ""
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def data_size(cursor: object) -> tuple[int, int]:
    """Fresh planner statistics, then the rows the figures are measured over: price sources and pairs."""
    run = cursor  # a DB-API cursor
    run.execute("ANALYZE")  # type: ignore[attr-defined]
    run.execute("SELECT count(*) FROM integration.price_sources")  # type: ignore[attr-defined]
    price_sources = run.fetchone()[0]  # type: ignore[attr-defined]
    run.execute("SELECT count(*) FROM products.inventory")  # type: ignore[attr-defined]
    return price_sources, run.fetchone()[0]  # type: ignore[attr-defined]
