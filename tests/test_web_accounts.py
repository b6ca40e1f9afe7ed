"""Accounts, the permission table, the audit log, and their commands (zeren user, zeren audit,
the load's audit entry, the demo account)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from rosters import write_base
from zeren.cli.main import cli
from zeren.graph import audit
from zeren.graph.store import SCHEMA_VERSION, Store
from zeren.web import accounts
from zeren.web.accounts import Account, AccountError
from zeren.web.permissions import ACTIONS, Scope, allowed


@pytest.fixture
def county(project, tmp_path, runner):
    result = runner.invoke(cli, ["--project", str(project), "load", *map(str, write_base(tmp_path))])
    assert result.exit_code == 0, result.output
    return project


# -- accounts ------------------------------------------------------------------------------
def test_passwords_are_argon2id_hashes(project):
    accounts.add(project, "li", "inspector", "correct horse 1")
    with sqlite3.connect(project) as conn:
        stored = conn.execute("SELECT password FROM web_account WHERE name='li'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert accounts.verify(project, "li", "correct horse 1") == accounts.get(project, "li")
    assert accounts.verify(project, "li", "correct horse 2") is None
    assert accounts.verify(project, "nobody", "correct horse 1") is None


@pytest.mark.parametrize("name,role,kw,password,message", [
    ("a", "boss", {}, "long-enough-1", "角色“boss”不存在"),
    ("a", "clerk", {}, "long-enough-1", "须指定乡镇"),
    ("a", "inspector", {"township": "甲镇"}, "long-enough-1", "只有乡镇文书"),
    ("a", "inspector", {"personal_data": True}, "long-enough-1", "只有管理员"),
    ("a", "admin", {}, "short", "至少 10 个字符"),
    ("a b", "admin", {}, "long-enough-1", "不可用"),
])
def test_account_rules(project, name, role, kw, password, message):
    with pytest.raises(AccountError, match=message):
        accounts.add(project, name, role, password, **kw)


def test_password_change_and_disable_end_sessions(project):
    accounts.add(project, "li", "inspector", "first-password")
    token, csrf = accounts.start_session(project, "li")
    assert accounts.session(project, token) == (accounts.get(project, "li"), csrf)
    accounts.set_password(project, "li", "second-password")
    assert accounts.session(project, token) is None
    assert accounts.verify(project, "li", "second-password") is not None
    token, _ = accounts.start_session(project, "li")
    with sqlite3.connect(project) as conn:  # the table keeps a digest of the token, never the token
        assert conn.execute("SELECT count(*) FROM web_session WHERE id=?", (token,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM web_session WHERE account='li'").fetchone()[0] == 1
    accounts.set_disabled(project, "li")
    assert accounts.session(project, token) is None and accounts.verify(project, "li", "second-password") is None
    with sqlite3.connect(project) as conn:
        assert conn.execute("SELECT count(*) FROM web_session WHERE account='li'").fetchone()[0] == 0


def test_the_web_tables_leave_the_store_alone(project):
    accounts.add(project, "li", "inspector", "first-password")
    audit.record(project, actor="li", action="login")
    with Store.open(project) as store:
        assert store.meta("schema_version") == SCHEMA_VERSION
        assert "web_account" not in store.counts()


# -- permissions ---------------------------------------------------------------------------
ADMIN = Account("a", "admin", personal_data=True)
ADMIN_PLAIN = Account("b", "admin")
INSPECTOR = Account("i", "inspector")
CLERK = Account("c", "clerk", "甲镇")
JIA, YI, BOTH, COUNTY = Scope.of(["甲镇"]), Scope.of(["乙乡"]), Scope.of(["甲镇", "乙乡"]), Scope.of((), county=True)


@pytest.mark.parametrize("account,action,resource,expected", [
    (ADMIN, "read", COUNTY, True), (INSPECTOR, "read", COUNTY, True), (CLERK, "read", COUNTY, False),
    (CLERK, "read", JIA, True), (CLERK, "read", YI, False), (CLERK, "read", BOTH, False),
    (ADMIN, "read-personal", None, True), (ADMIN_PLAIN, "read-personal", None, False),
    (INSPECTOR, "read-personal", None, False), (CLERK, "read-personal", None, False),
    (ADMIN, "load", COUNTY, True), (INSPECTOR, "load", JIA, False), (CLERK, "load", JIA, True),
    (CLERK, "load", YI, False), (CLERK, "load", COUNTY, False),
    (INSPECTOR, "read-history", "c", True), (CLERK, "read-history", "c", True), (CLERK, "read-history", "x", False),
    (ADMIN, "manage-users", None, True), (INSPECTOR, "manage-users", None, False), (CLERK, "manage-users", None, False),
    (ADMIN, "read-audit", None, True), (INSPECTOR, "read-audit", None, False),
    (ADMIN, "no-such-action", None, False), (Account("x", "guest"), "read", COUNTY, False),
    (Account("d", "admin", disabled=True), "read", COUNTY, False), (None, "read", COUNTY, False),
])
def test_permission_table(account, action, resource, expected):
    assert allowed(account, action, resource) is expected


def test_every_action_covers_every_role():
    assert all(set(rules) == set(accounts.ROLES) for rules in ACTIONS.values())


# -- audit log -----------------------------------------------------------------------------
def test_audit_events_in_beijing_time(project):
    assert audit.events(project) == []  # no table yet: nothing, and nothing created
    with sqlite3.connect(project) as conn:
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name='audit_log'").fetchone() is None
    first = audit.record(project, actor="li", action="login", object="li", detail={"ok": True})
    audit.record(project, actor="os:root", action="load", object="batch:2", detail={"batch": 2})
    assert first.at.endswith("+08:00")
    found = audit.events(project)
    assert [(e.actor, e.action, e.object) for e in found] == [("li", "login", "li"), ("os:root", "load", "batch:2")]
    assert audit.events(project, action="load")[0].detail == {"batch": 2}
    assert [e.id for e in audit.events(project, limit=1)] == [found[-1].id]


# -- commands ------------------------------------------------------------------------------
def _run(runner, project, *args, input=None):
    return runner.invoke(cli, ["--project", str(project), *args], input=input)


def test_user_commands(runner, county):
    added = _run(runner, county, "user", "add", "li", "--role", "clerk", "--township", "甲镇", "--password-stdin",
                 input="a-long-password\n")
    assert added.exit_code == 0, added.output
    assert accounts.verify(county, "li", "a-long-password").township == "甲镇"
    nowhere = _run(runner, county, "user", "add", "wang", "--role", "clerk", "--township", "北京镇",
                   "--password-stdin", input="a-long-password\n")
    assert nowhere.exit_code == 1 and "乡镇“北京镇”不在项目中" in nowhere.output
    short = _run(runner, county, "user", "add", "wang", "--role", "inspector", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "至少 10 个字符" in short.output and "Traceback" not in short.output
    listed = json.loads(_run(runner, county, "user", "list", "--format", "json").output)
    assert [a["name"] for a in listed["accounts"]] == ["li"]
    assert _run(runner, county, "user", "passwd", "li", "--password-stdin", input="another-password\n").exit_code == 0
    assert accounts.verify(county, "li", "another-password") is not None
    assert _run(runner, county, "user", "disable", "li").exit_code == 0
    assert accounts.get(county, "li").disabled
    assert _run(runner, county, "user", "enable", "li").exit_code == 0
    assert not accounts.get(county, "li").disabled
    missing = _run(runner, county, "user", "disable", "nobody")
    assert missing.exit_code == 1 and "不存在" in missing.output
    events = json.loads(_run(runner, county, "audit", "--format", "json").output)["events"]
    assert [e["action"] for e in events] == ["load", "user-add", "user-passwd", "user-disable", "user-enable"]
    assert all(e["actor"].startswith("os:") for e in events)
    table = _run(runner, county, "audit", "--action", "user-add")
    assert table.exit_code == 0 and "user-add" in table.output and "user-passwd" not in table.output


def test_cli_load_is_audited_only_when_it_writes(runner, project, tmp_path):
    files = list(map(str, write_base(tmp_path)))
    assert _run(runner, project, "load", "--dry-run", *files).exit_code == 0
    assert audit.events(project) == []
    assert _run(runner, project, "load", *files).exit_code == 0
    again = project.read_bytes()
    assert _run(runner, project, "load", *files).exit_code == 0  # unchanged: nothing written, nothing audited
    assert project.read_bytes() == again
    [event] = audit.events(project)
    assert event.action == "load" and event.detail["batch"] == 1 and event.detail["files"] == files


def test_demo_account_is_made_with_a_printed_password(county):
    from zeren.cli.web import demo_account

    text = demo_account(county)
    password = text.split("password 密码: ", 1)[1].split()[0]
    assert f"zeren serve --project {county}" in text
    made = accounts.verify(county, "demo", password)
    assert made is not None and made.role == "inspector" and not made.personal_data
    again = demo_account(county).split("password 密码: ", 1)[1].split()[0]
    assert again != password and accounts.verify(county, "demo", again) is not None


def test_serve_refuses_a_missing_project(runner, tmp_path):
    result = runner.invoke(cli, ["serve", "--project", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "项目文件不存在" in result.output


def test_the_cli_does_not_import_the_web_framework():
    import subprocess
    import sys

    heavy = "('fastapi', 'starlette', 'uvicorn', 'argon2', 'jinja2')"
    code = f"import sys, zeren.cli.main; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_demo_ends_with_how_to_open_the_workbench(runner, tmp_path):
    result = runner.invoke(cli, ["demo", str(tmp_path / "d"), "--households", "200", "--villages", "20"])
    assert result.exit_code == 0, result.output
    tail = result.output.rsplit("Web workbench 工作台:", 1)[1]
    assert f"zeren serve --project {tmp_path / 'd' / 'zeren.db'}" in tail
    password = tail.split("password 密码: ", 1)[1].split()[0]
    assert accounts.verify(tmp_path / "d" / "zeren.db", "demo", password).role == "inspector"


def test_cli_revert_and_person_merge_are_audited(runner, project, tmp_path):
    files = list(map(str, write_base(tmp_path)))
    assert _run(runner, project, "load", *files).exit_code == 0
    persons = [r[0] for r in sqlite3.connect(project).execute("SELECT id FROM person ORDER BY id LIMIT 2")]
    assert _run(runner, project, "person", "merge", *persons, "--note", "同一人").exit_code == 0
    assert _run(runner, project, "person", "unmerge", *persons).exit_code == 0
    assert _run(runner, project, "revert", "1").exit_code == 0
    got = [(e.action, e.detail.get("persons"), e.detail.get("reverted")) for e in audit.events(project)]
    assert sorted(got, key=str) == sorted([("load", None, None), ("person merge", persons, None),
                                           ("person unmerge", persons, None), ("revert", None, 1)], key=str)
