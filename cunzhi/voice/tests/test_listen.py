"""The listen control: on the pages, private as its page, cached by its text, absent without espeak-ng/ffmpeg."""

import datetime as dt
import re

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cunzhi.notify import services as notify_services
from cunzhi.voice import checks, services, speech

needs_speech = pytest.mark.skipif(not speech.available(), reason="espeak-ng or ffmpeg not installed (scripts/setup.sh)")

SUBJECT = {"en": "Village meeting", "zh-hans": "村民会议"}
BODY = {"en": "银行还款 2026-12-13 18:30", "zh-hans": "银行还款 2026-12-13 18:30"}
SOURCES = re.compile(r'<source src="(/voice/[0-9a-f]{32}\.(?:ogg|mp3))\?t=([^"]+)"')


def announce(world):
    return notify_services.notice_send(
        kind="announcement", region_code=world.village_a.code, sender=world.cadre_a, subject=SUBJECT, body=BODY
    )


def listen_links(page: str) -> dict[str, str]:
    """{format: url} of the page's listen control."""
    return {url.rsplit(".", 1)[1]: f"{url}?t={token}" for url, token in SOURCES.findall(page)}


def render(text, user=None):
    request = RequestFactory().get("/")
    if user is not None:
        request.user = user
    return Template("{% load voice %}{% listen text %}").render(Context({"text": text, "request": request}))


@needs_speech
def test_notice_page_plays_its_text_for_its_reader_only(world, login, client, clock, other_office_staff):
    notice = announce(world)
    page = login(world.villager_a).get(reverse("notify:notice", args=[notice.public_id])).content.decode()
    assert 'preload="none"' in page and "Listen to this text" in page
    links = listen_links(page)
    assert set(links) == {"ogg", "mp3"}
    response = client.get(links["ogg"])
    assert response.status_code == 200 and response["Content-Type"] == "audio/ogg"
    assert response["Cache-Control"] == "private, max-age=86400, immutable"
    assert b"".join(response.streaming_content).startswith(b"OggS")
    wav = client.get(links["mp3"].replace(".mp3", ".wav") + "&download=1")
    assert wav["Content-Type"] == "audio/wav" and "attachment" in wav["Content-Disposition"]
    # The same link in anyone else's hands opens nothing: another village, staff elsewhere, anonymous.
    for persona in (world.villager_b, world.other_township_staff, other_office_staff, world.township_staff):
        assert login(persona).get(links["ogg"]).status_code == 403
    client.logout()
    assert client.get(links["ogg"]).status_code == 403
    # A day later the link is stale; the page gives a fresh one.
    login(world.villager_a)
    clock.shift(25 * 3600)
    assert client.get(links["ogg"]).status_code == 403


@needs_speech
def test_a_clip_is_made_once_and_cached_until_the_text_changes(world, login, client, monkeypatch):
    notice = announce(world)
    page = login(world.villager_a).get(reverse("notify:notice", args=[notice.public_id])).content.decode()
    url = listen_links(page)["ogg"]
    made = []
    real = speech.synthesise
    monkeypatch.setattr(speech, "synthesise", lambda words, fmt: made.append(words) or real(words, fmt))
    first = b"".join(client.get(url).streaming_content)
    second = b"".join(client.get(url).streaming_content)
    assert first == second and len(made) == 1
    assert "二零二六年十二月十三日" in made[0] and "十八点三十分" in made[0]
    # Another text is another clip.
    other = listen_links(render("另一条通知", world.villager_a))["ogg"]
    assert other != url


def test_forged_or_unknown_clips(world, login, client):
    page = render("村长重新调解", world.villager_a)
    url = listen_links(page)["ogg"]
    key = url.split("/voice/")[1].split(".")[0]
    login(world.villager_a)
    assert client.get(url.replace("t=", "t=x")).status_code == 403
    assert client.get(f"/voice/{key}.flac?t=x").status_code == 404  # no such format
    assert client.get(f"/voice/{'0' * 32}.ogg?t=x").status_code == 403  # signed for nothing
    default_storage.delete(services.clip_name(key, "txt"))  # expired words, link still signed
    assert client.get(url).status_code == 404


def test_speech_failure_is_a_message_not_a_server_error(world, login, client, monkeypatch):
    url = listen_links(render("你好", world.villager_a))["ogg"]

    def broken(words, fmt):
        raise speech.SpeechError("espeak-ng crashed")

    monkeypatch.setattr(speech, "synthesise", broken)
    response = login(world.villager_a).get(url)
    assert response.status_code == 503 and "Please read the text" in response.content.decode()


def test_empty_long_and_marked_up_text(world):
    assert "There is no text here to read aloud." in render("  <p>😀</p> ")
    assert "only its beginning is read aloud" in render("这是一句话。" * 400)
    assert "only its beginning" not in render("这是一句话。")
    links = listen_links(render("<b>通知</b>"))
    key = links["ogg"].split("/voice/")[1].split(".")[0]
    with default_storage.open(services.clip_name(key, "txt")) as stored:
        assert stored.read().decode() == "通知"


def test_without_espeak_or_ffmpeg_no_control_and_a_warning(world, login, settings):
    settings.VOICE_FFMPEG = "no-such-ffmpeg"
    speech._programs.cache_clear()
    try:
        assert render("你好").strip() == ""
        assert [w.id for w in checks.speech_programs(None)] == ["cunzhi.W501"]
        notice = announce(world)
        page = login(world.villager_a).get(reverse("notify:notice", args=[notice.public_id]))
        assert page.status_code == 200 and "<audio" not in page.content.decode()
    finally:
        speech._programs.cache_clear()


@needs_speech
def test_no_warning_when_installed():
    assert checks.speech_programs(None) == []


def test_clips_expire(world):
    # Files carry the file system's times (the wall clock), so the job is given its "now".
    render("旧的通知")
    assert services.clips_expire() == 0
    assert services.clips_expire(now=timezone.now() + dt.timedelta(days=31)) == 1


def test_a_storage_failure_leaves_the_page_without_the_control(world, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "save", full)
    assert render("存储满了").strip() == ""
