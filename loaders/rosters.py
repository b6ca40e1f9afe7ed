"""Loading assignment lists and findings: validate, resolve references, diff, write once.

A roster is a snapshot of its scope (a township, a unit, or the county) at a date: the
assignments it lists are opened or kept, the ones of that scope it no longer lists are
closed the day before its date, history is never deleted. One call of :func:`load_files`
is one transaction: any problem in any file means nothing is written.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..graph import schema
from ..graph.errors import InputError, Problem
from ..graph.rules import Rulebook
from ..graph.store import Edge, Finding, Node, Provenance, Store
from .kinds import KINDS, Record, Table, recognise
from .snapshot import EdgeKey, KindDiff, check_holders, diff_snapshots, pending
from .tabular import read_file
from .values import key, parse_bool, parse_date, parse_id_number, text

__all__ = ["KindDiff", "LoadResult", "load_files", "ORDER"]

ORDER = [k.name for k in KINDS]  # dependency order: 乡镇 → 村 → … → 督查发现


@dataclass
class LoadResult:
    files: list[str]
    tables: list[tuple[str, str, str, int, str]]  # file, sheet, kind, rows, encoding
    diff: dict[str, KindDiff]
    batch: int | None = None
    dry_run: bool = False
    #: roster kind → the node ids whose snapshot the load touches (townships, units, the county);
    #: for findings, the ids of the objects they name. Who may load a file is decided on these.
    scopes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(not d.empty for d in self.diff.values())


class _Src:
    """Where a fact comes from: one record of one table."""

    __slots__ = ("table", "record", "provenance")

    def __init__(self, table: Table, record: Record):
        self.table = table
        self.record = record
        self.provenance = Provenance(table.sheet.file, table.sheet.name or None, record.row)

    def problem(self, column: str, message: str, value: object = None) -> Problem:
        return Problem(self.table.sheet.file, message, sheet=self.table.sheet.name, row=self.record.row,
                       column=column, value=None if value is None else text(value))


@dataclass
class _Plan:
    nodes: dict[str, tuple[Node, _Src | None]] = field(default_factory=dict)
    snap: dict[tuple[str, str], dict[EdgeKey, tuple[Edge, _Src | None]]] = field(default_factory=dict)
    perm: dict[EdgeKey, Edge] = field(default_factory=dict)
    findings: list[tuple[Finding, str, _Src]] = field(default_factory=list)
    kind_of_node: dict[str, str] = field(default_factory=dict)  # node id → roster kind that defined it


class _Loader:
    def __init__(self, store: Store, rulebook: Rulebook, tables: list[Table], as_of: str | None):
        self.store = store
        self.rulebook = rulebook
        self.tables = tables
        self.as_of = as_of
        self.problems: list[Problem] = []
        self.plan = _Plan()
        self.county = schema.node_id("county", key(rulebook.county))
        self._resolved: dict[tuple[str, str, str], tuple[str, str]] = {}  # (kind, context, raw) → (id, name)
        # Every id the store already has, by the kinds a roster creates: a reference resolves and
        # a node counts as new without a query per row.
        self.known = {kind: store.node_ids(kind)
                      for kind in ("township", "village", "unit", "household", "person", "plan", "team", "post")}
        self._persons: dict[tuple[str, str], str] = {}

    # -- helpers -----------------------------------------------------------------------
    def fail(self, src: _Src, column: str, message: str, value: object = None) -> None:
        self.problems.append(src.problem(column, message, value))

    def required(self, src: _Src, column: str) -> str:
        value = text(src.record.values.get(column))
        if not value:
            self.fail(src, column, f"“{column}”不能为空")
        return value

    def parsed(self, src: _Src, column: str, parser: Callable[[object], Any], shown: object = None) -> tuple[bool, Any]:
        """(True, value) for a cell the parser accepts; else the problem is reported: (False, None).

        ``shown`` replaces the cell in the message (a 身份证号 is masked even in errors).
        """
        cell = src.record.values.get(column)
        try:
            return True, parser(cell)
        except ValueError as err:
            self.fail(src, column, str(err), cell if shown is None else shown)
            return False, None

    def dates(self, src: _Src) -> tuple[str | None, str | None] | None:
        ok_start, start = self.parsed(src, "起始日期", parse_date)
        ok_end, end = self.parsed(src, "终止日期", parse_date)
        if ok_start and start is None:
            self.fail(src, "起始日期", "“起始日期”不能为空（任职从哪天开始？）")
        if not (ok_start and ok_end) or start is None:
            return None
        if end is not None and end < start:
            self.fail(src, "终止日期", f"终止日期早于起始日期 {start}；请核对", src.record.values.get("终止日期"))
            return None
        return start, end

    def node(self, src: _Src | None, node: Node, identity: dict[str, str] | None = None) -> None:
        """Add a node; the same id with another value of an ``identity`` prop (prop → the column
        it comes from) earlier in this load is a conflict, reported in that column."""
        old = self.plan.nodes.get(node.id)
        if old is not None:
            prev, prev_src = old
            for prop, column in (identity or {}).items():
                if prop in prev.props and prop in node.props and prev.props[prop] != node.props[prop] and src:
                    where = f"第{prev_src.record.row}行" if prev_src else "前文"
                    self.fail(src, column, f"与{where}的“{_shown(prev.props[prop])}”矛盾（同一{schema.NODE_KINDS[node.kind]}"
                                           f"“{node.name}”只能有一个值）；请统一", _shown(node.props[prop]))
            node = Node(node.id, node.kind, node.name, {**prev.props, **node.props}, node.provenance)
        self.plan.nodes[node.id] = (node, src)

    def perm(self, kind: str, source: str, target: str, role: str, prov: Provenance) -> None:
        """A structural fact (a village's township, a person's unit): written once, never closed."""
        k = (kind, source, target, role)
        if k not in self.plan.perm:
            self.plan.perm[k] = Edge(kind, source, target, role, provenance=prov)

    def snap(self, src: _Src, origin: str, scope: str, kind: str, source: str, target: str, role: str,
             dates: tuple[str | None, str | None], props: dict[str, Any] | None = None) -> None:
        """A dated fact of a roster's scope (closed when a later roster of the scope drops it)."""
        facts = self.plan.snap.setdefault((origin, scope), {})
        k = (kind, source, target, role)
        lo, hi = dates
        old = facts.get(k)
        if old is not None:  # the same fact twice (e.g. a team's tie to its village): widen
            prev, src = old
            lo = min(prev.valid_from, lo) if prev.valid_from and lo else None
            hi = None if prev.valid_to is None or hi is None else max(prev.valid_to, hi)
        facts[k] = (Edge(kind, source, target, role, lo, hi, props or {}, src.provenance, origin=origin, scope=scope),
                    src)

    def exists(self, kind: str, node_id: str) -> bool:
        return node_id in self.known[kind] or node_id in self.plan.nodes

    def ref(self, src: _Src, column: str, kind: str, node_id: str, value: str, hint: str) -> bool:
        if self.exists(kind, node_id):
            return True
        label = schema.NODE_KINDS[kind]
        prefix = node_id.rsplit("/", 1)[0] + "/" if "/" in node_id else f"{kind}:"
        names = [i.split(":", 1)[1].rsplit("/", 1)[-1] for i in (self.known[kind] | set(self.plan.nodes))
                 if i.startswith(prefix)]
        import difflib

        close = difflib.get_close_matches(value, names, n=1, cutoff=0.5)
        also = f"（是不是“{close[0]}”？）" if close else ""
        self.fail(src, column, f"{label}“{value}”不存在{also}；{hint}", value)
        return False

    def person(self, src: _Src, org_kind: str, org_id: str, name: str) -> str:
        pid = self._persons.get((org_id, name))
        if pid is not None:
            return pid
        org = org_id.split(":", 1)[1]
        pid = self._persons[(org_id, name)] = schema.node_id("person", org, key(name))
        if pid not in self.plan.nodes:
            self.node(src, Node(pid, "person", name, {"org": org, "org_id": org_id}, src.provenance))
            if org_kind == "unit":
                self.perm("MEMBER_OF", pid, org_id, "", src.provenance)
        return pid

    def post(self, src: _Src | None, owner_id: str, title: str, owner_kind: str) -> str:
        pid = schema.post_id(owner_id, title)
        if pid not in self.plan.nodes and pid not in self.known["post"]:
            prov = src.provenance if src else Provenance()
            self.node(None, Node(pid, "post", title, {"owner": owner_id}, prov))
            if owner_kind == "county":
                edge_kind = self.rulebook.county_posts[title].get("edge", "LEADS")
            else:
                edge_kind = schema.POSTS[owner_kind][title][0]
            self.perm(edge_kind, pid, owner_id, title, prov)
        return pid

    def hold(self, src: _Src, origin: str, scope: str, person_id: str, post_id: str,
             dates: tuple[str | None, str | None], props: dict[str, Any] | None = None) -> None:
        self.snap(src, origin, scope, "HOLDS", person_id, post_id, "", dates, props)

    def township(self, src: _Src, column: str = "乡镇") -> tuple[str, str] | None:
        return self.lookup(src, column, "township", "", "请先导入乡镇表，或核对乡镇名称")

    def village(self, src: _Src, tid: str, column: str = "村") -> tuple[str, str] | None:
        return self.lookup(src, column, "village", tid, "请先导入村表，或核对村名与所属乡镇")

    def unit(self, src: _Src, column: str) -> tuple[str, str] | None:
        return self.lookup(src, column, "unit", "", "请先导入帮扶单位表（或组长单位表），或核对单位名称")

    def lookup(self, src: _Src, column: str, kind: str, parent: str, hint: str) -> tuple[str, str] | None:
        """Resolve the name in ``column`` to an existing node (memoised: rosters repeat names)."""
        raw = src.record.values.get(column)
        memo = (kind, parent, raw if type(raw) is str else text(raw))
        found = self._resolved.get(memo)
        if found is not None:
            return found
        name = self.required(src, column)
        if not name:
            return None
        nid = schema.node_id(kind, *([parent.split(":", 1)[1]] if parent else []), key(name))
        if not self.ref(src, column, kind, nid, name, hint):
            return None
        self._resolved[memo] = (nid, name)
        return nid, name

    # -- kinds -------------------------------------------------------------------------
    def do_乡镇(self, src: _Src) -> None:
        name = self.required(src, "乡镇")
        dates = self.dates(src)
        if not name or dates is None:
            return
        tid = schema.node_id("township", key(name))
        self.node(src, Node(tid, "township", name, dict(src.record.extras), src.provenance))
        self.known["township"].add(tid)
        self.perm("LOCATED_IN", tid, self.county, "", src.provenance)
        for title in ("党委书记", "乡镇长", "党建办主任"):
            holder = text(src.record.values.get(title))
            if holder:
                self.hold(src, "乡镇", tid, self.person(src, "township", tid, holder),
                          self.post(src, tid, title, "township"), dates)

    def do_村(self, src: _Src) -> None:
        t = self.township(src)
        dates = self.dates(src)
        name = self.required(src, "村")
        ok, poor = self.parsed(src, "是否贫困村", parse_bool)
        if t is None or dates is None or not name or not ok:
            return
        tid, _ = t
        vid = schema.node_id("village", tid.split(":", 1)[1], key(name))
        self.node(src, Node(vid, "village", name, {"poor": poor, **src.record.extras}, src.provenance), {"poor": "是否贫困村"})
        self.known["village"].add(vid)
        self.perm("LOCATED_IN", vid, tid, "", src.provenance)
        leader = text(src.record.values.get("包村领导"))
        if leader:
            self.hold(src, "村", tid, self.person(src, "township", tid, leader),
                      self.post(src, vid, "包村领导", "village"), dates)

    def county_post(self, title: str) -> str | None:
        t = key(title)
        posts = self.rulebook.county_posts
        if t in posts:
            return t
        if "挂职" in t and "副书记" in t and "挂职县委副书记" in posts:
            return "挂职县委副书记"
        if "分管" in t:
            candidate = "县委分管领导" if t.startswith("县委") else "县政府分管领导"
            return candidate if candidate in posts else None
        return None

    def do_县级领导(self, src: _Src) -> None:
        name = self.required(src, "姓名")
        title = self.required(src, "职务")
        dates = self.dates(src)
        if not name or not title or dates is None:
            return
        pid = self.person(src, "county", self.county, name)
        self.plan.nodes[pid][0].props["title"] = title
        post = self.county_post(title)
        if post:
            self.hold(src, "县级领导", self.county, pid, self.post(src, self.county, post, "county"), dates)
        contact = text(src.record.values.get("联系乡镇"))
        if contact:
            t = self.township(src, "联系乡镇")
            if t is None:
                return
            tid = t[0]
            self.hold(src, "县级领导", self.county, pid, self.post(src, tid, "县级联系乡镇领导", "township"), dates)
            for v in re.split(r"[、,，;；/\s]+", text(src.record.values.get("包抓村"))):
                if v:
                    vid = schema.node_id("village", tid.split(":", 1)[1], key(v))
                    if self.ref(src, "包抓村", "village", vid, v, "包抓村应为联系乡镇内的村，用顿号分隔"):
                        self.hold(src, "县级领导", self.county, pid, self.post(src, vid, "包抓县级领导", "village"), dates)

    def do_组长单位(self, src: _Src) -> None:
        name = self.required(src, "组长单位")
        t = self.township(src, "联系乡镇")
        dates = self.dates(src)
        if not name or t is None or dates is None:
            return
        allowed = {key(u): u for u in self.rulebook.lead_units}
        if key(name) not in allowed:
            self.fail(src, "组长单位", f"不是规则手册 {self.rulebook.name} 所列的组长单位（{'、'.join(allowed.values())}）；"
                                   "请核对单位名称", name)
            return
        uid = schema.node_id("unit", key(name))
        tid = t[0]
        self.snap(src, "组长单位", self.county, "SUPERVISES", uid, tid, "组长单位", dates)
        chief = text(src.record.values.get("乡镇驻村帮扶工作队总队长"))
        if chief:
            self.hold(src, "组长单位", self.county, self.person(src, "unit", uid, chief),
                      self.post(src, tid, "乡镇驻村帮扶工作队总队长", "township"), dates)

    def do_帮扶单位(self, src: _Src) -> None:
        name = self.required(src, "帮扶单位")
        t = self.township(src)
        dates = self.dates(src)
        if not name or t is None or dates is None:
            return
        v = self.village(src, t[0], "帮扶村")
        uid = schema.node_id("unit", key(name))
        props = {"level": text(src.record.values.get("层级")) or "县直", **src.record.extras}
        self.node(src, Node(uid, "unit", name, props, src.provenance), {"level": "层级"})
        self.known["unit"].add(uid)
        if v is not None:
            self.snap(src, "帮扶单位", t[0], "ASSISTS", uid, v[0], "帮扶单位", dates)
        for title in ("主要领导", "分管领导"):
            holder = text(src.record.values.get(title))
            if holder:
                self.hold(src, "帮扶单位", uid, self.person(src, "unit", uid, holder),
                          self.post(src, uid, title, "unit"), dates)

    def do_工作队(self, src: _Src) -> None:
        t = self.township(src)
        name = self.required(src, "姓名")
        role = key(self.required(src, "队内职务"))
        u = self.unit(src, "派出单位")
        dates = self.dates(src)
        if t is None or not name or u is None or dates is None:
            return
        # 队长兼第一书记 holds both posts; a 副队长 is a member, not the one-holder 队长.
        plain = role.replace("副队长", "队员")
        titles = [r for r in ("队长", "第一书记", "队员") if r in plain]
        if "队员" in titles and len(titles) > 1:
            titles.remove("队员")
        if not titles:
            self.fail(src, "队内职务", "应为 队长、第一书记 或 队员（可写“队长兼第一书记”）", role)
            return
        v = self.village(src, t[0])
        if v is None:
            return
        tm = schema.node_id("team", v[0].split(":", 1)[1])
        self.node(src, Node(tm, "team", f"{v[1]}驻村帮扶工作队", {"village": v[0]}, src.provenance))
        self.snap(src, "工作队", t[0], "ASSISTS", tm, v[0], "驻村帮扶", dates)
        pid = self.person(src, "unit", u[0], name)
        for title in titles:
            self.hold(src, "工作队", t[0], pid, self.post(src, tm, title, "team"), dates, {"dispatched_by": u[0]})

    def do_结对帮扶(self, src: _Src) -> None:
        hh = self.required(src, "户编号")
        head = self.required(src, "户主姓名")
        t = self.township(src)
        cadre = self.required(src, "帮扶责任人")
        u = self.unit(src, "帮扶责任人单位")
        dates = self.dates(src)
        id_number = ""
        if "身份证号" in src.record.values:
            id_number = self.parsed(src, "身份证号", parse_id_number,
                                    shown=_masked_raw(src.record.values["身份证号"]))[1] or ""
        if not hh or t is None or dates is None:
            return
        v = self.village(src, t[0])
        if v is None:
            return
        hid = schema.node_id("household", key(hh))
        props = {"head": head, "village": v[0], **({"id_number": id_number} if id_number else {}),
                 **src.record.extras}
        self.node(src, Node(hid, "household", hh, props, src.provenance),
                  {"head": "户主姓名", "village": "村", "id_number": "身份证号"})
        self.snap(src, "结对帮扶", t[0], "LOCATED_IN", hid, v[0], "", dates)
        if cadre and u is not None:
            self.snap(src, "结对帮扶", t[0], "ASSISTS", self.person(src, "unit", u[0], cadre), hid, "帮扶责任人", dates)

    def do_一户一策(self, src: _Src) -> None:
        hh = self.required(src, "户编号")
        plan = self.required(src, "计划编号")
        status = self.required(src, "状态")
        ok, made = self.parsed(src, "制定日期", parse_date)
        if not hh or not plan or not status or not ok:
            return
        hid = schema.node_id("household", key(hh))
        if not self.ref(src, "户编号", "household", hid, hh, "请先导入结对帮扶表，或核对户编号"):
            return
        pid = schema.node_id("plan", key(plan))
        props = {"household": hid, "status": status, **({"made": made} if made else {}), **src.record.extras}
        self.node(src, Node(pid, "plan", plan, props, src.provenance), {"household": "户编号", "status": "状态"})
        self.perm("HAS_PLAN", hid, pid, "", src.provenance)

    def do_督查发现(self, src: _Src) -> None:
        vals = src.record.values
        ok, day = self.parsed(src, "发现日期", parse_date)
        if ok and day is None:
            self.fail(src, "发现日期", "“发现日期”不能为空")
        ftype = key(self.required(src, "问题类型"))
        otype = key(self.required(src, "对象类型"))
        obj = self.required(src, "对象")
        if not (day and ftype and otype and obj):
            return
        types = self.rulebook.finding_types
        if ftype not in types:
            self.fail(src, "问题类型", f"不是规则手册所列的问题类型（{'、'.join(types)}）", ftype)
            return
        if otype not in types[ftype]:
            self.fail(src, "对象类型", f"“{ftype}”的对象类型应为 {'、'.join(types[ftype])}", otype)
            return
        object_id = self.finding_object(src, otype, obj)
        if object_id is None:
            return
        inspector, note = text(vals.get("督查主体")), text(vals.get("说明"))
        digest = hashlib.sha1("\x1f".join([day, ftype, object_id, inspector, note]).encode()).hexdigest()
        finding = Finding(0, day, ftype, otype, object_id, obj, inspector, note, dict(src.record.extras),
                          src.provenance)
        self.plan.findings.append((finding, digest, src))

    def finding_object(self, src: _Src, otype: str, obj: str) -> str | None:
        kind = schema.OBJECT_TYPES[otype]
        parts = [p for p in re.split(r"[/／]", obj) if p.strip()]
        hint = {"household": "对象应为户编号", "team": "对象应写成“乡镇/村”（村名唯一时可只写村名）",
                "village": "对象应写成“乡镇/村”（村名唯一时可只写村名）", "township": "对象应为乡镇名称",
                "unit": "对象应为单位名称", "person": "对象应写成“单位/姓名”（姓名唯一时可只写姓名）",
                "county": f"对象应为“{self.rulebook.county}”"}[kind]
        if kind == "county":
            return self.county if key(obj) == self.county.split(":", 1)[1] else self._bad(src, obj, hint)
        if kind in ("household", "township", "unit"):
            nid = schema.node_id(kind, key(obj))
            return nid if self.exists(kind, nid) else self._bad(src, obj, hint)
        lookup = "village" if kind in ("village", "team") else "person"
        if len(parts) == 2:
            nid = schema.node_id(lookup, key(parts[0]), key(parts[1]))
            found = [nid] if self.exists(lookup, nid) else []
        else:
            suffix = "/" + key(obj)
            found = sorted(i for i in self.known[lookup] | {n for n in self.plan.nodes if n.startswith(lookup + ":")}
                           if i.endswith(suffix))
        if len(found) != 1:
            more = f"，有 {len(found)} 个同名：{'、'.join(f.split(':', 1)[1] for f in found)}" if found else ""
            return self._bad(src, obj, hint + more)
        if kind == "team":
            return schema.node_id("team", found[0].split(":", 1)[1])
        return found[0]

    def _bad(self, src: _Src, obj: str, hint: str) -> None:
        self.fail(src, "对象", f"找不到该对象；{hint}", obj)
        return None

    # -- run -------------------------------------------------------------------------
    def build(self, progress: Callable[[str, int], None] | None) -> None:
        for kind_name in ORDER:
            handler = getattr(self, f"do_{kind_name}")
            for table in self.tables:
                if table.kind.name != kind_name:
                    continue
                for record in table.records:
                    handler(_Src(table, record))
                if progress:
                    progress(f"{table.sheet.file} {table.sheet.name} {kind_name}", len(table.records))


def _shown(value: object) -> str:
    """A stored value as the roster wrote it: 是/否, a name rather than a node id, masked IDs."""
    if isinstance(value, bool):
        return "是" if value else "否"
    value = str(value)
    if value.isdigit() and len(value) == 18 or value[:17].isdigit() and value.endswith("X"):
        return _masked_raw(value)
    return value.split(":", 1)[1] if ":" in value and value.split(":", 1)[0] in schema.NODE_KINDS else value


def _masked_raw(value: object) -> str:
    raw = text(value)
    return raw[:6] + "*" * max(0, len(raw) - 10) + raw[-4:] if len(raw) > 10 else raw


def _scopes(loader: _Loader) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for origin, scope in loader.plan.snap:
        out.setdefault(origin, set()).add(scope)
    for finding, _digest, src in loader.plan.findings:
        out.setdefault(src.table.kind.name, set()).add(finding.object_id)
    return {kind: sorted(ids) for kind, ids in out.items()}


def load_files(
    store: Store,
    paths: Sequence[str],
    *,
    as_of: str | None = None,
    dry_run: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> LoadResult:
    """Validate and load assignment lists and findings in one transaction.

    Raises :class:`InputError` listing every problem of every file; nothing is written then.
    """
    problems: list[Problem] = []
    tables: list[Table] = []
    for path in paths:
        try:
            sheets = read_file(path)
        except InputError as err:
            problems.extend(err.problems)
            continue
        found = 0
        for sheet in sheets:
            table, issues = recognise(sheet)
            problems.extend(issues)
            if table is not None:
                tables.append(table)
                found += 1
        if not found and not any(p.file == str(path) for p in problems):
            problems.append(Problem(str(path), "文件中没有数据"))
    if as_of:
        try:
            as_of = parse_date(as_of)
        except ValueError as err:
            raise InputError([Problem("--as-of", str(err), value=as_of)]) from None
    loader = _Loader(store, store.rulebook, tables, as_of)
    loader.problems = problems
    loader.build(progress)
    diff: dict[str, KindDiff] = {}
    for table in tables:
        diff.setdefault(table.kind.name, KindDiff()).rows += len(table.records)
    new_edges, changes, after = diff_snapshots(loader, diff)
    check_holders(loader, after)
    if loader.problems:
        raise InputError(loader.problems)

    nodes, perm, findings = pending(loader, diff)
    result = LoadResult(
        files=[str(p) for p in paths],
        tables=[(t.sheet.file, t.sheet.name, t.kind.name, len(t.records), t.sheet.encoding) for t in tables],
        diff=diff,
        dry_run=dry_run,
        scopes=_scopes(loader),
    )
    if dry_run or not result.changed:
        return result
    with store.transaction() as w:
        batch = w.new_batch(result.files)
        w.upsert_nodes(nodes, batch=batch)
        w.insert_edges(new_edges + perm, batch=batch)
        w.set_validity((i, f, t) for i, (f, t) in changes.items())
        w.insert_findings(findings, batch=batch)
        w.finish_batch(batch, {k: v.__dict__ for k, v in diff.items()})
    result.batch = batch
    return result

