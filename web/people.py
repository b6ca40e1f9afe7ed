"""The pages about people and their duties: a person's record (``zeren person``) and the duty
evaluation of a period (``zeren duties``), each also JSON under ``/api/``."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from .accounts import Account
from .app import current_account, json_response, render, web
from .common import COUNTY, View, day, dual, window
from .permissions import Scope, allowed, check, scope_of
from .views import _go, _where

__all__ = ["router", "ambiguous"]

router = APIRouter()
STATUS = {"met": "达标", "missed": "未达标", "open": "进行中"}


@dual(router, "/person/{name}", "person.html",
      summary="One person's posts, liabilities and duty record (= `zeren person NAME [--unit U] --format json`)")
def person(request: Request, name: str, unit: str | None = None, at: str | None = None,
           account: Account = Depends(current_account)) -> View:
    from ..queries.person import dossier

    with web(request).store() as store:
        d = dossier(store, name, unit=unit, at=day(at))
        check(account, "read", scope_of(store, d.ids, day(at) or date.today().isoformat()))
    return View(d.as_dict(), {"d": d, "status": STATUS, "go": _go, "where": _where})


def ambiguous(request: Request, exc: Any) -> Response:
    """A name that fits several people: the candidates, each a link with its unit (409)."""
    if request.url.path.startswith("/api/"):
        return json_response({"error": str(exc), "status": 409, "candidates": exc.candidates}, status=409)
    name = request.path_params.get("name", "")
    return render(request, "person_choose.html", {"name": name, "candidates": exc.candidates}, status=409)


@dual(router, "/duties", "duties.html",
      summary="Every frequency duty judged per holder and window (= `zeren duties --period P --format json`)")
def duties(request: Request, period: str | None = None, date_from: str | None = None, date_to: str | None = None,
           township: str | None = None, at: str | None = None, account: Account = Depends(current_account)) -> View:
    from ..queries.duties import duties as judge
    from ..queries.periods import quarter_of

    # A clerk's duties are those of his township unless he names one (and then it must be his).
    township = township or (None if allowed(account, "read", COUNTY) else account.township)
    check(account, "read", Scope.of([township] if township else (), county=not township))
    span = window(period, date_from, date_to)
    with web(request).store() as store:
        if span is None:  # default: the quarter of the latest duty record, else of today
            records = store.duty_records() if hasattr(store, "duty_records") else []
            span = quarter_of(max((r.date for r in records), default=date.today().isoformat()))
        result = judge(store, span[0], span[1], at=day(at), township=township or None)
        levels = store.rulebook.pack.org.levels
        townships = sorted(n.name for n in store.nodes_by_id(sorted(store.node_ids(levels[0])))) if levels else []
    params = {"period": period or "", "township": township or "", "at": at or ""}
    return View(result.as_dict(), {"result": result, "status": STATUS, "params": params, "townships": townships,
                                   "where": _where})
