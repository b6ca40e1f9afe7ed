"""Documents the offices file: the 责任倒查 report (Word, PDF) and the quarter (Excel, Word, PDF).

``report.trace_report`` and ``report.check_report`` return the bytes of a finished file;
``xlsx.check_workbook`` turns a check result into a workbook. The content of a report is
built once as a small document model (:mod:`.model`) and set by two renderers: python-docx
for Word (:mod:`.word`) and WeasyPrint for PDF (:mod:`.pdf`), so the two cannot drift apart.
Heavy libraries (python-docx, openpyxl, WeasyPrint) are imported by the functions that use them.
"""

from __future__ import annotations

__all__ = ["trace_report", "check_report", "check_workbook"]


def __getattr__(name: str):  # lazy re-exports: importing zeren.documents stays cheap
    if name in ("trace_report", "check_report"):
        from . import report

        return getattr(report, name)
    if name == "check_workbook":
        from .xlsx import check_workbook

        return check_workbook
    raise AttributeError(name)
