"""The web workbench as an ASGI application (FastAPI on Starlette, served by uvicorn).

:func:`create_app` builds the app over one project file. This module holds what every page
shares: the session (a signed, HttpOnly, SameSite cookie naming a server-side session),
CSRF tokens, the login with its rate limit, the errors as pages or JSON, security headers,
and the templates. The pages live in :mod:`.views` (each also served as JSON under
``/api/``), :mod:`.upload` and :mod:`.admin`.

FastAPI rather than bare Starlette: it documents the JSON API as OpenAPI from the routes
themselves (``/api/openapi.json``, listed at ``/api``), and its dependencies make "who is
asking" one declared parameter of every route. Views are plain ``def`` functions: they run
in the server's thread pool, each opening its own read-only store.
"""

from __future__ import annotations

import contextvars
import hmac
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

from ..graph import audit
from ..graph.errors import InputError, NotFound, StoreError, ZerenError
from ..graph.privacy import mask_text
from . import accounts
from .accounts import Account
from .permissions import Forbidden, allowed
from .search import SearchIndex

__all__ = ["create_app", "Web", "web", "current_account", "require_csrf", "render", "json_response",
           "NotAuthenticated", "SHOW_PERSONAL", "COOKIE"]

HERE = Path(__file__).parent
COOKIE = "zeren_session"
#: Set while a page that shows personal data renders: the templates then print values unmasked.
SHOW_PERSONAL: contextvars.ContextVar[bool] = contextvars.ContextVar("show_personal", default=False)


class NotAuthenticated(Exception):
    """No valid session: pages redirect to /login, the API answers 401."""


class LoginLimiter:
    """Failed logins per account and per client address in a sliding window; past the limit,
    further attempts are refused until the oldest failure leaves the window."""

    def __init__(self, per_account: int = 5, per_client: int = 20, window_s: float = 900.0):
        self.limits = {"account": per_account, "client": per_client}
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def locked(self, name: str, client: str) -> float:
        """Seconds until another attempt is allowed (0: now)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in (("account", name), ("client", client)):
                q = self._recent(key, now)
                if len(q) >= self.limits[key[0]]:
                    wait = max(wait, q[0] + self.window_s - now)
        return wait

    def failed(self, name: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (("account", name), ("client", client)):
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # made-up names must not grow the table for ever
                for key in list(self._failures):
                    if not self._recent(key, now):
                        del self._failures[key]

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(("account", name), None)


@dataclass
class Web:
    """What the app keeps for its lifetime."""

    project: str
    upload_dir: Path
    templates: Jinja2Templates
    serializer: URLSafeTimedSerializer
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    search: SearchIndex = field(default_factory=SearchIndex)

    def store(self):
        """A read-only store for one request (cheap: one SQLite connection)."""
        from ..graph.store import Store

        return Store.open(self.project)

    def audit(self, request: Request, action: str, object: str = "", **detail: Any) -> None:
        account = getattr(request.state, "account", None)
        actor = account.name if account else detail.pop("actor", "-")
        audit.record(self.project, actor=actor, action=action, object=object,
                     detail={"client": _client(request), **detail})


def web(request: Request) -> Web:
    return request.app.state.web


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


# -- sessions and CSRF ---------------------------------------------------------------------
def current_account(request: Request) -> Account:
    """The dependency of every route past the login: the session's account, or 401/redirect."""
    w = web(request)
    raw = request.cookies.get(COOKIE)
    found = None
    if raw:
        try:
            token = w.serializer.loads(raw, max_age=accounts.SESSION_HOURS * 3600)
            found = accounts.session(w.project, token)
        except BadSignature:
            found = None
    if found is None:
        raise NotAuthenticated()
    request.state.account, request.state.csrf = found
    return found[0]


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    # Behind a reverse proxy the browser's host may arrive as X-Forwarded-Host (a cross-site
    # form cannot set that header, so trusting it does not open the door to CSRF).
    hosts = {request.headers.get("host", request.url.netloc), request.headers.get("x-forwarded-host", "")}
    return urlsplit(origin).netloc in hosts - {""}


def require_csrf(request: Request, account: Account = Depends(current_account),
                 csrf_token: str = Form(default="")) -> Account:
    """Every form POST after the login carries the session's CSRF token (field ``csrf_token``
    or header ``X-CSRF-Token``) and, when the browser names one, our own origin."""
    sent = csrf_token or request.headers.get("x-csrf-token", "")
    if not (sent and hmac.compare_digest(sent, request.state.csrf) and _same_origin(request)):
        raise Forbidden("csrf", message="表单已过期或来源不明，请刷新页面后重试 (CSRF check failed)")
    return account


# -- rendering -----------------------------------------------------------------------------
def _finalize(value: Any) -> Any:
    """Every value a template prints is masked (身份证号, phones) unless the page shows personal data."""
    if isinstance(value, str) and not isinstance(value, Markup) and not SHOW_PERSONAL.get():
        return mask_text(value)
    return "" if value is None else value


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
           personal: bool = False) -> HTMLResponse:
    w = web(request)
    account = getattr(request.state, "account", None)
    ctx = {"account": account, "csrf": getattr(request.state, "csrf", ""), "allowed": allowed,
           "personal": personal, "project": Path(w.project).name, **(context or {})}
    token = SHOW_PERSONAL.set(personal)
    try:
        response = w.templates.TemplateResponse(request, template, ctx, status_code=status)
    finally:
        SHOW_PERSONAL.reset(token)
    response.headers["Cache-Control"] = "no-store"
    return response


def json_response(data: Any, *, personal: bool = False, status: int = 200) -> Response:
    """JSON as the CLI prints it with ``--format json``: the same object, masked the same way."""
    import json

    text = json.dumps(data, ensure_ascii=False)
    return Response(text if personal else mask_text(text), status_code=status,
                    media_type="application/json", headers={"Cache-Control": "no-store"})


def _prop_label(rulebook: Any, kind: str, name: str) -> str:
    """What the rosters call a property (户主姓名 for a household's ``head``)."""
    kinds = rulebook.model.kinds if rulebook is not None else {}
    prop = kinds[kind].props.get(name) if kind in kinds else None
    if prop and prop.column:
        return prop.column
    return rulebook.label(name) if name in kinds else name  # a tie to another node: its kind


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str, title: str) -> Response:
    if _is_api(request):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    return render(request, "error.html", {"title": title, "message": message, "status": status}, status=status)


# -- the app -------------------------------------------------------------------------------
def create_app(project: str | Path, *, upload_dir: str | Path | None = None) -> FastAPI:
    """The workbench over ``project`` (a zeren project file)."""
    import tempfile

    from ..graph.store import Store

    project = str(project)
    Store.open(project).close()  # refuse a missing or foreign file now, not at the first request
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.finalize = _finalize
    templates.env.globals["quote"] = lambda s: quote(str(s), safe="")
    templates.env.globals["prop_label"] = _prop_label
    templates.env.globals["node_id"] = lambda v: isinstance(v, str) and re.match(r"^[a-z_]+:\S", v) is not None
    updir = Path(upload_dir) if upload_dir else Path(tempfile.gettempdir()) / "zeren-uploads"
    state = Web(project, updir, templates,
                URLSafeTimedSerializer(accounts.signing_key(project), salt="zeren-session"))

    app = FastAPI(title="zeren 责任清单工作台", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="The JSON API mirrors the CLI's `--format json`. Log in with `POST /login` "
                              "(form fields `username`, `password`); the session cookie authorises the API.")
    app.state.web = state
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        return response

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated):
        if _is_api(request):
            return JSONResponse({"error": "未登录 (not authenticated): POST /login first", "status": 401},
                                status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return _error(request, 403, str(exc), "无权访问")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return _error(request, 404, str(exc), "未找到")

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError):
        return _error(request, 400, "；".join(str(p) for p in exc.problems), "输入有误")

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError):
        return _error(request, 503, str(exc), "项目文件不可用")

    @app.exception_handler(ZerenError)
    async def zeren_error(request: Request, exc: ZerenError):
        return _error(request, 400, str(exc), "请求有误")

    _login_routes(app)
    from ..queries.person import Ambiguous
    from . import admin, browse, people, upload, views

    app.add_exception_handler(Ambiguous, people.ambiguous)
    app.include_router(views.router)
    app.include_router(browse.router)
    app.include_router(people.router)
    app.include_router(upload.router)
    app.include_router(admin.router)
    return app


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no scheme, no host, no protocol-relative //)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_routes(app: FastAPI) -> None:
    @app.get("/login", include_in_schema=False)
    def login_page(request: Request, next: str = "/") -> Response:
        return render(request, "login.html", {"next": _safe_next(next)})

    @app.post("/login", summary="Log in: form fields username, password; sets the session cookie",
              tags=["session"])
    def login(request: Request, username: str = Form(...), password: str = Form(...),
              next: str = Form(default="/")) -> Response:
        w = web(request)
        client = _client(request)
        name = username.strip()
        target = _safe_next(next)
        if not _same_origin(request):
            raise Forbidden("login", message="登录请求来源不明 (cross-origin login refused)")
        wait = w.limiter.locked(name, client)
        if wait > 0:
            w.audit(request, "login", name, ok=False, reason="locked", actor=name or "-")
            minutes = max(1, round(wait / 60))
            message = f"登录失败次数过多，账户已暂时锁定，请 {minutes} 分钟后再试 (too many failed logins)"
            return _login_failed(request, message, target, 429)
        account = accounts.verify(w.project, name, password)
        if account is None:
            w.limiter.failed(name, client)
            w.audit(request, "login", name, ok=False, reason="bad credentials", actor=name or "-")
            return _login_failed(request, "用户名或密码错误，或账户已停用 (wrong name or password)", target, 401)
        w.limiter.succeeded(name)
        token, csrf = accounts.start_session(w.project, account.name, client)
        request.state.account = account
        w.audit(request, "login", account.name, ok=True)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, w.serializer.dumps(token), max_age=accounts.SESSION_HOURS * 3600,
                            httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, account: Account = Depends(require_csrf)) -> Response:
        w = web(request)
        token = w.serializer.loads(request.cookies[COOKIE], max_age=accounts.SESSION_HOURS * 3600)
        accounts.end_session(w.project, token)
        w.audit(request, "logout", account.name)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
        return response

    @app.get("/", include_in_schema=False)
    def home(account: Account = Depends(current_account)) -> Response:
        return RedirectResponse("/search", status_code=303)


def _login_failed(request: Request, message: str, target: str, status: int) -> Response:
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    return render(request, "login.html", {"error": message, "next": target}, status=status)
