"""Reads for points: catalogue, village rules, the public board, review queues, household files, figures.

Every list runs a fixed number of queries whatever its rows (select_related, one aggregate per list).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from cunzhi.core.figures import as_counts, as_rates, grouped
from cunzhi.core.idnumbers import mask_name
from cunzhi.core.models import AuditEvent
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Household, Villager
from cunzhi.people.rules import STAFF_ROLES, own_villager, scope_q
from cunzhi.points import rules
from cunzhi.points.models import (
    Adoption,
    Commendation,
    Entry,
    EntryKind,
    EntryStatus,
    Goods,
    Holder,
    Item,
    ItemStatus,
    Objection,
    ObjectionStatus,
    ShopKeeper,
    TownshipShop,
    VillageRule,
)
from cunzhi.regions.models import Level, Region

# What the public board shows: reviewed decisions from the moment they are posted.
BOARD_STATUSES = (EntryStatus.POSTED, EntryStatus.OBJECTED, EntryStatus.COUNTED, EntryStatus.OVERTURNED)
# Balance ranges on the board. Deliberately no list of the lowest households: a "bottom list" is the
# shaming the national guidance warns against (domain.md); the public sees decisions and how many
# households fall in each range, never whose balance is smallest.
RANGES = ((0, 0), (1, 19), (20, 49), (50, 99), (100, None))


def village_by_code(*, code: str) -> Region | None:
    return Region.objects.filter(code=code, level=Level.VILLAGE).select_related("parent").first()


def township_by_code(*, code: str) -> Region | None:
    return Region.objects.filter(code=code, level=Level.TOWNSHIP).first()


def rule_for(village: Region) -> VillageRule | None:
    return VillageRule.objects.filter(village=village).first()


def home_village(*, user: AnyUser) -> Region | None:
    own = own_villager(user)
    return own.village if own is not None else None


def villages_in_scope(*, user: AnyUser) -> QuerySet[Region]:
    """The villages a staff member's index lists: code and name are all it shows (a county has 312)."""
    return (
        Region.objects.filter(scope_q(user, STAFF_ROLES, field="code"), level=Level.VILLAGE)
        .only("code", "name", "prefix", "level")
        .order_by("code")
    )


def townships_in_scope(*, user: AnyUser) -> QuerySet[Region]:
    return Region.objects.filter(scope_q(user, STAFF_ROLES, field="code"), level=Level.TOWNSHIP).order_by("code")


# ---------------------------------------------------------------- catalogue


def catalogue(*, township: Region) -> QuerySet[Item]:
    """The township's own items and the village items it approved or has to decide."""
    return Item.objects.filter(township=township).select_related("village")


def item_by_public_id(*, public_id: str) -> Item | None:
    return Item.objects.filter(public_id=public_id).select_related("township", "village").first()


def adoptable_items(*, village: Region) -> list[Item]:
    """Items the village may adopt, each with `.adoption` (the village's own setting, or None)."""
    items = list(
        Item.objects.filter(
            Q(village__isnull=True) | Q(village=village), township_id=village.parent_id, status=ItemStatus.APPROVED
        )
    )
    adopted = {a.item_id: a for a in Adoption.objects.filter(village=village)}
    for item in items:
        item.adoption = adopted.get(item.pk)  # type: ignore[attr-defined]  # for the page
    return items


def adoptions(*, village: Region, active: bool = True) -> QuerySet[Adoption]:
    return Adoption.objects.filter(village=village, active=active, item__status=ItemStatus.APPROVED).select_related(
        "item", "village"
    )


def adoption_by_id(*, village: Region, pk: int) -> Adoption | None:
    return adoptions(village=village).filter(pk=pk).first()


def proposed_items(*, village: Region) -> QuerySet[Item]:
    return Item.objects.filter(village=village).exclude(status=ItemStatus.APPROVED)


# ---------------------------------------------------------------- holders


def eligible_holders(*, village: Region, rule: VillageRule) -> list[tuple[int, int | None]]:
    """(household id, person id or None) of every holder under the rule; whole-away households left out if so set."""
    rows = list(
        Villager.objects.filter(village=village, household__isnull=False).values_list(
            "household_id", "pk", "living_away"
        )
    )
    at_home = {h for h, _p, away in rows if not away}
    keep = (lambda h: h in at_home) if rule.exclude_away else (lambda h: True)
    if rule.holder == Holder.PERSON:
        return sorted((h, p) for h, p, _away in rows if keep(h))
    return sorted({(h, None) for h, _p, _away in rows if keep(h)})


def households_named(households: list[Household]) -> list[Household]:
    """Households with `.shown_name`: the head's full name, for the village's own forms (cadres know them)."""
    for h in households:
        rep = h.representative
        h.shown_name = rep.name if rep is not None else ""  # type: ignore[attr-defined]  # for the form
    return households


def households_of(*, village: Region) -> list[Household]:
    return households_named(list(Household.objects.filter(village=village).select_related("representative")))


def persons_of(*, village: Region, household_ids: list[int] | None = None) -> list[Villager]:
    qs = Villager.objects.filter(village=village, household__isnull=False)
    if household_ids is not None:
        qs = qs.filter(household_id__in=household_ids)
    return list(qs.only("public_id", "name", "household_id").order_by("household_id", "name"))


def household_by_public_id(*, public_id: str) -> Household | None:
    return Household.objects.filter(public_id=public_id).select_related("village", "representative").first()


def household_by_pk(*, pk: int) -> Household | None:
    return Household.objects.filter(pk=pk).only("public_id", "number").first()


def balance(*, household: Household, person: Villager | None = None) -> int:
    filters: dict[str, Any] = {"household": household, "status": EntryStatus.COUNTED}
    if person is not None:
        filters["person"] = person
    return int(Entry.objects.filter(**filters).aggregate(n=Sum("points"))["n"] or 0)


# ---------------------------------------------------------------- entries


def _entries() -> QuerySet[Entry]:
    # Lists show a name, never an ID number: not loading them spares a decryption per villager per row.
    return Entry.objects.select_related("adoption__item", "household__representative", "person", "village").defer(
        "household__representative__id_number", "person__id_number"
    )


def entry_by_public_id(*, public_id: str) -> Entry | None:
    return _entries().filter(public_id=public_id).first()


def redemption_by_public_id(*, public_id: str) -> Entry | None:
    """A redemption with its goods and their shop, for its receipt."""
    return _entries().filter(public_id=public_id, kind=EntryKind.REDEMPTION).select_related("goods__village").first()


def objection_by_public_id(*, public_id: str) -> Objection | None:
    return Objection.objects.filter(public_id=public_id).select_related("entry__household", "entry__village").first()


def shown(entries: list[Entry]) -> list[Entry]:
    """Each entry with `.shown_household`: the household head's name masked (张*), as disclosure masks askers."""
    for e in entries:
        rep = e.household.representative
        e.shown_household = mask_name(rep.name) if rep is not None else "—"
    return entries


def board(*, village: Region) -> QuerySet[Entry]:
    """Posted decisions of the village, newest first (earned, deducted and corrections; not redemptions)."""
    return (
        _entries()
        .filter(village=village, status__in=BOARD_STATUSES, kind__in=(EntryKind.EARNED, EntryKind.CORRECTION))
        .order_by("-reviewed_at", "-id")
    )


def board_summary(*, village: Region) -> dict[str, Any]:
    """Totals and ranges for the board: households with counted points of all, and how many in each range."""
    total = Household.objects.filter(village=village).count()
    sums = dict(
        Entry.objects.filter(village=village, status=EntryStatus.COUNTED)
        .values("household")
        .annotate(n=Sum("points"))
        .values_list("household", "n")
    )
    earned = set(
        Entry.objects.filter(village=village, status=EntryStatus.COUNTED, kind=EntryKind.EARNED)
        .order_by()
        .values_list("household", flat=True)
        .distinct()
    )
    buckets: Counter[int] = Counter()
    for n in list(sums.values()) + [0] * max(0, total - len(sums)):
        for i, (lo, hi) in enumerate(RANGES):
            if n >= lo and (hi is None or n <= hi):
                buckets[i] += 1
                break
    ranges = [{"lo": lo, "hi": hi, "households": buckets[i]} for i, (lo, hi) in enumerate(RANGES)]
    return {
        "households": total,
        "taking_part": len(earned),
        "points_counted": sum(n for n in sums.values() if n > 0),
        "ranges": ranges,
    }


def figures_participation(*, village: Region) -> tuple[int, int]:
    """(households with any counted points earned for an item, all households of the village): outcomes only."""
    summary = board_summary(village=village)
    return summary["taking_part"], summary["households"]


def figures_taking_part(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Households whose points for a contribution were counted in the period, of all households (insights).

    Outcomes only: a reviewed, posted and unchallenged contribution. Base grants and redemptions do not count.
    """
    qs, took = figures_taking_part_cases(prefix=prefix, start=start, end=end)
    return as_rates(grouped(qs, "region_code", length, n=Count("id", filter=took), d=Count("id")))


def figures_taking_part_cases(*, prefix: str, start: dt.datetime, end: dt.datetime) -> tuple[QuerySet[Household], Q]:
    """The households `figures_taking_part` counts (all, the N) and the filter of those taking part (the n):
    one definition for the figure and insights' drill-through."""
    earned = _earned_counted(start, end).filter(household=OuterRef("pk"))
    return Household.objects.filter(region_code__under=prefix).annotate(took=Exists(earned)), Q(took=True)


def _earned_counted(start: dt.datetime, end: dt.datetime) -> QuerySet[Entry]:
    """Points for a contribution counted in [start, end): what makes a household one "taking part"."""
    return Entry.objects.filter(
        kind=EntryKind.EARNED, status=EntryStatus.COUNTED, points__gt=0, counted_at__gte=start, counted_at__lt=end
    )


def figures_taking_part_events(
    *, prefix: str, start: dt.datetime, end: dt.datetime, period_end: dt.datetime
) -> QuerySet:
    """The moments `figures_taking_part` counts a household for, as rows of (who, code, at): insights stores per
    day the households counted for the first time in a month, quarter or year, so a period's distinct count is
    a sum of stored rows. `period_end` is unused (the N is every household, whatever the day)."""
    return (
        _earned_counted(start, end)
        .filter(household__region_code__under=prefix)
        .annotate(who=F("household_id"), code=F("household__region_code"), at=F("counted_at"))
    )


# Entries of an item (never base grants, redemptions or closes): what "points by item" adds up.
ITEM_KINDS = (EntryKind.EARNED, EntryKind.CORRECTION)


def figures_by_item(*, prefix: str, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Per catalogue item used under the region (`prefix`): its title and sign, the villages using it, and the
    entries counted in [start, end) with their points (signed) and the distinct households they went to.

    ONE grouped query, whatever the number of items or villages: adoptions of the region, grouped by their item,
    their entries joined once. An item no village uses any longer appears only if it was counted in the period.
    Counts only: no household is named."""
    # The period's counted entries are joined (a condition of the join), not every entry of every year.
    counted = FilteredRelation(
        "entries",
        condition=Q(
            entries__status=EntryStatus.COUNTED,
            entries__kind__in=ITEM_KINDS,
            entries__counted_at__gte=start,
            entries__counted_at__lt=end,
        ),
    )
    rows = (
        Adoption.objects.filter(region_code__under=prefix)
        .annotate(counted=counted)
        .values("item_id", "item__public_id", "item__title", "item__sign")
        .annotate(
            villages=Count("village_id", filter=Q(active=True), distinct=True),
            entries_n=Count("counted__id"),
            points_n=Sum("counted__points"),
            households=Count("counted__household_id", distinct=True),
        )
        .filter(Q(villages__gt=0) | Q(entries_n__gt=0))
        .order_by("-item__sign", "-entries_n", "item__title", "item_id")
    )
    return [
        {
            "item": r["item__public_id"],
            "title": r["item__title"],
            "sign": r["item__sign"],
            "villages": r["villages"],
            "entries": r["entries_n"],
            "points": int(r["points_n"] or 0),
            "households": r["households"],
        }
        for r in rows
    ]


def figures_by_item_households(*, prefix: str, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    """(households with an item's entry counted in [start, end), all households of the region): the n beside
    `figures_by_item`, in one query."""
    counted = Entry.objects.filter(
        household=OuterRef("pk"),
        adoption__isnull=False,
        kind__in=ITEM_KINDS,
        status=EntryStatus.COUNTED,
        counted_at__gte=start,
        counted_at__lt=end,
    )
    agg = (
        Household.objects.filter(region_code__under=prefix)
        .annotate(took=Exists(counted))
        .aggregate(n=Count("id", filter=Q(took=True)), d=Count("id"))
    )
    return agg["n"] or 0, agg["d"] or 0


def figures_objections_upheld(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Objections decided in the period that were upheld (the points never count), of all decided (insights)."""
    qs, upheld = figures_objections_cases(figure="upheld", prefix=prefix, start=start, end=end)
    return as_rates(grouped(qs, "region_code", length, n=Count("id", filter=upheld), d=Count("id")))


def figures_objections_raised(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Objections villagers raised in the period against posted points (insights)."""
    qs, _n = figures_objections_cases(figure="raised", prefix=prefix, start=start, end=end)
    return as_counts(grouped(qs, "region_code", length, n=Count("id")))


def figures_objections_cases(
    *, figure: str, prefix: str, start: dt.datetime, end: dt.datetime
) -> tuple[QuerySet[Objection], Q | None]:
    """The objections a figure counts and the filter of its numerator (None for a count): "upheld" (decided in
    the period; upheld ones are the n) or "raised" (raised in the period). One definition for the figures and
    insights' drill-through."""
    qs = Objection.objects.filter(region_code__under=prefix)
    if figure == "upheld":
        return qs.filter(decided_at__gte=start, decided_at__lt=end), Q(status=ObjectionStatus.UPHELD)
    return qs.filter(created_at__gte=start, created_at__lt=end), None


def objections_readable(user: AnyUser) -> QuerySet[Objection]:
    """Objections whose entry page the user may open: those of the villages whose board they see."""
    return Objection.objects.filter(rules.board_scope_q(user))


def review_queue(*, village: Region) -> QuerySet[Entry]:
    return _entries().filter(village=village, status=EntryStatus.DECLARED).order_by("created_at", "id")


def open_objections(*, village: Region) -> QuerySet[Objection]:
    return (
        Objection.objects.filter(entry__village=village, status=ObjectionStatus.OPEN)
        .select_related("entry__adoption__item", "entry__household__representative")
        .order_by("created_at", "id")
    )


def household_entries(*, household: Household) -> QuerySet[Entry]:
    return _entries().filter(household=household).order_by("-created_at", "-id")


def entry_objections(*, entry: Entry) -> list[Objection]:
    return list(entry.objections.all())


def entry_history(*, entry: Entry, objections: list[Objection]) -> list[AuditEvent]:
    """Every audit row of the entry and its objections, oldest first."""
    q = Q(object_type="points.entry", object_id=str(entry.pk))
    if objections:
        q |= Q(object_type="points.objection", object_id__in=[str(o.pk) for o in objections])
    return list(AuditEvent.objects.filter(q).select_related("actor").order_by("created_at", "id"))


def counts_waiting(*, village: Region) -> dict[str, int]:
    return {
        "declared": Entry.objects.filter(village=village, status=EntryStatus.DECLARED).count(),
        "objections": Objection.objects.filter(entry__village=village, status=ObjectionStatus.OPEN).count(),
    }


def declarations_of(*, user: AnyUser) -> QuerySet[Entry]:
    return _entries().filter(declared_by_id=getattr(user, "pk", None)).order_by("-created_at")


def status_counts(*, village: Region) -> dict[str, int]:
    return dict(
        Entry.objects.filter(village=village).values("status").annotate(n=Count("id")).values_list("status", "n")
    )


def goods_of(*, village: Region, active_only: bool = False) -> QuerySet[Goods]:
    qs = Goods.objects.filter(village=village)
    return qs.filter(active=True) if active_only else qs


def goods_by_public_id(*, village: Region, public_id: str) -> Goods | None:
    return Goods.objects.filter(village=village, public_id=public_id).first()


def township_shop(*, township: Region) -> TownshipShop | None:
    return TownshipShop.objects.filter(township=township).first()


def served_villages(*, shop: Region) -> list[Region]:
    """The villages whose households a shop serves: the village itself, or those a township shop lists (all the
    township's villages when it lists none); [] for a township without a shop."""
    if shop.level == Level.VILLAGE:
        return [shop]
    town = township_shop(township=shop)
    if town is None:
        return []
    qs = Region.objects.filter(parent=shop, level=Level.VILLAGE).order_by("code")
    return list(qs.filter(code__in=town.serves) if town.serves else qs)


def shop_serves(*, shop_id: int, village: Region) -> bool:
    """Does the shop (a village's or a township's) serve households of this village?"""
    if shop_id == village.pk:
        return True
    if shop_id != village.parent_id:
        return False
    town = TownshipShop.objects.filter(township_id=shop_id).only("serves").first()
    return town is not None and (not town.serves or village.code in town.serves)


def counter_search(*, villages: list[Region], term: str, limit: int = 20) -> list[Household]:
    """Households of the shop's villages for the counter: a member's name or the start of its pinyin, the last
    digits of a member's phone, the household number, or the household's code (its QR code carries it)."""
    term = (term or "").strip()
    if not term or not villages:
        return []
    compact = term.lower().replace(" ", "")
    members = Villager.objects.filter(village__in=villages).filter(
        Q(name__contains=term)
        | Q(name_pinyin__startswith=compact)
        | (Q(phone__endswith=term) if term.isdigit() and len(term) >= 4 else Q(pk__in=[]))
    )
    code = term.rstrip("/").rsplit("/", 1)[-1]
    qs = (
        Household.objects.filter(village__in=villages)
        .filter(Q(pk__in=members.values("household_id")) | Q(number=term) | Q(public_id=code))
        .select_related("representative", "village")
        .order_by("region_code", "number")[:limit]
    )
    houses = households_named(list(qs))
    balances = dict(
        Entry.objects.filter(household__in=houses, status=EntryStatus.COUNTED)
        .values_list("household_id")
        .annotate(n=Sum("points"))
        .values_list("household_id", "n")
    )
    for h in houses:
        h.balance = int(balances.get(h.pk) or 0)  # type: ignore[attr-defined]  # shown by the counter page
    return houses


def redemption_suspended_until(*, household: Household) -> int | None:
    """The last year the household's redemption is suspended (a counted deduction of an item the village marks
    as serious, this year or last), or None."""
    today = timezone.localdate()
    years = Entry.objects.filter(
        household=household,
        status=EntryStatus.COUNTED,
        adoption__suspends_redemption=True,
        year__gte=today.year - 1,
    ).values_list("year", flat=True)
    last = max(years, default=None)
    return last + 1 if last is not None else None


# ---------------------------------------------------------------- commendation (never a shaming list)


def commendation_period(year: int, month: int | None) -> tuple[dt.date, dt.date]:
    """[start, end) of a year, or of one of its months (the red list)."""
    if month is None:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    start = dt.date(year, month, 1)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def commended(*, village: Region, start: dt.date, end: dt.date, size: int) -> list[dict[str, Any]]:
    """The households that earned most in [start, end): counted points earned for items (positive entries only:
    deductions, base grants and redemptions never rank anyone), at most `size`, ties sharing a rank. A list of
    praise, generated from points; there is deliberately no bottom of it (the national guidance forbids shaming).
    Names as the board shows them (the household head's, masked)."""
    rows = list(
        Entry.objects.filter(
            village=village,
            status=EntryStatus.COUNTED,
            kind=EntryKind.EARNED,
            points__gt=0,
            occurred_on__gte=start,
            occurred_on__lt=end,
        )
        .values("household")
        .annotate(n=Sum("points"), items=Count("id"))
        .order_by("-n", "household")[:size]
    )
    heads = dict(
        Household.objects.filter(pk__in=[r["household"] for r in rows]).values_list("pk", "representative__name")
    )
    out: list[dict[str, Any]] = []
    for i, r in enumerate(rows):
        rank = out[-1]["rank"] if out and out[-1]["points"] == r["n"] else i + 1
        head = heads.get(r["household"])
        out.append({"rank": rank, "name": mask_name(head) if head else "—", "points": r["n"], "items": r["items"]})
    return out


def receipt(*, entry: Entry) -> dict[str, Any]:
    """What a redemption's receipt shows: what, points, balance after, the counter person, the time, the receipt
    number (the entry's public id), the shop and the household (number and masked head's name; no ID numbers)."""
    shop = entry.goods.village if entry.goods_id else entry.village  # type: ignore[union-attr]  # goods_id set
    rep = entry.household.representative
    return {
        "number": entry.public_id,
        "shop": shop.name,
        "village": entry.village.name,
        "household_number": entry.household.number,
        "household": mask_name(rep.name) if rep is not None else "—",
        "what": entry.description,
        "points": -entry.points,
        "balance_after": entry.balance_after,
        "counter": entry.declared_by_name,
        "at": entry.counted_at or entry.created_at,
    }


def commendations(*, village: Region, year: int) -> list[Commendation]:
    """The postings of a year's commendation list, newest revision first."""
    return list(Commendation.objects.filter(village=village, year=year).order_by("-revision"))


def shops_kept(*, user: AnyUser) -> list[Region]:
    """The shops (villages' or townships') whose counter this user was named to keep."""
    if not user.is_authenticated:
        return []
    return list(Region.objects.filter(pk__in=ShopKeeper.objects.filter(user_id=user.pk).values("village_id")))


def shopkeepers(*, village: Region) -> list[ShopKeeper]:
    return list(ShopKeeper.objects.filter(village=village).select_related("user"))


def shopkeeper_by_pk(*, village: Region, pk: object) -> ShopKeeper | None:
    if not str(pk).isdigit():
        return None
    return ShopKeeper.objects.filter(village=village, pk=int(str(pk))).select_related("user").first()


def board_print_rows(*, village: Region, since: dt.datetime, limit: int = 500) -> list[dict[str, Any]]:
    """The printable board's rows: plain values, no model instances (a month of a large village is hundreds of
    rows; six model instances and a choices display per row were most of the page's time)."""
    labels = {value: str(label) for value, label in EntryStatus.choices}
    kinds = {value: str(label) for value, label in EntryKind.choices}
    rows: list[dict[str, Any]] = [
        dict(r)
        for r in board(village=village)
        .filter(reviewed_at__gte=since)
        .values(
            "points",
            "description",
            "review_reason",
            "objection_until",
            "status",
            "kind",
            "adoption__item__title",
            "household__representative__name",
        )[:limit]
    ]
    for r in rows:
        head = r["household__representative__name"]
        r["shown_household"] = mask_name(head) if head else "—"
        r["title"] = r["adoption__item__title"] or kinds.get(r["kind"], "")
        r["status_label"] = labels.get(r["status"], r["status"])
    return rows
