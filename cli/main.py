"""The ``zeren`` command line: parses options, calls one library function, formats the result.

Imports stay lazy so that ``zeren trace`` starts fast: networkx, openpyxl, rich and graphviz
are imported only by the commands that need them.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from typing import Any

import click

from ..graph.errors import InputError, ZerenError

__all__ = ["cli", "main"]

FORMATS = click.Choice(["table", "json", "csv"])


class ZerenGroup(click.Group):
    """Turns zeren's own errors into one line per problem on stderr and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as err:
            for problem in err.problems:
                click.echo(f"错误 Error: {problem}", err=True)
            click.echo(f"共 {len(err.problems)} 个问题，未写入任何数据 (nothing was written).", err=True)
            ctx.exit(1)
        except ZerenError as err:
            click.echo(f"错误 Error: {err}", err=True)
            ctx.exit(1)
        except BrokenPipeError:
            ctx.exit(0)
        except OSError as err:
            click.echo(f"错误 Error: {err.filename or ''}: {err.strerror or err}", err=True)
            ctx.exit(1)


class Context:
    def __init__(self, project: str, store_uri: str | None = None, database: str = "zeren"):
        self.project = project
        self.store_uri = store_uri
        self.database = database

    def open(self):
        """The store for read commands: the --store server if given, else the project file."""
        if self.store_uri:
            from ..graph.bolt import BoltStore

            return BoltStore.connect(self.store_uri, self.database)
        from ..graph.store import Store

        return Store.open(self.project)

    def open_for_write(self):
        self.project_only("this command")
        from ..graph.store import Store

        return Store.open(self.project, readonly=False)


    def project_only(self, what: str) -> None:
        if self.store_uri:
            raise ZerenError(f"{what} works on a project file, not on --store {self.store_uri}")


pass_ctx = click.make_pass_decorator(Context)


@click.group(cls=ZerenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", type=click.Path(dir_okay=False), default=None,
              help="Project file (default: $ZEREN_PROJECT, else ./zeren.db).")
@click.option("--store", "store_uri", default=None, metavar="URI",
              help="Run read commands (check, trace, render, stats) against a Bolt server instead "
                   "(bolt://, neo4j://, bolt+s:// …); credentials from ZEREN_BOLT_USER/ZEREN_BOLT_PASSWORD.")
@click.option("--database", default=lambda: os.environ.get("ZEREN_BOLT_DATABASE", "zeren"), show_default="zeren",
              help="Database (graph) name on the Bolt server.")
@click.version_option(package_name="zeren")
@click.pass_context
def cli(ctx: click.Context, project: str | None, store_uri: str | None, database: str) -> None:
    """zeren (责任): responsibility lists and their rosters as a knowledge graph.

    Load the rosters that staff a responsibility list (责任清单), then ask who was
    responsible for a failure, in what capacity, under which clause.

    Example:

        zeren init && zeren load 乡镇.xlsx 结对帮扶.csv && zeren check --period 2019Q2
    """
    ctx.obj = Context(project or os.environ.get("ZEREN_PROJECT") or "zeren.db", store_uri, database)


@cli.command()
@click.option("--rulebook", "rulebook_name", default="tongwei-2018", show_default=True,
              help="A built-in rulebook name or a rulebook file (.yaml/.toml).")
@pass_ctx
def init(obj: Context, rulebook_name: str) -> None:
    """Create a new project file holding a rulebook.

    Example:

        zeren --project tongwei.db init --rulebook tongwei-2018
    """
    from ..graph.store import Store
    from ..loaders.rulebook import load_rulebook

    obj.project_only("init")
    rulebook = load_rulebook(rulebook_name)
    Store.create(obj.project, rulebook).close()
    click.echo(f"Created {obj.project} with rulebook {rulebook.name} ({rulebook.document}, "
               f"{len(rulebook.clauses)} clauses, {len(rulebook.rules)} rules).")


@cli.group()
def rulebook() -> None:
    """Show or validate rulebooks (the responsibility list as data)."""


@rulebook.command("show")
@click.argument("name", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def rulebook_show(ctx: click.Context, name: str | None, fmt: str) -> None:
    """Print a rulebook: the project's, or NAME (built-in) or FILE.

    Example:

        zeren rulebook show tongwei-2018 --format json
    """
    from .format import rulebook_table

    if name:
        from ..loaders.rulebook import load_rulebook

        book = load_rulebook(name)
    else:
        obj: Context = ctx.obj
        if not obj.store_uri and not os.path.exists(obj.project):
            from ..loaders.rulebook import DEFAULT_RULEBOOK, load_rulebook

            book = load_rulebook(DEFAULT_RULEBOOK)
        else:
            with obj.open() as store:
                book = store.rulebook
    if fmt == "json":
        click.echo(json.dumps(book.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(rulebook_table(book))


@rulebook.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def rulebook_validate(file: str) -> None:
    """Check a rulebook file strictly; each problem names the clause and key.

    Example:

        zeren rulebook validate my-county-2020.yaml
    """
    from ..loaders.rulebook import load_rulebook

    book = load_rulebook(file)
    click.echo(f"{file}: OK — {book.name}, {len(book.clauses)} clauses, {len(book.rules)} rules.")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_ctx
def stats(obj: Context, fmt: str) -> None:
    """Count what the project holds, per kind of node.

    Example:

        zeren stats --format json
    """
    from ..queries.stats import project_stats

    with obj.open() as store:
        counts = project_stats(store)
    if fmt == "json":
        click.echo(json.dumps(counts, ensure_ascii=False))
    else:
        width = max(len(k) for k in counts)
        for key, value in counts.items():
            click.echo(f"{key:<{width}}  {value:>9,}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--as-of", default=None, metavar="DATE",
              help="Date of the snapshot: assignments no longer listed close the day before "
                   "(default: the latest 起始日期 in each scope of the file).")
@click.option("--dry-run", is_flag=True, help="Validate and show what would change; write nothing.")
@pass_ctx
def load(obj: Context, files: tuple[str, ...], as_of: str | None, dry_run: bool) -> None:
    """Load assignment lists (rosters) and findings: CSV files and .xlsx workbooks.

    Each CSV, and each sheet of a workbook, is recognised by its header row. One call is
    one transaction: if any file has a problem, every problem is listed and nothing is
    written. A roster is a snapshot of its scope: assignments it no longer lists are
    closed, new ones opened, history kept.

    Example:

        zeren load 乡镇.xlsx 村.csv 工作队.xlsx 结对帮扶.csv --dry-run
    """
    from ..loaders.rosters import load_files
    from .format import load_report

    with obj.open_for_write() as store:
        with _progress() as progress:
            result = load_files(store, list(files), as_of=as_of, dry_run=dry_run, progress=progress)
    click.echo(load_report(result))


@contextmanager
def _progress():
    """A rich progress bar on a terminal's stderr; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("读取与校验 validating", total=None)

        def advance(label: str, rows: int) -> None:
            bar.update(task, description=label[-60:], advance=rows)

        yield advance


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
def template(directory: str) -> None:
    """Write empty .xlsx templates (one per kind, and one workbook with every sheet).

    Example:

        zeren template 模板/
    """
    from ..loaders.template import write_templates

    for path in write_templates(directory):
        click.echo(str(path))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_ctx
def history(obj: Context, fmt: str) -> None:
    """List the loads of the project: when, which files, what changed.

    Every node, edge and finding records the load batch it came from; this is the batch
    register an auditor reads to see when a roster entered the project.

    Example:

        zeren history --format json
    """
    from .format import table

    obj.project_only("history")
    with obj.open() as store:
        batches = store.batches()
    if fmt == "json":
        click.echo(json.dumps({"batches": batches}, ensure_ascii=False, indent=2))
        return
    rows = []
    for b in batches:
        changes = "；".join(f"{kind} +{d['added']} −{d['closed']} ~{d['changed']}" for kind, d in b["summary"].items()
                           if d.get("added") or d.get("closed") or d.get("changed") or d.get("nodes_added"))
        rows.append([b["id"], b["loaded_at"], "、".join(f.rsplit("/", 1)[-1] for f in b["files"]), changes])
    click.echo(table(["批次", "导入时间 (UTC)", "文件", "变化（新增 −关闭 ~变更）"], rows, max_width=80)
               if rows else "尚未导入任何清单 (nothing loaded yet).")


@cli.command()
@click.option("--at", metavar="DATE", help="The day to look at (default: today).")
@click.option("--township", metavar="NAME", help="Only this township.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@pass_ctx
def gaps(obj: Context, at, township, fmt) -> None:
    """List what the rosters leave uncovered on a day.

    Vacant one-holder posts, poor villages without a team or helping unit, households
    without a 帮扶责任人, townships without a lead unit: each is a hole a trace would hit.

    Example:

        zeren gaps --at 2019-06-01 --township 马营镇
    """
    from datetime import date

    from ..queries.gaps import gaps as find_gaps
    from .format import table

    obj.project_only("gaps")
    day = _day(at) or date.today().isoformat()
    with obj.open() as store:
        found = find_gaps(store, day, township=township)
    if fmt == "json":
        click.echo(json.dumps({"at": day, "gaps": [g.as_dict() for g in found]}, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        buf.write("\ufeff")  # utf-8-sig: Excel on Chinese Windows reads it as UTF-8
        writer = csv.writer(buf)
        writer.writerow(["kind", "scope", "object", "detail"])
        writer.writerows([g.kind, g.scope, g.object, g.detail] for g in found)
        click.echo(buf.getvalue(), nl=False)
    else:
        click.echo(f"{day}：{len(found)} 处空缺 gaps")
        if found:
            click.echo(table(["类型", "乡镇", "对象", "说明"], [[g.kind, g.scope, g.object, g.detail] for g in found]))


@cli.command()
@click.argument("uri")
@click.option("--replace", is_flag=True, help="Delete what the target database holds first.")
@click.option("--batch-size", default=2000, show_default=True, help="Rows per UNWIND message.")
@click.option("--max-bytes", type=int, default=None,
              help="Bytes per message at most (FalkorDB 4.16 needs about 3000).")
@pass_ctx
def push(obj: Context, uri: str, replace: bool, batch_size: int, max_bytes: int | None) -> None:
    """Copy the project into a Bolt server (Neo4j 5, Aura, FalkorDB).

    Credentials come from ZEREN_BOLT_USER / ZEREN_BOLT_PASSWORD (or ~/.config/zeren/bolt.toml),
    never from the command line. Afterwards `zeren --store URI check …` reads from there.

    Example:

        ZEREN_BOLT_USER=neo4j ZEREN_BOLT_PASSWORD=… zeren push bolt://127.0.0.1:7687 --replace
    """
    from ..graph.bolt import push as copy
    from ..graph.store import Store

    obj.project_only("push")
    with Store.open(obj.project) as store:
        written = copy(store, uri, database=obj.database, replace=replace, batch_size=batch_size,
                       max_bytes=max_bytes)
    click.echo(f"Pushed {obj.project} to {uri} ({obj.database}): {written['nodes']:,} nodes, "
               f"{written['edges']:,} edges, {written['findings']:,} findings.")


def _window(date_from: str | None, date_to: str | None, period: str | None) -> tuple[str, str]:
    from ..loaders.values import parse_date
    from ..queries.periods import parse_period

    if period and (date_from or date_to):
        raise ZerenError("give either --period or --from/--to, not both")
    if period:
        return parse_period(period)
    if not (date_from and date_to):
        raise ZerenError("give --period (e.g. 2019Q2) or both --from and --to")
    try:
        lo, hi = parse_date(date_from), parse_date(date_to)
    except ValueError as err:
        raise ZerenError(f"date: {err}") from None
    if lo is None or hi is None or hi < lo:
        raise ZerenError(f"--to {date_to} is before --from {date_from}")
    return lo, hi


def _emit(result, fmt: str, table_fn, show_personal_data: bool) -> None:
    from ..graph.privacy import mask_text
    from .format import liabilities_csv

    if fmt == "json":
        text = json.dumps(result.as_dict(), ensure_ascii=False, indent=2)
    elif fmt == "csv":
        text = liabilities_csv(result.liabilities)  # starts with a BOM: Excel then reads it as UTF-8
    else:
        text = table_fn(result)
    click.echo(text if show_personal_data else mask_text(text))


personal_option = click.option("--show-personal-data", is_flag=True,
                               help="Show 身份证号 and phone numbers unmasked (they are masked by default).")


@cli.command()
@click.option("--from", "date_from", metavar="DATE", help="First day of the window (inclusive).")
@click.option("--to", "date_to", metavar="DATE", help="Last day of the window (inclusive).")
@click.option("--period", metavar="PERIOD", help="Shorthand window: 2019Q2, 2019H1, 2019 or 2019-05.")
@click.option("--township", metavar="NAME", help="Only liabilities arising in this township.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@personal_option
@pass_ctx
def check(obj: Context, date_from, date_to, period, township, fmt, show_personal_data) -> None:
    """Evaluate every rule over the findings dated in a window.

    Threshold rules show their arithmetic ("4 of 120 = 3.3% ≥ 3%"); rules not triggered
    are listed with their figures; each liable party is named with who held the post on
    the day.

    Example:

        zeren check --period 2019Q2 --township 马营镇 --format json
    """
    from ..queries.check import check as run_check
    from .format import check_table

    lo, hi = _window(date_from, date_to, period)
    with obj.open() as store:
        result = run_check(store, lo, hi, township=township)
    _emit(result, fmt, check_table, show_personal_data)


@cli.group()
def trace() -> None:
    """Trace a failed plan, a household or a finding up to the county."""


def _trace_command(subject: str, doc: str):
    @click.argument("ident", metavar="ID")
    @click.option("--at", metavar="DATE", help="Name who held each post on this day (default: the finding's date).")
    @click.option("--from", "date_from", metavar="DATE", help="Window of findings (default: the quarter of --at).")
    @click.option("--to", "date_to", metavar="DATE")
    @click.option("--period", metavar="PERIOD", help="Window shorthand, e.g. 2019Q2.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @personal_option
    @pass_ctx
    def command(obj: Context, ident, at, date_from, date_to, period, fmt, show_personal_data) -> None:
        from ..loaders.values import parse_date
        from ..queries.trace import trace as run_trace
        from .format import trace_table

        lo = hi = None
        if period or date_from or date_to:
            lo, hi = _window(date_from, date_to, period)
        try:
            day = parse_date(at) if at else None
        except ValueError as err:
            raise ZerenError(f"--at {at}: {err}") from None
        with obj.open() as store:
            result = run_trace(store, subject, ident, at=day, date_from=lo, date_to=hi,
                               show_personal_data=show_personal_data)
        _emit(result, fmt, trace_table, show_personal_data)

    command.__doc__ = doc
    return trace.command(subject)(command)


_trace_command("plan", """Trace a 一户一策 plan by its 计划编号.

    Example:

        zeren trace plan P621101027119 --format json
    """)
_trace_command("household", """Trace a household by its 户编号.

    Example:

        zeren trace household 621101027119 --at 2019-06-01
    """)
_trace_command("finding", """Trace a finding by its number (as `zeren check` lists them).

    Example:

        zeren trace finding 12
    """)


@cli.command()
@click.argument("directory", default="zeren-demo", type=click.Path(file_okay=False))
@click.option("--households", default=35000, show_default=True, help="Registered poor households to generate.")
@click.option("--villages", default=332, show_default=True, help="Administrative villages.")
@click.option("--seed", default=2018, show_default=True, help="Random seed (same seed, same county).")
@click.option("--period", default="2019Q2", show_default=True, help="Inspection quarter to check.")
def demo(directory: str, households: int, villages: int, seed: int, period: str) -> None:
    """Build the Tongwei demo project and show a check, a trace and the diagrams.

    Generates a Tongwei-shaped county (the 18 real townships and the 18 lead units of
    三.1; synthetic people and households) as roster files, loads them through the real
    loaders into DIRECTORY/zeren.db, adds a quarter of inspection findings and a later
    team rotation, then runs `zeren check` and traces one failed plan.

    Example:

        zeren demo zeren-demo --households 35000
    """
    import shutil
    import time
    from pathlib import Path

    from ..graph.store import Store
    from ..loaders.demo import generate
    from ..loaders.rosters import load_files
    from ..loaders.rulebook import load_rulebook
    from ..queries.check import check as run_check
    from ..queries.periods import parse_period
    from ..queries.trace import trace as run_trace
    from .format import check_table, trace_table

    out = Path(directory)
    project = out / "zeren.db"
    if project.exists():
        project.unlink()
    t0 = time.perf_counter()
    county = generate(out / "rosters", households=households, villages=villages, seed=seed)
    click.echo(f"Generated {len(county.files) + len(county.later_files)} roster files in {out / 'rosters'} "
               f"({county.households:,} households, {county.villages} villages, {county.teams} teams).")
    store = Store.create(project, load_rulebook())
    try:
        result = load_files(store, [str(p) for p in county.files])
        rotation = load_files(store, [str(p) for p in county.later_files])
        click.echo(f"Loaded them into {project} in {time.perf_counter() - t0:.1f} s "
                   f"(batch {result.batch}; a later team rotation as batch {rotation.batch}).")
        lo, hi = parse_period(period)
        checked = run_check(store, lo, hi)
        traced = run_trace(store, "plan", county.failed_plan)
    finally:
        store.close()
    from ..graph.privacy import mask_text

    click.echo("")
    click.echo(f"$ zeren --project {project} check --period {period}")
    click.echo(mask_text(check_table(checked)))
    click.echo("")
    click.echo(f"$ zeren --project {project} trace plan {county.failed_plan}")
    click.echo(mask_text(trace_table(traced)))
    click.echo("")
    diagrams = _demo_diagrams(out, project, county.failed_plan, traced)
    click.echo("Files:")
    click.echo(f"  project      {project}")
    click.echo(f"  rosters      {out / 'rosters'}")
    for label, path in diagrams:
        click.echo(f"  {label:<12} {path}")
    if not shutil.which("dot"):
        click.echo("  (Graphviz `dot` is not installed: DOT files written; apt-get install graphviz fonts-wqy-microhei)")


def _demo_diagrams(out, project, plan, traced) -> list[tuple[str, str]]:
    """The trace and one township's org chart (DOT always; SVG/PNG where dot is installed)."""
    from ..visualize.diagrams import demo_diagrams

    return demo_diagrams(out, project, plan, traced)


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
@click.option("--depth", type=click.Choice(["county", "township", "village"]), default=None,
              help="county: townships as summaries; township: villages listed; village: teams and "
                   "helping units too (default: county, or village when a scope is named).")
@click.option("--households", "list_households", is_flag=True,
              help="At village depth, draw each household with its 帮扶责任人 instead of a count.")
@click.option("--at", metavar="DATE", help="Who held each post on this day (default: today).")
@output_option
@pass_ctx
def render_org(obj: Context, township, village, depth, list_households, at, output, embed_glyphs) -> None:
    """The organisation of the county, a township or a village, clustered by township.

    Example:

        zeren render org --township 马营镇 -o 马营镇.svg

        zeren render org --village 马营镇/石家洼村 --households -o 石家洼村.png
    """
    from datetime import date

    from ..queries.org import org_chart
    from ..visualize.diagrams import org_graph
    from ..visualize.diagrams import render as draw

    if village and "/" in village and not township:
        township, village = village.split("/", 1)
    day = _day(at) or date.today().isoformat()
    with obj.open() as store:
        chart = org_chart(store, day, township=township, village=village, detail=depth, households=list_households)
    blocks = len(chart.townships) if chart.detail == "county" else sum(
        len(t.villages) + sum(len(v.members) for v in t.villages) for t in chart.townships)
    if blocks > ORG_LIMIT:
        raise ZerenError(f"{blocks} {'townships' if chart.detail == 'county' else 'villages'} are too many for one "
                         f"legible chart (at most {ORG_LIMIT}); name a --township or a --village")
    click.echo(str(draw(org_graph(chart), output, embed_glyphs=embed_glyphs)))


#: The most township (or village) blocks one org chart holds and stays legible on a page.
ORG_LIMIT = 120


def _day(text: str | None) -> str | None:
    from ..loaders.values import parse_date

    try:
        return parse_date(text) if text else None
    except ValueError as err:
        raise ZerenError(f"date {text}: {err}") from None


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


@render.group("trace")
def render_trace() -> None:
    """Draw the chain of a trace with its liabilities marked."""


def _render_trace_command(subject: str, doc: str):
    @click.argument("ident", metavar="ID")
    @click.option("--at", metavar="DATE", help="Who held each post on this day (default: the finding's date).")
    @click.option("--period", metavar="PERIOD", help="Window of findings (default: the quarter of --at).")
    @output_option
    @pass_ctx
    def command(obj: Context, ident, at, period, output, embed_glyphs) -> None:
        from ..queries.trace import trace as run_trace
        from ..visualize.diagrams import render as draw
        from ..visualize.diagrams import trace_graph

        lo, hi = _window(None, None, period) if period else (None, None)
        with obj.open() as store:
            result = run_trace(store, subject, ident, at=_day(at), date_from=lo, date_to=hi)
        click.echo(str(draw(trace_graph(result), output, embed_glyphs=embed_glyphs)))

    command.__doc__ = doc
    return render_trace.command(subject)(command)


_render_trace_command("plan", """Draw the trace of a 一户一策 plan.

    Example:

        zeren render trace plan P621101027119 -o trace.svg
    """)
_render_trace_command("household", """Draw the trace of a household.

    Example:

        zeren render trace household 621101027119 -o trace.png
    """)
_render_trace_command("finding", """Draw the trace of a finding.

    Example:

        zeren render trace finding 12 -o finding-12.pdf
    """)


def main() -> None:
    cli(prog_name="zeren")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
