"""The embedded store: creation, transactions that leave the file as it was, reads at a date."""

from __future__ import annotations

import pytest
from zeren.graph.errors import StoreError
from rosters import TOWNSHIPS, write_csv
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files


def test_create_seeds_the_rulebook(project):
    with Store.open(project) as store:
        counts = store.counts()
        assert counts["unit"] == 18 and counts["clause"] == 26
        assert store.rulebook.name == "tongwei-2018"
        assert store.node("county:通渭县").name == "通渭县"


def test_create_refuses_to_overwrite(project, rulebook):
    with pytest.raises(StoreError, match="已存在"):
        Store.create(project, rulebook)


def test_failed_write_leaves_file_byte_for_byte(project):
    before = project.read_bytes()
    store = Store.open(project, readonly=False)
    with pytest.raises(RuntimeError):
        with store.transaction() as w:
            w.conn.execute("INSERT INTO person(id, name, org) VALUES ('person:通渭县/张三', '张三', 'county:通渭县')")
            w.conn.execute("INSERT INTO f_townships_1(scope, key, sig, name, s_township) "
                           "VALUES ('township:甲镇', 'township:甲镇', '', '甲镇', 'township:甲镇')")
            raise RuntimeError("boom")
    store.close()
    assert project.read_bytes() == before
    with Store.open(project) as store:
        assert store.node("township:甲镇") is None


def test_edges_at_a_date(project, tmp_path):
    header, _ = TOWNSHIPS
    rows = [["甲镇", "张三", "", "", "2018-01-01", "2019-02-28"], ["甲镇", "李四", "", "", "2019-03-01", ""]]
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "t.csv", header, rows))])
        holders = lambda d: [e.src for e in store.edges(dst="post:township:甲镇/党委书记", at=d)]  # noqa: E731
        assert holders("2019-02-28") == ["person:甲镇/张三"]
        assert holders("2019-03-01") == ["person:甲镇/李四"]
        assert holders("2017-12-31") == []


def test_read_only_store_refuses_writes(project):
    with Store.open(project) as store, pytest.raises(StoreError, match="read-only"):
        with store.transaction():
            pass


def test_open_missing_or_foreign_file(tmp_path):
    with pytest.raises(StoreError, match="zeren init"):
        Store.open(tmp_path / "none.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a zeren project"):
        Store.open(junk)


def test_bolt_query_failures_become_one_clear_error():
    from neo4j.exceptions import ServiceUnavailable

    from zeren.graph.bolt import run

    class Session:
        def run(self, query, params):
            raise ServiceUnavailable("connection lost\nmore detail")

    with pytest.raises(StoreError, match=r"bolt://h:7687: the Bolt server failed a query \(ServiceUnavailable: "
                                         r"connection lost\); retry"):
        run(Session(), "RETURN 1", "bolt://h:7687")
