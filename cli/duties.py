"""zeren duties: judge every frequency duty of the rulebook from the duty log (履职记录)."""

from __future__ import annotations

import json

import click

from .main import FORMATS, Context, _day, _window, cli, pass_ctx


@cli.command()
@click.option("--from", "date_from", metavar="DATE", help="期间第一天（含） (first day of the period, inclusive).")
@click.option("--to", "date_to", metavar="DATE", help="期间最后一天（含） (last day of the period, inclusive).")
@click.option("--period", metavar="PERIOD", help="期间简写：2019Q2、2019H1、2019 或 2019-05 (period shorthand).")
@click.option("--township", metavar="NAME", help="只看这个乡镇内的责任主体 (only the holders inside this township).")
@click.option("--at", metavar="DATE",
              help="按这一天判断：尚未结束的窗口为“进行中”（默认：最近一条督查发现的日期，没有则今天） "
                   "(judge as on this day; default: the latest finding's date, else today).")
@click.option("--duty", "only", multiple=True, metavar="ID",
              help="只看这项职责（职责编号，或条款如 二.2），可重复 (only this duty; repeatable).")
@click.option("--explain", is_flag=True, help="每项判断列出考虑过的每条记录及计入或不计入的理由 "
                                               "(every record considered and why it counted or not).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True,
              help="table（表格）、json（程序读取）或 csv（Excel 可直接打开）。")
@pass_ctx
def duties(obj: Context, date_from, date_to, period, township, at, only, explain, fmt) -> None:
    """按履职记录判断责任清单的每项频次职责：达标、未达标、进行中、无记录 (judge every frequency duty from the duty log).

    Each duty × holder × calendar window (month, quarter, half-year, year) that overlaps the
    period is met (达标), missed (未达标), open (进行中: the window is not over on --at; what
    is still short, and the days left) or uncovered (无记录: the loaded duty log does not
    cover the whole window, so nobody can say it was missed; a warning names the days it
    covers). Only records that satisfy the duty count: the right 履职事项, in the window, by
    the person in post that day (or the organisation, or its people where the duty counts
    人次), where the duty says. Without --at, the day is the project's default (the latest
    finding's date, else today), and the output says so.

    示例 Example:

        zeren duties --period 2019Q2 --township 马营镇

        zeren duties --at 2019-05-20 --period 2019Q2 --explain --format json
    """
    from ..queries.duties import duties as judge
    from .format import duties_csv, duties_table

    lo, hi = _window(date_from, date_to, period)
    with obj.open() as store:
        result = judge(store, lo, hi, at=_day(at), township=township, only=list(only) or None, explain=explain)
    if result.at_how and fmt != "table":  # the table's first line says it
        click.echo(f"注意：按 {result.at} 判断（{result.at_how}；--at 指定其他日期）", err=True)
    for warning in result.warnings:
        click.echo(f"注意：{warning}", err=True)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(duties_csv(result), nl=False)
    else:
        click.echo(duties_table(result))
