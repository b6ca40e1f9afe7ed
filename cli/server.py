"""zeren push: copy a project into a Bolt server."""

from __future__ import annotations

import click

from .main import Context, cli, pass_ctx


@cli.command()
@click.argument("uri")
@click.option("--replace", is_flag=True, help="先清空目标数据库 (delete what the target database holds first).")
@click.option("--batch-size", default=2000, show_default=True, help="每批发送的行数 (rows per UNWIND message).")
@click.option("--max-bytes", type=int, default=None,
              help="每批最多字节数（FalkorDB 4.16 约需 3000） (bytes per message at most).")
@pass_ctx
def push(obj: Context, uri: str, replace: bool, batch_size: int, max_bytes: int | None) -> None:
    """把项目复制到 Bolt 图数据库服务器（Neo4j 5、Aura、FalkorDB） (copy the project into a Bolt server).

    账号取自环境变量，不从命令行读取。Credentials come from ZEREN_BOLT_USER / ZEREN_BOLT_PASSWORD (or ~/.config/zeren/bolt.toml),
    never from the command line. Afterwards `zeren --store URI check …` reads from there.

    示例 Example:

        ZEREN_BOLT_USER=neo4j ZEREN_BOLT_PASSWORD=… zeren push bolt://127.0.0.1:7687 --replace
    """
    from ..graph.bolt import push as copy
    from ..graph.store import Store

    obj.project_only("push")
    with Store.open(obj.project) as store:
        written = copy(store, uri, database=obj.database, replace=replace, batch_size=batch_size,
                       max_bytes=max_bytes)
    click.echo(f"Pushed {obj.project} to {uri} ({obj.database}): {written['nodes']:,} nodes, "
               f"{written['edges']:,} edges, {written['findings']:,} findings, "
               f"{written['duty_records']:,} duty records.")
