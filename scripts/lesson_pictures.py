"""Make the lessons' pictures from the running demo, so they never go stale (issue 15).

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py migrate -v0
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py seed_demo
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python scripts/lesson_pictures.py

It starts the site on a free port against that database, opens each step's real page in Chromium at
360 px in zh-Hans and elder mode (large text), logged in as the demo persona who does the task, and saves
the top of the page (or the part the step is about) as a 16-colour PNG in
cunzhi/learning/static/learning/lessons/<lesson>-<n>.png: about 10-20 KB each, so a lesson page with its
pictures stays under 100 KB.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunzhi.settings")

import django  # noqa: E402

django.setup()

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from cunzhi.demo.county import DEMO_PASSWORD, LOGIN_PHONES  # noqa: E402

OUT = ROOT / "cunzhi" / "learning" / "static" / "learning" / "lessons"
WIDTH, HEIGHT = 360, 480
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _paths() -> dict[str, str]:
    """Addresses of demo objects the steps show (the villager's own concern, an application, a meeting...)."""
    from cunzhi.applications.models import Application, ServiceItem
    from cunzhi.concerns.models import Concern
    from cunzhi.disclosure.models import Post
    from cunzhi.meetings.models import Meeting
    from cunzhi.people.models import User

    villager = User.objects.get(phone=LOGIN_PHONES["villager"])
    concern = (
        Concern.objects.filter(villager__user=villager, answered_at__isnull=False).order_by("-pk").first()
        or Concern.objects.filter(villager__user=villager).order_by("-pk").first()
    )
    application = (
        Application.objects.filter(villager__user=villager).order_by("-pk").first()
        or Application.objects.order_by("-pk").first()
    )
    meeting = Meeting.objects.filter(region_code__startswith="330523100201").order_by("-pk").first()
    item = ServiceItem.objects.order_by("pk").first()
    post = Post.objects.filter(region_code__startswith="330523100201").order_by("-pk").first()
    return {
        "concern": f"/concerns/{concern.public_id}/" if concern else "/concerns/",
        "application": f"/services/a/{application.public_id}/" if application else "/services/",
        "meeting": f"/meetings/{meeting.public_id}/" if meeting else "/meetings/",
        "post": f"/disclosure/p/{post.public_id}/" if post else "/disclosure/",
        "apply": f"/services/catalogue/{item.public_id}/apply/" if item else "/services/catalogue/",
    }


def steps(p: dict[str, str]) -> list[tuple[str, str | None, str, str]]:
    """(picture, persona or None, address, the part to show: CSS selectors, the first found is the picture's
    top; a leading "^" puts it at the picture's bottom instead)."""
    return [
        ("concern-1.png", "villager", "/", 'main a[href="/concerns/new/"], main'),
        ("concern-2.png", "villager", "/concerns/new/", "main h1"),
        ("concern-3.png", "villager", "/concerns/new/", "^main form button[type=submit]"),
        ("concern-4.png", "villager", "/concerns/", "main h1"),
        ("rate-1.png", "villager", "/concerns/", "main table, main ul, main h1"),
        ("rate-2.png", "villager", p["concern"], "main h1"),
        ("rate-3.png", "villager", p["concern"], "#close-loop, main h2"),
        ("apply-1.png", "villager", "/services/catalogue/", "main h1"),
        ("apply-2.png", "villager", p["apply"], "main form, main h1"),
        ("apply-3.png", "villager", p["application"], "main h1"),
        ("meeting-1.png", "villager", "/meetings/", "main h1"),
        ("meeting-2.png", "villager", p["meeting"], "#mine, main h1"),
        ("meeting-3.png", "villager", p["meeting"], "#live, main h2"),
        ("read-1.png", "villager", "/disclosure/", "main h1"),
        ("read-2.png", "villager", p["post"], "main h1"),
        ("read-3.png", "villager", "/ledger/", "main h1"),
        ("helper-1.png", "villager", "/people/delegations/", "main h1"),
        ("helper-2.png", "villager", "/people/delegations/new/", "main form, main h1"),
        ("helper-3.png", "villager", "/people/delegations/", "main table, main h1"),
        ("login-1.png", None, "/login/", "main h1"),
        ("login-2.png", None, "/login/code/", "main h1"),
        ("login-3.png", None, "/login/code/enter/", "main h1"),
    ]


def compress(png: bytes) -> bytes:
    """16 colours, optimised: screenshots of text and flat colours lose nothing readable."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    img.quantize(colors=16, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603  (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT,
        env={**os.environ, "SITE_URL": base},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        plan = steps(_paths())
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            pages = {}
            for persona in {s[1] for s in plan}:
                ctx = browser.new_context(
                    viewport={"width": WIDTH, "height": HEIGHT},
                    base_url=base,
                    locale="zh-CN",
                    extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
                )
                ctx.add_cookies([{"name": "text_size", "value": "large", "url": base}])
                page = ctx.new_page()
                if persona:
                    page.goto("/login/")
                    page.locator("#id_username").fill(LOGIN_PHONES[persona])
                    page.locator("#id_password").fill(DEMO_PASSWORD)
                    page.locator("main form button[type=submit]").click()
                    page.wait_for_load_state()
                pages[persona] = page
            total = 0
            for name, persona, path, part in plan:
                page = pages[persona]
                page.goto(path)
                page.wait_for_load_state()
                at_bottom = part.startswith("^")
                target = page.locator(part.lstrip("^")).first
                box = target.bounding_box() if part and target.count() else None
                full = page.evaluate("() => document.documentElement.scrollHeight")
                y = 0.0
                if box:
                    y = box["y"] + box["height"] + 12 - HEIGHT if at_bottom else box["y"] - 12
                y = max(0.0, min(y, full - HEIGHT))
                data = compress(
                    page.screenshot(full_page=True, clip={"x": 0, "y": y, "width": WIDTH, "height": HEIGHT})
                )
                (OUT / name).write_bytes(data)
                total += len(data)
                print(f"{name:16} {path:40} {len(data) / 1024:5.1f} KB")
            print(f"{len(plan)} pictures, {total / 1024:.0f} KB")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
