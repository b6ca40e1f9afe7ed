"""``push``: copy a project file into a Bolt server so that it lands whole or not at all.

A full push (the first, or ``replace``) writes a new copy of the graph under a fresh push id,
beside the one readers use, in UNWIND batches sized by rows and bytes: nodes first (each
batch returns the nodes' internal ids), then edges, findings and the duty log, which find
their ends by those ids rather than by an index lookup per row. One thread with a session of
its own sends the batches in order, so that reading the project and building the next batch
overlap the server's writing of this one. The push then checks that the server holds exactly
what was sent — as many nodes as distinct ids, every edge, finding, duty record and person
link — names it the head in one transaction (which counts the push's nodes again) and drops
the older copies. An incremental push (the server holds an earlier push of the same project)
sends only what the load batches since then added or changed, and the closures they made, in
one transaction that is checked before it commits; when a load batch since then was
reverted, the push is a full one. Either way a push killed half-way leaves the previous graph
readable, and its ``ZerenPush`` marker (state ``loading``) tells readers that a push did not
finish. A copy written offline by ``neo4j-admin database import`` (:mod:`zeren.graph.neo4j_import`,
marker state ``imported``) is finished by the next push: indexes, the same counts against what
its files held, the switch; then the load batches since, incrementally.

The project is read through :meth:`zeren.graph.store.Store.export` and ``batches()`` only.
The keyed-hash secret (``meta`` ``secret``) never leaves the project file.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from . import cypher
from .bolt import CANARY, _probe_canary, driver, refuse_unbound, run
from .errors import StoreError
from .model import DutyRecord, Edge, Finding, Node
from .neo4j_import import IMPORTED

__all__ = ["PushResult", "push"]

#: Meta values that stay in the project file.
PRIVATE_META = ("secret",)
COUNTED = ("nodes", "edges", "findings", "duty_records", "person_links")


@dataclass
class PushResult:
    """What a push sent and what the server was verified to hold afterwards."""

    uri: str
    database: str
    push_id: str
    mode: str  # full | incremental | unchanged | imported (an offline import verified and switched to)
    batch: int  # the project's last load batch, now on the server
    since: int | None = None  # an incremental push: the batch the server held before
    sent: dict[str, int] = field(default_factory=dict)  # nodes, edges, findings, duty_records, person_links, closures
    verified: dict[str, int] = field(default_factory=dict)  # what the server holds
    reason: str = ""  # why a push that could have been incremental was a full one

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _new_push_id() -> str:
    """A push's id: when it started, and random, so that nothing else ever writes under it."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4)


def push(store: Any, uri: str, *, database: str | None = None, replace: bool = False, batch_rows: int = 5000,
         max_bytes: int = 32_000_000, progress: Callable[[str, int], None] | None = None) -> PushResult:
    """Copy the project ``store`` into the server at ``uri`` (``database`` None: its home database).

    Refuses a server holding another project (or data that is not a zeren push) unless
    ``replace``; raises StoreError when the server's counts differ from what was sent.
    ``progress(what, rows)`` is called as batches land (from the writing thread, in a full
    push). Batches of 5,000 rows: with 50,000 the server spends ~50 % more CPU per row
    (larger transactions to sort and commit, more garbage) and writing overlaps less.
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
        return _Push(store, drv, session, uri, name, where, batch_rows, max_bytes, progress).run(replace)
    except (Neo4jError, DriverError) as err:
        text = str(err).splitlines()[0] if str(err) else ""
        raise StoreError(f"{where}: the push failed ({type(err).__name__}: {text}); the previous graph is "
                         "unchanged") from None
    finally:
        session.close()


class _Push:
    def __init__(self, store: Any, drv: Any, session: Any, uri: str, database: str, where: str, batch_rows: int,
                 max_bytes: int, progress: Callable[[str, int], None] | None):
        self.store, self.driver, self.session, self.uri, self.database, self.where = (
            store, drv, session, uri, database, where)
        self.batch_rows, self.max_bytes, self.progress = max(1, batch_rows), max(1000, max_bytes), progress
        self.push_id = _new_push_id()

    def q(self, query: str, **params: Any) -> list[Any]:
        return run(self.session, query, self.where, push=self.push_id, **params)[0]

    def run(self, replace: bool) -> PushResult:
        for statement in cypher.OLD_DDL + cypher.DDL:  # indexes before anything is loaded
            self.q(statement)
        self.q("CALL db.awaitIndexes(300)")
        state = self.q("OPTIONAL MATCH (h:ZerenHead) OPTIONAL MATCH (p:ZerenPush {id: h.push}) "
                       "RETURN p {.*} AS head")[0]["head"]
        export = self.store.export()
        batches = self.store.batches()
        last = max((b["id"] for b in batches), default=0)
        project = _project_id(export.meta)
        imported = self.q(f"MATCH (p:ZerenPush {{state: '{IMPORTED}'}}) RETURN p {{.*}} AS p ORDER BY p.started DESC "
                          "LIMIT 1")
        if imported and not replace:
            state = self._finish_import(imported[0]["p"], project, last)
            if int(state.get("batch") or 0) == last:
                return PushResult(self.uri, self.database, state["id"], "imported", last, None,
                                  json.loads(state["expected"]), state["verified"])
        if state is not None and not replace:
            if state.get("project") != project:
                raise StoreError(f"{self.where}: 服务器上是另一个项目 (holds another project, created "
                                 f"{state.get('project')}); replace it explicitly")
            since = int(state.get("batch") or 0)
            if since > last:
                raise StoreError(f"{self.where}: 服务器上的数据比本项目新 (holds load batch {since}, "
                                 f"this project only {last}); replace it explicitly")
            undone = [b["id"] for b in batches if b["id"] > since and b.get("mode") == "revert"]
            if not undone:
                self._drop_unfinished()
                return self._incremental(export, batches, state, last)
            reason = f"load batch {undone[0]} reverted an earlier load: the whole project is pushed again"
        elif state is None and not replace:
            foreign = self.q("MATCH (n) WHERE NOT (n:ZerenPush OR n:ZerenHead OR n.push IS NOT NULL) "
                             "RETURN count(n) AS c")[0]["c"]
            if foreign:
                raise StoreError(f"{self.where}: 数据库中已有 {foreign:,} 个非 zeren 节点 (holds {foreign:,} nodes that "
                                 "are not a zeren push); replace them explicitly")
            reason = ""
        else:
            reason = ""
        self._drop_unfinished()
        result = self._full(export, batches, last, project)
        result.reason = reason
        return result

    # -- a full push --------------------------------------------------------------------------
    def _full(self, export: Any, batches: list[dict[str, Any]], last: int, project: str) -> PushResult:
        self.q("CREATE (:ZerenPush {id: $push, state: 'loading', mode: 'full', project: $project, batch: $batch, "
               "meta: $meta, batches: $batches, started: $now})", project=project, batch=last,
               meta=_meta(export.meta), batches=json.dumps(batches, ensure_ascii=False), now=_now())
        ids: dict[str, int] = {}  # node id → the server's internal id, for the rows that follow

        def nodes_written(rows: list[Any], records: list[Any]) -> None:
            ids.update(records[0]["ids"])  # [id, internal id] pairs

        sent = dict.fromkeys(COUNTED, 0)
        latest = None
        with self._sender() as sender:
            out = _Batches(self._write, self.batch_rows, self.max_bytes, self.progress, sender)
            for n in export.nodes:
                out.add(cypher.create_nodes(n.kind), "nodes", _node_list(n), nodes_written)
                sent["nodes"] += 1
            out.flush()
            edges = []  # held until the ends that no node defines are made (a few)
            for e in export.edges:
                a, b = ids.get(e.src), ids.get(e.dst)
                if a is None or b is None or a < 0 or b < 0:
                    for end in (e.src, e.dst):
                        if end not in ids:
                            ids[end] = -1
                            out.add(cypher.create_missing(), "missing", {"id": end, "kind": end.split(":", 1)[0]},
                                    nodes_written)
                    edges.append(e)
                    continue
                out.add(cypher.create_edges(e.kind), "edges", _edge_list(a, b, e))
                sent["edges"] += 1
            out.flush()
            for e in edges:
                out.add(cypher.create_edges(e.kind), "edges", _edge_list(ids[e.src], ids[e.dst], e))
                sent["edges"] += 1
            for f in export.findings:
                out.add(cypher.create_findings(), "findings", {"o": ids.get(f.object_id), "p": _finding_row(f)})
                sent["findings"] += 1
                latest = f.date if latest is None or f.date > latest else latest
            for d in export.duty_records:
                out.add(cypher.create_duty_records(), "duty_records", _duty_row(d))
                sent["duty_records"] += 1
            for link in export.person_links:
                out.add(cypher.create_links(), "person_links", _link_row(link))
                sent["person_links"] += 1
            out.flush()
        expected = _expected(export)
        verified = self._counts(self.q)
        distinct = verified.pop("ids")
        if verified != expected or sent != expected or distinct != expected["nodes"]:
            self._drop_except(keep=None, only=self.push_id)
            raise StoreError(f"{self.where}: 推送校验失败，未启用 (the server holds {_fmt(verified)}, "
                             f"{distinct:,} distinct node ids, of {_fmt(expected)} sent; the push was discarded and "
                             "the previous graph is unchanged)")
        switched = self.session.execute_write(lambda tx: tx.run(
            "MATCH (p:ZerenPush {id: $push}) CALL () { MATCH (n:Node {push: $push}) WHERE n.missing IS NULL "
            "RETURN count(n) AS c } "
            "WITH p, c WHERE c = $nodes SET p.state = 'complete', p.finished = $now, p.latest = $latest "
            "MERGE (h:ZerenHead {key: 'head'}) SET h.push = $push RETURN count(*) AS n",
            push=self.push_id, now=_now(), nodes=expected["nodes"], latest=latest).single()["n"])
        if not switched:
            raise StoreError(f"{self.where}: 推送在启用前被改动 (another push removed part of this one before it "
                             "was switched to); push again")
        self._drop_except(keep=self.push_id)
        return PushResult(self.uri, self.database, self.push_id, "full", last, None, sent, verified)

    def _write(self, session: Any, query: str, rows: list[Any]) -> list[Any]:
        push_id = self.push_id
        return session.execute_write(lambda tx: list(tx.run(query, rows=rows, push=push_id)))

    @contextmanager
    def _sender(self) -> Iterator["_Sender"]:
        """The thread that writes a full push's batches, with a session of its own."""
        sender = _Sender(self.driver.session(database=self.database or None))
        failed = True
        try:
            yield sender
            failed = False
        finally:
            sender.stop(failed)

    # -- an offline import, verified and switched to ------------------------------------------
    def _finish_import(self, marker: dict[str, Any], project: str, last: int) -> dict[str, Any]:
        """Verify a copy written by ``neo4j-admin database import`` (see
        :mod:`zeren.graph.neo4j_import`) and switch readers to it, as a full push's last step;
        the indexes were created (and populated) by :meth:`run` before. A copy that does not
        hold what its files held is discarded. Returns the new head's marker."""
        push_id = marker["id"]
        if marker.get("project") != project:
            raise StoreError(f"{self.where}: 服务器上导入的是另一个项目 (the offline import there is of another "
                             f"project, created {marker.get('project')}); replace it explicitly")
        if int(marker.get("batch") or 0) > last:
            raise StoreError(f"{self.where}: 服务器上导入的数据比本项目新 (the import holds load batch "
                             f"{marker.get('batch')}, this project only {last}); replace it explicitly")
        expected = json.loads(marker.get("expected") or "{}")
        verified = self._counts(lambda query, **p: run(self.session, query, self.where, **{**p, "push": push_id})[0])
        distinct = verified.pop("ids")
        if verified != expected or distinct != expected.get("nodes"):
            self._drop_except(keep=None, only=push_id)
            raise StoreError(f"{self.where}: 导入校验失败，未启用 (the server holds {_fmt(verified)}, {distinct:,} "
                             f"distinct node ids, of {_fmt(expected)} in the import files; the import was discarded: "
                             "import again)")
        switched = self.session.execute_write(lambda tx: tx.run(
            "MATCH (p:ZerenPush {id: $push, state: $imported}) SET p.state = 'complete', p.finished = $now "
            "MERGE (h:ZerenHead {key: 'head'}) SET h.push = $push RETURN p {.*} AS p",
            push=push_id, imported=IMPORTED, now=_now()).single())
        if switched is None:
            raise StoreError(f"{self.where}: 导入在启用前被改动 (the import was changed before it was switched to); "
                             "push again")
        self._drop_except(keep=push_id)
        return {**switched["p"], "verified": verified}

    # -- an incremental push ------------------------------------------------------------------
    def _incremental(self, export: Any, batches: list[dict[str, Any]], head: dict[str, Any], last: int) -> PushResult:
        since = int(head.get("batch") or 0)
        base = head["id"]
        expected = _expected(export)
        if since == last:
            verified = self._counts(lambda query, **p: run(self.session, query, self.where, **{**p, "push": base})[0])
            verified.pop("ids")
            if verified != expected:
                raise StoreError(f"{self.where}: 服务器数据与项目不一致 (holds {_fmt(verified)}, the project "
                                 f"{_fmt(expected)}); push again with replace")
            return PushResult(self.uri, self.database, base, "unchanged", last, since, {}, verified)
        self.q("CREATE (:ZerenPush {id: $push, state: 'loading', mode: 'incremental', base: $base, started: $now})",
               base=base, now=_now())
        validity = {_key(r["id"], r["kind"], r["src"], r["dst"], r["role"]): (r["f"], r["t"]) for r in run(
            self.session, "MATCH (a:Node {push: $push})-[e]->(b) RETURN e.id AS id, type(e) AS kind, a.id AS src, "
            "b.id AS dst, e.role AS role, e.valid_from AS f, e.valid_to AS t", self.where, push=base)[0]}
        sent = dict.fromkeys((*COUNTED, "closures"), 0)
        latest = head.get("latest")
        tx = self.session.begin_transaction()
        try:
            def write(_: Any, query: str, rows: list[dict[str, Any]]) -> list[Any]:
                return list(tx.run(query, rows=rows, push=base))

            out = _Batches(write, self.batch_rows, self.max_bytes, self.progress)
            for n in export.nodes:
                if (n.provenance.batch or 0) > since:
                    out.add(cypher.upsert_nodes(n.kind), "nodes", _node_row(n))
                    sent["nodes"] += 1
            out.flush()
            for e in export.edges:
                key = _key(e.id, e.kind, e.src, e.dst, e.role)
                if key not in validity:
                    out.add(cypher.match_edges(e.kind), "edges", {"src": e.src, "dst": e.dst, "p": _edge_props(e),
                                                                  "sk": e.src.split(":", 1)[0],
                                                                  "dk": e.dst.split(":", 1)[0]})
                    sent["edges"] += 1
                elif validity[key] != (e.valid_from, e.valid_to) and e.id is not None:
                    out.add(cypher.set_validity(e.kind), "closures",
                            {"src": e.src, "id": e.id, "valid_from": e.valid_from, "valid_to": e.valid_to})
                    sent["closures"] += 1
            for f in export.findings:
                if (f.provenance.batch or 0) > since:
                    out.add(cypher.match_findings(), "findings", {"p": _finding_row(f)})
                    sent["findings"] += 1
                    latest = f.date if latest is None or f.date > latest else latest
            for d in export.duty_records:
                if (d.provenance.batch or 0) > since:
                    out.add(cypher.create_duty_records(), "duty_records", _duty_row(d))
                    sent["duty_records"] += 1
            out.flush()
            tx.run("MATCH (l:PersonLink {push: $push}) DELETE l", push=base).consume()  # the links, anew: few
            for link in export.person_links:
                out.add(cypher.create_links(), "person_links", _link_row(link))
                sent["person_links"] += 1
            out.flush()
            verified = self._counts(lambda query, **p: list(tx.run(query, {**p, "push": base})))
            distinct = verified.pop("ids")
            if verified != expected or distinct != expected["nodes"]:
                raise StoreError(f"{self.where}: 推送校验失败，未启用 (the server would hold {_fmt(verified)}, the "
                                 f"project {_fmt(expected)}; nothing was changed)")
            tx.run("MATCH (p:ZerenPush {id: $base}) SET p.batch = $batch, p.meta = $meta, p.batches = $batches, "
                   "p.latest = $latest, p.finished = $now WITH p MATCH (m:ZerenPush {id: $marker}) DELETE m",
                   base=base, batch=last, marker=self.push_id, meta=_meta(export.meta), latest=latest,
                   batches=json.dumps(batches, ensure_ascii=False), now=_now()).consume()
            tx.commit()
        finally:
            if tx.closed() is False:
                tx.rollback()
        return PushResult(self.uri, self.database, base, "incremental", last, since, sent, verified)

    # -- checks and clean-up --------------------------------------------------------------------
    @staticmethod
    def _counts(q: Callable[..., list[Any]]) -> dict[str, int]:
        row = q("CALL () { MATCH (n:Node {push: $push}) WHERE n.missing IS NULL "
                "RETURN count(n) AS nodes, count(DISTINCT n.id) AS ids } "
                "CALL () { MATCH (:Node {push: $push})-[e]->() RETURN count(e) AS edges } "
                "CALL () { MATCH (f:Finding {push: $push}) RETURN count(f) AS findings } "
                "CALL () { MATCH (d:DutyRecord {push: $push}) RETURN count(d) AS duty_records } "
                "CALL () { MATCH (l:PersonLink {push: $push}) RETURN count(l) AS person_links } "
                f"RETURN nodes, ids, {', '.join(COUNTED[1:])}")[0]
        return {k: row[k] for k in ("nodes", "ids", *COUNTED[1:])}

    def _drop_unfinished(self) -> None:
        """Pushes that never finished (killed, or failed): their markers and whatever they wrote."""
        for r in self.q("MATCH (p:ZerenPush) WHERE p.state <> 'complete' RETURN p.id AS id"):
            self._drop_except(keep=None, only=r["id"])

    def _drop_except(self, keep: str | None, only: str | None = None) -> None:
        """Delete one push (``only``), or everything older than the push ``keep`` (earlier
        pushes, their markers, anything not pushed by zeren); a push started later is left alone."""
        if only is not None:
            match = "MATCH (n) WHERE n.push = $old OR (n:ZerenPush AND n.id = $old)"
        else:
            match = ("MATCH (n) WHERE NOT n:ZerenHead AND coalesce(n.push, CASE WHEN n:ZerenPush THEN n.id END, '') "
                     "< $keep")
        # a node goes with its relationships: transactions of 2,000 nodes delete a county's copy
        # ~40 % faster than of 10,000 (measured on Neo4j 5.26, bench-bolt's second push)
        self.q(f"{match} CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 2000 ROWS", old=only, keep=keep)


class _Batches:
    """Rows grouped by query, sent when a group reaches ``rows`` rows or ``max_bytes`` bytes;
    a group's ``then`` gets its rows and the records the server returned for them.

    Without a sender, ``write(None, query, rows)`` runs in the caller's thread. With one (a
    thread with a session of its own), a batch is handed to it and the caller goes on reading
    the project and building the next batch while the server writes this one; ``flush`` waits
    until everything is written, and raises what a write raised."""

    def __init__(self, write: Callable[[Any, str, list[Any]], list[Any]], rows: int, max_bytes: int,
                 progress: Callable[[str, int], None] | None, sender: "_Sender | None" = None):
        self.write, self.rows, self.max_bytes, self.progress, self.sender = write, rows, max_bytes, progress, sender
        self.groups: dict[str, tuple[str, list[Any], list[int], Callable | None]] = {}

    def add(self, query: str, what: str, row: dict[str, Any] | list[Any],
            then: Callable[[list[Any], list[Any]], None] | None = None) -> None:
        group = self.groups.get(query)
        if group is None:
            group = self.groups[query] = (what, [], [0], then)
        group[1].append(row)
        group[2][0] += _size(row)
        if len(group[1]) >= self.rows or group[2][0] >= self.max_bytes:
            self._send(query)

    def _send(self, query: str) -> None:
        what, rows, _size_, then = self.groups.pop(query)
        if not rows:
            return
        if self.sender is None:
            self._write(None, query, what, rows, then)
        else:
            self.sender.submit(lambda session: self._write(session, query, what, rows, then))

    def _write(self, session: Any, query: str, what: str, rows: list[Any], then: Callable | None) -> None:
        records = self.write(session, query, rows)
        if then is not None:
            then(rows, records)
        if self.progress:
            self.progress(what, len(rows))

    def flush(self) -> None:
        for query in list(self.groups):
            self._send(query)
        if self.sender is not None:
            self.sender.wait()


class _Sender:
    """A thread with its own session that runs the writes handed to it, in order, at most
    ``depth`` waiting. The first error stops it; ``submit`` and ``wait`` raise it in the
    caller's thread."""

    def __init__(self, session: Any, depth: int = 2):
        import queue
        import threading

        self.session = session
        self.todo: Any = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.cancelled = False
        self.thread = threading.Thread(target=self._loop, name="zeren-push", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            job = self.todo.get()
            try:
                if job is None:
                    return
                if self.error is None and not self.cancelled:
                    job(self.session)
            except BaseException as err:  # noqa: BLE001 — handed to the caller's thread
                self.error = err
            finally:
                self.todo.task_done()

    def _raise(self) -> None:
        if self.error is not None:
            err, self.error = self.error, None
            self.cancelled = True  # what is queued behind a failed write is not sent
            raise err

    def submit(self, job: Callable[[Any], None]) -> None:
        self._raise()
        self.todo.put(job)

    def wait(self) -> None:
        self.todo.join()
        self._raise()

    def stop(self, failed: bool) -> None:
        """End the thread (after a failure, writes still queued are dropped: a push that did
        not get to its switch is discarded anyway) and close its session."""
        self.cancelled = self.cancelled or failed
        self.todo.put(None)
        self.thread.join()
        self.session.close()


def _size(row: dict[str, Any] | list[Any]) -> int:
    """Bytes a row takes on the wire, roughly (UTF-8 CJK is 3 bytes a character)."""
    values = row.values() if type(row) is dict else row
    n = 16 + 9 * len(values)
    for v in values:
        if type(v) is str:
            n += 3 * len(v) - 5
        elif type(v) is dict:
            n += _size(v)
    return n


def _expected(export: Any) -> dict[str, int]:
    return {"nodes": export.node_count, "edges": export.edge_count, "findings": export.finding_count,
            "duty_records": export.duty_record_count, "person_links": len(export.person_links)}


def _key(edge_id: int | None, kind: str, src: str, dst: str, role: str | None) -> Any:
    """What identifies an edge between pushes: its id, or for the registries' undated edges
    (a person's organisation, a post's owner), which have none, its ends."""
    return edge_id if edge_id is not None else (kind, src, dst, role or "")


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items())


def _project_id(meta: dict[str, str]) -> str:
    """Which project a push copies: its creation time and a digest of its secret (which itself
    stays in the file), so that two projects made in the same second are told apart."""
    import hashlib

    digest = hashlib.sha256(f"zeren-project:{meta.get('secret', '')}".encode()).hexdigest()[:16]
    return f"{meta.get('created', '')} {digest}"


def _meta(meta: dict[str, str]) -> str:
    return json.dumps({k: v for k, v in meta.items() if k not in PRIVATE_META}, ensure_ascii=False)


_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False), built once


def _json(props: dict[str, Any]) -> str:
    return _encode(props) if props else "{}"


def _node_row(n: Node) -> dict[str, Any]:
    p = n.provenance
    row = {"id": n.id, "kind": n.kind, "name": n.name, "props": _json(n.props), "source": p.source, "sheet": p.sheet,
           "row": p.row, "batch": p.batch}
    return {k: v for k, v in row.items() if v is not None}


def _node_list(n: Node) -> list[Any]:
    p = n.provenance
    return [n.id, n.kind, n.name, _json(n.props), p.source, p.sheet, p.row, p.batch]  # cypher.NODE_ROW


def _edge_list(a: int, b: int, e: Edge) -> list[Any]:
    p = e.provenance
    return [a, b, e.id, e.role, e.valid_from, e.valid_to, e.origin, e.scope, _json(e.props), p.source, p.sheet,
            p.row, p.batch]  # cypher.EDGE_ROW


def _edge_props(e: Edge) -> dict[str, Any]:
    p = e.provenance
    props = {"id": e.id, "role": e.role, "valid_from": e.valid_from, "valid_to": e.valid_to, "origin": e.origin,
             "scope": e.scope, "props": _json(e.props), "source": p.source, "sheet": p.sheet, "row": p.row,
             "batch": p.batch}
    return {k: v for k, v in props.items() if v is not None}


def _finding_row(f: Finding) -> dict[str, Any]:
    p = f.provenance
    row = {"n": f.n, "date": f.date, "type": f.type, "object_type": f.object_type, "object_id": f.object_id,
           "object_text": f.object_text, "inspector": f.inspector, "note": f.note, "props": _json(f.props),
           "source": p.source, "sheet": p.sheet, "row": p.row, "batch": p.batch}
    return {k: v for k, v in row.items() if v is not None}


def _duty_row(d: DutyRecord) -> dict[str, Any]:
    p = d.provenance
    row = {"n": d.n, "date": d.date, "subject_id": d.subject_id, "subject_text": d.subject_text, "item": d.item,
           "object_id": d.object_id, "object_text": d.object_text, "days": d.days, "note": d.note,
           "props": _json(d.props), "source": p.source, "sheet": p.sheet, "row": p.row, "batch": p.batch}
    return {k: v for k, v in row.items() if v is not None}


def _link_row(link: tuple[str, str, int | None, str]) -> dict[str, Any]:
    a, b, batch, note = link
    return {k: v for k, v in {"a": a, "b": b, "batch": batch, "note": note or ""}.items() if v is not None}
