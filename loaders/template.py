"""Empty .xlsx templates with the canonical headers, for clerks to fill in."""

from __future__ import annotations

from pathlib import Path

from ..graph.pack import Pack

__all__ = ["write_templates", "text_columns"]


def text_columns(pack: Pack, roster) -> set[str]:
    """Columns Excel must keep as typed (ids, 身份证号): never numbers, never dates."""
    out = {s.column for s in roster.slots if s.column and s.mode in ("create", "ref")}
    for kind in pack.model.kinds.values():
        out |= {p.column for p in kind.props.values() if p.type == "id_number"}
    if roster.record:
        out |= {roster.fields[f] for f in ("object",) if f in roster.fields}
    return out & set(roster.headers)


def write_templates(directory: str | Path, pack: Pack, rows: int = 500) -> list[Path]:
    """One workbook per kind and ``全部清单.xlsx`` with a sheet per kind; returns the paths.

    ID columns are formatted as text so Excel never turns a 身份证号 into a number.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []

    def fill(ws, kind) -> None:
        typed = text_columns(pack, kind)
        ws.append(["序号", *kind.headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i, header in enumerate(["序号", *kind.headers], start=1):
            letter = ws.cell(row=1, column=i).column_letter
            ws.column_dimensions[letter].width = max(10, 2.2 * len(header) + 2)
            if header in typed:
                for r in range(2, rows + 2):
                    ws.cell(row=r, column=i).number_format = "@"
        ws.freeze_panes = "A2"

    everything = Workbook()
    everything.remove(everything.active)
    for kind in pack.rosters:
        wb = Workbook()
        ws = wb.active
        ws.title = kind.name
        fill(ws, kind)
        path = directory / f"{kind.name}.xlsx"
        wb.save(path)
        written.append(path)
        fill(everything.create_sheet(kind.name), kind)
    path = directory / "全部清单.xlsx"
    everything.save(path)
    written.append(path)
    return written
