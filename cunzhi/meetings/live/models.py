"""The live stream of a meeting, who watched it, and the remote members' questions (app label: meetings)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.models import TimeStamped, public_id


def stream_key() -> str:
    """The secret an RTMP encoder (a camera, OBS) publishes with: not guessable, shown to the chair only."""
    return secrets.token_urlsafe(18)


class StreamStatus(models.TextChoices):
    IDLE = "idle", pgettext_lazy("stream", "Not started")
    LIVE = "live", pgettext_lazy("stream", "Live")
    ENDING = "ending", pgettext_lazy("stream", "Ending: making the recording")
    ENDED = "ended", pgettext_lazy("stream", "Ended")


class LiveStream(TimeStamped):
    """One meeting's stream: made when the chair first starts it, one folder of chunks and HLS on disk."""

    meeting = models.OneToOneField("meetings.Meeting", on_delete=models.CASCADE, related_name="live_stream")
    status = models.CharField(max_length=10, choices=StreamStatus.choices, default=StreamStatus.IDLE)
    # A public stream is watched by anyone with the link; a closed one by members and their helpers.
    public = models.BooleanField(_("anyone may watch"), default=False)
    key = models.CharField(max_length=40, default=stream_key, unique=True, editable=False)
    take = models.PositiveIntegerField(default=0)  # the broadcaster's recorder starts, counted
    last_seq = models.IntegerField(default=-1)  # the highest sequence number received in the current take
    chunks = models.PositiveIntegerField(default=0)
    bytes_received = models.BigIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    recording = models.FileField(upload_to="meetings/live/", blank=True, max_length=200)
    recording_audio = models.FileField(upload_to="meetings/live/", blank=True, max_length=200)
    recording_seconds = models.PositiveIntegerField(default=0)
    # Set when the retention ran out and the files were removed (MEETINGS_LIVE_RETENTION_DAYS): the
    # minutes say the recording existed and when it was removed.
    recording_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("live stream")
        verbose_name_plural = _("live streams")

    def __str__(self):
        return f"{self.meeting_id} {self.status}"


class LiveView(models.Model):
    """A person identified by their login who watched the stream: reach, never attendance."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="live_views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        ordering = ["first_at", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="live_view_once")]


class QuestionKind(models.TextChoices):
    QUESTION = "question", pgettext_lazy("live", "Question")
    SUGGESTION = "suggestion", pgettext_lazy("live", "Suggestion")


class QuestionStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("question", "Waiting")
    ANSWERED = "answered", pgettext_lazy("question", "Answered")
    TAKEN_UP = "taken_up", pgettext_lazy("question", "Taken up")
    NOT_TAKEN = "not_taken", pgettext_lazy("question", "Not taken up")


class LiveQuestion(TimeStamped):
    """A remote member's question or suggestion during the meeting, with what the chair made of it."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="live_questions")
    number = models.PositiveIntegerField()
    member = models.ForeignKey("meetings.MeetingMember", on_delete=models.CASCADE, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    delegation = models.ForeignKey(
        "people.Delegation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionKind.choices, default=QuestionKind.QUESTION)
    text = models.TextField(_("your question or suggestion"), max_length=1000, blank=True)
    # A voice note (where the phone can record): kept as sent is not playable everywhere (Chrome records
    # WebM/Opus, Safari MP4/AAC), so it is stored as AAC in M4A, which every phone plays.
    voice = models.FileField(upload_to="meetings/live/voice/", blank=True, max_length=200)
    voice_seconds = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=QuestionStatus.choices, default=QuestionStatus.WAITING)
    outcome = models.TextField(_("outcome"), max_length=1000, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "number", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="live_question_number")]

    def __str__(self):
        return self.text[:50]
