"""The web workbench through the framework's test client: every route for every role (the
401/403 matrix), the API equal to the CLI's JSON, masking and personal data, sessions and
their cookie, CSRF, the login rate limit, reads during a load."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from webkit import PASSWORDS, PHONE, csrf_of, login, make_site
from zeren.cli.main import cli
from zeren.graph import audit
from zeren.graph.store import Store
from zeren.web import accounts

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from zeren.web.app import COOKIE, create_app  # noqa: E402

ROLES = ("anon", "admin", "inspector", "clerk_a", "clerk_b")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return make_site(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def app(site, tmp_path_factory):
    return create_app(site, upload_dir=tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="module")
def clients(app):
    out = {"anon": TestClient(app)}
    for role in ROLES[1:]:
        out[role] = TestClient(app)
        login(out[role], role)
    return out


def _codes(ok_for: set[str], denied: int = 403) -> dict[str, int]:
    """Status per role: 200 for the roles in ok_for, 403 for the other accounts; pages send
    the anonymous to /login (303), the API answers them 401."""
    return {role: 200 if role in ok_for else denied for role in ROLES[1:]}


ALL = {"admin", "inspector", "clerk_a", "clerk_b"}
COUNTY = {"admin", "inspector"}
JIA = {"admin", "inspector", "clerk_a"}  # 甲镇's
YI = {"admin", "inspector", "clerk_b"}  # 乙乡's

# (path, roles that get 200): every GET route of the workbench, as a page and as JSON.
MATRIX = [
    ("/search?q=H00", ALL),
    ("/household/H001", JIA),
    ("/household/H004", YI),
    ("/trace/plan/P003", JIA),
    ("/trace/household/H004", YI),
    ("/trace/finding/1", JIA),  # on H003, in 甲镇
    ("/trace/finding/3", COUNTY),  # on the county itself: no clerk's
    ("/check?period=2019Q2", ALL),  # a clerk's check is of his own township
    ("/check?period=2019Q2&township=甲镇", JIA),
    ("/check?period=2019Q2&township=乙乡", YI),
    ("/org", COUNTY),
    ("/org/township/甲镇", JIA),
    ("/org/township/乙乡", YI),
    ("/org/village/甲镇/东村", JIA),
    ("/org/village/乙乡/北村", YI),
    ("/history", ALL),
    ("/audit", {"admin"}),
    ("/duties?period=2019Q2", ALL),  # a clerk's duties are his township's
    ("/duties?period=2019Q2&township=乙乡", YI),
    ("/person/吕干部", COUNTY),  # a person of a county unit
    ("/person/赵书记", JIA),  # 甲镇's party secretary
]
PAGES_ONLY = [
    ("/upload", ALL),
    ("/admin/users", {"admin"}),
    ("/api", ALL),
    ("/check/export.csv?period=2019Q2", ALL),
    ("/check/export.csv?period=2019Q2&township=乙乡", YI),
    ("/trace/plan/P003?personal=1", {"admin"}),  # only an account granted personal data
    ("/household/H001?personal=1", {"admin"}),
    ("/api/trace/plan/P003?personal=1", {"admin"}),
]


@pytest.mark.parametrize("path,ok", MATRIX, ids=[p for p, _ in MATRIX])
def test_page_and_api_for_every_role(clients, path, ok):
    for role, expected in _codes(ok).items():
        page = clients[role].get(path, follow_redirects=False)
        assert page.status_code == expected, (role, path, page.text[:300])
        api = clients[role].get("/api" + path, follow_redirects=False)
        assert api.status_code == expected, (role, "/api" + path, api.text[:300])
        if expected == 200:
            assert page.headers["content-type"].startswith("text/html")
            assert api.headers["content-type"].startswith("application/json")
            json.loads(api.text)
        else:
            assert "无权" in page.text and "无权" in api.json()["error"]
    anon_page = clients["anon"].get(path, follow_redirects=False)
    assert anon_page.status_code == 303 and anon_page.headers["location"].startswith("/login?next=")
    anon_api = clients["anon"].get("/api" + path, follow_redirects=False)
    assert anon_api.status_code == 401 and "not authenticated" in anon_api.json()["error"]


@pytest.mark.parametrize("path,ok", PAGES_ONLY, ids=[p for p, _ in PAGES_ONLY])
def test_other_routes_for_every_role(clients, path, ok):
    for role, expected in _codes(ok).items():
        response = clients[role].get(path, follow_redirects=False)
        assert response.status_code == expected, (role, path, response.text[:300])
    anon = clients["anon"].get(path, follow_redirects=False)
    assert anon.status_code == (401 if path.startswith("/api/") else 303)


def test_unknown_subjects_are_404(clients):
    assert clients["inspector"].get("/trace/plan/NOPE").status_code == 404
    assert clients["inspector"].get("/api/trace/finding/999").json()["status"] == 404
    assert clients["inspector"].get("/api/check?period=2019Q9").status_code == 400


# -- the API is the CLI's JSON -------------------------------------------------------------
def _cli_json(runner, site, *args):
    result = runner.invoke(cli, ["--project", str(site), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("api,args", [
    ("/api/trace/plan/P003", ["trace", "plan", "P003"]),
    ("/api/trace/household/H001", ["trace", "household", "H001"]),
    ("/api/trace/finding/3", ["trace", "finding", "3"]),
    ("/api/trace/plan/P003?period=2019H1&at=2019-05-20", ["trace", "plan", "P003", "--period", "2019H1",
                                                         "--at", "2019-05-20"]),
    ("/api/check?period=2019Q2", ["check", "--period", "2019Q2"]),
    ("/api/check?period=2019Q2&township=甲镇", ["check", "--period", "2019Q2", "--township", "甲镇"]),
    ("/api/check?date_from=2019-05-01&date_to=2019-05-02", ["check", "--from", "2019-05-01", "--to", "2019-05-02"]),
    ("/api/history", ["history"]),
    ("/api/duties?period=2019Q2", ["duties", "--period", "2019Q2"]),
    ("/api/duties?period=2019Q2&township=甲镇&at=2019-05-15", ["duties", "--period", "2019Q2", "--township", "甲镇",
                                                              "--at", "2019-05-15"]),
    ("/api/person/吕干部", ["person", "吕干部"]),
    ("/api/person/赵书记?unit=甲镇", ["person", "赵书记", "--unit", "甲镇"]),
])
def test_api_equals_the_cli(clients, runner, site, api, args):
    assert clients["inspector"].get(api).json() == _cli_json(runner, site, *args)


def test_audit_api_equals_the_cli(clients, runner, site):
    assert clients["admin"].get("/api/audit").json() == _cli_json(runner, site, "audit")


def test_page_shows_what_the_api_returns(clients):
    """One view, two renderings: the page lists the entries the JSON has."""
    data = clients["inspector"].get("/api/trace/plan/P003").json()
    page = clients["inspector"].get("/trace/plan/P003").text
    for link in data["chain"]:
        assert link["name"] in page
    for li in data["liabilities"]:
        if li["triggered"]:
            assert li["explanation"].replace("“", "&#8220;")[:10] in page or li["explanation"][:10] in page


def test_check_filters_by_clause_and_kind(clients):
    data = clients["inspector"].get("/api/check?period=2019Q2&clause=一.7").json()
    assert data["liabilities"] and {li["clause"] for li in data["liabilities"]} == {"一.7"}
    kinds = clients["inspector"].get("/api/check?period=2019Q2&kind=领导责任").json()["liabilities"]
    assert kinds and {li["kind"] for li in kinds} == {"领导责任"}


def test_clerk_check_is_his_township(clients, runner, site):
    mine = clients["clerk_a"].get("/api/check?period=2019Q2").json()
    assert mine == _cli_json(runner, site, "check", "--period", "2019Q2", "--township", "甲镇")


def test_clerk_search_sees_only_his_township(clients):
    ids = {r["id"] for r in clients["clerk_a"].get("/api/search?q=H00").json()["results"]}
    assert ids == {"household:H001", "household:H002", "household:H003"}
    every = {r["id"] for r in clients["inspector"].get("/api/search?q=H00").json()["results"]}
    assert "household:H004" in every


@pytest.mark.parametrize("q,first", [("P003", "plan:P003"), ("东村", "village:甲镇/东村"),
                                     ("吕干部", "person:县财政局/吕干部"), ("甲镇", "township:甲镇"),
                                     ("县财政局", "unit:县财政局")])
def test_search_finds_each_kind(clients, q, first):
    results = clients["inspector"].get(f"/api/search?q={quote(q)}").json()["results"]
    assert results[0]["id"] == first
    go = clients["inspector"].get(results[0]["url"], follow_redirects=False)
    assert go.status_code == 303


def test_go_leads_to_the_page_of_a_node(clients):
    where = {"household:H001": "/household/H001", "plan:P003": "/trace/plan/P003", "township:甲镇": "/org/township/",
             "village:甲镇/东村": "/org/village/", "county:通渭县": "/org",
             "person:县财政局/吕干部": f"/person/{quote('吕干部')}?unit={quote('县财政局')}",
             "post:township:甲镇/党委书记": f"/person/{quote('赵书记')}?unit={quote('甲镇')}"}
    for node, start in where.items():
        response = clients["inspector"].get(f"/go?node={quote(node)}", follow_redirects=False)
        assert response.headers["location"].startswith(start), node


def test_trace_page_has_the_linked_svg_and_clause_text(clients, site):
    page = clients["inspector"].get("/trace/plan/P003").text
    assert '<svg class="diagram"' in page
    assert 'href="/go?node=person%3A' in page  # nodes link to their pages
    with Store.open(site) as store:
        text = next(c.text for c in store.rulebook.clauses if c.id == "一.7")
    assert text[:20] in page


# -- personal data -------------------------------------------------------------------------
def test_personal_data_masked_unless_granted_and_asked(clients, site):
    masked = PHONE[:3] + "****" + PHONE[-4:]
    for role in ("admin", "inspector"):
        page = clients[role].get("/trace/plan/P001").text + clients[role].get("/api/trace/plan/P001").text
        assert masked in page and PHONE not in page
    before = len(audit.events(site, action="personal-data"))
    shown = clients["admin"].get("/trace/plan/P001?personal=1").text
    assert PHONE in shown and "已记入审计日志" in shown
    assert PHONE in clients["admin"].get("/api/trace/plan/P001?personal=1").text
    events = audit.events(site, action="personal-data")
    assert len(events) == before + 2 and events[-1].actor == "admin"
    assert clients["inspector"].get("/trace/plan/P001?personal=1").status_code == 403


# -- sessions, cookies, CSRF, rate limit ---------------------------------------------------
def test_session_cookie_flags(app):
    client = TestClient(app)
    response = login(client, "inspector")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(COOKIE + "=")
    low = cookie.lower()
    assert "httponly" in low and "samesite=lax" in low and "path=/" in low and "max-age=28800" in low
    assert "secure" not in low  # plain http in the test; https requests get Secure
    value = cookie.split(";", 1)[0].split("=", 1)[1].strip('"')
    assert value.count(".") == 2  # itsdangerous: payload.timestamp.signature
    tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    other = TestClient(app, cookies={COOKIE: tampered})
    assert other.get("/api/history").status_code == 401


def test_sessions_are_server_side_and_end_on_logout(app, site):
    client = TestClient(app)
    login(client, "inspector")
    page = client.get("/search").text
    cookie = client.cookies.get(COOKIE)
    assert client.post("/logout", data={"csrf_token": csrf_of(page)}, follow_redirects=False).status_code == 303
    replay = TestClient(app, cookies={COOKIE: cookie})
    assert replay.get("/api/history").status_code == 401


def test_disabling_an_account_ends_its_sessions(app, site):
    accounts.add(site, "temp", "inspector", "temporary-pass-1")
    client = TestClient(app)
    login(client, "temp", "temporary-pass-1")
    assert client.get("/api/history").status_code == 200
    accounts.set_disabled(site, "temp")
    assert client.get("/api/history").status_code == 401
    bad = TestClient(app).post("/login", data={"username": "temp", "password": "temporary-pass-1"})
    assert bad.status_code == 401


def test_csrf_is_required_on_every_form_post(clients):
    client = clients["admin"]
    token = csrf_of(client.get("/search").text)
    posts = [("/logout", {}), ("/admin/users", {"name": "x", "role": "inspector", "password": "long-enough-1"}),
             ("/admin/users/inspector/disable", {}), ("/upload/" + "a" * 32 + "/cancel", {}),
             ("/upload/" + "a" * 32 + "/confirm", {})]
    for path, form in posts:
        for sent in ({}, {"csrf_token": "wrong"}):
            response = client.post(path, data={**form, **sent}, follow_redirects=False)
            assert response.status_code == 403 and "CSRF" in response.text, (path, sent)
    cross = client.post("/admin/users/inspector/disable", data={"csrf_token": token},
                        headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert cross.status_code == 403
    proxied = client.post("/admin/users/nobody/enable", data={"csrf_token": token},
                          headers={"Origin": "https://zeren.example", "X-Forwarded-Host": "zeren.example"})
    assert proxied.status_code == 400 and "不存在" in proxied.text  # past the CSRF check: no such account
    upload = client.post("/upload", files={"files": ("a.csv", b"x")}, follow_redirects=False)
    assert upload.status_code == 403
    assert client.get("/api/history").status_code == 200  # still logged in: nothing went through


def test_login_failures_are_rate_limited_and_audited(site, tmp_path):
    app = create_app(site, upload_dir=tmp_path)
    client = TestClient(app)
    before = len(audit.events(site, action="login"))
    for _ in range(5):
        assert client.post("/login", data={"username": "clerk_b", "password": "nope"}).status_code == 401
    locked = client.post("/login", data={"username": "clerk_b", "password": PASSWORDS["clerk_b"]})
    assert locked.status_code == 429 and "锁定" in locked.text
    # Another account from the same address may still log in, until the address's own limit.
    login(TestClient(app), "inspector")
    for n in range(15):  # 5 + 15 failures from one address: its limit of 20
        assert client.post("/login", data={"username": f"nobody{n}", "password": "nope"}).status_code == 401
    refused = client.post("/login", data={"username": "admin", "password": PASSWORDS["admin"]})
    assert refused.status_code == 429
    events = audit.events(site, action="login")[before:]
    assert [e.detail["ok"] for e in events].count(False) == 5 + 1 + 15 + 1
    assert events[5].detail["reason"] == "locked" and events[5].object == "clerk_b"
    assert any(e.detail["ok"] and e.actor == "inspector" for e in events)


def test_login_redirects_only_within_the_site(app):
    client = TestClient(app)
    for target, expected in [("/check?period=2019Q2", "/check?period=2019Q2"), ("https://evil.example/", "/"),
                             ("//evil.example/", "/")]:
        response = client.post("/login", data={"username": "inspector", "password": PASSWORDS["inspector"],
                                               "next": target}, follow_redirects=False)
        assert response.headers["location"] == expected


def test_security_headers(clients):
    response = clients["inspector"].get("/search")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


# -- reads during a load -------------------------------------------------------------------
def test_reads_succeed_while_a_load_holds_the_write_lock(clients, site):
    with Store.open(site, readonly=False) as store:
        with store.transaction(rollback=True):
            store.conn.execute("UPDATE meta SET value=value WHERE key='created'")  # the write lock is held
            for path in ("/api/trace/plan/P003", "/api/check?period=2019Q2", "/search?q=H", "/org/township/甲镇"):
                assert clients["inspector"].get(path).status_code == 200, path


def test_openapi_documents_the_api(clients):
    spec = clients["anon"].get("/api/openapi.json").json()
    assert "/api/trace/{subject}/{ident}" in spec["paths"] and "/api/check" in spec["paths"]
    assert "/trace/{subject}/{ident}" not in spec["paths"] and "/check" not in spec["paths"]  # pages are not API
    assert "/check/export.csv" in spec["paths"]  # downloads are


def test_excel_and_report_downloads(clients):
    pytest.importorskip("zeren.documents")
    pytest.importorskip("docx")
    xlsx = clients["inspector"].get("/check/export.xlsx?period=2019Q2")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "check-2019Q2.xlsx" in xlsx.headers["content-disposition"]
    docx = clients["clerk_a"].get("/trace/plan/P003/report.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert clients["clerk_b"].get("/trace/plan/P003/report.docx").status_code == 403
    assert clients["clerk_a"].get("/check/export.xlsx?period=2019Q2&township=乙乡").status_code == 403


def test_csv_export_is_the_clis_csv(clients, runner, site):
    web_csv = clients["inspector"].get("/check/export.csv?period=2019Q2&township=甲镇")
    cli_csv = runner.invoke(cli, ["--project", str(site), "check", "--period", "2019Q2", "--township", "甲镇",
                                  "--format", "csv"]).output
    # the same rows (click's echo adds one newline after the CSV's own)
    assert web_csv.content.decode("utf-8").rstrip("\r\n").splitlines() == cli_csv.rstrip("\r\n").splitlines()
    assert len(cli_csv.splitlines()) > 3
    assert web_csv.content.startswith("\ufeff".encode())


def test_admin_manages_users_on_the_web_and_it_is_audited(clients, site):
    admin = clients["admin"]
    token = csrf_of(admin.get("/admin/users").text)
    made = admin.post("/admin/users", data={"csrf_token": token, "name": "zhao", "role": "clerk", "township": "乙乡",
                                            "password": "zhao-password-1"}, follow_redirects=False)
    assert made.status_code == 303 and accounts.get(site, "zhao").township == "乙乡"
    bad = admin.post("/admin/users", data={"csrf_token": token, "name": "qian", "role": "inspector",
                                           "password": "short"})
    assert bad.status_code == 400 and "至少 10 个字符" in bad.text
    off = admin.post("/admin/users/zhao/disable", data={"csrf_token": token}, follow_redirects=False)
    assert off.status_code == 303 and accounts.get(site, "zhao").disabled
    actions = [(e.actor, e.action, e.object) for e in audit.events(site)[-2:]]
    assert actions == [("admin", "user-add", "zhao"), ("admin", "user-disable", "zhao")]
    clerk = clients["clerk_a"]
    mine = csrf_of(clerk.get("/search").text)
    refused = clerk.post("/admin/users", data={"csrf_token": mine, "name": "x", "role": "admin",
                                               "password": "x-password-123"})
    assert refused.status_code == 403 and accounts.get(site, "x") is None
