"""zeren demo: the Tongwei-shaped county end to end."""

from __future__ import annotations

import click

from .main import cli


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
    from datetime import date, timedelta

    from ..queries.check import check as run_check
    from ..queries.duties import duties as run_duties
    from ..queries.periods import parse_period
    from ..queries.trace import trace as run_trace
    from .format import check_table, duties_table, trace_table

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
        # The rotation is next quarter's whole roster of one township: it closes what it no longer lists.
        rotation = load_files(store, [str(p) for p in county.later_files], mode="snapshot")
        click.echo(f"Loaded them into {project} in {time.perf_counter() - t0:.1f} s "
                   f"(batch {result.batch}; a later team rotation as batch {rotation.batch}).")
        lo, hi = parse_period(period)
        checked = run_check(store, lo, hi)
        traced = run_trace(store, "plan", county.failed_plan)
        after = (date.fromisoformat(hi) + timedelta(days=1)).isoformat()
        place = next((c.name for c in traced.chain if c.kind == "township"), None)
        performed = run_duties(store, lo, hi, at=after, township=place)
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
    click.echo(f"$ zeren --project {project} duties --period {period} --at {after} --township {place}")
    click.echo(mask_text(duties_table(performed)))
    click.echo("")
    diagrams = _demo_diagrams(out, project, county.failed_plan, traced)
    click.echo("Files:")
    click.echo(f"  project      {project}")
    click.echo(f"  rosters      {out / 'rosters'}")
    for label, path in diagrams:
        click.echo(f"  {label:<12} {path}")
    if not shutil.which("dot"):
        click.echo("  (Graphviz `dot` is not installed: DOT files written; apt-get install graphviz fonts-wqy-microhei)")
    from .web import demo_account

    click.echo("")
    click.echo(demo_account(project))


def _demo_diagrams(out, project, plan, traced) -> list[tuple[str, str]]:
    """The trace and its township's org chart (DOT always; SVG/PNG where dot is installed)."""
    from ..graph.store import Store
    from ..queries.org import org_chart
    from ..visualize.diagrams import DotNotFound, org_graph, render, trace_graph

    made = []
    with Store.open(project) as store:
        rulebook = store.rulebook
        level = rulebook.pack.org.levels[0] if rulebook.pack.org.levels else None
        place = next((c.name for c in traced.chain if c.kind == level), None)
        org = org_chart(store, traced.at, township=place) if place else None
    for suffix in ("svg", "png", "dot"):
        try:
            made.append((f"trace .{suffix}", str(render(trace_graph(traced, rulebook), out / f"trace-{plan}.{suffix}"))))
            if org is not None:
                made.append((f"org .{suffix}", str(render(org_graph(org, rulebook), out / f"org-{place}.{suffix}"))))
        except DotNotFound:
            continue
    return made
