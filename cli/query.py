"""zeren check and zeren trace."""

from __future__ import annotations

import click

from .export import format_options
from .main import Context, _day, _window, cli, pass_ctx, personal_option


@cli.command()
@click.option("--from", "date_from", metavar="DATE", help="First day of the window (inclusive).")
@click.option("--to", "date_to", metavar="DATE", help="Last day of the window (inclusive).")
@click.option("--period", metavar="PERIOD", help="Shorthand window: 2019Q2, 2019H1, 2019 or 2019-05.")
@click.option("--township", metavar="NAME", help="Only liabilities arising in this township.")
@click.option("--round", "round_name", metavar="NAME",
              help="One inspection round (督查批次): its findings, thresholds measured over the round.")
@click.option("--at", metavar="DATE", help="How things stand on this day: the findings made so far (default window: "
                                           "the quarter of that day); thresholds one finding away are marked.")
@format_options
@personal_option
@pass_ctx
def check(obj: Context, date_from, date_to, period, township, round_name, at, fmt, output, show_personal_data) -> None:
    """Evaluate every rule over the findings dated in a window.

    Threshold rules show their arithmetic ("4 of 120 = 3.3% ≥ 3%"); rules not triggered
    are listed with their figures; each liable party is named with who held the post on
    the day.

    Example:

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
@click.option("--at", metavar="DATE", help="Name who held each post on this day (default: the finding's date).")
@click.option("--from", "date_from", metavar="DATE", help="Window of findings (default: the quarter of --at).")
@click.option("--to", "date_to", metavar="DATE")
@click.option("--period", metavar="PERIOD", help="Window shorthand, e.g. 2019Q2.")
@format_options
@personal_option
@pass_ctx
def trace(obj: Context, subject, ident, at, date_from, date_to, period, fmt, output, show_personal_data) -> None:
    """Trace an object, or a finding, up the chain to the county.

    KIND is `finding` (ID: its number, as `zeren check` lists them) or a kind of object of the
    project's pack (ID: the id its roster gives it), e.g. `plan` and `household` for the
    Tongwei list, `stretch` or `segment` for the river chiefs'. The chain names whoever held
    each post on the day that matters; the liabilities are those the object's findings trigger.

    Example:

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
    emit(fmt, output, show_personal_data, table=lambda: trace_table(result), data=result.as_dict,
         csv=lambda: csv_sections(trace_tables(result, rulebook)),
         xlsx=lambda show: xlsx_of(trace_tables(result, rulebook), show, f"责任链 {result.subject} {result.subject_id}"))
