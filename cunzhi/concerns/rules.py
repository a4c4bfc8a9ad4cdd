"""Who may do what with concerns. Roles are held in regions and reach their subtree (people.rules).

- Anyone may read a *public* concern (masked names, status, answers) and the public boards.
- The villager it is for, the account that raised it and a helper with a "concerns" delegation
  from that villager see it whole, with its timeline; so do village roles, supervisors and county
  administrators whose scope holds its village.
- Least privilege inside a township: office staff see whole only the concerns of their own office,
  the ones they own, and the shared queue of their level (no office named, routed or escalated to
  the township, or the county); other concerns of their region only as the public does.
- Handlers (cadres, Party secretaries, office staff, county administrators) who reach it act on
  it: the owner acknowledges and answers; a concern nobody owns yet is taken by the first handler
  who acknowledges it (first contact). The owner, or a handler above the village, transfers it.
- Only the villager (or their helper) confirms it resolved, reopens it and rates it: staff cannot
  close a concern as resolved alone.
- The county administrator configures categories, routing rules and Open311 keys.
"""

from cunzhi.people import rules as people_rules
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import DelegationScope, Role
from cunzhi.people.rules import STAFF_ROLES, has_role, in_scope, own_villager

from .models import LEVEL_ORDER, OPEN_STATUSES, WORKING_STATUSES, Concern, Level, Status

HANDLER_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.OFFICE_STAFF, Role.COUNTY_ADMIN})
# Staff roles that see every concern of their regions whole; office staff are scoped by their office.
FULL_VIEW_ROLES = STAFF_ROLES - {Role.OFFICE_STAFF}
# The levels whose shared queue (concerns with no office named) staff at a region of each length reach.
QUEUE_LEVELS = {9: (Level.TOWNSHIP, Level.COUNTY), 6: (Level.COUNTY,)}
# Everyone with a role sees due-soon and overdue lists for their scope; villager representatives
# (a villager role) only the public concerns among them.
LIST_ROLES = STAFF_ROLES | {Role.REPRESENTATIVE}
ADMIN_ROLES = frozenset({Role.COUNTY_ADMIN})


def _authenticated(user: AnyUser) -> bool:
    return getattr(user, "is_authenticated", False)


def is_subject(user: AnyUser, concern: Concern) -> bool:
    """The villager the concern is for."""
    return _authenticated(user) and concern.villager is not None and concern.villager.user_id == user.pk


def helps(user: AnyUser, concern: Concern) -> bool:
    return (
        _authenticated(user)
        and concern.villager_id is not None
        and people_rules.active_delegation(user, concern.villager, DelegationScope.CONCERNS) is not None
    )


def reached_level(concern: Concern) -> str:
    """The highest level the concern is at: where it was routed, or where escalation took it."""
    levels = [concern.level] + ([concern.escalation_level] if concern.escalation_level else [])
    return max(levels, key=LEVEL_ORDER.index)


def office_reaches(user: AnyUser, concern: Concern) -> bool:
    """Office staff of the concern's region whose office it is, or (no office named) whose level's queue it is in."""
    for role, prefix, office_id in people_rules.role_rows(user):
        if role != Role.OFFICE_STAFF or not concern.region_code.startswith(prefix):
            continue
        if concern.owner_office_id is not None:
            if concern.owner_office_id == office_id:
                return True
        elif reached_level(concern) in QUEUE_LEVELS.get(len(prefix), ()):
            return True
    return False


def is_staff_in_scope(user: AnyUser, concern: Concern) -> bool:
    """Staff who see the concern whole for their work (and whose reading is logged for the villager)."""
    if in_scope(user, concern.region_code, FULL_VIEW_ROLES):
        return True
    if _authenticated(user) and concern.owner_id == user.pk:
        return True
    return office_reaches(user, concern)


def _handler_reaches(user: AnyUser, concern: Concern) -> bool:
    """A handling role in scope that also sees the concern whole (office staff: their office's)."""
    if in_scope(user, concern.region_code, HANDLER_ROLES - {Role.OFFICE_STAFF}):
        return True
    return in_scope(user, concern.region_code, {Role.OFFICE_STAFF}) and office_reaches(user, concern)


def can_see_phone(user: AnyUser, concern: Concern) -> bool:
    """The contact phone in full: the villager, village roles that call back, the office handling it."""
    return (
        is_subject(user, concern)
        or in_scope(user, concern.region_code, people_rules.PHONE_ROLES)
        or (_authenticated(user) and concern.owner_id == user.pk)
        or office_reaches(user, concern)
    )


def can_view_full(user: AnyUser, concern: Concern) -> bool:
    """Names, contact, private text and the timeline."""
    if not _authenticated(user):
        return False
    return (
        is_subject(user, concern)
        or concern.raised_by_id == user.pk
        or is_staff_in_scope(user, concern)
        or helps(user, concern)
    )


def can_view(user: AnyUser, concern: Concern) -> bool:
    return (concern.is_public and concern.status != Status.MERGED) or can_view_full(user, concern)


def can_handle(user: AnyUser, concern: Concern) -> bool:
    """Acknowledge and answer: the owner; anyone of the handling roles in scope when nobody owns it yet."""
    if not _authenticated(user) or concern.status not in WORKING_STATUSES:
        return False
    if concern.owner_id == user.pk:
        return True
    return concern.owner_id is None and _handler_reaches(user, concern)


def can_answer(user: AnyUser, concern: Concern) -> bool:
    return can_handle(user, concern) and concern.owner_id == user.pk and concern.status != Status.OPEN


def _above_village(user: AnyUser, concern: Concern) -> bool:
    """A handler whose role region contains the concern's village but is not the village itself."""
    village = concern.region_code[:12]
    return any(village.startswith(p) and len(p) < 12 for p in people_rules.prefixes(user, HANDLER_ROLES))


def can_transfer(user: AnyUser, concern: Concern) -> bool:
    if not _authenticated(user) or concern.status not in OPEN_STATUSES:
        return False
    if concern.owner_id == user.pk and in_scope(user, concern.region_code, HANDLER_ROLES):
        return True
    if concern.owner_id is not None and not _above_village(user, concern):
        return False
    return _handler_reaches(user, concern)


def can_merge(user: AnyUser, concern: Concern) -> bool:
    return _authenticated(user) and concern.status in OPEN_STATUSES and _handler_reaches(user, concern)


def can_close_loop(user: AnyUser, concern: Concern) -> bool:
    """Confirm, reopen and rate: the villager themself or their helper, never staff alone."""
    return concern.status == Status.ANSWERED and (is_subject(user, concern) or helps(user, concern))


def can_me_too(user: AnyUser, concern: Concern) -> bool:
    villager = own_villager(user)
    return (
        villager is not None
        and concern.status in OPEN_STATUSES
        and concern.is_public
        and villager.region_code[:12] == concern.region_code[:12]
        and concern.villager_id != villager.pk
    )


def can_raise_as_staff(user: AnyUser) -> bool:
    return has_role(user, HANDLER_ROLES | {Role.GRID_WORKER})


def can_record_in(user: AnyUser, village_code: str) -> bool:
    """Staff recording a concern received by phone, at the window or on paper, for a village in scope."""
    return in_scope(user, village_code, HANDLER_ROLES | {Role.GRID_WORKER})


def can_list(user: AnyUser) -> bool:
    return has_role(user, LIST_ROLES)


def sees_private(user: AnyUser) -> bool:
    return has_role(user, STAFF_ROLES)


def can_see_rates(user: AnyUser) -> bool:
    return has_role(user, STAFF_ROLES)


def can_configure(user: AnyUser) -> bool:
    return has_role(user, ADMIN_ROLES)
