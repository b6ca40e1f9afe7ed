"""zeren check and zeren trace."""

from __future__ import annotations

import click

from .export import format_options
from .main import Context, _day, _window, cli, pass_ctx, personal_option, trace_window_options


@cli.command()
@click.option("--from", "date_from", metavar="DATE", help="评估期间的第一天（含） (first day of the window, inclusive).")
@click.option("--to", "date_to", metavar="DATE", help="评估期间的最后一天（含） (last day of the window, inclusive).")
@click.option("--period", metavar="PERIOD", help="期间简写：2019Q2（季度）、2019H1（半年）、2019（年）或 2019-05（月） (window shorthand).")
@click.option("--township", metavar="NAME", help="只看这个乡镇发生的责任 (only liabilities arising in this township).")
@click.option("--round", "round_name", metavar="NAME",
              help="只看一个督查批次的发现，阈值按该批次计算 (one inspection round).")
@click.option("--at", metavar="DATE", help="截至这一天的情况：已有的发现（默认期间为该日所在季度），差一个发现即达阈值的规则会标出 "
                                           "(how things stand on this day; near misses marked).")
@format_options
@personal_option
@pass_ctx
def check(obj: Context, date_from, date_to, period, township, round_name, at, fmt, output, show_personal_data) -> None:
    """按期间核查：逐条规则评估督查发现，列出责任人 (evaluate every rule over a window's findings).

    阈值规则给出算式（“120 户中 4 户 = 3.3% ≥ 3%”）；未触发的规则也列出其数字；每个责任方
    都写明当日在职的人。Threshold rules show their arithmetic; rules not triggered are listed
    with their figures; each liable party is named with who held the post on the day.

    示例 Example:

        zeren check --period 2019Q2 --township 马营镇 --format json

        zeren check --period 2019Q2 -o 2019Q2.xlsx
    """
    from ..queries.check import check as run_check
    from ..queries.periods import quarter_of
    from .export import emit, resolve_format
    from .format import check_table, liabilities_csv

    fmt = resolve_format(fmt, output)

    until = _day(at)
    if round_name and not (period or date_from or date_to):
        lo = hi = None
    elif until and not (period or date_from or date_to):
        lo, hi = quarter_of(until)
    else:
        lo, hi = _window(date_from, date_to, period)
    with obj.open() as store:
        result = run_check(store, lo, hi, township=township, round_name=round_name, until=until)
        rulebook = store.rulebook
        townships = {}
        if fmt == "xlsx":
            from ..documents.parts import finding_townships

            townships = finding_townships(store, result.findings)

    def workbook(show: bool) -> bytes:
        from ..documents.xlsx import check_workbook

        return check_workbook(result, show_personal_data=show, townships=townships, rulebook=rulebook)

    emit(fmt, output, show_personal_data, table=lambda: check_table(result), data=result.as_dict,
         csv=lambda: liabilities_csv(result.liabilities, rulebook), xlsx=workbook)


@cli.command()
@click.argument("subject", metavar="KIND")
@click.argument("ident", metavar="ID")
@trace_window_options
@format_options
@personal_option
@pass_ctx
def trace(obj: Context, subject, ident, at, date_from, date_to, period, fmt, output, show_personal_data) -> None:
    """责任倒查：从一个对象或一条督查发现沿责任链上溯到县 (trace up the chain to the county).

    KIND 为 finding（ID 为 zeren check 列出的发现序号）或本项目规则包中的对象类型（ID 为名单中的编号），
    链上每个职务写明当日在职的人，责任为该对象的发现所触发的。

    KIND is `finding` (ID: its number, as `zeren check` lists them) or a kind of object of the
    project's pack (ID: the id its roster gives it), e.g. `plan` and `household` for the
    Tongwei list, `stretch` or `segment` for the river chiefs'. The chain names whoever held
    each post on the day that matters; the liabilities are those the object's findings trigger.

    示例 Example:

        zeren trace plan P621101027119 --format json

        zeren trace household 621101027119 --at 2019-06-01

        zeren trace finding 12

        zeren trace finding 12 -o 倒查.xlsx
    """
    from ..queries.trace import trace as run_trace
    from .export import emit, resolve_format, trace_tables, xlsx_of
    from .format import csv_sections, trace_table

    fmt = resolve_format(fmt, output)
    lo = hi = None
    if period or date_from or date_to:
        lo, hi = _window(date_from, date_to, period)
    day = _day(at)
    with obj.open() as store:
        result = run_trace(store, subject, ident, at=day, date_from=lo, date_to=hi,
                           show_personal_data=show_personal_data)
        rulebook = store.rulebook
    emit(fmt, output, show_personal_data, table=lambda: trace_table(result, rulebook), data=result.as_dict,
         csv=lambda: csv_sections(trace_tables(result, rulebook)),
         xlsx=lambda show: xlsx_of(trace_tables(result, rulebook), show, f"责任链 {result.title(rulebook)}"))
