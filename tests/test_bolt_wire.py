"""zeren's small Bolt client for reads (graph/bolt_wire.py): PackStream both ways on a table of
values, what it refuses, and against a real Neo4j: the same answers as the official driver, a
failed query that leaves the connection usable, a wrong password, and a read command that never
imports the driver."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading

import pytest
from bolt_servers import uri  # noqa: F401 (a fixture)
from rosters import F_HEADER, write_base, write_csv
from zeren.cli.main import cli
from zeren.graph import bolt_wire as wire
from zeren.graph.bolt import push
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files

# value, the PackStream bytes that carry it (the markers of the specification's own examples)
PACKED = [
    (None, "C0"), (True, "C3"), (False, "C2"),
    (0, "00"), (127, "7F"), (-16, "F0"), (-17, "C8EF"), (-128, "C880"), (128, "C90080"), (-129, "C9FF7F"),
    (32767, "C97FFF"), (32768, "CA00008000"), (-2**31, "CA80000000"), (2**31, "CB0000000080000000"),
    (2**63 - 1, "CB7FFFFFFFFFFFFFFF"), (-2**63, "CB8000000000000000"),
    (1.1, "C13FF199999999999A"), (-0.0, "C18000000000000000"),
    ("", "80"), ("A", "8141"), ("甲", "83E794B2"), ("x" * 15, "8F" + "78" * 15), ("x" * 16, "D010" + "78" * 16),
    ("x" * 256, "D10100" + "78" * 256), ("x" * 65536, "D200010000" + "78" * 65536),
    ([], "90"), ([1, [2]], "92019102"), (list(range(16)), "D410" + "".join(f"{i:02X}" for i in range(16))),
    ({}, "A0"), ({"a": 1}, "A18161" + "01"), ({"k": {"户": None}}, "A1816BA183E688B7C0"),
    (b"\x01\x02", "CC020102"),
]


@pytest.mark.parametrize("value, packed", PACKED, ids=[repr(v)[:20] for v, _ in PACKED])
def test_packstream_both_ways(value, packed):
    out = bytearray()
    wire._pack(value, out)
    assert out.hex().upper() == packed
    back, end = wire._unpack(bytearray(out), 0)
    assert end == len(out) and back == value and type(back) is type(value)


def test_a_long_list_and_map_and_tuples_and_sets():
    value = {f"k{i}": [i, str(i)] for i in range(70_000)}
    out = bytearray()
    wire._pack(value, out)
    assert wire._unpack(bytearray(out), 0)[0] == value
    out = bytearray()
    wire._pack(("a", 1), out)
    assert wire._unpack(bytearray(out), 0)[0] == ["a", 1]


@pytest.mark.parametrize("value", [object(), 2**64, {1: "a"}, 1 + 2j])
def test_a_parameter_bolt_cannot_carry_is_refused(value):
    with pytest.raises(ValueError):
        wire._pack(value, bytearray())


def test_a_structure_inside_a_row_is_refused_not_guessed():
    node = bytes.fromhex("B34E") + b"\x01" + b"\x90" + b"\xA0"  # Node(1, [], {})
    with pytest.raises(wire.BoltFailure, match="does not read"):
        wire._unpack(bytearray(b"\x91" + node), 0)
    message, end = wire._unpack(bytearray(bytes.fromhex("B171") + b"\x91\x01"), 0, top=True)  # RECORD [1]
    assert (message.tag, message.fields, end) == (0x71, [[1]], 4)


@pytest.mark.parametrize("marker", ["C4", "CF", "D3", "DF", "E0", "EF"])
def test_an_unknown_marker_is_refused(marker):
    with pytest.raises(wire.BoltFailure, match="unknown PackStream marker"):
        wire._unpack(bytearray(bytes.fromhex(marker)), 0)


def test_a_routing_address_is_not_read_by_this_client():
    with pytest.raises(wire.ConnectFailure, match="not a direct Bolt address"):
        wire.Connection("neo4j://127.0.0.1:7687", "neo4j", "x")


def test_nothing_listening_is_a_connect_failure():
    with pytest.raises(wire.ConnectFailure, match="Couldn't connect"):
        wire.Connection("bolt://127.0.0.1:1", "neo4j", "x", timeout=2)


# -- against a scripted server: what a wrong port or a broken stream does -------------------------
def _chunked(message: bytes) -> bytes:
    return len(message).to_bytes(2, "big") + message + b"\x00\x00"


_OK = _chunked(wire._message(0x70, {"server": "scripted"}))
_RUN_OK = _chunked(wire._message(0x70, {"fields": ["x"]}))


@pytest.fixture
def scripted():
    """A one-connection server on 127.0.0.1: answers the handshake with ``agreed``, then each
    message batch the client sends with the next of ``replies``, then holds the connection open
    (a server that says nothing more); what the client sent is kept in ``sent``."""
    listeners: list[socket.socket] = []
    done = threading.Event()

    def start(agreed: bytes, replies: list[bytes]) -> tuple[str, list[bytes]]:
        srv = socket.create_server(("127.0.0.1", 0))
        listeners.append(srv)
        sent: list[bytes] = []

        def serve() -> None:
            conn, _ = srv.accept()
            with conn:
                conn.recv(20)
                conn.sendall(agreed)
                for reply in replies:
                    sent.append(conn.recv(65536))
                    conn.sendall(reply)
                done.wait(30)

        threading.Thread(target=serve, daemon=True).start()
        return f"bolt://127.0.0.1:{srv.getsockname()[1]}", sent

    yield start
    done.set()
    for srv in listeners:
        srv.close()


@pytest.mark.parametrize("agreed", [b"HTTP", b"\x00\x00\x00\x03", b"\x00\x00\x08\x05", b"\x15\x03\x01\x00", b"SSH-"],
                         ids=["http", "bolt-3.0", "bolt-5.8", "tls-alert", "ssh"])
def test_a_version_not_offered_is_refused_before_the_credentials_are_sent(scripted, agreed):
    address, sent = scripted(agreed, [_OK])
    with pytest.raises(wire.ConnectFailure, match="speaks none of the Bolt versions"):
        wire.Connection(address, "neo4j", "secret")
    assert b"".join(sent) == b""  # the client hung up: no HELLO, no password


def test_a_login_that_never_answers_is_bounded_by_the_connect_timeout(scripted):
    address, _ = scripted(b"\x00\x00\x07\x05", [b""])  # handshake, then silence
    with pytest.raises(wire.ConnectFailure, match="timed out"):
        wire.Connection(address, "neo4j", "secret", timeout=0.5)


@pytest.mark.parametrize("version", [(4, 4), (5, 0), (5, 2), (5, 3), (5, 7)])
def test_the_login_and_the_query_as_each_version_has_them(scripted, version):
    login = _OK if version < (5, 1) else _OK + _OK
    rows = _RUN_OK + _chunked(wire._message(0x71, [1])) + _chunked(wire._message(0x70, {"db": "neo4j"}))
    address, sent = scripted(bytes([0, 0, version[1], version[0]]), [login, rows])
    conn = wire.Connection(address, "neo4j", "secret")
    assert conn.run("RETURN 1 AS x", {"p": 1}, "neo4j")[0][0]["x"] == 1
    conn.close()
    messages = [wire._unpack(bytearray(m), 0, top=True)[0] for batch in sent for m in _messages(batch)]
    auth = {"scheme": "basic", "principal": "neo4j", "credentials": "secret"}
    agent = {"bolt_agent": {"product": "zeren"}} if version >= (5, 3) else {}
    logins = [(0x01, [{"user_agent": "zeren", **auth}])] if version < (5, 1) else \
        [(0x01, [{"user_agent": "zeren", **agent}]), (0x6A, [auth])]
    assert [(m.tag, m.fields) for m in messages] == [
        *logins, (0x10, ["RETURN 1 AS x", {"p": 1}, {"mode": "r", "db": "neo4j"}]), (0x3F, [{"n": -1}])]


def _messages(batch: bytes) -> list[bytes]:
    out, data, i = [], b"", 0
    while i < len(batch):
        size = int.from_bytes(batch[i:i + 2], "big")
        if size == 0:
            out.append(data)
            data = b""
        data += batch[i + 2:i + 2 + size]
        i += 2 + size
    return out


# replies to RUN + PULL that no server should send: each is a BoltFailure, never another exception
MALFORMED = {
    "a list cut short": _RUN_OK + _chunked(bytes.fromhex("B1719292")),
    "a string past the message's end": _RUN_OK + _chunked(bytes.fromhex("B171928A41")),
    "an integer cut short": _RUN_OK + _chunked(bytes.fromhex("B17191CB00")),
    "text that is not UTF-8": _RUN_OK + _chunked(bytes.fromhex("B1719181FF")),
    "a list as a map key": _RUN_OK + _chunked(bytes.fromhex("B17191A19001")),
    "SUCCESS without its map": _chunked(bytes.fromhex("B070")),
    "SUCCESS with a number": _chunked(bytes.fromhex("B17001")),
    "RECORD with a number": _RUN_OK + _chunked(bytes.fromhex("B17101")),
    "an empty structure": _chunked(bytes.fromhex("B0")),
}


@pytest.mark.parametrize("reply", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_reply_is_a_bolt_failure_not_another_exception(scripted, reply):
    address, _ = scripted(b"\x00\x00\x07\x05", [_OK + _OK, reply])
    conn = wire.Connection(address, "neo4j", "secret")
    with pytest.raises(wire.BoltFailure, match="malformed"):
        conn.run("RETURN 1 AS x", {})
    with pytest.raises(wire.BoltFailure, match="lost"):  # given up: nothing more is read from it
        conn.run("RETURN 1 AS x", {})
    conn.close()


def test_a_malformed_reply_is_one_error_line_from_the_cli(scripted, runner, monkeypatch):
    monkeypatch.delenv("ZEREN_BOLT_DRIVER", raising=False)
    address, _ = scripted(b"\x00\x00\x07\x05", [_OK + _OK, MALFORMED["text that is not UTF-8"]])
    result = runner.invoke(cli, ["--store", address, "stats"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.output.count("\n") == 1 and "malformed" in result.output, result.output


# -- against the real server ----------------------------------------------------------------------
@pytest.fixture
def pushed(uri, project, tmp_path):  # noqa: F811
    files = write_base(tmp_path)
    files.append(write_csv(tmp_path / "f.csv", F_HEADER, [["2019-05-01", "县委督查室", "一户一策未制定", "户", "H003", ""]]))
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in files])
    with Store.open(project) as store:
        push(store, uri, replace=True)
    return uri


@pytest.mark.bolt
def test_queries_values_and_a_failure_that_leaves_the_connection_usable(uri):  # noqa: F811
    conn = wire.Connection(uri, "neo4j", os.environ["ZEREN_BOLT_PASSWORD"])
    try:
        assert conn.version >= (5, 1)
        params = {"s": "甲镇' q='x", "n": -2**40, "f": 0.5, "l": [1, "二", None], "m": {"a": {"b": [True]}}}
        rows, meta = conn.run("RETURN $s AS s, $n AS n, $f AS f, $l AS l, $m AS m, range(1, 3) AS r", params)
        assert [{k: r[k] for k in r.keys()} for r in rows] == [{**params, "r": [1, 2, 3]}]
        assert rows[0][0] == params["s"] and rows[0].get("absent", "-") == "-" and meta["db"] == "neo4j"
        with pytest.raises(wire.QueryFailure) as err:
            conn.run("RETURN 1 +", {})
        assert "Syntax" in err.value.code
        big = "字" * 70_000  # a message of several chunks, both ways
        rows, _ = conn.run("UNWIND range(1, 2000) AS i RETURN i, $big AS big", {"big": big})
        assert len(rows) == 2000 and rows[-1]["i"] == 2000 and rows[0]["big"] == big
        with pytest.raises(wire.BoltFailure, match="does not read"):  # (the connection is given up after it)
            conn.run("RETURN date('2019-01-01') AS d", {})
    finally:
        conn.close()


@pytest.mark.bolt
def test_a_wrong_password_is_a_connect_failure(uri):  # noqa: F811
    with pytest.raises(wire.ConnectFailure, match="Unauthorized"):
        wire.Connection(uri, "neo4j", "wrong")


@pytest.mark.bolt
@pytest.mark.parametrize("args", [["stats"], ["trace", "household", "H001", "--at", "2019-06-01"],
                                  ["check", "--period", "2019Q2"], ["person", "何干部"], ["trace", "finding", "1"]])
def test_read_commands_answer_alike_through_either_client(pushed, runner, monkeypatch, args):
    from zeren.graph import bolt

    out = {}
    for client in ("zeren", "neo4j"):
        monkeypatch.setenv("ZEREN_BOLT_DRIVER", client)
        session = bolt.read_session(pushed, None)  # the client the command below reads through
        assert isinstance(session, bolt._WireSession) == (client == "zeren")
        session.close()
        result = runner.invoke(cli, ["--store", pushed, *args, "--format", "json"])
        assert result.exit_code == 0, result.output
        out[client] = json.loads(result.output)
    assert out["zeren"] == out["neo4j"]


@pytest.mark.bolt
def test_a_read_command_over_bolt_does_not_import_the_driver(pushed):
    """The point of the client: a read command's start is not the driver's import (nor SQLite's)."""
    code = ("import sys; from zeren.cli.main import main; sys.argv = ['zeren', '--store', sys.argv[1], 'stats']\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print('neo4j' in sys.modules, 'sqlite3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, pushed], capture_output=True, text=True, env=os.environ)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False False"  # neither the driver nor SQLite
