"""`zeren render duties`: the heat-map's DOT (structure: rows, spans, colours, escaping) and
the real `dot` on it (marked ``dot``)."""

from __future__ import annotations

import re
import shutil

import pytest
from rosters import loaded, write_base, write_csv
from test_duties import HEADER, LOG
from zeren.cli.main import cli
from zeren.graph.store import Store
from zeren.queries.duties import duties
from zeren.visualize.duties import COLORS, duties_graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


@pytest.fixture
def county(project, tmp_path):
    # the log of test_duties from April on: the first quarter is not covered
    rows = [r for r in LOG if r[0] >= "2019-04-01"]
    files = write_base(tmp_path) + [write_csv(tmp_path / "log.csv", HEADER, rows)]
    return loaded(project, files)


def _graph(project, **kw):
    with Store.open(project) as store:
        result = duties(store, "2019-01-01", "2019-06-30", at="2019-06-20", township="甲镇")
    return result, duties_graph(result, title="甲镇", **kw).source


def _cells(source: str) -> list[tuple[str, str, str]]:
    """(colspan, colour, text) of every judged cell."""
    return re.findall(r'<td colspan="(\d+)" bgcolor="(#[0-9a-f]+)" title="[^"]*">([^<]*)</td>', source)


def test_one_cell_per_judgement_coloured_by_status(county):
    result, source = _graph(county)
    cells = _cells(source)
    assert len(cells) == len(result.duties)
    assert sorted(c[1] for c in cells) == sorted(COLORS[e.status][0] for e in result.duties)
    # the months of the period are the columns; a window's cell spans its months
    assert source.count("月</b></td>") == 6
    # months, quarters, the half-year; a year's window is cut at the period's edge (6 shown)
    assert {c[0] for c in cells} == {"1", "3", "6"}
    assert sorted((c[1], c[2]) for c in cells) == sorted((COLORS[e.status][0], f"{e.done:g}/{e.required:g}")
                                                         for e in result.duties)


# (duty, window, status): what the heat-map must show for 甲镇 (log from April, judged 2019-06-20)
CASES = [
    ("四.2-工作例会", "2019-03", "uncovered"),  # before the log
    ("四.2-工作例会", "2019-04", "met"),
    ("四.2-工作例会", "2019-05", "missed"),
    ("四.2-工作例会", "2019-06", "open"),
]


@pytest.mark.parametrize("duty,window,status", CASES)
def test_the_cell_of_a_window(county, duty, window, status):
    result, source = _graph(county)
    e = next(x for x in result.duties if x.duty == duty and x.window == window)
    assert e.status == status
    assert f'bgcolor="{COLORS[status][0]}" title="{window} {COLORS[status][1]}' in source


def test_labels_are_escaped_and_the_legend_is_there(county):
    result, _ = _graph(county)
    result.duties[0].post = "<b>恶意</b>&"
    source = duties_graph(result).source
    assert "&lt;b&gt;恶意&lt;/b&gt;&amp;" in source and "<b>恶意</b>" not in source
    for color, text in COLORS.values():
        assert f'<td bgcolor="{color}">{text}</td>' in source
    assert "四.2" in source and "甲镇" in source


def test_a_duty_with_many_holders_is_cut(county):
    _, source = _graph(county, per_duty=1)
    assert "另有" in source and "zeren duties --format csv 列出全部" in source


@pytest.mark.dot
@needs_dot
@pytest.mark.parametrize("suffix,magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_real_dot(county, tmp_path, runner, suffix, magic):
    out = tmp_path / f"duties.{suffix}"
    result = runner.invoke(cli, ["--project", str(county), "render", "duties", "--township", "甲镇", "--period",
                                 "2019H1", "--at", "2019-06-20", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)
    if suffix == "svg":
        svg = out.read_text(encoding="utf-8")
        texts = re.findall(r">([^<\n]+)</text>", svg)
        for text in ("达标", "未达标", "进行中", "无记录", "县级联系乡镇领导 林书记（甲镇）", "1月", "6月", "0/1", "1/1"):
            assert text in texts, text
        # a coloured cell for each status
        for color, _ in COLORS.values():
            assert f'fill="{color}"' in svg


def test_an_unknown_township_is_one_line(county, tmp_path, runner):
    result = runner.invoke(cli, ["--project", str(county), "render", "duties", "--township", "无此镇", "--period",
                                 "2019Q2", "-o", str(tmp_path / "x.svg")])
    assert result.exit_code == 1 and "无此镇" in result.output and "Traceback" not in result.output
