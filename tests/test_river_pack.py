"""The second list, 河长制 (``river-chief``), runs end to end on the same engine: its own kinds
(river → segment → stretch), rosters, finding types, duties and org chart. Table-driven: each
finding names the holders it must make liable."""

from __future__ import annotations

import json

import pytest
from conftest import have_dot
from rosters import write_csv
from zeren.cli.main import cli

ROSTERS = {
    "行政村": (["乡镇", "村", "起始日期", "终止日期"],
            [["甲镇", "东村", "2017-06-01", ""], ["甲镇", "西村", "2017-06-01", ""],
             ["乙乡", "南村", "2017-06-01", ""], ["乙乡", "北村", "2017-06-01", ""],
             ["乙乡", "中村", "2017-06-01", ""], ["乙乡", "后村", "2017-06-01", ""]]),
    "总河长": (["总河长", "职务", "起始日期", "终止日期"],
            [["总书记甲", "县委书记", "2017-06-01", "2019-05-14"], ["总书记乙", "县委书记", "2019-05-15", ""]]),
    "县级河长": (["河流", "县内长度（公里）", "县级河长", "职务", "联系单位", "起始日期", "终止日期"],
             [["清河", "40", "县河长清", "副县长", "县水务局", "2017-06-01", ""],
              ["浊河", "20", "县河长浊", "县委常委", "", "2017-06-01", ""]]),
    "乡级河长": (["河流", "乡级河段", "乡镇", "乡级河长", "起始日期", "终止日期"],
             [["清河", "甲段", "甲镇", "乡河长甲", "2017-06-01", ""],
              ["清河", "乙段", "乙乡", "乡河长乙", "2017-06-01", "2019-04-30"],
              ["清河", "乙段", "乙乡", "乡河长丙", "2019-05-01", ""],
              ["浊河", "甲段", "甲镇", "乡河长丁", "2017-06-01", ""]]),
    "村级河长": (["河流", "乡级河段", "村级河段", "乡镇", "村", "村级河长", "巡河员", "起始日期", "终止日期"],
             [["清河", "甲段", "东段", "甲镇", "东村", "村河长东", "巡河员东", "2017-06-01", ""],
              ["清河", "甲段", "西段", "甲镇", "西村", "村河长西", "", "2017-06-01", ""],
              ["清河", "乙段", "南段", "乙乡", "南村", "村河长南", "", "2017-06-01", ""],
              ["清河", "乙段", "北段", "乙乡", "北村", "村河长北", "", "2017-06-01", ""],
              ["清河", "乙段", "中段", "乙乡", "中村", "村河长中", "", "2017-06-01", ""],
              ["清河", "乙段", "后段", "乙乡", "后村", "村河长后", "", "2017-06-01", ""],
              ["浊河", "甲段", "东段", "甲镇", "东村", "村河长浊东", "", "2017-06-01", ""]]),
}
FINDING_HEADER = ["发现日期", "督查主体", "问题类型", "对象类型", "对象", "说明", "问题发生日期"]


@pytest.fixture
def river(tmp_path, runner):
    db = str(tmp_path / "river.db")
    assert runner.invoke(cli, ["--project", db, "init", "--rulebook", "river-chief"]).exit_code == 0
    files = [str(write_csv(tmp_path / f"{name}.csv", *spec)) for name, spec in ROSTERS.items()]
    result = runner.invoke(cli, ["--project", db, "load", *files])
    assert result.exit_code == 0, result.output
    return db


def liable(runner, db, tmp_path, rows) -> list[tuple[str, str, str]]:
    f = write_csv(tmp_path / "督查发现.csv", FINDING_HEADER, rows)
    result = runner.invoke(cli, ["--project", db, "load", "--snapshot", str(f)])
    assert result.exit_code == 0, result.output
    out = runner.invoke(cli, ["--project", db, "check", "--period", "2019Q2", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    return sorted((li["clause"], li["kind"], li["person"] or li["body"] or "")
                  for li in data["liabilities"] if li["triggered"])


CASES = [
    # (finding row, the liable holders: clause, kind, person or body)
    pytest.param(["2019-05-20", "县河长制办公室", "河道垃圾", "村段", "清河/甲段/东段", "", ""],
                 [("县.3", "直接责任", "村河长东"), ("县.3", "领导责任", "乡河长甲")], id="stretch-garbage"),
    pytest.param(["2019-05-20", "县河长制办公室", "污水直排", "村段", "清河/甲段/西段", "", ""],
                 [("三.3", "监管责任", "县生态环境局"), ("县.3", "直接责任", "村河长西"), ("县.3", "领导责任", "乡河长甲")],
                 id="stretch-sewage-and-its-regulator"),
    pytest.param(["2019-05-20", "县河长制办公室", "侵占河道", "河段", "浊河/甲段", "", ""],
                 [("县.3", "直接责任", "乡河长丁"), ("县.3", "领导责任", "县河长浊")], id="segment-of-the-other-river"),
    pytest.param(["2019-06-20", "县河长制办公室", "非法采砂", "河段", "清河/乙段", "", "2019-04-20"],
                 [("三.3", "监管责任", "县水务局"), ("县.3", "直接责任", "乡河长乙"), ("县.3", "领导责任", "县河长清")],
                 id="occurred-before-the-handover"),
    pytest.param(["2019-06-20", "县河长制办公室", "非法采砂", "河段", "清河/乙段", "", ""],
                 [("三.3", "监管责任", "县水务局"), ("县.3", "直接责任", "乡河长丙"), ("县.3", "领导责任", "县河长清")],
                 id="found-after-the-handover"),
    pytest.param(["2019-05-20", "县河长制办公室", "巡河不到位", "村段", "清河/乙段/南段", "", ""],
                 [("县.3", "直接责任", "村河长南"), ("县.3", "督导责任", "乡河长丙")], id="patrol-stretch"),
    pytest.param(["2019-05-20", "县河长制办公室", "巡河不到位", "河流", "清河", "", ""],
                 [("县.3", "直接责任", "县河长清")], id="patrol-river"),
    pytest.param(["2019-05-20", "县河长制办公室", "巡河不到位", "河长", "甲镇/乡河长丁", "", ""],
                 [("县.3", "直接责任", "乡河长丁")], id="patrol-named-chief"),
    pytest.param(["2019-05-20", "县河长制办公室", "问题整改不到位", "河段", "清河/甲段", "", ""],
                 [("三.2", "督办责任", "县河长制办公室"), ("县.3", "主要责任", "乡河长甲")], id="not-rectified"),
]


@pytest.mark.parametrize(("row", "expected"), CASES)
def test_each_finding_names_its_holders(river, runner, tmp_path, row, expected):
    assert liable(runner, river, tmp_path, [row]) == sorted(expected)


def test_the_threshold_counts_stretches_of_one_river(river, runner, tmp_path):
    # One stretch of 清河's six is 16.7% (the cases above); two are 33.3% ≥ 20%: 五.4 makes its
    # county-level chief liable, and 浊河's is untouched.
    got = liable(runner, river, tmp_path, [["2019-05-20", "县河长制办公室", "河道垃圾", "村段", "清河/乙段/北段", "", ""],
                                           ["2019-05-21", "县河长制办公室", "河道垃圾", "村段", "清河/甲段/东段", "", ""]])
    assert ("五.4", "领导责任", "县河长清") in got
    assert not any(who == "县河长浊" for _, _, who in got)


def test_trace_walks_the_rivers_chain(river, runner, tmp_path):
    liable(runner, river, tmp_path, [["2019-05-20", "县河长制办公室", "河道垃圾", "村段", "清河/甲段/东段", "", ""]])
    out = runner.invoke(cli, ["--project", river, "trace", "stretch", "清河/甲段/东段", "--format", "json"])
    assert out.exit_code == 0, out.output
    chain = {c["label"]: c for c in json.loads(out.output)["chain"]}
    assert chain["村级河长"]["person"] == "村河长东"
    assert chain["巡河员"]["person"] == "巡河员东"
    assert chain["乡级河长"]["person"] == "乡河长甲"
    assert chain["县级河长"]["person"] == "县河长清"
    assert chain["县级总河长"]["person"] == "总书记乙"  # on the finding's day, after the handover
    assert chain["联系单位"]["name"] == "县水务局"


def test_gaps_name_the_rivers_own_gaps(river, runner):
    out = runner.invoke(cli, ["--project", river, "gaps", "--at", "2019-05-20", "--format", "json"])
    assert out.exit_code == 0, out.output
    text = out.output
    assert "浊河" in text and "河流无联系单位" in text  # 浊河 has no contact unit


def test_duties_judge_patrols(river, runner, tmp_path):
    log = write_csv(tmp_path / "巡河记录.csv", ["日期", "履职主体", "履职事项", "对象", "天数", "说明"],
                    [["2019-04-10", "县河长清", "巡河", "清河", "", ""],
                     *[[f"2019-04-{d:02d}", "甲镇/村河长东", "巡河", "清河/甲段/东段", "", ""] for d in (2, 9, 16, 23)],
                     *[[f"2019-04-{d:02d}", "甲镇/村河长西", "巡河", "清河/甲段/西段", "", ""] for d in (2, 9)]])
    assert runner.invoke(cli, ["--project", river, "load", str(log)]).exit_code == 0
    out = runner.invoke(cli, ["--project", river, "duties", "--from", "2019-04-01", "--to", "2019-04-30",
                              "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = {(d["duty"], d["person"]): d["status"] for d in json.loads(out.output)["duties"]}
    assert rows[("县.2-村级巡河", "村河长东")] == "met"
    assert rows[("县.2-村级巡河", "村河长西")] == "missed"
    assert rows[("县.2-县级巡河", "县河长清")] == "met"


@pytest.mark.skipif(not have_dot(), reason="needs Graphviz dot")
def test_demo_runs_on_the_river_pack(tmp_path, runner):
    out = runner.invoke(cli, ["demo", str(tmp_path / "d"), "--rulebook", "river-chief"])
    assert out.exit_code == 0, out.output
    assert "县.3" in out.output and "责任链" in out.output
    svgs = sorted(p.name for p in (tmp_path / "d").glob("*.svg"))
    assert any(n.startswith("org-") for n in svgs) and any(n.startswith("trace-") for n in svgs)
