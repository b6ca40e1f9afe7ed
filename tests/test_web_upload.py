"""Uploading rosters through the workbench: every problem in a table, the dry-run diff, the
confirm that loads in one transaction, who may load what, and the staged files' lifetime."""

from __future__ import annotations

import csv
import io
import re

import pytest
from rosters import LEADERS, TEAMS, VILLAGES
from webkit import csrf_of, login, make_site
from zeren.graph import audit
from zeren.graph.store import Store

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from zeren.web.app import create_app  # noqa: E402


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path / "site")


@pytest.fixture
def uploads(tmp_path):
    return tmp_path / "uploads"


@pytest.fixture
def client_for(site, uploads):
    app = create_app(site, upload_dir=uploads)

    def make(role: str) -> TestClient:
        client = TestClient(app)
        login(client, role)
        return client

    return make


def _csv(header, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _upload(client, *files, mode="auto"):
    token = csrf_of(client.get("/upload").text)
    return client.post("/upload", data={"csrf_token": token, "mode": mode},
                       files=[("files", (name, body, "text/csv")) for name, body in files], follow_redirects=False)


def _batches(site):
    with Store.open(site) as store:
        return [b["id"] for b in store.batches()]


NEW_CAPTAIN = ["甲镇", "东村", "新队长", "队长", "县财政局", "2019-06-01", ""]
ROTATION = [r if r[2] != "韩队长" else NEW_CAPTAIN for r in TEAMS[1]]
JIA_TEAMS = [r for r in ROTATION if r[0] == "甲镇"]


def test_a_bad_roster_shows_every_problem_and_writes_nothing(client_for, site, uploads):
    before = _batches(site)
    bad = [["甲镇", "东村", "也许", "钱镇长", "2018-06-01", ""], ["甲镇", "西村", "是", "孙主任", "2019/2/30", ""]]
    response = _upload(client_for("clerk_a"), ("村.csv", _csv(VILLAGES[0], bad)))
    assert response.status_code == 422
    page = response.text
    assert "共 2 个问题" in page
    rows = re.findall(r'<td class="row">([^<]*)</td>', page)
    assert rows == ["第2行", "第3行"]
    assert "是否贫困村" in page and "也许" in page and "2019/2/30" in page and "村.csv" in page
    assert str(uploads) not in page  # the staged path is not shown, the file's own name is
    assert _batches(site) == before
    assert not any(uploads.iterdir())  # nothing kept to confirm
    event = audit.events(site, action="upload")[-1]
    assert event.actor == "clerk_a" and event.detail == {"client": "testclient", "ok": False, "problems": 2}


def test_a_good_roster_shows_the_diff_then_loads_on_confirm(client_for, site, uploads):
    clerk = client_for("clerk_a")
    before = _batches(site)
    preview = _upload(clerk, ("工作队.csv", _csv(TEAMS[0], JIA_TEAMS)), mode="snapshot")
    assert preview.status_code == 200, preview.text
    page = preview.text
    assert "将要发生的变化" in page and "确认导入" in page
    diff = re.search(r"<td>工作队</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", page)
    assert diff and diff.groups() == ("4", "1", "1")  # 4 rows; 新队长 opened, 韩队长 closed
    assert "新队长" in page and "韩队长" in page
    assert _batches(site) == before  # a dry run writes nothing
    token = re.search(r'action="/upload/([A-Za-z0-9_-]{32})/confirm"', page).group(1)
    assert (uploads / token / "工作队.csv").is_file()
    done = clerk.post(f"/upload/{token}/confirm", data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert done.status_code == 200 and "已写入，批次" in done.text
    after = _batches(site)
    assert len(after) == len(before) + 1
    assert not (uploads / token).exists()  # deleted after the load
    with Store.open(site) as store:
        holders = {e.src for e in store.edges(dst="post:team:甲镇/东村/队长", kinds=["HOLDS"], at="2019-06-02")}
    assert holders == {"person:县财政局/新队长"}
    load = audit.events(site, action="load")[-1]
    assert load.actor == "clerk_a" and load.detail["batch"] == after[-1] and load.detail["via"] == "web"
    history = clerk.get("/api/history").json()["batches"]
    assert [b["id"] for b in history] == [after[-1]]  # a clerk's history: the loads he made


def test_a_clerk_may_not_load_another_township_or_the_county(client_for, site, uploads):
    before = _batches(site)
    clerk = client_for("clerk_a")
    other = [r for r in ROTATION if r[0] == "乙乡"]
    for name, body in [("工作队.csv", _csv(TEAMS[0], other)), ("县级领导.csv", _csv(*LEADERS))]:
        response = _upload(clerk, (name, body), mode="snapshot")
        assert response.status_code == 403 and "无权导入" in response.text, name
    assert _batches(site) == before and not any(uploads.iterdir())
    refused = [e for e in audit.events(site, action="upload") if e.detail.get("refused")]
    assert [e.detail["refused"] for e in refused] == ["乙乡", "全县"]


def test_an_inspector_may_not_upload(client_for):
    inspector = client_for("inspector")
    assert "不能导入" in inspector.get("/upload").text
    assert _upload(inspector, ("工作队.csv", _csv(TEAMS[0], JIA_TEAMS))).status_code == 403


def test_only_the_uploader_may_confirm_and_cancel_deletes(client_for, site, uploads):
    admin = client_for("admin")
    page = _upload(admin, ("工作队.csv", _csv(TEAMS[0], JIA_TEAMS)), mode="snapshot").text
    token = re.search(r"/upload/([A-Za-z0-9_-]{32})/confirm", page).group(1)
    other = client_for("clerk_a")
    mine = csrf_of(other.get("/upload").text)
    assert other.post(f"/upload/{token}/confirm", data={"csrf_token": mine}).status_code == 403
    assert admin.post(f"/upload/{token}/cancel", data={"csrf_token": csrf_of(page)},
                      follow_redirects=False).status_code == 303
    assert not (uploads / token).exists()
    assert admin.post(f"/upload/{token}/confirm", data={"csrf_token": csrf_of(page)}).status_code == 404
    assert admin.post("/upload/..%2F..%2Fetc/confirm", data={"csrf_token": csrf_of(page)}).status_code == 404


def test_confirm_after_another_load_previews_again(client_for, site):
    clerk = client_for("clerk_a")
    page = _upload(clerk, ("工作队.csv", _csv(TEAMS[0], JIA_TEAMS)), mode="snapshot").text
    token = re.search(r"/upload/([A-Za-z0-9_-]{32})/confirm", page).group(1)
    before = _batches(site)
    admin = client_for("admin")
    villages = [r[:4] + ["2018-06-01", ""] for r in VILLAGES[1]] + [["甲镇", "新村", "是", "钱镇长", "2019-01-01", ""]]
    loaded = _upload(admin, ("村.csv", _csv(VILLAGES[0], villages)), mode="add").text
    other = re.search(r"/upload/([A-Za-z0-9_-]{32})/confirm", loaded).group(1)
    admin.post(f"/upload/{other}/confirm", data={"csrf_token": csrf_of(loaded)})
    again = clerk.post(f"/upload/{token}/confirm", data={"csrf_token": csrf_of(page)})
    assert "重新预览" in again.text and "确认导入" in again.text
    assert len(_batches(site)) == len(before) + 1  # only the admin's load


def test_unchanged_upload_offers_nothing_to_confirm(client_for, uploads):
    from rosters import TOWNSHIPS

    page = _upload(client_for("clerk_a"), ("乡镇.csv", _csv(TOWNSHIPS[0], TOWNSHIPS[1][:1]))).text
    assert "无变化" in page and "确认导入" not in page
    assert not any(uploads.iterdir())


def test_unsupported_files_are_refused(client_for, uploads):
    response = _upload(client_for("clerk_a"), ("notes.exe", b"MZ"))
    assert response.status_code == 400 and "不支持的文件类型" in response.text
    assert not any(uploads.iterdir())
