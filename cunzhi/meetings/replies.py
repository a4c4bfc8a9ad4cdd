"""Replies by text to a meeting notice (registered in apps.py with notify.sms; docs/sms.md): "1" will
attend, "2" will attend remotely, "3" cannot attend — recorded on the member the sending number is
registered to. An answer, not a vote: binding votes are never taken by text (ballot secrecy and who
is voting cannot be proven over SMS)."""

from django.db.models import Q
from django.utils.translation import gettext as _

from cunzhi.core.text import join_list
from cunzhi.notify.sms import Handled, Incoming

from . import services
from .models import Meeting, MeetingMember, MeetingStatus, Rsvp

RSVP = "meetings.rsvp"
ANSWERS = {"1": Rsvp.ATTEND, "2": Rsvp.REMOTE, "3": Rsvp.ABSENT}


def rsvp(incoming: Incoming) -> Handled | None:
    notice = incoming.notice
    if notice is None or notice.reply_handler != RSVP:
        return None
    meeting = Meeting.objects.filter(notice=notice).first()
    phone = incoming.sms.sender
    members = (
        list(
            MeetingMember.objects.filter(
                Q(villager__in=[v.pk for v in incoming.villagers]) | Q(villager__user__phone=phone), meeting=meeting
            ).select_related("villager")
        )
        if meeting is not None and phone
        else []
    )
    if meeting is None or not members:
        return Handled(RSVP, _("Your number is not registered for a member of this meeting: nothing was recorded."))
    if meeting.status != MeetingStatus.NOTICED:
        return Handled(
            RSVP,
            _("This meeting no longer takes answers (%(status)s).") % {"status": meeting.get_status_display()},
        )
    answer = ANSWERS.get(incoming.words)
    if answer is None:
        return Handled(
            RSVP, _("Reply 1 will attend, 2 will attend remotely, 3 cannot attend. Votes are not taken by text.")
        )
    # A household sharing one phone: the answer is recorded for each member registered with it.
    for member in members:
        services.member_rsvp(actor=None, meeting=meeting, member=member, answer=answer, texted_by=member.villager)
    return Handled(
        RSVP,
        _("Recorded for %(names)s: %(answer)s. Reply again to change it.")
        % {"names": join_list(m.name for m in members), "answer": Rsvp(answer).label},
    )
