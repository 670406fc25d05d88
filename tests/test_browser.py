"""Real-browser journeys: Chromium (driven by Playwright) against the app on a live Werkzeug server.

The server runs the very app object of the ``app`` fixture in a background thread; every request
there gets its own app context and database session. Only the SQLite parametrization runs: one
browser journey per test run is enough, and the journey is about the pages, not the database.

Run with ``-s`` (or ``-rP``) to see where the screenshot of the finished process was saved.
"""

from __future__ import annotations

import os
import re
import threading
import time

import pytest
from sqlalchemy import select

from app.core.extensions import db

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PASSWORD = "secret-pass"
TIMEOUT_MS = 15_000

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
# What a page does after a click (a socket round trip, a redirect) may take seconds while the suite's other worker
# is busy: assertions wait as long as actions do.
expect.set_options(timeout=TIMEOUT_MS)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def sqlite_only(request):
    """Skip the PostgreSQL parametrization before anything is loaded into it (unless marked every_database)."""
    kind = request.node.callspec.params.get("app")
    if kind != "sqlite" and request.node.get_closest_marker("every_database") is None:
        pytest.skip(f"browser journeys run on the SQLite parametrization only (this one is {kind})")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM}")


@pytest.fixture
def live_server(sqlite_only, app, demo):
    """The fixture's app served over HTTP on a free port; yields its base URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # one line per request drowns failure output; errors still log
            pass

    # Nothing may stay open in this thread while the server thread writes to SQLite.
    db.session.commit()
    db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        db.session.remove()


@pytest.fixture
def chromium_page(live_server):
    """A fresh Chromium page; fails the test on uncaught page errors and on any 5xx answer."""
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server, locale="th-TH", timezone_id="Asia/Bangkok",
                                      viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        browser_page = context.new_page()
        browser_page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        browser_page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.request.method} {r.url}")
                        if r.status >= 500 else None)
        browser_page.on("console", lambda m: print(f"[console.{m.type}] {m.text}") if m.type == "error" else None)
        try:
            yield browser_page
        finally:
            context.close()
            browser.close()
    assert not problems, problems


# --------------------------------------------------------------------------- helpers


def sign_in(page, username: str) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    page.wait_for_load_state()  # the address changes before the page's styles apply (the phone's menu button)
    expect(page.locator("#nav-inbox")).to_have_count(1)  # behind the menu button on a phone


def open_menu(page, element_id: str):
    """The menu entry ``element_id`` made clickable as a person does: the phone's menu button, then its dropdown.

    Once the page has loaded, styles included: before them the wide screen's hidden menu button looks visible, and a
    dropdown opened while a redirect's page was still arriving is closed by it."""
    page.wait_for_load_state("load")
    entry = page.locator(f"#{element_id}")
    if entry.is_visible():
        return entry
    toggle = page.locator("#nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    dropdown = page.locator(f".dropdown:has(#{element_id}) > .dropdown-toggle")
    if dropdown.count() and not entry.is_visible():
        dropdown.click()
    expect(entry).to_be_visible()
    return entry


def sign_out(page) -> None:
    page.wait_for_load_state("load")  # see open_menu
    toggle = page.locator("#nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    page.click("nav form[action$='/logout'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("#nav-inbox")).to_have_count(0)


def open_task_about(page, subject: str) -> None:
    """From the inbox, open the open task whose subject is ``subject``."""
    page.click("#nav-inbox")
    row = page.locator("#task-list tbody tr").filter(
        has=page.locator("td.task-subject", has_text=re.compile(rf"^\s*{re.escape(subject)}\s*$")))
    expect(row).to_have_count(1)
    row.locator("td.task-title a").click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))


def approve(page, body: str) -> None:
    expect(page.locator(".manual-body")).to_contain_text(body.splitlines()[0])
    page.check("#task-form input[name=decision][value=approve]")
    page.click("#task-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    expect(page.locator(".alert-success")).to_be_visible()


# --------------------------------------------------------------------------- tests


def test_manual_revision_journey_in_the_browser(chromium_page, tmp_path_factory):
    page = chromium_page
    started = time.monotonic()
    title = f"การขอหนังสือรับรองการเกิด (ทดสอบเบราว์เซอร์ {os.getpid()})"
    criteria = "ผู้ยื่นคำขอต้องเป็นบิดา มารดา หรือผู้ปกครองของเด็ก\nยื่นภายใน 15 วันนับแต่วันเกิด"
    body = criteria

    # 1. The author creates a manual, writes its first revision in the editor and submits it.
    sign_in(page, "author")
    open_menu(page, "nav-manuals").click()
    expect(page.locator("#manual-list")).to_be_visible()
    page.click("main a[href$='/manuals/new']")
    page.fill("#title", title)
    page.select_option("#agency_id", label="กรมการปกครอง")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/manuals/\d+/draft$"))
    manual_url = page.url.removesuffix("/draft")

    form = page.locator("#revision-form")
    expect(form.locator("#title")).to_have_value(title)
    form.locator("#criteria").fill(criteria)
    form.locator("[name='steps-0-title']").fill("ตรวจสอบเอกสาร")
    form.locator("[name='steps-0-duration']").fill("10")
    # rows are added and reordered in the page (no round trip) by repeatable-rows.js
    form.locator("#section-steps button[data-add]").click()
    form.locator("[name='steps-1-title']").fill("ยื่นคำขอ")
    form.locator("[name='steps-1-duration']").fill("5")
    form.locator("#section-steps [data-row]").nth(1).locator("button[value^='up:']").click()
    expect(form.locator("[name='steps-0-title']")).to_have_value("ยื่นคำขอ")
    form.locator("[name='channels-0-place']").fill("ที่ว่าการอำเภอ")
    form.locator("#no_fee").check()
    form.locator("#change_note").fill("ฉบับแรก")
    form.locator("button[value=submit]").click()
    expect(page).to_have_url(manual_url)
    expect(page.locator("#manual-status")).to_have_attribute("data-status", "in_review")
    expect(page.locator("#revision-list tr[data-revision='1']")).to_have_attribute("data-status", "in_review")
    expect(page.locator("#add-revision")).to_have_count(0)
    sign_out(page)

    # 2. The agency's reviewer approves step 1.
    sign_in(page, "reviewer")
    open_task_about(page, title)
    approve(page, body)
    expect(page.locator("#task-list tbody tr", has_text=title)).to_have_count(0)
    sign_out(page)

    # 3. OPDC approves step 2; the revision is published.
    sign_in(page, "opdc")
    open_task_about(page, title)
    approve(page, body)
    sign_out(page)

    # 4. The author sees the manual published and follows its process.
    sign_in(page, "author")
    page.goto(manual_url)
    expect(page.locator("#manual-status")).to_have_attribute("data-status", "published")
    expect(page.locator("#revision-list tr[data-revision='1']")).to_have_attribute("data-status", "published")
    page.locator("#revision-list tr[data-revision='1'] a[href*='/instances/']").click()
    expect(page).to_have_url(re.compile(r"/instances/\d+$"))

    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.locator("#instance-status")).to_have_attribute("data-status", "complete")
    expect(page.locator("#diagram")).to_have_attribute("data-diagram-state", "ready")
    page.wait_for_selector(".djs-element.rf-done")
    expect(page.locator('#diagram [data-element-id="publish"]')).to_have_class(re.compile(r"\brf-done\b"))
    expect(page.locator('#diagram [data-element-id="end_published"]')).to_have_class(re.compile(r"\brf-done\b"))
    expect(page.locator("#diagram .rf-active")).to_have_count(0)
    expect(page.locator("#history")).to_contain_text("วิภา เขียนคู่มือ")

    shots = tmp_path_factory.mktemp("browser-screenshots", numbered=True)
    shot = shots / "manual-revision-process.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"\nscreenshot of the finished process: {shot}  (journey took {time.monotonic() - started:.1f}s)")


def test_return_without_comment_shows_the_field_error(chromium_page):
    page = chromium_page
    from app.core.workflow import HumanTask, ProcessInstance, TaskStatus

    subject = "การแจ้งย้ายที่อยู่"  # demo manual waiting for the agency reviewer
    sign_in(page, "reviewer")
    open_task_about(page, subject)
    task_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

    page.check("#task-form input[name=decision][value=return]")
    page.fill("#task-form #comment", "")
    page.click("#task-form button[type=submit]")

    expect(page).to_have_url(re.compile(rf"/tasks/{task_id}$"))
    error = page.locator("#task-form #comment-errors.invalid-feedback")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator("#task-form #comment")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#task-form input[name=decision][value=return]")).to_be_checked()
    expect(page.locator(".alert-danger")).to_be_visible()

    # Nothing happened to the task: it is still open, here and in the inbox.
    page.click("#nav-inbox")
    expect(page.locator(f"#task-list tr[data-task-id='{task_id}']")).to_have_count(1)
    db.session.remove()
    task = db.session.get(HumanTask, task_id)
    assert task.status == TaskStatus.open
    instance = db.session.get(ProcessInstance, task.instance_id)
    assert instance.status != "complete"
    open_tasks = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == task.instance_id,
                                                           HumanTask.status == TaskStatus.open)).all()
    assert [t.id for t in open_tasks] == [task_id]
    db.session.remove()
