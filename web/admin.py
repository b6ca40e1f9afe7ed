"""Administration: the accounts (list, add, disable, enable, reset a password) and the audit
log. Admins only; every change of an account is written to the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..graph import audit
from . import accounts
from .accounts import Account, AccountError
from .app import current_account, render, require_csrf, web
from .common import View, dual
from .permissions import check

__all__ = ["router"]

router = APIRouter()


def _townships(request: Request) -> list[str]:
    with web(request).store() as store:
        levels = store.rulebook.pack.org.levels
        return sorted(n.name for n in store.nodes_by_id(sorted(store.node_ids(levels[0])))) if levels else []


@router.get("/admin/users", include_in_schema=False)
def users(request: Request, account: Account = Depends(current_account), error: str = "") -> Response:
    check(account, "manage-users")
    return render(request, "users.html", {"users": accounts.accounts(web(request).project), "roles": accounts.ROLES,
                                          "role_labels": accounts.ROLE_LABELS, "townships": _townships(request),
                                          "error": error})


@router.post("/admin/users", include_in_schema=False)
def add_user(request: Request, name: str = Form(...), role: str = Form(...), township: str = Form(default=""),
             password: str = Form(...), personal_data: bool = Form(default=False),
             account: Account = Depends(require_csrf)) -> Response:
    check(account, "manage-users")
    w = web(request)
    if township and township not in _townships(request):
        raise AccountError(f"乡镇“{township}”不在项目中")
    try:
        made = accounts.add(w.project, name, role, password, township=township or None, personal_data=personal_data)
    except AccountError as err:
        return render(request, "users.html", {"users": accounts.accounts(w.project), "roles": accounts.ROLES,
                                              "role_labels": accounts.ROLE_LABELS,
                                              "townships": _townships(request), "error": str(err)}, status=400)
    w.audit(request, "user-add", made.name, role=made.role, township=made.township, personal_data=made.personal_data)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}/{change}", include_in_schema=False)
def change_user(request: Request, name: str, change: str, password: str = Form(default=""),
                account: Account = Depends(require_csrf)) -> Response:
    check(account, "manage-users")
    w = web(request)
    if change in ("disable", "enable"):
        if name == account.name and change == "disable":
            raise AccountError("不能停用自己的账户 (you cannot disable your own account)")
        accounts.set_disabled(w.project, name, change == "disable")
    elif change == "password":
        accounts.set_password(w.project, name, password)
    else:
        raise AccountError(f"未知的操作：{change}")
    w.audit(request, f"user-{change}", name)
    return RedirectResponse("/admin/users", status_code=303)


@dual(router, "/audit", "audit.html", summary="The audit log (= `zeren audit --format json`); admins only")
def audit_log(request: Request, actor: str | None = None, action: str | None = None, limit: int | None = None,
              account: Account = Depends(current_account)) -> View:
    check(account, "read-audit")
    events = audit.events(web(request).project, actor=actor, action=action, limit=max(1, limit) if limit else None)
    return View({"events": [e.as_dict() for e in events]}, {"events": events, "actor": actor or "",
                                                          "action": action or ""})
