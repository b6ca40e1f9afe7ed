"""Fact tables: how a pack's rosters are stored, and the graph views over them.

Each group of facts a roster states (``rosters.<name>.facts[i]`` of the pack) is one table:
one row per roster row (per value, for a group that expands a list), carrying every fact of
the group together — a household's definition, its dated tie to its village and its pairing
cadre are one row, not three nodes and edges. A row has the group's key, its slots (the node
ids it names), the created node's properties, the post ids of its holds — what it states: two
rows of one key state the same when these columns are equal —, its validity and its provenance
(source, row, batch), whether it is the latest row of its key, and what closed it (so a load
can be reverted). The ``sig`` column once held those stated values joined into one text; rows
are compared on the columns themselves now, and ``sig`` is written empty (a quarter of a
household row's bytes less), kept so that project files of either age read alike.

The ``node`` and ``edge`` views read these tables (and the registries of persons and posts,
and the rulebook's seed) as the graph the queries walk: a UNION ALL arm per fact the pack
declares. They are generated once per project from its pack and stored in the project file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from .bulk import insert_rows
from .keyed import finish_rows, markers
from .pack import Group, Hold, Kind, Pack, Prop, Roster

if TYPE_CHECKING:
    from .stage import Stager

__all__ = ["FactTable", "fact_tables", "ddl", "indexes", "table_indexes", "insert_sql", "ROW_COLUMNS", "FactLoad",
           "Outcome", "Conflict"]

#: The columns every fact table ends with, in insertion order.
ROW_COLUMNS = ("extras", "valid_from", "valid_to", "src", "row", "batch")
_ARMS = 256  # edge ids: fact row id × _ARMS + the view arm's number
SORT_RUNS_FROM = 200_000  # rows of a table whose indexes are sorted in small runs (FactLoad._index)
SORT_RUN_KIB = 8 * 1024


@dataclass
class FactTable:
    """One fact group's table and what its columns hold."""

    name: str
    roster: Roster
    group: Group
    slots: list[str]  # slot names stored, as columns s_<slot>
    props: list[Prop]  # the created node's properties, as columns p_<prop>
    holds: list[Hold]  # one post id column h<i> each
    node_kind: Kind | None  # the kind whose definition this group carries
    dated: bool  # the roster gives validity dates

    @property
    def columns(self) -> list[str]:
        """Insert order (the rowid ``id``, ``latest`` and the revert columns are not inserted)."""
        return (["scope", "key", "sig", "name"] + [f"s_{s}" for s in self.slots] + [f"p_{p.name}" for p in self.props]
                + [f"h{i}" for i in range(len(self.holds))] + list(ROW_COLUMNS))

    @property
    def stated(self) -> list[str]:
        """The columns of what a row states (its slots, properties, posts and node's name): rows
        of one key that agree on these state the same."""
        return ([f"s_{s}" for s in self.slots] + [f"p_{p.name}" for p in self.props]
                + [f"h{i}" for i in range(len(self.holds))] + ["name"])

    @property
    def constant(self) -> dict[str, str]:
        """The columns every row holds the same value in, as SQL — ``sig`` (no longer written), a
        roster's dates when it has none, the scope when the group has none — and the batch (the
        load's number, :func:`insert_sql`): written into the INSERT rather than bound row by row
        (binding None costs Python's sqlite3 a registry lookup each time)."""
        out = {"sig": "''"}
        if not self.group.scope:
            out["scope"] = "NULL"
        if not self.dated:
            out.update(valid_from="NULL", valid_to="NULL")
        return out

    @property
    def carried(self) -> list[str]:
        """The columns a staged row carries, in insert order: :attr:`columns` but the constant ones."""
        constant = self.constant
        return [c for c in self.columns if c not in constant and c != "batch"]

    def carry(self, row: tuple) -> tuple:
        """The carried values of a row given for every column (in :attr:`columns` order)."""
        return tuple(row[i] for i in self._carried_at)

    @cached_property
    def _carried_at(self) -> list[int]:
        carried = set(self.carried)
        return [i for i, c in enumerate(self.columns) if c in carried]

    def index(self, column: str) -> int:
        return self.columns.index(column)

    def column(self, slot: str) -> str:
        """The column the views read a slot's node ids from: ``key`` for the node of a group keyed
        by it alone (a household's row: the same id, and the key's index finds it), else ``s_<slot>``."""
        return "key" if self.group.node == slot and tuple(self.group.key) == (slot,) else f"s_{slot}"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _s(text: str) -> str:
    """A SQL string literal of pack text (names, roles, titles: never user data)."""
    return "'" + text.replace("'", "''") + "'"


def fact_tables(pack: Pack) -> list[FactTable]:
    out = []
    for roster in pack.rosters:
        if roster.record:
            continue
        for group in roster.groups:
            used: list[str] = []

            def use(slot: str) -> None:
                if slot and slot != "root" and slot != "post" and slot not in used:
                    used.append(slot)

            for s in group.key:
                use(s)
            use(group.scope)
            use(group.node)
            node_kind = None
            props: list[Prop] = []
            if group.node:
                node_slot = roster.slot(group.node)
                node_kind = pack.model.kinds[node_slot.kind]
                if node_slot.within:
                    use(node_slot.within)
                names = set(roster.headers)
                props = [p for p in node_kind.props.values() if p.column in names or p.default is not None]
            for e in group.edges:
                use(e.src)
                use(e.dst)
            for h in group.holds:
                use(h.person)
                use(h.of)
                for v in h.props.values():
                    use(v)
            if group.each and group.each != "post":
                use(group.each)
            out.append(FactTable(f"f_{roster.key}_{group.name}", roster, group, used, props, list(group.holds),
                                 node_kind, roster.valid is not None))
    return out


def ddl(pack: Pack, root_id: str) -> str:
    """CREATE statements for the fact tables, their indexes, and the node and edge views."""
    tables = fact_tables(pack)
    out = []
    for t in tables:
        cols = ["id INTEGER PRIMARY KEY", "scope TEXT", "key TEXT NOT NULL", "sig TEXT NOT NULL", "name TEXT"]
        cols += [f"{_q('s_' + s)} TEXT" for s in t.slots]
        cols += [f"{_q('p_' + p.name)}" for p in t.props]
        cols += [f"h{i} TEXT" for i in range(len(t.holds))]
        cols += ["extras TEXT", "valid_from TEXT", "valid_to TEXT", "src INTEGER", "row INTEGER", "batch INTEGER",
                 "latest INTEGER NOT NULL DEFAULT 1", "closed_by INTEGER", "widened_by INTEGER", "prev_from TEXT",
                 "prev_to TEXT"]
        out.append(f"CREATE TABLE {_q(t.name)}({', '.join(cols)});")
    out.extend(f"CREATE INDEX IF NOT EXISTS {_q(name)} ON {on};" for name, on in indexes(pack))
    out.append(_node_view(pack, tables))
    out.append(_edge_view(pack, tables, root_id))
    return "\n".join(out)


def indexes(pack: Pack) -> list[tuple[str, str]]:
    """(name, target) of every secondary index of every fact table."""
    return [ix for t in fact_tables(pack) for ix in table_indexes(t)]


def table_indexes(t: FactTable) -> list[tuple[str, str]]:
    """(name, target) of one fact table's secondary indexes: dropped and rebuilt around a bulk insert."""
    out = [(f"{t.name}_key", f"{_q(t.name)}(key, scope)")]
    # the node and edge views look rows up by the node ids they hold (a node by its own slot, an
    # edge by either end), so each such slot needs its index; a slot no view reads as a node or
    # an end (a household's township: its row's scope) is not looked up by, and not indexed
    ends = _ends(t)
    for s in t.slots:
        if s in ends and t.column(s) != "key":
            out.append((f"{t.name}_s_{s}", f"{_q(t.name)}({_q('s_' + s)})"))
    for i in range(len(t.holds)):
        out.append((f"{t.name}_h{i}", f"{_q(t.name)}(h{i})"))
    return out


def insert_sql(t: FactTable, into: str, batch: int) -> tuple[str, str]:
    """(``INSERT INTO <into>(<every column>)``, the ``VALUES`` of one row: a ``?`` for each carried
    column, the constant ones written out) for the staged rows of ``t`` in load ``batch``."""
    return f"INSERT INTO {into}({', '.join(t.columns)})", "(" + ", ".join(_row_values(t, batch)) + ")"


def _columns_sql(conn: Any, table: str) -> list[str]:
    """The column definitions of a stored table, as it was created (its scratch copy's, so that
    SQLite copies the records between the two as they are: ``INSERT INTO t SELECT * FROM s``)."""
    out = []
    for _, name, typ, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})"):
        out.append(" ".join(filter(None, [_q(name), typ, "PRIMARY KEY" if pk else "", "NOT NULL" if notnull else "",
                                          f"DEFAULT {default}" if default is not None else ""])))
    return out


def _row_values(t: FactTable, batch: int) -> list[str]:
    """Each column's SQL value in a staged row of ``t``: ``?`` (carried) or a constant."""
    constant = {**t.constant, "batch": str(int(batch))}
    return [constant.get(c, "?") for c in t.columns]


def _ends(t: FactTable) -> set[str]:
    """The slots the views read as a node (the group's own) or as an end of an edge."""
    g = t.group
    ends = {g.node} if g.node else set()
    if t.node_kind is not None and t.node_kind.parent and t.roster.slot(g.node).within:
        ends.add(t.roster.slot(g.node).within)  # the parent edge's other end
    for e in g.edges:
        ends |= {e.src, e.dst}
    ends |= {h.person for h in t.holds}  # a HOLDS edge: person → post (the post is its h column)
    return ends


def _provenance(alias: str) -> str:
    return (f"(SELECT file FROM source WHERE source.id = {alias}.src), "
            f"(SELECT nullif(sheet, '') FROM source WHERE source.id = {alias}.src), {alias}.row, {alias}.batch")


def names_sql(pack: Pack, kind: str) -> str:
    """(id, name, batch) of every node of ``kind`` — the node view's rows for it without the
    properties and the source file that view builds for each row (one parameter: the kind)."""
    arms = ["SELECT id, name, NULL FROM seed_node WHERE kind = ?"]
    for t in fact_tables(pack):
        if t.node_kind is not None and t.node_kind.name == kind:
            arms.append(f"SELECT f.{_q(t.column(t.group.node))}, f.name, f.batch FROM {_q(t.name)} f WHERE f.latest = 1")
    return " UNION ALL ".join(arms)


def _node_view(pack: Pack, tables: list[FactTable]) -> str:
    arms = [
        "SELECT id, kind, name, props, NULL AS source, NULL AS sheet, NULL AS row, NULL AS batch FROM seed_node",
        "SELECT p.id, 'person', p.name, json_set(p.props, '$.org_id', p.org), " + _provenance("p") + " FROM person p",
        "SELECT t.id, 'post', t.title, json_object('owner', t.owner), " + _provenance("t") + " FROM post t",
    ]
    for t in tables:
        if t.node_kind is None:
            continue
        slot = t.roster.slot(t.group.node)
        pairs = [f"{_s(p.name)}, " + (f"CASE f.{_q('p_' + p.name)} WHEN 1 THEN json('true') WHEN 0 THEN json('false') END"
                                      if p.type == "bool" else f"f.{_q('p_' + p.name)}") for p in t.props]
        if slot.within and t.node_kind.parent:
            pairs.append(f"{_s(t.node_kind.parent)}, f.{_q('s_' + slot.within)}")
        props = f"json_patch('{{}}', json_object({', '.join(pairs)}))" if pairs else "'{}'"  # nulls dropped
        props = f"CASE WHEN f.extras IS NULL THEN {props} ELSE json_patch({props}, f.extras) END"
        arms.append(f"SELECT f.{_q(t.column(t.group.node))}, {_s(t.node_kind.name)}, f.name, {props}, "
                    f"{_provenance('f')} FROM {_q(t.name)} f WHERE f.latest = 1")
    return "CREATE VIEW node(id, kind, name, props, source, sheet, row, batch) AS\n  " + "\n  UNION ALL ".join(arms) + ";"


def _edge_view(pack: Pack, tables: list[FactTable], root_id: str) -> str:
    arms = [full for _kind, full, _narrow in _edge_arms(pack, tables, root_id)]
    return ("CREATE VIEW edge(id, kind, src, dst, role, valid_from, valid_to, origin, scope, props, source, sheet, "
            "row, batch) AS\n  " + "\n  UNION ALL ".join(arms) + ";")


def edges_sql(pack: Pack, root_id: str, kind: str) -> str:
    """(id, src, dst, role, valid_from, valid_to) of every edge of ``kind`` — the edge view's rows
    for it, with the same ids, without the properties and source file the view builds per row."""
    arms = [narrow for k, _full, narrow in _edge_arms(pack, fact_tables(pack), root_id) if k in (None, kind)]
    head = "SELECT NULL AS id, NULL AS src, NULL AS dst, NULL AS role, NULL AS valid_from, NULL AS valid_to WHERE 0"
    return " UNION ALL ".join([head] + [a.replace("?KIND", _s(kind)) for a in arms])  # the head names the columns


def _edge_arms(pack: Pack, tables: list[FactTable], root_id: str) -> list[tuple[str | None, str, str]]:
    """The edge view's arms as (kind, or None for an arm of several kinds; the view's SELECT; a
    narrow SELECT of id, src, dst, role, valid_from, valid_to where ?KIND stands for the kind)."""
    out: list[tuple[str | None, str, str]] = [
        (None, "SELECT id * 256, kind, src, dst, role, NULL, NULL, 'rulebook', '', props, NULL, NULL, NULL, NULL "
               "FROM seed_edge",
         "SELECT id * 256, src, dst, role, NULL, NULL FROM seed_edge WHERE kind = ?KIND"),
        ("MEMBER_OF", "SELECT NULL, 'MEMBER_OF', p.id, p.org, '', NULL, NULL, '', '', '{}', " + _provenance("p")
         + " FROM person p WHERE p.org IS NOT NULL",
         "SELECT NULL, p.id, p.org, '', NULL, NULL FROM person p WHERE p.org IS NOT NULL"),
        (None, "SELECT NULL, t.edge, t.id, t.owner, t.title, NULL, NULL, '', '', '{}', " + _provenance("t")
         + " FROM post t",
         "SELECT NULL, t.id, t.owner, t.title, NULL, NULL FROM post t WHERE t.edge = ?KIND"),
    ]
    n = 0

    def arm(t: FactTable, kind: str, src: str, dst: str, role: str, dated: bool, latest_only: bool,
            props: str = "'{}'", where: str = "") -> None:
        nonlocal n
        n += 1
        validity = "f.valid_from, f.valid_to" if dated else "NULL, NULL"
        conds = [c for c in (("f.latest = 1" if latest_only else ""), where) if c]
        tail = f" FROM {_q(t.name)} f" + (f" WHERE {' AND '.join(conds)}" if conds else "")
        out.append((kind, f"SELECT f.id * {_ARMS} + {n}, {_s(kind)}, {src}, {dst}, {_s(role)}, {validity}, "
                          f"{_s(t.roster.name)}, coalesce(f.scope, ''), {props}, {_provenance('f')}" + tail,
                    f"SELECT f.id * {_ARMS} + {n}, {src}, {dst}, {_s(role)}, {validity}" + tail))

    def col(t: FactTable, slot: str) -> str:
        return _s(root_id) if slot == "root" else f"f.{_q(t.column(slot))}"

    for t in tables:
        k = t.node_kind
        if k is not None and k.parent:
            slot = t.roster.slot(t.group.node)
            if slot.within:
                child, parent = col(t, t.group.node), col(t, slot.within)
                src, dst = (parent, child) if k.parent_reverse else (child, parent)
                arm(t, k.parent_edge, src, dst, k.parent_role, t.dated and k.parent_dated, not k.parent_dated,
                    where=f"{parent} IS NOT NULL")
        for e in t.group.edges:
            arm(t, e.edge, col(t, e.src), col(t, e.dst), e.role, t.dated, not t.dated,
                where=f"{col(t, e.src)} IS NOT NULL AND {col(t, e.dst)} IS NOT NULL")
        for i, h in enumerate(t.holds):
            pairs = ", ".join(f"{_s(name)}, {col(t, slot)}" for name, slot in h.props.items())
            props = f"json_object({pairs})" if pairs else "'{}'"
            arm(t, "HOLDS", col(t, h.person), f"f.h{i}", "", t.dated, not t.dated, props,
                where=f"{col(t, h.person)} IS NOT NULL AND f.h{i} IS NOT NULL")
    # Townships of the root etc.: every kind whose parent is the root and whose rows carry no
    # parent slot is tied to the root permanently.
    for t in tables:
        k = t.node_kind
        if k is not None and k.parent == pack.model.root and not t.roster.slot(t.group.node).within:
            arm(t, k.parent_edge, col(t, t.group.node), _s(root_id), k.parent_role, False, True)
    assert n < _ARMS, "too many edge arms for the id scheme"
    return out


# -- loading a fact table: dedupe, compare with the store, write ---------------------------------
@dataclass
class Conflict:
    """Two rows of one load state different things about one key on overlapping days."""

    row: tuple[int, int]  # (src id, row) of the later row
    other_row: int
    values: list[tuple[str, Any, Any]]  # (table column, the later row's value, the earlier's) that differ


@dataclass
class Outcome:
    """What loading one fact table did (or, in a dry run, would do)."""

    rows: int = 0
    added: int = 0
    closed: int = 0
    changed: int = 0
    unchanged: int = 0
    corrected: int = 0  # rows a correction (--add) replaced from their first day
    new_keys: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    unknown_ends: list[tuple[str, str, int | None, int | None, str | None]] = field(default_factory=list)
    # (key, scope, src id, row, valid_from) of a stored row a snapshot drops without a later date
    partial: list[tuple[str, int, int, int]] = field(default_factory=list)  # (scope, open, listed, dropped)
    opened_holds: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)  # person, post, from, to
    closed_holds: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    posts: set[str] = field(default_factory=set)  # posts whose holders changed


def _day_before(iso: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(iso) - timedelta(days=1)).isoformat()


class FactLoad:
    """One fact table's rows of one load, staged in a temporary table, then compared and written.

    ``mode``: ``snapshot`` closes what a scope's roster no longer lists (refusing, unless
    ``forced``, a roster far shorter than what it would close); ``add`` closes nothing but the
    rows a changed key replaces.

    A table that holds no rows yet (the first load of a roster) has nothing to compare with:
    its rows go straight into it, its indexes dropped first and built once at the end (a bulk
    load), and only the rows of the load are compared with each other.
    """

    GUARD_MIN = 4  # scopes holding fewer open keys are exempt from the partial-roster guard
    bulk = True  # a table's first rows go straight into it (tests turn this off to compare)

    def __init__(self, conn: Any, table: FactTable, batch: int, *, mode: str = "snapshot", as_of: str | None = None,
                 forced: bool = False, stager: Stager | None = None):
        self.conn = conn
        self.t = table
        self.batch = batch
        self.mode = mode
        self.as_of = as_of
        self.forced = forced
        self.cols = table.columns
        self.stated = table.stated
        main = _q(table.name)
        self.direct = self.bulk and conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {main})").fetchone()[0] == 1
        if self.direct:
            self.temp = main
            for name, _ in table_indexes(table):
                conn.execute(f"DROP INDEX IF EXISTS {_q(name)}")
        else:
            self.temp = f"temp.{_q('t_' + table.name)}"
            conn.execute(f"DROP TABLE IF EXISTS {self.temp}")
            conn.execute(f"CREATE TEMP TABLE {_q('t_' + table.name)}(id INTEGER PRIMARY KEY, "
                         f"{', '.join(_q(col) for col in self.cols)})")
        self._head, self._values = insert_sql(table, self.temp, batch)
        self.count = 0
        # rows whose 身份证号 a row program left to the writer to mask and hash (graph.keyed):
        # possible only in a load with a writer process; finished by it, or here
        numbers = {p.name for p in table.props if p.type == "id_number"}
        self._marks = markers(table.carried, numbers) if stager and numbers else {}
        self._extras = table.carried.index("extras") if self._marks else 0
        # rows written by the load's writer process (graph.stage), brought in when finishing
        self.stager = stager
        self._staged = stager.table(_columns_sql(conn, main), table.columns, _row_values(table, batch), self._extras,
                                    self._marks) if stager else 0
        # A first load's distinct keys, kept as rows are added (the key strings are the rows' own):
        # when no key repeats, no (key, scope) does either, and finishing asks SQLite for no count
        # (a GROUP BY over a county's households: 20 ms). Dropped past KEYS_KEPT (memory stays bounded).
        self._keys: set[str] | None = set() if self.direct else None
        self._key = itemgetter(table.carried.index("key"))

    KEYS_KEPT = 2_000_000

    def add(self, rows: list[tuple]) -> None:
        """Insert staged rows (their :attr:`FactTable.carried` values), many to a statement (or
        hand them to the load's child process)."""
        if self._staged:
            self.stager.add(self._staged, rows)  # type: ignore[union-attr]
        else:
            if self._marks:
                rows = finish_rows(rows, self._extras, self._marks, self.stager.hasher)  # type: ignore[union-attr]
            insert_rows(self.conn, self._head, self._values, rows)
        self.count += len(rows)
        if self._keys is not None:
            self._keys.update(map(self._key, rows))
            if len(self._keys) > self.KEYS_KEPT:
                self._keys = None

    # -- the steps -------------------------------------------------------------------------------
    def finish(self, scopes: dict[str, str] | None = None) -> Outcome:
        """Compare and write. ``scopes``: each scope the load's roster lists, with the roster's date
        there (its latest 起始日期): what the scope held that this table's rows no longer list is
        closed the day before — even when the roster gives this table no row at all there."""
        out = Outcome(rows=self.count)
        self.scopes = {k: v for k, v in (scopes or {}).items() if v}
        if self._staged and self.count:  # the rows as written: a first load's copied record for record
            self.stager.copy(self.conn, self._staged, self.temp,  # type: ignore[union-attr]
                             None if self.direct else ", ".join(_q(col) for col in self.cols))
        if self.direct:  # nothing stored yet: nothing to compare with, nothing to close
            return self._finish_direct(out)
        if not self.count and not (self.scopes and self.t.dated and self.t.group.scope):
            self.conn.execute(f"DROP TABLE {self.temp}")
            return out
        c = self.conn
        main = _q(self.t.name)
        c.execute(f"CREATE INDEX temp.{_q('ti_' + self.t.name)} ON {_q('t_' + self.t.name)}(key, scope)")
        self._dedupe(out)
        fresh = c.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {main} s WHERE s.key IN (SELECT key FROM {self.temp}))"
                          ).fetchone()[0]
        dated = self.t.dated
        matched: dict[int, int] = {}
        seen: set[int] = set()
        if not fresh:
            touch = ("(s.valid_to IS NULL OR t.valid_from IS NULL OR date(t.valid_from, '-1 day') <= s.valid_to) "
                     "AND (t.valid_to IS NULL OR s.valid_from IS NULL OR s.valid_from <= t.valid_to)") if dated \
                else "s.latest = 1"
            changes = []
            same = " AND ".join(f"s.{_q(col)} IS t.{_q(col)}" for col in self.stated)  # states the same
            for tid, sid, svf, svt, tvf, tvt in c.execute(
                    f"SELECT t.id, s.id, s.valid_from, s.valid_to, t.valid_from, t.valid_to FROM {self.temp} t "
                    f"JOIN {main} s ON s.key = t.key AND s.scope IS t.scope AND {same} AND {touch} "
                    f"ORDER BY t.id, s.valid_from DESC"):
                seen.add(sid)
                if tid in matched:
                    continue
                matched[tid] = sid
                lo = min(x for x in (svf, tvf) if x) if (svf and tvf) else None
                if (lo, tvt) != (svf, svt) and dated:
                    changes.append((lo, tvt, sid))
                else:
                    out.unchanged += 1
            c.executemany(f"UPDATE {main} SET prev_from=valid_from, prev_to=valid_to, valid_from=?, valid_to=?, "
                          f"widened_by={int(self.batch)} WHERE id=?", changes)
            out.changed += len(changes)
        new_ids = [tid for (tid,) in c.execute(f"SELECT id FROM {self.temp}") if tid not in matched]
        out.added = len(new_ids)
        if not fresh or self.scopes:
            self._close(out, seen)
        keys_before = set() if fresh else {k for (k,) in c.execute(
            f"SELECT DISTINCT s.key FROM {main} s WHERE s.key IN (SELECT key FROM {self.temp})")}
        if new_ids:
            select = ", ".join(self.cols)
            if len(new_ids) == self.count:
                c.execute(f"INSERT INTO {main}({select}) SELECT {select} FROM {self.temp} ORDER BY id")
            else:
                c.execute(f"CREATE TEMP TABLE {_q('n_' + self.t.name)}(id INTEGER PRIMARY KEY)")
                c.executemany(f"INSERT INTO temp.{_q('n_' + self.t.name)} VALUES (?)", [(i,) for i in new_ids])
                c.execute(f"INSERT INTO {main}({select}) SELECT {select} FROM {self.temp} "
                          f"WHERE id IN (SELECT id FROM temp.{_q('n_' + self.t.name)}) ORDER BY id")
                c.execute(f"DROP TABLE temp.{_q('n_' + self.t.name)}")
        new_keys = {k for (k,) in c.execute(f"SELECT DISTINCT key FROM {self.temp}")} - keys_before
        out.new_keys = len(new_keys)
        if not fresh:
            self._latest(keys_before)
        self._holds(out, new_ids)
        c.execute(f"DROP TABLE {self.temp}")
        return out

    def _finish_direct(self, out: Outcome) -> Outcome:
        """The first rows of a table: merge the load's duplicates, index, count."""
        c = self.conn
        key_index, *others = table_indexes(self.t)
        self._index([key_index])
        if self.count:
            if self._keys is not None and len(self._keys) == self.count:
                groups = out.new_keys = self.count  # no key repeated
            else:  # one pass over the key index for both counts: merging duplicates keeps a row of every key
                groups, out.new_keys = c.execute(
                    f"SELECT count(*), count(DISTINCT key) FROM (SELECT key FROM {self.temp} GROUP BY key, scope)"
                ).fetchone()
            self._keys = None
            dropped = self._dedupe(out, groups)
            if dropped:
                self._renumber(dropped)
            out.added = self.count - len(dropped)
        self._index(others)
        if self.count:
            self._holds(out, [])
        return out

    def _index(self, indexes: list[tuple[str, str]]) -> None:
        """Build indexes of the table. SQLite sorts an index's entries in runs as large as the page
        cache, and runs that fit the CPU's caches sort faster: for a big table the page cache is
        made small while they are built (a province's two biggest: 1.9 s instead of 3.4 with 64 MiB)."""
        c = self.conn
        small = self.count > SORT_RUNS_FROM
        if small:
            cache = c.execute("PRAGMA main.cache_size").fetchone()[0]
            c.execute(f"PRAGMA main.cache_size = {-SORT_RUN_KIB}")
        try:
            for name, on in indexes:
                c.execute(f"CREATE INDEX {_q(name)} ON {on}")
        finally:
            if small:
                c.execute(f"PRAGMA main.cache_size = {cache}")

    def _renumber(self, dropped: list[int]) -> None:
        """Close the gaps the merged duplicates left: rows keep the ids 1, 2, … in roster order
        that a load through a staging table gives them (edge ids, and so the order of edges of
        one day, are the same whichever way a table was first loaded). Through negative ids, so
        no id is ever taken twice."""
        c = self.conn
        first = min(dropped)
        moved = _q("m_" + self.t.name)
        c.execute(f"CREATE TEMP TABLE {moved}(old INTEGER PRIMARY KEY, new INTEGER)")
        c.execute(f"INSERT INTO temp.{moved} SELECT id, row_number() OVER (ORDER BY id) + ? FROM {self.temp} "
                  "WHERE id > ?", (first - 1, first))
        c.execute(f"UPDATE {self.temp} SET id = -(SELECT new FROM temp.{moved} m WHERE m.old = {self.temp}.id) "
                  "WHERE id > ?", (first,))
        c.execute(f"UPDATE {self.temp} SET id = -id WHERE id < 0")
        c.execute(f"DROP TABLE temp.{moved}")

    def _dedupe(self, out: Outcome, groups: int | None = None) -> list[int]:
        """One row per key and facts: the same fact stated by several rows (a team by each of its
        members) is one, over the union of their days; different facts on overlapping days conflict.
        ``groups``: the number of (key, scope) groups the rows fall in, when the caller counted them."""
        c = self.conn
        if groups is None:
            groups = c.execute(f"SELECT count(*) FROM (SELECT 1 FROM {self.temp} GROUP BY key, scope)").fetchone()[0]
        if groups == self.count:
            return []  # no key repeated (the cheaper question first)
        compare = self.stated
        # every row of a repeated key, in one read: by key and scope, and in roster order within
        repeated = c.execute(
            f"SELECT t.key, t.scope, t.id, t.valid_from, t.valid_to, t.src, t.row, "
            f"{', '.join('t.' + _q(col) for col in compare)} FROM {self.temp} t "
            f"JOIN (SELECT key, scope FROM {self.temp} GROUP BY key, scope HAVING count(*) > 1) d "
            f"ON t.key = d.key AND t.scope IS d.scope ORDER BY t.key, t.scope, t.row, t.id").fetchall()
        drop: list[tuple[int]] = []
        widen: list[tuple[str | None, str | None, int]] = []
        for _, group in groupby(repeated, key=itemgetter(0, 1)):
            rows = [r[2:] for r in group]
            kept: dict[tuple, list[Any]] = {}  # what a row states → the first row stating it
            for r in rows:
                first = kept.get(r[5:])
                if first is None:
                    kept[r[5:]] = list(r)
                    continue
                first[1] = min(first[1], r[1]) if first[1] and r[1] else None
                first[2] = None if first[2] is None or r[2] is None else max(first[2], r[2])
                drop.append((r[0],))
            for first in kept.values():
                widen.append((first[1], first[2], first[0]))
            firsts = sorted(kept.values(), key=lambda r: r[4] or 0)
            for i, a in enumerate(firsts):
                for b in firsts[i + 1:]:
                    if _overlap(a[1], a[2], b[1], b[2]):
                        diff = [(col, b[5 + j], a[5 + j]) for j, col in enumerate(compare) if a[5 + j] != b[5 + j]]
                        out.conflicts.append(Conflict((b[3], b[4]), a[4], diff))
        c.executemany(f"DELETE FROM {self.temp} WHERE id=?", drop)
        c.executemany(f"UPDATE {self.temp} SET valid_from=?, valid_to=? WHERE id=?", widen)
        return [i for (i,) in drop]

    def _close(self, out: Outcome, seen: set[int]) -> None:
        """Stored rows of the load's scopes that it no longer lists (snapshot), or that a changed
        key replaces (both modes)."""
        c = self.conn
        main = _q(self.t.name)
        if not self.t.dated:  # undated facts: a changed key's older row stops being the latest
            return
        starts = dict(c.execute(f"SELECT coalesce(scope, ''), max(valid_from) FROM {self.temp} GROUP BY scope"))
        starts.update(self.scopes)
        listed = {(k, s or ""): vf for k, s, vf in c.execute(
            f"SELECT key, scope, min(valid_from) FROM {self.temp} GROUP BY key, scope")}
        if self.t.group.scope:
            c.execute(f"CREATE TEMP TABLE {_q('s_' + self.t.name)}(scope TEXT PRIMARY KEY)")
            c.executemany(f"INSERT OR IGNORE INTO temp.{_q('s_' + self.t.name)} VALUES (?)", [(x,) for x in starts])
            stored = c.execute(
                f"SELECT s.id, s.key, coalesce(s.scope, ''), s.valid_from, s.valid_to, s.src, s.row FROM {main} s "
                f"WHERE s.scope IN (SELECT scope FROM temp.{_q('s_' + self.t.name)})").fetchall()
            c.execute(f"DROP TABLE temp.{_q('s_' + self.t.name)}")
        else:
            stored = c.execute(
                f"SELECT s.id, s.key, coalesce(s.scope, ''), s.valid_from, s.valid_to, s.src, s.row FROM {main} s "
                f"WHERE s.key IN (SELECT key FROM {self.temp})").fetchall()
        closes: list[tuple[str, int, str | None, int]] = []
        open_keys: dict[str, set[str]] = {}
        dropped: dict[str, set[str]] = {}
        for sid, key, scope, vf, vt, src, row in stored:
            as_of = self.as_of or starts.get(scope)
            if as_of is None or (vt is not None and vt < as_of):
                continue
            open_keys.setdefault(scope, set()).add(key)
            if sid in seen:
                continue
            replaced = (key, scope) in listed
            if self.mode == "add" and not replaced:
                continue
            if not replaced:
                dropped.setdefault(scope, set()).add(key)
            end = _day_before(listed[(key, scope)] if self.mode == "add" and replaced and listed[(key, scope)]
                              else as_of)
            if vf and end < vf:
                if replaced and self.mode == "add":  # a correction of the row from its first day
                    closes.append((end, self.batch, vt, sid))
                    out.corrected += 1
                else:
                    out.unknown_ends.append((key, scope, src, row, vf))
                continue
            closes.append((end, self.batch, vt, sid))
            out.closed += 1
        if self.mode == "snapshot" and not self.forced and self.t.group.scope:
            for scope, keys in open_keys.items():
                listed_here = {k for (k, s) in listed if s == scope}
                gone = dropped.get(scope, set())
                if len(keys) >= self.GUARD_MIN and (len(listed_here) * 2 < len(keys) or len(gone) * 5 > len(keys)):
                    out.partial.append((scope, len(keys), len(listed_here), len(gone)))
        c.executemany(f"UPDATE {main} SET valid_to=?, closed_by=?, prev_from=valid_from, prev_to=? WHERE id=?", closes)
        self._closed_ids = [sid for *_, sid in closes]

    def _latest(self, keys: set[str]) -> None:
        """The newest row of each key (by its first day) carries the key's definition."""
        if not keys:
            return
        c = self.conn
        main = _q(self.t.name)
        rows = c.execute(f"SELECT id, key, coalesce(valid_from, ''), latest FROM {main} "
                         f"WHERE key IN (SELECT key FROM {self.temp})").fetchall()
        best: dict[str, tuple[str, int]] = {}
        for rid, key, vf, _ in rows:
            if key not in best or (vf, rid) > best[key]:
                best[key] = (vf, rid)
        updates = [(1 if best[key][1] == rid else 0, rid) for rid, key, _, latest in rows
                   if latest != (1 if best[key][1] == rid else 0)]
        c.executemany(f"UPDATE {main} SET latest=? WHERE id=?", updates)

    def _holds(self, out: Outcome, new_ids: list[int]) -> None:
        """The assignments the load opens and closes, for the report and the one-holder check."""
        if not self.t.holds:
            return
        c = self.conn
        main = _q(self.t.name)
        for i, h in enumerate(self.t.holds):
            person = f"s_{h.person}"
            opened = c.execute(f"SELECT {_q(person)}, h{i}, valid_from, valid_to FROM {main} WHERE batch = ? "
                               f"AND h{i} IS NOT NULL AND {_q(person)} IS NOT NULL", (self.batch,)).fetchall()
            out.opened_holds.extend(opened)
            closed = [] if self.direct else c.execute(
                f"SELECT {_q(person)}, h{i}, valid_from, valid_to FROM {main} WHERE closed_by = ? "
                f"AND h{i} IS NOT NULL AND {_q(person)} IS NOT NULL", (self.batch,)).fetchall()
            out.closed_holds.extend(closed)
            out.posts.update(p for _, p, _, _ in opened + closed)
            if out.changed:
                out.posts.update(p for (p,) in c.execute(f"SELECT h{i} FROM {main} WHERE h{i} IS NOT NULL AND key IN "
                                                          f"(SELECT key FROM {self.temp})"))


def _overlap(af: str | None, at: str | None, bf: str | None, bt: str | None) -> bool:
    return (af is None or bt is None or af <= bt) and (bf is None or at is None or bf <= at)


# -- undoing a load ----------------------------------------------------------------------------
def revert_blockers(conn: Any, pack: Pack, batch: int) -> list[str]:
    """Why ``batch`` cannot be undone: later loads changed what it wrote or closed, or name
    the persons and posts it added."""
    out = []
    for t in fact_tables(pack):
        table = _q(t.name)
        n = conn.execute(
            f"SELECT count(*) FROM {table} WHERE (batch = ? OR closed_by = ? OR widened_by = ?) "
            f"AND (coalesce(closed_by, 0) > ? OR coalesce(widened_by, 0) > ?)", (batch,) * 5).fetchone()[0]
        n += conn.execute(
            f"SELECT count(*) FROM {table} l WHERE l.batch > ? AND l.key IN (SELECT key FROM {table} WHERE batch = ? "
            f"OR closed_by = ? OR widened_by = ?)", (batch,) * 4).fetchone()[0]
        for col in [f"s_{s}" for s in t.slots if t.roster.slot(s) and t.roster.slot(s).mode == "person"] + \
                [f"h{i}" for i in range(len(t.holds))]:
            registry = "person" if col.startswith("s_") else "post"
            n += conn.execute(f"SELECT count(*) FROM {table} WHERE batch > ? AND {_q(col)} IN "
                              f"(SELECT id FROM {registry} WHERE batch = ?)", (batch, batch)).fetchone()[0]
        if n:
            out.append(f"{t.roster.name}：{n} 条记录")
    return out


def revert(conn: Any, pack: Pack, batch: int) -> dict[str, int]:
    """Undo one load: delete the rows it added, give back the days it closed or widened, and
    make the latest rows of the keys it touched the latest again. Counts per roster."""
    counts: dict[str, int] = {}
    for t in fact_tables(pack):
        table = _q(t.name)
        keys = [k for (k,) in conn.execute(
            f"SELECT DISTINCT key FROM {table} WHERE batch = ? OR closed_by = ? OR widened_by = ?", (batch,) * 3)]
        deleted = conn.execute(f"DELETE FROM {table} WHERE batch = ?", (batch,)).rowcount
        reopened = conn.execute(f"UPDATE {table} SET valid_from = prev_from, valid_to = prev_to, closed_by = NULL, "
                                f"prev_from = NULL, prev_to = NULL WHERE closed_by = ?", (batch,)).rowcount
        narrowed = conn.execute(f"UPDATE {table} SET valid_from = prev_from, valid_to = prev_to, widened_by = NULL, "
                                f"prev_from = NULL, prev_to = NULL WHERE widened_by = ?", (batch,)).rowcount
        for key in keys:
            rows = conn.execute(f"SELECT id, coalesce(valid_from, '') FROM {table} WHERE key = ?", (key,)).fetchall()
            if rows:
                best = max(rows, key=lambda r: (r[1], r[0]))[0]
                conn.execute(f"UPDATE {table} SET latest = (id = ?) WHERE key = ?", (best, key))
        if deleted or reopened or narrowed:
            counts[t.roster.name] = counts.get(t.roster.name, 0) + deleted + reopened + narrowed
    return counts
