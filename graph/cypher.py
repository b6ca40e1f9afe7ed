"""The Cypher of the server store for Neo4j 5: labels, DDL, and the text of every query shape.

Labels and relationship types come from the project's domain pack at run time (a node kind
``village`` becomes the label ``Village``, an edge kind ``HAS_PLAN`` the type ``HAS_PLAN``);
they are the only words spliced into query text, and only after they are checked to be
identifiers. Every value is a query parameter.

Layout on the server: each push writes its own copy under a push id (``push``), so a new
push loads beside the graph readers use and becomes visible in one transaction.

- ``(:Node:<Kind> {push, id, kind, name, props, source, sheet, row, batch})``; ``props`` is
  the JSON text the project file keeps (a person's organisation is its ``org_id``). An edge
  may name a node the project does not hold (a roster that refers to a unit no roster
  defines): that end is ``(:Node {push, id, kind, missing: true})``, without a kind label,
  which reads as no node, as on the file.
- relationships of the edge kinds between nodes of one push, with ``{id, role, valid_from,
  valid_to, origin, scope, props, source, sheet, row, batch}``; findings are
  ``(:Finding {push, n, date, type, …})-[:CONCERNS]->(object)``; the duty log is
  ``(:DutyRecord {push, n, date, subject_id, item, …})``; confirmed person links
  ``(:PersonLink {push, a, b, batch, note})``.
- ``(:ZerenPush {id, state, mode, project, batch, meta, batches, latest, started, finished})``:
  one per push (``state`` is ``loading`` until it is switched to); ``(:ZerenHead {push})``
  names the push that reads use.

A node's ``(push, id)`` is unique without a uniqueness constraint: a push writes under a fresh
random push id that nothing else writes under, the project hands over each id once, and
the push counts the distinct ids it wrote before it is switched to (see
:mod:`zeren.graph.bolt_push`). The (push, id) index is a plain range index.
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["DDL", "OLD_DDL", "label", "rel", "NODE_FIELDS", "NODE_ROW", "EDGE_ROW", "EDGE_FIELDS", "FINDING_FIELDS", "DUTY_FIELDS",
           "node_map", "edge_map", "finding_map", "duty_map", "create_nodes", "create_edges", "match_edges",
           "create_findings", "match_findings", "create_duty_records", "create_links", "create_missing", "upsert_nodes",
           "set_validity"]

#: Indexes, and the constraints on the push markers, created before anything is loaded.
DDL: tuple[str, ...] = (
    "CREATE CONSTRAINT zeren_push_id IF NOT EXISTS FOR (p:ZerenPush) REQUIRE p.id IS UNIQUE",
    "CREATE CONSTRAINT zeren_head_key IF NOT EXISTS FOR (h:ZerenHead) REQUIRE h.key IS UNIQUE",
    "CREATE INDEX zeren_node_key IF NOT EXISTS FOR (n:Node) ON (n.push, n.id)",
    "CREATE INDEX zeren_person_name IF NOT EXISTS FOR (n:Person) ON (n.push, n.name)",
    "CREATE INDEX zeren_finding_key IF NOT EXISTS FOR (f:Finding) ON (f.push, f.n)",
    "CREATE INDEX zeren_finding_date IF NOT EXISTS FOR (f:Finding) ON (f.push, f.date)",
    "CREATE INDEX zeren_finding_object IF NOT EXISTS FOR (f:Finding) ON (f.push, f.object_id)",
    "CREATE INDEX zeren_duty_item IF NOT EXISTS FOR (d:DutyRecord) ON (d.push, d.item)",
    "CREATE INDEX zeren_duty_subject IF NOT EXISTS FOR (d:DutyRecord) ON (d.push, d.subject_id)",
    "CREATE INDEX zeren_link_a IF NOT EXISTS FOR (l:PersonLink) ON (l.push, l.a)",
)
#: What an earlier zeren created and this one replaces (the uniqueness constraints).
OLD_DDL: tuple[str, ...] = (
    "DROP CONSTRAINT zeren_node_key IF EXISTS",
    "DROP CONSTRAINT zeren_finding_key IF EXISTS",
)

NODE_FIELDS = ("id", "kind", "name", "props", "source", "sheet", "row", "batch", "missing")
EDGE_FIELDS = ("id", "role", "valid_from", "valid_to", "origin", "scope", "props", "source", "sheet", "row", "batch")
FINDING_FIELDS = ("n", "date", "type", "object_type", "object_id", "object_text", "inspector", "note", "props",
                  "source", "sheet", "row", "batch")
DUTY_FIELDS = ("n", "date", "subject_id", "subject_text", "item", "object_id", "object_text", "days", "note", "props",
               "source", "sheet", "row", "batch")

_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
_EDGE = re.compile(r"^[A-Z][A-Z0-9_]*$")
#: Labels of the layout itself: a pack kind that would take one is labelled ``Kind<Name>``.
_OWN = {"Node", "Finding", "DutyRecord", "PersonLink", "ZerenPush", "ZerenHead"}


def label(kind: str) -> str:
    """The label of a node kind (``village`` → ``Village``): a kind of the pack or the engine,
    which are lower-case identifiers; anything else is refused."""
    if not _KIND.match(kind):
        raise ValueError(f"not a node kind: {kind!r}")
    name = kind.capitalize()
    return f"Kind{name}" if name in _OWN else name


def rel(kind: str) -> str:
    """A relationship type: an edge kind (an upper-case identifier), never anything else."""
    if not _EDGE.match(kind):
        raise ValueError(f"not an edge kind: {kind!r}")
    return kind


def node_map(var: str) -> str:
    return f"{var} {{{', '.join('.' + f for f in NODE_FIELDS)}}}"


def edge_map(var: str) -> str:
    return f"{var} {{{', '.join('.' + f for f in EDGE_FIELDS)}, kind: type({var})}}"


def finding_map(var: str) -> str:
    return f"{var} {{{', '.join('.' + f for f in FINDING_FIELDS)}}}"


def duty_map(var: str) -> str:
    return f"{var} {{{', '.join('.' + f for f in DUTY_FIELDS)}}}"


#: The order of a full push's node and edge rows, which are sent as lists: a list costs the
#: server less to decode than a map with its keys, row after row.
NODE_ROW = ("id", "kind", "name", "props", "source", "sheet", "row", "batch")
EDGE_ROW = ("a", "b", *EDGE_FIELDS)  # a, b: the internal ids of the ends


def _literal(fields: tuple[str, ...], skip: int = 0) -> str:
    """``{id: r[0], kind: r[1], …}``: a null element sets no property."""
    return "{" + ", ".join(f"{f}: r[{i + skip}]" for i, f in enumerate(fields[skip:])) + "}"


@cache
def create_nodes(kind: str) -> str:
    """One UNWIND batch of nodes of one kind into push ``$push`` (rows: lists in ``NODE_ROW``
    order); returns one record, the pairs [id, internal id], for the edges that follow (one
    list, not a record per node: the client decodes it in one go)."""
    props = _literal(NODE_ROW)[:-1] + ", push: $push}"
    return f"UNWIND $rows AS r CREATE (n:Node:{label(kind)} {props}) RETURN collect([r[0], id(n)]) AS ids"


@cache
def create_missing() -> str:
    """The ends of edges that no node of the project defines (rows: ``{id, kind}``)."""
    return ("UNWIND $rows AS r CREATE (n:Node) SET n = r, n.push = $push, n.missing = true "
            "RETURN collect([r.id, id(n)]) AS ids")


@cache
def create_edges(kind: str) -> str:
    """One UNWIND batch of edges of one kind between nodes of the push, by their internal ids
    (rows: lists in ``EDGE_ROW`` order): no index lookup per row."""
    return (f"UNWIND $rows AS r MATCH (a) WHERE id(a) = r[0] MATCH (b) WHERE id(b) = r[1] "
            f"CREATE (a)-[e:{rel(kind)} {_literal(EDGE_ROW, 2)}]->(b)")


def match_edges(kind: str) -> str:
    """Edges of an incremental push, whose ends are found by id (rows: ``{src, dst, p}``); an end
    the project does not hold is made a missing node."""
    return ("UNWIND $rows AS r MERGE (a:Node {push: $push, id: r.src}) ON CREATE SET a.kind = r.sk, a.missing = true "
            "MERGE (b:Node {push: $push, id: r.dst}) ON CREATE SET b.kind = r.dk, b.missing = true "
            f"CREATE (a)-[e:{rel(kind)}]->(b) SET e = r.p")


@cache
def create_findings() -> str:
    """Findings (rows: ``{o: internal id of the object or null, p: {properties}}``)."""
    return ("UNWIND $rows AS r CREATE (f:Finding) SET f = r.p, f.push = $push WITH f, r WHERE r.o IS NOT NULL "
            "MATCH (o) WHERE id(o) = r.o CREATE (f)-[:CONCERNS]->(o)")


def match_findings() -> str:
    """Findings of an incremental push (rows: ``{p: {properties}}``), tied to their object by id."""
    return ("UNWIND $rows AS r CREATE (f:Finding) SET f = r.p, f.push = $push WITH f "
            "MATCH (o:Node {push: $push, id: f.object_id}) CREATE (f)-[:CONCERNS]->(o)")


@cache
def create_duty_records() -> str:
    return "UNWIND $rows AS r CREATE (d:DutyRecord) SET d = r, d.push = $push"


@cache
def create_links() -> str:
    return "UNWIND $rows AS r CREATE (l:PersonLink) SET l = r, l.push = $push"


def upsert_nodes(kind: str) -> str:
    """Nodes of an incremental push: new ones created, changed ones updated in place."""
    return (f"UNWIND $rows AS r MERGE (n:Node {{push: $push, id: r.id}}) SET n = r, n.push = $push, "
            f"n:{label(kind)}")


def set_validity(kind: str) -> str:
    """Edges an incremental push closes or re-dates (rows: ``{src, id, valid_from, valid_to}``)."""
    return (f"UNWIND $rows AS r MATCH (a:Node {{push: $push, id: r.src}})-[e:{rel(kind)}]->() WHERE e.id = r.id "
            "SET e.valid_from = r.valid_from, e.valid_to = r.valid_to")
