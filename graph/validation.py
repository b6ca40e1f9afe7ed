"""Collecting every problem of a data file (rulebook, domain pack) before refusing it."""

from __future__ import annotations

from typing import Any

from .errors import Problem

__all__ = ["Collector"]


class Collector:
    """Problems of one source: each names where (a section or entry), the key, the value."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def add(self, where: str, key: str, message: str, value: Any = None) -> None:
        self.problems.append(
            Problem(self.source, message, sheet=where, column=key, value=None if value is None else str(value))
        )

    def keys(self, mapping: Any, allowed: set[str], where: str, required: set[str] = frozenset()) -> bool:
        """Check a mapping's keys: unknown ones and missing required ones are problems."""
        if not isinstance(mapping, dict):
            self.add(where, "", "应为键值映射", type(mapping).__name__)
            return False
        for key in mapping:
            if key not in allowed:
                self.add(where, str(key), f"未知的键（允许：{', '.join(sorted(allowed))}）")
        missing = sorted(required - set(mapping))
        for key in missing:
            self.add(where, key, "缺少必填的键")
        return not missing

    def strings(self, value: Any, where: str, key: str) -> list[str]:
        """A string or a list of strings, as a list; anything else is a problem."""
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            if isinstance(item, (str, int, float)) and not isinstance(item, bool):
                out.append(str(item))
            elif hasattr(item, "isoformat"):  # a YAML date
                out.append(item.isoformat())
            else:
                self.add(where, key, "应为文字或文字的列表", item)
        return out
