"""Malformed and hostile input refused cleanly; personal data masked in every written form;
project files private; outputs that cannot carry code (issues 9, 17, 19, 20)."""

from __future__ import annotations

import json
import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import have_dot
from craft import col, sheet_xml, table, xlsx, zeren
from rosters import F_HEADER, PAIRINGS, TOWNSHIPS, idnum, write_base, write_csv
from zeren.cli.format import csv_text, table as text_table
from zeren.cli.main import cli
from zeren.graph import projectfile
from zeren.graph.errors import InputError, Problem, RulebookError
from zeren.graph.privacy import escape_controls, mask_text
from zeren.graph.store import Store
from zeren.loaders.rulebook import load_rulebook
from zeren.loaders.tabular import read_file
from zeren.loaders.values import parse_date, parse_end_date, parse_name, parse_start_date

HEADER, ROWS = PAIRINGS


@pytest.fixture
def county(project, tmp_path, runner):
    files = write_base(tmp_path)
    result = runner.invoke(cli, ["--project", str(project), "load", *map(str, files)])
    assert result.exit_code == 0, result.output
    return project


def _refused(runner, project: Path, *files: Path) -> str:
    """Load ``files``: refused with exit 1, no traceback, and the project byte for byte as it was."""
    before = project.read_bytes()
    result = runner.invoke(cli, ["--project", str(project), "load", *map(str, files)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert project.read_bytes() == before
    return result.output


# -- workbooks: checked before calamine builds anything ----------------------------------------
PAIR_HEADER = [(0, "户编号"), (1, "户主姓名"), (2, "乡镇"), (3, "村"), (4, "帮扶责任人"), (5, "帮扶责任人单位"),
               (6, "起始日期")]
GOOD_ROW = [(0, "H009"), (1, "户主九"), (2, "甲镇"), (3, "东村"), (4, "何干部"), (5, "县财政局"), (6, "2019-01-01")]


def _tall_small(path: Path) -> Path:
    """1,000,000 rows in a few hundred KB (rows without references compress ~400:1)."""
    return xlsx(path, {"结对帮扶": (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                                b'spreadsheetml/2006/main"><sheetData>',
                                b"<row><c><v>1</v></c></row>" * 1_000_000, b"</sheetData></worksheet>")}, level=9)


def _declared_bomb(path: Path) -> Path:
    """A part whose central-directory entry claims 4 GB."""
    xlsx(path, {"S": sheet_xml(table(["户编号"], [["H1"]]))})
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02")  # the central directory entry of the sheet (written last)
    data[entry + 24:entry + 28] = (0xFFFFFFF0).to_bytes(4, "little")  # its uncompressed size
    path.write_bytes(bytes(data))
    return path


WORKBOOKS = {
    # issue 17.1: one stray keystroke at the last cell of the sheet
    "stray-cell": (lambda p: xlsx(p, {"结对帮扶": sheet_xml([(1, PAIR_HEADER), (2, GOOD_ROW),
                                                            (1048576, [(16383, "x")])])}),
                   ["结对帮扶", "XFD1048576"]),
    # issue 19.6: a rectangle far too big for its content (here 100,000 rows × 702 columns)
    "absurd-extent": (lambda p: xlsx(p, {"S": sheet_xml([(1, [(0, "户编号")]), (100000, [(701, 1)])])}),
                      ["S", "ZZ100000", "超过上限"]),
    "truncated-xml": (lambda p: xlsx(p, {"S": sheet_xml(table(["户编号"], [["H1"]]))[:-40]}), ["S", "已损坏"]),
    "cut-after-a-row": (lambda p: xlsx(p, {"S": sheet_xml(table(["户编号"], [["H1"], ["H2"]]))[:-30]}), ["S", "截断"]),
    "missing-part": (lambda p: xlsx(p, {"结对帮扶": sheet_xml(table(["户编号"], [["H1"]]))},
                                    skip=("xl/worksheets/sheet1.xml",)), ["结对帮扶", "缺少"]),
    "million-rows-small-file": (_tall_small, ["压缩比", "压缩炸弹"]),
    "zip-bomb": (lambda p: xlsx(p, {"S": (b" " * (1 << 20) for _ in range(64))}, level=9), ["压缩炸弹"]),
    "declared-bomb": (_declared_bomb, ["压缩炸弹"]),
    "not-a-zip": (lambda p: p.write_bytes(b"\x00\x01garbage" * 100) and p, ["不是 Excel 工作簿"]),
    "cut-zip": (lambda p: p.write_bytes(xlsx(p, {"S": sheet_xml(table(["户编号"], [["H1"]]))}).read_bytes()[:300]) and p,
                ["工作簿已损坏"]),
    "escape-in-cell": (lambda p: xlsx(p, {"结对帮扶": sheet_xml([(1, PAIR_HEADER), (2, [(0, "H1"), (1, "张_x001B_三")])])}),
                       ["结对帮扶", "第2行", "B列", "ESC"]),
}


@pytest.mark.parametrize("case", list(WORKBOOKS))
def test_hostile_workbook_is_refused_in_one_line_with_bounded_memory(case, project, tmp_path):
    make, expected = WORKBOOKS[case]
    path = tmp_path / f"{case}.xlsx"
    make(path)
    before = project.read_bytes()
    run = zeren("--project", str(project), "load", "--dry-run", str(path), memory=1536 * 2**20, timeout=60)
    err = run.stderr.decode()
    assert run.returncode == 1, err
    assert "Traceback" not in err and "panicked" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"错误 Error: {path}"), err
    for word in expected:
        assert word in lines[0], lines[0]
    assert project.read_bytes() == before


def test_workbook_read_by_its_real_cells(tmp_path):
    """A sheet that starts at C5 and a merged title over the whole row read as before."""
    rows = [(5, [(2, "户编号"), (3, "户主姓名")]), (6, [(2, "H1"), (3, "张三")])]
    path = xlsx(tmp_path / "ok.xlsx", {"结对帮扶": sheet_xml(rows)})
    (sheet,) = read_file(path)
    assert sheet.rows[4][2:4] == ["户编号", "户主姓名"] and sheet.rows[5][2:4] == ["H1", "张三"]


# -- CSV ---------------------------------------------------------------------------------------
def _pairings(tmp_path: Path, change: dict[int, str], row: int = 0, name: str = "p.csv") -> Path:
    rows = [list(r) for r in ROWS]
    for c, v in change.items():
        rows[row][c] = v
    return write_csv(tmp_path / name, HEADER, rows)


BAD_CELLS = {
    "NUL": "张\x00三", "ESC": "张\x1b[31m三", "U+2028": "张\u2028三", "U+FFFD": "张\ufffd三",
    "垂直制表符": "张\x0b三", "U+202E": "张\u202e三",
}


@pytest.mark.parametrize("what", list(BAD_CELLS))
@pytest.mark.parametrize("column", [0, 1])  # 户编号, 户主姓名
def test_control_characters_in_a_cell_are_refused_with_row_and_column(what, column, county, tmp_path, runner):
    out = _refused(runner, county, _pairings(tmp_path, {column: BAD_CELLS[what]}, row=1))
    assert f"p.csv:第3行:{col(column)}列" in out and what in out
    assert "\x1b" not in out and "\u202e" not in out and "\u2028" not in out  # shown escaped, not acted on


def test_field_over_the_csv_limit_names_row_column_and_limit(county, tmp_path, runner):
    out = _refused(runner, county, _pairings(tmp_path, {1: "长" * 200_000}, row=2))
    (line,) = [x for x in out.splitlines() if x.startswith("错误")]
    assert "p.csv:第4行:B列" in line and "131072" in line and len(line) < 400


def test_a_long_cell_is_refused_and_echoed_clipped(county, tmp_path, runner):
    out = _refused(runner, county, _pairings(tmp_path, {1: "长" * 100_000}, row=0))
    (line,) = [x for x in out.splitlines() if x.startswith("错误")]
    assert "（共 100000 字）" in line and "超过上限 4000" in line and len(line) < 400


@pytest.mark.parametrize("content,expected", [
    (b"", "文件是空的"),
    (b"\xef\xbb\xbf\r\n\r\n", "文件是空的"),
    (bytes(range(256)) * 20, "不是文本文件"),
    (b"PK\x03\x04" + b"\x00" * 200, "压缩包"),
    ("户编号,户主姓名\nH1,张三\n".encode() + "H2,李四\n".encode("gbk"), "第3行起无法按 UTF-8 读取"),
    ("户编号,户主姓名\nH1,张三\n".encode("gbk") + "H2,李四\n".encode(), "第3行却是 UTF-8"),
])
def test_empty_binary_and_mixed_files_are_refused(content, expected, county, tmp_path, runner):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    out = _refused(runner, county, path)
    assert expected in out and str(path) in out


# -- dates -------------------------------------------------------------------------------------
FAR = (date.today() + timedelta(days=400)).isoformat()
DATES = [  # (parser, cell, expected ISO date, None for open, or an error fragment)
    (parse_date, "2019-06-01", "2019-06-01"),
    (parse_date, "1582-10-10", "早于 1949-10-01"),
    (parse_date, "1949-09-30", "早于 1949-10-01"),
    (parse_date, "2019-06-01 25:61", "时间不存在"),
    (parse_date, "2019-06-01 23:59:59", "2019-06-01"),
    (parse_date, "43466", "2019-01-01"),  # an Excel serial a CSV export left: plausible, so read
    (parse_date, "80000", "不在合理范围内"),  # 2119-01-10: not clearly a serial
    (parse_date, "2019", "只有数字"),
    (parse_date, 43466.0, "2019-01-01"),  # a workbook's number cell
    (parse_date, 1000.0, "早于 1949-10-01"),
    (parse_start_date, "9999-12-31", "只能用于终止日期"),
    (parse_start_date, FAR, "晚于今天一年以上"),
    (parse_start_date, date(2019, 6, 1), "2019-06-01"),
    (parse_end_date, "9999-12-31", None),
    (parse_end_date, "9999/12/31", None),
    (parse_end_date, FAR, FAR),
    (parse_end_date, "", None),
]


@pytest.mark.parametrize("parser,cell_value,expected", DATES)
def test_dates(parser, cell_value, expected):
    if expected is None or expected[:1].isdigit():
        assert parser(cell_value) == expected
    else:
        with pytest.raises(ValueError, match=expected):
            parser(cell_value)


def test_open_ended_and_implausible_dates_in_a_roster(county, tmp_path, runner):
    out = _refused(runner, county, _pairings(tmp_path, {7: "1582-10-10"}, row=0),
                   _pairings(tmp_path, {7: "2019-06-01 25:61"}, row=1, name="q.csv"))
    assert "p.csv:第2行:起始日期" in out and "早于 1949-10-01" in out
    assert "q.csv:第3行:起始日期" in out and "时间不存在" in out
    out = _refused(runner, county, _pairings(tmp_path, {7: "9999-12-31"}, row=0))
    assert "p.csv:第2行:起始日期" in out
    ok = runner.invoke(cli, ["--project", str(county), "load", "--add",
                             str(_pairings(tmp_path, {8: "9999-12-31"}, row=3))])
    assert ok.exit_code == 0, ok.output
    with Store.open(county) as store:
        (e,) = store.edges(src="household:H004", kinds=["LOCATED_IN"])
        assert e.valid_to is None  # still in place: open-ended, not a date in the year 9999


def test_names_refuse_invisible_characters_and_length():
    assert parse_name("  张三 ") == "张三"
    for bad in ("张\t三", "张\u200b三", "张\u202e三", "张\x00三"):
        with pytest.raises(ValueError, match="不可见或控制字符"):
            parse_name(bad)
    with pytest.raises(ValueError, match="最多 64 个字符"):
        parse_name("张" * 65)


# -- personal data -----------------------------------------------------------------------------
MASKED = [  # every written form of a mobile, a landline and a 身份证号, in free text
    ("电话+8613910001019", "电话+86139****1019"),
    ("+86 139 1000 0486", "+86 139****0486"),
    ("(+86)13910001019", "(+86)139****1019"),
    ("0086-13910001019", "0086-139****1019"),
    ("139-1000-0486", "139****0486"),
    ("139 1000 0486", "139****0486"),
    ("手机13910000486。", "手机139****0486。"),
    ("0932-5551234", "0932-*****34"),
    ("(0932)5551234", "(0932)*****34"),
    ("（0932）5551234", "（0932）*****34"),
    ("010 87654321", "010 ******21"),
    ("0932-5551234-801", "0932-*****34-801"),
    ("621121 19700415 9090", "621121********9090"),
    ("621121-19700415-9090", "621121********9090"),
    ("身份证62112119700415909x，", "身份证621121********909x，"),
]
UNTOUCHED = ["2019-06-01", "2019-06-01 12:30", "户编号 621101027119", "金额 1234567 元", "0.5", "2019年3月1日",
             "P621101027119", "批次 #12", "13.5%", "1391000048", "139100004861", "编号 6211010271190001"]


@pytest.mark.parametrize("written,masked", MASKED)
def test_every_written_form_is_masked(written, masked):
    assert mask_text(written) == masked
    assert mask_text(masked) == masked


@pytest.mark.parametrize("text", UNTOUCHED)
def test_nothing_else_is_masked(text):
    assert mask_text(text) == text


def test_personal_data_in_another_column_is_masked_in_the_error(county, tmp_path, runner):
    number = idnum("62112119700415909")
    rows = [list(r) for r in ROWS]
    rows[0][3] = number  # 乡镇
    rows[1][6] = "139-1000-0486"  # 帮扶责任人单位
    rows[2][7] = "电话0932-5551234"  # 起始日期
    out = _refused(runner, county, write_csv(tmp_path / "p.csv", HEADER, rows))
    assert number not in out and "1000-0486" not in out and "5551234" not in out
    assert "p.csv:第2行:乡镇: 值“621121********" in out and "p.csv:第3行:帮扶责任人单位: 值“139****0486”" in out
    assert "p.csv:第4行:起始日期: 值“电话0932-*****34”" in out


def test_trace_masks_every_form_in_free_text(county, tmp_path, runner):
    note = "户主电话+8613910001019，备用139-1000-0486，身份证621121 19700415 9090，座机(0932)5551234"
    path = write_csv(tmp_path / "f.csv", F_HEADER,
                     [["2019-06-01", "县委督查室", "一户一策未落实", "户", "H001", note]])
    assert runner.invoke(cli, ["--project", str(county), "load", str(path)]).exit_code == 0
    for fmt in ("table", "json"):
        out = runner.invoke(cli, ["--project", str(county), "trace", "finding", "1", "--format", fmt]).output
        for raw in ("13910001019", "1000-0486", "19700415", "5551234"):
            assert raw not in out, (fmt, raw)
        assert "139****1019" in out


def test_problem_lines_are_clipped_masked_and_escaped():
    line = str(Problem("a.csv", "乡镇不存在", row=3, column="乡镇", value="x" * 40 + "13910001019" + "y" * 1000))
    assert "139****1019" in line and "（共 1051 字）" in line and len(line) < 200
    cut = str(Problem("a.csv", "乡镇不存在", value="x" * 55 + "13910001019"))  # masked before it is cut
    assert "13910" not in cut and "139**" in cut
    assert "\\u001b" in str(Problem("a.csv", "坏", value="\x1b[2J"))


# -- rulebook files ----------------------------------------------------------------------------
def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for p, q in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{q}: &{q} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]")
    return "\n".join(lines) + "\n"


RULEBOOKS = {
    "alias-bomb.yaml": (_alias_bomb(), "锚点或别名"),
    "self-alias.yaml": ("a: &x [1, *x]\n", "锚点或别名"),
    "deep.yaml": ("a: " + "[" * 100 + "]" * 100 + "\n", "嵌套过深"),
    "deep-block.yaml": ("".join(" " * i + f"k{i}:\n" for i in range(60)) + " " * 60 + "v: 1\n", "嵌套过深"),
    "deep.toml": ("a = " + "[" * 100 + "]" * 100 + "\n", "嵌套过深"),
    "huge.yaml": ("# " + "x" * (5 * 2**20) + "\n", "文件过大"),
    "python-tag.yaml": ('a: !!python/object/apply:os.system ["echo owned"]\n', "无法解析"),
}


@pytest.mark.parametrize("name", list(RULEBOOKS))
def test_hostile_rulebook_files_are_refused_in_one_line(name, tmp_path):
    text, expected = RULEBOOKS[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulebookError) as err:
        load_rulebook(str(path))
    assert len(err.value.problems) == 1 and expected in str(err.value.problems[0])
    run = zeren("rulebook", "validate", str(path), memory=1024 * 2**20, timeout=30)
    assert run.returncode == 1 and "Traceback" not in run.stderr.decode() and expected in run.stderr.decode()


def test_the_alias_bomb_is_the_one_from_the_issue():
    assert len(_alias_bomb().encode()) in range(330, 400)


# -- the project file --------------------------------------------------------------------------
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_project_files_and_their_wal_are_private(tmp_path, runner):
    old = os.umask(0o022)
    try:
        project = tmp_path / "new" / "dir" / "p.db"
        assert runner.invoke(cli, ["--project", str(project), "init"]).exit_code == 0
        assert _mode(project) == 0o600 and _mode(project.parent) == 0o700
        with Store.open(project, readonly=False) as store, store.transaction() as w:
            w.new_batch(["x.csv"])
            wal = Path(f"{project}-wal")
            assert wal.exists() and _mode(wal) == 0o600 and _mode(Path(f"{project}-shm")) == 0o600
            w.rollback = True
    finally:
        os.umask(old)


def test_init_over_a_world_readable_project_warns(project, runner):
    os.chmod(project, 0o644)
    result = runner.invoke(cli, ["--project", str(project), "init"])
    assert result.exit_code == 1 and "chmod 600" in result.output and "0644" in result.output


def test_personal_data_written_to_a_file_is_private(county, tmp_path):
    path = projectfile.write_private(tmp_path / "out.txt", "身份证 62112119700415909X")
    assert _mode(path) == 0o600
    out = tmp_path / "trace.txt"
    out.write_text("")
    os.chmod(out, 0o644)
    with out.open("w") as fh:
        run = zeren("--project", str(county), "trace", "household", "H001", "--show-personal-data", stdout=fh)
    assert run.returncode == 0, run.stderr.decode()
    assert _mode(out) == 0o600 and "0600" in run.stderr.decode()


def test_a_reader_is_never_told_a_healthy_project_is_not_a_project(county):
    """A reader opens read-write underneath (query_only), so it can recover a killed writer's
    journal; it cannot write."""
    with Store.open(county) as store:
        assert store.counts()["household"] == 4
        with pytest.raises(Exception, match="readonly|query_only|只读"):
            store.conn.execute("DELETE FROM meta")


# -- the CLI's own errors ----------------------------------------------------------------------
@pytest.mark.parametrize("args", [["--bogus"], ["load"], ["trace", "plan"], ["check", "--format", "xml"]])
def test_usage_errors_exit_1_in_one_chinese_line(args, runner, project):
    result = runner.invoke(cli, ["--project", str(project), *args])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("错误 Error: 命令用法有误")


# -- outputs -----------------------------------------------------------------------------------
def test_one_csv_writer_escapes_formulas():
    text = csv_text(["a", "b"], [["=cmd|' /C calc'!A0", "+1"], ["-2", "@SUM(A1)"], ["\t=1", "ok"], ["＝1", None]])
    assert text.startswith("\ufeff")
    body = text.splitlines()[1:]
    assert body == ["'=cmd|' /C calc'!A0,'+1", "'-2,'@SUM(A1)", "'\t=1,ok", "'＝1,"]


def test_gaps_csv_goes_through_the_one_writer(county, tmp_path, runner):
    villages = write_csv(tmp_path / "v.csv", ["乡镇", "村", "是否贫困村", "包村领导", "起始日期", "终止日期"],
                         [["甲镇", "=cmd|' /C calc'!A0", "是", "", "2018-06-01", ""]])
    assert runner.invoke(cli, ["--project", str(county), "load", "--add", str(villages)]).exit_code == 0
    out = runner.invoke(cli, ["--project", str(county), "gaps", "--at", "2019-01-01", "--format", "csv"]).output
    assert "=cmd" in out
    for line in out.splitlines()[1:]:
        assert all(not cell_.startswith(("=", "+", "-", "@")) for cell_ in line.split(","))


def test_terminal_output_escapes_control_characters(county, runner):
    path = str(county)
    with Store.open(county, readonly=False) as store, store.transaction() as w:
        w.conn.execute("UPDATE person SET name = ? WHERE name = '何干部'", ("何\x1b[2J干部\u202e",))
    out = runner.invoke(cli, ["--project", path, "trace", "household", "H001"]).output
    assert "\x1b" not in out and "\u202e" not in out and "\\u001b[2J" in out
    out = runner.invoke(cli, ["--project", path, "trace", "household", "H001", "--format", "json"]).output
    assert "\u202e" not in out and json.loads(out)
    assert text_table(["a"], [["x\x1by"]]).splitlines()[-1] == "x\\u001by"
    assert escape_controls("a\tb\nc\rd") == "a\tb\nc\\u000dd"


@pytest.mark.dot
@pytest.mark.skipif(not have_dot(), reason="Graphviz dot is not installed")
def test_names_render_literally_in_diagrams(project, tmp_path, runner):
    files = write_base(tmp_path)
    header, rows = TOWNSHIPS
    rows = [["<B>恶意镇</B>" if c == "甲镇" else c for c in r] for r in rows]
    rows[0][1] = "张三\\"
    write_csv(tmp_path / "乡镇.csv", header, rows)
    for f in files:
        f.write_text(f.read_text(encoding="utf-8-sig").replace("甲镇", "<B>恶意镇</B>"), encoding="utf-8-sig")
    write_csv(tmp_path / "乡镇.csv", header, rows)
    load = runner.invoke(cli, ["--project", str(project), "load", *map(str, files)])
    assert load.exit_code == 0, load.output
    svg = tmp_path / "org.svg"
    result = runner.invoke(cli, ["--project", str(project), "render", "org", "--township", "<B>恶意镇</B>",
                                 "--at", "2019-01-01", "-o", str(svg)])
    assert result.exit_code == 0, result.output
    text = svg.read_text(encoding="utf-8")
    assert "&lt;B&gt;恶意镇&lt;/B&gt;" in text and "张三\\" in text


def test_injection_strings_round_trip_as_data(county, tmp_path, runner):
    """Quotes, backticks, a Cypher tail and a spreadsheet formula are names like any other."""
    cypher, formula = '宋"}) DETACH DELETE n //', "=cmd|' /C calc'!A0"
    rows = [list(r) for r in ROWS]
    rows[0][1], rows[0][5] = cypher, formula
    pairs = write_csv(tmp_path / "p.csv", HEADER, rows)
    finding = write_csv(tmp_path / "f.csv", F_HEADER,
                        [["2019-06-01", "县委督查室", "一户一策未落实", "户", "H001", "`rm -rf /`\n第二行'\""]])
    load = runner.invoke(cli, ["--project", str(county), "load", "--as-of", "2019-01-01", str(pairs), str(finding)])
    assert load.exit_code == 0, load.output
    out = runner.invoke(cli, ["--project", str(county), "trace", "household", "H001", "--format", "json"]).output
    data = json.loads(out)
    assert formula in [c["person"] for c in data["chain"]]
    assert data["findings"][0]["note"] == "`rm -rf /`\n第二行'\""
    csv_out = runner.invoke(cli, ["--project", str(county), "check", "--period", "2019Q2", "--format", "csv"]).output
    assert "'" + formula in csv_out and "," + formula not in csv_out
    dot = tmp_path / "t.dot"
    assert runner.invoke(cli, ["--project", str(county), "render", "trace", "household", "H001",
                               "-o", str(dot)]).exit_code == 0
    assert "=cmd|' /C calc'!A0" in dot.read_text(encoding="utf-8")
