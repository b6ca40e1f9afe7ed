"""The write path of a load (issue 16): rows go in many to a statement, the project unchanged
when a write fails; rows are compared on what they state (the ``sig`` column is no longer
written, and rows stored with one are still matched); only the columns the graph views look
rows up by are indexed; a load leaves no reference cycles (the cycle collector is paused while
it runs).
"""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import pytest
from test_load_paths import _project
from zeren.graph import bulk, facts
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


def test_rows_go_in_many_to_a_statement_as_given(project):
    """Empty cells, yes/no, numbers and text come back as bound one row at a time would store
    them, in order, and a few statements carry a whole batch."""
    conn = sqlite3.connect(project, isolation_level=None)
    conn.execute("CREATE TABLE t(a, b, c, d)")
    rows = [(i, None if i % 3 else f"文{i}", i % 2 == 0) for i in range(1234)]
    statements = []
    conn.set_trace_callback(statements.append)
    bulk.insert_rows(conn, "INSERT INTO t(a, b, c, d)", "(?, ?, ?, 'k')", rows)
    conn.set_trace_callback(None)
    assert conn.execute("SELECT a, b, c, d FROM t ORDER BY rowid").fetchall() == [(a, b, int(c), "k") for a, b, c in rows]
    assert len(statements) == 1234 // bulk.ROWS_PER_STATEMENT + 1234 % bulk.ROWS_PER_STATEMENT
    assert conn.execute("SELECT typeof(b), count(*) FROM t GROUP BY 1 ORDER BY 1").fetchall() == \
        [("null", 822), ("text", 412)]


def test_a_load_that_fills_the_disk_leaves_the_project_as_it_was(tmp_path, rulebook, county):
    path = tmp_path / "p.db"
    Store.create(path, rulebook).close()
    before = path.read_bytes()
    with Store.open(path, readonly=False) as store:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 20}")  # full a few batches in
        with pytest.raises(StoreError, match="磁盘已满"):
            load_files(store, [str(f) for f in county.files])
    with sqlite3.connect(path) as conn:
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
    finish = rosters._Loader.finish

    def watched(self, *args, **kwargs):
        during.append(gc.isenabled())
        return finish(self, *args, **kwargs)

    monkeypatch.setattr(rosters._Loader, "finish", watched)
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
