"""Project commands: init, rulebook, stats, load, template, history, gaps."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager

import click

from .export import format_options
from .main import Context, _day, cli, pass_ctx


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


@rulebook.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def rulebook_list(fmt: str) -> None:
    """List the built-in rulebooks: their document, clauses, rules and rosters.

    Example:

        zeren rulebook list
    """
    from ..loaders.rulebook import builtin_names, load_rulebook
    from .format import table

    rows = []
    for name in builtin_names():
        book = load_rulebook(name)
        rows.append({"name": book.name, "title": book.title, "document": book.document,
                     "clauses": len(book.clauses), "rules": len(book.rules),
                     "rosters": [r.name for r in book.pack.rosters]})
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(table(["名称", "标题", "条款", "规则", "名单"],
                     [[r["name"], r["title"], str(r["clauses"]), str(r["rules"]), "、".join(r["rosters"])]
                      for r in rows], max_width=100))
    click.echo("\nzeren init --rulebook NAME 用其建项目；zeren rulebook show NAME 查看全文。")


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
@click.option("--snapshot", "mode", flag_value="snapshot",
              help="The files are whole rosters: close everything of their scopes they no longer list, even when "
                   "that is more than a fifth.")
@click.option("--add", "mode", flag_value="add",
              help="The files are corrections or additions: add and change rows, close nothing else.")
@pass_ctx
def load(obj: Context, files: tuple[str, ...], as_of: str | None, dry_run: bool, mode: str | None) -> None:
    """Load assignment lists (rosters) and findings: CSV files and .xlsx workbooks.

    Each CSV, and each sheet of a workbook, is recognised by its header row. One call is
    one transaction: if any file has a problem, every problem is listed and nothing is
    written. A roster is a snapshot of its scope: assignments it no longer lists are
    closed, new ones opened, history kept.

    Example:

        zeren load rosters.xlsx teams.csv pairings.csv --dry-run
    """
    from ..loaders.rosters import load_files
    from .format import load_report

    with obj.open_for_write() as store:
        with _progress() as progress:
            result = load_files(store, list(files), as_of=as_of, dry_run=dry_run, mode=mode or "auto",
                                progress=progress)
    if result.batch is not None:  # who loaded what, for `zeren audit`
        audit_write(obj, "load", result.batch, {"files": list(files)})
    click.echo(load_report(result))


def audit_write(obj: Context, action: str, batch: int, detail: dict) -> None:
    """Record a write to the project (load, revert, person merge …) for `zeren audit`."""
    from ..graph import audit

    audit.record(obj.project, actor=audit.os_actor(), action=action, object=f"batch:{batch}",
                 detail={"batch": batch, **detail, "via": "cli"})


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
@click.option("--rulebook", "rulebook_name", default=None, metavar="NAME|FILE",
              help="Templates for this rulebook's rosters (default: the project's, else tongwei-2018).")
def template(directory: str, rulebook_name: str | None) -> None:
    """Write fill-in .xlsx templates: one per roster, and 全部清单.xlsx with every sheet.

    Each has the example row above the header, drop-down lists, text-formatted id columns,
    date-formatted date columns and a 填表说明 sheet (what each column means, whether it must
    be filled, the forms accepted). Loading an untouched template loads nothing.

    Example:

        zeren template 模板/

        zeren template templates-river/ --rulebook river-chief
    """
    from ..loaders.rulebook import DEFAULT_RULEBOOK, load_rulebook
    from ..loaders.template import write_templates

    obj: Context = click.get_current_context().obj
    if rulebook_name:
        book = load_rulebook(rulebook_name)
    elif os.path.exists(obj.project):
        with obj.open() as store:
            book = store.rulebook
    else:
        book = load_rulebook(DEFAULT_RULEBOOK)
    for path in write_templates(directory, book):
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
    modes = {"snapshot": "完整名单", "add": "补充更正", "revert": "撤销"}
    for b in batches:
        if b["mode"] == "revert":
            changes = f"撤销批次 #{b['summary'].get('reverts')}"
        else:
            changes = "；".join(f"{kind} +{d['added']} −{d['closed']} ~{d['changed']}" for kind, d in b["summary"].items()
                               if isinstance(d, dict) and (d.get("added") or d.get("closed") or d.get("changed")
                                                           or d.get("nodes_added")))
        if b["reverted_by"]:
            changes += f"（已由批次 #{b['reverted_by']} 撤销）"
        rows.append([b["id"], b["loaded_at"], modes.get(b["mode"], b["mode"]),
                     "、".join(f.replace("\\", "/").rsplit("/", 1)[-1] for f in b["files"]), changes])
    click.echo(table(["批次", "导入时间（北京时间）", "方式", "文件", "变化（新增 −关闭 ~变更）"], rows, max_width=80)
               if rows else "尚未导入任何清单 (nothing loaded yet).")


@cli.command()
@click.argument("batch", type=int)
@pass_ctx
def revert(obj: Context, batch: int) -> None:
    """Undo one load batch: remove what it added, reopen what it closed.

    Refused, with the reason, when a later load built on it (revert that one first). The
    undo is recorded in the history as a batch of its own.

    Example:

        zeren revert 3
    """
    with obj.open_for_write() as store:
        with store.transaction() as w:
            done = w.revert(batch)
    audit_write(obj, "revert", done["batch"], {"reverted": batch})
    rows = "；".join(f"{k} {v}" for k, v in done["rows"].items()) or "无名单记录"
    click.echo(f"已撤销批次 #{batch}（记为批次 #{done['batch']}）：{rows}；督查发现 {done['findings']}，"
               f"履职记录 {done['duty_records']}。 (reverted batch {batch})")


@cli.command()
@click.option("--at", metavar="DATE", help="The day to look at (default: today).")
@click.option("--township", metavar="NAME", help="Only this township.")
@format_options
@pass_ctx
def gaps(obj: Context, at, township, fmt, output) -> None:
    """List what the rosters leave uncovered on a day.

    Vacant one-holder posts, poor villages without a team or helping unit, households
    without their pairing cadre — whatever the pack lists: each is a hole a trace would hit.

    Example:

        zeren gaps --at 2019-06-01 --township 马营镇

        zeren gaps --at 2019-06-01 -o 空缺.xlsx
    """
    from datetime import date

    from ..queries.gaps import gaps as find_gaps
    from .export import emit, gaps_table, resolve_format, xlsx_of
    from .format import csv_text, table

    obj.project_only("gaps")
    fmt = resolve_format(fmt, output)
    day = _day(at) or date.today().isoformat()
    with obj.open() as store:
        found = find_gaps(store, day, township=township)
        pack = store.rulebook.pack
    levels = pack.org.levels
    level = pack.model.label(levels[0]) if levels else "地方"
    title, headers, rows = gaps_table(found, day, level)

    def text() -> str:
        out = f"{day}：{len(found)} 处空缺 gaps"
        return out + "\n" + table(headers[1:], [r[1:] for r in rows]) if found else out

    emit(fmt, output, False, table=text, data=lambda: {"at": day, "gaps": [g.as_dict() for g in found]},
         csv=lambda: csv_text(headers, rows), xlsx=lambda show: xlsx_of([(title, headers, rows)], show, f"空缺 {day}"))
