"""Spreadsheet outputs of check, trace and gaps — CSV that Excel opens as it is, and .xlsx — and
``emit``, which writes the format a command was asked for to the screen or to ``-o FILE``.

CSV and .xlsx come from the same tables (a title, Chinese headers, rows): yes/no reads 是/否,
a post reads as its label (never role syntax), a source row reads ``名单.csv:第4行``.
CSV (:func:`zeren.cli.format.csv_sections`): UTF-8 with a BOM, cells Excel would run as formulas
quoted, ids Excel would damage written ``="…"``; a trace's CSV has one section per table.
.xlsx (:mod:`zeren.documents.xlsx`): one sheet per table, every text cell typed as text.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from ..graph.errors import ZerenError

__all__ = ["format_options", "resolve_format", "emit", "liability_table", "trace_tables", "gaps_table",
           "LIABILITY_COLUMNS"]

Table = tuple[str, list[str], list[list[Any]]]

#: A liability's columns in CSV and .xlsx (their Chinese headers: zeren.documents.xlsx.HEADERS).
LIABILITY_COLUMNS = ["clause", "rule", "triggered", "kind", "post", "person", "body", "scope", "date", "numerator",
                     "denominator", "threshold", "near_miss", "consequence", "by", "findings", "explanation",
                     "tenure", "days_in_post", "holder_at_finding", "source"]
_DATES = ("日期", "发现日期")  # columns an .xlsx writes as date cells
_EXTENSIONS = {".xlsx": "xlsx", ".csv": "csv", ".json": "json"}


def format_options(command: Callable) -> Callable:
    """``--format table|json|csv|xlsx`` and ``-o/--output FILE`` (the format follows the file's
    extension when --format is not given)."""
    command = click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
                           help="写入文件而非屏幕（xlsx 必须给出）；未给 --format 时按扩展名 .xlsx/.csv/.json 决定格式。 "
                                "Write to FILE.")(command)
    return click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default=None,
                        help="table（默认，表格）、json（程序读取）、csv（Excel 可直接打开）或 xlsx（Excel 工作簿，"
                             "需 -o）。")(command)


def resolve_format(fmt: str | None, output: str | None) -> str:
    """The format asked for: --format, else the output file's extension, else table."""
    ext = os.path.splitext(output or "")[1].lower()
    if fmt is None:
        fmt = _EXTENSIONS.get(ext, "table")
    elif ext in _EXTENSIONS and _EXTENSIONS[ext] != fmt:
        raise ZerenError(f"输出文件 {output} 的扩展名与 --format {fmt} 不符 (file extension does not match --format)")
    if fmt == "xlsx" and not output:
        raise ZerenError("xlsx 是 Excel 工作簿，不能输出到屏幕：请用 -o 文件名.xlsx 指定文件 (--format xlsx needs -o FILE)")
    return fmt


def emit(fmt: str, output: str | None, show_personal_data: bool, *, table: Callable[[], str],
         data: Callable[[], Any], csv: Callable[[], str], xlsx: Callable[[bool], bytes]) -> None:
    """Print or write one result in ``fmt``; personal data masked unless asked for (a file that
    holds it unmasked is readable by its owner only)."""
    from ..graph.privacy import mask_text
    from .format import full_width, json_text, terminal_text

    if fmt == "xlsx":
        payload = xlsx(show_personal_data)
    else:
        if fmt == "table":
            if output:
                with full_width():  # a file gets every cell whole, whatever the terminal
                    text = terminal_text(table())
            else:
                text = terminal_text(table())
        elif fmt == "json":
            text = json_text(data())
        else:
            text = csv()  # (its writer escapes control characters itself)
        text = text if show_personal_data else mask_text(text)
        if not output:
            if show_personal_data:
                from ..graph.projectfile import protect_stream

                if protect_stream(sys.stdout):
                    click.echo("输出含个人信息：已将输出文件的权限设为仅本人可读 (0600)。", err=True)
            click.echo(text)
            return
        payload = (text if text.endswith("\n") else text + "\n").encode("utf-8")
    from .report import _write

    _write(output, payload, show_personal_data)
    click.echo(output)


# -- tables ------------------------------------------------------------------------------------
def liability_table(liabilities: Sequence[Any], rulebook: Any = None, title: str = "责任") -> Table:
    """Every liability (triggered or not) as a row under Chinese headers."""
    from ..documents.parts import liability_cells
    from ..documents.xlsx import HEADERS

    return title, [HEADERS[c] for c in LIABILITY_COLUMNS], [liability_cells(li.as_dict(), LIABILITY_COLUMNS, rulebook)
                                                            for li in liabilities]


def trace_tables(result: Any, rulebook: Any = None) -> list[Table]:
    """A trace as tables: 概要, 督查发现, 责任链 (every link: its post, holder, edge and source row),
    责任 (triggered and not), then 常设责任, 无法认定, 数据警告 where there are any."""
    from ..documents.parts import post_text, where

    obj = result.object
    subject = result.title(rulebook)
    tables: list[Table] = [
        ("概要", ["项目", "内容"], [
            ["追溯对象", f"{subject}（{obj.get('name', '')}）"],
            ["认定日期", result.at],
            ["评估期间", f"{result.date_from} 至 {result.date_to}"],
            ["规则手册", result.rulebook],
            ["督查发现", len(result.findings)],
            ["触发的责任", sum(1 for li in result.liabilities if li.triggered)]]),
        ("督查发现", ["编号", "发现日期", "问题类型", "对象类型", "对象", "督查主体", "说明", "来源"],
         [[str(f.n), f.date, f.type, f.object_type, f.object_text, f.inspector, f.note, where(f.provenance.as_dict())]
          for f in result.findings]),
        ("责任链", ["序号", "环节", "职务/名称", "责任人", "机构", "关系", "来源"],
         [[i, c.label, c.name, c.person or "", c.body,
           f"{c.origin} —{c.edge_label}→ {c.target}" if c.edge else "", where(c.holding_source or c.source)]
          for i, c in enumerate(result.chain, start=1)]),
        liability_table(result.liabilities, rulebook),
    ]
    if result.standing:
        tables.append(liability_table(result.standing, rulebook, "常设责任"))
    if result.unresolved:
        tables.append(("无法认定", ["条款", "规则", "责任类型", "职务", "机构", "范围", "日期", "原因", "处理建议", "督查发现"],
                       [[u.clause, u.rule, u.kind, post_text(u.post, rulebook), u.body, u.scope or "", u.date or "",
                         u.reason, u.hint, "、".join(f"#{n}" for n in u.findings)] for u in result.unresolved]))
    if result.warnings:
        tables.append(("数据警告", ["督查发现", "警告", "来源"],
                       [[f"#{w.finding}" if w.finding else "", w.message, where(w.source)] for w in result.warnings]))
    return tables


def gaps_table(found: Sequence[Any], day: str, level: str) -> Table:
    """The gaps of a day: 日期, 类型, the first-level place (``level``: 乡镇), 对象, 说明."""
    return "空缺", ["日期", "类型", level, "对象", "说明"], [[day, g.kind, g.scope, g.object, g.detail] for g in found]


def xlsx_of(tables: Sequence[Table], show_personal_data: bool, title: str) -> bytes:
    """The tables as a workbook; a 概要 table goes last, as the workbook's 说明 sheet."""
    from ..documents.xlsx import tables_workbook

    ordered = [t for t in tables if t[0] != "概要"] + [("说明", t[1], t[2]) for t in tables if t[0] == "概要"]
    return tables_workbook(ordered, show_personal_data=show_personal_data, title=title, dates=_DATES)
