"""A word longer than the screen (a pasted link, a serial number, a key held down) wraps: titles and table
cells break it anywhere, so no page becomes wider than a 375 px phone. Measured in Chromium, in normal and
in elder mode."""

import pytest
from django.utils import timezone

from cunzhi.concerns import services as concern_services
from cunzhi.concerns.models import Category, Clock, Kind, Level, RoutingRule
from cunzhi.disclosure import services as disclosure_services
from cunzhi.ledger import services as ledger_services

from .helpers import horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]

PHONE_375 = {"width": 375, "height": 812}


def word(n: int) -> str:
    """One word of n letters and digits, nowhere to break it."""
    return ("Cunzhi2026" * (n // 10 + 1))[:n]


@pytest.fixture
def long_words(transactional_db, world):
    w = world
    post = disclosure_services.post_create(
        village=w.village_a,
        category="village",
        title=word(200),
        body=f"公示如下：{word(3000)}",
        actor=w.cadre_a,
        tables=[{"title": word(200), "header": ["项目", word(300)], "rows": [[word(3000), "1"]]}],
    )
    disclosure_services.post_publish(post=post, actor=w.cadre_a)
    entry = ledger_services.entry_append(
        village=w.village_a,
        actor=w.cadre_a,
        date=timezone.localdate(),
        direction="expenditure",
        category="expenditure",
        amount_fen=12_000,
        counterparty=word(100),
        purpose=word(300),
    )
    roads = Category.objects.create(
        code="roads", name="道路", name_en="Roads", clock=Clock.UTILITIES, level=Level.VILLAGE
    )
    RoutingRule.objects.create(category=roads, region=w.county, level=Level.VILLAGE)
    concern = concern_services.concern_submit(
        actor=w.villager_a, category=roads, kind=Kind.REPORT, text=word(2000), is_public=True
    )
    w.pages = [
        f"/disclosure/?village={w.village_a.code}",
        f"/disclosure/p/{post.public_id}/",
        f"/ledger/v/{w.village_a.code}/",
        f"/ledger/e/{entry.public_id}/",
        f"/concerns/board/{w.village_a.code}/",
        f"/concerns/{concern.public_id}/",
    ]
    w.own_pages = ["/", "/concerns/", f"/concerns/{concern.public_id}/", "/ledger/mine/"]
    return w


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "elder-mode"])
def test_long_words_wrap_on_a_phone(long_words, open_page, live_server, large):
    page = open_page(PHONE_375)
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    wide = {}
    for url in long_words.pages:
        page.goto(url)
        wide[url] = horizontal_overflow(page)
    shot(page, f"long-words-concern-{'large' if large else 'normal'}")
    log_in(page, long_words.villager_a.phone, long_words.password)
    for url in long_words.own_pages:
        page.goto(url)
        wide[f"{url} (villager)"] = horizontal_overflow(page)
    too_wide = {url: px for url, px in wide.items() if px > 0}
    assert not too_wide, f"pages wider than the phone (px too wide): {too_wide}"
