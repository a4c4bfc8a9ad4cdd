"""The listen control in Chromium at 360 px, normal and elder mode: it plays (Opus decoded, a real
duration), it fits the phone, and in elder mode it is the framed full-width box; the loudspeaker page."""

import pytest

from cunzhi.disclosure import services as disclosure_services

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]

BODY = "村道修缮工程于2026-06-20 08:30开工，预算¥125,050.50，县财政补助60%。银行还款和重大事项请重新登记。"

PLAY = """async () => {
  const a = document.querySelector('.listen audio');
  a.preload = 'auto'; a.load();
  await new Promise((ok, fail) => {
    a.addEventListener('loadedmetadata', ok, {once: true});
    // On failure say what the server answered, not only the media error's code.
    a.addEventListener('error', () => fetch(a.currentSrc).then(
      r => r.text().then(t => fail(`media error ${a.error && a.error.code}: HTTP ${r.status} ${t.slice(0, 300)}`)),
      e => fail(`media error ${a.error && a.error.code}: ${e}`)), {once: true});
  });
  return {duration: a.duration, src: a.currentSrc, width: a.getBoundingClientRect().width};
}"""


@pytest.fixture
def post(transactional_db, world):
    post = disclosure_services.post_create(
        village=world.village_a, category="village", title="村道修缮公示", body=BODY, actor=world.cadre_a
    )
    disclosure_services.post_publish(post=post, actor=world.cadre_a)
    return post


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "elder-mode"])
def test_listen_on_a_post_at_360px(world, post, open_page, live_server, large):
    page = open_page(PHONE)
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    log_in(page, world.villager_a.phone, world.password)
    page.goto(f"/disclosure/p/{post.public_id}/")
    control = page.locator(".listen")
    assert control.locator("audio[controls][preload=none]").count() == 1
    played = page.evaluate(PLAY)
    assert played["duration"] > 5 and played["src"].split("?")[0].endswith(".ogg")
    assert horizontal_overflow(page) == 0
    if large:
        assert played["width"] >= 280  # the whole width of the column, inside the frame
        assert control.evaluate("e => getComputedStyle(e).borderTopWidth") == "3px"
    control.scroll_into_view_if_needed()
    shot(page, f"voice-post-{'elder' if large else 'normal'}-360")


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "elder-mode"])
def test_loudspeaker_page_at_360px(world, post, open_page, live_server, large):
    page = open_page(PHONE)
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    log_in(page, world.cadre_a.phone, world.password)
    page.goto(f"/voice/broadcast/{world.village_a.code}/")
    assert "新的公开内容" in page.locator("main").inner_text()  # the announcement its publication sent
    played = page.evaluate(PLAY)
    assert played["duration"] > 3
    assert horizontal_overflow(page) == 0
    shot(page, f"voice-broadcast-{'elder' if large else 'normal'}-360")
