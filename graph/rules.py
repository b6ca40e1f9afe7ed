"""The rulebook model: clauses, duties, role definitions and liability rules, as data.

``parse_rulebook(data, source)`` validates a plain mapping (as read from YAML, TOML or the
project file) strictly and builds a :class:`Rulebook`; every problem names the file, the
clause and the key. The rulebook carries its domain pack (:mod:`zeren.graph.pack`: the
kinds of object, relations, posts and rosters), and role paths are checked against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import schema
from .errors import RulebookError
from .pack import Model, Pack, parse_pack
from .validation import Collector

__all__ = [
    "Step",
    "Condition",
    "Contradiction",
    "Threshold",
    "Liable",
    "Rule",
    "Clause",
    "Rulebook",
    "RolePath",
    "parse_role_path",
    "parse_rulebook",
]


Filter = tuple[str, str]  # (the property's roster column, the value it must have)


class Step(NamedTuple):
    """One step of a role path: a relation, its parameter (``post(TITLE)``) and filters."""

    name: str
    param: str = ""
    filters: tuple[Filter, ...] = ()


@dataclass(frozen=True)
class RolePath:
    """A parsed role path such as ``village[COLUMN=VALUE].helping_units``: a start
    kind (with filters on the start object), then steps, each with filters on what it reaches."""

    text: str
    start: str
    steps: tuple[Step, ...]
    start_filters: tuple[Filter, ...] = ()
    kinds: tuple[str, ...] = ()  # the kind reached after each step

    @property
    def end_kind(self) -> str:
        return self.kinds[-1] if self.kinds else self.start

    def tail(self, skip: int = 1) -> "RolePath":
        """The same path read from the node reached after ``skip`` steps."""
        start = self.kinds[skip - 1] if skip else self.start
        return RolePath(self.text, start, self.steps[skip:], self.steps[skip - 1].filters if skip else (),
                        self.kinds[skip:])


@dataclass(frozen=True)
class Threshold:
    """``at_least`` (a fraction, inclusive: 以上 includes the number) of ``of`` in the scope."""

    at_least: float
    text: str
    of: str


@dataclass(frozen=True)
class Liable:
    """A party a rule names: a role path, its liability kind, a label, and the object types it
    is named for (() = every object type the rule binds)."""

    role: RolePath
    kind: str
    label: str = ""
    objects: tuple[str, ...] = ()
    note: str = ""  # the basis, where it is a reading rather than the clause's own words


@dataclass(frozen=True)
class Condition:
    """A rule binds an object only if ``path`` reaches something from it on the day;
    otherwise the finding is reported as not applicable, for ``otherwise``."""

    path: RolePath
    otherwise: str


#: The kinds of rule, each with its evaluator (zeren.queries.evaluators).
RULE_KINDS = ("finding", "threshold", "standing", "escalation")


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
    objects: tuple[str, ...] = ()  # object types (户, 村 …) the rule binds
    condition: Condition | None = None

    @property
    def kind(self) -> str:
        """finding (any finding of its types), threshold, standing or escalation."""
        if self.standing:
            return "standing"
        if self.escalate:
            return "escalation"
        return "threshold" if self.threshold is not None else "finding"

    def liable_for(self, object_type: str) -> tuple[Liable, ...]:
        """The parties named when a finding is on an object of ``object_type``."""
        return tuple(li for li in self.liable if not li.objects or object_type in li.objects)


@dataclass(frozen=True)
class Contradiction:
    """A finding of one of ``when`` whose object reaches something by ``path`` contradicts the
    rosters (a plan recorded 已制定 that a finding says was never made)."""

    when: tuple[str, ...]
    path: RolePath
    message: str


#: Calendar windows a duty's frequency names, and how many months each spans.
FREQUENCIES = {"每月": 1, "每季度": 3, "每半年": 6, "每年": 12}


@dataclass(frozen=True)
class Duty:
    """A frequency duty of a clause, judged from the duty log (履职记录).

    ``holders``: role paths naming who must perform (posts, bodies, organisations), read from
    every node of their start kind (``only`` keeps those from which a path reaches something:
    units that help a village). ``joint``: the holders perform together (any one's records
    count for all). ``members``: records by persons of the holder organisation count (单位领导).
    ``where``: the record's object must lie within what this path reaches from the start node;
    ``cover``: each node this path reaches must be an object of some record in the window.
    ``unit`` 天 sums the records' 天数; any other unit counts records.
    """

    id: str
    clause: str
    what: str
    holders: tuple[RolePath, ...]
    evidence: str
    frequency: str
    at_least: float
    unit: str = "次"
    joint: bool = False
    members: bool = False
    only: RolePath | None = None
    where: RolePath | None = None
    cover: RolePath | None = None
    reading: str = ""  # where the rulebook's reading goes beyond the clause's words

    @property
    def start(self) -> str:
        return self.holders[0].start

    @property
    def months(self) -> int:
        return FREQUENCIES[self.frequency]


@dataclass(frozen=True)
class Clause:
    id: str
    section: str
    title: str
    text: str
    roles: tuple[str, ...] = ()
    duties: tuple[Duty, ...] = ()
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
    pack: Pack
    contradictions: list[Contradiction] = field(default_factory=list)
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def model(self) -> Model:
        return self.pack.model

    def label(self, kind: str) -> str:
        """What this list calls a node kind (its label in the pack)."""
        return self.pack.model.label(kind)

    def role(self, text: str) -> RolePath:
        """A role path of this rulebook, parsed against its model."""
        return parse_role_path(text, self.pack.model)

    @property
    def rules(self) -> list[Rule]:
        return [r for c in self.clauses for r in c.rules]

    @property
    def duties(self) -> list[Duty]:
        return [d for c in self.clauses for d in c.duties]

    def evidence(self) -> list[str]:
        """The 履职事项 a duty log may record: every duty's evidence, in the rulebook's order."""
        return list(dict.fromkeys(d.evidence for d in self.duties))

    def body(self, name: str) -> dict[str, Any] | None:
        return next((b for b in self.bodies if b.get("name") == name), None)

    def clause(self, clause_id: str) -> Clause:
        for c in self.clauses:
            if c.id == clause_id:
                return c
        raise KeyError(clause_id)

    def to_dict(self) -> dict[str, Any]:
        """The mapping this rulebook was parsed from (JSON-serialisable)."""
        return self.raw


_STEP = re.compile(r"^([a-z_]+)(?:\(([^()\[\]]+)\))?((?:\[[^\[\]=]+=[^\[\]]*\])*)$")
_FILTER = re.compile(r"\[([^\[\]=]+)=([^\[\]]*)\]")
_TOP_KEYS = {
    "name", "title", "document", "issuer", "date", "county", "county_posts", "bodies",
    "lead_units", "finding_types", "clauses", "trace_chain", "contradictions", "model", "rosters", "gaps",
    "org", "uses",
}
_CLAUSE_KEYS = {"id", "section", "title", "text", "roles", "duties", "definitions", "rules"}
_RULE_KEYS = {
    "id", "kind", "when", "objects", "condition", "scope", "counts", "threshold", "liable", "consequence", "by",
    "summary", "standing", "escalate",
}
_LIABLE_KEYS = {"role", "kind", "label", "objects", "note"}
_CONDITION_KEYS = {"path", "otherwise"}
_CONTRADICTION_KEYS = {"when", "path", "message"}
_BODY_KEYS = {"name", "duty", "members", "unspecified"}
_THRESHOLD_KEYS = {"at_least", "of"}
_DUTY_KEYS = {"id", "what", "holder", "joint", "members", "only", "evidence", "where", "cover", "frequency", "at_least",
              "unit", "reading"}
_DEFINITION_KEYS = {"role", "as"}
_CHAIN_KEYS = {"role", "label"}
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")


def _filters(model: Model, kind: str, text: str) -> tuple[Filter, ...]:
    """``[COLUMN=VALUE][…]`` on a node of ``kind`` → ((column, value), …); checked against the model."""
    out = []
    known = model.filters(kind)
    for key, value in _FILTER.findall(text or ""):
        key, value = key.strip(), value.strip()
        if key not in known:
            raise ValueError(f"{kind} 不能按“{key}”筛选（可用：{', '.join(known) or '无'}）")
        if known[key].type == "bool" and value not in ("是", "否"):
            raise ValueError(f"“{key}”的值应为“是”或“否”")
        out.append((key, value))
    return tuple(out)


def parse_role_path(text: str, model: Model) -> RolePath:
    """Parse and check a role path against a pack's model; raise ``ValueError`` saying which step fails."""
    parts = [p.strip() for p in str(text).split(".")]
    m = re.match(r"^([a-z_]+)((?:\[[^\[\]=]+=[^\[\]]*\])*)$", parts[0])
    start = m.group(1) if m else parts[0]
    if not m or not model.is_kind(start):
        raise ValueError(f"起点“{parts[0]}”不是已知的对象种类（{', '.join([*model.kinds, 'person'])}）")
    start_filters = _filters(model, start, m.group(2))
    kind = start
    steps: list[Step] = []
    kinds: list[str] = []
    for part in parts[1:]:
        m = _STEP.match(part)
        if not m:
            raise ValueError(f"无法识别的步骤“{part}”")
        name, param = m.group(1), (m.group(2) or "").strip()
        rel = model.relation(kind, name)
        if rel is None:
            raise ValueError(f"{kind} 没有关系“{name}”（可用：{', '.join(model.relation_names(kind)) or '无'}）")
        if rel.param and not param:
            raise ValueError(f"步骤“{name}”需要括号中的参数，例如 {name}(…)")
        if not rel.param and param:
            raise ValueError(f"步骤“{name}”不带参数")
        if name == "post":
            titles = model.posts.get(kind, {})
            if param not in titles:
                raise ValueError(f"{kind} 没有职务“{param}”（可用：{', '.join(titles)}）")
        steps.append(Step(name, param, _filters(model, rel.target, m.group(3))))
        kind = rel.target
        kinds.append(kind)
    return RolePath(text=str(text), start=start, steps=tuple(steps), start_filters=start_filters, kinds=tuple(kinds))


_Collector = Collector


def _threshold(c: _Collector, where: str, data: Any, model: Model) -> Threshold | None:
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
    if data["of"] not in model.measures:
        c.add(where, "threshold.of", f"未知的分母（可用：{', '.join(model.measures)}）", data["of"])
        return None
    return Threshold(at_least=value, text=text, of=str(data["of"]))


def _role(c: _Collector, where: str, key: str, text: Any, model: Model) -> RolePath | None:
    try:
        return parse_role_path(str(text), model)
    except ValueError as err:
        c.add(where, key, f"角色路径无法解析：{err}", text)
        return None


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def _reachable(c: _Collector, where: str, key: str, objects: list[str], path: RolePath | None, text: str,
               model: Model) -> None:
    """Every object type must lift to the path's start kind, or the rule names nobody for it."""
    if path is None:
        return
    for obj in objects:
        kind = model.object_kind(obj)
        if kind and model.lift_path(kind, path.start) is None:
            c.add(where, key, f"对象类型“{obj}”无法沿结构到达 {path.start}，此路径对它找不到任何人；"
                              f"请在该责任方写 objects 限定适用的对象类型，或从规则的 objects 中去掉“{obj}”", text)


def _rule(c: _Collector, clause_id: str, data: Any, book: dict[str, Any], seen: set[str], model: Model) -> Rule | None:
    rid = str(data.get("id", "")) if isinstance(data, dict) else ""
    where = f"{clause_id} 规则 {rid}".strip()
    if not c.keys(data, _RULE_KEYS, where, {"id", "scope", "liable"}):
        return None
    if rid in seen:
        c.add(where, "id", "规则编号重复", rid)
    seen.add(rid)
    finding_types = book.get("finding_types") or {}
    when = _list(data.get("when"))
    for w in when:
        if w not in finding_types:
            c.add(where, "when", f"未在 finding_types 中定义的问题类型（可用：{', '.join(finding_types)}）", w)
    standing = bool(data.get("standing", False))
    escalate = str(data.get("escalate", "") or "")
    if not when and not standing and not escalate:
        c.add(where, "when", "规则需要触发的问题类型（when），或标为 standing / escalate")
    scope = str(data.get("scope", ""))
    if not model.is_kind(scope):
        c.add(where, "scope", f"未知的范围（可用：{', '.join([*model.kinds, 'person'])}）", scope)
    counts = str(data.get("counts", "") or "")
    if counts and not model.is_kind(counts):
        c.add(where, "counts", "未知的计数对象", counts)
    threshold = _threshold(c, where, data.get("threshold"), model)
    if threshold and not counts:
        c.add(where, "counts", "阈值规则需要说明计数对象（counts）")
    if counts and model.is_kind(scope) and model.lift_path(counts, scope) is None:
        c.add(where, "counts", f"{counts} 无法归入范围 {scope}", counts)
    # The object types the rule binds: given, or every object its finding types allow.
    allowed = [o for w in when for o in (finding_types.get(w) or {}).get("objects", []) if isinstance(o, str)]
    objects = _list(data.get("objects")) or list(dict.fromkeys(allowed))
    for obj in objects:
        if obj not in model.objects:
            c.add(where, "objects", f"未知的对象类型（可用：{'、'.join(model.objects)}）", obj)
        elif when and obj not in allowed:
            c.add(where, "objects", f"问题类型 {'、'.join(when)} 都不以“{obj}”为对象", obj)
    checked = objects if when else []
    if checked and model.is_kind(scope):
        for obj in checked:
            kind = model.object_kind(obj)
            if kind and model.lift_path(kind, scope) is None:
                c.add(where, "scope", f"对象类型“{obj}”无法归入范围 {scope}", obj)
            if kind and counts and model.lift_path(kind, counts) is None:
                c.add(where, "counts", f"对象类型“{obj}”无法归入计数对象 {counts}", obj)
    condition = None
    if data.get("condition") is not None:
        cw = f"{where} condition"
        if c.keys(data["condition"], _CONDITION_KEYS, cw, {"path", "otherwise"}):
            path = _role(c, cw, "path", data["condition"]["path"], model)
            _reachable(c, cw, "path", checked, path, str(data["condition"]["path"]), model)
            if path is not None:
                condition = Condition(path, str(data["condition"]["otherwise"]))
    liable: list[Liable] = []
    items = data.get("liable")
    if not isinstance(items, list) or not items:
        c.add(where, "liable", "应为非空列表")
        items = []
    for i, item in enumerate(items):
        lw = f"{where} 责任方{i + 1}"
        if not c.keys(item, _LIABLE_KEYS, lw, {"role", "kind"}):
            continue
        role = _role(c, lw, "role", item["role"], model)
        only = _list(item.get("objects"))
        for obj in only:
            if obj not in objects:
                c.add(lw, "objects", f"规则不以“{obj}”为对象（规则的对象类型：{'、'.join(objects)}）", obj)
        _reachable(c, lw, "role", [o for o in checked if not only or o in only], role, str(item["role"]), model)
        if role is not None:
            liable.append(Liable(role=role, kind=str(item["kind"]), label=str(item.get("label", "")),
                                 objects=tuple(only), note=str(item.get("note", "") or "")))
    rule = Rule(
        id=rid,
        clause=clause_id,
        when=tuple(when),
        scope=scope,
        liable=tuple(liable),
        consequence=str(data.get("consequence", "") or ""),
        by=str(data.get("by", "") or ""),
        summary=str(data.get("summary", "") or ""),
        counts=counts,
        threshold=threshold,
        standing=standing,
        escalate=escalate,
        objects=tuple(objects),
        condition=condition,
    )
    if data.get("kind") is not None and data["kind"] != rule.kind:
        c.add(where, "kind", f"规则种类应为 {rule.kind}（由 when/threshold/standing/escalate 决定；可用："
                             f"{', '.join(RULE_KINDS)}）", data["kind"])
    return rule


def _duty(c: _Collector, clause_id: str, i: int, data: Any, model: Model) -> Duty | None:
    did = str(data.get("id") or f"{clause_id}-{i + 1}") if isinstance(data, dict) else ""
    where = f"{clause_id} 职责 {did}"
    if not c.keys(data, _DUTY_KEYS, where, {"what", "holder", "evidence", "frequency", "at_least"}):
        return None
    holders = [_role(c, where, "holder", h, model) for h in _list(data["holder"])]
    if any(h is None for h in holders) or not holders:
        return None
    starts = {h.start for h in holders}
    if len(starts) > 1:
        c.add(where, "holder", f"各履职主体的路径应从同一种类出发（现为 {', '.join(sorted(starts))}）", data["holder"])
    paths = {}
    for key in ("only", "where", "cover"):
        if data.get(key):
            path = _role(c, where, key, data[key], model)
            if path is not None and path.start != holders[0].start:
                c.add(where, key, f"路径应从 {holders[0].start} 出发（与履职主体相同）", data[key])
            paths[key] = path
    frequency = str(data["frequency"])
    if frequency not in FREQUENCIES:
        c.add(where, "frequency", f"应为 {'、'.join(FREQUENCIES)} 之一", frequency)
    try:
        at_least = float(data["at_least"])
    except (TypeError, ValueError):
        c.add(where, "at_least", "应为数字", data["at_least"])
        return None
    return Duty(did, clause_id, str(data["what"]), tuple(h for h in holders if h), str(data["evidence"]), frequency,
                at_least, str(data.get("unit", "次") or "次"), bool(data.get("joint")), bool(data.get("members")),
                paths.get("only"), paths.get("where"), paths.get("cover"), str(data.get("reading", "") or ""))


def parse_rulebook(data: Any, source: str = "<rulebook>") -> Rulebook:
    """Validate ``data`` strictly and build a :class:`Rulebook` with its pack; raise RulebookError."""
    c = _Collector(source)
    if not c.keys(data, _TOP_KEYS, "", {"name", "county", "clauses", "finding_types", "model", "rosters"}):
        raise RulebookError(c.problems)
    if data.get("uses"):
        c.add("", "uses", "uses 应在读取规则手册文件时展开（zeren.loaders.rulebook）", data["uses"])
    county_posts = data.get("county_posts") or {}
    for title, spec in county_posts.items():
        if not isinstance(spec, dict) or spec.get("edge", "LEADS") not in schema.RESPONSIBILITY_EDGES:
            c.add("county_posts", str(title), f"edge 应为 {', '.join(schema.RESPONSIBILITY_EDGES)} 之一", spec)
    bodies = data.get("bodies") or []
    pack = parse_pack(data, c, county_posts if isinstance(county_posts, dict) else {}, bodies)
    if pack is None:
        raise RulebookError(c.problems)
    model = pack.model
    finding_types: dict[str, list[str]] = {}
    for name, spec in (data.get("finding_types") or {}).items():
        objects = (spec or {}).get("objects", []) if isinstance(spec, dict) else []
        bad = [o for o in objects if o not in model.objects]
        if not objects or bad:
            c.add("finding_types", str(name), f"objects 应为对象类型的列表（{'、'.join(model.objects)}）", bad or objects)
        finding_types[str(name)] = [str(o) for o in objects]
    for i, body in enumerate(bodies):
        if c.keys(body, _BODY_KEYS, f"bodies {i + 1}", {"name"}):
            if not isinstance(body.get("members", []), list):
                c.add(f"bodies {i + 1}", "members", "应为单位名称的列表", body.get("members"))
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
        duties = [_duty(c, cid, i, d, model) for i, d in enumerate(item.get("duties") or [])]
        for d in item.get("definitions") or []:
            if c.keys(d, _DEFINITION_KEYS, f"{where} 定义", {"role", "as"}):
                _role(c, f"{where} 定义", "role", d["role"], model)
        for r in item.get("roles") or []:
            _role(c, where, "roles", r, model)
        rules = [_rule(c, cid, r, data, seen_rules, model) for r in item.get("rules") or []]
        clauses.append(
            Clause(
                id=cid,
                section=str(item.get("section", "")),
                title=str(item.get("title", "")),
                text=str(item["text"]),
                roles=tuple(str(r) for r in item.get("roles") or []),
                duties=tuple(d for d in duties if d is not None),
                definitions=tuple(item.get("definitions") or []),
                rules=tuple(r for r in rules if r is not None),
            )
        )
    chain = data.get("trace_chain") or []
    for i, step in enumerate(chain):
        if c.keys(step, _CHAIN_KEYS, f"trace_chain {i + 1}", {"role"}):
            _role(c, f"trace_chain {i + 1}", "role", step["role"], model)
    for i, gap in enumerate(pack.gaps):
        for key in ("where", "missing"):
            text = getattr(gap, key)
            path = _role(c, f"gaps[{i + 1}]", key, text, model) if text else None
            if path is not None and path.start != gap.kind:
                c.add(f"gaps[{i + 1}]", key, f"路径应从 {gap.kind} 出发", text)
    for kind, relations in pack.org.attached.items():
        for text in relations:
            path = _role(c, "org", f"attached.{kind}", text, model)
            if path is not None and path.start != kind:
                c.add("org", f"attached.{kind}", f"路径应从 {kind} 出发", text)
    if pack.org.member_show:
        _role(c, "org", "members.show", pack.org.member_show, model)
    contradictions: list[Contradiction] = []
    for i, item in enumerate(data.get("contradictions") or []):
        cw = f"contradictions {i + 1}"
        if not c.keys(item, _CONTRADICTION_KEYS, cw, {"when", "path", "message"}):
            continue
        when = _list(item["when"])
        for w in when:
            if w not in finding_types:
                c.add(cw, "when", "未在 finding_types 中定义的问题类型", w)
        path = _role(c, cw, "path", item["path"], model)
        objects = [o for w in when for o in finding_types.get(w, [])]
        _reachable(c, cw, "path", objects, path, str(item["path"]), model)
        if path is not None:
            contradictions.append(Contradiction(tuple(when), path, str(item["message"])))
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
        bodies=[dict(b) for b in bodies],
        lead_units=[str(u) for u in data.get("lead_units") or []],
        finding_types=finding_types,
        clauses=clauses,
        trace_chain=[dict(s) for s in chain],
        pack=pack,
        contradictions=contradictions,
        raw=data,
    )
