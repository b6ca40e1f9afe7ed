"""The types every store shares, and the read interface the queries use.

:class:`ReadStore` is what :mod:`zeren.queries` may call: the embedded project file
(:class:`zeren.graph.store.Store`) and the server store (:class:`zeren.graph.bolt.BoltStore`)
both implement it, and one conformance test runs against both. :class:`Export` is what a
project file hands to a server push: every meta value, node, edge and finding, streamed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .rules import Rulebook

__all__ = ["Provenance", "Node", "Edge", "Finding", "DutyRecord", "ReadStore", "Export"]


@dataclass(slots=True)
class Provenance:
    source: str | None = None
    sheet: str | None = None
    row: int | None = None
    batch: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.source, "sheet": self.sheet, "row": self.row, "batch": self.batch}


@dataclass(slots=True)
class Node:
    id: str
    kind: str
    name: str
    props: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance)


@dataclass(slots=True)
class Edge:
    kind: str
    src: str
    dst: str
    role: str = ""
    valid_from: str | None = None
    valid_to: str | None = None
    props: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance)
    id: int | None = None
    origin: str = ""
    scope: str = ""

    def valid_at(self, day: str) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)


@dataclass(slots=True)
class Finding:
    n: int
    date: str
    type: str
    object_type: str
    object_id: str
    object_text: str
    inspector: str = ""
    note: str = ""
    props: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance)


@dataclass(slots=True)
class DutyRecord:
    """One line of a duty log (履职记录): who did which duty, when, where, for how many days."""

    n: int
    date: str
    subject_id: str
    subject_text: str
    item: str
    object_id: str | None = None
    object_text: str = ""
    days: float | None = None
    note: str = ""
    props: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance)


@runtime_checkable
class ReadStore(Protocol):
    """What queries read. Dates are ISO strings; validity bounds are inclusive, None = open."""

    path: str

    @property
    def rulebook(self) -> Rulebook: ...

    def meta(self, key: str) -> str | None: ...

    def node(self, node_id: str) -> Node | None: ...

    def nodes_by_id(self, ids: Sequence[str]) -> list[Node]: ...

    def node_ids(self, kind: str) -> set[str]: ...

    def counts(self) -> dict[str, int]: ...

    def edges(self, *, src: str | None = None, dst: str | None = None, kinds: Sequence[str] | None = None,
              role: str | None = None, at: str | None = None, origin: str | None = None,
              scope: str | None = None) -> list[Edge]: ...

    def edge_ends(self, kind: str, role: str, at: str, src_kind: str | None = None) -> list[tuple[str, str]]: ...

    def count_located(self, kind: str, village_ids: Sequence[str], date_from: str, date_to: str) -> int: ...

    def findings(self, date_from: str | None = None, date_to: str | None = None,
                 object_id: str | None = None) -> list[Finding]: ...

    def findings_within(self, village_ids: Sequence[str], township_id: str, date_from: str, date_to: str,
                        types: Sequence[str]) -> list[Finding]: ...

    def finding(self, n: int) -> Finding: ...

    def latest_finding_date(self) -> str | None: ...

    def duty_records(self, date_from: str | None = None, date_to: str | None = None,
                     items: Sequence[str] | None = None, subject_id: str | None = None) -> list[DutyRecord]: ...

    def persons(self, name: str, org: str | None = None) -> list[tuple[str, str, str | None]]: ...

    def person_links(self, ids: Sequence[str]) -> list[tuple[str, str, int | None, str]]: ...

    def close(self) -> None: ...


@dataclass
class Export:
    """A whole project, streamed for a push: meta values, then nodes, edges, findings, the duty
    log and the confirmed person links.

    Each iterator may be consumed once; counts are known up front so a push can check that
    the server holds exactly what was sent.
    """

    meta: dict[str, str]
    node_count: int
    edge_count: int
    finding_count: int
    nodes: Iterator[Node]
    edges: Iterator[Edge]
    findings: Iterator[Finding]
    duty_record_count: int = 0
    duty_records: Iterator[DutyRecord] = field(default_factory=lambda: iter(()))
    person_links: list[tuple[str, str, int | None, str]] = field(default_factory=list)  # (a, b, batch, note)
