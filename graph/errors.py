"""zeren's exception hierarchy. The library raises these; only the CLI formats them.

A :class:`Problem` renders as one line whatever the input held: the value it echoes is
clipped (:func:`clip`), personal data in it or in the message is masked, and control
characters are shown escaped, so a 100,000-character cell or an ESC sequence in a roster
never floods or drives the user's terminal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .privacy import escape_controls, mask_text

__all__ = ["ZerenError", "Problem", "InputError", "RulebookError", "StoreError", "NotFound", "clip", "safe_line", "CLIP",
           "grouped_lines", "problems_csv"]

_QUOTED = re.compile("“([^”]{%d,})”" % (60 + 1))
#: The most characters of a value an error message echoes.
CLIP = 60


def clip(value: str, limit: int = CLIP) -> str:
    """``value`` cut to ``limit`` characters, saying how long it was: ``abc…（共 100000 字）``."""
    return value if len(value) <= limit else f"{value[:limit]}…（共 {len(value)} 字）"


def safe_line(text: str) -> str:
    """One line for the user: personal data masked, control characters escaped."""
    return escape_controls(mask_text(text), keep_newlines=False)


class ZerenError(Exception):
    """Base of every error zeren raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem in one place of an input: file, sheet, row, column, value, what to do."""

    file: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.sheet:
            where += f":{self.sheet}"
        if self.row is not None:
            where += f":第{self.row}行"
        if self.column:
            where += f":{clip(self.column)}"
        # Masked before clipped: a cut must not leave half a 身份证号 in view.
        value = "" if self.value is None else f" 值“{clip(mask_text(self.value))}”："
        # Values the message quotes (“…”) are clipped too: a conflict echoes the other row's value.
        message = _QUOTED.sub(lambda m: f"“{clip(m.group(1))}”", mask_text(self.message))
        line = f"{where}:{value}{message}" if value else f"{where}: {message}"
        return safe_line(line)


class InputError(ZerenError):
    """An input file (roster, findings, rulebook) has problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RulebookError(InputError):
    """A rulebook file does not validate."""


class StoreError(ZerenError):
    """The project store is missing, of another version, or cannot be written."""


class NotFound(ZerenError):
    """A subject (plan, household, finding …) is not in the project."""


#: Up to this many problems are listed one line each; more are grouped.
LIST_ALL = 20
#: The most group lines printed; the rest are counted.
GROUPS_SHOWN = 40


def grouped_lines(problems: list[Problem]) -> list[str]:
    """The lines to show for ``problems``: each one when there are few; otherwise one line per
    (file, sheet, column, problem) with its count, the first rows and the first value — a sheet
    where Excel damaged every 身份证号 gives one line, not three thousand."""
    if len(problems) <= LIST_ALL:
        return [str(p) for p in problems]
    groups: dict[tuple[str, str, str, str], list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.file, p.sheet, p.column, p.message), []).append(p)
    lines = []
    for (file, sheet, column, message), members in list(groups.items())[:GROUPS_SHOWN]:
        if len(members) == 1:
            lines.append(str(members[0]))
            continue
        rows = [m.row for m in members if m.row is not None]
        where = file + (f":{sheet}" if sheet else "") + (f":{clip(column)}" if column else "")
        shown_rows = "、".join(f"第{r}行" for r in rows[:5]) + ("等" if len(rows) > 5 else "")
        first = next((m.value for m in members if m.value is not None), None)
        value = f" 值如“{clip(first)}”" if first is not None else ""
        text = _QUOTED.sub(lambda m: f"“{clip(m.group(1))}”", message)
        lines.append(safe_line(f"{where}:{value}：{text}（共 {len(members)} 处：{shown_rows}）" if shown_rows
                               else f"{where}:{value}：{text}（共 {len(members)} 处）"))
    if len(groups) > GROUPS_SHOWN:
        rest = sum(len(m) for m in list(groups.values())[GROUPS_SHOWN:])
        lines.append(f"另有 {len(groups) - GROUPS_SHOWN} 类共 {rest} 个问题未列出")
    return lines


def problems_csv(problems: list[Problem]) -> list[list[str]]:
    """Every problem as a row (文件, 工作表, 行, 列, 值, 问题) — values masked and clipped as on screen."""
    rows = [["文件", "工作表", "行", "列", "值", "问题"]]
    for p in problems:
        rows.append([p.file, p.sheet, "" if p.row is None else str(p.row), p.column,
                     "" if p.value is None else clip(mask_text(p.value)), mask_text(p.message)])
    return rows
