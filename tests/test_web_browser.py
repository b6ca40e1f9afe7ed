"""The workbench in a real browser: Debian's chromium, headless, driven by Playwright, against
``zeren serve`` (uvicorn) on a free port of 127.0.0.1. Log in, search a household with the
suggestions, open its trace and see the diagram, upload a roster with an error and see the
row named, upload a good one, see the diff, confirm.

Screenshots of the pages go to a temporary folder, or to ``$ZEREN_SCREENSHOTS`` (``make
screenshots`` sets it to docs/).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from rosters import TEAMS, VILLAGES, write_csv
from webkit import PASSWORDS, make_site

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("ZEREN_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright")
    root = tmp_path_factory.mktemp("browser")
    project = make_site(root / "site")
    port = _free_port()
    log = (root / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "zeren.cli", "serve", "--project", str(project), "--host",
                             "127.0.0.1", "--port", str(port), "--upload-dir", str(root / "uploads")],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("zeren serve did not start: " + (root / "serve.log").read_text())
            time.sleep(0.2)
    yield base, root
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 860}, locale="zh-CN")
        yield context.new_page()
        context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    target = os.environ.get("ZEREN_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_the_workbench_in_chromium(server, page, shots):
    base, root = server
    page.goto(base + "/trace/plan/P003")  # not logged in: to the login page, and back after it
    assert "/login" in page.url
    page.screenshot(path=str(shots / "web-login.png"))
    page.fill("input[name=username]", "clerk_a")
    page.fill("input[name=password]", PASSWORDS["clerk_a"])
    page.click("form button[type=submit]")
    page.wait_for_url("**/trace/plan/P003")

    # Search a household: suggestions appear as one types, and lead to its page.
    page.goto(base + "/search")
    page.type("#q", "H00", delay=60)
    page.wait_for_selector("#suggestions li a")
    names = page.locator("#suggestions li .name").all_inner_texts()
    assert names == ["H001", "H002", "H003"]  # a clerk of 甲镇 is offered 甲镇's households only
    page.screenshot(path=str(shots / "web-search.png"))
    page.locator("#suggestions li a", has_text="H003").click()
    page.wait_for_url("**/household/H003")
    assert "西村" in page.inner_text("main") and "吕干部" in page.inner_text("main")
    page.screenshot(path=str(shots / "web-household.png"), full_page=True)

    # Its trace: the chain table, the liabilities with their clause, the diagram as inline SVG.
    page.click("text=责任链")
    page.wait_for_url("**/trace/household/H003")
    svg = page.locator("svg.diagram")
    assert svg.count() == 1 and svg.locator("g.node").count() > 10
    assert "吕干部" in svg.text_content()
    assert page.locator("svg.diagram a").count() > 5  # its nodes are links
    assert "条款 一.7" in page.inner_text("main")
    page.screenshot(path=str(shots / "web-trace.png"), full_page=True)

    # A roster with an error: every problem in a table, the row named.
    bad = write_csv(root / "村.csv", VILLAGES[0], [["甲镇", "东村", "也许", "钱镇长", "2018-06-01", ""]])
    page.goto(base + "/upload")
    page.set_input_files("input[type=file]", str(bad))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("table.problems")
    row = page.locator("table.problems tbody tr").first
    assert row.locator("td.row").inner_text() == "第2行"
    assert "是否贫困村" in row.inner_text() and "也许" in row.inner_text()
    page.screenshot(path=str(shots / "web-upload-problems.png"), full_page=True)

    # A good one: the diff, then the confirm loads it.
    rows = [r if r[2] != "韩队长" else ["甲镇", "东村", "新队长", "队长", "县财政局", "2019-06-01", ""]
            for r in TEAMS[1] if r[0] == "甲镇"]
    good = write_csv(root / "工作队.csv", TEAMS[0], rows)
    page.goto(base + "/upload")
    page.set_input_files("input[type=file]", str(good))
    page.check("input[value=snapshot]")
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("table.diff")
    assert "新队长" in page.inner_text("main")
    page.screenshot(path=str(shots / "web-upload-diff.png"), full_page=True)
    page.click("text=确认导入")
    page.wait_for_selector("text=已写入，批次")
    page.goto(base + "/history")
    assert "工作队.csv" in page.inner_text("main")


def test_check_org_and_print_pages(server, page, shots, tmp_path):
    base, _ = server
    page.goto(base + "/check?period=2019Q2")
    assert "甲镇" in page.inner_text("main")
    page.screenshot(path=str(shots / "web-check.png"))
    page.goto(base + "/org/village/甲镇/东村")
    assert "韩队长" in page.inner_text("main") or "新队长" in page.inner_text("main")
    page.screenshot(path=str(shots / "web-org.png"), full_page=True)
    page.goto(base + "/trace/plan/P003")
    page.click("svg.diagram a:has-text('赵书记')")  # a node of the diagram opens the person's page
    page.wait_for_url("**/person/**")
    assert "党委书记" in page.inner_text("main")
    page.screenshot(path=str(shots / "web-person.png"), full_page=True)
    page.emulate_media(media="print")
    page.goto(base + "/trace/plan/P003")
    assert not page.locator("header.top").is_visible()  # printed without the navigation
    page.emulate_media(media="screen")
    pdf = tmp_path / "trace.pdf"
    page.pdf(path=str(pdf), format="A4")  # Chromium's own print of the page
    assert pdf.stat().st_size > 10_000
