"""The project file's mechanics: opening the SQLite file for reading or writing, keeping it
private, waiting for another writer, and naming the real cause when something goes wrong.

- **Private.** A project holds 身份证号 hashes, names and phone numbers: it is created 0600
  (:func:`create_private`; SQLite gives its ``-wal``, ``-shm`` and ``-journal`` files the
  database file's mode), directories zeren creates for it 0700 (:func:`private_dir`), and
  :func:`exposure` says when an existing file is readable by others. :func:`write_private`
  and :func:`protect_stream` keep an output carrying personal data to its owner.
- **Readers never write, and always read.** A reader opens the file read-write when it may
  (with ``PRAGMA query_only``), so SQLite can recover what a killed writer left (a hot
  rollback journal, a WAL to recover) instead of failing with "attempt to write a readonly
  database"; a reader without write permission gets a message saying the data is intact.
- **One writer at a time, waiting politely.** ``BEGIN IMMEDIATE`` waits up to
  :func:`lock_timeout` seconds (``$ZEREN_LOCK_TIMEOUT``, default 120) for another writer;
  after a second it says so once through the notice hook (:func:`set_notice`, the CLI prints
  it on stderr), and when the time is up it raises :class:`StoreError` naming the cause.
- **Causes, not codes.** Locked, read-only, disk full, I/O errors and files that are not a
  database become one :class:`StoreError` each, never an ``OperationalError`` traceback.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from .errors import StoreError

__all__ = ["connect", "create_private", "private_dir", "exposure", "write_private", "protect_stream",
           "set_notice", "lock_timeout", "ProjectConnection", "WAIT_NOTICE"]

WAIT_NOTICE = "项目文件正被另一个导入占用，等待中… (another load holds the project file; waiting)"
_NOTICE_AFTER = 1.0
_notice: Callable[[str], None] | None = None


def set_notice(fn: Callable[[str], None] | None) -> None:
    """Where the one-line "waiting for the lock" notice goes (the CLI: stderr); None: nowhere."""
    global _notice
    _notice = fn


def lock_timeout() -> float:
    """Seconds a writer waits for another one: ``$ZEREN_LOCK_TIMEOUT``, default 120."""
    try:
        return max(0.0, float(os.environ.get("ZEREN_LOCK_TIMEOUT", "120")))
    except ValueError:
        return 120.0


class ProjectConnection(sqlite3.Connection):
    """A connection that waits for the write lock with a notice and turns the environment's
    failures (lock, permissions, disk) into :class:`StoreError`."""

    path = ""
    wait = 120.0

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            if sql.lstrip()[:15].upper().startswith(("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")):
                return self._begin(sql)
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as err:
            raise cause(self.path, err, self.wait) from None

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            return super().executemany(sql, parameters)
        except sqlite3.OperationalError as err:
            raise cause(self.path, err, self.wait) from None

    def _begin(self, sql: str) -> sqlite3.Cursor:
        notice = _notice
        timer = threading.Timer(_NOTICE_AFTER, notice, (WAIT_NOTICE,)) if notice else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            return super().execute(sql)  # SQLite waits (busy timeout) without holding the GIL
        finally:
            if timer:
                timer.cancel()


def cause(path: str, err: sqlite3.Error, wait: float = 0.0) -> Exception:
    """The :class:`StoreError` naming what went wrong, or ``err`` itself (a real SQL error)."""
    text = str(err).lower()
    name = getattr(err, "sqlite_errorname", "")
    if "locked" in text or "busy" in text:
        return StoreError(f"{path}: 项目文件被另一个进程（另一个导入或写入）占用，等待 {wait:.0f} 秒后仍未释放；请稍后再试，"
                          "或设置 ZEREN_LOCK_TIMEOUT 延长等待 (the project file is locked by another writer)")
    if name in ("SQLITE_READONLY_ROLLBACK", "SQLITE_READONLY_RECOVERY", "SQLITE_READONLY_CANTINIT"):
        return StoreError(f"{path}: 上一次导入被中断，留下了待恢复的日志；数据完好（中断的导入不会生效），但恢复需要写权限："
                          "请用对该文件及其目录有写权限的账户运行任一 zeren 命令 (an interrupted load left a journal; "
                          "the data is intact, recovery needs write access)")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"{path}: 项目文件或其目录是只读的，无法写入（{err}） (read-only)")
    if "disk is full" in text or name == "SQLITE_FULL":
        return StoreError(f"{path}: 磁盘已满，写入未完成；项目未改动 (disk full; nothing was written)")
    if "disk i/o" in text or name.startswith("SQLITE_IOERR"):
        return StoreError(f"{path}: 读写项目文件时出错（{err}）；项目未改动 (I/O error)")
    if "not a database" in text or "malformed" in text or name in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return StoreError(f"{path}: 不是 zeren 项目文件，或文件已损坏（{err}） (not a zeren project file)")
    if "unable to open" in text or name == "SQLITE_CANTOPEN":
        return StoreError(f"{path}: 无法打开项目文件（{err}）；请检查文件和目录的权限 (cannot open)")
    return err


def connect(path: str | Path, *, write: bool, timeout: float | None = None) -> ProjectConnection:
    """Open an existing project file for writing, or for reading only.

    A reader is read-write underneath (``PRAGMA query_only``) whenever the user may write the
    file and its directory, so that SQLite can recover a killed writer's journal.
    """
    path = Path(path)
    wait = lock_timeout() if timeout is None else timeout
    can_write = os.access(path, os.W_OK) and os.access(path.parent if str(path.parent) else ".", os.W_OK)
    mode = "rw" if write or can_write else "ro"
    uri = f"file:{_uri_path(path)}?mode={mode}"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=wait, factory=ProjectConnection)
    except sqlite3.Error as err:
        raise cause(str(path), err, wait) from None
    conn.path = str(path)
    conn.wait = wait
    if not write and mode == "rw":
        conn.execute("PRAGMA query_only=ON")
    return conn


def _uri_path(path: Path) -> str:
    from urllib.parse import quote

    return quote(path.resolve().as_posix(), safe="/")


# -- privacy of files ------------------------------------------------------------------------
def create_private(path: str | Path) -> None:
    """Create an empty file readable and writable by its owner only (refusing to overwrite)."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def private_dir(path: str | Path) -> Path:
    """Create ``path`` (and missing parents) as directories only their owner can enter."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700)
        os.chmod(d, 0o700)  # mkdir's mode is filtered by the umask
    return path


def exposure(path: str | Path) -> str | None:
    """A one-line warning when ``path`` (or its WAL/journal) can be read by other users."""
    for p in (Path(path), *(Path(f"{path}{s}") for s in ("-wal", "-shm", "-journal"))):
        try:
            mode = stat.S_IMODE(p.stat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            return (f"{p}: 权限为 {mode:04o}，本机其他用户可以读取其中的个人信息；建议执行 chmod 600 {p} "
                    f"(readable by other users)")
    return None


def write_private(path: str | Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write an output file that only its owner can read (0600, also when it already exists)."""
    path = Path(path)
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fd = -1
            fh.write(data.encode(encoding) if isinstance(data, str) else data)
    finally:
        if fd >= 0:
            os.close(fd)
    return path


def protect_stream(stream: IO[Any]) -> bool:
    """When ``stream`` is a regular file of ours that others may read (``> out.txt``), make it
    0600; True if it was changed. Terminals and pipes are left alone."""
    try:
        fd = stream.fileno()
        st = os.fstat(fd)
    except (AttributeError, OSError, ValueError):
        return False
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or not stat.S_IMODE(st.st_mode) & 0o077:
        return False
    os.fchmod(fd, 0o600)
    return True
