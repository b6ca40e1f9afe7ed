"""The streamed loader applies the hardened cell parsers, with or without row programs, and
reports its progress phase by phase.

起始日期 / 制定日期 go through ``parse_start_date`` (no 9999-12-31, nothing a year ahead),
终止日期 through ``parse_end_date`` (9999-12-31 is open), names and ids through
``parse_name`` (no invisible characters, at most 64 characters).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rosters import BASE, write_base, write_csv
from zeren.cli.main import cli
from zeren.graph.errors import InputError
from zeren.graph.store import Store
from zeren.loaders import rosters
from zeren.loaders.rosters import PHASES, load_files

FAR = (date.today() + timedelta(days=400)).isoformat()

# (roster, row, column, cell, expected fragment of the one problem)
REFUSED = [
    ("村", 1, "起始日期", "9999-12-31", "只能用于终止日期"),
    ("村", 1, "起始日期", FAR, "晚于今天一年以上"),
    ("村", 1, "起始日期", "1582-10-10", "早于 1949-10-01"),
    ("一户一策", 0, "制定日期", "9999-12-31", "只能用于终止日期"),
    ("村", 2, "村", "西" * 65, "最多 64 个字符"),
    ("村", 2, "包村领导", "孙\u200b主任", "U+200B"),
    ("一户一策", 1, "计划编号", "P" * 65, "最多 64 个字符"),
    ("结对帮扶", 0, "帮扶责任人", "何\t干部", "制表符"),
]


@pytest.mark.parametrize("fast", [True, False], ids=["programs", "generic"])
@pytest.mark.parametrize("roster,row,column,cell,expected", REFUSED)
def test_a_refused_cell_is_named_whichever_reader(roster, row, column, cell, expected, fast, tmp_path, project,
                                                  monkeypatch):
    monkeypatch.setattr(rosters._Loader, "fast", fast)
    header, rows = BASE[roster]
    rows = [list(r) for r in rows]
    rows[row][header.index(column)] = cell
    files = write_base(tmp_path)
    files[list(BASE).index(roster)] = write_csv(tmp_path / f"{roster}.csv", header, rows)
    with Store.open(project, readonly=False) as store, pytest.raises(InputError) as err:
        load_files(store, [str(f) for f in files])
    mine = [p for p in err.value.problems if p.row == row + 2 and p.column == column]
    assert len(mine) == 1 and expected in mine[0].message, [str(p) for p in err.value.problems]


@pytest.mark.parametrize("fast", [True, False], ids=["programs", "generic"])
def test_an_end_date_of_9999_is_open(fast, tmp_path, project, monkeypatch):
    monkeypatch.setattr(rosters._Loader, "fast", fast)
    header, rows = BASE["村"]
    rows = [list(r) for r in rows]
    rows[0][header.index("终止日期")] = "9999-12-31"
    files = write_base(tmp_path)
    files[list(BASE).index("村")] = write_csv(tmp_path / "村.csv", header, rows)
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(f) for f in files])
        (e,) = store.edges(src="village:甲镇/东村", kinds=["LOCATED_IN"])
        assert e.valid_to is None


def test_progress_goes_through_the_phases_in_order_with_counts(tmp_path, project):
    files = write_base(tmp_path)
    calls: list[tuple[str, str, int, int | None]] = []
    with Store.open(project, readonly=False) as store:
        result = load_files(store, [str(f) for f in files], progress=lambda *a: calls.append(a))
    phases = [c[0] for c in calls]
    assert list(dict.fromkeys(phases)) == list(PHASES)
    assert phases == sorted(phases, key=PHASES.index)  # never back to an earlier phase
    assert all(total is None or done <= total for _, _, done, total in calls)
    last = {phase: (done, total) for phase, _, done, total in calls}
    rows = sum(n for *_, n, _ in result.tables)
    assert last["读取"] == (len(files), len(files))
    assert last["校验"] == (rows, rows)
    assert last["写入"] == (1, 1)
    assert last["比对"][0] == last["比对"][1] > 0


def test_the_cli_shows_no_progress_off_a_terminal(tmp_path, project, runner):
    files = write_base(tmp_path)
    result = runner.invoke(cli, ["--project", str(project), "load", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert not any(p in result.stderr for p in PHASES)
