"""The server store: a project pushed to a Bolt server (Neo4j 5, Aura), read like the project file.

``BoltStore.connect(uri)`` implements :class:`zeren.graph.model.ReadStore` with the same answers
as :class:`zeren.graph.store.Store`; :func:`push` (in :mod:`zeren.graph.bolt_push`) copies a
project there. Labels and relationship types come from the project's domain pack
(:mod:`zeren.graph.cypher`); every value is a query parameter, and a server that does not
bind parameters (FalkorDB 4.16 pastes them into the query text) is refused before anything
is read or written.

A command reads one push (the one ``ZerenHead`` named when it connected). Role paths are
walked on the server (:meth:`BoltStore.prefetch`, compiled by :mod:`zeren.graph.bolt_walk`): a
trace's in one query, a check's one level per query for all its findings at once; what comes
back serves the resolver's ``edges()`` and ``node()`` calls from memory, filtered by role
and date exactly as the file store does.

Credentials come from ``ZEREN_BOLT_USER`` / ``ZEREN_BOLT_PASSWORD`` or the config file
``~/.config/zeren/bolt.toml`` (``user = …``, ``password = …``), never from the command line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cypher
from .bolt_walk import Walk, Walks, fetch_query, kind_of, walk_query
from .errors import NotFound, StoreError
from .model import DutyRecord, Edge, Finding, Node, Provenance
from .storebase import StoreBase

if TYPE_CHECKING:
    from .rules import RolePath

__all__ = ["BoltStore", "push", "credentials", "close_drivers", "CANARY"]

_CONFIG = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "zeren" / "bolt.toml"

#: Sent as a parameter and expected back unchanged: a server that pastes parameter values into
#: the query text (FalkorDB 4.16) mangles it or fails, and is refused.
CANARY = "zeren' q='canary"  # FalkorDB 4.16 answers "zeren" (it reads the rest as query text)


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


def driver(uri: str) -> Any:
    """One driver (one connection pool) per server and user for the whole process.

    No probe round trip here: the first query connects, and a failure there is reported
    as a connection error (see :func:`run`)."""
    user, password = credentials()
    key = (uri, user, password)
    if key not in _DRIVERS:
        from neo4j import GraphDatabase

        try:
            drv = GraphDatabase.driver(uri, auth=(user, password), connection_timeout=10,
                                       max_transaction_retry_time=5, notifications_min_severity="OFF")
        except Exception as err:  # ConfigurationError, ValueError: a malformed URI
            raise StoreError(f"{uri}: not a Bolt address ({_first_line(err)})") from None
        if not _DRIVERS:
            import atexit

            atexit.register(close_drivers)
        _DRIVERS[key] = drv
    return _DRIVERS[key]


def close_drivers() -> None:
    """Close every driver this process opened."""
    while _DRIVERS:
        _DRIVERS.popitem()[1].close()


def _first_line(err: BaseException) -> str:
    text = getattr(err, "message", None) or str(err)
    return f"{type(err).__name__}: {text.splitlines()[0]}" if text else type(err).__name__


class _Summary:
    def __init__(self, database: str | None):
        self.database = database


class _WireSession:
    """A read session over :mod:`zeren.graph.bolt_wire` (a direct ``bolt://`` address): the part
    of the driver's session the store uses. It connects at its first query, as the driver does."""

    def __init__(self, uri: str, database: str | None):
        self.uri = uri
        self.database = database
        self._conn: Any = None

    def query(self, query: str, params: dict[str, Any]) -> tuple[list[Any], _Summary]:
        from .bolt_wire import Connection

        if self._conn is None:
            self._conn = Connection(self.uri, *credentials())
        records, meta = self._conn.run(query, params, self.database)
        return records, _Summary(meta.get("db"))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def read_session(uri: str, database: str | None) -> Any:
    """A session for reading: a direct address (``bolt://``, ``bolt+s://``, ``bolt+ssc://``) over
    zeren's own small client (:mod:`zeren.graph.bolt_wire`: no 150 ms driver import before a
    trace), a routing one (``neo4j://``, Aura) or any when ``ZEREN_BOLT_DRIVER=neo4j`` through
    the official driver."""
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme in ("bolt", "bolt+s", "bolt+ssc") and os.environ.get("ZEREN_BOLT_DRIVER", "") != "neo4j":
        return _WireSession(uri, database)
    return driver(uri).session(database=database)


def _connect_error(where: str, err: BaseException) -> StoreError:
    return StoreError(f"{where}: cannot connect to the Bolt server ({_first_line(err)}); "
                      "check the address and ZEREN_BOLT_USER / ZEREN_BOLT_PASSWORD")


def run(session: Any, query: str, where: str, **params: Any) -> tuple[list[Any], Any]:
    """Run one auto-commit query: (records, summary); a driver error is one StoreError."""
    if isinstance(session, _WireSession):
        from .bolt_wire import BoltFailure, ConnectFailure

        try:
            return session.query(query, params)
        except ConnectFailure as err:
            raise _connect_error(where, err) from None
        except BoltFailure as err:  # the server's refusal (QueryFailure) or a broken stream
            raise StoreError(f"{where}: the Bolt server failed a query ({_first_line(err)}); retry") from None

    from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

    try:
        result = session.run(query, params)
        records = list(result)
        return records, result.consume()
    except (AuthError, OSError) as err:
        raise _connect_error(where, err) from None
    except ServiceUnavailable as err:
        if str(err).startswith(("Couldn't connect", "Unable to retrieve routing")):
            raise _connect_error(where, err) from None
        raise StoreError(f"{where}: the Bolt server failed a query ({_first_line(err)}); retry") from None
    except (Neo4jError, DriverError) as err:
        raise StoreError(f"{where}: the Bolt server failed a query ({_first_line(err)}); retry") from None


def refuse_unbound(canary: Any, where: str) -> None:
    """Refuse a server that did not send the canary parameter back unchanged."""
    if canary != CANARY:
        raise StoreError(f"{where}: 该服务器不绑定查询参数，会把数据当作查询执行，拒绝使用 (the server pastes parameter "
                         "values into the query text, so a name with a quote could rewrite the graph; FalkorDB 4.16 "
                         "does this: use Neo4j 5)")


def _probe_canary(session: Any, where: str) -> None:
    """After a failed query: was it a server that does not bind parameters? (Refuse it if so.)"""
    try:
        records, _ = run(session, "RETURN $canary AS canary", where, canary=CANARY)
    except StoreError:
        return
    refuse_unbound(records[0]["canary"] if records else None, where)


_HEAD = ("OPTIONAL MATCH (h:ZerenHead) OPTIONAL MATCH (p:ZerenPush {id: h.push}) WITH p "
         "OPTIONAL MATCH (u:ZerenPush) WHERE u.state <> 'complete' "
         "RETURN $canary AS canary, p {.*} AS head, collect(u {.id, .started, .mode}) AS unfinished")
_AdjKey = tuple[str, str, str]  # (node, out | in, edge kind)


class BoltStore(StoreBase):
    """Read access to the project a Bolt server holds; the interface of the project file."""

    def __init__(self, session: Any, database: str, uri: str, head: dict[str, Any], unfinished: list[dict]):
        self._session = session
        self.database = database
        self.uri = uri
        self.path = uri if database in ("", "neo4j") else f"{uri} ({database})"
        self.push_id: str = head["id"]
        self.head = head
        self._meta: dict[str, str] = json.loads(head.get("meta") or "{}")
        self.warnings = [f"{self.path}: 有一次推送未完成（{u.get('started')} 开始），读取的是上一次完整推送 "
                         f"{head.get('finished')} (a push did not finish; reading the previous complete one)"
                         for u in unfinished]
        self._nodes: dict[str, Node | None] = {}
        self._adj: dict[_AdjKey, list[Edge]] = {}  # every edge of a kind at a node, any role, any date
        self._findings: dict[int, Finding] = {}
        self._walks: Walks | None = None
        self._located: dict[tuple[str, str, str], dict[str, list[str]] | None] = {}
        self._pending: dict[str, set[str]] = {}  # kind → ids met as edge ends whose nodes are not fetched

    @classmethod
    def connect(cls, uri: str, database: str | None = None) -> "BoltStore":
        """Open the project at ``uri``; ``database`` None means the server's home database."""
        session = read_session(uri, database)
        try:
            try:
                records, summary = run(session, _HEAD, uri, canary=CANARY)
            except StoreError:
                _probe_canary(session, uri)
                raise
            row = records[0]
            refuse_unbound(row["canary"], uri)
            name = summary.database or database or ""
            where = uri if name in ("", "neo4j") else f"{uri} ({name})"
            if row["head"] is None:
                if any(u.get("mode") == "import" for u in row["unfinished"]):
                    raise StoreError(f"{where}: 离线导入尚未核对启用 (an offline import there is not verified yet: "
                                     "run `zeren push` to this server from its project)")
                if row["unfinished"]:
                    raise StoreError(f"{where}: 推送未完成，没有可读的数据 (the only push, started "
                                     f"{row['unfinished'][0].get('started')}, did not finish; push again)")
                raise StoreError(f"{where}: 没有 zeren 项目 (no zeren project there; push one first)")
        except BaseException:
            session.close()
            raise
        return cls(session, name, uri, row["head"], row["unfinished"])

    def close(self) -> None:
        """Close the session; the driver stays, shared for the process (see :func:`close_drivers`)."""
        self._session.close()

    def _run(self, query: str, **params: Any) -> list[Any]:
        return run(self._session, query, self.path, push=self.push_id, **params)[0]

    # -- the ReadStore interface ------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        return self._meta.get(key)

    def batches(self) -> list[dict[str, Any]]:
        """The project's load register as it was when pushed."""
        return json.loads(self.head.get("batches") or "[]")

    def node(self, node_id: str) -> Node | None:
        if node_id not in self._nodes:
            # with it, the nodes of its kind this store has seen only as edge ends: a query that
            # names a set of them one by one (every holder of a duty) costs one round trip
            pending = self._pending.get(kind_of(node_id), set())
            pending.discard(node_id)
            batch = [pending.pop() for _ in range(min(len(pending), _SIBLINGS))]
            self.nodes_by_id([node_id, *(i for i in batch if i not in self._nodes)])
        return self._nodes[node_id]

    def nodes_by_id(self, ids: Sequence[str]) -> list[Node]:
        missing = [i for i in dict.fromkeys(ids) if i not in self._nodes]
        if missing:
            rows = self._run(f"UNWIND $ids AS id MATCH (n:Node {{push: $push, id: id}}) "
                             f"RETURN {cypher.node_map('n')} AS n", ids=missing)
            for i in missing:
                self._nodes[i] = None
            for r in rows:
                self._nodes[r["n"]["id"]] = _node(r["n"])
        return [n for n in (self._nodes[i] for i in dict.fromkeys(ids)) if n is not None]

    def node_ids(self, kind: str) -> set[str]:
        ids = {r["id"] for r in self._run(f"MATCH (n:{cypher.label(kind)} {{push: $push}}) RETURN n.id AS id")}
        self._pending.setdefault(kind, set()).update(i for i in ids if i not in self._nodes)
        return ids

    def counts(self) -> dict[str, int]:
        rows = self._run("MATCH (n:Node {push: $push}) WHERE n.missing IS NULL RETURN n.kind AS kind, count(n) AS c")
        out = {r["kind"]: r["c"] for r in sorted(rows, key=lambda r: r["kind"])}
        out["finding"] = self._run("MATCH (f:Finding {push: $push}) RETURN count(f) AS c")[0]["c"]
        return out

    def edges(self, *, src: str | None = None, dst: str | None = None, kinds: Iterable[str] | None = None,
              role: str | None = None, at: str | None = None, origin: str | None = None,
              scope: str | None = None) -> list[Edge]:
        kinds = tuple(dict.fromkeys(kinds)) if kinds is not None else None
        if (src is None) != (dst is None) and kinds is not None and origin is None and scope is None:
            node, direction = (src, "out") if src is not None else (dst, "in")
            missing = tuple(sorted(k for k in kinds if (node, direction, k) not in self._adj))
            if missing:
                self._fetch({(node, direction, missing), *self._siblings(node, direction, missing)})
            found = [e for k in kinds for e in self._adj[(node, direction, k)]]
            if role is not None:
                found = [e for e in found if e.role == role]
        else:
            found = self._edges_query(src, dst, kinds, role, origin, scope)
        if at is not None:
            found = [e for e in found if e.valid_at(at)]
        return sorted(found, key=_edge_order)

    def edge_ends(self, kind: str, role: str, at: str, src_kind: str | None = None) -> list[tuple[str, str]]:
        kind_is = "a.kind = $src_kind AND " if src_kind else ""  # by id, as the file: missing ends too
        rows = self._run(f"MATCH (a:Node {{push: $push}})-[e:{cypher.rel(kind)}]->(b) WHERE {kind_is}e.role = $role "
                         f"AND {_VALID_AT} RETURN a.id AS src, b.id AS dst", role=role, at=at, src_kind=src_kind)
        return [(r["src"], r["dst"]) for r in rows]

    def persons(self, name: str, org: str | None = None) -> list[tuple[str, str, str | None]]:
        """(id, name, organisation id) of the persons of one name (in one organisation)."""
        rows = self._run(f"MATCH (n:{cypher.label('person')} {{push: $push, name: $name}}) "
                         "RETURN n.id AS id, n.name AS name, n.props AS props", name=name)
        out = [(r["id"], r["name"], _props(r["props"]).get("org_id")) for r in rows]
        return sorted(x for x in out if org is None or x[2] == org)

    def person_links(self, ids: Sequence[str]) -> list[tuple[str, str, int | None, str]]:
        """(a, b, batch, note) of the confirmed links of these persons (stored both ways)."""
        rows = self._run("UNWIND $ids AS i MATCH (l:PersonLink {push: $push, a: i}) "
                         "RETURN l.a AS a, l.b AS b, l.batch AS batch, l.note AS note", ids=list(ids))
        return sorted((r["a"], r["b"], r["batch"], r["note"] or "") for r in rows)

    def count_located(self, kind: str, village_ids: Sequence[str], date_from: str, date_to: str) -> int:
        """The distinct ``kind`` nodes tied to these places (their parents) during the window.

        The first call asks for these places; a second one for the same window (a check measures
        every scope) fetches the members of every place once, and counts in memory."""
        k = self.rulebook.model.kinds[kind]
        if not k.parent:
            return 0
        edge = f"[e:{cypher.rel(k.parent_edge)}]"
        tie = f"<-{edge}-" if not k.parent_reverse else f"-{edge}->"
        window = ("WHERE e.role = $role AND (e.valid_from IS NULL OR e.valid_from <= $hi) "
                  "AND (e.valid_to IS NULL OR e.valid_to >= $lo)")
        key = (kind, date_from, date_to)
        if key not in self._located:
            self._located[key] = None
            rows = self._run(f"UNWIND $places AS v MATCH (:Node {{push: $push, id: v}}){tie}(x) "
                             f"{window} AND x.kind = $kind RETURN count(DISTINCT x) AS c", kind=kind,
                             places=list(dict.fromkeys(village_ids)), role=k.parent_role, lo=date_from, hi=date_to)
            return int(rows[0]["c"]) if rows else 0
        if self._located[key] is None:
            rows = self._run(f"MATCH (v:{cypher.label(k.parent)} {{push: $push}}){tie}(x) {window} AND x.kind = $kind "
                             "RETURN v.id AS v, collect(x.id) AS xs", role=k.parent_role, lo=date_from, hi=date_to,
                             kind=kind)
            self._located[key] = {r["v"]: r["xs"] for r in rows}
        located = self._located[key]
        return len(set().union(*(located.get(v, ()) for v in village_ids)))

    def findings(self, date_from: str | None = None, date_to: str | None = None,
                 object_id: str | None = None) -> list[Finding]:
        where = ["f.push = $push"]
        if date_from:
            where.append("f.date >= $lo")
        if date_to:
            where.append("f.date <= $hi")
        if object_id:
            where.append("f.object_id = $object")
        rows = self._run(f"MATCH (f:Finding) WHERE {' AND '.join(where)} RETURN {cypher.finding_map('f')} AS f",
                         lo=date_from, hi=date_to, object=object_id)
        found = self._keep(rows)
        if object_id is None:  # a check: every rule's walk from every object, in a few round trips
            self.prefetch(list(dict.fromkeys(f.object_id for f in found)), self.walks.rule_paths())
        return found

    def latest_finding_date(self) -> str | None:
        if "latest" in self.head:
            return self.head["latest"]
        rows = self._run("MATCH (f:Finding {push: $push}) RETURN max(f.date) AS d")
        return rows[0]["d"] if rows else None

    def findings_within(self, village_ids: Sequence[str], township_id: str, date_from: str, date_to: str,
                        types: Sequence[str]) -> list[Finding]:
        """Findings of ``types`` in the window on the scope itself, these places (its children),
        or anything tied to them as to a parent (by structure, whatever the date: callers check
        the date)."""
        ties = sorted({(k.parent_edge, k.parent_role, k.parent_reverse)
                       for k in self.rulebook.model.kinds.values() if k.parent})
        # only the ties' relationship types are expanded (a household's other edges are not read)
        typed = ":" + "|".join(sorted({cypher.rel(e) for e, _, _ in ties})) if ties else ""
        rows = self._run(
            "MATCH (f:Finding) WHERE f.push = $push AND f.date >= $lo AND f.date <= $hi AND f.type IN $types "
            "AND (f.object_id = $scope OR f.object_id IN $places OR EXISTS { "
            f"MATCH (:Node {{push: $push, id: f.object_id}})-[e{typed}]-(p:Node) WHERE p.id IN $places AND any(t IN $ties "
            "WHERE type(e) = t.edge AND e.role = t.role AND (CASE WHEN t.reverse THEN startNode(e) = p "
            f"ELSE endNode(e) = p END)) }}) RETURN {cypher.finding_map('f')} AS f",
            lo=date_from, hi=date_to, types=list(types), scope=township_id, places=list(village_ids),
            ties=[{"edge": e, "role": r, "reverse": rev} for e, r, rev in ties])
        found = self._keep(rows)
        self.prefetch(list(dict.fromkeys(f.object_id for f in found)), self.walks.rule_paths())
        return found

    def finding(self, n: int) -> Finding:
        n = int(n)
        if n not in self._findings:
            rows = self._run(f"MATCH (f:Finding {{push: $push, n: $n}}) RETURN {cypher.finding_map('f')} AS f", n=n)
            if not rows:
                raise NotFound(f"督查发现 {n} 不在项目中 (no finding number {n})")
            self._keep(rows)
        return self._findings[n]

    def duty_records(self, date_from: str | None = None, date_to: str | None = None,
                     items: Sequence[str] | None = None, subject_id: str | None = None) -> list[DutyRecord]:
        """Duty-log records in a window (inclusive), of some 履职事项, or of one subject."""
        where = ["d.push = $push"]
        for cond, val in (("d.date >= $lo", date_from), ("d.date <= $hi", date_to),
                          ("d.subject_id = $subject", subject_id)):
            if val:
                where.append(cond)
        if items is not None:
            where.append("d.item IN $items")
        rows = self._run(f"MATCH (d:DutyRecord) WHERE {' AND '.join(where)} RETURN {cypher.duty_map('d')} AS d",
                         lo=date_from, hi=date_to, subject=subject_id, items=list(items or ()))
        found = sorted((_duty(r["d"]) for r in rows), key=lambda d: (d.date, d.n))
        # what judging them reads: who performed (a person's organisation) and where (lifted)
        self.nodes_by_id([d.subject_id for d in found])
        self.prefetch([d.object_id for d in found if d.object_id and d.object_id not in self._nodes], [])
        return found

    # -- walks ---------------------------------------------------------------------------------
    @property
    def walks(self) -> Walks:
        if self._walks is None:
            self._walks = Walks(self.rulebook)
        return self._walks

    def prefetch(self, starts: Sequence[str], paths: Sequence[RolePath] | None = None) -> None:
        """Fetch every edge the resolver will ask for when it walks these role paths from these
        starts (``paths`` None: everything a trace walks), with the lifts to every scope and the
        places below the scopes threshold rules measure: whole neighbourhoods, every date, so
        that any day's walk is answered from memory.

        A few starts (a trace) are walked in one query; many (a check's findings) level by
        level, one query per level, where typed expansions are cheaper than one generic walk.
        """
        chosen = None if paths is None else list(paths)
        frontier = {s: set(self.walks.from_kind(kind_of(s), chosen)) for s in dict.fromkeys(starts)}
        frontier = {s: w for s, w in frontier.items() if w}
        if not frontier:
            return
        if len(frontier) <= _ONE_QUERY_STARTS:
            self._walk_once(frontier)
        else:
            self._walk_levels(frontier)

    def _walk_once(self, frontier: dict[str, set[Walk]]) -> None:
        """The walks as a small automaton (a state per remaining sequence of hops) that the
        server runs level by level inside one query."""
        states: dict[Walk, int] = {}
        fetches: dict[tuple[str, tuple[str, ...]], int] = {}
        hops: list[dict[str, Any]] = []

        def state(walk: Walk) -> int:
            if walk not in states:
                nxt = state(walk[1:]) if len(walk) > 1 else -1
                hop = walk[0]
                states[walk] = len(hops)
                hops.append({"fetch": fetches.setdefault(hop.fetch, len(fetches)), "role": hop.role,
                             "target": hop.target, "next": nxt, "depth": len(walk)})
            return states[walk]

        starts = [{"id": start, "s": sorted({state(w) for w in walks})} for start, walks in frontier.items()]
        fetch = [{"out": d == "out", "kinds": list(k)} for (d, k) in fetches]
        depth = max(self.walks.depth, max(h["depth"] for h in hops))  # one text, planned once, per rulebook
        rows = self._run(walk_query(depth), starts=starts, hops=hops, fetches=fetch)
        for start in frontier:
            self._nodes.setdefault(start, None)
        if not rows:
            return
        for x in rows[0]["xs"]:
            self._nodes[x["id"]] = _node(x)
        for r in rows[0]["found"]:
            f = fetch[r["k"]]
            self._keep_edges(r["x"], "out" if f["out"] else "in", f["kinds"], r["es"], r["ys"])

    def _walk_levels(self, frontier: dict[str, set[Walk]]) -> None:
        """The walks one level per round trip, with typed expansions (:meth:`_fetch`)."""
        starts = [s for s in frontier if s not in self._nodes]
        if starts:
            self.nodes_by_id(starts)
        while frontier:
            wanted: dict[tuple[str, str], set[str]] = {}
            for node, walks in frontier.items():
                for walk in walks:
                    wanted.setdefault((node, walk[0].direction), set()).update(walk[0].kinds)
            self._fetch({(node, d, tuple(sorted(k for k in kinds if (node, d, k) not in self._adj)))
                         for (node, d), kinds in wanted.items()})
            nxt: dict[str, set[Walk]] = {}
            for node, walks in frontier.items():
                for walk in walks:
                    hop, rest = walk[0], walk[1:]
                    if not rest:
                        continue
                    for k in hop.kinds:
                        for e in self._adj[(node, hop.direction, k)]:
                            other = e.dst if hop.direction == "out" else e.src
                            if kind_of(other) == hop.target and (hop.role is None or e.role == hop.role):
                                nxt.setdefault(other, set()).add(rest)
            frontier = nxt

    def _siblings(self, node: str, direction: str, kinds: tuple[str, ...]) -> set[tuple[str, str, tuple[str, ...]]]:
        """On a miss, the same step for the other nodes of that kind this store has met and not
        yet expanded so: a query that visits a place's children one by one (an org chart, the
        duties of every holder) then costs a round trip per level, not per node."""
        prefix = kind_of(node) + ":"
        out = set()
        for other, known in self._nodes.items():
            if known is not None and other != node and other.startswith(prefix):
                todo = tuple(k for k in kinds if (other, direction, k) not in self._adj)
                if todo:
                    out.add((other, direction, todo))
                    if len(out) >= _SIBLINGS:
                        break
        return out

    def _fetch(self, keys: set[tuple[str, str, tuple[str, ...]]]) -> None:
        """One round trip: every edge (any role, any date) of each kind for each (node,
        direction, kinds) key, and the nodes at both ends; one typed branch per (direction,
        kinds), in a canonical order."""
        keys = {k for k in keys if k[2]}
        if not keys:
            return
        index = dict(enumerate(sorted(keys)))
        groups: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
        for i, (node, direction, kinds) in index.items():
            groups.setdefault((direction, kinds), []).append({"k": i, "id": node, "x": node not in self._nodes})
            for k in kinds:
                self._adj[(node, direction, k)] = []
        order = tuple(sorted(groups))
        for r in self._run(fetch_query(order), **{f"g{i}": groups[g] for i, g in enumerate(order)}):
            node, direction, kinds = index[r["k"]]
            if r["x"] is not None:
                self._nodes[node] = _node(r["x"])
            self._keep_edges(node, direction, kinds, r["es"], r["ys"])
        for node, _, _ in keys:
            self._nodes.setdefault(node, None)

    def _keep_edges(self, node: str, direction: str, kinds: Sequence[str], es: list[dict], ys: list[dict]) -> None:
        found: dict[str, list[Edge]] = {k: [] for k in kinds}
        for e, y in zip(es, ys):
            other = y["id"]
            if other not in self._nodes or self._nodes[other] is None:
                self._nodes[other] = _node(y)
            src, dst = (node, other) if direction == "out" else (other, node)
            found.setdefault(e["kind"], []).append(_edge(e, src, dst))
        for k, edges in found.items():
            self._adj[(node, direction, k)] = edges

    def _edges_query(self, src, dst, kinds, role, origin, scope) -> list[Edge]:
        a = "(a:Node {push: $push, id: $src})" if src is not None else "(a:Node {push: $push})"
        b = "(b:Node {push: $push, id: $dst})" if dst is not None else "(b:Node)"
        if kinds is not None and not kinds:
            return []
        types = ":" + "|".join(cypher.rel(k) for k in kinds) if kinds else ""
        where = [f"e.{p} = ${p}" for p, v in (("role", role), ("origin", origin), ("scope", scope)) if v is not None]
        query = f"MATCH {a}-[e{types}]->{b}" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self._run(f"{query} RETURN {cypher.edge_map('e')} AS e, a.id AS src, b.id AS dst",
                         src=src, dst=dst, role=role, origin=origin, scope=scope)
        found = [_edge(r["e"], r["src"], r["dst"]) for r in rows]
        for e in found:
            for end in (e.src, e.dst):
                if end not in self._nodes:
                    self._pending.setdefault(kind_of(end), set()).add(end)
        return found

    def _keep(self, rows: list[Any]) -> list[Finding]:
        found = [_finding(r["f"]) for r in rows]
        for f in found:
            self._findings[f.n] = f
        return sorted(found, key=lambda f: (f.date, f.n))


_VALID_AT = "(e.valid_from IS NULL OR e.valid_from <= $at) AND (e.valid_to IS NULL OR e.valid_to >= $at)"
_ONE_QUERY_STARTS = 32  # up to this many starts, a prefetch is one query (see BoltStore.prefetch)
_SIBLINGS = 2000  # at most this many other nodes expanded along with a miss


def _edge_order(e: Edge) -> tuple[str, int, str, str]:
    return (e.valid_from or "", e.id or 0, e.src, e.dst)  # as the project file sorts them


def _props(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text and text != "{}" else {}


def _prov(r: dict[str, Any]) -> Provenance:
    return Provenance(r.get("source"), r.get("sheet"), r.get("row"), r.get("batch"))


def _node(r: dict[str, Any]) -> Node | None:
    if r.get("missing"):  # an edge's end the project does not hold
        return None
    return Node(r["id"], r["kind"], r["name"], _props(r.get("props")), _prov(r))


def _edge(r: dict[str, Any], src: str, dst: str) -> Edge:
    return Edge(r["kind"], src, dst, r.get("role") or "", r.get("valid_from"), r.get("valid_to"),
                _props(r.get("props")), _prov(r), id=r.get("id"), origin=r.get("origin") or "",
                scope=r.get("scope") or "")


def _finding(r: dict[str, Any]) -> Finding:
    return Finding(r["n"], r["date"], r["type"], r["object_type"], r["object_id"], r["object_text"],
                   r.get("inspector") or "", r.get("note") or "", _props(r.get("props")), _prov(r))


def _duty(r: dict[str, Any]) -> DutyRecord:
    return DutyRecord(r["n"], r["date"], r["subject_id"], r["subject_text"], r["item"], r.get("object_id"),
                      r.get("object_text") or "", r.get("days"), r.get("note") or "", _props(r.get("props")), _prov(r))


def push(store: Any, uri: str, **options: Any):
    """Copy a project into the server at ``uri``: see :func:`zeren.graph.bolt_push.push`."""
    from .bolt_push import push as _push

    return _push(store, uri, **options)
