"""The Cypher of the server store for Neo4j 5: labels, DDL, and the text of every query shape.

Everything here is generated from :mod:`zeren.graph.schema` (node kinds become labels, edge
kinds relationship types) and every value is a query parameter: only labels and types,
which Cypher cannot parameterise, are spliced into the text, and only from the schema.

Layout on the server: each push writes its own copy under a push id (``n.push``), so a new
push loads beside the graph readers use and becomes visible in one transaction.

- ``(:Node:<Kind> {push, id, kind, name, props, source, sheet, row, batch})``; ``props`` is
  the JSON text the project file keeps.
- relationships of the edge kinds between nodes of one push, with ``{id, role, valid_from,
  valid_to, origin, scope, props, source, sheet, row, batch}``; findings are
  ``(:Finding {push, n, date, type, …})-[:CONCERNS]->(object)``.
- ``(:ZerenPush {id, state, mode, project, batch, meta, started, finished})``: one per push
  (``state`` is ``loading`` until it is switched to); ``(:ZerenHead {push})`` names the push
  that reads use.
"""

from __future__ import annotations

from . import schema

__all__ = ["DDL", "label", "rel", "NODE_FIELDS", "EDGE_FIELDS", "FINDING_FIELDS", "node_map", "edge_map",
           "finding_map", "create_nodes", "create_edges", "create_findings"]

#: Constraints and indexes, created before anything is loaded. The uniqueness constraints
#: are the lookup indexes too: (push, id) for nodes, (push, n) for findings.
DDL: tuple[str, ...] = (
    "CREATE CONSTRAINT zeren_node_key IF NOT EXISTS FOR (n:Node) REQUIRE (n.push, n.id) IS UNIQUE",
    "CREATE CONSTRAINT zeren_finding_key IF NOT EXISTS FOR (f:Finding) REQUIRE (f.push, f.n) IS UNIQUE",
    "CREATE CONSTRAINT zeren_push_id IF NOT EXISTS FOR (p:ZerenPush) REQUIRE p.id IS UNIQUE",
    "CREATE INDEX zeren_finding_date IF NOT EXISTS FOR (f:Finding) ON (f.push, f.date)",
    "CREATE INDEX zeren_finding_object IF NOT EXISTS FOR (f:Finding) ON (f.push, f.object_id)",
)

NODE_FIELDS = ("id", "kind", "name", "props", "source", "sheet", "row", "batch")
EDGE_FIELDS = ("id", "role", "valid_from", "valid_to", "origin", "scope", "props", "source", "sheet", "row", "batch")
FINDING_FIELDS = ("n", "date", "type", "object_type", "object_id", "object_text", "inspector", "note", "props",
                  "source", "sheet", "row", "batch")


def label(kind: str) -> str:
    """The label of a node kind (``township`` → ``Township``), from the schema only."""
    if kind not in schema.NODE_KINDS:
        raise ValueError(f"unknown node kind {kind!r}")
    return kind.capitalize()


def rel(kind: str) -> str:
    """A relationship type: an edge kind of the schema, never anything else."""
    if kind not in schema.EDGE_KINDS:
        raise ValueError(f"unknown edge kind {kind!r}")
    return kind


def node_map(var: str) -> str:
    return f"{var} {{{', '.join('.' + f for f in NODE_FIELDS)}}}"


def edge_map(var: str) -> str:
    return f"{var} {{{', '.join('.' + f for f in EDGE_FIELDS)}, kind: type({var})}}"


def finding_map(var: str) -> str:
    return f"{var} {{{', '.join('.' + f for f in FINDING_FIELDS)}}}"


def create_nodes(kind: str) -> str:
    """One UNWIND batch of nodes of one kind into push ``$push``."""
    return f"UNWIND $rows AS r CREATE (n:Node:{label(kind)}) SET n = r, n.push = $push"


def create_edges(kind: str) -> str:
    """One UNWIND batch of edges of one kind (rows: ``{src, dst, p: {properties}}``)."""
    return (f"UNWIND $rows AS r MATCH (a:Node {{push: $push, id: r.src}}) MATCH (b:Node {{push: $push, id: r.dst}}) "
            f"CREATE (a)-[e:{rel(kind)}]->(b) SET e = r.p")


def create_findings() -> str:
    return ("UNWIND $rows AS r CREATE (f:Finding) SET f = r, f.push = $push WITH f "
            "MATCH (o:Node {push: $push, id: f.object_id}) CREATE (f)-[:CONCERNS]->(o)")


def upsert_nodes(kind: str) -> str:
    """Nodes of an incremental push: new ones created, changed ones updated in place."""
    return (f"UNWIND $rows AS r MERGE (n:Node {{push: $push, id: r.id}}) SET n = r, n.push = $push, "
            f"n:{label(kind)}")


def set_validity(kind: str) -> str:
    """Edges an incremental push closes or re-dates (rows: ``{src, id, valid_from, valid_to}``)."""
    return (f"UNWIND $rows AS r MATCH (a:Node {{push: $push, id: r.src}})-[e:{rel(kind)}]->() WHERE e.id = r.id "
            "SET e.valid_from = r.valid_from, e.valid_to = r.valid_to")
