"""Duty performance (履职): every frequency duty of the rulebook judged from the duty log.

A duty (:class:`zeren.graph.rules.Duty`) names who must perform (holder role paths read from
every node of a kind: each township's 县级联系乡镇领导, each helping unit), what counts as
evidence (a 履职事项), how often (每月 … 每年, calendar windows) and how much (次, 人次, 天,
every poor village once). For each holder and each calendar window that overlaps the period,
the records of the duty log are counted — only those that satisfy the duty: the right 履职事项,
inside the window, by the holder (the person in post on the record's day; for an
organisation, the organisation itself, or its people where the duty counts 人次), and where
the duty says it must happen. The window is then

- ``met``: enough was done;
- ``open``: not enough yet, and the window is not over on ``at`` (early warning: what is still
  short, and how many days are left);
- ``uncovered`` (无记录): not enough, but the duty log does not cover the whole window — no
  records were loaded for some of its days, so nobody can say it was missed;
- ``missed``: the window is over, the log covers all of it, and not enough was done.

What the log covers (:class:`Coverage`): each load of the duty log covers the whole months from
its first record's to its last record's (a log is kept by the month; its last record rarely
falls on the month's last day); loads that meet or overlap join.

The judging itself lives in :mod:`zeren.queries.duty_judge`, over what
:mod:`zeren.queries.duty_reads` reads once per call.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..graph import schema
from ..graph.collector import cyclic_gc_paused
from .duty_judge import DutyEntry, Judge
from .duty_reads import SubjectLog, duty_log, log_spans
from .periods import default_day

__all__ = ["Window", "Coverage", "DutyEntry", "DutiesResult", "STATUS", "coverage", "covering", "duties", "windows"]

#: Judging holders read from at most this many start nodes, the duty log is read subject by
#: subject (a check's liable holders) rather than whole.
NARROW = 1000

STATUS = {"met": "达标", "missed": "未达标", "open": "进行中", "uncovered": "无记录"}


@dataclass(frozen=True)
class Window:
    label: str  # 2019-05, 2019Q2, 2019H1, 2019
    start: str
    end: str


def windows(months: int, date_from: str, date_to: str) -> list[Window]:
    """The calendar windows of ``months`` (1, 3, 6, 12) that overlap [date_from, date_to]."""
    out = []
    lo, hi = date.fromisoformat(date_from), date.fromisoformat(date_to)
    year, month = lo.year, ((lo.month - 1) // months) * months + 1
    while True:
        first = date(year, month, 1)
        if first > hi:
            break
        last_month = month + months - 1
        last = date(year, last_month, calendar.monthrange(year, last_month)[1])
        if months == 1:
            label = f"{year}-{month:02d}"
        elif months == 3:
            label = f"{year}Q{(month - 1) // 3 + 1}"
        elif months == 6:
            label = f"{year}H{(month - 1) // 6 + 1}"
        else:
            label = str(year)
        out.append(Window(label, first.isoformat(), last.isoformat()))
        month += months
        if month > 12:
            year, month = year + 1, 1
    return out


@dataclass(frozen=True)
class Coverage:
    """The days the duty log covers: whole months, as (first day, last day) spans, in order."""

    spans: tuple[tuple[str, str], ...] = ()

    def covers(self, start: str, end: str) -> bool:
        """Whether one span holds all of [start, end]."""
        return any(lo <= start and end <= hi for lo, hi in self.spans)

    def overlaps(self, start: str, end: str) -> bool:
        return any(lo <= end and start <= hi for lo, hi in self.spans)

    @property
    def text(self) -> str:
        return "、".join(f"{lo} 至 {hi}" for lo, hi in self.spans) or "无"

    def note(self, window: str) -> str:
        """Why a window not met is not called missed."""
        if not self.spans:
            return "项目中没有履职记录：无法判断"
        return f"履职记录只覆盖 {self.text}，{window} 不全在其内：未载入的日子无法判断"

    def as_list(self) -> list[dict[str, str]]:
        return [{"from": lo, "to": hi} for lo, hi in self.spans]


def coverage(store: Any) -> Coverage:
    """What the loads of the duty log in ``store`` cover."""
    return covering(log_spans(store))


def covering(loads: list[tuple[str, str]]) -> Coverage:
    """The coverage of loads given as (first record's day, last record's day): each from the
    first day of its first month to the last day of its last month; spans that meet or overlap
    join.

    >>> covering([("2019-04-03", "2019-06-28"), ("2019-07-01", "2019-07-09"), ("2020-01-15", "2020-01-15")]).spans
    (('2019-04-01', '2019-07-31'), ('2020-01-01', '2020-01-31'))
    """
    spans: list[list[str]] = []
    for lo, hi in sorted(loads):
        first = lo[:8] + "01"
        year, month = int(hi[:4]), int(hi[5:7])
        last = f"{hi[:8]}{calendar.monthrange(year, month)[1]:02d}"
        if spans and first <= (date.fromisoformat(spans[-1][1]) + timedelta(days=1)).isoformat():
            spans[-1][1] = max(spans[-1][1], last)
        else:
            spans.append([first, last])
    return Coverage(tuple((lo, hi) for lo, hi in spans))


@dataclass
class DutiesResult:
    date_from: str
    date_to: str
    at: str
    rulebook: str
    duties: list[DutyEntry]
    flagged: list[dict[str, Any]] = field(default_factory=list)  # records by someone not in post that day
    coverage: Coverage = field(default_factory=Coverage)
    warnings: list[str] = field(default_factory=list)  # the period reaches beyond what the log covers
    at_how: str = ""  # how ``at`` was chosen when the caller gave none (periods.default_day)

    def as_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = defaultdict(int)
        for e in self.duties:
            counts[e.status] += 1
        return {"from": self.date_from, "to": self.date_to, "at": self.at,
                **({"at_chosen_as": self.at_how} if self.at_how else {}), "rulebook": self.rulebook,
                "summary": dict(counts), "coverage": self.coverage.as_list(), "warnings": self.warnings,
                "duties": [e.as_dict() for e in self.duties], "flagged": self.flagged}


def duties(store: Any, date_from: str, date_to: str, *, at: str | None = None, township: str | None = None,
           only: list[str] | None = None, scope_ids: set[str] | None = None, explain: bool = False,
           log: Coverage | None = None) -> DutiesResult:
    """Judge every duty of the rulebook (or the duties ``only`` names) over the windows that
    overlap [date_from, date_to]; ``township`` keeps the holders inside one first-level place;
    ``scope_ids`` keeps the holders read from these start nodes; ``log``: what the duty log
    covers, when the caller has read it already. Without ``at``, the project's one default day
    (:func:`zeren.queries.periods.default_day`: the latest finding's date, else today)."""
    rb = store.rulebook
    how = ""
    if not at:
        at, how = default_day(store)
    chosen = [d for d in rb.duties if not only or d.id in only or d.clause in only]
    spans = {d.id: windows(d.months, date_from, date_to) for d in chosen}
    first = min((ws[0].start for ws in spans.values() if ws), default=date_from)
    last = max((ws[-1].end for ws in spans.values() if ws), default=date_to)
    covered = log if log is not None else coverage(store)
    items = sorted({d.evidence for d in chosen})
    if scope_ids is not None and len(scope_ids) <= NARROW and getattr(store, "conn", None) is not None:
        log_rows: Any = SubjectLog(store, first, last, items)  # a few holders: their records only
    else:
        with cyclic_gc_paused():
            log_rows = duty_log(store, first, last, items)
    judge = Judge(store, at, explain, log_rows, covered)
    level = rb.pack.org.levels[0] if rb.pack.org.levels else None
    place = schema.node_id(level, schema.name_key(township)) if township and level else None
    if township and (place is None or judge.r.node(place) is None):
        from ..graph.errors import NotFound

        raise NotFound(f"{rb.label(level) if level else ''}“{township}”不在项目中")
    entries: list[DutyEntry] = []
    with cyclic_gc_paused():
        for duty in chosen:
            for w in spans[duty.id]:
                starts = judge.starts(duty, w, scope_ids)
                if place is not None:
                    starts = [s for s in starts if judge.r.lift(s, level, w.end) == place]
                entries.extend(judge.window(duty, w, starts))
    warnings = []
    if not covered.spans:
        warnings.append("项目中没有履职记录：已结束而未达标的窗口都记为“无记录”（uncovered），不计为未达标；"
                        "请先导入履职记录")
    elif not covered.covers(date_from, date_to):
        warnings.append(f"履职记录只覆盖 {covered.text}；{date_from} 至 {date_to} 中未全被覆盖的窗口，"
                        "未达标的记为“无记录”（uncovered），不计为未达标")
    return DutiesResult(date_from, date_to, at, rb.name, entries, judge.flagged, covered, warnings, how)
