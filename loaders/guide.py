"""What a template says about each column of a roster: must it be filled, what it means, the
forms accepted, the other header names recognised, its drop-down list, its number format.

Read from the rulebook and its domain pack (slots, holds, properties, record fields,
post_from readings, vocabularies); the 填表说明 sheet and the data sheet's prompts show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from ..graph.pack import RECORD_FIELDS, Pack, Roster
from ..graph.rules import Rulebook

__all__ = ["ColumnGuide", "column_guides", "example_problems", "text_columns", "display_width", "REQUIRED", "MAY_BE_EMPTY",
           "OPTIONAL_COLUMN", "DATE_FORMS"]

REQUIRED, MAY_BE_EMPTY, OPTIONAL_COLUMN = "必填", "可留空", "可选列"
DATE_FORMS = "日期：2019-03-01、2019/3/1、2019年3月1日 或 Excel 日期"
_FIELD_MEANING = {  # the engine's record fields (graph.pack.RECORD_FIELDS)
    ("finding", "date"): "发现问题的日期",
    ("finding", "inspector"): "发现问题的督查主体（机构名称）",
    ("finding", "type"): "问题类型，须为规则手册所列之一（见“填表说明”表的“问题类型与对象类型”）",
    ("finding", "object_type"): "对象的类型，须与问题类型相符（见“填表说明”表）",
    ("finding", "object"): "出问题的对象，写法随对象类型而定（见“填表说明”表的“对象的写法”）",
    ("finding", "note"): "补充说明",
    ("finding", "occurred"): "问题实际发生的日期（早于发现日期时填写，据此认定当时在任的人）",
    ("finding", "round"): "督查批次名称（同一批次的发现一起计算比例）",
    ("duty", "date"): "履职的日期",
    ("duty", "subject"): "履职主体：人员写“单位/姓名”（姓名唯一时可只写姓名），或机构、单位名称",
    ("duty", "item"): "履职事项，须为规则手册所列之一（见“填表说明”表的“履职事项”）",
    ("duty", "object"): "在哪里或对谁履职（写法同督查发现的对象）",
    ("duty", "days"): "天数（按天计的履职事项必填）",
    ("duty", "note"): "补充说明",
}


@dataclass(frozen=True)
class ColumnGuide:
    """What a template says about one column."""

    name: str
    need: str  # 必填 / 可留空 / 可选列
    meaning: str
    forms: str  # the accepted forms
    aliases: tuple[str, ...]
    example: str
    format: str  # text / date / general: the whole column's number format
    choices: tuple[str, ...] = ()  # a drop-down list
    strict: bool = False  # the loader refuses any other value: the drop-down stops it too
    width: int = 10  # Excel character units


def text_columns(pack: Pack, roster: Roster) -> set[str]:
    """Columns Excel must keep as typed (ids, 身份证号): never numbers, never dates."""
    out = {s.column for s in roster.slots if s.column and s.mode in ("create", "ref")}
    out |= {col for s in roster.slots for col, _ in s.identity}
    for kind in pack.model.kinds.values():
        out |= {p.column for p in kind.props.values() if p.type == "id_number"}
    if roster.record:
        out |= {roster.fields[f] for f in ("object", "subject") if f in roster.fields}
    return out & set(roster.headers)


def column_guides(rulebook: Rulebook, roster: Roster) -> list[ColumnGuide]:
    """One :class:`ColumnGuide` per column of ``roster``, in order. The pack's example row is
    left out when it does not fit the columns (:func:`example_problems`): a project made with
    an older pack keeps that pack, and a wrong example is worse than none."""
    guides = [_guide(rulebook, roster, i) for i in range(len(roster.columns))]
    if _problems(guides):
        guides = [replace(g, example="") for g in guides]
    return guides


def example_problems(rulebook: Rulebook, roster: Roster) -> list[str]:
    """Why the pack's example row would not load as it stands: a required cell empty, a date or
    yes/no the loader cannot read, a value outside a closed list ([] when it fits)."""
    return _problems([_guide(rulebook, roster, i) for i in range(len(roster.columns))])


def _problems(guides: list[ColumnGuide]) -> list[str]:
    from .values import parse_bool, parse_date

    out = []
    for g in guides:
        if not g.example:
            if g.need == REQUIRED:
                out.append(f"{g.name}：必填，示例为空")
            continue
        try:
            if g.format == "date":
                parse_date(g.example)
            elif g.choices == ("是", "否"):
                parse_bool(g.example)
        except ValueError as err:
            out.append(f"{g.name}：{err}")
        if g.strict and g.example not in g.choices:
            out.append(f"{g.name}：“{g.example}”不在所列值中")
    return out


def _guide(rb: Rulebook, roster: Roster, i: int) -> ColumnGuide:
    model = rb.pack.model
    col = roster.columns[i]
    name = col.name
    example = roster.example[i] if i < len(roster.example) else ""
    need, meaning, forms, fmt = MAY_BE_EMPTY, "", [], "general"
    choices: tuple[str, ...] = col.choices
    strict = listed = False
    typed = text_columns(rb.pack, roster)
    if name in typed:
        fmt = "text"
    slot = next((s for s in roster.slots if s.column == name), None)
    by_column = {s.name: s.column for s in roster.slots}
    field = next((f for f, c in roster.fields.items() if c == name), None)
    if roster.valid and name in roster.valid:
        fmt = "date"
        forms.append(DATE_FORMS)
        if name == roster.valid[0]:
            need, meaning = REQUIRED, "本行所记任职或关系开始的日期"
        else:
            meaning = "本行所记任职或关系结束的日期；留空表示仍在任、仍有效"
    elif field:
        need = REQUIRED if RECORD_FIELDS[roster.record][field] else MAY_BE_EMPTY
        meaning = _FIELD_MEANING.get((roster.record, field), "")
        if field in ("date", "occurred"):
            fmt = "date"
            forms.append(DATE_FORMS)
        elif field == "type" and roster.record == "finding":
            choices, strict = tuple(rb.finding_types), True
        elif field == "object_type":
            choices, strict = tuple(model.objects), True
        elif field == "item":
            choices, strict = tuple(rb.evidence()), True
        elif field == "days":
            forms.append("大于0的数字")
    elif slot is not None:
        need = MAY_BE_EMPTY if slot.optional else REQUIRED
        meaning = _slot_meaning(rb, roster, slot, by_column)
        if slot.many:
            forms.append("多个时用顿号（、）分隔")
        if slot.vocabulary:
            choices, strict = tuple(getattr(rb, slot.vocabulary, ()) or ()), True
    else:
        meaning = _other_meaning(rb, roster, name, by_column)
    for kind in model.kinds.values():
        prop = next((p for p in kind.props.values() if p.column == name), None)
        if prop is None or not any(s.mode == "create" and s.kind == kind.name for s in roster.slots):
            continue
        if prop.required and need != REQUIRED:
            need = REQUIRED
        if prop.type == "bool":
            choices = choices or ("是", "否")
            forms.append("从下拉列表选择 是 或 否（也接受 Y/N、1/0、√）")
            listed = True
            meaning = meaning or (f"{kind.label}是否为{prop.flag}" if prop.flag else f"{kind.label}的{name}（是/否）")
        elif prop.type == "date":
            fmt = "date"
            forms.append(DATE_FORMS)
        elif prop.type == "id_number":
            fmt = "text"
            forms.append("18位身份证号（末位可为X）；导入后只保存掩码与密钥散列")
        elif prop.type == "int":
            forms.append("整数")
        meaning = meaning or f"{kind.label}的{name}"
        if prop.default:
            forms.append(f"留空时为“{prop.default}”")
    for slot_ in roster.slots:
        for column, typ in slot_.identity:
            if column == name:
                who = slot_.column or slot_.name
                meaning = meaning or (f"“{who}”的身份证号：用于认定同一人；项目只保存掩码与密钥散列" if typ == "id_number"
                                      else f"“{who}”的干部编号：各名单中同一编号即同一人")
                if typ == "id_number":
                    forms.append("18位身份证号（末位可为X）")
    post_from, holder = _post_from(roster, name)
    if post_from is not None:
        meaning = meaning if meaning and not meaning.startswith("“") else f"“{holder}”的{name}，据此认定其所任职务"
        if post_from.invalid:  # a closed list: the loader refuses other titles
            forms.append(post_from.invalid)
            choices = choices or tuple(dict.fromkeys(m.post for m in post_from.match))
        elif post_from.match:
            forms.append("；".join(f"含“{'”“'.join(m.has)}”{_lacks(m)}→ {m.post}" for m in post_from.match
                                  if not m.fallback)
                         + "；其余职务只记为职务名称")
    coded = any(column == name for s in roster.slots for column, _ in s.identity) or any("18位" in f for f in forms)
    if fmt == "text" and (coded or re.fullmatch(r"[A-Za-z]*\d[\dA-Za-z]*", example)):
        forms.insert(0, "按文本录入（整列已设为文本格式，长编号不会变成科学计数法）")
    if col.note:
        meaning = col.note
    if col.optional:
        need = OPTIONAL_COLUMN
    if listed:
        pass
    elif choices and not strict:
        forms.append("可从下拉列表选择：" + "、".join(choices))
    elif choices:
        forms.append("从下拉列表选择（须为所列之一）")
    width = _width_for(name, example, fmt, forms)
    return ColumnGuide(name, need, meaning or name, "；".join(dict.fromkeys(f for f in forms if f)), col.aliases,
                       example, fmt, choices, strict, width)


def _slot_meaning(rb: Rulebook, roster: Roster, slot: Any, by_column: dict[str, str]) -> str:
    model = rb.pack.model
    if slot.mode == "person":
        posts = []
        for group in roster.groups:
            for hold in group.holds:
                if hold.person != slot.name:
                    continue
                owner = model.label(model.root) if hold.of == "root" else by_column.get(hold.of) or \
                    model.label(roster.slot(hold.of).kind)  # type: ignore[union-attr]
                title = hold.post or f"“{hold.post_from.column}”列所写职务"  # type: ignore[union-attr]
                posts.append(f"{title}（{owner}）")
            for edge in group.edges:
                if edge.src == slot.name:
                    target = by_column.get(edge.dst) or model.label(roster.slot(edge.dst).kind)  # type: ignore
                    posts.append(f"{edge.role or model.edge_label(edge.edge)}（{target}）")
        return "人员姓名" + (f"，任{'、'.join(dict.fromkeys(posts))}" if posts else "")
    label = model.label(slot.kind)
    within = f"，须在“{by_column.get(slot.within, slot.within)}”之内" if slot.within else ""
    if slot.mode == "create":
        return f"本表登记的{label}{within}"
    hint = f"（{slot.hint}）" if slot.hint else ""
    return f"{label}，须已在项目中{within}{hint}"


def _other_meaning(rb: Rulebook, roster: Roster, name: str, by_column: dict[str, str]) -> str:
    for slot in roster.slots:
        for prop, column in slot.props.items():
            if column == name:
                return f"“{slot.column or slot.name}”的{name}"
    return ""


def _post_from(roster: Roster, name: str) -> tuple[Any, str]:
    """The post_from reading this column, and the column of the person who holds the post."""
    for group in roster.groups:
        for hold in group.holds:
            if hold.post_from is not None and hold.post_from.column == name:
                person = roster.slot(hold.person)
                return hold.post_from, (person.column if person else hold.person)
    return None, ""


def _lacks(match: Any) -> str:
    return f"且不含“{'”“'.join(match.lacks)}”" if match.lacks else ""


def _width_for(name: str, example: str, fmt: str, forms: list[str]) -> int:
    """Excel column width: the header (bold, with a filter button), the example, an 18-digit
    身份证号 in an id_number column, a date."""
    want = max(display_width(name) + 4, display_width(example) + 2)
    if any("18位" in f for f in forms):
        want = max(want, 22)
    elif fmt == "date":
        want = max(want, 12)
    elif fmt == "text":
        want = max(want, 16)
    return min(max(want, 8), 40)


def display_width(s: str) -> int:
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(c) in "WF" else 1 for c in s)
