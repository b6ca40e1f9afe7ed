"""Property tests over the file readers, the cell parsers and the rulebook reader: every
input is either read correctly or refused cleanly (an InputError/RulebookError with its
problems, one line each), and through ``zeren load`` a refusal leaves the project's bytes
as they were (issue 9)."""

from __future__ import annotations

import csv
import io
import shutil
import string
import tempfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from craft import col, sheet_xml, xlsx
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rosters import PAIRINGS, write_base
from zeren.cli.main import cli
from zeren.graph.errors import InputError, RulebookError
from zeren.graph.privacy import mask_text
from zeren.graph.store import Store
from zeren.loaders.rulebook import load_rulebook
from zeren.loaders.tabular import read_file
from zeren.loaders.values import (MAX_CELL, MAX_NAME, bad_character, parse_bool, parse_date, parse_end_date,
                                  parse_id_number, parse_name, parse_start_date)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Text as clerks and accidents write it: CJK, digits, date punctuation, and now and then a
# control, separator, bidi or replacement character.
HOSTILE = "\x00\x0b\x1b\x7f\x85\u2028\u202e\ufffd\t\n\r\u3000"
cells = st.text(alphabet=st.sampled_from(list("张三李四平襄镇东村户编号0123456789-/.年月日 :,\"'=+@") + list(HOSTILE)),
                max_size=30)
any_cell = st.one_of(cells, st.text(max_size=20), st.integers(-10**6, 10**7), st.floats(allow_nan=True),
                     st.dates(), st.none(), st.booleans())


def _one_line(err: InputError) -> None:
    assert err.problems
    for p in err.problems:
        line = str(p)
        assert "\n" not in line and "\x1b" not in line and len(line) < 2000


# -- cell parsers ------------------------------------------------------------------------------
@FAST
@given(any_cell)
def test_date_parsers_return_a_plausible_date_or_refuse(value):
    for parser in (parse_date, parse_start_date, parse_end_date):
        try:
            iso = parser(value)
        except ValueError as err:
            assert str(err)
            continue
        assert iso is None or date.fromisoformat(iso) >= date(1949, 10, 1)


@FAST
@given(any_cell)
def test_other_parsers_return_or_refuse(value):
    for parser in (parse_bool, parse_id_number, parse_name):
        try:
            out = parser(value)
        except ValueError as err:
            assert str(err)
            continue
        if parser is parse_name:
            assert len(out) <= MAX_NAME and bad_character(out, name=True) is None
        if parser is parse_id_number and out:
            assert len(out) == 18


@FAST
@given(st.text(max_size=60))
def test_masking_is_idempotent_and_leaves_text_without_digits(text):
    once = mask_text(text)
    assert mask_text(once) == once
    if not any(c.isdigit() for c in text):
        assert once == text


# Long texts (a county's JSON) take the masker's fast path: the same result as the patterns
# tried at every position, on text dense with numbers in every written form and their neighbours.
NUMBERISH = ["13910001019", "+86 139 1000 0486", "(+86)", "0932-5551234", "（0932）5551234", "621121 19700415 9090",
             "62112119700415909x", "621101027119", "2019-06-01", "-801", "0", "86", "X", "x", "(", "）", "+", " ",
             "\u3000", "\u00a0", "-", "a", "户", "\n", "*", "٣"]


@FAST
@given(st.lists(st.sampled_from(NUMBERISH), min_size=1, max_size=400), st.integers(0, 2100))
def test_masking_a_long_text_is_masking_it_everywhere(pieces, pad):
    from zeren.graph.privacy import _mask

    text = "".join(pieces) + "。" * pad
    assert mask_text(text) == _mask(text)
    assert mask_text("户" * 2048 + text) == "户" * 2048 + _mask(text)


# -- CSV ---------------------------------------------------------------------------------------
HEADERS = ["户编号", "户主姓名", "身份证号", "乡镇", "村", "帮扶责任人", "起始日期", "终止日期", "说明", "xyz", ""]
rows = st.lists(st.lists(cells, min_size=0, max_size=6), min_size=0, max_size=8)
cjk = st.text(alphabet=st.sampled_from(list("张三李四平襄镇东村户编号是否0123456789-, ")), max_size=12)


def _expect_refusal(table: list[list[str]]) -> bool:
    return any(bad_character(c) is not None or len(c) > MAX_CELL for r in table for c in r)


@FAST
@given(st.lists(st.sampled_from(HEADERS), max_size=6), rows,
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]))
def test_csv_is_read_back_exactly_or_refused(header, body, encoding):
    table = [header, *body]
    if encoding == "gb18030":  # GBK files hold Chinese text (other code points may also decode as UTF-8)
        table = [[c for c in r if all(ch in "张三李四平襄镇东村户编号是否" or ch.isascii() for ch in c)] for r in table]
    buf = io.StringIO()
    csv.writer(buf).writerows(table)
    data = buf.getvalue()
    assume("\ufeff" not in data)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.csv"
        path.write_bytes(data.encode(encoding))
        try:
            (sheet,) = read_file(path)
        except InputError as err:
            _one_line(err)
            return
        assert not _expect_refusal(table)
        assert sheet.rows == table


@pytest.mark.parametrize("data, expected", [
    ("平\r\n".encode("gb18030"), None),  # C6 BD is also “ƽ” in UTF-8: which one was saved cannot be told
    ("户编号,户主\r\nH1,平\r\n".encode("gb18030"), [["户编号", "户主"], ["H1", "平"]]),
    ("户编号,户主\r\nH1,Zoé\r\n".encode("utf-8"), [["户编号", "户主"], ["H1", "Zoé"]]),
    ("\ufeffZoé\r\n".encode("utf-8"), [["Zoé"]]),  # a BOM says UTF-8
    ("Zoe,1\r\n".encode("ascii"), [["Zoe", "1"]]),
])
def test_a_file_readable_both_as_utf8_and_gbk(tmp_path, data, expected):
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    if expected is None:
        with pytest.raises(InputError) as err:
            read_file(path)
        assert "无法确定文件编码" in str(err.value) and "“平”" in str(err.value)
        return
    (sheet,) = read_file(path)
    assert sheet.rows == expected


@FAST
@given(st.binary(max_size=3000), st.sampled_from([".csv", ".xlsx", ".xls", ".txt"]))
def test_any_bytes_are_read_or_refused(data, suffix):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"x{suffix}"
        path.write_bytes(data)
        try:
            read_file(path)
        except InputError as err:
            _one_line(err)


# -- workbooks ---------------------------------------------------------------------------------
refs = st.tuples(st.integers(1, 40), st.integers(0, 30))
far_refs = st.tuples(st.integers(1, 1048576), st.integers(0, 16383))
values = st.one_of(cjk, st.integers(0, 10**6), st.text(alphabet=string.printable.replace("\r", ""), max_size=10))  # XML reads CR as LF


@FAST
@given(st.dictionaries(st.one_of(refs, refs, refs, far_refs), values, max_size=25), st.booleans())
def test_workbooks_are_read_by_their_cells_or_refused(cells_, cut):
    by_row: dict[int, list[tuple[int, object]]] = {}
    for (r, c), v in sorted(cells_.items()):
        by_row.setdefault(r, []).append((c, v))
    part = sheet_xml(sorted(by_row.items()))
    with tempfile.TemporaryDirectory() as d:
        path = xlsx(Path(d) / "x.xlsx", {"结对帮扶": part[: len(part) // 2] if cut else part})
        try:
            (sheet,) = read_file(path)
        except InputError as err:
            _one_line(err)
            return
        assert not cut or not cells_
        for (r, c), v in cells_.items():
            got = sheet.rows[r - 1][c]
            if isinstance(v, str):
                assert got == v or (bad_character(v) is None and got == v.strip()) or v.strip() == "", (col(c), r)
            else:
                assert got == v


# -- rulebooks ---------------------------------------------------------------------------------
yaml_tokens = st.lists(st.sampled_from(["a:", "b:", " ", "  ", "\n", "- ", "&x ", "*x", "[", "]", "{", "}", ",",
                                        "1", "'s'", "!!str ", "? ", "|", "#c", "name: x", "clauses:"]),
                       max_size=60)


@FAST
@given(yaml_tokens, st.sampled_from([".yaml", ".toml"]))
def test_rulebook_files_are_read_or_refused(tokens, suffix):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"r{suffix}"
        path.write_text("".join(tokens), encoding="utf-8")
        try:
            load_rulebook(str(path))
        except RulebookError as err:
            _one_line(err)


# -- through the CLI: a refusal changes nothing ------------------------------------------------
@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    project = root / "base.db"
    Store.create(project, load_rulebook()).close()
    files = write_base(root)
    result = CliRunner().invoke(cli, ["--project", str(project), "load", *map(str, files)])
    assert result.exit_code == 0, result.output
    return project


@pytest.mark.slow
@SLOW
@given(st.integers(0, len(PAIRINGS[1]) - 1), st.integers(0, len(PAIRINGS[0]) - 1), any_cell, st.booleans())
def test_a_load_is_refused_without_change_or_loads(base, row, column, value, add):
    header, body = PAIRINGS
    table = [list(r) for r in body]
    table[row][column] = value
    with tempfile.TemporaryDirectory() as d:
        project = Path(d) / "p.db"
        shutil.copy(base, project)
        before = project.read_bytes()
        path = Path(d) / "结对帮扶.csv"
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            csv.writer(fh).writerows([header, *table])
        result = CliRunner().invoke(cli, ["--project", str(project), "load", *(["--add"] if add else []), str(path)])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        if result.exit_code == 1:
            assert project.read_bytes() == before
            assert "错误 Error:" in result.output
        else:
            assert result.exit_code == 0, result.output
