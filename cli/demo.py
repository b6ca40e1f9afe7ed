"""zeren demo: the Tongwei-shaped county end to end."""

from __future__ import annotations

import click

from .main import cli


@cli.command()
@click.argument("directory", default="zeren-demo", type=click.Path(file_okay=False))
@click.option("--rulebook", "rulebook_name", default="tongwei-2018", show_default=True,
              help="哪部清单的示例，见 zeren rulebook list (which list's demo: tongwei-2018 or river-chief).")
@click.option("--households", default=35000, show_default=True, help="示例县生成的最底层对象数 (households, stretches … to generate).")
@click.option("--villages", default=332, show_default=True, help="示例县的村级单元数 (villages).")
@click.option("--seed", default=2018, show_default=True, help="随机种子（同一种子，同一个县） (random seed).")
@click.option("--period", default="2019Q2", show_default=True, help="检查的季度 (the quarter to check).")
def demo(directory: str, rulebook_name: str, households: int, villages: int, seed: int, period: str) -> None:
    """生成示例县并演示核查、倒查、履职与图 (build a demo project and show a check, a trace, duties, diagrams).

    For tongwei-2018: a Tongwei-shaped county (the 18 real townships and the 18 lead units
    of 三.1; synthetic people and households) as roster files, loaded through the real
    loaders into DIRECTORY/zeren.db, with a quarter of inspection findings, a duty log and
    later rotations; then `zeren check`, the trace of one failed plan and `zeren duties`.
    For river-chief: rivers, segments and village stretches with their chiefs, findings and
    a patrol log.

    示例 Example:

        zeren demo zeren-demo --households 35000

        zeren demo river-demo --rulebook river-chief
    """
    import shutil
    import time
    from datetime import date, timedelta
    from pathlib import Path

    from ..graph.store import Store
    from ..loaders.demo import generator
    from ..loaders.rosters import load_files
    from ..loaders.rulebook import load_rulebook
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
    make = generator(rulebook_name)
    county = make(out / "rosters", households=households, villages=villages, seed=seed)
    rulebook = load_rulebook(county.rulebook)
    click.echo(f"Generated {len(county.files) + len(county.later_files)} roster files in {out / 'rosters'} "
               f"for {rulebook.name} ({rulebook.title}).")
    store = Store.create(project, rulebook)
    try:
        result = load_files(store, [str(p) for p in county.files])
        # The later files are whole rosters of what changed: they close what they no longer list.
        later = load_files(store, [str(p) for p in county.later_files], mode="snapshot")
        click.echo(f"Loaded them into {project} in {time.perf_counter() - t0:.1f} s "
                   f"(batch {result.batch}; the later rosters and logs as batch {later.batch}).")
        lo, hi = parse_period(period)
        checked = run_check(store, lo, hi)
        subject, ident = county.trace
        traced = run_trace(store, subject, ident)
        after = (date.fromisoformat(hi) + timedelta(days=1)).isoformat()
        level = rulebook.pack.org.levels[0] if rulebook.pack.org.levels else None
        place = next((c.name for c in traced.chain if c.kind == level), None) if level == "township" else None
        performed = run_duties(store, lo, hi, at=after, township=place)
    finally:
        store.close()
    from ..graph.privacy import mask_text

    click.echo("")
    click.echo(f"$ zeren --project {project} check --period {period}")
    click.echo(mask_text(check_table(checked)))
    click.echo("")
    click.echo(f"$ zeren --project {project} trace {subject} {ident}")
    click.echo(mask_text(trace_table(traced, rulebook)))
    click.echo("")
    click.echo(f"$ zeren --project {project} duties --period {period} --at {after}" + (f" --township {place}" if place else ""))
    click.echo(mask_text(duties_table(performed)))
    click.echo("")
    diagrams = _demo_diagrams(out, project, ident.replace("/", "-"), traced)
    documents = _demo_documents(out, project, subject, ident, period, lo, hi)
    click.echo("Files:")
    click.echo(f"  project      {project}")
    click.echo(f"  rosters      {out / 'rosters'}")
    for label, path in diagrams + documents:
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


def _demo_documents(out, project, subject, ident, period, lo, hi) -> list[tuple[str, str]]:
    """The trace report (Word and PDF) and the quarter's workbook, beside the diagrams."""
    from ..documents.report import check_report, trace_report
    from ..graph.errors import ZerenError
    from ..graph.store import Store

    made = []
    with Store.open(project) as store:
        stem = f"倒查报告-{ident.replace('/', '-')}"
        jobs = [("report .docx", f"{stem}.docx", lambda: trace_report(store, subject, ident, fmt="docx")),
                ("report .pdf", f"{stem}.pdf", lambda: trace_report(store, subject, ident, fmt="pdf")),
                ("check .xlsx", f"责任清单核查-{period}.xlsx", lambda: check_report(store, lo, hi, fmt="xlsx"))]
        for label, name, make in jobs:
            try:
                data = make()
            except ZerenError as err:  # e.g. no CJK font for the PDF: say so, keep the rest
                click.echo(f"  ({name}: {err})")
                continue
            (out / name).write_bytes(data)
            made.append((label, str(out / name)))
    return made
