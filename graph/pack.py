"""The domain pack: what a responsibility list's world is made of, as data.

A pack is the part of a rulebook file that says what exists and how rosters describe it:

- ``model``: the kinds of object (townships, villages, households … or rivers, segments …)
  with their labels, their
  structural parent and how they are tied to it, their properties (and the roster column
  that sets each); the named relations role paths walk; the posts each kind has; the object
  types findings may name; the measures thresholds count.
- ``rosters``: each kind of assignment list — its headers and aliases, the columns that
  recognise it, what each row creates or refers to (slots), and the facts it states, grouped
  by the snapshot they belong to.
- ``gaps`` (what must not be missing on a day) and ``org`` (how an org chart descends).

The engine holds the grammar: the engine's own kinds (``person``, ``post``, ``body``,
``clause``), the responsibility and structural edge kinds, and how a pack is read; every word
of a list comes from here. :func:`parse_pack` validates as strictly as the rulebook is, each
problem naming the entry and what to write instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import schema
from .validation import Collector

__all__ = [
    "Prop", "Kind", "PostSpec", "Relation", "ObjectType", "Measure", "Model",
    "Column", "Slot", "Match", "PostFrom", "Hold", "EdgeStmt", "Group", "Roster", "Gap", "OrgSpec", "Pack",
    "parse_pack", "PROP_TYPES", "RECORD_FIELDS",
]

#: Value types a property or a record field may have; each has a parser in zeren.loaders.values.
PROP_TYPES = ("text", "bool", "date", "id_number", "int", "list")

#: The fields of the engine's record kinds, and which are required.
RECORD_FIELDS: dict[str, dict[str, bool]] = {
    "finding": {"date": True, "inspector": False, "type": True, "object_type": True, "object": True,
                "note": False, "occurred": False, "round": False},
    "duty": {"date": True, "subject": True, "item": True, "object": False, "days": False, "note": False},
}

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_EDGE = re.compile(r"^[A-Z][A-Z0-9_]*$")


# -- the model --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prop:
    name: str
    column: str
    type: str = "text"
    default: str | None = None
    required: bool = False
    personal: bool = False  # 身份证号 and the like: stored as a keyed hash and a mask, shown masked
    flag: str = ""  # for yes/no properties: what a true value is called on charts (贫困村)


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    parent: str | None = None
    parent_edge: str = "LOCATED_IN"
    parent_role: str = ""
    parent_reverse: bool = False  # the edge runs parent → child (a household HAS_PLAN its plan)
    parent_dated: bool = False  # the tie to the parent is dated by the roster (a household moves)
    id_within_parent: bool = False  # the id includes the parent's (村 names repeat across 乡镇)
    one_per_parent: bool = False  # one per parent, identified by it (a village's team)
    name_template: str = ""  # for one_per_parent kinds: "{parent}…" (a village's team)
    props: dict[str, Prop] = field(default_factory=dict)
    party: str = ""  # how the place itself is named as a liable party: "{name}党委政府"
    caption: str = ""  # a property shown beside the id wherever the node is named (a household's 户主)

    def filters(self) -> dict[str, Prop]:
        """Properties a role path may filter on, by the roster column a user knows."""
        return {p.column: p for p in self.props.values()}


@dataclass(frozen=True)
class PostSpec:
    owner: str
    title: str
    edge: str = "LEADS"
    single: bool = True
    body: str = ""  # how the post's organ is named: "{name}…", "{root}…"; '' = the owner's name


@dataclass(frozen=True)
class Relation:
    """One named step of a role path: from a node of ``source`` kind along ``edge``.

    ``direction`` is ``out`` (source is the edge's src) or ``in``; ``role`` filters the
    edge's role ('' = any); ``param`` marks steps written ``post(TITLE)`` or ``body(DUTY)``
    whose parenthesised argument is the role. ``many`` says the step may reach several nodes.
    """

    source: str
    name: str
    target: str
    edge: str | tuple[str, ...]
    direction: str
    role: str = ""
    param: bool = False
    many: bool = False
    label: str = ""


@dataclass(frozen=True)
class ObjectType:
    word: str  # what a findings roster writes in its 对象类型 column
    kind: str
    hint: str = ""  # how to write the 对象


@dataclass(frozen=True)
class Measure:
    name: str
    kind: str
    label: str  # what the denominator counts
    unit: str  # "户": one of them


@dataclass
class Model:
    root: str
    kinds: dict[str, Kind]
    relations: dict[tuple[str, str], Relation]
    posts: dict[str, dict[str, PostSpec]]
    objects: dict[str, ObjectType]
    measures: dict[str, Measure]
    edge_labels: dict[str, str]
    orgs: tuple[str, ...]

    # -- lookups ---------------------------------------------------------------------------
    def label(self, kind: str) -> str:
        if kind in self.kinds:
            return self.kinds[kind].label
        return schema.ENGINE_KINDS.get(kind, kind)

    def is_kind(self, kind: str) -> bool:
        return kind in self.kinds or kind in schema.ENGINE_KINDS

    def relation(self, kind: str, name: str) -> Relation | None:
        return self.relations.get((kind, name))

    def relation_names(self, kind: str) -> list[str]:
        return sorted(n for (k, n) in self.relations if k == kind)

    def parent(self, kind: str) -> str | None:
        if kind == "person":
            return self.orgs[-1] if self.orgs else None
        k = self.kinds.get(kind)
        return k.parent if k else None

    def lift_path(self, kind: str, target: str) -> list[str] | None:
        """The parent steps from ``kind`` up to ``target`` (``[]`` when equal), or None."""
        steps: list[str] = []
        seen = {kind}
        while kind != target:
            parent = self.parent(kind)
            if parent is None or parent in seen:
                return None
            steps.append(parent)
            seen.add(parent)
            kind = parent
        return steps

    def post(self, owner_kind: str, title: str) -> PostSpec | None:
        return self.posts.get(owner_kind, {}).get(title)

    def filters(self, kind: str) -> dict[str, Prop]:
        k = self.kinds.get(kind)
        return k.filters() if k else {}

    def object_kind(self, word: str) -> str | None:
        o = self.objects.get(word)
        return o.kind if o else None

    def edge_label(self, kind: str) -> str:
        return self.edge_labels.get(kind) or schema.EDGE_KINDS.get(kind, kind)

    def children(self, kind: str) -> list[str]:
        return [k.name for k in self.kinds.values() if k.parent == kind]

    def places(self) -> list[str]:
        """The root and its descendants whose ids do not name a person: the area hierarchy."""
        out, todo = [], [self.root]
        while todo:
            kind = todo.pop(0)
            out.append(kind)
            todo.extend(self.children(kind))
        return out


# -- rosters ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    optional: bool = False
    note: str = ""  # what the column means, for the templates' 填表说明 (the engine writes one if '')
    choices: tuple[str, ...] = ()  # the values a template's drop-down offers (a closed list)


@dataclass(frozen=True)
class Slot:
    """A node a roster row creates or refers to, bound to a column (or derived from a slot)."""

    name: str
    mode: str  # create / ref / person
    kind: str
    column: str = ""
    within: str = ""  # the slot whose node this one's id lies within (村 within 乡镇)
    hint: str = ""  # what to do when a reference does not resolve
    optional: bool = False  # an empty cell leaves the slot empty (its statements are skipped)
    many: bool = False  # the cell lists several (“甲村、乙村”)
    vocabulary: str = ""  # the rulebook list the value must be in (lead_units)
    org: str = ""  # for persons: the slot of the organisation they belong to ('root' = the county)
    props: dict[str, str] = field(default_factory=dict)  # for persons: prop → column
    identity: tuple[tuple[str, str], ...] = ()  # for persons: (column, type code|id_number) that identify them


@dataclass(frozen=True)
class Match:
    has: tuple[str, ...]
    post: str
    lacks: tuple[str, ...] = ()
    fallback: bool = False  # only when nothing else matched


@dataclass(frozen=True)
class PostFrom:
    """A post title read from a column: the cell itself, or the posts its words match."""

    column: str
    match: tuple[Match, ...] = ()
    invalid: str = ""  # the message when nothing matches; '' = no post (the row holds none)


@dataclass(frozen=True)
class Hold:
    person: str  # a person slot
    of: str  # the slot whose post it is
    post: str = ""  # a fixed title
    post_from: PostFrom | None = None
    props: dict[str, str] = field(default_factory=dict)  # edge prop → slot


@dataclass(frozen=True)
class EdgeStmt:
    src: str
    dst: str
    edge: str
    role: str = ""


@dataclass(frozen=True)
class Group:
    """Facts of a roster that are one snapshot: stored together, one row per key.

    ``scope``: the slot whose snapshot these facts are ('root' = the whole county; '' = not a
    snapshot: rows are never closed). ``node``: the slot whose definition (name, properties,
    tie to its parent) this group carries. ``each``: a slot or the hold whose values expand
    one roster row into several facts (a list of villages; two posts held at once).
    """

    name: str
    key: tuple[str, ...]
    scope: str = ""
    node: str = ""
    edges: tuple[EdgeStmt, ...] = ()
    holds: tuple[Hold, ...] = ()
    each: str = ""


@dataclass(frozen=True)
class Roster:
    name: str  # Chinese, as clerks call it
    key: str  # an identifier: table names, English aliases
    columns: tuple[Column, ...]
    signature: tuple[str, ...]
    valid: tuple[str, str] | None = None  # (start column, end column)
    slots: tuple[Slot, ...] = ()
    groups: tuple[Group, ...] = ()
    record: str = ""  # finding / duty: rows are records, not facts
    fields: dict[str, str] = field(default_factory=dict)  # record field → column
    example: tuple[str, ...] = ()  # one example row for the templates, column by column

    @property
    def headers(self) -> list[str]:
        return [c.name for c in self.columns]

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)


@dataclass(frozen=True)
class Gap:
    label: str
    kind: str = ""  # the kind of node checked
    where: str = ""  # a role path it must satisfy to be checked
    missing: str = ""  # a role path that must reach something
    vacant_posts: bool = False  # every one-holder post of an active owner must be held


@dataclass(frozen=True)
class OrgSpec:
    levels: tuple[str, ...] = ()  # the place kinds an org chart descends (township, village)
    attached: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind → relations shown
    members: str = ""  # the kind listed under the lowest level (household)
    member_show: str = ""  # the relation shown beside each member (household.cadre)


@dataclass
class Pack:
    model: Model
    rosters: list[Roster]
    gaps: list[Gap]
    org: OrgSpec

    def roster(self, name: str) -> Roster | None:
        return next((r for r in self.rosters if r.name == name or r.key == name), None)

    def record_roster(self, record: str) -> Roster | None:
        return next((r for r in self.rosters if r.record == record), None)


# -- parsing ---------------------------------------------------------------------------------
_MODEL_KEYS = {"root", "kinds", "relations", "posts", "objects", "measures", "edges", "orgs"}
_KIND_KEYS = {"label", "parent", "parent_edge", "id_within_parent", "one_per_parent", "name", "props", "party",
              "caption"}
_PARENT_EDGE_KEYS = {"edge", "role", "reverse", "dated"}
_PROP_KEYS = {"column", "type", "default", "required", "personal", "flag"}
_RELATION_KEYS = {"to", "edge", "direction", "role", "many", "label"}
_POST_KEYS = {"edge", "many", "body"}
_OBJECT_KEYS = {"kind", "hint"}
_MEASURE_KEYS = {"kind", "label", "unit"}
_ROSTER_KEYS = {"key", "columns", "signature", "valid", "slots", "facts", "record", "fields", "example"}
_COLUMN_KEYS = {"aliases", "optional", "note", "choices"}
_SLOT_KEYS = {"create", "ref", "person", "column", "within", "parent", "hint", "optional", "many", "vocabulary",
              "org", "props", "from", "identity"}
_GROUP_KEYS = {"key", "scope", "node", "edges", "holds", "each"}
_HOLD_KEYS = {"person", "of", "post", "post_from", "props"}
_POST_FROM_KEYS = {"column", "match", "invalid"}
_MATCH_KEYS = {"has", "lacks", "post", "fallback"}
_EDGE_STMT_KEYS = {"from", "to", "edge", "role"}
_GAP_KEYS = {"label", "kind", "where", "missing", "vacant_posts"}
_ORG_KEYS = {"levels", "attached", "members"}


def parse_pack(data: dict[str, Any], c: Collector, county_posts: dict[str, Any], bodies: list[Any]) -> Pack | None:
    """The ``model``, ``rosters``, ``gaps`` and ``org`` of a rulebook mapping; problems go to ``c``."""
    before = len(c.problems)
    model = _model(data.get("model"), c, county_posts, bodies)
    if model is None:
        return None
    rosters = _rosters(data.get("rosters"), c, model)
    gaps = [g for g in (_gap(c, i, item, model) for i, item in enumerate(data.get("gaps") or [])) if g]
    org = _org(c, data.get("org"), model)
    return Pack(model, rosters, gaps, org) if len(c.problems) == before else None


def _bool(value: Any) -> bool:
    return bool(value) and str(value).lower() not in ("false", "no", "0")


def _model(data: Any, c: Collector, county_posts: dict[str, Any], bodies: list[Any]) -> Model | None:
    if data is None:
        c.add("model", "", "规则手册缺少 model（对象种类、关系、职务）；可写 uses: 某个内置规则手册 来沿用它的 model 与 rosters")
        return None
    if not c.keys(data, _MODEL_KEYS, "model", {"root", "kinds"}):
        return None
    kinds: dict[str, Kind] = {}
    raw_kinds = data.get("kinds") or {}
    if not isinstance(raw_kinds, dict):
        c.add("model", "kinds", "应为 种类名 → 说明 的映射")
        return None
    for name, spec in raw_kinds.items():
        where = f"model.kinds.{name}"
        if not _IDENT.match(str(name)) or name in schema.ENGINE_KINDS:
            c.add(where, "", f"种类名应为小写英文标识符，且不能是引擎保留的 {', '.join(schema.ENGINE_KINDS)}", name)
            continue
        if not c.keys(spec, _KIND_KEYS, where, {"label"}):
            continue
        pe = spec.get("parent_edge") or {}
        if pe and not c.keys(pe, _PARENT_EDGE_KEYS, f"{where}.parent_edge"):
            pe = {}
        props: dict[str, Prop] = {}
        for pname, pspec in (spec.get("props") or {}).items():
            pw = f"{where}.props.{pname}"
            if isinstance(pspec, str):
                pspec = {"column": pspec}
            if not c.keys(pspec, _PROP_KEYS, pw, {"column"}):
                continue
            ptype = str(pspec.get("type", "text"))
            if ptype not in PROP_TYPES:
                c.add(pw, "type", f"未知的类型（可用：{', '.join(PROP_TYPES)}）", ptype)
            props[str(pname)] = Prop(str(pname), str(pspec["column"]), ptype,
                                     None if pspec.get("default") is None else str(pspec["default"]),
                                     _bool(pspec.get("required")),
                                     _bool(pspec.get("personal")) or ptype == "id_number",
                                     str(pspec.get("flag", "") or ""))
        kinds[str(name)] = Kind(
            name=str(name), label=str(spec["label"]), parent=spec.get("parent"),
            parent_edge=str(pe.get("edge", "LOCATED_IN")), parent_role=str(pe.get("role", "") or ""),
            parent_reverse=_bool(pe.get("reverse")), parent_dated=_bool(pe.get("dated")),
            id_within_parent=_bool(spec.get("id_within_parent")), one_per_parent=_bool(spec.get("one_per_parent")),
            name_template=str(spec.get("name", "") or ""), props=props, party=str(spec.get("party", "") or ""),
            caption=str(spec.get("caption", "") or ""))
        caption = kinds[str(name)].caption
        if caption and (caption not in props or props[caption].personal):
            c.add(where, "caption", f"应为该种类的一个非个人信息属性（可用：{', '.join(p for p in props if not props[p].personal)}）",
                  caption)
    root = str(data.get("root"))
    if root not in kinds:
        c.add("model", "root", f"根种类应为 kinds 中的一种（可用：{', '.join(kinds)}）", root)
        return None
    if kinds[root].parent:
        c.add(f"model.kinds.{root}", "parent", "根种类没有上级", kinds[root].parent)
    edge_labels = dict(schema.EDGE_KINDS)
    for ename, elabel in (data.get("edges") or {}).items():
        if not _EDGE.match(str(ename)):
            c.add("model.edges", str(ename), "关系种类应为大写英文标识符，如 HAS_PLAN", ename)
        edge_labels[str(ename)] = str(elabel)
    for k in kinds.values():
        if k.parent is not None and k.parent not in kinds:
            c.add(f"model.kinds.{k.name}", "parent", f"上级种类不存在（可用：{', '.join(kinds)}）", k.parent)
        if k.parent_edge not in edge_labels:
            c.add(f"model.kinds.{k.name}", "parent_edge.edge", f"未知的关系种类（可用：{', '.join(edge_labels)}）",
                  k.parent_edge)
        if (k.id_within_parent or k.one_per_parent) and not k.parent:
            c.add(f"model.kinds.{k.name}", "parent", "id_within_parent / one_per_parent 需要上级种类")
    orgs = tuple(c.strings(data.get("orgs") or [root], "model", "orgs"))
    for o in orgs:
        if o not in kinds:
            c.add("model", "orgs", f"人员所在机构的种类应为 kinds 中的一种（可用：{', '.join(kinds)}）", o)
    posts: dict[str, dict[str, PostSpec]] = {k: {} for k in kinds}
    for owner, titles in (data.get("posts") or {}).items():
        if owner not in kinds:
            c.add("model.posts", str(owner), f"未知的种类（可用：{', '.join(kinds)}）")
            continue
        for title, spec in (titles or {}).items():
            pw = f"model.posts.{owner}.{title}"
            spec = spec or {}
            if not c.keys(spec, _POST_KEYS, pw):
                continue
            edge = str(spec.get("edge", "LEADS"))
            if edge not in schema.RESPONSIBILITY_EDGES:
                c.add(pw, "edge", f"应为 {', '.join(schema.RESPONSIBILITY_EDGES)} 之一", edge)
            posts[owner][str(title)] = PostSpec(owner, str(title), edge, not _bool(spec.get("many")),
                                                str(spec.get("body", "") or ""))
    for title, spec in county_posts.items():  # the rulebook's county_posts are the root's posts
        if isinstance(spec, dict):
            posts[root][str(title)] = PostSpec(root, str(title), str(spec.get("edge", "LEADS")), True,
                                               str(spec.get("body", "") or ""))
    relations = _relations(data.get("relations") or {}, c, kinds, posts, edge_labels, root, orgs)
    objects: dict[str, ObjectType] = {}
    for word, spec in (data.get("objects") or {}).items():
        ow = f"model.objects.{word}"
        if not c.keys(spec, _OBJECT_KEYS, ow, {"kind"}):
            continue
        if spec["kind"] not in kinds and spec["kind"] != "person":
            c.add(ow, "kind", f"未知的种类（可用：{', '.join(kinds)}, person）", spec["kind"])
        objects[str(word)] = ObjectType(str(word), str(spec["kind"]), str(spec.get("hint", "") or ""))
    measures: dict[str, Measure] = {}
    for name, spec in (data.get("measures") or {}).items():
        mw = f"model.measures.{name}"
        if not c.keys(spec, _MEASURE_KEYS, mw, {"kind", "label", "unit"}):
            continue
        if spec["kind"] not in kinds:
            c.add(mw, "kind", f"未知的种类（可用：{', '.join(kinds)}）", spec["kind"])
        measures[str(name)] = Measure(str(name), str(spec["kind"]), str(spec["label"]), str(spec["unit"]))
    return Model(root, kinds, relations, posts, objects, measures, edge_labels, orgs)


def _relations(data: Any, c: Collector, kinds: dict[str, Kind], posts: dict[str, dict[str, PostSpec]],
               edge_labels: dict[str, str], root: str, orgs: tuple[str, ...]) -> dict[tuple[str, str], Relation]:
    rels: list[Relation] = []
    # The grammar's own steps: each kind to its parent, posts, bodies, persons and their posts.
    for k in kinds.values():
        if k.parent:
            direction = "in" if k.parent_reverse else "out"
            rels.append(Relation(k.name, k.parent, k.parent, k.parent_edge, direction, k.parent_role,
                                 label=kinds[k.parent].label if k.parent in kinds else k.parent))
        if posts.get(k.name):
            rels.append(Relation(k.name, "post", "post", schema.RESPONSIBILITY_EDGES, "in", param=True, label="职务"))
            rels.append(Relation("post", k.name, k.name, schema.RESPONSIBILITY_EDGES, "out", label=k.label))
    rels.append(Relation(root, "body", "body", "SUPERVISES", "in", param=True, many=True, label="机构"))
    rels.append(Relation("person", "posts", "post", "HOLDS", "out", many=True, label="所任职务"))
    for org in orgs:
        if org in kinds:
            rels.append(Relation("person", org, org, "MEMBER_OF", "out", label=kinds[org].label))
    if not isinstance(data, dict):
        c.add("model", "relations", "应为 “种类.名称” → 说明 的映射")
        data = {}
    for dotted, spec in data.items():
        where = f"model.relations.{dotted}"
        source, _, name = str(dotted).partition(".")
        if source not in kinds or not _IDENT.match(name):
            c.add(where, "", f"应写成 种类.名称（种类可用：{', '.join(kinds)}）", dotted)
            continue
        if not c.keys(spec, _RELATION_KEYS, where, {"to", "edge", "direction"}):
            continue
        if spec["to"] not in kinds and spec["to"] not in schema.ENGINE_KINDS:
            c.add(where, "to", f"未知的种类（可用：{', '.join(kinds)}, person）", spec["to"])
        if spec["edge"] not in edge_labels:
            c.add(where, "edge", f"未知的关系种类（可用：{', '.join(edge_labels)}）", spec["edge"])
        if spec["direction"] not in ("in", "out"):
            c.add(where, "direction", "应为 in 或 out", spec["direction"])
        rels.append(Relation(source, name, str(spec["to"]), str(spec["edge"]), str(spec["direction"]),
                             str(spec.get("role", "") or ""), many=_bool(spec.get("many")),
                             label=str(spec.get("label", "") or name)))
    out: dict[tuple[str, str], Relation] = {}
    for r in rels:
        if (r.source, r.name) in out:
            c.add(f"model.relations.{r.source}.{r.name}", "", "与已有的关系重名（上级、post、body 由引擎生成）")
        out[(r.source, r.name)] = r
    # Down the structure: a parent to its children of one kind (township.village), unless the
    # pack names that step itself.
    for k in kinds.values():
        if k.parent and (k.parent, k.name) not in out:
            out[(k.parent, k.name)] = Relation(k.parent, k.name, k.name, k.parent_edge,
                                               "out" if k.parent_reverse else "in", k.parent_role, many=True,
                                               label=k.label)
    return out


def _column(c: Collector, where: str, name: str, spec: Any) -> Column:
    if isinstance(spec, list):
        return Column(name, tuple(str(a) for a in spec))
    if spec is None:
        return Column(name)
    if not c.keys(spec, _COLUMN_KEYS, f"{where}.{name}"):
        return Column(name)
    return Column(name, tuple(c.strings(spec.get("aliases"), where, name)), _bool(spec.get("optional")),
                  str(spec.get("note", "") or ""), tuple(c.strings(spec.get("choices"), where, f"{name}.choices")))


def _rosters(data: Any, c: Collector, model: Model) -> list[Roster]:
    out: list[Roster] = []
    if not isinstance(data, dict):
        c.add("rosters", "", "应为 名单名称 → 说明 的映射", type(data).__name__)
        return out
    keys: set[str] = set()
    for name, spec in data.items():
        where = f"rosters.{name}"
        if not c.keys(spec, _ROSTER_KEYS, where, {"key", "columns", "signature"}):
            continue
        key = str(spec["key"])
        if not _IDENT.match(key) or key in keys:
            c.add(where, "key", "应为不重复的小写英文标识符（用作表名和英文别名）", key)
        keys.add(key)
        if not isinstance(spec["columns"], dict):
            c.add(where, "columns", "应为 列名 → 别名列表 的映射")
            continue
        columns = tuple(_column(c, f"{where}.columns", str(n), s) for n, s in spec["columns"].items())
        names = {col.name for col in columns}
        signature = tuple(c.strings(spec.get("signature"), where, "signature"))
        for s in signature:
            if s not in names:
                c.add(where, "signature", "识别用的列应在 columns 中", s)
        valid = None
        if spec.get("valid") is not None:
            v = c.strings(spec["valid"], where, "valid")
            if len(v) != 2 or not all(x in names for x in v):
                c.add(where, "valid", "应为 [起始日期列, 终止日期列]，两列都在 columns 中", spec["valid"])
            else:
                valid = (v[0], v[1])
        example = tuple(c.strings(spec.get("example"), where, "example"))
        if len(example) > len(columns):
            c.add(where, "example", f"示例有 {len(example)} 个值，多于 {len(columns)} 列；示例按 columns 的顺序逐列填写")
        record = str(spec.get("record", "") or "")
        if record:
            fields = _fields(c, where, record, spec.get("fields") or {}, names)
            out.append(Roster(str(name), key, columns, signature, valid, record=record, fields=fields,
                              example=example))
            continue
        slots = _slots(c, where, spec.get("slots") or {}, names, model)
        groups = _groups(c, where, spec.get("facts") or [], {s.name: s for s in slots}, names, model, valid)
        out.append(Roster(str(name), key, columns, signature, valid, slots, groups, example=example))
    return out


def _fields(c: Collector, where: str, record: str, data: Any, names: set[str]) -> dict[str, str]:
    if record not in RECORD_FIELDS:
        c.add(where, "record", f"未知的记录种类（可用：{', '.join(RECORD_FIELDS)}）", record)
        return {}
    fields: dict[str, str] = {}
    for fname, column in data.items():
        if fname not in RECORD_FIELDS[record]:
            c.add(f"{where}.fields", str(fname), f"未知的字段（可用：{', '.join(RECORD_FIELDS[record])}）")
        elif str(column) not in names:
            c.add(f"{where}.fields", str(fname), "该列不在 columns 中", column)
        else:
            fields[str(fname)] = str(column)
    for fname, required in RECORD_FIELDS[record].items():
        if required and fname not in fields:
            c.add(f"{where}.fields", fname, "缺少必填的字段")
    return fields


def _slots(c: Collector, where: str, data: Any, names: set[str], model: Model) -> tuple[Slot, ...]:
    slots: list[Slot] = []
    seen: set[str] = set()
    if not isinstance(data, dict):
        c.add(where, "slots", "应为 名称 → 说明 的映射")
        return ()
    for sname, spec in data.items():
        sw = f"{where}.slots.{sname}"
        if not c.keys(spec, _SLOT_KEYS, sw):
            continue
        modes = [m for m in ("create", "ref", "person") if m in spec]
        if len(modes) != 1:
            c.add(sw, "", "应有且只有 create、ref、person 之一")
            continue
        mode = modes[0]
        column = str(spec.get("column", spec["person"] if mode == "person" else "") or "")
        kind = "person" if mode == "person" else str(spec[mode])
        if mode != "person" and kind not in model.kinds:
            c.add(sw, mode, f"未知的种类（可用：{', '.join(model.kinds)}）", kind)
            continue
        derived = str(spec.get("from", "") or "")
        if column and column not in names:
            c.add(sw, "column", "该列不在 columns 中", column)
        if not column and not derived:
            c.add(sw, "column", "需要 column（或 from：由另一个槽位派生）")
        within = str(spec.get("within", spec.get("parent", "")) or "")
        for ref in (within, derived):
            if ref and ref not in seen:
                c.add(sw, "within" if ref == within else "from", "应引用前面已定义的槽位", ref)
        if mode != "person" and within:
            k = model.kinds[kind]
            parent_slot = next((s for s in slots if s.name == within), None)
            if parent_slot and k.parent and parent_slot.kind != k.parent and mode == "create":
                c.add(sw, "parent", f"{kind} 的上级是 {k.parent}，不是 {parent_slot.kind}", within)
        if mode == "create" and model.kinds[kind].id_within_parent and not within and not derived:
            c.add(sw, "parent", f"{kind} 的编号包含其上级（id_within_parent），需要写 parent: 上级槽位")
        if derived and not model.kinds[kind].one_per_parent:
            c.add(sw, "from", f"只有 one_per_parent 的种类能由上级派生（{kind} 不是）", derived)
        org = str(spec.get("org", "") or "")
        if mode == "person" and not org:
            c.add(sw, "org", "人员需要 org：所在机构的槽位（或 root）")
        if org and org != "root" and org not in seen:
            c.add(sw, "org", "应引用前面已定义的槽位，或 root", org)
        props = {str(k): str(v) for k, v in (spec.get("props") or {}).items()}
        for col in props.values():
            if col not in names:
                c.add(sw, "props", "该列不在 columns 中", col)
        identity = []
        for col, typ in (spec.get("identity") or {}).items():
            if mode != "person":
                c.add(sw, "identity", "只有人员槽位可以有身份列")
            elif str(col) not in names:
                c.add(sw, "identity", "该列不在 columns 中", col)
            elif typ not in ("code", "id_number"):
                c.add(sw, "identity", "身份列的类型应为 code（干部编号）或 id_number（身份证号，只存密钥散列）", typ)
            else:
                identity.append((str(col), str(typ)))
        vocabulary = str(spec.get("vocabulary", "") or "")
        if vocabulary and vocabulary not in ("lead_units",):
            c.add(sw, "vocabulary", "可用：lead_units（规则手册所列的组长单位）", vocabulary)
        slots.append(Slot(str(sname), mode, kind, column, within or derived, str(spec.get("hint", "") or ""),
                          _bool(spec.get("optional")), _bool(spec.get("many")), vocabulary, org, props,
                          tuple(identity)))
        seen.add(str(sname))
    return tuple(slots)


def _groups(c: Collector, where: str, data: Any, slots: dict[str, Slot], names: set[str], model: Model,
            valid: tuple[str, str] | None) -> tuple[Group, ...]:
    groups: list[Group] = []
    if not isinstance(data, list) or not data:
        c.add(where, "facts", "应为非空列表：每项是一组同属一个快照的事实")
        return ()
    for i, spec in enumerate(data):
        gw = f"{where}.facts[{i + 1}]"
        if not c.keys(spec, _GROUP_KEYS, gw, {"key"}):
            continue
        key = tuple(c.strings(spec["key"], gw, "key"))
        for k in key:
            if k not in slots:
                c.add(gw, "key", f"未知的槽位（可用：{', '.join(slots)}）", k)
        scope = str(spec.get("scope", "") or "")
        if scope and scope != "root" and scope not in slots:
            c.add(gw, "scope", f"应为槽位名或 root（可用：{', '.join(slots)}）", scope)
        if scope and valid is None:
            c.add(gw, "scope", "快照需要起止日期列（valid）")
        node = str(spec.get("node", "") or "")
        if node and (node not in slots or slots[node].mode not in ("create",)):
            c.add(gw, "node", "应为本名单 create 的槽位", node)
        edges = []
        for j, e in enumerate(spec.get("edges") or []):
            ew = f"{gw}.edges[{j + 1}]"
            if not c.keys(e, _EDGE_STMT_KEYS, ew, {"from", "to", "edge"}):
                continue
            for end in ("from", "to"):
                if e[end] not in slots:
                    c.add(ew, end, f"未知的槽位（可用：{', '.join(slots)}）", e[end])
            if e["edge"] not in model.edge_labels:
                c.add(ew, "edge", f"未知的关系种类（可用：{', '.join(model.edge_labels)}）", e["edge"])
            edges.append(EdgeStmt(str(e["from"]), str(e["to"]), str(e["edge"]), str(e.get("role", "") or "")))
        parsed = [_hold(c, f"{gw}.holds[{j + 1}]", h, slots, names, model) for j, h in enumerate(spec.get("holds") or [])]
        holds = [h for h in parsed if h is not None]
        each = str(spec.get("each", "") or "")
        expanding = [s for s in slots.values() if s.many and s.name in _mentioned(key, scope, node, edges, holds)]
        if each and each not in slots and each != "post":
            c.add(gw, "each", "应为槽位名，或 post（按职务展开）", each)
        if expanding and not each:
            c.add(gw, "each", f"列出多个值的槽位 {expanding[0].name} 需要 each: {expanding[0].name}")
        if not (node or edges or holds):
            c.add(gw, "", "这组事实是空的：需要 node、edges 或 holds")
        groups.append(Group(f"{i + 1}", key, scope, node, tuple(edges), tuple(holds), each))
    return tuple(groups)


def _mentioned(key: tuple[str, ...], scope: str, node: str, edges: list[EdgeStmt], holds: list[Hold]) -> set[str]:
    out = set(key) | {scope, node}
    for e in edges:
        out |= {e.src, e.dst}
    for h in holds:
        out |= {h.person, h.of, *h.props.values()}
    return out


def _hold(c: Collector, where: str, spec: Any, slots: dict[str, Slot], names: set[str], model: Model) -> Hold | None:
    if not c.keys(spec, _HOLD_KEYS, where, {"person", "of"}):
        return None
    person, of = str(spec["person"]), str(spec["of"])
    if person not in slots or slots[person].mode != "person":
        c.add(where, "person", "应为 person 槽位", person)
        return None
    owner = "root" if of == "root" else of
    if owner != "root" and owner not in slots:
        c.add(where, "of", f"未知的槽位（可用：{', '.join(slots)}）", of)
        return None
    owner_kind = model.root if owner == "root" else slots[owner].kind
    titles = model.posts.get(owner_kind, {})
    post = str(spec.get("post", "") or "")
    post_from = None
    if post and post not in titles:
        c.add(where, "post", f"{owner_kind} 没有职务“{post}”（可用：{', '.join(titles)}）", post)
    if spec.get("post_from") is not None:
        pf = spec["post_from"]
        if c.keys(pf, _POST_FROM_KEYS, f"{where}.post_from", {"column"}):
            if pf["column"] not in names:
                c.add(f"{where}.post_from", "column", "该列不在 columns 中", pf["column"])
            matches = []
            for m in pf.get("match") or []:
                if c.keys(m, _MATCH_KEYS, f"{where}.post_from.match", {"has", "post"}):
                    # The root's posts are the rulebook's county_posts: a rulebook that uses this
                    # pack may name fewer, and a title it lacks then simply fills no post.
                    if m["post"] not in titles and owner_kind != model.root:
                        c.add(f"{where}.post_from.match", "post", f"{owner_kind} 没有职务“{m['post']}”", m["post"])
                    matches.append(Match(tuple(c.strings(m["has"], where, "has")), str(m["post"]),
                                         tuple(c.strings(m.get("lacks"), where, "lacks")), _bool(m.get("fallback"))))
            post_from = PostFrom(str(pf["column"]), tuple(matches), str(pf.get("invalid", "") or ""))
    if bool(post) == (post_from is not None):
        c.add(where, "post", "应有 post（固定职务）或 post_from（由某列读出职务）之一")
    props = {str(k): str(v) for k, v in (spec.get("props") or {}).items()}
    for v in props.values():
        if v not in slots:
            c.add(where, "props", "应引用槽位", v)
    return Hold(person, of, post, post_from, props)


def _gap(c: Collector, i: int, spec: Any, model: Model) -> Gap | None:
    where = f"gaps[{i + 1}]"
    if not c.keys(spec, _GAP_KEYS, where, {"label"}):
        return None
    if _bool(spec.get("vacant_posts")):
        return Gap(str(spec["label"]), vacant_posts=True)
    kind = str(spec.get("kind", ""))
    if kind not in model.kinds:
        c.add(where, "kind", f"未知的种类（可用：{', '.join(model.kinds)}）", kind)
        return None
    if not spec.get("missing"):
        c.add(where, "missing", "需要 missing：一条必须找得到对象的角色路径")
        return None
    return Gap(str(spec["label"]), kind, str(spec.get("where", "") or ""), str(spec["missing"]))


def _org(c: Collector, data: Any, model: Model) -> OrgSpec:
    if data is None:
        return OrgSpec(levels=tuple(model.places()[1:3]))
    if not c.keys(data, _ORG_KEYS, "org"):
        return OrgSpec()
    levels = tuple(c.strings(data.get("levels"), "org", "levels"))
    for lv in levels:
        if lv not in model.kinds:
            c.add("org", "levels", f"未知的种类（可用：{', '.join(model.kinds)}）", lv)
    attached = {str(k): tuple(c.strings(v, "org", f"attached.{k}")) for k, v in (data.get("attached") or {}).items()}
    members = data.get("members") or {}
    return OrgSpec(levels, attached, str(members.get("kind", "") or ""), str(members.get("show", "") or ""))
