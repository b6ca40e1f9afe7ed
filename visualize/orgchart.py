"""The org chart, top-down: the county, then the places of the pack's org levels in the order
the rosters list them, each place a box of its posts and holders, the places below it in a
framed grid (rows and columns, never a fan), and at the lowest level, when asked, each
member (a household) with what the pack shows beside it.

:func:`org_graph` draws a chart as one graph; :func:`org_panels` cuts it into panels for
paper (:mod:`.paper`): an overview page, then one panel per place, each able to split its
grid over several pages.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

import graphviz

from ..graph.privacy import escape_controls, mask_text
from .diagrams import _LEAF, _ORG, _PLACE, _ROOT, _STRUCTURAL, _edge_attrs, _graph, _Ids, _label, style
from .paper import Panel

__all__ = ["org_graph", "org_panels", "org_title", "boxes"]

FONT_PT = 11.0
_SEP = 36.0  # points between the boxes of a grid (nodesep and what dot leaves beside them)
_MARGINS = 40.0  # points the frames of a grid take on each side
_LINE = 15.5  # points a line of a box takes
_HEADER = 110.0  # points a frame adds above its grid (the line from its parent, its title, margins)
_FRAME = {"style": "rounded,dashed", "color": "#9bbf8f", "fontcolor": "#4d6b43", "labeljust": "l",
          "fontsize": "11", "margin": "10"}
_LINK = {**_STRUCTURAL, "dir": "none", "penwidth": "1.2"}
#: Natural width (points) a whole chart aims at when no paper is named: about A3 landscape.
SCREEN_WIDTH = 1500.0

Block = Callable[[graphviz.Digraph], tuple[str, str]]  # draws itself; (its top node, its bottom node)


def boxes(chart: Any) -> int:
    """How many boxes a chart draws (places, what is attached to them, members)."""
    def count(p: Any) -> int:
        return 1 + len(p.attached) + len(p.members) + sum(count(c) for c in p.children)
    return 1 + sum(count(p) for p in chart.places)


def org_graph(chart: Any, rulebook: Any = None, *, width: float = SCREEN_WIDTH,
              caption: bool = True) -> graphviz.Digraph:
    """The whole chart as one top-down graph whose grids aim at ``width`` points (natural size);
    ``caption``: with its title (paper pages carry it in their header instead)."""
    b = _Builder(chart, rulebook, width)
    g = b.new("org", b.caption() if caption else "")
    if chart.township or chart.village:
        top = b.scope_head(g)
        for place in chart.places:
            if chart.village:
                for v in place.children:
                    b.link(g, top, b.village_block(v)(g)[0])
            else:
                b.link(g, top, b.place_block(place, place.children, chart.depth)(g)[0])
        return g
    county = b.county_box(g, full=True)
    if chart.depth <= 1:
        sizes = [b.summary_size(p) for p in chart.places]
        width = max((w for w, _ in sizes), default=None)
        kids = [b.summary_block(p, width) for p in chart.places]
        cols = b.columns(sizes)
    else:
        kids = [b.place_block(p, p.children, chart.depth) for p in chart.places]
        cols = max(1, min(len(kids), round(math.sqrt(len(kids) / 2))))
    if kids:
        b.frame(g, county, "places", b.level_title(0, len(chart.places)), kids, cols)
    return g


def org_panels(chart: Any, rulebook: Any = None, *, width: float) -> list[Panel]:
    """The chart as panels for paper whose grids aim at ``width`` points (natural size): the
    whole chart first, which splits (when it does not fit) into an overview and a panel per
    place, each splitting its grid over more pages when needed."""
    b = _Builder(chart, rulebook, width)

    def parts(room: float = 0, height: float = 0) -> list[Panel]:
        if chart.village:
            return [b.village_panel(v, chart.places[0]) for t in chart.places for v in t.children]
        if chart.township:
            t = chart.places[0]
            if chart.depth <= 2:
                return [b.place_panel(t, t.children, 2)]
            return [b.place_panel(t, t.children, 2, alone=True)] + [b.village_panel(v, t) for v in t.children]
        overview = b.overview()
        if chart.depth <= 1:
            return [overview, b.summary_panel(chart.places)]
        return [overview] + [b.place_panel(p, p.children, chart.depth) for p in chart.places]

    if boxes(chart) > 160:  # too big to be worth a try on one page
        return parts()
    return [Panel(org_graph(chart, rulebook, width=width, caption=False), split=parts)]


def org_title(chart: Any) -> str:
    """The title of a chart's pages."""
    return _Builder(chart, None, 0).caption().replace("\\n", " ")


class _Builder:
    """Boxes, grids and blocks of one chart."""

    def __init__(self, chart: Any, rulebook: Any, width: float):
        self.chart = chart
        self.rulebook = rulebook
        self.model = rulebook.model if rulebook is not None else None
        self.width = width
        self.ids = _Ids()
        self.frames = 0

    # -- graphs ----------------------------------------------------------------------------
    def caption(self, extra: str = "") -> str:
        c = self.chart
        scope = " · ".join(x for x in (c.township, c.village) if x)
        return _label(f"{c.county}{' ' + scope if scope else ''} 组织与责任图{extra} · {c.at} · 规则手册 {c.rulebook}")

    def new(self, name: str, caption: str = "") -> graphviz.Digraph:
        g = _graph(name, caption, "TB")
        g.attr("graph", compound="true", nodesep="0.25", ranksep="0.4")
        g.attr("node", fontsize=str(int(FONT_PT)))
        return g

    def single(self, block: Block, name: str) -> graphviz.Digraph:
        g = self.new(name)
        block(g)
        return g

    def overview(self, places: list[Any] | None = None) -> Panel:
        """The county and the places of the first level as compact boxes (name and counts);
        splits into the rows that fit a page and the rest (as :meth:`summary_panel` does)."""
        places = self.chart.places if places is None else places
        sizes = [self.compact_size(p) for p in places]

        def split(room: float, height: float) -> list[Panel]:
            county = _size(self.chart.county, [""] * len(self.chart.posts))[1]  # the county's box above
            k = _head(len(places), self.columns(sizes), room, height, county + _HEADER)
            return [self.overview(places[:k]), self.summary_panel(places[k:], len(self.chart.places) - len(places) + k,
                                                                  compact=True)] if k else []

        g = self.new("overview", "")
        county = self.county_box(g, full=True)
        width = max((w for w, _ in sizes), default=0.0)
        self.frame(g, county, "places", self.level_title(0, len(self.chart.places)),
                   [self.compact_block(p, width) for p in places], self.columns(sizes))
        return Panel(g, split=split, alone=True)

    def place_panel(self, place: Any, children: list[Any], depth: int, *, alone: bool = False,
                    first: int = 0) -> Panel:
        """One place with its grid of children; splits into the rows that fit a page and the rest."""
        compact = alone and depth >= 3

        def split(room: float, height: float) -> list[Panel]:
            lines = [] if first else self.place_lines(place)
            k = _head(len(children), self.kid_columns(children, depth), room, height,
                      _size(place.name, lines)[1] + _HEADER)
            return [self.place_panel(place, children[:k], depth, first=first),
                    self.place_panel(place, children[k:], depth, first=first + k)] if k else []

        g = self.new(f"place{self.ids(place.id)}")
        self.place_block(place, children, 2 if compact else depth, continued=first > 0, compact_kids=compact)(g)
        return Panel(g, split=None if alone else split, alone=alone)

    def summary_panel(self, places: list[Any], first: int = 0, *, compact: bool = False) -> Panel:
        """Places of the first level as summary (or compact) boxes in a frame; splits into the
        rows that fit a page and the rest."""
        sizes = [(self.compact_size if compact else self.summary_size)(p) for p in places]

        def split(room: float, height: float) -> list[Panel]:
            k = _head(len(places), self.columns(sizes), room, height, _HEADER)
            return [self.summary_panel(places[:k], first, compact=compact),
                    self.summary_panel(places[k:], first + k, compact=compact)] if k else []

        g = self.new(f"summary{first}")
        width = max(w for w, _ in sizes)
        total = len(self.chart.places)
        where = f"第 {first + 1}–{first + len(places)} 个，共 {total} 个" if len(places) < total else str(total)
        make = self.compact_block if compact else self.summary_block
        self.frame(g, None, f"s{first}", f"{self.level_title(0, 0).split('（')[0]}（{where}）",
                   [make(p, width) for p in places], self.columns(sizes))
        return Panel(g, split=split, alone=compact)

    def village_panel(self, village: Any, township: Any, first: int = 0, members: list[Any] | None = None) -> Panel:
        """One village expanded; its members split over pages when needed."""
        members = village.members if members is None else members

        def split(room: float, height: float) -> list[Panel]:
            size = max((_size(n, [b or "（无）"]) for _, n, b in members), key=lambda s: s[0])
            header = self.village_size(village)[1] if not first else _LINE + 10
            k = _head(len(members), self.columns([size]), room, height, header + _HEADER)
            return [self.village_panel(village, township, first, members[:k]),
                    self.village_panel(village, township, first + k, members[k:])] if k else []

        g = self.new(f"village{self.ids(village.id)}")
        self.village_block(village, members, context=township.name, continued=first > 0)(g)
        return Panel(g, split=split if members else None)

    def kid_columns(self, children: list[Any], depth: int) -> int:
        if depth >= 3:
            return self.columns([self.village_size(v) for v in children])
        return self.columns([self.summary_size(v) for v in children])

    # -- boxes -----------------------------------------------------------------------------
    def box(self, g: graphviz.Digraph, key: str, title: str, lines: list[str], attrs: dict[str, str],
            width: float | None = None) -> str:
        node = self.ids(key)
        rows = [f'<tr><td align="center"><b>{_esc(title)}</b></td></tr>'] + \
            [f'<tr><td align="left">{_esc(line)}</td></tr>' for line in lines if line]
        label = '<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">' + "".join(rows) + "</table>>"
        extra = {"width": f"{width / 72:.2f}"} if width else {}
        g.node(node, label, **{**attrs, "shape": "box"}, **extra)
        return node

    def county_box(self, g: graphviz.Digraph, *, full: bool) -> str:
        c = self.chart
        lines = [f"{p.post} {p.person or '（无人在职）'}" for p in c.posts] if full else []
        node = self.box(g, c.county_id, c.county, lines, _ROOT)
        offices = [b.body for b in c.bodies if b.body not in {p.body for p in c.posts}]
        if full and offices:
            with g.subgraph() as s:
                s.attr(rank="same")
                oid = self.box(s, "offices", "机构", offices, _ORG)
            g.edge(oid, node, **_edge_attrs("SUPERVISES", self.model), constraint="false")
        return node

    def scope_head(self, g: graphviz.Digraph) -> str:
        """A narrow chart's way up: the county's name (and the township above a village)."""
        top = self.box(g, self.chart.county_id, self.chart.county, [], _ROOT)
        if self.chart.village:
            for t in self.chart.places:
                node = self.box(g, t.id, t.name, self.place_lines(t, counts=False), _ROOT)
                self.link(g, top, node)
                top = node
        return top

    def place_lines(self, p: Any, *, counts: bool = True) -> list[str]:
        return [*[f"{x.post} {x.person or '（无人在职）'}" for x in p.posts],
                *[f"{x.post} {x.person or '（无人在职）'}" for a in p.attached for x in a.posts],
                *[f"{a.relation} {a.name}" for a in p.attached if not a.posts],
                *(_counts(p, self.chart.member_label) if counts else [])]

    def summary_size(self, p: Any) -> tuple[float, float]:
        return _size(p.name, self.place_lines(p))

    def compact_size(self, p: Any) -> tuple[float, float]:
        return _size(p.name, _brief(p, self.chart.member_label))

    def summary_block(self, p: Any, width: float | None = None) -> Block:
        flags = "".join(f"（{f}）" for f in p.flags)
        return lambda g: _twice(self.box(g, p.id, p.name + flags, self.place_lines(p),
                                         _ROOT if p.kind == self._first() else _PLACE, width))

    def compact_block(self, p: Any, width: float | None = None) -> Block:
        flags = "".join(f"（{f}）" for f in p.flags)
        return lambda g: _twice(self.box(g, p.id, p.name + flags, _brief(p, self.chart.member_label),
                                         _ROOT if p.kind == self._first() else _PLACE, width))

    # -- blocks ----------------------------------------------------------------------------
    def place_block(self, p: Any, children: list[Any], depth: int, *, continued: bool = False,
                    compact_kids: bool = False) -> Block:
        """A place's box over the framed grid of its children (summaries, or expanded villages)."""
        def draw(g: graphviz.Digraph) -> tuple[str, str]:
            with g.subgraph(name=f"cluster_b{self.ids(p.id)}_{self.frames}") as c:
                self.frames += 1
                c.attr(label="", style="rounded", color="#c9dcc2", margin="8")
                title = p.name + ("（续）" if continued else "")
                top = self.box(c, p.id, title, [] if continued else self.place_lines(p), _ROOT)
                if not children:
                    return top, top
                if depth >= 3 and not compact_kids:
                    kids = [self.village_block(v) for v in children]
                    cols = self.columns([self.village_size(v) for v in children])
                else:
                    sizes = [(self.compact_size if compact_kids else self.summary_size)(v) for v in children]
                    width = max(w for w, _ in sizes)
                    make = self.compact_block if compact_kids else self.summary_block
                    kids = [make(v, width) for v in children]
                    cols = self.columns(sizes)
                label = children[0].label if hasattr(children[0], "label") else ""
                bottom = self.frame(c, top, f"k{self.ids(p.id)}_{self.frames}", f"{label}（{len(children)}）", kids,
                                    cols)
                return top, bottom
        return draw

    def village_block(self, v: Any, members: list[Any] | None = None, *, context: str = "",
                      continued: bool = False) -> Block:
        """A village expanded: its box with its posts, what is attached to it (its team with
        the team's posts, its helping units) beside, its members in a framed grid below."""
        members = v.members if members is None else members

        def draw(g: graphviz.Digraph) -> tuple[str, str]:
            if not v.attached and not members:  # nothing beside or below it: the box alone
                flags = "".join(f"（{f}）" for f in v.flags)
                lines = [f"{x.post} {x.person or '（无人在职）'}" for x in v.posts] + _counts(v, self.chart.member_label)
                return _twice(self.box(g, v.id, (f"{context} " if context else "") + v.name + flags, lines, _PLACE))
            with g.subgraph(name=f"cluster_v{self.ids(v.id)}_{self.frames}") as c:
                self.frames += 1
                c.attr(label="", style="rounded", color="#c9dcc2", margin="8")
                flags = "".join(f"（{f}）" for f in v.flags)
                title = (f"{context} " if context else "") + v.name + flags + ("（续）" if continued else "")
                lines = [] if continued else \
                    [f"{x.post} {x.person or '（无人在职）'}" for x in v.posts] + _counts(v, self.chart.member_label)
                top = self.box(c, v.id, title, lines, _PLACE)
                bottom = top
                above: list[str] = []
                if v.attached and not continued:  # a row between the village and its members
                    with c.subgraph() as s:
                        s.attr(rank="same")
                        for a in v.attached:
                            kind = a.node.split(":", 1)[0]
                            rows = [f"{x.post} {x.person or '（无人在职）'}" for x in a.posts]
                            node = self.box(s, f"{v.id}|{a.node}", a.relation if a.posts else a.name,
                                            rows or [a.relation], style(self.rulebook, kind) if self.model else _ORG)
                            # no label: a labelled edge takes a rank of its own and spreads the grid
                            c.edge(top, node, **{**_edge_attrs("ASSISTS", self.model), "dir": "back", "label": ""})
                            above.append(node)
                if members:
                    label = self.chart.member_label or "成员"
                    size = max((_size(n, [b or "（无）"]) for _, n, b in members), key=lambda s: s[0])
                    kids = [self._member(hid, number, beside, size[0]) for hid, number, beside in members]
                    cols = self.columns([size] * len(kids))
                    total = f"共 {len(v.members)}" if len(members) < len(v.members) else ""
                    bottom = self.frame(c, top, f"m{self.ids(v.id)}_{self.frames}",
                                        f"{label}（{len(members)}{'，' + total if total else ''}）", kids, cols,
                                        above=above)
                elif above:
                    bottom = above[-1]
                return top, bottom
        return draw

    def village_size(self, v: Any) -> tuple[float, float]:
        """The natural size of an expanded village without its members: its box over the row
        of what is attached to it."""
        w, h = _size(v.name + "（）" * len(v.flags), [f"{x.post} {x.person or ''}" for x in v.posts]
                     + _counts(v, self.chart.member_label))
        row = [_size(a.relation if a.posts else a.name, [f"{x.post} {x.person or ''}" for x in a.posts] or
                     [a.relation]) for a in v.attached]
        if row:
            w = max(w, sum(x for x, _ in row) + _SEP * (len(row) - 1))
            h += max(y for _, y in row) + 30
        return w + 20, h

    def _member(self, hid: str, number: str, beside: str | None, width: float) -> Block:
        return lambda g: _twice(self.box(g, hid, number, [beside or "（无）"], _LEAF, width))

    # -- grids -----------------------------------------------------------------------------
    def columns(self, sizes: list[tuple[float, float]]) -> int:
        """Columns of a grid of boxes this size: as many as ``width`` holds."""
        if not sizes:
            return 1
        w = max(s[0] for s in sizes)
        room = self.width - 2 * _MARGINS  # the frames around the grid
        return max(1, min(len(sizes), int((room + _SEP) // (w + _SEP))))

    def frame(self, g: graphviz.Digraph, parent: str | None, key: str, title: str, blocks: list[Block],
              cols: int, *, above: list[str] = ()) -> str:
        """``blocks`` in a dashed frame below ``parent`` (and below the nodes ``above``), in rows
        of ``cols`` in their order; one line from the parent to the frame. Returns the frame's
        last node."""
        with g.subgraph(name=f"cluster_{key}") as c:
            c.attr(label=_label(title), **_FRAME)
            ends = [b(c) for b in blocks]
            rows = [list(range(i, min(i + cols, len(ends)))) for i in range(0, len(ends), cols)]
            for r, row in enumerate(rows):
                with c.subgraph() as s:
                    s.attr(rank="same")
                    for i in row:
                        s.node(ends[i][0])
                for i, j in zip(row, row[1:]):
                    c.edge(ends[i][0], ends[j][0], style="invis")
                if r:
                    for i, j in zip(rows[r - 1], row):
                        c.edge(ends[i][1], ends[j][0], style="invis")
        first = rows[0]
        if parent is not None:
            g.edge(parent, ends[first[len(first) // 2]][0], lhead=f"cluster_{key}", **_LINK)
        for node in above:
            g.edge(node, ends[first[0]][0], style="invis")
        return ends[rows[-1][0]][1] if len(rows) > 1 or len(rows[-1]) == 1 else ends[rows[-1][len(rows[-1]) // 2]][1]

    def link(self, g: graphviz.Digraph, parent: str, child: str) -> None:
        g.edge(parent, child, **_LINK)

    def level_title(self, i: int, n: int) -> str:
        levels = self.chart.levels
        return f"{self.rulebook.label(levels[i]) if self.rulebook and i < len(levels) else ''}（{n}）"

    def _first(self) -> str:
        return self.chart.levels[0] if self.chart.levels else ""


def _head(n: int, cols: int, room: float, height: float, header: float) -> int:
    """How many of ``n`` items in rows of ``cols`` go on the first of two panels: the rows that
    fit ``room`` points under a ``header``, when the whole grid with it is ``height`` tall
    (0: the grid has a single row and cannot be split)."""
    rows = math.ceil(n / cols)
    if rows <= 1:
        return 0 if n <= 1 else max(1, n // 2)
    per_row = max(1.0, (height - header) / rows)
    fit = int((room * 0.98 - header) // per_row)
    return max(1, min(rows - 1, fit)) * cols


def _twice(node: str) -> tuple[str, str]:
    return node, node


def _esc(text: str) -> str:
    """Text for an HTML-like label: personal data masked, control characters and markup escaped."""
    return html.escape(escape_controls(mask_text(text), keep_newlines=False), quote=False)


def _ordered(place: Any, members: str = "") -> list[tuple[str, int]]:
    """A place's counts in one order for every place: the places below it, the rest by name,
    its members last."""
    items = list(place.counts.items())
    if not items:
        return []
    rest = sorted((x for x in items[1:] if x[0] != members), key=lambda x: x[0])
    return [items[0], *rest, *[x for x in items[1:] if x[0] == members]]


def _counts(place: Any, members: str = "") -> list[str]:
    """A place's counts, two to a line."""
    items = [f"{label} {n:,}" for label, n in _ordered(place, members)]
    return [" · ".join(items[i:i + 2]) for i in range(0, len(items), 2)]


def _brief(place: Any, members: str = "") -> list[str]:
    """A place's counts in one line: what is directly below it, and its members."""
    items = _ordered(place, members)
    keep = items[:1] + [items[-1]] if len(items) > 1 else items
    return [" · ".join(f"{label} {n:,}" for label, n in keep)]


def _text_width(line: str, size: float = FONT_PT) -> float:
    return sum(size if ord(ch) > 0x2E7F else size * 0.56 for ch in line)


def _size(title: str, lines: list[str]) -> tuple[float, float]:
    """The natural size (points) of a box of ``title`` over ``lines``."""
    width = max([_text_width(title) * 1.05] + [_text_width(x) for x in lines]) + 20
    return width, (1 + len(lines)) * _LINE + 10
