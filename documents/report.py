"""The 责任倒查报告 of one plan, household or finding, and the entry points of every document.

``trace_report`` runs the trace and sets it as a report an officer signs and files: the
findings, the chain with the roster row behind each link, each liability with its clause's
own words, the arithmetic, the holder's tenure and duty record and the consequence, the
diagram, and the rulebook and load batches it was computed from. ``check_report`` sets a
window's check as a 通报 (Word, PDF) or a workbook (Excel). Both return the file's bytes.

Why PDF through WeasyPrint (see :mod:`.pdf`): it lays out Chinese with Pango and HarfBuzz in
process in a fraction of a second, embeds subsets of the installed Noto CJK fonts, repeats
table headers on every page and numbers pages from CSS; LibreOffice would pull ~110 Debian
packages and take seconds per conversion, reportlab cannot use the CFF-outline Noto CJK fonts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..graph.errors import ZerenError
from ..graph.privacy import mask_text
from ..graph.rules import Rulebook
from .model import DocNumber, Document, Image, Paragraph, Table, Title
from .parts import (Numbering, clause_text, cn_date, data_sources, duty_table, finding_townships, other_outcomes,
                    object_props, person_text, post_text, signatures, where)

__all__ = ["trace_report", "check_report", "trace_document", "render", "DOC_FORMATS"]

DOC_FORMATS = ("docx", "pdf")
DIAGRAM_DPI = 200


def trace_report(store: Any, subject: str, ident: str, *, fmt: str = "docx", at: str | None = None,
                 date_from: str | None = None, date_to: str | None = None, show_personal_data: bool = False,
                 today: str | None = None) -> bytes:
    """The 责任倒查报告 of a ``plan``, ``household`` or ``finding`` (its number), as .docx or .pdf bytes.

    ``at``, ``date_from``, ``date_to`` are those of :func:`zeren.queries.trace.trace`; ``today``
    is the date of generation printed in the report (default: today).
    """
    from ..queries.trace import trace

    _check_format(fmt, DOC_FORMATS)
    result = trace(store, subject, ident, at=at, date_from=date_from, date_to=date_to,
                   show_personal_data=show_personal_data)
    doc = trace_document(result, store.rulebook, batches=_batches(store), project=_project(store),
                         today=today or date.today().isoformat(), diagram=diagram(result, store.rulebook))
    return render(doc, fmt, show_personal_data=show_personal_data)


def check_report(store: Any, date_from: str, date_to: str, *, fmt: str = "docx", township: str | None = None,
                 show_personal_data: bool = False, today: str | None = None) -> bytes:
    """A window's check as a 通报 (.docx, .pdf) or a workbook of every liability (.xlsx)."""
    from ..queries.check import check

    _check_format(fmt, (*DOC_FORMATS, "xlsx"))
    result = check(store, date_from, date_to, township=township)
    townships = finding_townships(store, result.findings)
    if fmt == "xlsx":
        from .xlsx import check_workbook

        return check_workbook(result, show_personal_data=show_personal_data, townships=townships,
                              rulebook=store.rulebook)
    from .bulletin import check_document

    doc = check_document(result, store.rulebook, townships=townships, township=township, batches=_batches(store),
                         project=_project(store), today=today or date.today().isoformat())
    return render(doc, fmt, show_personal_data=show_personal_data)


def render(doc: Document, fmt: str, *, show_personal_data: bool = False) -> bytes:
    """Set a document as .docx or .pdf bytes, personal data masked unless asked for."""
    _check_format(fmt, DOC_FORMATS)
    if not show_personal_data:
        doc = doc.masked(mask_text)
    if fmt == "pdf":
        from .pdf import render_pdf

        return render_pdf(doc)
    from .word import render_docx

    return render_docx(doc)


def _check_format(fmt: str, allowed: Sequence[str]) -> None:
    if fmt not in allowed:
        raise ZerenError(f"未知的文件格式“{fmt}”；可用：{', '.join(allowed)} (unknown document format)")


def _batches(store: Any) -> list[Mapping[str, Any]]:
    getter = getattr(store, "batches", None)
    try:
        return list(getter()) if getter else []
    except Exception:  # a server store may keep no load register
        return []


def _project(store: Any) -> str:
    path = str(getattr(store, "path", "") or "")
    return path.replace("\\", "/").rsplit("/", 1)[-1] or "（未命名）"


# -- the diagram ---------------------------------------------------------------------------
def diagram(result: Any, rulebook: Rulebook | None = None) -> Image:
    """The trace's chain drawn by Graphviz as a PNG; where ``dot`` is missing, a note instead."""
    import os
    import tempfile

    from ..visualize.diagrams import DotNotFound, render as draw, trace_graph

    caption = "责任链示意图（实线：牵头；虚线：协助；点线：监督；彩色边框：承担责任）"
    graph = trace_graph(result, rulebook)
    # Left to right, the chain fits a portrait page (bottom to top it is four times wider than
    # tall); the caption below the picture replaces the drawing's own title.
    graph.attr("graph", rankdir="LR", label="", dpi=str(DIAGRAM_DPI))
    with tempfile.TemporaryDirectory(prefix="zeren-doc-") as tmp:
        path = os.path.join(tmp, "trace.png")
        try:
            draw(graph, path)
        except DotNotFound:
            return Image(None, caption, "（本机未安装 Graphviz，未能绘制责任链示意图；"
                                        "安装 graphviz 后重新生成本报告即可附图。）")
        except ZerenError as err:
            return Image(None, caption, f"（责任链示意图未能绘制：{err}）")
        with open(path, "rb") as fh:
            png = fh.read()
    w, h = _png_size(png)
    return Image(png, caption, width_px=w, height_px=h, dpi=DIAGRAM_DPI)


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


# -- the trace report ----------------------------------------------------------------------
def trace_document(result: Any, rulebook: Rulebook, *, batches: Sequence[Mapping[str, Any]] = (),
                   project: str = "", today: str | None = None, diagram: Image | None = None) -> Document:
    """The report's content from a :class:`~zeren.queries.trace.TraceResult`."""
    today = today or date.today().isoformat()
    findings = [f for f in result.findings if result.date_from <= f.date <= result.date_to]
    obj = _object_phrase(result, rulebook)
    types = "、".join(dict.fromkeys(f.type for f in findings))
    title = f"关于{obj}“{types}”问题的责任倒查报告" if types else f"关于{obj}的责任倒查报告"
    doc = Document(title, subject=f"责任倒查 {result.subject} {result.subject_id}")
    doc.add(DocNumber(f"〔{today[:4]}〕第　　号"), Title(title))
    doc.add(Paragraph(f"根据《{rulebook.title}》（{rulebook.document}），对{obj}倒查原因、厘清责任。"
                      f"责任人按{cn_date(result.at)}的任职名单认定，督查发现的评估期间为{cn_date(result.date_from)}"
                      f"至{cn_date(result.date_to)}。现将倒查情况报告如下。"))
    n = Numbering()

    doc.add(n.h1("督查发现"))
    if findings:
        doc.add(Table(["编号", "发现日期", "督查主体", "问题类型", "对象", "说明"],
                      [[f"#{f.n}", f.date, f.inspector or "—", f.type, f.object_text, f.note or ""] for f in findings],
                      [1.1, 2.1, 1.8, 2, 2.4, 2.6]))
    else:
        doc.add(Paragraph(f"{cn_date(result.date_from)}至{cn_date(result.date_to)}期间没有涉及该对象的督查发现。"))
    props = object_props(result.object.get("props") or {})
    if props:
        doc.add(Paragraph(f"{result.object.get('name', '')}：" + "；".join(f"{k} {v}" for k, v in props), "body",
                          "对象信息："))

    doc.add(n.h1("责任链"))
    doc.add(Paragraph(f"自{obj}向上逐级至县，列出{cn_date(result.at)}在各环节任职的人员、相互关系及其所依据的名单行。"))
    doc.add(Table(["环节", "职务/名称", "责任人", "关系", "来源"], [_chain_row(c) for c in result.chain],
                  [2.5, 2.8, 1.8, 3.2, 2.3]))
    doc.add(diagram if diagram is not None else Image(None, "责任链示意图", "（未附责任链示意图。）"))

    triggered = [li.as_dict() for li in result.liabilities if li.triggered]
    doc.add(n.h1("责任认定"))
    if triggered:
        _liabilities(doc, n, triggered, rulebook)
    else:
        doc.add(Paragraph("本期涉及该对象的督查发现未触发任何责任条款。"))

    standing = [li.as_dict() for li in getattr(result, "standing", [])]
    if standing:
        doc.add(n.h1("常设责任"))
        doc.add(Paragraph("以下责任不需督查发现触发，由责任清单直接规定，供认定时一并参考。"))
        for clause in dict.fromkeys(d["clause"] for d in standing):
            doc.add(Paragraph(clause_text(rulebook, clause), "quote", f"{clause} 条款原文："))
        doc.add(Table(["条款", "责任类型", "职务", "责任人", "机构", "范围"],
                      [[d["clause"], d["kind"], post_text(d.get("post"), rulebook), person_text(d), d.get("body") or "",
                        d.get("scope") or ""] for d in standing], [1, 1.8, 2.4, 2.4, 2.4, 1.6]))

    other_outcomes(doc, n, result, rulebook, figures_note=True)

    data_sources(doc, n, rulebook, batches, project, today)
    signatures(doc)
    return doc


def _object_phrase(result: Any, rulebook: Rulebook) -> str:
    if result.subject == "finding":
        return f"督查发现第{result.subject_id}号"
    return f"{rulebook.label(result.subject)}{result.subject_id}"


def _chain_row(c: Any) -> list[str]:
    d = c.as_dict() if hasattr(c, "as_dict") else dict(c)
    relation = f"{d.get('origin')} —{d.get('edge_label')}→ {d.get('target')}" if d.get("edge") else ""
    person = person_text(d) if d.get("person") or d.get("tenure") else ""
    post = d.get("post") or (d.get("body") if d.get("kind") == "person" else d.get("name")) or ""
    if d.get("post") and d.get("body") and d["body"] not in post:
        post = f"{d['body']} {post}"
    return [d.get("label") or "", post, person, relation, where(d.get("holding_source") or d.get("source"))]


def _liabilities(doc: Document, n: Numbering, entries: list[dict[str, Any]], rulebook: Rulebook) -> None:
    """One subsection per rule: the clause's words, the basis, the consequence, the parties."""
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for d in entries:
        by_rule.setdefault(d["rule"], []).append(d)
    for rule, group in by_rule.items():
        first = group[0]
        kinds = "、".join(dict.fromkeys(d["kind"] for d in group))
        doc.add(n.h2(f"{first['clause']}　{kinds}（规则 {rule}）"))
        doc.add(Paragraph(clause_text(rulebook, first["clause"]), "quote", "条款原文："))
        if first.get("summary"):
            doc.add(Paragraph(first["summary"], "body", "认定规则："))
        for text in dict.fromkeys(d.get("explanation") or "" for d in group):
            if text:
                doc.add(Paragraph(text, "body", "认定依据："))
        consequence = first.get("consequence") or ""
        if consequence or first.get("by"):
            by = f"（决定机关：{first['by']}）" if first.get("by") else ""
            doc.add(Paragraph(f"{consequence or '—'}{by}", "body", "处理："))
        doc.add(Table(["责任类型", "职务", "责任人", "机构", "范围", "来源"],
                      [[d["kind"], post_text(d.get("post"), rulebook), person_text(d), d.get("body") or "",
                        d.get("scope") or "", where(d.get("source"))] for d in group],
                      [1.7, 1.9, 2.1, 2.1, 2.7, 2.4]))
        for d in group:
            duties = duty_table(d.get("duties"))
            if duties is not None:
                who = d.get("person") or d.get("body") or ""
                doc.add(Paragraph(f"{who}（{post_text(d.get('post'), rulebook)}）在同一期间的履职情况：", "plain",
                                  "履职记录："))
                doc.add(duties)
        for note in dict.fromkeys(d.get("note") or "" for d in group):
            if note:
                doc.add(Paragraph(note, "note", "说明："))
