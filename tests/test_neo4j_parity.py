"""Same answers from the project file and from Neo4j: the ReadStore calls one by one, and every
read command's JSON (and DOT) for a demo county and a table of edge cases."""

from __future__ import annotations

import json

import pytest
from bolt_servers import neo4j
from rosters import BASE, write_base, write_csv
from zeren.cli.main import cli
from zeren.graph.bolt import BoltStore
from zeren.graph.model import ReadStore
from zeren.graph.store import Store
from zeren.loaders.demo import generate
from zeren.loaders.rosters import load_files
from zeren.loaders.rulebook import load_rulebook

pytestmark = pytest.mark.bolt
F_HEADER = ["发现日期", "督查主体", "问题类型", "对象类型", "对象", "说明"]


@pytest.fixture
def uri(monkeypatch):
    address, password = neo4j()
    monkeypatch.setenv("ZEREN_BOLT_USER", "neo4j")
    monkeypatch.setenv("ZEREN_BOLT_PASSWORD", password)
    monkeypatch.delenv("ZEREN_BOLT_DATABASE", raising=False)
    return address


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo county of 3,000 households with a quarter of findings and a later rotation."""
    out = tmp_path_factory.mktemp("demo")
    county = generate(out / "rosters", households=3000, villages=40)
    project = out / "demo.db"
    with Store.create(project, load_rulebook()) as store:
        load_files(store, [str(p) for p in county.files])
        load_files(store, [str(p) for p in county.later_files])
    return project, county


def _out(runner, args):
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def _same(runner, project, uri, commands, tmp_path):
    """Run each read command on both stores; JSON equal, or the written DOT files equal."""
    for args in commands:
        if "-o" in args:
            i = args.index("-o")
            local, remote = tmp_path / "local.dot", tmp_path / "remote.dot"
            _out(runner, ["--project", str(project), *args[:i], "-o", str(local)])
            _out(runner, ["--store", uri, *args[:i], "-o", str(remote)])
            assert remote.read_text(encoding="utf-8") == local.read_text(encoding="utf-8"), args
            continue
        local = json.loads(_out(runner, ["--project", str(project), *args, "--format", "json"]))
        remote = json.loads(_out(runner, ["--store", uri, *args, "--format", "json"]))
        assert remote == local, args


def test_every_read_command_on_the_demo_county(demo, uri, runner, tmp_path):
    project, county = demo
    _out(runner, ["--project", str(project), "push", uri, "--replace"])
    with Store.open(project) as store:
        findings = store.findings()
    commands = [["check", "--period", "2019Q2"], ["check", "--period", "2019H1"], ["stats"], ["rulebook", "show"],
                ["trace", "plan", county.failed_plan], ["trace", "household", county.failed_household],
                ["trace", "plan", county.failed_plan, "--at", "2019-04-15"],
                ["render", "trace", "plan", county.failed_plan, "-o", "x.dot"],
                ["render", "org", "-o", "x.dot"]]
    commands += [["trace", "finding", str(f.n)] for f in findings[:: max(1, len(findings) // 12)]]
    commands += [["trace", "finding", str(f.n)] for f in findings if f.type != "一户一策未制定"
                 and f.type != "一户一策未落实"]
    _same(runner, project, uri, commands, tmp_path)


def test_the_read_store_protocol_answers_alike(demo, uri, runner):
    """The conformance test: every ReadStore call, the same answer from both stores."""
    project, county = demo
    _out(runner, ["--project", str(project), "push", uri, "--replace"])
    with Store.open(project) as file, BoltStore.connect(uri) as server:
        assert isinstance(file, ReadStore) and isinstance(server, ReadStore)
        hh = f"household:{county.failed_household}"
        village = file.edges(src=hh, kinds=["LOCATED_IN"])[0].dst
        township = file.edges(src=village, kinds=["LOCATED_IN"])[0].dst
        villages = sorted(e.src for e in file.edges(dst=township, kinds=["LOCATED_IN"]))
        post = f"post:{township}/党委书记"
        calls = [
            ("meta", ("schema_version",), {}), ("meta", ("rulebook",), {}), ("meta", ("nope",), {}),
            ("node", (hh,), {}), ("node", ("household:nope",), {}), ("nodes_by_id", ([hh, village, "x:y"],), {}),
            ("node_ids", ("township",), {}), ("node_ids", ("team",), {}), ("counts", (), {}),
            ("edges", (), {"src": hh}), ("edges", (), {"dst": village, "kinds": ["LOCATED_IN"]}),
            ("edges", (), {"dst": village, "kinds": ["ASSISTS"], "role": "驻村帮扶"}),
            ("edges", (), {"dst": post, "kinds": ["HOLDS"], "at": "2019-05-01"}),
            ("edges", (), {"dst": post, "kinds": ["HOLDS"]}),
            ("edges", (), {"dst": township, "kinds": ["LEADS", "ASSISTS", "SUPERVISES"], "role": "党委书记",
                           "at": "2019-05-01"}),
            ("edges", (), {"origin": "rulebook"}),
            ("edge_ends", ("ASSISTS", "驻村帮扶", "2019-05-01"), {}),
            ("edge_ends", ("LOCATED_IN", "", "2019-05-01"), {"src_kind": "household"}),
            ("count_located", ("household", villages, "2019-04-01", "2019-06-30"), {}),
            ("count_located", ("team", villages, "2019-04-01", "2019-06-30"), {}),
            ("findings", (), {}), ("findings", ("2019-04-01", "2019-05-15"), {}),
            ("findings", (), {"object_id": hh}),
            ("findings_within", (villages, township, "2019-04-01", "2019-06-30", ["一户一策未制定", "一户一策未落实"]), {}),
            ("finding", (1,), {}),
        ]
        for name, args, kwargs in calls:
            want, got = getattr(file, name)(*args, **kwargs), getattr(server, name)(*args, **kwargs)
            if name in ("edge_ends", "nodes_by_id"):
                want, got = sorted(want, key=repr), sorted(got, key=repr)
            assert got == want, (name, args, kwargs)
        assert server.rulebook.to_dict() == file.rulebook.to_dict()


# -- edge cases: each builds a small county, pushes it, and compares the read commands ----------
def _secretary_handover(tmp_path, store):
    header, rows = BASE["乡镇"]
    load_files(store, [str(write_csv(tmp_path / "t2.csv", header,
                                     [rows[0], ["乙乡", "新书记", "吴乡长", "郑主任", "2019-05-10", ""]]))])


def _captain_handover(tmp_path, store):
    header, rows = BASE["工作队"]
    later = [r for r in rows if not (r[1] == "东村" and r[3] == "队长")]
    later.append(["甲镇", "东村", "新队长", "队长", "县财政局", "2019-05-01", ""])
    load_files(store, [str(write_csv(tmp_path / "t3.csv", header, later))])


def _vacant_captain(tmp_path, store):
    header, rows = BASE["工作队"]
    ended = [r[:-1] + (["2019-04-30"] if r[1] == "东村" and r[3] == "队长" else [r[-1]]) for r in rows]
    load_files(store, [str(write_csv(tmp_path / "t4.csv", header, ended))])


def _big_township(tmp_path, store, households=100):
    from rosters import idnum

    header, rows = BASE["结对帮扶"]
    extra = [[f"B{i:03d}", f"户{i}", idnum(f"621121198002{i:03d}10"[:17]), "乙乡", "北村", "施干部", "县交通局",
              "2018-06-01", ""] for i in range(households - 1)]
    load_files(store, [str(write_csv(tmp_path / "big.csv", header, [rows[3], *extra]))])


def _failing(n):
    return [[f"2019-05-{i + 1:02d}", "", "一户一策未落实", "户", f"B{i:03d}", ""] for i in range(n)]


CASES = {
    "threshold exactly 3%": ([_big_township], _failing(3)),
    "one short of 3% (near miss)": ([_big_township], _failing(2)),
    "secretary handed over when 3% was crossed": (
        [_big_township, _secretary_handover],
        [["2019-05-01", "", "一户一策未落实", "户", "B000", ""], ["2019-05-05", "", "一户一策未落实", "户", "B001", ""],
         ["2019-05-20", "", "一户一策未落实", "户", "B002", ""]]),
    "captain handed over mid-quarter": (
        [_captain_handover], [["2019-04-20", "", "驻村走读", "工作队", "甲镇/东村", "轮换前"],
                              ["2019-05-10", "", "驻村走读", "工作队", "甲镇/西村", "轮换后"]]),
    "vacant captain": ([_vacant_captain], [["2019-05-05", "", "驻村走读", "工作队", "甲镇/东村", "空缺"]]),
    "no findings": ([], []),
    "every finding type": ([], [
        ["2019-04-02", "", "一户一策未制定", "户", "H003", ""], ["2019-04-03", "", "督查失察", "县", "通渭县", ""],
        ["2019-04-04", "", "整改不到位", "乡镇", "甲镇", ""], ["2019-04-05", "", "培训不足", "县", "通渭县", ""],
        ["2019-04-06", "", "重大负面影响", "乡镇", "乙乡", ""], ["2019-04-07", "", "工作队反映问题未解决", "乡镇", "甲镇", ""],
        ["2019-04-08", "", "两委作用发挥不好", "村", "甲镇/东村", ""], ["2019-04-09", "", "日常管理不严", "村", "甲镇/西村", ""],
        ["2019-04-10", "", "年度任务未完成", "单位", "县交通局", ""], ["2019-04-11", "", "帮扶村发展停滞", "村", "乙乡/北村", ""]]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_edge_cases_answer_alike(case, project, uri, runner, tmp_path):
    builders, findings = CASES[case]
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in write_base(tmp_path)])
        for build in builders:
            build(tmp_path, store)
        if findings:
            load_files(store, [str(write_csv(tmp_path / "f.csv", F_HEADER, findings))])
    _out(runner, ["--project", str(project), "push", uri, "--replace"])
    commands = [["check", "--period", "2019Q2"], ["check", "--from", "2019-04-01", "--to", "2019-05-09"],
                ["check", "--period", "2019Q2", "--township", "乙乡"], ["stats"],
                ["trace", "household", "H001"], ["trace", "household", "H001", "--at", "2019-05-15"],
                ["trace", "plan", "P003"], ["render", "org", "--township", "甲镇", "-o", "x.dot"]]
    commands += [["trace", "finding", str(n + 1)] for n in range(len(findings))]
    _same(runner, project, uri, commands, tmp_path)
