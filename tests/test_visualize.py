"""Diagrams: the DOT text against golden files, and the real `dot` (marked `dot`)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from rosters import F_HEADER, loaded, write_base, write_csv
from zeren.cli.main import cli
from zeren.graph.store import Store
from zeren.loaders.rulebook import load_rulebook
from zeren.queries.org import org_chart
from zeren.queries.trace import trace
from zeren.visualize.diagrams import (
    DotNotFound,
    org_graph,
    render,
    rulebook_graph,
    trace_graph,
)

GOLDEN = Path(__file__).parent / "golden"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


@pytest.fixture
def county(project, tmp_path):
    files = write_base(tmp_path)
    files.append(write_csv(tmp_path / "f.csv", F_HEADER,
                           [["2019-05-01", "县委督查室", "一户一策未制定", "户", "H003", ""],
                            ["2019-05-02", "县委督查室", "帮扶村发展停滞", "村", "甲镇/西村", ""]]))
    return loaded(project, files)


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ZEREN_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {name}; run with ZEREN_UPDATE_GOLDEN=1 once and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; ZEREN_UPDATE_GOLDEN=1 to accept"


RULEBOOK = load_rulebook()


def _trace(project):
    with Store.open(project) as store:
        return trace(store, "plan", "P003")


def _org(project, **kw):
    with Store.open(project) as store:
        return org_chart(store, "2019-05-01", **kw)


def trace_dot(result):
    return trace_graph(result, RULEBOOK)


def org_dot(chart):
    return org_graph(chart, RULEBOOK)


def test_trace_dot_golden(county):
    source = trace_dot(_trace(county)).source
    golden("trace-P003.dot", source)
    assert "主要责任 · 四.4" in source and "倒查责任 · 一.7" in source and "一票否决 · 五.4" in source
    assert not re.search(r"^\s*\"?[a-z]+:", source, re.M), "node ids must be generated, never names or colons"


def test_org_dot_golden(county):
    golden("org-甲镇.dot", org_dot(_org(county, township="甲镇")).source)
    golden("org-county.dot", org_dot(_org(county)).source)


def labels(graph) -> set[str]:
    """The diagram's node labels as plain text (lines joined by newlines)."""
    from zeren.visualize.graphml import diagram_graph

    return {d["label"] for _, d in diagram_graph(graph).nodes(data=True)}


def test_org_village_expands_teams_and_units(county):
    shown = labels(org_dot(_org(county, village="东村")))
    assert "驻村帮扶工作队\n队长 韩队长\n第一书记 杨书记" in shown
    assert "县财政局\n帮扶单位" in shown


def test_org_chart_is_top_down_in_roster_order(county):
    source = org_dot(_org(county)).source
    assert "rankdir=TB" in source and "位于" not in source  # no fan of labelled curves
    assert source.index("甲镇") < source.index("乙乡")  # as the 乡镇 roster lists them
    township = org_dot(_org(county, township="甲镇")).source
    assert [v for v in ("东村", "西村", "南村") if v in township] == ["东村", "西村", "南村"]
    assert township.index("东村") < township.index("西村") < township.index("南村")


def test_trace_connects_what_the_chain_passes_through(county):
    """The team of 西村 (reached through village.team.post(队长)) hangs on its village, and the
    helping unit a 三.5 finding names is in the chain with its leaders, all connected."""
    import networkx as nx
    from zeren.visualize.graphml import diagram_graph

    with Store.open(county) as store:
        result = trace(store, "finding", "2")
    g = diagram_graph(trace_dot(result))
    g.remove_node("legend")
    assert nx.is_weakly_connected(g), [d["label"] for n, d in g.nodes(data=True) if g.degree(n) == 0]
    text = "\n".join(d["label"] for _, d in g.nodes(data=True))
    assert "县财政局" in text and "主要责任 · 三.5" in text and "连带责任 · 三.5" in text
    assert "褚局长" in text and "卫副局长" in text  # the unit's 主要领导 and 分管领导


def test_rulebook_chart_has_the_county_posts(rulebook):
    shown = labels(rulebook_graph(rulebook))
    for title in rulebook.county_posts:
        assert any(line.split("\n")[0] == title for line in shown), title


def test_rulebook_map_names_clauses(rulebook):
    source = rulebook_graph(rulebook).source
    assert "党委书记" in source and "四.4（主要责任）" in source and "三.5（主要责任、连带责任）" in source
    assert "一.7、一.7" not in source  # each clause once per box


def test_dot_output_needs_no_graphviz(county, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    out = render(trace_dot(_trace(county)), tmp_path / "t.dot")
    assert out.read_text(encoding="utf-8").startswith("digraph trace")
    with pytest.raises(DotNotFound, match="apt-get install graphviz"):
        render(trace_dot(_trace(county)), tmp_path / "t.png")


def test_unknown_format(county, tmp_path, runner):
    result = runner.invoke(cli, ["--project", str(county), "render", "org", "-o", str(tmp_path / "x.jpg")])
    assert result.exit_code == 1 and ".svg, .png, .pdf, .dot, .graphml" in result.output


@pytest.mark.dot
@needs_dot
@pytest.mark.parametrize("suffix,magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_real_dot_formats(county, tmp_path, runner, suffix, magic):
    out = tmp_path / f"trace.{suffix}"
    result = runner.invoke(cli, ["--project", str(county), "render", "trace", "plan", "P003", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)


@pytest.mark.dot
@needs_dot
def test_real_dot_svg_has_the_chinese_names(county, tmp_path, runner):
    out = tmp_path / "org.svg"
    result = runner.invoke(cli, ["--project", str(county), "render", "org", "--township", "甲镇", "--at",
                                 "2019-05-01", "-o", str(out)])
    assert result.exit_code == 0, result.output
    svg = out.read_text(encoding="utf-8")
    for name in ("赵书记", "东村", "韩队长", "县交通局"):
        assert name in svg
    assert "WenQuanYi Micro Hei" in svg or "Noto Sans CJK SC" in svg
    embedded = tmp_path / "org-embedded.svg"
    runner.invoke(cli, ["--project", str(county), "render", "org", "--township", "甲镇", "--at", "2019-05-01",
                        "--embed-glyphs", "-o", str(embedded)])
    text = embedded.read_text(encoding="utf-8")
    assert "<path" in text and "赵书记" not in text  # glyphs drawn as outlines


@pytest.mark.dot
@needs_dot
def test_real_dot_rulebook_pdf(tmp_path, runner):
    out = tmp_path / "rb.pdf"
    assert runner.invoke(cli, ["render", "rulebook", "tongwei-2018", "-o", str(out)]).exit_code == 0
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.dot
@needs_dot
def test_demo_end_to_end_small(tmp_path, runner):
    result = runner.invoke(cli, ["demo", str(tmp_path / "d"), "--households", "600", "--villages", "40"])
    assert result.exit_code == 0, result.output
    assert "触发的责任" in result.output and "未触发" in result.output and "责任链 trace: 一户一策 P" in result.output
    assert list((tmp_path / "d").glob("trace-*.svg")) and list((tmp_path / "d").glob("org-*.png"))
    assert load_rulebook().name in result.output


def test_org_chart_too_large_is_refused(county, tmp_path, runner, monkeypatch):
    import zeren.cli.draw as draw

    monkeypatch.setattr(draw, "ORG_LIMIT", 6)
    result = runner.invoke(cli, ["--project", str(county), "render", "org", "--depth", "village", "-o",
                                 str(tmp_path / "o.dot")])
    assert result.exit_code == 1, result.output
    assert "个方框放不进一张看得清的图（最多 6 个）" in result.output and "--paper A4" in result.output
    ok = runner.invoke(cli, ["--project", str(county), "render", "org", "--village", "东村", "-o",
                             str(tmp_path / "v.dot")])
    assert ok.exit_code == 0, ok.output


def test_org_village_lists_households_when_asked(county):
    counted = labels(org_dot(_org(county, village="东村")))
    listed = labels(org_dot(_org(county, village="东村", households=True)))
    assert not any(x.startswith("H001") for x in counted) and any("建档立卡贫困户 2" in x for x in counted)
    assert "H001\n何干部" in listed and "H002\n何干部" in listed
