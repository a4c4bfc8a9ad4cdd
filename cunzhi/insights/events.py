"""The audit actions of insights, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class InsightsEvent(models.TextChoices):
    # That the person answered, never what: the answer itself is kept without a name.
    SURVEY_ANSWER = "insights.survey_answer", _("Quarterly survey answered")
    # Who was reminded is on the notice; the audit row says how many, in which village, and who asked for it.
    SURVEY_REMIND = "insights.survey_remind", _("Survey reminder sent to those who had not answered")
    PROBLEM_PICK = "insights.problem_pick", _("Problem of the month chosen")
