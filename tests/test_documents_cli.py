"""zeren report through CliRunner: files written, their type from the extension, 0600 with
personal data, one-line errors; and the demo's documents."""

from __future__ import annotations

import io
import os
import stat

import pytest
from rosters import F_HEADER, loaded, write_base, write_csv
from zeren.cli.main import cli


@pytest.fixture
def county(project, tmp_path):
    files = write_base(tmp_path)
    files.append(write_csv(tmp_path / "f.csv", F_HEADER,
                           [["2019-05-01", "县委督查室", "一户一策未制定", "户", "H003", ""]]))
    return loaded(project, files)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_report_trace_writes_docx(runner, county, tmp_path):
    from docx import Document

    out = tmp_path / "报告.docx"
    result = runner.invoke(cli, ["--project", str(county), "report", "trace", "plan", "P003", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    doc = Document(str(out))
    assert doc.paragraphs[1].text.endswith("责任倒查报告")


@pytest.mark.parametrize("args", [["trace", "household", "H003", "--period", "2019Q2"],
                                  ["check", "--period", "2019Q2"]])
def test_personal_data_files_are_private(runner, county, tmp_path, args):
    out = tmp_path / ("r.docx" if args[0] == "trace" else "q.xlsx")
    out.write_bytes(b"old")
    os.chmod(out, 0o644)
    result = runner.invoke(cli, ["--project", str(county), "report", *args, "-o", str(out), "--show-personal-data"])
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600
    plain = tmp_path / ("p.docx" if args[0] == "trace" else "p.xlsx")
    assert runner.invoke(cli, ["--project", str(county), "report", *args, "-o", str(plain)]).exit_code == 0
    assert mode(plain) & 0o044  # masked output keeps the ordinary permissions


def test_report_check_xlsx_by_dates_and_township(runner, county, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "q.xlsx"
    result = runner.invoke(cli, ["--project", str(county), "report", "check", "--from", "2019-04-01", "--to",
                                 "2019-06-30", "--township", "甲镇", "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    towns = {c.value for c in wb["全部责任"]["I"][1:] if c.value}
    assert towns == {"甲镇"}


@pytest.mark.parametrize("args, message", [
    (["trace", "plan", "P003", "-o", "r.xlsx"], "未知的文件类型“.xlsx”；可用：.docx, .pdf"),
    (["check", "--period", "2019Q2", "-o", "q.csv"], "未知的文件类型“.csv”；可用：.xlsx, .docx, .pdf"),
    (["check", "-o", "q.xlsx"], "请给出 --period"),
    (["check", "--period", "2019Q2", "--from", "2019-04-01", "-o", "q.xlsx"], "只能给一种"),
    (["trace", "plan", "NOPE", "-o", "r.docx"], "计划编号 NOPE 不在项目中"),
    (["check", "--period", "2019Q2", "--township", "北京镇", "-o", "q.docx"], "北京镇"),
])
def test_report_errors_are_one_line(runner, county, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["--project", str(county), "report", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not any(p.suffix in (".docx", ".xlsx") for p in tmp_path.iterdir())


def test_demo_documents(county, tmp_path):
    """What `zeren demo` adds after the diagrams: a trace report (Word, PDF) and the quarter's workbook."""
    from zeren.cli.demo import _demo_documents

    made = dict(_demo_documents(tmp_path, county, "plan", "P003", "2019Q2", "2019-04-01", "2019-06-30"))
    assert set(made) == {"report .docx", "report .pdf", "check .xlsx"}
    for path in made.values():
        assert os.path.getsize(path) > 1000
    assert made["report .pdf"].endswith("倒查报告-P003.pdf")
    assert open(made["report .pdf"], "rb").read(5) == b"%PDF-"
