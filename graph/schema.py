"""The engine's grammar of the knowledge graph: its own node kinds, the edge kinds, and ids.

A responsibility list's kinds of object (townships, villages, households … or rivers,
segments …), their relations and
posts are the domain pack's (:mod:`zeren.graph.pack`); the engine knows only what every list
shares: people hold posts, posts lead, assist or supervise what owns them, bodies supervise
the whole, clauses bind, findings concern objects.

Ids are human-meaningful and stable: ``<kind>:<key>``, the key built from the keys of the
roster's columns (``village:平襄镇/张家村``, ``household:622…`` — the household's id, never a
身份证号), ``person:<organisation key>/<name>``, ``post:<owner id>/<title>``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "ENGINE_KINDS",
    "EDGE_KINDS",
    "RESPONSIBILITY_EDGES",
    "name_key",
    "node_id",
    "post_id",
    "kind_of",
]

#: The engine's own node kinds (a pack adds its kinds of object).
ENGINE_KINDS: dict[str, str] = {
    "person": "人员",
    "post": "职务",
    "body": "机构",
    "clause": "条款",
}

#: The engine's edge kinds. The first three are the responsibility edges of the brief; a pack
#: may declare more (``model.edges``), named like these.
EDGE_KINDS: dict[str, str] = {
    "LEADS": "牵头",
    "ASSISTS": "协助",
    "SUPERVISES": "监督",
    "LOCATED_IN": "位于",
    "HOLDS": "任职",
    "MEMBER_OF": "所属",
    "CONCERNS": "涉及",
}

RESPONSIBILITY_EDGES = ("LEADS", "ASSISTS", "SUPERVISES")

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


def kind_of(node_id: str) -> str:
    return node_id.split(":", 1)[0]
