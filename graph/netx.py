"""A networkx view of a project at a date, for traversal and analysis (not the hot path).

``to_networkx(store, at)`` reads the store in three scans and returns a ``MultiDiGraph``:
nodes carry ``kind``, ``name`` and their properties; edges valid on ``at`` carry ``kind``,
``role``, ``valid_from``/``valid_to`` and their provenance; findings become nodes of kind
``finding`` with a CONCERNS edge to their object.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["to_networkx"]


def to_networkx(store: Any, at: str | None = None, *, findings: bool = True):
    """The project as a ``networkx.MultiDiGraph``; only edges valid on ``at`` when given."""
    import networkx as nx

    g = nx.MultiDiGraph(at=at, rulebook=store.rulebook.name)
    conn = store.conn
    g.add_nodes_from(
        (nid, {"kind": kind, "name": name, **(json.loads(props) if props != "{}" else {})})
        for nid, kind, name, props in conn.execute("SELECT id, kind, name, props FROM node")
    )
    sql = "SELECT src, dst, kind, role, valid_from, valid_to, source, row FROM edge"
    args: tuple[str, ...] = ()
    if at is not None:
        sql += " WHERE (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?)"
        args = (at, at)
    g.add_edges_from(
        (src, dst, {"kind": kind, "role": role, "valid_from": vf, "valid_to": vt, "source": source, "row": row})
        for src, dst, kind, role, vf, vt, source, row in conn.execute(sql, args)
    )
    if findings:
        for n, day, ftype, object_id in conn.execute("SELECT n, date, type, object_id FROM finding"):
            fid = f"finding:{n}"
            g.add_node(fid, kind="finding", name=f"#{n}", date=day, type=ftype)
            g.add_edge(fid, object_id, kind="CONCERNS", role=ftype)
    return g
