"""The keyed hash of a personal number, fast; and numbers whose masking and hashing a row
program left to whoever writes the row.

:class:`KeyedHash` gives :func:`zeren.graph.privacy.keyed_hash`'s digest (HMAC-SHA256 with the
project's secret, 32 hex characters) from key states hashed once, in a third of the time.

A row program that checked a plain 身份证号 (18 characters, check digit right) may stage the
number as it is, with :func:`deferred` in the row's extras: the row is then finished —
number masked, its keyed hash put in the extras (``{"<prop>_hash": "…"}``) — by
:func:`finish_rows` before it is written, by the load's writer process (:mod:`zeren.graph.stage`)
or by the loader itself. No raw number is ever written: every path that writes a fact table's
rows finishes them first.

Only the standard library (the writer process loads this file by path).
"""

from __future__ import annotations

import hashlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["KeyedHash", "DEFERRED", "deferred", "markers", "finish_rows"]

#: How the extras of a row whose number is staged unmasked begin (never a JSON text).
DEFERRED = "\x00keyed:"

_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


class KeyedHash:
    """HMAC-SHA256 with one key: the key's inner and outer states are hashed once and copied
    for each message (RFC 2104; the digest of :func:`hmac.digest`, in a third of the time)."""

    def __init__(self, key: str):
        secret = key.encode()
        if len(secret) > 64:
            secret = hashlib.sha256(secret).digest()
        secret = secret.ljust(64, b"\0")
        self.inner = hashlib.sha256(secret.translate(_IPAD))
        self.outer = hashlib.sha256(secret.translate(_OPAD))

    def __call__(self, message: str) -> str:
        inner = self.inner.copy()
        inner.update(message.encode())
        outer = self.outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:32]


def deferred(prop: str) -> str:
    """The extras of a row whose property ``prop`` holds a number staged unmasked (never JSON)."""
    return DEFERRED + prop


def markers(columns: list[str], numbers: set[str]) -> dict[str, tuple[int, str]]:
    """For a row of ``columns`` (``p_<prop>`` for a property), ``numbers`` its 身份证号
    properties: each deferred marker the row may hold → (the number's position in the row, the
    extras' opening ``{"<prop>_hash": "``)."""
    return {deferred(c[2:]): (i, '{"' + c[2:] + '_hash": "') for i, c in enumerate(columns) if c[2:] in numbers
            and c.startswith("p_")}


def finish_rows(rows: list[tuple], extras: int, marks: dict[str, tuple[int, str]], hasher: KeyedHash) -> list[tuple]:
    """``rows`` with each deferred number masked and hashed (the other rows as they are).
    ``extras``: the extras' position in a row; ``marks``: :func:`markers`. A deferred number is
    a checked 18-character 身份证号, before the extras in the row."""
    out: list[Any] = []
    for row in rows:
        mark = row[extras]
        if type(mark) is not str or not mark.startswith(DEFERRED):
            out.append(row)
            continue
        at, opening = marks[mark]
        number = row[at]  # 18 characters: masked as privacy.mask_id masks them
        out.append(row[:at] + (number[:6] + "********" + number[14:],) + row[at + 1:extras]
                   + (opening + hasher(number) + '"}',) + row[extras + 1:])
    return out
