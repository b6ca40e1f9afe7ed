"""Masking personal data (身份证号, phone numbers) in everything zeren outputs (PIPL)."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["mask_id", "mask_phone", "mask_text", "mask_props", "PERSONAL_KEYS"]

PERSONAL_KEYS = ("身份证", "id_number", "电话", "手机", "phone", "mobile")
_ID = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_id(value: str) -> str:
    """``621121198001011234`` → ``621121********1234``."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str) -> str:
    return _PHONE.sub(r"\1****\2", value) if _PHONE.search(value) else (value[:3] + "****" if value else value)


def mask_text(text: str) -> str:
    """Mask any 身份证号 or mobile number inside free text."""
    return _PHONE.sub(r"\1****\2", _ID.sub(lambda m: m.group(1) + "********" + m.group(2), text))


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
