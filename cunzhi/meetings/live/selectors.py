"""Reads of the live stream: its state for the page and the API, the questions, and the meeting's reach."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from cunzhi.meetings.live.models import LiveQuestion, LiveStream, LiveView, QuestionStatus, StreamStatus
from cunzhi.meetings.models import Meeting, MeetingMember
from cunzhi.people.actors import AnyUser


def stream_get(*, meeting: Meeting) -> LiveStream | None:
    return LiveStream.objects.filter(meeting=meeting).first()


def questions_of(*, meeting: Meeting) -> QuerySet[LiveQuestion]:
    """Every question of the meeting in the order it arrived, with its member (one query)."""
    return LiveQuestion.objects.filter(meeting=meeting).select_related("member", "meeting").order_by("number")


def recording_kept_until(stream: LiveStream | None) -> dt.datetime | None:
    """When the recording goes (MEETINGS_LIVE_RETENTION_DAYS after the stream ended); None: kept for good,
    not ended, or already removed."""
    days = settings.MEETINGS_LIVE_RETENTION_DAYS
    if stream is None or days <= 0 or stream.ended_at is None or stream.recording_removed_at is not None:
        return None
    return stream.ended_at + dt.timedelta(days=days)


def questions_mine(*, meeting: Meeting, user: AnyUser) -> QuerySet[LiveQuestion]:
    """The questions this user sent, for themself or a member they help."""
    if not getattr(user, "is_authenticated", False):
        return LiveQuestion.objects.none()
    return questions_of(meeting=meeting).filter(asked_by_id=user.pk)


def reach(*, meeting: Meeting) -> dict[str, int]:
    """How many members followed the stream (by their own login) and how many asked, over all members.

    Reach, not attendance: attendance is the identified check-in (quorum), counted elsewhere."""
    members = MeetingMember.objects.filter(meeting=meeting)
    watchers = LiveView.objects.filter(meeting=meeting).values("user_id")
    askers = LiveQuestion.objects.filter(meeting=meeting).values("member_id")
    counts = members.aggregate(
        members=Count("id"),
        watched=Count("id", filter=Q(user_id__in=watchers)),
        asked=Count("id", filter=Q(id__in=askers)),
    )
    questions = LiveQuestion.objects.filter(meeting=meeting).aggregate(
        questions=Count("id"),
        waiting=Count("id", filter=Q(status=QuestionStatus.WAITING)),
        taken_up=Count("id", filter=Q(status=QuestionStatus.TAKEN_UP)),
    )
    viewers = LiveView.objects.filter(meeting=meeting).count()
    return {**{k: v or 0 for k, v in counts.items()}, **questions, "viewers": viewers}


def stream_state(*, meeting: Meeting, stream: LiveStream | None) -> dict[str, Any]:
    """What a page or an API client needs to know of the stream (no secret in it)."""
    if stream is None:
        return {
            "status": StreamStatus.IDLE.value,
            "status_label": str(StreamStatus.IDLE.label),
            "public": False,
            "take": 0,
            "last_seq": -1,
            "chunks": 0,
            "recording": False,
            "recording_audio": False,
            "recording_seconds": 0,
            "recording_removed_at": None,
            "recording_kept_until": None,
        }
    return {
        "status": stream.status,
        "status_label": str(stream.get_status_display()),
        "public": stream.public,
        "take": stream.take,
        "last_seq": stream.last_seq,
        "chunks": stream.chunks,
        "recording": bool(stream.recording),
        "recording_audio": bool(stream.recording_audio),
        "recording_seconds": stream.recording_seconds,
        "recording_removed_at": stream.recording_removed_at,
        "recording_kept_until": recording_kept_until(stream),
    }
