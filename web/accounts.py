"""Accounts and sessions of the web workbench, kept in tables of the project file.

``web_account`` holds one row per account: its role (admin, inspector, clerk), the township a
clerk works for, whether it is granted personal data (admins only), whether it is disabled,
and its password as an Argon2id hash (argon2-cffi, RFC 9106 parameters). ``web_session``
holds the open sessions by the SHA-256 of their token (the cookie carries the token, the
table cannot be replayed), with each session's CSRF token. ``web_setting`` keeps the key that
signs the cookies. The tables are created on first write; the store's schema is untouched.

Each call opens its own short connection: a login never waits on a read-only store, and
waits on a load's write lock only as long as that load runs.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..graph.audit import BEIJING, now
from ..graph.errors import StoreError, ZerenError

__all__ = ["ROLES", "Account", "AccountError", "add", "get", "accounts", "set_password", "set_disabled",
           "verify", "start_session", "session", "end_session", "signing_key", "SESSION_HOURS", "MIN_PASSWORD"]

ROLES = ("admin", "inspector", "clerk")
ROLE_LABELS = {"admin": "管理员", "inspector": "督查人员", "clerk": "乡镇文书"}
SESSION_HOURS = 8
MIN_PASSWORD = 10

_DDL = (
    "CREATE TABLE IF NOT EXISTS web_account(name TEXT PRIMARY KEY, role TEXT NOT NULL, township TEXT, "
    "personal_data INTEGER NOT NULL DEFAULT 0, password TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, "
    "created TEXT NOT NULL, changed TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS web_session(id TEXT PRIMARY KEY, account TEXT NOT NULL, csrf TEXT NOT NULL, "
    "created TEXT NOT NULL, expires TEXT NOT NULL, client TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX IF NOT EXISTS web_session_account ON web_session(account)",
    "CREATE TABLE IF NOT EXISTS web_setting(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
_COLS = "name, role, township, personal_data, disabled, created, changed"


class AccountError(ZerenError):
    """An account request that cannot be met (unknown name, bad role, short password …)."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    township: str | None = None
    personal_data: bool = False
    disabled: bool = False
    created: str = ""
    changed: str = ""

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "township": self.township,
                "personal_data": self.personal_data, "disabled": self.disabled,
                "created": self.created, "changed": self.changed}


def _account(row: Any) -> Account:
    return Account(row[0], row[1], row[2], bool(row[3]), bool(row[4]), row[5], row[6])


# -- connections ---------------------------------------------------------------------------
@contextmanager
def _connect(path: str | Path, *, write: bool) -> Iterator[sqlite3.Connection | None]:
    """A connection to the project file (None for a read when no account was ever made)."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: 项目文件不存在 (no project here)")
    uri = f"file:{path.resolve().as_posix()}?mode={'rw' if write else 'ro'}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=60.0, isolation_level=None)
    except sqlite3.Error as err:
        raise StoreError(f"{path}: cannot open the accounts ({err})") from err
    try:
        have = conn.execute("SELECT 1 FROM sqlite_master WHERE name='web_account'").fetchone() is not None
        if write:
            conn.execute("BEGIN IMMEDIATE")
            if not have:
                for statement in _DDL:
                    conn.execute(statement)
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        else:
            yield conn if have else None
    except sqlite3.Error as err:
        raise StoreError(f"{path}: accounts: {err}") from err
    finally:
        conn.close()


# -- passwords -----------------------------------------------------------------------------
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # Argon2id, RFC 9106 low-memory profile: t=3, m=64 MiB, p=4


def _hash(password: str) -> str:
    return _hasher().hash(password)


#: Verified against when the account does not exist, so a wrong name costs as long as a wrong password.
_DUMMY: list[str] = []


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符 (the password needs at least {MIN_PASSWORD} characters)")
    if password != password.strip() or any(unicodedata.category(c).startswith("C") for c in password):
        raise AccountError("密码不能以空白开头或结尾，也不能含控制字符 (no surrounding spaces or control characters)")


def _check_name(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).strip()
    if not name or len(name) > 64 or any(c.isspace() or unicodedata.category(c).startswith("C") for c in name):
        raise AccountError(f"账户名“{name}”不可用：1–64 个字符，不含空白 (1–64 characters, no spaces)")
    return name


# -- accounts ------------------------------------------------------------------------------
def add(path: str | Path, name: str, role: str, password: str, *, township: str | None = None,
        personal_data: bool = False) -> Account:
    """Create an account. A clerk needs a township; only an admin may be granted personal data."""
    name = _check_name(name)
    if role not in ROLES:
        raise AccountError(f"角色“{role}”不存在：可用 {', '.join(ROLES)}")
    if role == "clerk" and not township:
        raise AccountError("乡镇文书（clerk）账户须指定乡镇 (a clerk needs --township)")
    if role != "clerk" and township:
        raise AccountError("只有乡镇文书（clerk）账户属于一个乡镇 (only a clerk has a township)")
    if personal_data and role != "admin":
        raise AccountError("只有管理员（admin）账户可被授权查看个人信息 (only an admin may be granted personal data)")
    _check_password(password)
    digest = _hash(password)
    stamp = now()
    with _connect(path, write=True) as conn:
        if conn.execute("SELECT 1 FROM web_account WHERE name=?", (name,)).fetchone():
            raise AccountError(f"账户“{name}”已存在 (account exists)")
        conn.execute(f"INSERT INTO web_account({_COLS}, password) VALUES (?,?,?,?,?,?,?,?)",
                     (name, role, township, int(personal_data), 0, stamp, stamp, digest))
    return Account(name, role, township, personal_data, False, stamp, stamp)


def get(path: str | Path, name: str) -> Account | None:
    with _connect(path, write=False) as conn:
        if conn is None:
            return None
        row = conn.execute(f"SELECT {_COLS} FROM web_account WHERE name=?", (name,)).fetchone()
    return _account(row) if row else None


def accounts(path: str | Path) -> list[Account]:
    with _connect(path, write=False) as conn:
        if conn is None:
            return []
        return [_account(r) for r in conn.execute(f"SELECT {_COLS} FROM web_account ORDER BY name")]


def _require(conn: sqlite3.Connection, name: str) -> None:
    if not conn.execute("SELECT 1 FROM web_account WHERE name=?", (name,)).fetchone():
        raise AccountError(f"账户“{name}”不存在 (no such account)")


def set_password(path: str | Path, name: str, password: str) -> None:
    """Set a new password; every open session of the account ends."""
    _check_password(password)
    digest = _hash(password)
    with _connect(path, write=True) as conn:
        _require(conn, name)
        conn.execute("UPDATE web_account SET password=?, changed=? WHERE name=?", (digest, now(), name))
        conn.execute("DELETE FROM web_session WHERE account=?", (name,))


def set_disabled(path: str | Path, name: str, disabled: bool = True) -> None:
    """Disable (or enable again) an account; disabling ends its sessions."""
    with _connect(path, write=True) as conn:
        _require(conn, name)
        conn.execute("UPDATE web_account SET disabled=?, changed=? WHERE name=?", (int(disabled), now(), name))
        if disabled:
            conn.execute("DELETE FROM web_session WHERE account=?", (name,))


def verify(path: str | Path, name: str, password: str) -> Account | None:
    """The account if ``password`` is its password and it is not disabled; None otherwise."""
    from argon2.exceptions import InvalidHashError, VerificationError

    with _connect(path, write=False) as conn:
        row = conn.execute(f"SELECT {_COLS}, password FROM web_account WHERE name=?", (name,)).fetchone() \
            if conn is not None else None
    hasher = _hasher()
    if row is None:
        if not _DUMMY:
            _DUMMY.append(hasher.hash(secrets.token_hex(16)))
        try:
            hasher.verify(_DUMMY[0], password)
        except VerificationError:
            pass
        return None
    try:
        hasher.verify(row[7], password)
    except (VerificationError, InvalidHashError):
        return None
    account = _account(row)
    return None if account.disabled else account


# -- sessions ------------------------------------------------------------------------------
def _sid(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(path: str | Path, name: str, client: str = "") -> tuple[str, str]:
    """Open a session for an account: (the cookie's token, the session's CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    start = datetime.now(BEIJING)
    with _connect(path, write=True) as conn:
        conn.execute("DELETE FROM web_session WHERE expires < ?", (start.isoformat(timespec="seconds"),))
        conn.execute("INSERT INTO web_session(id, account, csrf, created, expires, client) VALUES (?,?,?,?,?,?)",
                     (_sid(token), name, csrf, start.isoformat(timespec="seconds"),
                      (start + timedelta(hours=SESSION_HOURS)).isoformat(timespec="seconds"), client))
    return token, csrf


def session(path: str | Path, token: str) -> tuple[Account, str] | None:
    """The account and CSRF token of an open, unexpired session of an enabled account."""
    with _connect(path, write=False) as conn:
        if conn is None:
            return None
        row = conn.execute(
            f"SELECT {', '.join('a.' + c.strip() for c in _COLS.split(','))}, s.csrf, s.expires FROM web_session s "
            "JOIN web_account a ON a.name = s.account WHERE s.id=?", (_sid(token),)).fetchone()
    if row is None or row[8] < now():
        return None
    account = _account(row)
    return None if account.disabled else (account, row[7])


def end_session(path: str | Path, token: str) -> None:
    with _connect(path, write=True) as conn:
        conn.execute("DELETE FROM web_session WHERE id=?", (_sid(token),))


def signing_key(path: str | Path) -> str:
    """The key that signs session cookies, made on first use and kept in the project file."""
    with _connect(path, write=False) as conn:
        row = conn.execute("SELECT value FROM web_setting WHERE key='cookie_key'").fetchone() if conn else None
    if row:
        return row[0]
    with _connect(path, write=True) as conn:
        conn.execute("INSERT OR IGNORE INTO web_setting VALUES ('cookie_key', ?)", (secrets.token_hex(32),))
        return conn.execute("SELECT value FROM web_setting WHERE key='cookie_key'").fetchone()[0]
