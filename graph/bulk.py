"""Rows into SQLite as fast as Python can hand them over: many to a statement.

``executemany`` binds and steps one row at a time; a statement of many rows
(``INSERT … VALUES (…), (…), …``, :func:`insert_rows`) is prepared once and stepped through
once, and SQLite does the rest in C: a county's household rows in 0.095 s of CPU instead of
0.111 s. Larger statements take longer to prepare than they save (:data:`ROWS_PER_STATEMENT`).

Binding None or True/False, Python's sqlite3 (3.11) asks its adapter registry, then the
value's ``__adapt__`` and ``__conform__``, and each failed lookup builds an AttributeError:
about 1 µs a value, and a roster row binds several empty cells. Adapters registered for these
two types (at import) give SQLite the same values — NULL, 0 or 1 — at once; registering them
for NoneType and bool leaves the module's fast path for int, float and str as it is.

A writer thread for these statements was tried (a table's rows inserted while the next rows
are read, SQLite letting go of the GIL as it works): on this machine's two cores it made a
county's load slower — 0.95 s → 1.33 s with the second core idle, 0.3 s more CPU — both
threads handing the GIL and the same objects back and forth.
"""

from __future__ import annotations

import sqlite3
from itertools import chain

TYPE_CHECKING = False  # (typing is not imported: graph.stage's child starts faster without it)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = ["insert_rows", "ROWS_PER_STATEMENT"]

#: Rows per INSERT statement (fewer when the columns would pass SQLite's limit of parameters).
ROWS_PER_STATEMENT = 200

sqlite3.register_adapter(type(None), {}.get)  # a C function returning None for any argument
sqlite3.register_adapter(bool, int)


def insert_rows(conn: sqlite3.Connection, head: str, values: str, rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` with ``head`` (``INSERT INTO t(a, b, …)``) and ``values``, one row's
    ``(?, ?, …)`` (a row holds a value for each ``?``), many rows to a statement."""
    width = values.count("?")
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(ROWS_PER_STATEMENT, limit // max(width, 1)))
    full = len(rows) - len(rows) % per
    if full:
        sql = f"{head} VALUES {','.join([values] * per)}"
        for i in range(0, full, per):
            conn.execute(sql, list(chain.from_iterable(rows[i:i + per])))
    if full < len(rows):
        conn.executemany(f"{head} VALUES {values}", rows[full:])
