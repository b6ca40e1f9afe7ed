"""zeren report: the documents an office files — a 责任倒查 report, the quarter's 通报 or workbook."""

from __future__ import annotations

import os

import click

from ..graph.errors import ZerenError
from .main import Context, _day, _window, cli, pass_ctx, personal_option, trace_window_options


@cli.group()
def report() -> None:
    """写出公文：责任倒查报告（Word/PDF）、季度核查（Excel/Word/PDF） (write documents)."""


def _format(output: str, allowed: tuple[str, ...]) -> str:
    fmt = os.path.splitext(output)[1].lower().lstrip(".")
    if fmt not in allowed:
        raise ZerenError(f"{output}: 未知的文件类型“.{fmt}”；可用：.{', .'.join(allowed)} (unknown document type)")
    return fmt


def _write(output: str, data: bytes, personal: bool) -> None:
    """Write the file; with personal data unmasked, readable by its owner only (0600)."""
    if not personal:
        with open(output, "wb") as fh:
            fh.write(data)
        return
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)  # an existing file keeps its mode through O_CREAT
        fh.write(data)


def output_option(allowed: tuple[str, ...]):
    return click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
                        help=f"输出文件，类型由扩展名决定：.{', .'.join(allowed)} (output file).")


@report.command("trace")
@click.argument("subject", metavar="KIND")
@click.argument("ident", metavar="ID")
@output_option(("docx", "pdf"))
@trace_window_options
@personal_option
@pass_ctx
def report_trace(obj: Context, subject, ident, output, at, date_from, date_to, period, show_personal_data) -> None:
    """一个对象或一条督查发现的责任倒查报告（Word 或 PDF） (the 责任倒查报告 of an object or a finding).

    The findings, the chain with the roster row behind each link, each liability with its
    clause's text, arithmetic and consequence, the diagram, the rulebook and data batches,
    and room for signatures.

    示例 Example:

        zeren report trace plan P621101027119 -o 倒查报告.docx

        zeren report trace finding 12 -o 督查发现12.pdf
    """
    from ..documents.report import trace_report

    fmt = _format(output, ("docx", "pdf"))
    lo = hi = None
    if period or date_from or date_to:
        lo, hi = _window(date_from, date_to, period)
    with obj.open() as store:
        data = trace_report(store, subject, ident, fmt=fmt, at=_day(at), date_from=lo, date_to=hi,
                            show_personal_data=show_personal_data)
    _write(output, data, show_personal_data)
    click.echo(output)


@report.command("check")
@click.option("--period", metavar="PERIOD", help="期间：2019Q2、2019H1、2019 或 2019-05 (the window).")
@click.option("--from", "date_from", metavar="DATE", help="期间首日（含） (first day, inclusive).")
@click.option("--to", "date_to", metavar="DATE", help="期间末日（含） (last day, inclusive).")
@click.option("--township", metavar="NAME", help="只看这个乡镇 (only this township).")
@output_option(("xlsx", "docx", "pdf"))
@personal_option
@pass_ctx
def report_check(obj: Context, period, date_from, date_to, township, output, show_personal_data) -> None:
    """季度核查：每条责任一行（.xlsx），或按条款和乡镇的通报（.docx、.pdf） (the quarter as a document).

    示例 Example:

        zeren report check --period 2019Q2 -o 2019Q2.xlsx

        zeren report check --period 2019Q2 --township 马营镇 -o 马营镇通报.pdf
    """
    from ..documents.report import check_report

    fmt = _format(output, ("xlsx", "docx", "pdf"))
    lo, hi = _window(date_from, date_to, period)
    with obj.open() as store:
        data = check_report(store, lo, hi, fmt=fmt, township=township, show_personal_data=show_personal_data)
    _write(output, data, show_personal_data)
    click.echo(output)
