"""The reading pages that start from one object: search, household, trace (with its diagram
and its Word/PDF report), and ``/go``, where the diagram's nodes lead."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ..graph.errors import ZerenError
from .accounts import Account
from .app import current_account, web
from .common import COUNTY, View, day, dual, personal_data, window
from .permissions import allowed, check, scope_of

__all__ = ["router"]

router = APIRouter()
Subject = Literal["plan", "household", "finding"]


# -- search --------------------------------------------------------------------------------
@dual(router, "/search", "search.html", summary="Search 户编号, 计划编号, people, villages, townships, units")
def search(request: Request, q: str = "", limit: int = 20, account: Account = Depends(current_account)) -> View:
    w = web(request)
    limit = max(1, min(limit, 100))
    # An account that may read the whole county searches it; a clerk searches his township.
    township = None if allowed(account, "read", COUNTY) else (account.township or "\0")
    with w.store() as store:
        hits = w.search.search(store, q, township=township, limit=limit) if q.strip() else []
    return View({"query": q, "results": [dict(h.as_dict(), url=_go(h.id)) for h in hits]},
                {"q": q, "hits": hits})


def _go(node: str, at: str | None = None) -> str:
    return f"/go?node={quote(node, safe='')}" + (f"&at={at}" if at else "")


@router.get("/go", include_in_schema=False)
def go(request: Request, node: str, at: str | None = None, account: Account = Depends(current_account)) -> Response:
    """Where a node of a diagram or a search hit leads: its page, or a search for its name."""
    from ..queries.paths import Resolver, kind_of

    when = day(at) or date.today().isoformat()
    with web(request).store() as store:
        r = Resolver(store)
        levels = store.rulebook.pack.org.levels
        kind = kind_of(node)
        name = r.name(node)
        if kind == "post":  # a post leads to whoever held it on the day
            holders = store.edges(dst=node, kinds=["HOLDS"], at=when) or store.edges(dst=node, kinds=["HOLDS"])
            node, kind = (holders[-1].src, "person") if holders else (node, kind)
            name = r.name(node)
        if kind == "person":
            org = (r.node(node).props.get("org_id") if r.node(node) else None) or ""
            target = f"/person/{quote(name)}" + (f"?unit={quote(r.name(org))}" if org else "")
        elif kind == "post":
            target = f"/search?q={quote(name)}"
        elif kind == store.rulebook.model.root:
            target = "/org"
        elif levels and kind == levels[0]:
            target = f"/org/township/{quote(name)}"
        elif levels and kind in levels[1:] or kind == "team":
            place = r.lift(node, levels[-1], when) if kind == "team" else node
            top = r.lift(place, levels[0], when) if place else None
            target = f"/org/village/{quote(r.name(top))}/{quote(r.name(place))}" if top and place else \
                f"/search?q={quote(name)}"
        elif kind == "household":
            target = f"/household/{quote(name)}"
        elif kind == "plan":
            target = f"/trace/plan/{quote(name)}"
        else:
            target = f"/search?q={quote(name)}"
    return RedirectResponse(target, status_code=303)


# -- trace ---------------------------------------------------------------------------------
@dual(router, "/trace/{subject}/{ident}", "trace.html",
      summary="Trace a plan, household or finding (= `zeren trace SUBJECT ID --format json`)")
def trace(request: Request, subject: Subject, ident: str, at: str | None = None, period: str | None = None,
          personal: bool = False, account: Account = Depends(current_account)) -> View:
    from ..queries.trace import trace as run_trace

    w = web(request)
    span = window(period)
    lo, hi = span if span else (None, None)
    show = False
    with w.store() as store:
        result = run_trace(store, subject, ident, at=day(at), date_from=lo, date_to=hi, show_personal_data=False)
        check(account, "read", scope_of(store, [result.object["id"]], result.at))
        show = personal_data(request, account, personal, f"trace/{subject}/{ident}")
        if show:
            result = run_trace(store, subject, ident, at=day(at), date_from=lo, date_to=hi, show_personal_data=True)
        rulebook = store.rulebook
    clauses = {c.id: c for c in rulebook.clauses}

    def page() -> dict[str, Any]:
        return {"result": result, "clauses": clauses, "svg": diagram(result, rulebook), "rulebook": rulebook,
                "level": rulebook.pack.org.levels[0] if rulebook.pack.org.levels else "",
                "where": _where, "go": _go, "period": period or "", "at": at or ""}

    return View(result.as_dict(), page=page, personal=show)


def diagram(result: Any, rulebook: Any) -> str:
    """The trace's Graphviz diagram as inline SVG whose nodes link to their pages ('' without dot)."""
    import graphviz

    from ..visualize.diagrams import trace_graph

    graph = trace_graph(result, rulebook, link=lambda node: _go(node, result.at))
    try:
        svg = graph.pipe(format="svg", encoding="utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError):
        return ""
    svg = svg[svg.find("<svg"):]
    return svg.replace("<svg ", '<svg class="diagram" role="img" aria-label="责任链图" ', 1)


def _where(src: dict[str, Any] | None) -> str:
    if not src or not src.get("file"):
        return ""
    name = str(src["file"]).rsplit("/", 1)[-1]
    sheet = f":{src['sheet']}" if src.get("sheet") else ""
    return f"{name}{sheet}:{src['row']}" if src.get("row") else name


@router.get("/trace/{subject}/{ident}/report.{fmt}", tags=["documents"],
            summary="The 责任倒查 report of a trace as Word (docx) or PDF")
def trace_report(request: Request, subject: Subject, ident: str, fmt: Literal["docx", "pdf"],
                 personal: bool = False, account: Account = Depends(current_account)) -> Response:
    from ..queries.trace import trace as run_trace

    w = web(request)
    with w.store() as store:
        result = run_trace(store, subject, ident)
        check(account, "read", scope_of(store, [result.object["id"]], result.at))
        show = personal_data(request, account, personal, f"report/{subject}/{ident}.{fmt}")
        try:
            from ..documents.report import trace_report as make_report
        except ImportError:
            raise ZerenError("Word/PDF 报告模块（zeren.documents）未安装 (documents not installed)") from None
        body = make_report(store, subject, ident, fmt=fmt, show_personal_data=show)
    media = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "pdf": "application/pdf"}[fmt]
    return Response(body, media_type=media, headers=_attachment(f"trace-{subject}-{ident}.{fmt}"))


def _attachment(filename: str) -> dict[str, str]:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store"}


# -- household -----------------------------------------------------------------------------
@dual(router, "/household/{ident}", "household.html",
      summary="A household: its place, 帮扶责任人, plans and findings")
def household(request: Request, ident: str, at: str | None = None, personal: bool = False,
              account: Account = Depends(current_account)) -> View:
    from ..queries.paths import Resolver, kind_of
    from ..queries.trace import trace as run_trace

    w = web(request)
    with w.store() as store:
        result = run_trace(store, "household", ident, at=day(at))
        hid = result.object["id"]
        check(account, "read", scope_of(store, [hid], result.at))
        show = personal_data(request, account, personal, f"household/{ident}")
        if show:
            result = run_trace(store, "household", ident, at=day(at), show_personal_data=True)
        rulebook = store.rulebook
        model = rulebook.model
        levels = rulebook.pack.org.levels
        r = Resolver(store)
        places = [{"kind": lv, "label": model.label(lv), "id": p, "name": r.name(p)}
                  for lv in levels for p in [r.lift(hid, lv, result.at)] if p]
        members = []  # what hangs below the household: its plans
        for k in model.kinds.values():
            if k.parent == kind_of(hid):
                edges = store.edges(src=hid, kinds=[k.parent_edge], role=k.parent_role) if k.parent_reverse else \
                    store.edges(dst=hid, kinds=[k.parent_edge], role=k.parent_role)
                for e in edges:
                    child = e.dst if k.parent_reverse else e.src
                    node = r.node(child)
                    if node is not None and kind_of(child) == k.name:
                        members.append({"kind": k.name, "label": k.label, "id": child, "name": node.name,
                                        "props": node.props, "source": node.provenance.as_dict()})
    helpers = [c.as_dict() for c in result.chain
               if c.kind == "person" or (c.kind in ("unit", "post") and c.role.startswith(kind_of(hid) + "."))]
    trace_json = result.as_dict()
    data = {"household": result.object, "at": result.at, "places": places, "helpers": helpers,
            "members": members, "findings": trace_json["findings"]}
    return View(data, {"result": result, "go": _go, "where": _where, "rulebook": rulebook}, personal=show)


@router.get("/api", include_in_schema=False)
def api_docs(request: Request, account: Account = Depends(current_account)) -> Response:
    from .app import render

    return render(request, "api.html", {"spec": request.app.openapi()})
