"""Reading roster files as streams of rows, so a load's memory does not grow with the file.

The same files and rules as :mod:`zeren.loaders.tabular` (CSV in ``utf-8-sig`` strictly, then
``gb18030`` strictly, or UTF-16 by its BOM; .xlsx through python-calamine), but a sheet keeps
only its first rows in memory (where the header is looked for); its data rows are read again,
one at a time, when the loader asks for them. Row numbers are the ones a user sees: the
first row of a file or sheet is row 1.
"""

from __future__ import annotations

import codecs
import csv
from itertools import islice
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..graph.errors import InputError, Problem

__all__ = ["StreamSheet", "open_file", "HEAD"]

HEAD = 14  # rows kept in memory: the header is looked for in the first 12 (and the row below)
_CHUNK = 1 << 22  # bytes decoded at a time when checking a CSV's encoding


@dataclass
class StreamSheet:
    """One CSV file or one sheet of a workbook: its first rows, and a way to read them all."""

    file: str
    name: str  # '' for CSV
    head: list[list[object]]  # head[i] is spreadsheet row i + 1
    reader: Callable[[], Iterator[list[object]]] = field(repr=False)  # every row, from row 1
    encoding: str = ""
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    def rows_from(self, start: int) -> Iterator[tuple[int, list[object]]]:
        """(spreadsheet row number, cells) of every row after the first ``start`` rows."""
        return islice(enumerate(self.reader(), start=1), start, None)

    def has_data(self) -> bool:
        """Whether any cell of the sheet holds something (read through when the head is empty)."""
        for _, cells in self.rows_from(0):
            for c in cells:
                if c is not None and (type(c) is not str or c.strip()):
                    return True
        return False


def open_file(path: str | Path) -> list[StreamSheet]:
    """The sheets of a roster file; refused (:class:`InputError`) as :func:`read_file` refuses."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        return [_open_csv(path)]
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        return _open_workbook(path)
    raise InputError([Problem(str(path), "不支持的文件类型；请用 .xlsx 工作簿或 .csv 文件")])


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes strictly, read a few MiB at a time."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _open_csv(path: Path) -> StreamSheet:
    with path.open("rb") as fh:
        start = fh.read(2)
    candidates = ["utf-16"] if start in (b"\xff\xfe", b"\xfe\xff") else ["utf-8-sig", "gb18030"]
    encoding = next((e for e in candidates if _decodes(path, e)), None)
    if encoding is None:
        raise InputError([Problem(str(path), "无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030）；"
                                             "请在 Excel 中另存为“CSV UTF-8”后重新导入")])

    def reader() -> Iterator[list[object]]:
        with path.open(encoding=encoding, newline="") as fh:
            rows = csv.reader(fh)
            try:
                yield from rows
            except csv.Error as err:  # a NUL byte, a field past the size limit …
                raise InputError([Problem(str(path), f"CSV 文件无法读取（{err}）；请在 Excel 中另存为“CSV UTF-8”后重新导入",
                                          row=rows.line_num or None)]) from None

    head = []
    for cells in reader():
        head.append(cells)
        if len(head) == HEAD:
            break
    return StreamSheet(str(path), "", head, reader, encoding="gb18030" if encoding == "gb18030" else encoding)


def _open_workbook(path: Path) -> list[StreamSheet]:
    import python_calamine as pc

    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except Exception as err:  # calamine raises its own error types for broken files
        raise InputError([Problem(str(path), f"无法读取工作簿（{err}）；请确认文件未损坏且是 Excel 格式")]) from err
    sheets = []
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
            merged = list(sheet.merged_cell_ranges or [])
            reader = _sheet_reader(sheet)
            head = []
            for cells in reader():
                head.append(cells)
                if len(head) == HEAD:
                    break
        except Exception as err:
            raise InputError([Problem(str(path), f"无法读取工作表（{err}）", sheet=name)]) from err
        sheets.append(StreamSheet(str(path), name, head, reader, encoding="xlsx", merged=merged))
    return sheets


def _sheet_reader(sheet: object) -> Callable[[], Iterator[list[object]]]:
    """Rows of a calamine sheet from A1: ``iter_rows`` starts at the first used column, so the
    columns left of it are put back (as ``to_python(skip_empty_area=False)`` gives them)."""
    start = sheet.start  # type: ignore[attr-defined]
    pad = [""] * (start[1] if start else 0)

    def reader() -> Iterator[list[object]]:
        if start is None:  # an empty sheet
            return
        for cells in sheet.iter_rows():  # type: ignore[attr-defined]
            yield pad + cells if pad else list(cells)

    return reader
