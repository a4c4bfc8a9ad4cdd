"""Replies by text to an activity's notice (registered in apps.py with notify.sms; docs/sms.md): "1" signs up,
"2" withdraws — for the member the sending number is registered to (each member sharing the number)."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from cunzhi.core.text import join_list
from cunzhi.notify.sms import Handled, Incoming
from cunzhi.people.models import Villager

from . import rules, services
from .models import Activity, Participant, SignUpVia

SIGN_UP = services.SIGN_UP_REPLY


def sign_up(incoming: Incoming) -> Handled | None:
    notice = incoming.notice
    if notice is None or notice.reply_handler != SIGN_UP:
        return None
    activity = Activity.objects.filter(notice=notice).select_related("organisation__region").first()
    phone = incoming.sms.sender
    people: list[Villager] = []
    if activity is not None and phone:
        people = [
            v
            for v in Villager.objects.filter(Q(pk__in=[v.pk for v in incoming.villagers]) | Q(user__phone=phone))
            if rules.in_area(v, activity.organisation)
        ]
    if activity is None or not people:
        return Handled(
            SIGN_UP, _("Your number is not registered for a villager this activity is for: nothing was recorded.")
        )
    words = incoming.words
    if words not in ("1", "2"):
        return Handled(SIGN_UP, _("Reply 1 to sign up, 2 to withdraw."))
    done: list[str] = []
    for villager in people:
        try:
            if words == "1":
                services.sign_up(activity=activity, villager=villager, actor=None, via=SignUpVia.SMS)
            else:
                for p in Participant.objects.filter(activity=activity, villager=villager, withdrawn_at__isnull=True):
                    services.withdraw(participant=p, actor=None, by_sms=True)
        except ValidationError as exc:
            return Handled(SIGN_UP, exc.messages[0])
        done.append(villager.name)
    if words == "1":
        text = _("Signed up for %(title)s: %(names)s. Reply 2 to withdraw.")
    else:
        text = _("Withdrawn from %(title)s: %(names)s.")
    return Handled(SIGN_UP, text % {"title": activity.title, "names": join_list(done)})
