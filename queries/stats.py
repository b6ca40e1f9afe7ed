"""Counts of what a project holds."""

from __future__ import annotations

from typing import Any

__all__ = ["project_stats"]

#: Plural names of the counted kinds, in the order shown.
_PLURAL = {
    "county": "counties", "township": "townships", "village": "villages", "household": "households",
    "plan": "plans", "team": "teams", "unit": "units", "body": "bodies", "post": "posts",
    "person": "persons", "clause": "clauses", "finding": "findings",
}


def project_stats(store: Any) -> dict[str, int]:
    """``{"households": …, "villages": …, "townships": …, "teams": …, "persons": …, "findings": …}``."""
    counts = store.counts()
    return {plural: int(counts.get(kind, 0)) for kind, plural in _PLURAL.items()}
