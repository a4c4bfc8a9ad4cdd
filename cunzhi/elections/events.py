"""The audit actions of elections, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class ElectionEvent(models.TextChoices):
    CREATE = "elections.create", _("Election set up")
    COMMITTEE_ADD = "elections.committee.add", _("Election committee member recorded")
    COMMITTEE_LEAVE = "elections.committee.leave", _("Election committee member left")
    VOTER_ADD = "elections.voter.add", _("Voter registered")
    VOTER_REMOVE = "elections.voter.remove", _("Voter taken off the list")
    VOTER_RESTORE = "elections.voter.restore", _("Voter put back on the list")
    LIST_PUBLISH = "elections.list.publish", _("Voter list published")
    LIST_FINAL = "elections.list.final", _("Voter list made final")
    OBJECTION_RAISE = "elections.objection.raise", _("Objection to the voter list raised")
    OBJECTION_DECIDE = "elections.objection.decide", _("Objection to the voter list decided")
    PROXY_REGISTER = "elections.proxy.register", _("Proxy registered")
    PROXY_WITHDRAW = "elections.proxy.withdraw", _("Proxy withdrawn")
    NOMINATION_RECORD = "elections.nomination.record", _("Nomination slip recorded")
    CANDIDATES_FIX = "elections.candidates.fix", _("Formal candidates published")
    STATION_SET = "elections.station.set", _("Polling station set up")
    COUNT_ENTER = "elections.count.enter", _("Count entered")
    COUNT_ACCEPT = "elections.count.accept", _("Station count accepted")
    RESULT = "elections.result", _("Result computed")
    ANNOUNCE = "elections.announce", _("Result announced")
    ARCHIVE = "elections.archive", _("Election archived")
    RECALL_PROPOSE = "elections.recall.propose", _("Recall proposed")
    RECALL_ANSWER = "elections.recall.answer", _("Member answered the recall")
    RECALL_VOTE = "elections.recall.vote", _("Recall voted on")
    HANDOVER = "elections.handover", _("Handover to the new committee recorded")
    KIN_DECLARE = "elections.kin.declare", _("Near relatives declared")
    KIN_WITHDRAW = "elections.kin.withdraw", _("Declared near relatives withdrawn")
    SUPERVISION_ADD = "elections.supervision.add", _("Supervision committee member recorded")
    SUPERVISION_LEAVE = "elections.supervision.leave", _("Supervision committee member left")
    APPRAISAL = "elections.appraisal", _("Democratic appraisal recorded")
    AUDIT = "elections.audit", _("Economic audit of a member recorded")
    AWAY_ASK = "elections.away.ask", _("Voters living away asked whether they wish to vote")
    AWAY_ANSWER = "elections.away.answer", _("A voter living away answered")
