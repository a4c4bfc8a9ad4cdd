"""axe-core (from the npm registry, package.json; never a CDN) finds no WCAG 2 A/AA violation on the lesson
pages (issue 15's target) and the pages a villager starts from, on a 360 px phone in normal and elder mode."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from cunzhi.learning.lessons import LESSONS

from .helpers import PHONE

pytestmark = [pytest.mark.e2e]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SKIP = re.compile(r"^/(logout|admin|api|i18n|static)/|\.(pdf|xlsx|ics|csv|mp3|ogg|wav|m3u8)$|/(audio|listen)/")
RUN = """async () => {
  const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => [v.id, v.help, v.nodes.map(n => n.target.join(" ")).slice(0, 3)]);
}"""


def _violations(page, url):
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN)


@pytest.mark.parametrize("text_size", ["normal", "large"])
def test_lessons_and_first_pages_have_no_axe_violations(open_page, live_server, db, text_size):
    assert AXE.exists(), "axe-core missing: run scripts/setup.sh (npm ci)"
    page = open_page(PHONE, bypass_csp=True)  # axe is injected as a script of the test, not of the site
    page.context.add_cookies([{"name": "text_size", "value": text_size, "url": live_server.url}])
    urls = [reverse("learning:index"), *(reverse("learning:lesson", args=[lesson.key]) for lesson in LESSONS)]
    urls += ["/", reverse("login")]
    found = {url: v for url in urls if (v := _violations(page, url))}
    assert not found, found


@pytest.mark.parametrize("text_size", ["normal", "large"])
def test_the_demo_villagers_pages_have_no_axe_violations(
    open_page, live_server, transactional_db, demo_county, text_size
):
    """The printed villager of 余村 (13800000001) on the pages of every domain a villager uses."""
    from .helpers import log_in

    page = open_page(PHONE, bypass_csp=True)
    page.context.add_cookies([{"name": "text_size", "value": text_size, "url": live_server.url}])
    log_in(page, "13800000001", "cunzhi-demo")
    assert "/login/" not in page.url
    # The pages the villager reaches from the home page: its menu and its own affairs.
    page.goto("/")
    links = page.eval_on_selector_all("nav a[href^='/'], main a[href^='/']", "els => els.map(e => e.pathname)")
    urls = list(dict.fromkeys(u for u in ["/", *links] if not SKIP.search(u)))[:30]
    found, visited = {}, []
    for url in urls:
        response = page.request.get(url, max_redirects=0)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append(url)
        if v := _violations(page, url):
            found[url] = v
    assert len(visited) >= 10 and not found, (visited, found)
