"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Playwright cannot download its own browsers here (DESIGN.md), so we launch /usr/bin/chromium.
Every test that fails leaves a screenshot of its page in test-artifacts/screenshots/FAILED-*.png;
tests also save screenshots of the main pages on purpose (`shot`).
"""

import os
import shutil
from pathlib import Path

import pytest

from .helpers import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, SCREENSHOTS, slug


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell at teardown that the test failed."""
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture(scope="package", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API keeps an event loop running in this thread; Django refuses ORM calls from
    a thread with a running loop unless told it is intended (fixtures create data here). Only for
    these tests: the variable must not leak into other tests' subprocesses (check --deploy flags it)."""
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="package")
def browser(_allow_orm_beside_playwright):
    """One Chromium for the browser tests, closed (and Playwright's loop stopped) after the last of them."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/setup.sh, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def open_page(request, browser, live_server):
    """open_page(viewport=PHONE|DESKTOP) -> a fresh page (own cookies) on the live server."""
    contexts, pages = [], []

    def _open(viewport=DESKTOP, **kw):
        mobile = viewport["width"] < 600
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, locale="zh-CN", is_mobile=mobile, has_touch=mobile, **kw
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield _open
    call_report = getattr(request.node, "_report_call", None)
    if call_report is not None and call_report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for n, page in enumerate(pages):
            try:
                page.screenshot(path=str(SCREENSHOTS / f"FAILED-{slug(request.node.name)}-{n}.png"), full_page=True)
            except Exception:  # a crashed page must not hide the test's own failure
                pass
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page(DESKTOP)


@pytest.fixture
def phone_page(open_page):
    return open_page(PHONE)


@pytest.fixture(scope="package", autouse=True)
def _fresh_screenshot_dir():
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
