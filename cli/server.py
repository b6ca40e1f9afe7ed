"""zeren push: copy a project into a Bolt server."""

from __future__ import annotations

import click

from .main import Context, cli, pass_ctx


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
               f"{written['edges']:,} edges, {written['findings']:,} findings, "
               f"{written['duty_records']:,} duty records.")
