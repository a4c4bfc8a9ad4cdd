"""The audit actions of consultations, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class ConsultationEvent(models.TextChoices):
    CONSULTATION_CREATE = "consultation.create", _("Consultation created")
    CONSULTATION_UPDATE = "consultation.update", _("Consultation updated")
    CONSULTATION_PUBLISH = "consultation.publish", _("Consultation published")
    CONSULTATION_OPEN = "consultation.open", _("Opened for comments")
    CONSULTATION_CLOSE = "consultation.close", _("Closed for comments")
    CONSULTATION_COMMENT = "consultation.comment", _("Comment")
    CONSULTATION_REPLY = "consultation.reply", _("Reply")
    CONSULTATION_STANCE = "consultation.stance", _("Stance")
    CONSULTATION_COMMENT_HIDE = "consultation.comment_hide", _("Comment hidden")
    CONSULTATION_COMMENT_RESTORE = "consultation.comment_restore", _("Comment restored")
    CONSULTATION_OUTCOME = "consultation.outcome", _("Outcome recorded")
    CONSULTATION_REPORT_PUBLISH = "consultation.report_publish", _("Feedback report published")
    CONSULTATION_ADOPT = "consultation.adopt", _("Adopted")
    CONSULTATION_FILE = "consultation.file", _("Filed with the township")
    CONSULTATION_ADOPTION_PUBLISH = "consultation.adoption_publish", _("Adoption published")
    CONSULTATION_FILING_ACKNOWLEDGE = "consultation.filing_acknowledge", _("Filing acknowledged")
