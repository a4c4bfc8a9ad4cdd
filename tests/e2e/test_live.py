"""In real browsers: the chair streams the meeting from a phone's camera (Chromium's fake camera and
microphone), a member away from home watches it (the video's time advances), switches to sound only,
asks a question, and another by a voice note recorded on the page; the chair marks the first answered
and plays the second; the stream stops and the recording is linked from the
minutes. Real ffmpeg, real transcoder process."""

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from .helpers import DESKTOP, PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]  # ffmpeg: scripts/setup.sh installs it


@pytest.fixture
def live_world(transactional_db, world, settings, tmp_path):
    from cunzhi.meetings import services

    settings.MEETINGS_LIVE_ROOT = tmp_path / "private" / "live"
    settings.MEETINGS_LIVE_MIN_FREE_MB = 1
    meeting = services.meeting_create(
        actor=world.cadre_a,
        village=world.village_a,
        body="villagers",
        title="村道硬化工程表决",
        agenda="一、村道硬化工程方案",
        place="鹤鹿溪村村委会",
        starts_at=timezone.now() + dt.timedelta(minutes=15),
    )
    services.meeting_notice_send(
        actor=world.cadre_a, meeting=meeting, urgent=True, urgent_reason="汛期将至，工程须在雨季前开工"
    )
    services.meeting_open(actor=world.cadre_a, meeting=meeting)
    world.meeting = meeting
    return world


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _current_time(page) -> float:
    return page.evaluate("document.getElementById('live-video').currentTime")


@pytest.mark.both_databases
def test_chair_streams_member_watches_asks_and_the_recording_is_kept(live_world, browser, live_server):
    from cunzhi.meetings.live import media, services
    from cunzhi.meetings.live.models import LiveQuestion, LiveStream, StreamStatus

    w, meeting = live_world, live_world.meeting
    detail = reverse("meetings:detail", args=[meeting.public_id])
    chair_ctx = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="zh-CN")
    chair_ctx.set_default_timeout(15_000)
    chair = chair_ctx.new_page()
    log_in(chair, w.cadre_a.phone, w.password)
    chair.goto(detail)
    chair.locator("#broadcast-start").click()
    expect(chair.locator("#broadcast-stop")).to_be_visible()
    folder = services.folder_of(meeting)
    try:
        _wait(lambda: len(media.segments(folder, "v")) >= 2 and len(media.segments(folder, "a")) >= 2, 60, "segments")
    except AssertionError:
        chair.screenshot(path=str(folder.parent / "chair.png"))
        raise AssertionError(f"no HLS: page says {chair.locator('#broadcast-info').text_content()!r}") from None
    assert LiveStream.objects.get(meeting=meeting).status == StreamStatus.LIVE

    member_ctx = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
    )
    member_ctx.set_default_timeout(15_000)
    member = member_ctx.new_page()
    log_in(member, w.villager_a.phone, w.password)
    member.goto(detail)
    expect(member.locator("#live-player")).to_be_visible()
    _wait(lambda: _current_time(member) > 0.5, 45, "the video to play")
    first = _current_time(member)
    _wait(lambda: _current_time(member) > first + 1.0, 30, "the video's time to advance")
    assert member.evaluate("document.getElementById('live-player').dataset.playing") == "video"
    shot(member, "live-member-watching-360")

    # Sound only: the audio rendition plays on.
    member.locator("#audio-only").check()
    _wait(lambda: member.evaluate("document.getElementById('live-player').dataset.playing") == "audio", 5, "audio")
    _wait(lambda: _current_time(member) > 0.5, 45, "the sound to play")
    at = _current_time(member)
    _wait(lambda: _current_time(member) > at + 1.0, 30, "the sound's time to advance")

    member.locator("#ask-text").fill("村道什么时候开工？")
    with member.expect_navigation():
        member.locator("#ask-form button[type=submit]").click()
    expect(member.locator("#questions")).to_contain_text("村道什么时候开工？")
    question = LiveQuestion.objects.get(meeting=meeting)

    # A voice note, recorded on the page (Chromium's fake microphone), sent without text.
    member.locator("#voice-record").click()
    expect(member.locator("#voice-stop")).to_be_visible()
    member.wait_for_timeout(2500)
    member.locator("#voice-stop").click()
    expect(member.locator("#voice-preview")).to_be_visible()
    with member.expect_navigation():
        member.locator("#ask-form button[type=submit]").click()
    voiced = LiveQuestion.objects.get(meeting=meeting, number=2)
    assert voiced.voice and voiced.voice_seconds >= 1 and voiced.text == ""

    chair.goto(detail)  # the stream went on in the recorder until the page left; start it again
    item = chair.locator(f"[data-question='{question.public_id}']")
    item.locator("input[name=outcome]").fill("下月开工")
    with chair.expect_navigation():
        item.get_by_role("button", name="已回答").click()
    question.refresh_from_db()
    assert question.status == "answered" and question.outcome == "下月开工"
    # The chair plays the voice note on the page.
    note = chair.locator(f"[data-question='{voiced.public_id}'] audio")
    expect(note).to_be_visible()
    assert chair.request.get(note.get_attribute("src")).body()[4:8] == b"ftyp"

    # Stop: the transcoder drains, the recording is made and linked from the minutes.
    with chair.expect_navigation():
        chair.locator("#live-stream form[action$='/stream/stop/'] button").click()
    _wait(lambda: not media.runner_alive(folder), 60, "the transcoder to finish")
    minutes = reverse("meetings:minutes", args=[meeting.public_id])
    chair.goto(minutes)
    expect(chair.locator("#minutes-recording a").first).to_be_visible()
    href = chair.locator("#minutes-recording a").first.get_attribute("href")
    response = chair.request.get(href)
    assert response.status == 200 and b"ftyp" in response.body()[:64]
    expect(chair.locator("#minutes-live")).to_contain_text("村道什么时候开工？")
    expect(chair.locator("#minutes-live")).to_contain_text("下月开工")
    member.goto(detail)
    expect(member.locator("#recording-links")).to_be_visible()
    shot(member, "live-member-recording-360")
    # Elder mode (large text) at 360 px: the stream's section and the questions fit the screen.
    member_ctx.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    member.goto(detail)
    assert horizontal_overflow(member) <= 0
    shot(member, "live-member-elder-360")
    chair_ctx.close()
    member_ctx.close()
