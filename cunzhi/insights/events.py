"""The audit actions of insights, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class InsightsEvent(models.TextChoices):
    # That the person answered, never what: the answer itself is kept without a name.
    SURVEY_ANSWER = "insights.survey_answer", _("Quarterly survey answered")
    PROBLEM_PICK = "insights.problem_pick", _("Problem of the month chosen")
