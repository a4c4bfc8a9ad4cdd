"""Base model and the audit trail shared by every domain."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def public_id() -> str:
    """A short random identifier for URLs, so record counts and neighbours cannot be guessed."""
    return secrets.token_urlsafe(9)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One row per state change: who, acting for whom, what, when, before -> after."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The villager a helper acted for under a delegation (people.Villager), if any.
    on_behalf_of = models.ForeignKey(
        "people.Villager", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    # Village (or wider) region code the object belongs to, for scoped timelines and roll-ups.
    region_code = models.CharField(max_length=15, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class JobRun(models.Model):
    """One run of a periodic job in one time slot; unique, so several schedulers never run a slot twice."""

    name = models.CharField(max_length=100)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True)
    error = models.TextField(blank=True)
    result = models.CharField(max_length=200, blank=True)

    class Meta:
        # The table keeps the name it had when the scheduler lived in notify (moved by state only).
        db_table = "notify_jobrun"
        ordering = ["-slot", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="jobrun_unique_slot")]
        indexes = [models.Index(fields=["name", "ok", "-finished_at"], name="jobrun_last_ok")]

    def __str__(self) -> str:
        return f"{self.name}@{self.slot:%Y-%m-%d %H:%M}"
