"""Find what a user knows by a name rather than an id: a household by its 户主, a person by
name, anything by its name or id, or anyone by a whole 身份证号 (matched through the project's
keyed hash: the number itself is not stored) or by its masked form.

Each hit says what matched, where the node lies (its chain of places up to the root) and the
command that opens it (`zeren trace KIND ID`, or `zeren person NAME --unit U`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from ..graph.errors import ZerenError
from ..graph.privacy import keyed_hash, mask_id
from ..graph.schema import kind_of
from .paths import Resolver

__all__ = ["Hit", "FindResult", "find"]

_WHOLE_ID = re.compile(r"^\d{17}[\dXx]$")
_MASKED_ID = re.compile(r"^\d{6}\*{4,8}\d{3}[\dXx]$")
_SEPARATORS = re.compile(r"[\s\-\u3000]")


@dataclass
class Hit:
    kind: str  # the pack's kind (household, village …) or person
    label: str  # what the pack calls it
    id: str  # the id a roster gives it (for `zeren trace KIND ID`)
    name: str
    matched: str  # the column (or 名称/编号/姓名/身份证号) that matched
    value: str  # the matched value (a 身份证号 shown masked)
    place: str  # the places above it: 马营镇/石家洼村
    command: str  # what opens it
    node: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FindResult:
    text: str  # what was searched (masked when it was a whole 身份证号)
    hits: list[Hit] = field(default_factory=list)
    more: bool = False  # there were more hits than shown

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "hits": [h.as_dict() for h in self.hits], "more": self.more}


def find(store: Any, text: str, *, limit: int = 50) -> FindResult:
    """Every node matching ``text`` (see the module), at most ``limit``, best matches first."""
    text = text.strip()
    if not text:
        raise ZerenError("请给出要查找的内容：户主或人员姓名、编号、名称，或身份证号 (nothing to find)")
    if not hasattr(store, "search"):
        raise ZerenError("查找只在项目文件上进行（不支持 --store） (find needs the project file)")
    compact = _SEPARATORS.sub("", text)
    if _WHOLE_ID.match(compact):
        secret = store.meta("secret") or ""
        rows = store.search(compact.upper(), id_hash=keyed_hash(secret, compact.upper()), limit=limit + 1)
        shown = mask_id(compact)
    elif _MASKED_ID.match(compact):
        rows = store.search(compact.upper(), masked_id=True, limit=limit + 1)
        shown = compact
    else:
        rows = store.search(text, limit=limit + 1)
        shown = text
    r = Resolver(store)
    today = date.today().isoformat()
    hits: dict[str, Hit] = {}
    for node, name, matched, value in rows:
        if node in hits:
            continue
        hits[node] = _hit(r, node, name, matched, value, today)
    ordered = sorted(hits.values(), key=lambda h: (h.name != text and h.value != text, h.kind, h.place, h.id))
    return FindResult(shown, ordered[:limit], len(ordered) > limit)


def _hit(r: Resolver, node: str, name: str, matched: str, value: str, day: str) -> Hit:
    kind = kind_of(node)
    ident = node.split(":", 1)[1]
    if kind == "person":
        n = r.node(node)
        org = (n.props.get("org_id") if n else None) or ""
        unit = r.name(org) if org else ""
        return Hit(kind, "人员", ident, name, matched, mask_id(value) if matched == "身份证号" else value, unit,
                   f"zeren person {name}" + (f" --unit {unit}" if unit else ""), node)
    places = []
    steps = r.model.lift_path(kind, r.model.root) or []
    for parent in steps[:-1]:  # up to the root, without it
        up = r.lift(node, parent, day)
        if up:
            places.append(r.name(up))
    shown_value = mask_id(value) if matched and _is_number_column(r, kind, matched) else value
    return Hit(kind, r.rulebook.label(kind), ident, name, matched, shown_value, "/".join(reversed(places)),
               f"zeren trace {kind} {ident}", node)


def _is_number_column(r: Resolver, kind: str, column: str) -> bool:
    k = r.model.kinds.get(kind)
    return bool(k) and any(p.column == column and p.personal for p in k.props.values())
