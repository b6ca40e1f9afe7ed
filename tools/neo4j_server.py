"""Run Neo4j 5 Community from its Maven artifacts, Bolt on 127.0.0.1 only, for tests and benchmarks.

    python tools/neo4j_server.py --port 7687 --password SECRET --data DIR

prints ``bolt://127.0.0.1:PORT`` once the server answers, and stops it cleanly on SIGTERM or
SIGINT. The jars come from the classpath file that ``make neo4j`` writes with
``mvn dependency:build-classpath`` (``tools/neo4j/pom.xml``; default ``.venv/neo4j-classpath.txt``,
or ``$ZEREN_NEO4J_CLASSPATH``): nothing downloads here. The server is Neo4j's own entry point
(``org.neo4j.server.CommunityEntryPoint``); the initial password is set with Neo4j's admin tool
before the first start. HTTP is off and usage reports are off.

Python callers use :func:`neo4j_server`, a context manager that yields the URI, and
:func:`neo4j_admin` to run Neo4j's admin tool on a stopped server's home (e.g. the offline
``database import full`` that ``zeren push --neo4j-import`` prepares).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["classpath_file", "free_port", "neo4j_admin", "neo4j_server", "VERSION"]

ROOT = Path(__file__).resolve().parents[1]
VERSION = "5.26.30"  # keep in step with tools/neo4j/pom.xml

_JVM_FLAGS = [
    "-XX:+UseG1GC", "-XX:-OmitStackTraceInFastThrow", "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024", "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    # what Neo4j's own launcher opens for its page cache and Bolt
    "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
]


def classpath_file() -> Path:
    return Path(os.environ.get("ZEREN_NEO4J_CLASSPATH", ROOT / ".venv" / "neo4j-classpath.txt"))


def classpath() -> str:
    """The jars, or a RuntimeError that says how to get them (`make neo4j`)."""
    path = classpath_file()
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run `make neo4j` (resolves Neo4j {VERSION} with mvn)")
    cp = path.read_text(encoding="utf-8").strip()
    missing = [jar for jar in cp.split(os.pathsep) if not os.path.exists(jar)]
    if not cp or missing:
        raise RuntimeError(f"{path} names {len(missing)} missing jar(s), e.g. {missing[:1]}: run `make neo4j` again")
    return cp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(data: Path, port: int, pagecache: str) -> str:
    return "\n".join([
        f"server.directories.data={data / 'data'}",
        f"server.directories.logs={data / 'logs'}",
        f"server.directories.run={data / 'run'}",
        f"server.directories.plugins={data / 'plugins'}",
        f"server.directories.import={data / 'import'}",
        "server.default_listen_address=127.0.0.1",
        "server.default_advertised_address=127.0.0.1",
        f"server.bolt.listen_address=127.0.0.1:{port}",
        f"server.bolt.advertised_address=127.0.0.1:{port}",
        "server.http.enabled=false",
        "server.https.enabled=false",
        "dbms.usage_report.enabled=false",
        "dbms.security.auth_enabled=true",
        f"server.memory.pagecache.size={pagecache}",
        "db.tx_log.rotation.retention_policy=2 files",
        "",
    ])


def _java(cp: str, heap: str, main: str, *args: str) -> list[str]:
    return ["java", f"-Xms{heap}", f"-Xmx{heap}", *_JVM_FLAGS, "-cp", cp, main, *args]


@contextmanager
def neo4j_server(data: Path, password: str, port: int | None = None, *, heap: str = "1g",
                 pagecache: str = "512m", timeout: float = 120) -> Iterator[str]:
    """Start Neo4j with its store under ``data``; yield ``bolt://127.0.0.1:PORT``; stop it after."""
    cp = classpath()
    data = Path(data).resolve()
    port = port or free_port()
    conf = data / "conf"
    env = _prepare(data, port, pagecache)
    # before the first start (the system database holds the users afterwards); a store that
    # neo4j-admin imported into has a database but no system database yet
    if not (data / "data" / "dbms" / "auth.ini").exists() and not (data / "data" / "databases" / "system").exists():
        subprocess.run(_java(cp, "256m", "org.neo4j.cli.AdminTool", "dbms", "set-initial-password", password),
                       env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    log = (data / "logs" / "console.log").open("ab")
    server = subprocess.Popen(_java(cp, heap, "org.neo4j.server.CommunityEntryPoint", f"--home-dir={data}",
                                    f"--config-dir={conf}", "--console-mode"),
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_ready(server, data, port, timeout)
        yield f"bolt://127.0.0.1:{port}"
    finally:
        _stop(server)
        log.close()


def _prepare(data: Path, port: int, pagecache: str) -> dict[str, str]:
    """The directories and neo4j.conf of a server home under ``data``; the environment to run in."""
    for sub in ("conf", "data", "logs", "run", "plugins", "import"):
        (data / sub).mkdir(parents=True, exist_ok=True)
    (data / "conf" / "neo4j.conf").write_text(_config(data, port, pagecache), encoding="utf-8")
    return {**os.environ, "NEO4J_HOME": str(data), "NEO4J_CONF": str(data / "conf")}


def neo4j_admin(data: Path, args: list[str], *, heap: str = "1g") -> subprocess.CompletedProcess:
    """Run ``neo4j-admin ARGS`` (Neo4j's own AdminTool, from the same classpath) on the server
    home ``data`` while no server runs there, e.g. ``database import full …``; its output is
    returned, a failure raised (CalledProcessError)."""
    data = Path(data).resolve()
    env = _prepare(data, free_port(), "512m")
    return subprocess.run(_java(classpath(), heap, "org.neo4j.cli.AdminTool", *args), env=env, check=True,
                          capture_output=True, text=True)


def _wait_ready(server: subprocess.Popen, data: Path, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    log = data / "logs" / "console.log"
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"Neo4j exited with {server.returncode}: {log.read_text(errors='replace')[-800:]}")
        if time.monotonic() > deadline:
            _stop(server)
            raise RuntimeError(f"Neo4j did not start within {timeout:.0f} s; see {log}")
        if "Started." in log.read_text(errors="replace"):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                pass
        time.sleep(0.2)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # Neo4j checkpoints and stops
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--password", required=True, help="initial password of the user neo4j (set on first start)")
    ap.add_argument("--data", required=True, help="directory for the store, configuration and logs")
    ap.add_argument("--heap", default="1g")
    ap.add_argument("--pagecache", default="512m")
    opts = ap.parse_args()
    stop = {"now": False}

    def on_signal(signum, frame):  # noqa: ARG001
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        with neo4j_server(Path(opts.data), opts.password, opts.port, heap=opts.heap, pagecache=opts.pagecache) as uri:
            print(uri, flush=True)
            while not stop["now"]:
                time.sleep(0.2)
    except (RuntimeError, subprocess.CalledProcessError) as err:
        sys.exit(f"neo4j_server: {err}")


if __name__ == "__main__":
    main()
