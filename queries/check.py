"""Evaluating a rulebook's liability rules over the findings of a window.

``check(store, lo, hi)`` runs every rule over the findings dated in the window;
``liabilities_for(store, findings, lo, hi)`` runs only the rules those findings select (what a
trace shows), measuring threshold rules over the whole scope all the same. The evaluators,
one per kind of rule, live in :mod:`zeren.queries.evaluators`.

Every answer is one of four things, never a blank line:

- a **liability** naming a person (the holder of a post on the day that matters) or a body;
- **not applicable**: the finding reached a rule that does not bind its object (a negative
  incident on a unit under a clause that binds townships, a 两委 finding on a village that is not poor), with
  the reason — listed with the rules not triggered;
- **unresolved**: the rule applies, but nobody can be named (a vacant post, a village without
  a team, a body the list names only vaguely), with why and what to load;
- a **warning**: a finding the rosters contradict (a plan recorded 已制定 found 未制定; a
  team found 走读 in a village that has none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..graph import schema
from ..graph.model import Finding

__all__ = ["Liability", "Unresolved", "Warning", "CheckResult", "check", "evaluate", "liabilities_for"]


@dataclass
class Liability:
    """One liable party under one rule (or one untriggered or inapplicable rule with its figures)."""

    clause: str
    rule: str
    triggered: bool
    kind: str
    post: str
    person: str | None
    body: str
    scope: str | None
    scope_id: str | None = None
    role: str = ""
    label: str = ""
    date: str | None = None
    numerator: int | None = None
    denominator: int | None = None
    threshold: str | None = None
    ratio: float | None = None
    near_miss: bool = False
    consequence: str = ""
    by: str = ""
    summary: str = ""
    explanation: str = ""
    findings: list[int] = field(default_factory=list)
    person_id: str | None = None
    party: str | None = None  # the liable node id (post, unit, body …)
    source: dict[str, Any] | None = None  # provenance of the holder's assignment
    applicable: bool = True  # False: the findings reached this rule but it does not bind their objects
    standing: bool = False  # a standing responsibility (二.1), not triggered by a finding of its own
    note: str = ""  # the basis where the rulebook's reading goes beyond the clause's words
    duties: list[dict[str, Any]] = field(default_factory=list)  # the holder's duty record over the window
    tenure: dict[str, str | None] | None = None  # the holder's assignment: from, to (None = still in post)
    days_in_post: int | None = None  # on the day that matters
    holder_at_finding: str | None = None  # who held the post when the finding was made, if someone else
    conflict: str = ""  # the liable party also inspected the case

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        if self.numerator is None:
            for k in ("numerator", "denominator", "threshold", "ratio"):
                d.pop(k)
        return d


@dataclass
class Unresolved:
    """A rule applies but nobody can be named: a vacant post, a missing team, a vague body."""

    clause: str
    rule: str
    kind: str
    post: str  # what the rule names: a post title, a body, a relation's label
    body: str  # the organ or owner, where known
    scope: str | None
    date: str | None
    reason: str
    hint: str
    findings: list[int] = field(default_factory=list)
    role: str = ""
    party: str | None = None
    vacant_since: str | None = None
    last_holder: str | None = None
    standing: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Warning:
    """A finding that the rosters contradict or cannot place."""

    message: str
    finding: int | None = None
    source: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CheckResult:
    date_from: str
    date_to: str
    rulebook: str
    findings: list[Finding]
    liabilities: list[Liability]
    standing: list[Liability] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)

    @property
    def triggered(self) -> list[Liability]:
        return [li for li in self.liabilities if li.triggered]

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.date_from,
            "to": self.date_to,
            "rulebook": self.rulebook,
            "findings": len(self.findings),
            "triggered": len(self.triggered),
            "liabilities": [li.as_dict() for li in self.liabilities],
            "standing": [li.as_dict() for li in self.standing],
            "unresolved": [u.as_dict() for u in self.unresolved],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def check(store: Any, date_from: str | None, date_to: str | None, *, township: str | None = None,
          round_name: str | None = None, until: str | None = None) -> CheckResult:
    """``zeren check``: every rule over the findings dated in [date_from, date_to].

    ``township``: only what arises from findings in that township (by name). ``round_name``: the
    findings of one inspection round (督查批次), thresholds measured over that round, the window
    its first to its last finding. ``until``: only the findings made up to that day (how the
    window stands on that day).
    """
    from .evaluators import Evaluation

    if round_name is not None:
        findings = [f for f in store.findings(date_from, date_to) if f.props.get("round") == round_name]
        if not findings:
            rounds = sorted({f.props["round"] for f in store.findings() if f.props.get("round")})
            from ..graph.errors import NotFound

            raise NotFound(f"督查批次“{round_name}”没有督查发现（项目中的批次：{'、'.join(rounds) or '无'}）")
        date_from, date_to = min(f.date for f in findings), max(f.date for f in findings)
    else:
        findings = store.findings(date_from, until if until and until < date_to else date_to)
    ev = Evaluation(store, date_from, date_to, findings)
    ev.run(ev.rb.rules)
    result = ev.result()
    attach_duties(store, result)
    _conflicts(store, result)
    return _in_township(ev, result, township) if township is not None else result


def _conflicts(store: Any, result: CheckResult) -> None:
    """A body liable in a case that also inspected it — the inspecting body itself, or one of the
    units a rulebook body (a standing inspection group) is made of — is flagged: it judged its own case."""
    by_n = {f.n: f for f in result.findings}
    members = {schema.name_key(b["name"]): {schema.name_key(m) for m in b.get("members") or []}
               for b in store.rulebook.bodies}
    for li in result.liabilities + result.standing:
        if not li.triggered or not li.body:
            continue
        mine = schema.name_key(li.body)
        for n in li.findings:
            f = by_n.get(n)
            inspector = schema.name_key(f.inspector) if f and f.inspector else ""
            if not inspector:
                continue
            if inspector == mine:
                li.conflict = f"督查主体“{f.inspector}”同时是本案的责任方（督查发现 #{n}）"
                break
            if any(inspector == name or inspector in name or name in inspector for name in members
                   if mine in members[name]):
                li.conflict = f"“{li.body}”是督查主体“{f.inspector}”的成员单位，同时是本案的责任方（督查发现 #{n}）"
                break


evaluate = check  # the library name the tests and older callers use


def liabilities_for(store: Any, findings: list[Finding], date_from: str, date_to: str) -> CheckResult:
    """The rules these findings select, evaluated as ``check`` does (a trace's liabilities):
    a threshold rule is measured over each whole scope the findings fall in."""
    from .evaluators import Evaluation

    inside = [f for f in findings if date_from <= f.date <= date_to]
    ev = Evaluation(store, date_from, date_to, inside, whole_scopes=True)
    types = {f.type for f in inside}
    ev.run([r for r in ev.rb.rules if set(r.when) & types or r.kind == "escalation"])
    return ev.result()


def attach_duties(store: Any, result: Any, at: str | None = None) -> None:
    """Missed duties are evidence: each triggered liability under a clause with duties carries
    the duty record, over the same window, of the holder it names (or of the place it is
    measured over: the township whose 党委政府 must hold the 例会) — when a duty log is kept."""
    rb = store.rulebook
    clauses = {d.clause for d in rb.duties}
    wanted = [li for li in result.liabilities if li.triggered and li.clause in clauses and li.party]
    if not wanted:
        return
    from .duties import coverage, duties

    log = coverage(store)
    if not log.overlaps(result.date_from, result.date_to):
        return  # no duty log for the window: nothing to show beside the liabilities
    root = schema.node_id(rb.model.root, schema.name_key(rb.county))
    starts = {li.scope_id for li in wanted if li.scope_id} | {root}
    judged = duties(store, result.date_from, result.date_to, at=at,
                    only=sorted({li.clause for li in wanted}), scope_ids=starts, log=log)
    for li in wanted:
        for e in judged.duties:
            if e.clause != li.clause:
                continue
            if li.party in e.holder_id.split("、") or (li.scope_id and e.scope_id == li.scope_id):
                li.duties.append({"duty": e.duty, "what": e.what, "window": e.window, "person": e.person,
                                  "required": e.required, "done": e.done, "unit": e.unit, "status": e.status,
                                  "evidence": e.evidence, **({"note": e.note} if e.note else {})})


def _in_township(ev: Any, result: CheckResult, name: str) -> CheckResult:
    from ..graph.errors import NotFound

    tid = schema.node_id("township", schema.name_key(name))
    if ev.r.node(tid) is None:
        raise NotFound(f"{ev.rb.label('township')}“{name}”不在项目中")
    inside = {f.n for f in result.findings if ev.r.lift(f.object_id, "township", f.date) == tid}

    def keep(entries: list[Any]) -> list[Any]:
        return [x for x in entries if set(x.findings) & inside]

    return CheckResult(result.date_from, result.date_to, result.rulebook,
                       [f for f in result.findings if f.n in inside], keep(result.liabilities),
                       keep(result.standing), keep(result.unresolved),
                       [w for w in result.warnings if w.finding in inside])
