"""The audit actions of voice, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class VoiceEvent(models.TextChoices):
    BROADCAST_MARK = "voice.broadcast", _("Loudspeaker broadcast recorded")
