"""The write path of a load (issue 16): its bulk writes run in a writer thread
(zeren.graph.pipeline) and change nothing by it; an error met there is the load's error, and
the project is left as it was; rows are compared on what they state (the ``sig`` column is no
longer written, and rows stored with one are still matched); every column the graph views look
rows up by is indexed, and no other slot is.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from pathlib import Path

import pytest
from test_load_paths import _project, _same, _tables
from zeren.graph import facts, pipeline, projectfile
from zeren.graph.errors import StoreError
from zeren.graph.store import Store
from zeren.loaders.demo import generate
from zeren.loaders import rosters
from zeren.loaders.rosters import load_files


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("write") / "rosters", households=1200, villages=40)


def _load_all(store: Store, county) -> None:
    load_files(store, [str(f) for f in county.files])
    for f in county.later_files:
        load_files(store, [str(f)], mode="snapshot")


def test_a_load_writing_in_a_thread_equals_one_writing_in_turn(tmp_path, rulebook, monkeypatch, county):
    out = []
    for pipelined in (True, False):
        monkeypatch.setattr(Store, "pipelined", pipelined)
        path = tmp_path / f"{pipelined}.db"
        with _project(path, rulebook) as store:
            _load_all(store, county)
        out.append(_tables(path))
    _same(*out)
    assert len(out[0]["f_pairings_1"]) == 1200


def _conn(project: Path) -> projectfile.ProjectConnection:
    conn = projectfile.connect(project, write=True)
    conn.execute("CREATE TABLE t(n INTEGER)")
    return conn


def test_jobs_run_in_order_before_the_next_statement(project):
    conn = _conn(project)
    conn.execute("BEGIN IMMEDIATE")
    conn.start_pipeline()
    for i in range(0, 3000, 500):
        pipeline.submit(conn, pipeline.insert_rows("INSERT INTO t(n)", "(?)", [(n,) for n in range(i, i + 500)]))
    assert [n for (n,) in conn.execute("SELECT n FROM t ORDER BY rowid")] == list(range(3000))
    conn.end_pipeline()
    conn.execute("COMMIT")
    conn.close()


def test_an_error_in_the_writer_thread_is_the_next_statement_s_error_once(project):
    conn = _conn(project)
    conn.execute("BEGIN IMMEDIATE")
    conn.start_pipeline()
    ran = []

    def full(c):
        raise sqlite3.OperationalError("database or disk is full")

    pipeline.submit(conn, full)
    pipeline.submit(conn, lambda c: ran.append(1))  # not run: the load has failed
    with pytest.raises(StoreError, match="磁盘已满"):
        conn.execute("SELECT 1")
    assert conn.execute("SELECT 1").fetchone() == (1,)  # raised once
    assert ran == []
    conn.end_pipeline()
    conn.execute("ROLLBACK")
    conn.close()


def test_a_discarded_pipeline_runs_no_more_jobs_and_raises_nothing(project):
    conn = _conn(project)
    p = pipeline.Pipeline(conn)
    ran = []
    gate = threading.Event()
    p.submit(lambda c: gate.wait(5))  # the job under way
    for i in range(3):
        p.submit(lambda c, i=i: ran.append(i))
    threading.Timer(0.2, gate.set).start()
    p.close(discard=True)
    assert ran == []
    conn.close()


def test_a_load_whose_writes_fail_leaves_the_project_as_it_was(tmp_path, rulebook, monkeypatch, county):
    path = tmp_path / "p.db"
    Store.create(path, rulebook).close()
    before = path.read_bytes()
    writes = pipeline.insert_rows
    calls = []

    def failing(head, values, rows):
        calls.append(head)
        if len(calls) == 4:  # a few batches in: the disk fills up
            def job(c):
                raise sqlite3.OperationalError("database or disk is full")
            return job
        return writes(head, values, rows)

    monkeypatch.setattr(pipeline, "insert_rows", failing)
    with Store.open(path, readonly=False) as store:
        with pytest.raises(StoreError, match="磁盘已满"):
            load_files(store, [str(f) for f in county.files])
    assert len(calls) >= 4
    with sqlite3.connect(path) as conn:  # (recovers nothing: nothing was committed)
        assert conn.execute("SELECT count(*) FROM batch").fetchone() == (0,)
    assert path.read_bytes() == before


def test_rows_stored_with_a_signature_are_matched_on_what_they_state(tmp_path, rulebook, county):
    """Project files written before kept each row's stated values joined in ``sig``; a load now
    compares the columns, so those rows still match, and a changed value is still a change."""
    path = tmp_path / "p.db"
    with _project(path, rulebook) as store:
        load_files(store, [str(f) for f in county.files])
    with sqlite3.connect(path) as conn:
        for t in facts.fact_tables(rulebook.pack):
            stated = " || char(31) || ".join(f"coalesce(\"{c}\", 'None')" for c in t.stated)
            conn.execute(f'UPDATE "{t.name}" SET sig = {stated}')
        assert conn.execute("SELECT count(*) FROM f_pairings_1 WHERE sig = ''").fetchone() == (0,)
    with Store.open(path, readonly=False) as store:
        again = load_files(store, [str(f) for f in county.files])
        assert not again.changed
        pairings = next(f for f in county.files if f.name.startswith("结对帮扶"))
        lines = pairings.read_text(encoding="utf-8-sig").splitlines()
        head, first = lines[0].split(","), lines[1].split(",")
        first[head.index("户主姓名")] = "新户主"
        changed = tmp_path / "结对帮扶.csv"
        changed.write_text("\n".join([lines[0], ",".join(first)]) + "\n", encoding="utf-8-sig")
        result = load_files(store, [str(changed)], mode="add")
    assert result.diff["结对帮扶"].added == 1 and result.diff["结对帮扶"].unchanged == 0


def _plans(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as conn:
        return {sql: sorted(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, ("x",)) if " f" in r[3])
                for sql in ("SELECT * FROM edge WHERE src = ?", "SELECT * FROM edge WHERE dst = ?",
                            "SELECT * FROM node WHERE id = ?")}


def test_only_the_slots_the_views_look_rows_up_by_are_indexed(tmp_path, rulebook, monkeypatch):
    """A slot no view reads as a node or an edge's end has no index, and no lookup of a node
    or an edge scans a table for it: the plans are those of a project indexing every slot."""
    pruned = tmp_path / "pruned.db"
    Store.create(pruned, rulebook).close()
    monkeypatch.setattr(facts, "_ends", lambda t: set(t.slots))
    every = tmp_path / "every.db"
    Store.create(every, rulebook).close()
    assert _plans(pruned) == _plans(every)
    assert any("SEARCH f USING INDEX f_pairings_1_s_village" in p for p in _plans(pruned)["SELECT * FROM edge WHERE dst = ?"])
    with sqlite3.connect(pruned) as conn:
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    # a household row's township is its scope: no view looks a row up by it
    assert "f_pairings_1_s_township" not in names and "f_pairings_1_s_village" in names


def test_a_load_pauses_the_cycle_collector_and_makes_no_cycles(tmp_path, rulebook, monkeypatch, county):
    """The collector is paused while a load runs (its passes over a heap that grows with every
    row cost a sixth of the load), and resumed after. That is safe while a load leaves nothing in
    a reference cycle — a row program and its namespace once held each other, and with them the
    loader and everything it had read, until the collector came round."""
    during = []
    prepare = rosters._Loader.prepare

    def watched(self, tables):
        during.append(gc.isenabled())
        return prepare(self, tables)

    monkeypatch.setattr(rosters._Loader, "prepare", watched)
    for paused in (False, True):
        path = tmp_path / f"{paused}.db"
        Store.create(path, rulebook).close()
        gc.collect()
        if paused:  # as the load leaves it, with no collection since: what would wait for one
            gc.disable()
        try:
            with Store.open(path, readonly=False) as store:
                _load_all(store, county)
            if paused:
                assert gc.collect() == 0
        finally:
            gc.enable()
    assert during and not any(during)
    assert gc.isenabled()
