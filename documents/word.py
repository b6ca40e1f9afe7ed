"""Setting a :class:`~.model.Document` as a Word file with python-docx.

Page and type follow :mod:`.style`: A4 with the GB/T 9704 margins, the title centred in 二号,
text in 三号 with a fixed 22-lines-a-page pitch, tables in 小四 with their header row repeated on
every page and rows kept whole, page numbers as "— 1 —" (odd pages right, even pages left).
Headings use Word's own Heading 1/2 styles, restyled, so the navigation pane lists them.
"""

from __future__ import annotations

import io
from typing import Any

from . import style
from .model import DocNumber, Document, Heading, Image, Paragraph, Signatures, Table, Title

__all__ = ["render_docx", "STYLE_NAMES", "IMAGE_MAX_HEIGHT_MM"]

#: The paragraph styles this module defines (tests read a document back by them).
STYLE_NAMES = {"title": "公文标题", "docno": "发文字号", "body": "公文正文", "plain": "表前说明",
               "quote": "条款原文", "note": "说明文字", "right": "署名", "table": "表格文字",
               "table_large": "表格文字四号", "caption": "题注", "figure": "插图"}


def render_docx(doc: Document) -> bytes:
    from docx import Document as new_document
    from docx.shared import Mm

    d = new_document()
    section = d.sections[0]
    page = style.PAGE
    section.page_width, section.page_height = Mm(page["width"]), Mm(page["height"])
    section.top_margin, section.bottom_margin = Mm(page["top"]), Mm(page["bottom"])
    section.left_margin, section.right_margin = Mm(page["left"]), Mm(page["right"])
    section.footer_distance = Mm(page["bottom"] - 7 - 5)  # 一字线 7 mm below the text block
    _styles(d)
    _page_numbers(d, section)
    width_mm = page["width"] - page["left"] - page["right"]
    for block in doc.blocks:
        if isinstance(block, Title):
            d.add_paragraph(block.text, STYLE_NAMES["title"])
        elif isinstance(block, DocNumber):
            d.add_paragraph(block.text, STYLE_NAMES["docno"])
        elif isinstance(block, Heading):
            d.add_paragraph(block.text, "Heading 1" if block.level == 1 else "Heading 2")
        elif isinstance(block, Paragraph):
            p = d.add_paragraph(style=STYLE_NAMES.get(block.style, STYLE_NAMES["body"]))
            if block.label:
                p.add_run(block.label).bold = True
            p.add_run(block.text)
        elif isinstance(block, Table):
            _table(d, block, width_mm)
        elif isinstance(block, Image):
            _image(d, block, width_mm)
        elif isinstance(block, Signatures):
            _signatures(d, block)
    props = d.core_properties
    props.title, props.subject, props.author, props.comments = doc.title, doc.subject, "zeren", "由 zeren 生成"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# -- styles --------------------------------------------------------------------------------
def _fonts(st: Any, east_asia: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    font = st.font
    font.name = style.WORD_FONTS["latin"]
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    rfonts = st.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _para_style(d: Any, name: str, font: str, size: float, *, align: str = "justify", indent_chars: float = 0,
                pitch: float | None = None, bold: bool = False, before: float = 0, after: float = 0,
                keep_next: bool = False) -> Any:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    styles = d.styles
    st = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if name not in ("Heading 1", "Heading 2"):
        st.base_style = styles["Normal"]
    _fonts(st, font, size, bold)
    pf = st.paragraph_format
    pf.alignment = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                    "right": WD_ALIGN_PARAGRAPH.RIGHT, "left": WD_ALIGN_PARAGRAPH.LEFT}[align]
    pf.first_line_indent = Pt(size * indent_chars) if indent_chars else None
    pf.left_indent = None
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if pitch:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(pitch)
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.keep_with_next = keep_next
    pf.widow_control = True
    return st


def _styles(d: Any) -> None:
    f, s, pitch = style.WORD_FONTS, style.SIZES, style.LINE_PITCH_PT
    _fonts(d.styles["Normal"], f["body"], s["body"])
    _para_style(d, STYLE_NAMES["title"], f["title"], s["title"], align="center", before=6, after=18)
    _para_style(d, STYLE_NAMES["docno"], f["body"], s["docno"], align="center", after=12)
    _para_style(d, STYLE_NAMES["body"], f["body"], s["body"], indent_chars=2, pitch=pitch)
    _para_style(d, STYLE_NAMES["plain"], f["body"], s["body"], indent_chars=2, pitch=pitch, keep_next=True)
    _para_style(d, STYLE_NAMES["quote"], f["heading2"], s["body"], indent_chars=2, pitch=pitch)
    _para_style(d, STYLE_NAMES["note"], f["body"], s["table_large"], indent_chars=2)
    _para_style(d, STYLE_NAMES["right"], f["body"], s["body"], align="right", pitch=pitch)
    _para_style(d, STYLE_NAMES["table"], f["body"], s["table"], align="left")
    _para_style(d, STYLE_NAMES["table_large"], f["body"], s["table_large"], align="left")
    _para_style(d, STYLE_NAMES["caption"], f["body"], s["caption"], align="center", after=12)
    _para_style(d, STYLE_NAMES["figure"], f["body"], s["body"], align="center", before=6, keep_next=True)
    _para_style(d, "Heading 1", f["heading1"], s["heading"], indent_chars=2, pitch=pitch, keep_next=True)
    _para_style(d, "Heading 2", f["heading2"], s["heading"], indent_chars=2, pitch=pitch, keep_next=True)


# -- footer --------------------------------------------------------------------------------
def _page_numbers(d: Any, section: Any) -> None:
    """"— 1 —" in 4号 宋体: odd pages at the right, even pages at the left, a character in."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    d.settings.odd_and_even_pages_header_footer = True
    sides = ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT))
    for footer, align in sides:
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        pf = p.paragraph_format
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            pf.right_indent = Pt(style.SIZES["footer"])
        else:
            pf.left_indent = Pt(style.SIZES["footer"])
        for text in ("— ", None, " —"):
            run = p.add_run(text or "")
            if text is None:
                _page_field(run)
            _run_font(run, style.WORD_FONTS["footer"], style.SIZES["footer"])


def _page_field(run: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _run_font(run: Any, east_asia: str, size: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.name = east_asia
    run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)


# -- tables, the image, signatures ---------------------------------------------------------
def _table(d: Any, block: Table, width_mm: float) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm
    from docx.text.paragraph import Paragraph as DocxParagraph

    # python-docx looks a style up by name on every assignment (slow over thousands of cells):
    # the cells are written through the XML, with the style's id looked up once.
    style_id = d.styles[STYLE_NAMES.get(block.size, STYLE_NAMES["table"])].style_id
    total = sum(block.widths) or 1.0
    widths = [Mm(width_mm * w / total) for w in block.widths]
    table = d.add_table(rows=1 + len(block.rows), cols=len(block.headers))
    table.style = d.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, (tr, row) in enumerate(zip(table._tbl.tr_lst, [block.headers, *block.rows])):
        tr_pr = tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if i == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))  # repeated at the top of every page
        for tc, text, width in zip(tr.tc_lst, row, widths):
            tc.width = width
            p = tc.p_lst[0]
            p.style = style_id
            run = DocxParagraph(p, table).add_run(str(text))
            if i == 0:
                run.bold = True
                p.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.CENTER
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(int(w.twips)))
    if block.caption:
        d.add_paragraph(block.caption, STYLE_NAMES["caption"])
    else:
        spacer = d.add_paragraph(style=STYLE_NAMES["table"])  # a table must not touch the next one
        spacer.paragraph_format.space_after = 0


#: The tallest a picture may be: the text block less room for its caption.
IMAGE_MAX_HEIGHT_MM = style.PAGE["height"] - style.PAGE["top"] - style.PAGE["bottom"] - 30


def _image(d: Any, block: Image, width_mm: float) -> None:
    from docx.shared import Mm

    if block.png is None:
        d.add_paragraph(block.missing, STYLE_NAMES["note"])
        return
    w, _h = block.size_mm(width_mm, IMAGE_MAX_HEIGHT_MM)
    p = d.add_paragraph(style=STYLE_NAMES["figure"])
    p.add_run().add_picture(io.BytesIO(block.png), width=Mm(w))
    d.add_paragraph(block.caption, STYLE_NAMES["caption"])


def _signatures(d: Any, block: Signatures) -> None:
    from docx.shared import Pt

    d.add_paragraph(style=STYLE_NAMES["plain"])
    p = d.add_paragraph(style=STYLE_NAMES["plain"])
    p.paragraph_format.first_line_indent = Pt(style.SIZES["body"] * 2)
    for i, role in enumerate(block.roles):
        p.add_run(("　　　" if i else "") + f"{role}：")
        p.add_run("　" * 6).underline = True
    d.add_paragraph(style=STYLE_NAMES["plain"])
    d.add_paragraph(f"{block.issuer or '（单位盖章）'}　　　　", STYLE_NAMES["right"])
    d.add_paragraph(f"{block.date_line}　　　　", STYLE_NAMES["right"])
