"""A calendar heat-map of duty performance (履职): holder × window, one coloured cell each.

One Graphviz node whose HTML-like label is a table: a column per month of the period (the
months its windows span), a row per duty × holder; each judgement is one cell spanning its
window's months (a quarterly duty's cell spans three), coloured by its status — 达标 met,
未达标 missed, 进行中 open, 无记录 uncovered (the duty log does not cover the window) — and
reading ``done/required``. Rows are grouped under their duty; a duty with more holders than
``per_duty`` shows the ones short first and counts the rest in one line.

Building the DOT is pure (:func:`duties_graph` returns a ``graphviz.Digraph``); rendering is
:func:`zeren.visualize.diagrams.render`. Every text is escaped and personal data masked.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

import graphviz

from ..graph.privacy import escape_controls, mask_text
from .diagrams import FONT

__all__ = ["COLORS", "duties_graph"]

#: Fill colour and label of each status.
COLORS: dict[str, tuple[str, str]] = {
    "met": ("#a8d5a2", "达标"),
    "missed": ("#e8736c", "未达标"),
    "open": ("#ffd966", "进行中"),
    "uncovered": ("#d0d0d0", "无记录"),
}
_ORDER = {"missed": 0, "uncovered": 1, "open": 2, "met": 3}


def _esc(text: Any) -> str:
    """Text for an HTML-like label: personal data masked, control characters and markup escaped."""
    return html.escape(escape_controls(mask_text(str(text)), keep_newlines=False), quote=False)


def _months(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from the month of ``first`` to that of ``last``."""
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last[:7]:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _holder(e: Any) -> str:
    """A row's name: the post and who held it (several after a handover), where it sits."""
    who = e.person or ("（无人在职）" if e.holder_id.startswith(("post:", "person:")) else "")
    head = f"{e.post} {who}".strip() if who and who != e.post else e.post
    return f"{head}（{e.scope}）" if e.scope and e.scope not in head else head


def duties_graph(result: Any, *, title: str = "", per_duty: int = 30) -> graphviz.Digraph:
    """The heat-map of a :class:`zeren.queries.duties.DutiesResult`."""
    entries = list(result.duties)
    months = _months(result.date_from, result.date_to)  # a window reaching beyond is cut at the period's edge
    col = {m: i for i, m in enumerate(months)}
    width = len(months) + 1
    counts = Counter(e.status for e in entries)
    caption = (f"{title + ' ' if title else ''}履职情况 {result.date_from} 至 {result.date_to}（截至 {result.at}）："
               + "，".join(f"{COLORS[s][1]} {counts[s]}" for s in COLORS if counts.get(s)))
    rows = [f'<tr><td colspan="{width}" align="left" cellpadding="6"><b>{_esc(caption or "履职情况")}</b></td></tr>',
            '<tr><td align="left"><b>职责 / 责任人</b></td>'
            + "".join(f'<td width="56"><b>{m[:4] + "年" if i == 0 or m.endswith("-01") else ""}<br/>{int(m[5:])}月</b></td>'
                      for i, m in enumerate(months)) + "</tr>"]
    by_duty: dict[str, list[Any]] = {}
    for e in entries:
        by_duty.setdefault(e.duty, []).append(e)
    for duty_entries in by_duty.values():
        first = duty_entries[0]
        # what a window requires, when it is the same for every holder (coverage duties differ)
        need = {e.required for e in duty_entries}
        least = f"，每窗口至少 {first.required:g}{_esc(first.unit)}" if len(need) == 1 else ""
        rows.append(f'<tr><td colspan="{width}" align="left" bgcolor="#eef2f7">'
                    f'<b>{_esc(first.clause)}</b> {_esc(first.what)}（{_esc(first.item)}{least}）</td></tr>')
        by_holder: dict[str, list[Any]] = {}
        for e in duty_entries:
            by_holder.setdefault(_holder(e), []).append(e)
        # the holders short of the duty first, then by name
        holders = sorted(by_holder.items(), key=lambda kv: (min(_ORDER[e.status] for e in kv[1]), kv[0]))
        for name, cells in holders[:per_duty]:
            rows.append(_row(name, cells, col, len(months)))
        if len(holders) > per_duty:
            rest = Counter(e.status for _, cells in holders[per_duty:] for e in cells)
            left = "，".join(f"{COLORS[s][1]} {rest[s]}" for s in COLORS if rest.get(s))
            rows.append(f'<tr><td colspan="{width}" align="left"><i>另有 {len(holders) - per_duty} 个责任人'
                        f'（{left}）：zeren duties --format csv 列出全部</i></td></tr>')
    legend = "".join(f'<td bgcolor="{color}">{_esc(text)}</td>' for color, text in COLORS.values())
    rows.append(f'<tr><td colspan="{width}" align="left" border="0">'
                f'<table border="0" cellspacing="4" cellpadding="3"><tr><td>图例：</td>{legend}'
                '<td>格中为 实/应</td></tr></table></td></tr>')
    if getattr(result, "warnings", None):
        rows += [f'<tr><td colspan="{width}" align="left" border="0"><font color="#555555">注意：{_esc(w)}</font>'
                 "</td></tr>" for w in result.warnings]
    g = graphviz.Digraph("duties", engine="dot")
    g.attr("graph", fontname=FONT, pad="0.3")
    g.attr("node", fontname=FONT, fontsize="11")
    g.node("heatmap", '<<table border="0" cellborder="1" cellspacing="0" cellpadding="4" color="#999999">'
           + "".join(rows) + "</table>>", shape="plaintext")
    return g


def _row(name: str, cells: list[Any], col: dict[str, int], n: int) -> str:
    """One holder's row: each window a cell spanning its months, empty cells where none falls
    (a holder who came into post mid-period); a window beyond the period is cut at its edge."""
    out = [f'<tr><td align="left">{_esc(name)}</td>']
    first, last = min(col), max(col)
    at = 0
    for e in sorted(cells, key=lambda x: x.start):
        lo, hi = col.get(max(e.start[:7], first)), col.get(min(e.end[:7], last))
        if lo is None or hi is None or lo < at:
            continue  # a second judgement of the same window (a handover counted apart): its own row would repeat it
        out += ["<td></td>"] * (lo - at)
        color, text = COLORS[e.status]
        tip = f"{e.window} {text}" + (f"，剩 {e.days_left} 天" if e.days_left is not None else "")
        out.append(f'<td colspan="{hi - lo + 1}" bgcolor="{color}" title="{html.escape(escape_controls(mask_text(tip), keep_newlines=False), quote=True)}">'
                   f'{e.done:g}/{e.required:g}</td>')
        at = hi + 1
    out += ["<td></td>"] * (n - at)
    return "".join(out) + "</tr>"
