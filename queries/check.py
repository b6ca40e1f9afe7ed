"""Evaluating a rulebook's liability rules over the findings of a window.

Per-object rules trigger on any finding of their type; threshold rules compare the distinct
failing objects of a scope with what existed in that scope during the window ("以上" includes
the number: 3 of 100 = 3.0% ≥ 3% triggers). Each liable party is one :class:`Liability`;
rules not triggered appear with their figures. Persons are whoever held the post on the
day that matters: the finding's date, or for a threshold rule the day it was crossed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..graph import schema
from ..graph.rules import MEASURES, Liable, Rule, Rulebook
from ..graph.store import Finding
from .paths import Party, Resolver, kind_of

__all__ = ["Liability", "CheckResult", "check", "evaluate"]

_MEASURE_LABEL = {"households": "户贫困户", "teams": "支驻村帮扶工作队"}
_COUNT_LABEL = {"household": "户", "team": "支工作队"}


@dataclass
class Liability:
    """One liable party under one rule (or one untriggered rule with its figures)."""

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

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        if self.numerator is None:
            for k in ("numerator", "denominator", "threshold", "ratio"):
                d.pop(k)
        return d


@dataclass
class CheckResult:
    date_from: str
    date_to: str
    rulebook: str
    findings: list[Finding]
    liabilities: list[Liability]

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
        }


def _percent(text: str) -> Fraction:
    return Fraction(text.strip().rstrip("%")) / 100


def _pct(num: int, den: int) -> str:
    return f"{Fraction(num * 100, den).__float__():.1f}%" if den else "—"


class _Evaluator:
    def __init__(self, store: Any, date_from: str, date_to: str):
        self.store = store
        self.rb: Rulebook = store.rulebook
        self.r = Resolver(store)
        self.date_from, self.date_to = date_from, date_to
        self._measures: dict[tuple[str, str], int] = {}
        self._villages: dict[str, list[str]] = {}

    def entries(self, rule: Rule, liable: Liable, start: str, day: str, findings: list[int], **extra) -> list[Liability]:
        parties = self.r.parties(liable.role, start, day)
        if not parties:
            return [self.entry(rule, liable, None, day, findings, **extra)]
        return [self.entry(rule, liable, p, day, findings, **extra) for p in parties]

    def entry(self, rule: Rule, liable: Liable, party: Party | None, day: str, findings: list[int],
              scope_id: str | None = None, triggered: bool = True, explanation: str = "", **figures) -> Liability:
        if party is None:
            post, person, body, pid, node = liable.label or liable.role.text, None, "", None, None
            explanation = (explanation + "；" if explanation else "") + f"按 {liable.role.text} 在 {day} 找不到对应的人或机构"
        else:
            post, person, body, pid, node = party.post, party.person, party.body, party.person_id, party.node
            if kind_of(party.node) == "post" and party.person is None:
                explanation = (explanation + "；" if explanation else "") + f"{day} 该职务无人在职"
        holding = party.holding if party else None
        return Liability(
            clause=rule.clause, rule=rule.id, triggered=triggered, kind=liable.kind,
            post=post or liable.label,
            person=person, body=body, scope=self.r.name(scope_id) if scope_id else None, scope_id=scope_id,
            role=liable.role.text, label=liable.label, date=day, consequence=rule.consequence, by=rule.by,
            summary=rule.summary, explanation=explanation, findings=sorted(set(findings)), person_id=pid,
            party=node, source=holding.provenance.as_dict() if holding else None, **figures,
        )

    def findings_within(self, scope_id: str, types: tuple[str, ...]) -> list[Finding]:
        """The window's findings of these types on objects in a scope (a superset for a county)."""
        if kind_of(scope_id) == "township":
            return self.store.findings_within(self._villages_of(scope_id), scope_id, self.date_from, self.date_to,
                                              types)
        return [f for f in self.store.findings(self.date_from, self.date_to) if f.type in types]

    def measure(self, scope_id: str, of: str) -> int:
        key = (scope_id, of)
        if key not in self._measures:
            kind = kind_of(scope_id)
            if kind == "village":
                villages = [scope_id]
            elif kind == "township":
                villages = self._villages_of(scope_id)
            else:  # county
                villages = [v for t in self._children(scope_id, "township") for v in self._villages_of(t)]
            self._measures[key] = self.store.count_located(MEASURES[of], villages, self.date_from, self.date_to)
        return self._measures[key]

    def _children(self, node_id: str, kind: str) -> list[str]:
        return sorted({e.src for e in self.store.edges(dst=node_id, kinds=["LOCATED_IN"]) if kind_of(e.src) == kind})

    def _villages_of(self, township: str) -> list[str]:
        if township not in self._villages:
            self._villages[township] = self._children(township, "village")
        return self._villages[township]

    # -- rules -------------------------------------------------------------------------
    def simple(self, rule: Rule, findings: list[Finding]) -> list[Liability]:
        merged: dict[tuple, Liability] = {}  # one entry per liable party, in the order found
        for f in findings:
            scope = self.r.lift(f.object_id, rule.scope, f.date)
            for liable in rule.liable:
                for li in self.entries(rule, liable, f.object_id, f.date, [f.n], scope_id=scope,
                                       explanation=f"督查发现 #{f.n}（{f.date}，{f.type}：{f.object_text}）"):
                    k = (liable.role.text, li.party, li.person_id)
                    if k in merged:  # one entry per liable party, listing every finding behind it
                        old = merged[k]
                        old.findings = sorted(set(old.findings) | set(li.findings))
                        old.explanation += f"；#{f.n}（{f.date}）"
                        if li.scope and old.scope and li.scope not in old.scope.split("、"):
                            old.scope += f"、{li.scope}"
                    else:
                        merged[k] = li
        return list(merged.values())

    def threshold(self, rule: Rule, findings: list[Finding]) -> list[Liability]:
        assert rule.threshold is not None
        limit = _percent(rule.threshold.text)
        groups: dict[str, dict[str, Finding]] = defaultdict(dict)  # scope → counted object → first finding
        for f in findings:
            obj = self.r.lift(f.object_id, rule.counts, f.date)
            scope = self.r.lift(obj, rule.scope, f.date) if obj else None
            if obj is None or scope is None:
                continue
            groups[scope].setdefault(obj, f)
        out: list[Liability] = []
        for scope, objects in sorted(groups.items()):
            firsts = sorted(objects.items(), key=lambda kv: (kv[1].date, kv[1].n))
            num = len(firsts)
            den = self.measure(scope, rule.threshold.of)
            triggered = den > 0 and Fraction(num, den) >= limit
            near = not triggered and den > 0 and Fraction(num + 1, den) >= limit
            if triggered:
                need = next(i for i in range(1, num + 1) if Fraction(i, den) >= limit)
                day = firsts[need - 1][1].date
            else:
                need, day = 0, firsts[-1][1].date
            label = _MEASURE_LABEL[rule.threshold.of]
            arith = (f"{self.r.name(scope)}：{num} / {den} {label} = {_pct(num, den)} "
                     f"{'≥' if triggered else '<'} {rule.threshold.text}（“以上”含本数）")
            if triggered:
                arith += f"；{day} 第{need}{_COUNT_LABEL.get(rule.counts, '个')}达到阈值，按当日在职人员认定"
            elif near:
                arith += "；再有1个即达到阈值（临界）"
            figures = dict(numerator=num, denominator=den, threshold=rule.threshold.text,
                           ratio=round(num / den, 6) if den else None, near_miss=near)
            all_n = [f.n for _, f in firsts]
            merged: dict[tuple, Liability] = {}
            for liable in rule.liable:
                below = schema.lift_path(liable.role.start, rule.scope)
                if below:  # a role below the scope (team.post(队长)): each failing object, on its day
                    found = [li for obj, f in firsts for li in self.entries(
                        rule, liable, obj, f.date, [f.n], scope_id=scope, triggered=triggered, explanation=arith,
                        **figures)]
                else:
                    found = self.entries(rule, liable, firsts[0][0], day, all_n, scope_id=scope,
                                         triggered=triggered, explanation=arith, **figures)
                for li in found:  # one entry per party: the same secretary for two teams is one line
                    k = (liable.role.text, li.party, li.person_id)
                    if k in merged:
                        merged[k].findings = sorted(set(merged[k].findings) | set(li.findings))
                    else:
                        merged[k] = li
                        out.append(li)
        return out

    def untriggered(self, rule: Rule) -> list[Liability]:
        """A rule no finding of the window touched: one line, with zero figures if it has a threshold."""
        figures: dict[str, Any] = {}
        text = "本期无相关督查发现"
        if rule.threshold:
            figures = dict(numerator=0, denominator=None, threshold=rule.threshold.text, ratio=0.0)
            text += f"（0 个，阈值 {rule.threshold.text}）"
        liable = rule.liable[0]
        return [Liability(clause=rule.clause, rule=rule.id, triggered=False, kind=liable.kind,
                          post=liable.label or liable.role.text, person=None, body="", scope=None,
                          role=liable.role.text, label=liable.label, consequence=rule.consequence, by=rule.by,
                          summary=rule.summary, explanation=text, **figures)]

    def escalate(self, rule: Rule, found: list[Liability]) -> list[Liability]:
        """结语-like rules: every county-level person liable above owes a further consequence."""
        county = schema.node_id("county", self.rb.county)
        prefix = f"person:{self.rb.county}/"
        out: dict[str, Liability] = {}
        liable = rule.liable[0]
        for li in found:
            if li.triggered and li.person_id and li.person_id.startswith(prefix):
                if li.person_id in out:
                    out[li.person_id].findings = sorted(set(out[li.person_id].findings) | set(li.findings))
                    continue
                out[li.person_id] = Liability(
                    clause=rule.clause, rule=rule.id, triggered=True, kind=liable.kind, post=li.post,
                    person=li.person, body=li.body, scope=self.r.name(county), scope_id=county, role=li.role,
                    label=liable.label, date=li.date, consequence=rule.consequence, by=rule.by, summary=rule.summary,
                    explanation=f"县级领导在 {li.clause} 中承担{li.kind}", findings=list(li.findings),
                    person_id=li.person_id, party=li.party, source=li.source)
        return list(out.values())


def evaluate(store: Any, date_from: str, date_to: str, *, focus: set[int] | None = None,
             township: str | None = None) -> CheckResult:
    """Evaluate every rule over the findings dated in [date_from, date_to].

    ``focus``: only the rules and scopes that these finding numbers touch (a trace).
    ``township``: only liabilities whose findings lie in that township (by name).
    """
    ev = _Evaluator(store, date_from, date_to)
    if focus is None:
        findings = store.findings(date_from, date_to)
        focus_findings = findings
    else:  # a trace: read only its own findings, and the others only where a threshold needs them
        focus_findings = [f for f in (store.finding(n) for n in sorted(focus)) if date_from <= f.date <= date_to]
        findings = focus_findings
    out: list[Liability] = []
    escalations: list[Rule] = []
    for rule in ev.rb.rules:
        if rule.standing:
            continue
        if rule.escalate:
            escalations.append(rule)
            continue
        relevant = [f for f in findings if f.type in rule.when]
        if focus is not None:
            if not relevant:
                continue
            if rule.threshold is not None:
                scopes = {ev.r.lift(f.object_id, rule.scope, f.date) for f in relevant} - {None}
                relevant = [f for scope in sorted(scopes) for f in ev.findings_within(scope, rule.when)
                            if ev.r.lift(f.object_id, rule.scope, f.date) == scope]
        if not relevant:
            out.extend(ev.untriggered(rule))
        elif rule.threshold is None:
            out.extend(ev.simple(rule, relevant))
        else:
            out.extend(ev.threshold(rule, relevant))
    for rule in escalations:
        out.extend(ev.escalate(rule, out))
    if township is not None:
        out = _in_township(ev, out, findings, township)
    return CheckResult(date_from, date_to, ev.rb.name, findings if focus is None else focus_findings, out)


def _in_township(ev: _Evaluator, entries: list[Liability], findings: list[Finding], name: str) -> list[Liability]:
    from ..graph.errors import NotFound

    tid = schema.node_id("township", schema.name_key(name))
    if ev.r.node(tid) is None:
        raise NotFound(f"乡镇“{name}”不在项目中")
    inside = {f.n for f in findings if ev.r.lift(f.object_id, "township", f.date) == tid}
    return [li for li in entries if set(li.findings) & inside]


def check(store: Any, date_from: str, date_to: str, *, township: str | None = None) -> CheckResult:
    """``zeren check``: every rule over the window, each liable party one entry."""
    return evaluate(store, date_from, date_to, township=township)
