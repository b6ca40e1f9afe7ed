"""A load's fact rows written by a second process, so that writing them uses the other core.

Handing a row to SQLite from Python costs about as much as reading it: each value is bound
through the sqlite3 module (a type check, a UTF-8 copy, SQLite's own copy), about 100 ns a
value, a third of a big load. A thread cannot take that work off the reader (binding holds
the GIL; tried: slower). A process can: the loader sends each batch of staged rows down a pipe
(``marshal``: a quarter of the cost of inserting them), a child process binds and inserts them
into a scratch SQLite file beside the project, and when the load compares and writes, each
table's rows come into the project in one ``INSERT … SELECT`` — SQLite copying records in C,
in the load's own transaction. What is stored does not change: the same rows in the same
order, so the same ids, through the same columns and constants (``facts.insert_sql``).

The scratch file holds the project's own kind of data (names, masked numbers, keyed hashes):
it is created 0600 in the project's directory; once the loader has opened it to bring the rows
in, its name is removed (read on through the open handle), and it is removed whichever way
the load ends; the child removes it when the loader dies first (its pipe closes early) or both
get SIGTERM or SIGHUP, and a scratch file whose loader and child were both killed outright is
removed by the project's next load on the same machine. A child that cannot start is not used
(the loader writes its rows itself); one that stops during a load (killed, disk full) fails the
load with one line, and the project is not changed (the load's transaction rolls back).

Used when a load has enough rows for it (:data:`STAGE_FROM`) and the process may run on two
cores; ``ZEREN_LOAD_WORKER=0`` turns it off, ``=1`` uses it for a load of any size. The child
is ``python -I -S`` given this file, ``bulk.py`` and ``keyed.py`` by path (the standard library
only), so it runs however zeren was installed. It also masks and hashes the 身份证号 a row
program left to the writer (:mod:`zeren.graph.keyed`): the loader sends it the project's key
once, down the pipe.
"""

from __future__ import annotations

import marshal
import os
import select
import struct
import sys
import zlib

TYPE_CHECKING = False  # (typing is not imported: the child starts faster without it)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from typing import Any

    from .errors import StoreError

__all__ = ["Stager", "STAGE_FROM", "BATCH", "wanted"]

#: A load of fewer rows (an estimate from the files' lines) writes them itself: the child costs
#: ~25 ms of the other core to start, and a small load has little to share.
STAGE_FROM = 20_000

#: Rows a batch sends: when the loader finishes, the child has about one batch left to write.
BATCH = 1000

#: Seconds a new table waits for the child to have started (0: a table created before it is
#: ready is written by the loader itself; the big tables come later). Tests wait.
READY_WAIT = 0.0

_LEN = struct.Struct("<I")
#: This machine, in a scratch file's name (a project's directory may be shared with others).
_HOST = format(zlib.crc32(os.uname().nodename.encode()), "08x") if hasattr(os, "uname") else "0"
_ALIAS = "zeren_stage"


def wanted(sizes: Iterable[int]) -> bool:
    """Whether a load of tables of about ``sizes`` rows writes them through a child process:
    ``ZEREN_LOAD_WORKER`` ``0`` never, ``1`` whatever the size, unset from :data:`STAGE_FROM`
    rows on. ``sizes`` is read only as far as it must be (a CSV's size is its lines, counted)."""
    setting = os.environ.get("ZEREN_LOAD_WORKER", "").strip()
    if setting == "0":
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    if cores < 2:
        return False
    if setting == "1":
        return True
    rows = 0
    for n in sizes:
        rows += n
        if rows >= STAGE_FROM:
            return True
    return False


class Stager:
    """The child process and its scratch file, for one load."""

    def __init__(self, project: str | Path, secret: str):
        import secrets
        import subprocess
        from pathlib import Path

        from . import projectfile
        from .keyed import KeyedHash

        self.project = str(project)
        project = Path(project)
        _remove_stale(project)
        self.path = project.with_name(f".{project.name}.stage-{os.getpid()}-{secrets.token_hex(4)}-{_HOST}")
        projectfile.create_private(self.path)
        self.inode = self.path.stat().st_ino  # the file brought in must be this one
        self.tables = 0
        self.state = "starting"  # → ready → ended; or unused (the child did not start)
        self.hasher = KeyedHash(secret)  # for rows the loader finishes itself (graph.keyed)
        self.attached: Any = None  # the connection the scratch file is attached to
        self.proc: Any = None
        here = Path(__file__).resolve().parent
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _CHILD, str(here), str(self.path)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:  # a pipe of 1 MiB (Linux): the loader seldom waits for the child
                import fcntl

                fcntl.fcntl(self.proc.stdin.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
            except (ImportError, OSError):
                pass
            self._send(("K", secret))  # the key of the keyed hashes, for numbers left to the child
            self._poll = select.poll()
            self._poll.register(self.proc.stdout, select.POLLIN)
        except BaseException:
            self.close()
            raise

    # -- the loader's side -------------------------------------------------------------------
    def table(self, definitions: list[str], columns: list[str], values: list[str], extras: int,
              marks: dict[str, tuple[int, str]]) -> int:
        """A new scratch table: its number, or 0 when the child is not (yet, or at all) there to
        write it (the loader writes that table's rows itself). ``definitions``: its columns' (the
        project table's); a row sent gives ``values`` (``?`` for each value it carries, or a
        constant) to ``columns``; ``extras``, ``marks``: where rows hold numbers to finish
        (:func:`keyed.finish_rows`)."""
        if not self.ready():
            return 0
        self.tables += 1
        self._send(("T", self.tables, definitions, columns, values, extras, marks))
        return self.tables

    def ready(self) -> bool:
        """Whether the child has started (asked without waiting, but for :data:`READY_WAIT`)."""
        if self.state == "starting":
            # poll, not select: a server process may hold more than 1,024 descriptors
            if not self._poll.poll(int(READY_WAIT * 1000)):
                return False  # still starting: asked again for the next table
            if self.proc.stdout.readline() == b"ready\n":
                self.state = "ready"
            else:  # it could not start: this load writes its rows itself
                self.state = "unused"
                self._stop()
        return self.state == "ready"

    def add(self, tid: int, rows: list[tuple]) -> None:
        self._send(("R", tid, rows))

    def _send(self, message: tuple) -> None:
        data = marshal.dumps(message)
        try:
            self.proc.stdin.write(_LEN.pack(len(data)))  # type: ignore[union-attr]
            self.proc.stdin.write(data)  # type: ignore[union-attr]
        except OSError:  # BrokenPipeError: the child stopped
            raise self._failure() from None

    def copy(self, conn: Any, tid: int, into: str, columns: str | None = None) -> None:
        """Insert scratch table ``tid``'s rows into ``into``, in the order they were sent: without
        ``columns``, into the empty project table it copies, record for record with their ids
        (SQLite's transfer of whole records: half the time); else into ``columns`` (an SQL list)."""
        self._end()
        if self.attached is None:
            try:
                same = self.path.stat().st_ino == self.inode
            except OSError:
                same = False
            if not same:  # removed or replaced while the load ran: never attach (or create) another
                raise self._failure("暂存文件已被删除或替换")
            conn.execute(f"ATTACH DATABASE ? AS {_ALIAS}", (str(self.path),))
            self.attached = conn
            conn.execute(f"SELECT count(*) FROM {_ALIAS}.sqlite_master").fetchone()  # open: read through its handle
            self.path.unlink(missing_ok=True)  # so that nothing is left if this process is killed now
        if columns is None:
            conn.execute(f'INSERT INTO {into} SELECT * FROM {_ALIAS}."t{tid}"')
        else:
            conn.execute(f'INSERT INTO {into}({columns}) SELECT {columns} FROM {_ALIAS}."t{tid}" ORDER BY id')

    def _end(self) -> None:
        """Wait for the child to have written every row sent and closed the file (once)."""
        if self.state == "ended":
            return
        self._send(("E",))
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        if self.proc.stdout.read() != b"ok\n" or self.proc.wait() != 0:  # type: ignore[union-attr]
            raise self._failure()
        self.state = "ended"

    def _failure(self, why: str = "") -> StoreError:
        from .errors import StoreError

        self._stop()
        if not why:
            said = (self.proc.stderr.read() or b"").decode(errors="replace").strip().splitlines()
            why = said[-1] if said else f"exit status {self.proc.returncode}"
        return StoreError(f"{self.project}: 写入进程意外停止（{why}）；项目未改动。请检查磁盘空间后重试；"
                          "若再次出现，请设置环境变量 ZEREN_LOAD_WORKER=0 后重试 (the load's writer process "
                          "stopped; nothing was changed)")

    def _stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        """After the load's transaction: detach and remove the scratch file, stop the child."""
        try:
            if self.attached is not None:
                try:
                    self.attached.execute(f"DETACH DATABASE {_ALIAS}")
                except Exception:  # the connection is closing or broken: the file goes anyway
                    pass
                self.attached = None
            self._stop()
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr) if self.proc else ():
                try:
                    stream.close()
                except OSError:
                    pass
        finally:
            self.path.unlink(missing_ok=True)


def _remove_stale(project: Path) -> None:
    """Remove the scratch files of loads on this machine whose process and child were both
    killed (a scratch file's name carries its loader's pid and machine; a live process's, and
    another machine's on a shared directory, are left alone)."""
    import glob
    from pathlib import Path

    for name in glob.glob(glob.escape(f"{project.parent}{os.sep}.{project.name}.stage-") + "*"):
        try:
            pid, _, host = Path(name).name.rsplit(".stage-", 1)[1].split("-")
            if host != _HOST:
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            Path(name).unlink(missing_ok=True)
        except (ValueError, OSError):  # not ours, or not ours to ask about
            continue


# -- the child ---------------------------------------------------------------------------------
#: The child's program: bulk.py (its inserts, and the adapters the loader's rows rely on) and
#: this file, loaded by path; nothing else of zeren.
_CHILD = """
import importlib.util, sys
def load(name):
    spec = importlib.util.spec_from_file_location("zeren_stage_" + name, sys.argv[1] + "/" + name + ".py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
bulk, keyed = load("bulk"), load("keyed")
sys.exit(load("stage").main(sys.argv[2], bulk.insert_rows, keyed))
"""


def _on_signals() -> None:
    """Ctrl-C is the loader's to handle (it stops this process); a SIGTERM or SIGHUP to both
    (a service stopped, a terminal closed) ends this one through its clean-up."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(1)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


def main(path: str, insert_rows: Any, keyed: Any) -> int:
    """The child: messages from standard input into the scratch file at ``path``; ``ready``
    once it is open, ``ok`` when every row is written. Exits 1 (the file removed) otherwise.
    ``insert_rows``: :func:`bulk.insert_rows`; ``keyed``: the :mod:`zeren.graph.keyed` module."""
    import sqlite3

    src, out = sys.stdin.buffer, sys.stdout.buffer
    ended = failed = False
    _on_signals()
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("PRAGMA page_size = 32768")
            conn.execute("PRAGMA journal_mode = OFF")  # a scratch file: removed if anything fails
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -4096")  # pages written as they fill, not all at the end
            conn.execute("BEGIN")
            out.write(b"ready\n")
            out.flush()
            sql: dict[int, tuple[str, str]] = {}
            finish: dict[int, tuple[int, dict[str, tuple[int, str]]]] = {}  # numbers to mask and hash
            hasher = None
            while len(head := src.read(_LEN.size)) == _LEN.size:
                (size,) = _LEN.unpack(head)
                data = src.read(size)
                if len(data) < size:
                    break
                message = marshal.loads(data)
                if message[0] == "R":
                    rows = message[2]
                    if message[1] in finish:
                        rows = keyed.finish_rows(rows, *finish[message[1]], hasher)
                    insert_rows(conn, *sql[message[1]], rows)
                elif message[0] == "K":
                    hasher = keyed.KeyedHash(message[1])
                elif message[0] == "T":
                    _, tid, definitions, columns, values, extras, marks = message
                    if marks:
                        finish[tid] = (extras, marks)
                    conn.execute(f'CREATE TABLE "t{tid}"({", ".join(definitions)})')
                    sql[tid] = (f'INSERT INTO "t{tid}"({", ".join(columns)})', "(" + ", ".join(values) + ")")
                else:
                    conn.execute("COMMIT")
                    ended = True
                    break
        finally:
            conn.close()
    except Exception as err:
        print(f"{type(err).__name__}: {err}", file=sys.stderr)
        failed = True
    finally:
        if not ended:  # the loader stopped, or died, before the end; or this failed
            try:
                os.unlink(path)
            except OSError:
                pass
    if not ended:
        if not failed:
            print("the loader's pipe closed before the end", file=sys.stderr)
        return 1
    out.write(b"ok\n")
    out.flush()
    return 0
