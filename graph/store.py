"""The embedded project store: one SQLite file, written only inside transactions.

Tables: ``meta`` (schema version, rulebook), ``batch`` (one row per load), ``node``,
``edge`` (dated: ``valid_from``/``valid_to`` inclusive ISO dates, NULL = open) and
``finding``. Every node, edge and finding records its provenance: source file, sheet,
row and load batch. History is never deleted: a roster that drops an assignment closes it.

Reads go straight to indexed SQL, so a single trace touches a few dozen rows and never
loads the county into memory; :mod:`zeren.graph.netx` builds a networkx view when a whole
graph is wanted.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import NotFound, StoreError
from .model import Edge, Export, Finding, Node, Provenance
from .rules import Rulebook, parse_rulebook

__all__ = ["SCHEMA_VERSION", "Node", "Edge", "Finding", "Provenance", "StoreBase", "Store", "Writer"]  # types: .model

SCHEMA_VERSION = "2"

_DDL = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batch(id INTEGER PRIMARY KEY, loaded_at TEXT NOT NULL, files TEXT NOT NULL,
                   summary TEXT NOT NULL DEFAULT '{}');
CREATE TABLE node(id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
                  props TEXT NOT NULL DEFAULT '{}', source TEXT, sheet TEXT, row INTEGER,
                  batch INTEGER) WITHOUT ROWID;
CREATE TABLE edge(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL,
                  role TEXT NOT NULL DEFAULT '', valid_from TEXT, valid_to TEXT,
                  origin TEXT NOT NULL DEFAULT '', scope TEXT NOT NULL DEFAULT '',
                  props TEXT NOT NULL DEFAULT '{}', source TEXT, sheet TEXT, row INTEGER,
                  batch INTEGER);
CREATE TABLE finding(n INTEGER PRIMARY KEY, date TEXT NOT NULL, type TEXT NOT NULL,
                     object_type TEXT NOT NULL, object_id TEXT NOT NULL, object_text TEXT NOT NULL,
                     inspector TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
                     digest TEXT NOT NULL UNIQUE, props TEXT NOT NULL DEFAULT '{}',
                     source TEXT, sheet TEXT, row INTEGER, batch INTEGER);
CREATE INDEX finding_date ON finding(date);
CREATE INDEX finding_object ON finding(object_id);
"""

#: Secondary indexes, by table: created with the tables, and dropped and rebuilt around a
#: bulk insert (building an index once, sorted, is far cheaper than growing it row by row).
_INDEXES: dict[str, dict[str, str]] = {
    "node": {},  # ids begin with their kind: the primary key serves lookups by kind
    "edge": {"edge_dst": "edge(dst, kind, role)", "edge_src": "edge(src, kind, role)",
             "edge_origin": "edge(origin, scope)"},
}
_DDL += "".join(f"CREATE INDEX {name} ON {on};\n" for table in _INDEXES.values() for name, on in table.items())

_VALID_AT = "(valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?)"
_OVERLAPS = "(valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?)"


def _props(text: str) -> dict[str, Any]:
    return {} if text == "{}" else json.loads(text)


def _node(row: Sequence[Any]) -> Node:
    return Node(row[0], row[1], row[2], _props(row[3]), Provenance(row[4], row[5], row[6], row[7]))


_NODE_COLS = "id, kind, name, props, source, sheet, row, batch"
_EDGE_COLS = "id, kind, src, dst, role, valid_from, valid_to, origin, scope, props, source, sheet, row, batch"
_FINDING_COLS = "n, date, type, object_type, object_id, object_text, inspector, note, props, source, sheet, row, batch"


def _edge(row: Sequence[Any]) -> Edge:
    return Edge(
        kind=row[1], src=row[2], dst=row[3], role=row[4], valid_from=row[5], valid_to=row[6],
        origin=row[7], scope=row[8], props=_props(row[9]),
        provenance=Provenance(row[10], row[11], row[12], row[13]), id=row[0],
    )


def _finding(row: Sequence[Any]) -> Finding:
    return Finding(*row[:8], props=json.loads(row[8]), provenance=Provenance(*row[9:13]))


class StoreBase:
    """What every store shares: the rulebook read from ``meta``, and ``with`` blocks.

    Subclasses provide ``meta``, ``node``, ``edges``, ``findings``, ``finding``,
    ``findings_within``, ``count_located``, ``counts`` and ``close``.
    """

    path: str
    _rulebook: Rulebook | None = None

    def meta(self, key: str) -> str | None:
        raise NotImplementedError

    def node(self, node_id: str) -> Node | None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def rulebook(self) -> Rulebook:
        if self._rulebook is None:
            self._rulebook = parse_rulebook(json.loads(self.meta("rulebook") or "{}"), f"{self.path}:rulebook")
        return self._rulebook


class Store(StoreBase):
    """A zeren project file. ``Store.open(path)`` reads; ``store.transaction()`` writes."""

    def __init__(self, conn: sqlite3.Connection, path: str, readonly: bool):
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self._rulebook: Rulebook | None = None

    # -- opening ---------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, rulebook: Rulebook) -> "Store":
        """Create a new project file holding ``rulebook``; refuse to overwrite one."""
        path = Path(path)
        if path.exists():
            raise StoreError(f"{path}: 项目文件已存在（project file exists）; use another --project or remove it")
        tmp = path.with_name(path.name + ".creating")
        tmp.unlink(missing_ok=True)
        try:
            conn = sqlite3.connect(tmp)
            # WAL: readers keep reading while a load writes (the web workbench serves during loads).
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:
                conn.executescript(_DDL)
                conn.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [
                        ("schema_version", SCHEMA_VERSION),
                        ("rulebook", json.dumps(rulebook.to_dict(), ensure_ascii=False)),
                        ("created", _now()),
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
            uri = f"file:{path.resolve().as_posix()}?mode={'ro' if readonly else 'rw'}"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None)
            conn.execute("PRAGMA foreign_keys=OFF")
            version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.Error as err:
            raise StoreError(f"{path}: not a zeren project file ({err})") from err
        if version is None or version[0] != SCHEMA_VERSION:
            raise StoreError(f"{path}: project schema {version and version[0]!r}, this zeren reads {SCHEMA_VERSION!r}")
        return cls(conn, str(path), readonly)

    def close(self) -> None:
        self.conn.close()

    # -- meta ------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    # -- nodes -----------------------------------------------------------------------
    def node(self, node_id: str) -> Node | None:
        row = self.conn.execute(f"SELECT {_NODE_COLS} FROM node WHERE id=?", (node_id,)).fetchone()
        return _node(row) if row else None

    def nodes_by_id(self, ids: Sequence[str]) -> list[Node]:
        out: list[Node] = []
        for i in range(0, len(ids), 900):
            chunk = list(ids[i:i + 900])
            out.extend(_node(r) for r in self.conn.execute(
                f"SELECT {_NODE_COLS} FROM node WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return out

    def node_ids(self, kind: str) -> set[str]:
        """Every id of one kind: a range of the primary key (ids begin with ``kind:``)."""
        return {r[0] for r in self.conn.execute("SELECT id FROM node WHERE id >= ? AND id < ?", (f"{kind}:", f"{kind};"))}

    def counts(self) -> dict[str, int]:
        """Nodes per kind, and findings."""
        out = dict(self.conn.execute("SELECT kind, count(*) FROM node GROUP BY kind ORDER BY kind").fetchall())
        out["finding"] = self.conn.execute("SELECT count(*) FROM finding").fetchone()[0]
        return out

    # -- edges -----------------------------------------------------------------------
    def edges(
        self,
        *,
        src: str | None = None,
        dst: str | None = None,
        kinds: Iterable[str] | None = None,
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
            conds.append(f"kind IN ({','.join('?' * len(kinds))})")
            args.extend(kinds)
        if at is not None:
            conds.append(_VALID_AT)
            args.extend([at, at])
        sql = f"SELECT {_EDGE_COLS} FROM edge"
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        return [_edge(r) for r in self.conn.execute(sql + " ORDER BY valid_from, id", args)]

    def edge_ends(self, kind: str, role: str, at: str, src_kind: str | None = None) -> list[tuple[str, str]]:
        """(src, dst) of every ``kind``/``role`` edge valid on ``at`` (from ``src_kind`` nodes only):
        one scan for bulk work such as :class:`zeren.queries.batch.ChainIndex`."""
        sql = f"SELECT src, dst FROM edge WHERE kind=? AND role=? AND {_VALID_AT}"
        args: list[str] = [kind, role, at, at]
        if src_kind:
            sql += " AND src >= ? AND src < ?"
            args += [f"{src_kind}:", f"{src_kind};"]
        return self.conn.execute(sql, args).fetchall()

    def edge_keys(self, origin: str = "") -> set[tuple[str, str, str, str]]:
        """(kind, src, dst, role) of every edge of one origin ('' = permanent structure)."""
        return set(self.conn.execute("SELECT kind, src, dst, role FROM edge WHERE origin=?", (origin,)).fetchall())

    def count_located(self, kind: str, village_ids: Sequence[str], date_from: str, date_to: str) -> int:
        """How many ``kind`` nodes were located in (or assisted) these villages during the window."""
        if kind == "household":
            edge_kind, role, col, other = "LOCATED_IN", "", "dst", "src"
        else:
            edge_kind, role, col, other = "ASSISTS", "驻村帮扶", "dst", "src"
        total = 0
        for i in range(0, len(village_ids), 500):
            chunk = village_ids[i:i + 500]
            row = self.conn.execute(
                f"SELECT count(DISTINCT {other}) FROM edge WHERE kind=? AND role=? AND {col} IN "
                f"({','.join('?' * len(chunk))}) AND {_OVERLAPS} AND {other} LIKE ?",
                [edge_kind, role, *chunk, date_to, date_from, f"{kind}:%"],
            ).fetchone()
            total += row[0]
        return total

    # -- findings ----------------------------------------------------------------------
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

    def findings_within(self, village_ids: Sequence[str], township_id: str, date_from: str, date_to: str,
                        types: Sequence[str]) -> list[Finding]:
        """Findings of ``types`` in the window on these villages, their households or teams,
        or the township itself (by structure, whatever the date: callers check the date)."""
        types = list(types)
        villages = list(village_ids)
        places = ",".join("?" * len(villages)) or "NULL"
        sql = (f"SELECT {_FINDING_COLS} FROM finding WHERE date >= ? AND date <= ? "
               f"AND type IN ({','.join('?' * len(types))}) AND (object_id = ? OR object_id IN ({places}) "
               f"OR object_id IN (SELECT src FROM edge WHERE kind IN ('LOCATED_IN', 'ASSISTS') "
               f"AND dst IN ({places}))) ORDER BY date, n")
        rows = self.conn.execute(sql, [date_from, date_to, *types, township_id, *villages, *villages])
        return [_finding(r) for r in rows]

    def finding(self, n: int) -> Finding:
        row = self.conn.execute(f"SELECT {_FINDING_COLS} FROM finding WHERE n=?", (n,)).fetchone()
        if row is None:
            raise NotFound(f"督查发现 {n} 不在项目中 (no finding number {n}); list them with `zeren check`")
        return _finding(row)

    def finding_digests(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT digest FROM finding")}

    def batches(self) -> list[dict[str, Any]]:
        return [
            {"id": r[0], "loaded_at": r[1], "files": json.loads(r[2]), "summary": json.loads(r[3])}
            for r in self.conn.execute("SELECT id, loaded_at, files, summary FROM batch ORDER BY id")
        ]

    def export(self) -> Export:
        """Everything the project holds, streamed (for ``zeren push``)."""
        conn = self.conn
        count = lambda table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
        return Export(
            meta=dict(conn.execute("SELECT key, value FROM meta").fetchall()),
            node_count=count("node"), edge_count=count("edge"), finding_count=count("finding"),
            nodes=(_node(r) for r in conn.execute(f"SELECT {_NODE_COLS} FROM node")),
            edges=(_edge(r) for r in conn.execute(f"SELECT {_EDGE_COLS} FROM edge")),
            findings=(_finding(r) for r in conn.execute(f"SELECT {_FINDING_COLS} FROM finding")),
        )

    # -- writing -----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator["Writer"]:
        """All writes of one load: committed together, or rolled back on any exception."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield Writer(self)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")


class Writer:
    """Write operations, valid only inside :meth:`Store.transaction`."""

    def __init__(self, store: Store):
        self.store = store
        self.conn = store.conn

    def new_batch(self, files: list[str]) -> int:
        cur = self.conn.execute("INSERT INTO batch(loaded_at, files) VALUES (?, ?)",
                                (_now(), json.dumps(files, ensure_ascii=False)))
        return int(cur.lastrowid)

    def finish_batch(self, batch: int, summary: dict[str, Any]) -> None:
        self.conn.execute("UPDATE batch SET summary=? WHERE id=?", (json.dumps(summary, ensure_ascii=False), batch))

    @contextmanager
    def _bulk(self, table: str, rows: int) -> Iterator[None]:
        """Drop ``table``'s indexes around an insert of more rows than the table holds."""
        if not _INDEXES[table]:
            yield
            return
        have = self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        bulk = rows > max(20000, have)
        if bulk:
            for name in _INDEXES[table]:
                self.conn.execute(f"DROP INDEX {name}")
        yield
        if bulk:
            for name, on in _INDEXES[table].items():
                self.conn.execute(f"CREATE INDEX {name} ON {on}")

    def upsert_nodes(self, nodes: Sequence[Node], batch: int | None = None) -> None:
        """Insert or update nodes; ``batch`` (if given) replaces their provenance's batch."""
        with self._bulk("node", len(nodes)):
            self._upsert_nodes(nodes, batch)

    def _upsert_nodes(self, nodes: Sequence[Node], batch: int | None) -> None:
        self.conn.executemany(
            "INSERT INTO node(id, kind, name, props, source, sheet, row, batch) VALUES (?,?,?,?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET name=excluded.name, props=excluded.props, "
            "source=excluded.source, sheet=excluded.sheet, row=excluded.row, batch=excluded.batch",
            sorted(  # in key order: each B-tree page of the WITHOUT ROWID table is touched once
                (n.id, n.kind, n.name, _json(n.props),
                 n.provenance.source, n.provenance.sheet, n.provenance.row,
                 n.provenance.batch if batch is None else batch)
                for n in nodes
            ),
        )

    def insert_edges(self, edges: Sequence[Edge], batch: int | None = None) -> None:
        with self._bulk("edge", len(edges)):
            self._insert_edges(edges, batch)

    def _insert_edges(self, edges: Sequence[Edge], batch: int | None) -> None:
        self.conn.executemany(
            "INSERT INTO edge(kind, src, dst, role, valid_from, valid_to, origin, scope, props, source, sheet, row, "
            "batch) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (e.kind, e.src, e.dst, e.role, e.valid_from, e.valid_to, e.origin, e.scope,
                 _json(e.props), e.provenance.source, e.provenance.sheet,
                 e.provenance.row, e.provenance.batch if batch is None else batch)
                for e in edges
            ],
        )

    def set_validity(self, changes: Iterable[tuple[int, str | None, str | None]]) -> None:
        """Set (valid_from, valid_to) of stored edges by id: closing never deletes."""
        self.conn.executemany("UPDATE edge SET valid_from=?, valid_to=? WHERE id=?",
                              [(f, t, i) for i, f, t in changes])

    def insert_findings(self, findings: Iterable[tuple[Finding, str]], batch: int | None = None) -> None:
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

    def seed_rulebook(self, rulebook: Rulebook) -> None:
        """The county, its bodies, the lead units and the clauses, as nodes."""
        from . import schema

        prov = Provenance(source=f"rulebook:{rulebook.name}")
        county = schema.node_id("county", rulebook.county)
        nodes = [Node(county, "county", rulebook.county, {}, prov)]
        edges = []
        for body in rulebook.bodies:
            bid = schema.node_id("body", body["name"])
            nodes.append(Node(bid, "body", body["name"], {"duty": body.get("duty", "")}, prov))
            edges.append(Edge("SUPERVISES", bid, county, body.get("duty", ""), provenance=prov, origin="rulebook"))
        for unit in rulebook.lead_units:
            nodes.append(Node(schema.node_id("unit", unit), "unit", unit, {"lead_unit": True, "level": "县直"}, prov))
        for title, spec in rulebook.county_posts.items():
            pid = schema.post_id(county, title)
            nodes.append(Node(pid, "post", title, {"owner": county, "body": spec.get("body", "")}, prov))
            edges.append(Edge(spec.get("edge", "LEADS"), pid, county, title, provenance=prov, origin="rulebook"))
        for clause in rulebook.clauses:
            nodes.append(Node(schema.node_id("clause", clause.id), "clause", clause.id,
                              {"title": clause.title, "text": clause.text}, prov))
        self.upsert_nodes(nodes)
        self.insert_edges(edges)


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps would build one per call for this option


def _json(props: dict[str, Any]) -> str:
    return _ENCODER.encode(props) if props else "{}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
