"""GraphML of a diagram, for hand editing in yEd (or Gephi, Cytoscape …).

The diagram is read back from its DOT text (what ``graphviz.Digraph`` wrote): each node with
its label as plain text, shape and colours, and the frame (cluster) it sits in; each visible
edge with its label and style. networkx (imported here, when used) writes the file. yEd
shows a GraphML ``label`` through Edit → Properties Mapper (node/edge ``label`` → label text);
Layout → Hierarchical arranges it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphviz

__all__ = ["diagram_graph", "write_graphml"]

_TOKEN = re.compile(r'\s*(?:(->|--)|([{}\[\];,=])|("(?:[^"\\]|\\.)*")|([A-Za-z0-9_.\-#]+)|(<))', re.S)
_NODE_KEYS = ("shape", "style", "fillcolor", "color", "URL")
_EDGE_KEYS = ("style", "color")


def diagram_graph(graph: graphviz.Digraph) -> Any:
    """The diagram as a networkx ``DiGraph``: nodes and edges with ``label`` (plain text, lines
    split by newlines), the drawing attributes, and ``group`` (the frames around a node)."""
    import networkx as nx

    g = nx.DiGraph(name=graph.name or "diagram")
    tokens = list(_tokens(graph.source))
    frames: list[str] = []  # the labels of the open clusters ('' for other subgraphs)
    names: list[str] = []  # their names
    members: dict[str, list[str]] = {}  # a cluster → the nodes right inside it, and each inner cluster's first
    lheads: list[tuple[str, str, dict[str, str]]] = []
    i = 0

    def declared(node: str) -> None:
        """A new node is right inside the innermost open cluster, and stands for each inner
        cluster it opens (it is that cluster's first node) in the cluster around it."""
        clusters = [n for n in names if n.startswith("cluster")]
        first = [not members.get(n) for n in clusters]
        for k, name in enumerate(clusters):
            if k == len(clusters) - 1 or first[k + 1]:
                members.setdefault(name, []).append(node)

    def attrs(at: int) -> tuple[dict[str, str], int]:
        out: dict[str, str] = {}
        if at < len(tokens) and tokens[at] == "[":
            at += 1
            while tokens[at] != "]":
                if tokens[at] in (",", ";"):
                    at += 1
                    continue
                key, value = tokens[at], tokens[at + 2]
                out[_value(key)] = value
                at += 3
            at += 1
        return out, at

    while i < len(tokens):
        tok = tokens[i]
        if tok in ("digraph", "graph", "strict") and i == 0:
            while tokens[i] != "{":
                i += 1
            i += 1
            continue
        if tok == "subgraph":
            named = tokens[i + 1] != "{"
            name = _value(tokens[i + 1]) if named else ""
            frames.append("cluster" if name.startswith("cluster") else "")
            names.append(name)
            i += 3 if named else 2
            continue
        if tok == "{":
            frames.append("")
            names.append("")
            i += 1
            continue
        if tok == "}":
            if frames:
                frames.pop()
                names.pop()
            i += 1
            continue
        if tok in (";", ","):
            i += 1
            continue
        if tok in ("graph", "node", "edge") and i + 1 < len(tokens) and tokens[i + 1] == "[":
            _, i = attrs(i + 1)
            continue
        if i + 1 < len(tokens) and tokens[i + 1] == "=":  # a subgraph's own attribute
            if _value(tok) == "label" and frames and frames[-1] == "cluster":
                frames[-1] = "cluster:" + _text(tokens[i + 2])
            i += 3
            continue
        if i + 1 < len(tokens) and tokens[i + 1] in ("->", "--"):
            src, dst = _value(tok), _value(tokens[i + 2])
            a, i = attrs(i + 3)
            for end in (src, dst):
                if end not in g:
                    g.add_node(end, label=end, group=_group(frames))
                    declared(end)
            if a.get("style", "").strip('"') == "invis":
                continue
            data = {"label": _text(a["label"]) if "label" in a else ""}
            data.update({k: _value(a[k]) for k in _EDGE_KEYS if k in a})
            if "lhead" in a:  # a line to a frame: to each box right inside it, below
                lheads.append((src, _value(a["lhead"]), data))
            else:
                g.add_edge(src, dst, **data)
            continue
        node = _value(tok)
        a, i = attrs(i + 1)
        if "label" in a or node not in g:
            data = {"label": _text(a["label"]) if "label" in a else node, "group": _group(frames)}
            data.update({k: _value(a[k]) for k in _NODE_KEYS if k in a})
            if node in g:
                g.nodes[node].update(data)
            else:
                g.add_node(node, **data)
                declared(node)
    for src, frame, data in lheads:
        for node in members.get(frame, []):
            g.add_edge(src, node, **data)
    return g


def write_graphml(graph: graphviz.Digraph, path: str | Path) -> Path:
    """Write the diagram as GraphML (UTF-8) to ``path``."""
    import networkx as nx

    path = Path(path)
    nx.write_graphml(diagram_graph(graph), path, encoding="utf-8")
    return path


def _tokens(source: str) -> Iterator[str]:
    pos = 0
    while pos < len(source):
        if source[pos:].strip() == "":
            return
        m = _TOKEN.match(source, pos)
        if m is None:
            raise ValueError(f"cannot read the DOT text at {source[pos:pos + 40]!r}")
        if m.group(5):  # an HTML string: up to its balancing '>'
            start = m.start(5)
            depth, j = 0, start
            while True:
                ch = source[j]
                depth += ch == "<"
                depth -= ch == ">"
                j += 1
                if depth == 0:
                    break
            yield source[start:j]
            pos = j
            continue
        yield next(x for x in m.groups() if x)
        pos = m.end()


def _value(token: str) -> str:
    if token.startswith('"') and token.endswith('"'):
        return re.sub(r'\\(.)', r"\1", token[1:-1])
    return token


def _text(token: str) -> str:
    """A DOT label as plain text: escapes resolved, HTML labels without their tags."""
    if token.startswith("<") and token.endswith(">"):
        body = re.sub(r"<br\s*/?>|</tr>", "\n", token[1:-1], flags=re.I)
        body = re.sub(r"<[^>]*>", "", body)
        return "\n".join(x.strip() for x in html.unescape(body).splitlines() if x.strip())
    raw = token[1:-1] if token.startswith('"') else token
    text = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nlr" else m.group(1), raw, flags=re.S)
    return text.strip("\n")


def _group(frames: list[str]) -> str:
    return " / ".join(f.split(":", 1)[1] for f in frames if f.startswith("cluster:") and f.split(":", 1)[1])
