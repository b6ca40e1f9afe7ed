"""Reading roster files as streams of rows, so a load's memory does not grow with the file.

The same files, rules and refusals as :mod:`zeren.loaders.tabular` (its encoding sniffing,
its cell checks; workbooks checked by :mod:`zeren.loaders.workbook` before calamine reads
them), but a sheet keeps only its first rows in memory (where the header is looked for); its
data rows are read again, one at a time, when the loader asks for them. Row numbers are the
ones a user sees: the first row of a file or sheet is row 1.

Each full read checks every text cell as it passes (:class:`~zeren.loaders.tabular._Cells`):
a row holding a refused cell is given to the loader as a blank row, and once the stream has
ended its problems are raised together (:class:`InputError`), as reading the whole file
first would have raised them.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from ..graph.errors import InputError, Problem
from .tabular import _WORKBOOKS, _Cells, _oversized, _sniff, file_suffix
from .values import MAX_CELL
from .workbook import _BROKEN, _short, read_workbook

__all__ = ["StreamSheet", "open_file", "HEAD"]

HEAD = 14  # rows kept in memory: the header is looked for in the first 12 (and the row below)


@dataclass
class StreamSheet:
    """One CSV file or one sheet of a workbook: its first rows, and a way to read them all."""

    file: str
    name: str  # '' for CSV
    head: list[list[object]]  # head[i] is spreadsheet row i + 1
    source: Callable[[], Iterator[list[object]]] = field(repr=False)  # every row, from row 1, unchecked
    encoding: str = ""
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    count_rows: Callable[[], int] | None = field(default=None, repr=False)

    def height(self) -> int:
        """About how many rows the sheet has (a CSV's lines), for a progress bar: not read."""
        return self.count_rows() if self.count_rows else len(self.head)

    def rows_from(self, start: int) -> Iterator[tuple[int, list[object]]]:
        """(spreadsheet row number, cells) of every row after the first ``start`` rows. Every
        row's text cells are checked, those above too (a refused row reads as blank); the
        problems are raised when the stream ends."""
        cells = _Cells(self.file, self.name)
        check = cells.check
        for i, row in enumerate(self.source(), start=1):
            clean = check(i, row)
            if i > start:
                yield i, row if clean else []
        cells.raise_if_any()

    def has_data(self) -> bool:
        """Whether any cell of the sheet holds something (read through when the head is empty)."""
        for cells in self.source():
            for c in cells:
                if c is not None and (type(c) is not str or c.strip()):
                    return True
        return False


def open_file(path: str | Path) -> list[StreamSheet]:
    """The sheets of a roster file; refused (:class:`InputError`) as :func:`read_file` refuses."""
    path = Path(path)
    suffix = file_suffix(path)
    if suffix in _WORKBOOKS:
        return read_workbook(path, lambda name, rows, merged: _sheet(str(path), name, rows, "xlsx", merged),
                             rows=_calamine_rows(str(path)))
    return [_open_csv(path)]


def _head(source: Callable[[], Iterator[list[object]]]) -> list[list[object]]:
    return list(islice(source(), HEAD))


def _sheet(file: str, name: str, source: Callable[[], Iterator[list[object]]], encoding: str,
           merged: list | None = None, count_rows: Callable[[], int] | None = None) -> StreamSheet:
    head = _head(source)
    width = max(map(len, head), default=0)
    # A merged range reaching past the cells (a whole row merged) ends at the last column.
    clipped = [((r0, c0), (r1, min(c1, width - 1))) for (r0, c0), (r1, c1) in merged or [] if c0 < width]
    return StreamSheet(file, name, head, source, encoding=encoding, merged=clipped,
                       count_rows=count_rows or getattr(source, "height", None))


def _csv_error(path: Path, encoding: str, err: csv.Error, read: int) -> InputError:
    """The refusal of a CSV that ``csv.reader`` could not read past row ``read + 1``."""
    if "field larger than field limit" in str(err):
        column, length = _oversized(path, encoding, read)
        return InputError([Problem(
            str(path), f"单元格长 {length} 个字符以上，超过 CSV 单元格上限 {csv.field_size_limit()}"
                       f"（任何单元格都不应超过 {MAX_CELL} 个字符）；请核对引号是否成对", row=read + 1,
            column=column)])
    return InputError([Problem(str(path), f"CSV 格式错误（{err}）；请在 Excel 中另存为“CSV UTF-8”", row=read + 1)])


def _open_csv(path: Path) -> StreamSheet:
    encoding = _sniff(path)

    def source() -> Iterator[list[object]]:
        with path.open(encoding=encoding, newline="", errors="strict") as fh:
            rows = csv.reader(fh)
            read = 0
            try:
                for row in rows:
                    read += 1
                    yield row
            except csv.Error as err:  # a NUL byte, a field past the size limit …
                raise _csv_error(path, encoding, err, read) from None

    def lines() -> int:
        n, last = 0, b"\n"
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                n += chunk.count(b"\n")
                last = chunk[-1:]
        return n + (last != b"\n")

    return _sheet(str(path), "", source, "gb18030" if encoding == "gb18030" else encoding, count_rows=lines)


def _calamine_rows(file: str) -> Callable[[object], Callable[[], Iterator[list[object]]]]:
    """A calamine sheet → a reader of its rows from A1 (``iter_rows`` starts at row 1 but at the
    first used column, so the columns left of it are put back, as ``to_python(skip_empty_area=False)``
    gives them). An error calamine raises while streaming is one line naming file and sheet."""

    def rows(sheet: object) -> Callable[[], Iterator[list[object]]]:
        start = sheet.start  # type: ignore[attr-defined]
        pad = [""] * (start[1] if start else 0)
        name = getattr(sheet, "name", "")

        def source() -> Iterator[list[object]]:
            if start is None:  # an empty sheet
                return
            try:
                for cells in sheet.iter_rows():  # type: ignore[attr-defined]
                    yield pad + cells if pad else list(cells)
            except BaseException as err:  # calamine's errors, a Rust panic (pyo3's PanicException)
                if isinstance(err, (InputError, GeneratorExit, KeyboardInterrupt)):
                    raise
                raise InputError([Problem(file, f"无法读取，文件已损坏（{type(err).__name__}: {_short(err)}）；"
                                                f"{_BROKEN}", sheet=name)]) from None

        source.height = lambda: sheet.height  # type: ignore[attr-defined]
        return source

    return rows
