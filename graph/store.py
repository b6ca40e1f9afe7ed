"""The embedded project store: one SQLite file, written only inside transactions.

Tables: ``meta`` (schema version, rulebook with its pack), ``batch`` (one row per load),
``source`` (the files and sheets facts came from), the rulebook's ``seed_node``/``seed_edge``
(the county, its bodies, lead units, clauses), the registries of ``person`` and ``post``,
one fact table per group of facts the pack's rosters state (:mod:`zeren.graph.facts`), and
``finding``. The ``node`` and ``edge`` views present all of it as the graph the queries read:
every node and edge keeps its provenance (file, sheet, row, batch) and edges their validity
(``valid_from``/``valid_to``, inclusive ISO dates, NULL = open). History is never deleted: a
roster that drops an assignment closes it, and what a load closed can be reopened.

Reads go straight to indexed SQL, so a single trace touches a few dozen rows and never
loads the county into memory; :mod:`zeren.graph.netx` builds a networkx view when a whole
graph is wanted.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from . import facts, projectfile, schema
from .errors import NotFound, StoreError
from .model import DutyRecord, Edge, Export, Finding, Node, Provenance
from .rules import Rulebook
from .storebase import StoreBase

__all__ = ["SCHEMA_VERSION", "Node", "Edge", "Finding", "Provenance", "StoreBase", "Store", "Writer"]

SCHEMA_VERSION = "3"
_LOAD_CACHE_KIB = 128 * 1024  # the page cache of a load's transaction
PAGE_SIZE = 32768  # of a new project file (SQLite's default is 4096)

_DDL = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batch(id INTEGER PRIMARY KEY, loaded_at TEXT NOT NULL, files TEXT NOT NULL,
                   summary TEXT NOT NULL DEFAULT '{}', mode TEXT NOT NULL DEFAULT 'snapshot',
                   reverted_by INTEGER, reverts INTEGER);
CREATE TABLE source(id INTEGER PRIMARY KEY, file TEXT NOT NULL, sheet TEXT NOT NULL DEFAULT '',
                    UNIQUE(file, sheet));
CREATE TABLE seed_node(id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
                       props TEXT NOT NULL DEFAULT '{}') WITHOUT ROWID;
CREATE TABLE seed_edge(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL,
                       role TEXT NOT NULL DEFAULT '', props TEXT NOT NULL DEFAULT '{}');
CREATE TABLE person(id TEXT PRIMARY KEY, name TEXT NOT NULL, org TEXT, props TEXT NOT NULL DEFAULT '{}',
                    src INTEGER, row INTEGER, batch INTEGER) WITHOUT ROWID;
CREATE INDEX person_org ON person(org);
CREATE TABLE post(id TEXT PRIMARY KEY, title TEXT NOT NULL, owner TEXT NOT NULL, edge TEXT NOT NULL,
                  src INTEGER, row INTEGER, batch INTEGER) WITHOUT ROWID;
CREATE INDEX post_owner ON post(owner);
CREATE TABLE finding(n INTEGER PRIMARY KEY, date TEXT NOT NULL, type TEXT NOT NULL,
                     object_type TEXT NOT NULL, object_id TEXT NOT NULL, object_text TEXT NOT NULL,
                     inspector TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
                     digest TEXT NOT NULL UNIQUE, props TEXT NOT NULL DEFAULT '{}',
                     source TEXT, sheet TEXT, row INTEGER, batch INTEGER);
CREATE INDEX finding_date ON finding(date);
CREATE INDEX finding_object ON finding(object_id);
CREATE TABLE duty_record(n INTEGER PRIMARY KEY, date TEXT NOT NULL, subject_id TEXT NOT NULL,
                         subject_text TEXT NOT NULL, item TEXT NOT NULL, object_id TEXT, object_text TEXT NOT NULL DEFAULT '',
                         days REAL, note TEXT NOT NULL DEFAULT '', digest TEXT NOT NULL UNIQUE,
                         props TEXT NOT NULL DEFAULT '{}', source TEXT, sheet TEXT, row INTEGER, batch INTEGER);
CREATE INDEX duty_record_item ON duty_record(item, date);
CREATE INDEX duty_record_subject ON duty_record(subject_id, date);
CREATE TABLE person_link(a TEXT NOT NULL, b TEXT NOT NULL, batch INTEGER, note TEXT NOT NULL DEFAULT '',
                         PRIMARY KEY(a, b));
"""

_VALID_AT = "(valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?)"
_OVERLAPS = _VALID_AT


def _props(text: str | None) -> dict[str, Any]:
    return {} if not text or text == "{}" else json.loads(text)


_NODE_COLS = "id, kind, name, props, source, sheet, row, batch"
_EDGE_COLS = "id, kind, src, dst, role, valid_from, valid_to, origin, scope, props, source, sheet, row, batch"
_FINDING_COLS = "n, date, type, object_type, object_id, object_text, inspector, note, props, source, sheet, row, batch"
_DUTY_COLS = "n, date, subject_id, subject_text, item, object_id, object_text, days, note, props, source, sheet, row, batch"


def _node(row: Sequence[Any]) -> Node:
    return Node(row[0], row[1], row[2], _props(row[3]), Provenance(row[4], row[5] or None, row[6], row[7]))


def _edge(row: Sequence[Any]) -> Edge:
    return Edge(
        kind=row[1], src=row[2], dst=row[3], role=row[4], valid_from=row[5], valid_to=row[6],
        origin=row[7], scope=row[8], props=_props(row[9]),
        provenance=Provenance(row[10], row[11] or None, row[12], row[13]), id=row[0],
    )


def _finding(row: Sequence[Any]) -> Finding:
    return Finding(*row[:8], props=json.loads(row[8]), provenance=Provenance(*row[9:13]))


def _duty_record(row: Sequence[Any]) -> DutyRecord:
    return DutyRecord(*row[:9], props=json.loads(row[9]), provenance=Provenance(*row[10:14]))


def _merge_nodes(rows: list[Node]) -> Node:
    """One node from the rows the views give for one id (a lead unit is seeded and may also be
    defined by a roster): the roster's name and properties over the seed's."""
    if len(rows) == 1:
        return rows[0]
    rows = sorted(rows, key=lambda n: n.provenance.batch or 0)
    props: dict[str, Any] = {}
    for n in rows:
        props.update(n.props)
    last = rows[-1]
    return Node(last.id, last.kind, last.name, props, last.provenance)


class Store(StoreBase):
    """A zeren project file. ``Store.open(path)`` reads; ``store.transaction()`` writes."""

    def __init__(self, conn: sqlite3.Connection, path: str, readonly: bool):
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self._rulebook: Rulebook | None = None

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, rulebook: Rulebook) -> "Store":
        """Create a new project file holding ``rulebook``; refuse to overwrite one."""
        path = Path(path)
        if path.exists():
            warning = projectfile.exposure(path)
            raise StoreError(f"{path}: 项目文件已存在（project file exists）; use another --project or remove it"
                             + (f"。另外：{warning}" if warning else ""))
        tmp = path.with_name(path.name + ".creating")
        tmp.unlink(missing_ok=True)
        root = schema.node_id(rulebook.model.root, schema.name_key(rulebook.county))
        try:
            projectfile.private_dir(path.parent)
            projectfile.create_private(tmp)  # 0600; SQLite gives its WAL and journal the same mode
            conn = sqlite3.connect(tmp)
            # Pages of 32 KiB rather than 4: a load writes, logs and checkpoints an eighth as many
            # (the commit of a county's first load: 0.12 s -> 0.04 s; its floor 0.45 -> 0.35 s).
            conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
            # WAL: readers keep reading while a load writes (the web workbench serves during loads).
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:
                conn.executescript(_DDL + facts.ddl(rulebook.pack, root))
                conn.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [
                        ("schema_version", SCHEMA_VERSION),
                        ("rulebook", json.dumps(rulebook.to_dict(), ensure_ascii=False)),
                        ("created", _now()),
                        # The key of the keyed hashes (身份证号 → hash): links a person across rosters
                        # without keeping the number; never leaves the project file.
                        ("secret", secrets.token_hex(32)),
                    ],
                )
            conn.close()
            tmp.replace(path)
        except (OSError, sqlite3.Error) as err:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"{path}: cannot create the project file ({err})") from err
        store = cls.open(path, readonly=False)
        with store.transaction() as w:
            w.seed_rulebook(rulebook)
        return store

    @classmethod
    def open(cls, path: str | Path, readonly: bool = True) -> "Store":
        path = Path(path)
        if not path.exists():
            raise StoreError(f"{path}: 项目文件不存在 (no project here); create it with `zeren init`")
        try:
            conn = projectfile.connect(path, write=not readonly)
            conn.execute("PRAGMA foreign_keys=OFF")
            version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.Error as err:
            raise StoreError(f"{path}: not a zeren project file ({err})") from err
        if version is None or version[0] != SCHEMA_VERSION:
            raise StoreError(f"{path}: project schema {version and version[0]!r}, this zeren reads {SCHEMA_VERSION!r}")
        store = cls(conn, str(path), readonly)
        if not readonly:
            store._ensure_indexes()
        return store

    def _ensure_indexes(self) -> None:
        """Create the indexes a project made by an earlier zeren of the same schema lacks."""
        from .facts import _q, indexes

        have = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        for name, on in indexes(self.rulebook.pack):
            if name not in have:
                self.conn.execute(f"CREATE INDEX {_q(name)} ON {on}")

    def close(self) -> None:
        self.conn.close()

    @property
    def root_id(self) -> str:
        return schema.node_id(self.rulebook.model.root, schema.name_key(self.rulebook.county))

    # -- meta ------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    # -- nodes -----------------------------------------------------------------------------
    def node(self, node_id: str) -> Node | None:
        rows = [_node(r) for r in self.conn.execute(f"SELECT {_NODE_COLS} FROM node WHERE id=?", (node_id,))]
        return _merge_nodes(rows) if rows else None

    def nodes_by_id(self, ids: Sequence[str]) -> list[Node]:
        found: dict[str, list[Node]] = {}
        for i in range(0, len(ids), 900):
            chunk = list(ids[i:i + 900])
            for r in self.conn.execute(
                    f"SELECT {_NODE_COLS} FROM node WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                found.setdefault(r[0], []).append(_node(r))
        return [_merge_nodes(rows) for rows in found.values()]

    def node_names(self, kind: str) -> dict[str, str]:
        """The name of every node of a kind (persons and posts excepted: the node view has them),
        the latest load's where an id is in several rows, as :meth:`node` merges them."""
        rows = self.conn.execute(facts.names_sql(self.rulebook.pack, kind), (kind,)).fetchall()
        rows.sort(key=lambda r: r[2] or 0)
        return {r[0]: r[1] for r in rows}

    def edges_sql(self, kind: str) -> str:
        """A SELECT of (id, src, dst, role, valid_from, valid_to) of every edge of ``kind``: the
        edge view's rows without the columns it builds per row (for reads of a whole relation)."""
        cache = self.__dict__.setdefault("_edges_sql", {})
        if kind not in cache:
            cache[kind] = facts.edges_sql(self.rulebook.pack, self.root_id, kind)
        return cache[kind]

    def node_ids(self, kind: str) -> set[str]:
        """Every id of one kind (ids begin with ``kind:``)."""
        return {r[0] for r in self.conn.execute("SELECT id FROM node WHERE id >= ? AND id < ?", (f"{kind}:", f"{kind};"))}

    def counts(self) -> dict[str, int]:
        """Nodes per kind, and findings."""
        out = dict(self.conn.execute("SELECT kind, count(DISTINCT id) FROM node GROUP BY kind ORDER BY kind").fetchall())
        out["finding"] = self.conn.execute("SELECT count(*) FROM finding").fetchone()[0]
        return out

    # -- edges -----------------------------------------------------------------------------
    def edges(
        self,
        *,
        src: str | None = None,
        dst: str | None = None,
        kinds: Sequence[str] | None = None,
        role: str | None = None,
        at: str | None = None,
        origin: str | None = None,
        scope: str | None = None,
    ) -> list[Edge]:
        conds, args = [], []
        for col, val in (("src", src), ("dst", dst), ("role", role), ("origin", origin), ("scope", scope)):
            if val is not None:
                conds.append(f"{col}=?")
                args.append(val)
        if kinds is not None:
            kinds = list(kinds)
            # kind=? OR …, not kind IN (…): SQLite leaves an IN list out of the view's arms and
            # reads every arm's rows at the node (a village's hundreds of households) to drop them
            conds.append("(" + " OR ".join(["kind=?"] * len(kinds)) + ")" if kinds else "0")
            args.extend(kinds)
        if at is not None:
            conds.append(_VALID_AT)
            args.extend([at, at])
        sql = f"SELECT {_EDGE_COLS} FROM edge"
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        rows = self.conn.execute(sql, args).fetchall()
        return sorted((_edge(r) for r in rows), key=lambda e: (e.valid_from or "", e.id or 0, e.src, e.dst))

    def edge_ends(self, kind: str, role: str, at: str, src_kind: str | None = None) -> list[tuple[str, str]]:
        """(src, dst) of every ``kind``/``role`` edge valid on ``at`` (from ``src_kind`` nodes only):
        one scan for bulk work such as :class:`zeren.queries.batch.ChainIndex`."""
        sql = f"SELECT src, dst FROM edge WHERE kind=? AND role=? AND {_VALID_AT}"
        args: list[str] = [kind, role, at, at]
        if src_kind:
            sql += " AND src >= ? AND src < ?"
            args += [f"{src_kind}:", f"{src_kind};"]
        return self.conn.execute(sql, args).fetchall()

    def persons(self, name: str, org: str | None = None) -> list[tuple[str, str, str | None]]:
        """(id, name, organisation id) of the persons of one name (in one organisation)."""
        sql = "SELECT id, name, org FROM person WHERE name = ?" + (" AND org = ?" if org else "")
        return self.conn.execute(sql, (name, org) if org else (name,)).fetchall()

    def person_links(self, ids: Sequence[str]) -> list[tuple[str, str, int | None, str]]:
        """(a, b, batch, note) of the confirmed links of these persons (kept in both directions)."""
        out: list[tuple[str, str, int | None, str]] = []
        for i in range(0, len(ids), 900):
            chunk = list(ids[i:i + 900])
            out += self.conn.execute(f"SELECT a, b, batch, note FROM person_link WHERE a IN "
                                     f"({','.join('?' * len(chunk))}) ORDER BY a, b", chunk).fetchall()
        return sorted(out)

    def count_located(self, kind: str, village_ids: Sequence[str], date_from: str, date_to: str) -> int:
        """How many ``kind`` nodes were tied to these places (their parents) during the window."""
        k = self.rulebook.model.kinds[kind]
        mine, theirs = ("dst", "src") if k.parent_reverse else ("src", "dst")
        total = 0
        for i in range(0, len(village_ids), 500):
            chunk = list(village_ids[i:i + 500])
            row = self.conn.execute(
                f"SELECT count(DISTINCT {mine}) FROM ({self.edges_sql(k.parent_edge)}) WHERE role=? AND {theirs} IN "
                f"({','.join('?' * len(chunk))}) AND {_OVERLAPS} AND {mine} >= ? AND {mine} < ?",
                [k.parent_role, *chunk, date_to, date_from, f"{kind}:", f"{kind};"],
            ).fetchone()
            total += row[0]
        return total

    def located(self, kind: str, date_from: str, date_to: str) -> dict[str, set[str]]:
        """Every place's ``kind`` nodes tied to it during the window (what :meth:`count_located`
        counts, for every place in one read)."""
        k = self.rulebook.model.kinds[kind]
        mine, theirs = ("dst", "src") if k.parent_reverse else ("src", "dst")
        found: dict[str, set[str]] = {}
        for child, place in self.conn.execute(
                f"SELECT {mine}, {theirs} FROM ({self.edges_sql(k.parent_edge)}) WHERE role=? AND {_OVERLAPS} "
                f"AND +{mine} >= ? AND +{mine} < ?", [k.parent_role, date_to, date_from, f"{kind}:", f"{kind};"]):
            found.setdefault(place, set()).add(child)
        return found

    # -- findings --------------------------------------------------------------------------
    def findings(self, date_from: str | None = None, date_to: str | None = None,
                 object_id: str | None = None) -> list[Finding]:
        conds, args = [], []
        if date_from:
            conds.append("date >= ?")
            args.append(date_from)
        if date_to:
            conds.append("date <= ?")
            args.append(date_to)
        if object_id:
            conds.append("object_id = ?")
            args.append(object_id)
        sql = f"SELECT {_FINDING_COLS} FROM finding"
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        return [_finding(r) for r in self.conn.execute(sql + " ORDER BY date, n", args)]

    def search(self, text: str, *, id_hash: str | None = None, masked_id: bool = False,
               limit: int = 200) -> list[tuple[str, str, str, str]]:
        """(node id, name, what matched, the matched value) of the nodes on the register whose id,
        name or a text property holds ``text`` (persons by name); with ``id_hash`` (the keyed hash
        of a whole 身份证号) those whose number is that one; with ``masked_id`` those whose stored
        masked number is ``text``. Property matches name the roster column."""
        out: list[tuple[str, str, str, str]] = []
        for t in facts.fact_tables(self.rulebook.pack):
            if t.node_kind is None:
                continue
            node = facts._q("s_" + t.group.node)
            if id_hash or masked_id:
                for p in (p for p in t.props if p.type == "id_number"):
                    col = facts._q("p_" + p.name)
                    cond, args = ("json_extract(extras, ?) = ?", (f"$.{p.name}_hash", id_hash)) if id_hash else \
                        (f"{col} = ?", (text,))
                    sql = f"SELECT DISTINCT {node}, name, {col} FROM {facts._q(t.name)} WHERE latest = 1 AND {cond} LIMIT ?"
                    out += [(r[0], r[1], p.column, r[2] or "") for r in self.conn.execute(sql, (*args, limit))]
                continue
            texts = [p for p in t.props if p.type == "text" and not p.personal]
            cols = [("", "name"), *((p.column, facts._q("p_" + p.name)) for p in texts)]
            picks = ", ".join(f"CASE WHEN instr({c}, ?) THEN {c} END" for _, c in cols)
            where = " OR ".join(f"instr({c}, ?)" for _, c in cols)
            sql = (f"SELECT DISTINCT {node}, name, {picks} FROM {facts._q(t.name)} "
                   f"WHERE latest = 1 AND (instr({node}, ?) OR {where}) LIMIT ?")
            for r in self.conn.execute(sql, [text] * len(cols) + [text] + [text] * len(cols) + [limit]):
                hit = next(((label or "名称", v) for (label, _), v in zip(cols, r[2:]) if v), ("编号", r[0]))
                out.append((r[0], r[1], *hit))
        if id_hash:
            out += [(r[0], r[1], "身份证号", "") for r in self.conn.execute(
                "SELECT id, name FROM person WHERE id = ? LIMIT ?", (f"person:#h{id_hash[:16]}", limit))]
        elif not masked_id:
            out += [(r[0], r[1], "姓名", r[1]) for r in self.conn.execute(
                "SELECT id, name FROM person WHERE instr(name, ?) LIMIT ?", (text, limit))]
        return out

    def latest_finding_date(self) -> str | None:
        return self.conn.execute("SELECT max(date) FROM finding").fetchone()[0]

    def findings_within(self, village_ids: Sequence[str], township_id: str, date_from: str, date_to: str,
                        types: Sequence[str]) -> list[Finding]:
        """Findings of ``types`` in the window on the scope itself, these places (its children),
        or anything tied to them as to a parent (by structure, whatever the date: callers check
        the date)."""
        types = list(types)
        places = list(village_ids)
        marks = ",".join("?" * len(places)) or "NULL"
        model = self.rulebook.model
        ties = sorted({(k.parent_edge, k.parent_role, k.parent_reverse) for k in model.kinds.values() if k.parent})
        sub = " UNION ".join(
            f"SELECT {'dst' if rev else 'src'} FROM edge WHERE kind=? AND role=? AND {'src' if rev else 'dst'} IN ({marks})"
            for _, _, rev in ties) or "SELECT NULL"
        tie_args = [x for kind, role, _ in ties for x in (kind, role, *places)]
        sql = (f"SELECT {_FINDING_COLS} FROM finding WHERE date >= ? AND date <= ? "
               f"AND type IN ({','.join('?' * len(types))}) AND (object_id = ? OR object_id IN ({marks}) "
               f"OR object_id IN ({sub})) ORDER BY date, n")
        rows = self.conn.execute(sql, [date_from, date_to, *types, township_id, *places, *tie_args])
        return [_finding(r) for r in rows]

    def duty_records(self, date_from: str | None = None, date_to: str | None = None,
                     items: Sequence[str] | None = None, subject_id: str | None = None) -> list[DutyRecord]:
        """Duty-log records in a window (inclusive), of some 履职事项, or of one subject."""
        conds, args = [], []
        for cond, val in (("date >= ?", date_from), ("date <= ?", date_to), ("subject_id = ?", subject_id)):
            if val:
                conds.append(cond)
                args.append(val)
        if items is not None:
            items = list(items)
            conds.append(f"item IN ({','.join('?' * len(items))})")
            args.extend(items)
        sql = f"SELECT {_DUTY_COLS} FROM duty_record" + (" WHERE " + " AND ".join(conds) if conds else "")
        return [_duty_record(r) for r in self.conn.execute(sql + " ORDER BY date, n", args)]

    def finding(self, n: int) -> Finding:
        row = self.conn.execute(f"SELECT {_FINDING_COLS} FROM finding WHERE n=?", (n,)).fetchone()
        if row is None:
            raise NotFound(f"督查发现 {n} 不在项目中 (no finding number {n}); list them with `zeren check`")
        return _finding(row)

    def finding_digests(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT digest FROM finding")}

    def batches(self) -> list[dict[str, Any]]:
        return [
            {"id": r[0], "loaded_at": r[1], "files": json.loads(r[2]), "summary": json.loads(r[3]), "mode": r[4],
             "reverted_by": r[5], "reverts": r[6]}
            for r in self.conn.execute(
                "SELECT id, loaded_at, files, summary, mode, reverted_by, reverts FROM batch ORDER BY id")
        ]

    def export(self) -> Export:
        """Everything the project holds, streamed (for ``zeren push``)."""
        conn = self.conn

        def nodes() -> Iterator[Node]:
            current: list[Node] = []
            for r in conn.execute(f"SELECT {_NODE_COLS} FROM node ORDER BY id"):
                n = _node(r)
                if current and current[0].id != n.id:
                    yield _merge_nodes(current)
                    current = []
                current.append(n)
            if current:
                yield _merge_nodes(current)

        node_count = conn.execute("SELECT count(DISTINCT id) FROM node").fetchone()[0]
        return Export(
            meta=dict(conn.execute("SELECT key, value FROM meta").fetchall()),
            node_count=node_count,
            edge_count=conn.execute("SELECT count(*) FROM edge").fetchone()[0],
            finding_count=conn.execute("SELECT count(*) FROM finding").fetchone()[0],
            nodes=nodes(),
            edges=(_edge(r) for r in conn.execute(f"SELECT {_EDGE_COLS} FROM edge")),
            findings=(_finding(r) for r in conn.execute(f"SELECT {_FINDING_COLS} FROM finding")),
            duty_record_count=conn.execute("SELECT count(*) FROM duty_record").fetchone()[0],
            duty_records=(_duty_record(r) for r in conn.execute(f"SELECT {_DUTY_COLS} FROM duty_record")),
            person_links=conn.execute("SELECT a, b, batch, note FROM person_link ORDER BY a, b").fetchall(),
        )

    # -- writing ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self, *, rollback: bool = False) -> Iterator["Writer"]:
        """All writes of one load: committed together, or rolled back on any exception (or
        always, when ``rollback``: a dry run computes everything a load would, then undoes it).

        The write lock is taken first (BEGIN IMMEDIATE), so what a load reads to validate and
        compare is what it writes over: two loads at once run one after the other.
        """
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        # A load writes and indexes many pages at once: a larger page cache while it does
        # (given back after; SQLite's default is 2 MiB).
        caches = [self.conn.execute(f"PRAGMA {db}.cache_size").fetchone()[0] for db in ("main", "temp")]
        for db in ("main", "temp"):
            self.conn.execute(f"PRAGMA {db}.cache_size = {-_LOAD_CACHE_KIB}")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            writer = Writer(self)
            writer.rollback = rollback
            try:
                yield writer
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("ROLLBACK" if writer.rollback else "COMMIT")
        finally:
            for db, size in zip(("main", "temp"), caches):
                self.conn.execute(f"PRAGMA {db}.cache_size = {size}")


class Writer:
    """Write operations, valid only inside :meth:`Store.transaction`."""

    def __init__(self, store: Store):
        self.store = store
        self.conn = store.conn
        self._sources: dict[tuple[str, str], int] = {}
        self.rollback = False  # set: the transaction ends by undoing everything (a dry run, or no change)

    def new_batch(self, files: list[str], mode: str = "snapshot") -> int:
        cur = self.conn.execute("INSERT INTO batch(loaded_at, files, mode) VALUES (?, ?, ?)",
                                (_now(), json.dumps(files, ensure_ascii=False), mode))
        return int(cur.lastrowid)

    def finish_batch(self, batch: int, summary: dict[str, Any]) -> None:
        self.conn.execute("UPDATE batch SET summary=? WHERE id=?", (json.dumps(summary, ensure_ascii=False), batch))

    def source(self, file: str, sheet: str) -> int:
        """The id of a (file, sheet) in the source register."""
        key = (file, sheet or "")
        if key not in self._sources:
            self.conn.execute("INSERT OR IGNORE INTO source(file, sheet) VALUES (?, ?)", key)
            self._sources[key] = self.conn.execute("SELECT id FROM source WHERE file=? AND sheet=?", key).fetchone()[0]
        return self._sources[key]

    def insert_findings(self, findings: Sequence[tuple[Finding, str]], batch: int | None = None) -> None:
        self.conn.executemany(
            "INSERT INTO finding(date, type, object_type, object_id, object_text, inspector, note, digest, props, "
            "source, sheet, row, batch) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (f.date, f.type, f.object_type, f.object_id, f.object_text, f.inspector, f.note, digest,
                 _json(f.props), f.provenance.source, f.provenance.sheet,
                 f.provenance.row, f.provenance.batch if batch is None else batch)
                for f, digest in findings
            ],
        )

    def revert(self, batch: int) -> dict[str, Any]:
        """Undo load ``batch`` (refused, with the reason, when later loads built on it); the
        undo is itself a batch of the register, and the reverted batch names it."""
        row = self.conn.execute("SELECT id, reverted_by, reverts FROM batch WHERE id = ?", (batch,)).fetchone()
        if row is None:
            raise NotFound(f"批次 #{batch} 不存在 (no load batch {batch}); list them with `zeren history`")
        if row[1] is not None:
            raise StoreError(f"批次 #{batch} 已由批次 #{row[1]} 撤销 (already reverted)")
        if row[2] is not None:
            raise StoreError(f"批次 #{batch} 本身是一次撤销（撤销批次 #{row[2]}）；请重新导入所需名单")
        pack = self.store.rulebook.pack
        blockers = facts.revert_blockers(self.conn, pack, batch)
        if blockers:
            raise StoreError(f"批次 #{batch} 之后的导入已在其基础上改动了数据，不能单独撤销：{'；'.join(blockers)}；"
                             "请先撤销之后的批次")
        counts = facts.revert(self.conn, pack, batch)
        findings = self.conn.execute("DELETE FROM finding WHERE batch = ?", (batch,)).rowcount
        duties = self.conn.execute("DELETE FROM duty_record WHERE batch = ?", (batch,)).rowcount
        persons = self.conn.execute("DELETE FROM person WHERE batch = ?", (batch,)).rowcount
        self.conn.execute("DELETE FROM person_link WHERE batch = ?", (batch,))
        posts = self.conn.execute("DELETE FROM post WHERE batch = ?", (batch,)).rowcount
        undo = self.new_batch([], "revert")
        summary = {"reverts": batch, "rows": counts, "findings": findings, "duty_records": duties,
                   "persons": persons, "posts": posts}
        self.conn.execute("UPDATE batch SET summary = ?, reverts = ? WHERE id = ?",
                          (json.dumps(summary, ensure_ascii=False), batch, undo))
        self.conn.execute("UPDATE batch SET reverted_by = ? WHERE id = ?", (undo, batch))
        return {"batch": undo, **summary}

    def link_persons(self, a: str, b: str, note: str = "") -> int:
        """Record that two person ids are one person (both directions), as a batch of its own."""
        for pid in (a, b):
            if not self.conn.execute("SELECT 1 FROM person WHERE id = ?", (pid,)).fetchone():
                raise NotFound(f"人员 {pid} 不在项目中")
        if a == b:
            raise StoreError("两个编号相同，无需合并")
        batch = self.new_batch([], "merge")
        self.conn.executemany("INSERT OR REPLACE INTO person_link(a, b, batch, note) VALUES (?, ?, ?, ?)",
                              [(a, b, batch, note), (b, a, batch, note)])
        self.finish_batch(batch, {"merge": [a, b], "note": note})
        return batch

    def unlink_persons(self, a: str, b: str) -> int:
        gone = self.conn.execute("DELETE FROM person_link WHERE (a = ? AND b = ?) OR (a = ? AND b = ?)",
                                 (a, b, b, a)).rowcount
        if not gone:
            raise NotFound(f"{a} 与 {b} 没有合并记录")
        batch = self.new_batch([], "unmerge")
        self.finish_batch(batch, {"unmerge": [a, b]})
        return batch

    def insert_duty_records(self, records: Sequence[tuple[DutyRecord, str]], batch: int) -> None:
        self.conn.executemany(
            "INSERT INTO duty_record(date, subject_id, subject_text, item, object_id, object_text, days, note, digest, "
            "props, source, sheet, row, batch) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(d.date, d.subject_id, d.subject_text, d.item, d.object_id, d.object_text, d.days, d.note, digest,
              _json(d.props), d.provenance.source, d.provenance.sheet, d.provenance.row, batch)
             for d, digest in records])

    def seed_rulebook(self, rulebook: Rulebook) -> None:
        """The county, its bodies, the lead units and the clauses, as nodes; the county's posts."""
        model = rulebook.model
        root = schema.node_id(model.root, schema.name_key(rulebook.county))
        nodes = [(root, model.root, rulebook.county, "{}")]
        edges = []
        for body in rulebook.bodies:
            bid = schema.node_id("body", body["name"])
            nodes.append((bid, "body", body["name"], _json({"duty": body.get("duty", "")})))
            edges.append(("SUPERVISES", bid, root, body.get("duty", ""), "{}"))
        # The rulebook's list of lead units: nodes of the kind the roster slot naming them refers to.
        unit_kind = next((s.kind for r in rulebook.pack.rosters for s in r.slots if s.vocabulary == "lead_units"), None)
        for unit in rulebook.lead_units:
            if unit_kind:
                nodes.append((schema.node_id(unit_kind, schema.name_key(unit)), unit_kind, unit,
                              _json({"lead_unit": True, **{p.name: p.default for p in model.kinds[unit_kind].props.values()
                                                           if p.default is not None}})))
        for clause in rulebook.clauses:
            nodes.append((schema.node_id("clause", clause.id), "clause", clause.id,
                          _json({"title": clause.title, "text": clause.text})))
        self.conn.executemany("INSERT OR REPLACE INTO seed_node VALUES (?,?,?,?)", nodes)
        self.conn.executemany("INSERT INTO seed_edge(kind, src, dst, role, props) VALUES (?,?,?,?,?)", edges)
        self.conn.executemany(
            "INSERT OR IGNORE INTO post(id, title, owner, edge) VALUES (?,?,?,?)",
            [(schema.post_id(root, title), title, root, spec.edge) for title, spec in model.posts[model.root].items()])


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps would build one per call for this option


def _json(props: dict[str, Any]) -> str:
    return _ENCODER.encode(props) if props else "{}"


def _now() -> str:
    return datetime.now(timezone(timedelta(hours=8))).isoformat(timespec="seconds")
