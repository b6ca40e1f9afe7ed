"""Outputs for the office: CSV Excel takes as it is (Chinese headers, 是/否, labels, ids kept as
text, formulas quoted), .xlsx of check/trace/gaps, and terminal tables that fit their width."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections import Counter

import pytest
from openpyxl import load_workbook
from rosters import BASE, F_HEADER, loaded, write_csv
from zeren.cli.format import _w, table
from zeren.cli.main import cli
from zeren.documents.xlsx import HEADERS
from zeren.graph.store import Store
from zeren.queries.trace import trace

HH = "621101027119"  # a 12-digit 户编号: Excel would show 6.21101E+11
SHORT = "00123"  # a 户编号 with a leading 0: Excel would drop it
FORMULA = '=HYPERLINK("http://x","点我")'


@pytest.fixture
def county(project, tmp_path):
    files = []
    for name, (header, rows) in BASE.items():
        rows = list(rows)
        if name == "结对帮扶":
            rows += [[HH, "户主五", "", "甲镇", "东村", "何干部", "县财政局", "2018-06-01", ""],
                     [SHORT, "户主六", "", "甲镇", "西村", "吕干部", "县财政局", "2018-06-01", ""]]
        if name == "一户一策":
            rows += [[HH, f"P{HH}", "2018-07-01", "已制定"], [SHORT, f"P{SHORT}", "", "未制定"]]
        files.append(write_csv(tmp_path / f"{name}.csv", header, rows))
    files.append(write_csv(tmp_path / "督查发现.csv", F_HEADER,
                           [["2019-05-01", "县委督查室", "一户一策未落实", "户", HH, FORMULA],
                            ["2019-05-02", "县委督查室", "一户一策未制定", "户", SHORT, ""]]))
    return loaded(project, files)


def invoke(runner, project, *args, env=None):
    result = runner.invoke(cli, ["--project", str(project), *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def sections(text: str) -> dict[str, list[dict[str, str]]]:
    """A sectioned CSV (【title】, header, rows, blank line) as title → rows."""
    out: dict[str, list[dict[str, str]]] = {}
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    i = 0
    while i < len(rows):
        title = rows[i][0].strip("【】")
        header = rows[i + 1]
        j = i + 2
        body = []
        while j < len(rows) and rows[j]:
            body.append(dict(zip(header, rows[j])))
            j += 1
        out[title] = body
        i = j + 1
    return out


# -- CSV ------------------------------------------------------------------------------------------
def test_check_csv_for_spreadsheets(county, runner):
    text = invoke(runner, county, "check", "--period", "2019Q2", "--format", "csv")
    assert text.startswith("\ufeff条款,规则,是否触发,责任类型,职务,责任人,机构,范围,日期")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["是否触发"] for r in rows} == {"是", "否"} and {r["临界"] for r in rows} <= {"是", "否"}
    assert "True" not in text and "False" not in text
    cadre = next(r for r in rows if r["规则"] == "一.7-1" and r["责任人"] == "何干部")
    assert cadre["范围"] == f'="{HH}"'  # Excel shows the text 621101027119, not 6.21101E+11
    assert cadre["督查发现"] == "#1" and cadre["日期"] == "2019-05-01"
    short = next(r for r in rows if r["规则"] == "一.7-1" and r["责任人"] == "吕干部")
    assert short["范围"] == f'="{SHORT}"'  # the leading 0 stays
    assert not any(".post(" in v or ".body(" in v for r in rows for v in r.values())  # labels, not role syntax


def test_trace_csv_has_the_chain(county, runner):
    text = invoke(runner, county, "trace", "plan", f"P{HH}", "--format", "csv")
    parts = sections(text)
    assert list(parts)[:4] == ["概要", "督查发现", "责任链", "责任"]
    chain = {r["环节"]: r for r in parts["责任链"]}
    assert chain["帮扶责任人"]["责任人"] == "何干部" and chain["帮扶责任人"]["来源"] == "结对帮扶.csv:第6行"
    assert chain["乡镇党委书记（第一责任人）"]["责任人"] == "赵书记"
    assert chain["建档立卡贫困户"]["职务/名称"] == f'="{HH}"'
    finding = parts["督查发现"][0]
    assert finding["说明"] == "'" + FORMULA  # quoted: Excel shows it, never runs it
    assert finding["对象"] == f'="{HH}"' and finding["发现日期"] == "2019-05-01"
    assert {r["是否触发"] for r in parts["责任"]} <= {"是", "否"} and any(r["是否触发"] == "是" for r in parts["责任"])


def test_gaps_csv(county, runner):
    text = invoke(runner, county, "gaps", "--at", "2019-06-01", "--format", "csv")
    assert text.startswith("\ufeff日期,类型,乡镇,对象,说明")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert all(r["日期"] == "2019-06-01" for r in rows)


def test_json_is_unchanged(county, runner):
    text = invoke(runner, county, "trace", "plan", f"P{HH}", "--format", "json")
    with Store.open(county) as store:
        want = trace(store, "plan", f"P{HH}").as_dict()
    assert json.loads(text) == json.loads(json.dumps(want, ensure_ascii=False))
    gaps = json.loads(invoke(runner, county, "gaps", "--at", "2019-06-01", "--format", "json"))
    assert set(gaps) == {"at", "gaps"} and gaps["at"] == "2019-06-01"


# -- xlsx ---------------------------------------------------------------------------------------------
def _cell(wb, value):
    return next(c for ws in wb for row in ws.iter_rows() for c in row if c.value == value)


def test_trace_xlsx(county, runner, tmp_path):
    out = tmp_path / "倒查.xlsx"
    assert invoke(runner, county, "trace", "plan", f"P{HH}", "-o", str(out)).strip() == str(out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["督查发现", "责任链", "责任", "常设责任", "说明"]
    for ws in wb:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:"), ws.title
    chain = wb["责任链"]
    header = [c.value for c in chain[1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in chain.iter_rows(min_row=2)]
    assert any(r["环节"] == "帮扶责任人" and r["责任人"] == "何干部" for r in rows)
    ident = next(c for row in chain.iter_rows(min_row=2) for c in row if c.value == HH)
    assert ident.data_type == "s" and ident.number_format == "@"  # text, never 6.21101E+11
    assert chain.column_dimensions["B"].width > 10  # sized to the labels
    found = wb["督查发现"]
    assert found["B2"].is_date and found["G2"].value == FORMULA and found["G2"].data_type == "s"
    liabilities = [c.value for c in wb["责任"][1]]
    assert liabilities[:4] == [HEADERS["clause"], HEADERS["rule"], "是否触发", "责任类型"]


def test_check_and_gaps_xlsx(county, runner, tmp_path):
    out = tmp_path / "q.xlsx"
    invoke(runner, county, "check", "--period", "2019Q2", "--format", "xlsx", "-o", str(out))
    wb = load_workbook(out)
    assert wb.sheetnames[:3] == ["汇总", "全部责任", "督查发现"]
    cell = _cell(wb, HH)
    assert cell.data_type == "s" and cell.number_format == "@"
    values = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(".post(" in v or ".body(" in v for v in values)  # labels, as in the CSV
    header = [c.value for c in wb["全部责任"][1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in wb["全部责任"].iter_rows(min_row=2)]
    cadre = next(r for r in rows if r["规则"] == "一.7-1" and r["责任人"] == "何干部")
    assert cadre["督查发现"] == "#1" and cadre["日期"].date().isoformat() == "2019-05-01"  # a date cell
    gaps = tmp_path / "gaps.xlsx"
    invoke(runner, county, "gaps", "--at", "2019-06-01", "-o", str(gaps))
    ws = load_workbook(gaps).active
    assert [c.value for c in ws[1]] == ["日期", "类型", "乡镇", "对象", "说明"] and ws.freeze_panes == "A2"


def test_output_file_of_any_format_and_personal_data_kept_private(county, runner, tmp_path):
    out = tmp_path / "q.csv"
    invoke(runner, county, "check", "--period", "2019Q2", "-o", str(out))  # the format follows the extension
    assert out.read_text(encoding="utf-8").startswith("\ufeff条款,规则")
    private = tmp_path / "p.xlsx"
    invoke(runner, county, "trace", "plan", f"P{HH}", "-o", str(private), "--show-personal-data")
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600


@pytest.mark.parametrize("args, message", [
    (["--format", "xlsx"], "-o 文件名.xlsx"),
    (["--format", "json", "-o", "x.csv"], "扩展名与 --format json 不符"),
])
def test_format_errors(county, runner, args, message):
    result = runner.invoke(cli, ["--project", str(county), "check", "--period", "2019Q2", *args])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


# -- terminal tables ---------------------------------------------------------------------------------
LONG = "乙乡：1 / 12 支驻村帮扶工作队 = 8.3% ≥ 3%（“以上”含本数）；第12户达到阈值，依据四.2条款认定主要责任并限期整改到位"
ROWS = [["四.2", "主要责任", "乡镇驻村帮扶工作队总队长", "周书记", "县脱贫攻坚帮扶工作协调领导小组办公室", "2019-05-20", LONG],
        ["一.7", "倒查责任", "帮扶责任人", "何干部", "县财政局", "2019-05-01", "督查发现 #1（2019-05-01）"]]
HEAD = ["条款", "责任", "职务", "责任人", "机构", "日期", "依据"]


@pytest.mark.parametrize("width", [60, 80, 100, 140, 400])
def test_table_fits_the_width_and_loses_nothing(width):
    text = table(HEAD, ROWS, width=width)
    assert max(_w(line) for line in text.splitlines()) <= width
    assert "…" not in text
    shown, given = Counter("".join(text.split())), Counter("".join("".join(r) for r in ROWS).replace(" ", ""))
    assert not given - shown  # every character of every cell is there: wrapped, not clipped


def test_table_puts_a_long_explanation_under_its_row_on_a_narrow_terminal():
    lines = table(HEAD, ROWS, width=100).splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("四.2"))
    below = [line for line in lines[first + 1:] if line.startswith(" " * 6) and not line.startswith(" " * 7)]
    assert "".join(x.strip() for x in below[:3]).startswith(LONG[:30])


def test_table_not_on_a_terminal_keeps_whole_rows(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    lines = table(HEAD, ROWS).splitlines()
    assert len(lines) == 2 + len(ROWS) and LONG in lines[2]


def test_check_fits_columns(county, runner):
    narrow = invoke(runner, county, "check", "--period", "2019Q2", env={"COLUMNS": "100"})
    lines = narrow.splitlines()
    start = lines.index(next(x for x in lines if x.startswith("条款")))
    block = lines[start:lines.index("", start)]
    assert max(_w(x) for x in block) <= 100
    wide = invoke(runner, county, "check", "--period", "2019Q2")  # not a terminal: each row whole
    assert any(x.startswith("一.7") and "督查发现 #1（2019-05-01" in x for x in wide.splitlines())
