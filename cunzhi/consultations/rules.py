"""Who may do what with drafts and comments. Built on people.rules (roles held in regions).

- A draft's **scope** is a region (village, township or county): every villager registered in it
  is consulted, wherever they live now. Staff whose region lies inside the scope, or contains
  it, may read it.
- Its **owner** manages it (edits, publishes, closes, writes the response report, records the
  adoption): the staff of the owner office, or, for a committee, the cadres of the scope region.
  County administrators manage drafts in their county.
- **Moderators** hide comments: the owner, and cadres and office staff whose region contains the scope.
- A helper comments for a villager under an active "consultations" delegation.
- Objects outside the reader's reach answer 404: their existence is not revealed.
"""

from cunzhi.consultations.models import EDITABLE_STATUSES, Adoption, Comment, Draft, Status
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Delegation, DelegationScope, Office, Role, Villager
from cunzhi.people.rules import STAFF_ROLES, helped, in_scope, own_villager, prefixes, role_rows
from cunzhi.regions.models import Level, Region

VILLAGE_OWNER_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY})
MODERATE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.OFFICE_STAFF, Role.COUNTY_ADMIN})
FILING_ROLES = frozenset({Role.OFFICE_STAFF, Role.COUNTY_ADMIN})


def ancestor_prefixes(code: str) -> list[str]:
    """The prefixes of every region a code lies in: county, township, village (and the code itself)."""
    out = [code[:6], code[:9], code[:12]]
    if len(code) > 12:
        out.append(code)
    return out


def delegated_villagers(user: AnyUser) -> list[Delegation]:
    """Villagers who let this user comment for them now (active "consultations" delegations); cached per user."""
    if not user.is_authenticated:  # every AnyUser answers it; this also tells mypy the user is an account
        return []
    return helped(user, DelegationScope.CONSULTATIONS)  # people.rules caches the query on the user


def is_county_admin_for(user: AnyUser, draft: Draft) -> bool:
    return in_scope(user, draft.region_code, {Role.COUNTY_ADMIN})


def can_manage(user: AnyUser, draft: Draft) -> bool:
    """The owner: staff of the owner office, or cadres of the scope region for a committee; county admins."""
    if is_county_admin_for(user, draft):
        return True
    for role, prefix, office_id in role_rows(user):
        if draft.owner_office_id:
            if role == Role.OFFICE_STAFF and office_id == draft.owner_office_id:
                return True
        elif prefix == draft.scope_prefix and role in VILLAGE_OWNER_ROLES | {Role.OFFICE_STAFF}:
            return True
    return False


def staff_reaches(user: AnyUser, draft: Draft) -> bool:
    """Staff whose region lies inside the draft's scope or contains it."""
    return any(p.startswith(draft.scope_prefix) or draft.region_code.startswith(p) for p in prefixes(user, STAFF_ROLES))


def villager_in_scope(villager: Villager | None, draft: Draft) -> bool:
    return villager is not None and villager.region_code.startswith(draft.scope_prefix)


def commenters(user: AnyUser, draft: Draft) -> list[tuple[Villager, Delegation | None]]:
    """(villager, delegation or None) for each villager this user may comment as on the draft: themself
    if they live in scope, and every villager in scope who delegated consultations to them."""
    out: list[tuple[Villager, Delegation | None]] = []
    own = own_villager(user)
    if own is not None and villager_in_scope(own, draft):  # `is not None` for mypy: the call checks it too
        out.append((own, None))
    for d in delegated_villagers(user):
        if villager_in_scope(d.villager, draft) and (own is None or d.villager_id != own.pk):
            out.append((d.villager, d))
    return out


def can_view(user: AnyUser, draft: Draft) -> bool:
    if can_manage(user, draft):
        return True
    if not draft.is_public:
        return False
    return (
        staff_reaches(user, draft)
        or villager_in_scope(own_villager(user), draft)
        or any(villager_in_scope(d.villager, draft) for d in delegated_villagers(user))
    )


def can_comment(user: AnyUser, draft: Draft) -> bool:
    return draft.is_open and bool(commenters(user, draft))


def can_moderate(user: AnyUser, draft: Draft) -> bool:
    return draft.is_public and (can_manage(user, draft) or in_scope(user, draft.region_code, MODERATE_ROLES))


def is_leader(user: AnyUser, draft: Draft) -> bool:
    """Who reads comments addressed only to the leaders: the owner and the moderators."""
    return can_manage(user, draft) or in_scope(user, draft.region_code, MODERATE_ROLES)


def own_villager_ids(user: AnyUser) -> set[int]:
    """Villagers whose comments this user reads as their own: themself and those they help."""
    own = own_villager(user)
    ids = {d.villager_id for d in delegated_villagers(user)}
    if own is not None:
        ids.add(own.pk)
    return ids


def can_read_comment(user: AnyUser, comment: Comment, *, leader: bool, own_ids: set[int]) -> bool:
    """Public comments: everyone who sees the draft; leaders-only: the leaders, the author and their helper."""
    if comment.visibility == "public" or leader:
        return True
    return comment.villager_id in own_ids or (
        getattr(user, "is_authenticated", False) and comment.written_by_id == user.pk
    )


def creatable_prefixes(user: AnyUser) -> list[tuple[str, str, int | None]]:
    """(role, region prefix, office id) of the roles that may start a draft."""
    return [
        (r, p, o)
        for r, p, o in role_rows(user)
        if r in VILLAGE_OWNER_ROLES or r == Role.COUNTY_ADMIN or (r == Role.OFFICE_STAFF and o)
    ]


def can_create(user: AnyUser) -> bool:
    return bool(creatable_prefixes(user))


def can_create_for(user: AnyUser, *, scope: Region, owner_office: Office | None = None) -> bool:
    """May this user start a draft consulting `scope`, owned by `owner_office` (or a committee when None)?"""
    for role, prefix, office_id in creatable_prefixes(user):
        if role == Role.COUNTY_ADMIN and scope.code.startswith(prefix):
            if owner_office is None or owner_office.region_code.startswith(prefix):
                return True
        elif role == Role.OFFICE_STAFF and scope.code.startswith(prefix):
            if owner_office is not None and owner_office.pk == office_id:
                return True
            # A township's own committee (e.g. a drafting group) is owned by the township's staff.
            if owner_office is None and scope.prefix == prefix:
                return True
        elif role in VILLAGE_OWNER_ROLES and owner_office is None and scope.prefix == prefix:
            return True
    return False


def can_adopt(user: AnyUser, draft: Draft) -> bool:
    """Recording a villagers' meeting adoption: the owner of a village-scope draft."""
    return draft.scope.level == Level.VILLAGE and can_manage(user, draft)


def can_see_filings(user: AnyUser) -> bool:
    return bool(prefixes(user, STAFF_ROLES))


def can_acknowledge_filing(user: AnyUser, adoption: Adoption) -> bool:
    """Township office staff (or county administrators) over the township the rule was filed to."""
    return in_scope(user, adoption.filed_to.code, FILING_ROLES)


# ---------------------------------------------------------------- lifecycle (services and pages ask these)


def can_change(draft: Draft) -> bool:
    """The text changes until comments open (a draft, or scheduled to open)."""
    return draft.status in EDITABLE_STATUSES


def can_publish(draft: Draft) -> bool:
    return draft.status == Status.DRAFT


def can_close(draft: Draft) -> bool:
    return draft.status == Status.OPEN


def is_answered(draft: Draft) -> bool:
    """The response report is published (and the rule perhaps adopted): outcomes are public, comments fixed."""
    return draft.status in (Status.RESPONDED, Status.ADOPTED)


def can_write_report(draft: Draft) -> bool:
    """The response report is written once comments are closed, until it is published."""
    return draft.status == Status.CLOSED


def can_start_next_version(draft: Draft) -> bool:
    return is_answered(draft)


def can_moderate_now(draft: Draft) -> bool:
    """Comments are hidden or shown again until the response report fixes them."""
    return not is_answered(draft)


def draft_actions(user: AnyUser, draft: Draft) -> dict[str, bool]:
    """What the owner may do now on the draft's page: role and lifecycle together, asked by the template."""
    manage = can_manage(user, draft)
    return {
        "change": manage and can_change(draft),
        "publish": manage and can_publish(draft),
        "close": manage and can_close(draft),
        "write_report": manage and can_write_report(draft),
        "next_version": manage and can_start_next_version(draft),
    }
