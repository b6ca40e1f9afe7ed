"""zeren load: the forms rosters really arrive in, every refusal, history, idempotence."""

from __future__ import annotations

import re

import datetime as dt
import csv
import json

import pytest
from openpyxl import Workbook
from rosters import (
    BASE,
    F_HEADER,
    PAIRINGS,
    TEAMS,
    TOWNSHIPS,
    VILLAGES,
    idnum,
    write_base,
    write_csv,
)
from zeren.cli.main import cli
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files


@pytest.fixture
def county(project, tmp_path, runner):
    files = write_base(tmp_path)
    result = runner.invoke(cli, ["--project", str(project), "load", *map(str, files)])
    assert result.exit_code == 0, result.output
    return project


def _load(runner, project, *files, extra=()):
    return runner.invoke(cli, ["--project", str(project), "load", *extra, *map(str, files)])


def _refused(runner, project, *files):
    before = project.read_bytes()
    result = _load(runner, project, *files)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert project.read_bytes() == before, "a refused load changed the project"
    return result.output


def holder(store, post, day):
    return [e.src.rsplit("/", 1)[1] for e in store.edges(dst=post, kinds=["HOLDS"], at=day)]


def test_base_county_loads(county, runner):
    data = json.loads(runner.invoke(cli, ["--project", str(county), "stats", "--format", "json"]).output)
    assert data["townships"] == 2 and data["villages"] == 4 and data["households"] == 4
    assert data["teams"] == 3 and data["plans"] == 4
    with Store.open(county) as store:
        assert holder(store, "post:team:甲镇/西村/第一书记", "2019-01-01") == ["秦队长"]
        assert holder(store, "post:team:甲镇/西村/队长", "2019-01-01") == ["秦队长"]
        assert holder(store, "post:township:甲镇/县级联系乡镇领导", "2019-01-01") == ["林书记"]
        assert holder(store, "post:county:通渭县/县委书记", "2019-01-01") == ["林书记"]
        hh = store.node("household:H001")
        assert hh.props["head"] == "户主一" and hh.provenance.row == 2
        assert hh.provenance.source.endswith("结对帮扶.csv") and hh.provenance.batch == 1


@pytest.mark.parametrize("encoding,label", [("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8-sig"),
                                            ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_csv_encodings(project, tmp_path, runner, encoding, label):
    path = write_csv(tmp_path / "t.csv", *TOWNSHIPS, encoding=encoding)
    result = _load(runner, project, path)
    assert result.exit_code == 0, result.output
    assert f"编码 {label}" in result.output


def test_undecodable_csv(project, tmp_path, runner):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\x81\x30\xff\xfe\x00" * 10)
    assert "无法识别文件编码" in _refused(runner, project, path)


def test_workbook_as_clerks_send_it(project, tmp_path, runner):
    """Title row, 填报单位 row, 序号, a group heading merged over two header rows, date cells,
    full-width spaces, trailing blanks and 合计/填表人 rows; every sheet found whatever its name."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["通渭县乡镇党政负责人名单"])
    ws.merge_cells("A1:G1")
    ws.append(["填报单位：县委组织部", None, None, None, None, "填报日期：2018年6月"])
    ws.append(["序号", "乡镇", "党委书记", "乡镇长", "党建办主任", "任职时间", None, "联系电话"])
    ws.merge_cells("F3:G3")
    ws.append([None, None, None, None, None, "起始日期", "终止日期", None])
    ws.merge_cells("A3:A4")
    ws.append([1, "甲镇　", "赵书记", "钱镇长", "孙主任", dt.datetime(2018, 6, 1), None, 13909320000])
    ws.append([2, "乙乡", "周书记", "吴乡长", "郑主任", "2018年6月1日", "", "13800000000"])
    ws.append([None] * 7)
    ws.append(["合计", "2个乡镇"])
    ws.append(["填表人：张三", None, "审核人：李四"])
    ws2 = wb.create_sheet("随便起的名字")
    ws2.append(["township", "village", "poor_village", "village_leader", "start_date", "end_date"])
    ws2.append(["甲镇", "东村", "是", "钱镇长", "2018/6/1", ""])
    ws2.append(["乙乡", "北村", "否", "吴乡长", "2018.6.1", None])
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    result = _load(runner, project, path)
    assert result.exit_code == 0, result.output
    assert "名单.xlsx:Sheet1 → 乡镇（2 行）" in result.output
    assert "名单.xlsx:随便起的名字 → 村（2 行）" in result.output
    with Store.open(project) as store:
        t = store.node("township:甲镇")
        assert t.name == "甲镇" and t.props["联系电话"] == "13909320000"
        assert holder(store, "post:township:乙乡/党委书记", "2018-06-01") == ["周书记"]
        assert holder(store, "post:village:甲镇/东村/包村领导", "2018-06-01") == ["钱镇长"]
        assert store.node("village:乙乡/北村").props["poor"] is False


def test_fullwidth_names_match(county, tmp_path, runner):
    rows = [["２０１９-０５-０１", "县委督查室", "驻村走读", "工作队", "甲镇／东村", "全角"]]
    path = write_csv(tmp_path / "f.csv", F_HEADER, rows)
    result = _load(runner, county, path)
    assert result.exit_code == 0, result.output
    with Store.open(county) as store:
        assert store.findings()[0].object_id == "team:甲镇/东村"


def test_every_problem_is_reported_with_row_and_column(county, tmp_path, runner):
    header, _ = PAIRINGS
    rows = [
        ["H010", "甲", idnum("62112119800101010"), "丙镇", "东村", "何干部", "县财政局", "2019-01-01", ""],
        ["H011", "乙", "6.2112219760209E+17", "甲镇", "东村", "何干部", "县财政局", "2019-01-01", ""],
        ["H012", "丙", "621121198001010129", "甲镇", "东村", "何干部", "县财政局", "2019-01-01", ""],
        ["H013", "丁", "", "甲镇", "东村", "何干部", "县财政局", "2019-13-01", ""],
        ["H014", "戊", "", "甲镇", "东村", "何干部", "县财政局", "2019-02-30", ""],
        ["H015", "己", "", "甲镇", "东村", "何干部", "县财政局", "2019-03-01", "2019-01-01"],
        ["H016", "庚", "", "甲镇", "东村", "何干部", "县没有局", "2019-03-01", ""],
        ["H017", "辛", "", "甲镇", "东庄", "何干部", "县财政局", "2019-03-01", ""],
    ]
    out = _refused(runner, county, write_csv(tmp_path / "p.csv", header, rows))
    f = f"{tmp_path / 'p.csv'}"
    assert f"{f}:第2行:乡镇: 值“丙镇”：乡镇“丙镇”不存在" in out
    assert f"{f}:第3行:身份证号" in out and "科学计数法" in out and "无法恢复" in out
    assert f"{f}:第4行:身份证号" in out and "校验位" in out
    assert f"{f}:第5行:起始日期: 值“2019-13-01”" in out
    assert f"{f}:第6行:起始日期: 值“2019-02-30”：不存在的日期" in out
    assert f"{f}:第7行:终止日期" in out and "早于起始日期" in out
    assert f"{f}:第8行:帮扶责任人单位: 值“县没有局”" in out
    assert f"{f}:第9行:村: 值“东庄”" in out and "是不是“东村”" in out
    assert "共 8 个问题" in out


def test_id_number_as_excel_number(county, tmp_path, runner):
    wb = Workbook()
    ws = wb.active
    header, rows = PAIRINGS
    ws.append(header)
    ws.append(["H020", "甲", 6.2112219760209e17, "甲镇", "东村", "何干部", "县财政局", "2019-01-01", None])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    out = _refused(runner, county, path)
    assert ":第2行:身份证号" in out and "15位" in out and "文本" in out
    assert "621122197602090000" not in out  # personal data stays masked even in errors


def test_conflicting_duplicate_key(project, tmp_path, runner):
    header, rows = VILLAGES
    bad = rows + [["甲镇", "东村", "否", "钱镇长", "2018-06-01", ""]]
    t = write_csv(tmp_path / "t.csv", *TOWNSHIPS)
    out = _refused(runner, project, t, write_csv(tmp_path / "v.csv", header, bad))
    assert ":第6行:是否贫困村: 值“否”：与第2行的“是”矛盾" in out


def test_every_problem_of_a_row_is_reported(project, tmp_path, runner):
    t = write_csv(tmp_path / "t.csv", *TOWNSHIPS)
    bad = write_csv(tmp_path / "v.csv", VILLAGES[0], [["甲镇", "", "也许", "钱镇长", "2018/2/30", ""]])
    out = _refused(runner, project, t, bad)
    assert ":第2行:是否贫困村: 值“也许”" in out and ":第2行:村:" in out and ":第2行:起始日期: 值“2018/2/30”" in out
    assert "共 3 个问题" in out


def test_two_captains_on_one_day(county, tmp_path, runner):
    header, rows = TEAMS
    bad = rows + [["甲镇", "东村", "另一个队长", "队长", "县财政局", "2018-09-01", ""]]
    out = _refused(runner, county, write_csv(tmp_path / "team.csv", header, bad))
    assert "甲镇/东村的队长同一天只能有一人" in out and "第7行:姓名" in out


def test_unrecognised_header_lists_the_kinds(project, tmp_path, runner):
    path = write_csv(tmp_path / "x.csv", ["名称", "金额"], [["a", "1"]])
    out = _refused(runner, project, path)
    assert "找不到可识别的表头" in out and "工作队（乡镇、村、姓名、队内职务、派出单位" in out


def test_misspelt_header_suggests_the_right_one(project, tmp_path, runner):
    header = ["乡镇", "党委书纪", "乡镇长", "党建办主任", "起始日期", "终止日期"]
    out = _refused(runner, project, write_csv(tmp_path / "t.csv", header, TOWNSHIPS[1]))
    assert ":第1行:党委书纪" in out and "应为“党委书记”" in out


def test_a_bad_file_stops_the_good_ones(project, tmp_path, runner):
    good = write_csv(tmp_path / "t.csv", *TOWNSHIPS)
    bad = write_csv(tmp_path / "v.csv", VILLAGES[0], [["甲镇", "东村", "也许", "钱镇长", "2018-06-01", ""]])
    out = _refused(runner, project, good, bad)
    assert "应填“是”或“否”" in out
    with Store.open(project) as store:
        assert store.node("township:甲镇") is None


def test_dry_run_writes_nothing(project, tmp_path, runner):
    before = project.read_bytes()
    result = _load(runner, project, *write_base(tmp_path), extra=["--dry-run"])
    assert result.exit_code == 0 and "试运行" in result.output
    assert project.read_bytes() == before


def test_loading_twice_changes_nothing(county, tmp_path, runner):
    before = county.read_bytes()
    result = _load(runner, county, *write_base(tmp_path))
    assert result.exit_code == 0 and "无变化" in result.output
    assert county.read_bytes() == before


def test_later_roster_closes_and_opens_with_history(county, tmp_path, runner):
    header, rows = TEAMS
    later = [r for r in rows if not (r[1] == "东村" and r[3] == "队长")]
    later.append(["甲镇", "东村", "新队长", "队长", "县财政局", "2019-05-01", ""])
    result = _load(runner, county, write_csv(tmp_path / "team2019.csv", header, later))
    assert result.exit_code == 0, result.output
    assert "工作队" in result.output
    line = next(x for x in result.output.splitlines() if x.startswith("工作队"))
    assert line.split()[2:5] == ["1", "1", "0"]  # added, closed, changed (after the rows read)
    # the report names the assignment it opens and the one it closes
    assert re.search(r"^任\s+队长\s+东村\s+新队长\s+2019-05-01", result.output, re.M)
    assert re.search(r"^免\s+队长\s+东村\s+韩队长\s+2018-06-01\s+2019-04-30", result.output, re.M)
    with Store.open(county) as store:
        post = "post:team:甲镇/东村/队长"
        assert holder(store, post, "2019-04-30") == ["韩队长"]
        assert holder(store, post, "2019-05-01") == ["新队长"]
        assert holder(store, "post:team:甲镇/东村/第一书记", "2019-05-01") == ["杨书记"]
        # the other township's team is outside this roster's scope and stays open
        assert holder(store, "post:team:乙乡/北村/队长", "2020-01-01") == ["许队长"]
        old = next(e for e in store.edges(dst=post, kinds=["HOLDS"]) if e.src.endswith("韩队长"))
        assert (old.valid_from, old.valid_to) == ("2018-06-01", "2019-04-30")


def test_as_of_sets_the_closing_day(county, tmp_path, runner):
    header, rows = TEAMS
    later = [r for r in rows if r[2] != "朱队员"]
    result = _load(runner, county, write_csv(tmp_path / "t.csv", header, later), extra=["--as-of", "2019年3月1日"])
    assert result.exit_code == 0, result.output
    with Store.open(county) as store:
        e = next(e for e in store.edges(dst="post:team:甲镇/东村/队员", kinds=["HOLDS"]))
        assert e.valid_to == "2019-02-28"


def test_findings_objects(county, tmp_path, runner):
    header = F_HEADER
    rows = [["2019-05-01", "县委督查室", "一户一策未制定", "户", "H003", ""],
            ["2019-05-02", "县委督查室", "帮扶村发展停滞", "村", "北村", "村名唯一"],
            ["2019-05-03", "县委督查室", "驻村干部不胜任", "干部", "县财政局/韩队长", ""],
            ["2019-05-04", "县委督查室", "培训不足", "县", "通渭县", ""]]
    result = _load(runner, county, write_csv(tmp_path / "f.csv", header, rows))
    assert result.exit_code == 0, result.output
    with Store.open(county) as store:
        got = [(f.n, f.object_id) for f in store.findings()]
    assert got == [(1, "household:H003"), (2, "village:乙乡/北村"), (3, "person:县财政局/韩队长"), (4, "county:通渭县")]
    bad = [["2019-05-01", "", "一户一策未制定", "村", "东村", ""], ["2019-05-01", "", "不存在", "户", "H001", ""],
           ["2019-05-01", "", "驻村走读", "工作队", "西庄", ""]]
    out = _refused(runner, county, write_csv(tmp_path / "g.csv", header, bad))
    assert ":第2行:对象类型" in out and ":第3行:问题类型" in out and ":第4行:对象: 值“西庄”" in out


def test_template_round_trip(project, tmp_path, runner):
    result = runner.invoke(cli, ["template", str(tmp_path / "tpl")])
    assert result.exit_code == 0
    files = sorted((tmp_path / "tpl").glob("*.xlsx"))
    assert len(files) == len(BASE) + 3  # and 督查发现, 履职记录, 全部清单
    everything = tmp_path / "tpl" / "全部清单.xlsx"
    with Store.open(project, readonly=False) as store:
        result = load_files(store, [str(everything)])
    assert {t[2] for t in result.tables} == set(BASE) | {"督查发现", "履职记录"}
    assert not result.changed


def test_history_lists_each_load(county, tmp_path, runner):
    header, rows = TEAMS
    later = [r for r in rows if r[2] != "朱队员"]
    _load(runner, county, write_csv(tmp_path / "team2019.csv", header, later), extra=["--as-of", "2019-03-01"])
    result = runner.invoke(cli, ["--project", str(county), "history", "--format", "json"])
    batches = json.loads(result.output)["batches"]
    assert [b["id"] for b in batches] == [1, 2]
    assert batches[1]["files"][0].endswith("team2019.csv") and batches[1]["summary"]["工作队"]["closed"] == 1
    text = runner.invoke(cli, ["--project", str(county), "history"]).output
    assert "team2019.csv" in text and "工作队 +0 −1 ~0" in text


def test_dropping_someone_without_a_date_is_refused(county, tmp_path, runner):
    header, rows = TEAMS
    later = [r for r in rows if r[2] != "朱队员"]  # every remaining row still starts 2018-06-01
    out = _refused(runner, county, write_csv(tmp_path / "t.csv", header, later))
    assert "“朱队员”" in out and "无法确定其终止日期" in out and "--as-of" in out
    assert "工作队.csv:第4行" in out  # where the dropped assignment came from
    ok = _load(runner, county, write_csv(tmp_path / "t.csv", header, later), extra=["--as-of", "2019-03-01"])
    assert ok.exit_code == 0, ok.output


def test_deputy_captain_is_a_member_and_excel_serial_dates(county, tmp_path, runner):
    header, rows = TEAMS
    extra = [["乙乡", "北村", "副队长甲", "副队长", "县交通局", "43525", ""]]  # 43525 = 2019-03-01
    result = _load(runner, county, write_csv(tmp_path / "t.csv", header, rows + extra))
    assert result.exit_code == 0, result.output
    with Store.open(county) as store:
        assert holder(store, "post:team:乙乡/北村/队长", "2019-06-01") == ["许队长"]
        members = store.edges(dst="post:team:乙乡/北村/队员", kinds=["HOLDS"])
        assert [(e.src.rsplit("/", 1)[1], e.valid_from) for e in members] == [("副队长甲", "2019-03-01")]


def test_revert_undoes_a_load_and_is_recorded(county, tmp_path, runner):
    header, rows = TEAMS
    later = [r for r in rows if not (r[1] == "东村" and r[3] == "队长")]
    later.append(["甲镇", "东村", "新队长", "队长", "县财政局", "2019-05-01", ""])
    before = json.loads(runner.invoke(cli, ["--project", str(county), "stats", "--format", "json"]).output)
    assert _load(runner, county, write_csv(tmp_path / "t2.csv", header, later)).exit_code == 0
    with Store.open(county) as store:
        assert holder(store, "post:team:甲镇/东村/队长", "2019-06-01") == ["新队长"]
    result = runner.invoke(cli, ["--project", str(county), "revert", "2"])
    assert result.exit_code == 0, result.output
    assert "已撤销批次 #2（记为批次 #3）" in result.output
    with Store.open(county) as store:
        assert holder(store, "post:team:甲镇/东村/队长", "2019-06-01") == ["韩队长"]  # reopened
        assert store.node("person:县财政局/新队长") is None
        assert [b["mode"] for b in store.batches()] == ["snapshot", "snapshot", "revert"]
    after = json.loads(runner.invoke(cli, ["--project", str(county), "stats", "--format", "json"]).output)
    assert after == before
    history = runner.invoke(cli, ["--project", str(county), "history"]).output
    assert "撤销批次 #2" in history and "已由批次 #3 撤销" in history
    again = runner.invoke(cli, ["--project", str(county), "revert", "2"])
    assert again.exit_code == 1 and "已由批次 #3 撤销" in again.output


def test_revert_is_refused_when_a_later_load_built_on_it(county, tmp_path, runner):
    header, rows = TEAMS
    first = [r for r in rows if not (r[1] == "东村" and r[3] == "队长")] + [
        ["甲镇", "东村", "新队长", "队长", "县财政局", "2019-05-01", ""]]
    assert _load(runner, county, write_csv(tmp_path / "t2.csv", header, first)).exit_code == 0
    second = [r for r in first if r[2] != "新队长"] + [["甲镇", "东村", "又一个队长", "队长", "县财政局", "2019-08-01", ""]]
    assert _load(runner, county, write_csv(tmp_path / "t3.csv", header, second)).exit_code == 0
    result = runner.invoke(cli, ["--project", str(county), "revert", "2"])
    assert result.exit_code == 1 and "请先撤销之后的批次" in result.output and "工作队" in result.output
    assert runner.invoke(cli, ["--project", str(county), "revert", "3"]).exit_code == 0
    assert runner.invoke(cli, ["--project", str(county), "revert", "2"]).exit_code == 0


def test_a_partial_roster_cannot_wipe_a_township(county, tmp_path, runner):
    header, rows = PAIRINGS
    many = [[f"B{i:02d}", f"户{i}", "", "乙乡", "北村", "施干部", "县交通局", "2018-06-01", ""] for i in range(10)]
    assert _load(runner, county, write_csv(tmp_path / "p.csv", header, [rows[3], *many])).exit_code == 0
    one = write_csv(tmp_path / "one.csv", header, [["B00", "户0", "", "乙乡", "北村", "新干部", "县交通局", "2019-03-01", ""]])
    out = _refused(runner, county, one)
    assert "乙乡现有 11 条在册记录，这份名单只列出 1 条，将关闭 10 条" in out
    assert "--snapshot" in out and "--add" in out
    fixed = _load(runner, county, one, extra=["--add"])
    assert fixed.exit_code == 0, fixed.output
    with Store.open(county) as store:
        cadres = store.edges(dst="household:B00", kinds=["ASSISTS"], at="2019-06-01")
        assert [e.src for e in cadres] == ["person:县交通局/新干部"]
        assert store.edges(dst="household:B05", kinds=["ASSISTS"], at="2019-06-01")  # the others stay open
        assert store.batches()[-1]["mode"] == "add"
    whole = _load(runner, county, one, extra=["--snapshot"])
    assert whole.exit_code == 0, whole.output
    with Store.open(county) as store:
        assert not store.edges(dst="household:B05", kinds=["ASSISTS"], at="2019-06-01")  # closed, as told
        assert store.edges(dst="household:B05", kinds=["ASSISTS"], at="2018-12-01")  # history kept


def test_dry_run_lists_each_assignment_it_would_change_as_json(county, tmp_path, runner):
    header, rows = TEAMS
    later = [r for r in rows if not (r[1] == "东村" and r[3] == "队长")]
    later.append(["甲镇", "东村", "新队长", "队长", "县财政局", "2019-05-01", ""])
    before = county.read_bytes()
    result = runner.invoke(cli, ["--project", str(county), "load", "--dry-run", "--format", "json",
                                 str(write_csv(tmp_path / "team2019.csv", header, later))])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["dry_run"] and data["batch"] is None and county.read_bytes() == before
    assert sorted((a["change"], a["post"], a["of"], a["person"], a["from"], a["to"]) for a in data["assignments"]) == [
        ("任", "队长", "东村", "新队长", "2019-05-01", None), ("免", "队长", "东村", "韩队长", "2018-06-01", "2019-04-30")]
    assert data["diff"]["工作队"]["added"] == 1


def test_repeated_problems_are_grouped_and_listed_in_full_on_request(county, tmp_path, runner):
    header, rows = PAIRINGS
    bad = [[f"H9{i:02d}", f"户主{i}", "6.21121E+17", "甲镇", "东村", "何干部", "县财政局", "2018-06-01", ""]
           for i in range(30)]
    path = write_csv(tmp_path / "结对帮扶.csv", header, rows + bad)
    listed = tmp_path / "问题.csv"
    before = county.read_bytes()
    result = runner.invoke(cli, ["--project", str(county), "load", "--problems", str(listed), str(path)])
    assert result.exit_code == 1 and county.read_bytes() == before
    errors = [x for x in result.output.splitlines() if x.startswith("错误")]
    assert len(errors) == 1  # thirty damaged numbers, one line
    assert "身份证号" in errors[0] and "共 30 处：第" in errors[0] and "等" in errors[0]
    assert f"逐条清单见 {listed}" in result.output
    table = list(csv.reader(listed.read_text(encoding="utf-8-sig").splitlines()))
    assert table[0] == ["文件", "工作表", "行", "列", "值", "问题"] and len(table) == 31
    assert {r[3] for r in table[1:]} == {"身份证号"}
