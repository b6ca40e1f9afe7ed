"""The offline first load: `zeren push --neo4j-import DIR` writes CSV, Neo4j's own importer
(`neo4j-admin database import full`, the line zeren prints) loads it into a stopped server, and
the next `zeren push URI` verifies and switches to it. Against real Neo4j 5 servers: the
session's (for the push it is compared with) and one of this module's own, imported into."""

from __future__ import annotations

import json
import secrets
import shlex
import sys
from pathlib import Path

import pytest
from bolt_servers import uri  # noqa: F401 (a fixture)
from rosters import BASE, F_HEADER, loaded, write_base, write_csv
from test_bolt import _json, _ok
from zeren.cli.main import cli
from zeren.graph.errors import StoreError
from zeren.graph.neo4j_import import _Csv, write_import
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from neo4j_server import neo4j_admin, neo4j_server  # noqa: E402

#: Values CSV must carry exactly: quotes, the delimiter, a backslash, a line break, Cypher-looking text.
EVIL = '宋"甲", 乙\\ }] MATCH (n) DETACH DELETE n //'
NOTE = '第一行\n第二行, "引号"'


@pytest.mark.parametrize(("values", "line"), [
    (["a", "", None, 3, 2.5, True], '"a","",,3,2.5,true\n'),   # "" stays a string; None sets no property
    (['x"y', "a,b", "c\\d"], '"x""y","a,b","c\\d"\n'),        # quotes doubled, no backslash escapes
    (["一\n二"], '"一\n二"\n'),                                  # a line break, inside quotes
])
def test_csv_cells(tmp_path, values, line):
    out = _Csv(tmp_path, "t", ("a",))
    out.write(values)
    out.close()
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == line
    assert out.multiline == any(type(v) is str and "\n" in v for v in values)


def test_an_import_directory_must_be_new(project, tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x").write_text("")
    with Store.open(project) as store, pytest.raises(StoreError, match="不是空的"):
        write_import(store, tmp_path / "d")


@pytest.fixture
def county(project, tmp_path):
    header, rows = BASE["乡镇"]
    files = write_base(tmp_path)
    files[0] = write_csv(tmp_path / "t.csv", header, [[rows[0][0], EVIL, *rows[0][2:]], *rows[1:]])
    files.append(write_csv(tmp_path / "f.csv", F_HEADER,
                           [["2019-05-01", "县委督查室", "一户一策未制定", "户", "H003", NOTE],
                            ["2019-05-02", "县委督查室", "驻村走读", "工作队", "甲镇/东村", ""],
                            ["2019-05-03", "县委督查室", "帮扶村发展停滞", "村", "乙乡/北村", ""]]))
    files.append(write_csv(tmp_path / "log.csv", ["日期", "履职主体", "履职事项", "对象", "天数", "说明"],
                           [["2019-05-10", "县委", "专题研究", "", "", ""],
                            ["2019-04-01", "县财政局/韩队长", "培训", "", "3", ""]]))
    return loaded(project, files)


def _dump(address: str) -> tuple[list, list]:
    """Every node (labels, properties but the push id) and relationship of a server's head push."""
    from zeren.graph.bolt import driver

    with driver(address).session() as s:
        nodes = s.run("MATCH (h:ZerenHead) MATCH (n) WHERE n.push = h.push "
                      "RETURN labels(n) AS l, properties(n) AS p").data()
        rels = s.run("MATCH (h:ZerenHead) MATCH (a)-[e]->(b) WHERE a.push = h.push "
                     "RETURN type(e) AS t, properties(e) AS p, coalesce(a.id, a.n) AS a, labels(a) AS la, "
                     "b.id AS b").data()
    for n in nodes:
        n["p"].pop("push")
        n["l"] = sorted(n["l"])
    def key(x: dict) -> str:
        return json.dumps(x, sort_keys=True, ensure_ascii=False)

    return sorted(nodes, key=key), sorted(rels, key=key)


@pytest.mark.bolt
def test_offline_import_verified_switched_then_incremental(county, uri, runner, tmp_path, monkeypatch):
    out = _ok(runner, ["--project", str(county), "push", "--neo4j-import", str(tmp_path / "csv")])
    assert "Wrote" in out and "128 nodes, 121 edges, 3 findings, 2 duty records" in out, out
    line = next(x.strip() for x in out.splitlines() if x.strip().startswith("neo4j-admin "))
    args = shlex.split(line)[1:]
    assert args[:6] == ["database", "import", "full", "neo4j", "--overwrite-destination=true",
                        f"--report-file={tmp_path / 'csv' / 'import.report'}"]
    assert "--multiline-fields=true" in args  # the finding's note has a line break
    home = tmp_path / "home"
    imported = neo4j_admin(home, args)
    assert "IMPORT DONE" in imported.stdout, imported.stdout[-2000:]
    password = secrets.token_hex(8)
    monkeypatch.setenv("ZEREN_BOLT_PASSWORD", password)
    with neo4j_server(home, password, heap="512m", pagecache="128m") as there:
        result = runner.invoke(cli, ["--store", there, "stats"])
        assert result.exit_code == 1 and "离线导入尚未核对启用" in result.output, result.output
        out = _ok(runner, ["--project", str(county), "push", there])
        assert "Verified the offline import" in out and "128 nodes, 121 edges, 3 findings, 2 duty records" in out
        assert "is up to date" in _ok(runner, ["--project", str(county), "push", there])
        for args in (["stats"], ["check", "--period", "2019Q2"], ["trace", "household", "H003"],
                     ["trace", "finding", "2"], ["duties", "--period", "2019Q2", "--at", "2020-01-15"]):
            local = _json(runner, ["--project", str(county), *args, "--format", "json"])
            assert _json(runner, ["--store", there, *args, "--format", "json"]) == local, args
        # the same graph, value for value, as a push over Bolt writes it
        monkeypatch.setenv("ZEREN_BOLT_PASSWORD", _password_of(uri))
        _ok(runner, ["--project", str(county), "push", uri, "--replace"])
        pushed = _dump(uri)
        monkeypatch.setenv("ZEREN_BOLT_PASSWORD", password)
        assert _dump(there) == pushed
        assert any(EVIL == n["p"].get("name") for n in pushed[0])
        assert any(NOTE == n["p"].get("note") for n in pushed[0])
        # later loads go on top incrementally
        header, rows = BASE["工作队"]
        later = [r for r in rows if not (r[1] == "东村" and r[3] == "队长")]
        later.append(["甲镇", "东村", "新队长", "队长", "县财政局", "2019-05-01", ""])
        with Store.open(county, readonly=False) as store:
            load_files(store, [str(write_csv(tmp_path / "t2.csv", header, later))])
        out = _ok(runner, ["--project", str(county), "push", there])
        assert "Pushed load batch 2" in out and "1 closures" in out, out
        for args in (["stats"], ["check", "--period", "2019Q2"], ["trace", "finding", "2"]):
            local = _json(runner, ["--project", str(county), *args, "--format", "json"])
            assert _json(runner, ["--store", there, *args, "--format", "json"]) == local, args
        from zeren.graph.bolt import close_drivers

        close_drivers()


def _password_of(address: str) -> str:
    from bolt_servers import _SERVER

    assert _SERVER["uri"] == address
    return _SERVER["password"]


def _as_imported(address: str, expected: dict[str, int]) -> None:
    """Turn the head push into what an offline import leaves: a marker in state imported, no head."""
    from zeren.graph.bolt import driver

    with driver(address).session() as s:
        s.run("MATCH (h:ZerenHead) MATCH (p:ZerenPush {id: h.push}) "
              "SET p.state = 'imported', p.mode = 'import', p.expected = $e DETACH DELETE h",
              e=json.dumps(expected)).consume()


@pytest.mark.bolt
def test_an_import_that_does_not_verify_is_discarded(county, uri, runner):
    _ok(runner, ["--project", str(county), "push", uri, "--replace"])
    _as_imported(uri, {"nodes": 128, "edges": 122, "findings": 3, "duty_records": 2, "person_links": 0})
    result = runner.invoke(cli, ["--project", str(county), "push", uri])
    assert result.exit_code == 1 and "导入校验失败" in result.output and "121 edges" in result.output, result.output
    result = runner.invoke(cli, ["--store", uri, "stats"])
    assert result.exit_code == 1 and "没有 zeren 项目" in result.output, result.output


@pytest.mark.bolt
def test_an_import_of_another_project_needs_replace(county, uri, runner, tmp_path, rulebook):
    _ok(runner, ["--project", str(county), "push", uri, "--replace"])
    _as_imported(uri, {"nodes": 128, "edges": 121, "findings": 3, "duty_records": 2, "person_links": 0})
    other = tmp_path / "other.db"
    Store.create(other, rulebook).close()
    result = runner.invoke(cli, ["--project", str(other), "push", uri])
    assert result.exit_code == 1 and "另一个项目" in result.output and "--replace" in result.output, result.output
    _ok(runner, ["--project", str(other), "push", uri, "--replace"])
    assert _json(runner, ["--store", uri, "stats", "--format", "json"])["households"] == 0


def test_push_needs_a_uri_or_an_import_directory(county, runner, tmp_path):
    result = runner.invoke(cli, ["--project", str(county), "push"])
    assert result.exit_code == 1 and "URI" in result.output
    result = runner.invoke(cli, ["--project", str(county), "push", "bolt://x:1", "--neo4j-import", str(tmp_path)])
    assert result.exit_code == 1 and "leave out the URI" in result.output
