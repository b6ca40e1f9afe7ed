"""A check result as an Excel workbook (openpyxl): every liability a row, for filtering.

Sheets: 汇总 (liabilities by township × kind, then by clause × kind), 全部责任 (every entry,
triggered or not, with the columns of ``zeren check --format csv`` under Chinese headers),
督查发现, one sheet per clause, then 常设责任 / 无法认定 / 数据警告 where there are any, and
说明. Every sheet has its header row frozen and an auto filter; identifiers (户编号, 计划编号,
rule ids, finding numbers) are text cells formatted as text, so Excel never turns
621101027119 into 6.21101E+11; booleans read 是/否; a cell that starts with "=" stays text.
:func:`tables_workbook` writes any other tables (a trace, the gaps) the same way.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..graph.privacy import mask_text
from ..graph.rules import Rulebook
from .parts import (
    COUNTY_ROW,
    MIXED_ROW,
    cell_date,
    cn_date,
    liability_cells,
    period_label,
    place_levels,
    township_of,
    township_rows,
    where,
)

__all__ = ["check_workbook", "tables_workbook", "HEADERS", "COLUMNS"]

#: The liability columns (zeren.cli.export.LIABILITY_COLUMNS) and their headers in CSV and the workbook.
HEADERS = {"clause": "条款", "rule": "规则", "triggered": "是否触发", "kind": "责任类型", "post": "职务",
           "person": "责任人", "body": "机构", "scope": "范围", "township": "乡镇", "date": "日期", "numerator": "分子",
           "denominator": "分母", "threshold": "阈值", "near_miss": "临界", "consequence": "后果", "by": "决定机关",
           "findings": "督查发现", "explanation": "依据", "tenure": "任职期间", "days_in_post": "到任天数",
           "holder_at_finding": "发现时在职",
           "source": "任职来源"}
COLUMNS = ["clause", "rule", "triggered", "kind", "post", "person", "body", "scope", "township", "date", "numerator",
           "denominator", "threshold", "near_miss", "consequence", "by", "findings", "explanation", "source"]
_OPTIONAL = ["tenure", "days_in_post", "holder_at_finding"]  # shown when the engine provides them
_MAX_WIDTH = 60  # characters (a CJK character counts two)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def check_workbook(result: Any, *, show_personal_data: bool = False, townships: Mapping[int, str] | None = None,
                   rulebook: Rulebook | None = None, today: str | None = None) -> bytes:
    """The .xlsx bytes of a :class:`~zeren.queries.check.CheckResult`.

    ``townships`` (finding number → township, from :func:`zeren.documents.parts.finding_townships`)
    fills the 乡镇 column and the summary; without it a liability's township is read from its
    scope where the scope names one. ``rulebook`` adds each clause's title to the summary.
    """
    from openpyxl import Workbook

    townships = townships or {}
    mask = (lambda s: s) if show_personal_data else mask_text
    entries = [li.as_dict() for li in result.liabilities]
    levels = place_levels(rulebook)
    for d in entries:
        d["township"] = township_of(d, townships, levels)
    columns = COLUMNS[:-1] + [c for c in _OPTIONAL if any(d.get(c) for d in entries)] + COLUMNS[-1:]

    wb = Workbook()

    def sheet(name: str, headers: list[str], rows: list[list[Any]]) -> None:
        _sheet(wb, name, headers, [[mask(v) if isinstance(v, str) else v for v in r] for r in rows])

    summary = wb.active
    summary.title = "汇总"
    _summary(summary, [d for d in entries if d["triggered"]], townships, rulebook)
    sheet("全部责任", [HEADERS[c] for c in columns], [_row(d, columns, rulebook) for d in entries])
    sheet("督查发现", ["编号", "发现日期", "督查主体", "问题类型", "对象类型", "对象", "乡镇", "说明", "来源"],
           [[str(f.n), cell_date(f.date), f.inspector, f.type, f.object_type, f.object_text,
             townships.get(f.n, ""), f.note, where(f.provenance.as_dict())] for f in result.findings])
    order = [c.id for c in rulebook.clauses] if rulebook else []
    clauses = sorted({d["clause"] for d in entries}, key=lambda c: (order.index(c) if c in order else len(order), c))
    for clause in clauses:
        sheet(_clause_sheet(clause, rulebook), [HEADERS[c] for c in columns],
               [_row(d, columns, rulebook) for d in entries if d["clause"] == clause])
    standing = [li.as_dict() for li in getattr(result, "standing", [])]
    for d in standing:
        d["township"] = township_of(d, townships, levels)
    if standing:
        cols = ["clause", "rule", "kind", "post", "person", "body", "scope", "township", "date", "findings", "source"]
        sheet("常设责任", [HEADERS[c] for c in cols], [_row(d, cols, rulebook) for d in standing])
    unresolved = list(getattr(result, "unresolved", []))
    if unresolved:
        sheet("无法认定", ["条款", "规则", "责任类型", "职务", "机构", "范围", "日期", "原因", "处理建议", "督查发现"],
               [[u.clause, u.rule, u.kind, u.post, u.body, u.scope or "", cell_date(u.date), u.reason,
                 u.hint, " ".join(map(str, u.findings))] for u in unresolved])
    warnings = list(getattr(result, "warnings", []))
    if warnings:
        sheet("数据警告", ["督查发现", "警告", "来源"],
               [[str(w.finding or ""), w.message, where(w.source)] for w in warnings])
    _about(wb, result, rulebook, today or date.today().isoformat())
    wb.properties.creator = "zeren"
    wb.properties.title = f"责任清单核查 {result.date_from} 至 {result.date_to}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def tables_workbook(tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]], *,
                    show_personal_data: bool = False, title: str = "", dates: Sequence[str] = ()) -> bytes:
    """The .xlsx bytes of any tables — ``(sheet name, headers, rows)`` each, one sheet per table —
    written as :func:`check_workbook` writes its sheets: text cells typed as text (ids stay ids),
    ISO dates under the ``dates`` headers as date cells, header frozen, filters, widths; strings
    masked unless ``show_personal_data``."""
    from openpyxl import Workbook

    mask = (lambda s: s) if show_personal_data else mask_text
    wb = Workbook()
    first = wb.active
    for i, (name, headers, rows) in enumerate(tables):
        dated = {j for j, h in enumerate(headers) if h in dates}
        body = [[cell_date(v) if j in dated else mask(v) if isinstance(v, str) else v for j, v in enumerate(r)]
                for r in rows]
        if i == 0:
            first.title = _sheet_name(wb, name)
        _sheet(wb, name, list(headers), body, first=first if i == 0 else None)
    wb.properties.creator = "zeren"
    wb.properties.title = title
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _clause_sheet(clause: str, rulebook: Rulebook | None) -> str:
    """``四.4 全面落实“一户一策”精准脱贫帮扶计划`` (Excel allows 31 characters)."""
    try:
        title = rulebook.clause(clause).title if rulebook else ""
    except KeyError:
        title = ""
    return f"{clause} {title}".strip()[:31]


def _row(d: Mapping[str, Any], columns: Sequence[str], rulebook: Rulebook | None = None) -> list[Any]:
    return liability_cells(d, columns, rulebook, typed=True)


def _width(value: Any) -> int:
    from unicodedata import east_asian_width

    if isinstance(value, date):
        return 10
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in str(value if value is not None else ""))


def _sheet(wb: Any, name: str, headers: list[str], rows: list[list[Any]], *, first: Any = None) -> Any:
    ws = first if first is not None else wb.create_sheet(_sheet_name(wb, name))
    _write(ws, headers, rows, start=1)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{_col(len(headers))}{max(1, len(rows) + 1)}"
    # Printed: landscape A4, as wide as the page, the header row on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    return ws


def _sheet_name(wb: Any, name: str) -> str:
    base = _BAD_SHEET_CHARS.sub("-", name)[:31] or "表"
    taken, candidate, n = set(wb.sheetnames), base, 2
    while candidate in taken:
        candidate = f"{base[:28]}-{n}"
        n += 1
    return candidate


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _write(ws: Any, headers: list[str], rows: list[list[Any]], start: int) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for j, h in enumerate(headers, 1):
        cell = ws.cell(row=start, column=j, value=h)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    widths = [_width(h) for h in headers]
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(rows, start + 1):
        for j, v in enumerate(row, 1):
            cell = ws.cell(row=i, column=j)
            cell.value = v
            if isinstance(v, str):
                cell.data_type = "s"  # never a formula, never a number
                cell.number_format = "@"
                if _width(v) > _MAX_WIDTH:  # wrapped in its column instead of running across the row
                    cell.alignment = wrap
            elif isinstance(v, date):
                cell.number_format = "yyyy-mm-dd"
            if i < start + 500:
                widths[j - 1] = max(widths[j - 1], _width(v))
    for j, w in enumerate(widths, 1):
        current = ws.column_dimensions[_col(j)].width or 0
        ws.column_dimensions[_col(j)].width = max(current, min(_MAX_WIDTH, max(6, w + 2)))


def _summary(ws: Any, triggered: list[dict[str, Any]], townships: Mapping[int, str],
             rulebook: Rulebook | None) -> None:
    kinds = [k for k, _ in Counter(d["kind"] for d in triggered).most_common()]
    grouped = township_rows(triggered, townships, place_levels(rulebook))
    names = sorted(grouped, key=lambda t: (t in (COUNTY_ROW, MIXED_ROW), -len(grouped[t]), t))
    rows: list[list[Any]] = []
    for name in names:
        counts = Counter(d["kind"] for d in grouped[name])
        rows.append([name, *[counts.get(k, 0) for k in kinds], len(grouped[name])])
    totals = Counter(d["kind"] for d in triggered)
    rows.append(["合计", *[totals.get(k, 0) for k in kinds], len(triggered)])
    _sheet(ws.parent, "", ["乡镇", *kinds, "合计"], rows, first=ws)
    ws.auto_filter.ref = f"A1:{_col(len(kinds) + 2)}{len(rows)}"  # the 合计 row stays out of the filter
    start = len(rows) + 3
    by_clause: dict[str, list[dict[str, Any]]] = {}
    for d in triggered:
        by_clause.setdefault(d["clause"], []).append(d)
    crow = []
    for clause, group in by_clause.items():
        counts = Counter(d["kind"] for d in group)
        title = ""
        if rulebook is not None:
            try:
                title = rulebook.clause(clause).title
            except KeyError:
                title = ""
        crow.append([clause, *[counts.get(k, 0) for k in kinds], len(group), title])
    _write(ws, ["条款", *kinds, "合计", "内容"], crow, start=start)  # columns aligned with the table above


def _about(wb: Any, result: Any, rulebook: Rulebook | None, today: str) -> None:
    ws = wb.create_sheet("说明")
    lines = [["期间", f"{period_label(result.date_from, result.date_to)}（{result.date_from} 至 {result.date_to}）"],
             ["规则手册", f"{rulebook.title}（{rulebook.document}）" if rulebook else str(result.rulebook)],
             ["督查发现", f"{len(result.findings)} 条"],
             ["认定责任", f"{sum(1 for li in result.liabilities if li.triggered)} 项"],
             ["生成", f"{cn_date(today)}由 zeren 生成"],
             ["说明", "“全部责任”及各条款表含未触发的规则（是否触发 = 否）及其计算结果；乡镇按督查发现所在乡镇归属。"]]
    _sheet(wb, "", ["项目", "内容"], lines, first=ws)
