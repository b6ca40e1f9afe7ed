"""Row programs: a roster's clean rows staged by code generated once per table.

The generic reader (:class:`zeren.loaders.rosters._Loader`) interprets the pack for each
row, and it is the one that checks and words every problem. Most rows of a real roster are
clean and repeat the same townships, villages, units, dates and people. A row program is one
Python function written for one table: the column positions, the slots, the properties and
the fact groups of its roster are unrolled into straight-line code, and every value already
read or resolved is found again in a memo (dates, references, people), so a clean row is
staged in a few microseconds.

A program never reports anything. When a row is not plainly clean (a cell to refuse, a
reference not found, a name that differs for one identity …) it gives the row up, having
changed nothing the generic reader would not change for the same row, and the generic
reader reads that row from the start. What the two stage for a clean row is the same:
``tests/test_load_paths.py`` loads the demo county both ways and compares every table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import product
from typing import TYPE_CHECKING, Any

from ..graph import schema
from ..graph.facts import FactTable
from ..graph.keyed import KeyedHash, deferred
from ..graph.pack import Hold, Roster, Slot
from .kinds import BLANK, END, END_WORDS, Table, row_mark
from .values import MAX_NAME, key, parse_bool, parse_end_date, parse_id_number, parse_name, parse_start_date, text

if TYPE_CHECKING:
    from .rosters import _Loader

__all__ = ["compile_program", "id_hash", "name_ok", "SPLIT", "GiveUp"]

#: What separates several values in one cell (“甲、乙”: several places named in one cell).
SPLIT = re.compile(r"[、,，;；/\s]+")
_BAIL = object()  # a step gives the row up
_MISS = object()
_MEMO_MAX = 200_000  # entries a memo keeps before it starts again (bounded memory)


# -- the keyed hash and the check digit ------------------------------------------------------
_HMACS: dict[str, KeyedHash] = {}


def id_hasher(secret: str) -> KeyedHash:
    h = _HMACS.get(secret)
    if h is None:
        _HMACS.clear()
        h = _HMACS[secret] = KeyedHash(secret)
    return h


def id_hash(secret: str, number: str) -> str:
    """The keyed hash of a 身份证号: :func:`zeren.graph.privacy.keyed_hash`'s digest, from
    precomputed key states."""
    return id_hasher(secret)(number)


_CHECK = "10X98765432"


def _check_index(first17: str) -> int:
    """The index of a 身份证号's check character in ``_CHECK``: GB 11643 weighs digit i (from
    the left, 0-16) by 2^(17-i) mod 11, and 13 ≡ 2 (mod 11), so the weighted sum mod 11 is
    twice the digits read as a base-13 number: one int() instead of seventeen products."""
    return 2 * int(first17, 13) % 11


def _id_number() -> Callable[[object], str | None | object]:
    """A 身份证号 cell → the number (GB 11643), None when empty, _BAIL when the parser refuses it."""

    def read(raw: object) -> Any:
        if type(raw) is str and len(raw) == 18 and raw.isascii() and raw[:17].isdigit():
            x = raw[17]
            if x == "x":
                x = "X"
            if _CHECK[_check_index(raw[:17])] == x:
                return raw if raw[17] != "x" else raw[:17] + "X"
        if raw is None or text(raw) == "":
            return None
        try:
            return parse_id_number(raw)
        except ValueError:
            return _BAIL

    return read


def _mask(number: str) -> str:
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else number


def name_ok(name: str) -> bool:
    """Whether a trimmed name or id passes :func:`parse_name` (printable text of at most
    MAX_NAME characters passes at once; anything else is asked)."""
    if len(name) <= MAX_NAME and name.isprintable() and "\ufffd" not in name:
        return True
    try:
        parse_name(name)
    except ValueError:
        return False
    return True


def _name(value: str) -> str:
    """A name cell as the generic reader trims it."""
    return value.strip().replace("\u3000", " ").strip()


def _key(name: str) -> str:
    """:func:`key` of a trimmed name; plain ASCII letters and digits are their own key."""
    return name if name.isascii() and name.isalnum() else key(name)


# -- the generator ---------------------------------------------------------------------------
class GiveUp(Exception):
    """A row program gives a row to the generic reader."""


def compile_program(loader: "_Loader", table: Table, src_id: int, groups: list[FactTable]
                    ) -> Callable[..., int] | None:
    """The program of ``table``: ``load(rows, generic, progress, label)`` stages every row it
    can, calls ``generic(row, cells)`` for the others (True when that row counts), and
    returns the number of rows read. None when the roster has a shape programs do not cover
    (every row is then read generically)."""
    roster = table.kind
    if any(s.mode == "person" and s.within for s in roster.slots):
        return None
    return _Program(loader, table, src_id, groups).build()


class _Program:
    def __init__(self, loader: "_Loader", table: Table, src_id: int, groups: list[FactTable]):
        self.loader = loader
        self.table = table
        self.roster: Roster = table.kind
        self.src_id = src_id
        self.groups = groups
        self.cols = {name: c for c, name in table.columns}
        self.width = 1 + max([c for c, _ in table.columns] + [c for c, _ in table.extra_columns], default=-1)
        self.pos = {s.name: i for i, s in enumerate(self.roster.slots)}
        self.text_cells = getattr(table.sheet, "encoding", "") != "xlsx"  # CSV: every cell is text
        self.reads_absent = False
        self.ns: dict[str, Any] = {"text": text, "MISS": _MISS, "GiveUp": GiveUp, "BLANK": BLANK, "END": END,
                                   "END_WORDS": END_WORDS, "row_mark": row_mark, "product": product,
                                   "ROOT": loader.root, "SRC": src_id}
        self.lines: list[str] = []
        self.depth = 3  # the row's code sits in: def / for / try

    # -- helpers ---------------------------------------------------------------------------
    def at(self, column: str) -> int:
        """The cell index of a column; a column the table lacks reads the None each row then ends with."""
        if column in self.cols:
            return self.cols[column]
        self.reads_absent = True
        return self.width

    def present(self, column: str) -> bool:
        return column in self.cols

    def may_be_empty(self, slot_name: str) -> bool:
        """Whether a slot's variable may hold None: an optional slot, or one derived from such."""
        slot = self.roster.slot(slot_name)
        if slot is None:
            return True
        if slot.mode == "create" and not slot.column:
            return self.may_be_empty(slot.within)
        return slot.optional

    def const(self, name: str, value: Any) -> str:
        self.ns[name] = value
        return name

    def emit(self, depth: int, *lines: str) -> None:
        self.lines.extend("    " * (self.depth + depth - 1) + line for line in lines)

    def cell(self, column: str, var: str = "c") -> None:
        """``c = cells[i]``, as text (a workbook's numbers and dates are read as text; a column
        the table lacks reads as empty)."""
        if not self.present(column):
            self.emit(1, f"{var} = ''")
            return
        self.emit(1, f"{var} = cells[{self.at(column)}]")
        if not self.text_cells:
            self.emit(1, f"if type({var}) is not str: {var} = text({var})")

    # -- the function ----------------------------------------------------------------------
    def build(self) -> Callable[..., int]:
        roster = self.roster
        e = self.emit
        if roster.valid is None and all(s.optional or not s.column for s in roster.slots):
            # A row whose columns are all empty is skipped (elsewhere a required cell refuses it).
            self.const("MAPPED", [c for c, _ in self.table.columns])
            e(1, "if not any(text(cells[c]) for c in MAPPED): raise GiveUp")
        if roster.valid:
            self.dates()
        else:
            e(1, "vf = vt = None")
        for i, slot in enumerate(roster.slots):
            self.slot(i, slot)
        for gi, t in enumerate(self.groups):
            if t.group.node:
                self.props(gi, t)
        for i, slot in enumerate(roster.slots):
            if slot.mode == "person" and slot.props:
                pairs = ", ".join(f"{p!r}: text(cells[{self.at(c)}])" for p, c in slot.props.items())
                self.const("PERSON_PROPS", self.loader._person_props)
                e(1, f"if s{i}: PERSON_PROPS[s{i}] = {{{pairs}}}")
        # A post title may still refuse the row: then nothing is staged before every group is built.
        self.two_phase = any(h.post_from for t in self.groups for h in t.holds)
        for gi, t in enumerate(self.groups):
            self.group(gi, t)
        if self.two_phase:
            for gi, t in enumerate(self.groups):
                self.commit(gi, t)
        body, self.lines = self.lines, []
        self.head()
        self.lines.extend(body)
        self.depth = 1
        e(2, "except GiveUp:", "    if not generic(r, cells): continue", "count += 1",
          "if not count % 20000 and progress: progress(label, 20000)")
        e(1, "return count")
        source = "\n".join(self.lines)
        code = compile(source, f"<row program {roster.key} {self.table.sheet.file}>", "exec")
        exec(code, self.ns)
        # Taken out of its namespace, so that the two do not hold each other: the program, its
        # memos and the loader they reach are freed when the table is read, not left to the
        # cycle collector (paused while a load runs).
        load = self.ns.pop("load")
        load.source = source  # type: ignore[attr-defined]  # for reading when something goes wrong
        return load

    def head(self) -> None:
        """The loop, blank rows and the 合计/填表人 row that ends the data (decided on the first
        cell when it is plainly data), and the row's cells padded to the table's width."""
        w = self.width
        self.depth = 1
        e = self.emit
        e(0, "def load(rows, generic, progress, label):")
        e(1, "count = 0", "for r, cells in rows:", "    try:")
        self.depth = 3
        if self.text_cells:
            e(1, "if not cells or not (c := cells[0]) or c[0].isspace() or c.startswith(END_WORDS):")
        else:
            e(1, "c = cells[0] if cells else None",
              "if c is None or (type(c) is str and (not c or c[0].isspace() or c.startswith(END_WORDS))):")
        e(1, "    mark = row_mark(cells)", "    if mark is BLANK: continue", "    if mark is END: break")
        if self.reads_absent:
            self.const("TAIL", [None])
            self.const("PADS", [[""] * (w - n) + [None] for n in range(w + 1)])
            e(1, "n = len(cells)", f"if n >= {w}: cells[{w}:] = TAIL", "else: cells += PADS[n]")
        else:
            self.const("PADS", [[""] * (w - n) for n in range(w + 1)])
            e(1, f"if len(cells) < {w}: cells += PADS[len(cells)]")

    def dates(self) -> None:
        start, end = self.roster.valid
        # 起始日期 and 终止日期 read the same text differently (9999-12-31: refused, open): a memo each
        for var, column, parse in (("vf", start, parse_start_date), ("vt", end, parse_end_date)):
            memo: dict[str, Any] = {}
            self.const(f"DM_{var}", memo)
            self.const(f"DATE_{var}", _date_reader(memo, parse))
            self.emit(1, f"c = cells[{self.at(column)}]",
                      f"{var} = DM_{var}.get(c, MISS)" if self.text_cells else
                      f"{var} = DM_{var}.get(c, MISS) if type(c) is str else MISS",
                      f"if {var} is MISS: {var} = DATE_{var}(c)")
        self.emit(1, "if vf is None or (vt is not None and vt < vf): raise GiveUp")

    # -- slots -----------------------------------------------------------------------------
    def slot(self, i: int, slot: Slot) -> None:
        e = self.emit
        kinds = self.loader.model.kinds
        parent = f"s{self.pos[slot.within]}" if slot.within else "None"
        if slot.mode == "create" and not slot.column:  # derived from its parent (a village's team)
            self.const(f"F{i}", _derived(self.loader, slot))
            e(1, f"s{i}, n{i} = F{i}({parent})")
            return
        self.cell(slot.column)
        if slot.mode == "person":
            org = "ROOT" if slot.org == "root" else f"s{self.pos[slot.org]}"
            memo: dict[Any, str] = {}
            self.const(f"M{i}", memo)
            identity = [(self.at(c), typ) for c, typ in slot.identity if self.present(c)]
            self.const(f"F{i}", _person(self.loader, slot, identity, memo, self.src_id))
            if not any(self.present(c) for c, _ in slot.identity):
                e(1, f"s{i} = M{i}.get((c, {org}))", f"if s{i} is None: s{i} = F{i}(c, {org}, cells, r)")
            else:
                e(1, f"s{i} = F{i}(c, {org}, cells, r)")
            return
        if slot.many:
            self.const(f"F{i}", _many(self.loader, slot))
            e(1, f"s{i} = F{i}(c, {parent})")
            return
        # A plain code (an ASCII code of letters and digits) is its own name and key.
        plain = not slot.vocabulary and not (kinds[slot.kind].id_within_parent and slot.within)
        plain_if = f"c.isascii() and c.isalnum() and len(c) <= {MAX_NAME}" + \
            (f" and {parent} is not None" if slot.within else "")
        prefix = repr(slot.kind + ":")
        named = slot.kind in self.loader.named
        if named:
            self.const("NAMES", self.loader.names)
        if slot.mode == "create":
            self.const(f"F{i}", _create(self.loader, slot))
            if plain:
                self.const(f"K{i}", self.loader.known(slot.kind).add)
                e(1, f"if {plain_if}:", f"    n{i} = c", f"    s{i} = {prefix} + c", f"    K{i}(s{i})")
                if named:
                    e(1, f"    NAMES[s{i}] = c")
                e(1, f"else: s{i}, n{i} = F{i}(c, {parent})")
            else:
                e(1, f"s{i}, n{i} = F{i}(c, {parent})")
            return
        memo = {}
        self.const(f"M{i}", memo)
        self.const(f"F{i}", _ref(self.loader, slot, memo))
        lookup = f"(c, {parent})" if slot.within else "c"
        if plain and not named:  # codes, each seen about once (a row's own code): no memo to ask
            self.const(f"K{i}", self.loader.known(slot.kind))
            e(1, f"if {plain_if}:", f"    s{i} = {prefix} + c", f"    if s{i} not in K{i}: raise GiveUp",
              "else:", f"    s{i} = M{i}.get({lookup})", f"    if s{i} is None: s{i} = F{i}(c, {parent})")
        else:  # names that repeat (乡镇, 村, 单位): the memo first
            e(1, f"s{i} = M{i}.get({lookup})", f"if s{i} is None: s{i} = F{i}(c, {parent})")

    # -- the created node's properties -----------------------------------------------------------
    def props(self, gi: int, t: FactTable) -> None:
        e = self.emit
        hashes = []
        extra = self.table.extra_columns
        numbers = [p for p in t.props if p.type == "id_number" and self.present(p.column)]
        # the extras are one number's hash alone, written out here (a name that needs no escaping)
        hash_only = not extra and len(numbers) == 1 and numbers[0].name.isidentifier() and numbers[0].name.isascii()
        # a plain number's masking and hashing left to the writer (graph.keyed) when a writer
        # process takes the rows
        defer = hash_only and self.loader.stager is not None and self.loader.stager.ready()
        for k, prop in enumerate(t.props):
            var = f"v{gi}_{k}"
            if not self.present(prop.column):
                e(1, f"{var} = {self.const(f'D{gi}_{k}', prop.default)}")
                continue
            e(1, f"c = cells[{self.at(prop.column)}]")
            if prop.type == "text":
                if self.text_cells:
                    e(1, f"{var} = c.strip()", f"if '\\u3000' in {var}: {var} = {var}.replace('\\u3000', ' ')")
                else:
                    e(1, "if type(c) is str:", f"    {var} = c.strip()",
                      f"    if '\\u3000' in {var}: {var} = {var}.replace('\\u3000', ' ')", f"else: {var} = text(c)")
                e(1, f"if not {var}: " + ("raise GiveUp" if prop.required else
                                          f"{var} = {self.const(f'D{gi}_{k}', prop.default)}"))
            elif prop.type == "id_number":
                self.id_number(gi, k, var, prop, defer)
                hashes.append((prop.name, f"h{gi}_{k}"))
            else:
                memo: dict[str, Any] = {}
                self.const(f"P{gi}_{k}", _prop(prop, memo))
                self.const(f"PM{gi}_{k}", memo)
                e(1, f"{var} = PM{gi}_{k}.get(c, MISS)" if self.text_cells else
                  f"{var} = PM{gi}_{k}.get(c, MISS) if type(c) is str else MISS",
                  f"if {var} is MISS: {var} = P{gi}_{k}(c)")
        if not extra and not hashes:
            e(1, f"x{gi} = None")
        elif defer:
            pass  # x<gi> set with the number
        elif hash_only:
            name, h = hashes[0]
            # json.dumps({"<name>_hash": h}, ensure_ascii=False, sort_keys=True): a hex digest needs no escaping
            self.const(f"XA{gi}", '{"' + name + '_hash": "')
            e(1, f"x{gi} = XA{gi} + {h} + '\"}}' if {h} else None")
        else:
            self.const(f"X{gi}", _extras(extra))
            e(1, f"x{gi} = X{gi}(cells, ({', '.join(f'({n!r}, {h})' for n, h in hashes)}{',' if hashes else ''}))")

    def id_number(self, gi: int, k: int, var: str, prop: Any, defer: bool) -> None:
        """A 身份证号: a plain 18-digit number is checked (:func:`_check_index`) and masked and
        hashed right here, or (``defer``) staged as it is, for the writer to mask and hash
        (:mod:`zeren.graph.keyed`); anything else by :func:`_id_prop`."""
        e = self.emit
        self.const(f"P{gi}_{k}", _id_prop(self.loader, prop))
        if "INNER" not in self.ns:
            h = id_hasher(self.loader._secret)
            for name, value in (("IDCHECK", _CHECK), ("INNER", h.inner), ("OUTER", h.outer)):
                self.const(name, value)
        plain = "len(c) == 18 and c.isascii() and c[:17].isdigit()"
        e(1, f"if {plain if self.text_cells else 'type(c) is str and ' + plain}:",
          "    if IDCHECK[2 * int(c[:17], 13) % 11] != c[17]: raise GiveUp")
        if defer:
            self.const(f"XD{gi}", deferred(prop.name))
            self.const(f"XA{gi}", '{"' + prop.name + '_hash": "')
            e(1, f"    {var} = c", f"    x{gi} = XD{gi}", "else:", f"    {var}, h{gi}_{k} = P{gi}_{k}(c)",
              f"    x{gi} = XA{gi} + h{gi}_{k} + '\"}}' if h{gi}_{k} else None")
            return
        e(1, "    i_ = INNER.copy()", "    i_.update(c.encode())", "    o_ = OUTER.copy()", "    o_.update(i_.digest())",
          f"    h{gi}_{k} = o_.hexdigest()[:32]", f"    {var} = c[:6] + '********' + c[14:]",
          f"else: {var}, h{gi}_{k} = P{gi}_{k}(c)")

    # -- fact groups -----------------------------------------------------------------------------
    def group(self, gi: int, t: FactTable) -> None:
        """Stage a group's rows (or, when a title may still refuse the row, compute them into
        R<gi> and the scope into C<gi>, staged by :meth:`commit` once every group is built)."""
        g, e, pos = t.group, self.emit, self.pos
        expands = bool(g.each)
        two = self.two_phase
        self.const(f"B{gi}", self.loader.staged.setdefault(t.name, []))
        self.const(f"T{gi}", t)
        self.const("FLUSH", self.loader.flush)
        self.const("LIMIT", self.loader.batch_rows)
        if g.scope:
            self.const(f"SC{gi}", self.loader.scopes.setdefault(self.roster.name, set()))
        if two:
            e(1, f"R{gi} = {'[]' if expands else 'None'}", f"C{gi} = None")
        depth = 1
        if g.scope:
            e(depth, f"scope = {'ROOT' if g.scope == 'root' else f's{pos[g.scope]}'}")
            if g.scope != "root" and self.may_be_empty(g.scope):
                e(depth, "if scope is not None:")
                depth += 1
            if self.roster.valid:  # the roster lists this scope: its date there is its latest start
                self.const(f"SD{gi}", self.loader.scope_dates.setdefault(self.roster.name, {}))
                self.const(f"GS{gi}", self.loader.group_scopes.setdefault(t.name, set()))
                e(depth, f"if SD{gi}.get(scope, '') < vf: SD{gi}[scope] = vf", f"GS{gi}.add(scope)")
        else:
            e(depth, "scope = None")
        if g.node and self.may_be_empty(g.node):
            e(depth, f"if s{pos[g.node]} is not None:")
            depth += 1
        if g.node:
            name = f"n{pos[g.node]}"
            values = [f"v{gi}_{k}" for k in range(len(t.props))]
            extras = f"x{gi}"
        else:
            name, values, extras = "None", [], "None"

        def var(slot: str) -> str:
            if slot == "root":
                return "ROOT"
            return "each" if g.each and slot == g.each else f"s{pos[slot]}"

        base = depth
        if g.each and g.each != "post":
            e(depth, f"for each in (s{pos[g.each]} or ()):")
            depth += 1
        for j, h in enumerate(t.holds):
            self.const(f"H{gi}_{j}", _hold(self.loader, h, self.at, self.src_id))
            e(depth, f"p{j} = H{gi}_{j}({var(h.of)}, {var(h.person)}, cells, r)")
        slots = [var(s) for s in t.slots]
        keys = [f"({var(s)} or '')" if s == g.each or self.may_be_empty(s) else var(s) for s in g.key]
        if g.each == "post":
            e(depth, f"for posts in product({', '.join(f'p{j}' for j in range(len(t.holds)))}):",
              "    if not any(posts): continue")
            depth += 1
            key_text = f"'|'.join(({', '.join(keys)}, *(p or '' for p in posts)))"
            stated = ", ".join([name, *slots, *values, "*posts"])
        else:
            key_text = keys[0] if len(keys) == 1 else f"'|'.join(({', '.join(keys)},))"
            stated = ", ".join([name, *slots, *values, *(f"p{j}[0]" for j in range(len(t.holds)))])
        carried = t.carried  # (the columns every row holds alike are written by the INSERT)
        row = "(" + ", ".join((["scope"] if "scope" in carried else []) + [key_text, stated, extras]
                              + (["vf", "vt"] if "valid_from" in carried else []) + ["SRC", "r"]) + ")"
        if two:
            e(depth, f"R{gi}.append({row})" if expands else f"R{gi} = {row}")
            if g.scope:
                e(base, f"C{gi} = scope")
            return
        e(depth, f"B{gi}.append({row})")
        if expands:
            depth = base
        e(depth, f"if len(B{gi}) >= LIMIT: FLUSH(T{gi})")
        if g.scope:
            e(base, f"if scope: SC{gi}.add(scope)")

    def commit(self, gi: int, t: FactTable) -> None:
        e = self.emit
        if t.group.each:
            e(1, f"if R{gi}:", f"    B{gi}.extend(R{gi})")
        else:
            e(1, f"if R{gi} is not None:", f"    B{gi}.append(R{gi})")
        e(2, f"if len(B{gi}) >= LIMIT: FLUSH(T{gi})")
        if t.group.scope:
            e(1, f"if C{gi}: SC{gi}.add(C{gi})")


# -- the steps a program calls for what is not in a memo --------------------------------------
def _date_reader(memo: dict[str, Any], parse: Callable[[object], str | None]) -> Callable[[object], Any]:
    """A date cell → ISO date, None when empty (text remembered); GiveUp when ``parse`` refuses it."""

    def read(raw: object) -> Any:
        try:
            value = parse(raw)
        except ValueError:
            raise GiveUp from None
        if type(raw) is str:
            if len(memo) > _MEMO_MAX:
                memo.clear()
            memo[raw] = value
        return value

    return read


def _derived(loader: "_Loader", slot: Slot) -> Callable[[str | None], tuple[str | None, str | None]]:
    """A node one per parent (a village's team): its id and its name from the template."""
    template = loader.model.kinds[slot.kind].name_template
    known = loader.known(slot.kind)
    named = slot.kind in loader.named
    names = loader.names
    prefix = slot.kind + ":"

    def derive(parent: str | None) -> tuple[str | None, str | None]:
        if parent is None:
            return None, None
        nid = prefix + parent.split(":", 1)[1]
        name = template.format(parent=names.get(parent, parent.split("/")[-1]))
        if named:
            names[nid] = name
        known.add(nid)
        return nid, name

    return derive


def _node_id(kind: str, within_parent: bool) -> Callable[[str, str | None], str]:
    prefix = kind + ":"

    def node_id(name: str, parent: str | None) -> str:
        if within_parent and parent:
            return prefix + parent.split(":", 1)[1] + "/" + _key(name)
        return prefix + _key(name)

    return node_id


def _slot_parts(loader: "_Loader", slot: Slot) -> tuple[Callable[[str, str | None], str], set[str], bool,
                                                          dict[str, str], set[str] | None]:
    """What a slot's creating or referring function closes over: its id maker, the ids known of
    its kind, whether names are kept for the kind, the names, the vocabulary's keys (or None)."""
    return (_node_id(slot.kind, loader.model.kinds[slot.kind].id_within_parent), loader.known(slot.kind),
            slot.kind in loader.named, loader.names,
            {key(u) for u in getattr(loader.rb, slot.vocabulary)} if slot.vocabulary else None)


def _create(loader: "_Loader", slot: Slot) -> Callable[[str, str | None], Any]:
    node_id, known, named, names, allowed = _slot_parts(loader, slot)

    def create(value: str, parent: str | None) -> Any:
        name = _name(value)
        if not name or (slot.within and parent is None):
            if slot.optional:
                return None, None
            raise GiveUp
        if (allowed is not None and _key(name) not in allowed) or not name_ok(name):
            raise GiveUp
        nid = node_id(name, parent)
        known.add(nid)
        if named:
            names[nid] = name
        return nid, name

    return create


def _ref(loader: "_Loader", slot: Slot, memo: dict[Any, str]) -> Callable[[str, str | None], Any]:
    node_id, known, named, names, allowed = _slot_parts(loader, slot)

    def ref(value: str, parent: str | None) -> Any:
        name = _name(value)
        if not name or (slot.within and parent is None):
            if slot.optional:
                return None
            raise GiveUp
        nid = node_id(name, parent)
        if (allowed is not None and _key(name) not in allowed) or nid not in known or not name_ok(name):
            raise GiveUp
        if named:
            names.setdefault(nid, name)
        if len(memo) > _MEMO_MAX:
            memo.clear()
        memo[(value, parent) if slot.within else value] = nid
        return nid

    return ref


def _many(loader: "_Loader", slot: Slot) -> Callable[[str, str | None], Any]:
    node_id = _node_id(slot.kind, loader.model.kinds[slot.kind].id_within_parent)
    known = loader.known(slot.kind)

    def many(value: str, parent: str | None) -> Any:
        name = _name(value)
        if not name or (slot.within and parent is None):
            if slot.optional:
                return None
            raise GiveUp
        out = []
        for v in SPLIT.split(name):
            if v:
                nid = node_id(v, parent)
                if nid not in known or not name_ok(v):
                    raise GiveUp
                out.append(nid)
        return out

    return many


def _person(loader: "_Loader", slot: Slot, identity: list[tuple[int, str]], memo: dict[Any, str], src_id: int
            ) -> Callable[[str, str | None, list[Any], int], Any]:
    """A person: by identity (干部编号, or the keyed hash of a 身份证号: the identity columns
    the table has) across rosters, else by name within the organisation."""
    persons = loader.persons
    known = loader.known("person")
    names = loader.names
    secret = loader._secret
    read_id = _id_number()

    def person(value: str, org: str | None, cells: list[Any], r: int) -> Any:
        ident = None
        for c, typ in identity:
            cell = cells[c]
            if cell is None or text(cell) == "":
                continue
            if typ == "code":
                code = text(cell)
                if not name_ok(code):
                    raise GiveUp
                ident = "#" + key(code)
            else:
                number = read_id(cell)
                if number is _BAIL:
                    raise GiveUp
                ident = "#h" + id_hash(secret, number)[:16]
            break
        if ident is None:
            found = memo.get((value, org))
            if found is not None:
                return found
        name = _name(value)
        if not name:
            if slot.optional:
                return None
            raise GiveUp
        if org is None or not name_ok(name):
            raise GiveUp
        pid = "person:" + ident if ident else schema.node_id("person", org.split(":", 1)[1], key(name))
        names[pid] = name
        if ident is None:
            if len(memo) > _MEMO_MAX:
                memo.clear()
            memo[(value, org)] = pid
        if pid not in persons and pid not in known:
            persons[pid] = (pid, name, org, src_id, r)
            known.add(pid)
        elif ident and pid in persons and key(persons[pid][1]) != key(name):
            raise GiveUp
        return pid

    return person


def _id_prop(loader: "_Loader", prop: Any) -> Callable[[object], Any]:
    """A 身份证号 property: (masked number, keyed hash), or the default when empty."""
    read_id = _id_number()
    secret = loader._secret
    empty = (prop.default, None)

    def read(raw: object) -> Any:
        number = read_id(raw)
        if number is _BAIL or (number is None and prop.required):
            raise GiveUp
        if number is None:
            return empty
        return _mask(number), id_hash(secret, number)

    return read


def _prop(prop: Any, memo: dict[str, Any]) -> Callable[[object], Any]:
    """Any other property: the default when empty (False for an empty yes/no cell); the
    values of text cells are remembered in ``memo``."""
    empty = False if prop.type == "bool" else prop.default
    parse = {"bool": parse_bool, "date": parse_start_date, "int": lambda raw: int(text(raw))}.get(prop.type, text)

    def read(raw: object) -> Any:
        if type(raw) is str:
            found = memo.get(raw, _MISS)
            if found is not _MISS:
                return found
        if raw is None or text(raw) == "":
            if prop.required:
                raise GiveUp
            if type(raw) is str:
                memo[raw] = empty
            return empty
        try:
            value = parse(raw)
        except ValueError:
            raise GiveUp from None
        if type(raw) is str and len(memo) < 10_000:
            memo[raw] = value
        return value

    return read


def _extras(extra: list[tuple[int, str]]) -> Callable[[list[Any], tuple[tuple[str, str | None], ...]], str | None]:
    """The extras column of a row: the roster's other columns, and the keyed hash of each 身份证号."""
    from .rosters import _json

    def extras(cells: list[Any], hashes: tuple[tuple[str, str | None], ...]) -> str | None:
        out: dict[str, str] = {}
        for c, header in extra:
            value = text(cells[c])
            if value:
                out[header] = value
        for name, h in hashes:
            if h:
                out[f"{name}_hash"] = h
        return _json(out) if out else None

    return extras


def _hold(loader: "_Loader", h: Hold, at: Callable[[str], int], src_id: int
          ) -> Callable[[str | None, str | None, list[Any], int], Any]:
    """The post ids a row's hold names (``[None]`` when it holds none); GiveUp for a refused title."""
    column = at(h.post_from.column) if h.post_from else None
    titles_memo: dict[tuple[str, str], list[str] | None] = {}
    post = loader.post_id

    def hold(owner: str | None, person: str | None, cells: list[Any], r: int) -> Any:
        if owner is None or person is None:
            return [None]
        if h.post:
            titles = [h.post]
        else:
            raw = cells[column]
            memo_key = (raw if type(raw) is str else text(raw), owner.split(":", 1)[0])
            titles = titles_memo.get(memo_key, _MISS)
            if titles is _MISS:
                titles = titles_memo[memo_key] = loader.titles_of(h, memo_key[1], raw)
            if titles is None:
                raise GiveUp
        return [post(owner, title, src_id, r) for title in titles] or [None]

    return hold
