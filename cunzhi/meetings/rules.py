"""Who may do what with meetings.

- Village cadres and the Party secretary of the village convene meetings, send notices, put
  motions and record delegations (CONVENE_ROLES). Grid workers also staff the check-in desk.
- Staff whose scope holds the village (township, county) may read everything; villagers of the
  village read their village's meetings; helpers read a meeting of a villager they hold a
  "meetings" delegation from.
- Only members check in and vote: themselves, or a helper under an active "meetings" delegation
  (recorded), or staff at the venue checking a member in.
"""

from cunzhi.meetings.models import MeetingStatus, MotionStatus
from cunzhi.people import rules as people_rules
from cunzhi.people.models import Delegation, DelegationScope, Role
from cunzhi.people.rules import has_role, in_scope, own_villager

CONVENE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY})
DESK_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.GRID_WORKER})


def _helped_villagers(user) -> list:
    """Villagers who gave this user an active "meetings" delegation (cached on the user object)."""
    cached = getattr(user, "_meetings_helped", None)
    if cached is None:
        from django.utils import timezone

        now = timezone.now()
        cached = (
            [
                d
                for d in Delegation.objects.filter(
                    helper=user, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now
                ).select_related("villager")
                if DelegationScope.MEETINGS in (d.scopes or [])
            ]
            if user.is_authenticated
            else []
        )
        user._meetings_helped = cached
    return cached


def helped_delegations(user) -> list:
    return _helped_villagers(user)


def can_convene(user, village) -> bool:
    return in_scope(user, village.code, CONVENE_ROLES)


def can_manage(user, meeting) -> bool:
    """Convene, notify, open, put motions, close: the village's cadres."""
    return in_scope(user, meeting.region_code, CONVENE_ROLES)


def can_staff_desk(user, meeting) -> bool:
    return in_scope(user, meeting.region_code, DESK_ROLES)


def can_write_minutes(user, meeting) -> bool:
    return (getattr(user, "is_authenticated", False) and meeting.secretary_id == user.pk) or can_manage(user, meeting)


def can_view(user, meeting) -> bool:
    """Staff in scope, villagers of the village, helpers of a villager of the village."""
    if not getattr(user, "is_authenticated", False):
        return False
    if in_scope(user, meeting.region_code):
        return True
    own = own_villager(user)
    if own is not None and own.region_code == meeting.region_code:
        return True
    return any(d.villager.region_code == meeting.region_code for d in _helped_villagers(user))


def can_view_village(user, village_code: str) -> bool:
    if in_scope(user, village_code):
        return True
    own = own_villager(user)
    return own is not None and own.region_code == village_code


def acts_for(user, member) -> str:
    """How this user may act for a member: "self", "helper" or "" (not at all)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if member.user_id == user.pk:
        return "self"
    if any(d.villager_id == member.villager_id for d in _helped_villagers(user)):
        return "helper"
    return ""


def can_petition(user, village_code: str) -> bool:
    own = own_villager(user)
    return own is not None and own.region_code == village_code


def is_representative(user, village_code: str) -> bool:
    return in_scope(user, village_code, {Role.REPRESENTATIVE})


def can_record_authorisation(user, village) -> bool:
    return can_convene(user, village)


def has_staff_role(user) -> bool:
    return has_role(user, people_rules.STAFF_ROLES)


# --- Lifecycle: what a meeting or motion in its present state allows (services and pages ask these) ---


def can_change(meeting) -> bool:
    """A meeting changes until it is over (after the notice, only its stream address: services decide that)."""
    return meeting.status not in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED)


def can_send_notice(meeting) -> bool:
    return meeting.status == MeetingStatus.DRAFT


def can_open(meeting) -> bool:
    return meeting.status == MeetingStatus.NOTICED


def can_close(meeting) -> bool:
    return meeting.status == MeetingStatus.IN_SESSION


def can_cancel(meeting) -> bool:
    """Only a meeting that has not started is cancelled (after notice, members are told)."""
    return meeting.status in (MeetingStatus.DRAFT, MeetingStatus.NOTICED)


def can_check_in(meeting) -> bool:
    return meeting.status == MeetingStatus.IN_SESSION


def can_add_motion(meeting) -> bool:
    return meeting.status not in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED)


def can_take_minutes(meeting) -> bool:
    """Minutes are written once the meeting is in session and until they are published."""
    return meeting.status in (MeetingStatus.IN_SESSION, MeetingStatus.CLOSED)


def can_open_vote(motion, meeting) -> bool:
    return motion.status == MotionStatus.DRAFT and meeting.status == MeetingStatus.IN_SESSION


def can_close_vote(motion) -> bool:
    return motion.status == MotionStatus.OPEN


def can_withdraw(motion) -> bool:
    return motion.status == MotionStatus.DRAFT


def meeting_actions(user, meeting) -> dict[str, bool]:
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


def motion_actions(motion, meeting) -> dict[str, bool]:
    """What the chair may do now with a motion (the page shows these to those who manage the meeting)."""
    return {
        "open_vote": can_open_vote(motion, meeting),
        "close_vote": can_close_vote(motion),
        "withdraw": can_withdraw(motion),
    }
