"""zeren's duty benchmark: judging a county quarter's duties against parsing its duty log.

    python bench/duties.py                     # a Tongwei-sized county, a 2019Q2 log of ≥ 50,000 rows
    python bench/duties.py --reuse             # the county and log of the last run (bench/out-duties)

The county is the demo's (35,000 households and their rosters); its duty log (履职记录) for
2019Q2 is the demo's own second quarter plus, to reach ``--rows``, more 帮办实事 (a pairing cadre
helping a household: the most frequent line of a real log) on other days. The target of issue
11: `duties` for the quarter ≤ 2× parsing the log with the project's own reader. Prints a
Markdown table (copied into the README); every figure is the best of ``--runs`` in one process.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from zeren.graph.store import Store
from zeren.loaders.demo import generate, write_rows
from zeren.loaders.kinds import recognise
from zeren.loaders.rosters import load_files
from zeren.loaders.rulebook import load_rulebook
from zeren.loaders.tabular import read_file
from zeren.loaders.values import key, parse_date, text
from zeren.queries.duties import duties

HERE = Path(__file__).parent
HEADER = ["日期", "履职主体", "履职事项", "对象", "天数", "说明"]
LOG = "履职记录-2019Q2.csv"
AT = "2019-07-01"  # the day after the quarter: its windows are over, the half-year and year still open


def parse(path: str, pack) -> int:
    """Merely parsing the log: read the file, find its header and kind, turn every cell into a
    value (the day, the 天数, a key of every text)."""
    rows = 0
    for sheet in read_file(path):
        table, _ = recognise(sheet, pack)
        if table is None:
            continue
        for record in table.records:
            for column, value in record.values.items():
                if column == "日期":
                    parse_date(value)
                elif column == "天数":
                    raw = text(value)
                    if raw:
                        float(raw)
                else:
                    key(text(value))
            rows += 1
    return rows


def loader_parse(path: str, store: Store) -> int:
    """What ``zeren load`` does to each line of the log before writing anything: read it, find
    its header and kind, parse every cell, check the 履职事项 and resolve the 履职主体 and 对象
    against the project (the loader's own per-row code), in a transaction rolled back."""
    from zeren.loaders.rosters import _Loader

    rows = 0
    pack = store.rulebook.pack
    with store.transaction(rollback=True) as w:
        loader = _Loader(store, w, 0, as_of=None, mode="add", forced=False)
        for sheet in read_file(path):
            table, _ = recognise(sheet, pack)
            if table is not None:
                rows += loader.table(table, None)
        if loader.problems:
            raise SystemExit(f"the log has problems: {loader.problems[:3]}")
    return rows


def quarter_log(rosters: Path, demo_log: Path, rows: int, seed: int = 11) -> Path:
    """The demo's second-quarter lines, then 帮办实事 of the pairing cadres on other days until ``rows``."""
    rnd = random.Random(seed)
    with demo_log.open(encoding="utf-8-sig", newline="") as fh:
        lines = [r for r in csv.reader(fh)][1:]
    out = [r for r in lines if "2019-04-01" <= r[0] <= "2019-06-30"]
    pairings = [r.values for sheet in read_file(rosters / "结对帮扶.csv")
                for r in recognise(sheet, load_rulebook().pack)[0].records]
    seen = {(r[0], r[1], r[3]) for r in out if r[2] == "帮办实事"}
    first = date(2019, 4, 1)
    while len(out) < rows:
        p = rnd.choice(pairings)
        day = (first + timedelta(days=rnd.randrange(91))).isoformat()
        subject, obj = f"{text(p['帮扶责任人单位'])}/{text(p['帮扶责任人'])}", text(p["户编号"])
        if (day, subject, obj) in seen:
            continue
        seen.add((day, subject, obj))
        out.append([day, subject, "帮办实事", obj, "", rnd.choice(("帮办实事", "协调产业资金", "联系就业", "修缮房屋"))])
    out.sort(key=lambda r: r[0])
    return write_rows(rosters.parent / LOG, HEADER, out)


def build(out: Path, households: int, rows: int) -> tuple[Path, Path]:
    """Generate the county and its quarter log; load them into a project."""
    shutil.rmtree(out, ignore_errors=True)
    county = generate(out / "rosters", households=households)
    demo_log = next(p for p in county.later_files if p.name == "履职记录.csv")
    log = quarter_log(out / "rosters", demo_log, rows)
    project = out / "duties.db"
    store = Store.create(project, load_rulebook())
    try:
        load_files(store, [str(p) for p in county.files])
        load_files(store, [str(p) for p in county.later_files if p != demo_log] + [str(log)], mode="snapshot")
    finally:
        store.close()
    return project, log


def best(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def interleaved(fns: dict[str, Callable[[], object]], runs: int) -> dict[str, tuple[float, float]]:
    """The best (wall, CPU) seconds of each function over ``runs`` rounds, the functions taking
    turns within a round: on a shared machine each sees the same load."""
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            w, c = time.perf_counter(), time.process_time()
            fn()
            cpu[name].append(time.process_time() - c)
            wall[name].append(time.perf_counter() - w)
    return {k: (min(wall[k]), min(cpu[k])) for k in fns}


def csv_rows(path: str) -> int:
    """csv.reader over the file, nothing more: the floor of any parse."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=35000)
    ap.add_argument("--rows", type=int, default=50000, help="lines of the quarter's duty log")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(HERE / "out-duties"))
    ap.add_argument("--reuse", action="store_true", help="keep the county and log of the last run")
    ap.add_argument("--loader", action="store_true", help="also time the loader's whole parse of the log (slow)")
    opts = ap.parse_args()
    out = Path(opts.out)
    project, log = out / "duties.db", out / LOG
    if not (opts.reuse and project.exists() and log.exists()):
        t = time.perf_counter()
        project, log = build(out, opts.households, opts.rows)
        print(f"(generated and loaded the county in {time.perf_counter() - t:.0f} s)", file=sys.stderr)
    pack = load_rulebook().pack
    lines = parse(str(log), pack)
    with Store.open(project) as store:
        result = duties(store, "2019-04-01", "2019-06-30", at=AT)
        gc.collect()
        t = interleaved({"csv": lambda: csv_rows(str(log)), "parse": lambda: parse(str(log), pack),

                         "duties": lambda: duties(store, "2019-04-01", "2019-06-30", at=AT),
                         "town": lambda: duties(store, "2019-04-01", "2019-06-30", at=AT, township="马营镇")},
                        opts.runs)
    zeren = [sys.executable, "-m", "zeren.cli", "--project", str(project)]
    t_cli = statistics.median(
        best(lambda: subprocess.run(zeren + ["duties", "--period", "2019Q2", "--at", AT, "--format", "json"], check=True,
                                    stdout=subprocess.DEVNULL), 1) for _ in range(max(1, opts.runs)))
    summary = result.as_dict()["summary"]
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}")
    print(f"County: {opts.households:,} households; duty log {log.name}: {lines:,} rows; 2019Q2 judged "
          f"{len(result.duties):,} duty × holder × window entries ({', '.join(f'{k} {v:,}' for k, v in summary.items())})"
          "\n")
    (pw, pc) = t["parse"]

    def row(what: str, key: str, target: str = "—") -> str:
        w, c = t[key]
        return f"| {what} | {w:.2f} s | {w / pw:.2f}× | {c:.2f} s | {c / pc:.2f}× | {target} |"

    print("| measure | wall | ÷ parse | CPU | ÷ parse | target |")
    print("|---|---:|---:|---:|---:|---|")
    print(row("csv.reader over the file (reference: no cell parsed)", "csv"))
    print(row("**parse** the duty log: the loader's reader (read, find the header and kind, parse every cell)",
              "parse"))
    print(row("`duties` for the county quarter (library call)", "duties", "≤ 2× parse"))
    print(row("`duties` for one township (马营镇)", "town"))
    print(f"| CLI `zeren duties --period 2019Q2 --at {AT} --format json` (start, judge, write JSON) | "
          f"{t_cli:.2f} s | {t_cli / pw:.2f}× | | | — |")
    if opts.loader:
        c = time.process_time()
        w = time.perf_counter()
        loader_parse(str(log), store_rw := Store.open(project, readonly=False))
        store_rw.close()
        print(f"\nThe loader's whole parse (`zeren load` of the log without the write: each row also "
              f"checked, its 主体 and 对象 resolved): {time.perf_counter() - w:.1f} s wall, "
              f"{time.process_time() - c:.1f} s CPU (one run).")


if __name__ == "__main__":
    main()
