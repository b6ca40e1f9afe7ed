"""Every frequency duty of the Tongwei rulebook judged from a duty log: met, missed, open, a
handover mid-window, a visit in the wrong township, coverage of every poor village."""

from __future__ import annotations

import json

import pytest
from rosters import BASE, F_HEADER, loaded, write_base, write_csv
from zeren.cli.main import cli
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files
from zeren.queries.duties import duties, windows

HEADER = ["日期", "履职主体", "履职事项", "对象", "天数", "说明"]
LOG = [
    ["2019-01-10", "县委", "专题研究", "", "", "一月：日志自此开始"],
    ["2019-12-10", "县委", "专题研究", "", "", "十二月：日志至此"],
    ["2019-05-10", "县委", "专题研究", "", "", ""],
    ["2019-03-01", "县政府", "协调推进会", "", "", ""],
    ["2019-04-15", "林书记", "队长会议", "", "", ""],
    ["2019-04-16", "何县长", "队长会议", "", "", "县长不是队长会议的召集人"],
    ["2019-06-20", "县委督查室", "督查暗访", "", "", ""],
    ["2019-04-01", "县财政局/韩队长", "培训", "", "3", ""],
    ["2019-09-01", "县财政局/韩队长", "培训", "", "3", ""],
    ["2019-04-01", "县财政局/杨书记", "培训", "", "2", ""],
    ["2019-04-10", "林书记", "调研指导", "甲镇", "", ""],
    ["2019-05-10", "林书记", "调研指导", "甲镇/东村", "", ""],
    ["2019-06-10", "林书记", "调研指导", "乙乡", "", "去了别的乡镇"],
    ["2019-06-01", "林书记", "推进会议", "甲镇", "", ""],
    ["2019-07-01", "林书记", "走访", "甲镇/东村", "", ""],
    ["2019-05-05", "县交通局", "协调推进会", "甲镇", "", ""],
    ["2019-04-08", "甲镇", "工作例会", "", "", ""],
    ["2019-03-20", "县财政局", "党组研究", "", "", ""],
    ["2019-08-20", "县财政局", "党组研究", "", "", ""],
    ["2019-10-20", "县交通局", "党组研究", "", "", ""],
    ["2019-02-01", "县财政局/褚局长", "调研指导", "甲镇/东村", "", ""],
    ["2019-05-01", "县财政局/褚局长", "调研指导", "甲镇/东村", "", ""],
    ["2019-08-01", "县财政局/卫副局长", "调研指导", "甲镇/西村", "", ""],
    ["2019-11-01", "县财政局/卫副局长", "调研指导", "甲镇/西村", "", ""],
    ["2019-11-02", "县财政局/卫副局长", "调研指导", "乙乡/北村", "", "北村不是县财政局的帮扶村"],
    ["2019-06-30", "县财政局", "进展报告", "", "", ""],
    ["2019-05-30", "县财政局", "回访", "", "", ""],
    ["2019-03-08", "县财政局/何干部", "帮办实事", "H001", "", ""],
]


@pytest.fixture
def county(project, tmp_path):
    files = write_base(tmp_path) + [write_csv(tmp_path / "log.csv", HEADER, LOG)]
    return loaded(project, files)


def _judge(project, at="2020-01-15", lo="2019-04-01", hi="2019-06-30"):
    with Store.open(project) as store:
        return duties(store, lo, hi, at=at, explain=True)


def _entry(result, duty, window, scope=None, person=None):
    found = [e for e in result.duties if e.duty == duty and e.window == window and (scope is None or e.scope == scope)
             and (person is None or e.person == person)]
    assert len(found) == 1, (duty, window, scope, person, [(e.scope, e.person) for e in result.duties if e.duty == duty])
    return found[0]


# (duty, window, scope, person) → (status, done, required)
CASES = [
    ("一.1-专题研究", "2019Q2", "通渭县", None, "met", 1, 1),
    ("一.1-协调推进会", "2019H1", "通渭县", None, "met", 1, 1),
    ("一.2-队长会议", "2019Q2", "通渭县", "林书记", "met", 1, 1),  # the 县长's record is not the 县委书记's
    ("一.5-督查暗访", "2019Q2", "通渭县", None, "met", 1, 1),
    ("一.8-轮训", "2019", "东村驻村帮扶工作队", "韩队长", "met", 6, 5),
    ("一.8-轮训", "2019", "东村驻村帮扶工作队", "杨书记", "missed", 2, 5),
    ("一.8-轮训", "2019", "东村驻村帮扶工作队", "朱队员", "missed", 0, 5),
    ("二.2-调研指导", "2019-04", "甲镇", "林书记", "met", 1, 1),
    ("二.2-调研指导", "2019-05", "甲镇", "林书记", "met", 1, 1),  # a village of the township is in it
    ("二.2-调研指导", "2019-06", "甲镇", "林书记", "missed", 0, 1),  # went to another township
    ("二.2-调研指导", "2019-06", "乙乡", "何县长", "missed", 0, 1),
    ("二.2-推进会议", "2019Q2", "甲镇", "林书记", "met", 1, 1),
    ("二.2-走访", "2019", "甲镇", "林书记", "missed", 1, 2),  # 东村 visited, 西村 not
    ("三.2-协调推进会", "2019H1", "甲镇", None, "met", 1, 1),
    ("三.2-协调推进会", "2019H1", "乙乡", None, "missed", 0, 1),
    ("四.2-工作例会", "2019-04", "甲镇", None, "met", 1, 1),
    ("四.2-工作例会", "2019-05", "甲镇", None, "missed", 0, 1),
    ("五.1-党组研究", "2019", "县财政局", None, "met", 2, 2),
    ("五.1-党组研究", "2019", "县交通局", None, "missed", 1, 2),
    ("五.1-调研指导-年", "2019", "县财政局", None, "met", 4, 4),  # 北村 is not one of its villages
    ("五.1-调研指导-季", "2019Q2", "县财政局", None, "met", 1, 1),
    ("五.1-调研指导-季", "2019Q2", "县交通局", None, "missed", 0, 1),
    ("五.1-进展报告", "2019Q2", "县财政局", None, "met", 1, 1),
    ("五.3-回访", "2019Q2", "县财政局", None, "met", 1, 1),
    ("五.4-帮办实事", "2019", "H001", "何干部", "met", 1, 1),
    ("五.4-帮办实事", "2019", "H002", "何干部", "missed", 0, 1),
]


def test_every_duty_of_the_rulebook_is_covered(rulebook):
    assert {c[0] for c in CASES} == {d.id for d in rulebook.duties}


@pytest.mark.parametrize("duty,window,scope,person,status,done,required", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES])
def test_duty(county, duty, window, scope, person, status, done, required):
    e = _entry(_judge(county), duty, window, scope, person)
    assert (e.status, e.done, e.required) == (status, done, required)
    assert len(e.evidence) == (done if e.unit not in ("天", "遍") else len(e.evidence))
    if status == "missed":
        assert e.missing


def test_wrong_place_and_wrong_holder_are_explained(county):
    june = _entry(_judge(county), "二.2-调研指导", "2019-06", "甲镇")
    assert [x["counted"] for x in june.explain] == [False]
    assert "不在规定范围" in june.explain[0]["reason"] and june.explain[0]["source"] == "log.csv:14"
    visits = _entry(_judge(county), "二.2-走访", "2019", "甲镇")
    assert visits.missing == ["西村"]
    year = _entry(_judge(county), "五.1-调研指导-年", "2019", "县财政局")
    assert [x["counted"] for x in year.explain] == [True, True, True, True, False]


def test_open_windows_and_days_left(county):
    result = _judge(county, at="2019-05-20")
    may = _entry(result, "四.2-工作例会", "2019-05", "甲镇")
    assert may.status == "open" and may.days_left == 12
    april = _entry(result, "四.2-工作例会", "2019-04", "甲镇")
    assert april.status == "met" and april.days_left is None
    assert _entry(result, "一.8-轮训", "2019", "东村驻村帮扶工作队", "杨书记").status == "open"


def test_a_handover_mid_window_shows_both_holders(county, tmp_path):
    header, rows = BASE["县级领导"]
    later = [["林书记", "县委书记", "", "", "2018-01-01", ""], ["新领导", "副县长", "甲镇", "", "2019-05-15", ""],
             *rows[1:]]
    log = write_csv(tmp_path / "log2.csv", HEADER, [["2019-05-20", "林书记", "调研指导", "甲镇", "", "已不联系甲镇"]])
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "l2.csv", header, later)), str(log)], mode="snapshot")
    may = _entry(_judge(county), "二.2-调研指导", "2019-05", "甲镇")
    assert may.person == "林书记、新领导"
    assert [(h["person"], h["from"], h["to"], h["days"], h["done"]) for h in may.holders] == [
        ("林书记", "2019-05-01", "2019-05-14", 14, 1), ("新领导", "2019-05-15", "2019-05-31", 17, 0)]
    assert may.status == "met" and may.done == 1
    result = _judge(county)
    june = _entry(result, "二.2-调研指导", "2019-06", "甲镇")
    assert june.person == "新领导" and june.done == 0
    assert any(f["subject"] == "林书记" and f["date"] == "2019-05-20" for f in result.flagged)


def test_windows():
    assert [w.label for w in windows(1, "2019-04-15", "2019-06-01")] == ["2019-04", "2019-05", "2019-06"]
    assert [(w.label, w.start, w.end) for w in windows(6, "2019-04-01", "2019-06-30")] == [
        ("2019H1", "2019-01-01", "2019-06-30")]
    assert [w.label for w in windows(3, "2019-11-01", "2020-02-01")] == ["2019Q4", "2020Q1"]


def test_cli_duties(county, runner):
    result = runner.invoke(cli, ["--project", str(county), "duties", "--period", "2019Q2", "--at", "2019-12-31"])
    assert result.exit_code == 0, result.output
    assert "二.2 到联系乡镇调研指导工作" in result.output and "未达标" in result.output
    data = json.loads(runner.invoke(cli, ["--project", str(county), "duties", "--period", "2019Q2", "--at",
                                          "2019-12-31", "--format", "json", "--township", "甲镇"]).stdout)
    keys = {"clause", "duty", "what", "post", "person", "body", "from", "to", "required", "done", "status", "missing",
            "evidence"}
    assert data["duties"] and all(keys <= set(d) for d in data["duties"])
    assert {d["scope"] for d in data["duties"] if d["duty"].startswith("二.2")} == {"甲镇"}
    csv_out = runner.invoke(cli, ["--project", str(county), "duties", "--period", "2019Q2", "--format", "csv"]).stdout
    assert csv_out.startswith("\ufeff条款,职责,履职事项")


def test_a_liability_carries_the_holders_duty_record(county, tmp_path):
    findings = write_csv(tmp_path / "f.csv", F_HEADER,
                         [["2019-06-25", "市督查组", "督查失察", "县", "通渭县", ""],
                          ["2019-06-26", "市督查组", "日常管理不严", "乡镇", "甲镇", ""]])
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(findings)])
    from zeren.queries.check import check

    with Store.open(county) as store:
        result = check(store, "2019-04-01", "2019-06-30")
    lapse = next(li for li in result.liabilities if li.rule == "一.5-1" and li.body == "县委督查室")
    assert [(d["duty"], d["window"], d["done"], d["required"], d["status"]) for d in lapse.duties] == [
        ("一.5-督查暗访", "2019Q2", 1.0, 1.0, "met")]
    lax = next(li for li in result.liabilities if li.rule == "四.2-1" and li.post == "党委书记")
    # judged as on the project's default day, the latest finding's (2019-06-26): June is still open
    assert [(d["window"], d["status"]) for d in lax.duties] == [
        ("2019-04", "met"), ("2019-05", "missed"), ("2019-06", "open")]


def test_cli_explain_says_why_a_record_did_not_count(county, runner):
    out = runner.invoke(cli, ["--project", str(county), "duties", "--period", "2019-06", "--duty", "二.2-调研指导",
                              "--township", "甲镇", "--at", "2019-12-31", "--explain"])
    assert out.exit_code == 0, out.output
    assert "2019-06 甲镇：log.csv:14 2019-06-10 林书记 → 乙乡——对象“乙乡”不在规定范围（甲镇）内" in out.stdout


def test_an_entry_as_dict_has_every_field_in_order():
    from dataclasses import fields

    from zeren.queries.duty_judge import DutyEntry

    e = DutyEntry(*[f"v{i}" for i in range(len(fields(DutyEntry)))])
    d = e.as_dict()
    names = [f.name for f in fields(DutyEntry) if f.name not in ("start", "end")]
    assert list(d) == [*names, "from", "to"]
    assert [d[n] for n in names] == [getattr(e, n) for n in names]
    assert (d["from"], d["to"]) == (e.start, e.end)


@pytest.mark.parametrize("explain", [False, True])
def test_a_few_holders_judged_from_their_own_records_as_from_the_whole_log(county, monkeypatch, explain):
    """Judging the holders of a few start nodes (a check's liable ones) reads the log subject by
    subject (SubjectLog); the judgements are those of the whole log read at once, for every
    start of the county taken one kind at a time and all together."""
    import zeren.queries.duties as duties_module

    with Store.open(county) as store:
        starts = [n for kind in ("county", "township", "village", "household", "unit", "team")
                  for n in sorted(store.node_ids(kind))]
        scopes = [set(starts)] + [{n for n in starts if n.startswith(k + ":")}
                                  for k in ("county", "township", "household", "unit")]
        for scope in scopes:
            judged = {}
            for narrow in (0, 10**9):
                monkeypatch.setattr(duties_module, "NARROW", narrow)
                judged[narrow] = duties(store, "2019-01-01", "2019-12-31", at="2019-07-15", scope_ids=scope,
                                        explain=explain).as_dict()
            assert judged[0]["duties"], scope
            assert judged[10**9] == judged[0], sorted(scope)[:3]
