"""Who may do what with the ledger. Entries are public (payees masked); writing and sign-off follow roles."""

from cunzhi.ledger.models import Entry
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Role
from cunzhi.people.rules import has_role, in_scope, own_villager

# The village's cadres keep the books.
RECORD_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY})
# The supervision committee signs periods off.
SIGNOFF_ROLES = frozenset({Role.SUPERVISOR})
# Officials who see payees' names and the voucher photos.
OFFICIAL_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.SUPERVISOR, Role.OFFICE_STAFF, Role.COUNTY_ADMIN})


def can_record(user: AnyUser, village_code: str) -> bool:
    return in_scope(user, village_code, RECORD_ROLES)


def can_record_anywhere(user: AnyUser) -> bool:
    return has_role(user, RECORD_ROLES)


def can_sign_off(user: AnyUser, village_code: str) -> bool:
    return in_scope(user, village_code, SIGNOFF_ROLES)


def is_official(user: AnyUser, village_code: str) -> bool:
    return in_scope(user, village_code, OFFICIAL_ROLES)


def is_official_anywhere(user: AnyUser) -> bool:
    return has_role(user, OFFICIAL_ROLES)


def can_see_payee(user: AnyUser, entry_region_code: str, payee_id: int | None) -> bool:
    """Officials of the village, and the payee themself; everyone else sees the payee masked."""
    if payee_id is None:
        return True
    if is_official(user, entry_region_code):
        return True
    villager = own_villager(user)
    return villager is not None and villager.pk == payee_id


def can_see_vouchers(user: AnyUser, entry: Entry) -> bool:
    """Voucher photos may show personal data: officials of the village and the payee."""
    if is_official(user, entry.region_code):
        return True
    villager = own_villager(user)
    return villager is not None and entry.payee_id is not None and villager.pk == entry.payee_id


# ---------------------------------------------------------------- lifecycle (services and pages ask these)


def can_reverse(entry: Entry, *, reversed_by: Entry | None) -> bool:
    """An entry is corrected once, by a reversing entry; a reversal itself is never reversed."""
    return not entry.reverses_id and reversed_by is None
