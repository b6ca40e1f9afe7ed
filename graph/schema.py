"""The one schema of zeren's knowledge graph: node kinds, edge kinds, posts and relations.

Everything else (the SQLite store, the networkx view, the Cypher for a server store, the
rulebook validator, the role-path resolver) reads these tables; nothing restates them.

Ids are human-meaningful and stable: ``township:平襄镇``, ``village:平襄镇/张家村``,
``team:平襄镇/张家村``, ``household:622...`` (the 户编号, never the 身份证号),
``person:县交通局/王强`` (a person is known by name within the unit or township that the
roster names for them), ``post:township:平襄镇/党委书记``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "NODE_KINDS",
    "EDGE_KINDS",
    "RESPONSIBILITY_EDGES",
    "OBJECT_TYPES",
    "POSTS",
    "Relation",
    "RELATIONS",
    "PARENT",
    "FILTER_PROPS",
    "name_key",
    "node_id",
    "post_id",
    "relation",
    "lift_path",
]

#: Node kinds with their Chinese label (used in tables, diagrams and errors).
NODE_KINDS: dict[str, str] = {
    "county": "县",
    "township": "乡镇",
    "village": "村",
    "household": "户",
    "plan": "一户一策",
    "team": "驻村帮扶工作队",
    "unit": "单位",
    "body": "机构",
    "post": "职务",
    "person": "人员",
    "clause": "条款",
    "finding": "督查发现",
}

#: Edge kinds. The first three are the responsibility edges of the brief.
EDGE_KINDS: dict[str, str] = {
    "LEADS": "牵头",
    "ASSISTS": "协助",
    "SUPERVISES": "监督",
    "LOCATED_IN": "位于",
    "HOLDS": "任职",
    "MEMBER_OF": "所在单位",
    "HAS_PLAN": "一户一策",
    "CONCERNS": "涉及",
}

RESPONSIBILITY_EDGES = ("LEADS", "ASSISTS", "SUPERVISES")

#: 对象类型 of a finding → node kind.
OBJECT_TYPES: dict[str, str] = {
    "户": "household",
    "工作队": "team",
    "村": "village",
    "乡镇": "township",
    "单位": "unit",
    "干部": "person",
    "县": "county",
}

#: Posts by the kind of their owner: title → (edge kind from post to owner, single holder?).
#: County posts are named by the rulebook (``county_posts``), since county titles vary.
POSTS: dict[str, dict[str, tuple[str, bool]]] = {
    "township": {
        "党委书记": ("LEADS", True),
        "乡镇长": ("LEADS", True),
        "党建办主任": ("ASSISTS", True),
        "乡镇驻村帮扶工作队总队长": ("SUPERVISES", True),
        "县级联系乡镇领导": ("LEADS", True),
    },
    "village": {
        "包村领导": ("LEADS", True),
        "包抓县级领导": ("LEADS", False),
    },
    "team": {
        "队长": ("LEADS", True),
        "第一书记": ("LEADS", True),
        "队员": ("ASSISTS", False),
    },
    "unit": {
        "主要领导": ("LEADS", True),
        "分管领导": ("ASSISTS", True),
    },
    "county": {},
}


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


RELATIONS: dict[tuple[str, str], Relation] = {
    (r.source, r.name): r
    for r in [
        Relation("plan", "household", "household", "HAS_PLAN", "in", label="贫困户"),
        Relation("household", "village", "village", "LOCATED_IN", "out", label="所在村"),
        Relation("household", "cadre", "person", "ASSISTS", "in", "帮扶责任人", label="帮扶责任人"),
        Relation("household", "plans", "plan", "HAS_PLAN", "out", many=True, label="一户一策"),
        Relation("village", "township", "township", "LOCATED_IN", "out", label="所在乡镇"),
        Relation("village", "team", "team", "ASSISTS", "in", "驻村帮扶", label="驻村帮扶工作队"),
        Relation("village", "helping_units", "unit", "ASSISTS", "in", "帮扶单位", many=True, label="帮扶单位"),
        Relation("team", "village", "village", "ASSISTS", "out", "驻村帮扶", label="帮扶村"),
        Relation("township", "county", "county", "LOCATED_IN", "out", label="县"),
        Relation("township", "lead_unit", "unit", "SUPERVISES", "in", "组长单位", label="县直组长单位"),
        Relation("person", "unit", "unit", "MEMBER_OF", "out", label="所在单位"),
        Relation("county", "body", "body", "SUPERVISES", "in", param=True, many=True, label="县直机构"),
        Relation("unit", "villages", "village", "ASSISTS", "out", "帮扶单位", many=True, label="帮扶村"),
        Relation("person", "posts", "post", "HOLDS", "out", many=True, label="所任职务"),
        Relation("post", "team", "team", ("LEADS", "ASSISTS", "SUPERVISES"), "out", label="驻村帮扶工作队"),
    ]
    + [
        Relation(kind, "post", "post", ("LEADS", "ASSISTS", "SUPERVISES"), "in", param=True, label="职务")
        for kind in POSTS
    ]
}

#: Node properties a role path may filter on (``village[是否贫困村=是]``): the roster column a
#: user knows → (the stored property, its type). Booleans are written 是/否.
FILTER_PROPS: dict[str, dict[str, tuple[str, type]]] = {
    "village": {"是否贫困村": ("poor", bool)},
    "unit": {"层级": ("level", str)},
    "plan": {"状态": ("status", str)},
}


#: The structural parent of each kind: how an object is lifted to a wider scope.
PARENT: dict[str, str] = {
    "plan": "household",
    "household": "village",
    "team": "village",
    "village": "township",
    "township": "county",
    "person": "unit",
}


def relation(kind: str, name: str) -> Relation | None:
    """The relation ``name`` leaving a node of ``kind``, or None."""
    return RELATIONS.get((kind, name))


def lift_path(kind: str, target: str) -> list[str] | None:
    """The parent steps from ``kind`` up to ``target`` (``[]`` when equal), or None."""
    steps: list[str] = []
    while kind != target:
        parent = PARENT.get(kind)
        if parent is None:
            return None
        steps.append(parent)
        kind = parent
    return steps


_SPACE = re.compile(r"\s+")


def name_key(name: str) -> str:
    """The matching key of a name or ID: NFKC (full-width digits, brackets, the ideographic
    space), no white space. Ids are built from keys, so what a user types matches the rosters."""
    if not unicodedata.is_normalized("NFKC", name):
        name = unicodedata.normalize("NFKC", name)
    return _SPACE.sub("", name) if (" " in name or "\t" in name or "\n" in name) else name


def node_id(kind: str, *parts: str) -> str:
    """``node_id('village', '平襄镇', '张家村')`` → ``'village:平襄镇/张家村'``."""
    return f"{kind}:{'/'.join(parts)}"


def post_id(owner_id: str, title: str) -> str:
    """The id of the post ``title`` of the owner node ``owner_id``."""
    return f"post:{owner_id}/{title}"
