"""Hand-made hostile inputs for the hardening tests: .xlsx parts written byte by byte (so a
test can make a sheet no spreadsheet program would), and the zeren CLI in a subprocess with
its memory capped (a reader that trusts a file's claims must fail the test, not the machine)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{over}</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _esc(v: str) -> str:
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell(ref: str, v: object) -> str:
    if isinstance(v, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{_esc(v)}</t></is></c>'
    return f'<c r="{ref}"><v>{v}</v></c>'


def sheet_xml(rows: Iterable[tuple[int, list[tuple[int, object]]]]) -> bytes:
    """A worksheet part: ``rows`` are (row number, [(column index, value)])."""
    body = "".join(f'<row r="{r}">' + "".join(cell(f"{col(c)}{r}", v) for c, v in cells) + "</row>"
                   for r, cells in rows)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{_NS}"><sheetData>'
            f"{body}</sheetData></worksheet>").encode()


def table(header: list[str], rows: list[list[object]]) -> list[tuple[int, list[tuple[int, object]]]]:
    return [(i + 1, list(enumerate(r))) for i, r in enumerate([header, *rows])]


def xlsx(path: Path, sheets: dict[str, bytes | Iterable[bytes]], *, skip: tuple[str, ...] = (),
         level: int = 6) -> Path:
    """Write a workbook whose sheet parts are the given bytes (or chunks, streamed)."""
    names = list(sheets)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        over = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                       f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(len(names)))
        z.writestr("[Content_Types].xml", _CT.format(over=over))
        z.writestr("_rels/.rels", _RELS)
        listed = "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                      f'<workbook xmlns="{_NS}" xmlns:r="{_R}"><sheets>{listed}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{_R}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                       for i in range(len(names)))
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
                   "</Relationships>")
        for i, (name, data) in enumerate(sheets.items()):
            part = f"xl/worksheets/sheet{i + 1}.xml"
            if part in skip:
                continue
            if isinstance(data, bytes):
                z.writestr(part, data)
            else:
                with z.open(part, "w", force_zip64=True) as fh:
                    for chunk in data:
                        fh.write(chunk)
    return path


def zeren(*args: str, memory: int = 1536 * 2**20, timeout: float = 120, env: dict[str, str] | None = None,
          cwd: Path | None = None, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess with its address space capped at ``memory`` bytes."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, "-m", "zeren.cli", *args], stdout=stdout, stderr=subprocess.PIPE,
                          timeout=timeout, preexec_fn=cap, env={**os.environ, **(env or {})}, cwd=cwd)
