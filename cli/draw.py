"""zeren render: diagrams of a trace, an org chart, the rulebook."""

from __future__ import annotations

import os

import click

from ..graph.errors import ZerenError
from .main import Context, _day, _window, cli, pass_ctx


@cli.group()
def render() -> None:
    """Draw diagrams with Graphviz: a trace's chain, an org chart, the rulebook."""


def output_option(f):
    f = click.option("--embed-glyphs", is_flag=True,
                     help="SVG only: draw the glyphs as outlines so the file needs no CJK font to view.")(f)
    return click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
                        help="Output file; the format is its extension: .svg, .png, .pdf or .dot.")(f)


@render.command("org")
@click.option("--township", metavar="NAME", help="Only this township.")
@click.option("--village", metavar="NAME", help="Only this village (乡镇/村 or a unique 村).")
@click.option("--depth", default=None, metavar="LEVEL",
              help="The smallest box: the county (the first level as summaries), or one of the pack's "
                   "org levels (e.g. township, village). Default: county, or the lowest level when a scope "
                   "is named.")
@click.option("--households", "list_households", is_flag=True,
              help="At the lowest depth, draw each member (e.g. each household) with what the pack shows beside it, instead of a count.")
@click.option("--at", metavar="DATE", help="Who held each post on this day (default: today).")
@output_option
@pass_ctx
def render_org(obj: Context, township, village, depth, list_households, at, output, embed_glyphs) -> None:
    """The organisation of the county, a township or a village, clustered by township.

    Example:

        zeren render org --township 马营镇 -o 马营镇.svg

        zeren render org --village 马营镇/石家洼村 --households -o 石家洼村.png
    """

    from ..queries.org import org_chart
    from ..visualize.diagrams import org_graph
    from ..visualize.diagrams import render as draw

    if village and "/" in village and not township:
        township, village = village.split("/", 1)
    from ..queries.periods import default_day

    with obj.open() as store:
        day = _day(at) or default_day(store)[0]
        chart = org_chart(store, day, township=township, village=village, detail=depth, households=list_households)
        rulebook = store.rulebook
    blocks = len(chart.places) if chart.depth <= 1 else sum(
        len(t.children) + sum(len(v.members) for v in t.children) for t in chart.places)
    if blocks > ORG_LIMIT:
        what = rulebook.label(chart.levels[0] if chart.depth <= 1 else chart.levels[-1]) if chart.levels else ""
        raise ZerenError(f"{blocks} 个{what}放不进一张看得清的图（最多 {ORG_LIMIT} 个）；请用 --township 或 --village "
                         f"缩小范围 ({blocks} blocks are too many for one legible chart)")
    click.echo(str(draw(org_graph(chart, rulebook), output, embed_glyphs=embed_glyphs)))


#: The most township (or village) blocks one org chart holds and stays legible on a page.
ORG_LIMIT = 120


@render.command("rulebook")
@click.argument("name", required=False)
@output_option
@pass_ctx
def render_rulebook(obj: Context, name, output, embed_glyphs) -> None:
    """The roles a rulebook binds and the responsibility edges between them, on one page.

    Example:

        zeren render rulebook tongwei-2018 -o 责任清单.pdf
    """
    from ..visualize.diagrams import render as draw
    from ..visualize.diagrams import rulebook_graph

    if name:
        from ..loaders.rulebook import load_rulebook

        book = load_rulebook(name)
    elif obj.store_uri or os.path.exists(obj.project):
        with obj.open() as store:
            book = store.rulebook
    else:
        from ..loaders.rulebook import DEFAULT_RULEBOOK, load_rulebook

        book = load_rulebook(DEFAULT_RULEBOOK)
    click.echo(str(draw(rulebook_graph(book), output, embed_glyphs=embed_glyphs)))


@render.command("trace")
@click.argument("subject", metavar="KIND")
@click.argument("ident", metavar="ID")
@click.option("--at", metavar="DATE", help="Who held each post on this day (default: the finding's date).")
@click.option("--period", metavar="PERIOD", help="Window of findings (default: the quarter of --at).")
@output_option
@pass_ctx
def render_trace(obj: Context, subject, ident, at, period, output, embed_glyphs) -> None:
    """Draw the chain of a trace with its liabilities marked (KIND as for `zeren trace`).

    Example:

        zeren render trace plan P621101027119 -o trace.svg

        zeren render trace finding 12 -o finding-12.pdf
    """
    from ..queries.trace import trace as run_trace
    from ..visualize.diagrams import render as draw
    from ..visualize.diagrams import trace_graph

    lo, hi = _window(None, None, period) if period else (None, None)
    with obj.open() as store:
        result = run_trace(store, subject, ident, at=_day(at), date_from=lo, date_to=hi)
        rulebook = store.rulebook
    click.echo(str(draw(trace_graph(result, rulebook), output, embed_glyphs=embed_glyphs)))
