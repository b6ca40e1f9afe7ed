"""Graphviz diagrams of what the queries answer: a trace's chain, an org chart, the rulebook.

Building the DOT is pure (``trace_graph``, ``org_graph``, ``rulebook_graph`` return a
``graphviz.Digraph`` whose ``.source`` is tested as text); :func:`render` runs ``dot``.
Node ids are generated (``n1``, ``n2`` …); names live only in labels. Personal data in
labels is masked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import graphviz

from ..graph import schema
from ..graph.errors import ZerenError
from ..graph.privacy import mask_text
from ..graph.rules import Rulebook, parse_role_path

__all__ = ["FONT", "DotNotFound", "trace_graph", "org_graph", "rulebook_graph", "render", "FORMATS",
           "demo_diagrams"]

FONT = "Noto Sans CJK SC,WenQuanYi Micro Hei,sans-serif"
FORMATS = ("svg", "png", "pdf", "dot")
INSTALL = "apt-get install graphviz fonts-wqy-microhei"

_KIND_STYLE: dict[str, dict[str, str]] = {
    "post": {"shape": "box", "style": "rounded,filled", "fillcolor": "white"},
    "person": {"shape": "box", "style": "rounded,filled", "fillcolor": "white"},
    "unit": {"shape": "box", "style": "filled", "fillcolor": "#dbe9f6"},
    "body": {"shape": "box", "style": "filled", "fillcolor": "#dbe9f6"},
    "county": {"shape": "tab", "style": "filled", "fillcolor": "#e3f1df"},
    "township": {"shape": "tab", "style": "filled", "fillcolor": "#e3f1df"},
    "village": {"shape": "tab", "style": "filled", "fillcolor": "#f0f7ec"},
    "team": {"shape": "box3d", "style": "filled", "fillcolor": "#eef0fb"},
    "household": {"shape": "note", "style": "filled", "fillcolor": "#fdf6d8"},
    "plan": {"shape": "note", "style": "filled", "fillcolor": "#fdf6d8"},
    "summary": {"shape": "box", "style": "dashed"},
}
_EDGE_STYLE: dict[str, dict[str, str]] = {
    "LEADS": {"style": "solid", "penwidth": "1.6"},
    "ASSISTS": {"style": "dashed"},
    "SUPERVISES": {"style": "dotted", "penwidth": "1.4"},
}
_STRUCTURAL = {"color": "#888888", "fontcolor": "#666666", "arrowsize": "0.6"}
LIABILITY_COLORS: dict[str, str] = {
    "主要责任": "#c0392b", "直接责任": "#e67e22", "连带责任": "#8e44ad", "重要领导责任": "#7f4f24",
    "领导责任": "#a93226", "管理责任": "#d35400", "失察责任": "#2471a3", "一票否决": "#000000",
    "问责": "#c0392b", "追责问责": "#c0392b", "追究责任": "#922b21", "倒查责任": "#b7950b", "深刻检查": "#5d6d7e",
}


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
    g.attr("edge", fontname=FONT, fontsize="9")
    return g


def _label(*lines: str) -> str:
    return "\\n".join(mask_text(x) for x in lines if x)


def _edge_attrs(kind: str) -> dict[str, str]:
    attrs = dict(_EDGE_STYLE.get(kind, _STRUCTURAL))
    attrs["label"] = schema.EDGE_KINDS.get(kind, kind)
    return attrs


def _legend(g: graphviz.Digraph, kinds: list[str]) -> None:
    """A compact legend: one HTML table node (edge styles as text, liability colours)."""
    rows = ['<tr><td align="left"><b>图例</b></td></tr>',
            '<tr><td align="left">━━━ 牵头 LEADS</td></tr>',
            '<tr><td align="left">╍╍╍ 协助 ASSISTS</td></tr>',
            '<tr><td align="left">┈┈┈ 监督 SUPERVISES</td></tr>',
            '<tr><td align="left"><font color="#888888">─── 隶属/位于 structure</font></td></tr>']
    for kind in kinds:
        color = LIABILITY_COLORS.get(kind, "#555555")
        rows.append(f'<tr><td align="left" border="2" color="{color}"><font color="{color}">{kind}</font></td></tr>')
    html = '<<table border="1" cellborder="0" cellspacing="2" cellpadding="3" color="#bbbbbb">' + "".join(rows) + "</table>>"
    g.node("legend", html, shape="plaintext", fontsize="10")


# -- trace ---------------------------------------------------------------------------------
def trace_graph(result: Any) -> graphviz.Digraph:
    """The chain of one trace, household at the bottom, county at the top; liabilities marked."""
    caption = _label(f"责任链 {result.subject} {result.subject_id} · 认定日期 {result.at} · "
                     f"评估期间 {result.date_from} 至 {result.date_to} · 规则手册 {result.rulebook}")
    g = _graph("trace", caption, "BT")
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
    for node, lines in labels.items():
        attrs = dict(_KIND_STYLE.get(kinds[node], {}))
        mark = marks.get(node)
        if mark:
            color = LIABILITY_COLORS.get(mark[0][0], "#555555")
            attrs.update(color=color, penwidth="2.6", fontcolor="black")
            lines = lines + [f"{k} · {c}" for k, c in mark]
        g.node(ids(node), _label(*lines), **attrs)
    seen = set()
    for src, dst, kind in edges:
        if (src, dst, kind) not in seen:
            seen.add((src, dst, kind))
            g.edge(ids(src), ids(dst), **_edge_attrs(kind))
    _legend(g, sorted({k for m in marks.values() for k, _ in m}))
    return g


# -- org -----------------------------------------------------------------------------------
def _party_label(p: Any) -> str:
    return _label(p.post or p.body, p.person or ("（无人在职）" if p.node.startswith("post:") else ""))


def org_graph(chart: Any) -> graphviz.Digraph:
    """The organisation of a scope, clustered by township; households as counts."""
    caption = _label(f"{chart.county} 组织与责任图 · {chart.at} · 规则手册 {chart.rulebook}")
    g = _graph("org", caption, "LR")
    ids = _Ids()
    county = ids(chart.county_id)
    with g.subgraph(name="cluster_county") as c:
        c.attr(label=chart.county, style="rounded", color="#9bbf8f")
        c.node(county, chart.county, **_KIND_STYLE["county"])
        for p in chart.posts:
            c.node(ids(f"{p.node}|{p.person_id}"), _party_label(p), **_KIND_STYLE["post"])
            c.edge(ids(f"{p.node}|{p.person_id}"), county, **_edge_attrs("LEADS"))
        offices = [b.body for b in chart.bodies if b.body not in ("县委", "县政府")]
        if offices:
            c.node("offices", _label("县直机构", *offices), **_KIND_STYLE["body"])
            c.edge("offices", county, **_edge_attrs("SUPERVISES"))
    if chart.detail == "county":  # one block per township, in columns of six
        columns = max(1, -(-len(chart.townships) // 6))
        for i, t in enumerate(chart.townships):
            tid = ids(t.id)
            g.node(tid, _label(t.name, *[f"{p.post} {p.person or '（无人在职）'}" for p in t.posts],
                               *[f"组长单位 {u.body}" for u in t.lead_unit],
                               f"{t.village_count} 村（贫困村 {t.poor_villages}）· 工作队 {t.teams} 支",
                               f"{chart.household_label} {t.households:,} 户"), **_KIND_STYLE["township"])
            g.edge(tid, county, **_edge_attrs("LOCATED_IN"), minlen=str(columns - i // 6))
        g.node("legend_note", "", shape="point", style="invis")
        _legend(g, [])
        return g
    for t in chart.townships:
        tid = ids(t.id)
        with g.subgraph(name=f"cluster_{tid}") as c:
            c.attr(label=t.name, style="rounded", color="#9bbf8f")
            c.node(tid, t.name, **_KIND_STYLE["township"])
            for p in t.posts:
                pid = ids(f"{p.node}|{p.person_id}")
                c.node(pid, _party_label(p), **_KIND_STYLE["post"])
                c.edge(pid, tid, **_edge_attrs("LEADS" if p.post in ("党委书记", "乡镇长", "县级联系乡镇领导")
                                                 else "SUPERVISES" if "总队长" in p.post else "ASSISTS"))
            if chart.detail == "county":
                sid = ids(f"summary:{t.id}")
                c.node(sid, _label(f"{t.village_count} 个村（贫困村 {t.poor_villages}）",
                                   f"驻村帮扶工作队 {t.teams} 支", f"{chart.household_label} {t.households:,} 户"),
                       **_KIND_STYLE["summary"])
                c.edge(sid, tid, **_edge_attrs("LOCATED_IN"))
            columns = max(1, -(-len(t.villages) // 8))  # at most 8 villages a column (a stagger by minlen)
            for i, v in enumerate(t.villages):
                vid = ids(v.id)
                if chart.detail == "village":
                    c.node(vid, _label(v.name + ("（贫困村）" if v.poor else ""), f"{v.households:,} 户"),
                           **_KIND_STYLE["village"])
                else:
                    c.node(vid, _label(v.name + ("（贫困村）" if v.poor else "") + f" · {v.households:,} 户",
                                       *[f"{p.post} {p.person or '（无人在职）'}" for p in v.posts],
                                       *[f"{p.post} {p.person or '（无人在职）'}" for p in v.team_posts],
                                       *[f"帮扶单位 {u.body}" for u in v.helping_units]),
                           **_KIND_STYLE["village"])
                column = i // 8
                c.edge(vid, tid, **_edge_attrs("LOCATED_IN"), minlen=str(columns - column))
                if chart.detail != "village":
                    continue
                for p in v.posts:
                    pid = ids(f"{p.node}|{p.person_id}")
                    c.node(pid, _party_label(p), **_KIND_STYLE["post"])
                    c.edge(pid, vid, **_edge_attrs("LEADS"))
                if v.team:
                    team = ids(v.team)
                    c.node(team, _label("驻村帮扶工作队", *[f"{p.post} {p.person or '（无人在职）'}" for p in v.team_posts]),
                           **_KIND_STYLE["team"])
                    c.edge(team, vid, **_edge_attrs("ASSISTS"))
                for u in v.helping_units:
                    uid = ids(u.node)
                    c.node(uid, _label("帮扶单位", u.body), **_KIND_STYLE["unit"])
                    c.edge(uid, vid, **_edge_attrs("ASSISTS"))
                per_column = 15  # asked for: each household with its 帮扶责任人, in columns
                stagger = max(1, -(-len(v.members) // per_column))
                for k, (hid, number, cadre) in enumerate(v.members):
                    c.node(ids(hid), _label(number, f"帮扶责任人 {cadre or '（无）'}"), **_KIND_STYLE["household"])
                    c.edge(ids(hid), vid, **_edge_attrs("LOCATED_IN"), minlen=str(stagger - k // per_column))
        g.edge(tid, county, **_edge_attrs("LOCATED_IN"))
        for u in t.lead_unit:
            uid = ids(u.node)
            g.node(uid, _label("县直组长单位", u.body), **_KIND_STYLE["unit"])
            g.edge(uid, tid, **_edge_attrs("SUPERVISES"))
    _legend(g, [])
    return g


# -- rulebook ------------------------------------------------------------------------------
_ROLE_NODES: list[tuple[str, str, str]] = [  # key, label, style kind
    ("county", "县（县委、县政府）", "county"), ("township", "乡镇（党委、政府）", "township"),
    ("village", "村", "village"), ("team", "驻村帮扶工作队", "team"), ("household", "户", "household"),
    ("helping_unit", "帮扶单位", "unit"), ("lead_unit", "县直组长单位", "unit"), ("cadre", "帮扶责任人 / 驻村干部", "person"),
]
_STRUCTURE: list[tuple[str, str, str]] = [
    ("township", "county", "LOCATED_IN"), ("village", "township", "LOCATED_IN"), ("household", "village", "LOCATED_IN"),
    ("team", "village", "ASSISTS"), ("helping_unit", "village", "ASSISTS"), ("lead_unit", "township", "SUPERVISES"),
    ("cadre", "household", "ASSISTS"), ("cadre", "helping_unit", "MEMBER_OF"),
]


def _role_key(text: str, rb: Rulebook) -> str:
    path = parse_role_path(text, rb.county_posts)
    if path.steps and path.steps[-1][0] == "post":
        owner = path.start
        for step in path.steps[:-1]:
            owner = schema.RELATIONS[(owner, step.name)].target
        return f"{'helping_unit' if owner == 'unit' else owner}/{path.steps[-1][1]}"
    if path.steps and path.steps[-1][0] == "body":
        return f"body/{path.steps[-1][1]}"
    last = path.steps[-1][0] if path.steps else path.start
    return {"lead_unit": "lead_unit", "helping_units": "helping_unit", "unit": "helping_unit", "cadre": "cadre",
            "person": "cadre"}.get(last, last)


def rulebook_graph(rb: Rulebook) -> graphviz.Digraph:
    """The roles the rulebook binds and the responsibility edges between them, each role
    annotated with the clauses that bind it and the liabilities they attach."""
    g = _graph("rulebook", _label(f"{rb.title}（{rb.document}）· 角色与责任关系"), "BT")
    ids = _Ids()
    notes: dict[str, list[str]] = {}
    for clause in rb.clauses:
        for role in clause.roles:
            notes.setdefault(_role_key(role, rb), [])
            if clause.id not in notes[_role_key(role, rb)]:
                notes[_role_key(role, rb)].append(clause.id)
        for rule in clause.rules:
            for li in rule.liable:
                k = _role_key(li.role.text, rb)
                tag = f"{clause.id} {li.kind}"
                notes.setdefault(k, [])
                if tag not in notes[k]:
                    notes[k].append(tag)

    def wrap(items: list[str]) -> list[str]:
        return ["、".join(items[i:i + 3]) for i in range(0, len(items), 3)]

    for key, label, kind in _ROLE_NODES:
        label = rb.label(key) if key == "household" else label  # the list's own word for a household
        g.node(ids(key), _label(label, *wrap(notes.get(key, []))), **_KIND_STYLE[kind])
    for src, dst, kind in _STRUCTURE:
        g.edge(ids(src), ids(dst), **_edge_attrs(kind))
    owners = {"county": {t: (s.get("edge", "LEADS"), True) for t, s in rb.county_posts.items()}, **schema.POSTS}
    for owner, posts in owners.items():
        target = "helping_unit" if owner == "unit" else owner
        for title, (edge, _single) in posts.items():
            key = f"{target}/{title}"
            g.node(ids(key), _label(title, *wrap(notes.get(key, []))), **_KIND_STYLE["post"])
            g.edge(ids(key), ids(target), **_edge_attrs(edge))
    for body in rb.bodies:
        key = f"body/{body.get('duty', '')}"
        if key in ids or body["name"] in ("县委", "县政府"):
            continue
        members = [b["name"] for b in rb.bodies if b.get("duty") == body.get("duty")]
        g.node(ids(key), _label(*members, *wrap(notes.get(key, []))), **_KIND_STYLE["body"])
        g.edge(ids(key), ids("county"), **_edge_attrs("SUPERVISES"))
    return g


# -- rendering -----------------------------------------------------------------------------
def render(graph: graphviz.Digraph, path: str | Path, *, embed_glyphs: bool = False) -> Path:
    """Write ``graph`` to ``path``; the format is the extension (svg, png, pdf or dot).

    SVG keeps its labels as text (searchable, editable in slides) naming the CJK fonts;
    ``embed_glyphs`` renders it with cairo instead, glyphs as outlines, so it stands alone
    on a machine without a CJK font. PNG and PDF always embed what they draw.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "gv":
        fmt = "dot"
    if fmt not in FORMATS:
        raise ZerenError(f"{path}: unknown diagram format “{path.suffix}”; use one of .{', .'.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        path.write_text(graph.source, encoding="utf-8")
        return path
    try:
        renderer = None if fmt == "svg" and not embed_glyphs else "cairo"
        data = graph.pipe(format=fmt, renderer=renderer)
    except graphviz.ExecutableNotFound:
        raise DotNotFound(f"Graphviz `dot` is not installed; install it ({INSTALL}) or write a .dot file") from None
    except graphviz.CalledProcessError as err:
        detail = (err.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise ZerenError(f"dot failed: {detail[-1] if detail else err}") from None
    path.write_bytes(data)
    return path


def demo_diagrams(out: Path, project: Path, plan: str, traced: Any) -> list[tuple[str, str]]:
    """``zeren demo``'s diagrams: the traced plan's chain and its township's org chart."""
    from ..graph.store import Store
    from ..queries.org import org_chart

    made = []
    township = next((c.name for c in traced.chain if c.kind == "township"), None)
    with Store.open(project) as store:
        org = org_chart(store, traced.at, township=township) if township else None
    for suffix in ("svg", "png", "dot"):
        try:
            made.append((f"trace .{suffix}", str(render(trace_graph(traced), out / f"trace-{plan}.{suffix}"))))
            if org is not None:
                made.append((f"org .{suffix}", str(render(org_graph(org), out / f"org-{township}.{suffix}"))))
        except DotNotFound:
            continue
    return made
