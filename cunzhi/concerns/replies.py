"""Texts from phones that concerns answer (registered in apps.py with notify.sms; docs/sms.md):

- a reply to the notice of an answer rates it: 1 satisfied, 2 basically satisfied, 3 unsatisfied, 0 not
  resolved (reopen); only from the number registered to the concern's villager;
- "CX" + number: the status of one's own concern, in one SMS segment;
- any other words from a number registered in exactly one village: a new concern there (first contact),
  its number sent back. Registered as a fallback, after every specific handler.

Each runs inside the transaction notify.sms gives it; a repeated hand-over by the gateway never reaches
a handler twice (notify.sms keeps one row per gateway message id).
"""

import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cunzhi.notify.sms import Handled, Incoming, status_query
from cunzhi.people.models import User, Villager

from . import services
from .models import Category, Concern, Kind, Rating, Status

RATE = "concerns.rate"
RATINGS = {"1": Rating.SATISFIED, "2": Rating.BASICALLY, "3": Rating.UNSATISFIED}
_REPLY = re.compile(r"^([0-3])(?:\s+(.*))?$", re.DOTALL)  # "1", or "1 修得很好" with a comment


def _texted_by(incoming: Incoming, concern: Concern) -> Villager | None:
    """The concern's villager, if the text came from the number registered to them (on the roster or
    on their account); None for any other phone."""
    villager = concern.villager
    phone = incoming.sms.sender
    if villager is None or not phone:
        return None
    if villager.phone == phone or (villager.user is not None and villager.user.phone == phone):
        return villager
    return None


def rate(incoming: Incoming) -> Handled | None:
    """A reply to the notice of an answer: rate it, or reopen the concern."""
    notice = incoming.notice
    if notice is None or notice.reply_handler != RATE:
        return None
    concern = (
        # Locked: two texts at once ("1" and "0") must not both act on an answered concern.
        Concern.objects.select_for_update(of=("self",))
        .select_related("villager__user", "category", "owner")
        .filter(pk=notice.about_id)
        .first()
        if notice.about_type == "concerns.concern" and notice.about_id is not None
        else None
    )
    villager = _texted_by(incoming, concern) if concern is not None else None
    if concern is None or villager is None:
        # Someone else's phone (a neighbour who said "me too" is told of the answer too): the same words
        # whether or not the code names a concern, and nothing changes.
        return Handled(RATE, _("Only the villager who raised this concern can rate it, from their registered number."))
    if concern.status != Status.ANSWERED:
        return Handled(
            RATE,
            _("Concern %(number)s is not waiting for your rating (now: %(status)s).")
            % {"number": concern.number, "status": concern.get_status_display()},
        )
    m = _REPLY.match(incoming.words)
    if m is None:
        return Handled(RATE, _("Reply 1 satisfied, 2 basically satisfied, 3 unsatisfied, 0 not resolved."))
    digit, comment = m.group(1), (m.group(2) or "").strip()[:300]
    if digit == "0":
        reason = comment or _("Not resolved (replied 0 by text message).")
        services.concern_reopen(actor=villager.user, concern=concern, reason=reason, texted_by=villager)
        return Handled(
            RATE,
            _("Concern %(number)s is reopened: it will be answered again.") % {"number": concern.number},
        )
    rating = RATINGS[digit]
    services.concern_confirm(actor=villager.user, concern=concern, rating=rating, comment=comment, texted_by=villager)
    return Handled(
        RATE,
        _("Thank you. Concern %(number)s is closed, rated: %(rating)s.")
        % {"number": concern.number, "rating": Rating(rating).label},
    )


# What a status answer says for each status, short enough for one SMS segment with the number.
def _status_words(concern: Concern) -> str:
    words = {
        Status.OPEN: pgettext("concern sms", "received, waiting to be taken up"),
        Status.ACKNOWLEDGED: pgettext("concern sms", "being handled"),
        Status.ANSWERED: pgettext("concern sms", "answered, waiting for your rating"),
        Status.REOPENED: pgettext("concern sms", "reopened, handled again"),
        Status.RESOLVED: pgettext("concern sms", "resolved"),
        Status.CLOSED_UNRATED: pgettext("concern sms", "closed without rating"),
        Status.MERGED: pgettext("concern sms", "merged into another concern"),
    }
    return str(words.get(Status(concern.status), concern.get_status_display()))


def status_answer(concern: Concern) -> str:
    """The SMS answer to "CX <number>" for the concern's own villager (≤ 70 characters)."""
    values = {"number": concern.number, "status": _status_words(concern)}
    if concern.status in (Status.ACKNOWLEDGED, Status.REOPENED) and concern.answer_due_at:
        values["date"] = timezone.localtime(concern.answer_due_at).strftime("%m-%d")
        return _("Concern %(number)s: %(status)s. Answer by %(date)s.") % values
    return _("Concern %(number)s: %(status)s.") % values


def status(incoming: Incoming) -> Handled | None:
    """ "CX <number>": one's own concern only; any other number is left to notify's single answer."""
    number = status_query(incoming.words)
    if not number:
        return None
    concern = Concern.objects.select_related("villager__user").filter(number=number).first()
    if concern is None or _texted_by(incoming, concern) is None:
        return None
    return Handled("concerns.status", status_answer(concern))


def _only_words(text: str) -> bool:
    """True when the text says something: letters or characters, not only digits and signs ("1", "?")."""
    return any(ch.isalpha() for ch in text)


def free_text(incoming: Incoming) -> Handled | None:
    """Words from a number registered in exactly one village become a concern there, for staff to triage."""
    if incoming.notice is not None or not incoming.villagers or not _only_words(incoming.words):
        # A reply to a notice its handler did not take, an unknown number, a bare "1": staff read it.
        return None
    villages = {v.region_code[:12] for v in incoming.villagers}
    if len(villages) != 1:
        return None  # a number registered in two villages: which village's matter it is, staff decide
    category = Category.objects.filter(code=settings.CONCERNS_SMS_CATEGORY, active=True).first()
    if category is None:
        return None
    # A household may share one phone: the concern is of the one with an account (who can follow it
    # online), else of the first registered.
    villager = min(incoming.villagers, key=lambda v: (v.user_id is None, v.pk))
    concern = services.concern_submit(
        actor=villager.user,
        channel=services.Channel.SMS,
        category=category,
        kind=Kind.REPORT,
        text=incoming.sms.text[: services.MAX_TEXT].strip(),
        texted_by=villager,
        # Whether someone else may have sent it: the number is registered to another villager too, or is
        # another account's (a helper's own phone on the elder's roster line). Learning then does not
        # count it as the villager's own text.
        number_shared=len(incoming.villagers) > 1
        or User.objects.filter(phone=incoming.sms.sender).exclude(villager=villager).exists(),
        is_public=False,  # the sender chose nothing: a text stays between them and the staff
        source=f"sms:{incoming.sms.pk}",
    )
    return Handled(
        "concerns.new",
        _("Received as concern %(number)s. Staff will call you about the place. Reply CX %(number)s for its status.")
        % {"number": concern.number},
    )
