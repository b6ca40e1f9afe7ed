"""``push``: copy a project file into a Bolt server so that it lands whole or not at all.

A full push (the first, or ``replace``) writes a new copy of the graph under a fresh push id,
beside the one readers use, in UNWIND batches sized by rows and bytes; checks that the server
holds exactly what was sent; then names it the head in one transaction and drops the older
copies. An incremental push (the server holds an earlier push of the same project) sends only
what the load batches since then added or changed, and the closures they made, in one
transaction that is checked before it commits. Either way a push killed half-way leaves the
previous graph readable, and its ``ZerenPush`` marker (state ``loading``) tells readers that a
push did not finish.

The project is read through :meth:`zeren.graph.store.Store.export` and ``batches()`` only.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from . import cypher
from .bolt import CANARY, _probe_canary, driver, refuse_unbound, run
from .errors import StoreError
from .model import Edge, Finding, Node

__all__ = ["PushResult", "push"]


@dataclass
class PushResult:
    """What a push sent and what the server was verified to hold afterwards."""

    uri: str
    database: str
    push_id: str
    mode: str  # full | incremental | unchanged
    batch: int  # the project's last load batch, now on the server
    since: int | None = None  # an incremental push: the batch the server held before
    sent: dict[str, int] = field(default_factory=dict)  # nodes, edges, findings, closures
    verified: dict[str, int] = field(default_factory=dict)  # nodes, edges, findings on the server

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def push(store: Any, uri: str, *, database: str | None = None, replace: bool = False, batch_rows: int = 5000,
         max_bytes: int = 4_000_000, progress: Callable[[str, int], None] | None = None) -> PushResult:
    """Copy the project ``store`` into the server at ``uri`` (``database`` None: its home database).

    Refuses a server holding another project (or data that is not a zeren push) unless
    ``replace``; raises StoreError when the server's counts differ from what was sent.
    """
    from neo4j.exceptions import DriverError, Neo4jError

    drv = driver(uri)
    probe = drv.session(database=database)
    try:
        try:
            records, summary = run(probe, "RETURN $canary AS canary", uri, canary=CANARY)
        except StoreError:
            _probe_canary(probe, uri)
            raise
        refuse_unbound(records[0]["canary"], uri)
        name = summary.database or database or ""
    finally:
        probe.close()
    where = uri if name in ("", "neo4j") else f"{uri} ({name})"
    session = drv.session(database=name or None)
    try:
        return _Push(store, session, uri, name, where, batch_rows, max_bytes, progress).run(replace)
    except (Neo4jError, DriverError) as err:
        text = str(err).splitlines()[0] if str(err) else ""
        raise StoreError(f"{where}: the push failed ({type(err).__name__}: {text}); the previous graph is "
                         "unchanged") from None
    finally:
        session.close()


class _Push:
    def __init__(self, store: Any, session: Any, uri: str, database: str, where: str, batch_rows: int,
                 max_bytes: int, progress: Callable[[str, int], None] | None):
        self.store, self.session, self.uri, self.database, self.where = store, session, uri, database, where
        self.batch_rows, self.max_bytes, self.progress = max(1, batch_rows), max(1000, max_bytes), progress
        self.push_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4)

    def q(self, query: str, **params: Any) -> list[Any]:
        return run(self.session, query, self.where, push=self.push_id, **params)[0]

    def run(self, replace: bool) -> PushResult:
        for statement in cypher.DDL:  # constraints and indexes before anything is loaded
            self.q(statement)
        self.q("CALL db.awaitIndexes(300)")
        state = self.q("OPTIONAL MATCH (h:ZerenHead) OPTIONAL MATCH (p:ZerenPush {id: h.push}) "
                       "RETURN p {.*} AS head")[0]["head"]
        export = self.store.export()
        batches = self.store.batches()
        last = max((b["id"] for b in batches), default=0)
        project = export.meta.get("created", "")
        if state is not None and not replace:
            if state.get("project") != project:
                raise StoreError(f"{self.where}: 服务器上是另一个项目 (holds another project, created "
                                 f"{state.get('project')}); replace it explicitly")
            if int(state.get("batch") or 0) > last:
                raise StoreError(f"{self.where}: 服务器上的数据比本项目新 (holds load batch {state.get('batch')}, "
                                 f"this project only {last}); replace it explicitly")
            self._drop_unfinished()
            return self._incremental(export, state, last, project)
        if state is None and not replace:
            foreign = self.q("MATCH (n) WHERE NOT (n:ZerenPush OR n:ZerenHead OR n.push IS NOT NULL) "
                             "RETURN count(n) AS c")[0]["c"]
            if foreign:
                raise StoreError(f"{self.where}: 数据库中已有 {foreign:,} 个非 zeren 节点 (holds {foreign:,} nodes that "
                                 "are not a zeren push); replace them explicitly")
        self._drop_unfinished()
        return self._full(export, last, project)

    # -- a full push --------------------------------------------------------------------------
    def _full(self, export: Any, last: int, project: str) -> PushResult:
        self.q("CREATE (:ZerenPush {id: $push, state: 'loading', mode: 'full', project: $project, batch: $batch, "
               "meta: $meta, started: $now})", project=project, batch=last,
               meta=json.dumps(export.meta, ensure_ascii=False), now=_now())
        out = _Batches(self._write, self.batch_rows, self.max_bytes, self.progress)
        sent = {"nodes": 0, "edges": 0, "findings": 0}
        for n in export.nodes:
            out.add(cypher.create_nodes(n.kind), "nodes", _node_row(n))
            sent["nodes"] += 1
        out.flush()  # the edges MATCH their ends
        for e in export.edges:
            out.add(cypher.create_edges(e.kind), "edges", _edge_row(e))
            sent["edges"] += 1
        out.flush()
        for f in export.findings:
            out.add(cypher.create_findings(), "findings", _finding_row(f))
            sent["findings"] += 1
        out.flush()
        expected = {"nodes": export.node_count, "edges": export.edge_count, "findings": export.finding_count}
        verified = self._counts(self.q)
        if verified != expected or sent != expected:
            self._drop_except(keep=None, only=self.push_id)
            raise StoreError(f"{self.where}: 推送校验失败，未启用 (the server holds {_fmt(verified)} of {_fmt(expected)} "
                             f"sent; the push was discarded and the previous graph is unchanged)")
        self.session.execute_write(lambda tx: tx.run(
            "MATCH (p:ZerenPush {id: $push}) SET p.state = 'complete', p.finished = $now "
            "MERGE (h:ZerenHead {key: 'head'}) SET h.push = $push", push=self.push_id, now=_now()).consume())
        self._drop_except(keep=self.push_id)
        return PushResult(self.uri, self.database, self.push_id, "full", last, None, sent, verified)

    def _write(self, query: str, rows: list[dict[str, Any]]) -> None:
        push_id = self.push_id
        self.session.execute_write(lambda tx: tx.run(query, rows=rows, push=push_id).consume())

    # -- an incremental push ------------------------------------------------------------------
    def _incremental(self, export: Any, head: dict[str, Any], last: int, project: str) -> PushResult:
        since = int(head.get("batch") or 0)
        base = head["id"]
        expected = {"nodes": export.node_count, "edges": export.edge_count, "findings": export.finding_count}
        if since == last:
            verified = self._counts(lambda query, **p: run(self.session, query, self.where, **{**p, "push": base})[0])
            if verified != expected:
                raise StoreError(f"{self.where}: 服务器数据与项目不一致 (holds {_fmt(verified)}, the project "
                                 f"{_fmt(expected)}); push again with replace")
            return PushResult(self.uri, self.database, base, "unchanged", last, since, {}, verified)
        self.q("CREATE (:ZerenPush {id: $push, state: 'loading', mode: 'incremental', base: $base, started: $now})",
               base=base, now=_now())
        validity = {r["id"]: (r["f"], r["t"]) for r in run(
            self.session, "MATCH (:Node {push: $push})-[e]->() RETURN e.id AS id, e.valid_from AS f, e.valid_to AS t",
            self.where, push=base)[0]}
        sent = {"nodes": 0, "edges": 0, "findings": 0, "closures": 0}
        tx = self.session.begin_transaction()
        try:
            def write(query: str, rows: list[dict[str, Any]]) -> None:
                tx.run(query, rows=rows, push=base).consume()

            out = _Batches(write, self.batch_rows, self.max_bytes, self.progress)
            for n in export.nodes:
                if (n.provenance.batch or 0) > since:
                    out.add(cypher.upsert_nodes(n.kind), "nodes", _node_row(n))
                    sent["nodes"] += 1
            out.flush()
            for e in export.edges:
                if e.id not in validity:
                    out.add(cypher.create_edges(e.kind), "edges", _edge_row(e))
                    sent["edges"] += 1
                elif validity[e.id] != (e.valid_from, e.valid_to):
                    out.add(cypher.set_validity(e.kind), "closures",
                            {"src": e.src, "id": e.id, "valid_from": e.valid_from, "valid_to": e.valid_to})
                    sent["closures"] += 1
            out.flush()
            for f in export.findings:
                if (f.provenance.batch or 0) > since:
                    out.add(cypher.create_findings(), "findings", _finding_row(f))
                    sent["findings"] += 1
            out.flush()
            verified = self._counts(lambda query, **p: list(tx.run(query, {**p, "push": base})))
            if verified != expected:
                raise StoreError(f"{self.where}: 推送校验失败，未启用 (the server would hold {_fmt(verified)}, the "
                                 f"project {_fmt(expected)}; nothing was changed)")
            tx.run("MATCH (p:ZerenPush {id: $base}) SET p.batch = $batch, p.meta = $meta, p.finished = $now "
                   "WITH p MATCH (m:ZerenPush {id: $marker}) DELETE m", base=base, batch=last, marker=self.push_id,
                   meta=json.dumps(export.meta, ensure_ascii=False), now=_now()).consume()
            tx.commit()
        finally:
            if tx.closed() is False:
                tx.rollback()
        return PushResult(self.uri, self.database, base, "incremental", last, since, sent, verified)

    # -- checks and clean-up --------------------------------------------------------------------
    @staticmethod
    def _counts(q: Callable[..., list[Any]]) -> dict[str, int]:
        row = q("CALL () { MATCH (n:Node {push: $push}) RETURN count(n) AS nodes } "
                "CALL () { MATCH (:Node {push: $push})-[e]->() RETURN count(e) AS edges } "
                "CALL () { MATCH (f:Finding {push: $push}) RETURN count(f) AS findings } "
                "RETURN nodes, edges, findings")[0]
        return {"nodes": row["nodes"], "edges": row["edges"], "findings": row["findings"]}

    def _drop_unfinished(self) -> None:
        """Pushes that never finished (killed, or failed): their markers and whatever they wrote."""
        for r in self.q("MATCH (p:ZerenPush) WHERE p.state <> 'complete' RETURN p.id AS id"):
            self._drop_except(keep=None, only=r["id"])

    def _drop_except(self, keep: str | None, only: str | None = None) -> None:
        """Delete one push (``only``), or everything but the push ``keep`` (and the head marker)."""
        if only is not None:
            match = "MATCH (n) WHERE n.push = $old OR (n:ZerenPush AND n.id = $old)"
        else:
            match = ("MATCH (n) WHERE NOT (n:ZerenHead OR (n:ZerenPush AND n.id = $keep) "
                     "OR coalesce(n.push, '') = $keep)")
        self.q(f"{match} CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 10000 ROWS", old=only, keep=keep)


class _Batches:
    """Rows grouped by query, sent when a group reaches ``rows`` rows or ``max_bytes`` bytes."""

    def __init__(self, write: Callable[[str, list[dict[str, Any]]], None], rows: int, max_bytes: int,
                 progress: Callable[[str, int], None] | None):
        self.write, self.rows, self.max_bytes, self.progress = write, rows, max_bytes, progress
        self.groups: dict[str, tuple[str, list[dict[str, Any]], list[int]]] = {}

    def add(self, query: str, what: str, row: dict[str, Any]) -> None:
        group = self.groups.get(query)
        if group is None:
            group = self.groups[query] = (what, [], [0])
        group[1].append(row)
        group[2][0] += _size(row)
        if len(group[1]) >= self.rows or group[2][0] >= self.max_bytes:
            self._send(query)

    def _send(self, query: str) -> None:
        what, rows, size = self.groups.pop(query)
        if rows:
            self.write(query, rows)
            if self.progress:
                self.progress(what, len(rows))

    def flush(self) -> None:
        for query in list(self.groups):
            self._send(query)


def _size(row: dict[str, Any]) -> int:
    """Bytes a row takes on the wire, roughly (UTF-8 CJK is 3 bytes a character)."""
    n = 16
    for v in row.values():
        if isinstance(v, str):
            n += 3 * len(v) + 4
        elif isinstance(v, dict):
            n += _size(v)
        else:
            n += 9
    return n


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{v:,} {k}" for k, v in counts.items())


def _json(props: dict[str, Any]) -> str:
    return json.dumps(props, ensure_ascii=False) if props else "{}"


def _node_row(n: Node) -> dict[str, Any]:
    p = n.provenance
    row = {"id": n.id, "kind": n.kind, "name": n.name, "props": _json(n.props), "source": p.source, "sheet": p.sheet,
           "row": p.row, "batch": p.batch}
    return {k: v for k, v in row.items() if v is not None}


def _edge_row(e: Edge) -> dict[str, Any]:
    p = e.provenance
    props = {"id": e.id, "role": e.role, "valid_from": e.valid_from, "valid_to": e.valid_to, "origin": e.origin,
             "scope": e.scope, "props": _json(e.props), "source": p.source, "sheet": p.sheet, "row": p.row,
             "batch": p.batch}
    return {"src": e.src, "dst": e.dst, "p": {k: v for k, v in props.items() if v is not None}}


def _finding_row(f: Finding) -> dict[str, Any]:
    p = f.provenance
    row = {"n": f.n, "date": f.date, "type": f.type, "object_type": f.object_type, "object_id": f.object_id,
           "object_text": f.object_text, "inspector": f.inspector, "note": f.note, "props": _json(f.props),
           "source": p.source, "sheet": p.sheet, "row": p.row, "batch": p.batch}
    return {k: v for k, v in row.items() if v is not None}
