"""zeren render: diagrams of a trace, an org chart, the rulebook."""

from __future__ import annotations

import os

import click

from ..graph.errors import ZerenError
from .main import Context, _day, _window, cli, pass_ctx


@cli.group()
def render() -> None:
    """画图（Graphviz）：责任链、组织图、规则手册 (draw a trace's chain, an org chart, the rulebook)."""


def output_option(f):
    f = click.option("--embed-glyphs", is_flag=True,
                     help="仅 SVG：把文字画成轮廓，查看时无需中文字体 (SVG: glyphs as outlines, no CJK font needed).")(f)
    return click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
                        help="输出文件，格式由扩展名决定：.svg、.png、.pdf、.dot 或 .graphml（可用 yEd 编辑） "
                             "(output file; the format is its extension).")(f)


def paper_option(f):
    """``--paper A4|A3`` and ``--landscape/--portrait``: print-ready pages (PDF, or one SVG a page)."""
    f = click.option("--landscape/--portrait", "landscape", default=None,
                     help="与 --paper 同用：横向或纵向（默认：组织图横向，其他取打印更大的方向） "
                          "(the orientation with --paper).")(f)
    return click.option("--paper", metavar="A4|A3",
                        help="按此纸张打印（PDF 或 SVG）：字号不小于 8 磅，放不下时分页（SVG 每页一个文件：名称-1.svg …）；"
                             "也可写 A4-landscape / A3-portrait (print-ready pages on A4 or A3).")(f)


def _paper(paper: str | None, landscape: bool | None, output: str):
    """The parsed paper (None without --paper); refuses an orientation without a paper."""
    from ..visualize.paper import parse_paper

    if paper is None:
        if landscape is not None:
            raise ZerenError("--landscape/--portrait 需与 --paper 同用 (give --paper A4 or A3)")
        return None
    return parse_paper(paper, landscape)


def _echo_pages(paths) -> None:
    from pathlib import Path

    for path in paths:
        pages = ""
        if Path(path).suffix.lower() == ".pdf":
            from pypdf import PdfReader

            pages = f"（{len(PdfReader(str(path)).pages)} 页）"
        click.echo(f"{path}{pages}")


@render.command("org")
@click.option("--township", metavar="NAME", help="只画这个乡镇 (only this township).")
@click.option("--village", metavar="NAME", help="只画这个村（乡镇/村，或唯一的村名） (only this village).")
@click.option("--depth", default=None, metavar="LEVEL",
              help="最小的方框画到哪一级：county（县，下一级只给汇总）或规则包的一级组织（如 township、village）；"
                   "默认 county，指定范围时为最低一级 (the smallest box).")
@click.option("--households", "list_households", is_flag=True,
              help="在最低一级逐个画出成员（如每一户及规则包规定的说明），排成网格，而非只给数量 "
                   "(draw each member in a grid instead of a count).")
@click.option("--at", metavar="DATE", help="按这一天的在职人员（默认：项目最新发现日期，无发现时为今天） (who held each post on this day).")
@paper_option
@output_option
@pass_ctx
def render_org(obj: Context, township, village, depth, list_households, at, paper, landscape, output,
               embed_glyphs) -> None:
    """组织图：县、乡镇或村，自上而下，乡镇按名单顺序，村成行排列 (the organisation, top-down).

    The county, its townships in roster order, their villages in rows; with --paper, pages
    of the chosen size and an overview page.

    示例 Example:

        zeren render org --paper A4 -o 通渭县.pdf

        zeren render org --township 马营镇 -o 马营镇.svg

        zeren render org --village 马营镇/石家洼村 --households --paper A4 -o 石家洼村.pdf
    """

    from ..queries.org import org_chart
    from ..visualize.orgchart import boxes, org_graph

    if village and "/" in village and not township:
        township, village = village.split("/", 1)
    from ..queries.periods import default_day

    sheet = _paper(paper, landscape, output)
    with obj.open() as store:
        day = _day(at) or default_day(store)[0]
        chart = org_chart(store, day, township=township, village=village, detail=depth, households=list_households)
        rulebook = store.rulebook
    count, limit = boxes(chart), PAPER_LIMIT if sheet else ORG_LIMIT
    if count > limit:
        hint = "用 --township 或 --village 缩小范围" if sheet else "用 --paper A4 分页打印，或用 --township / --village 缩小范围"
        raise ZerenError(f"{count:,} 个方框放不进{'一份打印件' if sheet else '一张看得清的图'}（最多 {limit:,} 个）；请{hint} "
                         f"({count:,} boxes are too many for one {'print' if sheet else 'legible chart'})")
    if sheet is None:
        from ..visualize.diagrams import render as draw

        click.echo(str(draw(org_graph(chart, rulebook), output, embed_glyphs=embed_glyphs)))
        return
    from ..visualize.orgchart import org_panels, org_title
    from ..visualize.paper import natural_width, print_panels

    landscape = sheet.landscape if sheet.landscape is not None else True
    panels = org_panels(chart, rulebook, width=natural_width(sheet, landscape))
    _echo_pages(print_panels(panels, output, sheet, title=org_title(chart), embed_glyphs=embed_glyphs,
                             default_landscape=True))


#: The most boxes one org chart holds as a single picture (beyond: --paper pages or a smaller scope).
ORG_LIMIT = 1500
#: The most boxes a printed org chart holds (a township's households: some thousands).
PAPER_LIMIT = 8000


@render.command("rulebook")
@click.argument("name", required=False)
@paper_option
@output_option
@pass_ctx
def render_rulebook(obj: Context, name, paper, landscape, output, embed_glyphs) -> None:
    """规则手册图：清单约束的角色及其间的责任关系，一页 (the roles a rulebook binds, on one page).

    示例 Example:

        zeren render rulebook tongwei-2018 --paper A3 -o 责任清单.pdf
    """
    from ..visualize.diagrams import render as draw
    from ..visualize.diagrams import rulebook_graph

    sheet = _paper(paper, landscape, output)

    if name:
        from ..loaders.rulebook import load_rulebook

        book = load_rulebook(name)
    elif obj.store_uri or os.path.exists(obj.project):
        with obj.open() as store:
            book = store.rulebook
    else:
        from ..loaders.rulebook import DEFAULT_RULEBOOK, load_rulebook

        book = load_rulebook(DEFAULT_RULEBOOK)
    if sheet is None:
        click.echo(str(draw(rulebook_graph(book), output, embed_glyphs=embed_glyphs)))
        return
    from ..visualize.paper import Panel, print_panels

    _echo_pages(print_panels([Panel(rulebook_graph(book, compact=True))], output, sheet, embed_glyphs=embed_glyphs,
                             variants=[[Panel(rulebook_graph(book, rankdir="LR", compact=True))]]))


@render.command("trace")
@click.argument("subject", metavar="KIND")
@click.argument("ident", metavar="ID")
@click.option("--at", metavar="DATE", help="按这一天的在职人员认定（默认：发现日期） (who held each post on this day).")
@click.option("--period", metavar="PERIOD", help="发现的期间（默认：--at 所在季度） (window of findings).")
@paper_option
@output_option
@pass_ctx
def render_trace(obj: Context, subject, ident, at, period, paper, landscape, output, embed_glyphs) -> None:
    """画出一次倒查的责任链并标出责任（KIND 同 zeren trace） (draw a trace's chain, liabilities marked).

    示例 Example:

        zeren render trace plan P621101027119 -o trace.svg

        zeren render trace finding 12 --paper A4 -o finding-12.pdf
    """
    from ..queries.trace import trace as run_trace
    from ..visualize.diagrams import render as draw
    from ..visualize.diagrams import trace_graph

    lo, hi = _window(None, None, period) if period else (None, None)
    sheet = _paper(paper, landscape, output)
    with obj.open() as store:
        result = run_trace(store, subject, ident, at=_day(at), date_from=lo, date_to=hi)
        rulebook = store.rulebook
    if sheet is None:
        click.echo(str(draw(trace_graph(result, rulebook), output, embed_glyphs=embed_glyphs)))
        return
    from ..visualize.paper import Panel, print_panels

    _echo_pages(print_panels([Panel(trace_graph(result, rulebook, compact=True))], output, sheet,
                             embed_glyphs=embed_glyphs,
                             variants=[[Panel(trace_graph(result, rulebook, rankdir="LR", compact=True))]]))


@render.command("duties")
@click.option("--township", metavar="NAME", help="只画这个乡镇内的责任人（默认全县） (only the holders inside this township).")
@click.option("--period", metavar="PERIOD", help="期间：2019Q2、2019H1、2019 或 2019-05 (the period).")
@click.option("--from", "date_from", metavar="DATE", help="期间第一天（不用 --period 时） (first day).")
@click.option("--to", "date_to", metavar="DATE", help="期间最后一天 (last day).")
@click.option("--at", metavar="DATE", help="按这一天判断（默认：最近一条督查发现的日期，没有则今天） (judge as on this day).")
@click.option("--duty", "only", multiple=True, metavar="ID", help="只画这项职责（编号或条款），可重复 (only this duty).")
@output_option
@pass_ctx
def render_duties(obj: Context, township, period, date_from, date_to, at, only, output, embed_glyphs) -> None:
    """履职日历热力图：责任人 × 时间窗口，达标/未达标/进行中/无记录 (a calendar heat-map of duties).

    One row per duty and holder, one cell per window (month, quarter, half-year, year)
    spanning its months, coloured by what `zeren duties` judges: 达标 met, 未达标 missed,
    进行中 open, 无记录 uncovered; each cell reads done/required.

    示例 Example:

        zeren render duties --township 马营镇 --period 2019Q2 -o 马营镇履职.svg
    """
    from ..queries.duties import duties as judge
    from ..visualize.diagrams import render as draw
    from ..visualize.duties import duties_graph

    lo, hi = _window(date_from, date_to, period)
    with obj.open() as store:
        result = judge(store, lo, hi, at=_day(at), township=township, only=list(only) or None)
    if not result.duties:
        raise ZerenError(f"{lo} 至 {hi}{f' {township}' if township else ''} 没有可判断的职责 (no duty to draw)")
    click.echo(str(draw(duties_graph(result, title=township or ""), output, embed_glyphs=embed_glyphs)))
