"""zeren find: by 户主, person, name or id, by a whole 身份证号 (through the keyed hash) or a
masked one; the 户主 beside a household in a trace; one default day (the latest finding's)."""

from __future__ import annotations

import json

import pytest
from rosters import F_HEADER, idnum, write_base, write_csv
from zeren.cli.main import cli


@pytest.fixture
def county(tmp_path, runner):
    db = str(tmp_path / "p.db")
    assert runner.invoke(cli, ["--project", db, "init"]).exit_code == 0
    result = runner.invoke(cli, ["--project", db, "load", *map(str, write_base(tmp_path))])
    assert result.exit_code == 0, result.output
    return db


def hits(runner, db, text):
    out = runner.invoke(cli, ["--project", db, "find", text, "--format", "json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


@pytest.mark.parametrize(("text", "expected"), [
    ("户主三", [("household", "H003", "户主姓名", "甲镇/西村")]),
    ("吕干部", [("person", "县财政局/吕干部", "姓名", "县财政局")]),
    ("西村", [("village", "甲镇/西村", "名称", "甲镇"), ("team", "甲镇/西村", "名称", "甲镇/西村")]),
    (idnum("62112119800101002"), [("household", "H002", "身份证号", "甲镇/东村")]),
    ("没有这个人", []),
])
def test_find(county, runner, text, expected):
    got = hits(runner, county, text)["hits"]
    assert sorted((h["kind"], h["id"], h["matched"], h["place"]) for h in got) == sorted(expected)


def test_a_whole_id_number_is_never_echoed(county, runner):
    number = idnum("62112119800101002")
    out = runner.invoke(cli, ["--project", county, "find", number])
    assert out.exit_code == 0 and number not in out.output
    assert number[:6] + "********" + number[-4:] in out.output
    assert "zeren trace household H002" in out.output


def test_a_masked_id_number_matches_as_stored(county, runner):
    number = idnum("62112119800101003")
    got = hits(runner, county, number[:6] + "********" + number[-4:])["hits"]
    assert [h["id"] for h in got] == ["H003"]


def test_the_trace_names_the_households_head(county, runner):
    out = runner.invoke(cli, ["--project", county, "trace", "household", "H001", "--format", "json"])
    data = json.loads(out.output)
    assert data["object"]["caption"] == "户主姓名 户主一"
    assert next(c for c in data["chain"] if c["node"] == "household:H001")["caption"] == "户主姓名 户主一"
    assert "H001（户主姓名 户主一）" in runner.invoke(cli, ["--project", county, "trace", "household", "H001"]).output


def test_one_default_day_the_latest_findings(county, runner, tmp_path):
    findings = write_csv(tmp_path / "f.csv", F_HEADER,
                         [["2019-05-20", "县委督查室", "一户一策未落实", "户", "H001", ""],
                          ["2019-06-03", "县委督查室", "一户一策未落实", "户", "H002", ""]])
    assert runner.invoke(cli, ["--project", county, "load", str(findings)]).exit_code == 0
    gaps = runner.invoke(cli, ["--project", county, "gaps"])
    assert gaps.output.startswith("2019-06-03（最近一条督查发现的日期")
    traced = json.loads(runner.invoke(cli, ["--project", county, "trace", "household", "H004", "--format", "json"]).output)
    assert traced["at"] == "2019-06-03"  # a household without findings: the project's latest finding day
