"""Role paths compiled to server walks: what a query will ask a server store, fetched up front.

A :class:`Walks` turns the rulebook's role paths into sequences of :class:`Hop` (one edge
step each: direction, edge kinds, the role and node kind that the walk continues with),
from the domain pack alone: a start's lift to the root, every step of a path (a post's
holders, a person's organisation), and the descent from each scope a threshold rule measures
to the places it counts in. :func:`walk_query` runs a set of walks from a few starts in one
query (a small automaton the server runs level by level); :func:`fetch_query` fetches one
level of many starts' walks with typed expansions. What comes back is every edge (any role,
any date) of the kinds asked for at each node reached, so the resolver's ``edges()`` calls
are answered from memory exactly as the project file answers them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import cypher, schema

if TYPE_CHECKING:
    from .pack import Model
    from .rules import RolePath, Rulebook

__all__ = ["Hop", "Walk", "Walks", "walk_query", "fetch_query"]


@dataclass(frozen=True)
class Hop:
    """One step of a walk: every edge of ``kinds`` in ``direction`` is fetched; the walk goes on
    from the nodes of kind ``target`` reached by an edge of ``role`` (None: any role)."""

    direction: str  # out | in
    kinds: tuple[str, ...]
    role: str | None
    target: str  # '' : the walk ends here

    @property
    def fetch(self) -> tuple[str, tuple[str, ...]]:
        return (self.direction, self.kinds)


Walk = tuple[Hop, ...]


class Walks:
    """The walks a rulebook's queries take from a node of each kind (compiled once per store)."""

    def __init__(self, rulebook: Rulebook):
        self.rb = rulebook
        self.model: Model = rulebook.model
        self._cache: dict[tuple[str, tuple[str, ...] | None], frozenset[Walk]] = {}
        scopes: dict[str, set[Walk]] = {}
        for rule in rulebook.rules:
            if rule.threshold is None or rule.scope not in self.model.kinds:
                continue
            down = scopes.setdefault(rule.scope, set())
            down.update((h,) for h in (self._down(c) for c in self.model.children(rule.scope)) if h)
            measure = self.model.measures.get(rule.threshold.of)
            parent = self.model.kinds[measure.kind].parent if measure and measure.kind in self.model.kinds else None
            path = self.model.lift_path(parent, rule.scope) if parent else None
            if path:  # the places the measure counts in, level by level down from the scope
                chain = [self._down(k) for k in [*reversed(path[:-1]), parent]]
                if all(chain):
                    down.add(tuple(chain))  # type: ignore[arg-type]
        self.scopes = {k: frozenset(v) for k, v in scopes.items()}

    @functools.cached_property
    def depth(self) -> int:
        """The longest walk from any kind: the depth of the one walk query text a rulebook uses."""
        return max((len(w) for kind in [*self.model.kinds, "person"] for w in self.from_kind(kind)), default=1)

    # -- what a query walks ----------------------------------------------------------------------
    def trace_paths(self) -> list[RolePath]:
        """Every role path a trace resolves: its chain, and everything the rules walk."""
        return [*(self.rb.role(s["role"]) for s in self.rb.trace_chain), *self.rule_paths()]

    def rule_paths(self) -> list[RolePath]:
        """Every role path the rules walk from a finding's object: the liable roles, the
        conditions a rule binds under, the contradictions checked."""
        paths = [li.role for rule in self.rb.rules for li in rule.liable]
        paths += [rule.condition.path for rule in self.rb.rules if rule.condition is not None]
        paths += [c.path for c in self.rb.contradictions]
        return list({p.text: p for p in paths}.values())

    def from_kind(self, kind: str, paths: list[RolePath] | None = None) -> frozenset[Walk]:
        """The walks from a node of ``kind``: each path's, the lift to the root, and the descent
        from every scope on the way up that a threshold rule measures (``paths`` None: a trace's)."""
        key = (kind, None if paths is None else tuple(p.text for p in paths))
        if key not in self._cache:
            walks: set[Walk] = set()
            for path in self.trace_paths() if paths is None else paths:
                walk = self.path(kind, path)
                if walk:
                    walks.add(walk)
            lift = self.lift(kind)
            if lift:
                walks.add(lift)
            for i in range(-1, len(lift)):
                here = lift[i].target if i >= 0 else kind
                walks.update(lift[:i + 1] + down for down in self.scopes.get(here, ()))
            self._cache[key] = frozenset(walks)
        return self._cache[key]

    # -- hops from the pack ------------------------------------------------------------------------
    def hop(self, kind: str, name: str, param: str = "") -> Hop | None:
        """The step ``name`` from a node of ``kind``, as the resolver takes it."""
        rel = self.model.relation(kind, name)
        if rel is None:
            return None
        kinds = (rel.edge,) if isinstance(rel.edge, str) else tuple(rel.edge)
        return Hop(rel.direction, kinds, param or rel.role or None, rel.target)

    def lift(self, kind: str) -> Walk:
        """The parent steps from ``kind`` to the top: a lift to any kind is a prefix of it."""
        hops: list[Hop] = []
        seen = {kind}
        parent = self.model.parent(kind)
        while parent is not None and parent not in seen:
            hop = self.hop(kind, parent)
            if hop is None:
                break
            hops.append(hop)
            seen.add(parent)
            kind, parent = parent, self.model.parent(parent)
        return tuple(hops)

    def path(self, kind: str, path: RolePath) -> Walk:
        """The hops the resolver takes for ``path`` from a node of ``kind``: the lift to its
        start, its steps, and then a post's holders or a person's organisation."""
        lift = self.model.lift_path(kind, path.start)
        if lift is None:
            return ()
        hops: list[Hop] = []
        for name, param in [(parent, "") for parent in lift] + [(s.name, s.param) for s in path.steps]:
            hop = self.hop(kind, name, param)
            if hop is None:
                return tuple(hops)
            hops.append(hop)
            kind = hop.target
        if kind == "post":
            hops.append(_HOLDS)
        elif kind == "person":
            hops.append(_MEMBER)
        return tuple(hops)

    def _down(self, child: str) -> Hop | None:
        """From a place to its children of kind ``child``, as the evaluators ask for them."""
        k = self.model.kinds.get(child)
        if k is None or not k.parent:
            return None
        return Hop("out" if k.parent_reverse else "in", (k.parent_edge,), k.parent_role, child)


_HOLDS = Hop("in", ("HOLDS",), None, "person")  # a post's holders, every date
_MEMBER = Hop("out", ("MEMBER_OF",), None, "")  # a person's organisation


@functools.lru_cache(maxsize=16)
def walk_query(depth: int) -> str:
    """Run the walk automaton (``$hops`` with their ``$fetches``) from ``$starts`` for ``depth``
    levels in one query. Each level groups its frontier by node and fetch, expands each pair
    once, reports what it found and hands the nodes a state goes on from to the next level.
    The text depends on the depth alone."""
    edge = cypher.edge_map("e")
    node = cypher.node_map("y")

    def level(i: int) -> str:
        nxt = ("[s IN ss | [j IN range(0, size(ys) - 1) WHERE $hops[s].next >= 0 AND ys[j].kind = $hops[s].target "
               "AND ($hops[s].role IS NULL OR es[j].role = $hops[s].role) | {n: ys[j], s: $hops[s].next}]]")
        return (f"CALL (f{i}) {{ UNWIND f{i} AS item WITH item.n AS x, $hops[item.s].fetch AS k, item.s AS s "
                "WITH x, k, collect(DISTINCT s) AS ss "
                "OPTIONAL MATCH (x)-[e]-(y) WHERE type(e) IN $fetches[k].kinds "
                "AND (CASE WHEN $fetches[k].out THEN startNode(e) = x ELSE endNode(e) = x END) "
                "WITH x, k, ss, collect(e) AS es, collect(y) AS ys "
                f"RETURN collect({{x: x.id, k: k, es: [e IN es | {edge}], ys: [y IN ys | {node}]}}) AS r{i + 1}, "
                f"reduce(a = [], per IN collect({nxt}) | a + reduce(b = [], l IN per | b + l)) AS f{i + 1} }} ")

    parts = ["UNWIND $starts AS st OPTIONAL MATCH (x:Node {push: $push, id: st.id}) "
             "WITH collect(CASE WHEN x IS NOT NULL THEN [s IN st.s | {n: x, s: s}] END) AS per, collect(x) AS starts "
             "WITH reduce(a = [], l IN per | a + l) AS f0, starts "]
    parts += [level(i) for i in range(depth)]
    found = " + ".join(f"r{j}" for j in range(1, depth + 1)) or "[]"
    parts.append(f"RETURN [x IN starts | {cypher.node_map('x')}] AS xs, {found} AS found")
    return "".join(parts)


@functools.lru_cache(maxsize=64)
def fetch_query(groups: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """One level of walks for many nodes: a typed branch per (direction, kinds) in ``groups``,
    each over ``$g<i>`` (rows ``{k, id, x}``: the key's number, the node, whether its own
    properties are wanted). The few texts a rulebook produces are each planned once."""
    parts = []
    for i, (direction, kinds) in enumerate(groups):
        types = "|".join(cypher.rel(k) for k in kinds)
        arrow = f"-[e:{types}]->(y)" if direction == "out" else f"<-[e:{types}]-(y)"
        parts.append(f"UNWIND $g{i} AS q MATCH (x:Node {{push: $push, id: q.id}}) OPTIONAL MATCH (x){arrow} "
                     f"RETURN q.k AS k, CASE WHEN q.x THEN {cypher.node_map('x')} END AS x, "
                     f"collect({cypher.edge_map('e')}) AS es, collect({cypher.node_map('y')}) AS ys")
    return " UNION ALL ".join(parts)


def kind_of(node_id: str) -> str:
    return schema.kind_of(node_id)
