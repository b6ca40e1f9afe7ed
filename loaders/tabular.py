"""Reading CSV and .xlsx files into sheets of typed cells, with the row numbers a user sees.

CSV: ``utf-8-sig`` strictly, then ``gb18030`` strictly (Excel's "CSV" on Chinese Windows),
then UTF-16 by its BOM; otherwise refuse. .xlsx: python-calamine (fast), which also reports
merged ranges, so a group heading merged over several columns names each of them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..graph.errors import InputError, Problem

__all__ = ["Sheet", "read_file"]


@dataclass
class Sheet:
    file: str
    name: str  # '' for CSV
    rows: list[list[object]]  # rows[i] is spreadsheet row i + 1
    encoding: str = ""
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def read_file(path: str | Path) -> list[Sheet]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        return [_read_csv(path)]
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        return _read_workbook(path)
    raise InputError([Problem(str(path), "不支持的文件类型；请用 .xlsx 工作簿或 .csv 文件")])


def _read_csv(path: Path) -> Sheet:
    data = path.read_bytes()
    candidates = ["utf-8-sig", "gb18030"]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        candidates = ["utf-16"]
    for encoding in candidates:
        try:
            content = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError([Problem(str(path), "无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030）；"
                                             "请在 Excel 中另存为“CSV UTF-8”后重新导入")])
    rows = [list(r) for r in csv.reader(io.StringIO(content, newline=""))]
    return Sheet(str(path), "", rows, encoding="gb18030" if encoding == "gb18030" else encoding)


def _read_workbook(path: Path) -> list[Sheet]:
    import python_calamine as pc

    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except Exception as err:  # calamine raises its own error types for broken files
        raise InputError([Problem(str(path), f"无法读取工作簿（{err}）；请确认文件未损坏且是 Excel 格式")]) from err
    sheets = []
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        try:
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
        except Exception as err:
            raise InputError([Problem(str(path), f"无法读取工作表（{err}）", sheet=name)]) from err
        sheets.append(Sheet(str(path), name, [list(r) for r in rows], encoding="xlsx", merged=merged))
    return sheets
