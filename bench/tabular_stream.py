"""Stream a generated feed-sized CSV through soleflip.tabular and report rows/s and peak memory.

    .venv/bin/python bench/tabular_stream.py [--rows 1000000] [--gzip] [--keep DIR]

The file (30 columns, ~1 KB a row, UTF-8 with umlauts, quoted commas and an occasional
multi-line description) is written by a child process, so the peak RSS printed is the
reader's own: it should stay flat whatever the file size. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLUMNS = 30


def header() -> list[str]:
    """Return an Awin-like header of ``COLUMNS`` names."""
    names = ["aw_product_id", "product_name", "ean", "search_price", "currency", "in_stock", "description"]
    return names + [f"custom_{n}" for n in range(1, COLUMNS - len(names) + 1)]


def generate(path: Path, rows: int, compress: bool) -> None:
    """Write the benchmark file; run in a child process to keep its memory out of the measurement."""
    if compress:
        with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
            write_rows(handle, rows)
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            write_rows(handle, rows)


def write_rows(handle: IO[str], rows: int) -> None:
    """Write the header and ``rows`` rows of about 1 KB each."""
    writer = csv.writer(handle)
    writer.writerow(header())
    filler = ["Größe 42, weiß/schwarz " + "x" * 4] * (COLUMNS - 7)
    for n in range(rows):
        description = "Ein Klassiker.\nZweite Zeile." if n % 1000 == 0 else "Der Läufer, neu aufgelegt " * 8
        product = [str(10_000_000 + n), f"Air Max {n % 500}, weiß", f"{4_550_000_000_000 + n}", "129.95", "EUR"]
        writer.writerow([*product, "1", description, *filler])


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--gzip", action="store_true", help="gzip the generated file")
    parser.add_argument("--keep", type=Path, help="write the file into DIR and keep it")
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.rows, args.gzip)
        return

    from soleflip.tabular.reader import open_table

    with tempfile.TemporaryDirectory() as tmp:
        directory = args.keep or Path(tmp)
        path = directory / ("bench.csv.gz" if args.gzip else "bench.csv")
        started = time.monotonic()
        command = [sys.executable, __file__, "--generate", str(path), "--rows", str(args.rows)]
        subprocess.run([*command, *(["--gzip"] if args.gzip else [])], check=True)
        print(f"generated {path.stat().st_size / 1e6:,.1f} MB in {time.monotonic() - started:.1f} s")

        baseline = peak_rss_mib()
        started = time.monotonic()
        count = 0
        with open_table(path) as table:
            for row in table:
                count += 1
                last = row
        elapsed = time.monotonic() - started
        assert count == args.rows and last.line > count, (count, last.line)

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"file: {count:,} rows x {COLUMNS} columns, {table.encoding}, {table.compression or 'plain'}")
    print(f"read: {elapsed:.1f} s, {count / elapsed:,.0f} rows/s; last row starts on line {last.line:,}")
    print(f"peak RSS: {peak_rss_mib():.0f} MiB (after imports, before reading: {baseline:.0f} MiB)")


if __name__ == "__main__":
    main()
