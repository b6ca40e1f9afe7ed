"""One view, two renderings (the datasette habit): a view function computes one query
result; :func:`dual` serves it as a page at ``PATH`` and as JSON at ``/api/PATH``, so the
page and the API cannot drift apart. Also the small request helpers the views share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..graph.errors import ZerenError
from .accounts import Account
from .app import json_response, render, web
from .permissions import Scope, check

__all__ = ["View", "dual", "window", "day", "personal_data", "COUNTY"]

COUNTY = Scope.of((), county=True)


@dataclass
class View:
    """A view's answer: ``data`` is the JSON (what the CLI prints with ``--format json``);
    ``page`` adds what only the page shows (a diagram, choices for a form), computed only
    for the page."""

    data: Any
    context: dict[str, Any] = field(default_factory=dict)
    page: Callable[[], dict[str, Any]] | None = None
    personal: bool = False


def dual(router: APIRouter, path: str, template: str, *, summary: str) -> Callable:
    """Register ``fn`` (returning a :class:`View`) as the page ``path`` and the JSON ``/api``+``path``."""

    def deco(fn: Callable[..., View | Response]) -> Callable:
        @functools.wraps(fn)
        def page(*args: Any, **kwargs: Any) -> Response:
            view = fn(*args, **kwargs)
            if isinstance(view, Response):
                return view
            extra = view.page() if view.page else {}
            return render(kwargs["request"], template, {"data": view.data, **view.context, **extra},
                          personal=view.personal)

        @functools.wraps(fn)
        def api(*args: Any, **kwargs: Any) -> Response:
            view = fn(*args, **kwargs)
            if isinstance(view, Response):
                return view
            return json_response(view.data, personal=view.personal)

        router.add_api_route(path, page, methods=["GET"], include_in_schema=False, response_class=HTMLResponse,
                             response_model=None, name=fn.__name__)
        router.add_api_route("/api" + path, api, methods=["GET"], summary=summary, tags=["api"],
                             response_model=None, name=fn.__name__ + "_api")
        return fn

    return deco


def window(period: str | None, date_from: str | None = None, date_to: str | None = None) -> tuple[str, str] | None:
    """The window of findings a request names (``period``, or ``from`` and ``to``), or None."""
    from ..queries.periods import parse_period

    if period and (date_from or date_to):
        raise ZerenError("请给出 period，或 from 与 to，不要同时给出 (either period or from/to)")
    if period:
        return parse_period(period)
    if date_from or date_to:
        lo, hi = day(date_from, "from"), day(date_to, "to")
        if lo is None or hi is None or hi < lo:
            raise ZerenError(f"日期范围有误：{date_from} 至 {date_to} (from/to)")
        return lo, hi
    return None


def day(text: str | None, what: str = "at") -> str | None:
    from ..loaders.values import parse_date

    try:
        return parse_date(text) if text else None
    except ValueError as err:
        raise ZerenError(f"{what} {text}: {err}") from None


def personal_data(request: Request, account: Account, asked: bool, what: str) -> bool:
    """Whether this request shows personal data: only when asked for, by an account granted
    it (403 otherwise); each such view is written to the audit log."""
    if not asked:
        return False
    check(account, "read-personal")
    web(request).audit(request, "personal-data", what, path=request.url.path, query=str(request.url.query))
    return True
