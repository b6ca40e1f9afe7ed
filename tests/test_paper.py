"""Print-ready charts: --paper A4|A3 pages (size, smallest printed font, pagination), GraphML
for yEd, and a village's households in a grid. The PDF checks read the files back with
poppler-utils (pdfinfo, pdftotext), the layout ones run the real `dot` (marked)."""

from __future__ import annotations

import re
import shutil
import subprocess

import networkx as nx
import pytest
from rosters import BASE, F_HEADER, loaded, write_csv
from zeren.cli.main import cli
from zeren.graph.errors import ZerenError
from zeren.graph.store import Store
from zeren.queries.org import org_chart
from zeren.visualize.paper import Paper, parse_paper

needs_tools = pytest.mark.skipif(shutil.which("dot") is None or shutil.which("pdfinfo") is None,
                                 reason="Graphviz dot or poppler-utils not installed")
A4 = (595.28, 841.89)
A3 = (841.89, 1190.55)
EXTRA_TOWNSHIPS = [f"{n}镇" for n in ("东岭", "西岭", "南岭", "北岭", "上川", "下川", "前山", "后山", "大河", "小河",
                                      "石门", "柳湾", "杏园", "梨园", "桃园", "花园", "新庄", "旧庄", "高崖", "平川",
                                      "红土", "黄土", "白土", "青石", "黑石", "金坪", "银坪", "马坪", "牛坪", "羊坪")]


@pytest.fixture
def big(project, tmp_path):
    """The tiny county with 30 more townships of 3 villages each, and 200 more households in 东村."""
    files = []
    for name, (header, rows) in BASE.items():
        rows = list(rows)
        if name == "乡镇":
            rows += [[t, f"{t}书记", f"{t}镇长", f"{t}主任", "2018-06-01", ""] for t in EXTRA_TOWNSHIPS]
        elif name == "村":
            rows += [[t, f"{t[:2]}{k}村", "是" if k == 1 else "否", f"{t}镇长", "2018-06-01", ""]
                     for t in EXTRA_TOWNSHIPS for k in range(1, 4)]
        elif name == "结对帮扶":
            rows += [[f"H{i:04d}", f"户主{i}", "", "甲镇", "东村", f"干部{i % 17}", "县财政局", "2018-06-01", ""]
                     for i in range(100, 300)]
        files.append(write_csv(tmp_path / f"{name}.csv", header, rows))
    return loaded(project, files)


def pdf_pages(path) -> list[tuple[float, float]]:
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out)]


def pdf_text(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1]


def smallest_glyph(path) -> float:
    """The smallest word height pdftotext reports (about the printed font size, in points)."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    heights = [float(b) - float(a) for a, b in re.findall(r'yMin="([\d.]+)"[^>]*yMax="([\d.]+)"', out)]
    return min(heights)


@pytest.mark.parametrize("text,landscape,expected", [
    ("A4", None, Paper("A4", None)),
    ("a3", True, Paper("A3", True)),
    ("A4-landscape", None, Paper("A4", True)),
    ("A3-portrait", False, Paper("A3", False)),
])
def test_paper_names(text, landscape, expected):
    assert parse_paper(text, landscape) == expected


@pytest.mark.parametrize("text,landscape,message", [
    ("Letter", None, "纸张“Letter”未知；可用 A4, A3"),
    ("A4-landscape", False, "矛盾"),
])
def test_bad_paper_names(text, landscape, message):
    with pytest.raises(ZerenError, match=message):
        parse_paper(text, landscape)


@pytest.mark.parametrize("args,message", [
    (["--landscape", "-o", "x.pdf"], "--landscape/--portrait 需与 --paper 同用"),
    (["--paper", "A4", "-o", "x.png"], "--paper 只用于 .pdf 或 .svg 文件"),
    (["--paper", "B5", "-o", "x.pdf"], "纸张“B5”未知"),
])
def test_paper_options_refused(big, tmp_path, runner, args, message):
    args = [a if a not in ("x.pdf", "x.png") else str(tmp_path / a) for a in args]
    result = runner.invoke(cli, ["--project", str(big), "render", "org", *args])
    assert result.exit_code == 1 and message in result.output, result.output


@pytest.mark.dot
@pytest.mark.pdf
@needs_tools
@pytest.mark.parametrize("command,paper,size", [
    (["render", "trace", "plan", "P003"], ["--paper", "A4", "--portrait"], A4),
    (["render", "trace", "finding", "1"], ["--paper", "A4-landscape"], A4[::-1]),
    (["render", "rulebook"], ["--paper", "A3"], None),
    (["render", "org", "--township", "甲镇", "--at", "2019-05-01"], ["--paper", "A4"], A4[::-1]),
])
def test_pdf_pages_are_the_paper_size(big, tmp_path, runner, command, paper, size):
    from rosters import write_csv as w

    finding = w(tmp_path / "f.csv", F_HEADER,
                [["2019-05-02", "县委督查室", "帮扶村发展停滞", "村", "甲镇/西村", ""]])
    assert runner.invoke(cli, ["--project", str(big), "load", "--add", str(finding)]).exit_code == 0
    out = tmp_path / "chart.pdf"
    result = runner.invoke(cli, ["--project", str(big), *command, *paper, "-o", str(out)])
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert pages and all(p == pages[0] for p in pages)
    assert pages[0] in ((size,) if size else (A3, A3[::-1])), pages
    assert smallest_glyph(out) >= 8.0 * 0.95  # no text printed under 8 pt (word boxes hug the glyphs)
    assert f"（{len(pages)} 页）" in result.output


@pytest.mark.dot
@pytest.mark.pdf
@needs_tools
def test_a_county_that_does_not_fit_is_paginated(big, tmp_path, runner):
    """32 townships of villages on A4: an overview page, then the townships over several pages,
    each page A4 landscape with its header, every township on a page of its own group."""
    out = tmp_path / "county.pdf"
    result = runner.invoke(cli, ["--project", str(big), "render", "org", "--depth", "village", "--at", "2019-05-01",
                                 "--paper", "A4", "-o", str(out)])
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    texts = pdf_text(out)
    assert len(pages) >= 3 and all(p == A4[::-1] for p in pages)
    assert len(texts) == len(pages)
    for i, text in enumerate(texts, 1):
        assert f"第 {i}/{len(pages)} 页" in text
    first_detail = next(i for i, text in enumerate(texts) if "东村" in text)
    assert first_detail >= 1 and "县委书记 林书记" in texts[0]
    overview = "\n".join(texts[:first_detail])  # the county and every township, before the details
    assert all(t in overview for t in ["甲镇", "乙乡", *EXTRA_TOWNSHIPS])
    detail = "\n".join(texts[first_detail:])
    for t in EXTRA_TOWNSHIPS:
        assert f"{t[:2]}1村" in detail and f"{t[:2]}3村" in detail  # its villages on the detail pages
    assert detail.index("甲镇") < detail.index("乙乡") < detail.index(EXTRA_TOWNSHIPS[0])  # roster order
    assert smallest_glyph(out) >= 8.0 * 0.95


@pytest.mark.dot
@pytest.mark.pdf
@needs_tools
def test_two_hundred_households_in_a_grid_over_pages(big, tmp_path, runner):
    out = tmp_path / "东村.pdf"
    result = runner.invoke(cli, ["--project", str(big), "render", "org", "--village", "甲镇/东村", "--households",
                                 "--at", "2019-05-01", "--paper", "A4", "-o", str(out)])
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    text = "\n".join(pdf_text(out))
    assert len(pages) >= 2
    found = re.findall(r"H\d{3,4}", text)
    assert sorted(set(found)) == sorted(["H001", "H002"] + [f"H{i:04d}" for i in range(100, 300)])
    assert len(found) == len(set(found))  # each household once


def test_households_grid_has_rows_and_columns(big):
    from zeren.loaders.rulebook import load_rulebook
    from zeren.visualize.orgchart import org_graph

    with Store.open(big) as store:
        chart = org_chart(store, "2019-05-01", township="甲镇", village="东村", households=True)
    assert len(chart.places[0].children[0].members) == 202
    source = org_graph(chart, load_rulebook()).source
    rows = re.findall(r"\{\s*rank=same((?:\s+n\d+)+)\s*\}", source)
    widths = [len(r.split()) for r in rows]
    assert len(widths) > 5 and sum(widths) == 202 and len(set(widths[:-1])) == 1  # full rows, the last may be short
    assert 5 <= widths[0] <= 20


@pytest.mark.dot
@pytest.mark.pdf
@needs_tools
def test_svg_pages_one_file_each(big, tmp_path, runner):
    out = tmp_path / "county.svg"
    result = runner.invoke(cli, ["--project", str(big), "render", "org", "--depth", "village", "--at", "2019-05-01",
                                 "--paper", "A3", "--portrait", "-o", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("county-*.svg"), key=lambda p: int(p.stem.split("-")[1]))
    assert len(files) >= 2 and not out.exists()
    assert [str(f) for f in files] == result.output.split()
    for f in files:
        head = f.read_text(encoding="utf-8")[:400]
        assert 'width="297.0mm" height="420.0mm"' in head and 'viewBox="0 0 841.89 1190.55"' in head


@pytest.mark.parametrize("command", [
    ["render", "org", "--at", "2019-05-01"],
    ["render", "org", "--village", "甲镇/东村", "--households", "--at", "2019-05-01"],
    ["render", "trace", "plan", "P003"],
    ["render", "rulebook"],
])
def test_graphml_reads_back(big, tmp_path, runner, command):
    out = tmp_path / "chart.graphml"
    result = runner.invoke(cli, ["--project", str(big), *command, "-o", str(out)])
    assert result.exit_code == 0, result.output
    g = nx.read_graphml(out)
    assert g.number_of_nodes() > 3 and g.number_of_edges() > 2
    text = "\n".join(d.get("label", "") for _, d in g.nodes(data=True))
    assert "<" not in text and "\\n" not in text  # plain text labels, lines as newlines
    if command[1] == "org":
        county = next(n for n, d in g.nodes(data=True) if d["label"].startswith("通渭县"))
        reached = nx.descendants(g, county)
        assert any(g.nodes[n]["label"].startswith("甲镇") for n in reached)
        if "--households" in command:
            households = [n for n in reached if g.nodes[n]["label"].startswith("H0")]
            assert len(households) == 202  # each hangs on the village, not on a frame
    if command[1] == "trace":
        assert any(d["label"].startswith("党委书记") or "赵书记" in d["label"] for _, d in g.nodes(data=True))


@pytest.mark.parametrize("finding", [
    ["2019-05-20", "县河长制办公室", "河道垃圾", "村段", "清河/甲段/东段", "", ""],
    ["2019-05-20", "县河长制办公室", "侵占河道", "河段", "清河/甲段", "", ""],
])
def test_river_trace_diagram_is_connected(tmp_path, runner, finding):
    """The river pack's chain stops at the river; the county of 总河长 hangs on it, and every
    liable party is a node of the one connected drawing."""
    from test_river_pack import FINDING_HEADER, ROSTERS
    from zeren.queries.trace import trace
    from zeren.visualize.diagrams import trace_graph
    from zeren.visualize.graphml import diagram_graph

    db = tmp_path / "river.db"
    assert runner.invoke(cli, ["--project", str(db), "init", "--rulebook", "river-chief"]).exit_code == 0
    files = [str(write_csv(tmp_path / f"{name}.csv", *spec)) for name, spec in ROSTERS.items()]
    files.append(str(write_csv(tmp_path / "督查发现.csv", FINDING_HEADER, [finding])))
    assert runner.invoke(cli, ["--project", str(db), "load", *files]).exit_code == 0
    with Store.open(db) as store:
        result = trace(store, "finding", "1")
        g = diagram_graph(trace_graph(result, store.rulebook))
    g.remove_node("legend")
    assert nx.is_weakly_connected(g), [d["label"] for n, d in g.nodes(data=True) if g.degree(n) == 0]
    text = "\n".join(d["label"] for _, d in g.nodes(data=True))
    named = [li for li in result.liabilities if li.triggered]
    assert named and all((li.person or li.body) in text for li in named)
    assert "总书记乙" in text
