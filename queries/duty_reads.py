"""Bulk reads for the duty judgements of :mod:`zeren.queries.duties`.

A county's duties are judged for tens of thousands of holder × window pairs (every household's
pairing cadre, every month's visit of every contact leader). Asked one pair at a time, the
store would answer tens of thousands of small queries: the role paths, the post holders, the
names, the duty log. Here each is read once and answered from memory:

- :class:`BulkResolver` is a :class:`~zeren.queries.paths.Resolver` whose steps read the edges
  of a relation once (after a few nodes have asked for it) and whose names come from one read
  of a whole kind; every walk, lift and filter is the resolver's own, so the answers are the
  same (the edges of the steps are not carried: ``Reached.edge`` is None).
- :func:`duty_log` reads the log of a span for some 履职事项; :func:`log_spans` says which days
  each load of the log covers.

On the embedded store these read the ``node``/``edge`` views and the ``duty_record`` table in
one SQL statement each; any other store (Bolt) is read through its public methods.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ..graph import schema
from ..graph.model import DutyRecord, Node, Provenance
from .paths import Reached, Resolver

__all__ = ["BulkResolver", "duty_log", "log_spans"]

kind_of = schema.kind_of

# One edge as the steps need it: (src, dst, role, valid_from, valid_to), in the order
# store.edges returns edges: (valid_from or "", id or 0, src, dst).
Row = tuple[str, str, str, "str | None", "str | None"]


def _sort_key(e: tuple[Any, ...]) -> tuple[str, int, str, str]:
    return (e[3] or "", e[5] or 0, e[0], e[1])


class BulkResolver(Resolver):
    """A resolver for many starts at once: relations, names and post holders read in bulk."""

    BULK = 48  # distinct nodes that ask for one relation (or one kind's names) before all of it is read

    def __init__(self, store: Any):
        super().__init__(store)
        self._conn = getattr(store, "conn", None)
        self._whole: dict[tuple[str, ...], list[Row]] = {}  # edge kinds -> every edge of them
        self._sides: dict[tuple[tuple[str, ...], bool], dict[str, list[Row]]] = {}  # (kinds, out) -> node -> edges
        self._one: dict[tuple[tuple[str, ...], bool, str], list[Row]] = {}  # edges read for one node
        self._asked: dict[tuple[tuple[str, ...], bool], int] = defaultdict(int)
        self._names: dict[str, str] = {}
        self._orgs: dict[str, str | None] = {}
        self._named: set[str] = set()  # kinds whose names were read whole
        self._misses: dict[str, int] = defaultdict(int)
        self._holds: dict[str, list[Row]] | None = None
        self._lifts: dict[tuple[str, str, str], str | None] = {}

    # -- edges ---------------------------------------------------------------------------------
    def edges_of(self, kinds: tuple[str, ...], out: bool, node: str) -> list[Row]:
        """Every edge of ``kinds`` whose src (``out``) or dst is ``node``, any role, any date."""
        side = self._sides.get((kinds, out))
        if side is not None:
            return side.get(node, [])
        key = (kinds, out, node)
        rows = self._one.get(key)
        if rows is not None:
            return rows
        self._asked[(kinds, out)] += 1
        if self._asked[(kinds, out)] > self.BULK:
            return self._side(kinds, out).get(node, [])
        found = self.store.edges(src=node, kinds=list(kinds)) if out else self.store.edges(dst=node, kinds=list(kinds))
        rows = [(e.src, e.dst, e.role, e.valid_from, e.valid_to) for e in found]
        self._one[key] = rows
        return rows

    def whole(self, kinds: tuple[str, ...]) -> list[Row]:
        """Every edge of ``kinds``, read once (one read per edge kind)."""
        if kinds not in self._whole:
            if len(kinds) == 1:
                self._whole[kinds] = self._kind(kinds[0])
            else:  # merged in the order one query for all of them returns
                raw = [row for k in kinds for row in self._kind_raw(k)]
                raw.sort(key=_sort_key)
                self._whole[kinds] = [r[:5] for r in raw]
        return self._whole[kinds]

    def _kind(self, kind: str) -> list[Row]:
        if (kind,) not in self._whole:
            self._whole[(kind,)] = [r[:5] for r in self._kind_raw(kind)]
        return self._whole[(kind,)]

    def _kind_raw(self, kind: str) -> list[tuple[Any, ...]]:
        """(src, dst, role, valid_from, valid_to, id) of every edge of one kind, as store.edges sorts them."""
        if self._conn is not None:
            # kind = ? (not IN): the view pushes an equality down into each of its parts
            raw = self._conn.execute("SELECT src, dst, role, valid_from, valid_to, id FROM edge WHERE kind = ?",
                                     (kind,)).fetchall()
            raw.sort(key=_sort_key)
            return raw
        return [(e.src, e.dst, e.role, e.valid_from, e.valid_to, e.id) for e in self.store.edges(kinds=[kind])]

    def _side(self, kinds: tuple[str, ...], out: bool) -> dict[str, list[Row]]:
        side = self._sides.get((kinds, out))
        if side is None:
            side = defaultdict(list)
            for row in self.whole(kinds):
                side[row[0] if out else row[1]].append(row)
            self._sides[(kinds, out)] = side = dict(side)
        return side

    def step(self, node_id: str, name: str, param: str, at: str, filters: tuple[Any, ...] = (),
             strict: bool = False) -> list[Reached]:
        """:meth:`Resolver.step` answered from edges read in bulk."""
        kind = kind_of(node_id)
        rel = self.model.relation(kind, name)
        if rel is None:
            return []
        kinds = (rel.edge,) if isinstance(rel.edge, str) else tuple(rel.edge)
        role = param or rel.role or None
        out = rel.direction == "out"
        target = rel.target
        end = 1 if out else 0
        rows = [r for r in self.edges_of(kinds, out, node_id)
                if (role is None or r[2] == role) and kind_of(r[end]) == target]
        found = [Reached(r[end]) for r in rows if (r[3] is None or r[3] <= at) and (r[4] is None or r[4] >= at)]
        if not found and not strict and target == self.model.parent(kind):
            found = [Reached(r[end]) for r in rows[-1:]]
        return [r for r in found if self.passes(r.node, filters)] if filters else found

    def lift(self, node_id: str, kind: str, at: str) -> str | None:
        key = (node_id, kind, at)
        if key not in self._lifts:
            self._lifts[key] = super().lift(node_id, kind, at)
        return self._lifts[key]

    # -- post holders ----------------------------------------------------------------------------
    def holds(self, post: str) -> list[Row]:
        """Every HOLDS edge of a post (who held it, from, to), read once for all posts."""
        if self._holds is None:
            by_post: dict[str, list[Row]] = defaultdict(list)
            for row in self.whole(("HOLDS",)):
                by_post[row[1]].append(row)
            self._holds = dict(by_post)
        return self._holds.get(post, [])

    def holders(self, post_id: str, at: str) -> list[Any]:
        """The holders of a post on a day, as edges with ``src`` (what :meth:`Resolver.party` reads)."""
        from ..graph.model import Edge

        return [Edge("HOLDS", r[0], r[1], r[2], r[3], r[4]) for r in self.holds(post_id)
                if (r[3] is None or r[3] <= at) and (r[4] is None or r[4] >= at)]

    # -- nodes and names -------------------------------------------------------------------------
    def node(self, node_id: str) -> Node | None:
        if node_id in self._nodes:
            return self._nodes[node_id]
        kind = kind_of(node_id)
        key = "node:" + kind
        if key not in self._named:
            self._misses[key] += 1
            if self._misses[key] > self.BULK:
                self._named.add(key)
                ids = sorted(self.store.node_ids(kind))
                for n in self.store.nodes_by_id(ids):
                    self._nodes[n.id] = n
                for i in ids:
                    self._nodes.setdefault(i, None)
        return super().node(node_id)

    def name(self, node_id: str) -> str:
        name = self._names.get(node_id)
        if name is not None:
            return name
        kind = kind_of(node_id)
        if kind not in self._named:
            self._misses[kind] += 1
            if self._misses[kind] > self.BULK:
                self.read_names(kind)
                name = self._names.get(node_id)
                if name is not None:
                    return name
        return super().name(node_id)

    def org_of(self, person_id: str) -> str | None:
        """The organisation a person belongs to (the ``org_id`` of the person node)."""
        if person_id not in self._orgs:
            if "person" not in self._named:
                self._misses["person"] += 1
                if self._misses["person"] > self.BULK:
                    self.read_names("person")
            if person_id not in self._orgs:
                node = self.node(person_id)
                self._orgs[person_id] = node.props.get("org_id") if node else None
        return self._orgs[person_id]

    def read_names(self, kind: str) -> None:
        """The names of every node of a kind (and a person's organisation), in one read."""
        self._named.add(kind)
        if self._conn is not None:
            best: dict[str, int] = {}
            sql = "SELECT id, name, batch" + (", json_extract(props, '$.org_id')" if kind == "person" else "") + \
                  " FROM node WHERE kind = ?"  # an equality the view pushes down into its parts
            for row in self._conn.execute(sql, (kind,)):
                # several rows of one id: the latest load's, as the store merges them
                batch = row[2] or 0
                if row[0] not in best or batch >= best[row[0]]:
                    best[row[0]] = batch
                    self._names[row[0]] = row[1]
                    if kind == "person":
                        self._orgs[row[0]] = row[3]
            return
        nodes: list[Node] = self.store.nodes_by_id(sorted(self.store.node_ids(kind)))
        for n in nodes:
            self._nodes[n.id] = n
            self._names[n.id] = n.name
            if kind == "person":
                self._orgs[n.id] = n.props.get("org_id")


def duty_log(store: Any, date_from: str, date_to: str, items: Sequence[str]) -> list[DutyRecord]:
    """The duty-log records of some 履职事项 dated in [date_from, date_to], by date (their
    ``props`` are not read: nothing here judges by them)."""
    items = list(items)
    conn = getattr(store, "conn", None)
    if conn is None:
        return store.duty_records(date_from, date_to, items=items)
    # +item: a county's log is mostly the items asked for, so a scan beats a search of the item
    # index; sorted here, not by SQL (a temporary b-tree of whole rows costs more than the read)
    sql = ("SELECT n, date, subject_id, subject_text, item, object_id, object_text, days, note, source, sheet, row, "
           f"batch FROM duty_record WHERE date >= ? AND date <= ? AND +item IN ({','.join('?' * len(items))})")
    rows = conn.execute(sql, [date_from, date_to, *items]).fetchall()
    rows.sort(key=lambda r: (r[1], r[0]))
    return [DutyRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], {}, Provenance(r[9], r[10], r[11], r[12]))
            for r in rows]


def log_spans(store: Any) -> list[tuple[str, str]]:
    """(first day, last day) of the records of each load of the duty log, by first day."""
    conn = getattr(store, "conn", None)
    if conn is not None:
        rows = conn.execute("SELECT min(date), max(date) FROM duty_record GROUP BY batch").fetchall()
        return sorted((lo, hi) for lo, hi in rows if lo)
    spans: dict[Any, list[str]] = {}
    for rec in store.duty_records():
        span = spans.setdefault(rec.provenance.batch, [rec.date, rec.date])
        span[0], span[1] = min(span[0], rec.date), max(span[1], rec.date)
    return sorted((lo, hi) for lo, hi in spans.values())
