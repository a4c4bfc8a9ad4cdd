"""Every page, as every demo persona, with the demo county's data: no server error anywhere, and no
ASCII comma, colon, semicolon or full stop glued into a Chinese sentence (a template joining translated pieces
with ", " or ": " shows "网格: 第一网格"; each piece of a sentence belongs in one translated string).

The crawl starts at the home page and follows every same-site link (GET only) breadth-first, as each
printed demo login (and an anonymous visitor), in Chinese, the product's default language. It
catches what unit tests of one view miss: a template that breaks on real data, a link to a page
that fails for one role, a page one domain added that another domain's data breaks.
"""

import html
import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from cunzhi.demo import county as demo

# Every page for every persona, all on one test worker: the demo county is restored once, and each file (a
# station's ballots are ~6 s of WeasyPrint) is made once (FILES_FETCHED, and the kept PDFs in one folder).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("crawl")]

HREF = re.compile(r'href="([^"#][^"]*)"')
# Not pages: leaving the session, the admin (Django's own), the API's JSON, static files.
SKIP = re.compile(r"^/(logout|admin|api|static|i18n|open311)/|^/healthz")
MAX_PAGES = 250  # per persona
PER_VIEW = 2  # pages of one kind (e.g. two villager details) visited; the rest are the same template
# Files (PDFs, sheets, audio) already fetched in this process, by exact address: the same file is made by the
# same code whoever asks for it, after the view's permission check (each view's own tests check who may).
# Rendering them again for every persona was about a third of the crawl's time (WeasyPrint).
FILES_FETCHED: set[str] = set()


# What a reader sees: the page without its tags, scripts and styles.
TAGS = re.compile(r"<(script|style|textarea)\b.*?</\1>|<[^>]+>", re.S | re.I)
CJK = "[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
# A Chinese character (or full-width ？。) followed by an ASCII , : ; or a full stop.
ASCII_IN_CHINESE = re.compile(rf"{CJK}[,:;]|{CJK}\.(?=\s|$)")


def punctuation_slips(page: str) -> list[str]:
    text = html.unescape(TAGS.sub("\n", page))
    return [text[max(0, m.start() - 10) : m.end() + 10].strip() for m in ASCII_IN_CHINESE.finditer(text)]


def _crawl(client: Client, start: str = "/") -> tuple[list[tuple[str, int]], int]:
    seen, queue, failures, visited = {start}, deque([start]), [], 0
    per_view: dict[str, int] = {}
    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        if url in FILES_FETCHED:
            continue
        response = client.get(url)
        visited += 1
        if response.status_code >= 500:
            failures.append((url, response.status_code))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            if response.status_code == 200:
                FILES_FETCHED.add(url)
            continue
        slips = punctuation_slips(response.content.decode())
        if slips:
            failures.append((url, slips[:3]))
        for href in HREF.findall(response.content.decode()):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or SKIP.match(parts.path):
                continue
            # A page with a query is the same page filtered or paged: one of each is enough.
            key = parts.path if parts.query else href
            if key in seen or href in seen:
                continue
            seen.update({key, href})
            try:
                view = resolve(parts.path).view_name
            except Resolver404:
                view = parts.path
            per_view[view] = per_view.get(view, 0) + 1
            if per_view[view] <= PER_VIEW:
                queue.append(href)
    return failures, visited, len(per_view)


def _storage(folder) -> dict:
    return {
        "STORAGES": {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(folder / "private")},
            },
        }
    }


@pytest.fixture(scope="module")
def crawl_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("crawl")


@pytest.fixture(autouse=True)
def _private_files(settings, crawl_dir):
    """The demo's files (photos, vouchers, PDFs) stay in one folder for the whole module (this replaces
    the root conftest's per-test folder: the county is built once)."""
    settings.STORAGES = _storage(crawl_dir)["STORAGES"]
    settings.DATA_DIR = crawl_dir


@pytest.fixture(scope="module")
def demo_county(demo_snapshot, django_db_blocker, crawl_dir):
    """The demo county (built once per process, see the root conftest) for the whole module."""
    with django_db_blocker.unblock():
        demo_snapshot.restore(crawl_dir)
        yield
        call_command("flush", "--no-input", verbosity=0)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [None, *demo.LOGIN_PHONES])
def test_no_page_fails_for_any_persona(demo_county, settings, persona):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.RATELIMIT_ENABLE = False
    client = Client()
    if persona:
        from cunzhi.people.models import User

        client.force_login(User.objects.get(phone=demo.LOGIN_PHONES[persona]))
    failures, visited, views = _crawl(client)
    assert visited > (1 if persona is None else 5)
    print(f"{persona}: {visited} pages of {views} kinds")
    assert not failures, f"{persona}: server errors or ASCII ,:;. in Chinese text on {failures}"
