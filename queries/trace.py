"""The liability trace: from a failed plan, a household or a finding up to the county.

The chain lists every actor the rulebook's ``trace_chain`` names, resolved on the day
(``at``: the finding's date by default), each with the edge that links it and the roster row
that edge came from. The liabilities are those the findings on this object trigger in the
window (by default the quarter of ``at``), evaluated exactly as ``zeren check`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..graph import schema
from ..graph.errors import NotFound
from ..graph.model import Finding
from ..graph.privacy import mask_props
from .check import Liability, Unresolved, Warning
from .paths import Reached, Resolver, kind_of
from .periods import default_day, quarter_of

__all__ = ["ChainLink", "TraceResult", "trace"]


@dataclass
class ChainLink:
    role: str
    label: str
    name: str
    post: str
    person: str | None
    edge: str  # LEADS / ASSISTS / SUPERVISES / LOCATED_IN …
    edge_label: str
    target: str  # the name of the node the edge points to (its dst)
    origin: str = ""  # the name of the node the edge leaves (its src)
    edge_src: str = ""  # node ids of the edge's ends
    edge_dst: str = ""
    body: str = ""
    kind: str = ""
    node: str = ""
    caption: str = ""  # the pack's caption of the node (a household's 户主)
    source: dict[str, Any] | None = None
    holding_source: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class TraceResult:
    subject: str  # plan / household / finding
    subject_id: str
    at: str
    date_from: str
    date_to: str
    rulebook: str
    object: dict[str, Any]
    chain: list[ChainLink]
    liabilities: list[Liability]
    standing: list[Liability]
    findings: list[Finding] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)

    def title(self, rulebook: Any = None) -> str:
        """What was traced, as a reader names it: 督查发现 #12, or the kind's label and the id."""
        if self.subject == "finding":
            return f"督查发现 #{self.subject_id}"
        label = rulebook.model.label(self.object.get("kind", "")) if rulebook is not None else self.subject
        return f"{label} {self.subject_id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "id": self.subject_id,
            "at": self.at,
            "from": self.date_from,
            "to": self.date_to,
            "rulebook": self.rulebook,
            "object": self.object,
            "findings": [{"n": f.n, "date": f.date, "type": f.type, "object": f.object_text,
                          "inspector": f.inspector, "note": f.note, "source": f.provenance.as_dict()}
                         for f in self.findings],
            "chain": [c.as_dict() for c in self.chain],
            "liabilities": [li.as_dict() for li in self.liabilities],
            "standing": [li.as_dict() for li in self.standing],
            "unresolved": [u.as_dict() for u in self.unresolved],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def trace(store: Any, subject: str, subject_id: str, *, at: str | None = None,
          date_from: str | None = None, date_to: str | None = None, show_personal_data: bool = False) -> TraceResult:
    """Trace a ``finding`` (its number), or an object of any kind of the pack by its id
    (``plan``, ``household`` …), up the chain. An object's findings are those on it, or on its
    nearest ancestor that findings can name (a plan's findings are its household's)."""
    r = Resolver(store)
    model = store.rulebook.model
    findings: list[Finding]
    if subject == "finding":
        try:
            finding = store.finding(int(subject_id))
        except ValueError:
            raise NotFound(f"督查发现编号应为数字：{subject_id}") from None
        start = finding.object_id
        findings = [finding]
    else:
        if subject not in model.kinds:
            raise NotFound(f"无法追溯“{subject}”：可追溯 finding 或 {', '.join(model.kinds)}")
        start = schema.node_id(subject, schema.name_key(subject_id))
        if r.node(start) is None:
            raise NotFound(f"{id_label(store.rulebook, subject)} {subject_id} 不在项目中 (not in the project)")
        objects = {o.kind for o in model.objects.values()}
        target = next((k for k in [subject, *(model.lift_path(subject, model.root) or [])] if k in objects), subject)
        found = r.lift(start, target, at or default_day(store)[0])
        findings = store.findings(object_id=found) if found else []
    day = at or (max(f.date for f in findings) if findings else default_day(store)[0])
    lo, hi = (date_from, date_to) if date_from and date_to else quarter_of(day)
    from .evaluators import Evaluation, subject_standing

    inside = [f for f in findings if lo <= f.date <= hi]
    ev = Evaluation(store, lo, hi, inside, whole_scopes=True)
    types = {f.type for f in inside}
    ev.run([rule for rule in ev.rb.rules if set(rule.when) & types or (inside and rule.kind == "escalation")])
    for rule in ev.rb.rules:
        if rule.kind == "standing":
            subject_standing(ev, rule, start, day)
    assessed = ev.result()
    start_node = r.node(start)
    obj = {"id": start, "kind": kind_of(start), "name": r.name(start), "caption": r.caption(start),
           "props": mask_props(start_node.props if start_node else {}, show_personal_data)}
    chain = _chain(r, start, day)
    _add_liable_parties(r, chain, assessed.liabilities + assessed.standing, {f.n: f for f in inside}, start, day)
    return TraceResult(
        subject=subject, subject_id=str(subject_id), at=day, date_from=lo, date_to=hi,
        rulebook=store.rulebook.name, object=obj, chain=chain,
        liabilities=assessed.liabilities, standing=assessed.standing,
        findings=sorted(findings, key=lambda f: (f.date, f.n)), unresolved=assessed.unresolved,
        warnings=assessed.warnings,
    )


def _chain(r: Resolver, start: str, day: str) -> list[ChainLink]:
    """Every actor the rulebook's ``trace_chain`` names from the subject, on the day."""
    links: list[ChainLink] = []
    seen: set[tuple[str, str | None]] = set()
    for step in r.rulebook.trace_chain:
        path = r.rulebook.role(step["role"])
        for reached in r.resolve(path, start, day):
            for party in r.party(reached, day):
                key = (step["role"], party.node, party.person_id)
                if key in seen:
                    continue
                seen.add(key)
                edge = party.link
                target = r.name(edge.dst) if edge else ""
                origin = r.name(edge.src) if edge else ""
                links.append(ChainLink(
                    role=step["role"], label=step.get("label", ""),
                    name=party.post or r.name(party.node), post=party.post, person=party.person,
                    edge=edge.kind if edge else "", edge_label=r.model.edge_label(edge.kind) if edge else "",
                    target=target, origin=origin, edge_src=edge.src if edge else "",
                    edge_dst=edge.dst if edge else "", body=party.body, kind=kind_of(party.node), node=party.node,
                    caption=r.caption(party.node),
                    source=edge.provenance.as_dict() if edge else _provenance(r, party.node),
                    holding_source=party.holding.provenance.as_dict() if party.holding else None,
                ))
    return links


def _add_liable_parties(r: Resolver, chain: list[ChainLink], entries: list[Liability], findings: dict[int, Finding],
                        start: str, day: str) -> None:
    """Every party a liability names joins the chain, with the links that reach it from the
    finding's object (a village's helping unit and its leaders; another team's captain)."""
    present = {c.node for c in chain}
    for li in entries:
        if not li.triggered or not li.party or li.party in present:
            continue
        origins = [(findings[n].object_id, findings[n].date) for n in li.findings if n in findings] or [(start, day)]
        for obj, when in origins:
            path = r.rulebook.role(li.role)
            links = _walk_links(r, path, obj, li.date or when)
            if not links or links[-1].node != li.party:
                continue
            for reached in links:
                if reached.node in present or reached.edge is None:
                    continue
                present.add(reached.node)
                chain.append(_link(r, li.role, li.label or li.post, reached, li.date or when))
            break


def _walk_links(r: Resolver, path: Any, start: str, day: str) -> list[Reached]:
    """The nodes (with their edges) along ``path`` from ``start`` that end at one party: the first
    branch that reaches a node; used to connect a liable party to the chain."""
    steps = r.model.lift_path(kind_of(start), path.start)
    if steps is None:
        return []
    trail: list[Reached] = []
    current = Reached(start)
    for parent in steps:
        up = r.step(current.node, parent, "", day)
        if not up:
            return []
        current = up[0]
        trail.append(current)

    def dfs(node: str, i: int) -> list[Reached] | None:
        if i == len(path.steps):
            return []
        step = path.steps[i]
        for nxt in r.step(node, step.name, step.param, day, step.filters):
            rest = dfs(nxt.node, i + 1)
            if rest is not None:
                return [nxt, *rest]
        return None

    rest = dfs(current.node, 0)
    return trail + rest if rest is not None else []


def _link(r: Resolver, role: str, label: str, reached: Reached, day: str) -> ChainLink:
    parties = r.party(reached, day)
    party = parties[0] if parties else None
    edge = reached.edge
    node = r.node(reached.node)
    post = party.post if party else ""
    return ChainLink(
        role=role, label=label if kind_of(reached.node) in ("post", "unit", "body") else r.rulebook.label(
            kind_of(reached.node)),
        name=post or r.name(reached.node), post=post, person=party.person if party else None,
        edge=edge.kind if edge else "", edge_label=r.model.edge_label(edge.kind) if edge else "",
        target=r.name(edge.dst) if edge else "", origin=r.name(edge.src) if edge else "",
        edge_src=edge.src if edge else "", edge_dst=edge.dst if edge else "", body=party.body if party else "",
        kind=kind_of(reached.node), node=reached.node,
        source=edge.provenance.as_dict() if edge else (node.provenance.as_dict() if node else None),
        holding_source=party.holding.provenance.as_dict() if party and party.holding else None)


def _provenance(r: Resolver, node_id: str) -> dict[str, Any] | None:
    node = r.node(node_id)
    return node.provenance.as_dict() if node and node.provenance.source else None


def id_label(rulebook: Any, kind: str) -> str:
    """What rosters call the id of a kind: the column of the slot that creates it (督查发现 for a finding)."""
    if kind == "finding":
        return "督查发现"
    for roster in rulebook.pack.rosters:
        for slot in roster.slots:
            if slot.mode == "create" and slot.kind == kind and slot.column:
                return slot.column
    return rulebook.label(kind)
