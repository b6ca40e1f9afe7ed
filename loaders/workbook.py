"""Reading Excel workbooks without trusting what the file claims.

python-calamine reads .xlsx fast, but it builds each sheet as one dense rectangle from A1 to
the farthest cell, and loads the shared strings whole: a stray keystroke at XFD1048576, a
2 MB file of 200,000 × 200 cells or a zip bomb would take all memory (Rust aborts the process;
nothing can catch that). So before calamine sees a workbook, this module checks it from the
outside, in bounded memory and time:

1. the zip's central directory: member count, declared sizes and compression ratios
   (:data:`MAX_PART`, :data:`MAX_TOTAL`, :data:`MAX_RATIO`), before anything is decompressed;
2. every part calamine will read, streamed in chunks: the real decompressed size (a
   directory that lies about sizes is caught when the stream outgrows the claim), no DTD
   (OOXML has none; a DTD is how XML entity bombs start);
3. each sheet's real extent, from the cell references as they stream past: the farthest row
   and column holding a value, and the number of cells (:data:`MAX_AREA`, :data:`MAX_COLUMNS`,
   :data:`MAX_CELLS`); a sheet over a limit is refused naming the sheet and its far cell;
4. a sheet the workbook lists but whose part is missing is refused by name.

Only then does calamine read the sheets; any error it still raises (a truncated XML part …)
becomes one line naming the file and sheet. Legacy .xls files (BIFF) are bounded by their
format (65,536 × 256 cells); their extent is checked before the cells become Python values.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree

from ..graph.errors import InputError, Problem

__all__ = ["read_workbook", "column_letter", "MAX_AREA", "MAX_CELLS", "MAX_COLUMNS", "MAX_RATIO", "MAX_TOTAL"]

#: Largest rectangle (rows × columns, from A1 to the farthest cell with a value) a sheet may span.
MAX_AREA = 12_000_000
#: Most cells with a value in one workbook.
MAX_CELLS = 12_000_000
#: Widest sheet: a roster has a few dozen columns.
MAX_COLUMNS = 1024
#: Most bytes one part may decompress to, and the whole workbook.
MAX_PART = 768 * 2**20
MAX_TOTAL = 1024 * 2**20
#: Highest compression ratio of a part larger than :data:`_RATIO_FLOOR` (real sheets: 5–30).
MAX_RATIO = 100
_RATIO_FLOOR = 8 * 2**20
_MAX_MEMBERS = 10_000
_SMALL_PART = 16 * 2**20  # workbook.xml and its relationships are read whole, up to this
_CHUNK = 1 << 20

_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_PREFIXED = re.compile(rb"<\w+:c[\s>]")
_ROW_DIGITS = {n: re.compile(rb'<c r="[A-Z]{1,3}([0-9]{%d})"' % n) for n in range(1, 8)}
_COL_LETTERS = {n: re.compile(rb'<c r="([A-Z]{%d})[0-9]' % n) for n in range(1, 4)}
_COLUMN_FROM = {n: re.compile(rb'<c r="[%c-Z]([0-9]+)"' % (65 + n)) for n in range(26)}
_SHAPE = bytes.maketrans(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"0" * 10 + b"A" * 26)
_END = re.compile(rb"</(?:\w+:)?worksheet>\s*$")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_SAFE = "请在 Excel 或 WPS 中打开，删除多余内容后另存为 .xlsx 再导入"
_BROKEN = "请在 Excel 或 WPS 中打开并另存为 .xlsx 后重新导入"


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA … (spreadsheet column names)."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


class _Refused(Exception):
    def __init__(self, message: str, sheet: str = ""):
        super().__init__(message)
        self.message = message
        self.sheet = sheet


def read_workbook(path: Path, make_sheet: Callable[..., object],
                  rows: Callable[[object], object] | None = None) -> list:
    """The sheets of a workbook, each built by ``make_sheet(name, rows_iter, merged)``; with
    ``rows``, by ``make_sheet(name, rows(calamine_sheet), merged)`` (a streamed reader).

    Raises :class:`InputError` (one problem naming the file, and the sheet where there is one)
    for anything unsafe or unreadable.
    """
    file = str(path)
    with path.open("rb") as fh:
        magic = fh.read(8)
    try:
        if magic.startswith(b"PK\x03\x04") or magic.startswith(b"PK\x05\x06"):
            if path.suffix.lower() == ".ods":
                raise _Refused("不支持 .ods 表格；请在 WPS 或 LibreOffice 中另存为 .xlsx 后导入")
            return _read_calamine(path, make_sheet, _check_xlsx(path), rows or _rows)
        if magic.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            return _read_calamine(path, make_sheet, None, rows or _rows)
        raise _Refused("不是 Excel 工作簿（文件内容既不是 .xlsx 也不是 .xls 格式，可能已损坏或扩展名不对）")
    except _Refused as err:
        raise InputError([Problem(file, err.message, sheet=err.sheet)]) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as err:
        # a corrupt or truncated zip, an unsupported compression method, an encrypted part
        raise InputError([Problem(file, f"工作簿已损坏或加密，无法读取（{_short(err)}）；{_BROKEN}")]) from None


# -- checks on the zip ---------------------------------------------------------------------
def _check_xlsx(path: Path) -> dict[str, tuple[int, int]]:
    """Check the package; return each sheet's real extent (rows, columns) by sheet name."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > _MAX_MEMBERS:
            raise _Refused(f"工作簿内含 {len(infos)} 个部件，不像 Excel 文件；{_SAFE}")
        declared = 0
        for info in infos:
            declared += info.file_size
            _ratio(info, info.file_size)
            if info.file_size > MAX_PART or declared > MAX_TOTAL:
                raise _Refused(f"工作簿解压后超过 {MAX_TOTAL // 2**20} MB（部件 {info.filename} 声称 "
                               f"{info.file_size // 2**20} MB），可能是压缩炸弹；拒绝读取")
        names = {i.filename for i in infos}
        sheets = _sheet_parts(zf, names)
        total = 0
        for part in ("xl/sharedStrings.xml", "xl/styles.xml"):
            if part in names:
                total += _stream(zf, zf.getinfo(part), total, lambda chunk: None)
        extents: dict[str, tuple[int, int]] = {}
        cells = 0
        for sheet, part in sheets:
            if part not in names:
                raise _Refused(f"工作簿列出了这张工作表，但文件中缺少它的内容（{part}）；文件不完整或已损坏；{_BROKEN}", sheet)
            scan = _Extent()
            try:
                try:
                    size = _stream(zf, zf.getinfo(part), total, scan.feed, sheet)
                    scan.finish()
                except _NonStandard:
                    scan = _ParsedExtent()
                    size = _stream(zf, zf.getinfo(part), total, scan.feed, sheet)
                    scan.finish()
            except _Refused as err:
                err.sheet = err.sheet or sheet
                raise
            total += size
            cells += scan.cells
            _check_extent(scan, sheet, cells)
            extents[sheet] = (scan.max_row, scan.max_col + 1)
        return extents


def _ratio(info: zipfile.ZipInfo, size: int, sheet: str = "") -> None:
    if size > _RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
        raise _Refused(f"部件 {info.filename} 压缩比超过 {MAX_RATIO}:1（{info.compress_size} 字节解压为 {size} 字节以上），"
                       "可能是压缩炸弹；拒绝读取", sheet)


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, before: int, feed: Callable[[bytes], None],
            sheet: str = "") -> int:
    """Decompress one part in chunks, checking its real size as it grows; the bytes it held."""
    size = 0
    first = True
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return size
            if first and _DTD.search(chunk[:4096]):
                raise _Refused(f"部件 {info.filename} 含有 DTD/实体声明（Excel 文件不会有），可能是恶意构造的文件；拒绝读取", sheet)
            first = False
            size += len(chunk)
            _ratio(info, size, sheet)
            if size > info.file_size + _CHUNK or size > MAX_PART or before + size > MAX_TOTAL:
                raise _Refused(f"部件 {info.filename} 解压后超过声明的大小或上限 {MAX_TOTAL // 2**20} MB，"
                               "可能是压缩炸弹；拒绝读取", sheet)
            feed(chunk)


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > _SMALL_PART:
        raise _Refused(f"部件 {name} 异常大（{info.file_size} 字节）；{_SAFE}")
    parts: list[bytes] = []
    _stream(zf, info, 0, parts.append)
    return b"".join(parts)


def _sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(sheet name, part name) of each worksheet the workbook lists, in order."""
    book = next((n for n in ("xl/workbook.xml",) if n in names), None)
    if book is None:
        book = next((n for n in names if n.endswith("/workbook.xml")), None)
    if book is None:
        raise _Refused(f"工作簿缺少 workbook.xml，不是完整的 .xlsx 文件；{_BROKEN}")
    folder = posixpath.dirname(book)
    rels_name = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
    try:
        root = ElementTree.fromstring(_read_small(zf, book))
        rels = ElementTree.fromstring(_read_small(zf, rels_name)) if rels_name in names else None
    except ElementTree.ParseError as err:
        raise _Refused(f"工作簿结构（workbook.xml）已损坏（{err}）；{_BROKEN}") from None
    targets: dict[str, str] = {}
    for rel in (rels if rels is not None else []):
        target = rel.get("Target", "")
        if rel.get("Id") and target:
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            targets[rel.get("Id", "")] = full
    out = []
    for el in root.iter():
        if not el.tag.endswith("}sheet") and el.tag != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
        out.append((el.get("name", ""), targets.get(rid, f"xl/worksheets/{rid or '?'}.xml")))
    return out


class _Extent:
    """The farthest row and column holding a value, and the cells, from a sheet's XML stream."""

    def __init__(self) -> None:
        self.max_row = 0
        self.max_col = -1
        self.cells = 0
        self.far_row = ""
        self.far_col = ""
        self._tail = b""
        self._last = b""

    def feed(self, chunk: bytes) -> None:
        self._last = (self._last + chunk)[-256:]
        data = self._tail + chunk
        cut = data.rfind(b">") + 1
        self._tail = data[cut:]
        if len(self._tail) > _CHUNK:  # no tag ends for a whole chunk: not a sheet
            raise _Refused("工作表内容不是有效的 XML")
        self._scan(data[:cut])

    def finish(self) -> None:
        self._scan(self._tail)
        # calamine reads a sheet cut short without complaint, silently losing its last rows.
        if not _END.search(self._last):
            raise _Refused(f"工作表内容不完整（XML 在结尾处被截断）；文件已损坏；{_BROKEN}")

    def _scan(self, data: bytes) -> None:
        cells = data.count(b"<c ") + data.count(b"<c>")
        if cells != data.count(b'<c r="') or _PREFIXED.search(data):
            raise _NonStandard  # another writer's attribute order, no references, or prefixes
        if not cells:
            return
        self.cells += cells
        # Cheap first: with every letter read as A and every digit as 0, three substring
        # searches say whether any reference has more than one letter or six digits. If none
        # does, the sheet is within Z99999: small enough whatever its exact extent.
        shape = data.translate(_SHAPE)
        if b'<c r="AA' not in shape and b'000000"' not in shape:
            if self.max_row < 99999:  # a bound, not the row: exact only where it matters
                self.max_row, self.far_row = 99999, self.far_row or "A99999"
            lo, hi = 0, 25  # the farthest single-letter column, by bisection over letter ranges
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if _COLUMN_FROM[mid].search(data):
                    lo = mid
                else:
                    hi = mid - 1
            if lo > self.max_col:
                self.max_col = lo
                m = _COLUMN_FROM[lo].search(data)
                self.far_col = f"{column_letter(lo)}{m.group(1).decode() if m else ''}"
            return
        # The farthest row: its number has the most digits, and equal-length digit strings
        # compare as numbers; so no per-cell conversion (a sheet may hold millions of cells).
        for digits in range(7, 0, -1):
            if _ROW_DIGITS[digits].search(data):
                far = max(_ROW_DIGITS[digits].findall(data))
                row = int(far)
                if row > self.max_row:
                    self.max_row = row
                    m = re.search(rb'<c r="([A-Z]{1,3})' + far + b'"', data)
                    self.far_row = (m.group(1) + far).decode() if m else str(row)
                break
        for letters in (3, 2, 1):
            found = _COL_LETTERS[letters].findall(data)
            if found:
                far = max(found)
                col = _column_index(far)
                if col > self.max_col:
                    self.max_col = col
                    m = re.search(rb'<c r="' + far + rb'([0-9]+)"', data)
                    self.far_col = (far + (m.group(1) if m else b"")).decode()
                break


class _NonStandard(Exception):
    """A sheet written with cells lacking references, or with namespace prefixes."""


class _ParsedExtent(_Extent):
    """The same facts by parsing the XML (expat): for writers that leave references out."""

    def __init__(self) -> None:
        super().__init__()
        import xml.parsers.expat

        self._parser = xml.parsers.expat.ParserCreate()
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._row = 0
        self._col = -1
        self._cell: tuple[int, int] | None = None
        self._valued = False

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.Parse(chunk, False)
        except Exception as err:
            raise _Refused(f"工作表内容不是有效的 XML（{_short(err)}）；{_BROKEN}") from None

    def finish(self) -> None:
        try:
            self._parser.Parse(b"", True)
        except Exception as err:
            raise _Refused(f"工作表内容不是有效的 XML（{_short(err)}）；{_BROKEN}") from None

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag.rsplit(":", 1)[-1]
        if local == "row":
            self._row = int(attrs["r"]) if attrs.get("r", "").isdigit() else self._row + 1
            self._col = -1
        elif local == "c":
            ref = _REF.fullmatch(attrs.get("r", ""))
            if ref:
                self._col = _column_index(ref.group(1).encode())
                self._row = int(ref.group(2))
            else:
                self._col += 1
            self._cell = (self._row, self._col)
            self._valued = False
        elif self._cell is not None and local in ("v", "is", "f"):
            self._valued = True

    def _end(self, tag: str) -> None:
        if tag.rsplit(":", 1)[-1] == "c" and self._cell is not None:
            row, col = self._cell
            if self._valued:
                self.cells += 1
                ref = f"{column_letter(col)}{row}"
                if row > self.max_row:
                    self.max_row, self.far_row = row, ref
                if col > self.max_col:
                    self.max_col, self.far_col = col, ref
            self._cell = None


def _check_extent(scan: _Extent, sheet: str, cells_so_far: int) -> None:
    rows, cols = scan.max_row, scan.max_col + 1
    rows_bound, cols_bound = rows, cols
    far = scan.far_row if rows >= cols else scan.far_col
    if cols_bound > MAX_COLUMNS:
        raise _Refused(f"工作表的已用区域宽达 {column_letter(cols_bound - 1)} 列（{cols_bound} 列，最远的单元格 "
                       f"{scan.far_col or '?'}），超过上限 {MAX_COLUMNS} 列；{_SAFE}", sheet)
    if rows_bound * cols_bound > MAX_AREA:
        raise _Refused(f"工作表的已用区域 A1:{column_letter(cols - 1)}{rows} 有 {rows_bound * cols_bound:,} 个单元格，"
                       f"超过上限 {MAX_AREA:,}（最远的单元格 {far or '?'}）；{_SAFE}", sheet)
    if cells_so_far > MAX_CELLS:
        raise _Refused(f"工作簿共有 {cells_so_far:,} 个非空单元格，超过上限 {MAX_CELLS:,}；请拆分成几个文件", sheet)


# -- calamine ------------------------------------------------------------------------------
def _read_calamine(path: Path, make_sheet: Callable[..., object],
                   extents: dict[str, tuple[int, int]] | None, rows: Callable[[object], object]) -> list:
    import python_calamine as pc

    sheet = ""
    try:
        book = pc.CalamineWorkbook.from_path(str(path))
        out = []
        for sheet in book.sheet_names:
            if extents is not None and sheet not in extents:
                raise _Refused(f"工作簿中的工作表与其目录不符；{_BROKEN}", sheet)
            data = book.get_sheet_by_name(sheet)
            if data.height * max(data.width, 1) > MAX_AREA or data.width > MAX_COLUMNS:
                raise _Refused(f"工作表的已用区域 {data.height} 行 × {data.width} 列，超过上限；{_SAFE}", sheet)
            merged = list(data.merged_cell_ranges or [])
            out.append(make_sheet(sheet, rows(data), merged))
        return out
    except (_Refused, InputError):
        raise
    except Exception as err:  # calamine's own errors (XmlError, WorksheetNotFound, ZipError …)
        raise _Refused(f"无法读取，文件已损坏（{type(err).__name__}: {_short(err)}）；{_BROKEN}", sheet) from None
    except BaseException as err:  # a Rust panic surfaces as pyo3's PanicException (a BaseException)
        if type(err).__name__ != "PanicException":
            raise
        raise _Refused(f"无法读取（{_short(err)}）；{_BROKEN}", sheet) from None


def _rows(data) -> Iterator[list[object]]:
    # From A1, as the user numbers rows and columns (iter_rows would start at the first cell).
    yield from data.to_python(skip_empty_area=False)


def _short(err: BaseException) -> str:
    s = str(err).replace("\n", " ")
    return s if len(s) <= 120 else s[:120] + "…"
