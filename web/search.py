"""The search box: 户编号, 计划编号, a person's name, a village, a township, a unit — one box.

Ids in a project are human-meaningful (``household:621101027119``, ``plan:P621101027119``,
``village:马营镇/石家洼村``, ``person:县交通局/王强``), so the index is the sorted ids of the
searchable kinds, read through the store's read interface (``node_ids``) once per project
and per load (its key is the load register), and kept in memory. A query matches the last
segment of an id: exact matches first, then those it begins, then those it contains.
A clerk's index holds only what lies under his township (its places and their members).
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..graph import schema

__all__ = ["Hit", "SearchIndex"]


@dataclass(frozen=True)
class Hit:
    kind: str
    id: str
    name: str
    label: str  # the kind's label: 户, 一户一策, 人员 …
    context: str  # where it is: 乡镇/村 of a village, the unit of a person

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "label": self.label, "context": self.context}


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


class SearchIndex:
    """Per-process cache of the searchable ids of projects (thread-safe)."""

    #: kinds searched, in the order their hits are listed
    KINDS = ("household", "plan", "person", "village", "township", "unit")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str | None], tuple[Any, list[tuple[str, str, str]]]] = {}

    def search(self, store: Any, query: str, *, township: str | None = None, limit: int = 20) -> list[Hit]:
        """Hits for ``query`` (at most ``limit``); ``township``: only what lies under it."""
        q = _key(query)
        if not q:
            return []
        entries = self._entries(store, township)
        exact, prefix, inside = [], [], []
        for key, kind, node in entries:
            if key == q:
                exact.append((kind, node))
            elif key.startswith(q):
                if len(prefix) < limit:
                    prefix.append((kind, node))
            elif q in key and len(inside) < limit:
                inside.append((kind, node))
        order = {k: i for i, k in enumerate(self.KINDS)}
        chosen = (sorted(exact, key=lambda h: order[h[0]]) + prefix + inside)[:limit]
        model = store.rulebook.model
        names = {n.id: n.name for n in store.nodes_by_id([node for _, node in chosen])}
        return [Hit(kind, node, names.get(node, node.rsplit("/", 1)[-1].split(":", 1)[-1]), model.label(kind),
                    _context(node)) for kind, node in chosen]

    def _entries(self, store: Any, township: str | None) -> list[tuple[str, str, str]]:
        version = tuple((b["id"], b.get("reverted_by")) for b in store.batches())
        cache_key = (store.path, township)
        with self._lock:
            hit = self._cache.get(cache_key)
            if hit and hit[0] == version:
                return hit[1]
        kinds = [k for k in self.KINDS if k == "person" or k in store.rulebook.model.kinds]
        if township is None:
            ids = [(kind, node) for kind in kinds for node in sorted(store.node_ids(kind))]
        else:
            ids = _under(store, township, kinds)
        entries = [(_key(_segment(node)), kind, node) for kind, node in ids]
        with self._lock:
            self._cache[cache_key] = (version, entries)
        return entries


def _segment(node_id: str) -> str:
    """The name part of an id: ``village:马营镇/石家洼村`` → 石家洼村."""
    return node_id.split(":", 1)[-1].rsplit("/", 1)[-1]


def _context(node_id: str) -> str:
    rest = node_id.split(":", 1)[-1]
    return rest.rsplit("/", 1)[0] if "/" in rest else ""


def _under(store: Any, township: str, kinds: list[str]) -> list[tuple[str, str]]:
    """Every node of ``kinds`` below a township (by the pack's parent ties, at any date),
    and the township itself."""
    model = store.rulebook.model
    levels = store.rulebook.pack.org.levels
    if not levels:
        return []
    top = schema.node_id(levels[0], schema.name_key(township))
    children: dict[str, list[Any]] = {}
    for name, k in model.kinds.items():
        if k.parent:
            children.setdefault(k.parent, []).append(k)
    out, frontier, seen = [(levels[0], top)], [top], {top}
    while frontier:
        node = frontier.pop()
        for k in children.get(node.split(":", 1)[0], []):
            edges = store.edges(src=node, kinds=[k.parent_edge], role=k.parent_role) if k.parent_reverse else \
                store.edges(dst=node, kinds=[k.parent_edge], role=k.parent_role)
            for e in edges:
                child = e.dst if k.parent_reverse else e.src
                if child.startswith(k.name + ":") and child not in seen:
                    seen.add(child)
                    out.append((k.name, child))
                    frontier.append(child)
    return sorted(((kind, node) for kind, node in out if kind in kinds), key=lambda x: x[1])
