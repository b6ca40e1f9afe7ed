"""Same answers from the project file and from Neo4j: the ReadStore calls one by one, and every
read command's JSON (and DOT) for both built-in packs' demos (the Tongwei county, the river
chiefs) and a table of edge cases."""

from __future__ import annotations

import json

import pytest
from bolt_servers import uri  # noqa: F401 (a fixture)
from rosters import BASE, F_HEADER, write_base, write_csv
from zeren.cli.main import cli
from zeren.graph.bolt import BoltStore
from zeren.graph.model import ReadStore
from zeren.graph.store import Store
from zeren.loaders.demo import generator
from zeren.loaders.rosters import load_files
from zeren.loaders.rulebook import load_rulebook

pytestmark = pytest.mark.bolt
DEMOS = {"tongwei-2018": {"households": 3000, "villages": 40}, "river-chief": {}}


@pytest.fixture(scope="module", params=list(DEMOS))
def demo(request, tmp_path_factory):
    """A pack's demo project: its rosters, findings and duty log, then the later rosters."""
    name = request.param
    out = tmp_path_factory.mktemp(name)
    county = generator(name)(out / "rosters", **DEMOS[name])
    project = out / "demo.db"
    with Store.create(project, load_rulebook(county.rulebook)) as store:
        load_files(store, [str(p) for p in county.files])
        load_files(store, [str(p) for p in county.later_files], mode="snapshot")
    return project, county


def _out(runner, args):
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def _pushed(runner, project, uri):
    """The project on the server: an incremental push when it is there already, else a full one."""
    result = runner.invoke(cli, ["--project", str(project), "push", uri])
    if result.exit_code != 0:
        _out(runner, ["--project", str(project), "push", uri, "--replace"])


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


def _commands(project, county):
    """Every read command, over what this demo holds: a check of the quarter and the half year,
    of one place, of one inspection round; a trace of one object of every kind of the pack, of
    findings of every type, at another day; the diagrams; the duties; people by name."""
    with Store.open(project) as store:
        rb = store.rulebook
        model = rb.model
        findings = store.findings()
        level = rb.pack.org.levels[0] if rb.pack.org.levels else None
        place = sorted(n.name for n in store.nodes_by_id(sorted(store.node_ids(level))))[0] if level else None
        # check --township names a 乡镇 (the grammar's administrative level), whatever the org levels are
        township = sorted(n.name for n in store.nodes_by_id(sorted(store.node_ids("township"))))[-1] \
            if "township" in model.kinds else None
        ids = {kind: sorted(store.node_ids(kind)) for kind in model.kinds}
        people = sorted({n.name for n in store.nodes_by_id(sorted(store.node_ids("person"))[:400])})
        unique = [p for p in people if len(store.persons(p)) == 1]
    subject, ident = county.trace
    commands = [["check", "--period", "2019Q2"], ["check", "--period", "2019H1"], ["stats"], ["rulebook", "show"],
                ["trace", subject, ident], ["trace", subject, ident, "--at", "2019-04-15"],
                ["render", "trace", subject, ident, "-o", "x.dot"], ["render", "org", "-o", "x.dot"],
                ["duties", "--period", "2019Q2", "--at", "2019-07-01"], ["duties", "--period", "2019Q2"]]
    if place:
        commands.append(["render", "org", "--township", place, "-o", "x.dot"])
    if township:
        commands.append(["check", "--period", "2019Q2", "--township", township])
    rounds = sorted({f.props["round"] for f in findings if f.props.get("round")})
    commands += [["check", "--round", r] for r in rounds[:1]]
    for kind, nodes in ids.items():
        for node in nodes[:: max(1, len(nodes) // 2)][:2]:
            commands.append(["trace", kind, node.split(":", 1)[1]])
    by_type: dict[str, int] = {}
    for f in findings:
        by_type.setdefault(f.type, f.n)
    commands += [["trace", "finding", str(n)] for n in sorted(set(by_type.values()))]
    commands += [["trace", "finding", str(f.n)] for f in findings[:: max(1, len(findings) // 6)]]
    commands += [["person", name] for name in unique[:: max(1, len(unique) // 4)][:4]]
    return commands


def test_every_read_command_on_the_demos(demo, uri, runner, tmp_path):
    project, county = demo
    _pushed(runner, project, uri)
    _same(runner, project, uri, _commands(project, county), tmp_path)


def test_an_ambiguous_person_is_the_same_refusal(demo, uri, runner):
    project, _ = demo
    _pushed(runner, project, uri)
    with Store.open(project) as store:
        names = sorted({n.name for n in store.nodes_by_id(sorted(store.node_ids("person")))})
        twice = next((n for n in names if len(store.persons(n)) > 1), None)
    if twice is None:
        pytest.skip("no name is shared by two people in this demo")
    local = runner.invoke(cli, ["--project", str(project), "person", twice])
    remote = runner.invoke(cli, ["--store", uri, "person", twice])
    assert local.exit_code == remote.exit_code == 1 and remote.output == local.output


def test_the_read_store_protocol_answers_alike(demo, uri, runner):
    """The conformance test: every ReadStore call, the same answer from both stores."""
    project, county = demo
    _pushed(runner, project, uri)
    with Store.open(project) as file, BoltStore.connect(uri) as server:
        assert isinstance(file, ReadStore) and isinstance(server, ReadStore)
        model = file.rulebook.model
        leaf = next(k for k in reversed(list(model.kinds)) if model.kinds[k].parent and file.node_ids(k))
        start = sorted(file.node_ids(leaf))[0]
        parent = file.edges(src=start, kinds=[model.kinds[leaf].parent_edge])[0].dst
        above = model.kinds[model.kinds[leaf].parent].parent if model.kinds[leaf].parent in model.kinds else None
        scope = next((e.dst for e in file.edges(src=parent, kinds=[model.kinds[model.kinds[leaf].parent].parent_edge])
                      if above and e.dst.startswith(above + ":")), parent)
        places = sorted(e.src for e in file.edges(dst=scope, kinds=[model.kinds[leaf].parent_edge]))
        post = next(e.dst for e in file.edges(kinds=["HOLDS"]))
        person = next(e.src for e in file.edges(kinds=["HOLDS"], at="2019-05-01"))
        name = file.node(person).name
        types = sorted({f.type for f in file.findings()})
        records = file.duty_records()
        calls = [
            ("meta", ("schema_version",), {}), ("meta", ("rulebook",), {}), ("meta", ("nope",), {}),
            ("node", (start,), {}), ("node", (f"{leaf}:nope",), {}), ("nodes_by_id", ([start, parent, "x:y"],), {}),
            *[("node_ids", (k,), {}) for k in model.kinds], ("node_ids", ("person",), {}), ("counts", (), {}),
            ("edges", (), {"src": start}), ("edges", (), {"dst": parent}),
            ("edges", (), {"dst": scope, "kinds": [model.kinds[leaf].parent_edge]}),
            ("edges", (), {"dst": post, "kinds": ["HOLDS"], "at": "2019-05-01"}),
            ("edges", (), {"dst": post, "kinds": ["HOLDS"]}), ("edges", (), {"src": person, "kinds": ["HOLDS"]}),
            ("edges", (), {"dst": scope, "kinds": ["LEADS", "ASSISTS", "SUPERVISES"], "at": "2019-05-01"}),
            ("edges", (), {"kinds": ["HOLDS"], "at": "2019-05-01"}), ("edges", (), {"origin": "rulebook"}),
            ("edges", (), {"src": start, "kinds": []}),
            ("edge_ends", ("LOCATED_IN", "", "2019-05-01"), {}),
            ("edge_ends", (model.kinds[leaf].parent_edge, model.kinds[leaf].parent_role, "2019-05-01"),
             {"src_kind": leaf}),
            ("persons", (name,), {}), ("persons", (name, "nope:x"), {}), ("person_links", ([person],), {}),
            ("findings", (), {}), ("findings", ("2019-04-01", "2019-05-15"), {}),
            ("findings", (), {"object_id": start}), ("latest_finding_date", (), {}),
            ("finding", (1,), {}),
            ("duty_records", (), {}), ("duty_records", ("2019-04-01", "2019-06-30"), {}),
            ("duty_records", (), {"items": sorted({r.item for r in records})[:1]}),
            ("duty_records", (), {"subject_id": records[0].subject_id if records else "x"}),
        ]
        for kind in model.measures.values():
            calls.append(("count_located", (kind.kind, places, "2019-04-01", "2019-06-30"), {}))
        calls.append(("findings_within", (places, scope, "2019-04-01", "2019-06-30", types), {}))
        for name_, args, kwargs in calls:
            want, got = getattr(file, name_)(*args, **kwargs), getattr(server, name_)(*args, **kwargs)
            if name_ in ("edge_ends", "nodes_by_id"):
                want, got = sorted(want, key=repr), sorted(got, key=repr)
            assert got == want, (name_, args, kwargs)
        assert server.rulebook.to_dict() == file.rulebook.to_dict()
        assert server.meta("secret") is None and file.meta("secret")  # the keyed-hash key stays in the file


# -- edge cases: each builds a small county, pushes it, and compares the read commands ----------
def _secretary_handover(tmp_path, store):
    header, rows = BASE["乡镇"]
    load_files(store, [str(write_csv(tmp_path / "t2.csv", header,
                                     [rows[0], ["乙乡", "新书记", "吴乡长", "郑主任", "2019-05-10", ""]]))])


def _captain_handover(tmp_path, store):
    header, rows = BASE["工作队"]
    later = [r for r in rows if not (r[1] == "东村" and r[3] == "队长")]
    later.append(["甲镇", "东村", "新队长", "队长", "县财政局", "2019-05-01", ""])
    load_files(store, [str(write_csv(tmp_path / "t3.csv", header, later))], mode="snapshot")


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
    "the problem happened before the captain's handover (问题发生日期, 督查批次)": (
        [_captain_handover], (F_HEADER + ["问题发生日期", "督查批次"], [
            ["2019-05-10", "县委督查室", "驻村走读", "工作队", "甲镇/东村", "", "2019-04-20", "第二轮"],
            ["2019-05-12", "县委督查室", "一户一策未落实", "户", "H001", "", "", "第二轮"]])),
}


@pytest.mark.parametrize("case", list(CASES))
def test_edge_cases_answer_alike(case, project, uri, runner, tmp_path):
    builders, findings = CASES[case]
    header, findings = findings if isinstance(findings, tuple) else (F_HEADER, findings)
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in write_base(tmp_path)])
        for build in builders:
            build(tmp_path, store)
        if findings:
            load_files(store, [str(write_csv(tmp_path / "f.csv", header, findings))])
    _out(runner, ["--project", str(project), "push", uri, "--replace"])
    commands = [["check", "--period", "2019Q2"], ["check", "--from", "2019-04-01", "--to", "2019-05-09"],
                ["check", "--period", "2019Q2", "--township", "乙乡"], ["stats"],
                ["trace", "household", "H001"], ["trace", "household", "H001", "--at", "2019-05-15"],
                ["trace", "plan", "P003"], ["trace", "village", "甲镇/东村"], ["trace", "team", "甲镇/东村"],
                ["render", "org", "--township", "甲镇", "-o", "x.dot"], ["person", "赵书记"], ["person", "韩队长"]]
    commands += [["trace", "finding", str(n + 1)] for n in range(len(findings))]
    if header != F_HEADER:
        commands.append(["check", "--round", "第二轮"])
    _same(runner, project, uri, commands, tmp_path)


# -- the river-chief pack on the tiny river county of test_river_pack ---------------------------
RIVER_FINDINGS = [  # each kind of object, a handover, the 20% threshold of 清河 crossed exactly by two
    ["2019-05-20", "县河长制办公室", "河道垃圾", "村段", "清河/甲段/东段", "", ""],
    ["2019-05-21", "县河长制办公室", "河道垃圾", "村段", "清河/乙段/北段", "", ""],
    ["2019-05-20", "县河长制办公室", "污水直排", "村段", "清河/甲段/西段", "", ""],
    ["2019-05-20", "县河长制办公室", "侵占河道", "河段", "浊河/甲段", "", ""],
    ["2019-06-20", "县河长制办公室", "非法采砂", "河段", "清河/乙段", "", "2019-04-20"],
    ["2019-06-21", "县河长制办公室", "非法采砂", "河段", "清河/乙段", "", ""],
    ["2019-05-20", "县河长制办公室", "巡河不到位", "河流", "清河", "", ""],
]
RIVER_LOG = [["2019-04-10", "县河长清", "巡河", "清河", "", ""],
             *[[f"2019-04-{d:02d}", "甲镇/村河长东", "巡河", "清河/甲段/东段", "", ""] for d in (2, 9, 16, 23)],
             *[[f"2019-04-{d:02d}", "甲镇/村河长西", "巡河", "清河/甲段/西段", "", ""] for d in (2, 9)]]


def test_the_tiny_river_county_answers_alike(uri, runner, tmp_path):
    from test_river_pack import FINDING_HEADER, ROSTERS

    db = str(tmp_path / "river.db")
    _out(runner, ["--project", db, "init", "--rulebook", "river-chief"])
    files = [str(write_csv(tmp_path / f"{name}.csv", *spec)) for name, spec in ROSTERS.items()]
    files.append(str(write_csv(tmp_path / "督查发现.csv", FINDING_HEADER, RIVER_FINDINGS)))
    files.append(str(write_csv(tmp_path / "巡河记录.csv", ["日期", "履职主体", "履职事项", "对象", "天数", "说明"],
                               RIVER_LOG)))
    _out(runner, ["--project", db, "load", *files])
    _out(runner, ["--project", db, "push", uri, "--replace"])
    commands = [["check", "--period", "2019Q2"], ["check", "--from", "2019-05-01", "--to", "2019-05-20"],
                ["stats"], ["rulebook", "show"], ["duties", "--from", "2019-04-01", "--to", "2019-04-30"],
                ["duties", "--period", "2019Q2", "--at", "2019-07-01"],
                ["trace", "stretch", "清河/甲段/东段"], ["trace", "segment", "清河/乙段", "--at", "2019-04-20"],
                ["trace", "river", "清河"], ["person", "乡河长乙"], ["person", "县河长清"],
                ["render", "org", "-o", "x.dot"], ["render", "trace", "stretch", "清河/甲段/东段", "-o", "x.dot"]]
    commands += [["trace", "finding", str(n + 1)] for n in range(len(RIVER_FINDINGS))]
    _same(runner, db, uri, commands, tmp_path)
    remote = json.loads(_out(runner, ["--store", uri, "check", "--period", "2019Q2", "--format", "json"]))
    assert any(li["clause"] == "五.4" and li["triggered"] for li in remote["liabilities"])  # 2 of 6 = 33% ≥ 20%


# -- every read command on a server: the same answer, or one line saying it needs the file ----------
READS = [  # (command, True: the same JSON | "document": the same text in the file | None: refused)
    (["check", "--period", "2019Q2"], True), (["trace", "household", "H001"], True),
    (["duties", "--period", "2019Q2"], True), (["stats"], True), (["person", "赵书记"], True),
    (["rulebook", "show"], True), (["gaps", "--at", "2019-05-20"], None), (["find", "户1"], None),
    (["history"], None), (["audit"], None),
    (["report", "check", "--period", "2019Q2", ".xlsx"], "document"),
    (["report", "trace", "household", "H001", ".docx"], "document"),
]


def _document_text(path):
    """What a document says: every cell of a workbook, every paragraph and cell of a Word file."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
    from docx import Document

    doc = Document(str(path))
    return [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for row in t.rows for c in row.cells]


@pytest.mark.parametrize("args,same", READS, ids=[" ".join(a[:2]) for a, _ in READS])
def test_every_read_command_answers_or_says_why_not(args, same, project, uri, runner, tmp_path):
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in write_base(tmp_path)])
        load_files(store, [str(write_csv(tmp_path / "f.csv", F_HEADER, [["2019-05-01", "", "一户一策未落实", "户", "H001", ""]]))])
    _out(runner, ["--project", str(project), "push", uri, "--replace"])
    if same == "document":
        local, remote = tmp_path / f"local{args[-1]}", tmp_path / f"remote{args[-1]}"
        _out(runner, ["--project", str(project), *args[:-1], "-o", str(local)])
        _out(runner, ["--store", uri, *args[:-1], "-o", str(remote)])
        # alike, but for the source they name: the server's address, or the project file
        where = uri.split("://", 1)[1]
        got = [t.replace(f"项目 {where}", "项目 SOURCE") if isinstance(t, str) else t for t in _document_text(remote)]
        want = [t.replace(f"项目 {project.name}", "项目 SOURCE") if isinstance(t, str) else t
                for t in _document_text(local)]
        assert got == want != []
        return
    if same:
        _same(runner, project, uri, [args], tmp_path)
        return
    result = runner.invoke(cli, ["--store", uri, *args])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and "Traceback" not in result.output, result.output
    assert "只能用于项目文件" in lines[0]
