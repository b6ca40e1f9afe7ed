"""Gaps on a date: what the rosters leave uncovered, as the pack's ``gaps`` section lists them.

Two sorts: every one-holder post of an owner at work that day must be held (``vacant_posts``),
and every node of a kind (that satisfies ``where``) must reach something by a role path
(``missing``: a poor village its team, a household its pairing cadre). Each gap would leave a trace
with a hole in it, so clerks fix them before an inspection does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..graph import schema
from .paths import Resolver, kind_of

__all__ = ["Gap", "gaps"]


@dataclass
class Gap:
    kind: str  # the pack's label of the gap
    scope: str  # the first-level place it lies in (a township), '' for the county
    object: str  # what is uncovered
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


def gaps(store: Any, at: str, *, township: str | None = None) -> list[Gap]:
    """Every gap on ``at``, sorted by place; ``township`` keeps one first-level place's."""
    r = Resolver(store)
    rb = store.rulebook
    model = rb.model
    level = rb.pack.org.levels[0] if rb.pack.org.levels else None
    out: list[Gap] = []

    def scope_of(node: str) -> str:
        if level is None or kind_of(node) == model.root:
            return ""
        place = r.lift(node, level, at)
        return r.name(place) if place else ""

    for spec in rb.pack.gaps:
        if spec.vacant_posts:
            for post in sorted(store.node_ids("post")):
                node = r.node(post)
                owner = (node.props.get("owner") if node else None) or post[5:].rsplit("/", 1)[0]
                title = post.rsplit("/", 1)[1]
                pspec = model.post(kind_of(owner), title)
                if pspec is None or not pspec.single or not _active(r, store, owner, at):
                    continue
                if not r.holders(post, at):
                    out.append(Gap(spec.label, scope_of(owner), f"{r.name(owner)} {title}", "该日无人在职"))
            continue
        where = rb.role(spec.where) if spec.where else None
        missing = rb.role(spec.missing)
        for node in sorted(store.node_ids(spec.kind)):
            if not r.on_register(node, at):
                continue
            if where is not None and not r.resolve(where, node, at):
                continue
            if not r.resolve(missing, node, at):
                out.append(Gap(spec.label, scope_of(node), r.name(node)))
    if township:
        out = [x for x in out if x.scope == schema.name_key(township) or x.scope == township]
    return sorted(out, key=lambda x: (x.scope, x.kind, x.object))


def _active(r: Resolver, store: Any, owner: str, at: str) -> bool:
    """Whether a post's owner is at work on the day: on the register and, for a node without a
    structural parent (a unit), with some responsibility edge that day."""
    kind = kind_of(owner)
    model = r.model
    if kind == model.root:
        return True
    if kind not in model.kinds or r.node(owner) is None:
        return False
    if model.parent(kind):
        return r.on_register(owner, at)
    return any(e.kind in ("ASSISTS", "SUPERVISES") for e in store.edges(src=owner, at=at))
