"""The audit action of the demo county (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class DemoEvent(models.TextChoices):
    DEMO_SEED = "demo.seed", _("Demo county built")
