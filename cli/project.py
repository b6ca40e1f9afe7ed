"""Project commands: init, rulebook, stats, load, template, history, gaps."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager

import click

from ..graph.errors import InputError
from .export import format_options
from .main import Context, _day, cli, pass_ctx, table_json_option


@cli.command()
@click.option("--rulebook", "rulebook_name", default="tongwei-2018", show_default=True,
              help="内置规则手册名，或规则手册文件（.yaml/.toml） (a built-in rulebook or a file).")
@pass_ctx
def init(obj: Context, rulebook_name: str) -> None:
    """新建项目文件，写入一部规则手册 (create a project holding a rulebook).

    示例 Example:

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
    """查看、列出或校验规则手册 (show, list or validate rulebooks: the responsibility list as data)."""


@rulebook.command("show")
@click.argument("name", required=False)
@table_json_option
@click.pass_context
def rulebook_show(ctx: click.Context, name: str | None, fmt: str) -> None:
    """打印规则手册：本项目的，或内置的 NAME，或文件 FILE (print a rulebook).

    示例 Example:

        zeren rulebook show tongwei-2018 --format json
    """
    from .format import json_text, rulebook_table

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
        click.echo(json_text(book.to_dict()))
    else:
        click.echo(rulebook_table(book))


@rulebook.command("list")
@table_json_option
def rulebook_list(fmt: str) -> None:
    """列出内置规则手册：文件、条款、规则与名单 (list the built-in rulebooks).

    示例 Example:

        zeren rulebook list
    """
    from ..loaders.rulebook import builtin_names, load_rulebook
    from .format import json_text, table

    rows = []
    for name in builtin_names():
        book = load_rulebook(name)
        rows.append({"name": book.name, "title": book.title, "document": book.document,
                     "clauses": len(book.clauses), "rules": len(book.rules),
                     "rosters": [r.name for r in book.pack.rosters]})
    if fmt == "json":
        click.echo(json_text(rows))
        return
    click.echo(table(["名称", "标题", "条款", "规则", "名单"],
                     [[r["name"], r["title"], str(r["clauses"]), str(r["rules"]), "、".join(r["rosters"])]
                      for r in rows], max_width=100))
    click.echo("\nzeren init --rulebook NAME 用其建项目；zeren rulebook show NAME 查看全文。")


@rulebook.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def rulebook_validate(file: str) -> None:
    """严格校验规则手册文件，每个问题指明条款与键 (validate a rulebook file).

    示例 Example:

        zeren rulebook validate my-county-2020.yaml
    """
    from ..loaders.rulebook import load_rulebook

    book = load_rulebook(file)
    click.echo(f"{file}: OK — {book.name}, {len(book.clauses)} clauses, {len(book.rules)} rules.")


@cli.command()
@table_json_option
@pass_ctx
def stats(obj: Context, fmt: str) -> None:
    """统计项目中各类对象的数量 (count what the project holds, per kind).

    示例 Example:

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
              help="名单日期：名单中不再列出的任职在其前一天终止（默认取各范围内最晚的起始日期） (date of the snapshot; "
                   "assignments no longer listed close the day before).")
@click.option("--dry-run", is_flag=True, help="试运行：校验并显示将要发生的变化，不写入 (validate and show the changes; write nothing).")
@click.option("--snapshot", "mode", flag_value="snapshot",
              help="这些文件是完整名单：关闭其范围内不再列出的全部记录，即使超过五分之一 "
                   "(whole rosters: close what they no longer list).")
@click.option("--add", "mode", flag_value="add",
              help="这些文件是补充或更正：只新增和修改，不关闭任何记录 (corrections or additions: close nothing).")
@table_json_option
@click.option("--problems", "problems_file", type=click.Path(dir_okay=False), metavar="FILE.csv",
              help="文件有问题时，把每个问题（文件、工作表、行、列、值）逐条写入此 CSV (write every problem to this CSV).")
@pass_ctx
def load(obj: Context, files: tuple[str, ...], as_of: str | None, dry_run: bool, mode: str | None, fmt: str,
         problems_file: str | None) -> None:
    """导入名单、督查发现和履职记录：CSV 文件与 .xlsx 工作簿 (load rosters, findings and duty logs).

    Each CSV, and each sheet of a workbook, is recognised by its header row. One call is
    one transaction: if any file has a problem, every problem is listed and nothing is
    written. A roster is a snapshot of its scope: assignments it no longer lists are
    closed, new ones opened, history kept.

    示例 Example:

        zeren load rosters.xlsx teams.csv pairings.csv --dry-run

        zeren load 2019年5月轮换.csv --dry-run --format json
    """
    from ..loaders.rosters import load_files
    from .format import json_text, load_dict, load_report

    try:
        with obj.open_for_write() as store:
            with _progress() as progress:
                result = load_files(store, list(files), as_of=as_of, dry_run=dry_run, mode=mode or "auto",
                                    progress=progress)
    except InputError as err:
        if problems_file:
            from ..graph.errors import problems_csv
            from .format import csv_text

            header, *rows = problems_csv(err.problems)
            with open(problems_file, "w", encoding="utf-8", newline="") as fh:
                fh.write(csv_text(header, rows))
            err.listed_in = problems_file
        raise
    if result.batch is not None:  # who loaded what, for `zeren audit`
        audit_write(obj, "load", result.batch, {"files": list(files)})
    click.echo(json_text(load_dict(result)) if fmt == "json" else load_report(result))


def audit_write(obj: Context, action: str, batch: int, detail: dict) -> None:
    """Record a write to the project (load, revert, person merge …) for `zeren audit`."""
    from ..graph import audit

    audit.record(obj.project, actor=audit.os_actor(), action=action, object=f"batch:{batch}",
                 detail={"batch": batch, **detail, "via": "cli"})


@contextmanager
def _progress():
    """A rich progress bar on a terminal's stderr, by phase (读取 → 校验 → 比对 → 写入) with
    its counts; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..loaders.rosters import PHASES

    units = {"读取": "个文件", "校验": "行", "比对": "行", "写入": ""}
    columns = (TextColumn("[bold]{task.fields[phase]}[/] {task.description}"), BarColumn(),
               MofNCompleteColumn(), TextColumn("{task.fields[unit]}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None, phase=f"{PHASES[0]} (1/{len(PHASES)})", unit="")

        def advance(phase: str, label: str, done: int, total: int | None) -> None:
            step = f"{phase} ({PHASES.index(phase) + 1}/{len(PHASES)})" if phase in PHASES else phase
            bar.update(task, description=label[-50:], completed=done, total=total, phase=step,
                       unit=units.get(phase, ""))

        yield advance


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--rulebook", "rulebook_name", default=None, metavar="NAME|FILE",
              help="按此规则手册的名单写模板（默认：项目的规则手册，否则 tongwei-2018） "
                   "(templates for this rulebook's rosters).")
def template(directory: str, rulebook_name: str | None) -> None:
    """写出填表模板：每种名单一个 .xlsx，另有含全部工作表的 全部清单.xlsx (write fill-in templates).

    Each has the pack's example row above the header, drop-down lists, text-formatted id
    columns, date-formatted date columns and a 填表说明 sheet (what each column means, whether
    it must be filled, the forms accepted). Loading an untouched template loads nothing.

    示例 Example:

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
@table_json_option
@pass_ctx
def history(obj: Context, fmt: str) -> None:
    """列出项目的导入记录：何时、哪些文件、改了什么 (list the load batches).

    Every node, edge and finding records the load batch it came from; this is the batch
    register an auditor reads to see when a roster entered the project.

    示例 Example:

        zeren history --format json
    """
    from .format import json_text, table

    obj.project_only("history")
    with obj.open() as store:
        batches = store.batches()
    if fmt == "json":
        click.echo(json_text({"batches": batches}))
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
    """撤销一个导入批次：删除其新增的，恢复其关闭的 (undo one load batch).

    Refused, with the reason, when a later load built on it (revert that one first). The
    undo is recorded in the history as a batch of its own.

    示例 Example:

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
@click.option("--at", metavar="DATE", help="查看哪一天（默认：最近一条督查发现的日期） (the day; default: the latest finding's date).")
@click.option("--township", metavar="NAME", help="只看这个乡镇 (only this township).")
@format_options
@pass_ctx
def gaps(obj: Context, at, township, fmt, output) -> None:
    """列出某日名单留下的空缺：无人在职的职务、缺帮扶的村户等 (what the rosters leave uncovered on a day).

    Vacant one-holder posts, poor villages without a team or helping unit, households
    without their pairing cadre — whatever the pack lists: each is a hole a trace would hit.

    示例 Example:

        zeren gaps --at 2019-06-01 --township 马营镇

        zeren gaps --at 2019-06-01 -o 空缺.xlsx
    """
    from ..queries.gaps import gaps as find_gaps
    from ..queries.periods import default_day
    from .export import emit, gaps_table, resolve_format, xlsx_of
    from .format import csv_text, table

    obj.project_only("gaps")
    fmt = resolve_format(fmt, output)
    with obj.open() as store:
        day, how = (_day(at), "") if at else default_day(store)
        found = find_gaps(store, day, township=township)
        pack = store.rulebook.pack
    levels = pack.org.levels
    level = pack.model.label(levels[0]) if levels else "地方"
    title, headers, rows = gaps_table(found, day, level)

    def text() -> str:
        out = f"{day}{f'（{how}；--at 指定其他日期）' if how else ''}：{len(found)} 处空缺 gaps"
        return out + "\n" + table(headers[1:], [r[1:] for r in rows]) if found else out

    emit(fmt, output, False, table=text, data=lambda: {"at": day, "gaps": [g.as_dict() for g in found]},
         csv=lambda: csv_text(headers, rows), xlsx=lambda show: xlsx_of([(title, headers, rows)], show, f"空缺 {day}"))
