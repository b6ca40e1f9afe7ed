"""Batch traces: every household's chain at one date, precomputed once, then O(1) each.

For an inspection round of thousands of plans (or a province's million households), the
per-trace SQL walk of :mod:`zeren.queries.trace` costs tens of µs. A :class:`ChainIndex`
reads the store once for a date: each village's chain (its team, township, lead unit,
contact leader and county posts) is resolved once and shared by its households; a
household adds only its 帮扶责任人 and that cadre's unit leaders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..graph.rules import RolePath, parse_role_path
from .paths import Resolver

__all__ = ["ChainIndex", "IndexedLink"]


@dataclass(frozen=True, slots=True)
class IndexedLink:
    label: str
    node: str
    person: str | None


class ChainIndex:
    """``ChainIndex(store, at).chain(household_id)`` → the chain as a tuple of IndexedLink."""

    def __init__(self, store: Any, at: str):
        self.at = at
        r = Resolver(store)
        steps = [(s.get("label", s["role"]), parse_role_path(s["role"], store.rulebook.county_posts))
                 for s in store.rulebook.trace_chain]
        per_household = [(label, p) for label, p in steps if p.start == "household"]
        per_village = [(label, p) for label, p in steps if p.start != "household"]
        self.village_of: dict[str, str] = dict(store.edge_ends("LOCATED_IN", "", at, src_kind="household"))
        self.cadre_of: dict[str, str] = {hh: cadre for cadre, hh in store.edge_ends("ASSISTS", "帮扶责任人", at)}
        # A household's own part depends only on its cadre: each path household.cadre.REST is
        # resolved once per cadre as person.REST; paths household.village.REST join the village part.
        by_cadre = [(label, RolePath(p.text, "person", p.steps[1:])) for label, p in per_household
                    if p.steps and p.steps[0][0] == "cadre"]
        per_village += [(label, RolePath(p.text, "village", p.steps[1:])) for label, p in per_household
                        if p.steps and p.steps[0][0] == "village"]
        unknown = [p.text for _, p in per_household if not p.steps or p.steps[0][0] not in ("cadre", "village")]
        if unknown:
            raise ValueError(f"trace_chain paths a ChainIndex cannot share: {', '.join(unknown)}")
        self.cadre_part: dict[str, tuple[IndexedLink, ...]] = {}
        for cadre in set(self.cadre_of.values()):
            self.cadre_part[cadre] = tuple(IndexedLink(label, party.node, party.person)
                                           for label, path in by_cadre for party in r.parties(path, cadre, at))
        self.village_part: dict[str, tuple[IndexedLink, ...]] = {}
        for village in set(self.village_of.values()):
            links = []
            for label, path in per_village:
                for party in r.parties(path, village, at):
                    links.append(IndexedLink(label, party.node, party.person))
            self.village_part[village] = tuple(links)
        self._empty: tuple[IndexedLink, ...] = ()

    def __len__(self) -> int:
        return len(self.village_of)

    def chain(self, household: str) -> tuple[IndexedLink, ...]:
        """The chain of ``household`` (a node id) on the index's date; () if unknown."""
        village = self.village_of.get(household)
        if village is None:
            return self._empty
        cadre = self.cadre_of.get(household)
        return (self.cadre_part.get(cadre, self._empty) if cadre else self._empty) + self.village_part[village]

