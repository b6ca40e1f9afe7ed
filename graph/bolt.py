"""The server store: a project pushed to a Bolt server (Neo4j 5, Aura), read like the project file.

``BoltStore.connect(uri)`` implements :class:`zeren.graph.model.ReadStore` with the same answers
as :class:`zeren.graph.store.Store`; :func:`push` (in :mod:`zeren.graph.bolt_push`) copies a
project there. The Cypher is generated in :mod:`zeren.graph.cypher`; every value is a query
parameter, and a server that does not bind parameters (FalkorDB 4.16 pastes them into the
query text) is refused before anything is read or written.

A command reads one push (the one ``ZerenHead`` named when it connected). Role
paths are walked on the server (:meth:`BoltStore.prefetch`): a trace's in one query, a check's
one level per query for all its findings at once; what comes back serves the resolver's
``edges()`` and ``node()`` calls from memory, filtered by date exactly as the file store does.

Credentials come from ``ZEREN_BOLT_USER`` / ``ZEREN_BOLT_PASSWORD`` or the config file
``~/.config/zeren/bolt.toml`` (``user = …``, ``password = …``), never from the command line.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cypher, schema
from .errors import NotFound, StoreError
from .model import Edge, Finding, Node, Provenance
from .store import StoreBase

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


def run(session: Any, query: str, where: str, **params: Any) -> tuple[list[Any], Any]:
    """Run one auto-commit query: (records, summary); a driver error is one StoreError."""
    from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

    try:
        result = session.run(query, params)
        records = list(result)
        return records, result.consume()
    except (AuthError, OSError) as err:
        raise StoreError(f"{where}: cannot connect to the Bolt server ({_first_line(err)}); "
                         "check the address and ZEREN_BOLT_USER / ZEREN_BOLT_PASSWORD") from None
    except ServiceUnavailable as err:
        if str(err).startswith(("Couldn't connect", "Unable to retrieve routing")):
            raise StoreError(f"{where}: cannot connect to the Bolt server ({_first_line(err)}); "
                             "check the address and ZEREN_BOLT_USER / ZEREN_BOLT_PASSWORD") from None
        raise StoreError(f"{where}: the Bolt server failed a query ({_first_line(err)}); retry") from None
    except (Neo4jError, DriverError) as err:
        raise StoreError(f"{where}: the Bolt server failed a query ({_first_line(err)}); retry") from None


def _records(session: Any, query: str, params: dict[str, Any], where: str) -> list[Any]:
    """The records of one auto-commit query (see :func:`run`)."""
    return run(session, query, where, **params)[0]


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


@dataclass(frozen=True)
class Hop:
    """One step of a walk: edges of ``kinds`` in ``direction`` with ``role`` (None: any)."""

    direction: str  # out | in
    kinds: tuple[str, ...]
    role: str | None
    target: str  # the node kind reached

    def key(self, node: str) -> tuple[str, str, tuple[str, ...], str | None]:
        return (node, self.direction, self.kinds, self.role)


_HEAD = ("OPTIONAL MATCH (h:ZerenHead) OPTIONAL MATCH (p:ZerenPush {id: h.push}) WITH p "
         "OPTIONAL MATCH (u:ZerenPush) WHERE u.state <> 'complete' "
         "RETURN $canary AS canary, p {.*} AS head, collect(u {.id, .started, .mode}) AS unfinished")


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
        self._adj: dict[tuple[str, str, tuple[str, ...], str | None], list[Edge]] = {}
        self._findings: dict[int, Finding] = {}
        self._rule_paths: list[RolePath] | None = None
        self._located: dict[tuple[str, str, str], dict[str, list[str]] | None] = {}

    @classmethod
    def connect(cls, uri: str, database: str | None = None) -> "BoltStore":
        """Open the project at ``uri``; ``database`` None means the server's home database."""
        session = driver(uri).session(database=database)
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

    def node(self, node_id: str) -> Node | None:
        if node_id not in self._nodes:
            rows = self._run(f"MATCH (n:Node {{push: $push, id: $id}}) RETURN {cypher.node_map('n')} AS n", id=node_id)
            self._nodes[node_id] = _node(rows[0]["n"]) if rows else None
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
        return {r["id"] for r in self._run(f"MATCH (n:{cypher.label(kind)} {{push: $push}}) RETURN n.id AS id")}

    def counts(self) -> dict[str, int]:
        out = {r["kind"]: r["c"] for r in self._run("MATCH (n:Node {push: $push}) RETURN n.kind AS kind, count(n) AS c")}
        out = dict(sorted(out.items()))
        out["finding"] = self._run("MATCH (f:Finding {push: $push}) RETURN count(f) AS c")[0]["c"]
        return out

    def edges(self, *, src: str | None = None, dst: str | None = None, kinds: Iterable[str] | None = None,
              role: str | None = None, at: str | None = None, origin: str | None = None,
              scope: str | None = None) -> list[Edge]:
        kinds = tuple(kinds) if kinds is not None else None
        if (src is None) != (dst is None) and kinds and origin is None and scope is None:
            node, direction = (src, "out") if src is not None else (dst, "in")
            key = (node, direction, kinds, role)
            if key not in self._adj:
                self._fetch({key})
            found = self._adj[key]
        else:
            found = self._edges_query(src, dst, kinds, role, origin, scope)
        if at is not None:
            found = [e for e in found if e.valid_at(at)]
        return found

    def edge_ends(self, kind: str, role: str, at: str, src_kind: str | None = None) -> list[tuple[str, str]]:
        a = f"a:{cypher.label(src_kind)}" if src_kind else "a:Node"
        rows = self._run(f"MATCH ({a} {{push: $push}})-[e:{cypher.rel(kind)}]->(b) WHERE e.role = $role "
                         f"AND {_VALID_AT} RETURN a.id AS src, b.id AS dst", role=role, at=at)
        return [(r["src"], r["dst"]) for r in rows]

    def count_located(self, kind: str, village_ids: Sequence[str], date_from: str, date_to: str) -> int:
        """Set-based: the distinct ``kind`` nodes located in (or assisting) these villages in the window.

        The first call asks for these villages; a second one for the same window (a check
        measures every township) fetches who was in every village once, and counts in memory."""
        rel, role = ("LOCATED_IN", "") if kind == "household" else ("ASSISTS", "驻村帮扶")
        key = (kind, date_from, date_to)
        window = ("WHERE e.role = $role AND (e.valid_from IS NULL OR e.valid_from <= $hi) "
                  "AND (e.valid_to IS NULL OR e.valid_to >= $lo)")
        if key not in self._located:
            self._located[key] = None
            rows = self._run(f"UNWIND $villages AS v MATCH (:Node {{push: $push, id: v}})<-[e:{rel}]-"
                             f"(x:{cypher.label(kind)}) {window} RETURN count(DISTINCT x) AS c",
                             villages=list(dict.fromkeys(village_ids)), role=role, lo=date_from, hi=date_to)
            return int(rows[0]["c"]) if rows else 0
        if self._located[key] is None:
            rows = self._run(f"MATCH (v:Village {{push: $push}})<-[e:{rel}]-(x:{cypher.label(kind)}) {window} "
                             "RETURN v.id AS v, collect(x.id) AS xs", role=role, lo=date_from, hi=date_to)
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
        if object_id is None:  # a check: fetch every rule's walk from every object now, in a few round trips
            self.prefetch([(o, self.rule_paths()) for o in dict.fromkeys(f.object_id for f in found)], None)
        return found

    def findings_within(self, village_ids: Sequence[str], township_id: str, date_from: str, date_to: str,
                        types: Sequence[str]) -> list[Finding]:
        """Findings of ``types`` in the window on these villages, their households or teams, or the
        township itself (by structure, whatever the date: callers check the date)."""
        rows = self._run(
            "MATCH (f:Finding) WHERE f.push = $push AND f.date >= $lo AND f.date <= $hi AND f.type IN $types "
            "AND (f.object_id = $township OR f.object_id IN $villages OR EXISTS { "
            "MATCH (:Node {push: $push, id: f.object_id})-[:LOCATED_IN|ASSISTS]->(v:Node) WHERE v.id IN $villages }) "
            f"RETURN {cypher.finding_map('f')} AS f",
            lo=date_from, hi=date_to, types=list(types), township=township_id, villages=list(village_ids))
        found = self._keep(rows)
        paths = list({li.role.text: li.role for rule in self.rulebook.rules if set(rule.when) & set(types)
                      for li in rule.liable}.values())  # the threshold rules that asked
        self.prefetch([(o, paths) for o in dict.fromkeys(f.object_id for f in found)], None)
        return found

    def finding(self, n: int) -> Finding:
        n = int(n)
        if n not in self._findings:
            rows = self._run(f"MATCH (f:Finding {{push: $push, n: $n}}) RETURN {cypher.finding_map('f')} AS f", n=n)
            if not rows:
                raise NotFound(f"督查发现 {n} 不在项目中 (no finding number {n})")
            self._keep(rows)
        return self._findings[n]

    # -- walks ---------------------------------------------------------------------------------
    def rule_paths(self) -> list[RolePath]:
        """Every liable role of the rulebook: what a check resolves from each finding's object."""
        if self._rule_paths is None:
            self._rule_paths = list({li.role.text: li.role for rule in self.rulebook.rules for li in rule.liable}.values())
        return self._rule_paths

    def prefetch(self, starts_and_paths: Iterable[tuple[str, Sequence[RolePath]]], at: str | None = None) -> None:
        """Fetch every edge the resolver will ask for when it walks these role paths from these
        starts (and lifts them to any wider scope), whatever the date: ``at`` is not needed,
        since whole neighbourhoods (every date) are fetched and ``edges()`` filters in memory.

        A few starts (a trace) are walked in one query; many (a check's findings) level by
        level, one query per level, where typed expansions are cheaper than one generic walk.
        """
        frontier: dict[str, set[tuple[Hop, ...]]] = {}
        for start, paths in starts_and_paths:
            walks = frontier.setdefault(start, set())
            walks.update(w for w in (_walk(start, p) for p in paths) if w)
            lift = _lift_walk(_kind(start))
            walks.update(lift[:i + 1] + (_CHILDREN,) for i, hop in enumerate(lift) if hop.target in self._scopes())
            if lift:
                walks.add(lift)
        frontier = {start: walks for start, walks in frontier.items() if walks}
        if len(frontier) <= _ONE_QUERY_STARTS:
            self._walk_once(frontier)
        else:
            self._walk_levels(frontier)

    def _walk_once(self, frontier: dict[str, set[tuple[Hop, ...]]]) -> None:
        """The walks as a small automaton (a state per remaining sequence of hops) that the server
        runs level by level inside one query."""
        states: dict[tuple[Hop, ...], int] = {}
        hops: list[dict[str, Any]] = []

        def state(walk: tuple[Hop, ...]) -> int:
            if walk not in states:
                nxt = state(walk[1:]) if len(walk) > 1 else -1
                hop = walk[0]
                states[walk] = len(hops)
                hops.append({"out": hop.direction == "out", "kinds": list(hop.kinds), "role": hop.role,
                             "target": hop.target, "next": nxt, "depth": len(walk)})
            return states[walk]

        starts = [{"id": start, "s": sorted({state(w) for w in walks})} for start, walks in frontier.items()]
        if not starts:
            return
        rows = self._run(_walk_query(max(h["depth"] for h in hops)), starts=starts, hops=hops)
        found: dict[tuple[str, str, tuple[str, ...], str | None], dict[int, Edge]] = {}
        for x in rows[0]["xs"] if rows else ():
            self._nodes[x["id"]] = _node(x)
        for r in rows[0]["found"] if rows else ():
            h = hops[r["s"]]
            node = r["x"]
            edges = found.setdefault((node, "out" if h["out"] else "in", tuple(h["kinds"]), h["role"]), {})
            if r["e"] is None:
                continue
            y = r["y"]
            if y["id"] not in self._nodes:
                self._nodes[y["id"]] = _node(y)
            src, dst = (node, y["id"]) if h["out"] else (y["id"], node)
            edges[r["e"]["id"]] = _edge(r["e"], src, dst)
        for key, edges in found.items():
            if key not in self._adj:
                self._adj[key] = sorted(edges.values(), key=_edge_order)

    def _walk_levels(self, frontier: dict[str, set[tuple[Hop, ...]]]) -> None:
        """The walks one level per round trip, with typed expansions (:meth:`_fetch`)."""
        starts = [s for s in frontier if s not in self._nodes]
        if starts:
            self.nodes_by_id(starts)
        while frontier:
            wanted = {walk[0].key(node) for node, walks in frontier.items() for walk in walks}
            self._fetch({k for k in wanted if k not in self._adj})
            nxt: dict[str, set[tuple[Hop, ...]]] = {}
            for node, walks in frontier.items():
                for walk in walks:
                    hop, rest = walk[0], walk[1:]
                    if not rest:
                        continue
                    for e in self._adj[hop.key(node)]:
                        other = e.dst if hop.direction == "out" else e.src
                        if _kind(other) == hop.target:
                            nxt.setdefault(other, set()).add(rest)
            frontier = nxt

    def _scopes(self) -> set[str]:
        """The kinds threshold rules measure over: a check counts what lies in each of them."""
        return {rule.scope for rule in self.rulebook.rules if rule.threshold is not None}

    def _fetch(self, keys: set[tuple[str, str, tuple[str, ...], str | None]]) -> None:
        """One round trip: every edge (any date) for each (node, direction, kinds, role) key,
        and the nodes at both ends: one typed branch per (direction, kinds), in a canonical
        order, so that the few texts a rulebook's walks produce are each planned once."""
        if not keys:
            return
        index = dict(enumerate(keys))
        groups: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
        for i, (node, direction, kinds, role) in index.items():
            groups.setdefault((direction, kinds), []).append(
                {"k": i, "id": node, "role": role, "x": self._nodes.get(node) is None})
        order = sorted(groups)
        for key in keys:
            self._adj[key] = []
        for r in self._run(_fetch_query(tuple(order)), **{f"g{i}": groups[g] for i, g in enumerate(order)}):
            node, direction, _, _ = key = index[r["k"]]
            if r["x"] is not None:
                self._nodes[node] = _node(r["x"])
            edges = []
            for e, y in zip(r["es"], r["ys"]):
                other = y["id"]
                if other not in self._nodes:
                    self._nodes[other] = _node(y)
                src, dst = (node, other) if direction == "out" else (other, node)
                edges.append(_edge(e, src, dst))
            edges.sort(key=_edge_order)
            self._adj[key] = edges

    def _edges_query(self, src, dst, kinds, role, origin, scope) -> list[Edge]:
        a = "(a:Node {push: $push, id: $src})" if src is not None else "(a:Node {push: $push})"
        b = "(b:Node {push: $push, id: $dst})" if dst is not None else "(b:Node)"
        types = ":" + "|".join(cypher.rel(k) for k in kinds) if kinds else ""
        where = [f"e.{p} = ${p}" for p, v in (("role", role), ("origin", origin), ("scope", scope)) if v is not None]
        query = f"MATCH {a}-[e{types}]->{b}" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self._run(f"{query} RETURN {cypher.edge_map('e')} AS e, a.id AS src, b.id AS dst",
                         src=src, dst=dst, role=role, origin=origin, scope=scope)
        return sorted((_edge(r["e"], r["src"], r["dst"]) for r in rows), key=_edge_order)

    def _keep(self, rows: list[Any]) -> list[Finding]:
        found = [_finding(r["f"]) for r in rows]
        for f in found:
            self._findings[f.n] = f
        return sorted(found, key=lambda f: (f.date, f.n))


@functools.lru_cache(maxsize=16)
def _walk_query(depth: int) -> str:
    """Run the walk automaton ``$hops`` from ``$starts`` for ``depth`` levels, in one query:
    each level expands every (node, state) of its frontier, reports what it found, and hands
    the nodes of the right kind to the next state. The text depends on the depth alone."""
    def level(i: int) -> str:
        return (f"CALL (f{i}) {{ UNWIND f{i} AS item WITH item.n AS x, item.s AS s, $hops[item.s] AS h "
                "OPTIONAL MATCH (x)-[e]-(y) WHERE type(e) IN h.kinds AND (h.role IS NULL OR e.role = h.role) "
                "AND (CASE WHEN h.out THEN startNode(e) = x ELSE endNode(e) = x END) "
                f"RETURN collect({{x: x.id, s: s, e: {cypher.edge_map('e')}, y: {cypher.node_map('y')}}}) "
                f"AS r{i + 1}, collect(DISTINCT CASE WHEN y.kind = h.target AND h.next >= 0 "
                f"THEN {{n: y, s: h.next}} END) AS f{i + 1} }} ")

    parts = ["UNWIND $starts AS st MATCH (x:Node {push: $push, id: st.id}) UNWIND st.s AS s "
             "WITH collect(DISTINCT {n: x, s: s}) AS f0, collect(DISTINCT x) AS starts "]
    parts += [level(i) for i in range(depth)]
    found = " + ".join(f"r{j}" for j in range(1, depth + 1))
    parts.append(f"RETURN [x IN starts | {cypher.node_map('x')}] AS xs, {found} AS found")
    return "".join(parts)


@functools.lru_cache(maxsize=64)
def _fetch_query(groups: tuple[tuple[str, tuple[str, ...]], ...] | list) -> str:
    parts = []
    for i, (direction, kinds) in enumerate(groups):
        types = "|".join(cypher.rel(k) for k in kinds)
        arrow = f"-[e:{types}]->(y)" if direction == "out" else f"<-[e:{types}]-(y)"
        parts.append(f"UNWIND $g{i} AS q MATCH (x:Node {{push: $push, id: q.id}}) OPTIONAL MATCH (x){arrow} "
                     f"WHERE q.role IS NULL OR e.role = q.role RETURN q.k AS k, CASE WHEN q.x THEN {cypher.node_map('x')} END AS x, "
                     f"collect({cypher.edge_map('e')}) AS es, collect({cypher.node_map('y')}) AS ys")
    return " UNION ALL ".join(parts)


_VALID_AT = "(e.valid_from IS NULL OR e.valid_from <= $at) AND (e.valid_to IS NULL OR e.valid_to >= $at)"


def _kind(node_id: str) -> str:
    return node_id.split(":", 1)[0]


def _hop(kind: str, name: str, param: str = "") -> Hop | None:
    rel = schema.relation(kind, name)
    if rel is None:
        return None
    kinds = (rel.edge,) if isinstance(rel.edge, str) else tuple(rel.edge)
    return Hop(rel.direction, kinds, param or rel.role or None, rel.target)


def _lift_walk(kind: str) -> tuple[Hop, ...]:
    """The parent steps from ``kind`` to the top (a lift to any scope is a prefix of it)."""
    hops = []
    while kind in schema.PARENT:
        hop = _hop(kind, schema.PARENT[kind])
        if hop is None:
            break
        hops.append(hop)
        kind = hop.target
    return tuple(hops)


_ONE_QUERY_STARTS = 32  # up to this many starts, a prefetch is one query (see BoltStore.prefetch)
_HOLDS = Hop("in", ("HOLDS",), None, "person")
_CHILDREN = Hop("in", ("LOCATED_IN",), None, "")  # what lies in a place (a township's villages)


def _walk(start: str, path: RolePath) -> tuple[Hop, ...]:
    """The hops the resolver takes for ``path`` from ``start``: the lift, the steps, the holders."""
    kind = _kind(start)
    lift = schema.lift_path(kind, path.start)
    if lift is None:
        return ()
    hops: list[Hop] = []
    for name, param in [(parent, "") for parent in lift] + list(path.steps):
        hop = _hop(kind, name, param)
        if hop is None:
            return tuple(hops)
        hops.append(hop)
        kind = hop.target
    if kind == "post":
        hops.append(_HOLDS)
    return tuple(hops)


def _edge_order(e: Edge) -> tuple[bool, str, int]:
    return (e.valid_from is not None, e.valid_from or "", e.id or 0)


def _props(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text and text != "{}" else {}


def _prov(r: dict[str, Any]) -> Provenance:
    return Provenance(r.get("source"), r.get("sheet"), r.get("row"), r.get("batch"))


def _node(r: dict[str, Any]) -> Node:
    return Node(r["id"], r["kind"], r["name"], _props(r.get("props")), _prov(r))


def _edge(r: dict[str, Any], src: str, dst: str) -> Edge:
    return Edge(r["kind"], src, dst, r.get("role") or "", r.get("valid_from"), r.get("valid_to"),
                _props(r.get("props")), _prov(r), id=r.get("id"), origin=r.get("origin") or "",
                scope=r.get("scope") or "")


def _finding(r: dict[str, Any]) -> Finding:
    return Finding(r["n"], r["date"], r["type"], r["object_type"], r["object_id"], r["object_text"],
                   r.get("inspector") or "", r.get("note") or "", _props(r.get("props")), _prov(r))


def push(store: Any, uri: str, **options: Any):
    """Copy a project into the server at ``uri``: see :func:`zeren.graph.bolt_push.push`."""
    from .bolt_push import push as _push

    return _push(store, uri, **options)
