"""zeren person: one person's posts, liabilities and duty record; confirming duplicates."""

from __future__ import annotations

import click

from ..graph.errors import ZerenError
from .main import Context, _day, cli, pass_ctx, personal_option, table_json_option


@cli.command(context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, required=True, metavar="NAME | merge A B | unmerge A B")
@click.option("--unit", metavar="UNIT", help="所在单位（同名者多于一人时） (the organisation, when the name fits several people).")
@click.option("--at", metavar="DATE", help="按这一天判断履职窗口和空缺（默认：最近一条督查发现的日期，没有则今天） (judge as on this day).")
@click.option("--note", default="", help="合并时注明理由 (with merge: why the two are one person).")
@table_json_option
@personal_option
@pass_ctx
def person(obj: Context, args, unit, at, note, fmt, show_personal_data) -> None:
    """一个人的全部记录：任职、各期责任、履职与空缺 (one person's whole record).

    Every post held (with its source row), every liability over
    all loaded findings, the duty record, posts left vacant, and possible duplicates.

    A name that fits several people lists them and asks for --unit. Two ids a roster keyed
    apart (same name, two units) are confirmed as one person with `zeren person merge A B`
    (recorded in the history; `zeren person unmerge A B` or `zeren revert` undoes it).

    示例 Example:

        zeren person 何雪国

        zeren person 王强 --unit 县财政局 --format json

        zeren person merge person:县财政局/王强 person:平襄镇/王强 --note 同一人调任
    """
    from ..graph.privacy import mask_text

    if args[0] in ("merge", "unmerge"):
        if len(args) != 3:
            raise ZerenError(f"用法：zeren person {args[0]} A B（两个人员编号，如 person:县财政局/王强）")
        with obj.open_for_write() as store:
            with store.transaction() as w:
                batch = w.link_persons(args[1], args[2], note) if args[0] == "merge" else \
                    w.unlink_persons(args[1], args[2])
        from .project import audit_write

        audit_write(obj, f"person {args[0]}", batch, {"persons": [args[1], args[2]], "note": note or ""})
        click.echo(f"{'已合并' if args[0] == 'merge' else '已取消合并'} {args[1]} 与 {args[2]}（批次 #{batch}）")
        return
    if len(args) != 1:
        raise ZerenError("用法：zeren person NAME [--unit UNIT]")
    from ..queries.person import dossier

    with obj.open() as store:
        d = dossier(store, args[0], unit=unit, at=_day(at))
    if fmt == "json":
        from .format import json_text

        text = json_text(d.as_dict())
    else:
        from .format import dossier_table

        text = dossier_table(d)
    click.echo(text if show_personal_data else mask_text(text))
