"""Read endpoints for people: households, villagers, the caller's delegations and access log.

Who sees what:
- Lists (/households, /villagers) are staff lists: rows inside the caller's role regions
  (people.rules.scope_q). A villager without a staff role gets an empty page; they reach their own
  record and household through /me.
- An object outside the caller's reach answers 404, exactly like one that does not exist, so
  nobody can probe which records exist in other villages.
- ID numbers: in full only where people.rules.can_see_full_id (the villager, cadres, Party
  secretaries, county administrators, and office staff for villagers whose case their office
  handles); otherwise masked (110105********002X), and always masked in lists. Birth dates follow
  the ID number, since the ID contains them.
- Mobile numbers: in full for the villager and for those who call villagers back (cadres, Party
  secretaries, grid workers; office staff for villagers whose case their office handles); masked
  for supervision committee members, county administrators, other offices and helpers (see
  can_see_full_phone).
- Every read of a villager's record or household by someone else is logged (people.services.
  access_record) and shows on that villager's "who looked at my data" (/me/data-access).
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS
from cunzhi.core.apikit.pagination import Pages
from cunzhi.core.idnumbers import mask_phone
from cunzhi.people import rules
from cunzhi.people import selectors as people_selectors
from cunzhi.people.actors import AnyUser, UserRequest
from cunzhi.people.models import AccessKind, DataAccess, Delegation, Household, Villager
from cunzhi.people.services import access_record, access_record_many
from cunzhi.regions.models import Level, Region

router = Router(tags=["people"])

MAX_DELEGATIONS = 100  # per direction in /me/delegations; the counts tell when there are more
PURPOSE_HELP = "Why you are reading the record; shown to the villager on “who looked at my data”."


def _user(context: dict[str, Any]) -> AnyUser:
    """The caller, inside a schema resolver: masking depends on who asks."""
    return context["request"].user


# --- Schemas --------------------------------------------------------------------------------


class PlaceOut(Schema):
    code: str
    name: str


class VillagerRowOut(Schema):
    id: str = Field(alias="public_id")
    name: str
    sex: str
    age: int
    is_adult: bool
    id_number: str = Field(description="Always masked in lists.")
    phone: str = Field(description="Masked unless the caller may call this villager (see module notes).")
    village: PlaceOut
    group: PlaceOut | None
    household_id: str | None
    household_number: str | None
    living_away: bool
    away_city: str

    @staticmethod
    def resolve_id_number(obj: Villager, context: dict[str, Any]) -> str:
        # Always masked in lists; `context` keeps the signature VillagerOut's unmasking resolver overrides.
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj: Villager, context: dict[str, Any]) -> str:
        return obj.phone if rules.can_see_full_phone(_user(context), obj) else mask_phone(obj.phone)

    @staticmethod
    def resolve_household_id(obj: Villager) -> str | None:
        return obj.household.public_id if obj.household else None

    @staticmethod
    def resolve_household_number(obj: Villager) -> str | None:
        return obj.household.number if obj.household else None


class VillagerOut(VillagerRowOut):
    id_number: str = Field(description="In full only for the villager and roles that match ID numbers.")
    id_number_masked: bool
    birth_date: dt.date | None = Field(description="Only where the full ID number is shown (it contains the date).")
    sex_label: str
    grid: str | None
    is_household_representative: bool

    @staticmethod
    def resolve_id_number(obj: Villager, context: dict[str, Any]) -> str:
        return obj.id_number if rules.can_see_full_id(_user(context), obj) else obj.id_number_masked

    @staticmethod
    def resolve_id_number_masked(obj: Villager, context: dict[str, Any]) -> bool:
        return not rules.can_see_full_id(_user(context), obj)

    @staticmethod
    def resolve_birth_date(obj: Villager, context: dict[str, Any]) -> dt.date | None:
        return obj.birth_date if rules.can_see_full_id(_user(context), obj) else None

    @staticmethod
    def resolve_sex_label(obj: Villager) -> str:
        return str(obj.get_sex_display())

    @staticmethod
    def resolve_grid(obj: Villager) -> str | None:
        return obj.grid.name if obj.grid else None

    @staticmethod
    def resolve_is_household_representative(obj: Villager) -> bool:
        return obj.household is not None and obj.household.representative_id == obj.pk


class HouseholdRowOut(Schema):
    id: str = Field(alias="public_id")
    number: str
    address: str
    village: PlaceOut
    group: PlaceOut | None
    member_count: int
    representative_name: str | None

    @staticmethod
    def resolve_representative_name(obj: Household) -> str | None:
        return obj.representative.name if obj.representative else None


class MemberOut(Schema):
    id: str = Field(alias="public_id")
    name: str
    sex: str
    age: int
    is_adult: bool
    is_representative: bool
    living_away: bool


class HouseholdOut(HouseholdRowOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_member_count(obj: Household) -> int:
        return len(obj.member_list)

    @staticmethod
    def resolve_members(obj: Household) -> list[dict[str, object]]:
        return [
            {
                "public_id": m.public_id,
                "name": m.name,
                "sex": m.sex,
                "age": m.age,
                "is_adult": m.is_adult,
                "is_representative": m.pk == obj.representative_id,
                "living_away": m.living_away,
            }
            for m in obj.member_list
        ]


class DelegationOut(Schema):
    id: str = Field(alias="public_id")
    villager_id: str
    villager_name: str
    helper_name: str
    helper_phone: str = Field(description="Masked: the delegation is identified, not a contact list.")
    relation: str
    relation_label: str
    scopes: list[str]
    scope_labels: list[str]
    starts_at: dt.datetime
    ends_at: dt.datetime
    revoked_at: dt.datetime | None
    is_active: bool

    @staticmethod
    def resolve_villager_id(obj: Delegation) -> str:
        return obj.villager.public_id

    @staticmethod
    def resolve_villager_name(obj: Delegation) -> str:
        return obj.villager.name

    @staticmethod
    def resolve_helper_name(obj: Delegation) -> str:
        return obj.helper.name or mask_phone(obj.helper.phone)

    @staticmethod
    def resolve_helper_phone(obj: Delegation) -> str:
        return mask_phone(obj.helper.phone)

    @staticmethod
    def resolve_relation_label(obj: Delegation) -> str:
        return str(obj.get_relation_display())

    @staticmethod
    def resolve_scope_labels(obj: Delegation) -> list[str]:
        return [str(label) for label in obj.scope_labels()]


class DelegationsOut(Schema):
    granted: list[DelegationOut] = Field(description="Delegations you gave to helpers (newest first).")
    held: list[DelegationOut] = Field(description="Delegations villagers gave to you (newest first).")
    granted_count: int
    held_count: int


class DataAccessOut(Schema):
    at: dt.datetime = Field(alias="created_at")
    actor_name: str
    actor_office: str
    kind: str
    kind_label: str
    purpose: str
    times: int = Field(description="How often the same person read it for the same reason within the hour.")
    last_at: dt.datetime | None = Field(description="The last of those reads (when more than one).")

    @staticmethod
    def resolve_kind_label(obj: DataAccess) -> str:
        return str(obj.get_kind_display())


# --- Filters --------------------------------------------------------------------------------


class HouseholdFilters(Schema):
    village: str | None = Field(None, pattern=r"^\d{12}$", description="A village's 12-digit code.")
    q: str | None = Field(
        None, max_length=50, description="Part of the household number, address or representative's name."
    )


class VillagerFilters(Schema):
    village: str | None = Field(None, pattern=r"^\d{12}$", description="A village's 12-digit code.")
    group: str | None = Field(None, pattern=r"^\d{15}$", description="A villager group's 15-digit code.")
    q: str | None = Field(
        None,
        max_length=50,
        description="Part of the name, the start of its pinyin, or (for roles that may see phones) a mobile number.",
    )
    living_away: bool | None = Field(None, description="Only those working away from home (or only those at home).")
    adult: bool | None = Field(None, description="Only those aged 18 or more (or only minors), from birth dates.")


def _looks_like_phone(term: str) -> bool:
    return any(ch.isdigit() for ch in term)


def _region(code: str | None, level: str) -> Region | None:
    """The region a filter names, or None; a filter naming an unknown region matches nothing."""
    return Region.objects.filter(code=code, level=level).first() if code else None


# --- Endpoints ------------------------------------------------------------------------------


@router.get("/households", response={200: list[HouseholdRowOut], **LIST_ERRORS})
@paginate(Pages)
def household_list(request: UserRequest, filters: HouseholdFilters = Query(...)) -> QuerySet[Household]:
    """Households in the caller's scope with member count and representative; filter by village or text."""
    village = _region(filters.village, Level.VILLAGE)
    if filters.village and village is None:
        return Household.objects.none()
    return people_selectors.households_visible(user=request.user, region=village, search=(filters.q or "").strip())


@router.get("/households/{public_id}", response={200: HouseholdOut, **OBJECT_ERRORS})
def household_detail(
    request: UserRequest,
    public_id: str = Path(..., max_length=16),
    purpose: str = Query("", max_length=200, description=PURPOSE_HELP),
) -> Household:
    """One household with its members (staff in scope, or a member of it); staff reads are logged."""
    try:
        household = people_selectors.household_with_relations(public_id=public_id)
    except Household.DoesNotExist:
        raise Http404 from None
    if not rules.can_view_household(request.user, household):
        raise Http404
    household.member_list = people_selectors.household_members(household=household)
    # Family members looking at their own household are not "staff reads"; anyone else's view is.
    if rules.in_scope(request.user, household.region_code):
        access_record_many(
            actor=request.user,
            villagers=household.member_list,
            kind=AccessKind.STAFF_READ,
            purpose=purpose.strip() or _("Household record viewed through the API"),
        )
    return household


@router.get("/villagers", response={200: list[VillagerRowOut], **LIST_ERRORS})
@paginate(Pages)
def villager_list(request: UserRequest, filters: VillagerFilters = Query(...)) -> QuerySet[Villager]:
    """Villagers in the caller's scope (IDs masked); filter by village, group, text, living away, adult."""
    search = (filters.q or "").strip()
    if search and _looks_like_phone(search) and not rules.has_role(request.user, rules.PHONE_ROLES):
        # Names never contain digits: such a search could only confirm a phone number the caller
        # is not allowed to see.
        return Villager.objects.none()
    village = _region(filters.village, Level.VILLAGE)
    group = _region(filters.group, Level.GROUP)
    if (filters.village and village is None) or (filters.group and group is None):
        return Villager.objects.none()
    return people_selectors.villagers_visible(
        user=request.user,
        search=search,
        region=village,
        group=group,
        living_away=filters.living_away,
        adult=filters.adult,
    )


@router.get("/villagers/{public_id}", response={200: VillagerOut, **OBJECT_ERRORS})
def villager_detail(
    request: UserRequest,
    public_id: str = Path(..., max_length=16),
    purpose: str = Query("", max_length=200, description=PURPOSE_HELP),
) -> Villager:
    """One villager's record, masked by role; every read by someone else is logged for the villager."""
    try:
        villager = people_selectors.villager_with_relations(public_id=public_id)
    except Villager.DoesNotExist:
        raise Http404 from None
    if not rules.can_view_villager(request.user, villager):
        raise Http404
    # A helper reading under a "see my record" delegation is logged as such, not as staff.
    kind = AccessKind.STAFF_READ if rules.in_scope(request.user, villager.region_code) else AccessKind.DELEGATION_USE
    access_record(
        actor=request.user,
        villager=villager,
        kind=kind,
        purpose=purpose.strip() or _("Villager record viewed through the API"),
    )
    return villager


@router.get("/me/delegations", response={200: DelegationsOut, **LIST_ERRORS})
def my_delegations(
    request: UserRequest, active: bool = Query(False, description="Only delegations in force now.")
) -> dict[str, object]:
    """Delegations the caller granted as a villager and those they hold as a helper (at most 100 each)."""
    own = rules.own_villager(request.user)
    granted = (
        people_selectors.delegations_granted(villager=own).select_related("villager")
        if own
        else Delegation.objects.none()
    )
    held = people_selectors.delegations_held(user=request.user).select_related("helper")
    if active:
        now = timezone.now()
        granted = granted.filter(revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
        held = held.filter(revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
    return {
        "granted": list(granted[:MAX_DELEGATIONS]),
        "held": list(held[:MAX_DELEGATIONS]),
        "granted_count": granted.count(),
        "held_count": held.count(),
    }


@router.get("/me/data-access", response={200: list[DataAccessOut], **LIST_ERRORS})
@paginate(Pages)
def my_data_access(request: UserRequest) -> QuerySet[DataAccess]:
    """Who read or used the caller's own villager record, newest first (empty without a villager record)."""
    own = rules.own_villager(request.user)
    if own is None:
        return DataAccess.objects.none()
    return people_selectors.data_accesses(villager=own, limit=None)
