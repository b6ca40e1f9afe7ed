"""Pieces both reports share: how a source row, a tenure, a duty record, a period and the
data behind a document are written, and which township a finding lies in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from ..graph.rules import Rulebook
from .model import Document, Heading, Paragraph, Signatures, Table

__all__ = ["NUMERALS", "where", "tenure_text", "liability_cells", "cell_date", "person_text", "post_text", "duty_table", "period_label",
           "cn_date", "data_sources", "signatures", "finding_townships", "township_of", "township_rows",
           "object_props", "Numbering", "COUNTY_ROW", "MIXED_ROW", "clause_text", "not_triggered", "place_levels"]

#: A holder this short in post gets "到任N天" after the name (as `zeren check` shows it).
RECENT_DAYS = 180
COUNTY_ROW = "县级（不属某一乡镇）"
MIXED_ROW = "跨乡镇"

NUMERALS = "一二三四五六七八九十"
_ROLE_SYNTAX = re.compile(r"^[a-z_]+(?:[.(]|$)")
_STATUS = {"met": "已完成", "missed": "未完成", "open": "期间未结束"}
_PROP_LABELS = {"head": "户主姓名", "village": "村", "township": "乡镇", "id_number": "身份证号", "household": "户编号",
                "status": "状态", "made": "制定日期", "phone": "电话", "unit": "单位", "poor": "是否贫困村"}


class Numbering:
    """一、二、… for level-1 headings and （一）（二）… below each, as official documents number them."""

    def __init__(self) -> None:
        self.top = 0
        self.sub = 0

    def h1(self, text: str) -> Heading:
        self.top += 1
        self.sub = 0
        return Heading(f"{_numeral(self.top)}、{text}", 1)

    def h2(self, text: str) -> Heading:
        self.sub += 1
        return Heading(f"（{_numeral(self.sub)}）{text}", 2)


def _numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def where(src: Mapping[str, Any] | None) -> str:
    """``结对帮扶.csv:第4行`` (with the sheet of a workbook): the roster row a fact came from."""
    if not src or not src.get("file"):
        return ""
    name = str(src["file"]).replace("\\", "/").rsplit("/", 1)[-1]
    if name.startswith("rulebook:"):
        return f"规则手册 {name.split(':', 1)[1]}"
    sheet = f":{src['sheet']}" if src.get("sheet") else ""
    return f"{name}{sheet}:第{src['row']}行" if src.get("row") else f"{name}{sheet}"


def tenure_text(tenure: Any) -> str:
    """``2019-05-13 至今`` or ``2018-06-01 至 2019-05-12`` from a ``{"from", "to"}`` record."""
    if not tenure:
        return ""
    if isinstance(tenure, Mapping):
        lo, hi = tenure.get("from"), tenure.get("to")
    else:
        lo, hi = (list(tenure) + [None, None])[:2]
    if not lo and not hi:
        return ""
    return f"{lo or '…'} 至 {hi or '今'}"


def person_text(d: Mapping[str, Any]) -> str:
    """The liable person with the tenure of the assignment, and who held the post on the
    finding's day where that was someone else."""
    person = d.get("person") or ("（该日无人在职）" if str(d.get("party") or "").startswith("post:") else "—")
    parts = [str(person)]
    tenure = tenure_text(d.get("tenure"))
    days = d.get("days_in_post")
    recent = f"到任{days}天" if d.get("person") and isinstance(days, int) and days < RECENT_DAYS else ""
    if tenure or recent:
        parts.append(f"（{'，'.join(x for x in (f'任职 {tenure}' if tenure else '', recent) if x)}）")
    other = d.get("holder_at_finding")
    if other:
        name = other.get("person") or other.get("name") if isinstance(other, Mapping) else str(other)
        when = tenure_text(other.get("tenure")) if isinstance(other, Mapping) else ""
        if name and name != d.get("person"):
            parts.append(f"；发现日在职：{name}" + (f"（任职 {when}）" if when else ""))
    return "".join(parts)


#: Liability columns that hold counts.
NUMBER_COLUMNS = {"numerator", "denominator", "days_in_post"}


def cell_date(v: Any) -> Any:
    """An ISO date as a date for a workbook cell (None when empty; anything else as given)."""
    try:
        return date.fromisoformat(str(v)) if v else None
    except ValueError:
        return v


def liability_cells(d: Mapping[str, Any], columns: Sequence[str], rulebook: Rulebook | None = None, *,
                    typed: bool = False) -> list[Any]:
    """The cells of one liability (its ``as_dict()``) under ``columns``, as a reader sees them:
    是/否, the post's label, the finding numbers, the tenure and the source row in words. ``typed``
    (a workbook): counts stay numbers or empty (None), dates are dates; otherwise all text."""
    out: list[Any] = []
    for c in columns:
        v = d.get(c)
        if c in ("triggered", "near_miss"):
            out.append("是" if v else "否")
        elif c == "post":
            out.append(post_text(v, rulebook))
        elif c == "person":
            out.append(v or ("（该日无人在职）" if str(d.get("party") or "").startswith("post:") else ""))
        elif c in NUMBER_COLUMNS:
            out.append(v if isinstance(v, int) else (None if typed else ""))
        elif c == "date" and typed:
            out.append(cell_date(v))
        elif c == "findings":
            out.append("、".join(f"#{n}" for n in v or []))
        elif c == "tenure":
            out.append(tenure_text(v))
        elif c == "holder_at_finding":
            out.append(str(v.get("person") or v.get("name") or "") if isinstance(v, Mapping) else str(v or ""))
        elif c == "source":
            out.append(where(v))
        else:
            out.append("" if v is None else str(v))
    return out


def post_text(post: str | None, rulebook: Rulebook | None = None) -> str:
    """A reader's name for a post: role-path syntax (``township.post(党委书记)``) becomes its label."""
    post = post or ""
    if not _ROLE_SYNTAX.match(post) or rulebook is None:
        return post
    for step in rulebook.trace_chain:
        if step.get("role") == post and step.get("label"):
            return str(step["label"])
    try:
        from ..queries.paths import role_label

        return role_label(rulebook.role(post), rulebook)
    except Exception:  # a path this rulebook cannot parse: show it as written
        return post


def duty_table(duties: Any) -> Table | None:
    """A liable holder's duty record (应履职 / 已履职 per duty and window), or None.

    Each record is what ``zeren duties`` judges: ``what`` (or ``duty``), the ``window`` (a label,
    or ``from``/``to``), ``person``, ``required``, ``done``, ``unit``, ``status`` (met, missed, open).
    """
    if not duties:
        return None
    records = [duties] if isinstance(duties, Mapping) else list(duties)
    rows = []
    for r in records:
        if not isinstance(r, Mapping):
            continue
        window = str(r.get("window") or tenure_text({"from": r.get("from"), "to": r.get("to")}))
        unit = str(r.get("unit") or "")
        rows.append([str(r.get("what") or r.get("duty") or ""), window, str(r.get("person") or ""),
                     _num(r.get("required"), unit), _num(r.get("done"), unit),
                     _STATUS.get(str(r.get("status", "")), str(r.get("status", "")))])
    if not rows:
        return None
    return Table(["职责", "期间", "履职人", "应履职", "已履职", "结论"], rows, [2.6, 2.6, 1.8, 1.3, 1.3, 1.4])


def _num(value: Any, unit: str = "") -> str:
    return "" if value is None else f"{value}{unit}"


def cn_date(iso: str) -> str:
    """``2019-04-01`` → ``2019年4月1日``."""
    try:
        d = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return f"{d.year}年{d.month}月{d.day}日"


_QUARTERS = {1: "第一季度", 4: "第二季度", 7: "第三季度", 10: "第四季度"}


def period_label(lo: str, hi: str) -> str:
    """``2019年第二季度``, ``2019年上半年``, ``2019年``, ``2019年5月`` or the two dates."""
    from calendar import monthrange

    try:
        a, b = date.fromisoformat(lo), date.fromisoformat(hi)
    except (TypeError, ValueError):
        return f"{lo}至{hi}"
    whole_months = a.day == 1 and b.day == monthrange(b.year, b.month)[1] and a.year == b.year
    if whole_months:
        span = (a.month, b.month)
        if span == (1, 12):
            return f"{a.year}年"
        if span == (1, 6):
            return f"{a.year}年上半年"
        if span == (7, 12):
            return f"{a.year}年下半年"
        if b.month - a.month == 2 and a.month in _QUARTERS:
            return f"{a.year}年{_QUARTERS[a.month]}"
        if a.month == b.month:
            return f"{a.year}年{a.month}月"
    return f"{cn_date(lo)}至{cn_date(hi)}"


def object_props(props: Mapping[str, Any]) -> list[list[str]]:
    """An object's properties as (label, value) rows, node ids shown by their names."""
    rows = []
    for k, v in props.items():
        if v in (None, "", [], {}):
            continue
        text = str(v)
        if re.match(r"^[a-z_]+:", text):
            text = text.split(":", 1)[1]
        if isinstance(v, bool):
            text = "是" if v else "否"
        rows.append([_PROP_LABELS.get(k, k), text])
    return rows


def data_sources(doc: Document, numbering: Numbering, rulebook: Rulebook, batches: Sequence[Mapping[str, Any]],
                 project: str, today: str, extra: Iterable[str] = ()) -> None:
    """The rulebook, the load batches the project held, the date of generation."""
    doc.add(numbering.h1("依据与数据来源"))
    doc.add(Paragraph(f"《{rulebook.title}》（{rulebook.document}，{rulebook.issuer}，{cn_date(rulebook.date)}印发），"
                      f"规则手册 {rulebook.name}。", "body", "规则手册："))
    if batches:
        last = batches[-1]
        loaded = _when(last.get("loaded_at"))
        doc.add(Paragraph(f"项目 {project}，截至第 {last.get('id')} 批导入（{loaded}）的名单与督查发现。",
                          "body", "数据："))
        shown = list(batches)[-10:]
        rows = [[str(b.get("id", "")), _when(b.get("loaded_at")), _files(b.get("files") or [])] for b in shown]
        caption = f"（另有更早的 {len(batches) - len(shown)} 批未列出）" if len(batches) > len(shown) else ""
        doc.add(Table(["批次", "导入时间", "文件"], rows, [1, 3, 6], caption=caption))
    else:
        doc.add(Paragraph(f"项目 {project}。", "body", "数据："))
    for line in extra:
        doc.add(Paragraph(line, "body"))
    doc.add(Paragraph(f"{cn_date(today)}由 zeren 依据上述数据生成。所列人员按认定日期的任职名单认定；"
                      "来源栏为原始名单文件及行号，可据此核对。", "body", "生成："))


def _when(stamp: Any) -> str:
    s = str(stamp or "")
    return s[:16].replace("T", " ") if s else ""


def _files(files: Sequence[Any]) -> str:
    names = [str(f).replace("\\", "/").rsplit("/", 1)[-1] for f in files]
    return "、".join(names[:8]) + (f" 等 {len(names)} 个文件" if len(names) > 8 else "")


def signatures(doc: Document) -> None:
    doc.add(Signatures(["经办人", "审核人"]))


# -- where findings lie ----------------------------------------------------------------------
def finding_townships(store: Any, findings: Iterable[Any]) -> dict[int, str]:
    """The township each finding's object lay in on the finding's day (by name); findings on
    the county or a county unit have none."""
    from ..queries.paths import Resolver

    r = Resolver(store)
    kind = place_levels(store.rulebook)[0]
    out: dict[int, str] = {}
    for f in findings:
        try:
            tid = r.lift(f.object_id, kind, f.date)
        except Exception:  # an object kind with no way up to a township (a county, a unit)
            tid = None
        if tid:
            out[f.n] = r.name(tid)
    return out


def place_levels(rulebook: Any) -> tuple[str, ...]:
    """The pack's place levels below the county (Tongwei: township, village)."""
    try:
        levels = tuple(rulebook.pack.org.levels)
    except AttributeError:
        levels = ()
    return levels or ("township", "village")


def township_of(entry: Mapping[str, Any], townships: Mapping[int, str],
                levels: Sequence[str] = ("township", "village")) -> str:
    """The township a liability arises in: that of its findings (several joined by 、); else
    what its scope names (a township, or a village as ``乡镇/村``); '' for the county."""
    names = list(dict.fromkeys(townships[n] for n in entry.get("findings") or [] if n in townships))
    if names:
        return "、".join(names)
    kind, _, name = str(entry.get("scope_id") or "").partition(":")
    if kind == levels[0]:
        return name
    if kind in levels[1:] and "/" in name:
        return name.split("/", 1)[0]
    return ""


def township_rows(entries: Iterable[Mapping[str, Any]],
                  townships: Mapping[int, str], levels: Sequence[str] = ("township", "village"),
                  ) -> dict[str, list[Mapping[str, Any]]]:
    """Liabilities grouped by the township they arise in (several: 跨乡镇; none: 县级)."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for d in entries:
        name = township_of(d, townships, levels)
        out.setdefault(MIXED_ROW if "、" in name else (name or COUNTY_ROW), []).append(d)
    return out


def clause_text(rulebook: Rulebook, clause_id: str) -> str:
    """A clause's own words from the rulebook."""
    try:
        return rulebook.clause(clause_id).text
    except KeyError:
        return "（规则手册中没有该条款的原文）"


def not_triggered(liabilities: Sequence[Any], rulebook: Rulebook) -> list[list[str]]:
    """Rules not triggered (or not applicable), one row per rule and scope, with their figures."""
    seen, rows = set(), []
    for li in liabilities:
        if li.triggered:
            continue
        applicable = getattr(li, "applicable", True)
        key = (li.rule, li.scope, "" if applicable else li.explanation)
        if key in seen:
            continue
        seen.add(key)
        what = li.scope or ("全部" if applicable else post_text(li.post, rulebook))
        rows.append([li.clause, li.rule, what, li.explanation + ("（临界）" if li.near_miss else "")])
    return rows


def other_outcomes(doc: Document, numbering: Numbering, result: Any, rulebook: Rulebook, *,
                   figures_note: bool = False, warnings_shown: int | None = None) -> None:
    """The section after the liabilities: rules not triggered (with their figures), rules that
    apply but name nobody on the day (with what to fix), and the data warnings."""
    others = not_triggered(result.liabilities, rulebook)
    unresolved = list(getattr(result, "unresolved", []))
    warnings = list(getattr(result, "warnings", []))
    if not (others or unresolved or warnings):
        return
    doc.add(numbering.h1("未触发、无法认定的规则及数据警告"))
    if others:
        if figures_note:
            doc.add(Paragraph("以下规则经核算未触发（列出计算结果，便于核对）：", "plain"))
        doc.add(Table(["条款", "规则", "范围", "说明"], others, [1, 1.3, 2, 6]))
    if unresolved:
        doc.add(Paragraph("以下规则适用，但在认定日期找不到责任人，需核实名单后补充认定：", "plain"))
        doc.add(Table(["规则", "责任类型", "职务", "机构", "范围", "原因", "处理建议"],
                      [[u.rule, u.kind, u.post, u.body, u.scope or "", u.reason, u.hint] for u in unresolved],
                      [1.1, 1.4, 1.6, 1.8, 1.3, 2.6, 2.6]))
    shown = warnings if warnings_shown is None else warnings[:warnings_shown]
    for w in shown:
        doc.add(Paragraph(w.message, "note", "数据警告："))
    if len(warnings) > len(shown):
        doc.add(Paragraph(f"另有 {len(warnings) - len(shown)} 条数据警告，见 zeren check 的输出。", "note"))
