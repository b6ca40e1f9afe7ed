"""zeren duties: judge every frequency duty of the rulebook from the duty log (履职记录)."""

from __future__ import annotations

import click

from .main import FORMATS, Context, _day, _window, cli, pass_ctx, personal_option


@cli.command()
@click.option("--from", "date_from", metavar="DATE", help="期间第一天（含） (first day of the period).")
@click.option("--to", "date_to", metavar="DATE", help="期间最后一天（含） (last day of the period).")
@click.option("--period", metavar="PERIOD", help="期间简写：2019Q2、2019H1、2019 或 2019-05 (period shorthand).")
@click.option("--township", metavar="NAME", help="只看这个乡镇内的履职主体 (only holders inside this township).")
@click.option("--at", metavar="DATE",
              help="按这一天评判：尚未结束的周期为“进行中”（open）；默认为最近一条督查发现的日期，没有则今天 "
                   "(judge as on this day; default: the latest finding's date, else today).")
@click.option("--duty", "only", multiple=True, metavar="ID", help="只看这项职责（编号，或条款如 二.2） (only this duty).")
@click.option("--explain", is_flag=True, help="逐条说明每项评判考虑了哪些记录、为何计入或不计入 (explain each judgement).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True,
              help="table（表格，默认）、json 或 csv (table, JSON or CSV).")
@personal_option
@pass_ctx
def duties(obj: Context, date_from, date_to, period, township, at, only, explain, fmt, show_personal_data) -> None:
    """履职评判：按履职记录逐项评判清单中的定期职责（每月、每季、每年…） (judge every frequency duty).

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
    if fmt != "json":  # JSON carries them: warnings, at_chosen_as
        if result.at_how and fmt == "csv":  # the table's first line says it
            click.echo(f"注意：按 {result.at} 判断（{result.at_how}；--at 指定其他日期）", err=True)
        for warning in result.warnings:
            click.echo(f"注意：{warning}", err=True)
    if fmt == "json":
        from .format import json_text

        text = json_text(result.as_dict())
    elif fmt == "csv":
        text = duties_csv(result)
    else:
        text = duties_table(result)
    if not show_personal_data:
        from ..graph.privacy import mask_text

        text = mask_text(text)  # a record's 对象 or 主体 as the clerk wrote it (--explain, flagged)
    click.echo(text, nl=fmt != "csv")
