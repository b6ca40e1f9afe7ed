"""A networkx view of a project at a date, for traversal and analysis (not the hot path).

``to_networkx(store, at)`` reads the store's export in three scans and returns a ``MultiDiGraph``:
nodes carry ``kind``, ``name`` and their properties; edges valid on ``at`` carry ``kind``,
``role``, ``valid_from``/``valid_to`` and their provenance; findings become nodes of kind
``finding`` with a CONCERNS edge to their object.
"""

from __future__ import annotations

from typing import Any

__all__ = ["to_networkx"]


def to_networkx(store: Any, at: str | None = None, *, findings: bool = True):
    """The project as a ``networkx.MultiDiGraph``; only edges valid on ``at`` when given."""
    import networkx as nx

    g = nx.MultiDiGraph(at=at, rulebook=store.rulebook.name)
    export = store.export()
    g.add_nodes_from((n.id, {"kind": n.kind, "name": n.name, **n.props}) for n in export.nodes)
    g.add_edges_from(
        (e.src, e.dst, {"kind": e.kind, "role": e.role, "valid_from": e.valid_from, "valid_to": e.valid_to,
                        "source": e.provenance.source, "row": e.provenance.row})
        for e in export.edges if at is None or e.valid_at(at)
    )
    if findings:
        for f in export.findings:
            fid = f"finding:{f.n}"
            g.add_node(fid, kind="finding", name=f"#{f.n}", date=f.date, type=f.type)
            g.add_edge(fid, f.object_id, kind="CONCERNS", role=f.type)
    return g
