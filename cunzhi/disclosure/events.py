"""The audit actions of disclosure, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class DisclosureEvent(models.TextChoices):
    DISCLOSURE_POST_CREATE = "disclosure.post.create", _("Post drafted")
    DISCLOSURE_POST_UPDATE = "disclosure.post.update", _("Post updated")
    DISCLOSURE_POST_SUBMIT = "disclosure.post.submit", _("Post submitted for review")
    DISCLOSURE_POST_APPROVE = "disclosure.post.approve", _("Post approved")
    DISCLOSURE_POST_RETURN = "disclosure.post.return", _("Post returned")
    DISCLOSURE_POST_PUBLISH = "disclosure.post.publish", _("Post published")
    DISCLOSURE_QUESTION_ASK = "disclosure.question.ask", _("Question asked")
    DISCLOSURE_QUESTION_ANSWER = "disclosure.question.answer", _("Question answered")
    DISCLOSURE_SCHEDULE_SET = "disclosure.schedule.set", _("Disclosure schedule set")
