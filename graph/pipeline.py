"""Writes handed to a second thread, so a load reads its next rows while SQLite writes the last.

A load spends about as long in SQLite (inserting rows, building indexes) as in Python (reading,
checking and staging rows), and SQLite lets go of the GIL while it works. A :class:`Pipeline`
runs the bulk writes of one transaction in a thread of its own: ``submit(job)`` queues a job (a
function of the connection) and returns at once, unless :data:`QUEUED` jobs already wait
(bounded memory); ``drain()`` waits until every queued job has run, and raises the first error
one of them met. The connection drains before any statement the main thread runs
(:class:`~zeren.graph.projectfile.ProjectConnection`), so statements still run one at a time and
in the order they were issued: what a load writes and reads is what it would be without the
thread. The load then costs about the longer of its reading and its writing, not their sum —
when the machine has a second core free.

Rows go in many to a statement (``INSERT … VALUES (…), (…), …``, :func:`insert_rows`): a thread
that wants the GIL back waits until the other lets it go (up to ``sys.getswitchinterval()``),
so the writer asks for it once per statement, not once per row; and SQLite steps through one
statement of 200 rows faster than through 200 statements.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

__all__ = ["Pipeline", "Job", "insert_rows", "submit", "drain", "QUEUED", "ROWS_PER_STATEMENT"]

#: Jobs waiting at most (a job is about one batch of staged rows): what the queue holds in memory.
QUEUED = 4
#: Rows per INSERT statement (fewer when the columns would pass SQLite's limit of parameters):
#: larger statements take longer to prepare than they save.
ROWS_PER_STATEMENT = 200

Job = Callable[[sqlite3.Connection], Any]
_STOP = object()

# Binding None or True/False, Python's sqlite3 (3.11) asks the adapter registry, then the value's
# __adapt__ and __conform__, and each failed lookup builds an AttributeError: about 1 µs per value,
# a tenth of a load's time in SQLite calls (a roster row binds several empty cells). Adapters
# registered for these two types give the same values (NULL, 0 or 1) at once. Registering them
# for NoneType and bool leaves the module's fast path for int, float and str as it is.
sqlite3.register_adapter(type(None), {}.get)  # a C function returning None for any argument
sqlite3.register_adapter(bool, int)


class Pipeline:
    """The writer thread of one connection: jobs run in the order submitted."""

    def __init__(self, conn: sqlite3.Connection):
        import queue  # here: a reader never needs it, and `zeren trace` starts without it

        self.conn = conn
        self._jobs: queue.Queue[Any] = queue.Queue(maxsize=QUEUED)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def submit(self, job: Job) -> None:
        """Queue ``job``: it runs in the writer thread, with the connection (whose statements do
        not drain the pipeline there)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="zeren-writer", daemon=True)
            self._thread.start()
        self._jobs.put(job)

    def drain(self) -> None:
        """Wait until every job submitted has run; raise the first error one met (once). In the
        writer thread itself (a job's own statements) there is nothing to wait for."""
        if self._thread is None or threading.current_thread() is self._thread:
            return
        self._jobs.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def close(self, *, discard: bool = False) -> None:
        """End the thread once the queued jobs have run (raising the first error one met), or
        (``discard``: the transaction is being undone) once the job under way has: the others
        are dropped, and any error with them."""
        if self._thread is None:
            return
        if discard:
            while not self._jobs.empty():  # (only this thread puts jobs)
                self._jobs.get_nowait()
                self._jobs.task_done()
        self._jobs.put(_STOP)
        self._thread.join()
        self._thread = None
        error, self._error = self._error, None
        if error is not None and not discard:
            raise error

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is _STOP:
                    return
                if self._error is None:  # after an error the rest is not run: the load fails
                    job(self.conn)
            except BaseException as err:  # raised in the main thread, at its next statement
                self._error = err
            finally:
                self._jobs.task_done()


def submit(conn: Any, job: Job) -> None:
    """Run ``job`` in the connection's writer thread when it has one, else now."""
    pipeline = getattr(conn, "pipeline", None)
    if pipeline is not None:
        pipeline.submit(job)
    else:
        job(conn)


def drain(conn: Any) -> None:
    """Wait for the jobs of the connection's writer thread (if it has one); raise their error."""
    if getattr(conn, "pipeline", None) is not None:
        conn.drain()


def insert_rows(head: str, values: str, rows: Sequence[Sequence[Any]]) -> Job:
    """A job inserting ``rows`` with ``head`` (``INSERT INTO t(a, b, …)``) and ``values``, one row's
    ``(?, ?, …)`` (a row holds a value for each ``?``), many rows to a statement."""

    def job(conn: sqlite3.Connection) -> None:
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

    return job
