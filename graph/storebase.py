"""What every store shares (the project file and the server store): the rulebook read from
``meta``, and ``with`` blocks. Its own module so that the server store's read path does not
import the project file's (SQLite, the fact tables)."""

from __future__ import annotations

import json

from .rules import Rulebook, parse_rulebook

__all__ = ["StoreBase"]


class StoreBase:
    """What every store shares: the rulebook read from ``meta``, and ``with`` blocks."""

    path: str
    _rulebook: Rulebook | None = None

    def meta(self, key: str) -> str | None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def rulebook(self) -> Rulebook:
        if self._rulebook is None:
            self._rulebook = parse_rulebook(json.loads(self.meta("rulebook") or "{}"), f"{self.path}:rulebook")
        return self._rulebook
