"""Batch traces: every leaf object's chain at one date, precomputed once, then O(1) each.

For an inspection round of thousands of plans (or a province's million households), the
per-trace SQL walk of :mod:`zeren.queries.trace` costs tens of µs. A :class:`ChainIndex`
reads the store once for a date. The rulebook's chain paths that start at the leaf kind (a
household) either climb to its parent (its village) or take one other step first (its
pairing cadre); every such path is resolved once per parent or per first-step node and shared by
all the leaves that reach it, so a leaf's chain is a few cached tuples joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..graph.rules import RolePath
from .paths import Resolver

__all__ = ["ChainIndex", "IndexedLink"]


@dataclass(frozen=True, slots=True)
class IndexedLink:
    label: str
    node: str
    person: str | None


class ChainIndex:
    """``ChainIndex(store, at).chain(leaf_id)`` → the chain as a tuple of IndexedLink.

    ``kind``: the leaf kind indexed (default: the kind an org chart lists as members).
    """

    def __init__(self, store: Any, at: str, kind: str | None = None):
        self.at = at
        rb = store.rulebook
        model = rb.model
        r = Resolver(store)
        leaf = kind or rb.pack.org.members or next(iter(model.kinds))
        self.kind = leaf
        parent = model.parent(leaf)
        k = model.kinds[leaf]
        ends = store.edge_ends(k.parent_edge, k.parent_role, at, src_kind=None if k.parent_reverse else leaf)
        self.parent_of: dict[str, str] = {(b if k.parent_reverse else a): (a if k.parent_reverse else b)
                                          for a, b in ends}
        # Each chain path belongs to a part: "parent" (resolved per parent node) or a first step
        # of the leaf's own (resolved per the node that step reaches). Consecutive paths of one
        # part form a run; a chain is its runs' cached tuples joined, in the rulebook's order.
        self.by_step: dict[str, dict[str, str]] = {}
        runs: list[tuple[str, list[tuple[str, RolePath]]]] = []
        for step in rb.trace_chain:
            path = rb.role(step["role"])
            label = step.get("label", step["role"])
            if path.start == leaf:
                if not path.steps:
                    continue  # the leaf itself
                first = path.steps[0]
                if first.name == parent:
                    part, sub = "parent", path.tail(1)
                else:
                    part, sub = first.name, path.tail(1)
                    if part not in self.by_step:
                        rel = model.relation(leaf, first.name)
                        pairs = store.edge_ends(rel.edge if isinstance(rel.edge, str) else rel.edge[0], rel.role, at)
                        self.by_step[part] = {(b if rel.direction == "in" else a): (a if rel.direction == "in" else b)
                                              for a, b in pairs}
            elif parent and model.lift_path(parent, path.start) is not None:
                part, sub = "parent", path
            else:
                continue  # a path that no leaf reaches (it starts below the leaf)
            if runs and runs[-1][0] == part:
                runs[-1][1].append((label, sub))
            else:
                runs.append((part, [(label, sub)]))
        self.runs: list[tuple[str, dict[str, tuple[IndexedLink, ...]]]] = []
        for part, paths in runs:
            nodes = set(self.parent_of.values()) if part == "parent" else set(self.by_step[part].values())
            cache = {node: tuple(IndexedLink(label, party.node, party.person)
                                 for label, path in paths for party in r.parties(path, node, at))
                     for node in nodes}
            self.runs.append((part, cache))
        self._empty: tuple[IndexedLink, ...] = ()

    def __len__(self) -> int:
        return len(self.parent_of)

    def chain(self, leaf: str) -> tuple[IndexedLink, ...]:
        """The chain of ``leaf`` (a node id) on the index's date; () if unknown."""
        parent = self.parent_of.get(leaf)
        if parent is None:
            return self._empty
        out = self._empty
        for part, cache in self.runs:
            node = parent if part == "parent" else self.by_step[part].get(leaf)
            if node is not None:
                out += cache.get(node, self._empty)
        return out
