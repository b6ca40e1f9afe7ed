"""One evaluator per kind of rule: finding, threshold, standing, escalation.

An :class:`Evaluation` holds one window's findings and what the evaluators conclude. Each
evaluator takes the evaluation and one rule and records liabilities, inapplicable findings
(with the reason), unresolved parties (with what to load) and warnings; ``EVALUATORS`` maps a
rule's kind to its evaluator. Findings and threshold rules run first, in the rulebook's
order; standing rules then attach to the scopes where something was triggered; escalation
rules (结语) last, over everything triggered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from ..graph import schema
from ..graph.model import Finding
from ..graph.rules import Liable, Rule, Rulebook
from .check import CheckResult, Liability, Unresolved, Warning
from .paths import Party, Resolver, kind_of, role_label

__all__ = ["Evaluation", "EVALUATORS", "subject_standing"]

def occurred(f: Finding) -> str:
    """The day a finding's problem happened (问题发生日期), else the day it was found: the holders
    liable are those in post that day."""
    return f.props.get("occurred") or f.date


def _pct(num: int, den: int) -> str:
    return f"{float(Fraction(num * 100, den)):.1f}%" if den else "—"


class Evaluation:
    """The findings of one window and everything the rules conclude about them."""

    def __init__(self, store: Any, date_from: str, date_to: str, findings: list[Finding], *,
                 whole_scopes: bool = False):
        self.store = store
        self.rb: Rulebook = store.rulebook
        self.r = Resolver(store)
        self.date_from, self.date_to = date_from, date_to
        self.findings = findings
        self.whole_scopes = whole_scopes  # a trace: threshold scopes read their other findings
        self.liabilities: list[Liability] = []
        self.standing: dict[tuple, Liability] = {}
        self.unresolved: dict[tuple, Unresolved] = {}
        self.not_applicable: dict[tuple, Liability] = {}
        self.warnings: list[Warning] = []
        self._missing: dict[int, str | None] = {}  # finding → why its object is not in the project
        self._measures: dict[tuple[str, str], int] = {}
        self._counted = 0  # measures counted by the store one scope at a time
        self._located: dict[str, dict[str, set[str]]] = {}  # measured kind → place → members in the window
        self._villages: dict[tuple[str, str], list[str]] = {}
        self._checked_findings: set[int] = set()

    # -- running ---------------------------------------------------------------------------
    def run(self, rules: list[Rule]) -> None:
        for f in self.findings:
            self._check_finding(f)
        order = {"finding": 0, "threshold": 0, "standing": 1, "escalation": 2}
        for rule in sorted(rules, key=lambda r: order[r.kind]):  # stable: the rulebook's order within a kind
            EVALUATORS[rule.kind](self, rule)

    def result(self) -> CheckResult:
        entries = self.liabilities + list(self.not_applicable.values())
        return CheckResult(self.date_from, self.date_to, self.rb.name, self.findings, entries,
                           list(self.standing.values()), list(self.unresolved.values()), self.warnings)

    # -- findings and objects ----------------------------------------------------------------
    def relevant(self, rule: Rule) -> list[Finding]:
        return [f for f in self.findings if f.type in rule.when]

    def _check_finding(self, f: Finding) -> None:
        """Warnings for a finding the rosters cannot place or contradict (once per finding)."""
        if f.n in self._checked_findings:
            return
        self._checked_findings.add(f.n)
        label = self.rb.label(kind_of(f.object_id))
        if self.r.node(f.object_id) is None:
            why = f"{label}“{f.object_text}”在项目中不存在"
            self._missing[f.n] = why
            self.warnings.append(Warning(f"督查发现 #{f.n}（{f.type}）：{why}，未计入任何规则；请核对该条督查发现，"
                                         f"或先导入相应名单", f.n, f.provenance.as_dict()))
            return
        self._missing[f.n] = None
        if not self.r.on_register(f.object_id, f.date):
            self.warnings.append(Warning(f"督查发现 #{f.n}（{f.type}）：{label}“{f.object_text}”在 {f.date} 不在册"
                                         f"（名单中该日没有它的有效记录），按其最近的记录认定；请核实", f.n,
                                         f.provenance.as_dict()))
        for c in self.rb.contradictions:
            if f.type not in c.when:
                continue
            for reached in self.r.resolve(c.path, f.object_id, f.date):
                node = self.r.node(reached.node)
                where = _where(node.provenance.as_dict()) if node else ""
                self.warnings.append(Warning(f"督查发现 #{f.n}（{f.type}：{f.object_text}）：{c.message}"
                                             f"（{self.r.name(reached.node)}{'，' + where if where else ''}）",
                                             f.n, f.provenance.as_dict()))

    def inapplicable(self, rule: Rule, f: Finding) -> str | None:
        """Why ``rule`` cannot bind finding ``f``'s object, or None when it does."""
        if self._missing.get(f.n):
            return self._missing[f.n]
        if f.object_type not in rule.objects:
            return f"督查发现的对象是{f.object_type}；{rule.clause} 此项只约束{'、'.join(rule.objects)}"
        if rule.condition and not self.r.resolve(rule.condition.path, f.object_id, f.date):
            return rule.condition.otherwise
        return None

    def bindable(self, rule: Rule, findings: list[Finding]) -> list[Finding]:
        """The findings ``rule`` binds; the others are recorded as not applicable, with why."""
        out = []
        for f in findings:
            why = self.inapplicable(rule, f)
            if why is None:
                out.append(f)
            else:
                self._not_applicable(rule, None, f, why)
        return out

    def _not_applicable(self, rule: Rule, liable: Liable | None, f: Finding, why: str) -> None:
        first = liable or rule.liable[0]
        key = (rule.id, liable.role.text if liable else "", why)
        entry = self.not_applicable.get(key)
        if entry is None:
            post = self.label(liable) if liable else "、".join(dict.fromkeys(self.label(li) for li in rule.liable))
            self.not_applicable[key] = Liability(
                clause=rule.clause, rule=rule.id, triggered=False, kind=first.kind, post=post, person=None, body="",
                scope=None, role=first.role.text, label=first.label, consequence=rule.consequence, by=rule.by,
                summary=rule.summary, explanation=f"不适用：{why}（督查发现 #{f.n}）", findings=[f.n],
                applicable=False)
        elif f.n not in entry.findings:
            entry.findings.append(f.n)
            entry.explanation = entry.explanation[:entry.explanation.rindex("（督查发现")] + \
                f"（督查发现 {'、'.join(f'#{n}' for n in entry.findings)}）"

    def label(self, liable: Liable) -> str:
        return liable.label or role_label(liable.role, self.rb)

    # -- naming parties ------------------------------------------------------------------------
    def name(self, rule: Rule, liable: Liable, start: str, day: str, findings: list[int], *,
             scope_id: str | None, triggered: bool = True, explanation: str = "", standing: bool = False,
             found: str | None = None, **figures: Any) -> list[Liability]:
        """The liabilities ``liable`` names from ``start`` on ``day``. Where nobody can be named
        (a vacant post, nothing to reach, a vague body) a triggered rule records it as
        unresolved; an untriggered one keeps its figures on an entry without a person."""
        reached, stopped = self.r.walk(liable.role, start, day)
        parties = [p for r in reached for p in self.r.party(r, day)]
        scope = self.r.name(scope_id) if scope_id else None
        out: list[Liability] = []
        if not parties:
            if standing:  # a standing post that does not exist there (a village nobody 包抓s): nothing owed
                return out
            if triggered:
                self._unresolved(rule, liable, None, day, findings, scope, stopped,
                                 "请导入或核对相关名单，使该日的对象完整", standing)
            else:
                out.append(self._entry(rule, liable, None, day, findings, scope_id, scope, False, explanation,
                                       standing, figures))
            return out
        for party in parties:
            if triggered and (party.vacant or party.unspecified):
                if party.vacant:
                    since, last = self.r.vacancy(party.node, day)
                    reason = f"{party.body} {party.post} 在 {day} 无人在职" + \
                        (f"（自 {since} 起空缺，前任 {last}）" if since else "（名单中从未有人任此职）")
                    self._unresolved(rule, liable, party, day, findings, scope, reason,
                                     f"请在名单中补录 {party.body} {party.post} 在 {day} 的任职人，或确认该职务空缺",
                                     standing, since, last)
                else:
                    self._unresolved(rule, liable, party, day, findings, scope,
                                     f"“{party.body}”：{party.unspecified}",
                                     f"在规则手册 bodies 中为“{party.body}”写明 members（具体的单位），"
                                     f"再用该规则手册建立项目", standing)
                continue
            entry = self._entry(rule, liable, party, day, findings, scope_id, scope, triggered, explanation,
                                standing, figures)
            if found and found != day and party.node.startswith("post:"):
                # the problem happened under one holder and was found under another: both are shown
                then = [h for h in self.r.holders(party.node, found)]
                names = "、".join(self.r.name(h.src) for h in then) or None
                if names != party.person:
                    entry.holder_at_finding = names or "（无人在职）"
            out.append(entry)
        return out

    def _entry(self, rule: Rule, liable: Liable, party: Party | None, day: str, findings: list[int],
               scope_id: str | None, scope: str | None, triggered: bool, explanation: str, standing: bool,
               figures: dict[str, Any]) -> Liability:
        post = (party.post if party else "") or self.label(liable)
        tenure, days = None, None
        if party is not None and party.holding is not None and party.person_id:
            lo, hi = self.r.tenure(party.person_id, party.node, day)
            tenure = {"from": lo, "to": hi}
            if lo:
                from datetime import date as _date

                days = (_date.fromisoformat(day) - _date.fromisoformat(lo)).days + 1
        return Liability(
            clause=rule.clause, rule=rule.id, triggered=triggered, kind=liable.kind, post=post,
            person=party.person if party else None, body=party.body if party else "", scope=scope,
            scope_id=scope_id, role=liable.role.text, label=liable.label, date=day, consequence=rule.consequence,
            by=rule.by, summary=rule.summary, explanation=explanation, findings=sorted(set(findings)),
            person_id=party.person_id if party else None, party=party.node if party else None,
            source=party.holding.provenance.as_dict() if party and party.holding else None, standing=standing,
            note=liable.note, tenure=tenure, days_in_post=days, **figures)

    def _unresolved(self, rule: Rule, liable: Liable, party: Party | None, day: str, findings: list[int],
                    scope: str | None, reason: str, hint: str, standing: bool = False,
                    since: str | None = None, last: str | None = None) -> None:
        key = (rule.id, liable.role.text, party.node if party else reason, scope)
        old = self.unresolved.get(key)
        if old is not None:
            old.findings = sorted(set(old.findings) | set(findings))
            return
        self.unresolved[key] = Unresolved(
            clause=rule.clause, rule=rule.id, kind=liable.kind,
            post=(party.post if party and party.post else role_label(liable.role, self.rb)),
            body=party.body if party else "",
            scope=scope, date=day, reason=reason, hint=hint, findings=sorted(set(findings)), role=liable.role.text,
            party=party.node if party else None, vacant_since=since, last_holder=last, standing=standing)

    # -- scopes and measures ---------------------------------------------------------------------
    def findings_within(self, scope_id: str, types: tuple[str, ...]) -> list[Finding]:
        """The window's findings of these types on objects in a scope (a superset for a county)."""
        if kind_of(scope_id) == "township":
            return self.store.findings_within(self._villages_of(scope_id), scope_id, self.date_from, self.date_to,
                                              types)
        return [f for f in self.store.findings(self.date_from, self.date_to) if f.type in types]

    def measure(self, scope_id: str, of: str) -> int:
        key = (scope_id, of)
        if key not in self._measures:
            measured = self.rb.model.measures[of].kind
            villages = self._places_below(scope_id, self.rb.model.kinds[measured].parent)
            located = self._located.get(measured)
            if located is None and (self._counted or len(villages) > 500) and hasattr(self.store, "located"):
                # a check measures scope after scope: every place's members read once
                located = self._located[measured] = self.store.located(measured, self.date_from, self.date_to)
            if located is not None:
                self._measures[key] = len(set().union(*(located.get(v, ()) for v in villages)))
            else:
                self._counted += 1
                self._measures[key] = self.store.count_located(measured, villages, self.date_from, self.date_to)
        return self._measures[key]

    def _children(self, node_id: str, kind: str) -> list[str]:
        k = self.rb.model.kinds[kind]
        if k.parent_reverse:
            ends = {e.dst for e in self.r.edges(src=node_id, kinds=[k.parent_edge], role=k.parent_role)}
        else:
            ends = {e.src for e in self.r.edges(dst=node_id, kinds=[k.parent_edge], role=k.parent_role)}
        return sorted(x for x in ends if kind_of(x) == kind)

    def _places_below(self, scope_id: str, kind: str | None) -> list[str]:
        """The nodes of ``kind`` at or below a scope, down the structure (a township's villages)."""
        if kind is None:
            return []
        key = (scope_id, kind)
        if key not in self._villages:
            path = self.rb.model.lift_path(kind, kind_of(scope_id))
            if path is None:
                self._villages[key] = []
            else:
                level = [scope_id]
                for down in [*reversed(path[:-1]), kind] if path else []:
                    level = [c for node in level for c in self._children(node, down)]
                self._villages[key] = level
        return self._villages[key]

    def _villages_of(self, township: str) -> list[str]:
        """The places just below a scope that things are tied to (a township's villages)."""
        kinds = self.rb.model.children(kind_of(township))
        return [v for k in kinds for v in self._places_below(township, k)]


# -- the evaluators ------------------------------------------------------------------------------
def _merge(merged: dict[tuple, Liability], li: Liability, f: Finding | None = None) -> bool:
    """Keep one entry per (rule, role, party, person), listing every finding behind it."""
    key = (li.rule, li.role, li.party, li.person_id)
    old = merged.get(key)
    if old is None:
        merged[key] = li
        return True
    old.findings = sorted(set(old.findings) | set(li.findings))
    if f is not None:
        old.explanation += f"；#{f.n}（{f.date}）"
        if li.scope and old.scope and li.scope not in old.scope.split("、"):
            old.scope += f"、{li.scope}"
    return False


def finding_rule(ev: Evaluation, rule: Rule) -> None:
    """Any finding of the rule's types binds it: each named party is liable on the finding's date."""
    relevant = ev.relevant(rule)
    if not relevant:
        ev.liabilities.extend(_untriggered(ev, rule))
        return
    merged: dict[tuple, Liability] = {}
    for f in ev.bindable(rule, relevant):
        scope = ev.r.lift(f.object_id, rule.scope, f.date)
        day = occurred(f)
        when = f"{f.date}" if day == f.date else f"发现 {f.date}，问题发生 {day}"
        named = {ev.label(li) for li in rule.liable_for(f.object_type)}
        for liable in rule.liable:
            if liable not in rule.liable_for(f.object_type):
                label = ev.label(liable)
                if label not in named:  # a party the rule names for other objects only (not under another role)
                    objects = "、".join(dict.fromkeys(o for li in rule.liable if ev.label(li) == label
                                                      for o in li.objects))
                    ev._not_applicable(rule, liable, f, f"督查发现的对象是{f.object_type}；“{label}”的责任只在"
                                                        f"对象为{objects}时认定")
                    named.add(label)
                continue
            for li in ev.name(rule, liable, f.object_id, day, [f.n], scope_id=scope, found=f.date,
                              explanation=f"督查发现 #{f.n}（{when}，{f.type}：{f.object_text}）"):
                _merge(merged, li, f)
    ev.liabilities.extend(merged.values())


def threshold_rule(ev: Evaluation, rule: Rule) -> None:
    """The distinct failing objects of a scope against what existed in it during the window
    ("以上" includes the number); the holders on the day the threshold was crossed."""
    assert rule.threshold is not None
    relevant = ev.bindable(rule, ev.relevant(rule))
    if not ev.relevant(rule):
        ev.liabilities.extend(_untriggered(ev, rule))
        return
    if ev.whole_scopes:  # a trace: every finding of the scopes its own findings fall in
        scopes = {ev.r.lift(f.object_id, rule.scope, f.date) for f in relevant} - {None}
        seen = {f.n for f in relevant}
        for scope in sorted(scopes):
            for f in ev.findings_within(scope, rule.when):
                if f.n not in seen and ev.r.lift(f.object_id, rule.scope, f.date) == scope:
                    ev._check_finding(f)
                    if ev.inapplicable(rule, f) is None:
                        relevant.append(f)
                        seen.add(f.n)
    limit = Fraction(rule.threshold.text.strip().rstrip("%")) / 100
    groups: dict[str, dict[str, Finding]] = defaultdict(dict)  # scope → counted object → first finding
    for f in sorted(relevant, key=lambda f: (occurred(f), f.n)):  # counted by the day each problem happened
        obj = ev.r.lift(f.object_id, rule.counts, f.date)
        scope = ev.r.lift(obj, rule.scope, f.date) if obj else None
        if obj is not None and scope is not None:
            groups[scope].setdefault(obj, f)
    for scope, objects in sorted(groups.items()):
        firsts = sorted(objects.items(), key=lambda kv: (occurred(kv[1]), kv[1].n))
        num = len(firsts)
        den = ev.measure(scope, rule.threshold.of)
        triggered = den > 0 and Fraction(num, den) >= limit
        near = not triggered and den > 0 and Fraction(num + 1, den) >= limit
        if triggered:
            need = next(i for i in range(1, num + 1) if Fraction(i, den) >= limit)
            crossing = firsts[need - 1][1]
        else:
            need, crossing = 0, firsts[-1][1]
        day = occurred(crossing)
        measure = ev.rb.model.measures[rule.threshold.of]
        arith = (f"{ev.r.name(scope)}：{num} / {den} {measure.label} = {_pct(num, den)} "
                 f"{'≥' if triggered else '<'} {rule.threshold.text}（“以上”含本数）")
        if triggered:
            arith += f"；{day} 第{need}{measure.unit if measure.kind == rule.counts else '个'}达到阈值，按当日在职人员认定"
        elif near:
            arith += "；再有1个即达到阈值（临界）"
        figures = dict(numerator=num, denominator=den, threshold=rule.threshold.text,
                       ratio=round(num / den, 6) if den else None, near_miss=near)
        all_n = [f.n for _, f in firsts]
        merged: dict[tuple, Liability] = {}
        for liable in rule.liable:
            if ev.rb.model.lift_path(liable.role.start, rule.scope):  # a role below the scope (a team post):
                found = [li for obj, f in firsts for li in ev.name(  # each failing object, on its own day
                    rule, liable, obj, occurred(f), [f.n], scope_id=scope, triggered=triggered, explanation=arith,
                    found=f.date, **figures)]
            else:
                found = ev.name(rule, liable, firsts[0][0], day, all_n, scope_id=scope, triggered=triggered,
                                explanation=arith, found=crossing.date, **figures)
            for li in found:  # one entry per party: the same secretary for two teams is one line
                if _merge(merged, li):
                    ev.liabilities.append(li)


def standing_rule(ev: Evaluation, rule: Rule) -> None:
    """A standing responsibility (二.1) shown for every object where a finding triggered something."""
    triggered = {n for li in ev.liabilities if li.triggered for n in li.findings}
    for f in ev.findings:
        if f.n not in triggered:
            continue
        for liable in rule.liable:
            if ev.rb.model.lift_path(kind_of(f.object_id), liable.role.start) is None:
                continue  # a township finding names no post of a village
            scope = ev.r.lift(f.object_id, rule.scope, f.date)
            for li in ev.name(rule, liable, f.object_id, f.date, [f.n], scope_id=scope, standing=True,
                              explanation=f"常设责任（{rule.summary or rule.clause}）：督查发现 #{f.n} 在其联系范围内触发了责任"):
                _merge(ev.standing, li, f)


def subject_standing(ev: Evaluation, rule: Rule, start: str, day: str) -> None:
    """A trace's standing responsibilities: the actors above its object, on the day."""
    for liable in rule.liable:
        if ev.rb.model.lift_path(kind_of(start), liable.role.start) is None:
            continue
        scope = ev.r.lift(start, rule.scope, day)
        for li in ev.name(rule, liable, start, day, [], scope_id=scope, standing=True,
                          explanation="常设责任（不需督查发现触发）"):
            _merge(ev.standing, li)


def escalation_rule(ev: Evaluation, rule: Rule) -> None:
    """结语-like rules: every county-level person named by a triggered liability owes a further
    consequence; the explanation names every clause that made them liable."""
    prefix = f"person:{ev.rb.county}/"
    liable = rule.liable[0]
    by_person: dict[str, list[Liability]] = {}
    for li in ev.liabilities:
        if li.triggered and li.person_id and li.person_id.startswith(prefix):
            by_person.setdefault(li.person_id, []).append(li)
    county = schema.node_id(ev.rb.model.root, schema.name_key(ev.rb.county))
    for person_id, entries in by_person.items():
        first = entries[0]
        basis = "、".join(dict.fromkeys(f"{li.clause}（{li.kind}）" for li in entries))
        ev.liabilities.append(Liability(
            clause=rule.clause, rule=rule.id, triggered=True, kind=liable.kind, post=first.post,
            person=first.person, body=first.body, scope=ev.r.name(county), scope_id=county, role=first.role,
            label=liable.label, date=max(li.date or "" for li in entries) or None, consequence=rule.consequence,
            by=rule.by, summary=rule.summary, explanation=f"{liable.label or ev.rb.label(ev.rb.model.root)}：在 {basis} 中承担责任",
            findings=sorted({n for li in entries for n in li.findings}), person_id=person_id, party=first.party,
            source=first.source))


def _untriggered(ev: Evaluation, rule: Rule) -> list[Liability]:
    """A rule no finding of the window touched: one line, with zero figures if it has a threshold."""
    figures: dict[str, Any] = {}
    text = "本期无相关督查发现"
    if rule.threshold:
        figures = dict(numerator=0, denominator=None, threshold=rule.threshold.text, ratio=0.0)
        text += f"（0 个，阈值 {rule.threshold.text}）"
    liable = rule.liable[0]
    return [Liability(clause=rule.clause, rule=rule.id, triggered=False, kind=liable.kind,
                      post="、".join(dict.fromkeys(ev.label(li) for li in rule.liable)), person=None, body="",
                      scope=None, role=liable.role.text, label=liable.label, consequence=rule.consequence, by=rule.by,
                      summary=rule.summary, explanation=text, **figures)]


def _where(src: dict[str, Any]) -> str:
    if not src or not src.get("file"):
        return ""
    name = str(src["file"]).replace("\\", "/").rsplit("/", 1)[-1]
    return f"{name}{':' + src['sheet'] if src.get('sheet') else ''}:第{src['row']}行" if src.get("row") else name


EVALUATORS: dict[str, Callable[[Evaluation, Rule], None]] = {
    "finding": finding_rule,
    "threshold": threshold_rule,
    "standing": standing_rule,
    "escalation": escalation_rule,
}
