"""zeren duties: judge every frequency duty of the rulebook from the duty log (履职记录)."""

from __future__ import annotations

import json

import click

from .main import FORMATS, Context, _day, _window, cli, pass_ctx


@cli.command()
@click.option("--from", "date_from", metavar="DATE", help="First day of the period (inclusive).")
@click.option("--to", "date_to", metavar="DATE", help="Last day of the period (inclusive).")
@click.option("--period", metavar="PERIOD", help="Shorthand: 2019Q2, 2019H1, 2019 or 2019-05.")
@click.option("--township", metavar="NAME", help="Only the holders inside this township.")
@click.option("--at", metavar="DATE", help="Judge as on this day: windows not over yet are 'open' (default: today).")
@click.option("--duty", "only", multiple=True, metavar="ID", help="Only this duty (its id, or a clause such as 二.2).")
@click.option("--explain", is_flag=True, help="For each judgement, every record considered and why it counted or not.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@pass_ctx
def duties(obj: Context, date_from, date_to, period, township, at, only, explain, fmt) -> None:
    """Judge every frequency duty of the rulebook (monthly, quarterly, yearly …) from the duty log.

    Each duty × holder × calendar window that overlaps the period is met (达标), missed (未达标),
    open (进行中: the window is not over on --at; what is still short, and the days left) or
    uncovered (无记录: the loaded duty log does not cover the whole window, so nobody can say it
    was missed; a warning names the days it covers). Only records that satisfy the duty
    count: the right 履职事项, in the window, by the person in post that day (or the
    organisation, or its people where the duty counts 人次), where the duty says.

    Example:

        zeren duties --period 2019Q2 --township 马营镇

        zeren duties --at 2019-05-20 --period 2019Q2 --explain --format json
    """
    from ..queries.duties import duties as judge
    from .format import duties_csv, duties_table

    lo, hi = _window(date_from, date_to, period)
    with obj.open() as store:
        result = judge(store, lo, hi, at=_day(at), township=township, only=list(only) or None, explain=explain)
    for warning in result.warnings:
        click.echo(f"注意：{warning}", err=True)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(duties_csv(result), nl=False)
    else:
        click.echo(duties_table(result))
