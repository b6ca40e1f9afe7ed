"""Who may do what: one checked function, :func:`allowed`, and its table.

Every view asks ``check(account, action, resource)`` before it answers; no view decides
access by itself. A resource is where the thing lies — a :class:`Scope` (the townships a
trace, a check, an org chart or an upload falls in, or the county as a whole) — or, for the
load history, the account that made a load.

| action          | admin              | inspector | clerk                          |
|-----------------|--------------------|-----------|--------------------------------|
| read            | yes                | yes       | his township only              |
| read-personal   | if granted         | no        | no                             |
| load            | yes                | no        | rosters of his township only   |
| read-history    | yes                | yes       | the loads he made              |
| manage-users    | yes                | no        | no                             |
| read-audit      | yes                | no        | no                             |
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .accounts import Account

__all__ = ["Scope", "ACTIONS", "allowed", "check", "Forbidden", "scope_of"]


@dataclass(frozen=True)
class Scope:
    """Where a resource lies: the names of the townships (the pack's first org level) it
    falls in, and whether it reaches beyond them (the county itself, a county unit …)."""

    townships: frozenset[str] = frozenset()
    county: bool = False

    @classmethod
    def of(cls, townships: Iterable[str | None] = (), county: bool = False) -> "Scope":
        names = frozenset(t for t in townships if t)
        return cls(names, county or not names)

    def describe(self) -> str:
        return "全县" if self.county else "、".join(sorted(self.townships))


class Forbidden(Exception):
    """The account may not do this (HTTP 403)."""

    def __init__(self, action: str, resource: Any = None, message: str = ""):
        self.action = action
        self.resource = resource
        where = resource.describe() if isinstance(resource, Scope) else ""
        super().__init__(message or (f"无权访问：{where}" if where else "无权执行此操作") + f"（{action}）")


Rule = Callable[[Account, Any], bool]


def _yes(account: Account, resource: Any) -> bool:
    return True


def _no(account: Account, resource: Any) -> bool:
    return False


def _own_township(account: Account, resource: Any) -> bool:
    return (isinstance(resource, Scope) and not resource.county and bool(account.township)
            and resource.townships == {account.township})


def _granted(account: Account, resource: Any) -> bool:
    return account.personal_data


def _own(account: Account, resource: Any) -> bool:
    return resource == account.name


ACTIONS: dict[str, dict[str, Rule]] = {
    "read": {"admin": _yes, "inspector": _yes, "clerk": _own_township},
    "read-personal": {"admin": _granted, "inspector": _no, "clerk": _no},
    "load": {"admin": _yes, "inspector": _no, "clerk": _own_township},
    "read-history": {"admin": _yes, "inspector": _yes, "clerk": _own},
    "manage-users": {"admin": _yes, "inspector": _no, "clerk": _no},
    "read-audit": {"admin": _yes, "inspector": _no, "clerk": _no},
}


def allowed(account: Account | None, action: str, resource: Any = None) -> bool:
    """Whether ``account`` may do ``action`` on ``resource``. Unknown actions and roles,
    no account and disabled accounts are refused."""
    if account is None or account.disabled:
        return False
    rule = ACTIONS.get(action, {}).get(account.role)
    return bool(rule and rule(account, resource))


def check(account: Account | None, action: str, resource: Any = None) -> None:
    """Raise :class:`Forbidden` unless :func:`allowed`."""
    if not allowed(account, action, resource):
        raise Forbidden(action, resource)


def scope_of(store: Any, node_ids: Iterable[str], at: str) -> Scope:
    """The townships these nodes lie in on ``at`` (the county, when one of them lies above or
    outside every township: the county itself, a county unit, a person of a unit)."""
    from ..queries.paths import Resolver, kind_of

    levels = store.rulebook.pack.org.levels
    if not levels:
        return Scope.of((), county=True)
    r = Resolver(store)
    names: set[str] = set()
    county = False
    for node in node_ids:
        anchor = _anchor(r, node, kind_of(node))
        top = r.lift(anchor, levels[0], at) if anchor else None
        if top is None:
            county = True
        else:
            names.add(r.name(top))
    return Scope.of(names, county)


def _anchor(r: Any, node_id: str, kind: str) -> str | None:
    """Where a node sits: a post by its owner, a person by the organisation the rosters name."""
    if kind not in ("post", "person"):
        return node_id
    node = r.node(node_id)
    return (node.props.get("owner" if kind == "post" else "org_id") if node else None) or None
