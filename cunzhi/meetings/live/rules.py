"""Who may broadcast, watch and ask, and what the stream's state allows.

- The broadcaster is the meeting's chair side: the village's cadres who manage the meeting
  (meetings.rules.can_manage) and the meeting's secretary. They stream from the noticed meeting (to
  test the picture before it opens) until it closes.
- A closed stream is watched by the meeting's members, their helpers under an active "meetings"
  delegation, and the broadcasters; a public one by anyone with the link.
- Questions come from members (themselves or their helper) while the meeting is in session; the
  broadcasters mark them.
"""

from cunzhi.meetings import rules as meeting_rules
from cunzhi.meetings.live.models import LiveQuestion, LiveStream, StreamStatus
from cunzhi.meetings.models import Meeting, MeetingMember, MeetingStatus
from cunzhi.people.actors import AnyUser


def is_broadcaster(user: AnyUser, meeting: Meeting) -> bool:
    """The chair's side: cadres who manage the meeting, and its secretary."""
    if not getattr(user, "is_authenticated", False):
        return False
    return meeting.secretary_id == user.pk or meeting_rules.can_manage(user, meeting)


def can_stream(meeting: Meeting) -> bool:
    """A stream runs from the notice until the meeting closes."""
    return meeting.status in (MeetingStatus.NOTICED, MeetingStatus.IN_SESSION)


def can_broadcast(user: AnyUser, meeting: Meeting) -> bool:
    return is_broadcaster(user, meeting) and can_stream(meeting)


def is_member_side(user: AnyUser, meeting: Meeting) -> bool:
    """A member of this meeting, or the helper of one (a "meetings" delegation in force)."""
    if not getattr(user, "is_authenticated", False):
        return False
    helped = [d.villager_id for d in meeting_rules.helped_delegations(user)]
    members = MeetingMember.objects.filter(meeting=meeting)
    if members.filter(user_id=int(user.pk or 0)).exists():
        return True
    return bool(helped) and members.filter(villager_id__in=helped).exists()


def can_watch(user: AnyUser, meeting: Meeting, stream: LiveStream | None) -> bool:
    """Anyone for a public stream; members, their helpers and the broadcasters for a closed one."""
    if stream is None:
        return False
    if stream.public:
        return True
    return is_broadcaster(user, meeting) or is_member_side(user, meeting)


def can_ask(meeting: Meeting) -> bool:
    """Questions are taken while the meeting sits."""
    return meeting.status == MeetingStatus.IN_SESSION


def is_live(stream: LiveStream | None) -> bool:
    return stream is not None and stream.status == StreamStatus.LIVE


def can_start(stream: LiveStream | None, meeting: Meeting) -> bool:
    return can_stream(meeting) and (stream is None or stream.status != StreamStatus.ENDING)


def can_stop(stream: LiveStream | None) -> bool:
    return is_live(stream)


def can_hear_voice(user: AnyUser, meeting: Meeting, question: LiveQuestion) -> bool:
    """A voice note is a person's voice: the chair's side and whoever writes the minutes (who play it in
    the meeting and note its outcome), the member who asked, and the helper who sent it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_broadcaster(user, meeting) or meeting_rules.can_write_minutes(user, meeting):
        return True
    return user.pk in (question.asked_by_id, question.member.user_id)
