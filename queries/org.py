"""The organisation of a scope on a day, as the pack's ``org`` section describes it.

The chart descends the places the pack names (``org.levels``: 乡镇 then 村 for Tongwei): each
place with its posts and their holders, the nodes attached to it by the relations the pack
lists (a township's lead unit; a village's team and helping units, each with its posts),
and counts of what lies below; at the lowest level, optionally, each member (a household)
with the relation the pack shows beside it (its pairing cadre).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..graph import schema
from ..graph.errors import NotFound
from .paths import Party, Resolver, kind_of

__all__ = ["OrgAttached", "OrgPlace", "OrgChart", "org_chart"]


@dataclass
class OrgAttached:
    """A node shown beside a place: its team, a helping unit, its lead unit."""

    relation: str  # the relation's label
    node: str
    name: str
    posts: list[Party] = field(default_factory=list)  # its one-holder posts


@dataclass
class OrgPlace:
    id: str
    kind: str
    label: str  # the kind's label (乡镇, 村)
    name: str
    flags: list[str]  # true yes/no properties the pack names (贫困村)
    posts: list[Party]
    attached: list[OrgAttached] = field(default_factory=list)
    children: list["OrgPlace"] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # label → how many below (places, flagged places, teams, members)
    members: list[tuple[str, str, str | None]] = field(default_factory=list)  # (id, name, shown beside it)


@dataclass
class OrgChart:
    at: str
    county: str
    county_id: str
    rulebook: str
    posts: list[Party]
    bodies: list[Party]
    places: list[OrgPlace]
    depth: int  # how many levels are drawn as places of their own (1: townships as summaries)
    levels: list[str]  # the pack's org levels (township, village)
    member_label: str = ""  # what the list calls a member
    township: str | None = None  # the scope asked for: one place of the first level
    village: str | None = None  # … or one of the lowest

    @property
    def detail(self) -> str:
        """The kind of the smallest box: the root (summaries), or an org level."""
        return ([""] + self.levels)[self.depth - 1] or "root"


def org_chart(store: Any, at: str, *, township: str | None = None, village: str | None = None,
              detail: str | None = None, households: bool = False) -> OrgChart:
    """The org chart of the county, one place of the first level (a township), or one of the
    second (a village), on day ``at``.

    ``detail``: the level drawn as the smallest box (``county``: the first level as summaries;
    a level's kind: down to that level). ``households``: at the lowest level, list each member
    (the pack's ``org.members``) with what the pack shows beside it.
    """
    r = Resolver(store)
    rb = store.rulebook
    model, spec = rb.model, rb.pack.org
    levels = list(spec.levels)
    root = schema.node_id(model.root, schema.name_key(rb.county))
    # depth 1: the first level as summary blocks; 2: its places as clusters, the next level's
    # places as boxes; 3: those places expanded (what is attached as nodes, members listed).
    names = [model.root, *levels]
    depth = {lv: i + 1 for i, lv in enumerate(names)}.get(
        detail or (levels[-1] if village and levels else levels[0] if township and levels else model.root))
    if detail is not None and depth is None:
        raise NotFound(f"detail {detail!r}: {', '.join(names)}")
    if village or township:
        depth = max(depth or 1, len(names) if village else 2)
    posts = [p for title in model.posts.get(model.root, {})
             for p in r.parties(rb.role(f"{model.root}.post({title})"), root, at)]
    bodies = [Party(e.src, "", None, None, r.name(e.src)) for e in store.edges(dst=root, kinds=["SUPERVISES"])
              if kind_of(e.src) == "body"]
    chart = OrgChart(at, rb.county, root, rb.name, posts, bodies, [], depth or 1, levels,
                     model.label(spec.members) if spec.members else "", township, village)
    first = _children(store, model, root, levels[0]) if levels else []
    if township:
        tid = schema.node_id(levels[0], schema.name_key(township))
        if tid not in first:
            raise NotFound(f"{model.label(levels[0])}“{township}”不在项目中")
        first = [tid]
    for pid in first:
        place = _place(r, store, rb, pid, levels, 0, at, chart.depth, households, village)
        if place is not None:
            chart.places.append(place)
    if village and not chart.places:
        raise NotFound(f"{model.label(levels[-1])}“{village}”不在项目中" + (f"（{township}）" if township else ""))
    return chart


def _children(store: Any, model: Any, node: str, kind: str) -> list[str]:
    """The ``kind`` nodes tied to ``node`` as to their parent, in the order rosters listed them."""
    k = model.kinds[kind]
    if k.parent_reverse:
        edges = store.edges(src=node, kinds=[k.parent_edge], role=k.parent_role)
        ids = [e.dst for e in edges]
    else:
        edges = store.edges(dst=node, kinds=[k.parent_edge], role=k.parent_role)
        ids = [e.src for e in edges]
    order = {}
    for e, i in zip(edges, ids):
        if kind_of(i) == kind and i not in order:
            order[i] = (e.provenance.batch or 0, e.provenance.source or "", e.provenance.row or 0)
    return sorted(order, key=lambda i: order[i])


def _place(r: Resolver, store: Any, rb: Any, node: str, levels: list[str], i: int, at: str, depth: int,
           households: bool, village: str | None) -> OrgPlace | None:
    model, spec = rb.model, rb.pack.org
    kind = levels[i]
    n = r.node(node)
    flags = [p.flag for p in model.kinds[kind].props.values() if p.flag and n and n.props.get(p.name) is True]
    posts = [p for title, ps in model.posts.get(kind, {}).items()
             for p in r.parties(rb.role(f"{kind}.post({title})"), node, at)]
    place = OrgPlace(node, kind, model.label(kind), r.name(node), flags, posts)
    for text in spec.attached.get(kind, ()):
        path = rb.role(text)
        rel = model.relation(path.kinds[-2] if len(path.kinds) > 1 else path.start, path.steps[-1].name)
        for reached in r.resolve(path, node, at):
            target = kind_of(reached.node)
            k = model.kinds.get(target)
            # A place's own group (a village's team) is shown with its posts; an organisation
            # that helps it (a unit) by its name.
            titles = [t for t, ps in model.posts.get(target, {}).items() if ps.single] if k and k.one_per_parent else []
            tposts = [p for t in titles for p in r.parties(rb.role(f"{target}.post({t})"), reached.node, at)]
            place.attached.append(OrgAttached(rel.label if rel else text, reached.node, r.name(reached.node), tposts))
    below = levels[i + 1] if i + 1 < len(levels) else None
    if below is not None:
        kids = _children(store, model, node, below)
        if village:
            kids = [k for k in kids if k.endswith("/" + schema.name_key(village))]
            if not kids:
                return None
        place.counts[model.label(below)] = len(kids)
        for kid in kids:
            child = _place(r, store, rb, kid, levels, i + 1, at, depth, households, village)
            if child is None:
                continue
            for flag in child.flags:
                place.counts[flag] = place.counts.get(flag, 0) + 1
            for a in child.attached:
                if a.posts:  # count what is attached with posts of its own (teams)
                    place.counts[a.relation] = place.counts.get(a.relation, 0) + 1
            if spec.members:
                label = model.label(spec.members)
                place.counts[label] = place.counts.get(label, 0) + child.counts.get(label, 0)
            if i + 2 <= depth:
                place.children.append(child)
    elif spec.members:
        mkind = spec.members
        place.counts[model.label(mkind)] = store.count_located(mkind, [node], at, at)
        if households and i + 2 <= depth:
            show = rb.role(spec.member_show) if spec.member_show else None
            for member in _children(store, model, node, mkind):
                if not r.on_register(member, at):
                    continue
                beside = r.parties(show, member, at) if show else []
                place.members.append((member, r.name(member), beside[0].person if beside else None))
            place.members.sort()
    return place
