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
        except OSError as err:
            click.echo(f"错误 Error: {err.filename or ''}: {err.strerror or err}", err=True)
            ctx.exit(1)


class Context:
    def __init__(self, project: str, store_uri: str | None):
        self.project = project
        self.store_uri = store_uri

    def open(self):
        """The store for read commands: the --store server if given, else the project file."""
        if self.store_uri:
            from ..graph.bolt import BoltStore

            return BoltStore.connect(self.store_uri)
        from ..graph.store import Store

        return Store.open(self.project)

    def open_for_write(self):
        from ..graph.store import Store

        return Store.open(self.project, readonly=False)


pass_ctx = click.make_pass_decorator(Context)


@click.group(cls=ZerenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", type=click.Path(dir_okay=False), default=None,
              help="Project file (default: $ZEREN_PROJECT, else ./zeren.db).")
@click.option("--store", "store_uri", default=None, metavar="URI",
              help="Run read commands against a Bolt server (bolt://, neo4j://, bolt+s:// …).")
@click.version_option(package_name="zeren")
@click.pass_context
def cli(ctx: click.Context, project: str | None, store_uri: str | None) -> None:
    """zeren (责任): responsibility lists and their rosters as a knowledge graph.

    Load the rosters that staff a responsibility list (责任清单), then ask who was
    responsible for a failure, in what capacity, under which clause.

    Example:

        zeren init && zeren load 乡镇.xlsx 结对帮扶.csv && zeren check --period 2019Q2
    """
    ctx.obj = Context(project or os.environ.get("ZEREN_PROJECT") or "zeren.db", store_uri)


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
        if not os.path.exists(obj.project):
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


def main() -> None:
    cli(prog_name="zeren")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
