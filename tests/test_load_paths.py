"""Row programs change nothing: a load through them equals the generic reader's, table by table.

The loader stages clean rows through row programs (zeren.loaders.program) and reads any
other row generically; these tests load the same rosters with the programs turned off and
compare every table of the two project files, then read rosters as streams.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook
from rosters import BASE, idnum, write_base, write_csv
from zeren.graph import facts
from zeren.graph.errors import InputError
from zeren.graph.store import Store
from zeren.loaders import rosters, stream, tabular
from zeren.loaders.demo import generate
from zeren.loaders.kinds import recognise
from zeren.loaders.rosters import load_files
from zeren.loaders.tabular import read_file

SECRET = "5e" * 32


def _project(path: Path, rulebook) -> Store:
    Store.create(path, rulebook).close()
    with sqlite3.connect(path) as conn:  # one secret for both projects: the same keyed hashes
        conn.execute("UPDATE meta SET value = ? WHERE key = 'secret'", (SECRET,))
    return Store.open(path, readonly=False)


def _tables(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    out = {}
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                        "AND name NOT IN ('meta', 'batch') ORDER BY name")]
    for name in names:
        out[name] = sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
    conn.close()
    return out


def _both_ways(tmp_path: Path, rulebook, *loads: list[Path], monkeypatch, mode: str = "auto") -> tuple[dict, dict]:
    """Load the same files (call by call, the later ones in ``mode``) with and without row
    programs; both projects' tables."""
    out = []
    for fast in (True, False):
        monkeypatch.setattr(rosters._Loader, "fast", fast)
        path = tmp_path / f"{'fast' if fast else 'generic'}.db"
        with _project(path, rulebook) as store:
            for i, files in enumerate(loads):
                load_files(store, [str(f) for f in files], mode=mode if i else "auto")
        out.append(_tables(path))
    return out[0], out[1]


def _same(fast: dict, generic: dict) -> None:
    assert fast.keys() == generic.keys()
    for name in fast:
        assert fast[name] == generic[name], f"{name}: the row programs staged something else"


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_demo_county_loads_the_same_both_ways(tmp_path, rulebook, monkeypatch, xlsx):
    county = generate(tmp_path / "rosters", households=1500, villages=60, xlsx=xlsx)
    fast, generic = _both_ways(tmp_path, rulebook, county.files, *[[f] for f in county.later_files],
                               monkeypatch=monkeypatch)
    _same(fast, generic)
    assert len(fast["f_pairings_1"]) == 1500 and len(fast["f_plans_1"]) == 1500


def test_odd_rows_load_the_same_both_ways(tmp_path, rulebook, monkeypatch):
    """Rows the programs hand over or must read exactly as the generic reader: full-width and
    spaced names, a lower-case x, identities, empty optional cells, repeated rows, blank rows,
    a title row, a 合计 row, extra columns, a two-post team member."""
    files = write_base(tmp_path)
    pair_header = ["户编号", "户主姓名", "身份证号", "乡镇", "村", "帮扶责任人", "帮扶责任人单位", "帮扶责任人干部编号",
                   "起始日期", "终止日期", "联系电话"]
    x_id = idnum("62112119800101005")
    if not x_id.endswith("X"):
        x_id = next(idnum(f"621121198001010{i:02d}") for i in range(100) if idnum(f"621121198001010{i:02d}").endswith("X"))
    pairings = [
        ["通渭县结对帮扶名单"],
        pair_header,
        ["H101", "户主甲", x_id.lower(), "甲镇", "东村", "何干部", "县财政局", "", "2018-06-01", "", "13800000001"],
        ["Ｈ１０２", " 户主乙 ", f" {idnum('62112119800101102')} ", "甲镇\u3000", " 东村", "何干部 ", "县财政局", "",
         "2018/6/1", "", ""],
        ["H103", "户主丙", "", "甲镇", "西村", "", "县财政局", "", "2018年6月1日", "2019-12-31", ""],
        ["H104", "户主丁", idnum("62112119800101104"), "乙乡", "北村", "施干部", "县交通局", "C-07", "2018-06-01", "",
         "13800000004"],
        ["H104", "户主丁", idnum("62112119800101104"), "乙乡", "北村", "施干部", "县交通局", "C-07", "2018-06-01", "",
         "13800000004"],
        [],
        ["H105", "户主戊", idnum("62112119800101105"), "乙乡", "北村", "施干部", "县交通局", "c-07", "2018-06-01", "", ""],
        ["", "", "", "", "", "", "", "", "", "", ""],
        ["合计", "5户"],
    ]
    odd = write_csv(tmp_path / "结对帮扶-补充.csv", pairings[0], pairings[1:])
    teams = write_csv(tmp_path / "工作队-补充.csv", ["乡镇", "村", "姓名", "队内职务", "派出单位", "起始日期", "终止日期"],
                      [["乙乡", "北村", "许队长", "队长兼第一书记", "县交通局", "2018-06-01", ""],
                       ["乙乡", "北村", "严队员", "副队长", "县交通局", "2018-06-01", ""]])
    fast, generic = _both_ways(tmp_path, rulebook, files, [odd, teams], monkeypatch=monkeypatch, mode="add")
    _same(fast, generic)
    households = {r[2] for r in fast["f_pairings_1"]}  # the key column
    assert {"household:H101", "household:H102", "household:H104", "household:H105"} <= households


def test_a_first_load_straight_into_the_tables_equals_one_through_staging(tmp_path, rulebook, monkeypatch):
    """A table's first rows go straight into it (duplicates merged there, ids renumbered
    1, 2, …); through a staging table they must come out the same, ids included."""
    county = generate(tmp_path / "rosters", households=600, villages=30)
    out = []
    for bulk in (True, False):
        monkeypatch.setattr(facts.FactLoad, "bulk", bulk)
        path = tmp_path / f"{bulk}.db"
        with _project(path, rulebook) as store:
            load_files(store, [str(f) for f in county.files])
            for f in county.later_files:  # each a township's whole rotation roster
                load_files(store, [str(f)], mode="snapshot")
        out.append(_tables(path))
    _same(*out)
    teams = out[0]["f_teams_1"]  # one row per team, stated by each of its members
    assert [r[0] for r in sorted(teams)] == list(range(1, len(teams) + 1))


@pytest.mark.parametrize("way", ["keys kept", "keys counted by SQLite", "through staging"])
def test_a_first_loads_counts_whichever_way_they_are_counted(tmp_path, rulebook, monkeypatch, way):
    """A first load counts its rows and new nodes from the keys it kept while adding rows; past
    FactLoad.KEYS_KEPT, or through a staging table, SQLite counts them: the same report. Teams
    repeat their key (each member states the team), households and plans do not."""
    county = generate(tmp_path / "rosters", households=600, villages=30)
    if way == "keys counted by SQLite":
        monkeypatch.setattr(facts.FactLoad, "KEYS_KEPT", 0)
    if way == "through staging":
        monkeypatch.setattr(facts.FactLoad, "bulk", False)
    with _project(tmp_path / "p.db", rulebook) as store:
        diff = load_files(store, [str(f) for f in county.files]).diff
        teams = store.conn.execute("SELECT count(*), count(DISTINCT key) FROM f_teams_1").fetchone()
    got = {name: (d.added, d.nodes_added) for name, d in diff.items() if name in ("结对帮扶", "一户一策", "工作队")}
    assert teams[0] == teams[1] > 0
    assert got == {"结对帮扶": (600, 600), "一户一策": (600, 600), "工作队": (got["工作队"][0], teams[1])}
    assert got["工作队"][0] > teams[1]  # members' rows: more than the teams they state


def test_a_refused_row_is_reported_once_whichever_way(tmp_path, rulebook, monkeypatch):
    """A row a program gives up is read by the generic reader: one problem, not two."""
    header, rows = BASE["结对帮扶"]
    bad = [list(r) for r in rows]
    bad[1][2] = bad[1][2][:-1] + ("0" if bad[1][2][-1] != "0" else "1")  # a wrong check digit
    files = write_base(tmp_path)
    path = write_csv(tmp_path / "结对帮扶.csv", header, bad)
    files = [f if f.name != path.name else path for f in files]
    messages = []
    for fast in (True, False):
        monkeypatch.setattr(rosters._Loader, "fast", fast)
        with _project(tmp_path / f"{fast}.db", rulebook) as store, pytest.raises(InputError) as err:
            load_files(store, [str(f) for f in files])
        messages.append([str(p) for p in err.value.problems])
    assert messages[0] == messages[1]
    assert len(messages[0]) == 1 and "第3行:身份证号" in messages[0][0] and "校验位" in messages[0][0]


# -- reading rosters as streams ------------------------------------------------------------
def _stream_rows(path: Path) -> list[tuple[str, list[list[object]]]]:
    return [(s.name, [cells for _, cells in s.rows_from(0)]) for s in stream.open_file(path)]


def test_streamed_rows_are_the_rows_read_whole(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "村"
    ws["C3"], ws["D4"], ws["C6"] = "乡镇", 3, "村"  # the used range starts at C3
    wb.create_sheet("空")
    wb.save(tmp_path / "b.xlsx")
    write_csv(tmp_path / "g.csv", ["乡镇", "村"], [["甲镇", "东村"], ["乙乡", "北村"]], encoding="gb18030")
    for name in ("b.xlsx", "g.csv"):
        whole = [(s.name, s.rows) for s in read_file(tmp_path / name)]
        assert _stream_rows(tmp_path / name) == whole
    sheets = stream.open_file(tmp_path / "g.csv")
    assert sheets[0].encoding == "gb18030" and sheets[0].head == [["乡镇", "村"], ["甲镇", "东村"], ["乙乡", "北村"]]


def test_encoding_is_decided_on_the_whole_file(tmp_path, monkeypatch):
    """A GBK character far down a file that starts as plain ASCII makes it GB18030, as when
    the file is read whole."""
    monkeypatch.setattr(tabular, "_CHUNK", 64)  # the encoding is sniffed by tabular, a few bytes at a time
    path = tmp_path / "late.csv"
    path.write_bytes(("a,b\n" + "1,2\n" * 100 + "3,东村\n").encode("gb18030"))
    sheet = stream.open_file(path)[0]
    assert sheet.encoding == "gb18030"
    assert [c for _, c in sheet.rows_from(101)] == [["3", "东村"]]


def test_a_broken_csv_is_refused_not_a_traceback(tmp_path, rulebook):
    path = tmp_path / "村.csv"  # a cell past the csv module's field limit (131,072 characters)
    path.write_text("乡镇,村,是否贫困村,包村领导,起始日期,终止日期\n甲镇,东村,是,钱镇长,2018-06-01,\n"
                    f"甲镇,{'西' * 200_000},是,钱镇长,2018-06-01,\n", encoding="utf-8")
    with _project(tmp_path / "p.db", rulebook) as store, pytest.raises(InputError) as err:
        load_files(store, [str(path)])
    assert "CSV" in str(err.value)


def test_a_header_far_down_is_still_found(tmp_path, rulebook):
    """The header is looked for in the first rows a stream keeps (title rows above it)."""
    header, rows = BASE["乡镇"]
    path = write_csv(tmp_path / "乡镇.csv", ["通渭县"], [[""]] * 9 + [["填报单位：县委组织部"], header, *rows])
    table, problems = recognise(stream.open_file(path)[0], rulebook.pack)
    assert not problems and table is not None and table.header_row == 12
    assert [r for r, _ in table.rows()] == [13, 14]


def test_a_csv_breaking_off_past_the_head_names_its_row_and_column(tmp_path):
    """A CSV read as a stream (past the rows kept for the header) that ``csv.reader`` cannot read
    on is one problem naming the row and column it broke off at."""
    path = tmp_path / "村.csv"  # a cell past the csv module's field limit (131,072 characters), row 23
    path.write_text("乡镇,村\n" + "甲,东村\n" * 21 + f"甲,{'西' * 200_000}\n", encoding="utf-8")
    sheet = stream.open_file(path)[0]
    with pytest.raises(InputError) as err:
        list(sheet.rows_from(1))
    [problem] = err.value.problems
    assert (problem.row, problem.column) == (23, "B列") and "超过 CSV 单元格上限" in problem.message


def test_a_streamed_csv_gives_a_refused_row_blank_and_names_it_at_the_end(tmp_path):
    path = tmp_path / "村.csv"
    path.write_text("乡镇,村\n" + "甲,东村\n" * 19 + "甲,西\x1b村\n" + "甲,南村\n", encoding="utf-8")
    sheet = stream.open_file(path)[0]
    rows = []
    with pytest.raises(InputError) as err:
        for r, cells in sheet.rows_from(19):
            rows.append((r, cells))
    assert rows == [(20, ["甲", "东村"]), (21, []), (22, ["甲", "南村"])]
    [problem] = err.value.problems
    assert (problem.row, problem.column, problem.value) == (21, "B列", "西\x1b村")
