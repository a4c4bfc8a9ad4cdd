"""Writes for people: accounts, villagers, households, roles, delegations, grids, access records."""

import datetime as dt
import functools
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cunzhi.core.audit import audit_record
from cunzhi.core.crypto import blind_index
from cunzhi.core.idnumbers import id_birth_date, id_sex, normalize_phone, validate_id_number
from cunzhi.core.pagecache import home_invalidate
from cunzhi.people.actors import Actor
from cunzhi.people.events import PeopleEvent
from cunzhi.people.models import (
    AccessKind,
    DataAccess,
    Delegation,
    DelegationScope,
    Grid,
    Household,
    Office,
    Relation,
    Role,
    RoleAssignment,
    User,
    Villager,
)
from cunzhi.people.rules import active_delegation, is_self, role_rows
from cunzhi.regions.models import Level as RegionLevel
from cunzhi.regions.models import Region

MAX_DELEGATION_DAYS = 366 * 3


@functools.lru_cache(maxsize=65536)  # names repeat a lot; a roster import calls this per row
def name_to_pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin  # ~0.3 s to load: on first use, not at every process's start (voice.speech)

    return "".join(lazy_pinyin(name)).lower()


def villager_derive_fields(villager: Villager) -> None:
    """Fill the fields that follow from others: sex and birth date from the ID, pinyin, region."""
    villager.id_number = validate_id_number(villager.id_number)
    villager.id_hash = blind_index(villager.id_number)
    villager.phone = normalize_phone(villager.phone)  # however it was written (admin site, services, roster)
    villager.birth_date = id_birth_date(villager.id_number)
    villager.sex = id_sex(villager.id_number)
    villager.name_pinyin = name_to_pinyin(villager.name)
    villager.region_code = villager.village.code


def user_create(*, phone: str, name: str, password: str | None, language: str = "zh-hans", email: str = "") -> User:
    """Create a login account (phone + password, hashed with Argon2)."""
    user = User(phone=normalize_phone(phone), name=name, language=language, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def villager_create(
    *,
    actor: Actor,
    name: str,
    id_number: str,
    village: Region,
    group: Region | None = None,
    household: Household | None = None,
    phone: str = "",
    living_away: bool = False,
    away_city: str = "",
    grid: Grid | None = None,
) -> Villager:
    """Register one villager; refuses a second record for the same ID number."""
    number = validate_id_number(id_number)
    if Villager.objects.filter(id_hash=blind_index(number)).exists():
        raise ValidationError({"id_number": _("A villager with this ID number is already registered.")})
    villager = Villager(
        name=name,
        id_number=number,
        village=village,
        group=group,
        household=household,
        phone=phone,
        living_away=living_away,
        away_city=away_city if living_away else "",
        grid=grid,
    )
    villager_derive_fields(villager)
    villager.save()
    audit_record(actor=actor, action=PeopleEvent.VILLAGER_CREATE, obj=villager, after={"name": name})
    return villager


def household_create(
    *, actor: Actor, village: Region, number: str, group: Region | None = None, address: str = ""
) -> Household:
    """Register a household in a village."""
    household = Household.objects.create(village=village, number=number, group=group, address=address)
    audit_record(actor=actor, action=PeopleEvent.HOUSEHOLD_CREATE, obj=household, after={"number": number})
    return household


def household_set_representative(*, actor: Actor, household: Household, villager: Villager) -> Household:
    """Name the member who represents the household (counts toward the household quorum)."""
    if villager.household_id != household.pk:
        raise ValidationError(_("The representative must be a member of the household."))
    before = household.representative_id
    household.representative = villager
    household.save(update_fields=["representative", "updated_at"])
    audit_record(
        actor=actor,
        action=PeopleEvent.HOUSEHOLD_REPRESENTATIVE,
        obj=household,
        before={"representative": before},
        after={"representative": villager.pk},
    )
    home_invalidate(*household.members.values_list("user_id", flat=True))
    return household


def role_assign(
    *, actor: Actor, user: User, role: str, region: Region, office: Office | None = None, title: str = ""
) -> RoleAssignment:
    """Give a user a role in a region (and office, for office staff)."""
    if role == Role.OFFICE_STAFF and office is None:
        raise ValidationError(_("Office staff must belong to an office."))
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=role, region=region, office=office, defaults={"title": title}
    )
    user.__dict__.pop("_cunzhi_roles", None)
    audit_record(
        actor=actor,
        action=PeopleEvent.ROLE_ASSIGN,
        obj=assignment,
        region_code=region.code,
        after={"user": user.pk, "role": role},
    )
    home_invalidate(user.pk)
    return assignment


def delegation_grant(
    *, villager: Villager, actor: User, helper: User, relation: str, scopes: list[str], ends_at: dt.datetime
) -> Delegation:
    """The villager authorises a helper to act for them in the listed kinds of action, until ends_at."""
    if not is_self(actor, villager):
        raise ValidationError(_("Only the villager can grant a delegation of their own affairs."))
    if helper.pk == actor.pk:
        raise ValidationError(_("You cannot delegate to yourself."))
    valid = set(DelegationScope.values)
    scopes = [s for s in dict.fromkeys(scopes) if s in valid]
    if not scopes:
        raise ValidationError(_("Choose at least one thing the helper may do."))
    if relation not in Relation.values:
        raise ValidationError(_("Choose how the helper is related to you."))
    now = timezone.now()
    if ends_at <= now:
        raise ValidationError(_("The end date must be in the future."))
    if ends_at > now + dt.timedelta(days=MAX_DELEGATION_DAYS):
        raise ValidationError(_("A delegation can last at most three years; grant a new one after that."))
    if relation == Relation.GRID_WORKER and not any(
        r == Role.GRID_WORKER and villager.region_code.startswith(p) for r, p, _o in role_rows(helper)
    ):
        raise ValidationError(_("This person is not a grid worker of your village."))
    delegation = Delegation.objects.create(
        villager=villager, helper=helper, relation=relation, scopes=scopes, ends_at=ends_at
    )
    audit_record(
        actor=actor,
        action=PeopleEvent.DELEGATION_GRANT,
        obj=delegation,
        after={"helper": helper.pk, "scopes": scopes, "ends_at": ends_at.isoformat()},
    )
    home_invalidate(villager.user_id, helper.pk)
    return delegation


def delegation_revoke(*, delegation: Delegation, actor: User) -> Delegation:
    """End a delegation now (by the villager, or the helper giving it up)."""
    if delegation.revoked_at is None:
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action=PeopleEvent.DELEGATION_REVOKE,
            obj=delegation,
            after={"revoked_at": delegation.revoked_at.isoformat()},
        )
        home_invalidate(delegation.villager.user_id, delegation.helper_id)
    return delegation


def _actor_office(user: User) -> str:
    """A short description of where a staff member works, kept with each access record."""
    roles = list(user.roles.select_related("office", "region")[:3])
    if not roles:
        return ""
    r = roles[0]
    # A stored snapshot, so always in the official language, whatever the staff member reads in.
    with translation.override(settings.LANGUAGE_CODE):
        return str(r.office or r.region) + " · " + str(r.get_role_display())


# Reading the same record again for the same reason within this time is the same access.
ACCESS_REPEAT_WINDOW = dt.timedelta(hours=1)


def access_record(*, actor: User, villager: Villager, kind: str, purpose: str) -> DataAccess | None:
    """Log a read or use of a villager's personal data by someone else (nothing when they read their own).
    A repeat by the same person for the same reason within the hour is counted on the row of the first
    (one UPDATE, and None is returned); otherwise the new row is returned."""
    if is_self(actor, villager):
        return None
    home_invalidate(villager.user_id)
    purpose = purpose[:200]
    now = timezone.now()
    if DataAccess.objects.filter(
        subject=villager, actor=actor, kind=kind, purpose=purpose, created_at__gte=now - ACCESS_REPEAT_WINDOW
    ).update(times=F("times") + 1, last_at=now):
        return None
    return DataAccess.objects.create(
        subject=villager,
        actor=actor,
        actor_name=actor.name or actor.phone,
        actor_office=_actor_office(actor),
        kind=kind,
        purpose=purpose,
        region_code=villager.region_code,
    )


def access_record_many(*, actor: User, villagers: Iterable[Villager], kind: str, purpose: str) -> int:
    """Log one access row per villager in a single insert (exports)."""
    office = _actor_office(actor)
    rows = [
        DataAccess(
            subject=v,
            actor=actor,
            actor_name=actor.name or actor.phone,
            actor_office=office,
            kind=kind,
            purpose=purpose[:200],
            region_code=v.region_code,
        )
        for v in villagers
        if v.user_id != actor.pk
    ]
    DataAccess.objects.bulk_create(rows, batch_size=2000)
    home_invalidate(*(row.subject.user_id for row in rows))
    return len(rows)


def delegation_use(*, helper: User, villager: Villager, scope: str, purpose: str) -> Delegation:
    """Check that a helper may act for a villager now, and record the use. Raises if not allowed."""
    delegation = active_delegation(helper, villager, scope)
    if delegation is None:
        raise ValidationError(_("You have no active delegation from this villager for this."))
    access_record(actor=helper, villager=villager, kind=AccessKind.DELEGATION_USE, purpose=purpose)
    return delegation


def villager_update_contact(
    *, actor: User, villager: Villager, phone: str, living_away: bool, away_city: str = ""
) -> Villager:
    """The villager corrects their own contact phone and whether (and where) they live away."""
    from cunzhi.core.idnumbers import mask_phone, validate_phone

    if not is_self(actor, villager):
        raise ValidationError(_("Only the villager can change these details here."))
    phone = validate_phone(phone) if (phone or "").strip() else ""
    away_city = (away_city or "").strip() if living_away else ""
    if living_away and not away_city:
        raise ValidationError({"away_city": _("Say in which city you work, so notices can reach you.")})
    before = {"phone": mask_phone(villager.phone), "living_away": villager.living_away, "away_city": villager.away_city}
    villager.phone, villager.living_away, villager.away_city = phone, living_away, away_city
    villager.save(update_fields=["phone", "living_away", "away_city", "updated_at"])
    audit_record(
        actor=actor,
        action=PeopleEvent.VILLAGER_CONTACT,
        obj=villager,
        before=before,
        after={"phone": mask_phone(phone), "living_away": living_away, "away_city": away_city},
    )
    home_invalidate(villager.user_id)
    return villager


def user_set_language(*, user: User, language: str) -> User:
    """Remember the language a person reads the platform in."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the offered languages.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def grid_create(*, actor: Actor, village: Region, name: str, worker: User | None = None) -> Grid:
    """Add a grid to a village with its grid worker, who then holds the grid-worker role in the village."""
    if village.level != RegionLevel.VILLAGE:
        raise ValidationError(_("Grids belong to villages."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("A name is required.")]})
    name_max = Grid._meta.get_field("name").max_length
    assert name_max is not None  # Grid.name is a CharField with a max_length
    if len(name) > name_max:
        raise ValidationError({"name": [_("The name is too long.")]})
    if Grid.objects.filter(village=village, name=name).exists():
        raise ValidationError({"name": [_("This village already has a grid with this name.")]})
    with transaction.atomic():
        grid = Grid.objects.create(village=village, name=name, worker=worker)
        if worker is not None:
            # The grid worker acts for villagers of this village (delegations check this role).
            role_assign(actor=actor, user=worker, role=Role.GRID_WORKER, region=village)
        audit_record(
            actor=actor,
            action=PeopleEvent.GRID_CREATE,
            obj=grid,
            after={"name": name, "worker": worker.pk if worker else None},
        )
    return grid
