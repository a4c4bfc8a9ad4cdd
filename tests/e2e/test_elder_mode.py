"""Elder mode (larger text) meets the age-friendly targets on every page a villager uses, measured in
Chromium on a 360 px phone: body text at least 24 px, titles at least 30 px, and every tap target (links,
buttons, inputs, selects, radios and checkboxes with their labels, folding summaries) at least 60 × 60 px.

The pages are the demo county's, found the way a villager finds them: from the home page, following
every link, as the printed villager, the helper, the villager living away, and a visitor who has not
logged in. Normal text mode is measured too, for what it promises (nothing sticks out of the screen).
"""

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import Resolver404, resolve

from .helpers import PHONE, horizontal_overflow, log_in, shot, slug

pytestmark = [pytest.mark.e2e]

BODY_MIN, TITLE_MIN, TARGET_MIN = 24, 30, 60
# Not pages a villager reads: leaving, the admin, the API, files (PDF, XLSX, iCalendar, photos, audio),
# live streams.
SKIP = re.compile(
    r"^/(logout|admin|api|static|i18n|open311)/|^/healthz|\.(pdf|xlsx|ics|csv|m3u8|png|jpg|mp3|ogg|wav)$"
    r"|/(photo|vouchers|files|raw|attachment|stream|live)/"
)
PER_VIEW = 2  # pages of one kind (e.g. two concern details): the rest use the same template
MAX_PAGES = 80  # per persona

# Everything measured in one pass in the page. A tap target's size is what a finger can hit: a radio or
# checkbox counts together with its label (clicking the label ticks it); an element that is not shown
# (folded menu, hidden input, the skip link parked off screen) is not a target.
MEASURE = """
([bodyMin, titleMin, targetMin]) => {
  const out = [];
  const shown = el => {
    // Folded (a closed <details>), display:none or visibility:hidden, here or in an ancestor: not shown.
    if (!el.checkVisibility({visibilityProperty: true})) return null;
    const s = getComputedStyle(el);
    if (s.visibility === "hidden" || s.display === "none") return null;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= 0) return null;
    return r;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.getAttribute("name") ? "[name=" + el.getAttribute("name") + "]" : "") +
    " “" + (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 30) + "”";
  // Text: every element that holds text of its own.
  for (const el of document.body.querySelectorAll("*")) {
    if (["SCRIPT", "STYLE", "OPTION", "TITLE"].includes(el.tagName)) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !shown(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    // A title is a heading's own text or its link; a badge beside it (a status, a version) is body text.
    const title = el.matches("h1, h2, h3, :is(h1, h2, h3) > a");
    if (title && size < titleMin) out.push(["title", name(el), size]);
    else if (!title && size < bodyMin) out.push(["text", name(el), size]);
  }
  // Tap targets.
  const targets = new Set(document.body.querySelectorAll(
    "a[href], button, select, textarea, summary, input:not([type=hidden])"));
  for (const el of targets) {
    let box = shown(el);
    if (!box) continue;
    if (el.type === "radio" || el.type === "checkbox") {
      const label = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`));
      const lb = label && shown(label);
      if (lb) {
        const left = Math.min(box.left, lb.left), top = Math.min(box.top, lb.top);
        box = {width: Math.max(box.right, lb.right) - left, height: Math.max(box.bottom, lb.bottom) - top};
      }
    }
    if (box.width < targetMin - 0.5 || box.height < targetMin - 0.5)
      out.push(["target", name(el), Math.round(box.width) + "×" + Math.round(box.height)]);
  }
  return out;
}
"""


def _links(page) -> list[str]:
    # Links marked `download` are files, not pages (the listen control's MP3 and WAV).
    return page.evaluate(
        "() => [...document.querySelectorAll('a[href]:not([download])')].map(a => a.getAttribute('href'))"
    )


def _walk(page, *, limit=MAX_PAGES):
    """Visit the pages reachable from the home page, breadth-first; yield each URL once it is loaded."""
    seen, queue, per_view, visited = {"/"}, deque(["/"]), {}, 0
    while queue and visited < limit:
        url = queue.popleft()
        response = page.goto(url)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited += 1
        yield url
        for href in _links(page):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or SKIP.search(parts.path):
                continue
            key = parts.path if parts.query else href
            if key in seen or href in seen:
                continue
            seen.update({key, href})
            try:
                view = resolve(parts.path).view_name
            except Resolver404:
                continue
            per_view[view] = per_view.get(view, 0) + 1
            if per_view[view] <= PER_VIEW:
                queue.append(href)


@pytest.fixture
def demo(transactional_db, demo_county, settings):
    """The demo county (copied in, see the root conftest) and its printed logins."""
    settings.RATELIMIT_ENABLE = False
    from cunzhi.demo import county

    return county


@pytest.mark.parametrize("persona", [None, "villager", "helper", "villager_away"])
def test_elder_mode_meets_the_age_friendly_sizes_on_every_villager_page(demo, open_page, live_server, persona):
    page = open_page(PHONE)
    if persona:
        log_in(page, demo.LOGIN_PHONES[persona], demo.DEMO_PASSWORD)
    page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    problems, pages = [], 0
    for url in _walk(page):
        pages += 1
        found = page.evaluate(MEASURE, [BODY_MIN, TITLE_MIN, TARGET_MIN])
        if horizontal_overflow(page) > 0:
            found.append(["overflow", "page", horizontal_overflow(page)])
        if found:
            problems.append((url, found[:6], len(found)))
        if pages <= 12:
            shot(page, f"elder-{persona or 'visitor'}-{slug(url.strip('/') or 'home')}")
    print(f"{persona}: {pages} pages")
    assert pages > (3 if persona is None else 15)
    report = "\n".join(f"{url} ({n}): {found}" for url, found, n in problems[:25])
    assert not problems, f"{len(problems)} of {pages} pages below the elder-mode sizes:\n{report}"
