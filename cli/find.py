"""zeren find: a household by its 户主, a person by name, anything by name or id, anyone by
身份证号 — and the command that opens each hit."""

from __future__ import annotations

import click

from .main import Context, cli, pass_ctx, table_json_option


@cli.command()
@click.argument("text")
@click.option("--limit", default=50, show_default=True, help="最多显示条数 (show at most this many hits).")
@table_json_option
@pass_ctx
def find(obj: Context, text: str, limit: int, fmt: str) -> None:
    """按户主、姓名、名称、编号或身份证号查找 (find by name, id or 身份证号).

    A whole 身份证号 is matched through the project's keyed hash (the number itself is not
    stored) and shown masked; a masked one (621121********9090) matches as stored.

    示例 Example:

        zeren find 吕成洋

        zeren find 621121197004159090

        zeren find 石家洼
    """
    from ..graph.privacy import mask_text
    from ..queries.find import find as run_find
    from .format import json_text, table

    obj.project_only("find")
    with obj.open() as store:
        result = run_find(store, text, limit=limit)
    if fmt == "json":
        click.echo(mask_text(json_text(result.as_dict())))
        return
    if not result.hits:
        click.echo(f"没有找到“{result.text}” (nothing found)")
        return
    click.echo(mask_text(table(["类型", "编号", "名称", "匹配", "所在", "打开"],
                               [[h.label, h.id, h.name, f"{h.matched} {h.value}".strip() if h.matched not in ("名称", "姓名")
                                 else h.matched, h.place, h.command] for h in result.hits], max_width=60)))
    if result.more:
        click.echo(f"  只显示前 {limit} 条；请写得更具体，或用 --limit (more hits than shown)")
