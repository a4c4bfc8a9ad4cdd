"""Live stream endpoints: the stream's state (with playlist links for those who may watch), start and
stop for the broadcaster, the questions of remote members and the chair's marks, the meeting's reach.

Who sees what follows the pages: a meeting outside the caller's reach is 404; the broadcaster's
actions are 403 for anyone else; a closed stream gives playlist links only to members, their helpers
and the broadcasters. Chunks are sent to the page's address (`/meetings/<id>/stream/chunk/`), not
here: they are binary bodies, not JSON.
"""

import base64
import binascii
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from cunzhi.core.apikit.errors import OBJECT_ERRORS, ErrorOut, ValidationErrorOut
from cunzhi.meetings import rules as meeting_rules
from cunzhi.meetings import selectors as meeting_selectors
from cunzhi.meetings.live import links, selectors, services
from cunzhi.meetings.live import rules as live_rules
from cunzhi.meetings.live.models import LiveQuestion, QuestionKind
from cunzhi.meetings.models import Meeting, MeetingMember
from cunzhi.people.actors import UserRequest

router = Router(tags=["meetings"])
WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class LiveStreamOut(Schema):
    status: str
    status_label: str
    public: bool
    take: int
    last_seq: int
    chunks: int
    recording: bool
    recording_audio: bool
    recording_seconds: int
    recording_removed_at: dt.datetime | None = None
    recording_kept_until: dt.datetime | None = None
    broadcaster: bool
    master_url: str = ""
    video_url: str = ""
    audio_url: str = ""


class LiveQuestionIn(Schema):
    text: str = Field("", max_length=4000)
    kind: str = QuestionKind.QUESTION
    member_id: int | None = None
    # A voice note (WebM/Opus, Ogg/Opus or MP4/AAC as the phone records it), base64: stored as M4A.
    voice_base64: str = Field("", max_length=6 * 1024 * 1024)


class LiveQuestionMarkIn(Schema):
    status: str
    outcome: str = Field("", max_length=4000)


class LiveQuestionOut(Schema):
    id: str = Field(alias="public_id")
    number: int
    member_name: str
    kind: str
    text: str
    status: str
    status_label: str
    outcome: str
    created_at: dt.datetime
    handled_at: dt.datetime | None
    voice_seconds: int
    voice_url: str = ""

    @staticmethod
    def resolve_voice_url(obj: LiveQuestion) -> str:
        if not obj.voice:
            return ""
        return reverse("meetings:live_voice", args=[obj.meeting.public_id, obj.public_id])

    @staticmethod
    def resolve_member_name(obj: LiveQuestion) -> str:
        return obj.member.name

    @staticmethod
    def resolve_status_label(obj: LiveQuestion) -> str:
        return str(obj.get_status_display())


class LiveReachOut(Schema):
    members: int
    watched: int
    asked: int
    viewers: int
    questions: int
    waiting: int
    taken_up: int


def _meeting(request: UserRequest, public_id: str) -> Meeting:
    try:
        meeting = meeting_selectors.meeting_get(public_id=public_id)
    except Meeting.DoesNotExist:
        raise Http404 from None
    if not meeting_rules.can_view(request.user, meeting):
        raise Http404
    return meeting


def _state(request: UserRequest, meeting: Meeting) -> dict[str, Any]:
    stream = selectors.stream_get(meeting=meeting)
    state: dict[str, Any] = {
        **selectors.stream_state(meeting=meeting, stream=stream),
        "broadcaster": live_rules.is_broadcaster(request.user, meeting),
    }
    if live_rules.can_watch(request.user, meeting, stream):
        token = links.playlist_token(meeting.pk, links.reader_of(request.user))
        base = reverse("meetings:live_master", args=[meeting.public_id]).rsplit("/", 1)[0]
        state |= {
            "master_url": f"{base}/master.m3u8?t={token}",
            "video_url": f"{base}/v/index.m3u8?t={token}",
            "audio_url": f"{base}/a/index.m3u8?t={token}",
        }
    return state


@router.get("/meetings/{public_id}/stream", response={200: LiveStreamOut, **OBJECT_ERRORS})
def live_stream(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, Any]:
    """The stream's state; playlist links (signed for the caller) for those who may watch."""
    return _state(request, _meeting(request, public_id))


@router.post("/meetings/{public_id}/stream/start", response={200: LiveStreamOut, **WRITE_ERRORS})
def live_stream_start(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, Any]:
    """Start (or start again) the stream: a new take whose chunks are numbered from 0."""
    meeting = _meeting(request, public_id)
    services.live_start(actor=request.user, meeting=meeting)
    return _state(request, meeting)


@router.post("/meetings/{public_id}/stream/stop", response={200: LiveStreamOut, **WRITE_ERRORS})
def live_stream_stop(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, Any]:
    """Stop the stream; the recording is made once the transcoder has drained."""
    meeting = _meeting(request, public_id)
    services.live_stop(actor=request.user, meeting=meeting)
    return _state(request, meeting)


@router.get("/meetings/{public_id}/stream/reach", response={200: LiveReachOut, **OBJECT_ERRORS})
def live_reach(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, int]:
    """How many members followed the stream and how many asked (over all members): chair and secretary."""
    meeting = _meeting(request, public_id)
    if not meeting_rules.can_write_minutes(request.user, meeting):
        raise PermissionDenied
    return selectors.reach(meeting=meeting)


@router.get("/meetings/{public_id}/questions", response={200: list[LiveQuestionOut], **OBJECT_ERRORS})
def live_questions(request: UserRequest, public_id: str = Path(..., max_length=16)) -> list[LiveQuestion]:
    """Every question in order for the chair and secretary; one's own questions for anyone else."""
    meeting = _meeting(request, public_id)
    if live_rules.is_broadcaster(request.user, meeting):
        return list(selectors.questions_of(meeting=meeting))
    return list(selectors.questions_mine(meeting=meeting, user=request.user))


@router.post("/meetings/{public_id}/questions", response={201: LiveQuestionOut, **WRITE_ERRORS})
def live_question_ask(request: UserRequest, data: LiveQuestionIn, public_id: str = Path(..., max_length=16)) -> Status:
    """A member (or their helper, `member_id`) sends a question or suggestion while the meeting sits."""
    meeting = _meeting(request, public_id)
    if data.member_id is None:
        member = MeetingMember.objects.filter(meeting=meeting, user_id=request.user.pk).first()
    else:
        member = MeetingMember.objects.filter(meeting=meeting, pk=data.member_id).first()
    if member is None:
        raise PermissionDenied
    voice = None
    if data.voice_base64:
        try:
            voice = base64.b64decode(data.voice_base64, validate=True)
        except (binascii.Error, ValueError):
            refused = _("This is not a voice recording that can be played. Record it again.")
            raise ValidationError({"voice": refused}) from None
    question = services.question_ask(
        actor=request.user, meeting=meeting, member=member, text=data.text, kind=data.kind, voice=voice
    )
    question.member = member
    return Status(201, question)


@router.post("/meetings/{public_id}/questions/{question_id}/mark", response={200: LiveQuestionOut, **WRITE_ERRORS})
def live_question_mark(
    request: UserRequest,
    data: LiveQuestionMarkIn,
    public_id: str = Path(..., max_length=16),
    question_id: str = Path(..., max_length=16),
) -> LiveQuestion:
    """The chair marks a question answered, taken up or not taken up; the asker is told."""
    meeting = _meeting(request, public_id)
    question = LiveQuestion.objects.filter(meeting=meeting, public_id=question_id).select_related("member").first()
    if question is None:
        raise Http404
    question.meeting = meeting
    return services.question_handle(actor=request.user, question=question, status=data.status, outcome=data.outcome)
