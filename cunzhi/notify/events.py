"""The audit actions of notify, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class NotifyEvent(models.TextChoices):
    NOTICE_SEND = "notice.send", _("Notice sent")
    NOTICE_RESEND = "notice.resend", _("Notice sent again")
    NOTIFY_PREFERENCE = "notify.preference", _("Notification preferences changed")
    DOOR_VISIT = "notice.door_visit", _("Door-to-door round recorded")
    SMS_CONSENT = "notify.sms_consent", _("Consent to texts recorded in person")
