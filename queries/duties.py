"""Duty performance (履职): every frequency duty of the rulebook judged from the duty log.

A duty (:class:`zeren.graph.rules.Duty`) names who must perform (holder role paths read from
every node of a kind: each township's 县级联系乡镇领导, each helping unit), what counts as
evidence (a 履职事项), how often (每月 … 每年, calendar windows) and how much (次, 人次, 天,
every poor village once). For each holder and each calendar window that overlaps the period,
the records of the duty log are counted — only those that satisfy the duty: the right 履职事项,
inside the window, by the holder (the person in post on the record's day; for an
organisation, the organisation itself, or its people where the duty counts 人次), and where
the duty says it must happen — and the window is ``met``, ``missed``, or ``open`` when it is
not over on ``at`` (early warning: what is still short, and how many days are left).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..graph import schema
from ..graph.model import DutyRecord
from ..graph.rules import Duty
from .paths import Resolver, kind_of

__all__ = ["Window", "DutyEntry", "DutiesResult", "duties", "windows"]


@dataclass(frozen=True)
class Window:
    label: str  # 2019-05, 2019Q2, 2019H1, 2019
    start: str
    end: str


def windows(months: int, date_from: str, date_to: str) -> list[Window]:
    """The calendar windows of ``months`` (1, 3, 6, 12) that overlap [date_from, date_to]."""
    out = []
    lo, hi = date.fromisoformat(date_from), date.fromisoformat(date_to)
    year, month = lo.year, ((lo.month - 1) // months) * months + 1
    while True:
        first = date(year, month, 1)
        if first > hi:
            break
        last_month = month + months - 1
        last = date(year, last_month, calendar.monthrange(year, last_month)[1])
        if months == 1:
            label = f"{year}-{month:02d}"
        elif months == 3:
            label = f"{year}Q{(month - 1) // 3 + 1}"
        elif months == 6:
            label = f"{year}H{(month - 1) // 6 + 1}"
        else:
            label = str(year)
        out.append(Window(label, first.isoformat(), last.isoformat()))
        month += months
        if month > 12:
            year, month = year + 1, 1
    return out


@dataclass
class DutyEntry:
    """One duty × holder × window, judged."""

    clause: str
    duty: str
    what: str
    item: str  # the 履职事项 that evidences it
    post: str  # the post title, or the body's or organisation's label
    person: str | None  # who held the post in the window (several after a handover)
    body: str  # the organ or organisation
    scope: str  # where the holder sits (a township, a unit …)
    window: str
    start: str
    end: str
    required: float
    done: float
    unit: str
    status: str  # met / missed / open
    missing: list[str] = field(default_factory=list)  # the window short, or what was not covered
    evidence: list[str] = field(default_factory=list)  # file:row of each record counted
    holders: list[dict[str, Any]] = field(default_factory=list)  # per holder: person, from, to, days, done
    explain: list[dict[str, Any]] = field(default_factory=list)  # records considered and why (not) counted
    days_left: int | None = None  # for an open window: days until it closes, counted from ``at``
    reading: str = ""
    scope_id: str = ""
    holder_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["from"], d["to"] = d.pop("start"), d.pop("end")
        return d


@dataclass
class DutiesResult:
    date_from: str
    date_to: str
    at: str
    rulebook: str
    duties: list[DutyEntry]
    flagged: list[dict[str, Any]] = field(default_factory=list)  # records by someone not in post that day

    def as_dict(self) -> dict[str, Any]:
        counts = defaultdict(int)
        for e in self.duties:
            counts[e.status] += 1
        return {"from": self.date_from, "to": self.date_to, "at": self.at, "rulebook": self.rulebook,
                "summary": dict(counts), "duties": [e.as_dict() for e in self.duties], "flagged": self.flagged}


def duties(store: Any, date_from: str, date_to: str, *, at: str | None = None, township: str | None = None,
           only: list[str] | None = None, scope_ids: set[str] | None = None, explain: bool = False) -> DutiesResult:
    """Judge every duty of the rulebook (or the duties ``only`` names) over the windows that
    overlap [date_from, date_to]; ``township`` keeps the holders inside one first-level place;
    ``scope_ids`` keeps the holders read from these start nodes."""
    rb = store.rulebook
    at = at or date.today().isoformat()
    judge = _Judge(store, at, explain)
    level = rb.pack.org.levels[0] if rb.pack.org.levels else None
    place = schema.node_id(level, schema.name_key(township)) if township and level else None
    if township and (place is None or judge.r.node(place) is None):
        from ..graph.errors import NotFound

        raise NotFound(f"{rb.label(level) if level else ''}“{township}”不在项目中")
    entries: list[DutyEntry] = []
    for duty in rb.duties:
        if only and duty.id not in only and duty.clause not in only:
            continue
        for w in windows(duty.months, date_from, date_to):
            for start in judge.starts(duty, w):
                if scope_ids is not None and start not in scope_ids:
                    continue
                if place is not None and judge.r.lift(start, level, w.end) != place:
                    continue
                entries.extend(judge.entries(duty, w, start))
    return DutiesResult(date_from, date_to, at, rb.name, entries, judge.flagged)


class _Judge:
    def __init__(self, store: Any, at: str, explain: bool):
        self.store = store
        self.rb = store.rulebook
        self.model = self.rb.model
        self.r = Resolver(store)
        self.at = at
        self.explain = explain
        self.root = schema.node_id(self.model.root, schema.name_key(self.rb.county))
        self._records: dict[str, tuple[dict[str, list[DutyRecord]], dict[str, list[DutyRecord]]]] = {}
        self._orgs: dict[str, str | None] = {}
        self._bulk: dict[tuple[str, str], dict[str, list[Any]]] = {}
        self._ties: dict[tuple[str, str, str], set[str]] = {}
        self.flagged: list[dict[str, Any]] = []
        self._flagged: set[int] = set()

    # -- what is read once -------------------------------------------------------------------
    def records(self, item: str) -> tuple[dict[str, list[DutyRecord]], dict[str, list[DutyRecord]]]:
        """One 履职事项's records, by subject and by the organisation of the person who is the subject."""
        if item not in self._records:
            by_subject: dict[str, list[DutyRecord]] = defaultdict(list)
            by_org: dict[str, list[DutyRecord]] = defaultdict(list)
            for rec in self.store.duty_records(items=[item]):
                by_subject[rec.subject_id].append(rec)
                if kind_of(rec.subject_id) == "person":
                    org = self.org_of(rec.subject_id)
                    if org:
                        by_org[org].append(rec)
            self._records[item] = (by_subject, by_org)
        return self._records[item]

    def resolve(self, path: Any, start: str, day: str) -> list[Any]:
        """``Resolver.resolve``, in bulk for a one-step path of the pack's relations (a household's
        pairing cadre for 35,000 households is one query, not 35,000)."""
        if len(path.steps) != 1 or path.start_filters or path.steps[0].filters or path.steps[0].name in ("post", "body"):
            return self.r.resolve(path, start, day)
        key = (path.text, day)
        if key not in self._bulk:
            from .paths import Reached

            rel = self.model.relation(path.start, path.steps[0].name)
            found: dict[str, list[Any]] = defaultdict(list)
            kinds = [rel.edge] if isinstance(rel.edge, str) else list(rel.edge)
            for e in self.store.edges(kinds=kinds, role=rel.role or None, at=day):
                mine, other = (e.src, e.dst) if rel.direction == "out" else (e.dst, e.src)
                if kind_of(mine) == path.start and kind_of(other) == rel.target:
                    found[mine].append(Reached(other, e))
            self._bulk[key] = found
        return self._bulk[key].get(start, [])

    def tied(self, kind: str, w: Window) -> set[str] | None:
        """Nodes of a kind whose tie to their parent overlaps the window (None: the kind has no dated tie)."""
        k = self.model.kinds.get(kind)
        if k is None or not k.parent or not k.parent_dated:
            return None
        key = (kind, w.start, w.end)
        if key not in self._ties:
            out = set()
            for e in self.store.edges(kinds=[k.parent_edge], role=k.parent_role):
                node = e.dst if k.parent_reverse else e.src
                if kind_of(node) == kind and (e.valid_from or "") <= w.end and (e.valid_to is None or e.valid_to >= w.start):
                    out.add(node)
            self._ties[key] = out
        return self._ties[key]

    def org_of(self, person_id: str) -> str | None:
        if person_id not in self._orgs:
            node = self.r.node(person_id)
            self._orgs[person_id] = node.props.get("org_id") if node else None
        return self._orgs[person_id]

    def starts(self, duty: Duty, w: Window) -> list[str]:
        """Every node a duty's holders are read from, at work in the window (and reaching what
        ``only`` asks for)."""
        kind = duty.start
        if kind == self.model.root:
            nodes = [self.root]
        elif kind == "person":
            nodes = sorted(self.store.node_ids("person"))
        else:
            tied = self.tied(kind, w)
            if tied is not None:
                nodes = sorted(tied)
            else:
                nodes = sorted(self.store.node_ids(kind))
                nodes = [n for n in nodes if self.r.on_register(n, w.end) or self.r.on_register(n, w.start)]
        if duty.only is not None:
            nodes = [n for n in nodes if self.r.resolve(duty.only, n, w.end)]
        return nodes

    # -- one holder, one window ----------------------------------------------------------------
    def entries(self, duty: Duty, w: Window, start: str) -> list[DutyEntry]:
        reached = [x for path in duty.holders for x in self.resolve(path, start, w.end)]
        if not reached:
            return []
        groups = [reached] if duty.joint else [[x] for x in reached]
        out = []
        for group in groups:
            nodes = [g.node for g in group]
            if duty.unit == "天" and all(kind_of(n) == "post" for n in nodes):
                # training days are a person's: each holder of the post in the window, on their own
                for n in nodes:
                    for h in self.holders(n, w):
                        out.append(self.judge(duty, w, start, [n], only_person=h["person_id"]))
            else:
                out.append(self.judge(duty, w, start, nodes))
        return out

    def holders(self, post: str, w: Window) -> list[dict[str, Any]]:
        """Who held a post in the window, each with the days of the window they held it."""
        out = []
        for e in self.store.edges(dst=post, kinds=["HOLDS"]):
            lo = max(e.valid_from or w.start, w.start)
            hi = min(e.valid_to or w.end, w.end)
            if lo > hi:
                continue
            days = (date.fromisoformat(hi) - date.fromisoformat(lo)).days + 1
            out.append({"person": self.r.name(e.src), "person_id": e.src, "from": lo, "to": hi, "days": days,
                        "done": 0})
        return out

    def judge(self, duty: Duty, w: Window, start: str, nodes: list[str], only_person: str | None = None) -> DutyEntry:
        posts = [n for n in nodes if kind_of(n) == "post"]
        holders = [h for p in posts for h in self.holders(p, w) if only_person is None or h["person_id"] == only_person]
        allowed_where = None
        if duty.where is not None:
            allowed_where = {x.node for x in self.r.resolve(duty.where, start, w.end)}
        cover = None
        if duty.cover is not None:
            cover = {x.node: self.r.name(x.node) for x in self.r.resolve(duty.cover, start, w.end)}
        counted: list[DutyRecord] = []
        explain: list[dict[str, Any]] = []
        node_set = set(nodes)
        by_subject, by_org = self.records(duty.evidence)
        people = {e.src for p in posts for e in self.store.edges(dst=p, kinds=["HOLDS"])} if posts else set()
        candidates = {id(r): r for n in (*nodes, *people) for r in by_subject.get(n, ())}
        if duty.members:
            candidates.update({id(r): r for n in nodes for r in by_org.get(n, ())})
        for rec in sorted(candidates.values(), key=lambda r: (r.date, r.n)):
            if not (w.start <= rec.date <= w.end):
                continue
            why = self.attribution(rec, node_set, posts, holders, duty, only_person)
            if why is None:
                continue  # someone else's record: not considered at all
            if why == "":
                why = self.place(rec, duty, allowed_where)
            if explain is not None and self.explain:
                explain.append({"record": rec.n, "date": rec.date, "subject": rec.subject_text, "object": rec.object_text,
                                "counted": why == "", "reason": why or "计入",
                                "source": _where(rec.provenance.as_dict())})
            if why == "":
                counted.append(rec)
        for h in holders:
            h["done"] = sum(1 for rec in counted if rec.subject_id == h["person_id"])
        missing: list[str] = []
        if cover is not None:
            seen = set()
            kinds = {kind_of(t) for t in cover}
            for rec in counted:
                for k in kinds if rec.object_id else ():
                    target = self.r.lift(rec.object_id, k, rec.date)
                    if target in cover:
                        seen.add(target)
            required = float(len(cover))
            done = float(len(seen))
            missing = [cover[t] for t in cover if t not in seen]
        elif duty.unit == "天":
            required, done = duty.at_least, float(sum(rec.days or 0 for rec in counted))
        else:
            required, done = duty.at_least, float(len(counted))
        over = w.end < self.at
        status = "met" if done >= required else ("missed" if over else "open")
        if status != "met" and not missing:
            missing = [w.label]
        days_left = None if over else (date.fromisoformat(w.end) - date.fromisoformat(max(self.at, w.start))).days + 1
        label, body = self.label(nodes, start, duty)
        person = "、".join(dict.fromkeys(h["person"] for h in holders)) or None
        if only_person is not None:
            person = self.r.name(only_person)
        elif all(kind_of(n) == "person" for n in nodes):
            person = "、".join(self.r.name(n) for n in nodes)
        return DutyEntry(
            clause=duty.clause, duty=duty.id, what=duty.what, item=duty.evidence, post=label, person=person,
            body=body, scope=self.r.name(start), window=w.label, start=w.start, end=w.end, required=required,
            done=done, unit=duty.unit, status=status, missing=missing,
            evidence=[_where(rec.provenance.as_dict()) for rec in counted], holders=holders, explain=explain,
            days_left=days_left if status == "open" else None, reading=duty.reading, scope_id=start,
            holder_id="、".join(nodes))

    def attribution(self, rec: DutyRecord, nodes: set[str], posts: list[str], holders: list[dict[str, Any]],
                    duty: Duty, only_person: str | None) -> str | None:
        """'' when the record is the holder's; a reason when it names the holder wrongly (in post
        another day); None when it is someone else's altogether."""
        subject = rec.subject_id
        if subject in nodes:
            return ""
        if kind_of(subject) == "person":
            if posts:
                mine = [h for h in holders if h["person_id"] == subject]
                if only_person is not None and subject != only_person:
                    return None
                if any(h["from"] <= rec.date <= h["to"] for h in mine):
                    return ""
                if mine or self._ever_held(subject, posts):
                    self._flag(rec, posts)
                    return f"{rec.subject_text} 在 {rec.date} 不在任上"
                return None
            if duty.members and self.org_of(subject) in nodes:
                return ""
        return None

    def _ever_held(self, person: str, posts: list[str]) -> bool:
        return any(e.src == person for p in posts for e in self.store.edges(dst=p, kinds=["HOLDS"]))


    def _flag(self, rec: DutyRecord, posts: list[str]) -> None:
        if rec.n in self._flagged:
            return
        self._flagged.add(rec.n)
        self.flagged.append({"record": rec.n, "date": rec.date, "subject": rec.subject_text, "item": rec.item,
                             "post": "、".join(self.r.name(p) for p in posts),
                             "reason": "该日不在任上，不计入该职务的履职", "source": _where(rec.provenance.as_dict())})

    def place(self, rec: DutyRecord, duty: Duty, allowed: set[str] | None) -> str:
        if allowed is None:
            return ""
        if not rec.object_id:
            return "未写对象，无法判断是否在规定的地方"
        # lift the record's object once per kind the allowed places have (not once per place)
        for k in {kind_of(t) for t in allowed}:
            if self.r.lift(rec.object_id, k, rec.date) in allowed:
                return ""
        if not self.explain:
            return "不在规定范围"  # the reason is only shown by --explain; naming the places costs
        first = sorted(allowed)[:5]
        names = "、".join(self.r.name(t) for t in first) or "无"
        if len(allowed) > len(first):
            names += f" 等 {len(allowed)} 处"
        return f"对象“{rec.object_text}”不在规定范围（{names}）内"

    def label(self, nodes: list[str], start: str, duty: Duty) -> tuple[str, str]:
        """(post title, or the role's label; the organ) of a holder group."""
        from .paths import role_label

        titles, bodies = [], []
        for n in nodes:
            party = self.r.party(self._reached(n), self.at)[0]
            if kind_of(n) == "post":
                titles.append(party.post)
                bodies.append(party.body)
            elif kind_of(n) == "person":
                titles.append(role_label(duty.holders[0], self.rb))
                bodies.append(party.body)
            else:
                titles.append(self.r.name(n))
                bodies.append(party.body or self.r.name(n))
        return "、".join(dict.fromkeys(titles)), "、".join(dict.fromkeys(bodies))

    @staticmethod
    def _reached(node: str) -> Any:
        from .paths import Reached

        return Reached(node)


def _where(src: dict[str, Any]) -> str:
    if not src or not src.get("file"):
        return ""
    name = str(src["file"]).replace("\\", "/").rsplit("/", 1)[-1]
    sheet = f":{src['sheet']}" if src.get("sheet") else ""
    return f"{name}{sheet}:{src['row']}" if src.get("row") else name
