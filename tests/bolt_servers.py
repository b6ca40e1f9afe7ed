"""One real Neo4j 5 for the whole test session, shared by every test module that needs it.

Started on first use from the classpath `make neo4j` resolved (tools/neo4j_server.py), Bolt on
127.0.0.1 only, stopped when the session ends. Where the classpath or java is missing the Bolt
tests skip and say why: `make test` and .ci/run always provide both.
"""

from __future__ import annotations

import atexit
import secrets
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from neo4j_server import classpath, neo4j_server  # noqa: E402

_SERVER: dict[str, str] = {}
_STACK = ExitStack()


def neo4j() -> tuple[str, str]:
    """(bolt URI, password of the user neo4j) of the session's server, started on first call."""
    if "uri" not in _SERVER:
        if shutil.which("java") is None:
            pytest.skip("java is not installed: Neo4j cannot start (make test installs it)")
        try:
            classpath()
        except RuntimeError as err:
            pytest.skip(f"Neo4j is not resolved here ({err})")
        data = Path(tempfile.mkdtemp(prefix="zeren-neo4j-"))
        password = secrets.token_hex(12)
        _STACK.callback(shutil.rmtree, data, True)
        _SERVER["uri"] = _STACK.enter_context(neo4j_server(data, password, heap="1g", pagecache="256m"))
        _SERVER["password"] = password
        atexit.register(stop)
    return _SERVER["uri"], _SERVER["password"]


def stop() -> None:
    from zeren.graph.bolt import close_drivers

    close_drivers()
    _STACK.close()
    _SERVER.clear()


@pytest.fixture
def uri(monkeypatch):
    """The session's Neo4j, with its credentials in the environment as a user would set them."""
    address, password = neo4j()
    monkeypatch.setenv("ZEREN_BOLT_USER", "neo4j")
    monkeypatch.setenv("ZEREN_BOLT_PASSWORD", password)
    monkeypatch.delenv("ZEREN_BOLT_DATABASE", raising=False)
    return address
