"""The networkx view and the gaps it finds."""

from __future__ import annotations

import json

import pytest
from rosters import BASE, write_base, write_csv
from zeren.cli.main import cli
from zeren.graph.netx import to_networkx
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files
from zeren.queries.gaps import gaps


@pytest.fixture
def county(project, tmp_path):
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in write_base(tmp_path)])
    return project


def test_networkx_view_at_a_date(county):
    import networkx as nx

    with Store.open(county) as store:
        g = to_networkx(store, "2019-01-01")
    assert g.nodes["village:甲镇/东村"]["kind"] == "village" and g.nodes["village:甲镇/东村"]["poor"] is True
    # every household reaches the county through located-in edges
    located = nx.DiGraph((u, v) for u, v, d in g.edges(data=True) if d["kind"] == "LOCATED_IN")
    for hh in ("household:H001", "household:H004"):
        assert nx.has_path(located, hh, "county:通渭县")
    holds = [(u, d["row"]) for u, v, d in g.in_edges("post:team:甲镇/东村/队长", data=True) if d["kind"] == "HOLDS"]
    assert holds == [("person:县财政局/韩队长", 2)]
    with Store.open(county) as store:
        before = to_networkx(store, "2017-01-01")
    assert not any(d["kind"] == "HOLDS" for _, _, d in before.edges(data=True))


def test_only_the_missing_county_post_in_the_base_county(county):
    with Store.open(county) as store:
        found = [(g.kind, g.object) for g in gaps(store, "2019-01-01")]
    assert found == [("职务空缺", "通渭县 挂职县委副书记")]  # the base roster names no 挂职县委副书记


def test_gaps_found(county, tmp_path, runner):
    header, rows = BASE["工作队"]
    later = [r for r in rows if not (r[1] == "东村" and r[3] == "队长")]  # the captain leaves, nobody follows
    header_v, villages = BASE["村"]
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "t.csv", header, later)), str(write_csv(
            tmp_path / "v.csv", header_v, villages + [["甲镇", "新村", "是", "钱镇长", "2018-06-01", ""]]))],
            as_of="2019-05-01")
    result = runner.invoke(cli, ["--project", str(county), "gaps", "--at", "2019-06-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = {(g["kind"], g["scope"], g["object"]) for g in json.loads(result.output)["gaps"]}
    assert ("职务空缺", "甲镇", "东村驻村帮扶工作队 队长") in found
    assert ("贫困村无工作队", "甲镇", "新村") in found and ("贫困村无帮扶单位", "甲镇", "新村") in found
    text = runner.invoke(cli, ["--project", str(county), "gaps", "--at", "2019-04-01", "--township", "甲镇"])
    assert "东村驻村帮扶工作队 队长" not in text.output  # still in post before the roster's date


def test_node_names_read_from_the_fact_tables_equal_the_node_view(county):
    """Store.node_names (the duties' bulk read) answers what node() answers, for every kind,
    seeded units a roster also defines included."""
    with Store.open(county) as store:
        kinds = [k for k in store.counts() if k not in ("finding", "person", "post")]
        assert {"township", "village", "household", "unit"} <= set(kinds)
        for kind in kinds:
            ids = sorted(store.node_ids(kind))
            assert store.node_names(kind) == {n.id: n.name for n in store.nodes_by_id(ids)}, kind


def test_edges_read_by_kind_equal_the_edge_view(county):
    """Store.edges_sql (the duties' whole-relation reads) gives the edge view's rows of a kind,
    ids included (they order a node's edges)."""
    with Store.open(county) as store:
        kinds = [r[0] for r in store.conn.execute("SELECT DISTINCT kind FROM edge")]
        assert {"HOLDS", "MEMBER_OF", "LOCATED_IN"} <= set(kinds)
        for kind in kinds:
            narrow = store.conn.execute(f"SELECT id, src, dst, role, valid_from, valid_to FROM ({store.edges_sql(kind)})"
                                        ).fetchall()
            view = store.conn.execute("SELECT id, src, dst, role, valid_from, valid_to FROM edge WHERE kind = ?",
                                      (kind,)).fetchall()
            assert sorted(narrow, key=repr) == sorted(view, key=repr), kind


def test_bulk_names_of_persons_and_posts_equal_the_node_view(county):
    """The duties' bulk read of persons (name, organisation) and posts (title, owner) from their
    tables answers what node() answers."""
    from zeren.queries.duty_reads import BulkResolver

    with Store.open(county) as store:
        r = BulkResolver(store)
        for kind, key in (("person", "org_id"), ("post", "owner")):
            ids = sorted(store.node_ids(kind))
            assert ids, kind
            r.read_names(kind)
            nodes = store.nodes_by_id(ids)
            assert {i: r.names[i] for i in ids} == {n.id: n.name for n in nodes}, kind
            side = r._orgs if kind == "person" else r._owners
            assert {i: side[i] for i in ids} == {n.id: n.props.get(key) for n in nodes}, kind


@pytest.mark.parametrize("day", ["2017-01-01", "2019-01-01", "2019-06-30"])
def test_bulk_lifts_equal_the_resolver(county, day):
    """BulkResolver.lift (a step at a time, each node's lift kept) answers what Resolver.lift answers."""
    from zeren.queries.duty_reads import BulkResolver
    from zeren.queries.paths import Resolver

    with Store.open(county) as store:
        bulk, one = BulkResolver(store), Resolver(store)
        nodes = [n for kind in ("household", "village", "team", "post", "person", "unit") for n in sorted(store.node_ids(kind))]
        assert len(nodes) > 20
        for target in ("village", "township", "county"):
            assert [bulk.lift(n, target, day) for n in nodes] == [one.lift(n, target, day) for n in nodes], target


@pytest.mark.parametrize("day", [None, "2017-01-01", "2019-01-01", "2019-06-30"])
def test_a_resolvers_kept_edges_equal_the_stores(county, day):
    """Resolver.edges (a node's edges read once per query for every day) answers what
    store.edges answers for the day, in its order, for every node and edge kind."""
    from zeren.queries.paths import Resolver

    with Store.open(county) as store:
        r = Resolver(store)
        kinds = [row[0] for row in store.conn.execute("SELECT DISTINCT kind FROM edge")]
        nodes = sorted({row[0] for row in store.conn.execute("SELECT src FROM edge UNION SELECT dst FROM edge")})
        for _ in range(2):  # the second round is answered from what the first kept
            for n in nodes:
                for side in ("src", "dst"):
                    assert r.edges(**{side: n}, kinds=kinds, at=day) == store.edges(**{side: n}, kinds=kinds, at=day)


@pytest.mark.parametrize("window", [("2019-01-01", "2019-01-31"), ("2019-04-01", "2019-06-30"), ("2018-01-01", "2020-12-31")])
def test_every_places_members_read_at_once_count_as_one_place_at_a_time(county, window):
    """Store.located (a check's measures after the first) counts what count_located counts, for
    every village, every township's villages and the county's."""
    with Store.open(county) as store:
        located = store.located("household", *window)
        villages = sorted(store.node_ids("village"))
        towns = {}
        for v in villages:
            towns.setdefault(v.split(":", 1)[1].split("/", 1)[0], []).append(v)
        for group in [[v] for v in villages] + list(towns.values()) + [villages]:
            assert len(set().union(*(located.get(v, ()) for v in group))) == \
                store.count_located("household", group, *window), group
        assert sum(len(m) for m in located.values()) > 0
