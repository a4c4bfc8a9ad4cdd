"""Training sessions a village holds, and who attended (checked in at the desk as at meetings)."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.models import TimeStamped, public_id
from cunzhi.learning import lessons
from cunzhi.regions.models import Region

# Issue 15: whether a trained villager did the task themselves within 90 days of the session.
OUTCOME_DAYS = 90


class TrainerKind(models.TextChoices):
    CADRE = "cadre", _("Village cadre")
    GRID_WORKER = "grid_worker", _("Grid worker")
    VOLUNTEER = "volunteer", _("Volunteer")


class TrainingSession(TimeStamped):
    """A training session held in a village on one day, on one lesson's task."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    date = models.DateField(_("date"))
    # The hour it starts (and, if known, ends), local time. Sessions recorded before the hour was asked
    # have none: their outcome window starts at the start of their day.
    start_time = models.TimeField(_("starts at"), null=True, blank=True)
    end_time = models.TimeField(_("ends at"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=20, choices=lessons.choices())
    trainer_kind = models.CharField(_("trainer is a"), max_length=20, choices=TrainerKind.choices)
    trainer_name = models.CharField(_("trainer"), max_length=50)
    place = models.CharField(pgettext_lazy("training", "place"), max_length=100, blank=True)
    # The outcome window, stored when the session is recorded (deadlines are data): from its start (local
    # time) to OUTCOME_DAYS later; a task the attendee then does alone counts (selectors). A task done
    # earlier the same day, before the session began, does not.
    starts_at = models.DateTimeField(editable=False)
    outcome_until = models.DateTimeField(editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        indexes = [models.Index(fields=["region_code", "date"], name="learning_session_village_day")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.date} {self.topic}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.region_code = self.village.code
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.starts_at = dt.datetime.combine(self.date, self.start_time or dt.time.min, tzinfo=zone)
        self.outcome_until = self.starts_at + dt.timedelta(days=OUTCOME_DAYS)
        super().save(*args, **kwargs)

    @property
    def hours(self) -> str:
        """When it is held, local time: "09:00–11:00", "09:00", or "" for sessions recorded without."""
        if self.start_time is None:
            return ""
        start = self.start_time.strftime("%H:%M")
        return f"{start}–{self.end_time.strftime('%H:%M')}" if self.end_time else start

    @property
    def lesson(self) -> lessons.Lesson | None:
        return lessons.lesson(self.topic)


class TrainingAttendance(models.Model):
    """One villager checked in at a session: by name or pinyin at the desk, or by their code."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendances")
    villager = models.ForeignKey("people.Villager", on_delete=models.PROTECT, related_name="+")
    # Copy of the session's village code: the figures group attendances by region without a join.
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    by_code = models.BooleanField(default=False)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "villager"], name="learning_attendance_once")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.villager_id}"
