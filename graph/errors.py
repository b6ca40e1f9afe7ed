"""zeren's exception hierarchy. The library raises these; only the CLI formats them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ZerenError", "Problem", "InputError", "RulebookError", "StoreError", "NotFound"]


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
            where += f":{self.column}"
        value = "" if self.value is None else f" 值“{self.value}”："
        return f"{where}:{value}{self.message}" if value else f"{where}: {self.message}"


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
