"""Shared by the web tests: a tiny county with findings and one account per role, and
logged-in clients of the framework's test client."""

from __future__ import annotations

import re
from pathlib import Path

from rosters import F_HEADER, write_base, write_csv
from zeren.graph.store import Store
from zeren.loaders.rosters import load_files
from zeren.loaders.rulebook import load_rulebook
from zeren.web import accounts

PHONE = "13909321234"
FINDINGS = [
    ["2019-05-01", "县委督查室", "一户一策未制定", "户", "H003", "走访发现"],
    ["2019-05-02", "县委督查室", "一户一策未落实", "户", "H001", f"户主电话 {PHONE}"],
    ["2019-05-03", "县委督查室", "部署落实不到位", "县", "通渭县", ""],
    ["2019-05-04", "县委督查室", "一户一策未落实", "户", "H004", ""],
]
PASSWORDS = {"admin": "admin-secret-1", "inspector": "inspector-secret-1", "clerk_a": "clerk-a-secret-1",
             "clerk_b": "clerk-b-secret-1"}
ROLES = {"admin": ("admin", None, True), "inspector": ("inspector", None, False),
         "clerk_a": ("clerk", "甲镇", False), "clerk_b": ("clerk", "乙乡", False)}


def make_site(directory: Path) -> Path:
    """A project with the tiny county, four findings and the four accounts."""
    directory.mkdir(parents=True, exist_ok=True)
    project = directory / "site.db"
    Store.create(project, load_rulebook()).close()
    rosters = directory / "rosters"
    rosters.mkdir()
    with Store.open(project, readonly=False) as store:
        load_files(store, [str(p) for p in write_base(rosters)])
        load_files(store, [str(write_csv(rosters / "督查发现.csv", F_HEADER, FINDINGS))])
    for name, (role, township, personal) in ROLES.items():
        accounts.add(project, name, role, PASSWORDS[name], township=township, personal_data=personal)
    return project


def login(client, name: str, password: str | None = None):
    response = client.post("/login", data={"username": name, "password": password or PASSWORDS[name]},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)
