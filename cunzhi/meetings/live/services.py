"""Writes of the live stream: start and stop, chunks received, the recording, who watched, questions.

Chunks are written to the stream's folder before anything else happens to them (media.py): the
transcoder reads them from there, so what was received survives any crash of ffmpeg, the transcoder
or the web worker. A refusal (not the broadcaster, not media, the disk nearly full) is a
ValidationError or PermissionDenied with a message; nothing is stored then.
"""

import datetime as dt
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cunzhi.core.audit import audit_record
from cunzhi.core.links import absolute_url
from cunzhi.meetings import rules as meeting_rules
from cunzhi.meetings.events import MeetingEvent
from cunzhi.meetings.live import media
from cunzhi.meetings.live import rules as live_rules
from cunzhi.meetings.live.models import (
    LiveQuestion,
    LiveStream,
    LiveView,
    QuestionKind,
    QuestionStatus,
    StreamStatus,
)
from cunzhi.meetings.models import Meeting, MeetingMember
from cunzhi.notify.services import notice_send
from cunzhi.people.models import DelegationScope, User
from cunzhi.people.services import delegation_use

# Stored in English with the villager's access record and translated when they read it.
PURPOSE_QUESTION = gettext_noop("Asked a question at a village meeting for the villager")
# A viewer's "watched" row is touched at most this often per process (a playlist is fetched every 2 s).
WATCH_TOUCH_SECONDS = 60.0


def folder_of(meeting: Meeting) -> Path:
    return media.stream_dir(settings.MEETINGS_LIVE_ROOT, meeting.public_id)


def stream_of(meeting: Meeting) -> LiveStream | None:
    return LiveStream.objects.filter(meeting=meeting).first()


def live_settings_save(*, actor: User, meeting: Meeting, public: bool) -> LiveStream:
    """Choose who may watch: anyone (public), or members and their helpers (closed)."""
    if not live_rules.is_broadcaster(actor, meeting):
        raise PermissionDenied
    stream, _created = LiveStream.objects.get_or_create(meeting=meeting)
    if stream.public != public:
        before = stream.public
        stream.public = public
        stream.save(update_fields=["public", "updated_at"])
        audit_record(
            actor=actor,
            action=MeetingEvent.LIVE_SETTINGS,
            obj=meeting,
            region_code=meeting.region_code,
            before={"public": before},
            after={"public": public},
        )
    return stream


def live_start(*, actor: User, meeting: Meeting, now: dt.datetime | None = None) -> LiveStream:
    """Start (or start again) the stream: a new take, whose chunks are numbered from 0."""
    if not live_rules.is_broadcaster(actor, meeting):
        raise PermissionDenied
    if not live_rules.can_stream(meeting):
        raise ValidationError(_("A meeting is streamed from its notice until it closes."), code="not_streaming")
    now = now or timezone.now()
    with transaction.atomic():
        stream, _created = LiveStream.objects.select_for_update().get_or_create(meeting=meeting)
        if stream.status == StreamStatus.ENDING:
            raise ValidationError(_("The last stream is still being saved. Try again in a minute."), code="ending")
        stream.status = StreamStatus.LIVE
        stream.take += 1
        stream.last_seq = -1
        stream.started_by = actor
        stream.started_at = stream.started_at or now
        stream.ended_at = None
        stream.save()
        audit_record(
            actor=actor,
            action=MeetingEvent.LIVE_START,
            obj=meeting,
            region_code=meeting.region_code,
            after={"take": stream.take},
        )
    folder = folder_of(meeting)
    media.take_dir(folder, stream.take).mkdir(parents=True, exist_ok=True)
    (folder / "ended").unlink(missing_ok=True)
    return stream


def runner_start(folder: Path) -> None:
    """Start the stream's transcoder as its own process unless it runs (transcode.py)."""
    if media.runner_alive(folder):
        return
    log = (folder / "runner.log").open("ab")
    proc = subprocess.Popen(  # noqa: S603  # this interpreter, our module, a folder we made
        [sys.executable, "-m", "cunzhi.meetings.live.transcode", str(folder), settings.MEETINGS_LIVE_FFMPEG],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,  # not stopped with the web worker that started it
        cwd=str(settings.BASE_DIR),
    )
    log.close()
    media.runner_mark(folder, proc.pid)
    # Reap it when it exits, so it leaves no zombie behind in this worker.
    threading.Thread(target=proc.wait, daemon=True).start()


def live_chunk_receive(
    *, actor: User, meeting: Meeting, take: int, seq: int, data: bytes, now: dt.datetime | None = None
) -> dict[str, int | bool]:
    """Store one chunk of the broadcaster's recorder; start the transcoder if it does not run.

    Returns {"take", "seq", "duplicate"}: a chunk sent again (a retry after a lost answer) is taken as
    received once."""
    if not live_rules.is_broadcaster(actor, meeting):
        raise PermissionDenied
    stream = stream_of(meeting)
    if stream is None or stream.status != StreamStatus.LIVE or not live_rules.can_stream(meeting):
        raise ValidationError(_("The stream is not started. Press “Start streaming” first."), code="not_live")
    if take != stream.take:
        raise ValidationError(_("This part belongs to an earlier start of the stream."), code="old_take")
    if seq < 0 or seq > 1_000_000:
        raise ValidationError(_("The part's number is not valid."), code="bad_seq")
    if len(data) > settings.MEETINGS_LIVE_CHUNK_MAX_BYTES:
        raise ValidationError(_("This part of the stream is too large."), code="too_large")
    if not media.chunk_is_media(data, first=seq == 0):
        raise ValidationError(_("This is not a part of a video stream (WebM or MP4)."), code="not_media")
    folder = folder_of(meeting)
    if media.free_bytes(settings.MEETINGS_LIVE_ROOT) < settings.MEETINGS_LIVE_MIN_FREE_MB * 1024 * 1024:
        raise ValidationError(
            _("The server's disk is nearly full: the stream stops here. What was received is kept."),
            code="disk_full",
        )
    path = media.chunk_path(folder, take, seq)
    path.parent.mkdir(parents=True, exist_ok=True)
    duplicate = path.exists()
    if not duplicate:
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        os.replace(partial, path)
        LiveStream.objects.filter(pk=stream.pk).update(
            chunks=F("chunks") + 1, bytes_received=F("bytes_received") + len(data), updated_at=now or timezone.now()
        )
        LiveStream.objects.filter(pk=stream.pk, last_seq__lt=seq).update(last_seq=seq)
    runner_start(folder)
    return {"take": take, "seq": seq, "duplicate": duplicate}


def live_stop(*, actor: User | None, meeting: Meeting, now: dt.datetime | None = None) -> LiveStream | None:
    """Stop streaming: the transcoder drains what it has and exits; the recording is made after it."""
    if actor is not None and not live_rules.is_broadcaster(actor, meeting):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        stream = LiveStream.objects.select_for_update().filter(meeting=meeting).first()
        if stream is None or stream.status != StreamStatus.LIVE:
            return stream
        stream.status, stream.ended_at = StreamStatus.ENDING, now
        stream.save(update_fields=["status", "ended_at", "updated_at"])
        audit_record(
            actor=actor,
            action=MeetingEvent.LIVE_STOP,
            obj=meeting,
            region_code=meeting.region_code,
            after={"chunks": stream.chunks, "bytes": stream.bytes_received},
        )
    folder = folder_of(meeting)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ended").write_text(now.isoformat())
    live_finish(stream=stream)
    return stream


def _store(path: Path, name: str) -> str:
    """The recording as a private file of the default storage: named in place when the live folder is
    inside the storage (the default), copied into it otherwise."""
    location = Path(default_storage.path("")).resolve() if hasattr(default_storage, "path") else None
    try:
        if location is not None:
            return str(path.resolve().relative_to(location))
    except ValueError:
        pass  # the live folder is elsewhere (MEETINGS_LIVE_ROOT set apart): copy the file in
    with path.open("rb") as handle:
        return default_storage.save(name, File(handle))


def live_finish(*, stream: LiveStream) -> bool:
    """Once the transcoder has exited, join the segments into the recording (MP4 and M4A). True when done."""
    if stream.status != StreamStatus.ENDING:
        return stream.status == StreamStatus.ENDED
    meeting = stream.meeting
    folder = folder_of(meeting)
    if media.runner_alive(folder):
        return False
    made = media.recording_join(settings.MEETINGS_LIVE_FFMPEG, folder)
    with transaction.atomic():
        locked = LiveStream.objects.select_for_update().get(pk=stream.pk)
        if locked.status != StreamStatus.ENDING:
            return locked.status == StreamStatus.ENDED
        if "v" in made:
            locked.recording.name = _store(made["v"], f"meetings/live/{meeting.public_id}.mp4")
        if "a" in made:
            locked.recording_audio.name = _store(made["a"], f"meetings/live/{meeting.public_id}.m4a")
        locked.recording_seconds = media.SEGMENT_SECONDS * len(media.segments(folder, "a" if "a" in made else "v"))
        locked.status = StreamStatus.ENDED
        locked.save()
        audit_record(
            actor=None,
            action=MeetingEvent.LIVE_RECORDING,
            obj=meeting,
            region_code=meeting.region_code,
            after={
                "video": bool(locked.recording),
                "audio": bool(locked.recording_audio),
                "seconds": locked.recording_seconds,
            },
        )
    stream.refresh_from_db()
    return True


def recordings_expire(*, now: dt.datetime | None = None) -> int:
    """The daily job: remove the recordings (and the stream's folder of chunks and segments) kept past the
    retention period. The removal is recorded (audit) and the stream keeps its date, so the minutes say
    the meeting was streamed and when the recording went. Questions and their voice notes stay: they are
    part of the minutes."""
    days = settings.MEETINGS_LIVE_RETENTION_DAYS
    if days <= 0:
        return 0
    now = now or timezone.now()
    due = (
        LiveStream.objects.filter(
            status=StreamStatus.ENDED, ended_at__lt=now - dt.timedelta(days=days), recording_removed_at__isnull=True
        )
        .select_related("meeting")
        .order_by("ended_at")[:200]
    )
    removed = 0
    for stream in due:
        meeting = stream.meeting
        with transaction.atomic():
            locked = LiveStream.objects.select_for_update().get(pk=stream.pk)
            if locked.recording_removed_at is not None:
                continue
            files = [str(f.name) for f in (locked.recording, locked.recording_audio) if f]
            locked.recording_removed_at = now
            locked.recording, locked.recording_audio = "", ""
            locked.save(update_fields=["recording", "recording_audio", "recording_removed_at", "updated_at"])
            audit_record(
                actor=None,
                action=MeetingEvent.LIVE_RECORDING_REMOVED,
                obj=meeting,
                region_code=meeting.region_code,
                before={"files": files, "seconds": locked.recording_seconds},
                after={"retention_days": days},
            )
        # Files go after the row says so: a crash between leaves files nobody links, never a dead link.
        for name in files:
            default_storage.delete(name)
        shutil.rmtree(folder_of(meeting), ignore_errors=True)
        removed += 1
    return removed


def live_finish_pending() -> int:
    """The periodic job: make the recordings of streams whose transcoder has exited since they were stopped."""
    done = 0
    for stream in LiveStream.objects.filter(status=StreamStatus.ENDING).select_related("meeting"):
        done += live_finish(stream=stream)
    return done


# Per process on purpose: it only spares the database a write per segment fetch. Several app servers each
# write at most once per WATCH_TOUCH_SECONDS, and the row stays one (the unique pair, IntegrityError below).
_touched: dict[tuple[int, int], float] = {}


def live_watch_record(*, meeting_id: int, user_id: int, now: dt.datetime | None = None) -> None:
    """Count a viewer identified by their login as having watched (reach, not attendance)."""
    key = (meeting_id, user_id)
    mono = time.monotonic()
    if mono - _touched.get(key, -WATCH_TOUCH_SECONDS) < WATCH_TOUCH_SECONDS:
        return
    if len(_touched) > 50_000:
        _touched.clear()
    _touched[key] = mono
    now = now or timezone.now()
    updated = LiveView.objects.filter(meeting_id=meeting_id, user_id=user_id).update(last_at=now)
    if not updated:
        try:
            with transaction.atomic():
                LiveView.objects.create(meeting_id=meeting_id, user_id=user_id, first_at=now, last_at=now)
        except IntegrityError:
            pass  # another worker recorded the same viewer at the same moment: one row stands


def question_ask(
    *,
    actor: User,
    meeting: Meeting,
    member: MeetingMember,
    text: str,
    kind: str = QuestionKind.QUESTION,
    voice: bytes | None = None,
) -> LiveQuestion:
    """A remote member's question or suggestion (written, a voice note, or both), numbered in the order it
    arrived."""
    if member.meeting_id != meeting.pk:
        raise PermissionDenied
    how = meeting_rules.acts_for(actor, member)
    if not how:
        raise PermissionDenied
    text = (text or "").strip()
    errors = {}
    if not text and not voice:
        errors["text"] = _("Write your question or suggestion, or record it.")
    elif len(text) > 1000:
        errors["text"] = _("At most 1,000 characters.")
    if kind not in QuestionKind.values:
        errors["kind"] = _("Choose a question or a suggestion.")
    voice_note: tuple[bytes, int] | None = None
    if voice and not errors:
        if len(voice) > settings.MEETINGS_LIVE_VOICE_MAX_BYTES:
            errors["voice"] = _("The voice note is too long. Keep it under two minutes.")
        else:
            voice_note = media.voice_to_m4a(
                settings.MEETINGS_LIVE_FFMPEG, voice, max_seconds=settings.MEETINGS_LIVE_VOICE_MAX_SECONDS
            )
            if voice_note is None:
                errors["voice"] = _("This is not a voice recording that can be played. Record it again.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().only("pk", "status").get(pk=meeting.pk)
        if not live_rules.can_ask(locked):
            raise ValidationError(_("Questions are taken while the meeting is in session."), code="not_in_session")
        delegation = None
        if how == "helper":
            delegation = delegation_use(
                helper=actor, villager=member.villager, scope=DelegationScope.MEETINGS, purpose=PURPOSE_QUESTION
            )
        number = (LiveQuestion.objects.filter(meeting_id=meeting.pk).aggregate(n=Max("number"))["n"] or 0) + 1
        question = LiveQuestion.objects.create(
            meeting_id=meeting.pk,
            number=number,
            member=member,
            asked_by=actor,
            delegation=delegation,
            kind=kind,
            text=text,
        )
        if voice_note is not None:
            question.voice.save(f"{question.public_id}.m4a", ContentFile(voice_note[0]), save=False)
            question.voice_seconds = voice_note[1]
            question.save(update_fields=["voice", "voice_seconds"])
        audit_record(
            actor=actor,
            action=MeetingEvent.LIVE_QUESTION,
            obj=question,
            region_code=meeting.region_code,
            on_behalf_of=member.villager if how == "helper" else None,
            after={
                "meeting": meeting.public_id,
                "number": number,
                "kind": kind,
                "voice_seconds": question.voice_seconds,
            },
        )
    return question


def question_handle(
    *, actor: User, question: LiveQuestion, status: str, outcome: str = "", now: dt.datetime | None = None
) -> LiveQuestion:
    """The chair marks a question answered, taken up or not taken up; the asker is told."""
    meeting = question.meeting
    if not live_rules.is_broadcaster(actor, meeting):
        raise PermissionDenied
    outcome = (outcome or "").strip()
    if status not in (QuestionStatus.ANSWERED, QuestionStatus.TAKEN_UP, QuestionStatus.NOT_TAKEN):
        raise ValidationError({"status": _("Choose answered, taken up or not taken up.")})
    if len(outcome) > 1000:
        raise ValidationError({"outcome": _("At most 1,000 characters.")})
    now = now or timezone.now()
    with transaction.atomic():
        locked = LiveQuestion.objects.select_for_update().get(pk=question.pk)
        before = locked.status
        locked.status, locked.outcome, locked.handled_by, locked.handled_at = status, outcome, actor, now
        locked.save(update_fields=["status", "outcome", "handled_by", "handled_at", "updated_at"])
        audit_record(
            actor=actor,
            action=MeetingEvent.LIVE_QUESTION_HANDLE,
            obj=locked,
            region_code=meeting.region_code,
            before={"status": before},
            after={"status": status},
        )
        recipients = {u for u in (locked.member.user_id, locked.asked_by_id) if u}
        if recipients:
            notice_send(
                kind="direct",
                user_ids=sorted(recipients),
                template="meetings_live_question",
                context={
                    "title": meeting.title,
                    "text": locked.text,
                    "outcome": outcome,
                    "status": status,
                },
                link=absolute_url(reverse("meetings:detail", args=[meeting.public_id])),
                sender=actor,
                region_code=meeting.region_code,
                about=meeting,
            )
    question.status, question.outcome, question.handled_at = locked.status, locked.outcome, locked.handled_at
    return question
