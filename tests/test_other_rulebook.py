"""Tongwei is data: another county's list, as a rulebook file, runs with no code change."""

from __future__ import annotations

import json

from rosters import BASE, F_HEADER, write_csv
from zeren.cli.main import cli

RULEBOOK = """
uses: tongwei-2018  # the same rosters, another list
name: 某县-网格化-2021
title: 某县网格化管理责任清单
document: 某办发〔2021〕1号
issuer: 某县委办公室
date: '2021-01-01'
county: 某县
county_posts:
  县委书记: {body: 县委, edge: LEADS}
finding_types:
  网格员脱岗: {objects: [工作队]}
  台账缺失: {objects: [户]}
bodies:
  - {name: 县网格办, duty: 督查}
lead_units: [县交通局, 县审计局]
clauses:
  - id: 一.1
    text: 乡镇10%以上网格未履职的，乡镇党委书记承担主要责任。
    rules:
      - id: 一.1-1
        when: [网格员脱岗]
        counts: team
        scope: township
        threshold: {at_least: 10%, of: teams}
        liable:
          - {role: township.post(党委书记), kind: 主要责任}
  - id: 一.2
    text: 台账缺失的，由县网格办督查，网格所在村的包村领导承担直接责任。
    rules:
      - id: 一.2-1
        when: [台账缺失]
        scope: village
        liable:
          - {role: village.post(包村领导), kind: 直接责任}
          - {role: county.body(督查), kind: 失察责任}
trace_chain:
  - {role: household, label: 户}
  - {role: village.post(包村领导), label: 包村领导}
  - {role: township.post(党委书记), label: 乡镇党委书记}
  - {role: county.post(县委书记), label: 县委书记}
"""


def test_another_county_end_to_end(tmp_path, runner):
    book = tmp_path / "grid.yaml"
    book.write_text(RULEBOOK, encoding="utf-8")
    assert runner.invoke(cli, ["rulebook", "validate", str(book)]).exit_code == 0
    db = str(tmp_path / "grid.db")
    assert runner.invoke(cli, ["--project", db, "init", "--rulebook", str(book)]).exit_code == 0
    files = [write_csv(tmp_path / f"{name}.csv", *BASE[name]) for name in ("乡镇", "村", "组长单位", "帮扶单位", "工作队",
                                                                           "结对帮扶")]
    leaders = write_csv(tmp_path / "县级领导.csv", ["姓名", "职务", "联系乡镇", "包抓村", "起始日期", "终止日期"],
                        [["钟书记", "县委书记", "甲镇", "", "2018-01-01", ""]])
    findings = write_csv(tmp_path / "f.csv", F_HEADER,
                         [["2021-05-01", "县网格办", "网格员脱岗", "工作队", "甲镇/西村", ""],
                          ["2021-05-02", "县网格办", "台账缺失", "户", "H001", ""]])
    result = runner.invoke(cli, ["--project", db, "load", *map(str, files + [leaders, findings])])
    assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(cli, ["--project", db, "check", "--period", "2021Q2", "--format", "json"]).output)
    got = sorted((li["clause"], li["kind"], li["person"] or li["body"]) for li in data["liabilities"] if li["triggered"])
    assert got == sorted([("一.1", "主要责任", "赵书记"), ("一.2", "直接责任", "钱镇长"), ("一.2", "失察责任", "县网格办")])
    trace = json.loads(runner.invoke(cli, ["--project", db, "trace", "household", "H001", "--format", "json"]).output)
    # The rulebook's chain, then every party a liability names, linked up from the household.
    assert [c["label"] for c in trace["chain"]] == ["户", "包村领导", "乡镇党委书记", "县委书记", "村", "乡镇", "县",
                                                   "县网格办"]
    assert trace["chain"][3]["person"] == "钟书记"
    assert (trace["chain"][-1]["name"], trace["chain"][-1]["edge"]) == ("县网格办", "SUPERVISES")
    bad = runner.invoke(cli, ["--project", db, "load", str(write_csv(
        tmp_path / "g.csv", F_HEADER,
        [["2021-05-01", "", "一户一策未制定", "户", "H001", ""]]))])
    assert bad.exit_code == 1 and "网格员脱岗" in bad.output  # this rulebook's finding types, not Tongwei's
