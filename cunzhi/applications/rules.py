"""Who may do what with service applications.

- The applicant, a helper holding an active "applications" delegation from them, and the village
  service station (cadres, Party secretary, grid workers of the applicant's village) may apply,
  supply materials and follow the application.
- Office staff see and act on applications that their own office accepts or handles a step of;
  the village committee (cadre, Party secretary) decides village steps of its own village.
- The county administrator configures the catalogue and sees everything in the county.

Roles are read once per request (people.rules caches them on the user object).
"""

from cunzhi.people import rules as people_rules
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import DelegationScope, Role, Villager

from .models import Application, ApplicationStep, Channel, ServiceItem, Stage, StepState

STATION_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.GRID_WORKER})
VILLAGE_STEP_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY})
ADMIN_ROLES = frozenset({Role.COUNTY_ADMIN})
# Roles that may read every application of a village in their scope (not office staff: an office
# sees only the applications it handles, the minimum its work needs).
VILLAGE_READ_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.GRID_WORKER, Role.COUNTY_ADMIN})


def office_ids(user: AnyUser) -> set[int]:
    """Offices the user works in (office staff roles), from the cached role rows."""
    return {office for role, _p, office in people_rules.role_rows(user) if role == Role.OFFICE_STAFF and office}


def is_staff(user: AnyUser) -> bool:
    return bool(office_ids(user)) or people_rules.has_role(user, VILLAGE_READ_ROLES)


def can_configure(user: AnyUser) -> bool:
    return people_rules.has_role(user, ADMIN_ROLES)


def can_configure_item(user: AnyUser, item: ServiceItem) -> bool:
    return people_rules.in_scope(user, item.region_code, ADMIN_ROLES)


def apply_channel(user: AnyUser, villager: Villager | None) -> str | None:
    """How this user may apply for this villager: themself, as a helper, at the station; None if not at all."""
    if villager is None or not getattr(user, "is_authenticated", False):
        return None
    if people_rules.is_self(user, villager):
        return Channel.SELF
    if people_rules.active_delegation(user, villager, DelegationScope.APPLICATIONS) is not None:
        return Channel.HELPER
    if people_rules.in_scope(user, villager.region_code, STATION_ROLES):
        return Channel.STATION
    return None


def can_view(user: AnyUser, application: Application, step_offices: set[int | None] | None = None) -> bool:
    """The applicant's side, the offices that handle it, the village committee, the county administrator."""
    if not getattr(user, "is_authenticated", False):
        return False
    if apply_channel(user, application.villager) is not None:
        return True
    if people_rules.in_scope(user, application.region_code, VILLAGE_READ_ROLES):
        return True
    mine = office_ids(user)
    if not mine:
        return False
    if application.accepting_office_id in mine:
        return True
    if step_offices is None:
        step_offices = set(application.steps.values_list("office_id", flat=True))
    return bool(mine & step_offices)


def is_applicant_side(user: AnyUser, application: Application) -> bool:
    return apply_channel(user, application.villager) is not None


def can_decide_acceptance(user: AnyUser, application: Application) -> bool:
    return (
        application.stage == Stage.ACCEPTANCE
        and application.accepting_office_id is not None
        and application.accepting_office_id in office_ids(user)
    )


def can_decide_step(user: AnyUser, application: Application, step: ApplicationStep | None) -> bool:
    if step is None or step.state != StepState.ACTIVE or application.stage != Stage.STEP:
        return False
    if step.office_id is None:
        return people_rules.in_scope(user, application.region_code, VILLAGE_STEP_ROLES)
    return step.office_id in office_ids(user)


def is_handler(user: AnyUser, application: Application, step: ApplicationStep | None = None) -> bool:
    """Staff who must act on the application now (acceptance or the active step)."""
    return can_decide_acceptance(user, application) or can_decide_step(user, application, step)


def can_sort_mail(user: AnyUser, application: Application) -> bool:
    """Staff who may file an e-mail's attachments on this application: its offices and the county administrator."""
    return application.accepting_office_id in office_ids(user) or people_rules.in_scope(
        user, application.region_code, ADMIN_ROLES
    )


def can_see_mail(user: AnyUser) -> bool:
    return bool(office_ids(user)) or people_rules.has_role(user, ADMIN_ROLES)


def not_applicable_role(user: AnyUser, application: Application) -> str | None:
    """Who may mark a conditional material not applicable on an open application: "staff" (the accepting
    office), "applicant" (the villager, their helper, the station: with a reason), or None."""
    if not application.is_open or not getattr(user, "is_authenticated", False):
        return None
    if application.accepting_office_id is not None and application.accepting_office_id in office_ids(user):
        return "staff"
    if is_applicant_side(user, application):
        return "applicant"
    return None
