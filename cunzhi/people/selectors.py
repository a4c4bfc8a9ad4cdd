"""Reads for people. Every list is filtered by the reader's scope and runs a fixed number of queries."""

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.db.models import (
    CharField,
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, RowNumber, Substr
from django.utils import timezone

from cunzhi.core.figures import grouped
from cunzhi.core.idnumbers import fold_width, normalize_phone
from cunzhi.core.models import AuditEvent
from cunzhi.people import rules
from cunzhi.people.actors import AnyUser
from cunzhi.people.events import PeopleEvent
from cunzhi.people.models import (
    ADULT_AGE,
    DataAccess,
    Delegation,
    Grid,
    Household,
    ImportStatus,
    Office,
    RoleAssignment,
    RosterImport,
    SmsConsent,
    User,
    Villager,
)
from cunzhi.regions.models import PREFIX_LENGTH, Region
from cunzhi.regions.models import Level as RegionLevel


def adult_cutoff(day: dt.date | None = None) -> dt.date:
    """The latest birth date of someone who is an adult (18+) on `day` (default today)."""
    day = day or timezone.localdate()
    try:
        return day.replace(year=day.year - ADULT_AGE)
    except ValueError:  # 29 February
        return day.replace(year=day.year - ADULT_AGE, day=28)


def villagers_visible(
    *,
    user: AnyUser,
    search: str = "",
    region: Region | None = None,
    group: Region | None = None,
    living_away: bool | None = None,
    adult: bool | None = None,
) -> QuerySet[Villager]:
    """Villagers the user may list; `search` matches name, pinyin or phone; filters are optional."""
    qs = Villager.objects.filter(rules.scope_q(user)).select_related("village", "group", "household")
    if region is not None:
        qs = qs.filter(region_code__under=region.prefix)
    if group is not None:
        qs = qs.filter(group=group)
    if living_away is not None:
        qs = qs.filter(living_away=living_away)
    if adult is not None:
        cutoff = adult_cutoff()
        qs = qs.filter(birth_date__lte=cutoff) if adult else qs.filter(birth_date__gt=cutoff)
    if search:
        term = fold_width(search).strip()  # full-width digits and pinyin letters, as a Chinese keyboard types
        q = Q(name__contains=term) | Q(name_pinyin__startswith=term.lower().replace(" ", ""))
        digits = "".join(ch for ch in term if ch.isdigit())
        if len(digits) >= 4 and len(digits) == len(term.replace(" ", "").replace("-", "")):
            q |= Q(phone__contains=digits)
        qs = qs.filter(q)
    return qs


def households_visible(*, user: AnyUser, region: Region | None = None, search: str = "") -> QuerySet[Household]:
    """Households in the user's scope with their member count; `search` matches number or address."""
    qs = (
        Household.objects.filter(rules.scope_q(user))
        .select_related("village", "group", "representative")
        .annotate(member_count=_count(Villager.objects.filter(household=OuterRef("pk")), "household"))
        .order_by("region_code", "number")
    )
    if region is not None:
        qs = qs.filter(region_code__under=region.prefix)
    if search:
        term = search.strip()
        qs = qs.filter(Q(number__contains=term) | Q(address__contains=term) | Q(representative__name__contains=term))
    return qs


def household_members(*, household: Household) -> list[Villager]:
    """Members of a household, the representative first, then by birth date."""
    return sorted(
        Villager.objects.filter(household=household).select_related("group"),
        key=lambda v: (v.pk != household.representative_id, v.birth_date, v.pk),
    )


def villager_with_relations(*, public_id: str) -> Villager:
    """One villager with everything the record page shows, in one query (or DoesNotExist)."""
    return Villager.objects.select_related(
        "village__parent", "group", "grid__worker", "household__representative", "user"
    ).get(public_id=public_id)


def household_with_relations(*, public_id: str) -> Household:
    return Household.objects.select_related("village__parent", "group", "representative").get(public_id=public_id)


def offices_visible(*, user: AnyUser) -> QuerySet[Office]:
    """Offices serving the user's regions: those inside their scope and those above it (township, county)."""
    ps = rules.prefixes(user)
    if not ps:
        return Office.objects.none()
    q = Q()
    above: set[str] = set()
    for p in ps:
        q |= Q(region_code__under=p)
        if len(p) > 6:
            above.add(p[:6] + "000000")
        if len(p) > 9:
            above.add(p[:9] + "000")
    if above:
        q |= Q(region_code__in=sorted(above))
    return (
        Office.objects.filter(q)
        .select_related("region")
        .annotate(staff_count=Count("staff__user", distinct=True))
        .order_by("region_code", "name")
    )


def _count(qs: QuerySet[Any], key: str) -> Coalesce:
    """A correlated COUNT subquery on an indexed foreign key: one query for a whole list, not one per row.

    (A JOIN with GROUP BY would group every row in scope before paginating: slow at county scale.)
    """
    return Coalesce(
        Subquery(qs.order_by().values(key).annotate(c=Count("pk")).values("c")[:1], output_field=IntegerField()),
        Value(0),
    )


def village_count_annotations() -> dict[str, Expression]:
    """Subquery annotations for a Region queryset: villagers, households and people living away per village."""

    def count(qs: QuerySet[Any]) -> Coalesce:
        return _count(qs, "village")

    return {
        "villager_count": count(Villager.objects.filter(village=OuterRef("pk"))),
        "away_count": count(Villager.objects.filter(village=OuterRef("pk"), living_away=True)),
        "household_count": count(Household.objects.filter(village=OuterRef("pk"))),
    }


def group_count_annotations() -> dict[str, Expression]:
    """Subquery annotations for villager groups: villagers and households in each group."""

    def count(qs: QuerySet[Any]) -> Coalesce:
        return _count(qs, "group")

    return {
        "villager_count": count(Villager.objects.filter(group=OuterRef("pk"))),
        "away_count": count(Villager.objects.filter(group=OuterRef("pk"), living_away=True)),
        "household_count": count(Household.objects.filter(group=OuterRef("pk"))),
    }


def grid_count_annotations() -> dict[str, Expression]:
    """Subquery annotation for grids: how many villagers each grid covers."""
    qs = Villager.objects.filter(grid=OuterRef("pk")).order_by().values("grid").annotate(c=Count("pk")).values("c")
    return {"villager_count": Coalesce(Subquery(qs[:1], output_field=IntegerField()), Value(0))}


def villager_counts_by_prefix(*, prefix: str, length: int) -> dict[str, int]:
    """Villagers under `prefix`, counted per leading `length` characters of their region code (one query)."""
    from django.db.models.functions import Substr

    rows = (
        Villager.objects.filter(region_code__under=prefix)
        .order_by()
        .annotate(part=Substr("region_code", 1, length))
        .values("part")
        .annotate(c=Count("pk"))
    )
    return {row["part"]: row["c"] for row in rows}


def user_by_phone(*, phone: str) -> User | None:
    """The active account with this mobile number, or None."""
    return User.objects.filter(phone=normalize_phone(phone), is_active=True).first()


def regions_visible(*, user: AnyUser, level: str | None = None) -> QuerySet[Region]:
    """Regions in the user's scope (a villager sees their own village's line of the tree)."""
    ps = rules.prefixes(user)
    own = rules.own_villager(user)
    q = Q(pk__in=[])
    for p in ps:
        q |= Q(code__startswith=p)
    if own is not None:
        q |= Q(code__startswith=own.region_code) | Q(pk__in=_ancestor_ids(own.village))
    qs = Region.objects.filter(q)
    if level:
        qs = qs.filter(level=level)
    return qs


def _ancestor_ids(region: Region) -> list[int]:
    ids = []
    node: Region | None = region
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    return ids


def delegations_granted(*, villager: Villager) -> QuerySet[Delegation]:
    return Delegation.objects.filter(villager=villager).select_related("helper")


def delegations_held(*, user: User) -> QuerySet[Delegation]:
    return Delegation.objects.filter(helper=user).select_related("villager", "villager__village")


def villagers_helped(*, user: AnyUser, scope: str) -> list[Villager]:
    """Villagers who gave this user a delegation in force now covering `scope`, with their village.

    Every page that acts "for whom?" (raise a concern, apply for a service) offers these beside the
    user's own record, so one helper sees the same choice everywhere."""
    if not getattr(user, "is_authenticated", False):
        return []
    assert isinstance(user, User)  # only an account is authenticated
    now = timezone.now()
    out: list[Villager] = []
    for d in (
        Delegation.objects.filter(helper=user, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
        .select_related("villager__village")
        .order_by("created_at", "pk")
    ):
        if scope in (d.scopes or []) and all(v.pk != d.villager_id for v in out):
            out.append(d.villager)
    return out


def for_whom(*, user: AnyUser, key: str, scope: str) -> Villager | None:
    """The villager a "?for=" choice names, if the user may act for them in `scope`: themselves or a
    villager who delegated `scope` to them; None otherwise (pages answer 404, as for any hidden record)."""
    own = rules.own_villager(user)
    if own is not None and own.public_id == key:
        return own
    return next((v for v in villagers_helped(user=user, scope=scope) if v.public_id == key), None)


def delegation_by_public_id(*, public_id: str) -> Delegation | None:
    """One delegation with both parties, or None."""
    return Delegation.objects.select_related("villager", "helper").filter(public_id=public_id).first()


# What the home page (web/home_part_villager.html) and the domains' cards (own_villager's pk and region
# code, the village's code and name) read of the own record. A field left out costs a query when read,
# which the home page's fixed query count (web tests) would catch.
HOME_VILLAGER_FIELDS = (
    "public_id",
    "user_id",
    "name",
    "region_code",
    "living_away",
    "away_city",
    "village__code",
    "village__name",
    "village__parent__name",
    "group__name",
    "household__public_id",
    "household__number",
    "household__representative_id",
    "grid__name",
    "grid__worker__name",
)


def own_villager_with_relations(*, user: User, id_number: bool = True) -> Villager | None:
    """The user's own villager record with village, group, household and grid loaded, or None.

    Kept on the user object as `user.villager` too (Django's own cache of the reverse one-to-one),
    so rules.own_villager on the same request asks no second time. `id_number=False` leaves the
    encrypted ID number out (not decrypted) for pages that do not show it."""
    qs = Villager.objects.select_related("village__parent", "group", "household", "grid__worker")
    if not id_number:
        # The home page: only the columns it and its cards read. Building SQL and instances for five
        # joined tables' every column was the dearest query of a first visit (docs/benchmarks.md).
        qs = qs.only(*HOME_VILLAGER_FIELDS)
    # The user's one record (unique): no sort (first() would add ORDER BY id).
    villager = next(iter(qs.filter(user=user).order_by()[:1]), None)
    if villager is not None:
        Villager.user.field.remote_field.set_cached_value(user, villager)
    return villager


def data_accesses(*, villager: Villager, limit: int | None = 50) -> QuerySet[DataAccess]:
    """Who read or used the villager's data, newest first (all of it when limit is None, for paging)."""
    qs = DataAccess.objects.filter(subject=villager)
    return qs if limit is None else qs[:limit]


def adults_in(*, region: Region, on: dt.date | None = None) -> QuerySet[Villager]:
    """Villagers aged 18 or more on a day (default today): derived from birth dates, never typed."""
    return Villager.objects.filter(region_code__under=region.prefix, birth_date__lte=adult_cutoff(on))


def households_by(*, prefix: str, length: int) -> dict[str, int]:
    """Households under `prefix` per child code of `length` digits: the N of figures over households. One
    grouped query."""
    rows = grouped(Household.objects.filter(region_code__under=prefix), "region_code", length, n=Count("id"))
    return {r["k"]: r["n"] for r in rows}


def adults_by(*, prefix: str, length: int, on: dt.date) -> dict[str, int]:
    """Adults on a day under `prefix` per child code of `length` digits: the N of figures over adults."""
    qs = Villager.objects.filter(region_code__under=prefix, birth_date__lte=adult_cutoff(on))
    return {r["k"]: r["n"] for r in grouped(qs, "region_code", length, n=Count("id"))}


def roles_of(*, user: User) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("region", "office")


def home_people(*, user: User) -> dict[str, Any]:
    """The people part of the home page: the villager's own things, and the staff member's region and work.

    `is_staff` says which home this is; web.selectors.home_context adds the domains' cards.
    """
    now = timezone.now()
    villager = own_villager_with_relations(user=user, id_number=False)
    context: dict[str, Any] = {"villager": villager, "now": now}
    if villager is not None:
        # Each list loads only the columns the home page shows (no encrypted ID numbers to decrypt).
        members = []
        if villager.household is not None:
            rep = villager.household.representative_id
            members = sorted(
                Villager.objects.filter(household=villager.household)
                .only("name", "living_away", "birth_date", "household_id")
                .order_by(),
                key=lambda v: (v.pk != rep, v.birth_date, v.pk),
            )
        # The signed-in account says whether anyone helps this villager or read their record (rules.signed_in):
        # most have neither, and their home asks neither query.
        context.update(
            household_members=members,
            delegations=list(
                delegations_granted(villager=villager)
                .filter(revoked_at__isnull=True, ends_at__gt=now)
                .only("relation", "ends_at", "helper__name", "helper__phone")[:10]
            )
            if getattr(user, "cunzhi_is_helped", True)
            else [],
            accesses=list(
                data_accesses(villager=villager, limit=None).only("created_at", "actor_name", "actor_office")[:5]
            )
            if getattr(user, "cunzhi_was_read", True)
            else [],
        )
    # The same cached rows the cards' "for whom?" checks read: one query for both.
    context["delegations_held"] = rules.delegations_held_open(user)[:20]
    # role_rows is cached on the user and needed anyway; skip the fuller query for plain villagers.
    roles = list(roles_of(user=user)) if rules.role_rows(user) else []
    context["roles"] = roles
    is_staff = any(r.role in rules.STAFF_ROLES for r in roles)
    context["is_staff"] = is_staff
    if is_staff:
        scope = rules.scope_q(user)
        counts = Villager.objects.filter(scope).aggregate(
            villagers=Count("pk"),
            away=Count("pk", filter=Q(living_away=True)),
            adults=Count("pk", filter=Q(birth_date__lte=adult_cutoff())),
        )
        counts["households"] = Household.objects.filter(scope).count()
        context["scope_counts"] = counts
        context["can_import_regions"] = rules.can_admin_regions(user)
        context["can_roster"] = rules.has_role(user, rules.ROSTER_ROLES)
        if context["can_roster"]:
            context["roster_imports"] = list(
                RosterImport.objects.filter(rules.scope_q(user, rules.ROSTER_ROLES))
                .select_related("village")
                .only(
                    "public_id",
                    "original_name",
                    "status",
                    "created_at",
                    "village__name",
                    "total_rows",
                    "created_villagers",
                )[:5]
            )
    return context


# --- The region tree as people see it: scope, head counts, grids (regions knows no people) ------


def scope_regions_q(user: AnyUser) -> Q:
    """Regions a user may see: staff prefixes' subtrees, or a villager's own village, its groups and ancestors."""
    q = Q(pk__in=[])
    for p in rules.prefixes(user):
        q |= Q(code__startswith=p)
    own = rules.own_villager(user)
    if own is not None:
        code = own.region_code
        # Same line as regions_visible (above) and rules.can_view_region.
        q |= Q(code__startswith=code) | Q(code=code[:9] + "000") | Q(code=code[:6] + "000000")
    return q


def region_tree(*, user: AnyUser) -> list[Region]:
    """Root nodes of the tree the user may see (county, township, village levels), each with `.kids`.

    Villages carry villager/household/away counts from one annotated query; townships and counties
    carry the sums of their villages.
    """
    nodes = list(
        Region.objects.filter(scope_regions_q(user))
        .exclude(level=RegionLevel.GROUP)
        .annotate(**village_count_annotations())
        .order_by("code")
    )
    by_pk: dict[int | None, Region] = {n.pk: n for n in nodes}
    roots: list[Region] = []
    for n in nodes:
        n.kids = []
        n.show_counts = rules.can_see_counts(user, n)
        n.viewable = rules.can_view_region(user, n)
    for n in nodes:
        parent = by_pk.get(n.parent_id)
        (parent.kids if parent is not None else roots).append(n)
    # Sum village counts upward (codes are sorted, so walk from the deepest level up).
    for level in (RegionLevel.TOWNSHIP, RegionLevel.COUNTY):
        for n in nodes:
            if n.level == level and n.kids:
                n.villager_count = sum(k.villager_count for k in n.kids)
                n.household_count = sum(k.household_count for k in n.kids)
                n.away_count = sum(k.away_count for k in n.kids)
                n.village_total = sum(
                    getattr(k, "village_total", 1 if k.level == RegionLevel.VILLAGE else 0) for k in n.kids
                )
    return roots


def region_children(*, region: Region) -> list[Region]:
    """Direct children with head counts, by the cheapest query for the level."""
    children = Region.objects.filter(parent=region).order_by("code")
    if region.level == RegionLevel.TOWNSHIP:
        return list(children.annotate(**village_count_annotations()))
    if region.level == RegionLevel.VILLAGE:
        return list(children.annotate(**group_count_annotations()))
    # A county's townships: one grouped count over the county's villagers.
    kids = list(children)
    counts = villager_counts_by_prefix(prefix=region.prefix, length=PREFIX_LENGTH[RegionLevel.TOWNSHIP])
    for k in kids:
        k.villager_count = counts.get(k.prefix, 0)
    return kids


def village_grids(*, village: Region) -> list[Grid]:
    return list(Grid.objects.filter(village=village).select_related("worker").annotate(**grid_count_annotations()))


def village_counts(*, village: Region) -> dict[str, Any]:
    row = (
        Region.objects.filter(pk=village.pk)
        .annotate(**village_count_annotations())
        .values("villager_count", "household_count", "away_count")  # type: ignore[misc]  # the plugin cannot see **annotations
        .first()
    )
    return row or {}


def villages_in_scope(*, user: AnyUser) -> list[Region]:
    """Villages inside the user's staff scope, for filter menus (one query)."""
    return list(
        Region.objects.filter(rules.scope_q(user, field="code"), level=RegionLevel.VILLAGE).only(
            "code", "name", "prefix", "level"
        )
    )


CONSENT_CHUNK = 5000  # numbers per query: a county notice asks about 100,000


def consents(phones: Collection[str] | Q) -> dict[str, bool]:
    """The newest recorded consent of each number that has one (absent: never recorded). `phones`: a
    few numbers, or a filter naming them by subqueries (a notice to a county: one statement, the
    100,000 numbers stay in the database)."""
    newest = SmsConsent.objects.annotate(
        n=Window(RowNumber(), partition_by=[F("phone")], order_by=[F("at").desc(), F("id").desc()])
    )
    if isinstance(phones, Q):
        return dict(newest.filter(phones, n=1).values_list("phone", "given"))
    out: dict[str, bool] = {}
    numbers = sorted(phones)
    for i in range(0, len(numbers), CONSENT_CHUNK):
        out.update(newest.filter(phone__in=numbers[i : i + CONSENT_CHUNK], n=1).values_list("phone", "given"))
    return out


# ---------------------------------------------------------------- figures (insights reads these)


def figures_typed_twice(*, prefix: str, start: dt.datetime, end: dt.datetime) -> QuerySet[Villager]:
    """Villagers registered one by one by hand in [start, end) in a village whose roster had already been
    imported: the same fact typed a second time where an import exists (insights' surface-use flag;
    domain.md: enter a fact once). The roster import writes villagers in bulk without a registration event
    each, so "by hand" is the registration event of `villager_create`."""
    imported = RosterImport.objects.filter(
        village_id=OuterRef("village_id"), status=ImportStatus.DONE, finished_at__lt=OuterRef("created_at")
    )
    by_hand = AuditEvent.objects.filter(
        action=PeopleEvent.VILLAGER_CREATE,
        object_type="people.villager",
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    # The area as a condition no index serves: SQLite then reads the few villagers registered in the period by
    # their registration time (index villager_created) instead of every villager of the county by area code.
    in_area = Substr("region_code", 1, len(prefix))
    return (
        Villager.objects.annotate(area=in_area)
        .filter(area=prefix, created_at__gte=start, created_at__lt=end)
        .filter(Exists(imported), Exists(by_hand))
    )
