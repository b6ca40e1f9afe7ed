"""People and tenure: the holder on the day the problem happened, tenure on every entry, a
person's whole record, identity across rosters, duplicates confirmed by hand, rounds, conflicts."""

from __future__ import annotations

import json

import pytest
from rosters import BASE, write_base, write_csv
from zeren.cli.main import cli
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files
from zeren.queries.check import check
from zeren.queries.person import Ambiguous, dossier

F_HEADER = ["发现日期", "督查主体", "问题类型", "对象类型", "对象", "说明", "问题发生日期", "督查批次"]


@pytest.fixture
def county(project, tmp_path):
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in write_base(tmp_path)])
    return project


def _rotate_captain(project, tmp_path, day="2019-05-01"):
    header, rows = BASE["工作队"]
    later = [r for r in rows if not (r[1] == "东村" and r[3] == "队长")]
    later.append(["甲镇", "东村", "新队长", "队长", "县财政局", day, ""])
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "t2.csv", header, later))])


def _findings(project, tmp_path, rows, name="f.csv"):
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / name, F_HEADER, [r + [""] * (8 - len(r)) for r in rows]))])


def test_the_holder_when_the_problem_happened_is_liable(county, tmp_path):
    _rotate_captain(county, tmp_path)
    _findings(county, tmp_path, [["2019-05-20", "县委督查室", "驻村走读", "工作队", "甲镇/东村", "四月不在村", "2019-04-20"]])
    with Store.open(county) as store:
        result = check(store, "2019-04-01", "2019-06-30")
    captain = next(li for li in result.liabilities if li.rule == "四.2-2" and li.post == "队长")
    assert (captain.person, captain.holder_at_finding, captain.date) == ("韩队长", "新队长", "2019-04-20")
    assert captain.tenure == {"from": "2018-06-01", "to": "2019-04-30"}
    assert captain.days_in_post == 324
    secretary = next(li for li in result.liabilities if li.rule == "四.2-2" and li.post == "党委书记")
    assert secretary.tenure == {"from": "2018-06-01", "to": None} and secretary.holder_at_finding is None


def test_a_threshold_uses_the_days_the_problems_happened(county, tmp_path):
    header, rows = BASE["乡镇"]
    later = [rows[0][:5] + [""], ["乙乡", "新书记", "吴乡长", "郑主任", "2019-05-10", ""]]
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "t.csv", header, later))])
    # found after the new secretary came, but the problem happened under the old one
    _findings(county, tmp_path, [["2019-06-01", "", "一户一策未落实", "户", "H004", "", "2019-04-10"]])
    with Store.open(county) as store:
        entry = next(li for li in check(store, "2019-04-01", "2019-06-30").liabilities if li.rule == "四.4-1")
    assert (entry.person, entry.date, entry.holder_at_finding) == ("周书记", "2019-04-10", "新书记")


def test_an_occurrence_after_the_finding_is_refused(county, tmp_path, runner):
    path = write_csv(tmp_path / "bad.csv", F_HEADER, [["2019-05-01", "", "驻村走读", "工作队", "甲镇/东村", "", "2019-06-01", ""]])
    result = runner.invoke(cli, ["--project", str(county), "load", str(path)])
    assert result.exit_code == 1 and "问题发生日期晚于发现日期 2019-05-01" in result.output


def test_dossier_lists_posts_liabilities_and_gaps(county, tmp_path, runner):
    _rotate_captain(county, tmp_path)
    _findings(county, tmp_path, [["2019-05-20", "县委督查室", "驻村走读", "工作队", "甲镇/东村", "", "2019-04-20"]])
    with Store.open(county) as store:
        d = dossier(store, "韩队长", at="2019-06-01")
    assert [(p.post, p.start, p.end, p.source) for p in d.posts] == [("队长", "2018-06-01", "2019-04-30", "工作队.csv:2")]
    assert [(li["clause"], li["kind"]) for li in d.liabilities] == [("四.2", "直接责任")]
    assert d.liabilities[0]["holder_at_finding"] == "新队长"
    data = json.loads(runner.invoke(cli, ["--project", str(county), "person", "林书记", "--format", "json"]).output)
    assert {p["post"] for p in data["posts"]} == {"县委书记", "县级联系乡镇领导", "包抓县级领导"}
    assert all({"post", "body", "from", "to", "source"} <= set(p) for p in data["posts"])
    table = runner.invoke(cli, ["--project", str(county), "person", "韩队长", "--at", "2019-06-01"])
    assert table.exit_code == 0 and "2019-04-30" in table.output and "新队长" in table.output


def test_an_ambiguous_name_lists_the_candidates(county, tmp_path, runner):
    header, rows = BASE["结对帮扶"]
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "p.csv", header, [
            ["H009", "户主九", "", "乙乡", "北村", "何干部", "县交通局", "2018-06-01", ""]]))], mode="add")
        with pytest.raises(Ambiguous) as info:
            dossier(store, "何干部")
    assert len(info.value.candidates) == 2
    result = runner.invoke(cli, ["--project", str(county), "person", "何干部"])
    assert result.exit_code == 1 and "有 2 人" in result.output and "--unit" in result.output
    ok = runner.invoke(cli, ["--project", str(county), "person", "何干部", "--unit", "县交通局", "--format", "json"])
    assert ok.exit_code == 0 and json.loads(ok.output)["ids"] == ["person:县交通局/何干部"]


def test_merge_by_confirmation_is_recorded_and_reversible(county, tmp_path, runner):
    header, rows = BASE["结对帮扶"]
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "p.csv", header, [
            ["H009", "户主九", "", "乙乡", "北村", "何干部", "县交通局", "2018-06-01", ""]]))], mode="add")
    merged = runner.invoke(cli, ["--project", str(county), "person", "merge", "person:县财政局/何干部",
                                 "person:县交通局/何干部", "--note", "同一人"])
    assert merged.exit_code == 0, merged.output
    data = json.loads(runner.invoke(cli, ["--project", str(county), "person", "何干部", "--format", "json"]).output)
    assert data["ids"] == ["person:县交通局/何干部", "person:县财政局/何干部"]
    with Store.open(county) as store:
        assert store.batches()[-1]["mode"] == "merge"
        batch = store.batches()[-1]["id"]
    assert runner.invoke(cli, ["--project", str(county), "revert", str(batch)]).exit_code == 0
    assert runner.invoke(cli, ["--project", str(county), "person", "何干部"]).exit_code == 1  # ambiguous again


def test_identity_column_links_one_person_across_rosters(project, tmp_path):
    header = ["乡镇", "村", "姓名", "队内职务", "派出单位", "干部编号", "起始日期", "终止日期"]
    rows = [[*r[:5], "GB-007" if r[2] == "韩队长" else "", *r[5:]] for r in BASE["工作队"][1]]
    leaders = ["姓名", "职务", "联系乡镇", "包抓村", "干部编号", "起始日期", "终止日期"]
    lrows = [[*r[:4], "", *r[4:]] for r in BASE["县级领导"][1]] + [["韩队长", "挂职县委副书记", "", "", "ＧＢ-007", "2019-01-01", ""]]
    files = [p for p in write_base(tmp_path) if p.name not in ("工作队.csv", "县级领导.csv")]
    files += [write_csv(tmp_path / "t.csv", header, rows), write_csv(tmp_path / "l.csv", leaders, lrows)]
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in files])
        d = dossier(store, "韩队长")
    assert d.ids == ["person:#GB-007"]  # one person, though the rosters name him in two organisations
    assert {p.post for p in d.posts} == {"队长", "挂职县委副书记"}


def test_rounds_and_conflicts(county, tmp_path, runner):
    _findings(county, tmp_path, [
        ["2019-05-01", "县交通局", "帮扶村发展停滞", "村", "乙乡/北村", "", "", "2019年第一轮"],
        ["2019-08-01", "常年督查组", "帮扶村发展停滞", "村", "甲镇/东村", "", "", "2019年第二轮"]])
    with Store.open(county) as store:
        first = check(store, None, None, round_name="2019年第一轮")
        assert (first.date_from, first.date_to, len(first.findings)) == ("2019-05-01", "2019-05-01", 1)
        unit = next(li for li in first.liabilities if li.rule == "三.5-1" and li.kind == "主要责任")
        assert unit.body == "县交通局" and "督查主体“县交通局”同时是本案的责任方" in unit.conflict
    result = runner.invoke(cli, ["--project", str(county), "check", "--round", "没有这一轮"])
    assert result.exit_code == 1 and "2019年第一轮" in result.output
    second = json.loads(runner.invoke(cli, ["--project", str(county), "check", "--round", "2019年第二轮", "--format",
                                            "json"]).output)
    assert all(not li.get("conflict") for li in second["liabilities"] if li["triggered"])
