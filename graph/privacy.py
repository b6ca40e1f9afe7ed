"""Masking personal data (身份证号, phone numbers) in everything zeren outputs (PIPL), and
keeping what data holds from acting on a terminal.

:func:`mask_text` finds the written forms people actually use, in free text and in error
messages alike:

- 身份证号: 18 characters (the last may be X), also grouped with spaces or dashes
  (``621121 19700415 9090``) → ``621121********9090``;
- mobiles: 11 digits from 13–19, with or without ``+86``/``0086``/``(+86)`` and grouped
  ``139-1000-0486`` or ``139 1000 0486`` → ``139****0486`` (the prefix kept);
- landlines: an area code in brackets or followed by a dash or space
  (``0932-5551234``, ``(0932)5551234``, ``010 87654321``) → ``0932-*****34``.

Nothing else is touched: dates, household numbers (12 digits), amounts, a bare run of digits that no
written form of a phone produces.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

__all__ = ["mask_id", "mask_phone", "mask_text", "mask_props", "escape_controls", "keyed_hash", "PERSONAL_KEYS"]

PERSONAL_KEYS = ("身份证", "id_number", "电话", "手机", "phone", "mobile", "联系方式")

_SEP = r"[ \-\u00a0\u3000]"
# 18 digits (the last may be X), single separators allowed between them; not inside a longer run.
_ID = re.compile(rf"(?<![0-9A-Za-z])((?:\d{_SEP}?){{5}}\d)((?:{_SEP}?\d){{8}})((?:{_SEP}?\d){{3}}{_SEP}?[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(
    rf"(?<![\d+])((?:[(（]?(?:\+|00)?86[)）]?{_SEP}?)?)(1[3-9]\d){_SEP}?(\d{{4}}){_SEP}?(\d)(\d{{3}})(?!\d)")
_LANDLINE = re.compile(
    rf"(?<![\d+])((?:[(（]0\d{{2,3}}[)）]{_SEP}?)|(?:0\d{{2,3}}{_SEP}))(\d{{5,6}})(\d{{2}})((?:-\d{{1,5}})?)(?!\d)")
# A run of ten or more of the characters a number's written forms are made of (from where a match can start).
_RUN = re.compile(r"[\dXx(（+][\dXx()（）+ \-\u00a0\u3000]{9,}")
_DIGIT = re.compile(r"\d")
# What may not reach a terminal from data: C0/C1 controls but tab and line feed, the line and
# paragraph separators, and the bidi controls that reorder what a reader sees.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def mask_id(value: str) -> str:
    """``621121198001011234`` → ``621121********1234``."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def keyed_hash(secret: str, value: str) -> str:
    """HMAC-SHA256 of a personal number with the project's secret (32 hex characters): links one
    person across rosters and finds them by number, and reveals nothing without the secret."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def mask_phone(value: str) -> str:
    """A phone field: every phone in it masked; something else entirely keeps 3 characters."""
    masked = mask_text(value)
    if masked != value or not value:
        return masked
    return value[:3] + "****"


def _id(m: re.Match[str]) -> str:
    digits = re.sub(_SEP, "", m.group(0))
    return digits[:6] + "********" + digits[-4:]


def mask_text(text: str) -> str:
    """Mask every 身份证号, mobile and landline number inside free text."""
    if len(text) < 2048:
        return _mask(text) if any(c.isdigit() for c in text) else text
    # A long text (a county's JSON): the patterns are tried only on the runs that could hold a
    # number (every character of a match is one of a run's, and every match has ≥ 10 digits),
    # each with its neighbours, which no match includes but the look-arounds read: the same
    # result as the patterns over the whole text, without trying them at every position.
    out: list[str] = []
    pos = 0
    for m in _RUN.finditer(text):
        start, end = m.span()
        if len(_DIGIT.findall(m.group())) < 10:
            continue
        lo, hi = max(start - 1, 0), min(end + 1, len(text))
        masked = _mask(text[lo:hi])
        masked = masked[start - lo:len(masked) - (hi - end)]
        if masked != m.group():
            out += (text[pos:start], masked)
            pos = end
    return "".join(out) + text[pos:] if out else text


def _mask(text: str) -> str:
    text = _ID.sub(_id, text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}{m.group(2)}****{m.group(4)}{m.group(5)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}{'*' * len(m.group(2))}{m.group(3)}{m.group(4)}", text)


def mask_props(props: dict[str, Any], show: bool = False) -> dict[str, Any]:
    """A copy of ``props`` with personal values masked (unless ``show``)."""
    if show:
        return dict(props)
    out = {}
    for k, v in props.items():
        if isinstance(v, str) and any(p in k.lower() for p in PERSONAL_KEYS):
            out[k] = mask_id(v) if "身份证" in k or "id_number" in k else mask_phone(v)
        elif isinstance(v, str):
            out[k] = mask_text(v)
        else:
            out[k] = v
    return out


def escape_controls(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with every control, separator or bidi character shown as ``\\u001b`` etc., so
    data printed to a terminal (or a log) cannot move the cursor, recolour or reorder it."""
    if keep_newlines:
        return _CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return _CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text).replace("\n", "\\n")
