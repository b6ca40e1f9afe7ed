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

__all__ = ["ZerenError", "Problem", "InputError", "RulebookError", "StoreError", "NotFound", "clip", "safe_line", "CLIP"]

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
