"""One trace on the embedded store against the same trace on a Bolt server (FalkorDB).

Run inside a loopback-only network namespace (`make bench-bolt` does):

    unshare -n sh -c 'ip link set lo up && .venv/bin/python bench/bolt.py'

A small county is enough: a trace touches the same few dozen rows whatever the county's
size, and pushing a large one through FalkorDB's ~3 KB messages takes minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tools"))
sys.path.insert(0, str(HERE))

from falkordb_server import falkordb, isolated  # noqa: E402
from run import median_seconds  # noqa: E402
from zeren.graph.bolt import BoltStore, close_drivers, push  # noqa: E402
from zeren.graph.store import Store  # noqa: E402
from zeren.loaders.demo import generate  # noqa: E402
from zeren.loaders.rosters import load_files  # noqa: E402
from zeren.loaders.rulebook import load_rulebook  # noqa: E402
from zeren.queries.trace import trace  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=1500)
    ap.add_argument("--villages", type=int, default=40)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=str(HERE / "out-bolt"))
    opts = ap.parse_args()
    if not isolated():
        sys.exit("run inside a loopback-only network namespace: unshare -n sh -c 'ip link set lo up && …'")
    out = Path(opts.out)
    county = generate(out / "rosters", households=opts.households, villages=opts.villages)
    project = out / "bolt.db"
    project.unlink(missing_ok=True)
    with Store.create(project, load_rulebook()) as store:
        load_files(store, [str(p) for p in county.files])
    with Store.open(project) as store, falkordb(out / "falkordb") as uri:
        t = time.perf_counter()
        written = push(store, uri, max_bytes=3000)
        t_push = time.perf_counter() - t
        remote = BoltStore.connect(uri)
        plan = county.failed_plan
        local_s = median_seconds(lambda: trace(store, "plan", plan), opts.runs)
        remote_s = median_seconds(lambda: trace(remote, "plan", plan), opts.runs)
        assert trace(remote, "plan", plan).as_dict() == trace(store, "plan", plan).as_dict()
        close_drivers()
    print(f"County: {opts.households:,} households, {opts.villages} villages; pushed {written['nodes']:,} nodes "
          f"and {written['edges']:,} edges in {t_push:.0f} s\n")
    print("| one `trace plan` (library call, median) | time | ratio |")
    print("|---|---:|---:|")
    print(f"| embedded SQLite project | {local_s * 1000:.1f} ms | 1× |")
    print(f"| FalkorDB over Bolt | {remote_s * 1000:.0f} ms | {remote_s / local_s:.0f}× slower |")


if __name__ == "__main__":
    main()
