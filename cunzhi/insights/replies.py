"""Answers to the quarterly survey by text (registered in apps.py with notify.sms): a reply to the survey's
notice with seven numbers from 1 to 5 ("4532455" or "4 5 3 2 4 5 5"). Notify routes the reply here by the
notice's reply code without knowing what a survey is; the number must be the registered phone of someone
drawn for that notice (or reminded by it), and each person answers once."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from cunzhi.insights import services
from cunzhi.insights.models import SurveyChannel, SurveyInvite
from cunzhi.notify.sms import Handled, Incoming

SURVEY = services.SURVEY_REPLY


def survey(incoming: Incoming) -> Handled | None:
    notice = incoming.notice
    if notice is None or notice.reply_handler != SURVEY:
        return None
    # A household may share one phone: the first of its members drawn and not yet answered answers.
    invites = list(
        # The question or its reminder: both carry the survey's reply code.
        SurveyInvite.objects.filter(
            Q(notice=notice) | Q(reminder=notice), villager__in=[v.pk for v in incoming.villagers]
        ).order_by("pk")
    )
    if not invites:
        return Handled(SURVEY, _("Your number was not asked in this survey: nothing was recorded."))
    invite = next((i for i in invites if not i.answered), None)
    if invite is None:
        return Handled(SURVEY, _("You have already answered this quarter's survey. Thank you."))
    try:
        scores = services.survey_scores_parse(incoming.words)
        services.survey_answer(invite=invite, scores=list(scores), channel=SurveyChannel.SMS)
    except ValidationError as exc:
        return Handled(SURVEY, " ".join(exc.messages))
    return Handled(SURVEY, _("Thank you: your answer is counted, without your name."))
