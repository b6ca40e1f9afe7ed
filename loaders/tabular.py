"""Reading CSV and .xlsx files into sheets of typed cells, with the row numbers a user sees.

CSV: ``utf-8-sig`` strictly, then ``gb18030`` strictly (Excel's "CSV" on Chinese Windows),
then UTF-16 by its BOM; otherwise refuse, naming the line where decoding fails. A file whose
lines mix UTF-8 and GBK is refused too (decoding it either way would garble part of it),
and so are empty files and files that are not text at all. The file is decoded and parsed
as a stream: memory holds the rows, not the bytes and the text besides.

.xlsx: checked from the outside first (:mod:`zeren.loaders.workbook`: zip bombs, absurd
extents, missing parts), then read with python-calamine (fast), which also reports merged
ranges, so a group heading merged over several columns names each of them.

Every cell of every file is checked as it is read: no control character (a tab or line
break in free text is fine), no U+2028, U+FFFD or bidi override, at most
:data:`~zeren.loaders.values.MAX_CELL` characters; each refused cell is named by row and
column (the spreadsheet column letter), at most :data:`MAX_PROBLEMS` per file.
"""

from __future__ import annotations

import codecs
import csv
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..graph.errors import InputError, Problem
from .values import MAX_CELL, bad_character
from .workbook import column_letter, read_workbook

__all__ = ["Sheet", "read_file", "MAX_PROBLEMS"]

#: Problems listed per file before the rest are only counted.
MAX_PROBLEMS = 50
_CHUNK = 1 << 20
_CJK = re.compile("[\u4e00-\u9fff]")
_WORKBOOKS = {".xlsx", ".xlsm", ".xls", ".ods"}


@dataclass
class Sheet:
    file: str
    name: str  # '' for CSV
    rows: list[list[object]]  # rows[i] is spreadsheet row i + 1
    encoding: str = ""
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def file_suffix(path: Path) -> str:
    """The lower-case extension of a file zeren can read; refused when it cannot (kind, empty)."""
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".txt"} | _WORKBOOKS:
        raise InputError([Problem(str(path), "不支持的文件类型；请用 .xlsx 工作簿或 .csv 文件")])
    if path.stat().st_size == 0:
        raise InputError([Problem(str(path), "文件是空的（0 字节）")])
    return suffix


def read_file(path: str | Path) -> list[Sheet]:
    path = Path(path)
    suffix = file_suffix(path)
    if suffix in _WORKBOOKS:
        return read_workbook(path, lambda name, rows, merged: _sheet(str(path), name, rows, "xlsx", merged))
    return [_read_csv(path)]


# -- cells -------------------------------------------------------------------------------------
class _Cells:
    """Checks every text cell as rows stream past; collects the problems (at most MAX_PROBLEMS)."""

    def __init__(self, file: str, sheet: str):
        self.file = file
        self.sheet = sheet
        self.problems: list[Problem] = []
        self.more = 0

    def check(self, row: int, cells: list[object]) -> bool:
        """Check a row's text cells; whether none was refused."""
        try:
            joined = "".join(cells)  # type: ignore[arg-type]  # a CSV row: all text
        except TypeError:
            joined = "".join([c for c in cells if type(c) is str])
        # The common case first, at C speed: printable text, not too long, no U+FFFD.
        if len(joined) <= MAX_CELL and "\ufffd" not in joined and (joined.isprintable() or bad_character(joined) is None):
            return True
        clean = True
        for i, c in enumerate(cells):
            if type(c) is not str:
                continue
            reason = bad_character(c)
            if reason is None and len(c) > MAX_CELL:
                reason = f"单元格长 {len(c)} 个字符，超过上限 {MAX_CELL}；请核对是否把多行内容粘进了一格"
            if reason:
                self.add(row, f"{column_letter(i)}列", reason, c)
                clean = False
        return clean

    def add(self, row: int | None, column: str, message: str, value: str | None = None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.file, message, sheet=self.sheet, row=row, column=column, value=value))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.more:
            self.problems.append(Problem(self.file, f"另有 {self.more} 处问题未列出（只列出前 {MAX_PROBLEMS} 处）",
                                         sheet=self.sheet))
        if self.problems:
            raise InputError(self.problems)


def _sheet(file: str, name: str, rows: Iterable[list[object]], encoding: str,
           merged: list | None = None) -> Sheet:
    """A sheet of ``rows``, every text cell checked on the way."""
    cells = _Cells(file, name)
    out: list[list[object]] = []
    for i, row in enumerate(rows, start=1):
        cells.check(i, row)
        out.append(row)
    cells.raise_if_any()
    width = max(map(len, out), default=0)
    # A merged range reaching past the cells (a whole row merged) ends at the last column.
    clipped = [((r0, c0), (min(r1, len(out) - 1), min(c1, width - 1))) for (r0, c0), (r1, c1) in merged or []
               if r0 < len(out) and c0 < width]
    return Sheet(file, name, out, encoding=encoding, merged=clipped)


# -- CSV ---------------------------------------------------------------------------------------
def _refuse(path: Path, message: str, row: int | None = None) -> InputError:
    return InputError([Problem(str(path), message, row=row)])


def _sniff(path: Path) -> str:
    """The encoding to read ``path`` with, or an InputError saying why it is not a CSV."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if head.startswith(b"PK\x03\x04"):
        raise _refuse(path, "不是文本文件：这是一个压缩包（可能是 Excel 工作簿）；工作簿请用 .xlsx 扩展名导入")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(path, "不是文本文件：这是旧版 Excel 工作簿（.xls）；请用 .xls 扩展名导入，或另存为 CSV UTF-8")
    body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if not body.strip():
        raise _refuse(path, "文件是空的（没有任何内容）")
    # Binary: many control bytes. A stray NUL or ESC in one cell is left to the cell check,
    # which names its row and column.
    controls = sum(1 for b in body if b < 32 and b not in (9, 10, 13))
    if controls > max(4, len(body) // 20):
        raise _refuse(path, "不是文本文件（含有二进制内容，无法识别文件编码）；请导入 Excel 另存的 .csv 或 .xlsx 文件")
    try:
        encoding = _decodes(path, "utf-8")
    except _Undecodable as err:
        if err.after_text:
            raise _refuse(path, f"文件混用了两种编码：第{err.line}行起无法按 UTF-8 读取，而前面各行是 UTF-8；"
                                "请在 Excel 中统一另存为“CSV UTF-8”后重新导入", row=None) from None
    else:
        if not head.startswith(codecs.BOM_UTF8):  # no BOM: a short GBK text can also be valid UTF-8 (平 is C6 BD, “ƽ” in UTF-8)
            _refuse_ambiguous(path, body)
        return encoding
    try:
        encoding = _decodes(path, "gb18030")
    except _Undecodable as err:
        raise _refuse(path, f"无法识别文件编码：第{err.line}行既不是 UTF-8 也不是 GBK/GB18030；"
                            "请在 Excel 中另存为“CSV UTF-8”后重新导入") from None
    line = _utf8_line(path)
    if line:
        raise _refuse(path, f"文件混用了两种编码：大部分是 GBK，第{line}行却是 UTF-8；"
                            "请在 Excel 中统一另存为“CSV UTF-8”后重新导入")
    return encoding


def _refuse_ambiguous(path: Path, head: bytes) -> None:
    """Refuse a file whose start reads as UTF-8 without any Chinese but as GBK with Chinese: which
    one the clerk saved cannot be told, and guessing would load garbled names."""
    text = head.decode("utf-8", errors="ignore")
    if text.isascii() or _CJK.search(text):
        return
    gbk = head.decode("gb18030", errors="ignore")
    if _CJK.search(gbk):
        sample = next((line.strip() for line in gbk.splitlines() if _CJK.search(line)), "")[:20]
        raise _refuse(path, f"无法确定文件编码：按 UTF-8 读不到中文，按 GBK 读是“{sample}”；"
                            "请在 Excel 中另存为“CSV UTF-8”后重新导入")


class _Undecodable(Exception):
    def __init__(self, line: int, after_text: bool):
        self.line = line
        self.after_text = after_text


def _decodes(path: Path, encoding: str) -> str:
    """Decode the whole file in chunks (strictly); the codec name to read it with."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines = 0
    chinese = False  # Chinese text decoded before the failure: the file mixes encodings
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            try:
                decoded = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as err:
                before = chunk[:max(err.start, 0)]
                line = lines + before.count(b"\n") + 1
                if not chinese:
                    head = before.decode(encoding, errors="ignore")
                    chinese = _CJK.search(head) is not None
                raise _Undecodable(line, chinese) from None
            if not chunk:
                break
            lines += chunk.count(b"\n")
            chinese = chinese or _CJK.search(decoded) is not None
    return "utf-8-sig" if encoding == "utf-8" else encoding


def _utf8_line(path: Path) -> int:
    """In a file that decodes as GB18030: the first line that is UTF-8 Chinese instead (0: none)."""
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            if raw.isascii():
                continue
            try:
                s = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if _CJK.search(s):
                return n
    return 0


def _read_csv(path: Path) -> Sheet:
    encoding = _sniff(path)
    with path.open(encoding=encoding, newline="", errors="strict") as fh:
        reader = csv.reader(fh)
        read = [0]
        try:
            sheet = _sheet(str(path), "", _counted(reader, read), "gb18030" if encoding == "gb18030" else encoding)
        except csv.Error as err:
            row = read[0] + 1
            if "field larger than field limit" in str(err):
                column, length = _oversized(path, encoding, read[0])
                raise InputError([Problem(
                    str(path), f"单元格长 {length} 个字符以上，超过 CSV 单元格上限 {csv.field_size_limit()}"
                               f"（任何单元格都不应超过 {MAX_CELL} 个字符）；请核对引号是否成对", row=row,
                    column=column)]) from None
            raise InputError([Problem(str(path), f"CSV 格式错误（{err}）；请在 Excel 中另存为“CSV UTF-8”",
                                      row=row)]) from None
    return sheet


def _counted(reader: Iterable[list[str]], read: list[int]) -> Iterable[list[object]]:
    """The reader's rows, counted (for the row number of a csv.Error), each repeated value kept
    once: a roster repeats its townships, villages, units and dates on every row, and one
    string object per distinct value instead of per cell more than halves the memory rows take."""
    seen: dict[str, str] = {}
    for row in reader:
        read[0] += 1
        if len(seen) > 200_000:  # mostly unique values (ids): start over, keep memory bounded
            seen.clear()
        yield list(map(seen.setdefault, row, row))


def _oversized(path: Path, encoding: str, index: int) -> tuple[str, int]:
    """(column, length) of the over-long field of record ``index``, read once more without the limit."""
    limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(encoding=encoding, newline="") as fh:
            for i, row in enumerate(csv.reader(fh)):
                if i == index:
                    for c, value in enumerate(row):
                        if len(value) > limit:
                            return f"{column_letter(c)}列", len(value)
                    break
    except csv.Error:
        pass
    finally:
        csv.field_size_limit(limit)
    return "", limit
