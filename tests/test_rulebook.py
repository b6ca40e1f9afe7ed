"""The built-in Tongwei rulebook against DESIGN.md's table, and strict validation."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from conftest import SEED
from zeren.graph.errors import RulebookError
from zeren.graph.rules import parse_role_path, parse_rulebook
from zeren.loaders.rulebook import BUILTIN, load_rulebook, read_rulebook_data

CLAUSE_IDS = (
    [f"一.{i}" for i in range(1, 10)] + [f"二.{i}" for i in range(1, 4)] + [f"三.{i}" for i in range(1, 6)]
    + [f"四.{i}" for i in range(1, 5)] + [f"五.{i}" for i in range(1, 5)] + ["结语"]
)

# DESIGN.md's table: clause → (finding types, scope, threshold, {role: kind}).
EXPECTED = [
    ("一.3", {"部署落实不到位"}, "county", None,
     {"county.post(县委分管领导)": "领导责任", "county.post(县政府分管领导)": "领导责任"}),
    ("一.3", {"乡镇帮扶推动不力", "重大负面影响"}, "township", None, {"township.post(党委书记)": "领导责任"}),
    ("一.5", {"督查失察"}, "county", None, {"county.body(督查)": "失察责任"}),
    ("一.6", {"驻村走读"}, "county", ("5%", "teams"),
     {"county.post(县委分管领导)": "问责", "county.post(县政府分管领导)": "问责",
      "township.post(党委书记)": "问责", "township.post(党建办主任)": "问责"}),
    ("一.7", {"一户一策未制定", "一户一策未落实"}, "household", None, {"household.cadre": "倒查责任"}),
    ("一.7", {"整改不到位"}, "township", None, {"township": "主要责任", "township.post(党委书记)": "追责问责"}),
    ("一.8", {"培训不足"}, "county", None, {"county.body(培训)": "追究责任"}),
    ("二.1", set(), "township", None,
     {"township.post(县级联系乡镇领导)": "重要领导责任", "village.post(包抓县级领导)": "重要领导责任"}),
    ("三.5", {"帮扶村发展停滞"}, "village", None,
     {"village.helping_units[层级=县直]": "主要责任", "township.lead_unit": "连带责任"}),
    # 四.2 also defines the 党建办主任 as 直接责任人 of the teams' management (issue 8):
    ("四.2", {"日常管理不严"}, "township", None,
     {"township.post(党委书记)": "管理责任", "village.post(包村领导)": "管理责任",
      "township.post(党建办主任)": "直接责任"}),
    ("四.2", {"驻村走读"}, "township", ("3%", "teams"),
     {"township.post(党委书记)": "主要责任", "township.post(乡镇驻村帮扶工作队总队长)": "直接责任",
      "team.post(队长)": "直接责任", "township.post(党建办主任)": "直接责任"}),
    ("四.2", {"工作队反映问题未解决"}, "township", None, {"township.post(党委书记)": "主要责任"}),
    ("四.3", {"两委作用发挥不好"}, "village", None,
     {"township.post(党委书记)": "主要责任", "village.post(包村领导)": "直接责任"}),
    ("四.4", {"一户一策未制定", "一户一策未落实"}, "township", ("3%", "households"),
     {"township.post(党委书记)": "主要责任"}),
    ("五.1", {"年度任务未完成", "重大负面影响"}, "unit", None,
     {"unit.post(主要领导)": "领导责任", "unit.post(分管领导)": "领导责任"}),
    ("五.3", {"驻村干部不胜任"}, "person", None, {"person": "问责"}),
    ("五.3", {"重大负面影响"}, "person", None, {"person.unit.post(主要领导)": "追究责任"}),
    ("五.4", {"一户一策未制定", "一户一策未落实"}, "household", None, {"household.cadre.unit": "一票否决"}),
    ("五.4", {"年度任务未完成"}, "unit", None, {"unit": "一票否决"}),
    ("结语", set(), "county", None, {"county": "深刻检查"}),
]


def _as_row(rule):
    threshold = (rule.threshold.text, rule.threshold.of) if rule.threshold else None
    return (rule.clause, set(rule.when), rule.scope, threshold, {li.role.text: li.kind for li in rule.liable})


def test_every_clause_is_there_with_text(rulebook):
    assert [c.id for c in rulebook.clauses] == CLAUSE_IDS
    for clause in rulebook.clauses:
        assert len(clause.text) > 40, clause.id
    assert rulebook.document == "通办发〔2018〕53号"
    assert len(rulebook.lead_units) == 18


def test_rules_match_the_design_table(rulebook):
    rows = [_as_row(r) for r in rulebook.rules]
    for expected in EXPECTED:
        assert expected in rows, expected
    assert len(rows) == len(EXPECTED)


def test_role_definitions(rulebook):
    defs = {(c.id, d["role"]): d["as"] for c in rulebook.clauses for d in c.definitions}
    assert defs[("一.3", "county.post(县委书记)")] == "第一责任人"
    assert defs[("一.3", "county.post(县委分管领导)")] == "直接责任人"
    assert defs[("四.2", "township.post(党委书记)")] == "第一责任人"
    assert defs[("四.2", "township.post(党建办主任)")] == "直接责任人"
    assert defs[("五.1", "unit.post(主要领导)")] == "第一责任人"
    assert defs[("五.1", "unit.post(分管领导)")] == "直接责任人"


def test_page_breaks_are_mended(rulebook):
    assert "县驻村帮扶工作队管理领导小组办公室具体负责" in rulebook.clause("一.5").text
    assert "开展感恩教育" in rulebook.clause("一.9").text
    assert "年终考核工作" in rulebook.clause("三.3").text


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed not beside the checkout")
def test_clause_texts_are_verbatim_from_the_seed(rulebook):
    seed = "".join(SEED.read_text(encoding="utf-8").split()).replace("工工作队", "工作队")
    for clause in rulebook.clauses:
        assert "".join(clause.text.split()) in seed, clause.id


def test_builtin_file_round_trips():
    """The shipped YAML survives the parser and JSON (as stored in a project) unchanged."""
    data, _ = read_rulebook_data("tongwei-2018")
    assert parse_rulebook(data).to_dict() == data
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed not beside the checkout")
def test_builtin_file_is_what_the_spec_generates():
    """The shipped rulebook is exactly tools/build_rulebook.py's output: spec and file agree."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from build_rulebook import TARGET, build

    assert TARGET.read_text(encoding="utf-8") == build(SEED), "run tools/build_rulebook.py SEED"


def _broken(mutate):
    data = copy.deepcopy(yaml.safe_load((BUILTIN / "tongwei-2018.yaml").read_text(encoding="utf-8")))
    mutate(data)
    with pytest.raises(RulebookError) as info:
        parse_rulebook(data, "broken.yaml")
    return [str(p) for p in info.value.problems]


def _clause(data, cid):
    return next(c for c in data["clauses"] if c["id"] == cid)


def test_unknown_key_names_clause_and_key():
    msgs = _broken(lambda d: _clause(d, "四.4")["rules"][0].update(thresold="3%"))
    assert any("broken.yaml:四.4 规则 四.4-1:thresold" in m and "未知的键" in m for m in msgs), msgs


def test_unresolvable_role_path():
    msgs = _broken(lambda d: _clause(d, "四.3")["rules"][0]["liable"][0].update(role="township.post(村长)"))
    assert any("四.3 规则 四.3-1 责任方1:role" in m and "村长" in m for m in msgs), msgs
    msgs = _broken(lambda d: _clause(d, "三.5")["rules"][0]["liable"][0].update(role="village.helpers"))
    assert any("没有关系“helpers”" in m for m in msgs), msgs


def test_malformed_threshold():
    msgs = _broken(lambda d: _clause(d, "四.4")["rules"][0]["threshold"].update(at_least="三成"))
    assert any("threshold.at_least" in m and "三成" in m for m in msgs), msgs
    msgs = _broken(lambda d: _clause(d, "四.4")["rules"][0]["threshold"].update(of="cats"))
    assert any("threshold.of" in m for m in msgs), msgs


def test_unknown_finding_type_and_every_problem_reported():
    def mutate(d):
        _clause(d, "四.3")["rules"][0]["when"] = ["不存在的类型"]
        _clause(d, "五.1")["rules"][0]["scope"] = "galaxy"
    msgs = _broken(mutate)
    assert any("不存在的类型" in m for m in msgs) and any("galaxy" in m for m in msgs), msgs


def test_role_path_parser(rulebook):
    path = parse_role_path("household.cadre.unit.post(主要领导)", rulebook.model)
    assert path.start == "household" and path.end_kind == "post"
    with pytest.raises(ValueError, match="需要括号"):
        parse_role_path("township.post", rulebook.model)


def test_load_missing_rulebook():
    with pytest.raises(RulebookError, match="内置"):
        load_rulebook("no-such-rulebook")


def test_a_party_the_object_cannot_reach_is_refused():
    # 四.2-1 binds findings on a team, a village or a whole township; a village's 包村领导 cannot
    # be reached from a township, so the rule must limit that party to villages and teams.
    msgs = _broken(lambda d: _clause(d, "四.2")["rules"][0]["liable"][1].pop("objects"))
    assert any("四.2 规则 四.2-1 责任方2:role" in m and "“乡镇”无法沿结构到达 village" in m and "objects" in m
               for m in msgs), msgs
    # 一.3-2 names the township secretary: a 重大负面影响 on a unit or a cadre cannot reach him.
    msgs = _broken(lambda d: _clause(d, "一.3")["rules"][1].pop("objects"))
    assert any("一.3-2" in m and "“单位”无法" in m for m in msgs), msgs
    # An object type no finding type of the rule allows.
    msgs = _broken(lambda d: _clause(d, "四.3")["rules"][0].update(objects=["村", "户"]))
    assert any("都不以“户”为对象" in m for m in msgs), msgs


def test_role_path_filters(rulebook):
    path = rulebook.role("village[是否贫困村=是].helping_units[层级=县直]")
    assert path.start_filters == (("是否贫困村", "是"),) and path.steps[0].filters == (("层级", "县直"),)
    with pytest.raises(ValueError, match="不能按“颜色”筛选"):
        rulebook.role("village.helping_units[颜色=红]")
    with pytest.raises(ValueError, match="“是”或“否”"):
        rulebook.role("village[是否贫困村=也许]")
    msgs = _broken(lambda d: _clause(d, "三.5")["rules"][0]["condition"].update(path="village.helping_units[级别=县直]"))
    assert any("三.5 规则 三.5-1 condition:path" in m and "级别" in m for m in msgs), msgs


def test_rule_kinds(rulebook):
    kinds = {r.id: r.kind for r in rulebook.rules}
    assert kinds["四.4-1"] == "threshold" and kinds["一.7-1"] == "finding"
    assert kinds["二.1-1"] == "standing" and kinds["结语-1"] == "escalation"
    msgs = _broken(lambda d: _clause(d, "四.4")["rules"][0].update(kind="finding"))
    assert any("规则种类应为 threshold" in m for m in msgs), msgs
