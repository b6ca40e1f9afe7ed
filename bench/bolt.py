"""The server store on a real Neo4j 5 against the embedded project file, on one county.

    make bench-bolt        # = unshare -n sh -c 'ip link set lo up && .venv/bin/python bench/bolt.py'

Starts Neo4j Community (tools/neo4j_server.py, from the classpath `make neo4j` resolved), pushes
a Tongwei-sized county (35,000 households), then measures: push rows/s; one CLI `zeren trace
plan` over Bolt against the same command on the project file; one quarter's check (a library
call) on Neo4j against the project file, on a warmed server, the two sides interleaved.
Answers are compared before anything is timed. Then a second full push (``replace``) into the
now warm server, and the ceiling: the same rows written by the least Cypher that can write
them (``UNWIND $rows AS r CREATE (n:X) SET n = r``; edges between the internal ids the node
batches return), prepared in memory beforehand, into another fresh server and once more into
that server warm. Then the offline first load (``zeren push --neo4j-import``): the project
written as CSV, Neo4j's ``neo4j-admin database import full`` into a stopped server's home, the
server started, and the next push's verification and switch, each timed.
Prints a Markdown table for the README.

    .venv/bin/python bench/bolt.py --import-only --households 350000 --villages 3320 --townships 180

times the offline load alone on the ten-times county.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tools"))
sys.path.insert(0, str(HERE))

from neo4j_server import VERSION, neo4j_admin, neo4j_server  # noqa: E402
import run  # noqa: E402
from run import cli_seconds, median_seconds  # noqa: E402
from zeren.graph.bolt import BoltStore, close_drivers, push  # noqa: E402
from zeren.graph.neo4j_import import write_import  # noqa: E402
from zeren.graph.store import Store  # noqa: E402
from zeren.loaders.demo import generate  # noqa: E402
from zeren.loaders.rosters import load_files  # noqa: E402
from zeren.loaders.rulebook import load_rulebook  # noqa: E402
from zeren.queries.check import check  # noqa: E402
from zeren.queries.periods import parse_period  # noqa: E402
from zeren.queries.trace import trace  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=35000)
    ap.add_argument("--villages", type=int, default=332)
    ap.add_argument("--townships", type=int, default=18)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=5, help="checks (and 3× as many traces) before timing")
    ap.add_argument("--heap", default="2g")
    ap.add_argument("--out", default=str(HERE / "out-bolt"))
    ap.add_argument("--push-only", action="store_true", help="push, print rows/s and stop (to profile the push)")
    ap.add_argument("--no-ceiling", action="store_true", help="skip the minimal-Cypher ceiling (a second server)")
    ap.add_argument("--no-import", action="store_true", help="skip the offline load (neo4j-admin import)")
    ap.add_argument("--import-only", action="store_true", help="time the offline load alone and stop")
    opts = ap.parse_args()
    out = Path(opts.out)
    shutil.rmtree(out, ignore_errors=True)
    county = generate(out / "rosters", households=opts.households, villages=opts.villages, townships=opts.townships)
    project = out / "bolt.db"
    with Store.create(project, load_rulebook()) as store:
        load_files(store, [str(p) for p in county.files])
    password = secrets.token_hex(12)
    credentials = {"ZEREN_BOLT_USER": "neo4j", "ZEREN_BOLT_PASSWORD": password}
    os.environ.update(credentials)
    run._CLI_ENV.update(credentials)  # the timed CLI runs get the environment run.py took at import
    if opts.import_only:
        with Store.open(project) as store:
            t = offline(store, out, password, opts.heap)
        _machine(opts.heap)
        _print_offline(t, f"the county ({opts.households:,} households)")
        return
    lo, hi = parse_period("2019Q2")
    plan = county.failed_plan
    with Store.open(project) as store, neo4j_server(out / "neo4j", password, heap=opts.heap, pagecache="1g") as uri:
        t = time.perf_counter()
        result = push(store, uri)
        t_push = time.perf_counter() - t
        rows = sum(result.verified.values())
        if opts.push_only:
            print(f"push: {rows:,} rows ({result.verified}) in {t_push:.1f} s = {rows / t_push:,.0f} rows/s")
            close_drivers()
            return
        # Cold: the first commands after a push plan their queries; then the server is warm.
        t = time.perf_counter()
        with BoltStore.connect(uri) as remote:
            assert trace(remote, "plan", plan).as_dict() == trace(store, "plan", plan).as_dict()
        t_cold_trace = time.perf_counter() - t
        t = time.perf_counter()
        with BoltStore.connect(uri) as remote:
            assert check(remote, lo, hi).as_dict() == check(store, lo, hi).as_dict()
        t_cold_check = time.perf_counter() - t

        def remote_check() -> None:
            with BoltStore.connect(uri) as remote:
                check(remote, lo, hi)

        def remote_trace() -> None:
            with BoltStore.connect(uri) as remote:
                trace(remote, "plan", plan)

        # A server in use is warm (its JIT has compiled the hot paths): measure it so.
        median_seconds(remote_check, opts.warmup)
        median_seconds(remote_trace, opts.warmup * 3)
        zeren = [sys.executable, "-m", "zeren.cli"]
        args = ["trace", "plan", plan, "--format", "json"]
        local = subprocess.run(zeren + ["--project", str(project), *args], check=True, capture_output=True).stdout
        remote = subprocess.run(zeren + ["--store", uri, *args], check=True, capture_output=True).stdout
        assert local == remote, "the CLI traces differ"
        # Interleaved, so that a change of the machine's load hits both sides alike.
        times: dict[str, list[float]] = {k: [] for k in ("check_local", "check_remote", "trace_local",
                                                         "trace_remote", "click", "neo4j")}
        for _ in range(opts.runs):
            times["check_local"].append(median_seconds(lambda: check(store, lo, hi), 1))
            times["check_remote"].append(median_seconds(remote_check, 1))
            times["trace_local"].append(cli_seconds(zeren + ["--project", str(project), *args], 1))
            times["trace_remote"].append(cli_seconds(zeren + ["--store", uri, *args], 1))
            times["click"].append(cli_seconds([sys.executable, "-c", "import click"], 1))
            times["neo4j"].append(cli_seconds([sys.executable, "-c", "import neo4j"], 1))
        check_local, check_remote, trace_local, trace_remote, t_click, t_neo4j = (
            statistics.median(times[k]) for k in times)
        t = time.perf_counter()
        again = push(store, uri, replace=True)
        t_again = time.perf_counter() - t
        assert sum(again.verified.values()) == rows
        close_drivers()
    if not opts.no_ceiling:
        with Store.open(project) as store, neo4j_server(out / "neo4j-ceiling", password, heap=opts.heap,
                                                        pagecache="1g") as uri:
            floor = [ceiling(store, uri, f"X{i}") for i in range(2)]
            close_drivers()
        assert all(n == rows for n, _ in floor), (floor, rows)
    if not opts.no_import:
        with Store.open(project) as store:
            t_offline = offline(store, out, password, opts.heap)
    _machine(opts.heap)
    print(f"County: {opts.households:,} households, {opts.villages} villages; pushed {result.verified['nodes']:,} "
          f"nodes, {result.verified['edges']:,} edges, {result.verified['findings']:,} findings\n")
    print("| measure | embedded | Neo4j | ratio | target |")
    print("|---|---:|---:|---:|---|")
    print(f"| push the county into a fresh server (indexes first, UNWIND batches, verified, switched) | — | {t_push:.1f} s = "
          f"{rows / t_push:,.0f} rows/s | — | ≥ 50,000 rows/s |")
    print(f"| the same push again into the warm server (replace: the previous copy deleted after the switch) | — | "
          f"{t_again:.1f} s = {rows / t_again:,.0f} rows/s | — | — |")
    if not opts.no_ceiling:
        print(f"| ceiling: the same rows by the least Cypher (`CREATE (n:X) SET n = r`, edges by internal ids; "
              f"rows ready in memory, nothing verified), fresh server / warm | — | "
              f"{rows / floor[0][1]:,.0f} / {rows / floor[1][1]:,.0f} rows/s | — | — |")
    print(f"| one CLI `zeren trace plan` (median of {opts.runs}) | {trace_local * 1000:.0f} ms | "
          f"{trace_remote * 1000:.0f} ms | {trace_remote / trace_local:.1f}× | ≤ 2× |")
    print(f"| check 2019Q2 (library call, median of {opts.runs}) | {check_local:.3f} s | {check_remote:.3f} s | "
          f"{check_remote / check_local:.1f}× | ≤ 3× |")
    print(f"| first trace / check after the push (plans compiled, JIT cold) | — | {t_cold_trace:.2f} s / {t_cold_check:.2f} s "
          "| — | — |")
    print(f"| `python -c \"import click\"` / `import neo4j` | {t_click * 1000:.0f} ms | {t_neo4j * 1000:.0f} ms | "
          "— | — |")
    if not opts.no_import:
        print()
        _print_offline(t_offline, "the county")


def offline(store: Store, out: Path, password: str, heap: str) -> dict[str, float]:
    """The offline first load, timed by step: CSV (``zeren push --neo4j-import``), Neo4j's
    importer into a stopped server's home (its JVM start included), the server's start, and
    the next push (indexes built on the imported graph, counts verified, switched)."""
    home = out / "neo4j-import"
    t = time.perf_counter()
    files = write_import(store, out / "import-csv")
    t_csv = time.perf_counter() - t
    t = time.perf_counter()
    neo4j_admin(home, files.args(), heap=heap)
    t_admin = time.perf_counter() - t
    t = time.perf_counter()
    with neo4j_server(home, password, heap=heap, pagecache="1g") as uri:
        t_start = time.perf_counter() - t
        t = time.perf_counter()
        result = push(store, uri)
        t_verify = time.perf_counter() - t
        assert result.mode == "imported" and result.verified == files.counts, (result, files.counts)
        close_drivers()
    return {"rows": sum(files.counts.values()), "csv": t_csv, "admin": t_admin, "start": t_start,
            "verify": t_verify}


def _print_offline(t: dict[str, float], what: str) -> None:
    rows = t["rows"]
    load = t["csv"] + t["admin"]
    total = load + t["start"] + t["verify"]
    print(f"Offline first load of {what} ({rows:,} rows): `zeren push --neo4j-import`, `neo4j-admin database "
          "import full` into a stopped server, start, `zeren push` (verify, switch)\n")
    print("| step | seconds | rows/s |")
    print("|---|---:|---:|")
    print(f"| CSV written by zeren | {t['csv']:.1f} | {rows / t['csv']:,.0f} |")
    print(f"| neo4j-admin database import full (JVM start included) | {t['admin']:.1f} | {rows / t['admin']:,.0f} |")
    print(f"| the load: CSV + import | {load:.1f} | {rows / load:,.0f} |")
    print(f"| server start | {t['start']:.1f} | — |")
    print(f"| `zeren push`: indexes on the imported graph, counts verified, switched | {t['verify']:.1f} | — |")
    print(f"| end to end, readable | {total:.1f} | {rows / total:,.0f} |")


def _machine(heap: str) -> None:
    load = os.getloadavg()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"Neo4j {VERSION} Community (JDK {_java()}, heap {heap}, page cache 1g) on the same machine; "
          f"load average {load[0]:.1f} at the end")


def ceiling(store: Store, uri: str, label: str, batch: int = 5000) -> tuple[int, float]:
    """Write the project's rows with the least Cypher that writes them, in batches of ``batch``
    rows, one session, nothing else (no indexes, no verification): (rows, seconds). Nodes,
    findings, duty records and person links are maps ``SET n = r`` under ``label``; edges go
    between the internal ids the node batches return, ``SET e = r.p``. The rows are built
    before the clock starts."""
    from zeren.graph.bolt import driver
    from zeren.graph.bolt_push import _duty_row, _edge_props, _finding_row, _link_row, _node_row

    export = store.export()
    nodes = [_node_row(n) for n in export.nodes]
    edges = [(e.src, e.dst, e.kind, _edge_props(e)) for e in export.edges]
    others = [*(_finding_row(f) for f in export.findings), *(_duty_row(d) for d in export.duty_records),
              *(_link_row(link) for link in export.person_links)]
    kinds = sorted({kind for _, _, kind, _ in edges})
    create = f"UNWIND $rows AS r CREATE (n:{label}) SET n = r"
    with driver(uri).session() as session:
        t = time.perf_counter()
        ids: dict[str, int] = {}
        for i in range(0, len(nodes), batch):
            chunk = nodes[i:i + batch]
            found = session.execute_write(lambda tx: [r[0] for r in tx.run(f"{create} RETURN id(n)", rows=chunk)])
            ids.update(zip((r["id"] for r in chunk), found))
        missing = sorted({end for a, b, _, _ in edges for end in (a, b) if end not in ids})
        for i in range(0, len(missing), batch):  # ends no node defines: nodes of their own, as a push makes
            chunk = [{"id": m} for m in missing[i:i + batch]]
            found = session.execute_write(lambda tx: [r[0] for r in tx.run(f"{create} RETURN id(n)", rows=chunk)])
            ids.update(zip(missing[i:i + batch], found))
        for kind in kinds:
            rows = [{"a": ids[a], "b": ids[b], "p": p} for a, b, k, p in edges if k == kind]
            query = (f"UNWIND $rows AS r MATCH (a) WHERE id(a) = r.a MATCH (b) WHERE id(b) = r.b "
                     f"CREATE (a)-[e:{kind}]->(b) SET e = r.p")
            for i in range(0, len(rows), batch):
                chunk = rows[i:i + batch]
                session.execute_write(lambda tx: tx.run(query, rows=chunk).consume())
        for i in range(0, len(others), batch):
            chunk = others[i:i + batch]
            session.execute_write(lambda tx: tx.run(create, rows=chunk).consume())
        seconds = time.perf_counter() - t
    return len(nodes) + len(edges) + len(others), seconds


def _java() -> str:
    try:
        text = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
        return text.split('"')[1]
    except (OSError, IndexError):
        return "?"


if __name__ == "__main__":
    main()
