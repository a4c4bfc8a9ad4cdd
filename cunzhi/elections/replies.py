"""Replies by text from voters living away (art. 13): "1" I wish to vote, "2" I do not — to the text that
services.away_ask sends. Only the registered number counts, and only for the question it answers (the reply
code names the election's notice); a household sharing a phone answers for each voter living away on it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cunzhi.elections import services
from cunzhi.elections.models import Basis, Election
from cunzhi.notify.sms import Handled, Incoming

AWAY = services.AWAY_REPLY
ANSWERS = {"1": True, "2": False}


def away(incoming: Incoming) -> Handled | None:
    notice = incoming.notice
    if notice is None or notice.reply_handler != AWAY:
        return None
    election = Election.objects.filter(away_notice=notice).first()
    voters = (
        list(
            election.voters.filter(
                villager__in=[v.pk for v in incoming.villagers], basis=Basis.AWAY, active=True
            ).select_related("villager", "election")
        )
        if election is not None
        else []
    )
    if election is None or not voters:
        return Handled(AWAY, _("Your number is not registered for a voter living away: nothing was recorded."))
    wishes = ANSWERS.get(incoming.words)
    if wishes is None:
        return Handled(AWAY, _("Reply 1 if you wish to vote, 2 if not."))
    names = []
    try:
        for voter in voters:
            services.away_answer(voter=voter, wishes=wishes, via="sms", actor=None)
            names.append(voter.villager.name)
    except ValidationError as exc:
        return Handled(AWAY, exc.messages[0])
    text = (
        _("Recorded for %(names)s: you wish to vote on %(day)s.")
        if wishes
        else _("Recorded for %(names)s: you do not wish to vote.")
    )
    return Handled(AWAY, text % {"names": "、".join(names), "day": election.election_day.isoformat()})
