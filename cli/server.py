"""zeren push: copy a project into a Bolt server (Neo4j 5, Aura)."""

from __future__ import annotations

from pathlib import Path

import click

from .main import Context, cli, pass_ctx


@cli.command()
@click.argument("uri", required=False)
@click.option("--replace", is_flag=True,
              help="整体重新推送，替换目标数据库现有内容（包括别的项目） (push the whole project anew, replacing "
                   "whatever the database holds).")
@click.option("--batch-size", default=5000, show_default=True, help="每批发送的行数上限 (rows per UNWIND message at most).")
@click.option("--max-bytes", type=int, default=32_000_000, show_default=True,
              help="每批最多字节数 (bytes per message at most).")
@click.option("--neo4j-import", "import_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="不连接服务器：把项目写成 neo4j-admin 批量导入用的 CSV 文件（首次装载停机的自建服务器） "
                   "(write the project as CSV for `neo4j-admin database import full` into DIR, for a first load "
                   "into a stopped self-hosted server; then `zeren push URI` verifies and switches to it).")
@pass_ctx
def push(obj: Context, uri: str | None, replace: bool, batch_size: int, max_bytes: int,
         import_dir: str | None) -> None:
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

    大图首次装载（停机导入，Neo4j 的批量导入工具）A big graph's first load, offline: `zeren push
    --neo4j-import DIR` writes the CSV files and prints the `neo4j-admin database import full` line;
    stop the server, run that line (it replaces the database), start the server, then `zeren push URI`
    checks the server's counts against the files and switches readers to the import.
    """
    from ..graph.bolt import push as copy
    from ..graph.errors import ZerenError
    from ..graph.store import Store

    obj.project_only("push")
    if import_dir is not None:
        if uri is not None:
            raise ZerenError("--neo4j-import 只写文件，不连接服务器：去掉 URI (--neo4j-import writes files and "
                             "connects to nothing: leave out the URI)")
        _write_import(obj, import_dir)
        return
    if uri is None:
        raise ZerenError("缺少服务器地址 URI (give the server's URI, e.g. bolt://127.0.0.1:7687, or --neo4j-import DIR)")
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
    if result.mode == "imported":
        click.echo(f"Verified the offline import of {obj.project} on {where}: {totals}; readers now use it "
                   f"(push {result.push_id}).")
        return
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


def _write_import(obj: Context, directory: str) -> None:
    import shlex

    from ..graph.neo4j_import import write_import
    from ..graph.store import Store

    with Store.open(obj.project) as store:
        files = write_import(store, Path(directory))
    c = files.counts
    click.echo(f"Wrote {obj.project} as neo4j-admin import files into {files.directory}: {c['nodes']:,} nodes, "
               f"{c['edges']:,} edges, {c['findings']:,} findings, {c['duty_records']:,} duty records "
               f"(push {files.push_id}).")
    click.echo("Stop the server, then run (it replaces the whole database):")
    click.echo("  " + shlex.join(["neo4j-admin", *files.args(obj.database or "neo4j")]))
    click.echo("start the server, and verify and switch to the import with: zeren push URI")
