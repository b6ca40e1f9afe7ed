"""The assignment-list contract: the kinds of list, their canonical headers and aliases,
and recognising a sheet's kind (and its header rows) from its content, whatever its name."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..graph.errors import Problem
from .tabular import Sheet
from .values import key, text

__all__ = ["Column", "Kind", "KINDS", "Table", "Record", "recognise"]


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class Kind:
    name: str  # Chinese, as in the contract
    key: str  # English
    columns: tuple[Column, ...]
    signature: tuple[str, ...]  # the columns that identify the kind

    @property
    def headers(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, *aliases: str, optional: bool = False) -> Column:
    return Column(name, aliases, optional)


_FROM = _c("起始日期", "start_date", "from", "valid_from", "start", "开始日期", "任职日期")
_TO = _c("终止日期", "end_date", "to", "valid_to", "end", "结束日期", "离任日期", optional=True)

KINDS: tuple[Kind, ...] = (
    Kind("乡镇", "townships", (
        _c("乡镇", "township", "乡镇名称"), _c("党委书记", "party_secretary", "乡镇党委书记"),
        _c("乡镇长", "township_head", "镇长", "乡长"), _c("党建办主任", "party_building_director"), _FROM, _TO,
    ), ("乡镇", "党委书记", "乡镇长", "党建办主任")),
    Kind("村", "villages", (
        _c("乡镇", "township"), _c("村", "village", "行政村", "村名"),
        _c("是否贫困村", "poor_village", "is_poor", "贫困村"), _c("包村领导", "village_leader"), _FROM, _TO,
    ), ("乡镇", "村", "是否贫困村", "包村领导")),
    Kind("县级领导", "county_leaders", (
        _c("姓名", "name"), _c("职务", "post", "title"), _c("联系乡镇", "contact_township"),
        _c("包抓村", "villages", "contact_villages", optional=True), _FROM, _TO,
    ), ("姓名", "职务", "联系乡镇")),
    Kind("组长单位", "lead_units", (
        _c("组长单位", "lead_unit"), _c("联系乡镇", "contact_township"),
        _c("乡镇驻村帮扶工作队总队长", "team_chief", "总队长"), _FROM, _TO,
    ), ("组长单位", "联系乡镇", "乡镇驻村帮扶工作队总队长")),
    Kind("帮扶单位", "helping_units", (
        _c("帮扶单位", "unit", "helping_unit"), _c("层级", "level", optional=True), _c("主要领导", "main_leader"),
        _c("分管领导", "deputy_leader", "leader_in_charge"), _c("乡镇", "township"),
        _c("帮扶村", "village", "helped_village"), _FROM, _TO,
    ), ("帮扶单位", "主要领导", "分管领导", "帮扶村")),
    Kind("工作队", "teams", (
        _c("乡镇", "township"), _c("村", "village"), _c("姓名", "name"),
        _c("队内职务", "team_role", "role", "职务"), _c("派出单位", "dispatching_unit", "unit"), _FROM, _TO,
    ), ("乡镇", "村", "姓名", "队内职务", "派出单位")),
    Kind("结对帮扶", "pairings", (
        _c("户编号", "household_id", "户码"), _c("户主姓名", "head_name", "户主"),
        _c("身份证号", "id_number", "身份证号码", "户主身份证号", optional=True), _c("乡镇", "township"),
        _c("村", "village"), _c("帮扶责任人", "cadre", "帮扶干部"),
        _c("帮扶责任人单位", "cadre_unit", "帮扶干部单位"), _FROM, _TO,
    ), ("户编号", "户主姓名", "帮扶责任人")),
    Kind("一户一策", "plans", (
        _c("户编号", "household_id"), _c("计划编号", "plan_id"),
        _c("制定日期", "made_date", "made_on", optional=True), _c("状态", "status"),
    ), ("户编号", "计划编号", "状态")),
    Kind("督查发现", "findings", (
        _c("发现日期", "date", "found_on"), _c("督查主体", "inspector", optional=True),
        _c("问题类型", "type", "finding_type"), _c("对象类型", "object_type"), _c("对象", "object"),
        _c("说明", "note", "description", optional=True),
    ), ("发现日期", "问题类型", "对象类型", "对象")),
)

_IGNORED = {"序号", "no", "no.", "编号", "#"}
_END = ("合计", "总计", "小计", "填表人", "审核人", "制表人", "负责人", "填报人", "联系电话：", "备注：")
_SKIP_SHEETS = ("说明", "填表说明", "instructions", "readme")


@dataclass
class Record:
    row: int
    values: dict[str, object]  # canonical column → raw cell
    extras: dict[str, str]


@dataclass
class Table:
    sheet: Sheet
    kind: Kind
    header_row: int  # the spreadsheet row of the (last) header row
    records: list[Record]

    @property
    def where(self) -> tuple[str, str]:
        return self.sheet.file, self.sheet.name


def _norm_header(cell: object) -> str:
    h = key(cell).lower().replace("_", "").replace("-", "").rstrip("*").lstrip("*")
    return h


_ALIASES: dict[str, dict[str, str]] = {}
for _kind in KINDS:
    table = {}
    for col in _kind.columns:
        for name in (col.name, *col.aliases):
            table[_norm_header(name)] = col.name
    _ALIASES[_kind.key] = table


def _match(kind: Kind, cell: object) -> str | None:
    h = _norm_header(cell)
    if not h:
        return None
    found = _ALIASES[kind.key].get(h)
    if found is None:
        stripped = re.sub(r"[(（][^)）]*[)）]", "", h)
        found = _ALIASES[kind.key].get(stripped)
    return found


def _header_candidates(sheet: Sheet, i: int) -> list[list[str]]:
    """Per column, the names a header at row i (0-based) may give: one row or two merged rows."""
    width = max((len(r) for r in sheet.rows[i:i + 2]), default=0)
    top = [text(c) for c in sheet.rows[i]] + [""] * width
    bottom = [text(c) for c in sheet.rows[i + 1]] + [""] * width if i + 1 < len(sheet.rows) else [""] * (2 * width)
    # Spread horizontally merged group headings over their columns.
    filled = list(top)
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 == i:
            for c in range(c0, c1 + 1):
                filled[c] = top[c0]
    return [[filled[c]] + ([bottom[c], filled[c] + bottom[c]] if bottom[c] else []) for c in range(width)]


def recognise(sheet: Sheet) -> tuple[Table | None, list[Problem]]:
    """Find the header and kind of a sheet; (None, []) for an empty or instructions sheet."""
    rows = sheet.rows
    if not any(text(c) for r in rows for c in r):
        return None, []
    if sheet.name and key(sheet.name).lower() in _SKIP_SHEETS:
        return None, []
    best: tuple[int, int, Kind, list[str | None], bool] | None = None
    for i in range(min(len(rows), 12)):
        cands = _header_candidates(sheet, i)
        for kind in KINDS:
            mapping: list[str | None] = []
            two_rows = False
            for options in cands:
                hit = None
                for j, name in enumerate(reversed(options)):
                    hit = _match(kind, name)
                    if hit:
                        two_rows = two_rows or (len(options) > 1 and j < 2)
                        break
                mapping.append(hit)
            hits = {m for m in mapping if m}
            score = (len(hits & set(kind.signature)), len(hits))
            if best is None or score > best[0] or (score == best[0] and best[4] and not two_rows and i == best[1] + 1):
                best = (score, i, kind, mapping, two_rows)
    assert best is not None
    (score, _), i, kind, mapping, two_rows = best
    problems: list[Problem] = []
    where = dict(file=sheet.file, sheet=sheet.name)
    if score < 2:
        listing = "；".join(f"{k.name}（{'、'.join(k.headers)}）" for k in KINDS)
        return None, [Problem(message=f"找不到可识别的表头，无法判断是哪一种清单。可用的清单及表头：{listing}", **where)]
    header_row = i + (2 if two_rows else 1)
    header_cells = [text(c) for c in rows[header_row - 1]]
    if two_rows:
        header_cells = [" / ".join(x for x in (text(a), text(b)) if x) for a, b in
                        zip(rows[i] + [""] * len(mapping), rows[i + 1] + [""] * len(mapping))]
    present = {m for m in mapping if m}
    unused = [h for h, m in zip(header_cells, mapping) if not m and h]
    for col in kind.columns:
        if col.name in present or col.optional:
            continue
        close = difflib.get_close_matches(col.name, unused, n=1, cutoff=0.5)
        if close:
            problems.append(Problem(row=header_row, column=close[0], value=close[0],
                                    message=f"表头写错了？应为“{col.name}”（{kind.name}表）；请改正表头后重新导入", **where))
        else:
            problems.append(Problem(row=header_row, column=col.name,
                                    message=f"{kind.name}表缺少“{col.name}”列；表头应为：{'、'.join(kind.headers)}", **where))
    records: list[Record] = []
    columns = [(c, name) for c, name in enumerate(mapping) if name]
    extra_columns = [(c, header_cells[c]) for c, name in enumerate(mapping)
                     if not name and c < len(header_cells) and header_cells[c]
                     and _norm_header(header_cells[c]) not in _IGNORED]
    for r in range(header_row, len(rows)):
        cells = rows[r]
        first = next((c for c in cells if c is not None and c != "" and (type(c) is not str or c.strip())), None)
        if first is None:
            continue
        if text(first).startswith(_END):
            break
        width = len(cells)
        values: dict[str, object] = {name: cells[c] if c < width else "" for c, name in columns}
        extras: dict[str, str] = {}
        for c, header in extra_columns:
            value = text(cells[c]) if c < width else ""
            if value:
                extras[header] = value
        if not any(text(v) for v in values.values()):
            continue
        records.append(Record(row=r + 1, values=values, extras=extras))
    return Table(sheet, kind, header_row, records), problems
