"""The audit actions of organisations, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class OrgEvent(models.TextChoices):
    ORG_CREATE = "organisations.create", _("Organisation registered")
    MEMBER_ADD = "organisations.member.add", _("Member added to an organisation")
    MEMBER_REMOVE = "organisations.member.remove", _("Member removed from an organisation")
    CONTACT = "organisations.contact", _("Message sent to an organisation")
    ACTIVITY_CREATE = "organisations.activity.create", _("Activity posted")
    ACTIVITY_CANCEL = "organisations.activity.cancel", _("Activity cancelled")
    SIGN_UP = "organisations.signup", _("Signed up for an activity")
    WITHDRAW = "organisations.withdraw", _("Withdrew from an activity")
    CHECK_IN = "organisations.checkin", _("Checked in at an activity")
    HOURS_CONFIRM = "organisations.hours", _("Activity hours confirmed")
    HAND = "organisations.handover", _("Concern handed to an organisation")
    HAND_WORK = "organisations.handover.work", _("Organisation recorded work on a concern")
    HAND_ANSWER = "organisations.handover.answer", _("Organisation answered a concern")
