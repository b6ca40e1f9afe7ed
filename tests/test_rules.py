"""Every rule of the Tongwei rulebook on small inline counties: triggered, not triggered,
exactly at the threshold, holders changing mid-period, joint liability, the JSON contract."""

from __future__ import annotations

import json

import pytest
from rosters import BASE, F_HEADER, idnum, write_base, write_csv
from zeren.cli.main import cli
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files
from zeren.queries.check import evaluate
from zeren.queries.trace import trace

CONTRACT_KEYS = {"clause", "triggered", "kind", "post", "person", "body", "scope"}


@pytest.fixture
def county(project, tmp_path):
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in write_base(tmp_path)])
    return project


def add_findings(project, tmp_path, rows, name="f.csv"):
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / name, F_HEADER, rows))])


def run(project, lo="2019-04-01", hi="2019-06-30"):
    with Store.open(project) as store:
        return evaluate(store, lo, hi)


def of(result, rule, triggered=True):
    return [li for li in result.liabilities if li.rule == rule and li.triggered == triggered]


def people(entries):
    return sorted((li.kind, li.post, li.person or li.body) for li in entries)


def test_no_findings_every_rule_untriggered(county):
    result = run(county)
    assert not result.triggered
    rules = {li.rule for li in result.liabilities}
    assert {"四.4-1", "四.2-2", "一.6-1", "三.5-1", "五.4-1"} <= rules
    assert "二.1-1" not in rules  # standing responsibilities are not evaluated by check


def test_一_3_部署_and_结语_escalation(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "市督查组", "部署落实不到位", "县", "通渭县", ""]])
    result = run(county)
    assert people(of(result, "一.3-1")) == [("领导责任", "县委分管领导", "高副书记"), ("领导责任", "县政府分管领导", "罗副县长")]
    assert people(of(result, "结语-1")) == [("深刻检查", "县委分管领导", "高副书记"), ("深刻检查", "县政府分管领导", "罗副县长")]
    assert of(result, "结语-1")[0].consequence == "向县委作出深刻检查"


def test_一_3_negative_incident_in_township(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "", "重大负面影响", "乡镇", "甲镇", ""]])
    assert people(of(run(county), "一.3-2")) == [("领导责任", "党委书记", "赵书记")]


def test_一_5_inspection_lapse_names_the_four_offices(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "", "督查失察", "县", "通渭县", ""]])
    got = of(run(county), "一.5-1")
    assert sorted(li.body for li in got) == sorted(["县委督查室", "县政府督查室", "县脱贫攻坚帮扶工作协调领导小组办公室",
                                                    "县驻村帮扶工作队管理领导小组办公室"])
    assert {li.kind for li in got} == {"失察责任"} and got[0].by == "县脱贫攻坚领导小组"


def test_一_6_and_四_2_absent_teams(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "", "驻村走读", "工作队", "甲镇/东村", ""]])
    result = run(county)
    county_rule = of(result, "一.6-1")
    assert county_rule[0].numerator == 1 and county_rule[0].denominator == 3  # 1 of 3 teams ≥ 5%
    assert ("问责", "党委书记", "赵书记") in people(county_rule)
    assert ("问责", "党建办主任", "孙主任") in people(county_rule)
    township_rule = of(result, "四.2-2")
    assert people(township_rule) == [("主要责任", "党委书记", "赵书记"), ("直接责任", "乡镇驻村帮扶工作队总队长", "冯总队长"),
                                     ("直接责任", "党建办主任", "孙主任"), ("直接责任", "队长", "韩队长")]
    assert township_rule[0].numerator == 1 and township_rule[0].denominator == 2
    assert "1 / 2 支驻村帮扶工作队 = 50.0% ≥ 3%" in township_rule[0].explanation


def test_一_7_trace_start_and_五_4_veto(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "", "一户一策未制定", "户", "H003", ""]])
    result = run(county)
    assert people(of(result, "一.7-1")) == [("倒查责任", "帮扶责任人", "吕干部")]
    veto = of(result, "五.4-1")
    assert [(li.kind, li.body) for li in veto] == [("一票否决", "县财政局")]


def test_一_7_rectification_and_一_8_training(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "", "整改不到位", "乡镇", "乙乡", ""],
                                    ["2019-05-02", "", "培训不足", "县", "通渭县", ""]])
    result = run(county)
    assert people(of(result, "一.7-2")) == [("主要责任", "乡镇党委政府", "乙乡党委政府"), ("追责问责", "党委书记", "周书记")]
    assert of(result, "一.8-1") == []  # the list names no department: unresolved, not a blank line
    gap = next(u for u in result.unresolved if u.rule == "一.8-1")
    assert gap.body == "县直相关部门" and "未指明" in gap.reason and "members" in gap.hint


def test_三_5_joint_liability(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "", "帮扶村发展停滞", "村", "甲镇/东村", ""]])
    got = of(run(county), "三.5-1")
    assert sorted((li.kind, li.body) for li in got) == [("主要责任", "县财政局"), ("连带责任", "县交通局")]


def test_四_2_management_and_unsolved_problems(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "", "日常管理不严", "村", "甲镇/西村", ""],
                                    ["2019-05-02", "", "工作队反映问题未解决", "工作队", "乙乡/北村", ""]])
    result = run(county)
    assert people(of(result, "四.2-1")) == sorted([("管理责任", "包村领导", "孙主任"), ("管理责任", "党委书记", "赵书记"),
                                                  ("直接责任", "党建办主任", "孙主任")])
    assert of(result, "四.2-1")[0].by == "县委主要领导"
    assert people(of(result, "四.2-3")) == [("主要责任", "党委书记", "周书记")]


def test_四_2_management_finding_on_a_township_cannot_name_a_village_leader(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "", "日常管理不严", "乡镇", "甲镇", ""]])
    result = run(county)
    assert people(of(result, "四.2-1")) == sorted([("直接责任", "党建办主任", "孙主任"),
                                                  ("管理责任", "党委书记", "赵书记")])
    leader = next(li for li in of(result, "四.2-1", triggered=False) if li.role == "village.post(包村领导)")
    assert not leader.applicable and leader.person is None and leader.post == "包村领导"
    assert "对象是乡镇" in leader.explanation and leader.findings == [1]


def test_四_3_village_committee(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "", "两委作用发挥不好", "村", "北村", ""]])
    assert people(of(run(county), "四.3-1")) == [("主要责任", "党委书记", "周书记"), ("直接责任", "包村领导", "吴乡长")]


def test_五_1_and_五_4_unit_misses_annual_task(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "", "年度任务未完成", "单位", "县财政局", ""]])
    result = run(county)
    assert people(of(result, "五.1-1")) == [("领导责任", "主要领导", "褚局长"), ("领导责任", "分管领导", "卫副局长")]
    assert [(li.kind, li.body) for li in of(result, "五.4-2")] == [("一票否决", "县财政局")]


def test_五_3_unfit_cadre_and_bad_impact(county, tmp_path):
    add_findings(county, tmp_path, [["2019-05-01", "", "驻村干部不胜任", "干部", "县财政局/韩队长", ""],
                                    ["2019-05-02", "", "重大负面影响", "干部", "韩队长", ""]])
    result = run(county)
    assert people(of(result, "五.3-1")) == [("问责", "驻村干部本人", "韩队长")]
    assert people(of(result, "五.3-2")) == [("追究责任", "主要领导", "褚局长")]


def _big_township(tmp_path, project, households=100):
    header, rows = BASE["结对帮扶"]
    extra = [[f"B{i:03d}", f"户{i}", idnum(f"621121198002{i:03d}10"[:17]), "乙乡", "北村", "施干部", "县交通局",
              "2018-06-01", ""] for i in range(households - 1)]
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "big.csv", header, [rows[3], *extra]))])


@pytest.mark.parametrize("failing,triggered,near", [(3, True, False), (2, False, True), (1, False, False)])
def test_四_4_exactly_at_the_threshold(county, tmp_path, failing, triggered, near):
    _big_township(tmp_path, county)  # 乙乡: 100 households
    add_findings(county, tmp_path, [[f"2019-05-0{i + 1}", "", "一户一策未落实", "户", f"B{i:03d}", ""]
                                    for i in range(failing)])
    entry = next(li for li in run(county).liabilities if li.rule == "四.4-1" and li.scope == "乙乡")
    assert (entry.numerator, entry.denominator, entry.threshold) == (failing, 100, "3%")
    assert entry.triggered is triggered and entry.near_miss is near
    assert f"{failing} / 100 户贫困户 = {failing}.0% {'≥' if triggered else '<'} 3%" in entry.explanation
    assert entry.person == "周书记"


def test_四_4_secretary_is_whoever_held_the_post_when_the_threshold_was_crossed(county, tmp_path):
    _big_township(tmp_path, county)
    header, rows = BASE["乡镇"]
    later = [rows[0], ["乙乡", "新书记", "吴乡长", "郑主任", "2019-05-10", ""]]
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "t2.csv", header, later))])
    add_findings(county, tmp_path, [["2019-05-01", "", "一户一策未落实", "户", "B000", ""],
                                    ["2019-05-05", "", "一户一策未落实", "户", "B001", ""],
                                    ["2019-05-20", "", "一户一策未落实", "户", "B002", ""]])
    entry = of(run(county), "四.4-1")[0]
    assert entry.person == "新书记" and entry.date == "2019-05-20"  # the 3rd household crossed 3%
    before = of(run(county, hi="2019-05-09"), "四.4-1", triggered=False)[0]
    assert before.person == "周书记" and before.numerator == 2


def test_captain_rotated_mid_period(county, tmp_path):
    header, rows = BASE["工作队"]
    later = [r for r in rows if not (r[1] == "东村" and r[3] == "队长")]
    later.append(["甲镇", "东村", "新队长", "队长", "县财政局", "2019-05-01", ""])
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "t2.csv", header, later))])
    add_findings(county, tmp_path, [["2019-04-20", "", "驻村走读", "工作队", "甲镇/东村", "轮换前"],
                                    ["2019-05-10", "", "驻村走读", "工作队", "甲镇/西村", "轮换后"]])
    captains = {li.person for li in of(run(county), "四.2-2") if li.post == "队长"}
    assert captains == {"韩队长", "秦队长"}  # 东村 found before the rotation: the old captain
    with Store.open(county) as store:
        chain = trace(store, "finding", "1").chain
        assert next(c.person for c in chain if c.label == "驻村帮扶工作队队长") == "韩队长"
        chain = trace(store, "finding", "1", at="2019-05-02").chain
        assert next(c.person for c in chain if c.label == "驻村帮扶工作队队长") == "新队长"


def test_check_json_contract(county, tmp_path, runner):
    add_findings(county, tmp_path, [["2019-05-01", "", "一户一策未制定", "户", "H003", ""]])
    result = runner.invoke(cli, ["--project", str(county), "check", "--period", "2019Q2", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["from"] == "2019-04-01" and data["to"] == "2019-06-30"
    for li in data["liabilities"]:
        assert CONTRACT_KEYS <= set(li), li
    t44 = next(li for li in data["liabilities"] if li["clause"] == "四.4" and li["triggered"])
    assert (t44["numerator"], t44["denominator"], t44["threshold"]) == (1, 3, "3%")
    assert t44["person"] == "赵书记" and t44["post"] == "党委书记" and t44["scope"] == "甲镇"


def test_trace_plan_json_contract(county, tmp_path, runner):
    add_findings(county, tmp_path, [["2019-05-01", "", "一户一策未制定", "户", "H003", ""]])
    result = runner.invoke(cli, ["--project", str(county), "trace", "plan", "P003", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["at"] == "2019-05-01"
    chain = {c["label"]: c for c in data["chain"]}
    assert chain["帮扶责任人"]["person"] == "吕干部" and chain["帮扶责任人"]["edge"] == "ASSISTS"
    assert chain["驻村帮扶工作队队长"]["person"] == "秦队长" and chain["驻村帮扶工作队队长"]["edge"] == "LEADS"
    assert chain["乡镇驻村帮扶工作队总队长"]["edge"] == "SUPERVISES"
    assert chain["县直组长单位"]["name"] == "县交通局"
    assert chain["县委书记（第一责任人）"]["person"] == "林书记"
    assert chain["帮扶责任人"]["source"]["row"] == 4  # the pairing row of H003
    for link in data["chain"]:
        assert {"name", "post", "person", "edge"} <= set(link)
    assert {li["clause"] for li in data["liabilities"] if li["triggered"]} == {"一.7", "四.4", "五.4"}
    assert [s["clause"] for s in data["standing"]] == ["二.1"]
    assert data["object"]["props"] == {"household": "household:H003", "status": "未制定"}


def test_trace_masks_personal_data(county, runner):
    result = runner.invoke(cli, ["--project", str(county), "trace", "household", "H001", "--format", "json"])
    hh = json.loads(result.output)["object"]["props"]
    full = idnum("62112119800101001")
    assert hh["id_number"] == full[:6] + "********" + full[-4:]
    assert full not in result.output
    # The project keeps a 身份证号 only masked and as a keyed hash: no output, nor the file, has it.
    assert full.encode() not in county.read_bytes()
    assert len(hh["id_number_hash"]) == 32


def test_check_csv_is_formula_safe(county, tmp_path, runner):
    add_findings(county, tmp_path, [["2019-05-01", "", "整改不到位", "乡镇", "甲镇", "=HYPERLINK(\"x\")"]])
    result = runner.invoke(cli, ["--project", str(county), "check", "--period", "2019Q2", "--format", "csv"])
    assert result.exit_code == 0
    assert result.output.startswith("\ufeff条款,规则,是否触发")
    assert "一.7,一.7-2,是,主要责任" in result.output


def test_trace_errors(county, runner):
    for args, message in [(["trace", "plan", "NOPE"], "计划编号 NOPE 不在项目中"),
                          (["trace", "finding", "99"], "督查发现 99 不在项目中"),
                          (["check", "--period", "2019Q5"], "period"),
                          (["check", "--from", "2019-05-01"], "--period")]:
        result = runner.invoke(cli, ["--project", str(county), *args])
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_check_township_filter(county, tmp_path, runner):
    add_findings(county, tmp_path, [["2019-05-01", "", "两委作用发挥不好", "村", "北村", ""],
                                    ["2019-05-01", "", "两委作用发挥不好", "村", "甲镇/东村", ""]])
    result = runner.invoke(cli, ["--project", str(county), "check", "--period", "2019Q2", "--township", "乙乡",
                                 "--format", "json"])
    people_named = {li["person"] for li in json.loads(result.output)["liabilities"]}
    assert "周书记" in people_named and "赵书记" not in people_named


def test_chain_index_agrees_with_the_trace(county):
    from zeren.queries.batch import ChainIndex

    with Store.open(county) as store:
        index = ChainIndex(store, "2019-05-01")
        assert len(index) == 4
        for hh in ("H001", "H002", "H003", "H004"):
            fast = [(link.label, link.node, link.person) for link in index.chain(f"household:{hh}")]
            full = [(c.label, c.node, c.person) for c in trace(store, "household", hh, at="2019-05-01").chain
                    if c.kind != "household"]
            assert fast == full, hh
        assert index.chain("household:NOPE") == ()


def test_csv_quotes_what_excel_would_run():
    import csv
    import io

    from zeren.cli.format import liabilities_csv
    from zeren.queries.check import Liability

    li = Liability(clause="四.4", rule="四.4-1", triggered=True, kind="主要责任", post="党委书记", person="=1+1",
                   body="@SUM(A1)", scope="-2", explanation="+cmd|' /C calc'!A0", findings=[3, 4])
    rows = list(csv.reader(io.StringIO(liabilities_csv([li]).lstrip("\ufeff"))))
    row = dict(zip(rows[0], rows[1]))
    assert row["责任人"] == "'=1+1" and row["机构"] == "'@SUM(A1)" and row["范围"] == "'-2"
    assert row["依据"].startswith("'+cmd") and row["督查发现"] == "#3、#4" and row["职务"] == "党委书记"


def test_user_typed_ids_match_like_roster_names(county, tmp_path, runner):
    add_findings(county, tmp_path, [["2019-05-01", "", "一户一策未制定", "户", "H003", ""]])
    result = runner.invoke(cli, ["--project", str(county), "trace", "plan", "Ｐ００３", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["object"]["id"] == "plan:P003"
    township = runner.invoke(cli, ["--project", str(county), "check", "--period", "2019Q2", "--township", "甲镇\u3000"])
    assert township.exit_code == 0 and "赵书记" in township.output


def test_trace_of_a_cadre_finding_shows_the_cadre_and_the_unit(county, tmp_path, runner):
    add_findings(county, tmp_path, [["2019-05-01", "", "驻村干部不胜任", "干部", "县财政局/韩队长", ""]])
    data = json.loads(runner.invoke(cli, ["--project", str(county), "trace", "finding", "1", "--format", "json"]).output)
    chain = [(c["label"], c["name"], c["person"]) for c in data["chain"]]
    assert chain[:4] == [("干部本人", "韩队长", "韩队长"), ("单位", "县财政局", None),
                         ("单位主要领导（第一责任人）", "主要领导", "褚局长"),
                         ("单位分管领导（直接责任人）", "分管领导", "卫副局长")]
    assert [li["clause"] for li in data["liabilities"] if li["triggered"]] == ["五.3"]
