"""Recognising a sheet's roster kind (and its header rows) from its content, whatever its name.

The kinds, their canonical headers and aliases come from the project's domain pack
(:class:`zeren.graph.pack.Roster`); this module knows only spreadsheets: title rows above the
header, a group heading merged over two header rows, a 序号 column, blank rows, and the rows
such as 合计 or 填表人 that end the data.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from ..graph.errors import Problem
from ..graph.pack import Pack, Roster
from .stream import HEAD, StreamSheet
from .tabular import Sheet
from .values import key, text

__all__ = ["Table", "Record", "recognise", "headers_listing", "row_mark", "BLANK", "END", "END_WORDS"]

_IGNORED = {"序号", "no", "no.", "编号", "#"}
END_WORDS = _END = ("合计", "总计", "小计", "填表人", "审核人", "制表人", "负责人", "填报人", "联系电话：", "备注：")
_SKIP_SHEETS = ("说明", "填表说明", "instructions", "readme")
_HEADER_SCAN = 12  # rows searched for the header


@dataclass
class Record:
    row: int
    values: dict[str, object]  # canonical column → raw cell
    extras: dict[str, str]


@dataclass
class Table:
    sheet: Sheet | StreamSheet
    kind: Roster
    header_row: int  # the spreadsheet row of the (last) header row
    columns: list[tuple[int, str]]  # (cell index, canonical column)
    extra_columns: list[tuple[int, str]] = field(default_factory=list)  # (cell index, header) kept as props

    @property
    def where(self) -> tuple[str, str]:
        return self.sheet.file, self.sheet.name

    def rows(self) -> Iterator[tuple[int, list[object]]]:
        """(spreadsheet row number, cells) of every row after the header, as read."""
        sheet = self.sheet
        if isinstance(sheet, StreamSheet):
            return sheet.rows_from(self.header_row)
        return enumerate(sheet.rows[self.header_row:], start=self.header_row + 1)

    def record(self, row: int, cells: list[object]) -> Record | None:
        """The record of a data row; None for a row whose columns are all empty (or a blank row)."""
        width = len(cells)
        values = {name: cells[c] if c < width else "" for c, name in self.columns}
        if not any(text(v) for v in values.values()):
            return None
        extras: dict[str, str] = {}
        for c, header in self.extra_columns:
            value = text(cells[c]) if c < width else ""
            if value:
                extras[header] = value
        return Record(row=row, values=values, extras=extras)

    def data_rows(self) -> Iterator[tuple[int, list[object]]]:
        """The data rows after the header, as (row, cells): blank rows skipped, 合计 … ends them."""
        for r, cells in self.rows():
            mark = row_mark(cells)
            if mark is BLANK:
                continue
            if mark is END:
                break
            yield r, cells

    @property
    def records(self) -> Iterator[Record]:
        """The data rows after the header, as records."""
        for r, cells in self.data_rows():
            record = self.record(r, cells)
            if record is not None:
                yield record


BLANK, END = object(), object()


def row_mark(cells: list[object]) -> object | None:
    """BLANK for a row with nothing in it, END for a 合计/填表人… row that ends the data, else None."""
    first = next((c for c in cells if c is not None and c != "" and (type(c) is not str or c.strip())), None)
    if first is None:
        return BLANK
    if text(first).startswith(_END):
        return END
    return None


def _norm_header(cell: object) -> str:
    if type(cell) is str:
        return _norm_text(cell)
    return key(cell).lower().replace("_", "").replace("-", "").rstrip("*").lstrip("*")


@lru_cache(maxsize=4096)
def _norm_text(cell: str) -> str:  # header cells repeat across the rows and rosters tried
    return key(cell).lower().replace("_", "").replace("-", "").rstrip("*").lstrip("*")


_ALIASES: dict[int, dict[str, dict[str, str]]] = {}
_ANY = " any"  # the headers of every kind (not an identifier: no roster's key)


def _aliases(pack: Pack) -> dict[str, dict[str, str]]:
    """Roster key → normalised header → canonical column, built once per pack."""
    found = _ALIASES.get(id(pack))
    if found is None:
        found = {}
        for roster in pack.rosters:
            table = {}
            for col in roster.columns:
                for name in (col.name, *col.aliases):
                    table[_norm_header(name)] = col.name
            found[roster.key] = table
        found[_ANY] = {h: "" for table in list(found.values()) for h in table}
        _ALIASES.clear()
        _ALIASES[id(pack)] = found
    return found


_BRACKETS = re.compile(r"[(（][^)）]*[)）]")


def _forms(cell: object) -> tuple[str, str] | None:
    """The normalised header and the same without its bracketed notes (“姓名（必填）”)."""
    h = _norm_header(cell)
    return (h, _BRACKETS.sub("", h)) if h else None


def _match_forms(aliases: dict[str, str], forms: tuple[str, str] | None) -> str | None:
    if forms is None:
        return None
    found = aliases.get(forms[0])
    return aliases.get(forms[1]) if found is None else found


def _head(sheet: Sheet | StreamSheet) -> list[list[object]]:
    """The rows the header is looked for in (a streamed sheet keeps only those)."""
    return sheet.head if isinstance(sheet, StreamSheet) else sheet.rows[:HEAD]


def _header_candidates(sheet: Sheet | StreamSheet, i: int) -> list[list[str]]:
    """Per column, the names a header at row i (0-based) may give: one row or two merged rows."""
    rows = _head(sheet)
    width = max((len(r) for r in rows[i:i + 2]), default=0)
    top = [text(c) for c in rows[i]] + [""] * width
    bottom = [text(c) for c in rows[i + 1]] + [""] * width if i + 1 < len(rows) else [""] * (2 * width)
    # Spread horizontally merged group headings over their columns.
    filled = list(top)
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 == i:
            for c in range(c0, c1 + 1):
                filled[c] = top[c0]
    return [[filled[c]] + ([bottom[c], filled[c] + bottom[c]] if bottom[c] else []) for c in range(width)]


def _has_data(sheet: Sheet | StreamSheet) -> bool:
    if isinstance(sheet, StreamSheet):
        return sheet.has_data()
    return any(text(c) for r in sheet.rows for c in r)


def headers_listing(pack: Pack) -> str:
    return "；".join(f"{r.name}（{'、'.join(r.headers)}）" for r in pack.rosters)


def recognise(sheet: Sheet | StreamSheet, pack: Pack) -> tuple[Table | None, list[Problem]]:
    """Find the header and kind of a sheet; (None, []) for an empty or instructions sheet."""
    rows = _head(sheet)
    head = rows[:_HEADER_SCAN + 1]
    if not any(text(c) for r in head for c in r) and not _has_data(sheet):
        return None, []
    if sheet.name and key(sheet.name).lower() in _SKIP_SHEETS:
        return None, []
    aliases = _aliases(pack)
    known = aliases[_ANY]
    best: tuple[tuple[int, int], int, Roster, list[str | None], bool] | None = None
    for i in range(min(len(rows), _HEADER_SCAN)):
        # Each cell's forms once per row, then only dictionary lookups per roster kind.
        cands = [[_forms(name) for name in reversed(options)] for options in _header_candidates(sheet, i)]
        if not any(f[0] in known or f[1] in known for options in cands for f in options if f):
            continue  # a title or data row: no header of any kind
        for roster in pack.rosters:
            mapping: list[str | None] = []
            two_rows = False
            table = aliases[roster.key]
            for options in cands:
                hit = None
                for j, forms in enumerate(options):
                    hit = _match_forms(table, forms)
                    if hit:
                        two_rows = two_rows or (len(options) > 1 and j < 2)
                        break
                mapping.append(hit)
            hits = {m for m in mapping if m}
            score = (len(hits & set(roster.signature)), len(hits))
            if best is None or score > best[0] or (score == best[0] and best[4] and not two_rows and i == best[1] + 1):
                best = (score, i, roster, mapping, two_rows)
    where = dict(file=sheet.file, sheet=sheet.name)
    if best is None or best[0][0] < 2:
        return None, [Problem(message=f"找不到可识别的表头，无法判断是哪一种清单。可用的清单及表头：{headers_listing(pack)}",
                              **where)]
    (score, _), i, roster, mapping, two_rows = best
    problems: list[Problem] = []
    header_row = i + (2 if two_rows else 1)
    header_cells = [text(c) for c in rows[header_row - 1]]
    if two_rows:
        header_cells = [" / ".join(x for x in (text(a), text(b)) if x) for a, b in
                        zip(rows[i] + [""] * len(mapping), rows[i + 1] + [""] * len(mapping))]
    seen: dict[str, int] = {}
    for c, name in enumerate(mapping):
        if not name:
            continue
        if name in seen:  # two columns for one: which one the clerk meant cannot be guessed
            problems.append(Problem(row=header_row, column=header_cells[c] if c < len(header_cells) else name,
                                    value=header_cells[c] if c < len(header_cells) else name,
                                    message=f"与第{seen[name] + 1}列（“{header_cells[seen[name]]}”）重复，都对应“{name}”；"
                                            "请删除或改名其中一列", **where))
        else:
            seen[name] = c
    present = set(seen)
    unused = [h for h, m in zip(header_cells, mapping) if not m and h]
    for col in roster.columns:
        if col.name in present or col.optional:
            continue
        close = difflib.get_close_matches(col.name, unused, n=1, cutoff=0.5)
        if close:
            problems.append(Problem(row=header_row, column=close[0], value=close[0],
                                    message=f"表头写错了？应为“{col.name}”（{roster.name}表）；请改正表头后重新导入", **where))
        else:
            problems.append(Problem(row=header_row, column=col.name,
                                    message=f"{roster.name}表缺少“{col.name}”列；表头应为：{'、'.join(roster.headers)}",
                                    **where))
    columns = [(c, name) for name, c in seen.items()]
    extra_columns = [(c, header_cells[c]) for c, name in enumerate(mapping)
                     if not name and c < len(header_cells) and header_cells[c]
                     and _norm_header(header_cells[c]) not in _IGNORED]
    return Table(sheet, roster, header_row, columns, extra_columns), problems
