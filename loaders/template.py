"""Fill-in .xlsx templates for the rosters of a pack: the sheet a clerk fills and a 填表说明.

Each roster's data sheet has the pack's example row above the canonical header (a title row,
which the loader skips: an untouched template loads nothing), drop-down lists from the pack's
vocabularies, whole columns formatted as text (ids, 身份证号) or as dates, a prompt on every
column and widths that fit. The 填表说明 sheet (skipped by the loader by its name) says for each
column whether it must be filled, what it means, the forms accepted and the other header
names recognised (:mod:`.guide`); for a findings roster how to name each type of object, for a
duty log the evidence items. Every word comes from the rulebook and its pack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..graph.pack import Roster
from ..graph.rules import Rulebook
from .guide import (DATE_FORMS, MAY_BE_EMPTY, OPTIONAL_COLUMN, REQUIRED, ColumnGuide, column_guides, display_width,
                    text_columns)

__all__ = ["write_templates", "text_columns", "GUIDE_SHEET", "EXAMPLE_MARK"]

#: The instructions sheet's name: the loader skips a sheet of this name.
GUIDE_SHEET = "填表说明"
#: The first cell of the example row above the header.
EXAMPLE_MARK = "示例（不导入）"


_FILL = {REQUIRED: "F8CBAD", MAY_BE_EMPTY: "DDEBF7", OPTIONAL_COLUMN: "EDEDED"}
_LAST_ROW = 1048576
_FIRST_DATA_ROW = 3  # row 1: the example, row 2: the header
_GUIDE_WIDTHS = {"A": 20, "B": 8, "C": 44, "D": 48, "E": 26, "F": 18}
_PROMPT, _ERROR = 255, 225  # Excel's limits for a validation's input message and error alert
_LIST_COLUMN = 8  # drop-down lists too long to write inline go to the guide sheet from column H


def write_templates(directory: str | Path, rulebook: Rulebook) -> list[Path]:
    """One workbook per roster of the rulebook's pack, and ``全部清单.xlsx`` with every roster's
    sheet; each has a 填表说明 sheet. Returns the paths written."""
    from openpyxl import Workbook

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    everything = Workbook()
    everything.remove(everything.active)
    every_guide = everything.create_sheet(GUIDE_SHEET)
    every_lists = _Lists(every_guide)
    sections = []
    for roster in rulebook.pack.rosters:
        guides = column_guides(rulebook, roster)
        wb = Workbook()
        ws = wb.active
        ws.title = roster.name
        guide = wb.create_sheet(GUIDE_SHEET)
        _data_sheet(ws, roster, guides, _Lists(guide))
        _guide_sheet(guide, rulebook, [(roster, guides)])
        path = directory / f"{roster.name}.xlsx"
        _save(wb, path, rulebook)
        written.append(path)
        _data_sheet(everything.create_sheet(roster.name), roster, guides, every_lists)
        sections.append((roster, guides))
    _guide_sheet(every_guide, rulebook, sections)
    everything.move_sheet(GUIDE_SHEET, offset=len(everything.sheetnames) - 1)
    everything.active = 0
    path = directory / "全部清单.xlsx"
    _save(everything, path, rulebook)
    written.append(path)
    return written


def _save(wb: Any, path: Path, rulebook: Rulebook) -> None:
    wb.properties.creator = "zeren"
    wb.properties.title = f"{rulebook.title} 名单模板"
    wb.save(path)


class _Lists:
    """Drop-down sources: inline when Excel allows (≤ 255 characters), else a column of the
    guide sheet (which the loader skips), each list written once."""

    def __init__(self, guide: Any):
        self.guide = guide
        self.refs: dict[tuple[str, ...], str] = {}
        self.next = _LIST_COLUMN

    def formula(self, name: str, items: tuple[str, ...]) -> str:
        inline = '"' + ",".join(items) + '"'
        if len(inline) <= 255 and not any("," in x or '"' in x for x in items):
            return inline
        if items not in self.refs:
            from openpyxl.styles import Font
            from openpyxl.utils import get_column_letter

            col = self.next
            self.next += 1
            letter = get_column_letter(col)
            head = self.guide.cell(row=1, column=col, value=f"{name}（下拉选项）")
            head.font = Font(bold=True)
            for r, item in enumerate(items, start=2):
                self.guide.cell(row=r, column=col, value=item).number_format = "@"
            self.guide.column_dimensions[letter].width = max(12, max(display_width(x) for x in items) + 2)
            title = self.guide.title.replace("'", "''")
            self.refs[items] = f"'{title}'!${letter}$2:${letter}${len(items) + 1}"
        return self.refs[items]


def _data_sheet(ws: Any, roster: Roster, guides: list[ColumnGuide], lists: _Lists) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    grey = Font(italic=True, color="7F7F7F")
    if any(g.example for g in guides):  # (a pack without a fitting example leaves row 1 empty)
        mark = ws.cell(row=1, column=1, value=EXAMPLE_MARK)
        mark.font = Font(italic=True, bold=True, color="7F7F7F")
    head = ws.cell(row=2, column=1, value="序号")
    head.font = Font(bold=True)
    head.alignment = Alignment(horizontal="center")
    ws.column_dimensions["A"].width = display_width(EXAMPLE_MARK) + 2
    for j, g in enumerate(guides, start=2):
        letter = get_column_letter(j)
        example = ws.cell(row=1, column=j, value=g.example or None)
        example.font = grey
        cell = ws.cell(row=2, column=j, value=g.name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_FILL[g.need])
        cell.alignment = Alignment(horizontal="center", vertical="center")
        dim = ws.column_dimensions[letter]
        dim.width = g.width
        if g.format == "text":
            dim.number_format = "@"  # the whole column: Excel never makes a number of an id
        elif g.format == "date":
            dim.number_format = "yyyy-mm-dd"
        dv = _validation(g, lists, DataValidation)
        dv.add(f"{letter}{_FIRST_DATA_ROW}:{letter}{_LAST_ROW}")
        ws.add_data_validation(dv)
    ws.freeze_panes = f"A{_FIRST_DATA_ROW}"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _validation(g: ColumnGuide, lists: _Lists, DataValidation: Any) -> Any:
    """The column's drop-down or check, with its prompt (shown when a cell is selected)."""
    prompt = f"{g.need}。{g.meaning}" + (f"。{g.forms}" if g.forms else "") + (f"。例：{g.example}" if g.example else "")
    common = dict(showInputMessage=True, promptTitle=g.name[:32], prompt=_cut(prompt, _PROMPT), allow_blank=True)
    if g.choices:
        dv = DataValidation(type="list", formula1=lists.formula(g.name, g.choices), showErrorMessage=True,
                            errorStyle="stop" if g.strict else "warning", errorTitle=g.name[:32],
                            error=_cut(("须为下拉列表中的值" if g.strict else "不在下拉列表中；确认无误可继续")
                                       + "：" + "、".join(g.choices), _ERROR), **common)
    elif g.format == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="DATE(1949,10,1)", showErrorMessage=True,
                            errorStyle="warning", errorTitle=g.name[:32],
                            error="请填写日期，如 2019-03-01（也可写 2019/3/1、2019年3月1日）", **common)
    elif "18位" in g.forms:
        dv = DataValidation(type="textLength", operator="equal", formula1="18", showErrorMessage=True,
                            errorStyle="warning", errorTitle=g.name[:32], error="身份证号应为18位（末位可为X），以文本录入",
                            **common)
    else:
        dv = DataValidation(**common)
    return dv


def _cut(s: str, n: int) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"


def _guide_sheet(ws: Any, rb: Rulebook, sections: list[tuple[Roster, list[ColumnGuide]]]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    bold, fill, wrap = Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), Alignment(wrap_text=True,
                                                                                           vertical="top")
    for letter, width in _GUIDE_WIDTHS.items():
        ws.column_dimensions[letter].width = width
    row = 1

    def line(*values: Any, font: Any = None, header: bool = False) -> None:
        nonlocal row
        for j, v in enumerate(values, start=1):
            cell = ws.cell(row=row, column=j, value=v)
            if isinstance(v, str):
                cell.number_format = "@"
            if header:
                cell.font, cell.fill = bold, fill
            elif font is not None:
                cell.font = font
            if len(values) > 1:
                cell.alignment = wrap
        if len(values) > 1:  # wrapped cells: a height for the longest (Excel does not always fit it)
            widths = list(_GUIDE_WIDTHS.values())
            lines = max(-(-display_width(str(v)) // max(1, widths[j] - 1)) for j, v in enumerate(values) if v)
            if lines > 1:
                ws.row_dimensions[row].height = 15 * lines
        row += 1

    span = sum(_GUIDE_WIDTHS.values())

    def note(text: str) -> None:  # a paragraph across the table's width (a merged cell sets no height: give it)
        nonlocal row
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(_GUIDE_WIDTHS))
        cell = ws.cell(row=row, column=1, value=text)
        cell.alignment = wrap
        ws.row_dimensions[row].height = 16 * -(-display_width(text) * 11 // (span * 10))
        row += 1

    line(f"{rb.title}：名单模板填表说明", font=Font(bold=True, size=14))
    note(f"规则手册 {rb.name}（{rb.document}）。本表（{GUIDE_SHEET}）不会被导入，可以保留。")
    note("各名单表：第1行为填写示例（不导入），第2行为表头（请勿改动表头文字），从第3行起每行填写一条；选中单元格时显示该列的填写提示。")
    note("表头颜色：橙色＝必填；蓝色＝可留空；灰色＝可选列（整列可删除）。序号列可填可不填。")
    note(f"{DATE_FORMS}。编号、身份证号等列已整列设为文本格式，请勿改为数值（Excel 只保留15位有效数字，18位身份证号会被改坏）。")
    for roster, guides in sections:
        row += 1
        line(f"{roster.name}表", font=Font(bold=True, size=12))
        for text in _roster_notes(rb, roster):
            note(text)
        line("列名", "填写", "含义", "可接受的写法", "也可识别的表头", "示例", header=True)
        for g in guides:
            line(g.name, g.need, g.meaning, g.forms, "、".join(g.aliases), g.example)
        if roster.record == "finding":
            row += 1
            line("问题类型", None, "对象类型", header=True)  # (column B is narrow: the text goes in C)
            for ftype, objects in rb.finding_types.items():
                line(ftype, None, "、".join(objects))
            row += 1
            line("对象类型", None, "对象的写法", header=True)
            for word, spec in rb.pack.model.objects.items():
                line(word, None, spec.hint or f"{rb.pack.model.label(spec.kind)}的名称")
        if roster.record == "duty":
            row += 1
            line("履职事项", "条款", "职责", "要求", header=True)
            for item in rb.evidence():
                duties = [d for d in rb.duties if d.evidence == item]
                line(item, "、".join(dict.fromkeys(d.clause for d in duties)), "；".join(d.what for d in duties),
                     "；".join(f"{d.frequency}不少于{d.at_least:g}{d.unit}" for d in duties))
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:F{row}"


def _roster_notes(rb: Rulebook, roster: Roster) -> list[str]:
    notes = []
    model = rb.pack.model
    scopes = [g.scope for g in roster.groups if g.scope]
    if roster.valid and scopes:
        scope = scopes[0]
        where = model.label(model.root) if scope == "root" else model.label(roster.slot(scope).kind)  # type: ignore
        notes.append(f"本表是名单快照：同一{where}内上次导入有、这次没有的任职视为已结束，终止于快照日期的前一天（快照日期默认取该"
                     f"{where}各行最晚的{roster.valid[0]}）。只补充或更正几行时，请以“补充更正”方式导入。")
    return notes
