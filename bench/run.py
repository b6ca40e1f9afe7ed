"""zeren's benchmark: the speed and memory targets of DESIGN.md (issue 16), as ratios in one run.

    python bench/run.py                                   # a Tongwei-sized county (35,000 households)
    python bench/run.py --households 350000 --villages 3320 --townships 180 --runs 1   # ten times Tongwei
    python bench/run.py --households 1400000 --villages 13000 --townships 1300 --runs 1  # a province

The baseline is a bare pass over the same files: each CSV read and decoded as the loader
decodes it and every row taken from ``csv.reader`` (each workbook sheet's rows from
python-calamine), nothing else. Against it, in the same process: a load into a new project as
a user runs it (a big load's rows written by a second process, ``zeren.graph.stage``), the
same load in one process (``ZEREN_LOAD_WORKER=0``), and SQLite alone inserting the very rows
that load wrote (the floor: inserted into the same tables as fast as Python can hand them
over, the indexes built after, one commit); a quarter's check. Then, as separate processes:
``python -c "import click"`` against one ``zeren trace``, and the peak memory (VmHWM) and wall
time of ``zeren load`` itself.

Every in-process figure is the best of ``--runs`` runs (wall time; CPU time beside it, the
writer process's included), so ratios compare like with like on a machine others may be
using. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from zeren.graph.facts import fact_tables, insert_sql, table_indexes
from zeren.graph.bulk import insert_rows
from zeren.graph.store import Store
from zeren.loaders.demo import generate
from zeren.loaders.rosters import load_files
from zeren.loaders.rulebook import load_rulebook
from zeren.queries.batch import ChainIndex
from zeren.queries.check import check
from zeren.queries.periods import parse_period

HERE = Path(__file__).parent


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (a load's writer process)."""
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + child.ru_utime + child.ru_stime


def best(fn, runs: int) -> tuple[float, float, object]:
    """(best wall seconds, best CPU seconds, the last result) of ``runs`` calls of ``fn``."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        gc.collect()
        w, c = time.perf_counter(), cpu_seconds()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(cpu_seconds() - c)
    return min(walls), min(cpus), result


def median_seconds(fn, runs: int) -> float:
    """The median wall time of ``runs`` calls of ``fn``."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bare_pass(files: list[str]) -> int:
    """Read every file and take every row, as cheaply as Python can: the baseline."""
    rows = 0
    for f in files:
        if f.endswith(".csv"):
            data = Path(f).read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("gb18030")
            for _ in csv.reader(io.StringIO(text, newline="")):
                rows += 1
        else:
            import python_calamine as pc

            book = pc.CalamineWorkbook.from_path(f)
            for name in book.sheet_names:
                for _ in book.get_sheet_by_name(name).iter_rows():
                    rows += 1
    return rows


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def sqlite_floor(project: Path, scratch: Path, rulebook, runs: int) -> tuple[float, float, int]:
    """SQLite alone writing the rows a load wrote, into a new project: (best wall, best CPU, rows).

    Each table's rows are read from the loaded project into memory (not timed), then inserted
    5,000 a call as the loader does, in statements of many rows, the columns every row holds
    alike written into the statement (``facts.insert_sql``, ``bulk.insert_rows``: the fastest
    way from Python we know of, faster than executemany), its indexes built after; one commit."""
    tables = fact_tables(rulebook.pack)
    walls, cpus, rows = [], [], 0
    for _ in range(runs):
        Store.create(fresh(scratch), rulebook).close()
        source = sqlite3.connect(project)
        c = sqlite3.connect(scratch, isolation_level=None)
        c.execute("PRAGMA cache_size = -131072")
        c.execute("BEGIN IMMEDIATE")
        wall = cpu = 0.0
        rows = 0
        for t in tables:
            data = source.execute(f'SELECT {", ".join(t.carried)} FROM "{t.name}" ORDER BY id').fetchall()
            rows += len(data)
            gc.collect()
            w, p = time.perf_counter(), time.process_time()
            for name, _ in table_indexes(t):
                c.execute(f'DROP INDEX "{name}"')
            head, values = insert_sql(t, f'"{t.name}"', 1)
            for i in range(0, len(data), 5000):
                insert_rows(c, head, values, data[i:i + 5000])
            for name, on in table_indexes(t):
                c.execute(f'CREATE INDEX "{name}" ON {on}')
            wall += time.perf_counter() - w
            cpu += time.process_time() - p
            del data
        w, p = time.perf_counter(), time.process_time()
        c.execute("COMMIT")
        c.close()
        walls.append(wall + time.perf_counter() - w)
        cpus.append(cpu + time.process_time() - p)
        source.close()
    return min(walls), min(cpus), rows


def stored_rows(project: Path, rulebook) -> int:
    with sqlite3.connect(project) as conn:
        return sum(conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0] for t in fact_tables(rulebook.pack))


# Start-up is timed as a user meets it: with the bytecode caches Python writes on a first run
# (PYTHONDONTWRITEBYTECODE, set in some shells and sandboxes, would time compiling every module).
_CLI_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def cli_seconds(args: list[str], runs: int) -> float:
    """The median wall time of a command, after one untimed run that writes the bytecode caches."""
    def run() -> None:
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=_CLI_ENV)
    run()
    return median_seconds(run, runs)


# The zeren command line, reporting its own peak memory when it exits: the high-water mark of
# its address space (VmHWM). ru_maxrss is not used: Linux carries the parent's over an exec.
_MEASURED_CLI = """
import atexit, os, sys
def _peak():
    import resource
    with open("/proc/self/status") as fh:
        hwm = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
    with open(os.environ["ZEREN_BENCH_PEAK"], "w") as out:
        out.write(hwm + " " + str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
atexit.register(_peak)
sys.argv[0] = "zeren"
from zeren.cli.main import main
main()
"""


def measured_cli(args: list[str], scratch: Path) -> tuple[float, float, float]:
    """(wall seconds, peak resident MiB, its children's largest peak in MiB) of one ``zeren`` command."""
    peak = scratch / "peak.txt"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", _MEASURED_CLI, *args], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "ZEREN_BENCH_PEAK": str(peak)})
    wall = time.perf_counter() - t
    own, children = peak.read_text().split()
    return wall, int(own) / 1024, int(children) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=35000)
    ap.add_argument("--villages", type=int, default=332)
    ap.add_argument("--townships", type=int, default=18)
    ap.add_argument("--xlsx", action="store_true", help="rosters as .xlsx workbooks instead of CSV")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=str(HERE / "out"))
    ap.add_argument("--rss-target", type=float, default=None, metavar="MIB", help="peak memory target of zeren load")
    ap.add_argument("--time-target", type=float, default=None, metavar="S", help="wall time target of zeren load")
    ap.add_argument("--skip", default="", help="measures to leave out, comma-separated: check, batch, floor, single")
    opts = ap.parse_args()
    out = Path(opts.out)
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    county = generate(out / "rosters", households=opts.households, villages=opts.villages,
                      townships=opts.townships, xlsx=opts.xlsx)
    generated = time.perf_counter() - t
    files = [str(p) for p in county.files]
    rulebook = load_rulebook()
    big = opts.households > 100_000

    # zeren load as a user runs it, first, while this process is small.
    rss_project = out / "rss.db"
    subprocess.run([sys.executable, "-m", "zeren.cli", "--project", str(fresh(rss_project)), "init"], check=True,
                   stdout=subprocess.DEVNULL)
    t_cli_load, rss, rss_child = measured_cli(["--project", str(rss_project), "load", *files], out)
    fresh(rss_project)

    t_bare, c_bare, rows = best(lambda: bare_pass(files), max(opts.runs, 3))
    project = out / "bench.db"

    # The load itself, without creating the project (a few ms): Store.create is outside the timing,
    # closing the store (its WAL checkpointed into the file, as the floor's close does) inside.
    # As a user runs it (its rows written by a second process, graph.stage), then in one process.
    skip = set(filter(None, opts.skip.split(",")))

    def load_timed(one_process: bool) -> tuple[float, float]:
        walls, cpus = [], []
        for _ in range(1 if big else opts.runs):
            Store.create(fresh(project), rulebook).close()
            store = Store.open(project, readonly=False)
            gc.collect()
            if one_process:
                os.environ["ZEREN_LOAD_WORKER"] = "0"
            w, c = time.perf_counter(), cpu_seconds()
            try:
                load_files(store, files)
                store.close()  # with the WAL's checkpoint, when the commit left it for the last connection
            finally:
                os.environ.pop("ZEREN_LOAD_WORKER", None)
            walls.append(time.perf_counter() - w)
            cpus.append(cpu_seconds() - c)
        return min(walls), min(cpus)

    t_single = c_single = None
    if "single" not in skip:
        t_single, c_single = load_timed(True)
    t_load, c_load = load_timed(False)
    t_floor = c_floor = fact_rows = None
    if "floor" not in skip:
        t_floor, c_floor, fact_rows = sqlite_floor(project, out / "floor.db", rulebook, 1 if big else opts.runs)
        fresh(out / "floor.db")

    lo, hi = parse_period("2019Q2")
    t_check = c_check = result = t_index = per_trace = None
    with Store.open(project) as store:
        if "check" not in skip:
            t_check, c_check, result = best(lambda: check(store, lo, hi), 1 if big else opts.runs)
        if "batch" not in skip:
            t_index, _, index = best(lambda: ChainIndex(store, "2019-06-01"), 1)
            households = list(index.parent_of)
            t = time.perf_counter()
            for _ in range(3):
                for h in households:
                    index.chain(h)
            per_trace = (time.perf_counter() - t) / (3 * len(households))
    zeren = [sys.executable, "-m", "zeren.cli", "--project", str(project)]
    t_click = cli_seconds([sys.executable, "-c", "import click"], 9)
    t_trace = cli_seconds(zeren + ["trace", "plan", county.failed_plan], 9)

    size = os.path.getsize(project) / 2**20

    def ratio(x: float, base: float) -> str:
        return f"{x / base:.1f}×"

    def met(ok: bool) -> str:
        return "met" if ok else "**not met**"

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {os.getloadavg()[0]:.1f} load average at the end, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"County: {opts.households:,} households, {opts.townships:,} townships, {opts.villages:,} villages, "
          f"{county.teams:,} teams; rosters as {'xlsx' if opts.xlsx else 'CSV'}, {rows:,} rows read, "
          f"{stored_rows(project, rulebook):,} fact rows written" +
          (f"; {len(result.findings)} findings in 2019Q2" if result else "") + f" (generated in {generated:.0f} s)")
    print(f"Command: python bench/run.py {' '.join(sys.argv[1:])}\n")
    print("| measure | wall | CPU | ratio | target |")
    print("|---|---:|---:|---:|---|")
    print(f"| bare pass: decode + `csv.reader` every row of the same files | {t_bare:.3f} s | {c_bare:.3f} s | 1.0× | — |")
    print(f"| load into a new project (`load_files`: read, check, compare, write, commit; then close; CPU with "
          f"its writer process) | {t_load:.3f} s | "
          f"{c_load:.3f} s | {ratio(t_load, t_bare)} bare | "
          + (f"≤ 10× bare: {met(t_load <= 10 * t_bare)} |" if not big else "— (≤ 10× is the county's target) |"))
    if t_single is not None:
        print(f"| the same load in one process (`ZEREN_LOAD_WORKER=0`: no writer process) | {t_single:.3f} s | "
              f"{c_single:.3f} s | {ratio(t_single, t_bare)} bare | — |")
    if t_floor is not None:
        print(f"| SQLite alone writing the same {fact_rows:,} rows (many to a statement, indexes after, commit) | {t_floor:.3f} s | "
              f"{c_floor:.3f} s | {ratio(t_floor, t_bare)} bare | the floor: load = {t_load / t_floor:.1f}× it "
              f"(CPU {c_load / c_floor:.1f}×) |")
    if t_check is not None:
        print(f"| check one quarter ({len(result.liabilities):,} liabilities) | {t_check:.3f} s | {c_check:.3f} s | "
              f"{ratio(t_check, t_bare)} bare | "
              + (f"≤ 5× bare: {met(t_check <= 5 * t_bare)} |" if not big else "— (≤ 5× is the county's target) |"))
    print(f"| `python -c \"import click\"` (median) | {t_click * 1000:.0f} ms | | 1.0× | — |")
    print(f"| one CLI `zeren trace plan` (median) | {t_trace * 1000:.0f} ms | | {ratio(t_trace, t_click)} click | "
          f"≤ 4×: {met(t_trace <= 4 * t_click)} |")
    if per_trace is not None:
        print(f"| batch traces (ChainIndex, built in {t_index:.2f} s) | {per_trace * 1e6:.2f} µs each | | | ≤ 5 µs |")
    rss_goal = opts.rss_target
    print(f"| `zeren load` as a process: wall time | {t_cli_load:.1f} s | | | "
          + (f"≤ {opts.time_target:.0f} s: {met(t_cli_load <= opts.time_target)} |" if opts.time_target else "— |"))
    child = f"its writer process's {rss_child:,.0f} MiB apart" if rss_child else "no writer process: a small load"
    print(f"| `zeren load` as a process: peak memory (VmHWM; {child}) | "
          f"{rss:,.0f} MiB | | | "
          + (f"≤ {rss_goal:,.0f} MiB: {met(rss <= rss_goal)} |" if rss_goal else "— |"))
    print(f"| project file | {size:,.0f} MiB | | | — |")


if __name__ == "__main__":
    main()
