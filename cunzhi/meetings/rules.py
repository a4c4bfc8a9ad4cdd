"""Who may do what with meetings.

- Village cadres and the Party secretary of the village convene meetings, send notices, put
  motions and record delegations (CONVENE_ROLES). Grid workers also staff the check-in desk.
- Staff whose scope holds the village (township, county) may read everything; villagers of the
  village read their village's meetings; helpers read a meeting of a villager they hold a
  "meetings" delegation from.
- Only members check in and vote: themselves, or a helper under an active "meetings" delegation
  (recorded), or staff at the venue checking a member in.
"""

from cunzhi.meetings.models import Meeting, MeetingMember, MeetingStatus, Motion, MotionStatus
from cunzhi.people import rules as people_rules
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Delegation, DelegationScope, Role
from cunzhi.people.rules import has_role, in_scope, own_villager
from cunzhi.people.rules import helped as people_helped
from cunzhi.regions.models import Region

CONVENE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY})
DESK_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.GRID_WORKER})


def _helped_villagers(user: AnyUser) -> list[Delegation]:
    """Villagers who gave this user an active "meetings" delegation (people.rules caches the query)."""
    return people_helped(user, DelegationScope.MEETINGS)


def helped_delegations(user: AnyUser) -> list[Delegation]:
    return _helped_villagers(user)


def can_convene(user: AnyUser, village: Region) -> bool:
    return in_scope(user, village.code, CONVENE_ROLES)


def can_manage(user: AnyUser, meeting: Meeting) -> bool:
    """Convene, notify, open, put motions, close: the village's cadres."""
    return in_scope(user, meeting.region_code, CONVENE_ROLES)


def can_staff_desk(user: AnyUser, meeting: Meeting) -> bool:
    return in_scope(user, meeting.region_code, DESK_ROLES)


def can_write_minutes(user: AnyUser, meeting: Meeting) -> bool:
    return (getattr(user, "is_authenticated", False) and meeting.secretary_id == user.pk) or can_manage(user, meeting)


def can_view(user: AnyUser, meeting: Meeting) -> bool:
    """Staff in scope, villagers of the village, helpers of a villager of the village."""
    if not getattr(user, "is_authenticated", False):
        return False
    if in_scope(user, meeting.region_code):
        return True
    own = own_villager(user)
    if own is not None and own.region_code == meeting.region_code:
        return True
    return any(d.villager.region_code == meeting.region_code for d in _helped_villagers(user))


def can_view_village(user: AnyUser, village_code: str) -> bool:
    if in_scope(user, village_code):
        return True
    own = own_villager(user)
    return own is not None and own.region_code == village_code


def acts_for(user: AnyUser, member: MeetingMember) -> str:
    """How this user may act for a member: "self", "helper" or "" (not at all)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if member.user_id == user.pk:
        return "self"
    if any(d.villager_id == member.villager_id for d in _helped_villagers(user)):
        return "helper"
    return ""


def can_petition(user: AnyUser, village_code: str) -> bool:
    own = own_villager(user)
    return own is not None and own.region_code == village_code


def is_representative(user: AnyUser, village_code: str) -> bool:
    return in_scope(user, village_code, {Role.REPRESENTATIVE})


def can_record_authorisation(user: AnyUser, village: Region) -> bool:
    return can_convene(user, village)


def has_staff_role(user: AnyUser) -> bool:
    return has_role(user, people_rules.STAFF_ROLES)


# --- Lifecycle: what a meeting or motion in its present state allows (services and pages ask these) ---


def can_change(meeting: Meeting) -> bool:
    """A meeting changes until it is over (after the notice, only its stream address: services decide that)."""
    return meeting.status not in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED)


def can_send_notice(meeting: Meeting) -> bool:
    return meeting.status == MeetingStatus.DRAFT


def can_open(meeting: Meeting) -> bool:
    return meeting.status == MeetingStatus.NOTICED


def can_close(meeting: Meeting) -> bool:
    return meeting.status == MeetingStatus.IN_SESSION


def can_cancel(meeting: Meeting) -> bool:
    """Only a meeting that has not started is cancelled (after notice, members are told)."""
    return meeting.status in (MeetingStatus.DRAFT, MeetingStatus.NOTICED)


def can_check_in(meeting: Meeting) -> bool:
    return meeting.status == MeetingStatus.IN_SESSION


def can_add_motion(meeting: Meeting) -> bool:
    return meeting.status not in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED)


def can_take_minutes(meeting: Meeting) -> bool:
    """Minutes are written once the meeting is in session and until they are published."""
    return meeting.status in (MeetingStatus.IN_SESSION, MeetingStatus.CLOSED)


def can_open_vote(motion: Motion, meeting: Meeting) -> bool:
    return motion.status == MotionStatus.DRAFT and meeting.status == MeetingStatus.IN_SESSION


def can_close_vote(motion: Motion) -> bool:
    return motion.status == MotionStatus.OPEN


def can_withdraw(motion: Motion) -> bool:
    return motion.status == MotionStatus.DRAFT


def meeting_actions(user: AnyUser, meeting: Meeting) -> dict[str, bool]:
    """What this user may do now on the meeting's page: role and lifecycle together, asked by the template."""
    manage, desk = can_manage(user, meeting), can_staff_desk(user, meeting)
    return {
        "send_notice": manage and can_send_notice(meeting),
        "open": manage and can_open(meeting),
        "close": manage and can_close(meeting),
        "cancel": manage and can_cancel(meeting),
        "add_motion": manage and can_add_motion(meeting),
        "desk": desk and can_check_in(meeting),
        "minutes": can_write_minutes(user, meeting) and can_take_minutes(meeting),
    }


def motion_actions(motion: Motion, meeting: Meeting) -> dict[str, bool]:
    """What the chair may do now with a motion (the page shows these to those who manage the meeting)."""
    return {
        "open_vote": can_open_vote(motion, meeting),
        "close_vote": can_close_vote(motion),
        "withdraw": can_withdraw(motion),
    }
