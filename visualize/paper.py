"""Charts on paper: A4 or A3 pages, no printed font smaller than :data:`MIN_FONT_PT`.

Graphviz lays a graph out at its natural size and cannot paginate a PDF itself. Here each
*panel* (one small graph: an overview, a township with its villages, a village with its
households …) is drawn once by ``dot``; the panels are then placed on pages of the paper
size at one scale, in their order, several to a page when they fit (shelf packing). The
scale never goes below what keeps the smallest font of the graphs at ``MIN_FONT_PT``
printed: a panel too big for a page at that scale is split by its own ``split`` (fewer
villages or households a page) or, when it cannot be split, printed as tiles. Each page
gets a header line (the chart's title and 第 i/n 页).

PDF pages are composed with pypdf (imported when used); SVG pages nest the panels' SVG
documents in one page-sized SVG, one file per page.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import graphviz

from ..graph.errors import ZerenError

__all__ = ["PAPERS", "MIN_FONT_PT", "Paper", "Panel", "Drawing", "parse_paper", "smallest_font", "print_panels",
           "natural_width", "PAPER_FORMATS"]

#: Paper sizes (portrait width, height) in points.
PAPERS = {"A4": (595.28, 841.89), "A3": (841.89, 1190.55)}
PAPER_FORMATS = ("pdf", "svg")
MIN_FONT_PT = 8.0
MARGIN = 28.35  # 10 mm
GAP = 12.0  # between panels on a page
MAX_SCALE = 1.5  # a lone small chart is enlarged at most this much
TILE_OVERLAP = 0.06  # tiles of an unsplittable chart overlap by this share


@dataclass(frozen=True)
class Paper:
    """A paper size and orientation (``landscape`` None: the caller chooses)."""

    name: str
    landscape: bool | None = None

    def size(self, landscape: bool) -> tuple[float, float]:
        w, h = PAPERS[self.name]
        return (h, w) if landscape else (w, h)

    def orientations(self, default: bool | None = None) -> list[bool]:
        """The orientations to try: the one asked for, else ``default``, else both."""
        if self.landscape is not None:
            return [self.landscape]
        return [default] if default is not None else [True, False]


def parse_paper(name: str, landscape: bool | None = None) -> Paper:
    """``A4``, ``A3`` (any case); ``A4-landscape`` / ``A3-portrait`` name the orientation too."""
    text = name.strip().upper().replace("_", "-")
    size, _, orient = text.partition("-")
    if size not in PAPERS or orient not in ("", "LANDSCAPE", "PORTRAIT", "横向", "纵向"):
        raise ZerenError(f"纸张“{name}”未知；可用 {', '.join(PAPERS)}（可加 -landscape 或 -portrait）"
                         f" (unknown paper size)")
    if orient:
        asked = orient in ("LANDSCAPE", "横向")
        if landscape is not None and landscape != asked:
            raise ZerenError(f"纸张“{name}”与 --landscape/--portrait 矛盾 (paper orientation given twice)")
        landscape = asked
    return Paper(size, landscape)


def natural_width(paper: Paper, landscape: bool, font: float = 10.0) -> float:
    """The width (points, at natural size) a chart whose smallest font is ``font`` may take to
    fill the paper's width with that font printed at :data:`MIN_FONT_PT`."""
    return (paper.size(landscape)[0] - 2 * MARGIN) * font / MIN_FONT_PT


@dataclass
class Panel:
    """One graph to place on the pages. ``split(room, height)``: the panel, ``height`` points
    tall at natural size, as smaller panels, the first about ``room`` points tall ([]: it
    cannot be split; None: never); ``alone``: it starts a page and keeps it to itself."""

    graph: graphviz.Digraph
    split: Callable[[float, float], list["Panel"]] | None = None
    alone: bool = False


@dataclass
class Drawing:
    """A panel drawn by ``dot``: the PDF bytes or SVG text, its natural size in points."""

    data: bytes
    fmt: str
    width: float
    height: float
    min_font: float


@dataclass
class _Place:
    drawing: Drawing
    x: float  # from the page's top left, in points
    y: float
    scale: float
    clip: tuple[float, float, float, float] | None = None  # (x, y, w, h) of the drawing, from its top left


@dataclass
class _Page:
    places: list[_Place] = field(default_factory=list)
    alone: bool = False  # holds one panel that wants a page to itself


_FONT_RE = re.compile(r'(?:fontsize|point-size)="?([0-9.]+)')


def smallest_font(source: str) -> float:
    """The smallest font size a DOT text uses (its ``fontsize`` and HTML ``point-size`` values)."""
    sizes = [float(m) for m in _FONT_RE.findall(source)]
    return min(sizes) if sizes else 14.0


def draw(graph: graphviz.Digraph, fmt: str, *, embed_glyphs: bool = False) -> Drawing:
    """Run ``dot`` on ``graph`` (PDF through cairo; SVG as text unless ``embed_glyphs``)."""
    from .diagrams import run_dot

    renderer = None if fmt == "svg" and not embed_glyphs else "cairo"
    source = graph.source
    graph = graph.copy()
    graph.attr("graph", margin="0")  # cairo's PDF adds half an inch around by default; the page has its own
    return _drawing(run_dot(graph, fmt, renderer), fmt, source)


def _drawing(data: bytes, fmt: str, source: str) -> Drawing:
    if fmt == "pdf":
        from pypdf import PdfReader

        box = PdfReader(io.BytesIO(data)).pages[0].mediabox
        width, height = float(box.width), float(box.height)
    else:
        m = re.search(rb'<svg[^>]*?\swidth="([0-9.]+)(pt|px)?"[^>]*?\sheight="([0-9.]+)(pt|px)?"', data)
        if not m:
            raise ZerenError("dot wrote an SVG without a size")
        width, height = float(m.group(1)), float(m.group(3))
    return Drawing(data, fmt, width, height, smallest_font(source))


def print_panels(panels: Sequence[Panel], path: str | Path, paper: Paper, *, title: str = "",
                 embed_glyphs: bool = False, default_landscape: bool | None = None,
                 variants: Sequence[Sequence[Panel]] = ()) -> list[Path]:
    """Place ``panels`` on pages of ``paper`` and write them to ``path`` (.pdf: one file of n
    pages; .svg: ``path`` for one page, else ``NAME-1.svg`` … ``NAME-n.svg``). ``variants``:
    other panel lists drawing the same thing (another rank direction); the one printed largest
    on fewest pages wins, as does the better orientation when the paper names none."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in PAPER_FORMATS:
        raise ZerenError(f"{path}: --paper 只用于 .pdf 或 .svg 文件 (paper sizes apply to PDF and SVG only)")
    options = [list(panels), *[list(v) for v in variants]]
    every = _draw_all([p for option in options for p in option], fmt, embed_glyphs)
    drawn, at = [], 0
    for option in options:
        drawn.append(every[at:at + len(option)])
        at += len(option)
    header = _header_height(title, fmt, embed_glyphs) if title else 0.0
    best: tuple[tuple[int, float], list[_Page], float] | None = None
    for landscape in paper.orientations(default_landscape):
        size = paper.size(landscape)
        for option, drawings in zip(options, drawn):
            pages, scale = _lay_out(option, drawings, size, header, fmt, embed_glyphs)
            key = (len(pages), -scale)
            if best is None or key < best[0]:
                best = (key, pages, size)
    assert best is not None
    _, pages, size = best
    if title:
        captions = [f"{title} · 第 {i}/{len(pages)} 页" if len(pages) > 1 else title for i in range(1, len(pages) + 1)]
        heads = _draw_all([Panel(_caption(c)) for c in captions], fmt, embed_glyphs)
        for page, head in zip(pages, heads):
            page.places.insert(0, _Place(head, MARGIN, MARGIN, 1.0))
    path.parent.mkdir(parents=True, exist_ok=True)
    return _write_pdf(pages, size, path) if fmt == "pdf" else _write_svg(pages, size, path)


# -- layout --------------------------------------------------------------------------------
def _draw_all(panels: list[Panel], fmt: str, embed_glyphs: bool) -> list[Drawing]:
    """Draw the panels with as few ``dot`` processes as cores: ``dot -O`` writes one file a
    graph of its input (starting ``dot`` and its fonts costs more than laying out a panel)."""
    if len(panels) <= 1:
        return [draw(p.graph, fmt, embed_glyphs=embed_glyphs) for p in panels]
    half = (len(panels) + 1) // 2
    batches = [panels[:half], panels[half:]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda b: _draw_batch([p.graph for p in b], fmt, embed_glyphs), batches))
    return [d for batch in done for d in batch]


def _draw_batch(graphs: list[graphviz.Digraph], fmt: str, embed_glyphs: bool) -> list[Drawing]:
    import subprocess
    import tempfile

    from .diagrams import INSTALL, DotNotFound

    renderer = "" if fmt == "svg" and not embed_glyphs else ":cairo"
    sources = []
    for graph in graphs:
        graph = graph.copy()
        graph.attr("graph", margin="0")
        sources.append(graph.source)
    with tempfile.TemporaryDirectory(prefix="zeren-pages-") as tmp:
        src = Path(tmp) / "panels.gv"
        src.write_text("\n".join(sources), encoding="utf-8")
        try:
            run = subprocess.run(["dot", f"-T{fmt}{renderer}", "-O", str(src)], capture_output=True)
        except FileNotFoundError:
            raise DotNotFound(f"Graphviz `dot` is not installed; install it ({INSTALL}) or write a .dot file") from None
        if run.returncode != 0:
            detail = run.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ZerenError(f"dot failed: {detail[-1] if detail else run.returncode}")
        out = []
        for i, graph in enumerate(graphs):
            # dot -O names them panels.gv[.N][.cairo].FMT
            name = "panels.gv" + (f".{i + 1}" if i else "") + (".cairo" if renderer else "") + f".{fmt}"
            data = (Path(tmp) / name).read_bytes()
            out.append(_drawing(data, fmt, graph.source))
        return out


def _min_scale(d: Drawing) -> float:
    return MIN_FONT_PT / d.min_font


def _lay_out(panels: list[Panel], drawings: list[Drawing], size: tuple[float, float], header: float, fmt: str,
             embed_glyphs: bool) -> tuple[list[_Page], float]:
    """Pages of placed drawings, and the one scale they are printed at."""
    width, height = size[0] - 2 * MARGIN, size[1] - 2 * MARGIN - header
    panels, drawings = _fit(panels, drawings, width, height, fmt, embed_glyphs)
    fits = [min(width / d.width, height / d.height) for d in drawings]
    floor = max(_min_scale(d) for d in drawings)
    limit = MAX_SCALE if len(drawings) == 1 else 1.0
    scale = max(floor, min(limit, min(fits)))
    pages: list[_Page] = []
    page: _Page | None = None
    x = y = row_h = 0.0
    top = MARGIN + header
    for p, d in zip(panels, drawings):
        w, h = d.width * scale, d.height * scale
        if w > width + 0.5 or h > height + 0.5:  # too big even so, and not splittable: tiles
            pages.extend(_tiles(d, scale, width, height, top))
            page = None
            continue
        if page is not None and (p.alone or page.alone):
            page = None
        if page is not None and x + w > width + 0.5:  # next row
            x, y, row_h = 0.0, y + row_h + GAP, 0.0
        if page is not None and y + h > height + 0.5:
            page = None
        if page is None:
            page = _Page(alone=p.alone)
            pages.append(page)
            x = y = row_h = 0.0
        page.places.append(_Place(d, MARGIN + x, top + y, scale))
        x += w + GAP
        row_h = max(row_h, h)
    if len(drawings) == 1 and pages and len(pages[0].places) == 1 and pages[0].places[0].clip is None:
        place = pages[0].places[0]  # a lone chart is centred on its page
        place.x = MARGIN + (width - place.drawing.width * scale) / 2
        place.y = top + (height - place.drawing.height * scale) / 2
    return pages, scale


def _fit(panels: list[Panel], drawings: list[Drawing], width: float, height: float, fmt: str,
         embed_glyphs: bool) -> tuple[list[Panel], list[Drawing]]:
    """Split, round by round, every panel that does not fit a page at the smallest legible
    scale into the rows that do and the rest (drawn together, one batch a round). A first
    part that still does not fit is thrown away and the panel cut again a little shorter, so
    that pages stay full rather than leaving a row or two on a page of its own."""
    panels, drawings = list(panels), list(drawings)
    share: dict[int, float] = {}  # id(panel) → the share of a page its next cut aims at
    for _ in range(60):
        parts: dict[int, list[Panel]] = {}
        for i, (p, d) in enumerate(zip(panels, drawings)):
            scale = _min_scale(d)
            if p.split is None or min(width / d.width, height / d.height) >= scale:
                continue
            pieces = p.split(height / scale * share.get(id(p), 1.0), d.height)
            if len(pieces) > 1:
                parts[i] = pieces
        if not parts:
            break
        drawn = iter(_draw_all([x for i in sorted(parts) for x in parts[i]], fmt, embed_glyphs))
        new_panels: list[Panel] = []
        new_drawings: list[Drawing] = []
        for i, (p, d) in enumerate(zip(panels, drawings)):
            pieces = parts.get(i)
            if pieces is None:
                new_panels.append(p)
                new_drawings.append(d)
                continue
            made = [next(drawn) for _ in pieces]
            head = made[0]
            tight = share.get(id(p), 1.0)
            if min(width / head.width, height / head.height) < _min_scale(head) and tight > 0.7 \
                    and height / head.height < _min_scale(head):  # too tall: cut this panel shorter
                share[id(p)] = tight - 0.06
                new_panels.append(p)
                new_drawings.append(d)
                continue
            new_panels.extend(pieces)
            new_drawings.extend(made)
        panels, drawings = new_panels, new_drawings
    return panels, drawings


def _tiles(d: Drawing, scale: float, width: float, height: float, top: float) -> list[_Page]:
    """A drawing too big for one page at ``scale`` as overlapping tiles, row by row."""
    tw, th = width / scale, height / scale
    cols = max(1, math.ceil((d.width - tw * TILE_OVERLAP) / (tw * (1 - TILE_OVERLAP))))
    rows = max(1, math.ceil((d.height - th * TILE_OVERLAP) / (th * (1 - TILE_OVERLAP))))
    step_x = (d.width - tw) / (cols - 1) if cols > 1 else 0.0
    step_y = (d.height - th) / (rows - 1) if rows > 1 else 0.0
    pages = []
    for r in range(rows):
        for c in range(cols):
            clip = (c * step_x, r * step_y, min(tw, d.width), min(th, d.height))
            pages.append(_Page([_Place(d, MARGIN, top, scale, clip)]))
    return pages


def _caption(text: str) -> graphviz.Digraph:
    from .diagrams import FONT

    g = graphviz.Digraph("caption")
    g.attr("graph", label=text, labelloc="t", labeljust="l", fontname=FONT, fontsize="12", pad="0.02", margin="0")
    return g


def _header_height(title: str, fmt: str, embed_glyphs: bool) -> float:
    return draw(_caption(title), fmt, embed_glyphs=embed_glyphs).height + 4


# -- output --------------------------------------------------------------------------------
def _write_pdf(pages: list[_Page], size: tuple[float, float], path: Path) -> list[Path]:
    from pypdf import PageObject, PdfReader, PdfWriter, Transformation
    from pypdf.generic import RectangleObject

    writer = PdfWriter()
    sources: dict[int, PageObject] = {}
    for page in pages:
        out = PageObject.create_blank_page(width=size[0], height=size[1])
        for place in page.places:
            d = place.drawing
            src = sources.get(id(d))
            if src is None:
                src = sources[id(d)] = PdfReader(io.BytesIO(d.data)).pages[0]
            x0, y0, w, h = place.clip or (0.0, 0.0, d.width, d.height)
            src.cropbox = RectangleObject((x0, d.height - y0 - h, x0 + w, d.height - y0))
            # the drawing's (x0, bottom of the clip) lands on the place's bottom left
            tx = place.x - x0 * place.scale
            ty = size[1] - place.y - h * place.scale - (d.height - y0 - h) * place.scale
            out.merge_transformed_page(src, Transformation().scale(place.scale).translate(tx, ty))
        writer.add_page(out)
    writer.compress_identical_objects() if hasattr(writer, "compress_identical_objects") else None
    with open(path, "wb") as fh:
        writer.write(fh)
    return [path]


_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)
_ROOT_SIZE = re.compile(r'\s(width|height|x|y|preserveAspectRatio)="[^"]*"')


def _write_svg(pages: list[_Page], size: tuple[float, float], path: Path) -> list[Path]:
    names = [path] if len(pages) == 1 else [path.with_name(f"{path.stem}-{i}{path.suffix}")
                                             for i in range(1, len(pages) + 1)]
    mm = 25.4 / 72
    for n, (page, name) in enumerate(zip(pages, names)):
        parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
                 f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
                 f'width="{size[0] * mm:.1f}mm" height="{size[1] * mm:.1f}mm" '
                 f'viewBox="0 0 {size[0]:.2f} {size[1]:.2f}">\n'
                 f'<rect width="100%" height="100%" fill="white"/>\n']
        for k, place in enumerate(page.places):
            d = place.drawing
            x0, y0, w, h = place.clip or (0.0, 0.0, d.width, d.height)
            parts.append(_nested(d, f"p{n}-{k}-", place.x, place.y, w * place.scale, h * place.scale, (x0, y0, w, h)))
        parts.append("</svg>\n")
        name.write_text("".join(parts), encoding="utf-8")
    return names


def _nested(d: Drawing, prefix: str, x: float, y: float, w: float, h: float,
            window: tuple[float, float, float, float]) -> str:
    """The drawing's SVG as an element placed at (x, y), size (w, h), showing ``window`` of it
    (in points from its top left); ids prefixed so that several documents share a page."""
    text = _PROLOG.sub("", d.data.decode("utf-8"), count=1)
    vb = re.search(r'viewBox="([-0-9. ]+)"', text[:text.find(">")])
    ox, oy = (float(v) for v in vb.group(1).split()[:2]) if vb else (0.0, 0.0)
    vx, vy, vw, vh = window
    # the viewBox in the drawing's own units: points (graphviz writes 1 unit = 1 pt at scale 1)
    units = float(vb.group(1).split()[2]) / d.width if vb else 1.0
    head_end = text.find(">")
    head = _ROOT_SIZE.sub("", text[:head_end])
    head = re.sub(r'\sviewBox="[^"]*"', "", head)
    head += (f' x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" '
             f'viewBox="{ox + vx * units:.2f} {oy + vy * units:.2f} {vw * units:.2f} {vh * units:.2f}" '
             f'preserveAspectRatio="xMinYMin meet"')
    body = head + text[head_end:]
    body = re.sub(r'\sid="', f' id="{prefix}', body)
    body = body.replace('href="#', f'href="#{prefix}').replace("url(#", f"url(#{prefix}")
    return body + "\n"
