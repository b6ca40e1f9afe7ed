"""Loading assignment lists and findings: validate, resolve references, compare, write once.

What a roster says is the domain pack's (:mod:`zeren.graph.pack`): its columns, the nodes
each row creates or refers to (slots), and the facts it states, grouped by the snapshot they
belong to. This module is the grammar that reads any pack's rosters:

1. the write lock is taken first, so what is compared is what is written over;
2. each row is checked cell by cell (dates, yes/no, 身份证号, references that must exist),
   every problem named with file, sheet, row, column and value, and its facts are staged;
3. each fact table compares its staged rows with the store, set-based
   (:class:`zeren.graph.facts.FactLoad`): a roster is a snapshot of its scope (a township, a
   unit, the county) — what it no longer lists is closed the day before its date, what it
   lists is opened or kept, history is never deleted;
4. one-holder posts are checked for two holders on one day, a roster far shorter than what
   it would close is refused unless the user says it is whole (``snapshot``) or a correction
   (``add``); any problem in any file, and nothing is written.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from ..graph import schema, stage
from ..graph.bulk import insert_rows
from ..graph.collector import cyclic_gc_paused
from ..graph.privacy import keyed_hash
from ..graph.errors import InputError, Problem, StoreError
from ..graph.facts import FactLoad, FactTable, Outcome, fact_tables
from ..graph.model import DutyRecord, Finding, Provenance
from ..graph.pack import Hold, Pack, Roster, Slot
from ..graph.stage import Stager
from ..graph.store import Store, Writer
from .kinds import Record, Table, recognise
from .program import SPLIT, compile_program, name_ok
from .stream import open_file
from .values import key, parse_bool, parse_date, parse_end_date, parse_id_number, parse_name, parse_start_date, text

__all__ = ["KindDiff", "LoadResult", "load_files", "MODES", "PHASES", "Progress"]

#: How a load treats what its rosters no longer list: snapshot (close it; refused when the
#: roster is far shorter than its scope, unless forced), add (close nothing).
MODES = ("auto", "snapshot", "add")
_BATCH = 5000  # staged rows per executemany

#: The phases a load reports to its progress callback, in order: reading the files (files
#: done of all), checking and staging their rows (rows read of the rows the files hold, an
#: estimate from their line counts), comparing with the project (rows compared of all
#: staged), writing (one step).
PHASES = ("读取", "校验", "比对", "写入")
#: ``progress(phase, label, done, total)``: ``label`` names the file or roster at hand.
Progress = Callable[[str, str, int, "int | None"], None]


@dataclass
class KindDiff:
    rows: int = 0
    added: int = 0
    closed: int = 0
    changed: int = 0
    unchanged: int = 0
    corrected: int = 0
    nodes_added: int = 0
    nodes_changed: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.closed or self.changed or self.corrected or self.nodes_added
                    or self.nodes_changed)


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
    mode: str = "snapshot"
    #: the assignments opened and closed: (action 开/关, post id, person id, from, to)
    holds: list[tuple[str, str, str, str | None, str | None]] = field(default_factory=list)
    persons_added: int = 0

    @property
    def changed(self) -> bool:
        return any(not d.empty for d in self.diff.values()) or self.persons_added > 0


class _Src:
    """Where a fact comes from: one record of one table."""

    __slots__ = ("table", "record", "src")

    def __init__(self, table: Table, record: Record, src: int):
        self.table = table
        self.record = record
        self.src = src

    def problem(self, column: str, message: str, value: object = None) -> Problem:
        return Problem(self.table.sheet.file, message, sheet=self.table.sheet.name, row=self.record.row,
                       column=column, value=None if value is None else _shown(value))


class _Loader:
    fast = True  # clean rows staged by row programs (tests turn them off to compare)

    def __init__(self, store: Store, writer: Writer, batch: int, *, as_of: str | None, mode: str, forced: bool):
        self.store = store
        self.writer = writer
        self.rb = store.rulebook
        self.pack: Pack = self.rb.pack
        self.model = self.pack.model
        self.batch = batch
        self.as_of = as_of
        self.mode = mode
        self.problems: list[Problem] = []
        self.root = schema.node_id(self.model.root, key(self.rb.county))
        self.tables = {(t.roster.name, t.group.name): t for t in fact_tables(self.pack)}
        self.loads: dict[str, FactLoad] = {}
        self.staged: dict[str, list[tuple]] = {}
        self.forced = forced
        self._known: dict[str, set[str]] = {}
        self._memo: dict[tuple, Any] = {}
        self.persons: dict[str, tuple] = {}  # new persons: id → row
        self._by_name: tuple[int, dict[str, list[tuple[str, str]]]] = (0, {})
        self._last: dict[str, tuple[int, dict[str, list[str]]]] = {}  # kind → ids by their last part
        self._evidence: list[str] | None = None
        self._stored_names: dict[str, list[tuple[str, str]]] | None = None
        self._object_kinds: list[str] | None = None
        self._person_props: dict[str, dict[str, str]] = {}
        self.posts: dict[str, tuple] = {}
        self._stored_posts: set[str] | None = None
        self.findings: list[tuple[Finding, str, _Src]] = []
        self.duty_records: list[tuple[DutyRecord, str]] = []
        self.scope_dates: dict[str, dict[str, str]] = {}  # roster → scope → the roster's date there
        self.group_scopes: dict[str, set[str]] = {}  # fact table → the scopes its roster's rows list
        self.scopes: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}  # node id → display name, for the kinds in ``named``
        self.named = _named_kinds(self.pack)
        self._row_names: dict[str, str] = {}  # slot → the name of the node it creates, in the row read
        self.batch_rows = _BATCH
        self.stager: Stager | None = None  # the child process writing the rows, for a big load
        secret = store.meta("secret") or ""
        self._secret = secret

    # -- known nodes -------------------------------------------------------------------------------
    def known(self, kind: str) -> set[str]:
        """Ids of one kind that exist: in the store when the load began, or created by it."""
        if kind not in self._known:
            self._known[kind] = self.store.node_ids(kind)
        return self._known[kind]

    def fail(self, src: _Src, column: str, message: str, value: object = None) -> None:
        self.problems.append(src.problem(column, message, value))

    # -- cells -------------------------------------------------------------------------------
    def cell(self, src: _Src, column: str, *, required: bool) -> str:
        value = text(src.record.values.get(column))
        if not value and required:
            self.fail(src, column, f"“{column}”不能为空")
        return value

    def parsed(self, src: _Src, column: str, parser: Callable[[object], Any], shown: object = None) -> tuple[bool, Any]:
        """(True, value) for a cell the parser accepts; else the problem is reported: (False, None)."""
        raw = src.record.values.get(column)
        try:
            return True, parser(raw)
        except ValueError as err:
            self.fail(src, column, str(err), raw if shown is None else shown)
            return False, None

    def dates(self, src: _Src, roster: Roster) -> tuple[str | None, str | None] | None:
        if roster.valid is None:
            return None, None
        first, last = roster.valid
        ok_start, start = self.parsed(src, first, parse_start_date)
        ok_end, end = self.parsed(src, last, parse_end_date)
        if ok_start and start is None:
            self.fail(src, first, f"“{first}”不能为空（从哪天开始？）")
        if not (ok_start and ok_end) or start is None:
            return None
        if end is not None and end < start:
            self.fail(src, last, f"{last}早于{first} {start}；请核对", src.record.values.get(last))
            return None
        return start, end

    def prop_value(self, src: _Src, prop: Any) -> tuple[bool, Any]:
        raw = src.record.values.get(prop.column)
        if raw is None or text(raw) == "":
            if prop.required and prop.column in src.record.values:
                self.fail(src, prop.column, f"“{prop.column}”不能为空")
                return False, None
            if prop.type == "bool" and prop.column in src.record.values:
                return True, False
            return True, prop.default
        if prop.type == "bool":
            return self.parsed(src, prop.column, parse_bool)
        if prop.type == "date":  # 制定日期 …: the day something was made or began
            return self.parsed(src, prop.column, parse_start_date)
        if prop.type == "id_number":
            ok, value = self.parsed(src, prop.column, parse_id_number, shown=_masked_raw(raw))
            return ok, (_mask_id(value), self._hash(value)) if ok and value else None
        if prop.type == "int":
            try:
                return True, int(text(raw))
            except ValueError:
                self.fail(src, prop.column, "应为整数", raw)
                return False, None
        return True, text(raw)

    def _hash(self, value: str) -> str:
        """A keyed hash (HMAC-SHA256 with the project's secret): links one person, reveals nothing."""
        return keyed_hash(self._secret, value)

    # -- slots -------------------------------------------------------------------------------------
    def resolve(self, src: _Src, roster: Roster, slot: Slot, ids: dict[str, Any]) -> bool:
        """Bind ``slot`` for this row into ``ids`` (None when an optional cell is empty)."""
        if slot.mode == "create" and not slot.column:  # derived from its parent (a village's team)
            parent = ids.get(slot.within)
            if parent is None:
                ids[slot.name] = None
                return True
            kind = self.model.kinds[slot.kind]
            nid = schema.node_id(slot.kind, parent.split(":", 1)[1])
            name = kind.name_template.format(parent=self.names.get(parent, parent.split("/")[-1]))
            if slot.kind in self.named:
                self.names[nid] = name
            self._row_names[slot.name] = name
            self.known(slot.kind).add(nid)
            ids[slot.name] = nid
            return True
        raw = src.record.values.get(slot.column)
        value = raw if type(raw) is str else text(raw)
        parent = ids.get(slot.within) if slot.within else None
        memo = (slot.mode, slot.kind, slot.column, value, parent, slot.org and ids.get(slot.org))
        # A person named with an identity (干部编号, 身份证号) is not found by name; a created
        # node is not looked up (its name is the row's).
        found = None if slot.mode == "create" or self._has_identity(src, slot) else self._memo.get(memo)
        if found is not None:
            ids[slot.name] = found
            return True
        name = value.strip().replace("\u3000", " ").strip() if type(value) is str else text(value)
        if not name:
            if not slot.optional:
                self.fail(src, slot.column, f"“{slot.column}”不能为空")
                return False
            ids[slot.name] = None
            return True
        if not slot.many and not self.name_ok(src, slot.column, name):
            return False
        if slot.within and parent is None:  # the parent failed (already reported) or is empty
            ids[slot.name] = None
            return slot.optional
        if slot.mode == "person":
            org = self.root if slot.org == "root" else ids.get(slot.org)
            if org is None:
                return False
            ident = self.identity(src, slot)
            if ident is False:
                return False
            # A person is known by name within an organisation, unless the roster identifies them
            # (干部编号, or a 身份证号 kept only as a keyed hash): then one id across every roster.
            pid = schema.node_id("person", ident) if ident else schema.node_id("person", org.split(":", 1)[1], key(name))
            self.names[pid] = name
            ids[slot.name] = pid
            if not ident:
                self._memo[memo] = pid
            if pid not in self.persons and pid not in self.known("person"):
                self.persons[pid] = (pid, name, org, src.src, src.record.row)
                self.known("person").add(pid)
            elif ident and pid in self.persons and key(self.persons[pid][1]) != key(name):
                self.fail(src, slot.column, f"与第{self.persons[pid][4]}行同一身份（{ident[1:]}）的姓名"
                                            f"“{self.persons[pid][1]}”不同；请核对姓名或身份列", name)
                return False
            return True
        if slot.many:
            values = [v for v in SPLIT.split(name) if v]
            out = []
            for v in values:
                if not self.name_ok(src, slot.column, v):
                    continue
                nid = self._node_id(slot, v, parent)
                if self._exists(src, slot, nid, v):
                    out.append(nid)
            ids[slot.name] = out
            return len(out) == len(values)
        nid = self._node_id(slot, name, parent)
        if slot.vocabulary and not self._in_vocabulary(src, slot, name):
            return False
        if slot.mode == "create":
            self.known(slot.kind).add(nid)
            if slot.kind in self.named:
                self.names[nid] = name
            self._row_names[slot.name] = name
            ids[slot.name] = nid
            return True
        if not self._exists(src, slot, nid, name):
            return False
        if slot.kind in self.named:
            self.names.setdefault(nid, name)
        ids[slot.name] = nid
        self._memo[memo] = nid
        return True

    def name_ok(self, src: _Src, column: str, name: str) -> bool:
        """A name or id (乡镇, 村, 姓名, 干部编号 …): refused, and reported, when it holds a
        control or invisible character or is longer than a name can be (:func:`parse_name`)."""
        if name_ok(name):
            return True
        try:
            parse_name(name)
        except ValueError as err:
            self.fail(src, column, str(err), name)
            return False
        return True

    @staticmethod
    def _has_identity(src: _Src, slot: Slot) -> bool:
        return any(text(src.record.values.get(column)) for column, _ in slot.identity)

    def identity(self, src: _Src, slot: Slot) -> str | None | bool:
        """``#<干部编号>`` or ``#h<keyed hash of the 身份证号>``; None without one; False when refused."""
        for column, typ in slot.identity:
            raw = src.record.values.get(column)
            if raw is None or text(raw) == "":
                continue
            if typ == "code":
                ok, code = self.parsed(src, column, parse_name)
                return "#" + key(code) if ok else False
            ok, number = self.parsed(src, column, parse_id_number, shown=_masked_raw(raw))
            if not ok:
                return False
            return "#h" + self._hash(number)[:16]
        return None

    def _node_id(self, slot: Slot, name: str, parent: str | None) -> str:
        kind = self.model.kinds[slot.kind]
        if kind.id_within_parent and parent:
            return schema.node_id(slot.kind, parent.split(":", 1)[1], key(name))
        return schema.node_id(slot.kind, key(name))

    def _in_vocabulary(self, src: _Src, slot: Slot, name: str) -> bool:
        allowed = {key(u): u for u in getattr(self.rb, slot.vocabulary)}
        if key(name) in allowed:
            return True
        self.fail(src, slot.column, f"不是规则手册 {self.rb.name} 所列的{slot.column}（{'、'.join(allowed.values())}）；"
                                    f"{slot.hint or '请核对名称'}", name)
        return False

    def _exists(self, src: _Src, slot: Slot, nid: str, value: str) -> bool:
        known = self.known(slot.kind)
        if nid in known:
            return True
        label = self.model.label(slot.kind)
        prefix = nid.rsplit("/", 1)[0] + "/" if "/" in nid else f"{slot.kind}:"
        names = [i.split(":", 1)[1].rsplit("/", 1)[-1] for i in known if i.startswith(prefix)]
        close = difflib.get_close_matches(value, names, n=1, cutoff=0.5) if len(names) < 5000 else []
        also = f"（是不是“{close[0]}”？）" if close else ""
        self.fail(src, slot.column, f"{label}“{value}”不存在{also}；{slot.hint or '请先导入相应名单，或核对名称'}", value)
        return False

    # -- posts -------------------------------------------------------------------------------------
    def titles(self, src: _Src, hold: Hold, owner_kind: str) -> list[str] | None:
        """The titles a row's hold names: fixed, or read from a column (its words matched)."""
        if hold.post:
            return [hold.post]
        raw = src.record.values.get(hold.post_from.column)
        found = self.titles_of(hold, owner_kind, raw)
        if found is None:
            self.fail(src, hold.post_from.column, hold.post_from.invalid, text(raw))
        return found

    def titles_of(self, hold: Hold, owner_kind: str, raw: object) -> list[str] | None:
        """The titles a ``post_from`` cell names; None when it names none and must (refused)."""
        pf = hold.post_from
        t = key(text(raw))
        titles = self.model.posts.get(owner_kind, {})
        if t in titles:
            return [t]
        found = [m.post for m in pf.match if not m.fallback and all(w in t for w in m.has)
                 and not any(w in t for w in m.lacks)]
        if not found:
            found = [m.post for m in pf.match if m.fallback and all(w in t for w in m.has)
                     and not any(w in t for w in m.lacks)]
        found = [f for f in dict.fromkeys(found) if f in titles]
        if not found and pf.invalid:
            return None
        return found

    def post(self, owner: str, title: str, src: _Src) -> str:
        return self.post_id(owner, title, src.src, src.record.row)

    def post_id(self, owner: str, title: str, src_id: int, row: int) -> str:
        """The id of a post, registered (with the row that first named it) when it is new."""
        pid = schema.post_id(owner, title)
        if pid not in self.posts:
            if self._stored_posts is None:
                self._stored_posts = self.store.node_ids("post")
            if pid not in self._stored_posts:
                spec = self.model.post(schema.kind_of(owner), title)
                self.posts[pid] = (pid, title, owner, spec.edge if spec else "LEADS", src_id, row)
            else:
                self.posts[pid] = None
        return pid

    # -- rows --------------------------------------------------------------------------------------
    def table(self, table: Table, progress: Callable[[str, int], None] | None) -> int:
        """Check and stage every row of one table, read as a stream; the number of rows read.
        ``progress(label, rows)`` is told of the rows read every 20,000 and at the end."""
        roster = table.kind
        src_id = self.writer.source(table.sheet.file, table.sheet.name)
        label = f"{table.sheet.file} {table.sheet.name} {roster.name}"
        count = 0
        if roster.record:
            handler = self.finding if roster.record == "finding" else self.duty
            for record in table.records:
                count += 1
                handler(_Src(table, record, src_id), roster)
        else:
            groups = [self.tables[(roster.name, g.name)] for g in roster.groups]
            program = compile_program(self, table, src_id, groups) if self.fast else None
            make = table.record

            def generic(r: int, cells: list[object]) -> bool:
                record = make(r, cells)
                if record is None:
                    return False
                self.row(_Src(table, record, src_id), roster, groups)
                return True

            if program is not None:
                count = program(table.rows(), generic, progress, label)
            else:
                for r, cells in table.data_rows():
                    if generic(r, cells):
                        count += 1
                        if progress and count % 20000 == 0:
                            progress(label, 20000)
            if not self.scopes.get(roster.name):
                self.scopes.pop(roster.name, None)
        if progress:
            progress(label, count % 20000)
        return count

    def row(self, src: _Src, roster: Roster, groups: list[FactTable]) -> None:
        self._row_names = {}
        ok = True
        dates = self.dates(src, roster)
        if dates is None:
            ok = False
        ids: dict[str, Any] = {}
        for slot in roster.slots:
            ok = self.resolve(src, roster, slot, ids) and ok
        props: dict[str, tuple[list[Any], str | None]] = {}
        for t in groups:  # every cell is checked, whatever else failed in the row
            if t.group.node:
                node_props = self.node_props(src, t)
                ok = ok and node_props is not None
                props[t.name] = node_props
        if not ok:
            return
        for pslot in roster.slots:
            if pslot.mode == "person" and pslot.props and ids.get(pslot.name):
                self._person_props[ids[pslot.name]] = {p: text(src.record.values.get(col)) for p, col in pslot.props.items()}
        vf, vt = dates
        for t in groups:
            self.group_rows(src, roster, t, ids, vf, vt, props.get(t.name))

    def node_props(self, src: _Src, t: FactTable) -> tuple[list[Any], str | None] | None:
        """The created node's property values (a 身份证号 masked) and its extras (with the keyed
        hash of each personal number), or None when a cell is refused."""
        values: list[Any] = []
        extra = dict(src.record.extras)
        ok = True
        for prop in t.props:
            good, value = self.prop_value(src, prop)
            ok = ok and good
            if prop.type == "id_number" and value:
                extra[f"{prop.name}_hash"] = value[1]
                value = value[0]
            values.append(value)
        return (values, _json(extra) if extra else None) if ok else None

    def group_rows(self, src: _Src, roster: Roster, t: FactTable, ids: dict[str, Any], vf: str | None,
                   vt: str | None, node_props: tuple[list[Any], str | None] | None) -> None:
        g = t.group
        scope = (self.root if g.scope == "root" else ids.get(g.scope)) if g.scope else None
        if g.scope and scope is None:
            return
        if scope is not None and vf:  # the roster lists this scope: its date there is its latest start
            dates = self.scope_dates.setdefault(roster.name, {})
            if dates.get(scope, "") < vf:
                dates[scope] = vf
            self.group_scopes.setdefault(t.name, set()).add(scope)
        name = None
        props: list[Any] = []
        extras = None
        if g.node:
            node = ids.get(g.node)
            if node is None or node_props is None:
                return
            name = self._row_names.get(g.node)
            props, extras = node_props
        expand: list[tuple[str, Any]] = [("", None)]
        if g.each and g.each != "post":
            values = ids.get(g.each) or []
            expand = [(g.each, v) for v in values]
        rows = []
        for each_slot, each_value in expand:
            bound = dict(ids)
            if each_slot:
                bound[each_slot] = each_value
            holds: list[list[str | None]] = []
            for h in t.holds:
                owner = self.root if h.of == "root" else bound.get(h.of)
                person = bound.get(h.person)
                if owner is None or person is None:
                    holds.append([None])
                    continue
                titles = self.titles(src, h, schema.kind_of(owner))
                if titles is None:
                    return
                holds.append([self.post(owner, title, src) for title in titles] or [None])
            posts_options = _product(holds) if g.each == "post" else [[h[0] for h in holds]]
            for posts in posts_options:
                if g.each == "post" and not any(posts):
                    continue
                slot_ids = [bound.get(s) for s in t.slots]
                keyparts = [bound.get(s) or "" for s in g.key] + ([p or "" for p in posts] if g.each == "post" else [])
                rows.append(t.carry((scope, "|".join(keyparts), "", name, *slot_ids, *props, *posts, extras, vf, vt,
                                     src.src, src.record.row, self.batch)))
        if scope:
            self.scopes.setdefault(roster.name, set()).add(scope)
        buffer = self.staged.setdefault(t.name, [])
        buffer.extend(rows)
        if len(buffer) >= self.batch_rows:
            self.flush(t)

    def flush(self, t: FactTable) -> None:
        buffer = self.staged.get(t.name)
        if not buffer:
            return
        if t.name not in self.loads:
            self.loads[t.name] = FactLoad(self.writer.conn, t, self.batch, mode=self.mode, as_of=self.as_of,
                                          forced=self.forced, stager=self.stager)
        self.loads[t.name].add(buffer)
        buffer.clear()  # in place: row programs hold this list

    # -- findings ----------------------------------------------------------------------------------
    def finding(self, src: _Src, roster: Roster) -> None:
        f = roster.fields
        ok, day = self.parsed(src, f["date"], parse_start_date)
        if ok and day is None:
            self.fail(src, f["date"], f"“{f['date']}”不能为空")
        occurred = None
        if "occurred" in f:
            ok_o, occurred = self.parsed(src, f["occurred"], parse_start_date)
            if ok_o and occurred and day and occurred > day:
                self.fail(src, f["occurred"], f"{f['occurred']}晚于{f['date']} {day}；请核对", occurred)
                return
        ftype = key(self.cell(src, f["type"], required=True))
        otype = key(self.cell(src, f["object_type"], required=True))
        obj = self.cell(src, f["object"], required=True)
        if not (day and ftype and otype and obj):
            return
        types = self.rb.finding_types
        if ftype not in types:
            self.fail(src, f["type"], f"不是规则手册所列的问题类型（{'、'.join(types)}）", ftype)
            return
        if otype not in types[ftype]:
            self.fail(src, f["object_type"], f"“{ftype}”的对象类型应为 {'、'.join(types[ftype])}", otype)
            return
        object_id = self.finding_object(src, f["object"], otype, obj)
        if object_id is None:
            return
        vals = src.record.values
        inspector = text(vals.get(f.get("inspector", ""))) if "inspector" in f else ""
        note = text(vals.get(f.get("note", ""))) if "note" in f else ""
        props = dict(src.record.extras)
        if occurred:
            props["occurred"] = occurred
        if "round" in f and text(vals.get(f["round"])):
            props["round"] = text(vals.get(f["round"]))
        digest = hashlib.sha1("\x1f".join([day, ftype, object_id, inspector, note]).encode()).hexdigest()
        finding = Finding(0, day, ftype, otype, object_id, obj, inspector, note, props,
                          Provenance(src.table.sheet.file, src.table.sheet.name or None, src.record.row))
        self.findings.append((finding, digest, src))
        self.scopes.setdefault(roster.name, set()).add(object_id)

    def finding_object(self, src: _Src, column: str, otype: str, obj: str) -> str | None:
        spec = self.model.objects[otype]
        kind = spec.kind
        hint = spec.hint or "请核对对象"
        parts = [p for p in re.split(r"[/／]", obj) if p.strip()]
        if kind == self.model.root:
            return self.root if key(obj) == self.root.split(":", 1)[1] else self._bad(src, column, obj, hint)
        if kind == "person":
            found = self.people(parts[-1], parts[0] if len(parts) == 2 else None)
            if len(found) != 1:
                more = f"，有 {len(found)} 个同名：{'、'.join(self._name(f) for f in found)}" if found else ""
                return self._bad(src, column, obj, hint + more)
            return found[0]
        k = self.model.kinds.get(kind)
        lookup = k.parent if k is not None and k.one_per_parent else kind
        if len(parts) == 1 and not (self.model.kinds.get(lookup) and self.model.kinds[lookup].id_within_parent) \
                and lookup != "person":
            nid = schema.node_id(lookup, key(obj))
            found = [nid] if nid in self.known(lookup) else []
        elif len(parts) >= 2:
            nid = schema.node_id(lookup, *(key(p) for p in parts))
            found = [nid] if nid in self.known(lookup) else []
        else:
            suffix = "/" + key(obj)
            found = sorted(i for i in self.known(lookup) if i.endswith(suffix))
        if len(found) != 1:
            more = f"，有 {len(found)} 个同名：{'、'.join(f.split(':', 1)[1] for f in found)}" if found else ""
            return self._bad(src, column, obj, hint + more)
        if lookup != kind:
            return schema.node_id(kind, found[0].split(":", 1)[1])
        return found[0]

    # -- duty log ----------------------------------------------------------------------------------
    def duty(self, src: _Src, roster: Roster) -> None:
        """A 履职记录 line: the day, who (a person, or a body or organisation), which duty's
        evidence (refused unless the rulebook names it), where or whom, how many days."""
        f = roster.fields
        ok, day = self.parsed(src, f["date"], parse_start_date)
        if ok and day is None:
            self.fail(src, f["date"], f"“{f['date']}”不能为空")
        subject_text = self.cell(src, f["subject"], required=True)
        item = key(self.cell(src, f["item"], required=True))
        if self._evidence is None:
            self._evidence = self.rb.evidence()
        valid = self._evidence
        if item and item not in valid:
            close = difflib.get_close_matches(item, valid, n=1, cutoff=0.4)
            also = f"（是不是“{close[0]}”？）" if close else ""
            self.fail(src, f["item"], f"不是规则手册所列的履职事项{also}；可用：{'、'.join(valid)}", item)
            item = ""
        subject = self.duty_subject(src, f["subject"], subject_text) if subject_text else None
        object_text = text(src.record.values.get(f["object"])) if "object" in f else ""
        object_id = self.duty_object(src, f["object"], object_text) if object_text else None
        days = None
        raw_days = text(src.record.values.get(f["days"])) if "days" in f else ""
        if raw_days:
            try:
                days = float(raw_days)
                if not 0 < days <= 366:
                    raise ValueError
            except ValueError:
                self.fail(src, f["days"], "天数应为大于0的数字", raw_days)
                return
        elif item and any(d.unit == "天" for d in self.rb.duties if d.evidence == item):
            self.fail(src, f.get("days", "天数"), f"“{item}”按天数计，请填写天数")
            return
        if not (day and subject and item) or (object_text and object_id is None):
            return
        note = text(src.record.values.get(f["note"])) if "note" in f else ""
        digest = hashlib.sha1("\x1f".join([day, subject, item, object_id or "", str(days or ""), note]).encode()
                              ).hexdigest()
        self.duty_records.append((DutyRecord(0, day, subject, subject_text, item, object_id, object_text, days, note,
                                             dict(src.record.extras),
                                             Provenance(src.table.sheet.file, src.table.sheet.name or None,
                                                        src.record.row)), digest))

    def duty_subject(self, src: _Src, column: str, value: str) -> str | None:
        """A person (单位/姓名, or a name unique in the project) or a body or organisation by name."""
        parts = [p for p in re.split(r"[/／]", value) if p.strip()]
        if len(parts) == 2:
            people = self.people(parts[1], parts[0])
            if len(people) == 1:
                return people[0]
        else:
            name = key(value)
            for kind in ("body", *self.model.orgs):
                nid = schema.node_id(kind, name)
                if nid in self.known(kind) or (kind == self.model.root and nid == self.root):
                    return nid
            people = self.people(value)
            if len(people) == 1:
                return people[0]
            if len(people) > 1:
                self.fail(src, column, f"有 {len(people)} 人同名（{'、'.join(self._display_person(p) for p in people)}）；"
                                       "请写成“单位/姓名”", value)
                return None
        shown = {p.rsplit("/", 1)[-1]: p.split(":", 1)[1] for p in self.known("person")}  # name → 单位/姓名
        shown.update({p.split(":", 1)[1]: p.split(":", 1)[1] for p in self.known("person")})
        shown.update({b.split(":", 1)[1]: b.split(":", 1)[1] for kind in ("body", *self.model.orgs)
                      for b in self.known(kind)})
        close = difflib.get_close_matches(key(value), list(shown), n=1, cutoff=0.5) if len(shown) < 40000 else []
        also = f"（是不是“{shown[close[0]]}”？）" if close else ""
        self.fail(src, column, f"履职主体不在项目中{also}；应为名单中的人员（单位/姓名，或唯一的姓名）或机构、单位、"
                               f"{self.model.label(self.rb.pack.org.levels[0]) if self.rb.pack.org.levels else '地方'}名称",
                  value)
        return None

    def people(self, name: str, org: str | None = None) -> list[str]:
        """Ids of the persons of one name (in the organisation of that name), stored or new."""
        name = key(name)
        org_ids = None
        if org is not None:
            org_ids = {schema.node_id(k, key(org)) for k in self.model.orgs}
        found = {pid for pid, o in self._stored_by_name().get(name, ()) if org_ids is None or o in org_ids}
        found |= {pid for pid, o in self._new_by_name().get(name, ()) if org_ids is None or o in org_ids}
        return sorted(found)

    def _stored_by_name(self) -> dict[str, list[tuple[str, str]]]:
        """The project's persons by name: (id, organisation), read once (a duty log names
        thousands; the person table has no index by name)."""
        if self._stored_names is None:
            self._stored_names = {}
            for pid, name, org in self.store.conn.execute("SELECT id, name, org FROM person"):
                self._stored_names.setdefault(name, []).append((pid, org))
        return self._stored_names

    def _new_by_name(self) -> dict[str, list[tuple[str, str]]]:
        """The persons new in this load by name key: (id, organisation). Rebuilt only when more
        have been added (a duty log names thousands of people; the rosters before it add them)."""
        if self._by_name[0] != len(self.persons):
            index: dict[str, list[tuple[str, str]]] = {}
            for pid, n, o, *_ in self.persons.values():
                index.setdefault(key(n), []).append((pid, o))
            self._by_name = (len(self.persons), index)
        return self._by_name[1]

    def _by_last(self, kind: str) -> dict[str, list[str]]:
        """The known ids of a kind named within their parent, by their last part (a village's
        name): rebuilt only when more are known."""
        known = self.known(kind)
        size, index = self._last.get(kind, (-1, {}))
        if size != len(known):
            index = {}
            for i in sorted(known):
                if "/" in i:
                    index.setdefault(i.rsplit("/", 1)[1], []).append(i)
            self._last[kind] = (len(known), index)
        return index

    def _display_person(self, pid: str) -> str:
        org = self.persons[pid][2] if pid in self.persons else None
        if org is None:
            row = self.store.conn.execute("SELECT org FROM person WHERE id=?", (pid,)).fetchone()
            org = row[0] if row else None
        return f"{org.split(':', 1)[-1]}/{self.names.get(pid) or pid.rsplit('/', 1)[-1]}" if org else pid

    def duty_object(self, src: _Src, column: str, value: str) -> str | None:
        """Where or whom a duty record concerns: any object a finding could name, by the same forms."""
        parts = [p for p in re.split(r"[/／]", value) if p.strip()]
        candidates: list[str] = []
        if self._object_kinds is None:
            places = self.model.places()
            self._object_kinds = [k for k in places[1:] + [k for k in self.model.kinds if k not in places]
                                  if not self.model.kinds[k].one_per_parent]
        for kind in self._object_kinds:
            k = self.model.kinds[kind]
            if len(parts) == 1 and not k.id_within_parent:
                nid = schema.node_id(kind, key(value))
                if nid in self.known(kind):
                    candidates.append(nid)
            elif len(parts) >= 2 and k.id_within_parent:
                nid = schema.node_id(kind, *(key(p) for p in parts))
                if nid in self.known(kind):
                    candidates.append(nid)
            elif len(parts) == 1 and k.id_within_parent:
                candidates.extend(self._by_last(kind).get(key(value), ()))
        if len(candidates) == 1:
            return candidates[0]
        forms = "、".join(f"{o.word}（{o.hint.removeprefix('对象应为').removeprefix('对象应写成')}）"
                         for o in self.model.objects.values() if o.kind in self.model.kinds)
        self.fail(src, column, ("对象有多个同名：" + "、".join(c.split(":", 1)[1] for c in candidates) if candidates
                                else "找不到该对象") + f"；可写：{forms}", value)
        return None

    def _bad(self, src: _Src, column: str, obj: str, hint: str) -> None:
        self.fail(src, column, f"找不到该对象；{hint}", obj)
        return None

    # -- finishing ---------------------------------------------------------------------------------
    def finish(self, result: LoadResult, progress: Progress | None = None) -> None:
        """Compare every staged table with the store and write; collect the problems it finds."""
        for t in self.tables.values():
            self.flush(t)
        outcomes: dict[str, Outcome] = {}
        total = sum(load.count for load in self.loads.values())
        done = 0
        for t in self.tables.values():
            scopes = {sc: (self.as_of or self.scope_dates.get(t.roster.name, {}).get(sc, ""))
                      for sc in self.group_scopes.get(t.name, ())}
            if t.name not in self.loads and scopes:  # the roster lists the scope but nothing of this table
                self.loads[t.name] = FactLoad(self.writer.conn, t, self.batch, mode=self.mode, as_of=self.as_of,
                                              forced=self.forced)
            if t.name in self.loads:
                if progress:
                    progress("比对", t.roster.name, done, total)
                outcomes[t.name] = self.loads[t.name].finish(scopes)
                done += self.loads[t.name].count
        if progress:
            progress("比对", "", total, total)
        diff = result.diff
        for t in self.tables.values():
            o = outcomes.get(t.name)
            if o is None:
                continue
            d = diff.setdefault(t.roster.name, KindDiff())
            d.added += o.added
            d.closed += o.closed
            d.changed += o.changed
            d.unchanged += o.unchanged
            d.corrected += o.corrected
            if t.group.node:
                d.nodes_added += o.new_keys
            self._report(t, o)
            for person, post, vf, vt in o.opened_holds:
                result.holds.append(("开", post, person, vf, vt))
            for person, post, vf, vt in o.closed_holds:
                result.holds.append(("关", post, person, vf, vt))
        self._write_registries(result)
        self._check_holders({p for o in outcomes.values() for p in o.posts})
        self._write_findings(diff)
        self._write_duty_records(diff)

    def _report(self, t: FactTable, o: Outcome) -> None:
        file, sheet = self._roster_file(t.roster)
        for conflict in o.conflicts:
            src_file, src_sheet = self._source(conflict.row[0])
            if not conflict.values:
                self.problems.append(Problem(
                    src_file, f"与第{conflict.other_row}行内容不同而日期重叠（同一{self._key_label(t)}只能有一种记录）；"
                              "请合并为一行，或核对起止日期", sheet=src_sheet, row=conflict.row[1]))
            for col, new, old in conflict.values:
                self.problems.append(Problem(
                    src_file, f"与第{conflict.other_row}行的“{_display(old)}”矛盾（同一{self._key_label(t)}只能有一个值）；"
                              "请统一，或核对起止日期", sheet=src_sheet, row=conflict.row[1],
                    column=self._column_of(t, col), value=_display(new)))
        for key_text, scope, src_id, row, vf in o.unknown_ends:
            parts = [k for k in key_text.split("|") if k]
            people = [k for k in parts if schema.kind_of(k) == "person"]
            posts = [k for k in parts if schema.kind_of(k) == "post"]
            who = "、".join(_person_name(k) for k in people) or "、".join(self._name(k) for k in parts)
            what = "、".join(f"{p[5:].rsplit('/', 1)[0].split(':', 1)[-1]} {p.rsplit('/', 1)[1]}" for p in posts) or \
                "、".join(self._name(k) for k in parts if k not in people)
            self.problems.append(Problem(
                file, f"{_base(self._source(src_id)[0])}第{row}行的“{who}”（{what + '，' if what else ''}自 {vf} 起）"
                      "不在这份名单中，"
                      "但名单日期不晚于其起始日期，无法确定其"
                      "终止日期；请用 --as-of 指定名单日期，或在名单中保留该行并填写终止日期；若这是对个别记录的更正，请加 --add",
                sheet=sheet))
        for scope, open_keys, listed, dropped in o.partial:
            where = self._name(scope)
            self.problems.append(Problem(
                file, f"{where}现有 {open_keys} 条在册记录，这份名单只列出 {listed} 条，将关闭 {dropped} 条；这不像一份完整的"
                      f"名单。若它就是{where}的全部名单，请加 --snapshot 确认关闭其余记录；若只是补充或更正个别记录，"
                      "请加 --add（只新增和修改，不关闭任何记录）", sheet=sheet))

    def _name(self, node_id: str) -> str:
        if node_id in self.names:
            return self.names[node_id]
        node = self.store.node(node_id)
        return node.name if node else node_id.split(":", 1)[-1]

    def _source(self, src_id: int) -> tuple[str, str]:
        row = self.writer.conn.execute("SELECT file, sheet FROM source WHERE id=?", (src_id,)).fetchone()
        return (row[0], row[1]) if row else ("", "")

    def _roster_file(self, roster: Roster) -> tuple[str, str]:
        return self._files.get(roster.name, ("", ""))

    def _key_label(self, t: FactTable) -> str:
        return "、".join(self.model.label(t.roster.slot(s).kind) for s in t.group.key if t.roster.slot(s))

    def _column_of(self, t: FactTable, col: str) -> str:
        if col.startswith("s_"):
            slot = t.roster.slot(col[2:])
            return slot.column if slot and slot.column else col[2:]
        if col.startswith("p_"):
            return next((p.column for p in t.props if p.name == col[2:]), col)
        if col.startswith("h") and col[1:].isdigit():
            h = t.holds[int(col[1:])]
            return h.post_from.column if h.post_from else (t.roster.slot(h.person).column or col)
        return t.roster.slot(t.group.node).column if t.group.node and t.roster.slot(t.group.node) else col

    def _write_registries(self, result: LoadResult) -> None:
        conn = self.writer.conn
        rows = []
        for pid, name, org, src_id, row in self.persons.values():
            props = self._person_props.get(pid, {})
            rows.append((pid, name, org, _json(props), src_id, row))
        # in the order of the registries' keys (tables WITHOUT ROWID): written page after page
        rows.sort(key=_first)
        batch = int(self.batch)
        insert_rows(conn, "INSERT INTO person(id, name, org, props, src, row, batch)", f"(?,?,?,?,?,?,{batch})", rows)
        result.persons_added = len(rows)
        changed = []
        for pid, props in self._person_props.items():
            if pid in self.persons:
                continue
            old = conn.execute("SELECT props FROM person WHERE id=?", (pid,)).fetchone()
            if old is not None and _json({**_loads(old[0]), **props}) != old[0]:
                changed.append((_json({**_loads(old[0]), **props}), pid))
        conn.executemany("UPDATE person SET props=? WHERE id=?", changed)
        insert_rows(conn, "INSERT INTO post(id, title, owner, edge, src, row, batch)", f"(?,?,?,?,?,?,{batch})",
                    sorted((p for p in self.posts.values() if p is not None), key=_first))

    def _check_holders(self, posts: set[str]) -> None:
        """Two people in a one-holder post on the same day: one line, naming both rows."""
        single = [p for p in posts if self._single(p)]
        conn = self.writer.conn
        for i in range(0, len(single), 400):
            chunk = single[i:i + 400]
            edges = conn.execute(
                "SELECT src, dst, valid_from, valid_to, source, sheet, row, batch FROM edge WHERE kind='HOLDS' AND dst IN "
                f"({','.join('?' * len(chunk))}) ORDER BY dst, valid_from", chunk).fetchall()
            by_post: dict[str, list[tuple]] = {}
            for e in edges:
                by_post.setdefault(e[1], []).append(e)
            for post, holds in by_post.items():
                for j, a in enumerate(holds):
                    for b in holds[j + 1:]:
                        if a[0] == b[0] or not _overlap(a[2], a[3], b[2], b[3]):
                            continue
                        new, old = (b, a) if b[7] == self.batch else (a, b)
                        if new[7] != self.batch:
                            continue
                        title = post.rsplit("/", 1)[1]
                        owner = post[5:].rsplit("/", 1)[0].split(":", 1)[-1]
                        where = f"第{old[6]}行的" if old[7] == self.batch else \
                            f"项目中已有的（{_base(old[4])}第{old[6]}行）"
                        self.problems.append(Problem(
                            new[4] or "", f"{owner}的{title}同一天只能有一人：与{where}“{self._name(old[0])}”"
                                          f"（{old[2] or '…'} 至 {old[3] or '今'}）重叠；请核对起止日期",
                            sheet=new[5] or "", row=new[6], column=self._hold_column(post),
                            value=self._name(new[0])))

    def _hold_column(self, post: str) -> str:
        title = post.rsplit("/", 1)[1]
        for t in self.tables.values():
            for h in t.holds:
                if h.post == title or (h.post_from and any(m.post == title for m in h.post_from.match)):
                    return t.roster.slot(h.person).column or title  # where the person is named
        return title

    def _write_duty_records(self, diff: dict[str, KindDiff]) -> None:
        if not self.duty_records:
            return
        digests = {r[0] for r in self.writer.conn.execute("SELECT digest FROM duty_record")}
        roster = self.pack.record_roster("duty")
        d = diff.setdefault(roster.name if roster else "duty_log", KindDiff())
        new = []
        for record, digest in self.duty_records:
            d.rows += 1
            if digest in digests:
                d.unchanged += 1
                continue
            digests.add(digest)
            new.append((record, digest))
            d.added += 1
        self.writer.insert_duty_records(new, self.batch)

    def _single(self, post: str) -> bool:
        owner = post[5:].rsplit("/", 1)[0]
        spec = self.model.post(schema.kind_of(owner), post.rsplit("/", 1)[1])
        return spec.single if spec else True

    def _write_findings(self, diff: dict[str, KindDiff]) -> None:
        if not self.findings:
            return
        digests = {r[0] for r in self.writer.conn.execute("SELECT digest FROM finding")}
        roster = self.pack.record_roster("finding")
        d = diff.setdefault(roster.name if roster else "findings", KindDiff())
        new = []
        for finding, digest, _src in self.findings:
            d.rows += 1
            if digest in digests:
                d.unchanged += 1
                continue
            digests.add(digest)
            new.append((finding, digest))
            d.added += 1
        self.writer.insert_findings(new, batch=self.batch)


_first = itemgetter(0)


def _named_kinds(pack: Pack) -> set[str]:
    """The kinds whose display names a load keeps (others are shown by their stored name):
    persons, the organisations they belong to, the scopes of snapshots, and the parents whose
    names make a derived node's name (a village's team)."""
    named = {"person"}
    for roster in pack.rosters:
        for slot in roster.slots:
            if slot.mode == "create" and not slot.column:
                named.add(slot.kind)
                parent = roster.slot(slot.within)
                if parent is not None:
                    named.add(parent.kind)
            if slot.org and slot.org != "root" and roster.slot(slot.org):
                named.add(roster.slot(slot.org).kind)
        for group in roster.groups:
            if group.scope and group.scope != "root" and roster.slot(group.scope):
                named.add(roster.slot(group.scope).kind)
    return named


def _display(value: object) -> str:
    """A stored value as the roster wrote it: 是/否 for yes/no, a name rather than a node id."""
    if value is True or value == 1 and not isinstance(value, str):
        return "是"
    if value is False or value == 0 and not isinstance(value, str):
        return "否"
    s = text(value)
    if ":" in s and s.split(":", 1)[0].isidentifier() and s.split(":", 1)[0].isascii():
        return s.split(":", 1)[1].rsplit("/", 1)[-1]
    return _shown(s)


def _product(options: list[list[str | None]]) -> list[list[str | None]]:
    out: list[list[str | None]] = [[]]
    for opts in options:
        out = [prev + [o] for prev in out for o in opts]
    return out


def _overlap(af: str | None, at: str | None, bf: str | None, bt: str | None) -> bool:
    return (af is None or bt is None or af <= bt) and (bf is None or at is None or bf <= at)


def _person_name(person_id: str) -> str:
    return person_id.rsplit("/", 1)[-1]


def _base(path: str | None) -> str:
    return (path or "").replace("\\", "/").rsplit("/", 1)[-1] + ":" if path else ""


def _shown(value: object) -> str:
    """A cell as the roster wrote it: 是/否, masked IDs."""
    if isinstance(value, bool):
        return "是" if value else "否"
    value = text(value)
    if len(value) == 18 and value[:17].isdigit():
        return _masked_raw(value)
    return value


def _masked_raw(value: object) -> str:
    raw = text(value)
    return raw[:6] + "*" * max(0, len(raw) - 10) + raw[-4:] if len(raw) > 10 else raw


def _mask_id(value: str) -> str:
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else value


def _loads(text_: str) -> dict[str, Any]:
    return json.loads(text_) if text_ else {}


def _json(props: dict[str, Any]) -> str:
    return json.dumps(props, ensure_ascii=False, sort_keys=True) if props else "{}"


def load_files(
    store: Store,
    paths: Sequence[str],
    *,
    as_of: str | None = None,
    dry_run: bool = False,
    mode: str = "auto",
    progress: Progress | None = None,
) -> LoadResult:
    """Validate and load assignment lists and findings in one transaction.

    ``mode``: ``auto`` (a snapshot, refused when a roster would close far more than it lists),
    ``snapshot`` (the rosters are whole: close what they no longer list), ``add`` (corrections:
    add and change rows, close nothing). Raises :class:`InputError` listing every problem of
    every file; nothing is written then (nor ever, with ``dry_run``). ``progress`` is told
    of each phase (:data:`PHASES`) as the load goes.
    """
    with cyclic_gc_paused():
        return _load_files(store, paths, as_of=as_of, dry_run=dry_run, mode=mode, progress=progress)


def _load_files(store: Store, paths: Sequence[str], *, as_of: str | None, dry_run: bool, mode: str,
                progress: Progress | None) -> LoadResult:
    if mode not in MODES:
        raise ValueError(f"mode {mode!r}: one of {', '.join(MODES)}")
    if as_of:
        try:
            as_of = parse_date(as_of)
        except ValueError as err:
            raise InputError([Problem("--as-of", str(err), value=as_of)]) from None
    pack = store.rulebook.pack
    problems: list[Problem] = []
    tables: list[Table] = []
    for i, path in enumerate(paths):
        if progress:
            progress("读取", str(path), i, len(paths))
        try:
            sheets = open_file(path)
        except InputError as err:
            problems.extend(err.problems)
            continue
        found = 0
        for sheet in sheets:
            table, issues = recognise(sheet, pack)
            problems.extend(issues)
            if table is not None:
                tables.append(table)
                found += 1
        if not found and not any(p.file == str(path) for p in problems):
            problems.append(Problem(str(path), "文件中没有数据"))
    if progress:
        progress("读取", "", len(paths), len(paths))
    order = {r.name: i for i, r in enumerate(pack.rosters)}
    tables.sort(key=lambda t: order[t.kind.name])
    result = LoadResult(files=[str(p) for p in paths], tables=[], diff={}, dry_run=dry_run,
                        mode="add" if mode == "add" else "snapshot")
    # a big load's rows are written by a child process, on the other core (graph.stage)
    stager = None
    if stage.wanted(map(_rows_in, tables)):
        try:
            stager = Stager(store.path, store.meta("secret") or "")
        except (OSError, ValueError, StoreError):  # no second process here: this one writes the rows
            stager = None
    try:
        return _load_tables(store, tables, problems, result, stager, as_of=as_of, dry_run=dry_run, mode=mode,
                            progress=progress)
    finally:
        if stager:
            stager.close()


def _load_tables(store: Store, tables: list[Table], problems: list[Problem], result: LoadResult,
                 stager: Stager | None, *, as_of: str | None, dry_run: bool, mode: str,
                 progress: Progress | None) -> LoadResult:
    with store.transaction(rollback=dry_run) as w:
        batch = w.new_batch(result.files, result.mode)
        loader = _Loader(store, w, batch, as_of=as_of, mode=result.mode, forced=mode == "snapshot")
        if stager:  # smaller batches: less left for the child to write when the load finishes
            loader.stager, loader.batch_rows = stager, stage.BATCH
        loader.problems = problems
        loader._files = {t.kind.name: (t.sheet.file, t.sheet.name) for t in tables}
        unreadable = False
        tick = _rows_progress(progress, tables)
        for table in tables:
            try:
                rows = loader.table(table, tick)
            except InputError as err:  # refused cells, or a file that breaks off: raised when its stream ends
                loader.problems.extend(err.problems)
                unreadable = True
                continue
            if not table.kind.record:
                result.diff.setdefault(table.kind.name, KindDiff()).rows += rows
            result.tables.append((table.sheet.file, table.sheet.name, table.kind.name, rows, table.sheet.encoding))
        if progress:
            progress("校验", "", tick.read, tick.read)  # type: ignore[union-attr]
        if not unreadable:  # a file not read whole would be compared as if its other rows had gone
            loader.finish(result, progress)
        if loader.problems:
            raise InputError(loader.problems)
        result.scopes = {kind: sorted(ids) for kind, ids in loader.scopes.items()}
        if not result.changed:
            w.rollback = True  # nothing to write: the project file stays byte for byte as it was
        else:
            w.finish_batch(batch, {k: v.__dict__ for k, v in result.diff.items()})
            result.batch = None if dry_run else batch
        if progress:
            progress("写入", "", 0, 1)
    if progress:
        progress("写入", "", 1, 1)
    return result


class _Tick:
    """The 校验 phase's reports: rows read of (an estimate of) the rows the tables hold."""

    def __init__(self, progress: Progress, tables: list[Table]):
        self.progress = progress
        self.tables = tables
        self.total: int | None = None
        self.read = 0

    def __call__(self, label: str, rows: int) -> None:
        if self.total is None:
            self.total = sum(_rows_in(t) for t in self.tables)
        self.read += rows
        self.progress("校验", label, self.read, max(self.total, self.read))


def _rows_progress(progress: Progress | None, tables: list[Table]) -> _Tick | None:
    return _Tick(progress, tables) if progress else None


def _rows_in(table: Table) -> int:
    """About how many data rows a table holds: a CSV's lines or a sheet's height, less the header's."""
    sheet = table.sheet
    height = getattr(sheet, "height", None)
    return max(0, (height() if callable(height) else len(getattr(sheet, "rows", []))) - table.header_row)
