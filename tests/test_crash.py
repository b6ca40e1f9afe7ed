"""A load killed at any moment leaves the project as it was and readable; loads at the same
time run one after the other; readers keep reading during a load; a writer waits for the lock
with a notice and gives up naming the cause (issues 9, 19, 20). Real processes, SIGKILL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from zeren.graph import stage
from zeren.graph.store import Store
from zeren.loaders.demo import generate
from zeren.loaders.rulebook import load_rulebook

pytestmark = pytest.mark.slow

READS = [["stats"], ["history"], ["check", "--period", "2019Q2"], ["gaps", "--at", "2019-06-01"],
         ["rulebook", "show"], ["render", "org", "-o", "org.dot"]]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "zeren.cli", *args]


def _run(project: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(_cli("--project", str(project), *args), capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=cwd)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """A demo county of 3,000 households, its empty project, and the time one load takes."""
    root = tmp_path_factory.mktemp("crash")
    demo = generate(root / "rosters", households=3000, villages=60)
    empty = root / "empty.db"
    Store.create(empty, load_rulebook()).close()
    full = root / "full.db"
    shutil.copy(empty, full)
    start = time.monotonic()
    run = _run(full, "load", *map(str, demo.files))
    took = time.monotonic() - start
    assert run.returncode == 0, run.stderr.decode()
    return {"files": [str(f) for f in demo.files], "empty": empty, "full": full, "took": took,
            "plan": demo.failed_plan, "root": root}


def _stats(project: Path) -> dict:
    run = _run(project, "stats", "--format", "json")
    assert run.returncode == 0, run.stderr.decode()
    return json.loads(run.stdout)


def _readable(project: Path, cwd: Path) -> None:
    for args in READS:
        run = _run(project, *args, cwd=cwd)
        err = run.stderr.decode()
        assert run.returncode == 0, (args, err)
        assert "Traceback" not in err and "not a zeren project" not in err


@pytest.mark.parametrize("worker", ["0", "1"], ids=["one process", "writer process"])
@pytest.mark.parametrize("share", [0.15, 0.4, 0.65, 0.85, 0.97])
def test_a_killed_load_leaves_the_project_unchanged_and_readable(share, worker, county, tmp_path):
    project = tmp_path / "p.db"
    shutil.copy(county["empty"], project)
    before = project.read_bytes()
    proc = subprocess.Popen(_cli("--project", str(project), "load", *county["files"]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "ZEREN_LOAD_WORKER": worker})
    time.sleep(county["took"] * share)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for _ in range(100):  # the writer process, left alone, removes its scratch file and goes
        if not [p for p in tmp_path.iterdir() if ".stage-" in p.name]:
            break
        time.sleep(0.1)
    else:  # killed between the child's end and bringing the rows in: the next load removes it
        stage._remove_stale(project)
    assert [p.name for p in tmp_path.iterdir() if ".stage-" in p.name] == []
    with sqlite3.connect(f"file:{project}?mode=ro", uri=True) as probe:  # what a reader sees now
        batches = probe.execute("SELECT count(*) FROM batch").fetchone()[0]
    if batches == 0:  # killed before its commit: nothing of it may have reached the file
        assert project.read_bytes() == before
        assert _stats(project) == _stats(county["empty"])
    else:  # it had committed: all of it is there
        assert _stats(project) == _stats(county["full"])
    _readable(project, tmp_path)
    if batches:
        assert _run(project, "trace", "plan", county["plan"]).returncode == 0


def test_a_killed_writer_in_rollback_journal_mode_is_recovered_by_a_reader(county, tmp_path):
    """Issue 19.1: a hot journal made every read say "not a zeren project file"."""
    project = tmp_path / "p.db"
    shutil.copy(county["full"], project)
    with sqlite3.connect(project) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    before = _stats(project)
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({str(project)!r}, isolation_level=None)\n"
        "c.execute('PRAGMA cache_size=5')\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute('DELETE FROM finding')\n"
        "for i in range(20000): c.execute('INSERT INTO batch(loaded_at, files) VALUES (?, ?)', ('x', 'y' * 200))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE)
    assert writer.stdout.readline().strip() == b"ready"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert Path(f"{project}-journal").exists()  # a hot journal, as a killed load leaves it
    _readable(project, tmp_path)
    assert _stats(project) == before


def test_two_identical_loads_at_once_write_once(county, tmp_path):
    project = tmp_path / "p.db"
    shutil.copy(county["empty"], project)
    procs = [subprocess.Popen(_cli("--project", str(project), "load", *county["files"]),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err.decode()
        assert "Traceback" not in err.decode()
    texts = sorted(out.decode() for out, _ in outs)
    assert sum("已写入，批次 #1" in t for t in texts) == 1 and sum("无变化" in t for t in texts) == 1
    history = json.loads(_run(project, "history", "--format", "json").stdout)
    assert [b["id"] for b in history["batches"]] == [1]
    assert _stats(project) == _stats(county["full"])
    with Store.open(project) as store:  # no edge written twice
        dupes = store.conn.execute("SELECT count(*) FROM (SELECT kind, src, dst, role, valid_from, count(*) c "
                                   "FROM edge GROUP BY 1, 2, 3, 4, 5 HAVING c > 1)").fetchone()[0]
        assert dupes == 0


def test_readers_keep_reading_during_a_load(county, tmp_path):
    project = tmp_path / "p.db"
    shutil.copy(county["empty"], project)
    empty, full = _stats(county["empty"]), _stats(county["full"])
    proc = subprocess.Popen(_cli("--project", str(project), "load", *county["files"]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    during = 0
    while proc.poll() is None:
        running = proc.poll() is None
        seen = _stats(project)
        assert seen in (empty, full)  # never half a load
        during += running
    assert proc.returncode == 0
    assert during >= 1
    assert _stats(project) == full


def _hold_lock(project: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, time\n"
        f"c = sqlite3.connect({str(project)!r}, isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        f"time.sleep({seconds})\n"
        "c.execute('ROLLBACK')\n")], stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"locked"
    return holder


def test_a_writer_waits_for_the_lock_with_a_notice(county, tmp_path):
    project = tmp_path / "p.db"
    shutil.copy(county["empty"], project)
    holder = _hold_lock(project, 3)
    run = _run(project, "load", *county["files"], env={"ZEREN_LOCK_TIMEOUT": "60"})
    holder.wait()
    err = run.stderr.decode()
    assert run.returncode == 0, err
    assert "项目文件正被另一个导入占用，等待中" in err and err.count("等待中") == 1


def test_a_writer_gives_up_naming_the_cause_and_readers_still_read(county, tmp_path):
    project = tmp_path / "p.db"
    shutil.copy(county["full"], project)
    holder = _hold_lock(project, 8)
    try:
        run = _run(project, "load", *county["files"], env={"ZEREN_LOCK_TIMEOUT": "2"})
        err = run.stderr.decode()
        assert run.returncode == 1, err
        assert "Traceback" not in err and "OperationalError" not in err
        assert "被另一个进程" in err and "ZEREN_LOCK_TIMEOUT" in err
        assert _stats(project) == _stats(county["full"])  # while the lock is still held
    finally:
        holder.kill()
        holder.wait()
