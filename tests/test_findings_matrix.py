"""Every finding type × every object type the Tongwei rulebook allows, each alone in a quarter:
the exact holders named, the rules that do not apply (with why), the parties nobody can be
named for, and the warnings. A wrong liability line is worse than a missing one."""

from __future__ import annotations

import re

import pytest
from rosters import BASE, F_HEADER, write_base, write_csv
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files
from zeren.queries.check import check
from zeren.queries.trace import trace

OFFICES = {"县委督查室", "县政府督查室", "县脱贫攻坚帮扶工作协调领导小组办公室", "县驻村帮扶工作队管理领导小组办公室"}


def _county(project, tmp_path):
    """The tiny county, plus 乙乡/中村: a poor village helped only by a provincial unit."""
    files = write_base(tmp_path)
    header, rows = BASE["村"]
    villages = write_csv(tmp_path / "村2.csv", header, [r for r in rows if r[0] == "乙乡"]
                         + [["乙乡", "中村", "是", "吴乡长", "2018-06-01", ""]])
    header, rows = BASE["帮扶单位"]
    helping = write_csv(tmp_path / "帮扶2.csv", header, [r for r in rows if r[4] == "乙乡"]
                        + [["甘肃省交通运输厅", "省直", "省厅长", "省副厅长", "乙乡", "中村", "2018-06-01", ""]])
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in files])
        load_files(store, [str(villages), str(helping)])
    return project


# (问题类型, 对象类型, 对象) → the triggered liabilities (clause, kind, person or body), the rules
# not applicable, the unresolved (rule, post), the warnings (a phrase each).
CASES = [
    ("一户一策未制定", "户", "H001",
     {("一.7", "倒查责任", "何干部"), ("四.4", "主要责任", "赵书记"), ("五.4", "一票否决", "县财政局")},
     set(), set(), ["已制定"]),
    ("一户一策未落实", "户", "H003",
     {("一.7", "倒查责任", "吕干部"), ("四.4", "主要责任", "赵书记"), ("五.4", "一票否决", "县财政局")},
     set(), set(), []),
    ("驻村走读", "工作队", "甲镇/东村",
     {("一.6", "问责", "高副书记"), ("一.6", "问责", "罗副县长"), ("一.6", "问责", "赵书记"), ("一.6", "问责", "孙主任"),
      ("四.2", "主要责任", "赵书记"), ("四.2", "直接责任", "冯总队长"), ("四.2", "直接责任", "韩队长"),
      ("四.2", "直接责任", "孙主任"), ("结语", "深刻检查", "高副书记"), ("结语", "深刻检查", "罗副县长")},
     set(), set(), []),
    ("驻村走读", "工作队", "甲镇/南村", set(), {"一.6-1", "四.2-2"}, set(), ["不存在"]),
    ("帮扶村发展停滞", "村", "甲镇/东村", {("三.5", "主要责任", "县财政局"), ("三.5", "连带责任", "县交通局")},
     set(), set(), []),
    ("帮扶村发展停滞", "村", "乙乡/中村", set(), {"三.5-1"}, set(), []),  # a provincial unit only
    ("帮扶村发展停滞", "村", "甲镇/南村", set(), {"三.5-1"}, set(), []),  # no helping unit at all
    ("整改不到位", "乡镇", "乙乡", {("一.7", "主要责任", "乙乡党委政府"), ("一.7", "追责问责", "周书记")},
     set(), set(), []),
    ("培训不足", "县", "通渭县", set(), set(), {("一.8-1", "县直相关部门")}, []),
    ("督查失察", "县", "通渭县", {("一.5", "失察责任", o) for o in OFFICES}, set(), set(), []),
    ("重大负面影响", "乡镇", "甲镇", {("一.3", "领导责任", "赵书记")}, {"五.1-1", "五.3-2"}, set(), []),
    ("重大负面影响", "单位", "县财政局", {("五.1", "领导责任", "褚局长"), ("五.1", "领导责任", "卫副局长")},
     {"一.3-2", "五.3-2"}, set(), []),
    ("重大负面影响", "单位", "县审计局", set(), {"一.3-2", "五.1-1", "五.3-2"}, set(), []),  # a lead unit, helps no village
    ("重大负面影响", "干部", "县财政局/韩队长", {("五.3", "追究责任", "褚局长")}, {"一.3-2", "五.1-1"}, set(), []),
    ("重大负面影响", "干部", "县财政局/何干部", set(), {"一.3-2", "五.1-1", "五.3-2"}, set(), []),  # not dispatched
    ("工作队反映问题未解决", "工作队", "乙乡/北村", {("四.2", "主要责任", "周书记")}, set(), set(), []),
    ("工作队反映问题未解决", "村", "乙乡/北村", {("四.2", "主要责任", "周书记")}, set(), set(), []),
    ("工作队反映问题未解决", "乡镇", "甲镇", {("四.2", "主要责任", "赵书记")}, set(), set(), []),
    ("两委作用发挥不好", "村", "乙乡/北村", {("四.3", "主要责任", "周书记"), ("四.3", "直接责任", "吴乡长")},
     set(), set(), []),
    ("两委作用发挥不好", "村", "甲镇/南村", set(), {"四.3-1"}, set(), []),  # not a poor village
    ("日常管理不严", "工作队", "甲镇/东村",
     {("四.2", "管理责任", "赵书记"), ("四.2", "管理责任", "钱镇长"), ("四.2", "直接责任", "孙主任")}, set(), set(), []),
    ("日常管理不严", "村", "甲镇/西村",
     {("四.2", "管理责任", "赵书记"), ("四.2", "管理责任", "孙主任"), ("四.2", "直接责任", "孙主任")}, set(), set(), []),
    ("日常管理不严", "乡镇", "甲镇", {("四.2", "管理责任", "赵书记"), ("四.2", "直接责任", "孙主任")},
     {"四.2-1"}, set(), []),  # the 包村领导 is named only for a village or its team
    ("年度任务未完成", "单位", "县财政局",
     {("五.1", "领导责任", "褚局长"), ("五.1", "领导责任", "卫副局长"), ("五.4", "一票否决", "县财政局")},
     set(), set(), []),
    ("年度任务未完成", "单位", "县审计局", set(), {"五.1-1", "五.4-2"}, set(), []),
    ("驻村干部不胜任", "干部", "县财政局/韩队长", {("五.3", "问责", "韩队长")}, set(), set(), []),
    ("驻村干部不胜任", "干部", "县财政局/何干部", set(), {"五.3-1"}, set(), []),
    ("部署落实不到位", "县", "通渭县",
     {("一.3", "领导责任", "高副书记"), ("一.3", "领导责任", "罗副县长"), ("结语", "深刻检查", "高副书记"),
      ("结语", "深刻检查", "罗副县长")}, set(), set(), []),
    ("乡镇帮扶推动不力", "乡镇", "乙乡", {("一.3", "领导责任", "周书记")}, set(), set(), []),
]


@pytest.fixture
def county(project, tmp_path):
    return _county(project, tmp_path)


def _run(project, tmp_path, ftype, otype, obj):
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "f.csv", F_HEADER, [["2019-05-01", "县委督查室", ftype, otype, obj,
                                                                        "督查抽查"]]))])
    with Store.open(project) as store:
        return check(store, "2019-04-01", "2019-06-30")


def test_every_finding_type_and_object_type_is_covered(rulebook):
    covered = {(c[0], c[1]) for c in CASES}
    allowed = {(t, o) for t, objects in rulebook.finding_types.items() for o in objects}
    assert covered == allowed


@pytest.mark.parametrize("ftype,otype,obj,named,inapplicable,unresolved,warnings", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_holders(county, tmp_path, ftype, otype, obj, named, inapplicable, unresolved, warnings):
    result = _run(county, tmp_path, ftype, otype, obj)
    got = {(li.clause, li.kind, li.person or li.body) for li in result.liabilities if li.triggered}
    assert got == named
    assert {li.rule for li in result.liabilities if not li.applicable} == inapplicable
    for li in result.liabilities:
        if not li.applicable:
            assert li.explanation.startswith("不适用：") and li.findings == [1] and not li.triggered
    assert {(u.rule, u.post) for u in result.unresolved} == unresolved
    assert len(result.warnings) == len(warnings)
    for w, phrase in zip(result.warnings, warnings):
        assert phrase in w.message and w.finding == 1
    _no_blank_lines(result.liabilities + result.standing)


ROLE_SYNTAX = re.compile(r"[a-z_]+[.(\[]")


def _no_blank_lines(entries):
    for li in entries:
        assert not ROLE_SYNTAX.search(li.post), li  # a label, never a raw role path
        if li.triggered:
            assert li.person or li.body, li


def test_standing_responsibility_appears_where_something_was_triggered(county, tmp_path):
    result = _run(county, tmp_path, "驻村走读", "工作队", "甲镇/东村")
    standing = {(li.clause, li.kind, li.post, li.person) for li in result.standing}
    assert standing == {("二.1", "重要领导责任", "县级联系乡镇领导", "林书记"), ("二.1", "重要领导责任", "包抓县级领导", "林书记")}
    assert all(li.standing and li.findings == [1] for li in result.standing)


def test_escalation_names_every_clause(county, tmp_path):
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "f.csv", F_HEADER, [
            ["2019-05-01", "", "部署落实不到位", "县", "通渭县", ""],
            ["2019-05-02", "", "驻村走读", "工作队", "甲镇/东村", ""]]))])
    with Store.open(county) as store:
        result = check(store, "2019-04-01", "2019-06-30")
    entry = next(li for li in result.liabilities if li.rule == "结语-1" and li.person == "高副书记")
    assert "一.3（领导责任）" in entry.explanation and "一.6（问责）" in entry.explanation
    assert entry.findings == [1, 2]


def test_a_vacant_post_is_unresolved_with_since_when(county, tmp_path):
    header, rows = BASE["乡镇"]
    ended = [["乙乡", "周书记", "吴乡长", "郑主任", "2018-06-01", "2019-04-30"]]
    with Store.open(county, readonly=False) as store:
        load_files(store, [str(write_csv(tmp_path / "t.csv", header, ended))])
    result = _run(county, tmp_path, "整改不到位", "乡镇", "乙乡")
    assert {(li.clause, li.kind, li.person or li.body) for li in result.liabilities if li.triggered} == {
        ("一.7", "主要责任", "乙乡党委政府")}
    gap = next(u for u in result.unresolved if u.rule == "一.7-2")
    assert (gap.post, gap.body, gap.vacant_since, gap.last_holder) == ("党委书记", "乙乡党委", "2019-05-01", "周书记")
    assert "无人在职" in gap.reason and "补录" in gap.hint


def test_a_post_never_filled_is_unresolved(project, tmp_path):
    header, rows = BASE["乡镇"]
    files = [write_csv(tmp_path / f"{name}.csv", *BASE[name]) for name in BASE if name != "乡镇"]
    files.insert(0, write_csv(tmp_path / "乡镇.csv", header, [rows[0], ["乙乡", "周书记", "吴乡长", "", "2018-06-01", ""]]))
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in files])
    result = _run(project, tmp_path, "日常管理不严", "乡镇", "乙乡")
    never = next(u for u in result.unresolved if u.post == "党建办主任")
    assert never.vacant_since is None and "从未有人任此职" in never.reason and never.kind == "直接责任"


def test_a_trace_of_a_village_finding_lists_the_liable_unit_and_its_leaders(county, tmp_path):
    _run(county, tmp_path, "帮扶村发展停滞", "村", "甲镇/东村")
    with Store.open(county) as store:
        result = trace(store, "finding", "1")
    nodes = {c.node: c for c in result.chain}
    unit = nodes["unit:县财政局"]
    assert unit.edge == "ASSISTS" and unit.edge_dst == "village:甲镇/东村"
    assert {c.person for c in result.chain if c.node.startswith("post:unit:县财政局/")} == {"褚局长", "卫副局长"}
    assert "unit:县交通局" in nodes  # the lead unit, 连带责任


def test_the_demo_covers_every_finding_type_and_names_nobody_blank(tmp_path, rulebook):
    import csv

    from zeren.loaders.demo import generate

    county = generate(tmp_path / "demo", households=2000, villages=60, seed=7)
    project = tmp_path / "demo.db"
    Store.create(project, rulebook).close()
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in county.files])
        load_files(store, [str(p) for p in county.later_files])
    found = next(p for p in county.files if p.name == "督查发现.csv")
    with found.open(encoding="utf-8-sig") as fh:
        types = {row["问题类型"] for row in csv.DictReader(fh)}
    assert types == set(rulebook.finding_types)
    with Store.open(project) as store:
        result = check(store, "2019-04-01", "2019-06-30")
    _no_blank_lines(result.liabilities + result.standing)
    assert any(not li.applicable for li in result.liabilities)
    assert any(u.vacant_since for u in result.unresolved)
    assert len(result.warnings) == 1 and "已制定" in result.warnings[0].message
