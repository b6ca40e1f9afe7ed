"""The rulebook model: clauses, duties, role definitions and liability rules, as data.

``parse_rulebook(data, source)`` validates a plain mapping (as read from YAML, TOML or the
project file) strictly and builds a :class:`Rulebook`; every problem names the file, the
clause and the key. Role paths are checked against :mod:`zeren.graph.schema`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import schema
from .errors import Problem, RulebookError

__all__ = [
    "Threshold",
    "Liable",
    "Rule",
    "Clause",
    "Rulebook",
    "RolePath",
    "parse_role_path",
    "parse_rulebook",
    "MEASURES",
]

#: Denominators a threshold may be measured against: what existed in the scope in the window.
MEASURES = {"households": "household", "teams": "team"}


@dataclass(frozen=True)
class RolePath:
    """A parsed role path such as ``township.post(党委书记)``: a start kind and steps."""

    text: str
    start: str
    steps: tuple[tuple[str, str], ...]  # (relation name, parameter)

    @property
    def end_kind(self) -> str:
        kind = self.start
        for name, _ in self.steps:
            kind = schema.RELATIONS[(kind, name)].target
        return kind


@dataclass(frozen=True)
class Threshold:
    """``at_least`` (a fraction, inclusive: 以上 includes the number) of ``of`` in the scope."""

    at_least: float
    text: str
    of: str


@dataclass(frozen=True)
class Liable:
    role: RolePath
    kind: str
    label: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    when: tuple[str, ...]
    scope: str
    liable: tuple[Liable, ...]
    consequence: str = ""
    by: str = ""
    summary: str = ""
    counts: str = ""
    threshold: Threshold | None = None
    standing: bool = False
    escalate: str = ""  # for 结语-like rules: the level of persons it follows up


@dataclass(frozen=True)
class Clause:
    id: str
    section: str
    title: str
    text: str
    roles: tuple[str, ...] = ()
    duties: tuple[dict[str, Any], ...] = ()
    definitions: tuple[dict[str, str], ...] = ()
    rules: tuple[Rule, ...] = ()


@dataclass
class Rulebook:
    name: str
    title: str
    document: str
    issuer: str
    date: str
    county: str
    county_posts: dict[str, dict[str, Any]]
    bodies: list[dict[str, str]]
    lead_units: list[str]
    finding_types: dict[str, list[str]]
    clauses: list[Clause]
    trace_chain: list[dict[str, str]]
    labels: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def label(self, kind: str) -> str:
        """What this list calls a node kind (``household`` → 建档立卡贫困户), else the schema's word."""
        return self.labels.get(kind) or schema.NODE_KINDS.get(kind, kind)

    @property
    def rules(self) -> list[Rule]:
        return [r for c in self.clauses for r in c.rules]

    def clause(self, clause_id: str) -> Clause:
        for c in self.clauses:
            if c.id == clause_id:
                return c
        raise KeyError(clause_id)

    def to_dict(self) -> dict[str, Any]:
        """The mapping this rulebook was parsed from (JSON-serialisable)."""
        return self.raw


_STEP = re.compile(r"^([a-z_]+)(?:\(([^()]+)\))?$")
_TOP_KEYS = {
    "name", "title", "document", "issuer", "date", "county", "county_posts", "bodies",
    "lead_units", "finding_types", "clauses", "trace_chain", "labels",
}
_CLAUSE_KEYS = {"id", "section", "title", "text", "roles", "duties", "definitions", "rules"}
_RULE_KEYS = {
    "id", "when", "scope", "counts", "threshold", "liable", "consequence", "by", "summary",
    "standing", "escalate",
}
_LIABLE_KEYS = {"role", "kind", "label"}
_THRESHOLD_KEYS = {"at_least", "of"}
_DUTY_KEYS = {"what", "role", "frequency", "at_least", "unit"}
_DEFINITION_KEYS = {"role", "as"}
_CHAIN_KEYS = {"role", "label"}
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")


def parse_role_path(text: str, county_posts: dict[str, Any] | None = None) -> RolePath:
    """Parse and check a role path; raise ``ValueError`` saying which step fails."""
    parts = [p.strip() for p in str(text).split(".")]
    start = parts[0]
    if start not in schema.NODE_KINDS:
        raise ValueError(f"起点“{start}”不是已知的对象类型（{', '.join(schema.PARENT) + ', county, unit'}）")
    kind = start
    steps: list[tuple[str, str]] = []
    for part in parts[1:]:
        m = _STEP.match(part)
        if not m:
            raise ValueError(f"无法识别的步骤“{part}”")
        name, param = m.group(1), (m.group(2) or "").strip()
        rel = schema.relation(kind, name)
        if rel is None:
            known = sorted(n for (k, n) in schema.RELATIONS if k == kind)
            raise ValueError(f"{kind} 没有关系“{name}”（可用：{', '.join(known) or '无'}）")
        if rel.param and not param:
            raise ValueError(f"步骤“{name}”需要括号中的参数，例如 {name}(党委书记)")
        if not rel.param and param:
            raise ValueError(f"步骤“{name}”不带参数")
        if name == "post":
            titles = set(schema.POSTS[kind]) | (set(county_posts or {}) if kind == "county" else set())
            if param not in titles:
                raise ValueError(f"{kind} 没有职务“{param}”（可用：{', '.join(sorted(titles))}）")
        steps.append((name, param))
        kind = rel.target
    return RolePath(text=str(text), start=start, steps=tuple(steps))


class _Collector:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def add(self, where: str, key: str, message: str, value: Any = None) -> None:
        self.problems.append(
            Problem(self.source, message, sheet=where, column=key, value=None if value is None else str(value))
        )

    def keys(self, mapping: Any, allowed: set[str], where: str, required: set[str] = frozenset()) -> bool:
        if not isinstance(mapping, dict):
            self.add(where, "", "应为键值映射", type(mapping).__name__)
            return False
        for key in mapping:
            if key not in allowed:
                self.add(where, str(key), f"未知的键（允许：{', '.join(sorted(allowed))}）")
        missing = sorted(required - set(mapping))
        for key in missing:
            self.add(where, key, "缺少必填的键")
        return not missing


def _threshold(c: _Collector, where: str, data: Any) -> Threshold | None:
    if data is None:
        return None
    if not c.keys(data, _THRESHOLD_KEYS, where, {"at_least", "of"}):
        return None
    text = str(data["at_least"]).strip()
    m = _PERCENT.match(text)
    if not m:
        c.add(where, "threshold.at_least", "阈值应写成百分数，如 3%（“以上”含本数）", text)
        return None
    value = float(m.group(1)) / 100
    if not 0 < value <= 1:
        c.add(where, "threshold.at_least", "阈值应在 0% 与 100% 之间", text)
        return None
    if data["of"] not in MEASURES:
        c.add(where, "threshold.of", f"未知的分母（可用：{', '.join(MEASURES)}）", data["of"])
        return None
    return Threshold(at_least=value, text=text, of=str(data["of"]))


def _role(c: _Collector, where: str, key: str, text: Any, county_posts: dict[str, Any]) -> RolePath | None:
    try:
        return parse_role_path(str(text), county_posts)
    except ValueError as err:
        c.add(where, key, f"角色路径无法解析：{err}", text)
        return None


def _rule(c: _Collector, clause_id: str, data: Any, book: dict[str, Any], seen: set[str]) -> Rule | None:
    rid = str(data.get("id", "")) if isinstance(data, dict) else ""
    where = f"{clause_id} 规则 {rid}".strip()
    if not c.keys(data, _RULE_KEYS, where, {"id", "scope", "liable"}):
        return None
    if rid in seen:
        c.add(where, "id", "规则编号重复", rid)
    seen.add(rid)
    finding_types = book.get("finding_types") or {}
    when = data.get("when") or []
    if isinstance(when, str):
        when = [when]
    for w in when:
        if w not in finding_types:
            c.add(where, "when", f"未在 finding_types 中定义的问题类型（可用：{', '.join(finding_types)}）", w)
    standing = bool(data.get("standing", False))
    escalate = str(data.get("escalate", "") or "")
    if not when and not standing and not escalate:
        c.add(where, "when", "规则需要触发的问题类型（when），或标为 standing / escalate")
    scope = str(data.get("scope", ""))
    if scope not in schema.NODE_KINDS:
        c.add(where, "scope", f"未知的范围（可用：{', '.join(schema.PARENT)}, county）", scope)
    counts = str(data.get("counts", "") or "")
    if counts and counts not in schema.NODE_KINDS:
        c.add(where, "counts", "未知的计数对象", counts)
    threshold = _threshold(c, where, data.get("threshold"))
    if threshold and not counts:
        c.add(where, "counts", "阈值规则需要说明计数对象（counts）")
    if counts and scope in schema.NODE_KINDS and schema.lift_path(counts, scope) is None:
        c.add(where, "counts", f"{counts} 无法归入范围 {scope}", counts)
    liable: list[Liable] = []
    items = data.get("liable")
    if not isinstance(items, list) or not items:
        c.add(where, "liable", "应为非空列表")
        items = []
    county_posts = book.get("county_posts") or {}
    for i, item in enumerate(items):
        lw = f"{where} 责任方{i + 1}"
        if not c.keys(item, _LIABLE_KEYS, lw, {"role", "kind"}):
            continue
        role = _role(c, lw, "role", item["role"], county_posts)
        if role is not None:
            liable.append(Liable(role=role, kind=str(item["kind"]), label=str(item.get("label", ""))))
    return Rule(
        id=rid,
        clause=clause_id,
        when=tuple(str(w) for w in when),
        scope=scope,
        liable=tuple(liable),
        consequence=str(data.get("consequence", "") or ""),
        by=str(data.get("by", "") or ""),
        summary=str(data.get("summary", "") or ""),
        counts=counts,
        threshold=threshold,
        standing=standing,
        escalate=escalate,
    )


def parse_rulebook(data: Any, source: str = "<rulebook>") -> Rulebook:
    """Validate ``data`` strictly and build a :class:`Rulebook`; raise RulebookError."""
    c = _Collector(source)
    if not c.keys(data, _TOP_KEYS, "", {"name", "county", "clauses", "finding_types"}):
        raise RulebookError(c.problems)
    county_posts = data.get("county_posts") or {}
    for title, spec in county_posts.items():
        if not isinstance(spec, dict) or spec.get("edge", "LEADS") not in schema.RESPONSIBILITY_EDGES:
            c.add("county_posts", str(title), f"edge 应为 {', '.join(schema.RESPONSIBILITY_EDGES)} 之一", spec)
    finding_types: dict[str, list[str]] = {}
    for name, spec in (data.get("finding_types") or {}).items():
        objects = (spec or {}).get("objects", []) if isinstance(spec, dict) else []
        bad = [o for o in objects if o not in schema.OBJECT_TYPES]
        if not objects or bad:
            c.add("finding_types", str(name), f"objects 应为对象类型的列表（{', '.join(schema.OBJECT_TYPES)}）", bad or objects)
        finding_types[str(name)] = [str(o) for o in objects]
    clauses: list[Clause] = []
    seen_clauses: set[str] = set()
    seen_rules: set[str] = set()
    for item in data.get("clauses") or []:
        cid = str(item.get("id", "")) if isinstance(item, dict) else ""
        where = f"条款 {cid}".strip()
        if not c.keys(item, _CLAUSE_KEYS, where, {"id", "text"}):
            continue
        if cid in seen_clauses:
            c.add(where, "id", "条款编号重复", cid)
        seen_clauses.add(cid)
        for d in item.get("duties") or []:
            c.keys(d, _DUTY_KEYS, f"{where} 职责", {"what"})
            if isinstance(d, dict) and d.get("role"):
                _role(c, f"{where} 职责", "role", d["role"], county_posts)
        for d in item.get("definitions") or []:
            if c.keys(d, _DEFINITION_KEYS, f"{where} 定义", {"role", "as"}):
                _role(c, f"{where} 定义", "role", d["role"], county_posts)
        for r in item.get("roles") or []:
            _role(c, where, "roles", r, county_posts)
        rules = [_rule(c, cid, r, data, seen_rules) for r in item.get("rules") or []]
        clauses.append(
            Clause(
                id=cid,
                section=str(item.get("section", "")),
                title=str(item.get("title", "")),
                text=str(item["text"]),
                roles=tuple(str(r) for r in item.get("roles") or []),
                duties=tuple(item.get("duties") or []),
                definitions=tuple(item.get("definitions") or []),
                rules=tuple(r for r in rules if r is not None),
            )
        )
    chain = data.get("trace_chain") or []
    for i, step in enumerate(chain):
        if c.keys(step, _CHAIN_KEYS, f"trace_chain {i + 1}", {"role"}):
            _role(c, f"trace_chain {i + 1}", "role", step["role"], county_posts)
    labels = data.get("labels") or {}
    for kind in labels:
        if kind not in schema.NODE_KINDS:
            c.add("labels", str(kind), f"未知的对象类型（可用：{', '.join(schema.NODE_KINDS)}）")
    if c.problems:
        raise RulebookError(c.problems)
    return Rulebook(
        name=str(data["name"]),
        title=str(data.get("title", "")),
        document=str(data.get("document", "")),
        issuer=str(data.get("issuer", "")),
        date=str(data.get("date", "")),
        county=str(data["county"]),
        county_posts={str(k): dict(v) for k, v in county_posts.items()},
        bodies=[dict(b) for b in data.get("bodies") or []],
        lead_units=[str(u) for u in data.get("lead_units") or []],
        finding_types=finding_types,
        clauses=clauses,
        trace_chain=[dict(s) for s in chain],
        labels={str(k): str(v) for k, v in labels.items()},
        raw=data,
    )
