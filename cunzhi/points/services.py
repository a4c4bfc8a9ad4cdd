"""Writes for points: the catalogue, village rules and adoptions, declarations, review, objections, counting,
base grants and redemptions. Each state change writes one audit row.

Points come only from declared and reviewed contributions, a village rule's base grant and redemptions: never
from log-ins, clicks, time online or uploads (domain.md, "against formalism").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Abs
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhi.core.audit import audit_record
from cunzhi.core.files import file_intake
from cunzhi.core.idnumbers import normalize_phone
from cunzhi.ledger import rules as ledger_rules
from cunzhi.ledger import services as ledger_services
from cunzhi.ledger.models import Direction, FinanceCategory
from cunzhi.people.actors import User
from cunzhi.people.models import Household, Role, Villager
from cunzhi.points import rules, selectors
from cunzhi.points.events import PointsEvent
from cunzhi.points.models import (
    Adoption,
    Commendation,
    Entry,
    EntryKind,
    EntryStatus,
    Goods,
    GoodsReceipt,
    Holder,
    Item,
    ItemStatus,
    Objection,
    ObjectionStatus,
    Outcome,
    ShopKeeper,
    Sign,
    TownshipShop,
    VillageRule,
    YearEnd,
)
from cunzhi.regions.models import Level, Region

MAX_POINTS = 1000  # one item's points: a typo (5000 for 50) is refused rather than posted
MAX_COMMENDED = 100  # a commendation names a few households; a list of everyone would be a ranking
MAX_TEXT = 500
REVIEW_ROLE_CHOICES = (Role.CADRE, Role.PARTY_SECRETARY, Role.REPRESENTATIVE, Role.SUPERVISOR)


def _text(value: str, field: str, message: str, *, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return value


def _village(village: Region) -> None:
    if village.level != Level.VILLAGE:
        raise ValueError("a village is needed")


# ---------------------------------------------------------------- catalogue and rules


def _check_item_numbers(*, points: int, min_points: int, max_points: int, yearly_cap: int) -> None:
    errors = {}
    if not 1 <= points <= MAX_POINTS:
        errors["points"] = _("Points must be between 1 and %(n)s.") % {"n": MAX_POINTS}
    elif not 1 <= min_points <= points <= max_points <= MAX_POINTS:
        errors["min_points"] = _("The village bounds must hold the points: fewest ≤ points ≤ most.")
    if yearly_cap < 0 or (yearly_cap and yearly_cap < points):
        errors["yearly_cap"] = _("The yearly cap is 0 (none) or at least the item's points.")
    if errors:
        raise ValidationError(errors)


def item_create(
    *,
    township: Region,
    title: str,
    sign: str,
    points: int,
    min_points: int,
    max_points: int,
    evidence: str = "",
    yearly_cap: int = 0,
    actor: User,
    village: Region | None = None,
) -> Item:
    """Add an item to a township's catalogue (village=None), or propose a village's own item to the township."""
    if township.level != Level.TOWNSHIP:
        raise ValueError("a township is needed")
    if village is None and not rules.catalogue_keeper(actor, township.code):
        raise PermissionDenied
    if village is not None and (village.parent_id != township.pk or not rules.can_set_rules(actor, village.code)):
        raise PermissionDenied
    title = _text(title, "title", _("Name the item."), limit=100)
    if sign not in Sign.values:
        raise ValidationError({"sign": _("Choose whether the item earns or deducts points.")})
    _check_item_numbers(points=points, min_points=min_points, max_points=max_points, yearly_cap=yearly_cap)
    item = Item.objects.create(
        township=township,
        village=village,
        title=title,
        sign=sign,
        points=points,
        min_points=min_points,
        max_points=max_points,
        evidence=(evidence or "").strip()[:200],
        yearly_cap=yearly_cap,
        status=ItemStatus.PROPOSED if village else ItemStatus.APPROVED,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=PointsEvent.ITEM_PROPOSE if village else PointsEvent.ITEM_CREATE,
        obj=item,
        after={"title": title, "sign": sign, "points": points, "bounds": [min_points, max_points], "cap": yearly_cap},
    )
    return item


@transaction.atomic
def item_decide(*, item: Item, approve: bool, reason: str, actor: User) -> Item:
    """The township approves a village's own item into its catalogue (for that village only), or refuses it."""
    if not rules.catalogue_keeper(actor, item.township.code):
        raise PermissionDenied
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.status != ItemStatus.PROPOSED:
        raise ValidationError(_("This item has already been decided."))
    reason = (reason or "").strip()[:300]
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the item is refused.")})
    item.status = ItemStatus.APPROVED if approve else ItemStatus.REFUSED
    item.decided_reason = reason
    item.save(update_fields=["status", "decided_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=PointsEvent.ITEM_APPROVE if approve else PointsEvent.ITEM_REJECT,
        obj=item,
        before={"status": ItemStatus.PROPOSED},
        after={"status": item.status, "reason": reason},
    )
    return item


def rule_set(
    *,
    village: Region,
    holder: str,
    base_grant: int,
    exclude_away: bool,
    objection_days: int,
    review_roles: list[str],
    actor: User,
    year_end: str = YearEnd.CARRY,
    red_list_size: int = 0,
    commend_size: int = 10,
) -> VillageRule:
    """Set how the village runs points (cadres of the village)."""
    _village(village)
    if not rules.can_set_rules(actor, village.code):
        raise PermissionDenied
    errors = {}
    if holder not in Holder.values:
        errors["holder"] = _("Choose who holds the points.")
    if not 0 <= base_grant <= MAX_POINTS:
        errors["base_grant"] = _("Base points must be between 0 and %(n)s.") % {"n": MAX_POINTS}
    if year_end not in YearEnd.values:
        errors["year_end"] = _("Choose whether points carry over or reset at the year's close.")
    if not 0 <= red_list_size <= MAX_COMMENDED:
        errors["red_list_size"] = _("The red list names between 0 and %(n)s households.") % {"n": MAX_COMMENDED}
    if not 1 <= commend_size <= MAX_COMMENDED:
        errors["commend_size"] = _("The commendation list names between 1 and %(n)s households.") % {"n": MAX_COMMENDED}
    if not 1 <= objection_days <= 30:
        errors["objection_days"] = _("The objection period is between 1 and 30 days.")
    roles = sorted({r for r in review_roles if r in REVIEW_ROLE_CHOICES})
    if not roles or len(roles) != len(set(review_roles)):
        errors["review_roles"] = _("Choose who reviews: village committee members, representatives or both.")
    if errors:
        raise ValidationError(errors)
    old = selectors.rule_for(village)
    before = None
    if old is not None:
        before = {"holder": old.holder, "base_grant": old.base_grant, "exclude_away": old.exclude_away}
        before |= {"objection_days": old.objection_days, "review_roles": old.review_roles}
    rule, _created = VillageRule.objects.update_or_create(
        village=village,
        defaults={
            "holder": holder,
            "base_grant": base_grant,
            "exclude_away": exclude_away,
            "objection_days": objection_days,
            "review_roles": roles,
            "year_end": year_end,
            "red_list_size": red_list_size,
            "commend_size": commend_size,
        },
    )
    after = {"holder": holder, "base_grant": base_grant, "exclude_away": exclude_away}
    audit_record(
        actor=actor,
        action=PointsEvent.RULE_SET,
        obj=rule,
        before=before,
        after=after | {"objection_days": objection_days, "review_roles": roles, "year_end": year_end},
    )
    return rule


def adoption_set(
    *,
    village: Region,
    item: Item,
    points: int,
    yearly_cap: int,
    actor: User,
    active: bool = True,
    outcome: str | None = None,
    suspends_redemption: bool | None = None,
) -> Adoption:
    """The village adopts (or re-sets, or stops using) an item, within the township's bounds."""
    _village(village)
    if not rules.can_set_rules(actor, village.code):
        raise PermissionDenied
    if (
        item.status != ItemStatus.APPROVED
        or item.township_id != village.parent_id
        or item.village_id
        not in (
            None,
            village.pk,
        )
    ):
        raise ValidationError(_("This item is not in your township's catalogue."))
    errors = {}
    if not item.min_points <= points <= item.max_points:
        errors["points"] = _("The township allows %(lo)s to %(hi)s points for this item.") % {
            "lo": item.min_points,
            "hi": item.max_points,
        }
    if yearly_cap < 0 or (item.yearly_cap and not 0 < yearly_cap <= item.yearly_cap):
        errors["yearly_cap"] = _("The township caps this item at %(n)s points a year.") % {"n": item.yearly_cap}
    elif yearly_cap and yearly_cap < points:
        errors["yearly_cap"] = _("The yearly cap is 0 (none) or at least the item's points.")
    defaults: dict[str, Any] = {"points": points, "yearly_cap": yearly_cap, "active": active}
    if outcome is not None:
        # One item per outcome in a village: proposing twice for one meeting would count it twice.
        if outcome and outcome not in Outcome.values:
            errors["outcome"] = _("Choose an outcome the item is proposed from.")
        elif outcome and item.sign != Sign.POSITIVE:
            errors["outcome"] = _("Only items that earn points are proposed from outcomes.")
        elif outcome and Adoption.objects.filter(village=village, outcome=outcome).exclude(item=item).exists():
            errors["outcome"] = _("Another item of the village is already proposed from this outcome.")
        defaults["outcome"] = outcome
    if suspends_redemption is not None:
        if suspends_redemption and item.sign != Sign.NEGATIVE:
            errors["suspends_redemption"] = _("Only a deduction can suspend redemption.")
        defaults["suspends_redemption"] = suspends_redemption
    if errors:
        raise ValidationError(errors)
    adoption, _created = Adoption.objects.update_or_create(village=village, item=item, defaults=defaults)
    audit_record(
        actor=actor,
        action=PointsEvent.ADOPTION_SET,
        obj=adoption,
        after={"item": item.title, "points": points, "yearly_cap": yearly_cap, "active": active}
        | ({"outcome": outcome} if outcome is not None else {}),
    )
    return adoption


# ---------------------------------------------------------------- declarations and review


def _holder(household: Household, person: Villager | None, rule: VillageRule | None) -> Villager | None:
    """The person who holds the points under a per-person rule (required then), else None."""
    if rule is not None and rule.holder == Holder.PERSON:
        if person is None or person.household_id != household.pk:
            raise ValidationError({"person": _("Points go to persons in this village: choose who in the household.")})
        return person
    return None


def _used_this_year(*, adoption: Adoption, household: Household, person: Villager | None, year: int) -> int:
    qs = Entry.objects.filter(adoption=adoption, household=household, person=person, year=year).exclude(
        status__in=(EntryStatus.REJECTED, EntryStatus.OVERTURNED)
    )
    return int(qs.aggregate(n=Sum(Abs("points")))["n"] or 0)


def _check_cap(
    *, adoption: Adoption, household: Household, person: Villager | None, year: int, exclude: int = 0
) -> None:
    if not adoption.yearly_cap:
        return
    used = _used_this_year(adoption=adoption, household=household, person=person, year=year) - exclude
    if used + adoption.points > adoption.yearly_cap:
        raise ValidationError(
            _("This item is capped at %(cap)s points a year, and %(used)s are already declared or counted.")
            % {"cap": adoption.yearly_cap, "used": used}
        )


def entry_declare(
    *,
    adoption: Adoption,
    household: Household,
    occurred_on: dt.date,
    description: str,
    actor: User,
    person: Villager | None = None,
    evidence: File | None = None,
) -> Entry:
    """Declare points for a household (its member or helper), or propose them (cadre, representative)."""
    if household.region_code != adoption.region_code:
        raise ValidationError(_("The household is not in this village."))
    if not rules.can_declare_for(actor, household):
        raise PermissionDenied
    if not adoption.active or adoption.item.status != ItemStatus.APPROVED:
        raise ValidationError({"adoption": _("The village does not use this item now.")})
    description = _text(description, "description", _("Say what was done."))
    today = timezone.localdate()
    if occurred_on > today:
        raise ValidationError({"occurred_on": _("The day cannot be in the future.")})
    if occurred_on.year != today.year:
        raise ValidationError({"occurred_on": _("Only this year's contributions can be declared.")})
    rule = selectors.rule_for(adoption.village)
    holder = _holder(household, person, rule)
    stored = file_intake(evidence, kinds=("image",)) if evidence else None
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()  # caps checked one at a time
        _check_cap(adoption=adoption, household=household, person=holder, year=occurred_on.year)
        entry = Entry(
            village=adoption.village,
            household=household,
            person=holder,
            adoption=adoption,
            points=adoption.signed_points,
            year=occurred_on.year,
            occurred_on=occurred_on,
            description=description,
            declared_by=actor,
            declared_by_name=actor.name,
        )
        if stored is not None:
            entry.evidence.save(stored.name or "evidence.jpg", stored, save=False)
        entry.save()
        # A helper acts for the delegating member of the household: both are on the audit row.
        helped = next((v for v in rules.delegators(actor) if v.household_id == household.pk), None)
        on_behalf = helped if helped is not None and rules.own_household_id(actor) != household.pk else None
        audit_record(
            actor=actor,
            action=PointsEvent.ENTRY_DECLARE,
            obj=entry,
            on_behalf_of=on_behalf,
            after={"item": adoption.item.title, "points": entry.points, "household": household.number},
        )
    return entry


def entry_propose_from_outcome(
    *,
    adoption: Adoption,
    household_id: int,
    villager_id: int,
    occurred_on: dt.date,
    description: str,
    source: str,
    proposer: str,
) -> Entry | None:
    """Propose points for a real outcome (an activity's confirmed hours, a meeting attended, a public concern
    confirmed resolved): a declaration like any other, waiting for the review group. Made once per `source`;
    None when not proposed (already proposed, another year, over the yearly cap, or the rule leaves the holder
    out). The job is the actor: no person declared it, the outcome did."""
    if not adoption.active or adoption.item.status != ItemStatus.APPROVED:
        return None
    if occurred_on.year != timezone.localdate().year or occurred_on > timezone.localdate():
        return None
    rule = selectors.rule_for(adoption.village)
    person_id = villager_id if rule is not None and rule.holder == Holder.PERSON else None
    household = Household.objects.filter(pk=household_id, village_id=adoption.village_id).first()
    if household is None:
        return None
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()  # caps checked one at a time
        if Entry.objects.filter(source=source).exists():
            return None
        person = Villager.objects.filter(pk=person_id).first() if person_id else None
        try:
            _check_cap(adoption=adoption, household=household, person=person, year=occurred_on.year)
        except ValidationError:
            return None  # the cap is reached: the outcome stands, it earns no more this year
        entry = Entry.objects.create(
            village=adoption.village,
            household=household,
            person=person,
            adoption=adoption,
            points=adoption.signed_points,
            year=occurred_on.year,
            occurred_on=occurred_on,
            description=description[:MAX_TEXT],
            declared_by=None,
            declared_by_name=proposer[:50],
            source=source[:80],
        )
        audit_record(
            actor=None,
            action=PointsEvent.ENTRY_PROPOSE,
            obj=entry,
            after={"item": adoption.item.title, "points": entry.points, "household": household.number, "from": source},
        )
    return entry


@transaction.atomic
def entry_review(*, entry: Entry, approve: bool, reason: str, actor: User) -> Entry:
    """The review group approves (the points are posted for objections) or rejects, always with a reason."""
    entry = Entry.objects.select_for_update(of=("self",)).select_related("household", "adoption__item").get(pk=entry.pk)
    rule = selectors.rule_for(entry.village)
    if not rules.may_review(actor, entry, rule):
        if entry.status != EntryStatus.DECLARED:
            raise ValidationError(_("This declaration has already been reviewed."))
        raise PermissionDenied
    reason = _text(reason, "reason", _("Give the reason for the decision."))
    if approve and entry.adoption is not None:
        _check_cap(
            adoption=entry.adoption,
            household=entry.household,
            person=entry.person,
            year=entry.year,
            exclude=abs(entry.points),
        )
    now = timezone.now()
    entry.status = EntryStatus.POSTED if approve else EntryStatus.REJECTED
    entry.reviewed_by, entry.reviewed_by_name, entry.review_reason, entry.reviewed_at = actor, actor.name, reason, now
    if approve:
        days = rule.objection_days if rule is not None else 7
        entry.objection_until = now + dt.timedelta(days=days)
    entry.save()
    audit_record(
        actor=actor,
        action=PointsEvent.ENTRY_APPROVE if approve else PointsEvent.ENTRY_REJECT,
        obj=entry,
        before={"status": EntryStatus.DECLARED},
        after={"status": entry.status, "reason": reason, "objection_until": str(entry.objection_until or "")},
    )
    _tell_household(entry)
    return entry


def _tell_household(entry: Entry) -> None:
    """The household hears when its points are reviewed: approved (posted, until when objections run) or rejected,
    with the reason. Sent to the household's representative (notify's direct strategy), by inbox or text."""
    from django.urls import reverse

    from cunzhi.core.links import absolute_url
    from cunzhi.notify.services import notice_send

    title = entry.title
    if entry.status == EntryStatus.POSTED:
        until = timezone.localtime(entry.objection_until).strftime("%Y-%m-%d") if entry.objection_until else ""
        subject = {"zh-hans": f"积分已通过评议：{title}", "en": f"Points approved: {title}"}
        body = {
            "zh-hans": f"{title} {entry.points:+d}分已通过评议并公示，{until}前无异议即计入。"
            f"理由：{entry.review_reason}",
            "en": f"{title} {entry.points:+d} points were approved and posted; they count if no objection stands by "
            f"{until}. Reason: {entry.review_reason}",
        }
    else:
        subject = {"zh-hans": f"积分申报未通过：{title}", "en": f"Points not approved: {title}"}
        body = {
            "zh-hans": f"{title}的申报未通过评议。理由：{entry.review_reason}",
            "en": f"The declaration for {title} was not approved. Reason: {entry.review_reason}",
        }
    notice_send(
        kind="direct",
        household_ids=[entry.household_id],
        subject=subject,
        body=body,
        link=absolute_url(reverse("points:entry", args=[entry.public_id])),
        region_code=entry.region_code,
    )


@transaction.atomic
def objection_raise(*, entry: Entry, reason: str, actor: User) -> Objection:
    """A villager of the village objects to posted points, with a reason, inside the objection period."""
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == EntryStatus.POSTED and not entry.open_for_objection:
        raise ValidationError(_("The objection period for these points has ended."))
    if entry.status != EntryStatus.POSTED:
        raise ValidationError(_("These points are not open for objections."))
    if not rules.may_object(actor, entry):
        raise PermissionDenied
    reason = _text(reason, "reason", _("Say why you object."))
    objection = Objection.objects.create(entry=entry, raised_by=actor, raised_by_name=actor.name, reason=reason)
    entry.status = EntryStatus.OBJECTED
    entry.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=PointsEvent.OBJECTION_RAISE, obj=objection, after={"entry": entry.public_id})
    return objection


@transaction.atomic
def objection_decide(*, objection: Objection, uphold: bool, reason: str, actor: User) -> Objection:
    """Upheld: the points never count. Dismissed: they count when the objection period is over."""
    objection = Objection.objects.select_for_update(of=("self",)).select_related("entry").get(pk=objection.pk)
    entry = objection.entry
    if objection.status != ObjectionStatus.OPEN:
        raise ValidationError(_("This objection has already been decided."))
    if not rules.may_decide(actor, objection, selectors.rule_for(entry.village)):
        raise PermissionDenied
    reason = _text(reason, "reason", _("Give the reason for the decision."))
    objection.status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
    objection.decided_by, objection.decided_by_name = actor, actor.name
    objection.decision_reason, objection.decided_at = reason, timezone.now()
    objection.save()
    audit_record(
        actor=actor,
        action=PointsEvent.OBJECTION_DECIDE,
        obj=objection,
        before={"status": ObjectionStatus.OPEN},
        after={"status": objection.status, "reason": reason},
    )
    if uphold:
        entry.status = EntryStatus.OVERTURNED
        entry.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action=PointsEvent.ENTRY_OVERTURN, obj=entry, after={"objection": objection.public_id}
        )
    elif not entry.objections.filter(status=ObjectionStatus.OPEN).exists():
        entry.status = EntryStatus.POSTED
        entry.save(update_fields=["status", "updated_at"])
        entries_count_due(ids=[entry.pk])
    return objection


def entries_count_due(*, now: dt.datetime | None = None, ids: list[int] | None = None) -> int:
    """Count posted points whose objection period is over (the job, and a dismissed objection's last step)."""
    now = now or timezone.now()
    qs = Entry.objects.filter(status=EntryStatus.POSTED, objection_until__lte=now)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    done = 0
    for entry in qs.order_by("pk")[:5000]:
        with transaction.atomic():
            n = Entry.objects.filter(pk=entry.pk, status=EntryStatus.POSTED).update(
                status=EntryStatus.COUNTED, counted_at=now
            )
            if n:
                audit_record(actor=None, action=PointsEvent.ENTRY_COUNT, obj=entry, after={"points": entry.points})
                done += 1
    return done


# ---------------------------------------------------------------- base grant and redemption


def _check_not_suspended(household: Household) -> None:
    """A counted serious deduction this year or last suspends redemption (the current and the next year)."""
    year = selectors.redemption_suspended_until(household=household)
    if year is not None:
        raise ValidationError(
            _("Redemption is suspended until the end of %(year)s after a serious violation.") % {"year": year}
        )


def _counted(**holder: Any) -> int:
    return int(Entry.objects.filter(status=EntryStatus.COUNTED, **holder).aggregate(n=Sum("points"))["n"] or 0)


def base_grant_apply(*, village: Region, actor: User) -> int:
    """Give the rule's one-time base points to every holder who has none yet (away households left out per rule)."""
    _village(village)
    if not rules.can_set_rules(actor, village.code):
        raise PermissionDenied
    rule = selectors.rule_for(village)
    if rule is None or not rule.base_grant:
        raise ValidationError(_("The village rule gives no base points."))
    holders = selectors.eligible_holders(village=village, rule=rule)
    granted = set(Entry.objects.filter(village=village, kind=EntryKind.BASE).values_list("household_id", "person_id"))
    today = timezone.localdate()
    made = 0
    with transaction.atomic():
        for household_id, person_id in holders:
            if (household_id, person_id) in granted:
                continue
            entry = Entry.objects.create(
                village=village,
                household_id=household_id,
                person_id=person_id,
                kind=EntryKind.BASE,
                points=rule.base_grant,
                year=today.year,
                occurred_on=today,
                description="",  # the kind says it, in the reader's language
                status=EntryStatus.COUNTED,
                declared_by=actor,
                declared_by_name=actor.name,
                counted_at=timezone.now(),
            )
            audit_record(actor=actor, action=PointsEvent.ENTRY_BASE, obj=entry, after={"points": rule.base_grant})
            made += 1
    return made


def redemption_record(
    *, household: Household, goods: str, points: int, actor: User, person: Villager | None = None
) -> Entry:
    """Deduct points for goods taken at the points supermarket; the balance never goes below zero."""
    village = household.village
    if not rules.can_keep_shop(actor, village.code):
        raise PermissionDenied
    goods = _text(goods, "goods", _("Say what goods were taken."), limit=200)
    if not 1 <= points <= 100_000:
        raise ValidationError({"points": _("Points must be a whole number of at least 1.")})
    holder = _holder(household, person, selectors.rule_for(village))
    with transaction.atomic():
        # The household row is the lock: two redemptions at once are taken one after the other, and the
        # second sees the first's deduction (on SQLite the IMMEDIATE transaction locks the whole database).
        Household.objects.select_for_update().filter(pk=household.pk).first()
        _check_not_suspended(household)
        balance = _counted(household=household, person=holder)
        if points > balance:
            raise ValidationError({"points": _("Not enough points: the balance is %(n)s.") % {"n": balance}})
        today = timezone.localdate()
        entry = Entry.objects.create(
            village=village,
            household=household,
            person=holder,
            kind=EntryKind.REDEMPTION,
            points=-points,
            year=today.year,
            occurred_on=today,
            description=goods,
            status=EntryStatus.COUNTED,
            declared_by=actor,
            declared_by_name=actor.name,
            counted_at=timezone.now(),
            balance_after=balance - points,
        )
        audit_record(
            actor=actor,
            action=PointsEvent.ENTRY_REDEEM,
            obj=entry,
            before={"balance": balance},
            after={"balance": balance - points, "goods": goods},
        )
        _receipt_send(entry, shop=village)
    return entry


# ---------------------------------------------------------------- goods and the counter


def _receipt_send(entry: Entry, *, shop: Region) -> None:
    """The receipt of a redemption goes to the household's representative (notify's direct strategy decides inbox
    or text). Called once, inside the transaction that creates the redemption: one redemption, one notice; if the
    redemption rolls back, so does its notice."""
    from django.urls import reverse

    from cunzhi.core.links import absolute_url
    from cunzhi.notify.services import notice_send

    when = timezone.localtime(entry.counted_at or timezone.now()).strftime("%Y-%m-%d %H:%M")
    what, n, left = entry.description, -entry.points, entry.balance_after
    subject = {"zh-hans": f"积分兑换凭条：{what}", "en": f"Points redemption receipt: {what}"}
    body = {
        "zh-hans": f"{shop.name}积分超市，{when}兑换{what}，扣{n}分，余{left}分。"
        f"经办人：{entry.declared_by_name}。凭条号：{entry.public_id}。",
        "en": f"{shop.name} points supermarket, {when}: {what} for {n} points; balance {left} points. "
        f"At the counter: {entry.declared_by_name}. Receipt no. {entry.public_id}.",
    }
    notice_send(
        kind="direct",
        household_ids=[entry.household_id],
        subject=subject,
        body=body,
        link=absolute_url(reverse("points:receipt", args=[entry.public_id])),
        region_code=entry.region_code,
    )


def _shop(region: Region) -> None:
    """A shop is a village's, or a township's that has set up a township shop (township_shop_set)."""
    if region.level == Level.VILLAGE:
        return
    if region.level != Level.TOWNSHIP or not TownshipShop.objects.filter(township=region).exists():
        raise ValidationError(_("This township has no points supermarket of its own."))


def township_shop_set(*, township: Region, serves: list[str], actor: User) -> TownshipShop:
    """The township's points office sets up (or changes) a points supermarket serving the listed villages of the
    township (none listed: all of them). Goods, stock and shop-keepers are then the township's."""
    if township.level != Level.TOWNSHIP:
        raise ValueError("a township is needed")
    if not rules.catalogue_keeper(actor, township.code):
        raise PermissionDenied
    codes = sorted({(c or "").strip() for c in serves} - {""})
    known = set(
        Region.objects.filter(parent=township, level=Level.VILLAGE, code__in=codes).values_list("code", flat=True)
    )
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError(
            {"serves": _("Not villages of this township: %(codes)s.") % {"codes": "、".join(unknown[:5])}}
        )
    old = TownshipShop.objects.filter(township=township).first()
    shop, _created = TownshipShop.objects.update_or_create(
        township=township, defaults={"serves": codes, "created_by": old.created_by if old else actor}
    )
    audit_record(
        actor=actor,
        action=PointsEvent.SHOP_SET,
        obj=shop,
        before={"serves": old.serves} if old else None,
        after={"serves": codes or "all"},
    )
    return shop


def goods_set(*, village: Region, name: str, points: int, stock: int, actor: User, active: bool = True) -> Goods:
    """Add goods to a points supermarket (a village's or a township's), or set the price, stock and use of goods
    of that name."""
    _shop(village)
    if not rules.can_keep_shop(actor, village.code):
        raise PermissionDenied
    name = _text(name, "name", _("Name the goods."), limit=100)
    errors = {}
    if not 1 <= points <= 100_000:
        errors["points"] = _("Points must be a whole number of at least 1.")
    if not 0 <= stock <= 100_000:
        errors["stock"] = _("Stock is a whole number between 0 and 100000.")
    if errors:
        raise ValidationError(errors)
    old = Goods.objects.filter(village=village, name=name).first()
    goods, _created = Goods.objects.update_or_create(
        village=village, name=name, defaults={"points": points, "stock": stock, "active": active}
    )
    audit_record(
        actor=actor,
        action=PointsEvent.GOODS_SET,
        obj=goods,
        before={"points": old.points, "stock": old.stock, "active": old.active} if old else None,
        after={"name": name, "points": points, "stock": stock, "active": active},
    )
    return goods


def counter_redeem(
    *, household: Household, goods: Goods, quantity: int, actor: User, person: Villager | None = None
) -> Entry:
    """Goods taken at the counter: points and stock are deducted in one transaction. The goods row and the
    household row are locked, so two counters selling the last item at once: exactly one succeeds."""
    village = household.village
    # The counter is the shop's (a village's, or a township's serving several): its keepers redeem there.
    if not rules.can_redeem(actor, goods.region_code):
        raise PermissionDenied
    if not selectors.shop_serves(shop_id=goods.village_id, village=village):
        raise ValidationError(_("These goods are not in this village's points supermarket."))
    if not 1 <= quantity <= 100:
        raise ValidationError({"quantity": _("Quantity is between 1 and 100.")})
    holder = _holder(household, person, selectors.rule_for(village))
    with transaction.atomic():
        # Always goods first, then the household: one lock order, so two counters never deadlock.
        locked = Goods.objects.select_for_update().get(pk=goods.pk)
        Household.objects.select_for_update().filter(pk=household.pk).first()
        if not locked.active:
            raise ValidationError(_("These goods are no longer offered."))
        _check_not_suspended(household)
        if locked.stock < quantity:
            raise ValidationError({"quantity": _("Only %(n)s left in stock.") % {"n": locked.stock}})
        cost = locked.points * quantity
        balance = _counted(household=household, person=holder)
        if cost > balance:
            raise ValidationError(
                {
                    "quantity": _("Not enough points: %(cost)s needed, the balance is %(n)s.")
                    % {"cost": cost, "n": balance}
                }
            )
        locked.stock -= quantity
        locked.save(update_fields=["stock", "updated_at"])
        today = timezone.localdate()
        entry = Entry.objects.create(
            village=village,
            household=household,
            person=holder,
            kind=EntryKind.REDEMPTION,
            points=-cost,
            year=today.year,
            occurred_on=today,
            description=f"{locked.name} × {quantity}",
            status=EntryStatus.COUNTED,
            declared_by=actor,
            declared_by_name=actor.name,
            counted_at=timezone.now(),
            goods=locked,
            quantity=quantity,
            balance_after=balance - cost,
        )
        audit_record(
            actor=actor,
            action=PointsEvent.ENTRY_REDEEM,
            obj=entry,
            before={"balance": balance, "stock": locked.stock + quantity},
            after={"balance": balance - cost, "stock": locked.stock, "goods": locked.name, "quantity": quantity},
        )
        _receipt_send(entry, shop=locked.village)
    return entry


def year_close(*, village: Region, year: int, actor: User) -> int:
    """Close a past year per the village's rule: "carry" keeps balances; "reset" writes, for every holder with a
    balance, one counted closing entry bringing the year's balance to zero. Once per year. Returns the entries."""
    _village(village)
    if not rules.can_set_rules(actor, village.code):
        raise PermissionDenied
    if year >= timezone.localdate().year:
        raise ValidationError(_("Only a past year can be closed."))
    with transaction.atomic():
        rule = VillageRule.objects.select_for_update().filter(village=village).first()
        if rule is None:
            raise ValidationError(_("Set the village's points rule first."))
        if year in (rule.closed_years or []):
            raise ValidationError(_("%(year)s is already closed.") % {"year": year})
        made = 0
        if rule.year_end == YearEnd.RESET:
            balances = (
                Entry.objects.filter(village=village, status=EntryStatus.COUNTED, year__lte=year)
                .values("household_id", "person_id")
                .annotate(n=Sum("points"))
                .exclude(n=0)
            )
            end = dt.date(year, 12, 31)
            for row in balances:
                entry = Entry.objects.create(
                    village=village,
                    household_id=row["household_id"],
                    person_id=row["person_id"],
                    kind=EntryKind.CLOSE,
                    points=-row["n"],
                    year=year,
                    occurred_on=end,
                    status=EntryStatus.COUNTED,
                    declared_by=actor,
                    declared_by_name=actor.name,
                    counted_at=timezone.now(),
                )
                audit_record(actor=actor, action=PointsEvent.YEAR_CLOSE, obj=entry, after={"points": entry.points})
                made += 1
        rule.closed_years = sorted({*(rule.closed_years or []), year})
        rule.save(update_fields=["closed_years", "updated_at"])
        audit_record(
            actor=actor,
            action=PointsEvent.YEAR_CLOSE,
            obj=rule,
            after={"year": year, "rule": rule.year_end, "entries": made},
        )
    return made


# ---------------------------------------------------------------- shop-keepers


def shopkeeper_add(*, village: Region, phone: str, actor: User) -> ShopKeeper:
    """The village's cadres (a township shop: the township's points office) name who runs the points supermarket
    counter (an account, found by its phone)."""
    _shop(village)
    if not rules.can_keep_shop(actor, village.code):
        raise PermissionDenied
    user = User.objects.filter(phone=normalize_phone(phone or ""), is_active=True).first()
    if user is None:
        raise ValidationError({"phone": _("No account has this phone number.")})
    keeper, created = ShopKeeper.objects.get_or_create(village=village, user=user, defaults={"added_by": actor})
    if created:
        audit_record(actor=actor, action=PointsEvent.SHOPKEEPER_ADD, obj=keeper, after={"name": user.name})
    return keeper


def shopkeeper_remove(*, keeper: ShopKeeper, actor: User) -> None:
    if not rules.can_keep_shop(actor, keeper.region_code):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=PointsEvent.SHOPKEEPER_REMOVE,
        obj=keeper,
        region_code=keeper.region_code,
        before={"name": keeper.user.name},
    )
    keeper.delete()


# ---------------------------------------------------------------- goods received (the ledger keeps the money)


def goods_receive(
    *,
    goods: Goods,
    quantity: int,
    supplier: str,
    actor: User,
    cost: str = "",
    donated: bool = False,
    voucher: Any = None,
) -> GoodsReceipt:
    """Goods come into the shop: the stock grows; when they were bought, the village ledger records the
    expenditure with its voucher (receipt or invoice) in the same transaction — both or neither."""
    village = goods.village
    if village.level != Level.VILLAGE:
        # A township shop has no village ledger to pay from: it records donations; purchases are the township's
        # accounts, which Cunzhi does not keep.
        if not rules.can_keep_shop(actor, village.code):
            raise PermissionDenied
        if not donated:
            raise ValidationError(
                {"donated": _("A township shop records donated goods here; purchases go to the township's accounts.")}
            )
    elif not rules.can_keep_shop(actor, village.code) or not ledger_rules.can_record(actor, village.code):
        raise PermissionDenied
    errors: dict[str, Any] = {}
    if not 1 <= quantity <= 100_000:
        errors["quantity"] = _("Quantity is a whole number between 1 and 100000.")
    supplier = (supplier or "").strip()[:100]
    if not supplier:
        errors["supplier"] = _("Name who sold or donated the goods.")
    intake = None
    cost_fen = 0
    if not donated:
        try:  # yuan as typed ("1,234.5", "¥80"), the ledger's own reading of amounts
            cost_fen = ledger_services.parse_amount(cost) if str(cost or "").strip() else 0
        except ValidationError as exc:
            errors["cost"] = exc.messages
    if donated or "cost" in errors:
        pass
    elif cost_fen <= 0:
        errors["cost"] = _("Give what the goods cost, or mark them donated.")
    elif voucher is None:
        errors["voucher"] = _("Bought goods need their receipt or invoice for the village accounts.")
    else:
        try:
            intake = file_intake(voucher)
        except ValidationError as exc:
            errors["voucher"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Goods.objects.select_for_update().get(pk=goods.pk)
        entry_id = ""
        if not donated:
            entry = ledger_services.entry_append(
                village=village,
                actor=actor,
                date=timezone.localdate(),
                direction=Direction.EXPENDITURE,
                category=FinanceCategory.EXPENDITURE,
                amount_fen=cost_fen,
                counterparty=supplier,
                # The product's language: the ledger is posted as written (as outcomes' texts are).
                purpose=f"积分超市购入：{locked.name} ×{quantity}",
                vouchers=[intake] if intake is not None else [],
            )
            entry_id = entry.public_id
        locked.stock += quantity
        locked.save(update_fields=["stock", "updated_at"])
        receipt = GoodsReceipt.objects.create(
            goods=locked,
            quantity=quantity,
            donated=donated,
            cost_fen=cost_fen,
            supplier=supplier,
            ledger_entry=entry_id,
            received_by=actor,
        )
        audit_record(
            actor=actor,
            action=PointsEvent.GOODS_RECEIVE,
            obj=receipt,
            region_code=village.code,
            before={"stock": locked.stock - quantity},
            after={"stock": locked.stock, "donated": donated, "cost_fen": cost_fen, "ledger_entry": entry_id},
        )
    return receipt


# ---------------------------------------------------------------- the annual commendation list, posted


def commendation_post(*, village: Region, year: int, actor: User) -> Commendation:
    """Generate the year's commendation list from counted points and post it through disclosure (village
    affairs), names masked as on the board, never ID numbers. Unchanged since the last posting: that posting is
    returned. Changed (a late count or correction): a new revision is posted, replacing the earlier one (published
    disclosures are never rewritten)."""
    from django.urls import reverse

    from cunzhi.core.links import absolute_url
    from cunzhi.disclosure import services as disclosure_services
    from cunzhi.disclosure.models import Category

    _village(village)
    if not rules.can_set_rules(actor, village.code):
        raise PermissionDenied
    if not 2000 <= year < timezone.localdate().year:
        raise ValidationError({"year": _("The commendation list of a year is posted once the year is over.")})
    rule = selectors.rule_for(village)
    start, end = selectors.commendation_period(year, None)
    rows = selectors.commended(village=village, start=start, end=end, size=rule.commend_size if rule else 10)
    if not rows:
        raise ValidationError(_("No household earned counted points in %(year)s.") % {"year": year})
    with transaction.atomic():
        # The village row is the lock: two cadres posting at once post once.
        Region.objects.select_for_update().filter(pk=village.pk).first()
        last = Commendation.objects.filter(village=village, year=year).order_by("-revision").first()
        if last is not None and last.rows == rows:
            return last
        revision = last.revision + 1 if last else 1
        commendation = Commendation.objects.create(
            village=village, year=year, revision=revision, rows=rows, created_by=actor
        )
        # The product's language (as the ledger's purposes and outcomes' texts): the notice board is Chinese.
        title = f"{village.name}{year}年度积分表彰名单" + ("（更正）" if last else "")
        lines = [f"第{r['rank']}名　{r['name']}　{r['points']}分（{r['items']}项）" for r in rows]
        note = (
            f"根据{year}年经评议、公示无异议后计入的积分生成，只计为村庄作贡献所得的积分（扣分和兑换不计）。"
            "姓名按村规只显示户主姓氏。"
        )
        if last is not None:
            note += f"本名单更正{timezone.localtime(last.created_at).strftime('%Y-%m-%d')}公布的名单。"
        post = disclosure_services.post_publish_about(
            about=commendation,
            village=village,
            category=Category.VILLAGE,
            title=title,
            body="\n".join([note, "", *lines]),
            actor=actor,
            source_url=absolute_url(reverse("points:commended", args=[village.code]) + f"?year={year}"),
        )
        commendation.post_id = post.public_id
        commendation.save(update_fields=["post_id", "updated_at"])
        audit_record(
            actor=actor,
            action=PointsEvent.COMMENDATION_POST,
            obj=commendation,
            after={"year": year, "revision": revision, "households": len(rows), "post": post.public_id},
        )
    return commendation
