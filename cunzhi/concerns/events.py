"""The audit actions of concerns, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class ConcernEvent(models.TextChoices):
    SUBMIT = "concern.submit", _("Raised")
    ACKNOWLEDGE = "concern.acknowledge", _("Acknowledged")
    ANSWER = "concern.answer", _("Answered")
    TRANSFER = "concern.transfer", _("Transferred")
    HAND_TO_ORG = "concern.hand_to_org", _("Handed to a village organisation")
    ORG_WORK = "concern.org_work", _("A village organisation recorded its work")
    CONFIRM = "concern.confirm", _("Confirmed resolved and rated")
    REOPEN = "concern.reopen", _("Reopened: not resolved")
    ME_TOO = "concern.me_too", _("Another villager said “me too”")
    MERGE = "concern.merge", _("Merged into another concern")
    MERGED_IN = "concern.merged_in", _("Another concern was merged into this one")
    OVERDUE = "concern.overdue", _("Late: the person responsible was reminded")
    ESCALATE = "concern.escalate", _("Late: escalated")
    CLOSE_UNRATED = "concern.close_unrated", _("Closed without rating: no answer from the villager in time")
    CATEGORY_SAVE = "concern_category.save", _("Concern category saved")
    RULE_SAVE = "concern_rule.save", _("Routing rule saved")
    RULE_DELETE = "concern_rule.delete", _("Routing rule deleted")
    OPEN311_KEY_ISSUE = "open311_key.issue", _("Open311 key issued")
    OPEN311_KEY_REVOKE = "open311_key.revoke", _("Open311 key revoked")
