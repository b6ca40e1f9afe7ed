"""Log coverage: a window the loaded duty log does not wholly cover is ``uncovered`` (无记录),
never ``missed`` — nobody can say a duty was not done on days no record was loaded for."""

from __future__ import annotations

import json

import pytest
from rosters import F_HEADER, loaded, write_base, write_csv
from test_duties import HEADER, LOG
from zeren.cli.main import cli
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files
from zeren.queries.duties import covering, duties

# The same records as test_duties, but only those of the second quarter are loaded: the log
# covers 2019-04-01 .. 2019-06-30.
Q2 = [r for r in LOG if "2019-04-01" <= r[0] <= "2019-06-30"]


@pytest.fixture
def q2(project, tmp_path):
    files = write_base(tmp_path) + [write_csv(tmp_path / "log.csv", HEADER, Q2)]
    return loaded(project, files)


# loads as (first record's day, last record's day) → the spans covered
SPANS = [
    ([], ()),
    ([("2019-04-03", "2019-06-28")], (("2019-04-01", "2019-06-30"),)),
    ([("2019-04-03", "2019-06-28"), ("2019-07-01", "2019-07-09")], (("2019-04-01", "2019-07-31"),)),
    ([("2019-04-03", "2019-05-02"), ("2019-05-20", "2019-06-01")], (("2019-04-01", "2019-06-30"),)),
    ([("2019-04-03", "2019-04-28"), ("2019-06-10", "2019-06-11")], (("2019-04-01", "2019-04-30"),
                                                                     ("2019-06-01", "2019-06-30"))),
    ([("2020-01-05", "2020-02-29"), ("2019-12-31", "2019-12-31")], (("2019-12-01", "2020-02-29"),)),
    ([("2020-02-01", "2020-02-29"), ("2019-12-31", "2019-12-31")], (("2019-12-01", "2019-12-31"),
                                                                     ("2020-02-01", "2020-02-29"))),
]


@pytest.mark.parametrize("loads,spans", SPANS)
def test_covering(loads, spans):
    assert covering(loads).spans == spans


# (duty, window, scope, person, at) → status, done; the log covers 2019Q2 only
CASES = [
    ("四.2-工作例会", "2019-03", "甲镇", None, "2020-01-15", "uncovered", 0),  # before the log
    ("四.2-工作例会", "2019-04", "甲镇", None, "2020-01-15", "met", 1),
    ("四.2-工作例会", "2019-05", "甲镇", None, "2020-01-15", "missed", 0),  # covered, nothing done
    ("四.2-工作例会", "2019-07", "甲镇", None, "2020-01-15", "uncovered", 0),  # after the log
    ("四.2-工作例会", "2019-07", "甲镇", None, "2019-07-10", "open", 0),  # not over: open comes first
    ("一.1-专题研究", "2019Q1", "通渭县", None, "2020-01-15", "uncovered", 0),
    ("一.1-专题研究", "2019Q2", "通渭县", None, "2020-01-15", "met", 1),
    ("一.1-协调推进会", "2019H1", "通渭县", None, "2020-01-15", "uncovered", 0),  # its 03-01 record not loaded
    ("五.1-党组研究", "2019", "县财政局", None, "2020-01-15", "uncovered", 0),  # a year, a quarter of it covered
    ("一.8-轮训", "2019", "东村驻村帮扶工作队", "韩队长", "2020-01-15", "uncovered", 3),
    ("二.2-调研指导", "2019-06", "甲镇", "林书记", "2020-01-15", "missed", 0),  # wrong township, in the log
]


@pytest.mark.parametrize("duty,window,scope,person,at,status,done", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[4]}" for c in CASES])
def test_status_outside_the_log(q2, duty, window, scope, person, at, status, done):
    with Store.open(q2) as store:
        result = duties(store, "2019-01-01", "2019-12-31", at=at)
    found = [e for e in result.duties if e.duty == duty and e.window == window and e.scope == scope
             and (person is None or e.person == person)]
    assert len(found) == 1
    e = found[0]
    assert (e.status, e.done) == (status, done)
    if status == "uncovered":
        assert e.note == "履职记录只覆盖 2019-04-01 至 2019-06-30，" + window + " 不全在其内：未载入的日子无法判断"
    else:
        assert e.note == ("" if status == "met" else e.note)
    assert result.coverage.spans == (("2019-04-01", "2019-06-30"),)
    assert len(result.warnings) == 1 and "2019-04-01 至 2019-06-30" in result.warnings[0]


def test_a_period_inside_the_log_warns_nothing(q2):
    with Store.open(q2) as store:
        result = duties(store, "2019-04-01", "2019-06-30", at="2020-01-15", only=["四.2-工作例会"])
    assert result.warnings == [] and {e.status for e in result.duties} == {"met", "missed"}


def test_no_log_at_all_is_uncovered_not_missed(project, tmp_path):
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in write_base(tmp_path)])
    with Store.open(project) as store:
        result = duties(store, "2019-04-01", "2019-06-30", at="2020-01-15")
    assert result.duties and {e.status for e in result.duties} == {"uncovered"}
    assert result.warnings and "没有履职记录" in result.warnings[0]


def test_cli_names_uncovered_windows_and_the_default_day(q2, runner):
    out = runner.invoke(cli, ["--project", str(q2), "duties", "--period", "2019", "--at", "2020-01-15"])
    assert out.exit_code == 0, out.output
    assert "无记录" in out.output and "履职记录只覆盖 2019-04-01 至 2019-06-30" in out.output
    # no --at: the project's one default day (no findings here: today), said in the first line
    out = runner.invoke(cli, ["--project", str(q2), "duties", "--period", "2019Q2"])
    assert out.exit_code == 0, out.output
    assert "今天（项目中没有督查发现）；--at 指定其他日期" in out.output.splitlines()[0]


def test_the_default_day_is_the_latest_finding(q2, runner, tmp_path):
    findings = write_csv(tmp_path / "f.csv", F_HEADER,
                         [["2019-05-20", "市督查组", "日常管理不严", "乡镇", "甲镇", ""]])
    with Store.open(q2, readonly=False) as store:
        load_files(store, [str(findings)])
    out = runner.invoke(cli, ["--project", str(q2), "duties", "--period", "2019Q2", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert (data["at"], data["at_chosen_as"]) == ("2019-05-20", "最近一条督查发现的日期")
    may = [d for d in data["duties"] if d["duty"] == "四.2-工作例会" and d["window"] == "2019-05"
           and d["scope"] == "甲镇"]
    assert [(d["status"], d["days_left"]) for d in may] == [("open", 12)]
