"""Gaps on a date: what the rosters leave uncovered, found on the networkx view.

A vacant one-holder post, a poor village without a team or a helping unit, a registered
household without a 帮扶责任人, a township without a lead unit: each would leave a trace
with a hole in it, so clerks fix them before an inspection does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..graph import schema
from ..graph.netx import to_networkx

__all__ = ["Gap", "gaps"]


@dataclass
class Gap:
    kind: str  # 职务空缺 / 贫困村无工作队 / 贫困村无帮扶单位 / 贫困户无帮扶责任人 / 乡镇无组长单位
    scope: str  # the township
    object: str  # what is uncovered
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


def gaps(store: Any, at: str, *, township: str | None = None) -> list[Gap]:
    """Every gap on ``at``, sorted by township; ``township`` keeps one township's."""
    g = to_networkx(store, at, findings=False)
    out: list[Gap] = []

    def township_of(node: str) -> str:
        seen = node
        while True:
            kind = g.nodes[seen].get("kind") if seen in g else None
            if kind == "township":
                return g.nodes[seen]["name"]
            up = [v for _, v, d in g.out_edges(seen, data=True) if d["kind"] in ("LOCATED_IN", "ASSISTS")
                  and g.nodes.get(v, {}).get("kind") in ("village", "township")]
            if not up:
                return ""
            seen = up[0]

    incoming = {n: [(u, d) for u, _, d in g.in_edges(n, data=True)] for n in g.nodes}
    for node, data in g.nodes(data=True):
        kind = data.get("kind")
        if kind == "post":
            owner = data.get("owner", "")
            owner_kind = owner.split(":", 1)[0]
            single = owner_kind == "county" or schema.POSTS.get(owner_kind, {}).get(data["name"], ("", False))[1]
            if single and _active(g, owner) and not any(d["kind"] == "HOLDS" for _, d in incoming[node]):
                out.append(Gap("职务空缺", township_of(owner) if owner_kind != "county" else "",
                               f"{g.nodes[owner]['name'] if owner in g else owner} {data['name']}", "该日无人在职"))
        elif kind == "village" and data.get("poor"):
            helpers = [d for _, d in incoming[node] if d["kind"] == "ASSISTS"]
            if not any(d["role"] == "驻村帮扶" for d in helpers):
                out.append(Gap("贫困村无工作队", township_of(node), data["name"]))
            if not any(d["role"] == "帮扶单位" for d in helpers):
                out.append(Gap("贫困村无帮扶单位", township_of(node), data["name"]))
        elif kind == "household":
            located = [v for _, v, d in g.out_edges(node, data=True) if d["kind"] == "LOCATED_IN"]
            if located and not any(d["kind"] == "ASSISTS" and d["role"] == "帮扶责任人" for _, d in incoming[node]):
                out.append(Gap("贫困户无帮扶责任人", township_of(node), data["name"]))
        elif kind == "township":
            if not any(d["kind"] == "SUPERVISES" and d["role"] == "组长单位" for _, d in incoming[node]):
                out.append(Gap("乡镇无组长单位", data["name"], data["name"]))
    if township:
        out = [x for x in out if x.scope == township]
    return sorted(out, key=lambda x: (x.scope, x.kind, x.object))


def _active(g: Any, owner: str) -> bool:
    """Whether a post's owner works on the view's date: a team or unit must be helping."""
    if owner not in g:
        return False
    kind = g.nodes[owner].get("kind")
    if kind in ("team", "unit"):
        return any(d["kind"] in ("ASSISTS", "SUPERVISES") and d["role"] in ("驻村帮扶", "帮扶单位", "组长单位")
                   for _, _, d in g.out_edges(owner, data=True))
    return True
