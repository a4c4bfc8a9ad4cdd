""" "CX" + number by text (registered in apps.py with notify.sms; docs/sms.md): the status of one's own
application, in one SMS segment. A number that is not the sender's application is left to notify's
single answer, so a phone cannot tell another person's case from a number never used."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cunzhi.notify.sms import Handled, Incoming, status_query

from .models import Application, Status

STATUS = "applications.status"


def _number(raw: str) -> str:
    """The application number as printed (YYYYMMDD-NNNNNN), also when typed without the dash."""
    digits = raw.replace("-", "")
    return f"{digits[:8]}-{digits[8:]}" if len(digits) == 14 and digits.isdigit() else raw


def status_answer(application: Application) -> str:
    """The SMS answer for the applicant (≤ 70 characters in every language)."""
    words = {
        Status.SUBMITTED: pgettext("application sms", "waiting for acceptance"),
        Status.RETURNED: pgettext("application sms", "returned: please correct it"),
        Status.IN_REVIEW: pgettext("application sms", "in review"),
        Status.APPROVED: pgettext("application sms", "approved"),
        Status.REJECTED: pgettext("application sms", "rejected"),
        Status.TERMINATED: pgettext("application sms", "terminated"),
    }
    values = {
        "number": application.number,
        "status": words.get(Status(application.status), application.get_status_display()),
    }
    if application.status == Status.IN_REVIEW and application.conditional and application.supply_due_at:
        values["date"] = timezone.localtime(application.supply_due_at).strftime("%m-%d")
        return _("Application %(number)s: %(status)s. Materials due %(date)s.") % values
    return _("Application %(number)s: %(status)s.") % values


def status(incoming: Incoming) -> Handled | None:
    number = status_query(incoming.words)
    if not number:
        return None
    application = Application.objects.select_related("villager__user").filter(number=_number(number)).first()
    if application is None:
        return None
    villager, phone = application.villager, incoming.sms.sender
    if not phone or not (villager.phone == phone or (villager.user is not None and villager.user.phone == phone)):
        return None
    return Handled(STATUS, status_answer(application))
