"""The quarter as a 通报: what a window's check found, by clause and by township, then each
clause's liabilities in full. Set as Word or PDF by :func:`zeren.documents.report.render`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..graph.rules import Rulebook
from .model import DocNumber, Document, Paragraph, Table, Title
from .parts import (COUNTY_ROW, MIXED_ROW, Numbering, clause_text, cn_date, data_sources, other_outcomes, period_label,
                    person_text, post_text, place_levels, signatures, township_of, township_rows)

__all__ = ["check_document"]


def check_document(result: Any, rulebook: Rulebook, *, townships: Mapping[int, str], township: str | None = None,
                   batches: Sequence[Mapping[str, Any]] = (), project: str = "", today: str | None = None) -> Document:
    """The 通报's content from a :class:`~zeren.queries.check.CheckResult`; ``townships`` maps a
    finding's number to the township it lies in (:func:`.parts.finding_townships`)."""
    today = today or date.today().isoformat()
    period = period_label(result.date_from, result.date_to)
    where_ = township or ""
    title = f"关于{where_}{period}《{rulebook.title}》落实情况的通报"
    doc = Document(title, subject=f"责任清单落实情况 {result.date_from} 至 {result.date_to}")
    doc.add(DocNumber(f"〔{today[:4]}〕第　　号"), Title(title))

    entries = [li.as_dict() for li in result.liabilities]
    triggered = [d for d in entries if d["triggered"]]
    persons = {d.get("person_id") or d.get("person") for d in triggered if d.get("person")}
    organs = {d.get("body") for d in triggered if not d.get("person") and d.get("body")}
    quiet = {d["rule"] for d in entries if not d["triggered"]}
    doc.add(Paragraph(
        f"根据《{rulebook.title}》（{rulebook.document}），对{where_}{cn_date(result.date_from)}至{cn_date(result.date_to)}"
        f"期间的{len(result.findings)}条督查发现逐条对照责任清单进行了核查，共认定责任{len(triggered)}项，"
        f"涉及责任人{len(persons)}名、单位（机构）{len(organs)}个；{len(quiet)}条规则未触发。现将有关情况通报如下。"))
    n = Numbering()

    doc.add(n.h1("总体情况"))
    doc.add(Paragraph("按责任清单条款统计：", "plain"))
    doc.add(_by_clause(triggered, rulebook))
    doc.add(Paragraph("按乡镇统计（责任按其所依据的督查发现所在乡镇归属）：", "plain"))
    doc.add(_by_township(triggered, result.findings, townships, rulebook))

    doc.add(n.h1("责任认定情况"))
    if not triggered:
        doc.add(Paragraph("本期督查发现未触发任何责任条款。"))
    for clause in _clause_order(rulebook, triggered):
        group = [d for d in triggered if d["clause"] == clause]
        title_ = _clause_title(rulebook, clause)
        doc.add(n.h2(f"{clause}　{title_}（{len(group)}项）"))
        doc.add(Paragraph(clause_text(rulebook, clause), "quote", "条款原文："))
        for rule in dict.fromkeys(d["rule"] for d in group):
            _rule_block(doc, [d for d in group if d["rule"] == rule], townships, rulebook)

    standing = [li.as_dict() for li in getattr(result, "standing", [])]
    if standing:
        doc.add(n.h1("常设责任"))
        doc.add(Paragraph("联系、包抓范围内触发了责任的，相关县级领导的常设责任一并列出：", "plain"))
        doc.add(Table(["条款", "责任类型", "职务", "责任人", "机构", "范围", "督查发现"],
                      [[d["clause"], d["kind"], post_text(d.get("post"), rulebook), person_text(d), d.get("body") or "",
                        d.get("scope") or "", _numbers(d.get("findings"))] for d in standing],
                      [0.9, 1.7, 2.2, 1.6, 2.2, 1.4, 2]))

    other_outcomes(doc, n, result, rulebook, warnings_shown=20)

    data_sources(doc, n, rulebook, batches, project, today)
    signatures(doc)
    return doc


def _clause_order(rulebook: Rulebook, entries: Sequence[Mapping[str, Any]]) -> list[str]:
    present = {d["clause"] for d in entries}
    ordered = [c.id for c in rulebook.clauses if c.id in present]
    return ordered + sorted(present - set(ordered))


def _clause_title(rulebook: Rulebook, clause: str) -> str:
    try:
        return rulebook.clause(clause).title
    except KeyError:
        return ""


def _kinds(entries: Sequence[Mapping[str, Any]]) -> str:
    return "、".join(f"{k} {c}" for k, c in Counter(d["kind"] for d in entries).most_common())


def _numbers(ns: Sequence[int] | None, limit: int = 6) -> str:
    ns = sorted(ns or [])
    text = "、".join(f"#{n}" for n in ns[:limit])
    return text + (f" 等{len(ns)}条" if len(ns) > limit else "")


def _by_clause(entries: list[dict[str, Any]], rulebook: Rulebook) -> Table:
    rows = []
    for clause in _clause_order(rulebook, entries):
        group = [d for d in entries if d["clause"] == clause]
        found = {n for d in group for n in d.get("findings") or []}
        rows.append([clause, _clause_title(rulebook, clause), str(len(found)), str(len(group)), _kinds(group)])
    found_all = {n for d in entries for n in d.get("findings") or []}
    rows.append(["合计", "", str(len(found_all)), str(len(entries)), _kinds(entries)])
    return Table(["条款", "内容", "督查发现", "认定责任", "责任类型"], rows, [1, 3.6, 1.7, 1.7, 3.4])


def _by_township(entries: list[dict[str, Any]], findings: Sequence[Any], townships: Mapping[int, str],
                 rulebook: Rulebook) -> Table:
    grouped = township_rows(entries, townships, place_levels(rulebook))
    found = Counter(townships.get(f.n, COUNTY_ROW) for f in findings)
    names = sorted(set(grouped) | set(found), key=lambda t: (t in (COUNTY_ROW, MIXED_ROW), -len(grouped.get(t, [])), t))
    rows = []
    for name in names:
        group = grouped.get(name, [])
        clauses = "、".join(dict.fromkeys(d["clause"] for d in group))
        rows.append([name, str(found.get(name, 0)) if name != MIXED_ROW else "—", str(len(group)), clauses,
                     _kinds(group)])
    rows.append(["合计", str(len(findings)), str(len(entries)), "", ""])
    return Table(["乡镇", "督查发现", "认定责任", "涉及条款", "责任类型"], rows, [2, 1.7, 1.7, 2.4, 3.6])


def _rule_block(doc: Document, group: list[dict[str, Any]], townships: Mapping[int, str], rulebook: Rulebook) -> None:
    first = group[0]
    levels = place_levels(rulebook)
    doc.add(Paragraph(first.get("summary") or "", "body", f"规则 {first['rule']}："))
    if first.get("consequence") or first.get("by"):
        by = f"（决定机关：{first['by']}）" if first.get("by") else ""
        doc.add(Paragraph(f"{first.get('consequence') or '—'}{by}", "body", "处理："))
    reasons = list(dict.fromkeys(d.get("explanation") or "" for d in group))
    if len(reasons) == 1:
        if reasons[0]:
            doc.add(Paragraph(reasons[0], "body", "认定依据："))
        doc.add(Table(["责任类型", "职务", "责任人", "机构", "乡镇", "范围", "督查发现"],
                      [[d["kind"], post_text(d.get("post"), rulebook), person_text(d), d.get("body") or "",
                        township_of(d, townships, levels), d.get("scope") or "", _numbers(d.get("findings"))]
                       for d in group],
                      [1.6, 1.8, 1.5, 2.0, 1.4, 2.6, 1.5]))
    else:
        doc.add(Table(["责任类型", "职务", "责任人", "机构", "乡镇", "认定依据"],
                      [[d["kind"], post_text(d.get("post"), rulebook), person_text(d), d.get("body") or "",
                        township_of(d, townships, levels), d.get("explanation") or ""] for d in group],
                      [1.7, 1.8, 1.6, 1.9, 1.3, 4.6]))
