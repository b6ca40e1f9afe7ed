"""Date windows: the ``--period`` shorthand (2019Q2, 2019H1, 2019, 2019-05) and quarters."""

from __future__ import annotations

import calendar
import re
from datetime import date

from ..graph.errors import ZerenError

__all__ = ["parse_period", "quarter_of", "default_day"]

_PERIOD = re.compile(r"^(\d{4})(?:([QqHh])([1-4])|-(\d{1,2}))?$")


def parse_period(text: str) -> tuple[str, str]:
    """``2019Q2`` → ('2019-04-01', '2019-06-30'); also ``2019H1``, ``2019``, ``2019-05``."""
    m = _PERIOD.match(text.strip())
    if not m:
        raise ZerenError(f"期间“{text}”：应写成 2019Q2（季度）、2019H1（半年）、2019（全年）或 2019-05（月） (period)")
    year = int(m.group(1))
    if m.group(2):
        n = int(m.group(3))
        months = 3 if m.group(2) in "Qq" else 6
        if months == 6 and n > 2:
            raise ZerenError(f"期间“{text}”：半年只有 H1、H2 (a half year is H1 or H2)")
        first = (n - 1) * months + 1
        last = first + months - 1
    elif m.group(4):
        first = last = int(m.group(4))
        if not 1 <= first <= 12:
            raise ZerenError(f"期间“{text}”：没有 {first} 月 (no such month)")
    else:
        first, last = 1, 12
    end = calendar.monthrange(year, last)[1]
    return date(year, first, 1).isoformat(), date(year, last, end).isoformat()


def quarter_of(day: str) -> tuple[str, str]:
    d = date.fromisoformat(day)
    return parse_period(f"{d.year}Q{(d.month - 1) // 3 + 1}")


def default_day(store) -> tuple[str, str]:
    """The day a command looks at when none is given — one rule everywhere: the latest finding's
    date in the project (what an inspector reviews), else today. Returns (day, how it was chosen)."""
    latest = store.latest_finding_date() if hasattr(store, "latest_finding_date") else \
        max((f.date for f in store.findings()), default=None)
    if latest:
        return latest, "最近一条督查发现的日期"
    return date.today().isoformat(), "今天（项目中没有督查发现）"
