"""The meeting's own live stream: chunks from the broadcaster only, refusals that store nothing, ffmpeg
turning chunks into HLS (and restarted when it stops), signed playlists and segments for those who may
watch, the recording, who watched, and the remote members' questions."""

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from django.core import checks
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cunzhi.meetings.live import links, media, services, transcode
from cunzhi.meetings.live.models import LiveQuestion, LiveStream, LiveView, QuestionStatus, StreamStatus
from cunzhi.meetings.models import MeetingMember
from cunzhi.notify.models import Notice
from cunzhi.people.models import DelegationScope, Relation
from cunzhi.people.services import delegation_grant

from .helpers import in_session
from .live_helpers import FFMPEG, chunks_of, fmp4_chunks, fmp4_sample, voice_sample, webm_sample


@pytest.fixture(autouse=True)
def _live_folder(settings, tmp_path, monkeypatch):
    """Streams under the test's private folder; the transcoder is run by the test, not as a process."""
    settings.MEETINGS_LIVE_ROOT = tmp_path / "private" / "live"
    settings.MEETINGS_LIVE_MIN_FREE_MB = 1
    started: list[Path] = []
    monkeypatch.setattr(services, "runner_start", started.append)
    from cunzhi.meetings.live import views

    caches["memo"].clear()
    views._pk_of.clear()
    services._touched.clear()
    return started


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return chunks_of(webm_sample(tmp_path_factory.mktemp("webm")))


def chunk_url(meeting, take=1, seq=0):
    return reverse("meetings:live_chunk", args=[meeting.public_id]) + f"?take={take}&seq={seq}"


def post_chunk(client, meeting, data, take=1, seq=0):
    return client.post(chunk_url(meeting, take, seq), data=data, content_type="video/webm")


def started(world):
    meeting = in_session(world, stream_url="")
    services.live_start(actor=world.cadre_a, meeting=meeting)
    return meeting


HEADER = media.EBML + b"\x42\x82\x84webm" + b"\x00" * 20 + media.CLUSTER + b"\x00" * 40


# --- Chunks: the broadcaster only, media only, never a server error -------------------------------


def test_chunks_from_the_broadcaster_only(world, client, login, other_office_staff):
    meeting = started(world)
    assert post_chunk(client, meeting, HEADER).status_code == 302  # anonymous: to the login page
    # A member; staff of the township (both offices) who may read the meeting.
    for refused in (world.villager_a, world.township_staff, other_office_staff):
        response = post_chunk(login(refused), meeting, HEADER)
        assert response.status_code == 403, refused
    for hidden in (world.villager_b, world.other_township_staff):
        assert post_chunk(login(hidden), meeting, HEADER).status_code == 404, hidden
    folder = services.folder_of(meeting)
    assert not media.chunk_path(folder, 1, 0).exists()
    response = post_chunk(login(world.cadre_a), meeting, HEADER)
    assert response.status_code == 200
    assert response.json() == {"take": 1, "seq": 0, "duplicate": False}
    assert media.chunk_path(folder, 1, 0).read_bytes() == HEADER


def test_the_secretary_broadcasts(world, login):
    meeting = in_session(world, stream_url="")
    meeting.secretary = world.villager_a
    meeting.save()
    assert login(world.villager_a).post(reverse("meetings:live_start", args=[meeting.public_id])).status_code == 302
    assert post_chunk(login(world.villager_a), meeting, HEADER).status_code == 200


def test_not_media_is_refused_and_nothing_stored(world, login):
    meeting = started(world)
    cadre = login(world.cadre_a)
    response = post_chunk(cadre, meeting, b"hello, this is text")
    assert response.status_code == 415
    assert response.json()["code"] == "not_media"
    assert "not a part of a video stream" in response.json()["detail"]
    assert post_chunk(cadre, meeting, b"%PDF-1.4 ...", seq=0).status_code == 415
    assert post_chunk(cadre, meeting, HEADER).status_code == 200
    assert post_chunk(cadre, meeting, b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, seq=1).status_code == 415
    assert post_chunk(cadre, meeting, "一段文字，不是视频。".encode() * 50, seq=1).status_code == 415
    assert post_chunk(cadre, meeting, HEADER, seq=1).status_code == 415  # a new recording mid-take
    assert post_chunk(cadre, meeting, b"", seq=1).status_code == 415
    folder = services.folder_of(meeting)
    assert sorted(p.name for p in media.take_dir(folder, 1).iterdir()) == ["000000.chunk"]
    assert LiveStream.objects.get(meeting=meeting).chunks == 1


def test_bad_numbers_old_takes_and_a_stream_not_started(world, login):
    meeting = in_session(world, stream_url="")
    cadre = login(world.cadre_a)
    assert post_chunk(cadre, meeting, HEADER).status_code == 409  # not started
    services.live_start(actor=world.cadre_a, meeting=meeting)
    services.live_start(actor=world.cadre_a, meeting=meeting)  # take 2
    assert post_chunk(cadre, meeting, HEADER, take=1).json()["code"] == "old_take"
    bad = cadre.post(
        reverse("meetings:live_chunk", args=[meeting.public_id]) + "?take=x&seq=1",
        data=HEADER,
        content_type="video/webm",
    )
    assert bad.status_code == 400
    assert post_chunk(cadre, meeting, HEADER, take=2, seq=-1).status_code == 400


def test_a_chunk_sent_again_is_taken_once(world, login, _live_folder):
    meeting = started(world)
    cadre = login(world.cadre_a)
    assert post_chunk(cadre, meeting, HEADER).json()["duplicate"] is False
    assert post_chunk(cadre, meeting, HEADER).json()["duplicate"] is True
    stream = LiveStream.objects.get(meeting=meeting)
    assert (stream.chunks, stream.last_seq, stream.bytes_received) == (1, 0, len(HEADER))
    assert _live_folder == [services.folder_of(meeting)] * 2  # the transcoder is asked to run


def test_a_nearly_full_disk_refuses_and_keeps_what_was_received(world, login, settings):
    meeting = started(world)
    cadre = login(world.cadre_a)
    assert post_chunk(cadre, meeting, HEADER).status_code == 200
    settings.MEETINGS_LIVE_MIN_FREE_MB = 10**9  # more than any disk has
    response = post_chunk(cadre, meeting, media.CLUSTER + b"\x01" * 100, seq=1)
    assert response.status_code == 507
    assert "disk is nearly full" in response.json()["detail"]
    folder = services.folder_of(meeting)
    assert media.chunk_path(folder, 1, 0).exists() and not media.chunk_path(folder, 1, 1).exists()


def test_a_closed_meeting_takes_no_chunk(world, login):
    meeting = started(world)
    from cunzhi.meetings import services as meeting_services

    meeting_services.meeting_close(actor=world.cadre_a, meeting=meeting)
    assert LiveStream.objects.get(meeting=meeting).status in (StreamStatus.ENDING, StreamStatus.ENDED)
    assert post_chunk(login(world.cadre_a), meeting, HEADER).status_code == 409


# --- ffmpeg: chunks to HLS, restarts, gaps, the recording ------------------------------------------


def _upload(client, meeting, parts, take=1, skip=()):
    for seq, data in enumerate(parts):
        if seq in skip:
            continue
        response = post_chunk(client, meeting, data, take=take, seq=seq)
        assert response.status_code == 200, response.content


def _end_and_transcode(meeting, ffmpeg=None, **kw):
    folder = services.folder_of(meeting)
    (folder / "ended").write_text("test")
    return transcode.run(folder, ffmpeg or FFMPEG, poll=0.01, **kw)


def test_chunks_become_hls_and_the_recording(world, login, sample, clock):
    meeting = started(world)
    _upload(login(world.cadre_a), meeting, sample)
    state = _end_and_transcode(meeting)
    assert state == {"take": 1, "seq": len(sample), "restarts": 0}
    folder = services.folder_of(meeting)
    for rendition in media.RENDITIONS:
        assert media.segments(folder, rendition), rendition
        assert "#EXT-X-ENDLIST" in (folder / rendition / "index.m3u8").read_text()
    # The audio-only rendition stays under 48 kbit/s (segments of 2 s, MPEG-TS overhead included).
    audio = media.segments(folder, "a")
    assert sum(p.stat().st_size for p in audio) * 8 / (len(audio) * media.SEGMENT_SECONDS) < 48_000
    services.live_stop(actor=world.cadre_a, meeting=meeting)
    stream = LiveStream.objects.get(meeting=meeting)
    assert stream.status == StreamStatus.ENDED
    assert stream.recording.name.endswith("recording.mp4") and stream.recording_audio.name.endswith(".m4a")
    assert stream.recording_seconds >= 4
    # Linked from the meeting page, served to those who may read the meeting only.
    page = login(world.villager_a).get(reverse("meetings:detail", args=[meeting.public_id]))
    assert reverse("meetings:live_recording", args=[meeting.public_id, "mp4"]) in page.content.decode()
    mp4 = login(world.villager_a).get(reverse("meetings:live_recording", args=[meeting.public_id, "mp4"]))
    assert mp4.status_code == 200 and b"ftyp" in b"".join(mp4.streaming_content)[:64]
    assert (
        login(world.villager_b).get(reverse("meetings:live_recording", args=[meeting.public_id, "m4a"])).status_code
        == 404
    )


def test_ffmpeg_stopping_is_restarted_and_a_missing_chunk_skipped(world, login, sample, tmp_path):
    """An ffmpeg that dies on its first run (a crash mid-stream) is started again from the take's header;
    a chunk never received is waited for, then skipped: nothing after it is lost."""
    meeting = started(world)
    _upload(login(world.cadre_a), meeting, sample, skip={2})
    crashy = tmp_path / "ffmpeg-crashes-once"
    marker = tmp_path / "crashed"
    crashy.write_text(
        f"#!/bin/sh\nif [ ! -e {marker} ]; then touch {marker}; head -c 100 >/dev/null; exit 1; fi\n"
        f'exec {FFMPEG} "$@"\n'
    )
    crashy.chmod(crashy.stat().st_mode | stat.S_IEXEC)
    ticks = iter(range(10**6))
    state = _end_and_transcode(meeting, ffmpeg=str(crashy), gap_seconds=3, monotonic=lambda: float(next(ticks)))
    assert state["seq"] == len(sample) and state["restarts"] >= 1
    folder = services.folder_of(meeting)
    assert media.segments(folder, "v") and media.segments(folder, "a")
    assert json.loads((folder / "state.json").read_text())["seq"] == len(sample)


# --- Watching: signed playlists and segments, for those allowed ------------------------------------


def _hls_ready(meeting):
    """A playlist and a segment on disk, as ffmpeg writes them."""
    folder = services.folder_of(meeting)
    for r in media.RENDITIONS:
        (folder / r).mkdir(parents=True, exist_ok=True)
        (folder / r / "000000.ts").write_bytes(b"G" + b"\x00" * 187)
        (folder / r / "index.m3u8").write_text(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\n000000.ts\n"
        )


def _playlist(client, meeting, user, rendition="v"):
    token = links.playlist_token(meeting.pk, links.reader_of(user) if user else 0)
    url = reverse("meetings:live_playlist", args=[meeting.public_id, rendition])
    return client.get(f"{url}?t={token}")


def test_who_may_watch_a_closed_stream(world, client, login, other_office_staff):
    meeting = started(world)
    _hls_ready(meeting)
    member = login(world.villager_a)
    response = _playlist(member, meeting, world.villager_a)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert "000000.ts?u=" in response.content.decode()
    client.logout()
    assert _playlist(client, meeting, None).status_code == 403  # anonymous, closed stream
    for refused in (world.township_staff, other_office_staff, world.villager_b, world.other_township_staff):
        assert _playlist(login(refused), meeting, refused).status_code == 403, refused
    assert _playlist(login(world.cadre_a), meeting, world.cadre_a).status_code == 200


def test_a_helper_watches_for_the_member(world, login):
    meeting = started(world)
    _hls_ready(meeting)
    helper = world.helper
    MeetingMember.objects.filter(meeting=meeting, user=helper).delete()  # the son is not a member himself
    assert _playlist(login(helper), meeting, helper).status_code == 403
    delegation_grant(
        villager=world.villager_a.villager,
        actor=world.villager_a,
        helper=helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.MEETINGS],
        ends_at=meeting.starts_at + dt.timedelta(days=30),
    )
    caches["memo"].clear()  # the decision is kept DECISION_SECONDS; a new delegation waits that long
    helper.refresh_from_db()
    assert _playlist(login(helper), meeting, helper).status_code == 200


def test_a_public_stream_is_for_anyone(world, client):
    meeting = started(world)
    _hls_ready(meeting)
    services.live_settings_save(actor=world.cadre_a, meeting=meeting, public=True)
    assert _playlist(client, meeting, None).status_code == 200
    master = client.get(
        reverse("meetings:live_master", args=[meeting.public_id]) + "?t=" + links.playlist_token(meeting.pk, 0)
    )
    text = master.content.decode()
    assert master.status_code == 200 and "v/index.m3u8?t=" in text and "a/index.m3u8?t=" in text
    assert "BANDWIDTH=40000" in text


def test_segment_links_are_signed_for_the_reader_and_expire(world, login, clock):
    meeting = started(world)
    _hls_ready(meeting)
    member = login(world.villager_a)
    line = next(x for x in _playlist(member, meeting, world.villager_a).content.decode().splitlines() if ".ts?" in x)
    base = reverse("meetings:live_playlist", args=[meeting.public_id, "v"]).rsplit("/", 1)[0]
    ok = member.get(f"{base}/{line}")
    assert ok.status_code == 200 and ok["Content-Type"] == "video/mp2t"
    assert member.get(f"{base}/{line.replace('s=', 's=x')}").status_code == 403  # tampered
    assert member.get(f"{base}/{line.replace('000000.ts?', '000001.ts?')}").status_code == 403  # another segment
    # Copied to another member's browser: refused, it names its reader.
    other = world.cadre_a
    assert login(other).get(f"{base}/{line}").status_code == 403
    # A minute later the copied link is dead for everyone.
    login(world.villager_a)
    clock.shift(61)
    assert member.get(f"{base}/{line}").status_code == 403


def test_a_playlist_link_is_for_its_reader_and_is_checked_again(world, login, client):
    meeting = started(world)
    _hls_ready(meeting)
    token = links.playlist_token(meeting.pk, world.villager_a.pk)
    url = reverse("meetings:live_playlist", args=[meeting.public_id, "a"]) + f"?t={token}"
    assert client.get(url).status_code == 200  # the phone's own player: no session, the token stands
    assert login(world.cadre_a).get(url).status_code == 403  # another account's link
    client.logout()
    assert client.get(url.replace("?t=", "?t=x")).status_code == 403
    other_meeting = in_session(world, stream_url="", title="另一个会")
    assert (
        client.get(reverse("meetings:live_playlist", args=[other_meeting.public_id, "a"]) + f"?t={token}").status_code
        == 403
    )


def test_watching_counts_as_reach_not_attendance(world, login):
    meeting = started(world)
    _hls_ready(meeting)
    for _ in range(3):
        assert _playlist(login(world.villager_a), meeting, world.villager_a).status_code == 200
    assert LiveView.objects.filter(meeting=meeting).count() == 1
    assert meeting.attendances.count() == 0
    from cunzhi.meetings.live import selectors

    reach = selectors.reach(meeting=meeting)
    assert reach["watched"] == 1 and reach["members"] == meeting.members.count() and reach["asked"] == 0


def test_the_page_shows_the_player_to_members_and_the_controls_to_the_chair(
    world, login, django_assert_max_num_queries
):
    meeting = started(world)
    page = login(world.villager_a).get(reverse("meetings:detail", args=[meeting.public_id])).content.decode()
    assert 'id="live-player"' in page and "a/index.m3u8?t=" in page and 'id="broadcast"' not in page
    assert 'id="ask-form"' in page
    chair = login(world.cadre_a).get(reverse("meetings:detail", args=[meeting.public_id])).content.decode()
    assert 'id="broadcast-start"' in chair and LiveStream.objects.get(meeting=meeting).key in chair
    staff = login(world.township_staff).get(reverse("meetings:detail", args=[meeting.public_id])).content.decode()
    assert 'id="live-player"' not in staff and "stream-key" not in staff


# --- Questions ------------------------------------------------------------------------------------


def ask_url(meeting):
    return reverse("meetings:live_ask", args=[meeting.public_id])


def test_members_ask_and_the_chair_marks_the_asker_is_told(world, client, login, other_office_staff):
    meeting = started(world)
    assert client.post(ask_url(meeting), {"text": "路灯什么时候修？"}).status_code == 302  # to the login page
    assert login(world.villager_b).post(ask_url(meeting), {"text": "x"}).status_code == 404
    assert login(world.other_township_staff).post(ask_url(meeting), {"text": "x"}).status_code == 404
    assert login(world.township_staff).post(ask_url(meeting), {"text": "x"}).status_code == 403
    assert login(other_office_staff).post(ask_url(meeting), {"text": "x"}).status_code == 403
    assert login(world.villager_a).post(ask_url(meeting), {"text": "  "}).status_code == 302
    assert not LiveQuestion.objects.exists()  # empty: a message, nothing stored
    assert login(world.villager_a).post(ask_url(meeting), {"text": "路灯什么时候修？"}).status_code == 302
    assert (
        login(world.villager_a).post(ask_url(meeting), {"text": "建议修到村口", "kind": "suggestion"}).status_code
        == 302
    )
    first, second = LiveQuestion.objects.order_by("number")
    assert (first.number, second.number, second.kind) == (1, 2, "suggestion")
    mark = reverse("meetings:live_mark", args=[meeting.public_id, first.public_id])
    assert login(world.villager_a).post(mark, {"status": "answered"}).status_code == 403
    assert login(world.township_staff).post(mark, {"status": "answered"}).status_code == 403
    assert login(world.villager_b).post(mark, {"status": "answered"}).status_code == 404
    assert login(world.cadre_a).post(mark, {"status": "nonsense"}).status_code == 302
    first.refresh_from_db()
    assert first.status == QuestionStatus.WAITING
    assert login(world.cadre_a).post(mark, {"status": "answered", "outcome": "下周一修好"}).status_code == 302
    first.refresh_from_db()
    assert (first.status, first.outcome) == (QuestionStatus.ANSWERED, "下周一修好")
    notice = Notice.objects.filter(template="meetings_live_question").get()
    assert notice.deliveries.filter(recipient=world.villager_a).exists()
    page = login(world.cadre_a).get(reverse("meetings:detail", args=[meeting.public_id])).content.decode()
    assert "路灯什么时候修？" in page and "建议修到村口" in page


def test_questions_go_into_the_minutes_with_their_outcome(world, login):
    meeting = started(world)
    member = meeting.members.get(user=world.villager_a)
    q = services.question_ask(actor=world.villager_a, meeting=meeting, member=member, text="垃圾车几点来？")
    services.question_handle(actor=world.cadre_a, question=q, status=QuestionStatus.TAKEN_UP, outcome="列入下次议程")
    from django.template.loader import render_to_string

    from cunzhi.meetings import selectors as meeting_selectors

    context = meeting_selectors.result_context(meeting=meeting)
    html = render_to_string("meetings/minutes_pdf.html", context)
    assert "垃圾车几点来？" in html and "列入下次议程" in html


def test_questions_only_while_in_session(world, login):
    from .helpers import convene

    meeting = convene(world)
    assert login(world.villager_a).post(ask_url(meeting), {"text": "x"}).status_code in (302, 403)
    assert not LiveQuestion.objects.exists()


# --- API ------------------------------------------------------------------------------------------


def test_api_stream_state_and_links(world, client, login, other_office_staff):
    meeting = started(world)
    url = f"/api/v1/meetings/{meeting.public_id}/stream"
    assert client.get(url).status_code == 401
    body = login(world.villager_a).get(url).json()
    assert body["status"] == "live" and body["audio_url"].startswith(f"/meetings/{meeting.public_id}/stream/hls/")
    assert "key" not in body
    staff = login(world.township_staff).get(url).json()
    assert staff["master_url"] == ""  # may read the meeting, not watch a closed stream
    for hidden in (world.villager_b, world.other_township_staff):
        assert login(hidden).get(url).status_code == 404
    assert login(other_office_staff).get(url).json()["audio_url"] == ""


def test_api_start_stop_for_the_broadcaster_only(world, login, other_office_staff):
    meeting = in_session(world, stream_url="")
    start = f"/api/v1/meetings/{meeting.public_id}/stream/start"
    for refused in (world.villager_a, world.township_staff, other_office_staff):
        assert login(refused).post(start).status_code == 403
    assert login(world.villager_b).post(start).status_code == 404
    assert login(world.cadre_a).post(start).json()["take"] == 1
    assert login(world.cadre_a).post(f"/api/v1/meetings/{meeting.public_id}/stream/stop").json()["status"] in (
        "ending",
        "ended",
    )


def test_api_questions(world, login, other_office_staff):
    meeting = started(world)
    url = f"/api/v1/meetings/{meeting.public_id}/questions"
    ask = login(world.villager_a).post(url, {"text": "能否延长水费缴纳期限？"}, content_type="application/json")
    assert ask.status_code == 201 and ask.json()["number"] == 1
    assert login(world.villager_a).post(url, {"text": ""}, content_type="application/json").status_code == 422
    assert login(world.township_staff).post(url, {"text": "x"}, content_type="application/json").status_code == 403
    assert login(other_office_staff).post(url, {"text": "x"}, content_type="application/json").status_code == 403
    assert login(world.villager_b).post(url, {"text": "x"}, content_type="application/json").status_code == 404
    qid = ask.json()["id"]
    mark = f"{url}/{qid}/mark"
    assert (
        login(world.villager_a).post(mark, {"status": "answered"}, content_type="application/json").status_code == 403
    )
    done = login(world.cadre_a).post(
        mark, {"status": "taken_up", "outcome": "下次会议讨论"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "taken_up"
    assert len(login(world.villager_a).get(url).json()) == 1
    assert login(world.township_staff).get(url).json() == []
    reach = login(world.cadre_a).get(f"/api/v1/meetings/{meeting.public_id}/stream/reach")
    assert reach.status_code == 200 and reach.json()["asked"] == 1
    assert login(world.villager_a).get(f"/api/v1/meetings/{meeting.public_id}/stream/reach").status_code == 403


# --- The system check -----------------------------------------------------------------------------


def test_a_missing_ffmpeg_is_a_warning(settings):
    from cunzhi.meetings.live.checks import live_programs

    settings.MEETINGS_LIVE_FFMPEG = "no-such-ffmpeg-here"
    found = live_programs(None)
    assert next(m.id for m in found if isinstance(m, checks.Warning)) == "cunzhi.W601"


def test_the_chair_page_reads_questions_in_fixed_queries(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import add_villagers

    meeting = started(world)
    add_villagers(world.village_a, 12, users=True)
    from cunzhi.meetings import services as meeting_services

    meeting_services.roster_sync(meeting=meeting)
    members = list(meeting.members.exclude(user=None)[:12])

    def count() -> int:
        cadre = login(world.cadre_a)
        with CaptureQueriesContext(connection) as ctx:
            assert cadre.get(reverse("meetings:detail", args=[meeting.public_id])).status_code == 200
        return len(ctx.captured_queries)

    for m in members[:2]:
        services.question_ask(actor=m.user, meeting=meeting, member=m, text="问题")
    count()  # the first visit also records the login's session
    few = count()
    for m in members[2:]:
        services.question_ask(actor=m.user, meeting=meeting, member=m, text="问题")
    assert count() == few


@pytest.mark.parametrize("name", ["live_start", "live_stop", "live_access"])
def test_the_chair_s_stream_actions(world, client, login, other_office_staff, name):
    meeting = started(world)
    target = reverse(f"meetings:{name}", args=[meeting.public_id])
    data = {"public": "1"}
    assert client.post(target, data).status_code == 302 and "/login" in client.post(target, data)["Location"]
    for refused in (world.villager_a, world.township_staff, other_office_staff):
        assert login(refused).post(target, data).status_code == 403, refused
    for hidden in (world.villager_b, world.other_township_staff):
        assert login(hidden).post(target, data).status_code == 404, hidden
    assert login(world.cadre_a).post(target, data).status_code == 302


def test_who_may_fetch_the_recording(world, client, login, other_office_staff, tmp_path):
    from django.core.files.base import ContentFile

    meeting = started(world)
    stream = LiveStream.objects.get(meeting=meeting)
    stream.recording_audio.save("r.m4a", ContentFile(b"\x00\x00\x00\x18ftypM4A "), save=False)
    stream.status = StreamStatus.ENDED
    stream.save()
    target = reverse("meetings:live_recording", args=[meeting.public_id, "m4a"])
    assert client.get(target).status_code == 302  # anonymous: to the login page
    for allowed in (world.villager_a, world.cadre_a, world.township_staff, other_office_staff):
        assert login(allowed).get(target).status_code == 200, allowed
    for hidden in (world.villager_b, world.other_township_staff):
        assert login(hidden).get(target).status_code == 404, hidden
    assert (
        login(world.villager_a).get(reverse("meetings:live_recording", args=[meeting.public_id, "mp4"])).status_code
        == 404
    )


# --- iPhones: Safari's recorder sends fragmented MP4 ---------------------------------------------


def test_safari_mp4_chunks_become_hls(world, login, tmp_path):
    """Safari's MediaRecorder makes fragmented MP4 (ftyp + moov, then moof/mdat pairs): taken like WebM,
    transcoded to the same renditions, restarted on its header after a crash."""
    chunks = fmp4_chunks(fmp4_sample(tmp_path, seconds=4))
    assert len(chunks) >= 3
    meeting = started(world)
    chair = login(world.cadre_a)
    # A later chunk that is a whole new MP4 is not the middle of this take.
    assert post_chunk(chair, meeting, chunks[0], seq=1).status_code == 415
    for seq, data in enumerate(chunks):
        response = chair.post(chunk_url(meeting, 1, seq), data=data, content_type="video/mp4")
        assert response.status_code == 200, response.content
    assert media.MOOF not in media.init_bytes(chunks[0])
    state = _end_and_transcode(meeting)
    assert state["seq"] == len(chunks) and state["restarts"] == 0
    folder = services.folder_of(meeting)
    assert media.segments(folder, "v") and media.segments(folder, "a")


# --- Questions as voice notes ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def voice_note(tmp_path_factory):
    return voice_sample(tmp_path_factory.mktemp("voice"))


def test_a_voice_note_question_is_stored_as_m4a_and_heard_by_the_chair(
    world, client, login, other_office_staff, voice_note
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    meeting = started(world)

    def note(data=voice_note, name="voice.webm"):
        return SimpleUploadedFile(name, data, content_type="audio/webm")

    # Not a recording (text, a header with nothing playable behind it): a message, nothing stored.
    for bad in (b"hello, this is text", media.EBML + b"\x00" * 400):
        response = login(world.villager_a).post(ask_url(meeting), {"text": "", "voice": note(bad)}, follow=True)
        assert "Record it again" in response.content.decode() or "重新录" in response.content.decode()
    assert not LiveQuestion.objects.exists()
    assert login(world.villager_a).post(ask_url(meeting), {"text": "", "voice": note()}).status_code == 302
    question = LiveQuestion.objects.get()
    assert question.text == "" and question.voice.name.endswith(".m4a") and 2 <= question.voice_seconds <= 4
    with question.voice.open("rb") as fh:
        assert fh.read(12)[4:8] == b"ftyp"
    url = reverse("meetings:live_voice", args=[meeting.public_id, question.public_id])
    # The chair's side and the asker hear it; others are refused.
    for allowed in (world.cadre_a, world.villager_a):
        response = login(allowed).get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("audio/"), allowed
    assert Client().get(url).status_code == 302  # anonymous: to the login page
    assert login(world.villager_b).get(url).status_code == 404  # another village's villager
    assert login(world.other_township_staff).get(url).status_code == 404
    assert login(world.township_staff).get(url).status_code == 403
    assert login(other_office_staff).get(url).status_code == 403
    # The chair's page plays it; the minutes say it was a voice note.
    page = login(world.cadre_a).get(reverse("meetings:detail", args=[meeting.public_id])).content.decode()
    assert url in page
    services.question_handle(actor=world.cadre_a, question=question, status=QuestionStatus.ANSWERED, outcome="已答复")
    minutes = login(world.cadre_a).get(reverse("meetings:minutes", args=[meeting.public_id])).content.decode()
    assert url in minutes


def test_api_voice_note(world, login, voice_note):
    import base64

    meeting = started(world)
    url = f"/api/v1/meetings/{meeting.public_id}/questions"
    bad = login(world.villager_a).post(url, {"voice_base64": "not base64!"}, content_type="application/json")
    assert bad.status_code == 422 and not LiveQuestion.objects.exists()
    sent = login(world.villager_a).post(
        url, {"voice_base64": base64.b64encode(voice_note).decode()}, content_type="application/json"
    )
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["voice_seconds"] >= 2 and body["voice_url"].endswith("/voice.m4a") and body["text"] == ""


def test_a_voice_note_over_the_limit_is_refused(world, login, settings, voice_note):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEETINGS_LIVE_VOICE_MAX_BYTES = 100
    meeting = started(world)
    voice = SimpleUploadedFile("v.webm", voice_note, content_type="audio/webm")
    response = login(world.villager_a).post(ask_url(meeting), {"text": "", "voice": voice}, follow=True)
    assert response.status_code == 200 and not LiveQuestion.objects.exists()


# --- Retention of recordings ---------------------------------------------------------------------


def _ended_with_recording(world, clock):
    from django.core.files.base import ContentFile

    meeting = started(world)
    stream = LiveStream.objects.get(meeting=meeting)
    stream.recording.save("r.mp4", ContentFile(b"\x00\x00\x00\x18ftypisom"), save=False)
    stream.recording_audio.save("r.m4a", ContentFile(b"\x00\x00\x00\x18ftypM4A "), save=False)
    stream.status, stream.ended_at = StreamStatus.ENDED, timezone.now()
    stream.save()
    return meeting, stream


def test_recordings_are_removed_after_their_retention_and_the_minutes_say_so(world, login, settings, clock):
    from django.core.files.storage import default_storage

    from cunzhi.core.models import AuditEvent

    settings.MEETINGS_LIVE_RETENTION_DAYS = 30
    meeting, stream = _ended_with_recording(world, clock)
    files = [stream.recording.name, stream.recording_audio.name]
    folder = services.folder_of(meeting)
    assert folder.is_dir()
    page = login(world.villager_a).get(reverse("meetings:detail", args=[meeting.public_id])).content.decode()
    assert "2026-07-16" in page  # kept until: 30 days after the stream ended
    assert services.recordings_expire(now=timezone.now() + dt.timedelta(days=29)) == 0
    assert services.recordings_expire(now=timezone.now() + dt.timedelta(days=31)) == 1
    stream.refresh_from_db()
    assert stream.recording_removed_at and not stream.recording and not stream.recording_audio
    assert not any(default_storage.exists(f) for f in files) and not folder.exists()
    assert AuditEvent.objects.filter(action="live.recording_removed", object_id=str(meeting.pk)).exists()
    assert services.recordings_expire(now=timezone.now() + dt.timedelta(days=40)) == 0  # once
    gone = login(world.villager_a).get(reverse("meetings:live_recording", args=[meeting.public_id, "mp4"]))
    assert gone.status_code == 410 and "2026-07-17" in gone.content.decode()
    page = login(world.villager_a).get(reverse("meetings:detail", args=[meeting.public_id])).content.decode()
    assert 'id="recording-removed"' in page
    minutes = login(world.cadre_a).get(reverse("meetings:minutes", args=[meeting.public_id])).content.decode()
    assert 'id="minutes-recording-removed"' in minutes
    api = login(world.villager_a).get(f"/api/v1/meetings/{meeting.public_id}/stream").json()
    assert api["recording_removed_at"] and api["recording_kept_until"] is None and not api["recording"]


def test_a_retention_of_zero_keeps_recordings(world, settings, clock):
    settings.MEETINGS_LIVE_RETENTION_DAYS = 0
    _meeting, stream = _ended_with_recording(world, clock)
    assert services.recordings_expire(now=timezone.now() + dt.timedelta(days=10_000)) == 0
    stream.refresh_from_db()
    assert stream.recording and stream.recording_removed_at is None


# --- The disclosure post links the recording ------------------------------------------------------


def test_the_disclosure_post_links_the_recording(world, login, clock):
    from cunzhi.meetings import services as meeting_services

    meeting, _stream = _ended_with_recording(world, clock)
    body = meeting_services._disclosure_body(meeting)
    link = reverse("meetings:live_recording", args=[meeting.public_id, "mp4"])
    assert link in body
    # The post's page makes it a link; it stays behind the meeting's read check.
    from cunzhi.disclosure import services as disclosure_services
    from cunzhi.disclosure.models import Category

    post = disclosure_services.post_publish_about(
        about=meeting, village=meeting.village, category=Category.VILLAGE, title="结果", body=body, actor=world.cadre_a
    )
    page = login(world.villager_a).get(reverse("disclosure:post", args=[post.public_id])).content.decode()
    assert f'{link}"' in page
    assert login(world.villager_b).get(link).status_code == 404
