"""Graphviz diagrams of what the queries answer: a trace's chain, an org chart, the rulebook.

Building the DOT is pure (``trace_graph``, ``org_graph``, ``rulebook_graph`` return a
``graphviz.Digraph`` whose ``.source`` is tested as text); :func:`render` runs ``dot``.
Node ids are generated (``n1``, ``n2`` …); names live only in labels. Personal data in
labels is masked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import graphviz

from ..graph import schema
from ..graph.errors import ZerenError
from ..graph.privacy import escape_controls, mask_text
from ..graph.rules import Rulebook

__all__ = ["FONT", "DotNotFound", "trace_graph", "org_graph", "rulebook_graph", "render", "run_dot", "FORMATS",
           "style", "liability_colors"]

FONT = "Noto Sans CJK SC,WenQuanYi Micro Hei,sans-serif"
FORMATS = ("svg", "png", "pdf", "dot", "graphml")
INSTALL = "apt-get install graphviz fonts-wqy-microhei"

_ENGINE_STYLE: dict[str, dict[str, str]] = {
    "post": {"shape": "box", "style": "rounded,filled", "fillcolor": "white"},
    "person": {"shape": "box", "style": "rounded,filled", "fillcolor": "white"},
    "body": {"shape": "box", "style": "filled", "fillcolor": "#dbe9f6"},
    "summary": {"shape": "box", "style": "dashed"},
}
_ROOT = {"shape": "tab", "style": "filled", "fillcolor": "#e3f1df"}
_PLACE = {"shape": "tab", "style": "filled", "fillcolor": "#f0f7ec"}
_ORG = {"shape": "box", "style": "filled", "fillcolor": "#dbe9f6"}
_TEAM = {"shape": "box3d", "style": "filled", "fillcolor": "#eef0fb"}
_LEAF = {"shape": "note", "style": "filled", "fillcolor": "#fdf6d8"}
_EDGE_STYLE: dict[str, dict[str, str]] = {
    "LEADS": {"style": "solid", "penwidth": "1.6"},
    "ASSISTS": {"style": "dashed"},
    "SUPERVISES": {"style": "dotted", "penwidth": "1.4"},
}
_STRUCTURAL = {"color": "#888888", "fontcolor": "#666666", "arrowsize": "0.6"}
#: Colours for the kinds of liability, given in the order the rulebook first names them.
PALETTE = ("#c0392b", "#e67e22", "#8e44ad", "#7f4f24", "#a93226", "#d35400", "#2471a3", "#000000",
           "#b7950b", "#922b21", "#5d6d7e", "#117a65", "#6c3483", "#1f618d")


def style(rulebook: Any, kind: str) -> dict[str, str]:
    """How a node of ``kind`` is drawn, by its place in the pack: the root and the first org level;
    the places below; one-per-parent groups (a village's team); organisations; leaves."""
    if kind in _ENGINE_STYLE:
        return _ENGINE_STYLE[kind]
    model = rulebook.model if rulebook is not None else None
    if model is None or kind not in model.kinds:
        return {"shape": "box"}
    levels = rulebook.pack.org.levels
    if kind == model.root or (levels and kind == levels[0]):
        return _ROOT
    k = model.kinds[kind]
    if kind in levels:
        return _PLACE
    if k.one_per_parent:
        return _TEAM
    if not k.parent:
        return _ORG
    return _LEAF


def liability_colors(rulebook: Any) -> dict[str, str]:
    """Each liability kind of the rulebook its colour, in the order they appear."""
    kinds = list(dict.fromkeys(li.kind for r in rulebook.rules for li in r.liable)) if rulebook else []
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(kinds)}


class DotNotFound(ZerenError):
    """Graphviz ``dot`` is not installed."""


class _Ids:
    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        if key not in self.ids:
            self.ids[key] = f"n{len(self.ids) + 1}"
        return self.ids[key]

    def __contains__(self, key: str) -> bool:
        return key in self.ids


def _graph(name: str, caption: str, rankdir: str) -> graphviz.Digraph:
    g = graphviz.Digraph(name, engine="dot")
    g.attr("graph", rankdir=rankdir, fontname=FONT, fontsize="16", label=caption, labelloc="t",
           labeljust="l", newrank="true", nodesep="0.3", ranksep="0.45", pad="0.3")
    g.attr("node", fontname=FONT, fontsize="11", margin="0.12,0.06")
    g.attr("edge", fontname=FONT, fontsize="10")
    return g


def _label(*lines: str) -> str:
    """A node's text, one line per argument, always as plain text: personal data masked, a
    backslash shown as itself (``张三\\``), control characters escaped, and never read as an
    HTML-like label (``<B>恶意镇</B>`` stays those characters)."""
    text = "\\n".join(escape_controls(mask_text(x), keep_newlines=False).replace("\\", "\\\\")
                      for x in lines if x)
    return graphviz.nohtml(text)


def _edge_attrs(kind: str, model: Any = None) -> dict[str, str]:
    attrs = dict(_EDGE_STYLE.get(kind, _STRUCTURAL))
    attrs["label"] = _label(model.edge_label(kind) if model is not None else schema.EDGE_KINDS.get(kind, kind))
    return attrs


def _legend(g: graphviz.Digraph, kinds: list[str], colors: dict[str, str] | None = None) -> None:
    """A compact legend: one HTML table node (edge styles as text, liability colours)."""
    colors = colors or {}
    rows = ['<tr><td align="left"><b>图例</b></td></tr>',
            '<tr><td align="left">━━━ 牵头 LEADS</td></tr>',
            '<tr><td align="left">╍╍╍ 协助 ASSISTS</td></tr>',
            '<tr><td align="left">┈┈┈ 监督 SUPERVISES</td></tr>',
            '<tr><td align="left"><font color="#888888">─── 隶属/位于 structure</font></td></tr>']
    for kind in kinds:
        color = colors.get(kind, "#555555")
        color, text = html.escape(str(color), quote=True), html.escape(escape_controls(str(kind), keep_newlines=False))
        rows.append(f'<tr><td align="left" border="2" color="{color}"><font color="{color}">{text}</font></td></tr>')
    table = '<<table border="1" cellborder="0" cellspacing="2" cellpadding="3" color="#bbbbbb">' + "".join(rows) + "</table>>"
    g.node("legend", table, shape="plaintext", fontsize="10")


# -- trace ---------------------------------------------------------------------------------
def trace_graph(result: Any, rulebook: Any = None, link: Callable[[str], str | None] | None = None, *,
                rankdir: str = "BT", compact: bool = False) -> graphviz.Digraph:
    """The chain of one trace, the object at the bottom, the county at the top (``rankdir`` LR:
    left to right, for a page taller than wide); liabilities marked. ``rulebook`` (the
    project's) gives the shapes, the liability colours and how a node the chain passes through
    (a place's group) hangs on the chain; ``link`` (node id → URL) makes the nodes links of an
    SVG (the web workbench's pages). ``compact`` (for paper): the title on two lines, closer
    ranks, the responsibility edges told by their line style alone (the legend says which)."""
    model = rulebook.model if rulebook is not None else None
    colors = liability_colors(rulebook)
    caption = _label(f"责任链 {result.title(rulebook)}") + "\\l" + _label(
        f"认定日期 {result.at} · 评估期间 {result.date_from} 至 {result.date_to} · 规则手册 {result.rulebook}") + "\\l" \
        if compact else \
        _label(f"责任链 {result.title(rulebook)} · 认定日期 {result.at} · "
               f"评估期间 {result.date_from} 至 {result.date_to} · 规则手册 {result.rulebook}")
    g = _graph("trace", caption, rankdir)
    if compact:
        _compact(g)
    ids = _Ids()
    labels: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    names: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for c in result.chain:
        if c.kind in ("post", "person"):
            labels.setdefault(c.node, [c.label or c.name, c.person or "（该日无人在职）"])  # the first role names it
        elif c.node in labels:  # one node in two roles (a unit that helps and leads): both names
            if c.label and c.label not in labels[c.node][0]:
                labels[c.node][0] += f" / {c.label}"
        else:
            labels[c.node] = [c.label, c.name] if c.label and c.label != c.name else [c.name]
        kinds[c.node] = c.kind
        if c.edge and c.edge_src and c.edge_dst:
            names.setdefault(c.edge_src, c.origin)
            names.setdefault(c.edge_dst, c.target)
            edges.append((c.edge_src, c.edge_dst, c.edge))
    marks: dict[str, list[tuple[str, str]]] = {}
    for li in result.liabilities:
        if li.triggered and li.party:
            marks.setdefault(li.party, [])
            if (li.kind, li.clause) not in marks[li.party]:
                marks[li.party].append((li.kind, li.clause))
            if li.party not in labels:
                labels[li.party] = [li.post or li.body, li.person or li.body]
                kinds[li.party] = li.party.split(":", 1)[0]
    for node, kind in [(n, n.split(":", 1)[0]) for n in names if n not in labels]:
        labels[node] = [names[node]]
        kinds[node] = kind
        tie = _passed_through(result.chain, node, model)
        if tie:
            edges.append(tie)
    for node, lines in labels.items():
        attrs = dict(style(rulebook, kinds[node]))
        mark = marks.get(node)
        if mark:
            color = colors.get(mark[0][0], "#555555")
            attrs.update(color=color, penwidth="2.6", fontcolor="black")
            lines = lines + [f"{k} · {c}" for k, c in mark]
        url = link(node) if link else None
        if url:
            attrs.update(URL=url, target="_top")
        g.node(ids(node), _label(*lines), **attrs)
    seen = set()
    for src, dst, kind in edges:
        if (src, dst, kind) not in seen:
            seen.add((src, dst, kind))
            attrs = _edge_attrs(kind, model)
            if compact and kind in _EDGE_STYLE:
                del attrs["label"]
            g.edge(ids(src), ids(dst), **attrs)
    _legend(g, sorted({k for m in marks.values() for k, _ in m}), colors)
    return g


def _compact(g: graphviz.Digraph) -> None:
    """Tighter spacing and a smaller title, for a chart meant for paper."""
    g.attr("graph", fontsize="13", nodesep="0.15", ranksep="0.3", pad="0.05")


def _passed_through(chain: list[Any], node: str, model: Any) -> tuple[str, str, str] | None:
    """The edge that ties ``node`` — reached only as the end of a chain link's edge (the group
    in ``place.group.post(TITLE)``) — to the chain node its role path passed before it, by the
    relation of that step; None when the rulebook does not say or the node before is not one."""
    if model is None:
        return None
    for c in chain:
        if node not in (c.edge_src, c.edge_dst):
            continue
        parts = str(c.role).split(".")
        if len(parts) < 3:
            continue
        before = {x.node for x in chain if x.role == ".".join(parts[:-2])}
        if len(before) != 1:
            continue
        (parent,) = before
        rel = model.relation(parent.split(":", 1)[0], re.split(r"[\[(]", parts[-2], maxsplit=1)[0])
        if rel is None or rel.target != node.split(":", 1)[0]:
            continue
        edge = rel.edge if isinstance(rel.edge, str) else rel.edge[0]
        return (parent, node, edge) if rel.direction == "out" else (node, parent, edge)
    # The start of a role path above the chain's places (the root of ``root.post(TITLE)`` when
    # the chain stops a level below): tied to the one place of the subject's own that it is
    # the parent kind of.
    kind = node.split(":", 1)[0]
    below = {c.node for c in chain if c.node and "." not in str(c.role)  # a place the subject lies in
             and model.parent(c.node.split(":", 1)[0]) == kind}
    if len(below) == 1:
        (child,) = below
        k = model.kinds[child.split(":", 1)[0]]
        return (node, child, k.parent_edge) if k.parent_reverse else (child, node, k.parent_edge)
    return None


# -- rulebook ------------------------------------------------------------------------------
def _role_key(path: Any, model: Any) -> str:
    """Which box of the rulebook map a role path names: a kind, a post of a kind, a body."""
    if path.steps and path.steps[-1].name == "post":
        owner = path.kinds[-2] if len(path.steps) > 1 else path.start
        return f"{owner}/{path.steps[-1].param}"
    if path.steps and path.steps[-1].name == "body":
        return f"body/{path.steps[-1].param}"
    return path.end_kind


def rulebook_graph(rb: Rulebook, *, rankdir: str = "BT", compact: bool = False) -> graphviz.Digraph:
    """The kinds of the pack, their posts and the responsibility edges between them, each box
    annotated with the clauses that bind it and the liabilities they attach (each clause once)."""
    model = rb.model
    colors = liability_colors(rb)
    g = _graph("rulebook", _label(f"{rb.title}（{rb.document}）· 角色与责任关系"), rankdir)
    if compact:
        _compact(g)
    ids = _Ids()
    notes: dict[str, dict[str, list[str]]] = {}  # box → clause → liability kinds

    def note(key: str, clause: str, kind: str = "") -> None:
        entry = notes.setdefault(key, {}).setdefault(clause, [])
        if kind and kind not in entry:
            entry.append(kind)

    for clause in rb.clauses:
        for role in clause.roles:
            note(_role_key(rb.role(role), model), clause.id)
        for rule in clause.rules:
            for li in rule.liable:
                note(_role_key(li.role, model), clause.id, li.kind)

    def lines(key: str) -> list[str]:
        items = [f"{c}{'（' + '、'.join(k) + '）' if k else ''}" for c, k in notes.get(key, {}).items()]
        return ["、".join(items[i:i + 3]) for i in range(0, len(items), 3)]

    for kind in model.kinds:
        g.node(ids(kind), _label(model.label(kind), *lines(kind)), **style(rb, kind))
        for title, spec in model.posts.get(kind, {}).items():
            key = f"{kind}/{title}"
            g.node(ids(key), _label(title, *lines(key)), **_ENGINE_STYLE["post"])
            g.edge(ids(key), ids(kind), **_edge_attrs(spec.edge, model))
    for k in model.kinds.values():
        if k.parent:
            src, dst = (k.parent, k.name) if k.parent_reverse else (k.name, k.parent)
            g.edge(ids(src), ids(dst), **_edge_attrs(k.parent_edge, model))
    people = False
    for rel in model.relations.values():  # the pack's own relations between kinds
        if rel.param or rel.source not in model.kinds or rel.name == model.parent(rel.source):
            continue
        if rel.target == "person":
            people = True
        if rel.target not in model.kinds and rel.target != "person":
            continue
        if rel.direction == "in":
            g.edge(ids(rel.target), ids(rel.source), **_edge_attrs(rel.edge if isinstance(rel.edge, str) else rel.edge[0],
                                                                   model))
    if people:
        g.node(ids("person"), _label(model.label("person"), *lines("person")), **_ENGINE_STYLE["person"])
    for duty in dict.fromkeys(b.get("duty", "") for b in rb.bodies):
        key = f"body/{duty}"
        members = [b["name"] for b in rb.bodies if b.get("duty", "") == duty]
        if not notes.get(key):
            continue
        g.node(ids(key), _label(*members, *lines(key)), **_ENGINE_STYLE["body"])
        g.edge(ids(key), ids(model.root), **_edge_attrs("SUPERVISES", model))
    _legend(g, list(colors), colors)
    return g


# -- rendering -----------------------------------------------------------------------------
def run_dot(graph: graphviz.Digraph, fmt: str, renderer: str | None = None) -> bytes:
    """``dot`` on ``graph`` to ``fmt`` (errors as :class:`DotNotFound` or :class:`ZerenError`)."""
    try:
        return graph.pipe(format=fmt, renderer=renderer)
    except graphviz.ExecutableNotFound:
        raise DotNotFound(f"Graphviz `dot` is not installed; install it ({INSTALL}) or write a .dot file") from None
    except graphviz.CalledProcessError as err:
        detail = (err.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise ZerenError(f"dot failed: {detail[-1] if detail else err}") from None


def render(graph: graphviz.Digraph, path: str | Path, *, embed_glyphs: bool = False) -> Path:
    """Write ``graph`` to ``path``; the format is the extension (svg, png, pdf, dot or graphml).

    SVG keeps its labels as text (searchable, editable in slides) naming the CJK fonts;
    ``embed_glyphs`` renders it with cairo instead, glyphs as outlines, so it stands alone
    on a machine without a CJK font. PNG and PDF always embed what they draw. GraphML (for
    hand editing in yEd) needs no Graphviz: :func:`zeren.visualize.graphml.write_graphml`.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "gv":
        fmt = "dot"
    if fmt not in FORMATS:
        raise ZerenError(f"{path}: 不认识的图形格式“{path.suffix}”；可用 .{', .'.join(FORMATS)} "
                         f"(unknown diagram format)")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        path.write_text(graph.source, encoding="utf-8")
        return path
    if fmt == "graphml":
        from .graphml import write_graphml

        write_graphml(graph, path)
        return path
    path.write_bytes(run_dot(graph, fmt, None if fmt == "svg" and not embed_glyphs else "cairo"))
    return path


def __getattr__(name: str) -> Any:  # org_graph lives in .orgchart; old imports keep working
    if name in ("org_graph", "org_panels"):
        from . import orgchart

        return getattr(orgchart, name)
    raise AttributeError(name)
