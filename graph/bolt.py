"""The server store: any Bolt endpoint (Neo4j 5, Aura, FalkorDB) through the official driver.

``push(store, uri)`` copies a project into the server; ``BoltStore.connect(uri)`` gives the
same read interface as :class:`zeren.graph.store.Store`, so every query runs unchanged on
either. All Cypher lives here, generated from :mod:`zeren.graph.schema`; every value is a
query parameter (labels and relationship types, which Cypher cannot parameterise, come only
from the schema's fixed kinds). Store-specific DDL is in :func:`_ddl`.

Credentials come from ``ZEREN_BOLT_USER`` / ``ZEREN_BOLT_PASSWORD`` or the config file
``~/.config/zeren/bolt.toml`` (``user = …``, ``password = …``), never from the command line.
Messages are batched by rows and by bytes: FalkorDB 4.16's Bolt endpoint dies on a message
over ~4 KB, so ``max_bytes`` must be small there.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import schema
from .errors import NotFound, StoreError
from .model import DutyRecord, Edge, Finding, Node, Provenance
from .store import Store, StoreBase

__all__ = ["BoltStore", "push", "credentials", "label", "close_drivers"]

_CONFIG = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "zeren" / "bolt.toml"
_CHUNK = 1500  # characters of the rulebook JSON per Meta node (FalkorDB's message limit)


def label(kind: str) -> str:
    """The Cypher label of a node kind (``township`` → ``Township``), from the schema only."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", kind):  # kinds are identifiers (graph.pack checks them)
        raise ValueError(f"unknown node kind {kind!r}")
    return kind.capitalize()


def _rel(kind: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", kind):
        raise ValueError(f"unknown edge kind {kind!r}")
    return kind


def credentials() -> tuple[str, str]:
    user = os.environ.get("ZEREN_BOLT_USER")
    password = os.environ.get("ZEREN_BOLT_PASSWORD")
    if (user is None or password is None) and _CONFIG.exists():
        import tomllib

        try:
            conf = tomllib.loads(_CONFIG.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise StoreError(f"{_CONFIG}: {err}") from err
        user = user if user is not None else str(conf.get("user", ""))
        password = password if password is not None else str(conf.get("password", ""))
    return user or "neo4j", password or ""


_DRIVERS: dict[tuple[str, str, str], Any] = {}


def _driver(uri: str):
    """One driver (one connection pool) per server and user for the whole process.

    Drivers are meant to live as long as the application; FalkorDB 4.16 also stops
    accepting Bolt connections after a few have come and gone, so zeren never churns them.
    """
    from neo4j import GraphDatabase

    user, password = credentials()
    key = (uri, user, password)
    if key in _DRIVERS:
        return _DRIVERS[key]
    try:
        driver = GraphDatabase.driver(uri, auth=(user, password), connection_timeout=10,
                                      max_transaction_retry_time=5)
        driver.verify_connectivity()
    except Exception as err:  # ServiceUnavailable, AuthError, ConfigurationError, ValueError
        raise StoreError(f"{uri}: cannot connect to the Bolt server ({type(err).__name__}: "
                         f"{str(err).splitlines()[0] if str(err) else ''}); "
                         "check the address and ZEREN_BOLT_USER / ZEREN_BOLT_PASSWORD") from None
    if not _DRIVERS:
        import atexit

        atexit.register(close_drivers)
    _DRIVERS[key] = driver
    return driver


def close_drivers() -> None:
    """Close every driver this process opened."""
    while _DRIVERS:
        _DRIVERS.popitem()[1].close()


class BoltStore(StoreBase):
    """Read access to a project pushed to a Bolt server; the interface of ``Store``."""

    def __init__(self, driver: Any, database: str, uri: str):
        self.driver = driver
        self.database = database
        self.path = uri
        # One session, auto-commit reads: the driver's execute_query() costs a ~40 ms
        # round-trip stall per call on FalkorDB, a session's run() half a millisecond. Default
        # (write) access mode: FalkorDB sends READ sessions to another graph than the one named.
        self._session = driver.session(database=database)

    @classmethod
    def connect(cls, uri: str, database: str = "zeren") -> "BoltStore":
        store = cls(_driver(uri), database, uri)
        if store.meta("schema_version") is None:
            store.close()
            raise StoreError(f"{uri} ({database}): no zeren project there; copy one with `zeren push`")
        return store

    def close(self) -> None:
        """Close the session; the driver stays, shared for the process (see :func:`close_drivers`)."""
        self._session.close()

    def _run(self, query: str, **params: Any) -> list[Any]:
        return _records(self._session, query, params, self.path)

    # -- the Store interface -------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        rows = self._run("MATCH (m:Meta {key: $key}) RETURN m.part AS part, m.value AS value", key=key)
        if not rows:
            return None
        return "".join(r["value"] for r in sorted(rows, key=lambda r: r["part"]))

    def node(self, node_id: str) -> Node | None:
        rows = self._run(f"MATCH (n:Node {{id: $id}}) RETURN {_NODE_RETURN}", id=node_id)
        return _node(rows[0]) if rows else None

    def nodes_by_id(self, ids: Sequence[str]) -> list[Node]:
        rows = self._run(f"UNWIND $ids AS id MATCH (n:Node {{id: id}}) RETURN {_NODE_RETURN}", ids=list(ids))
        return [_node(r) for r in rows]

    def node_ids(self, kind: str) -> set[str]:
        return {r["id"] for r in self._run("MATCH (n:Node) WHERE n.kind = $kind RETURN n.id AS id", kind=kind)}

    def counts(self) -> dict[str, int]:
        out = {r["kind"]: r["c"] for r in self._run("MATCH (n:Node) RETURN n.kind AS kind, count(n) AS c")}
        out["finding"] = self._run("MATCH (f:Finding) RETURN count(f) AS c")[0]["c"]
        return out

    def edges(self, *, src: str | None = None, dst: str | None = None, kinds: Sequence[str] | None = None,
              role: str | None = None, at: str | None = None, origin: str | None = None,
              scope: str | None = None) -> list[Edge]:
        a = "(a:Node {id: $src})" if src is not None else "(a:Node)"
        b = "(b:Node {id: $dst})" if dst is not None else "(b:Node)"
        types = "|".join(_rel(k) for k in kinds) if kinds is not None else ""
        where = []
        for prop, value in (("role", role), ("origin", origin), ("scope", scope)):
            if value is not None:
                where.append(f"e.{prop} = ${prop}")
        if at is not None:
            where.append("(e.valid_from IS NULL OR e.valid_from <= $at) AND (e.valid_to IS NULL OR e.valid_to >= $at)")
        query = f"MATCH {a}-[e{':' + types if types else ''}]->{b}"
        if where:
            query += " WHERE " + " AND ".join(where)
        rows = self._run(f"{query} RETURN {_EDGE_RETURN}", src=src, dst=dst, role=role, origin=origin,
                         scope=scope, at=at)
        return sorted((_edge(r) for r in rows), key=lambda e: (e.valid_from or "", e.id or 0))

    def count_located(self, kind: str, village_ids: Sequence[str], date_from: str, date_to: str) -> int:
        rel, role = ("LOCATED_IN", "") if kind == "household" else ("ASSISTS", "驻村帮扶")
        rows = self._run(
            f"UNWIND $villages AS v MATCH (x:{label(kind)})-[e:{rel}]->(:Node {{id: v}}) "
            "WHERE e.role = $role AND (e.valid_from IS NULL OR e.valid_from <= $to) "
            "AND (e.valid_to IS NULL OR e.valid_to >= $from) RETURN count(DISTINCT x) AS c",
            villages=list(village_ids), role=role, to=date_to, **{"from": date_from})
        return int(rows[0]["c"]) if rows else 0

    def findings(self, date_from: str | None = None, date_to: str | None = None,
                 object_id: str | None = None) -> list[Finding]:
        where = []
        if date_from:
            where.append("f.date >= $lo")
        if date_to:
            where.append("f.date <= $hi")
        if object_id:
            where.append("f.object_id = $object")
        query = "MATCH (f:Finding)" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self._run(f"{query} RETURN {_FINDING_RETURN}", lo=date_from, hi=date_to, object=object_id)
        return sorted((_finding(r) for r in rows), key=lambda f: (f.date, f.n))

    def findings_within(self, village_ids: Sequence[str], township_id: str, date_from: str, date_to: str,
                        types: Sequence[str]) -> list[Finding]:
        """The window's findings of ``types`` (a superset: the caller checks the scope)."""
        rows = self._run(f"MATCH (f:Finding) WHERE f.date >= $lo AND f.date <= $hi AND f.type IN $types "
                         f"RETURN {_FINDING_RETURN}", lo=date_from, hi=date_to, types=list(types))
        return sorted((_finding(r) for r in rows), key=lambda f: (f.date, f.n))

    def duty_records(self, date_from: str | None = None, date_to: str | None = None,
                     items: Sequence[str] | None = None, subject_id: str | None = None) -> list[DutyRecord]:
        """Duty-log records in a window (inclusive), of some 履职事项, or of one subject."""
        where = []
        for cond, val in (("d.date >= $lo", date_from), ("d.date <= $hi", date_to),
                          ("d.subject_id = $subject", subject_id)):
            if val:
                where.append(cond)
        if items is not None:
            where.append("d.item IN $items")
        query = "MATCH (d:DutyRecord)" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self._run(f"{query} RETURN {_DUTY_RETURN}", lo=date_from, hi=date_to, subject=subject_id,
                         items=list(items) if items is not None else None)
        return sorted((_duty_record(r) for r in rows), key=lambda d: (d.date, d.n))

    def finding(self, n: int) -> Finding:
        rows = self._run(f"MATCH (f:Finding {{n: $n}}) RETURN {_FINDING_RETURN}", n=int(n))
        if not rows:
            raise NotFound(f"督查发现 {n} 不在项目中 (no finding number {n})")
        return _finding(rows[0])


_NODE_RETURN = ("n.id AS id, n.kind AS kind, n.name AS name, n.props AS props, n.source AS source, "
                "n.sheet AS sheet, n.row AS row, n.batch AS batch")
_EDGE_RETURN = ("e.id AS id, type(e) AS kind, a.id AS src, b.id AS dst, e.role AS role, e.valid_from AS valid_from, "
                "e.valid_to AS valid_to, e.origin AS origin, e.scope AS scope, e.props AS props, e.source AS source, "
                "e.sheet AS sheet, e.row AS row, e.batch AS batch")
_FINDING_RETURN = ("f.n AS n, f.date AS date, f.type AS type, f.object_type AS object_type, f.object_id AS object_id, "
                   "f.object_text AS object_text, f.inspector AS inspector, f.note AS note, f.props AS props, "
                   "f.source AS source, f.sheet AS sheet, f.row AS row, f.batch AS batch")

_DUTY_COLS = ("n", "date", "subject_id", "subject_text", "item", "object_id", "object_text", "days", "note", "props",
              "source", "sheet", "row", "batch")
_DUTY_RETURN = ", ".join(f"d.{c} AS {c}" for c in _DUTY_COLS)


def _props(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text and text != "{}" else {}


def _prov(r: Any) -> Provenance:
    return Provenance(r["source"], r["sheet"], r["row"], r["batch"])


def _node(r: Any) -> Node:
    return Node(r["id"], r["kind"], r["name"], _props(r["props"]), _prov(r))


def _edge(r: Any) -> Edge:
    return Edge(r["kind"], r["src"], r["dst"], r["role"] or "", r["valid_from"], r["valid_to"], _props(r["props"]),
                _prov(r), id=r["id"], origin=r["origin"] or "", scope=r["scope"] or "")


def _finding(r: Any) -> Finding:
    return Finding(r["n"], r["date"], r["type"], r["object_type"], r["object_id"], r["object_text"],
                   r["inspector"] or "", r["note"] or "", _props(r["props"]), _prov(r))


def _duty_record(r: Any) -> DutyRecord:
    return DutyRecord(r["n"], r["date"], r["subject_id"], r["subject_text"] or "", r["item"], r["object_id"],
                      r["object_text"] or "", r["days"], r["note"] or "", _props(r["props"]), _prov(r))


# -- push ---------------------------------------------------------------------------------
def _records(session: Any, query: str, params: dict[str, Any], where: str) -> list[Any]:
    """Run one auto-commit query; a driver error becomes one clear StoreError, not a traceback."""
    from neo4j.exceptions import DriverError, Neo4jError

    try:
        return list(session.run(query, params))
    except (Neo4jError, DriverError) as err:
        raise _ServerError(f"{where}: the Bolt server failed a query ({type(err).__name__}: "
                           f"{str(err).splitlines()[0] if str(err) else ''}); retry, or push again with --replace",
                           err) from None


class _ServerError(StoreError):
    def __init__(self, message: str, cause: Exception):
        super().__init__(message)
        self.cause = cause


def _ddl(run) -> None:
    """Indexes on the ids, before loading: Neo4j 5 syntax first, then FalkorDB's (no names, no
    IF NOT EXISTS, and an index that exists already is an error there)."""
    from neo4j.exceptions import Neo4jError  # the server answered with an error (not: connection lost)

    for name, lbl, prop in (("zeren_node_id", "Node", "id"), ("zeren_finding_n", "Finding", "n"),
                            ("zeren_meta_key", "Meta", "key")):
        try:
            run(f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{lbl}) ON (n.{prop})")
        except _ServerError as err:
            if not isinstance(err.cause, Neo4jError):
                raise
            try:
                run(f"CREATE INDEX FOR (n:{lbl}) ON (n.{prop})")
            except _ServerError as again:
                if not isinstance(again.cause, Neo4jError):
                    raise


def _batches(rows: list[dict[str, Any]], batch_size: int, max_bytes: int | None) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        n = len(json.dumps(row, ensure_ascii=False).encode("utf-8")) + 16
        if batch and (len(batch) >= batch_size or (max_bytes and size + n > max_bytes)):
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += n
    if batch:
        yield batch


def push(store: Store, uri: str, *, database: str = "zeren", replace: bool = False, batch_size: int = 2000,
         max_bytes: int | None = None, progress=None) -> dict[str, int]:
    """Copy the project ``store`` into the Bolt server at ``uri``; return what was written.

    The target database must hold no zeren project unless ``replace``, which deletes it first.
    """
    session = _driver(uri).session(database=database)
    try:
        return _push(store, session, uri, database, replace, batch_size, max_bytes, progress)
    finally:
        session.close()


def _push(store: Store, session: Any, uri: str, database: str, replace: bool, batch_size: int,
          max_bytes: int | None, progress) -> dict[str, int]:
    def run(query: str, **params: Any) -> list[Any]:
        # Auto-commit: each UNWIND batch is atomic on its own (FalkorDB does not keep what an
        # explicit transaction wrote). A push that fails half-way is repeated with --replace.
        return _records(session, query, params, uri)

    existing = run("MATCH (n) RETURN count(n) AS c")[0]["c"]
    if existing and not replace:
        raise StoreError(f"{uri} ({database}) already holds {existing:,} nodes; use --replace to overwrite")
    while existing:
        existing = run("MATCH (n) WITH n LIMIT 2000 DETACH DELETE n RETURN count(*) AS c")[0]["c"]
    _ddl(run)
    written = {"nodes": 0, "edges": 0, "findings": 0, "duty_records": 0}
    meta = [{"key": k, "part": 0, "value": v} for k, v in store.conn.execute(
        "SELECT key, value FROM meta WHERE key != 'rulebook'")]
    book = store.meta("rulebook") or "{}"
    meta += [{"key": "rulebook", "part": i, "value": book[j:j + _CHUNK]}
             for i, j in enumerate(range(0, len(book), _CHUNK))]
    for batch in _batches(meta, batch_size, max_bytes):
        run("UNWIND $rows AS r CREATE (:Meta {key: r.key, part: r.part, value: r.value})", rows=batch)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for n in store.export().nodes:  # one node per id (a seeded unit a roster also defines is merged)
        by_kind.setdefault(n.kind, []).append({
            "id": n.id, "kind": n.kind, "name": n.name, "props": json.dumps(n.props, ensure_ascii=False),
            "source": n.provenance.source, "sheet": n.provenance.sheet, "row": n.provenance.row,
            "batch": n.provenance.batch})
    for kind, rows in by_kind.items():
        for batch in _batches(rows, batch_size, max_bytes):
            run(f"UNWIND $rows AS r CREATE (n:Node:{label(kind)}) SET n = r", rows=batch)
            written["nodes"] += len(batch)
            if progress:
                progress("nodes", len(batch))
    edges: dict[str, list[dict[str, Any]]] = {}
    cols = ("id", "kind", "src", "dst", "role", "valid_from", "valid_to", "origin", "scope", "props", "source",
            "sheet", "row", "batch")
    for row in store.conn.execute(f"SELECT {', '.join(cols)} FROM edge"):
        edges.setdefault(row[1], []).append(dict(zip(cols, row)))
    for kind, rows in edges.items():
        for batch in _batches(rows, batch_size, max_bytes):
            run(f"UNWIND $rows AS r MATCH (a:Node {{id: r.src}}), (b:Node {{id: r.dst}}) "
                f"CREATE (a)-[e:{_rel(kind)}]->(b) SET e.id = r.id, e.role = r.role, "
                "e.valid_from = r.valid_from, e.valid_to = r.valid_to, e.origin = r.origin, e.scope = r.scope, "
                "e.props = r.props, e.source = r.source, e.sheet = r.sheet, e.row = r.row, e.batch = r.batch",
                rows=batch)
            written["edges"] += len(batch)
            if progress:
                progress("edges", len(batch))
    fcols = ("n", "date", "type", "object_type", "object_id", "object_text", "inspector", "note", "props",
             "source", "sheet", "row", "batch")
    frows = [dict(zip(fcols, r)) for r in store.conn.execute(f"SELECT {', '.join(fcols)} FROM finding")]
    for batch in _batches(frows, batch_size, max_bytes):
        run("UNWIND $rows AS r CREATE (f:Finding) SET f = r WITH f, r "
            "MATCH (o:Node {id: r.object_id}) CREATE (f)-[:CONCERNS]->(o)", rows=batch)
        written["findings"] += len(batch)
    drows = [dict(zip(_DUTY_COLS, r)) for r in store.conn.execute(f"SELECT {', '.join(_DUTY_COLS)} FROM duty_record")]
    for batch in _batches(drows, batch_size, max_bytes):
        run("UNWIND $rows AS r CREATE (d:DutyRecord) SET d = r", rows=batch)
        written["duty_records"] += len(batch)
    return written
