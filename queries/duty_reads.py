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
from ..graph.model import Node
from .paths import Reached, Resolver

__all__ = ["BulkResolver", "LogRecord", "SubjectLog", "duty_log", "log_spans", "source_of"]

kind_of = schema.kind_of
_UNSET = object()

# One edge as the steps need it: (src, dst, role, valid_from, valid_to), in the order
# store.edges returns edges: (valid_from or "", id or 0, src, dst).
Row = tuple[str, str, str, "str | None", "str | None"]


def _sort_key(e: tuple[Any, ...]) -> tuple[str, int, str, str]:
    return (e[3] or "", e[5] or 0, e[0], e[1])


def _step_key(e: tuple[Any, ...]) -> tuple[str, int, str, str]:  # (src, dst, valid_from, id)
    return (e[2] or "", e[3] or 0, e[0], e[1])


class BulkResolver(Resolver):
    """A resolver for many starts at once: relations, names and post holders read in bulk."""

    #: Distinct nodes that ask for one relation (or one kind's names) before all of it is read;
    #: ``bulk`` sets it per resolver (a few holders' judgements: later, their nodes asked one by one).
    BULK = 16

    def __init__(self, store: Any, bulk: int | None = None):
        super().__init__(store)
        if bulk is not None:
            self.BULK = bulk
        self._conn = getattr(store, "conn", None)
        # Edges are read by (edge kinds, role): None reads every role (a step whose relation
        # names none), '' only the edges without one (a kind's tie to its parent).
        self._raw: dict[tuple[str, str | None, int | None, str | None], list[tuple[Any, ...]]] = {}
        self._whole: dict[tuple[tuple[str, ...], str | None, int | None, str | None], list[Row]] = {}
        self._sides: dict[tuple[tuple[str, ...], str | None, bool, str], dict[str, list[Row]]] = {}
        self._one: dict[tuple[tuple[str, ...], str | None, bool, str], list[Row]] = {}  # read for one node
        self._asked: dict[tuple[tuple[str, ...], str | None, bool, str], int] = defaultdict(int)
        self._names: dict[str, str] = {}
        self._orgs: dict[str, str | None] = {}
        self._owners: dict[str, str | None] = {}
        self._named: set[str] = set()  # kinds whose names were read whole
        self._misses: dict[str, int] = defaultdict(int)
        self._holds: dict[str, list[Row]] | None = None
        self._lifts: dict[tuple[str, str, str], str | None] = {}
        self._paths: dict[tuple[str, str], list[str] | None] = {}
        self._ups: dict[tuple[str, str], tuple[Any, ...]] = {}

    # -- edges ---------------------------------------------------------------------------------
    def edges_of(self, kinds: tuple[str, ...], role: str | None, out: bool, node: str) -> list[Row]:
        """The edges of ``kinds`` (and ``role``, None: any) whose src (``out``) or dst is ``node``,
        any date: read for this node, or — once many nodes of its kind asked — for all of them."""
        group = (kinds, role, out, kind_of(node))
        side = self._sides.get(group)
        if side is not None:
            return side.get(node, [])
        key = (kinds, role, out, node)
        rows = self._one.get(key)
        if rows is not None:
            return rows
        self._asked[group] += 1
        if self._asked[group] > self.BULK:
            grouped: dict[str, list[Row]] = defaultdict(list)
            end = 0 if out else 1
            for row in self.whole(kinds, role, end, group[3]):
                grouped[row[end]].append(row)
            self._sides[group] = side = dict(grouped)
            return side.get(node, [])
        found = self.store.edges(src=node, kinds=list(kinds), role=role) if out else \
            self.store.edges(dst=node, kinds=list(kinds), role=role)
        rows = [(e.src, e.dst, e.role, e.valid_from, e.valid_to) for e in found]
        self._one[key] = rows
        return rows

    def whole(self, kinds: tuple[str, ...], role: str | None = None, end: int | None = None,
              of: str | None = None) -> list[Row]:
        """Every edge of ``kinds`` (of ``role``, None: any; whose src (``end`` 0) or dst (1) is a
        node of kind ``of``), read once, in store.edges' order."""
        key = (kinds, role, end, of)
        if key not in self._whole:
            raw = [row for k in kinds for row in self.raw(k, role, end, of)]
            raw.sort(key=_sort_key)
            self._whole[key] = [r[:5] for r in raw]
        return self._whole[key]

    def raw(self, kind: str, role: str | None, end: int | None = None, of: str | None = None) -> list[tuple[Any, ...]]:
        """(src, dst, role, valid_from, valid_to, id) of the edges of one kind (of ``role``; whose
        src (``end`` 0) or dst (1) is a node of kind ``of``), read once, in no particular order."""
        key = (kind, role, end, of)
        if key in self._raw:
            return self._raw[key]
        everything = self._raw.get((kind, None, None, None))
        if everything is not None or self._conn is None:
            if everything is None:
                everything = self._raw[(kind, None, None, None)] = [
                    (e.src, e.dst, e.role, e.valid_from, e.valid_to, e.id) for e in self.store.edges(kinds=[kind])]
            prefix = f"{of}:" if of else ""
            raw = [r for r in everything if (role is None or r[2] == role) and
                   (end is None or r[end].startswith(prefix))]
        else:
            # the relation's fact tables (not the edge view, which builds every row's properties);
            # a role and a range on src or dst are pushed down into each of its parts
            sql, args = f"SELECT src, dst, role, valid_from, valid_to, id FROM ({self.store.edges_sql(kind)}) WHERE 1", []
            if role is not None:
                sql += " AND role = ?"
                args.append(role)
            if end is not None and of:
                # +col: filter in each part, never search its index (a scan is cheaper when the
                # kind is most of the edges, and the filter keeps the rest out of Python)
                col = "+src" if end == 0 else "+dst"
                sql += f" AND {col} >= ? AND {col} < ?"
                args += [f"{of}:", f"{of};"]
            raw = self._conn.execute(sql, args).fetchall()
        self._raw[key] = raw
        return raw

    def step(self, node_id: str, name: str, param: str, at: str, filters: tuple[Any, ...] = (),
             strict: bool = False) -> list[Reached]:
        """:meth:`Resolver.step` answered from edges read in bulk."""
        kind = kind_of(node_id)
        rel = self.model.relation(kind, name)
        if rel is None:
            return []
        kinds = (rel.edge,) if isinstance(rel.edge, str) else tuple(rel.edge)
        out = rel.direction == "out"
        target = rel.target
        end = 1 if out else 0
        rows = [r for r in self.edges_of(kinds, param or rel.role or None, out, node_id) if kind_of(r[end]) == target]
        found = [Reached(r[end]) for r in rows if (r[3] is None or r[3] <= at) and (r[4] is None or r[4] >= at)]
        if not found and not strict and target == self.model.parent(kind):
            found = [Reached(r[end]) for r in rows[-1:]]
        return [r for r in found if self.passes(r.node, filters)] if filters else found

    def step_map(self, kind: str, name: str, param: str, at: str) -> dict[str, list[str]] | None:
        """What :meth:`step` (without filters) reaches from every node of ``kind`` on a day, read
        from the whole relation; None for the step to a structural parent, whose fallback to the
        latest tie is taken node by node."""
        rel = self.model.relation(kind, name)
        if rel is None:
            return {}
        if rel.target == self.model.parent(kind):
            return None
        kinds = (rel.edge,) if isinstance(rel.edge, str) else tuple(rel.edge)
        role = param or rel.role or None
        mine, end = (0, 1) if rel.direction == "out" else (1, 0)
        here, there = kind + ":", rel.target + ":"
        found: dict[str, list[str]] = {}
        first: dict[str, tuple[Any, ...]] = {}
        several: dict[str, list[tuple[Any, ...]]] = {}  # the edges of nodes with more than one
        for k in kinds:
            if self._conn is not None:  # only what the step needs, valid on the day
                col = "+src" if mine == 0 else "+dst"
                sql = (f"SELECT src, dst, valid_from, id FROM ({self.store.edges_sql(k)}) WHERE {col} >= ? "
                       f"AND {col} < ? AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?)")
                args = [here, kind + ";", at, at]
                if role is not None:
                    sql += " AND role = ?"
                    args.append(role)
                rows: Any = self._conn.execute(sql, args).fetchall()
            else:
                rows = [(r[0], r[1], r[3], r[5]) for r in self.raw(k, role, mine, kind)
                        if (r[3] is None or r[3] <= at) and (r[4] is None or r[4] >= at)]
            for row in rows:
                node = row[mine]
                if node.startswith(here) and row[end].startswith(there):
                    if node in first:
                        several.setdefault(node, [first[node]]).append(row)
                    else:
                        first[node] = row
                        found[node] = [row[end]]
        # a node's edges in the order store.edges gives them (sorted where there are several)
        for node, rows in several.items():
            found[node] = [r[end] for r in sorted(rows, key=_step_key)]
        return found

    def tied(self, edge: str, role: str, end: int, kind: str, start: str, stop: str) -> set[str]:
        """The ``kind`` nodes at the src (``end`` 0) or dst (1) of an ``edge``/``role`` edge
        valid on some day of [start, stop] (a kind's dated tie to its parent)."""
        prefix = kind + ":"
        if self._conn is not None:  # the relation's fact tables, not the edge view (which builds every row)
            col = "src" if end == 0 else "dst"
            sql = (f"SELECT {col} FROM ({self.store.edges_sql(edge)}) WHERE role = ? AND +{col} >= ? "
                   f"AND +{col} < ? AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?)")
            return {r[0] for r in self._conn.execute(sql, (role, prefix, kind + ";", stop, start))}
        return {r[end] for r in self.raw(edge, role, end, kind) if r[2] == role and r[end].startswith(prefix)
                and (r[3] or "") <= stop and (r[4] is None or r[4] >= start)}

    def lift(self, node_id: str, kind: str, at: str) -> str | None:
        """:meth:`Resolver.lift`, one step up at a time, each node's lift kept: a township's
        thousands of households ask their villages, which are lifted once."""
        if node_id.startswith(kind + ":"):
            return node_id  # what Resolver.lift answers for a node of the kind itself
        key = (node_id, kind, at)
        found = self._lifts.get(key, _UNSET)
        if found is _UNSET:
            here = kind_of(node_id)
            steps = self._paths.get((here, kind), _UNSET)
            if steps is _UNSET:
                steps = self._paths[(here, kind)] = self.model.lift_path(here, kind)
            parent = self._up(node_id, here, steps[0], at) if steps else None  # type: ignore[index]
            found = self._lifts[key] = self.lift(parent, kind, at) if parent else None
        return found  # type: ignore[return-value]

    def _up(self, node_id: str, kind: str, parent: str, at: str) -> str | None:
        """What :meth:`step` reaches first from a node to its parent kind on a day (the latest tie
        when none is valid then), as a bare id."""
        spec = self._ups.get((kind, parent))
        if spec is None:
            rel = self.model.relation(kind, parent)
            if rel is None:
                return None
            spec = self._ups[(kind, parent)] = ((rel.edge,) if isinstance(rel.edge, str) else tuple(rel.edge),
                                                rel.role or None, rel.direction == "out", rel.target,
                                                1 if rel.direction == "out" else 0,
                                                rel.target == self.model.parent(kind))
        kinds, role, out, target, end, structural = spec
        last = None
        for r in self.edges_of(kinds, role, out, node_id):
            other = r[end]
            if kind_of(other) == target:
                if (r[3] is None or r[3] <= at) and (r[4] is None or r[4] >= at):
                    return other
                last = other
        return last if structural else None

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

    @property
    def names(self) -> dict[str, str]:
        """The names read so far, by node id (what :meth:`name` answers first)."""
        return self._names

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
        """The names of every node of a kind (and a person's organisation, a post's owner), in one read."""
        self._named.add(kind)
        if self._conn is not None and kind not in ("person", "post") and hasattr(self.store, "node_names"):
            self._names.update(self.store.node_names(kind))  # the fact tables, not the node view
            return
        if self._conn is not None:
            # the node view's rows of the kind, from its tables: the view would build every
            # person's properties to read one of them
            extra = {"person": ("org_id", "SELECT id, name, org, batch FROM person"),
                     "post": ("owner", "SELECT id, title, owner, batch FROM post")}
            sql = "SELECT id, name, NULL, NULL FROM node WHERE kind = ?"
            if kind in extra:
                key, table = extra[kind]
                sql = f"SELECT id, name, json_extract(props, '$.{key}'), NULL FROM seed_node WHERE kind = ? UNION ALL {table}"
            rows = self._conn.execute(sql, (kind,)).fetchall()
            if len({r[0] for r in rows}) < len(rows):  # an id in several rows: the latest load's, as the store merges
                if kind not in extra:
                    rows = self._conn.execute("SELECT id, name, NULL, batch FROM node WHERE kind = ?", (kind,)).fetchall()
                rows.sort(key=lambda r: r[-1] or 0)
            self._names.update((r[0], r[1]) for r in rows)
            if kind in extra:
                (self._orgs if kind == "person" else self._owners).update((r[0], r[2]) for r in rows)
            return
        nodes: list[Node] = self.store.nodes_by_id(sorted(self.store.node_ids(kind)))
        for n in nodes:
            self._nodes[n.id] = n
            self._names[n.id] = n.name
            if kind == "person":
                self._orgs[n.id] = n.props.get("org_id")
            elif kind == "post":
                self._owners[n.id] = n.props.get("owner")

    def post_label(self, post: str) -> tuple[str, str]:
        """(title, organ) of a post: what :meth:`Resolver.party` names it, from its name and owner."""
        if post not in self._owners and "post" not in self._named:
            self._misses["post"] += 1
            if self._misses["post"] > self.BULK:
                self.read_names("post")
        if post in self._owners or post in self._names:
            title = self._names.get(post, post.rsplit("/", 1)[-1])
            owner = self._owners.get(post) or post[5:].rsplit("/", 1)[0]
            return title, self._body_of_post(owner, title)
        party = self.party(Reached(post), "")[0]
        return party.post, party.body


class LogRecord:
    """A line of the duty log as the judge reads it: what it says, and ``source``, the
    ``file:row`` that cites it. Its two texts (主体 and 对象 as written) are read when first
    asked for (by --explain and the flagged records only) when ``texts`` can read them."""

    __slots__ = ("n", "date", "subject_id", "_subject_text", "item", "object_id", "_object_text", "days", "source",
                 "_texts")

    def __init__(self, n: int, date: str, subject_id: str, subject_text: str | None, item: str,
                 object_id: str | None, object_text: str | None, days: float | None, source: str,
                 texts: Any = None):
        self.n, self.date, self.subject_id, self._subject_text = n, date, subject_id, subject_text
        self.item, self.object_id, self._object_text, self.days, self.source = item, object_id, object_text, days, source
        self._texts = texts  # a connection to read the texts from, when they were not read

    def _read(self) -> None:
        row = self._texts.execute("SELECT subject_text, object_text FROM duty_record WHERE n = ?", (self.n,)).fetchone()
        self._subject_text, self._object_text = (row[0], row[1]) if row else ("", "")

    @property
    def subject_text(self) -> str:
        if self._subject_text is None:
            self._read()
        return self._subject_text or ""

    @property
    def object_text(self) -> str:
        if self._object_text is None:
            self._read()
        return self._object_text or ""


def source_of(file: str | None, sheet: str | None, row: int | None) -> str:
    """``name.csv:12`` (``book.xlsx:sheet:12``) of a record's provenance."""
    if not file:
        return ""
    name = str(file).replace("\\", "/").rsplit("/", 1)[-1]
    sheet_part = f":{sheet}" if sheet else ""
    return f"{name}{sheet_part}:{row}" if row else name


def duty_log(store: Any, date_from: str, date_to: str, items: Sequence[str]) -> list[LogRecord]:
    """The duty-log records of some 履职事项 dated in [date_from, date_to], by day."""
    items = list(items)
    conn = getattr(store, "conn", None)
    if conn is None:
        return [LogRecord(r.n, r.date, r.subject_id, r.subject_text, r.item, r.object_id, r.object_text, r.days,
                          source_of(r.provenance.source, r.provenance.sheet, r.provenance.row))
                for r in store.duty_records(date_from, date_to, items=items)]
    # +item: a county's log is mostly the items asked for, so a scan beats a search of the item
    # index; sorted here, not by SQL (a temporary b-tree of whole rows costs more than the read)
    rows = conn.execute(f"{_LOG_COLS} WHERE date >= ? AND date <= ? AND +item IN ({','.join('?' * len(items))})",
                        [date_from, date_to, *items]).fetchall()
    rows.sort()  # by date, then n (unique)
    return _records(rows, conn)


# the texts as written are not read: only --explain and the flagged records show them
_LOG_COLS = "SELECT date, n, subject_id, NULL, item, object_id, NULL, days, source, sheet, row FROM duty_record"


def _records(rows: list[tuple[Any, ...]], conn: Any) -> list[LogRecord]:
    prefixes: dict[tuple[str | None, str | None], str] = {}
    out = []
    last: tuple[Any, Any, str] = (None, None, "")
    for r in rows:
        if r[8] != last[0] or r[9] != last[1]:
            prefix = prefixes.get((r[8], r[9]))
            if prefix is None:
                prefix = prefixes[(r[8], r[9])] = source_of(r[8], r[9], None)
            last = (r[8], r[9], prefix)
        prefix = last[2]
        out.append(LogRecord(r[1], r[0], r[2], None, r[4], r[5], None, r[7],
                             f"{prefix}:{r[10]}" if r[10] and prefix else prefix, conn))
    return out


class SubjectLog:
    """The duty log of a span read a subject at a time, when first asked: for judging a few
    holders (a check's liable ones) without reading a county's whole log. What :meth:`of`
    answers is what :func:`duty_log` holds for the subject and the item, in its order."""

    def __init__(self, store: Any, date_from: str, date_to: str, items: Sequence[str]):
        self.conn = store.conn
        self.span = (date_from, date_to)
        self.items = list(items)
        self._by_subject: dict[str, dict[str, list[LogRecord]]] = {}

    def of(self, subject: str, item: str) -> list[LogRecord]:
        found = self._by_subject.get(subject)
        if found is None:
            self.read([subject])
            found = self._by_subject[subject]
        return found.get(item, [])

    def read(self, subjects: Sequence[str]) -> None:
        """Read the records of these subjects (the subject index, a search each)."""
        todo = [s for s in dict.fromkeys(subjects) if s not in self._by_subject]
        for i in range(0, len(todo), 500):
            chunk = todo[i:i + 500]
            rows = self.conn.execute(
                f"{_LOG_COLS} WHERE subject_id IN ({','.join('?' * len(chunk))}) AND date >= ? AND date <= ? "
                f"AND +item IN ({','.join('?' * len(self.items))})", [*chunk, *self.span, *self.items]).fetchall()
            rows.sort()
            for s in chunk:
                self._by_subject[s] = {}
            for rec in _records(rows, self.conn):
                self._by_subject[rec.subject_id].setdefault(rec.item, []).append(rec)


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
