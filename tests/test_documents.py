"""Documents: the 责任倒查 report and the quarter, each file opened with its own reader
(python-docx, openpyxl; pdftotext for PDF, marked `pdf`), and golden outlines of the Word files."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from rosters import BASE, F_HEADER, idnum, loaded, write_csv
from zeren.documents.report import check_report, trace_document, trace_report
from zeren.documents.word import STYLE_NAMES
from zeren.documents.xlsx import HEADERS, check_workbook
from zeren.graph.store import Store
from zeren.queries.check import check
from zeren.queries.trace import trace

GOLDEN = Path(__file__).parent / "golden"
NUMERIC_HH = "621121000005"  # a 户编号 Excel would show as 6.21121E+11 if it were a number
H003_ID = idnum("62112119800101003")
FINDINGS = [
    ["2019-05-01", "县委督查室", "一户一策未制定", "户", "H003", "户主电话13909320000"],
    ["2019-05-02", "县政府督查室", "驻村走读", "工作队", "甲镇/东村", ""],
    ["2019-05-03", "市督查组", "帮扶村发展停滞", "村", "甲镇/东村", "=HYPERLINK(\"x\")"],
    ["2019-05-04", "县委督查室", "一户一策未落实", "户", NUMERIC_HH, ""],
]
needs_pdftools = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                                    reason="poppler-utils (pdftotext, pdftoppm) not installed")


@pytest.fixture
def county(project, tmp_path):
    """The tiny county, one more household with a numeric 户编号, and four findings."""
    extra = {"结对帮扶": [[NUMERIC_HH, "户主五", "", "乙乡", "北村", "施干部", "县交通局", "2018-06-01", ""]],
             "一户一策": [[NUMERIC_HH, "P005", "2018-07-01", "已制定"]]}
    files = [write_csv(tmp_path / f"{name}.csv", header, rows + extra.get(name, []))
             for name, (header, rows) in BASE.items()]
    files.append(write_csv(tmp_path / "督查发现.csv", F_HEADER, FINDINGS))
    return loaded(project, files)


# -- reading a Word file back ---------------------------------------------------------------
def docx_of(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data))


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def outline(doc) -> str:
    """The sequence of title, headings and tables (their shape and header row)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines = []
    for el in doc.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = Paragraph(el, doc)
            name = p.style.name if p.style is not None else ""
            if name in ("Heading 1", "Heading 2", STYLE_NAMES["title"], STYLE_NAMES["docno"]):
                lines.append(f"{name}: {p.text}")
            elif p._p.xpath(".//pic:pic"):
                lines.append("picture")
        elif tag == "tbl":
            t = Table(el, doc)
            lines.append(f"table {len(t.rows)}×{len(t.columns)}: {' | '.join(c.text for c in t.rows[0].cells)}")
    return "\n".join(lines) + "\n"


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ZEREN_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {name}; run with ZEREN_UPDATE_GOLDEN=1 once and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; ZEREN_UPDATE_GOLDEN=1 to accept"


def table_with(doc, header: str):
    found = [t for t in doc.tables if header in [c.text for c in t.rows[0].cells]]
    assert found, f"no table with a {header} column"
    return found[0]


# -- the trace report -----------------------------------------------------------------------
def test_trace_report_docx_content(county, rulebook):
    with Store.open(county) as store:
        doc = docx_of(trace_report(store, "plan", "P003", fmt="docx", today="2019-07-01"))
    text = all_text(doc)
    assert doc.paragraphs[1].text == "关于一户一策P003“一户一策未制定”问题的责任倒查报告"
    assert doc.paragraphs[0].text == "〔2019〕第　　号"
    chain = table_with(doc, "关系")
    rows = [[c.text for c in r.cells] for r in chain.rows]
    assert rows[0] == ["环节", "职务/名称", "责任人", "关系", "来源"]
    assert ["帮扶责任人", "县财政局", "吕干部", "吕干部 —协助→ H003", "结对帮扶.csv:第4行"] in rows
    assert ["乡镇党委书记（第一责任人）", "甲镇党委 党委书记", "赵书记", "党委书记 —牵头→ 甲镇",
            "乡镇.csv:第2行"] in rows
    for clause in ("一.7", "四.4", "五.4"):
        assert rulebook.clause(clause).text in text
    assert "甲镇：1 / 3 户贫困户 = 33.3% ≥ 3%" in text  # the threshold arithmetic
    assert "问责，限期整改（决定机关：县委、县政府）" in text
    assert "督查发现 #1（2019-05-01，一户一策未制定：H003）" in text
    assert "tongwei-2018" in text and "通办发〔2018〕53号" in text  # the rulebook it was computed from
    assert "截至第 1 批导入" in text  # the data batch
    assert "2019年7月1日由 zeren 依据上述数据生成" in text
    assert "经办人：" in text and "审核人：" in text
    assert "139****0000" in text and "13909320000" not in text


def test_trace_report_layout(county):
    with Store.open(county) as store:
        doc = docx_of(trace_report(store, "household", "H003", fmt="docx"))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and "— " in section.footer.paragraphs[0].text
    assert "PAGE" in section.even_page_footer._element.xml
    for table in doc.tables:  # every table repeats its header row on each page
        assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")
    title = doc.styles[STYLE_NAMES["title"]]
    assert title.font.size.pt == 22  # 小标宋 is a bold face by itself: no faux bold
    assert doc.styles[STYLE_NAMES["body"]].font.size.pt == 16
    rfonts = title.element.rPr.rFonts
    assert rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "方正小标宋简体"


@pytest.mark.parametrize("show", [False, True])
def test_trace_report_masks_personal_data_unless_asked(county, show):
    with Store.open(county) as store:
        text = all_text(docx_of(trace_report(store, "household", "H003", fmt="docx", show_personal_data=show)))
    assert "身份证号" in text
    assert H003_ID[:6] + "********" + H003_ID[-4:] in text  # the project keeps it masked (and hashed) only
    assert H003_ID not in text
    assert ("13909320000" in text) is show  # the phone number in the finding's note
    assert ("139****0000" in text) is not show


def test_trace_report_golden_outline(county):
    with Store.open(county) as store:
        doc = docx_of(trace_report(store, "plan", "P003", fmt="docx", today="2019-07-01"))
    text = outline(doc)
    if shutil.which("dot") is None:  # the outline is the same but for the picture
        text = text.replace("picture\n", "")
    golden("report-trace-P003.outline", text)


def test_trace_report_without_dot_says_so(county, monkeypatch):
    from zeren.visualize import diagrams

    def no_dot(*args, **kwargs):
        raise diagrams.DotNotFound("dot is not installed")

    monkeypatch.setattr(diagrams, "render", no_dot)
    with Store.open(county) as store:
        doc = docx_of(trace_report(store, "plan", "P003", fmt="docx"))
    assert "本机未安装 Graphviz" in all_text(doc)
    assert not doc.inline_shapes


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
def test_trace_report_embeds_the_diagram(county):
    with Store.open(county) as store:
        doc = docx_of(trace_report(store, "plan", "P003", fmt="docx"))
    assert len(doc.inline_shapes) == 1
    assert doc.inline_shapes[0].width.mm <= 156.5  # within the text block


def test_tenure_holder_and_duty_record_are_shown(county, rulebook):
    """The holder's tenure, days in post, the holder on the finding's day and the duty record
    appear when an entry carries them (set by hand here: the tiny county has no duty log)."""
    with Store.open(county) as store:
        result = trace(store, "plan", "P003")
    secretary = next(li for li in result.liabilities if li.rule == "四.4-1")
    secretary.tenure = {"from": "2019-04-12", "to": None}
    secretary.days_in_post = 19
    secretary.holder_at_finding = "新书记"
    secretary.duties = [  # as queries.check.attach_duties records them
        {"duty": "四.2-d1", "what": "队长会议", "window": "2019年4月", "person": "赵书记", "required": 1, "done": 0,
         "unit": "次", "status": "missed", "evidence": []},
        {"duty": "四.2-d1", "what": "队长会议", "window": "2019年5月", "person": "赵书记", "required": 1, "done": 1,
         "unit": "次", "status": "met", "evidence": ["履职.csv:2"]},
    ]
    doc = docx_of(_render(trace_document(result, rulebook, today="2019-07-01"), "docx"))
    rows = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
    assert ["主要责任", "党委书记", "赵书记（任职 2019-04-12 至 今，到任19天）；发现日在职：新书记",
            "甲镇党委", "甲镇", "乡镇.csv:第2行"] in rows
    duty = table_with(doc, "应履职")
    assert [[c.text for c in r.cells] for r in duty.rows] == [
        ["职责", "期间", "履职人", "应履职", "已履职", "结论"],
        ["队长会议", "2019年4月", "赵书记", "1次", "0次", "未完成"],
        ["队长会议", "2019年5月", "赵书记", "1次", "1次", "已完成"],
    ]
    assert "履职记录：" in all_text(doc)


def _render(doc, fmt):
    from zeren.documents.report import render

    return render(doc, fmt)


def test_unknown_format_is_refused(county):
    from zeren.graph.errors import ZerenError

    with Store.open(county) as store, pytest.raises(ZerenError, match="未知的文件格式"):
        trace_report(store, "plan", "P003", fmt="xlsx")


# -- the quarter ----------------------------------------------------------------------------
def test_check_workbook(county):
    from openpyxl import load_workbook

    from zeren.cli.export import LIABILITY_COLUMNS

    with Store.open(county) as store:
        wb = load_workbook(io.BytesIO(check_report(store, "2019-04-01", "2019-06-30", fmt="xlsx")))
    names = wb.sheetnames
    assert names[:3] == ["汇总", "全部责任", "督查发现"]
    assert "四.4 全面落实“一户一策”精准脱贫帮扶计划" in names and "三.5 严格落实责任" in names
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
    every = wb["全部责任"]
    header = [c.value for c in every[1]]
    csv = [HEADERS[c] for c in LIABILITY_COLUMNS]  # the CSV's columns, in the same order, and 乡镇
    assert [h for h in header if h != "乡镇"] == [h for h in csv if h in header]
    assert set(csv) - set(header) <= {"任职期间", "到任天数", "发现时在职"}  # shown when the engine provides them
    rows = [dict(zip(header, (c.value for c in r))) for r in every.iter_rows(min_row=2)]
    assert {r["是否触发"] for r in rows} == {"是", "否"}
    veto = [r for r in rows if r["规则"] == "五.4-1"]
    assert {(r["机构"], r["乡镇"]) for r in veto} == {("县财政局", "甲镇"), ("县交通局", "乙乡")}
    secretary = next(r for r in rows if r["规则"] == "四.4-1" and r["乡镇"] == "甲镇")
    assert (secretary["分子"], secretary["分母"], secretary["阈值"]) == (1, 3, "3%")
    assert secretary["责任人"] == "赵书记" and secretary["任职来源"] == "乡镇.csv:第2行"
    assert "township.post" not in " ".join(str(r["职务"]) for r in rows)  # labels, not role syntax
    found = wb["督查发现"]
    cell = next(c for row in found.iter_rows(min_row=2) for c in row if c.value == NUMERIC_HH)
    assert cell.data_type == "s" and cell.number_format == "@"
    formula = next(c for row in found.iter_rows(min_row=2) for c in row if str(c.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"  # stays text, never runs
    notes = " ".join(str(c.value) for row in found.iter_rows() for c in row)
    assert "139****0000" in notes and "13909320000" not in notes
    summary = wb["汇总"]
    head = [c.value for c in summary[1] if c.value is not None]
    assert head[0] == "乡镇" and head[-1] == "合计" and "一票否决" in head
    table = {r[0].value: dict(zip(head, (c.value for c in r))) for r in summary.iter_rows(min_row=2, max_row=4)}
    assert table["乙乡"]["一票否决"] == 1 and table["甲镇"]["一票否决"] == 1
    total = next(r for r in summary.iter_rows(min_row=2) if r[0].value == "合计")
    assert total[len(head) - 1].value == sum(1 for r in rows if r["是否触发"] == "是")


def test_check_workbook_optional_columns_and_plain_result(county):
    """Without a store (as the web workbench may call it): townships from the scopes; tenure shown."""
    from openpyxl import load_workbook

    with Store.open(county) as store:
        result = check(store, "2019-04-01", "2019-06-30")
    for li in result.liabilities:
        if li.triggered:
            li.tenure = {"from": "2018-06-01", "to": None}
    wb = load_workbook(io.BytesIO(check_workbook(result)))
    header = [c.value for c in wb["全部责任"][1]]
    assert "任职期间" in header
    values = [r[header.index("任职期间")].value for r in wb["全部责任"].iter_rows(min_row=2)]
    assert "2018-06-01 至 今" in values


def test_check_report_docx_golden_and_counts(county):
    with Store.open(county) as store:
        doc = docx_of(check_report(store, "2019-04-01", "2019-06-30", fmt="docx", today="2019-07-01"))
    assert doc.paragraphs[1].text == "关于2019年第二季度《通渭县脱贫攻坚帮扶工作责任清单》落实情况的通报"
    golden("report-check-2019Q2.outline", outline(doc))
    by_town = table_with(doc, "涉及条款")
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in by_town.rows[1:]}
    assert set(rows) >= {"甲镇", "乙乡", "合计"}
    assert rows["合计"][1] == "4"  # four findings


def test_check_report_for_one_township(county):
    with Store.open(county) as store:
        doc = docx_of(check_report(store, "2019-04-01", "2019-06-30", fmt="docx", township="乙乡"))
    text = all_text(doc)
    assert doc.paragraphs[1].text.startswith("关于乙乡2019年第二季度")
    assert "县交通局" in text and "赵书记" not in text


# -- PDF ------------------------------------------------------------------------------------
def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.pdf
@needs_pdftools
def test_trace_report_pdf(county, tmp_path):
    with Store.open(county) as store:
        path = tmp_path / "r.pdf"
        path.write_bytes(trace_report(store, "plan", "P003", fmt="pdf"))
    text = pdftotext(path)
    compact = "".join(text.split())
    assert "责任倒查报告" in compact and "吕干部" in text and "督查发现" in text
    assert "1/3户贫困户=33.3%≥3%" in compact
    assert "—1—" in compact  # the page number in the footer
    assert pages(path) >= 2
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Serif-CJK-SC" in fonts  # the CJK face `make` installs is embedded: no tofu boxes
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


@pytest.mark.pdf
@needs_pdftools
def test_check_report_pdf(county, tmp_path):
    with Store.open(county) as store:
        path = tmp_path / "q.pdf"
        path.write_bytes(check_report(store, "2019-04-01", "2019-06-30", fmt="pdf"))
    compact = "".join(pdftotext(path).split())
    assert "落实情况的通报" in compact and "按乡镇统计" in compact and "乙乡" in compact


def test_pdf_is_refused_without_a_cjk_font(county, monkeypatch):
    from zeren.documents import pdf
    from zeren.graph.errors import ZerenError

    monkeypatch.setattr(pdf, "_cjk_font_installed", lambda: False)
    with Store.open(county) as store, pytest.raises(ZerenError, match="本机没有中文字体.*fonts-noto-cjk"):
        trace_report(store, "plan", "P003", fmt="pdf")
