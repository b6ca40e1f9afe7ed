"""The reading pages over a whole scope: the check of a period (with its CSV and Excel
exports), the org chart (county → township → village → households), the load history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..graph.errors import ZerenError
from .accounts import Account
from .app import current_account, web
from .common import View, day, dual, personal_data, window
from .permissions import Scope, allowed, check
from .views import _attachment, _go, _where

__all__ = ["router", "org_dict"]

router = APIRouter()


# -- check ---------------------------------------------------------------------------------
def _check(request: Request, account: Account, period: str | None, date_from: str | None, date_to: str | None,
           township: str | None, clause: str | None, kind: str | None, personal: bool, what: str):
    """The check result a request asks for (filtered), its window label, and the choices of the form."""
    from ..queries.check import check as run_check
    from ..queries.periods import quarter_of

    w = web(request)
    # A clerk's check is of his township unless he names one (and then it must be his).
    township = township or (None if allowed(account, "read", Scope.of((), county=True)) else account.township)
    check(account, "read", Scope.of([township] if township else (), county=not township))
    with w.store() as store:
        span = window(period, date_from, date_to)
        if span is None:  # default: the quarter of the latest finding
            latest = max((f.date for f in store.findings()), default=date.today().isoformat())
            span = quarter_of(latest)
            period = _quarter_name(span[0])
        result = run_check(store, span[0], span[1], township=township or None)
        show = personal_data(request, account, personal, what)
        rb = store.rulebook
        levels = rb.pack.org.levels
        choices = {
            "townships": sorted(n.name for n in store.nodes_by_id(sorted(store.node_ids(levels[0])))) if levels else [],
            "clauses": [c.id for c in rb.clauses],
            "kinds": sorted({li.kind for rule in rb.rules for li in rule.liable}),
            "clause_titles": {c.id: c.title for c in rb.clauses},
        }
    if clause or kind:
        def keep(entries: list[Any]) -> list[Any]:
            return [x for x in entries if (not clause or x.clause == clause) and (not kind or x.kind == kind)]

        result = replace(result, liabilities=keep(result.liabilities), standing=keep(result.standing),
                         unresolved=keep(result.unresolved))
    params = {"period": period or "", "from": date_from or "", "to": date_to or "", "township": township or "",
              "clause": clause or "", "kind": kind or ""}
    return result, show, choices, params


def _quarter_name(first_day: str) -> str:
    d = date.fromisoformat(first_day)
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


@dual(router, "/check", "check.html",
      summary="Every rule over a window (= `zeren check --period P [--township T] --format json`); "
              "clause and kind filter the entries")
def check_view(request: Request, period: str | None = None, date_from: str | None = None, date_to: str | None = None,
               township: str | None = None, clause: str | None = None, kind: str | None = None,
               personal: bool = False, account: Account = Depends(current_account)) -> View:
    result, show, choices, params = _check(request, account, period, date_from, date_to, township, clause, kind,
                                           personal, "check")
    query = "&".join(f"{k}={v}" for k, v in params.items() if v) + ("&personal=1" if show else "")
    return View(result.as_dict(), {"result": result, "choices": choices, "params": params, "query": query,
                                   "go": _go, "where": _where}, personal=show)


@router.get("/check/export.csv", tags=["exports"], summary="The check's liabilities as CSV (= --format csv)")
def check_csv(request: Request, period: str | None = None, date_from: str | None = None, date_to: str | None = None,
              township: str | None = None, clause: str | None = None, kind: str | None = None,
              personal: bool = False, account: Account = Depends(current_account)) -> Response:
    from ..cli.format import liabilities_csv
    from ..graph.privacy import mask_text

    result, show, _, params = _check(request, account, period, date_from, date_to, township, clause, kind, personal,
                                     "check.csv")
    text = liabilities_csv(result.liabilities)
    body = (text if show else mask_text(text)).encode("utf-8")
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers=_attachment(f"check-{params['period'] or result.date_from}.csv"))


@router.get("/check/export.xlsx", tags=["exports"], summary="The check as an Excel workbook")
def check_xlsx(request: Request, period: str | None = None, date_from: str | None = None, date_to: str | None = None,
               township: str | None = None, clause: str | None = None, kind: str | None = None,
               personal: bool = False, account: Account = Depends(current_account)) -> Response:
    result, show, _, params = _check(request, account, period, date_from, date_to, township, clause, kind, personal,
                                     "check.xlsx")
    try:
        from ..documents.xlsx import check_workbook
    except ImportError:
        raise ZerenError("Excel 导出模块（zeren.documents）未安装 (documents not installed)") from None
    body = check_workbook(result, show_personal_data=show)
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers=_attachment(f"check-{params['period'] or result.date_from}.xlsx"))


# -- org chart -----------------------------------------------------------------------------
def _party(p: Any) -> dict[str, Any]:
    return {"node": p.node, "post": p.post, "person": p.person, "body": p.body}


def _place(pl: Any) -> dict[str, Any]:
    return {"id": pl.id, "kind": pl.kind, "label": pl.label, "name": pl.name, "flags": pl.flags,
            "posts": [_party(p) for p in pl.posts],
            "attached": [{"relation": a.relation, "node": a.node, "name": a.name,
                          "posts": [_party(p) for p in a.posts]} for a in pl.attached],
            "counts": pl.counts, "children": [_place(c) for c in pl.children],
            "members": [{"id": i, "name": n, "beside": b} for i, n, b in pl.members]}


def org_dict(chart: Any) -> dict[str, Any]:
    """An org chart as JSON (the same fields ``zeren render org`` draws)."""
    return {"at": chart.at, "county": chart.county, "rulebook": chart.rulebook, "levels": chart.levels,
            "detail": chart.detail, "member_label": chart.member_label,
            "posts": [_party(p) for p in chart.posts], "bodies": [b.body for b in chart.bodies],
            "places": [_place(p) for p in chart.places]}


def _org(request: Request, account: Account, at: str | None, township: str | None = None,
         village: str | None = None) -> View:
    from ..queries.org import org_chart

    when = day(at) or date.today().isoformat()
    check(account, "read", Scope.of([township] if township else (), county=not township))
    with web(request).store() as store:
        chart = org_chart(store, when, township=township, village=village, households=village is not None,
                          detail=None)
        labels = {k: store.rulebook.label(k) for k in chart.levels}
    return View(org_dict(chart), {"chart": chart, "labels": labels, "go": _go, "township": township,
                                  "village": village, "at": at or ""})


@dual(router, "/org", "org.html", summary="The county's org chart: its posts and every township in summary")
def org_county(request: Request, at: str | None = None, account: Account = Depends(current_account)) -> View:
    return _org(request, account, at)


@dual(router, "/org/township/{township}", "org.html", summary="One township: its posts and its villages")
def org_township(request: Request, township: str, at: str | None = None,
                 account: Account = Depends(current_account)) -> View:
    return _org(request, account, at, township)


@dual(router, "/org/village/{township}/{village}", "org.html",
      summary="One village: its posts, team, helping units and households with their 帮扶责任人")
def org_village(request: Request, township: str, village: str, at: str | None = None,
                account: Account = Depends(current_account)) -> View:
    return _org(request, account, at, township, village)


# -- history -------------------------------------------------------------------------------
@dual(router, "/history", "history.html", summary="The load register (= `zeren history --format json`)")
def history(request: Request, account: Account = Depends(current_account)) -> View:
    from ..graph import audit

    w = web(request)
    owners: dict[int, str] = {}
    for event in audit.events(w.project, action="load"):
        if isinstance(event.detail.get("batch"), int):
            owners[event.detail["batch"]] = event.actor
    with w.store() as store:
        batches = [b for b in store.batches() if allowed(account, "read-history", owners.get(b["id"], ""))]
    return View({"batches": batches}, {"batches": batches, "owners": owners})
