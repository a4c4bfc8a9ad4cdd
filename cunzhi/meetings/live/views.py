"""Live stream pages and files: the broadcaster's start/stop/chunks, the playlists and segments, the
recording, and the remote members' questions.

The meeting page (meetings/views.py) shows the player, the broadcaster's controls and the questions
through `stream_context`. Playlists and segments are fetched by players without a session as well
(the phone's own player opening the audio link): their signed token stands for the reader (links.py),
and each playlist fetch asks the rules again.
"""

import re
import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from cunzhi.core.files import private_file_response
from cunzhi.core.views import forbidden_saying
from cunzhi.meetings import rules as meeting_rules
from cunzhi.meetings import selectors as meeting_selectors
from cunzhi.meetings.live import links, media, selectors, services
from cunzhi.meetings.live import rules as live_rules
from cunzhi.meetings.live.models import LiveQuestion, LiveStream, QuestionKind, QuestionStatus, StreamStatus
from cunzhi.meetings.models import Meeting, MeetingMember
from cunzhi.people.actors import AnyUser, UserRequest
from cunzhi.people.models import User

forbidden = forbidden_saying(gettext_lazy("Only the meeting's chair or secretary can do this."))
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
NAME_RE = re.compile(r"^\d{6}\.ts$")
# Who may watch, decided per (meeting, reader) and kept this long in the "memo" cache (with Redis, shared by
# every app server): a player fetches the playlist every 2 seconds, the right changes rarely (a delegation
# revoked, the stream closed). The chair's change of who may watch takes effect at once on every server: the
# decisions are filed under the meeting's current generation, and the change starts a new one.
DECISION_SECONDS = 10


def _meeting(request: HttpRequest, public_id: str) -> Meeting:
    """The meeting if the user may see its page; 404 otherwise (existence is not revealed)."""
    try:
        meeting = meeting_selectors.meeting_get(public_id=public_id)
    except Meeting.DoesNotExist:
        raise Http404 from None
    if not meeting_rules.can_view(request.user, meeting):
        raise Http404
    return meeting


def _back(meeting: Meeting, anchor: str = "live-stream") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("meetings:detail", args=[meeting.public_id]) + f"#{anchor}")


def _first_error(exc: ValidationError) -> str:
    return str(exc.messages[0]) if exc.messages else _("This could not be done.")


# --- The broadcaster ------------------------------------------------------------------------------


@login_required
@require_POST
def start(request: UserRequest, public_id: str) -> HttpResponse:
    """Start streaming (a new take). The page's script then sends the recorder's chunks."""
    meeting = _meeting(request, public_id)
    if not live_rules.is_broadcaster(request.user, meeting):
        return forbidden(request)
    try:
        stream = services.live_start(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"detail": _first_error(exc)}, status=409)
        messages.error(request, _first_error(exc))
        return _back(meeting)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"take": stream.take, "status": stream.status})
    messages.success(request, _("The stream is started. Keep this page open while you stream."))
    return _back(meeting)


@login_required
@require_POST
def stop(request: UserRequest, public_id: str) -> HttpResponse:
    meeting = _meeting(request, public_id)
    if not live_rules.is_broadcaster(request.user, meeting):
        return forbidden(request)
    services.live_stop(actor=request.user, meeting=meeting)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"status": "ending"})
    messages.success(request, _("The stream is stopped. The recording is made in a minute."))
    return _back(meeting)


@login_required
@require_POST
def access(request: UserRequest, public_id: str) -> HttpResponse:
    """Who may watch: anyone with the link, or the members and their helpers."""
    meeting = _meeting(request, public_id)
    if not live_rules.is_broadcaster(request.user, meeting):
        return forbidden(request)
    choice = request.POST.get("public", "")
    if choice not in ("0", "1"):
        messages.error(request, _("Choose who may watch."))
        return _back(meeting)
    services.live_settings_save(actor=request.user, meeting=meeting, public=choice == "1")
    decisions_forget(meeting.pk)
    messages.success(request, _("Saved."))
    return _back(meeting)


_STATUS_OF_CODE = {"not_media": 415, "too_large": 413, "disk_full": 507, "not_live": 409, "old_take": 409}


@login_required
@require_POST
def chunk(request: UserRequest, public_id: str) -> JsonResponse:
    """One chunk of the broadcaster's recorder (the body, as it came), numbered by `take` and `seq`."""
    meeting = _meeting(request, public_id)
    try:
        take, seq = int(request.GET.get("take", "")), int(request.GET.get("seq", ""))
    except ValueError:
        return JsonResponse({"detail": _("The part's number is not valid."), "code": "bad_seq"}, status=400)
    try:
        size = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        size = 0
    if size > settings.MEETINGS_LIVE_CHUNK_MAX_BYTES:
        return JsonResponse({"detail": _("This part of the stream is too large."), "code": "too_large"}, status=413)
    try:
        result = services.live_chunk_receive(actor=request.user, meeting=meeting, take=take, seq=seq, data=request.body)
    except PermissionDenied:
        return JsonResponse({"detail": str(forbidden_message()), "code": "forbidden"}, status=403)
    except ValidationError as exc:
        code = exc.code or "invalid"
        return JsonResponse({"detail": _first_error(exc), "code": code}, status=_STATUS_OF_CODE.get(code, 400))
    return JsonResponse(result)


def forbidden_message() -> str:
    return _("Only the meeting's chair or secretary can do this.")


# --- Watching -------------------------------------------------------------------------------------


# Per process on purpose: a meeting's public id never changes, so no other server can make this stale (a
# deleted meeting's key finds no meeting and is refused by _may_watch).
_pk_of: dict[str, int] = {}


def _meeting_pk(public_id: str) -> int:
    """The meeting's key by its public id, remembered (segments are fetched by every viewer every 2 s)."""
    pk = _pk_of.get(public_id)
    if pk is None:
        pk = Meeting.objects.filter(public_id=public_id).values_list("pk", flat=True).first()
        if pk is None:
            raise Http404
        if len(_pk_of) > 10_000:
            _pk_of.clear()
        _pk_of[public_id] = pk
    return pk


def _generation_key(meeting_pk: int) -> str:
    return f"meetings:watch-gen:{meeting_pk}"


def decisions_forget(meeting_pk: int) -> None:
    """Who may watch this meeting changed: every server asks the rules again on the next fetch."""
    caches["memo"].set(_generation_key(meeting_pk), secrets.token_hex(4), None)


def _may_watch(meeting_pk: int, reader: int) -> bool:
    """The rules asked for this reader (kept DECISION_SECONDS in the memo cache, per generation)."""
    memo = caches["memo"]
    key = f"meetings:watch:{meeting_pk}:{reader}"
    found = memo.get_many([_generation_key(meeting_pk), key])  # one round trip to Redis
    generation, hit = found.get(_generation_key(meeting_pk), ""), found.get(key)
    if hit is not None and hit[0] == generation:
        return hit[1]
    meeting = Meeting.objects.select_related("village").filter(pk=meeting_pk).first()
    stream = LiveStream.objects.filter(meeting_id=meeting_pk).first()
    user: AnyUser | None = User.objects.filter(pk=reader, is_active=True).first() if reader else None
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    allowed = bool(meeting and stream and live_rules.can_watch(user, meeting, stream))
    memo.set(key, (generation, allowed), DECISION_SECONDS)
    return allowed


def _reader(request: HttpRequest, meeting_pk: int) -> int:
    """The reader of the link, checked: a valid token, used by the account it was made for (or no session)."""
    reader = links.playlist_reader(request.GET.get("t", ""), meeting_pk)
    if reader is None:
        raise PermissionDenied
    if settings.SESSION_COOKIE_NAME in request.COOKIES or request.user.is_authenticated:
        session_reader = links.reader_of(request.user)
        if session_reader and session_reader != reader:
            raise PermissionDenied
    return reader


def _refused() -> HttpResponse:
    return HttpResponse(
        _("This link is not yours or is too old. Open the meeting page again."),
        status=403,
        content_type="text/plain; charset=utf-8",
    )


def _playlist_response(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type=PLAYLIST_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def master(request: HttpRequest, public_id: str) -> HttpResponse:
    """The master playlist: the low video and the audio-only rendition, each with a link for this reader."""
    pk = _meeting_pk(public_id)
    try:
        reader = _reader(request, pk)
    except PermissionDenied:
        return _refused()
    if not _may_watch(pk, reader):
        return _refused()
    token = links.playlist_token(pk, reader)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for r in (media.LOW, media.AUDIO):
        attrs = f'BANDWIDTH={r.bandwidth},CODECS="{r.codecs}"'
        if r.resolution:
            attrs += f",RESOLUTION={r.resolution}"
        lines += [f"#EXT-X-STREAM-INF:{attrs}", f"{r.name}/index.m3u8?t={token}"]
    return _playlist_response("\n".join(lines) + "\n")


@require_GET
def playlist(request: HttpRequest, public_id: str, rendition: str) -> HttpResponse:
    """One rendition's playlist, each segment rewritten as a link signed for this reader for a minute."""
    if rendition not in media.RENDITIONS:
        raise Http404
    pk = _meeting_pk(public_id)
    try:
        reader = _reader(request, pk)
    except PermissionDenied:
        return _refused()
    if not _may_watch(pk, reader):
        return _refused()
    path = media.stream_dir(settings.MEETINGS_LIVE_ROOT, public_id) / rendition / "index.m3u8"
    try:
        source = path.read_text()
    except FileNotFoundError:
        # Not started yet, or ffmpeg has not written its first segment: the player asks again.
        return HttpResponse(_("The stream has not started yet."), status=404, content_type="text/plain; charset=utf-8")
    out = []
    here = request.path.rsplit("/", 1)[0]  # the rendition's folder: segments' links are signed on their path
    for line in source.splitlines():
        name = line.strip()
        if NAME_RE.match(name):
            line = f"{name}?{links.segment_query(f'{here}/{name}', reader)}"
        out.append(line)
    if reader:
        services.live_watch_record(meeting_id=pk, user_id=reader)
    return _playlist_response("\n".join(out) + "\n")


@require_GET
def segment(request: HttpRequest, public_id: str, rendition: str, name: str) -> HttpResponseBase:
    """A segment, for the reader its link was signed for, within a minute of the playlist that gave it.
    (Behind nginx configured by `manage.py live_nginx`, nginx answers these itself by the same rule.)"""
    if rendition not in media.RENDITIONS or not NAME_RE.match(name):
        raise Http404
    raw = request.GET.get("u", "")
    if not raw.isdigit() or not links.segment_valid(
        request.path, int(raw), request.GET.get("e", ""), request.GET.get("s", "")
    ):
        return _refused()
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        session_reader = links.reader_of(request.user)
        if session_reader and session_reader != int(raw):
            return _refused()
    path = media.stream_dir(settings.MEETINGS_LIVE_ROOT, public_id) / rendition / name
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="video/mp2t")
    # A segment never changes; the browser may keep it as long as its link lives, never a shared cache.
    response["Cache-Control"] = "private, max-age=60"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def recording(request: UserRequest, public_id: str, kind: str) -> HttpResponseBase:
    """The recording (MP4 video, M4A sound only): as private as the meeting's minutes."""
    meeting = _meeting(request, public_id)
    stream = selectors.stream_get(meeting=meeting)
    if stream is None:
        raise Http404
    if stream.status == StreamStatus.ENDING:
        services.live_finish(stream=stream)  # a link followed just after the stop: make it now if it can be
    if stream.recording_removed_at is not None:
        # Gone after its retention period: say so (the minutes and the disclosure post may link here).
        when = stream.recording_removed_at.astimezone(timezone.get_current_timezone()).date()
        text = _("The recording was removed on %(day)s, at the end of its retention period.") % {
            "day": date_format(when, "Y-m-d")
        }
        return HttpResponse(text, status=410, content_type="text/plain; charset=utf-8")
    field = stream.recording if kind == "mp4" else stream.recording_audio
    if not field:
        raise Http404
    return private_file_response(field, filename=f"meeting-{meeting.public_id}.{kind}", inline=True)


# --- Questions ------------------------------------------------------------------------------------


@login_required
@require_POST
def ask(request: UserRequest, public_id: str) -> HttpResponse:
    """A remote member (or their helper) sends a question or suggestion."""
    meeting = _meeting(request, public_id)
    member = MeetingMember.objects.filter(meeting=meeting, pk=request.POST.get("member", "") or 0).first()
    if member is None:
        members = meeting_selectors.members_acted_for(meeting=meeting, user=request.user)
        member = members[0] if members else None
    if member is None or not meeting_rules.acts_for(request.user, member):
        return forbidden_saying(gettext_lazy("Only members of the meeting, or their helpers, can ask."))(request)
    try:
        services.question_ask(
            actor=request.user,
            meeting=meeting,
            member=member,
            text=request.POST.get("text", ""),
            kind=request.POST.get("kind", QuestionKind.QUESTION),
            voice=_voice_of(request),
        )
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, _("Sent. The chair sees your question in the order it arrived."))
    return _back(meeting, "questions")


def _voice_of(request: HttpRequest) -> bytes | None:
    """The voice note sent with a question, read only up to the limit (a larger one is refused whole)."""
    upload = request.FILES.get("voice")
    if upload is None or not upload.size:
        return None
    if upload.size > settings.MEETINGS_LIVE_VOICE_MAX_BYTES:
        raise ValidationError(_("The voice note is too long. Keep it under two minutes."), code="too_large")
    return upload.read()


@login_required
@require_GET
def voice(request: UserRequest, public_id: str, question_id: str) -> HttpResponseBase:
    """A question's voice note (M4A), for the chair's side, the minutes' writers and the asker."""
    meeting = _meeting(request, public_id)
    question = LiveQuestion.objects.filter(meeting=meeting, public_id=question_id).select_related("member").first()
    if question is None or not question.voice:
        raise Http404
    if not live_rules.can_hear_voice(request.user, meeting, question):
        return forbidden_saying(gettext_lazy("Only the chair, the secretary and the asker can play a voice note."))(
            request
        )
    return private_file_response(question.voice, filename=f"question-{question.number}.m4a", inline=True)


@login_required
@require_POST
def mark(request: UserRequest, public_id: str, question_id: str) -> HttpResponse:
    """The chair marks a question answered, taken up or not taken up (the asker is told)."""
    meeting = _meeting(request, public_id)
    if not live_rules.is_broadcaster(request.user, meeting):
        return forbidden(request)
    question = LiveQuestion.objects.filter(meeting=meeting, public_id=question_id).select_related("member").first()
    if question is None:
        raise Http404
    question.meeting = meeting
    try:
        services.question_handle(
            actor=request.user,
            question=question,
            status=request.POST.get("status", ""),
            outcome=request.POST.get("outcome", ""),
        )
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, _("Marked. The asker is told."))
    return _back(meeting, "questions")


# --- RTMP ingest ----------------------------------------------------------------------------------


def _from_this_machine(request: HttpRequest) -> bool:
    """nginx runs beside Cunzhi and calls it on the loopback address; nobody else may."""
    return request.META.get("REMOTE_ADDR", "") in ("127.0.0.1", "::1")


@csrf_exempt
@require_POST
def rtmp_publish(request: HttpRequest) -> HttpResponse:
    """nginx-rtmp's on_publish: a camera or OBS publishing with a meeting's stream key (docs/live.md)."""
    from cunzhi.meetings.live import rtmp

    if not _from_this_machine(request):
        return HttpResponse("refused", status=403, content_type="text/plain")
    key = request.POST.get("name", "")
    stream = LiveStream.objects.select_related("meeting__village").filter(key=key).first() if key else None
    if stream is None or not live_rules.can_stream(stream.meeting):
        return HttpResponse("refused", status=403, content_type="text/plain")
    rtmp.publish_accept(stream=stream)
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def rtmp_done(request: HttpRequest) -> HttpResponse:
    """nginx-rtmp's on_publish_done: the encoder stopped."""
    from cunzhi.meetings.live import rtmp

    if not _from_this_machine(request):
        return HttpResponse("refused", status=403, content_type="text/plain")
    key = request.POST.get("name", "")
    stream = LiveStream.objects.select_related("meeting").filter(key=key).first() if key else None
    if stream is not None:
        rtmp.publish_done(stream=stream)
    return HttpResponse("ok", content_type="text/plain")


def minutes_context(meeting: Meeting) -> dict[str, Any]:
    """The recording and the questions with their outcome, for the minutes page."""
    stream = selectors.stream_get(meeting=meeting)
    if stream is not None and stream.status == StreamStatus.ENDING:
        services.live_finish(stream=stream)
    return {
        "stream": stream,
        "questions": list(selectors.questions_of(meeting=meeting)),
        "reach": selectors.reach(meeting=meeting),
        "kept_until": selectors.recording_kept_until(stream),
        # Those who write the minutes hear the voice notes there (the page is theirs).
        "voice_players": True,
    }


# --- The meeting page's part ------------------------------------------------------------------------


def stream_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    """What the meeting page shows of the stream, the questions and the recording, for this user."""
    user = request.user
    stream = selectors.stream_get(meeting=meeting)
    if stream is not None and stream.status == StreamStatus.ENDING:
        services.live_finish(stream=stream)
    broadcaster = live_rules.is_broadcaster(user, meeting)
    watch = live_rules.can_watch(user, meeting, stream)
    reader = links.reader_of(user)
    token = links.playlist_token(meeting.pk, reader) if watch else ""
    base = reverse("meetings:live_master", args=[meeting.public_id]).rsplit("/", 1)[0]
    members = meeting_selectors.members_acted_for(meeting=meeting, user=user)
    return {
        "stream": stream,
        "state": selectors.stream_state(meeting=meeting, stream=stream),
        "broadcaster": broadcaster,
        "can_broadcast": live_rules.can_broadcast(user, meeting),
        "watch": watch and live_rules.is_live(stream),
        "master_url": f"{base}/master.m3u8?t={token}" if token else "",
        "audio_url": f"{base}/a/index.m3u8?t={token}" if token else "",
        "video_url": f"{base}/v/index.m3u8?t={token}" if token else "",
        "rtmp_url": settings.MEETINGS_LIVE_RTMP_URL,
        "ask_members": members if live_rules.can_ask(meeting) else [],
        "questions": list(selectors.questions_of(meeting=meeting)) if broadcaster else [],
        "my_questions": list(selectors.questions_mine(meeting=meeting, user=user)) if not broadcaster else [],
        "question_kinds": QuestionKind.choices,
        "voice_max_seconds": settings.MEETINGS_LIVE_VOICE_MAX_SECONDS,
        "mark_choices": [
            (QuestionStatus.ANSWERED, QuestionStatus.ANSWERED.label),
            (QuestionStatus.TAKEN_UP, QuestionStatus.TAKEN_UP.label),
            (QuestionStatus.NOT_TAKEN, QuestionStatus.NOT_TAKEN.label),
        ],
        # Published minutes show the questions with their outcome to every reader of the meeting.
        "minutes_questions": list(selectors.questions_of(meeting=meeting)) if meeting.minutes_published_at else [],
        "recording_ready": stream is not None and bool(stream.recording or stream.recording_audio),
        "reach": selectors.reach(meeting=meeting)
        if broadcaster or meeting_rules.can_write_minutes(user, meeting)
        else None,
    }
