"""Roster snapshots against the store: what a load adds, closes, changes and keeps.

A roster is a snapshot of its scope: facts it lists are kept or opened, stored facts of the
same scope it no longer lists are closed the day before its date, and one-holder posts are
checked for two holders on one day. Nothing here writes; :mod:`.rosters` writes the result.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..graph import schema
from ..graph.errors import Problem
from ..graph.store import Edge, Node
from .values import day_before

if TYPE_CHECKING:
    from .rosters import _Loader, _Src

__all__ = ["KindDiff", "diff_snapshots", "check_holders", "pending"]

EdgeKey = tuple[str, str, str, str]


@dataclass
class KindDiff:
    added: int = 0
    closed: int = 0
    changed: int = 0
    unchanged: int = 0
    nodes_added: int = 0
    nodes_changed: int = 0
    rows: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.closed or self.changed or self.nodes_added or self.nodes_changed)


def _overlap(a: Edge, b: Edge) -> bool:
    return (a.valid_from is None or b.valid_to is None or a.valid_from <= b.valid_to) and (
        b.valid_from is None or a.valid_to is None or b.valid_from <= a.valid_to)


def diff_snapshots(loader: _Loader, diff: dict[str, KindDiff]):
    """Compare the snapshot facts with the store: (new edges, validity changes) per kind."""
    store = loader.store
    new_edges: list[Edge] = []
    changes: dict[int, tuple[str | None, str | None]] = {}
    after: dict[str, list[tuple[Edge, _Src | None]]] = defaultdict(list)  # post id → HOLDS after the load
    for (origin, scope), facts in loader.plan.snap.items():
        d = diff.setdefault(origin, KindDiff())
        starts = [e.valid_from for e, _ in facts.values() if e.valid_from]
        as_of = loader.as_of or (max(starts) if starts else None)
        stored = store.edges(origin=origin, scope=scope)
        by_key: dict[EdgeKey, list[Edge]] = defaultdict(list)
        for e in stored:
            by_key[(e.kind, e.src, e.dst, e.role)].append(e)
        seen: set[int] = set()
        for k, (edge, src) in facts.items():
            match = next((o for o in by_key.get(k, []) if _touches(o, edge)), None)
            if match is None:
                d.added += 1
                new_edges.append(edge)
                if edge.kind == "HOLDS":
                    after[edge.dst].append((edge, src))
                continue
            seen.add(match.id)
            lo = min(x for x in (match.valid_from, edge.valid_from) if x) if (match.valid_from and edge.valid_from) else None
            hi = edge.valid_to
            if (lo, hi) != (match.valid_from, match.valid_to):
                d.changed += 1
                changes[match.id] = (lo, hi)
            else:
                d.unchanged += 1
            if edge.kind == "HOLDS":
                after[edge.dst].append((replace(match, valid_from=lo, valid_to=hi), src))
        for old in stored:
            if old.id in seen:
                continue
            if as_of and (old.valid_to is None or old.valid_to >= as_of):
                close = day_before(as_of)
                if old.valid_from and close < old.valid_from:
                    # The roster drops an assignment but says nothing later than its start:
                    # when it ended is unknown, and a made-up date would falsify the history.
                    _unknown_end(loader, facts, old, as_of)
                    continue
                changes[old.id] = (old.valid_from, close)
                d.closed += 1
                old = replace(old, valid_to=close)
            if old.kind == "HOLDS":
                after[old.dst].append((old, None))
    return new_edges, changes, after


def _unknown_end(loader: _Loader, facts: dict, old: Edge, as_of: str) -> None:
    src = next(iter(facts.values()))[1]
    what = loader.store.node(old.dst)
    who = old.src.rsplit("/", 1)[-1]
    role = f"{what.props.get('owner', '').split(':', 1)[-1]} {what.name}" if what and what.kind == "post" else \
        f"{old.role or old.kind} {old.dst.split(':', 1)[-1]}"
    where = f"{old.provenance.source}:第{old.provenance.row}行" if old.provenance.row else "项目中"
    loader.problems.append(Problem(
        src.table.sheet.file, f"{where}的“{who}”（{role}，自 {old.valid_from} 起）不在这份名单中，但名单日期 {as_of} "
        "不晚于其起始日期，无法确定其终止日期；请用 --as-of 指定名单日期，或在名单中保留该行并填写终止日期",
        sheet=src.table.sheet.name))


def _touches(old: Edge, new: Edge) -> bool:
    """The stored edge and the roster's are one continuous assignment (overlapping or adjacent)."""
    if old.valid_to is not None and new.valid_from is not None and day_before(new.valid_from) > old.valid_to:
        return False
    return not (new.valid_to is not None and old.valid_from is not None and old.valid_from > new.valid_to)


def _single_holder(post_id: str, loader: _Loader) -> bool:
    owner_kind = post_id.split(":", 2)[1]
    title = post_id.rsplit("/", 1)[1]
    if owner_kind == "county":
        return True
    return schema.POSTS.get(owner_kind, {}).get(title, ("", False))[1]


def check_holders(loader: _Loader, after: dict[str, list[tuple[Edge, _Src | None]]]) -> None:
    for post_id, holds in after.items():
        if not _single_holder(post_id, loader):
            continue
        ids = {e.id for e, _ in holds if e.id is not None}
        for e in loader.store.edges(dst=post_id, kinds=["HOLDS"]):
            if e.id not in ids:  # stored holders of the post from other scopes
                holds.append((e, None))
        holds.sort(key=lambda h: (h[0].valid_from or "", h[0].src))
        for i, (a, sa) in enumerate(holds):
            for b, sb in holds[i + 1:]:
                if a.src == b.src or not _overlap(a, b):
                    continue
                src = sb or sa
                if src is None:
                    continue
                other = sa if src is sb else sb
                where = f"第{other.record.row}行的" if other else "项目中已有的"
                title = post_id.rsplit("/", 1)[1]
                owner = post_id.split(":", 2)[2].rsplit("/", 1)[0]
                loser = b if src is sb else a
                winner = a if src is sb else b
                loader.fail(src, "姓名" if src.table.kind.name in ("工作队", "县级领导") else title,
                            f"{owner}的{title}同一天只能有一人：与{where}“{_person_name(winner.src)}”"
                            f"（{winner.valid_from or '…'} 至 {winner.valid_to or '今'}）重叠；请核对起止日期",
                            _person_name(loser.src))


def _person_name(person_id: str) -> str:
    return person_id.rsplit("/", 1)[-1]


def pending(loader: _Loader, diff: dict[str, KindDiff]):
    """Nodes that are new or changed, permanent edges not yet stored, findings not yet stored."""
    store = loader.store
    nodes: list[Node] = []
    origin_of = {"township": "乡镇", "village": "村", "unit": "帮扶单位", "team": "工作队", "household": "结对帮扶",
                 "plan": "一户一策", "person": None, "post": None}
    known = set().union(*loader.known.values())  # nodes the store had when the load began
    stored = {n.id: n for n in store.nodes_by_id([nid for nid in loader.plan.nodes if nid in known])}
    for nid, (node, src) in loader.plan.nodes.items():
        old = stored.get(nid)
        origin = origin_of.get(node.kind) or (src.table.kind.name if src else None)
        if old is None:
            nodes.append(node)
            if origin:
                diff.setdefault(origin, KindDiff()).nodes_added += 1
        else:
            merged = {**old.props, **node.props}
            if merged != old.props or node.name != old.name:
                nodes.append(Node(nid, node.kind, node.name, merged, node.provenance))
                if origin:
                    diff.setdefault(origin, KindDiff()).nodes_changed += 1
    have = store.edge_keys("")
    perm = [edge for k, edge in loader.plan.perm.items() if k not in have]
    digests = store.finding_digests()
    findings = []
    fd = diff.setdefault("督查发现", KindDiff()) if loader.plan.findings else None
    for finding, digest, _src in loader.plan.findings:
        if digest in digests:
            fd.unchanged += 1
            continue
        digests.add(digest)
        findings.append((finding, digest))
        fd.added += 1
    return nodes, perm, findings
