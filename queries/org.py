"""The organisation of a scope on a day: county posts and offices, lead units, townships
with their posts, villages with their teams and helping units, household counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..graph import schema
from ..graph.errors import NotFound
from ..graph.rules import parse_role_path
from .paths import Party, Resolver, kind_of

__all__ = ["OrgVillage", "OrgTownship", "OrgChart", "org_chart"]


@dataclass
class OrgVillage:
    id: str
    name: str
    poor: bool
    posts: list[Party]
    team: str | None
    team_posts: list[Party]
    helping_units: list[Party]
    households: int
    members: list[tuple[str, str, str | None]] = field(default_factory=list)  # (id, 户编号, 帮扶责任人)


@dataclass
class OrgTownship:
    id: str
    name: str
    posts: list[Party]
    lead_unit: list[Party]
    villages: list[OrgVillage] = field(default_factory=list)
    village_count: int = 0
    poor_villages: int = 0
    teams: int = 0
    households: int = 0


@dataclass
class OrgChart:
    at: str
    county: str
    county_id: str
    rulebook: str
    posts: list[Party]
    bodies: list[Party]
    townships: list[OrgTownship]
    detail: str  # county / township / village
    household_label: str = "户"  # what the rulebook calls a household


def _parties(r: Resolver, role: str, start: str, at: str) -> list[Party]:
    return r.parties(parse_role_path(role, r.rulebook.county_posts), start, at)


def org_chart(store: Any, at: str, *, township: str | None = None, village: str | None = None,
              detail: str | None = None, households: bool = False) -> OrgChart:
    """The org chart of the county, one township, or one village, on day ``at``.

    ``detail``: ``county`` (townships as summaries), ``township`` (one line-block per village)
    or ``village`` (teams and helping units as nodes of their own). Defaults: county for
    the whole county, township for a township, village for a village. ``households``: at
    village detail, list each household with its 帮扶责任人 instead of a count.
    """
    r = Resolver(store)
    rb = store.rulebook
    county = schema.node_id("county", rb.county)
    detail = detail or ("village" if village else "township" if township else "county")
    if detail not in ("county", "township", "village"):
        raise NotFound(f"detail {detail!r}: county, township or village")
    posts = [p for title in rb.county_posts for p in _parties(r, f"county.post({title})", county, at)]
    bodies = [Party(e.src, "", None, None, r.name(e.src)) for e in store.edges(dst=county, kinds=["SUPERVISES"])
              if kind_of(e.src) == "body"]
    tids = sorted({e.src for e in store.edges(dst=county, kinds=["LOCATED_IN"]) if kind_of(e.src) == "township"})
    if township:
        tid = schema.node_id("township", schema.name_key(township))
        if tid not in tids:
            raise NotFound(f"乡镇“{township}”不在项目中")
        tids = [tid]
    chart = OrgChart(at, rb.county, county, rb.name, posts, bodies, [], detail, rb.label("household"))
    for tid in tids:
        t = OrgTownship(tid, r.name(tid), [], _parties(r, "township.lead_unit", tid, at))
        for title in schema.POSTS["township"]:
            t.posts.extend(_parties(r, f"township.post({title})", tid, at))
        vids = sorted({e.src for e in store.edges(dst=tid, kinds=["LOCATED_IN"]) if kind_of(e.src) == "village"})
        if village:
            vids = [v for v in vids if v.endswith("/" + schema.name_key(village))]
            if not vids:
                continue
        for vid in vids:
            node = r.node(vid)
            poor = bool(node.props.get("poor")) if node else False
            count = store.count_located("household", [vid], at, at)
            team = r.resolve(parse_role_path("village.team"), vid, at)
            t.village_count += 1
            t.poor_villages += poor
            t.teams += bool(team)
            t.households += count
            if detail == "county":
                continue
            v = OrgVillage(vid, r.name(vid), poor, _parties(r, "village.post(包村领导)", vid, at) +
                           _parties(r, "village.post(包抓县级领导)", vid, at), None, [], [], count)
            if team:
                v.team = team[0].node
                for title in ("队长", "第一书记"):
                    v.team_posts.extend(_parties(r, f"village.team.post({title})", vid, at))
            v.helping_units = _parties(r, "village.helping_units", vid, at)
            if households and detail == "village":
                for e in store.edges(dst=vid, kinds=["LOCATED_IN"], at=at):
                    if kind_of(e.src) == "household":
                        cadre = r.parties(parse_role_path("household.cadre"), e.src, at)
                        v.members.append((e.src, r.name(e.src), cadre[0].person if cadre else None))
                v.members.sort()
            t.villages.append(v)
        chart.townships.append(t)
    if village and not chart.townships:
        raise NotFound(f"村“{village}”不在项目中" + (f"（{township}）" if township else ""))
    return chart
