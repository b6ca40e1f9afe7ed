"""Date windows: the ``--period`` shorthand (2019Q2, 2019H1, 2019, 2019-05) and quarters."""

from __future__ import annotations

import calendar
import re
from datetime import date

from ..graph.errors import ZerenError

__all__ = ["parse_period", "quarter_of"]

_PERIOD = re.compile(r"^(\d{4})(?:([QqHh])([1-4])|-(\d{1,2}))?$")


def parse_period(text: str) -> tuple[str, str]:
    """``2019Q2`` → ('2019-04-01', '2019-06-30'); also ``2019H1``, ``2019``, ``2019-05``."""
    m = _PERIOD.match(text.strip())
    if not m:
        raise ZerenError(f"period “{text}”: write 2019Q2, 2019H1, 2019 or 2019-05")
    year = int(m.group(1))
    if m.group(2):
        n = int(m.group(3))
        months = 3 if m.group(2) in "Qq" else 6
        if months == 6 and n > 2:
            raise ZerenError(f"period “{text}”: a half year is H1 or H2")
        first = (n - 1) * months + 1
        last = first + months - 1
    elif m.group(4):
        first = last = int(m.group(4))
        if not 1 <= first <= 12:
            raise ZerenError(f"period “{text}”: no month {first}")
    else:
        first, last = 1, 12
    end = calendar.monthrange(year, last)[1]
    return date(year, first, 1).isoformat(), date(year, last, end).isoformat()


def quarter_of(day: str) -> tuple[str, str]:
    d = date.fromisoformat(day)
    return parse_period(f"{d.year}Q{(d.month - 1) // 3 + 1}")
