"""PostgreSQL settings sized to the machine (the review's section 11.1, scaled instead of fixed)."""

from __future__ import annotations

import os

MB = 1024 * 1024
GB = 1024 * MB


def machine_memory() -> int:
    """Physical memory in bytes (Linux and most Unixes)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 4 * GB


def _mb(value: float) -> str:
    return f"{max(1, int(value // MB))}MB"


def tuned_settings(
    *, memory: int | None = None, cores: int | None = None, max_connections: int = 100
) -> dict[str, str]:
    """The review's settings, each scaled to this machine; the reason for each is in performance-tuning.md."""
    memory = memory or machine_memory()
    cores = cores or os.cpu_count() or 2
    shared_buffers = min(memory * 0.25, 8 * GB)
    return {
        "shared_buffers": _mb(shared_buffers),
        "effective_cache_size": _mb(memory * 0.70),
        # Per sort or hash node: a quarter of memory spread over the connections, twice over.
        "work_mem": _mb(max(4 * MB, min(memory * 0.25 / max_connections / 2, 256 * MB))),
        "maintenance_work_mem": _mb(min(memory * 0.05, 2 * GB)),
        "max_connections": str(max_connections),
        "max_parallel_workers_per_gather": str(max(1, cores // 2)),
        "max_parallel_workers": str(cores),
        "max_worker_processes": str(max(8, cores)),
        "wal_buffers": "16MB",
        "checkpoint_completion_target": "0.9",
        # A million-row feed import writes gigabytes of WAL; at the default 1 GB it forced
        # checkpoints mid-import, each followed by full-page images of every page touched.
        "max_wal_size": "4GB",
        "checkpoint_timeout": "15min",
        "random_page_cost": "1.1",
        "effective_io_concurrency": "200",
        "log_min_duration_statement": "1000",
        "log_line_prefix": "%m [%p] %u@%d ",
        "shared_preload_libraries": "pg_stat_statements",
        "pg_stat_statements.track": "all",
        "timezone": "UTC",
    }


def as_conf(values: dict[str, str]) -> str:
    """A postgresql.conf snippet."""
    return "".join(f"{key} = '{value}'\n" for key, value in values.items())


def alter_system_sql(values: dict[str, str]) -> list[str]:
    return [f"ALTER SYSTEM SET {key} TO '{value}'" for key, value in values.items()]
