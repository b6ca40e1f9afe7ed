"""The load's writer process (zeren.graph.stage): the same project as a load without it; a
scratch file that never outlives the load; a child that stops fails the load with one line and
changes nothing; a child that cannot start is not used."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from test_load_paths import _project, _tables
from zeren.cli.main import cli
from zeren.graph import stage
from zeren.graph.errors import StoreError
from zeren.graph.stage import Stager
from zeren.graph.store import Store
from zeren.loaders.demo import generate
from zeren.loaders.rosters import load_files


@pytest.fixture
def staged(monkeypatch):
    """Every load through the writer process, whatever its size or this machine's cores; a count
    of the tables it brought in."""
    monkeypatch.setattr(stage, "STAGE_FROM", 0)
    monkeypatch.setattr(stage, "READY_WAIT", 30.0)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.delenv("ZEREN_LOAD_WORKER", raising=False)
    copied = []
    copy = Stager.copy

    def counted(self, conn, tid, into, columns=None):
        copied.append(into)
        return copy(self, conn, tid, into, columns)

    monkeypatch.setattr(Stager, "copy", counted)
    return copied


def _scratch(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if ".stage-" in p.name]


def _load_county(path: Path, rulebook, county) -> None:
    with _project(path, rulebook) as store:
        load_files(store, [str(f) for f in county.files])
        for f in county.later_files:  # each a township's whole rotation roster: compared, closed
            load_files(store, [str(f)], mode="snapshot")
        load_files(store, [str(county.later_files[0])], mode="add", dry_run=True)


def test_a_load_through_the_writer_process_stores_what_one_without_it_stores(tmp_path, rulebook, monkeypatch,
                                                                              staged):
    county = generate(tmp_path / "rosters", households=1500, villages=60)
    _load_county(tmp_path / "staged.db", rulebook, county)
    assert len(staged) > 10 and any('"f_pairings_1"' in h for h in staged)  # the big tables went through it
    assert _scratch(tmp_path) == []
    monkeypatch.setenv("ZEREN_LOAD_WORKER", "0")
    n = len(staged)
    _load_county(tmp_path / "direct.db", rulebook, county)
    assert len(staged) == n  # not used
    with_child, without = _tables(tmp_path / "staged.db"), _tables(tmp_path / "direct.db")
    batch = sqlite3.connect(tmp_path / "staged.db").execute("SELECT count(*) FROM batch").fetchone()[0]
    assert batch == 1 + len(county.later_files)
    assert with_child.keys() == without.keys()
    for name in with_child:  # ids, days, masked numbers, keyed hashes: all the same
        assert with_child[name] == without[name], name


def test_a_writer_process_that_stops_fails_the_load_with_one_line_and_changes_nothing(tmp_path, rulebook, runner,
                                                                                      monkeypatch, staged):
    county = generate(tmp_path / "rosters", households=300, villages=20)
    path = tmp_path / "p.db"
    with _project(path, rulebook) as store:
        load_files(store, [str(f) for f in county.files[:2]])
    before = _tables(path)
    add = Stager.add

    def killed(self, tid, rows):
        self.proc.kill()  # as the OOM killer would
        self.proc.wait()
        return add(self, tid, rows)

    monkeypatch.setattr(Stager, "add", killed)
    with Store.open(path, readonly=False) as store, pytest.raises(StoreError) as err:
        load_files(store, [str(f) for f in county.files])
    assert "写入进程意外停止" in str(err.value) and str(path) in str(err.value) and "项目未改动" in str(err.value)
    assert _tables(path) == before
    assert _scratch(tmp_path) == []
    result = runner.invoke(cli, ["--project", str(path), "load", *map(str, county.files)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if "写入进程意外停止" in line]
    assert len(lines) == 1 and "ZEREN_LOAD_WORKER=0" in lines[0]
    assert _tables(path) == before and _scratch(tmp_path) == []


def test_a_writer_process_that_cannot_start_is_not_used(tmp_path, rulebook, monkeypatch, staged):
    monkeypatch.setattr(stage, "_CHILD", "import sys; sys.exit(3)")
    county = generate(tmp_path / "rosters", households=300, villages=20)
    with _project(tmp_path / "p.db", rulebook) as store:
        result = load_files(store, [str(f) for f in county.files])
    assert staged == [] and result.diff["结对帮扶"].added == 300
    assert _scratch(tmp_path) == []


def test_the_child_removes_its_scratch_file_when_the_loader_goes_before_the_end(tmp_path, monkeypatch):
    monkeypatch.setattr(stage, "READY_WAIT", 30.0)
    stager = Stager(tmp_path / "p.db", "k")
    try:
        assert stager.table(_definitions() + ['"b"'], ["a", "b"], ["?", "?"], 0, {}) == 1
        stager.add(1, [("甲", 1), (None, 2)])
        assert stager.path.exists() and oct(stager.path.stat().st_mode & 0o777) == "0o600"
        stager.proc.stdin.close()  # the loader died: no end message
        assert stager.proc.wait(timeout=30) == 1
        assert not stager.path.exists()
        assert b"closed before the end" in stager.proc.stderr.read()
    finally:
        stager.close()


@pytest.mark.parametrize("into", ["an empty project table", "a staging table"])
def test_rows_come_back_in_the_order_sent_with_their_types(tmp_path, monkeypatch, into):
    monkeypatch.setattr(stage, "READY_WAIT", 30.0)
    conn = sqlite3.connect(tmp_path / "p.db", isolation_level=None)
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b, n INTEGER, k TEXT NOT NULL, d INTEGER DEFAULT 1)")
    conn.execute("CREATE TEMP TABLE s(id INTEGER PRIMARY KEY, a, b, n, k, d)")
    stager = Stager(tmp_path / "p.db", "k")
    try:
        from zeren.graph.facts import _columns_sql

        tid = stager.table(_columns_sql(conn, "t"), ["a", "b", "n", "k"], ["?", "?", "?", "'常量'"], 0, {})
        rows = [(f"名{i}", None if i % 3 else b"\x00raw", i) for i in range(2500)] + [("last", True, 0.5)]
        for i in range(0, len(rows), 700):
            stager.add(tid, rows[i:i + 700])
        conn.execute("BEGIN")
        if into == "an empty project table":
            stager.copy(conn, tid, "t")
        else:
            stager.copy(conn, tid, "temp.s", '"a", "b", "n", "k", "d"')
        conn.execute("COMMIT")
    finally:
        stager.close()
    got = conn.execute(f"SELECT id, a, b, n, k, d FROM {'t' if into == 'an empty project table' else 's'} "
                       "ORDER BY id").fetchall()
    assert [g[0] for g in got] == list(range(1, len(rows) + 1))
    assert [g[1:4] for g in got] == [(a, b if b is not True else 1, n) for a, b, n in rows]
    assert {g[4:] for g in got} == {("常量", 1)}
    assert not stager.path.exists()


@pytest.mark.parametrize("env, rows, cores, expected", [
    ("", 50_000, 2, True),
    ("1", 50_000, 4, True),
    ("1", 50, 2, True),  # whatever the size
    ("0", 50_000, 2, False),  # turned off
    ("", 5_000, 2, False),  # too small to share
    ("", 50_000, 1, False),  # one core: nothing to share it with
])
def test_when_the_writer_process_is_used(monkeypatch, env, rows, cores, expected):
    monkeypatch.setenv("ZEREN_LOAD_WORKER", env)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert stage.wanted([rows // 2, rows - rows // 2]) is expected


def _raw_numbers(path: Path) -> list[str]:
    """Every unmasked 身份证号 anywhere in a project file's tables."""
    import re

    number = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
    conn = sqlite3.connect(path)
    found = []
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in conn.execute(f'SELECT * FROM "{name}"'):
            found += [m for v in row if isinstance(v, str) for m in number.findall(v)]
    return found


@pytest.mark.parametrize("writer", ["the writer process", "the loader itself"])
def test_numbers_a_program_left_unmasked_are_masked_and_hashed_by_whoever_writes_them(tmp_path, rulebook, monkeypatch,
                                                                                      staged, writer):
    """With a writer process, row programs stage a plain 身份证号 as it is (graph.keyed); the
    writer masks and hashes it — or the loader, for a table it writes itself (one begun before
    the child was ready). Either way: what a load without a writer process stores, and no
    number unmasked anywhere."""
    from zeren.graph import facts, keyed

    if writer == "the loader itself":
        monkeypatch.setattr(Stager, "table", lambda self, *table: 0)  # ready, but writes nothing
    left = []  # the rows staged with their number left to the writer
    add = facts.FactLoad.add

    def spied(self, rows):
        left.extend(r for r in rows if any(type(v) is str and v.startswith(keyed.DEFERRED) for v in r))
        return add(self, rows)

    monkeypatch.setattr(facts.FactLoad, "add", spied)
    county = generate(tmp_path / "rosters", households=800, villages=40)
    with _project(tmp_path / "a.db", rulebook) as store:
        load_files(store, [str(f) for f in county.files])
    assert len(left) == 800  # every household head's number
    monkeypatch.setenv("ZEREN_LOAD_WORKER", "0")
    with _project(tmp_path / "b.db", rulebook) as store:
        load_files(store, [str(f) for f in county.files])
    assert len(left) == 800  # none without a writer process
    assert bool(staged) is (writer == "the writer process")
    a, b = _tables(tmp_path / "a.db"), _tables(tmp_path / "b.db")
    assert a == b
    assert _raw_numbers(tmp_path / "a.db") == []
    hashed = [r for r in a["f_pairings_1"] if r[11] and "id_number_hash" in r[11]]
    assert len(hashed) == 800 and all("********" in r[10] for r in hashed)


def test_finish_rows_masks_and_hashes_only_the_rows_marked():
    from zeren.graph import keyed
    from zeren.graph.privacy import keyed_hash

    columns = ["scope", "key", "p_head", "p_id_number", "extras", "row"]
    marks = keyed.markers(columns, {"id_number"})
    assert marks == {keyed.deferred("id_number"): (3, '{"id_number_hash": "')}
    number = "11010519491231002X"
    rows = [
        ("s", "k1", "甲", number, keyed.deferred("id_number"), 2),  # left to the writer
        ("s", "k2", "乙", "110105********002X", '{"id_number_hash": "ab"}', 3),  # finished by the generic reader
        ("s", "k3", "丙", None, None, 4),  # no number
    ]
    out = keyed.finish_rows(rows, 4, marks, keyed.KeyedHash("秘密"))
    assert out[0] == ("s", "k1", "甲", "110105********002X",
                      '{"id_number_hash": "' + keyed_hash("秘密", number) + '"}', 2)
    assert out[1:] == rows[1:]
    assert keyed.KeyedHash("k" * 100)(number) == keyed_hash("k" * 100, number)  # a key longer than a block


def test_scratch_files_of_killed_loads_are_removed_and_a_live_ones_kept(tmp_path, monkeypatch):
    import subprocess
    import sys

    monkeypatch.setattr(stage, "READY_WAIT", 30.0)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid, host = gone.stdout.strip(), stage._HOST
    dead = tmp_path / f".p.db.stage-{pid}-0a1b2c3d-{host}"  # its loader and child were killed
    live = tmp_path / f".p.db.stage-{os.getpid()}-feedbeef-{host}"  # another load of this process, running
    elsewhere = tmp_path / f".p.db.stage-{pid}-0a1b2c3e-{'0' * 8 if host != '0' * 8 else '1' * 8}"  # another machine's
    other = tmp_path / ".q.db.stage-1-00000000-00000000"  # another project's
    for f in (dead, live, elsewhere, other):
        f.write_bytes(b"")
    stager = Stager(tmp_path / "p.db", "k")
    try:
        assert not dead.exists() and live.exists() and elsewhere.exists() and other.exists()
        assert stager.path.name.startswith(f".p.db.stage-{os.getpid()}-") and stager.path != live
    finally:
        stager.close()
    assert sorted(_scratch(tmp_path)) == sorted([live.name, elsewhere.name, other.name])


def _definitions() -> list[str]:
    return ['"id" INTEGER PRIMARY KEY', '"a"']


def test_a_process_holding_many_descriptors_still_uses_the_writer_process(tmp_path, monkeypatch):
    """A server process may hold more than 1,024 descriptors (select() refuses those)."""
    monkeypatch.setattr(stage, "READY_WAIT", 30.0)
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        stager = Stager(tmp_path / "p.db", "k")
        try:
            assert stager.proc.stdout.fileno() >= 1024
            assert stager.table(_definitions(), ["a"], ["?"], 0, {}) == 1
        finally:
            stager.close()
    finally:
        for fd in held:
            os.close(fd)


def test_a_scratch_file_removed_or_replaced_during_the_load_is_never_brought_in(tmp_path, monkeypatch):
    monkeypatch.setattr(stage, "READY_WAIT", 30.0)
    conn = sqlite3.connect(tmp_path / "p.db", isolation_level=None)
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a)")
    for replaced in (False, True):
        stager = Stager(tmp_path / "p.db", "k")
        try:
            tid = stager.table(_definitions(), ["a"], ["?"], 0, {})
            stager.add(tid, [("x",)])
            os.unlink(stager.path)  # e.g. taken for a dead load's by a machine sharing the directory
            if replaced:
                stager.path.write_bytes(b"")
            conn.execute("BEGIN")
            with pytest.raises(StoreError) as err:
                stager.copy(conn, tid, "t")
            assert "暂存文件已被删除或替换" in str(err.value) and "项目未改动" in str(err.value)
            conn.execute("ROLLBACK")
            assert stager.path.exists() is replaced  # no file made by ATTACH
        finally:
            stager.close()
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0 and _scratch(tmp_path) == []


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_the_child_stopped_by_a_signal_removes_its_scratch_file(tmp_path, monkeypatch, signal_name):
    """A service stopped (SIGTERM to every process) or a terminal closed (SIGHUP)."""
    import signal

    monkeypatch.setattr(stage, "READY_WAIT", 30.0)
    stager = Stager(tmp_path / "p.db", "k")
    try:
        assert stager.table(_definitions(), ["a"], ["?"], 0, {}) == 1
        stager.proc.send_signal(getattr(signal, signal_name))
        assert stager.proc.wait(timeout=30) == 1
        assert not stager.path.exists()
    finally:
        stager.close()
