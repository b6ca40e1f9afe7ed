"""An offline first load: the project as CSV for ``neo4j-admin database import full``.

A push over Bolt writes through Cypher transactions into a running server (tens of thousands
of rows a second at best, see the README's Benchmark). A big graph's first load into a
self-hosted server can instead go through Neo4j's bulk importer, which writes the store files
directly while the server is stopped. :func:`write_import` writes the project in the layout a
push makes (:mod:`zeren.graph.cypher`), under a fresh push id, as header + data CSV files,
with a ``ZerenPush`` marker in state ``imported`` that holds the counts written; it returns
the ``neo4j-admin`` arguments that load them. Nothing is readable after the import until
``zeren push URI`` (:mod:`zeren.graph.bolt_push`) has created the indexes, counted what the
server holds against the marker and switched readers to it in one transaction.

The importer replaces the whole database (``--overwrite-destination``): it is for a first
load (or a deliberate reload) of a server that is stopped, never for a server in use.

CSV as the importer reads it: every string quoted (``""`` inside), so that an empty string
stays an empty string; a missing value is an empty unquoted field, which sets no property, as
a null does in a push's Cypher. Fields may hold line breaks (``--multiline-fields`` is added
when one does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from . import cypher
from .errors import StoreError

__all__ = ["ImportFiles", "write_import", "IMPORTED"]

#: The state of the marker of a push written by the importer and not yet verified.
IMPORTED = "imported"

_NODE_HEADER = ("id:ID(Node)", ":LABEL", "kind", "name", "props", "source", "sheet", "row:long", "batch:long", "push",
                "missing:boolean")
_EDGE_HEADER = (":START_ID(Node)", ":END_ID(Node)", ":TYPE", "id:long", "role", "valid_from", "valid_to", "origin",
                "scope", "props", "source", "sheet", "row:long", "batch:long")
_FINDING_HEADER = (":ID(Finding)", ":LABEL", "n:long", "date", "type", "object_type", "object_id", "object_text",
                   "inspector", "note", "props", "source", "sheet", "row:long", "batch:long", "push")
_CONCERNS_HEADER = (":START_ID(Finding)", ":END_ID(Node)", ":TYPE")
_DUTY_HEADER = (":ID(DutyRecord)", ":LABEL", "n:long", "date", "subject_id", "subject_text", "item", "object_id",
                "object_text", "days:double", "note", "props", "source", "sheet", "row:long", "batch:long", "push")
_LINK_HEADER = (":ID(PersonLink)", ":LABEL", "a", "b", "batch:long", "note", "push")
_MARKER_HEADER = (":ID(ZerenPush)", ":LABEL", "id", "state", "mode", "project", "batch:long", "meta", "batches",
                  "started", "latest", "expected")


@dataclass
class ImportFiles:
    """What :func:`write_import` wrote: the files, by importer option, and the counts."""

    directory: Path
    push_id: str
    nodes: list[str] = field(default_factory=list)  # "header.csv,data.csv", as --nodes takes them
    relationships: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    multiline: bool = False

    def args(self, database: str = "neo4j") -> list[str]:
        """The arguments of ``neo4j-admin`` that load these files into ``database``."""
        out = ["database", "import", "full", database, "--overwrite-destination=true",
               f"--report-file={self.directory / 'import.report'}"]
        if self.multiline:
            out.append("--multiline-fields=true")
        out += [f"--nodes={p}" for p in self.nodes]
        out += [f"--relationships={p}" for p in self.relationships]
        return out


class _Csv:
    """One importer file pair (``name.header.csv`` and ``name.csv``); rows of Python values."""

    def __init__(self, directory: Path, name: str, header: tuple[str, ...]):
        (directory / f"{name}.header.csv").write_text(",".join(header) + "\n", encoding="utf-8")
        self.header = directory / f"{name}.header.csv"
        self.path = directory / f"{name}.csv"
        self.out: TextIO = self.path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        self.write_line = self.out.write
        self.multiline = False
        self.rows = 0

    def write(self, values: list[Any] | tuple[Any, ...]) -> None:
        cells = []
        for v in values:
            t = type(v)
            if t is str:
                cells.append('"' + v.replace('"', '""') + '"' if '"' in v else '"' + v + '"')
            elif v is None:
                cells.append("")
            elif t is bool:
                cells.append("true" if v else "false")
            else:
                cells.append(repr(v) if t is float else str(v))
        line = ",".join(cells)
        if "\n" in line or "\r" in line:
            self.multiline = True
        self.write_line(line + "\n")
        self.rows += 1

    def close(self) -> str:
        self.out.close()
        return f"{self.header},{self.path}"


def write_import(store: Any, directory: Path) -> ImportFiles:
    """Write the project ``store`` as importer CSV into ``directory`` (created; must be empty);
    the marker records the project as a push does (its id, metadata without the secret, load
    register and last batch)."""
    from .bolt_push import _json, _meta, _new_push_id, _now, _project_id

    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise StoreError(f"{directory}: 目录不是空的 (the directory is not empty; give a new one)")
    directory.mkdir(parents=True, exist_ok=True)
    push_id = _new_push_id()
    export = store.export()
    batches = store.batches()
    last = max((b["id"] for b in batches), default=0)
    files = ImportFiles(directory.resolve(), push_id)
    nodes = _Csv(files.directory, "nodes", _NODE_HEADER)
    edges = _Csv(files.directory, "edges", _EDGE_HEADER)
    ids: set[str] = set()
    for n in export.nodes:
        p = n.provenance
        ids.add(n.id)
        nodes.write((n.id, f"Node;{cypher.label(n.kind)}", n.kind, n.name, _json(n.props), p.source, p.sheet, p.row,
                     p.batch, push_id, None))
    missing: set[str] = set()
    for e in export.edges:
        for end in (e.src, e.dst):
            if end not in ids and end not in missing:
                missing.add(end)  # an end no node defines: a node of its own, as a push makes
                nodes.write((end, "Node", end.split(":", 1)[0], None, None, None, None, None, None, push_id, True))
        p = e.provenance
        edges.write((e.src, e.dst, cypher.rel(e.kind), e.id, e.role, e.valid_from, e.valid_to, e.origin, e.scope,
                     _json(e.props), p.source, p.sheet, p.row, p.batch))
    findings = _Csv(files.directory, "findings", _FINDING_HEADER)
    concerns = _Csv(files.directory, "concerns", _CONCERNS_HEADER)
    latest = None
    for i, f in enumerate(export.findings):
        p = f.provenance
        latest = f.date if latest is None or f.date > latest else latest
        findings.write((i, "Finding", f.n, f.date, f.type, f.object_type, f.object_id, f.object_text, f.inspector,
                        f.note, _json(f.props), p.source, p.sheet, p.row, p.batch, push_id))
        if f.object_id in ids or f.object_id in missing:
            concerns.write((i, f.object_id, "CONCERNS"))
    duties = _Csv(files.directory, "duty_records", _DUTY_HEADER)
    for i, d in enumerate(export.duty_records):
        p = d.provenance
        duties.write((i, "DutyRecord", d.n, d.date, d.subject_id, d.subject_text, d.item, d.object_id, d.object_text,
                      d.days, d.note, _json(d.props), p.source, p.sheet, p.row, p.batch, push_id))
    links = _Csv(files.directory, "person_links", _LINK_HEADER)
    for i, (a, b, batch, note) in enumerate(export.person_links):
        links.write((i, "PersonLink", a, b, batch, note or "", push_id))
    files.counts = {"nodes": len(ids), "edges": edges.rows, "findings": findings.rows,
                    "duty_records": duties.rows, "person_links": links.rows}
    marker = _Csv(files.directory, "push", _MARKER_HEADER)
    marker.write((0, "ZerenPush", push_id, IMPORTED, "import", _project_id(export.meta), last, _meta(export.meta),
                  json.dumps(batches, ensure_ascii=False), _now(), latest, json.dumps(files.counts)))
    groups = (nodes, findings, duties, links, marker), (edges, concerns)
    files.multiline = any(c.multiline for group in groups for c in group)
    files.nodes = [c.close() for c in groups[0]]
    files.relationships = [c.close() for c in groups[1]]
    return files
