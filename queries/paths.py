"""Role paths resolved at a date: from any object to the nodes and post holders a rule names.

``Resolver(store).resolve(rulebook.role("household.village.team.post(TITLE)"), "household:H1",
"2019-05-01")`` walks the pack's relations over edges valid on that day and returns who is
reached, with the edges that link them (and so their provenance).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..graph import schema
from ..graph.model import Edge, Node
from ..graph.rules import Filter, RolePath

__all__ = ["Reached", "Party", "Resolver", "kind_of", "role_label"]


kind_of = schema.kind_of


@dataclass(frozen=True)
class Reached:
    """A node reached by a path, and the edge of the last step (None for the start)."""

    node: str
    edge: Edge | None = None


@dataclass(frozen=True)
class Party:
    """A liable or responsible party: a post (with its holder on the day), a body, or a person."""

    node: str  # post, unit, body, township, county or person id
    post: str  # post title ('' for bodies)
    person: str | None  # the holder's name on the day (None: a body, or nobody in post)
    person_id: str | None
    body: str  # the unit or organ
    holding: Edge | None = None  # the HOLDS edge (provenance of the assignment)
    link: Edge | None = None  # the edge that links the party to the object
    unspecified: str = ""  # a body the list names only vaguely: why nobody is named

    @property
    def vacant(self) -> bool:
        """A post nobody held on the day."""
        return self.node.startswith("post:") and self.person is None


class Resolver:
    """Walks role paths over a store (SQLite or Bolt), caching nodes for one query."""

    def __init__(self, store: Any):
        self.store = store
        self.rulebook = store.rulebook
        self.model = self.rulebook.model
        self._nodes: dict[str, Node | None] = {}
        self._edges: dict[tuple[Any, ...], list[Edge]] = {}

    def edges(self, *, src: str | None = None, dst: str | None = None, kinds: list[str], role: str | None = None,
              at: str | None = None) -> list[Edge]:
        """``store.edges`` of one node: read once per query for every day (a check walks the same
        households, villages and posts for rule after rule), then kept to those valid ``at``."""
        key = (src, dst, tuple(kinds), role)
        found = self._edges.get(key)
        if found is None:
            found = self._edges[key] = self.store.edges(src=src, dst=dst, kinds=kinds, role=role)
        return found if at is None else [e for e in found if e.valid_at(at)]

    def node(self, node_id: str) -> Node | None:
        if node_id not in self._nodes:
            self._nodes[node_id] = self.store.node(node_id)
        return self._nodes[node_id]

    def prefetch(self, starts: list[str], paths: list[RolePath] | None = None) -> None:
        """Let a server store fetch every step of these walks (None: all a trace takes) in a few
        round trips (its optional ``prefetch``); the walks are then served from what it fetched.
        The project file has none."""
        fetch = getattr(self.store, "prefetch", None)
        if fetch is not None:
            fetch(starts, paths)

    def name(self, node_id: str) -> str:
        node = self.node(node_id)
        return node.name if node else node_id.split(":", 1)[-1]

    def caption(self, node_id: str) -> str:
        """What the pack shows beside a node's id ("户主姓名 吕成洋" for a household), or ''."""
        kind = self.model.kinds.get(kind_of(node_id))
        if kind is None or not kind.caption:
            return ""
        node = self.node(node_id)
        value = node.props.get(kind.caption) if node else None
        return f"{kind.props[kind.caption].column} {value}" if value else ""

    def step(self, node_id: str, name: str, param: str, at: str, filters: tuple[Filter, ...] = (),
             strict: bool = False) -> list[Reached]:
        """The nodes one relation reaches from ``node_id`` on the day (that pass ``filters``).

        A structural parent (a household's village …) that the rosters dated around this day is
        taken from the latest tie rather than losing the object, unless ``strict``.
        """
        rel = self.model.relation(kind_of(node_id), name)
        if rel is None:
            return []
        kinds = [rel.edge] if isinstance(rel.edge, str) else list(rel.edge)
        role = param or rel.role or None
        out = rel.direction == "out"

        def reached(day: str | None) -> list[Reached]:
            edges = self.edges(src=node_id, kinds=kinds, role=role, at=day) if out else \
                self.edges(dst=node_id, kinds=kinds, role=role, at=day)
            return [Reached(n, e) for n, e in (((e.dst if out else e.src), e) for e in edges)
                    if kind_of(n) == rel.target]

        found = reached(at)
        if not found and not strict and rel.target == self.model.parent(kind_of(node_id)):
            found = reached(None)[-1:]
        return [r for r in found if self.passes(r.node, filters)] if filters else found

    def passes(self, node_id: str, filters: tuple[Filter, ...]) -> bool:
        """Whether a node's properties satisfy ``[column=value]`` filters (是/否 for yes/no)."""
        if not filters:
            return True
        node = self.node(node_id)
        known = self.model.filters(kind_of(node_id))
        for column, value in filters:
            prop = known[column]
            have = node.props.get(prop.name) if node else None
            if prop.type == "bool":
                if bool(have) != (value == "是"):
                    return False
            elif schema.name_key(str(have if have is not None else "")) != schema.name_key(value):
                return False
        return True

    def on_register(self, node_id: str, at: str) -> bool:
        """Whether an object exists and is tied to its structural parent on the day (strictly)."""
        if self.node(node_id) is None:
            return False
        parent = self.model.parent(kind_of(node_id)) if kind_of(node_id) != "person" else None
        return parent is None or bool(self.step(node_id, parent, "", at, strict=True))

    def lift(self, node_id: str, kind: str, at: str) -> str | None:
        """The ``kind`` node above ``node_id`` (itself when of that kind), on the day."""
        reached = self.lift_reached(node_id, kind, at)
        return reached.node if reached else None

    def lift_reached(self, node_id: str, kind: str, at: str) -> Reached | None:
        """Like :meth:`lift`, with the edge of the last step up (None when no step)."""
        steps = self.model.lift_path(kind_of(node_id), kind)
        if steps is None:
            return None
        current = Reached(node_id)
        for parent in steps:  # the relation to a parent is named after the parent's kind
            reached = self.step(current.node, parent, "", at)
            if not reached:
                return None
            current = reached[0]
        return current

    def resolve(self, path: RolePath, start: str, at: str) -> list[Reached]:
        """The nodes ``path`` reaches from ``start`` (lifted to the path's start kind)."""
        return self.walk(path, start, at)[0]

    def walk(self, path: RolePath, start: str, at: str) -> tuple[list[Reached], str]:
        """(what ``path`` reaches from ``start``, and where it stopped when it reaches nothing)."""
        origin = self.lift_reached(start, path.start, at)
        if origin is None:
            return [], f"{self.name(start)} 无{self.rulebook.label(path.start)}"
        if not self.passes(origin.node, path.start_filters):
            return [], f"{self.name(origin.node)} 不符合条件（{_filters_text(path.start_filters)}）"
        current = [origin]
        for step in path.steps:
            nxt: list[Reached] = []
            for r in current:
                nxt.extend(self.step(r.node, step.name, step.param, at, step.filters))
            if not nxt and step.name == "post":  # posts exist once someone held them
                return [], f"{'、'.join(self.name(r.node) for r in current)} 的{step.param}：名单中从未有人任此职"
            if not nxt:
                rel = self.model.relation(kind_of(current[0].node), step.name)
                what = step.param if step.name in ("post", "body") else (rel.label if rel else step.name)
                cond = f"（{_filters_text(step.filters)}）" if step.filters else ""
                return [], f"{'、'.join(self.name(r.node) for r in current)} 在 {at} 无{what}{cond}"
            current = nxt
        return current, ""

    def holders(self, post_id: str, at: str) -> list[Edge]:
        return self.edges(dst=post_id, kinds=["HOLDS"], at=at)

    def tenure(self, person_id: str, post_id: str, day: str) -> tuple[str | None, str | None]:
        """The span of a person's assignment to a post around ``day``: contiguous rows of the
        rosters (a roster rewritten around it) are one assignment."""
        spans = sorted((e.valid_from or "", e.valid_to) for e in self.edges(dst=post_id, kinds=["HOLDS"])
                       if e.src == person_id)
        merged: list[list[str | None]] = []
        from datetime import date, timedelta

        for lo, hi in spans:
            if merged:
                last_hi = merged[-1][1]
                if last_hi is None or (lo and (date.fromisoformat(last_hi) + timedelta(days=1)).isoformat() >= lo):
                    if last_hi is not None and (hi is None or hi > last_hi):
                        merged[-1][1] = hi
                    continue
            merged.append([lo, hi])
        for lo, hi in merged:
            if (not lo or lo <= day) and (hi is None or hi >= day):
                return lo or None, hi
        return (merged[-1][0] or None, merged[-1][1]) if merged else (None, None)

    def vacancy(self, post_id: str, at: str) -> tuple[str | None, str | None]:
        """(vacant since, the last holder before) for a post nobody holds on ``at``."""
        before = [e for e in self.edges(dst=post_id, kinds=["HOLDS"])
                  if e.valid_to is not None and e.valid_to < at]
        if not before:
            return None, None
        last = max(before, key=lambda e: e.valid_to or "")
        from datetime import date, timedelta

        since = (date.fromisoformat(last.valid_to) + timedelta(days=1)).isoformat()
        return since, self.name(last.src)

    def parties(self, path: RolePath, start: str, at: str) -> list[Party]:
        """Who ``path`` names from ``start`` on the day: posts with their holders, or bodies."""
        out: list[Party] = []
        for r in self.resolve(path, start, at):
            out.extend(self.party(r, at))
        return out

    def party(self, reached: Reached, at: str) -> list[Party]:
        node_id, kind = reached.node, kind_of(reached.node)
        if kind == "post":
            post = self.node(node_id)
            title = post.name if post else node_id.rsplit("/", 1)[-1]
            owner = (post.props.get("owner") if post else None) or node_id[5:].rsplit("/", 1)[0]
            body = self._body_of_post(owner, title)
            holds = self.holders(node_id, at)
            if not holds:
                return [Party(node_id, title, None, None, body, None, reached.edge)]
            return [Party(node_id, title, self.name(h.src), h.src, body, h, reached.edge) for h in holds]
        if kind == "person":
            person = self.node(node_id)
            org = person.props.get("org_id", "") if person else ""
            return [Party(node_id, "", self.name(node_id), node_id, self.name(org) if org else "", None, reached.edge)]
        spec = self.model.kinds.get(kind)
        if spec is not None and spec.party:  # what the list calls the organs of a place: 乡镇党委政府
            return [Party(node_id, "", None, None, self._template(spec.party, node_id), None, reached.edge)]
        if kind == "body":
            spec = self.rulebook.body(self.name(node_id)) or {}
            if spec.get("members"):  # the rulebook says who the vague body is
                return [Party(node_id, "", None, None, str(m), None, reached.edge) for m in spec["members"]]
            return [Party(node_id, "", None, None, self.name(node_id), None, reached.edge,
                          unspecified=str(spec.get("unspecified") or ""))]
        return [Party(node_id, "", None, None, self.name(node_id), None, reached.edge)]

    def _body_of_post(self, owner: str, title: str) -> str:
        spec = self.model.post(kind_of(owner), title)
        return self._template(spec.body, owner) if spec and spec.body else self.name(owner)

    def _template(self, template: str, node_id: str) -> str:
        return template.format(name=self.name(node_id), root=self.rulebook.county)


def _filters_text(filters: tuple[Filter, ...]) -> str:
    return "，".join(f"{k}：{v}" for k, v in filters)


def role_label(path: RolePath, rulebook: Any) -> str:
    """A reader's name for what a role path names: the post title, the relation's label, the kind."""
    if not path.steps:
        label = rulebook.label(path.start)
        filters = path.start_filters
    else:
        kind = path.kinds[-2] if len(path.steps) > 1 else path.start
        last = path.steps[-1]
        rel = rulebook.model.relation(kind, last.name)
        if last.name == "post":
            label = last.param
        elif last.name == "body":  # the bodies of that duty, by name
            names = [b["name"] for b in rulebook.bodies if b.get("duty") == last.param]
            label = "、".join(names) if 0 < len(names) <= 2 else (f"{names[0]}等{len(names)}个机构" if names
                                                                   else f"{rel.label}（{last.param}）")
        else:
            label = f"{rel.label}（{last.param}）" if last.param else rel.label
        filters = last.filters
    return label + (f"（{_filters_text(filters)}）" if filters else "")
