"""The audit actions of learning, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class LearningEvent(models.TextChoices):
    SESSION_RECORD = "learning_session.record", _("Training session recorded")
    ATTENDANCE_CHECK_IN = "learning_session.check_in", _("Attendee checked in at a training session")
