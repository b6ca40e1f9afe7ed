"""The liability trace: from a failed plan, a household or a finding up to the county.

The chain lists every actor the rulebook's ``trace_chain`` names, resolved on the day
(``at``: the finding's date by default), each with the edge that links it and the roster row
that edge came from. The liabilities are those the findings on this object trigger in the
window (by default the quarter of ``at``), evaluated exactly as ``zeren check`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..graph import schema
from ..graph.errors import NotFound
from ..graph.privacy import mask_props
from ..graph.rules import parse_role_path
from ..graph.store import Finding
from .check import CheckResult, Liability, evaluate
from .paths import Resolver, kind_of
from .periods import quarter_of

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
        }


def trace(store: Any, subject: str, subject_id: str, *, at: str | None = None,
          date_from: str | None = None, date_to: str | None = None, show_personal_data: bool = False) -> TraceResult:
    """Trace a ``plan``, ``household`` or ``finding`` (its number) up the chain."""
    r = Resolver(store)
    findings: list[Finding]
    if subject == "finding":
        try:
            finding = store.finding(int(subject_id))
        except ValueError:
            raise NotFound(f"督查发现编号应为数字：{subject_id}") from None
        start = finding.object_id
        findings = [finding]
    else:
        if subject not in ("plan", "household"):
            raise NotFound(f"unknown subject {subject!r}: plan, household or finding")
        start = schema.node_id(subject, schema.name_key(subject_id))
        node = r.node(start)
        if node is None:
            label = {"plan": "计划编号", "household": "户编号"}[subject]
            raise NotFound(f"{label} {subject_id} 不在项目中 (not in the project)")
        household = start if subject == "household" else node.props.get("household", "")
        findings = store.findings(object_id=household)
    book = store.rulebook  # every walk below, fetched at once from a server store
    r.prefetch([start], [parse_role_path(s["role"], book.county_posts) for s in book.trace_chain]
               + [li.role for rule in book.rules for li in rule.liable], at)
    day = at or (max(f.date for f in findings) if findings else date.today().isoformat())
    lo, hi = (date_from, date_to) if date_from and date_to else quarter_of(day)
    in_window = {f.n for f in findings if lo <= f.date <= hi}
    result: CheckResult = evaluate(store, lo, hi, focus=in_window) if in_window else None
    liabilities = result.liabilities if result else []
    start_node = r.node(start)
    obj = {"id": start, "kind": kind_of(start), "name": r.name(start),
           "props": mask_props(start_node.props if start_node else {}, show_personal_data)}
    return TraceResult(
        subject=subject, subject_id=str(subject_id), at=day, date_from=lo, date_to=hi,
        rulebook=store.rulebook.name, object=obj, chain=_chain(r, start, day),
        liabilities=liabilities, standing=_standing(r, store, start, day),
        findings=sorted(findings, key=lambda f: (f.date, f.n)),
    )


def _chain(r: Resolver, start: str, day: str) -> list[ChainLink]:
    links: list[ChainLink] = []
    if kind_of(start) == "plan":  # the subject itself, then its household by the has-plan edge
        plan = r.node(start)
        links.append(ChainLink("plan", r.rulebook.label("plan"), r.name(start), "", None, "", "", "", kind="plan", node=start,
                               source=plan.provenance.as_dict() if plan else None))
    if kind_of(start) in ("plan", "household"):
        hh = r.lift(start, "household", day)
        node = r.node(hh) if hh else None
        if node is not None:
            has_plan = kind_of(start) == "plan"
            links.append(ChainLink("household", r.rulebook.label("household"), node.name, "", None,
                                   "HAS_PLAN" if has_plan else "", schema.EDGE_KINDS["HAS_PLAN"] if has_plan else "",
                                   r.name(start) if has_plan else "", origin=node.name if has_plan else "",
                                   edge_src=hh if has_plan else "", edge_dst=start if has_plan else "",
                                   kind="household", node=hh, source=node.provenance.as_dict()))
    seen: set[tuple[str, str | None]] = set()
    for step in r.rulebook.trace_chain:
        path = parse_role_path(step["role"], r.rulebook.county_posts)
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
                    edge=edge.kind if edge else "", edge_label=schema.EDGE_KINDS.get(edge.kind, "") if edge else "",
                    target=target, origin=origin, edge_src=edge.src if edge else "",
                    edge_dst=edge.dst if edge else "", body=party.body, kind=kind_of(party.node), node=party.node,
                    source=edge.provenance.as_dict() if edge else None,
                    holding_source=party.holding.provenance.as_dict() if party.holding else None,
                ))
    return links


def _standing(r: Resolver, store: Any, start: str, day: str) -> list[Liability]:
    """Standing responsibilities (二.1 …) of the actors above this object, on the day."""
    out: list[Liability] = []
    for rule in store.rulebook.rules:
        if not rule.standing:
            continue
        for liable in rule.liable:
            for party in r.parties(liable.role, start, day):
                out.append(Liability(
                    clause=rule.clause, rule=rule.id, triggered=True, kind=liable.kind, post=party.post,
                    person=party.person, body=party.body, scope=r.name(r.lift(start, rule.scope, day) or ""),
                    role=liable.role.text, label=liable.label, date=day, summary=rule.summary,
                    explanation="常设责任（不需督查发现触发）", person_id=party.person_id, party=party.node,
                    source=party.holding.provenance.as_dict() if party.holding else None))
    return out
