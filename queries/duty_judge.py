"""The judge behind :func:`zeren.queries.duties.duties`: one duty × holder × window at a time,
over what :mod:`zeren.queries.duty_reads` read once.

A judgement counts the records of the duty's 履职事项 in the window that are the holder's (the
holder itself, the person in post on the record's day, or — for 人次 — a person of the holder
organisation) and lie where the duty says. A person who held the post on other days is not
the holder: the record is flagged, not counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..graph import schema
from ..graph.rules import Duty, RolePath
from .duty_reads import BulkResolver, LogRecord, SubjectLog
from .paths import Reached, kind_of, role_label

__all__ = ["DutyEntry", "Judge", "Frame"]


@dataclass(slots=True)
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
    status: str  # met / missed / open / uncovered
    missing: list[str] = field(default_factory=list)  # the window short, or what was not covered
    evidence: list[str] = field(default_factory=list)  # file:row of each record counted
    holders: list[dict[str, Any]] = field(default_factory=list)  # per holder: person, from, to, days, done
    explain: list[dict[str, Any]] = field(default_factory=list)  # records considered and why (not) counted
    days_left: int | None = None  # for an open window: days until it closes, counted from ``at``
    reading: str = ""
    scope_id: str = ""
    holder_id: str = ""
    note: str = ""  # for a window the log does not wholly cover: the days it does

    def as_dict(self) -> dict[str, Any]:
        # written out (a county quarter has tens of thousands): the fields in order, start and end last as from, to
        return {"clause": self.clause, "duty": self.duty, "what": self.what, "item": self.item, "post": self.post,
                "person": self.person, "body": self.body, "scope": self.scope, "window": self.window,
                "required": self.required, "done": self.done, "unit": self.unit, "status": self.status,
                "missing": self.missing, "evidence": self.evidence, "holders": self.holders,
                "explain": self.explain, "days_left": self.days_left, "reading": self.reading,
                "scope_id": self.scope_id, "holder_id": self.holder_id, "note": self.note,
                "from": self.start, "to": self.end}


class Frame:
    """What one duty's window is, the same for every holder: over on ``at`` or not, wholly
    covered by the log or not, the days left; ``own``: the duty's place is the start itself."""


    __slots__ = ("duty", "window", "over", "covered", "days_left", "note", "own", "lane", "place", "index", "labels")

    def __init__(self, duty: Duty, window: Any, over: bool, covered: bool, days_left: int | None, note: str,
                 own: bool, lane: bool, place: str | None):
        self.duty, self.window, self.over, self.covered = duty, window, over, covered
        self.days_left, self.note, self.own = days_left, note, own
        self.lane = lane  # a holder that is not a post can be judged by judge_own
        self.place = place  # 'kind:' of the duty's place when it is the start itself
        self.index: dict[Any, list[LogRecord]] | None = None  # the item's records for judge_own
        self.labels: dict[str, tuple[str, str | None, str]] = {}  # (post, person, body) by holder


class Judge:
    """Judges duties for one call: ``at`` (windows not over are open), ``explain`` (every record
    considered, with the reason), the log of the span, and the days the log covers."""

    def __init__(self, store: Any, at: str, explain: bool, log: list[LogRecord] | SubjectLog, coverage: Any):
        self.store = store
        self.rb = store.rulebook
        self.model = self.rb.model
        self._lazy = log if isinstance(log, SubjectLog) else None  # read by subject when first asked
        self.r = BulkResolver(store, bulk=256 if self._lazy is not None else None)
        self._names = self.r.names  # read straight where most entries are made (name() on a miss)
        self.at = at
        self.explain = explain
        self.coverage = coverage
        self.root = schema.node_id(self.model.root, schema.name_key(self.rb.county))
        self._log: dict[str, list[LogRecord]] = defaultdict(list)
        for rec in log if self._lazy is None else ():
            self._log[rec.item].append(rec)
        self._records: dict[str, dict[str, list[LogRecord]]] = {}
        self._orgs: dict[str, dict[str, list[LogRecord]]] = {}
        self._by_place: dict[tuple[str, str], dict[tuple[str, str], list[LogRecord]]] = {}
        self._ties: dict[tuple[str, str, str], set[str]] = {}
        self._only: dict[tuple[str, str, str], bool] = {}
        self._maps: dict[tuple[str, str, str, str], dict[str, list[str]] | None] = {}
        self._asked: dict[tuple[str, str], int] = defaultdict(int)
        self._holders: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._people: dict[tuple[str, ...], set[str]] = {}
        self._labels: dict[tuple[str, ...], tuple[str, str]] = {}
        self._roles: dict[str, str] = {}
        self._frames: dict[tuple[str, str], Frame] = {}
        self._members: dict[str, list[str]] | None = None
        self.flagged: list[dict[str, Any]] = []
        self._flagged: set[int] = set()

    # -- the log, by subject and by place -------------------------------------------------------
    def records(self, item: str) -> dict[str, list[LogRecord]]:
        """One 履职事项's records by subject, by day."""
        found = self._records.get(item)
        if found is None and self._lazy is not None:
            lazy = self._lazy
            self._records[item] = found = _Asked(lambda subject: lazy.of(subject, item))  # type: ignore[assignment]
        if found is None:
            grouped: dict[str, list[LogRecord]] = defaultdict(list)
            for rec in self._log.get(item, ()):
                grouped[rec.subject_id].append(rec)
            self._records[item] = found = dict(grouped)
        return found

    def by_org(self, item: str) -> dict[str, list[LogRecord]]:
        """One 履职事项's records by the organisation of the person who is their subject."""
        found = self._orgs.get(item)
        if found is None and self._lazy is not None:
            self._orgs[item] = found = _Asked(lambda org: self._members_records(org, item))  # type: ignore[assignment]
        if found is None:
            grouped: dict[str, list[LogRecord]] = defaultdict(list)
            for rec in self._log.get(item, ()):
                if rec.subject_id.startswith("person:"):
                    org = self.r.org_of(rec.subject_id)
                    if org:
                        grouped[org].append(rec)
            self._orgs[item] = found = dict(grouped)
        return found

    def placed(self, item: str, kind: str) -> dict[tuple[str, str], list[LogRecord]]:
        """An item's records by (subject, the ``kind`` node their object lies in on the record's
        day): a village's visits under its township, a household's help under the household."""
        key = (item, kind)
        idx = self._by_place.get(key)
        if idx is None and self._lazy is not None:
            self._by_place[key] = idx = _Asked(lambda pair: self._placed_records(item, kind, *pair))  # type: ignore[assignment]
        if idx is None:
            found: dict[tuple[str, str], list[LogRecord]] = defaultdict(list)
            lift, prefix = self.r.lift, kind + ":"
            for rec in self._log.get(item, ()):
                obj = rec.object_id
                if obj:
                    # an object of the kind itself is its own place (a household's help): no lift
                    target = obj if obj.startswith(prefix) else lift(obj, kind, rec.date)
                    if target is not None:
                        found[(rec.subject_id, target)].append(rec)
            self._by_place[key] = idx = dict(found)
        return idx

    def _placed_records(self, item: str, kind: str, subject: str, place: str) -> list[LogRecord]:
        """:meth:`placed` for one subject and place, from the log read by subject."""
        lift, prefix = self.r.lift, kind + ":"
        return [rec for rec in self._lazy.of(subject, item) if rec.object_id and  # type: ignore[union-attr]
                (rec.object_id if rec.object_id.startswith(prefix) else lift(rec.object_id, kind, rec.date)) == place]

    def _members_records(self, org: str, item: str) -> list[LogRecord]:
        """:meth:`by_org` for one organisation, from the log read by subject: its people's records, by day."""
        if self._members is None:
            self.r.read_names("person")
            self._members = defaultdict(list)
            for person, of in self.r._orgs.items():
                if of:
                    self._members[of].append(person)
        people = self._members.get(org, [])
        self._lazy.read(people)  # type: ignore[union-attr]
        return sorted((rec for p in people for rec in self._lazy.of(p, item)), key=_by_day)  # type: ignore[union-attr]

    # -- who must perform ----------------------------------------------------------------------
    def resolve(self, path: RolePath, start: str, day: str) -> list[str]:
        """The nodes ``path`` reaches from ``start``: what :meth:`Resolver.resolve` answers, from a
        map of the whole relation when many starts ask for one step."""
        if path.start_filters or kind_of(start) != path.start or len(path.steps) > 1:
            return [x.node for x in self.r.resolve(path, start, day)]
        if not path.steps:
            return [start]
        step = path.steps[0]
        if not step.filters:
            key = (path.start, step.name, step.param, day)
            if key not in self._maps:
                self._asked[(path.text, day)] += 1
                if self._asked[(path.text, day)] > self.r.BULK:
                    self._maps[key] = self.r.step_map(path.start, step.name, step.param, day)
            found = self._maps.get(key)
            if found is not None:
                return found.get(start, [])
        return [x.node for x in self.r.step(start, step.name, step.param, day, step.filters)]

    def tied(self, kind: str, start: str, end: str, among: list[str] | None) -> set[str] | None:
        """Nodes of a kind whose tie to their parent overlaps [start, end] (None: the kind has no
        dated tie); ``among``: only these candidates are asked about."""
        k = self.model.kinds.get(kind)
        if k is None or not k.parent or not k.parent_dated:
            return None
        side = 1 if k.parent_reverse else 0
        if among is not None:
            prefix, role = kind + ":", k.parent_role
            return {row[side] for n in among for row in self.r.edges_of((k.parent_edge,), role, side == 0, n)
                    if row[2] == role and row[side].startswith(prefix) and (row[3] or "") <= end
                    and (row[4] is None or row[4] >= start)}
        key = (kind, start, end)
        if key not in self._ties:
            self._ties[key] = self.r.tied(k.parent_edge, k.parent_role, side, kind, start, end)
        return self._ties[key]

    def starts(self, duty: Duty, w: Any, scope_ids: set[str] | None = None) -> list[str]:
        """Every node a duty's holders are read from, at work in the window (and reaching what
        ``only`` asks for); ``scope_ids``: only these."""
        kind = duty.start
        among = sorted(n for n in scope_ids if kind_of(n) == kind) if scope_ids is not None else None
        if kind == self.model.root:
            nodes = [self.root]
        elif kind == "person":
            nodes = [n for n in among if self.r.node(n) is not None] if among is not None \
                else sorted(self.store.node_ids("person"))
        else:
            tied = self.tied(kind, w.start, w.end, among)
            if tied is not None:
                nodes = sorted(tied)
            else:
                nodes = among if among is not None else sorted(self.store.node_ids(kind))
                nodes = [n for n in nodes if self.r.on_register(n, w.end) or self.r.on_register(n, w.start)]
        if scope_ids is not None:
            nodes = [n for n in nodes if n in scope_ids]
        if duty.only is not None:
            nodes = [n for n in nodes if self.reaches(duty.only, n, w.end)]
        return nodes

    def reaches(self, path: RolePath, start: str, day: str) -> bool:
        key = (path.text, start, day)
        if key not in self._only:
            self._only[key] = bool(self.r.resolve(path, start, day))
        return self._only[key]

    def holders(self, post: str, w: Any) -> list[dict[str, Any]]:
        """Who held a post in the window, each with the days of the window they held it."""
        key = (post, w.label)
        if key not in self._holders:
            out = []
            for src, _dst, _role, vf, vt in self.r.holds(post):
                lo = max(vf or w.start, w.start)
                hi = min(vt or w.end, w.end)
                if lo > hi:
                    continue
                days = (date.fromisoformat(hi) - date.fromisoformat(lo)).days + 1
                out.append({"person": self.r.name(src), "person_id": src, "from": lo, "to": hi, "days": days,
                            "done": 0})
            self._holders[key] = out
        return [dict(h) for h in self._holders[key]]

    def people(self, posts: list[str]) -> set[str]:
        """Everyone who ever held one of the posts."""
        key = tuple(posts)
        if key not in self._people:
            self._people[key] = {row[0] for p in posts for row in self.r.holds(p)}
        return self._people[key]

    # -- one holder, one window ----------------------------------------------------------------
    def frame(self, duty: Duty, w: Any) -> "Frame":
        key = (duty.id, w.label)
        frame = self._frames.get(key)
        if frame is None:
            over = w.end < self.at
            days_left = None if over else \
                (date.fromisoformat(w.end) - date.fromisoformat(max(self.at, w.start))).days + 1
            covered = self.coverage.covers(w.start, w.end)
            where = duty.where
            own = where is not None and not where.steps and not where.start_filters
            lane = not self.explain and duty.cover is None and not duty.members and (where is None or own)
            frame = self._frames[key] = Frame(duty, w, over, covered, days_left, "" if covered else
                                              self.coverage.note(w.label), own, lane,
                                              where.start + ":" if where is not None else None)
        return frame

    def window(self, duty: Duty, w: Any, starts: list[str]) -> list[DutyEntry]:
        """Every judgement of one duty's window, for the holders read from ``starts``."""
        f = self.frame(duty, w)
        reach = self.reach(duty, w.end, starts)
        out: list[DutyEntry] = []
        if reach is None:
            for start in starts:
                reached = [x for path in duty.holders for x in self.resolve(path, start, w.end)]
                if reached:
                    out.extend(self.entries(f, start, reached))
            return out
        own, place = f.lane, f.place
        lane: list[tuple[str, str]] = []  # judged together by judge_own, in the starts' order
        for start in starts:
            reached = reach.get(start)
            if not reached:
                continue
            if own and len(reached) == 1 and not reached[0].startswith("post:") and \
                    (place is None or start.startswith(place)):
                lane.append((start, reached[0]))
                continue
            if lane:
                out.extend(self.judge_own(f, lane))
                lane = []
            out.extend(self.entries(f, start, reached))
        if lane:
            out.extend(self.judge_own(f, lane))
        return out

    def reach(self, duty: Duty, day: str, starts: list[str]) -> dict[str, list[str]] | None:
        """The holders of every start on the day, from one read of the relation, when the duty's
        holders are one step from many starts (every household's pairing cadre); else None."""
        if len(duty.holders) != 1 or len(starts) <= self.r.BULK:
            return None
        path = duty.holders[0]
        if path.start_filters or len(path.steps) != 1 or path.steps[0].filters:
            return None
        step = path.steps[0]
        key = (path.start, step.name, step.param, day)
        if key not in self._maps:
            self._maps[key] = self.r.step_map(path.start, step.name, step.param, day)
        return self._maps[key]

    def entries(self, f: "Frame", start: str, reached: list[str]) -> list[DutyEntry]:
        duty, w = f.duty, f.window
        if len(reached) == 1:
            node = reached[0]
            if f.lane and not node.startswith("post:") and (f.place is None or start.startswith(f.place)):
                return self.judge_own(f, [(start, node)])
            groups = [reached]
        else:
            groups = [reached] if duty.joint else [[x] for x in reached]
        out = []
        for nodes in groups:
            if duty.unit == "天" and all(n.startswith("post:") for n in nodes):
                # training days are a person's: each holder of the post in the window, on their own
                for n in nodes:
                    for h in self.holders(n, w):
                        out.append(self.judge(f, start, [n], only_person=h["person_id"]))
            else:
                out.append(self.judge(f, start, nodes))
        return out

    def judge_own(self, f: "Frame", pairs: list[tuple[str, str]]) -> list[DutyEntry]:
        """:meth:`judge` for holders that are the subject of their records (a body, a unit, a
        pairing cadre — not a post), counted by number or days, anywhere or at the start itself:
        the most frequent judgement (every household's cadre), without what it does not need;
        ``pairs``: (start, holder) of each judgement."""
        duty, w = f.duty, f.window
        index = f.index
        if index is None:
            index = f.index = self.records(duty.evidence) if f.place is None else \
                self.placed(duty.evidence, duty.where.start)
        by_place = f.place is not None
        lo, hi, label_of, labels = w.start, w.end, f.labels, self.label
        by_days = duty.unit == "天"
        required = duty.at_least
        short = "open" if not f.over else ("missed" if f.covered else "uncovered")
        left = f.days_left if short == "open" else None
        names, name = self._names, self.r.name
        fixed = (duty.clause, duty.id, duty.what, duty.evidence)
        unit, reading, label_w, note, entry = duty.unit, duty.reading, w.label, f.note, DutyEntry
        out = []
        for start, node in pairs:
            mine = index.get((node, start)) if by_place else index.get(node)
            if mine:
                # the records are by day: most often all of them lie in the window
                counted = mine if lo <= mine[0].date and mine[-1].date <= hi else \
                    [rec for rec in mine if lo <= rec.date <= hi]
                done = float(sum(rec.days or 0 for rec in counted)) if by_days else float(len(counted))
            else:
                counted, done = [], 0.0
            holder = label_of.get(node)  # (post, person, body) of the holder, made once
            if holder is None:
                post, body = labels([node], duty)
                holder = label_of[node] = (post, (names.get(node) or name(node)) if node.startswith("person:") else None,
                                           body)
            scope = names.get(start) or name(start)
            if done >= required:
                out.append(entry(*fixed, *holder, scope, label_w, lo, hi, required, done, unit, "met", [],
                                 [rec.source for rec in counted], [], [], None, reading, start, node, ""))
            else:
                out.append(entry(*fixed, *holder, scope, label_w, lo, hi, required, done, unit, short, [label_w],
                                 [rec.source for rec in counted], [], [], left, reading, start, node, note))
        return out

    def judge(self, f: "Frame", start: str, nodes: list[str], only_person: str | None = None) -> Any:
        duty, w = f.duty, f.window
        posts = [n for n in nodes if n.startswith("post:")]
        holders = [h for p in posts for h in self.holders(p, w) if only_person is None or h["person_id"] == only_person] \
            if posts else []
        if duty.where is None:
            allowed = None
        elif f.own and start.startswith(duty.where.start + ":"):
            allowed = {start}  # the start itself (a household's own visits)
        else:
            allowed = set(self.resolve(duty.where, start, w.end))
        cover = {x: self.r.name(x) for x in self.resolve(duty.cover, start, w.end)} if duty.cover is not None else None
        explain: list[dict[str, Any]] = []
        if not posts and not duty.members and not self.explain and len(nodes) == 1 and \
                (allowed is None or len(allowed) == 1):
            # the holder is the subject of its records (a body, a unit, a pairing cadre): what
            # counts is its records in the window (in the allowed place)
            if allowed is None:
                mine = self.records(duty.evidence).get(nodes[0])
            else:
                place = next(iter(allowed))
                mine = self.placed(duty.evidence, kind_of(place)).get((nodes[0], place))
            lo, hi = w.start, w.end
            counted = [rec for rec in mine if lo <= rec.date <= hi] if mine else []
        else:
            counted, explain = self.count(duty, w, nodes, posts, holders, allowed, only_person)
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
            required, done = float(len(cover)), float(len(seen))
            missing = [cover[t] for t in cover if t not in seen]
        elif duty.unit == "天":
            required, done = duty.at_least, float(sum(rec.days or 0 for rec in counted))
        else:
            required, done = duty.at_least, float(len(counted))
        if done >= required:
            status = "met"
        elif not f.over:
            status = "open"
        else:
            status = "missed" if f.covered else "uncovered"
        if status != "met" and not missing:
            missing = [w.label]
        label, body = self.label(nodes, duty)
        if only_person is not None:
            person: str | None = self.r.name(only_person)
        elif holders:
            person = "、".join(dict.fromkeys(h["person"] for h in holders)) or None
        elif len(nodes) == 1:
            person = self.r.name(nodes[0]) if nodes[0].startswith("person:") else None
        elif all(n.startswith("person:") for n in nodes):
            person = "、".join(self.r.name(n) for n in nodes)
        else:
            person = None
        return DutyEntry(
            clause=duty.clause, duty=duty.id, what=duty.what, item=duty.evidence, post=label, person=person,
            body=body, scope=self.r.name(start), window=w.label, start=w.start, end=w.end, required=required,
            done=done, unit=duty.unit, status=status, missing=missing,
            evidence=[rec.source for rec in counted], holders=holders, explain=explain,
            days_left=f.days_left if status == "open" else None, reading=duty.reading, scope_id=start,
            holder_id=nodes[0] if len(nodes) == 1 else "、".join(nodes), note="" if status == "met" else f.note)

    def count(self, duty: Duty, w: Any, nodes: list[str], posts: list[str], holders: list[dict[str, Any]],
              allowed: set[str] | None, only_person: str | None) -> tuple[list[LogRecord], list[dict[str, Any]]]:
        """The records that count for the holder group in the window, by day (and, with
        ``explain``, every record considered with the reason it counts or not)."""
        lo, hi = w.start, w.end
        item = duty.evidence
        by_subject = self.records(item)
        counted: list[LogRecord] = []
        # The holder's own records count wherever they lie in the allowed places: without
        # explain, only those are looked at (by place) rather than every record of the holder
        # tried against every place.
        direct = not self.explain and allowed is not None
        if direct:
            if len(nodes) == 1 and len(allowed) == 1:  # most duties: one holder, one place
                place = next(iter(allowed))
                mine = self.placed(item, kind_of(place)).get((nodes[0], place))
                counted = [rec for rec in mine if lo <= rec.date <= hi] if mine else []
            else:
                kinds = {kind_of(t) for t in allowed}
                picked = {rec.n: rec for n in nodes for k in kinds for a in allowed if kind_of(a) == k
                          for rec in self.placed(item, k).get((n, a), ()) if lo <= rec.date <= hi}
                counted = sorted(picked.values(), key=_by_day) if len(picked) > 1 else list(picked.values())
        people = self.people(posts) if posts else ()
        if direct:
            sources = [n for n in people if n not in nodes] if people else []
        else:
            sources = [*nodes, *people]
        candidates = {rec.n: rec for n in sources for rec in by_subject.get(n, ())}
        if duty.members:
            by_org = self.by_org(item)
            candidates.update((rec.n, rec) for n in nodes for rec in by_org.get(n, ())
                              if not direct or rec.subject_id not in nodes)
        if not candidates:
            return counted, []
        node_set = set(nodes)
        kinds = {kind_of(t) for t in allowed} if allowed is not None else set()
        explain: list[dict[str, Any]] = []
        found = []
        for rec in sorted(candidates.values(), key=_by_day):
            if not (lo <= rec.date <= hi):
                continue
            why = self.attribution(rec, node_set, posts, holders, duty, only_person)
            if why is None:
                continue  # someone else's record: not considered at all
            if why == "" and allowed is not None:
                why = self.place(rec, allowed, kinds)
            if self.explain:
                explain.append({"record": rec.n, "date": rec.date, "subject": rec.subject_text, "object": rec.object_text,
                                "counted": why == "", "reason": why or "计入", "source": rec.source})
            if why == "":
                found.append(rec)
        if found:
            counted = sorted([*counted, *found], key=_by_day) if counted else found
        return counted, explain

    def attribution(self, rec: LogRecord, nodes: set[str], posts: list[str], holders: list[dict[str, Any]],
                    duty: Duty, only_person: str | None) -> str | None:
        """'' when the record is the holder's; a reason when it names the holder wrongly (in post
        another day); None when it is someone else's altogether."""
        subject = rec.subject_id
        if subject in nodes:
            return ""
        if subject.startswith("person:"):
            if posts:
                mine = [h for h in holders if h["person_id"] == subject]
                if only_person is not None and subject != only_person:
                    return None
                if any(h["from"] <= rec.date <= h["to"] for h in mine):
                    return ""
                if mine or subject in self.people(posts):
                    self._flag(rec, posts)
                    return f"{rec.subject_text} 在 {rec.date} 不在任上"
                return None
            if duty.members and self.r.org_of(subject) in nodes:
                return ""
        return None

    def place(self, rec: LogRecord, allowed: set[str], kinds: set[str]) -> str:
        """'' when the record's object lies in one of the allowed places, else why not."""
        if not rec.object_id:
            return "未写对象，无法判断是否在规定的地方"
        # lift the record's object once per kind the allowed places have (not once per place)
        for k in kinds:
            if self.r.lift(rec.object_id, k, rec.date) in allowed:
                return ""
        if not self.explain:
            return "不在规定范围"  # the reason is only shown by --explain; naming the places costs
        first = sorted(allowed)[:5]
        names = "、".join(self.r.name(t) for t in first) or "无"
        if len(allowed) > len(first):
            names += f" 等 {len(allowed)} 处"
        return f"对象“{rec.object_text}”不在规定范围（{names}）内"

    def _flag(self, rec: LogRecord, posts: list[str]) -> None:
        if rec.n in self._flagged:
            return
        self._flagged.add(rec.n)
        self.flagged.append({"record": rec.n, "date": rec.date, "subject": rec.subject_text, "item": rec.item,
                             "post": "、".join(self.r.name(p) for p in posts),
                             "reason": "该日不在任上，不计入该职务的履职", "source": rec.source})

    # -- how it reads ----------------------------------------------------------------------------
    def label(self, nodes: list[str], duty: Duty) -> tuple[str, str]:
        """(post title, or the role's label; the organ) of a holder group."""
        key = (duty.id, nodes[0]) if len(nodes) == 1 else (duty.id, *nodes)
        found = self._labels.get(key)
        if found is None:
            titles, bodies = [], []
            for n in nodes:
                if n.startswith("person:"):
                    org = self.r.org_of(n)
                    if duty.id not in self._roles:
                        self._roles[duty.id] = role_label(duty.holders[0], self.rb)
                    titles.append(self._roles[duty.id])
                    bodies.append(self.r.name(org) if org else "")
                    continue
                if n.startswith("post:"):
                    title, body = self.r.post_label(n)
                    titles.append(title)
                    bodies.append(body)
                    continue
                party = self.r.party(Reached(n), self.at)[0]
                titles.append(self.r.name(n))
                bodies.append(party.body or self.r.name(n))
            self._labels[key] = found = ("、".join(dict.fromkeys(titles)), "、".join(dict.fromkeys(bodies)))
        return found


def _by_day(rec: LogRecord) -> tuple[str, int]:
    return rec.date, rec.n


class _Asked:
    """A mapping answered when asked: ``get`` computes a key's value once (empty: None)."""

    __slots__ = ("_fn", "_kept")

    def __init__(self, fn: Any):
        self._fn, self._kept = fn, {}

    def get(self, key: Any, default: Any = None) -> Any:
        if key not in self._kept:
            self._kept[key] = self._fn(key) or None
        found = self._kept[key]
        return default if found is None else found
