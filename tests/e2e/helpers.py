"""Shared pieces of the browser tests: where Chromium is, viewports, logging in, screenshots."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
    # The meetings' live stream (test_live.py): Chromium's test pattern and beep as camera and microphone,
    # the permission granted, the video playing without a click. One Chromium serves every browser test:
    # Playwright's sync API cannot start a second one beside it in the same process.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}


def shot(page, name: str) -> Path:
    """Save a full-page screenshot of a main page for people to look at (test-artifacts/screenshots)."""
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)[:120]


def log_in(page, phone: str, password: str) -> None:
    """Log in through the real form, as a villager does: mobile number and password.

    Waits for the navigation the form starts (the POST, its redirect and the page it leads to): a test that
    went on at once would leave that page still being built on the live server while its next request
    runs, two threads on the one in-memory SQLite connection the live server shares (Django's documented
    caveat), which now and then broke the next request. Every click that submits a form waits the same way."""
    page.goto("/login/")
    page.locator("#id_username").fill(phone)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when nothing sticks out)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
