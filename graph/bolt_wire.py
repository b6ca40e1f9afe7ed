"""A small Bolt client for the server store's reads: one connection, auto-commit queries.

The official driver (``neo4j``) costs a read command ~150–180 ms before its first byte is sent:
importing it builds a table of every month of the years 1–9999 and PackStream tables of
65,536 entries, and imports asyncio — about the whole of an embedded ``zeren trace``. A read
command needs little of it: connect (TLS for ``bolt+s``/``bolt+ssc``), log in, run auto-commit
queries whose rows are maps, lists, text and numbers (:mod:`zeren.graph.cypher` projects every
node, edge and finding to a map), and hang up. That is what this module does, by the Bolt
protocol 5.0–5.7 (4.4 for older servers) and PackStream v1, in a few milliseconds.

Only direct addresses are read this way (``bolt://``, ``bolt+s://``, ``bolt+ssc://``); a
routing address (``neo4j://``: a cluster, Aura) and every write (``zeren push``) go through the
official driver, as does everything when ``ZEREN_BOLT_DRIVER=neo4j``. A value this client does
not read (a node, a date, a point: no zeren query returns one) is refused, not guessed at.
"""

from __future__ import annotations

import socket
import struct
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["SCHEMES", "BoltFailure", "ConnectFailure", "QueryFailure", "Connection", "Record"]

#: The URI schemes read through this client: direct connections, no routing.
SCHEMES = ("bolt", "bolt+s", "bolt+ssc")
USER_AGENT = "zeren"
_MAGIC = b"\x60\x60\xb0\x17"
# Versions offered, best first: 5.7 down to 5.0 (one range), then 4.4.
_OFFER = bytes([0, 7, 7, 5, 0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0])
_VERSIONS = {(4, 4), *((5, minor) for minor in range(8))}

# message tags
_HELLO, _GOODBYE, _RESET, _RUN, _PULL, _LOGON = 0x01, 0x02, 0x0F, 0x10, 0x3F, 0x6A
_SUCCESS, _RECORD, _IGNORED, _FAILURE = 0x70, 0x71, 0x7E, 0x7F
_SHAPES: dict[int, type] = {_SUCCESS: dict, _FAILURE: dict, _RECORD: list}


class BoltFailure(Exception):
    """Anything that went wrong talking to the server."""


class ConnectFailure(BoltFailure):
    """No connection: refused, unreachable, TLS, a protocol the server does not speak, or the login."""


class QueryFailure(BoltFailure):
    """The server refused or failed a query (``code``: Neo4j's status code)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Record:
    """A row: its values by field name or position."""

    __slots__ = ("_fields", "_values")

    def __init__(self, fields: dict[str, int], values: list[Any]):
        self._fields = fields
        self._values = values

    def __getitem__(self, key: str | int) -> Any:
        return self._values[key if isinstance(key, int) else self._fields[key]]

    def get(self, key: str, default: Any = None) -> Any:
        i = self._fields.get(key)
        return default if i is None else self._values[i]

    def keys(self) -> list[str]:
        return list(self._fields)

    def __repr__(self) -> str:
        return f"Record({dict(zip(self._fields, self._values))!r})"


class Connection:
    """One logged-in connection to a Bolt server (``bolt://host:port``, ``bolt+s://``, ``bolt+ssc://``)."""

    def __init__(self, uri: str, user: str, password: str, timeout: float = 10.0):
        parts = urlsplit(uri)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ConnectFailure(f"not a direct Bolt address: {uri}")
        try:
            port = parts.port or 7687
        except ValueError as err:
            raise ConnectFailure(f"not a Bolt address: {uri} ({err})") from None
        host = unquote(parts.hostname)
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as err:
            raise ConnectFailure(f"Couldn't connect to {host}:{port} ({err})") from None
        try:
            if parts.scheme != "bolt":
                import ssl

                # as the official driver builds it (not create_default_context: from Python 3.13
                # that adds VERIFY_X509_STRICT, refusing certificates the driver accepts)
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.minimum_version = ssl.TLSVersion.TLSv1_2
                if parts.scheme == "bolt+ssc":  # a self-signed certificate: encrypted, not verified
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                else:
                    context.load_default_certs()
                sock = context.wrap_socket(sock, server_hostname=host)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(_MAGIC + _OFFER)
            agreed = _recv_exact(sock, 4)
        except OSError as err:
            sock.close()
            raise ConnectFailure(f"Couldn't connect to {host}:{port} ({err})") from None
        self.version = (agreed[3], agreed[2])
        if agreed == b"HTTP" or agreed[:2] != b"\0\0" or self.version not in _VERSIONS:
            # not a version offered (an HTTP port, another protocol): no credentials are sent there
            sock.close()
            what = "an HTTP server" if agreed == b"HTTP" else f"no Bolt version offered (0x{agreed.hex()})"
            raise ConnectFailure(f"{host}:{port} speaks none of the Bolt versions 4.4, 5.0–5.7 ({what})")
        self._sock = sock
        self._in = sock.makefile("rb")
        self._broken = False
        auth = {"scheme": "basic", "principal": user}
        if password:  # as the official driver: no credentials at all rather than empty ones (FalkorDB refuses "")
            auth["credentials"] = password
        hello: dict[str, Any] = {"user_agent": USER_AGENT}
        if self.version >= (5, 3):
            hello["bolt_agent"] = {"product": USER_AGENT}
        try:
            if self.version >= (5, 1):
                self._send(_message(_HELLO, hello), _message(_LOGON, auth))
                self._expect_success()
                self._expect_success()
            else:
                self._send(_message(_HELLO, {**hello, **auth}))
                self._expect_success()
            sock.settimeout(None)  # the login is bounded as the connection was; a query is not
        except QueryFailure as err:
            self.close()
            raise ConnectFailure(f"{err.code}: {err.message}") from None
        except (OSError, BoltFailure) as err:
            self.close()
            raise ConnectFailure(f"Couldn't log in to {host}:{port} ({err})") from None

    # -- queries --------------------------------------------------------------------------------
    def run(self, query: str, params: dict[str, Any], database: str | None = None) -> tuple[list[Record], dict]:
        """An auto-commit read query: (its rows, the metadata the server ended it with, ``db`` among them)."""
        if self._broken:
            raise BoltFailure("the connection was lost")
        extra: dict[str, Any] = {"mode": "r"}
        if database:
            extra["db"] = database
        try:
            self._send(_message(_RUN, query, params, extra), _message(_PULL, {"n": -1}))
            tag, fields = self._receive()
            if tag == _FAILURE:
                self._receive()  # the PULL, IGNORED
                self._reset()
                raise _failure(fields[0])
            if tag != _SUCCESS:
                raise BoltFailure(f"unexpected reply 0x{tag:02X} to RUN")
            names = {name: i for i, name in enumerate(fields[0].get("fields", []))}
            rows: list[Record] = []
            while True:
                tag, fields = self._receive()
                if tag == _RECORD:
                    rows.append(Record(names, fields[0]))
                elif tag == _SUCCESS:
                    return rows, fields[0]
                elif tag == _FAILURE:
                    self._reset()
                    raise _failure(fields[0])
                else:
                    raise BoltFailure(f"unexpected reply 0x{tag:02X} to PULL")
        except QueryFailure:
            raise
        except (OSError, BoltFailure) as err:
            self._broken = True
            raise BoltFailure(str(err) or type(err).__name__) from None

    def close(self) -> None:
        """Say goodbye (when the connection still works) and close it."""
        try:
            if not self._broken:
                self._send(_message(_GOODBYE))
        except OSError:
            pass
        finally:
            self._broken = True
            self._in.close()
            self._sock.close()

    # -- the wire -------------------------------------------------------------------------------
    def _send(self, *messages: bytes) -> None:
        out = bytearray()
        for data in messages:
            for i in range(0, len(data), 0xFFFF):
                chunk = data[i:i + 0xFFFF]
                out += len(chunk).to_bytes(2, "big") + chunk
            out += b"\x00\x00"
        self._sock.sendall(out)

    def _receive(self) -> tuple[int, list[Any]]:
        data = bytearray()
        while True:
            size = int.from_bytes(self._read(2), "big")
            if not size:
                if data:
                    break
                continue  # a NOOP chunk (keep-alive)
            data += self._read(size)
        try:
            value, end = _unpack(data, 0, top=True)
        except (IndexError, struct.error, UnicodeDecodeError, TypeError) as err:  # cut short, not UTF-8, a list as a key
            raise BoltFailure(f"a malformed message ({type(err).__name__}: {err})") from None
        if end != len(data) or not isinstance(value, _Message):
            raise BoltFailure("a malformed message")
        shape = _SHAPES.get(value.tag)  # SUCCESS and FAILURE carry a map, RECORD a list
        if shape is not None and (len(value.fields) != 1 or not isinstance(value.fields[0], shape)):
            raise BoltFailure(f"a malformed message (0x{value.tag:02X})")
        return value.tag, value.fields

    def _read(self, n: int) -> bytes:
        data = self._in.read(n)
        if len(data) != n:
            raise BoltFailure("the server closed the connection")
        return data

    def _expect_success(self) -> dict:
        tag, fields = self._receive()
        if tag == _FAILURE:
            raise _failure(fields[0])
        if tag != _SUCCESS:
            raise BoltFailure(f"unexpected reply 0x{tag:02X}")
        return fields[0]

    def _reset(self) -> None:
        """After a failure: the server ignores everything until a RESET."""
        self._send(_message(_RESET))
        while True:
            tag, _ = self._receive()
            if tag == _SUCCESS:
                return
            if tag == _FAILURE:
                raise BoltFailure("the server refused to reset the connection")


def _failure(meta: dict[str, Any]) -> QueryFailure:
    """A FAILURE's metadata: Neo4j's status code is ``neo4j_code`` from Bolt 5.7 (with the GQL
    status beside it), ``code`` before."""
    return QueryFailure(str(meta.get("neo4j_code") or meta.get("code") or ""),
                        str(meta.get("message") or meta.get("description") or ""))


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            raise ConnectionError("the server closed the connection during the handshake")
        data += part
    return data


# -- PackStream v1 --------------------------------------------------------------------------------
class _Message:
    __slots__ = ("tag", "fields")

    def __init__(self, tag: int, fields: list[Any]):
        self.tag = tag
        self.fields = fields


def _message(tag: int, *fields: Any) -> bytes:
    out = bytearray([0xB0 | len(fields), tag])
    for f in fields:
        _pack(f, out)
    return bytes(out)


def _pack(value: Any, out: bytearray) -> None:
    if value is None:
        out.append(0xC0)
    elif value is True:
        out.append(0xC3)
    elif value is False:
        out.append(0xC2)
    elif isinstance(value, int):
        if -16 <= value < 128:
            out += struct.pack(">b", value)
        elif -128 <= value < 128:
            out += b"\xC8" + struct.pack(">b", value)
        elif -32768 <= value < 32768:
            out += b"\xC9" + struct.pack(">h", value)
        elif -2**31 <= value < 2**31:
            out += b"\xCA" + struct.pack(">i", value)
        elif -2**63 <= value < 2**63:
            out += b"\xCB" + struct.pack(">q", value)
        else:
            raise ValueError(f"an integer past 64 bits: {value}")
    elif isinstance(value, float):
        out += b"\xC1" + struct.pack(">d", value)
    elif isinstance(value, str):
        data = value.encode("utf-8")
        _header(len(data), 0x80, 0xD0, out)
        out += data
    elif isinstance(value, (bytes, bytearray)):
        n = len(value)
        out += (b"\xCC" + struct.pack(">B", n)) if n < 256 else (b"\xCD" + struct.pack(">H", n)) if n < 65536 \
            else (b"\xCE" + struct.pack(">I", n))
        out += value
    elif isinstance(value, dict):
        _header(len(value), 0xA0, 0xD8, out)
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"a map key that is not text: {k!r}")
            _pack(k, out)
            _pack(v, out)
    elif isinstance(value, (list, tuple, set, frozenset)):
        _header(len(value), 0x90, 0xD4, out)
        for v in value:
            _pack(v, out)
    else:
        raise ValueError(f"a parameter Bolt cannot carry: {type(value).__name__}")


def _header(n: int, tiny: int, sized: int, out: bytearray) -> None:
    """The marker of a string, list or map of ``n`` (``sized`` is its 8-bit marker; 16 and 32 follow)."""
    if n < 16:
        out.append(tiny | n)
    elif n < 256:
        out += bytes([sized, n])
    elif n < 65536:
        out += bytes([sized + 1]) + struct.pack(">H", n)
    else:
        out += bytes([sized + 2]) + struct.pack(">I", n)


_INT = {0xC8: (1, ">b"), 0xC9: (2, ">h"), 0xCA: (4, ">i"), 0xCB: (8, ">q")}
_SIZE = {0: (1, ">B"), 1: (2, ">H"), 2: (4, ">I")}


def _unpack(data: bytearray, i: int, top: bool = False) -> tuple[Any, int]:
    m = data[i]
    i += 1
    if m < 0x80:
        return m, i
    if m >= 0xF0:
        return m - 0x100, i
    hi = m & 0xF0
    if hi == 0x80:
        n = m & 0x0F
        return data[i:i + n].decode("utf-8"), i + n
    if hi == 0x90:
        return _list(data, i, m & 0x0F)
    if hi == 0xA0:
        return _map(data, i, m & 0x0F)
    if hi == 0xB0:
        n, tag = m & 0x0F, data[i]
        i += 1
        fields = []
        for _ in range(n):
            v, i = _unpack(data, i)
            fields.append(v)
        if top:
            return _Message(tag, fields), i
        raise BoltFailure(f"a value zeren does not read (PackStream structure 0x{tag:02X}: a node, date or point)")
    if m == 0xC0:
        return None, i
    if m in (0xC2, 0xC3):
        return m == 0xC3, i
    if m == 0xC1:
        return struct.unpack_from(">d", data, i)[0], i + 8
    if m in _INT:
        size, fmt = _INT[m]
        return struct.unpack_from(fmt, data, i)[0], i + size
    if 0xD0 <= m <= 0xD2 or 0xD4 <= m <= 0xD6 or 0xD8 <= m <= 0xDA or 0xCC <= m <= 0xCE:
        base = m & 0xFC if m >= 0xD0 else 0xCC
        size, fmt = _SIZE[m - base]
        n = struct.unpack_from(fmt, data, i)[0]
        i += size
        if base == 0xD0:
            return data[i:i + n].decode("utf-8"), i + n
        if base == 0xD4:
            return _list(data, i, n)
        if base == 0xD8:
            return _map(data, i, n)
        return bytes(data[i:i + n]), i + n
    raise BoltFailure(f"an unknown PackStream marker 0x{m:02X}")


def _list(data: bytearray, i: int, n: int) -> tuple[list[Any], int]:
    out = []
    for _ in range(n):
        v, i = _unpack(data, i)
        out.append(v)
    return out, i


def _map(data: bytearray, i: int, n: int) -> tuple[dict[str, Any], int]:
    out = {}
    for _ in range(n):
        k, i = _unpack(data, i)
        v, i = _unpack(data, i)
        out[k] = v
    return out, i
