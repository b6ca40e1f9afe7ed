"""The audit log (审计日志): who did what to a project, and when.

Every login (ok or failed), upload, load, view of personal data and change of an account is
one event: the time in Beijing time (ISO 8601, ``+08:00``), the actor (an account name, or
``os:NAME`` for a command-line user), the action, the object it concerned and a detail
(a small JSON object). The events live in a table of the project file, ``audit_log``,
created on first use; it is not part of the store's schema (``schema_version`` does not
change) and the store never reads it. Each call opens its own short connection, so an
event is written even while a read-only store is open on the same file.

Example::

    record("zeren.db", actor="li", action="login", object="li", detail={"ok": True})
    for event in events("zeren.db", action="login"):
        print(event.at, event.actor, event.detail)
"""

from __future__ import annotations

import getpass
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .errors import StoreError

__all__ = ["BEIJING", "Event", "record", "events", "os_actor", "now"]

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

_DDL = (
    "CREATE TABLE IF NOT EXISTS audit_log(id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, "
    "action TEXT NOT NULL, object TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '{}')",
    "CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log(actor, action)",
)

#: How long a write waits for a load's write lock before giving up (a load holds it for its
#: whole duration; a county's takes a few seconds).
BUSY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Event:
    id: int
    at: str
    actor: str
    action: str
    object: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at, "actor": self.actor, "action": self.action,
                "object": self.object, "detail": self.detail}


def now() -> str:
    """The current time in Beijing time, ISO 8601 to the second."""
    return datetime.now(BEIJING).isoformat(timespec="seconds")


def os_actor() -> str:
    """The actor of a command-line call: the operating-system user."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (a container without one)
        return "os:?"


@contextmanager
def _connect(path: str | Path, *, write: bool) -> Iterator[sqlite3.Connection]:
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: 项目文件不存在 (no project here)")
    uri = f"file:{path.resolve().as_posix()}?mode={'rw' if write else 'ro'}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as err:
        raise StoreError(f"{path}: cannot open the audit log ({err})") from err
    try:
        yield conn
    except sqlite3.Error as err:
        raise StoreError(f"{path}: audit log: {err}") from err
    finally:
        conn.close()


def record(path: str | Path, *, actor: str, action: str, object: str = "",
           detail: dict[str, Any] | None = None) -> Event:
    """Append one event to the project's audit log (creating the table on first use)."""
    at = now()
    text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)
    with _connect(path, write=True) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if not _exists(conn):
                for statement in _DDL:
                    conn.execute(statement)
            cur = conn.execute("INSERT INTO audit_log(at, actor, action, object, detail) VALUES (?,?,?,?,?)",
                               (at, actor, action, object, text))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return Event(int(cur.lastrowid), at, actor, action, object, detail or {})


def _exists(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='audit_log'").fetchone() is not None


def events(path: str | Path, *, actor: str | None = None, action: str | None = None,
           since: str | None = None, limit: int | None = None) -> list[Event]:
    """The events of the audit log, oldest first (``limit``: the latest ones only)."""
    with _connect(path, write=False) as conn:
        if not _exists(conn):
            return []
        conds, args = [], []
        for col, val in (("actor", actor), ("action", action)):
            if val is not None:
                conds.append(f"{col} = ?")
                args.append(val)
        if since is not None:
            conds.append("at >= ?")
            args.append(since)
        sql = "SELECT id, at, actor, action, object, detail FROM audit_log"
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        rows = conn.execute(sql, args).fetchall()
    return [Event(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in reversed(rows)]
