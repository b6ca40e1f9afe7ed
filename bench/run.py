"""zeren's benchmark: DESIGN.md's speed and memory targets, as ratios on this machine.

    python bench/run.py                      # a Tongwei-sized county (35,000 households)
    python bench/run.py --households 1400000 --villages 13000 --townships 1300   # a province

Prints a Markdown table (copied into the README). Every figure is the best of a few runs
in one process on the same machine, so ratios compare like with like.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from zeren.graph.store import Store
from zeren.loaders.demo import generate
from zeren.loaders.kinds import recognise
from zeren.loaders.rosters import load_files
from zeren.loaders.rulebook import load_rulebook
from zeren.loaders.tabular import read_file
from zeren.loaders.values import key, parse_date, parse_id_number, text
from zeren.queries.batch import ChainIndex
from zeren.queries.check import check
from zeren.queries.periods import parse_period

HERE = Path(__file__).parent


def best(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def parse(files: list[str]) -> int:
    """Merely parsing: read every file, find its header and kind, turn every cell into a value."""
    rows = 0
    for f in files:
        for sheet in read_file(f):
            table, _ = recognise(sheet)
            if table is None:
                continue
            for record in table.records:
                for column, value in record.values.items():
                    if column.endswith("日期"):
                        try:
                            parse_date(value)
                        except ValueError:
                            pass
                    elif column == "身份证号":
                        try:
                            parse_id_number(value)
                        except ValueError:
                            pass
                    else:
                        key(text(value))
                rows += 1
    return rows


def median_seconds(fn, runs: int) -> float:
    """The median wall time of ``runs`` calls of ``fn``."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cli_seconds(args: list[str], runs: int) -> float:
    return median_seconds(lambda: subprocess.run(args, check=True, stdout=subprocess.DEVNULL), runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=35000)
    ap.add_argument("--villages", type=int, default=332)
    ap.add_argument("--townships", type=int, default=18)
    ap.add_argument("--xlsx", action="store_true", help="rosters as .xlsx workbooks instead of CSV")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(HERE / "out"))
    opts = ap.parse_args()
    out = Path(opts.out)
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    county = generate(out / "rosters", households=opts.households, villages=opts.villages,
                      townships=opts.townships, xlsx=opts.xlsx)
    generated = time.perf_counter() - t
    files = [str(p) for p in county.files]

    t_parse, rows = best(lambda: parse(files), opts.runs)

    def load_once() -> Path:
        project = out / "bench.db"
        project.unlink(missing_ok=True)
        store = Store.create(project, load_rulebook())
        load_files(store, files)
        store.close()
        return project

    t_load, project = best(load_once, max(1, min(opts.runs, 2)))
    lo, hi = parse_period("2019Q2")
    with Store.open(project) as store:
        t_check, result = best(lambda: check(store, lo, hi), opts.runs)
        t_index, index = best(lambda: ChainIndex(store, "2019-06-01"), 1)
        households = list(index.village_of)
        t = time.perf_counter()
        for _ in range(3):
            for h in households:
                index.chain(h)
        per_trace = (time.perf_counter() - t) / (3 * len(households))
    zeren = [sys.executable, "-m", "zeren.cli", "--project", str(project)]
    t_click = cli_seconds([sys.executable, "-c", "import click"], 7)
    t_trace = cli_seconds(zeren + ["trace", "plan", county.failed_plan], 7)
    # An org chart is a county's: a province-sized run has no one chart to draw.
    t_render = cli_seconds(zeren + ["render", "org", "--at", "2019-06-01", "-o", str(out / "county.svg")], 3) \
        if shutil.which("dot") and opts.townships <= 60 else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    fresh = out / "rss.db"
    subprocess.run(zeren[:3] + ["--project", str(fresh), "init"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(zeren[:3] + ["--project", str(fresh), "load", *files], check=True, stdout=subprocess.DEVNULL)
    rss = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024

    size = os.path.getsize(project) / 2**20
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}")
    print(f"County: {opts.households:,} households, {opts.townships:,} townships, {opts.villages:,} villages, "
          f"{county.teams:,} teams, rosters as {'xlsx' if opts.xlsx else 'CSV'}, "
          f"{rows:,} roster rows, {len(result.findings)} findings in 2019Q2 (generated in {generated:.1f} s)\n")
    print("| measure | time | ratio | target |")
    print("|---|---:|---:|---|")
    print(f"| parse the rosters (read, find headers, parse every cell) | {t_parse:.2f} s | 1.0× | — |")
    print(f"| load them into a new project (validate, diff, write) | {t_load:.2f} s | {t_load / t_parse:.1f}× parse "
          f"| ≤ 3× parse |")
    print(f"| check one quarter ({len(result.liabilities)} liabilities) | {t_check:.3f} s | "
          f"{t_check / t_parse:.2f}× parse | ≤ 2× parse |")
    print(f"| `python -c \"import click\"` | {t_click * 1000:.0f} ms | 1.0× | — |")
    print(f"| one CLI `zeren trace plan` | {t_trace * 1000:.0f} ms | {t_trace / t_click:.1f}× import click "
          f"| ≤ 4× |")
    print(f"| batch traces (ChainIndex, built in {t_index:.2f} s) | {per_trace * 1e6:.2f} µs each | — | ≤ 5 µs |")
    if t_render is not None:
        print(f"| render the county org chart to SVG | {t_render:.2f} s | — | a few seconds |")
    print(f"| peak memory of `zeren load` | {rss:,.0f} MiB | — | fits 24 GiB at province scale |")
    print(f"| project file | {size:,.0f} MiB | — | — |")


if __name__ == "__main__":
    main()
