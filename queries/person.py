"""One person's whole record: every post held, every liability named, the duty record.

A person is known by name within an organisation, or — where a roster carries an identity
column (干部编号, or a 身份证号 kept as a keyed hash) — by that identity across every roster.
People a human has confirmed to be one (``zeren person merge``) are read together. A name
that fits several people who are not linked is ambiguous: the candidates are listed, with the
posts they held, and the caller asks for the organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..graph import schema
from ..graph.errors import NotFound, ZerenError
from .paths import Reached, Resolver
from .periods import default_day, quarter_of

__all__ = ["PostHeld", "Dossier", "Ambiguous", "dossier", "find_people", "linked"]


class Ambiguous(ZerenError):
    """A name that fits several people: ``candidates`` lists them."""

    def __init__(self, name: str, candidates: list[dict[str, Any]]):
        self.candidates = candidates
        listing = "；".join(f"{c['org']}/{c['name']}（{'、'.join(c['posts']) or '无职务'}）" for c in candidates)
        super().__init__(f"“{name}”有 {len(candidates)} 人：{listing}；请用 --unit 指明单位")


@dataclass
class PostHeld:
    post: str
    body: str
    owner: str
    start: str | None
    end: str | None  # None: still in post
    source: str
    person_id: str
    post_id: str

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["from"], d["to"] = d.pop("start"), d.pop("end")
        return d


@dataclass
class Dossier:
    name: str
    ids: list[str]
    orgs: list[str]
    posts: list[PostHeld]
    liabilities: list[dict[str, Any]] = field(default_factory=list)
    duties: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ids": self.ids, "orgs": self.orgs, "posts": [p.as_dict() for p in self.posts],
                "liabilities": self.liabilities, "duties": self.duties, "records": self.records, "gaps": self.gaps,
                "duplicates": self.duplicates, "links": self.links}


def linked(store: Any, person_id: str) -> set[str]:
    """The person ids confirmed to be one person with this one (the links' connected component)."""
    out, todo = {person_id}, [person_id]
    while todo:
        current = todo.pop()
        for a, b, _batch, _note in store.person_links([current]):  # links are kept both ways
            for other in (a, b):
                if other not in out:
                    out.add(other)
                    todo.append(other)
    return out


def find_people(store: Any, name: str, unit: str | None = None) -> list[tuple[str, str, str | None]]:
    """(id, name, organisation id) of the persons called ``name`` (in the organisation ``unit``)."""
    rows = store.persons(schema.name_key(name))
    if unit:
        key = schema.name_key(unit)
        rows = [r for r in rows if r[2] and r[2].split(":", 1)[-1] == key]
    return rows


def dossier(store: Any, name: str, *, unit: str | None = None, at: str | None = None) -> Dossier:
    """The record of the person called ``name`` (in ``unit``); raise Ambiguous or NotFound."""
    r = Resolver(store)
    found = find_people(store, name, unit)
    if not found:
        raise NotFound(f"人员“{name}”{'（' + unit + '）' if unit else ''}不在项目中 (no such person)")
    groups: list[set[str]] = []
    for pid, _n, _o in found:
        if not any(pid in g for g in groups):
            groups.append(linked(store, pid))
    if len(groups) > 1:
        candidates = [{"ids": sorted(g), "name": name, "org": "、".join(sorted({r.name(o) for pid, _n, o in found
                                                                               if pid in g and o})),
                       "posts": sorted({p.post for p in _posts(r, store, g)})} for g in groups]
        raise Ambiguous(name, candidates)
    ids = sorted(groups[0])
    posts = _posts(r, store, set(ids))
    orgs = sorted({r.name(o) for o in (n.props.get("org_id") for n in store.nodes_by_id(ids)) if o})
    d = Dossier(name=name, ids=ids, orgs=orgs, posts=posts)
    d.liabilities = _liabilities(store, set(ids))
    d.records = [{"date": x.date, "item": x.item, "object": x.object_text, "days": x.days, "note": x.note,
                  "source": f"{(x.provenance.source or '').replace(chr(92), '/').rsplit('/', 1)[-1]}:{x.provenance.row}"}
                 for pid in ids for x in store.duty_records(subject_id=pid)]
    at = at or default_day(store)[0]  # the one default day, for the duty windows and the gaps alike
    d.duties = _duties(store, r, set(ids), posts, at)
    d.gaps = _gaps(r, store, posts, at)
    d.duplicates = _duplicates(r, store, name, set(ids), posts)
    d.links = [{"a": a, "b": b, "batch": batch, "note": note} for a, b, batch, note in store.person_links(ids)]
    return d


def _posts(r: Resolver, store: Any, ids: set[str]) -> list[PostHeld]:
    out = []
    for pid in sorted(ids):
        spans: dict[str, list[Any]] = {}
        for e in store.edges(src=pid, kinds=["HOLDS"]):
            spans.setdefault(e.dst, []).append(e)
        for post, edges in spans.items():
            for lo, hi, src in _merged(edges):
                party = r.party(Reached(post), lo or date.today().isoformat())[0]
                owner = post[5:].rsplit("/", 1)[0]
                out.append(PostHeld(party.post, party.body, r.name(owner), lo, hi, src, pid, post))
    return sorted(out, key=lambda p: (p.start or "", p.post))


def _merged(edges: list[Any]) -> list[tuple[str | None, str | None, str]]:
    """Contiguous rows of one assignment as one span, with the first row's source."""
    from datetime import timedelta

    spans: list[list[Any]] = []
    for e in sorted(edges, key=lambda e: e.valid_from or ""):
        src = f"{(e.provenance.source or '').replace(chr(92), '/').rsplit('/', 1)[-1]}:{e.provenance.row}"
        if spans:
            hi = spans[-1][1]
            if hi is None or (e.valid_from and (date.fromisoformat(hi) + timedelta(days=1)).isoformat() >= e.valid_from):
                if hi is not None and (e.valid_to is None or e.valid_to > hi):
                    spans[-1][1] = e.valid_to
                continue
        spans.append([e.valid_from, e.valid_to, src])
    return [(a, b, c) for a, b, c in spans]


def _liabilities(store: Any, ids: set[str]) -> list[dict[str, Any]]:
    """Every entry of every quarter's check (and its standing responsibilities) that names the person."""
    from .check import check

    days = [f.date for f in store.findings()]
    quarters = sorted({quarter_of(d) for d in days})
    out = []
    for lo, hi in quarters:
        result = check(store, lo, hi)
        for li in result.liabilities + result.standing:
            if li.triggered and li.person_id in ids:
                entry = {k: v for k, v in li.as_dict().items() if k in (
                    "clause", "rule", "kind", "post", "body", "scope", "date", "findings", "explanation", "consequence",
                    "by", "standing", "tenure", "days_in_post", "holder_at_finding", "numerator", "denominator",
                    "threshold", "duties", "conflict")}
                entry["period"] = f"{lo} 至 {hi}"
                out.append(entry)
    return out


def _duties(store: Any, r: Resolver, ids: set[str], posts: list[PostHeld], at: str | None) -> list[dict[str, Any]]:
    """The duties judged for the posts the person held, in the windows they held them."""
    from .duties import covering, duties
    from .duty_reads import log_spans

    loads = log_spans(store)  # the windows judged: those the duty log reaches
    if not loads or not posts:
        return []
    starts = {p.post_id[5:].rsplit("/", 1)[0] for p in posts}
    for pid in ids:  # what the person answers for directly (a pairing cadre's households)
        starts |= {e.dst for e in store.edges(src=pid, kinds=["ASSISTS", "LEADS", "SUPERVISES"])}
    lo, hi = min(x[0] for x in loads), max(x[1] for x in loads)
    judged = duties(store, lo, hi, at=at, scope_ids=starts, log=covering(loads))
    out = []
    for e in judged.duties:
        mine = [h for h in e.holders if h["person_id"] in ids] or (
            [{"person_id": e.holder_id}] if e.holder_id in ids else [])
        if mine:
            out.append({"duty": e.duty, "clause": e.clause, "what": e.what, "window": e.window, "scope": e.scope,
                        "required": e.required, "done": e.done, "unit": e.unit, "status": e.status,
                        "evidence": e.evidence, **({"note": e.note} if e.note else {})})
    return out


def _gaps(r: Resolver, store: Any, posts: list[PostHeld], at: str) -> list[str]:
    """Posts the person left that nobody has held since."""
    out = []
    for p in posts:
        if p.end is None or p.end >= at:
            continue
        later = [e for e in store.edges(dst=p.post_id, kinds=["HOLDS"]) if (e.valid_from or "") > p.end]
        if not later:
            out.append(f"{p.owner} {p.post}：{p.end} 离任后至 {at} 无人接任")
    return out


def _duplicates(r: Resolver, store: Any, name: str, ids: set[str], posts: list[PostHeld]) -> list[dict[str, Any]]:
    """Others of the same name, not linked, holding posts at the same time in another organisation:
    perhaps one person keyed twice (confirm with ``zeren person merge``)."""
    out = []
    for pid, _n, org in store.persons(schema.name_key(name)):
        if pid in ids:
            continue
        theirs = _posts(r, store, {pid})
        overlap = [f"{t.owner} {t.post}" for t in theirs for p in posts
                   if (p.start or "") <= (t.end or "9999") and (t.start or "") <= (p.end or "9999")]
        if overlap:
            out.append({"id": pid, "org": r.name(org) if org else "", "posts": sorted(set(overlap)),
                        "hint": f"若为同一人：zeren person merge {sorted(ids)[0]} {pid}"})
    return out
