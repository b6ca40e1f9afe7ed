"""Setting a :class:`~.model.Document` as PDF: HTML from the model, laid out by WeasyPrint.

Why WeasyPrint: it shapes and breaks Chinese text with Pango and HarfBuzz, finds the CJK fonts
through fontconfig (Noto Serif/Sans CJK SC from Debian's fonts-noto-cjk, else WenQuanYi),
embeds only the glyphs used (HarfBuzz subsetting: libharfbuzz-subset0), repeats a table's
header row on every page and numbers the pages from CSS, all in-process in well under a
second per report. LibreOffice headless would give the same document from the .docx but needs
~110 Debian packages and seconds per conversion; reportlab needs TrueType outlines, which the
Noto CJK fonts do not have. The page and type are in ``official.css`` (filled from :mod:`.style`).
"""

from __future__ import annotations

import base64
import html
import shutil
import subprocess
from functools import lru_cache
from importlib.resources import files
from string import Template

from ..graph.errors import ZerenError
from . import style
from .model import DocNumber, Document, Heading, Image, Paragraph, Signatures, Table, Title
from .word import IMAGE_MAX_HEIGHT_MM

__all__ = ["render_pdf", "to_html", "css", "INSTALL"]

INSTALL = "apt-get install fonts-noto-cjk libpango-1.0-0 libharfbuzz-subset0"


def css() -> str:
    """The stylesheet: ``official.css`` with the page and sizes of :mod:`.style` filled in."""
    values = {**{k: f"{v:g}" for k, v in style.PAGE.items()}, **{k: f"{v:g}" for k, v in style.SIZES.items()},
              "pitch": f"{style.LINE_PITCH_PT:g}", **{f"{k}_font": v for k, v in style.PDF_FONTS.items()}}
    return Template(files(__package__).joinpath("official.css").read_text(encoding="utf-8")).substitute(values)


def to_html(doc: Document) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           f"<title>{e(doc.title)}</title>", '<meta name="generator" content="zeren">',
           f'<meta name="description" content="{e(doc.subject)}">', "</head><body>"]
    width = style.PAGE["width"] - style.PAGE["left"] - style.PAGE["right"]
    for b in doc.blocks:
        if isinstance(b, Title):
            out.append(f'<h1 class="title">{e(b.text)}</h1>')
        elif isinstance(b, DocNumber):
            out.append(f'<p class="docno">{e(b.text)}</p>')
        elif isinstance(b, Heading):
            tag = "h2" if b.level == 1 else "h3"
            out.append(f"<{tag}>{e(b.text)}</{tag}>")
        elif isinstance(b, Paragraph):
            label = f"<b>{e(b.label)}</b>" if b.label else ""
            out.append(f'<p class="{e(b.style)}">{label}{e(b.text)}</p>')
        elif isinstance(b, Table):
            total = sum(b.widths) or 1.0
            cols = "".join(f'<col style="width:{100 * w / total:.2f}%">' for w in b.widths)
            head = "".join(f"<th>{e(h)}</th>" for h in b.headers)
            body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in b.rows)
            klass = ' class="large"' if b.size == "table_large" else ""
            out.append(f"<table{klass}><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>"
                       f"<tbody>{body}</tbody></table>")
            if b.caption:
                out.append(f'<p class="caption">{e(b.caption)}</p>')
        elif isinstance(b, Image):
            if b.png is None:
                out.append(f'<p class="note">{e(b.missing)}</p>')
                continue
            w, h = b.size_mm(width, IMAGE_MAX_HEIGHT_MM)
            data = base64.b64encode(b.png).decode("ascii")
            out.append(f'<figure><img src="data:image/png;base64,{data}" style="width:{w:.1f}mm;height:{h:.1f}mm" '
                       f'alt="{e(b.caption)}"></figure><p class="caption">{e(b.caption)}</p>')
        elif isinstance(b, Signatures):
            signs = "　　　".join(f'{e(r)}：<span class="blank"></span>' for r in b.roles)
            out.append(f'<div class="signatures"><p class="sign">{signs}</p><p>&#160;</p>'
                       f'<p class="right">{e(b.issuer or "（单位盖章）")}</p>'
                       f'<p class="right">{e(b.date_line)}</p></div>')
    out.append("</body></html>")
    return "\n".join(out)


def render_pdf(doc: Document) -> bytes:
    """The PDF bytes; refuses (rather than printing boxes) where no CJK font is installed."""
    _require_cjk_font()
    try:
        import logging

        from weasyprint import CSS, HTML
    except (ImportError, OSError) as err:  # OSError: WeasyPrint could not load Pango
        raise ZerenError(f"PDF 需要 WeasyPrint 和 Pango：{err}；请安装（{INSTALL}）") from None
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML(string=to_html(doc)).write_pdf(stylesheets=[CSS(string=css())])


def _require_cjk_font() -> None:
    if not _cjk_font_installed():
        raise ZerenError(f"本机没有中文字体，PDF 中的汉字无法显示；请安装（{INSTALL}）(no CJK font installed)")


@lru_cache(maxsize=1)
def _cjk_font_installed() -> bool:
    if not shutil.which("fc-list"):
        return True  # fontconfig's tool is absent; Pango still finds what is installed
    try:
        found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return True
    return bool(found.strip())
