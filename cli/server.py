"""zeren push: copy a project into a Bolt server (Neo4j 5, Aura)."""

from __future__ import annotations

import click

from .main import Context, cli, pass_ctx


@cli.command()
@click.argument("uri")
@click.option("--replace", is_flag=True,
              help="整体重新推送，替换目标数据库现有内容（包括别的项目） (push the whole project anew, replacing "
                   "whatever the database holds).")
@click.option("--batch-size", default=5000, show_default=True, help="每批发送的行数上限 (rows per UNWIND message at most).")
@click.option("--max-bytes", type=int, default=32_000_000, show_default=True,
              help="每批最多字节数 (bytes per message at most).")
@pass_ctx
def push(obj: Context, uri: str, replace: bool, batch_size: int, max_bytes: int) -> None:
    """把项目复制到 Bolt 图数据库服务器（Neo4j 5、Aura），整体到位后才对读者可见 (copy the project into a
    Bolt server; readers see it only once it has landed whole).

    第一次推送（或 --replace）复制全部；之后只推送上次推送以来的装载批次。推送前核对服务器上的数目，
    中途中断的推送不影响上一次的图。The first push (or --replace) copies everything; later pushes send only
    what the loads since the last push added or closed; the server's counts are checked before the push
    is switched on, and an interrupted push leaves the previous graph readable. 账号取自环境变量，不从命令行读取
    (credentials come from ZEREN_BOLT_USER / ZEREN_BOLT_PASSWORD or ~/.config/zeren/bolt.toml); --database
    picks the database (default: the server's home database). Then `zeren --store URI check …` reads from there.

    示例 Example:

        ZEREN_BOLT_USER=neo4j ZEREN_BOLT_PASSWORD=… zeren push bolt://127.0.0.1:7687
    """
    from ..graph.bolt import push as copy
    from ..graph.errors import ZerenError
    from ..graph.store import Store

    obj.project_only("push")
    with Store.open(obj.project) as store:
        try:
            result = copy(store, uri, database=obj.database, replace=replace, batch_rows=batch_size,
                          max_bytes=max_bytes)
        except ZerenError as err:
            if "replace it explicitly" in str(err) or "replace them explicitly" in str(err):
                raise ZerenError(f"{err}: add --replace") from None
            raise
    where = f"{uri} ({result.database})" if result.database else uri
    v = result.verified
    totals = (f"{v['nodes']:,} nodes, {v['edges']:,} edges, {v['findings']:,} findings, "
              f"{v['duty_records']:,} duty records")
    if result.mode == "unchanged":
        click.echo(f"{where} is up to date with {obj.project} (load batch {result.batch}): {totals}.")
        return
    if result.mode == "incremental":
        s = result.sent
        batches = f"batch {result.batch}" if result.since + 1 == result.batch else \
            f"batches {result.since + 1}–{result.batch}"
        click.echo(f"Pushed load {batches} of {obj.project} to {where}: "
                   f"{s['nodes']:,} nodes, {s['edges']:,} edges, {s['closures']:,} closures, "
                   f"{s['findings']:,} findings, {s['duty_records']:,} duty records; the server holds {totals} "
                   "(verified).")
        return
    if result.reason:
        click.echo(f"{result.reason}.")
    click.echo(f"Pushed {obj.project} to {where}: {totals} (verified; push {result.push_id}).")
