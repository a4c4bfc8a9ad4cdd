"""Writes for concerns: raise, route, acknowledge, answer, transfer, confirm or reopen and rate, me too,
merge, escalate when late, close unrated; categories, routing rules and Open311 keys.

Every state change writes one audit row on the concern (core.audit): the timeline reads them.
Villagers and owners are told through notify.notice_send (templates notify/messages/concerns_*).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cunzhi.concerns.events import ConcernEvent
from cunzhi.core.apikeys import key_end, key_find, key_new
from cunzhi.core.audit import audit_record
from cunzhi.core.files import IntakeFile, file_intake
from cunzhi.core.idnumbers import fold_width, mask_name, normalize_phone
from cunzhi.core.models import AuditEvent
from cunzhi.core.pagecache import home_invalidate
from cunzhi.core.workdays import add_working_hours
from cunzhi.notify.models import Urgency
from cunzhi.notify.services import notice_send
from cunzhi.people import rules as people_rules
from cunzhi.people.actors import Actor
from cunzhi.people.models import AccessKind, DelegationScope, Office, Role, RoleAssignment, User, Villager
from cunzhi.people.services import access_record, delegation_use
from cunzhi.regions.models import Level as RegionLevel
from cunzhi.regions.models import Region

from . import rules
from .models import (
    LEVEL_ORDER,
    WORKING_STATUSES,
    Answer,
    Category,
    Channel,
    Clock,
    Concern,
    Kind,
    Level,
    MeToo,
    Open311Key,
    Photo,
    Rating,
    RoutingRule,
    Status,
)

MAX_TEXT = 2000
STAFF_CHANNELS = (Channel.PHONE, Channel.WINDOW, Channel.PAPER)


# --- settings (docs/concerns.md) -----------------------------------------------------------------
def ack_hours() -> float:
    """Working hours to acknowledge (settings.WORKING_HOURS on working days; emergencies: plain hours)."""
    return settings.CONCERNS_ACK_HOURS


def ack_due(start: dt.datetime, clock: str) -> dt.datetime:
    """When acknowledging is due: within working hours (domain.md), on plain hours for emergencies, and
    never later than the answer itself (a utilities concern raised on Friday evening is answered by
    Saturday evening, so it cannot wait for Monday to be acknowledged)."""
    answer = start + dt.timedelta(hours=answer_hours(clock))
    if clock == Clock.EMERGENCY:
        return min(start + dt.timedelta(hours=ack_hours()), answer)
    return min(add_working_hours(start, ack_hours()), answer)


def answer_hours(clock: str) -> float:
    hours: dict[str, float] = {Clock.EMERGENCY: 2, Clock.UTILITIES: 24, Clock.GENERAL: 7 * 24, Clock.COMPLEX: 15 * 24}
    hours.update(settings.CONCERNS_ANSWER_HOURS)
    return hours[clock]


def escalation_hours() -> float:
    """After an escalation, how long the next level gives before it escalates again."""
    return settings.CONCERNS_ESCALATION_HOURS


def confirm_days() -> float:
    """How long the villager has to confirm and rate an answer before it closes as unrated."""
    return settings.CONCERNS_CONFIRM_DAYS


def max_photos() -> int:
    return settings.CONCERNS_MAX_PHOTOS


def photo_max_bytes() -> int:
    return settings.CONCERNS_PHOTO_MAX_BYTES


# --- small helpers -------------------------------------------------------------------------------
def _level_of_prefix(prefix: str) -> str:
    return {6: Level.COUNTY, 9: Level.TOWNSHIP}.get(len(prefix), Level.VILLAGE)


def _office_of(user: User, region_code: str) -> Office | None:
    """The office the user works in for this region (their role whose region holds it), or None."""
    ra = (
        RoleAssignment.objects.filter(
            user=user, office__isnull=False, region_prefix__in=[region_code[:6], region_code[:9], region_code[:12]]
        )
        .select_related("office")
        .order_by("-region_prefix")
        .first()
    )
    return ra.office if ra else None


def _handler_level(user: User, region_code: str) -> str:
    """The level a handler works at for this concern: the narrowest of their handling roles that holds it."""
    ps = [p for p in people_rules.prefixes(user, rules.HANDLER_ROLES) if region_code.startswith(p)]
    return _level_of_prefix(max(ps, key=len)) if ps else Level.VILLAGE


def _new_number(now: dt.datetime) -> str:
    """Digits a villager can read out on the phone: the date and five random digits."""
    day = timezone.localtime(now).strftime("%y%m%d")
    for _attempt in range(20):
        number = f"{day}{secrets.randbelow(100_000):05d}"
        if not Concern.objects.filter(number=number).exists():
            return number
    return f"{day}{secrets.randbelow(10**9):09d}"


def _snapshot_name(user: User | None) -> str:
    return (user.name or user.phone) if user is not None else ""


def board_touch(region_code: str) -> None:
    """A village's concerns changed: cached boards and staff API lists of the village, its township and county
    are stale."""
    now = timezone.now().timestamp()
    cache.set_many(
        {
            f"concerns:board:{region_code[:12]}": now,
            f"concerns:board:{region_code[:9]}000": now,
            f"concerns:board:{region_code[:6]}000000": now,
        },
        None,
    )


def _audit(
    concern: Concern,
    *,
    actor: Actor,
    action: str,
    on_behalf_of: Villager | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    # The villager's and the actor's home pages list their open concerns (concerns/home.py).
    home_invalidate(getattr(actor, "pk", None), concern.villager.user_id if concern.villager else None)
    return audit_record(
        actor=actor,
        action=action,
        obj=concern,
        region_code=concern.region_code,
        on_behalf_of=on_behalf_of,
        before=before,
        after=after,
    )


def _context(concern: Concern, **extra: object) -> dict[str, object]:
    c = concern.category
    return {
        "number": concern.number,
        "category": c.name,
        "category_en": c.name_en or c.name,
        "excerpt": concern.excerpt,
        **extra,
    }


def _link(concern: Concern) -> str:
    from django.urls import reverse

    return reverse("concerns:detail", args=[concern.public_id])


def _tell(
    user_ids: Iterable[int | None],
    template: str,
    concern: Concern,
    *,
    villager_ids: Iterable[int] = (),
    sender: Actor = None,
    urgent: bool = False,
    reply_handler: str = "",
    **extra: object,
) -> None:
    """Tell staff (accounts) or the concern's villagers (on the roster, account or not: by text when
    they have no account — an answer about their own case needs no consent to other texts)."""
    ids = sorted({i for i in user_ids if i})
    villagers = sorted(set(villager_ids))
    if not ids and not villagers:
        return
    sender = sender if getattr(sender, "is_authenticated", False) else None
    notice_send(
        kind="direct",
        user_ids=ids,
        villager_ids=villagers,
        mandatory=bool(villagers),
        template=f"concerns_{template}",
        context=_context(concern, **extra),
        link=_link(concern),
        urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
        sender=sender,
        region_code=concern.region_code,
        about=concern,
        reply_handler=reply_handler,
    )


def _villagers_told(concern: Concern, *, supporters: bool = False) -> list[int]:
    """The concern's villager (and those who said "me too"): told of its progress, account or not."""
    ids = [concern.villager_id] if concern.villager_id else []
    if supporters:
        ids += list(MeToo.objects.filter(concern=concern).values_list("villager_id", flat=True))
    return ids


def _photos_intake(uploads: Iterable[Any] | None, *, existing: int = 0) -> list[IntakeFile]:
    """Check every photo before anything is stored: one bad file refuses the whole submission."""
    uploads = [u for u in (uploads or []) if u]
    if existing + len(uploads) > max_photos():
        raise ValidationError({"photos": _("At most %(n)d photos.") % {"n": max_photos()}})
    out: list[IntakeFile] = []
    errors: list[str] = []
    for upload in uploads:
        try:
            out.append(file_intake(upload, kinds=("image",), max_bytes=photo_max_bytes()))
        except ValidationError as exc:
            name = (getattr(upload, "name", "") or "")[-60:]
            errors += [f"{name}: {m}" if name else m for m in exc.messages]
    if errors:
        raise ValidationError({"photos": errors})
    return out


def _photos_store(
    files: list[IntakeFile], *, concern: Concern, answer: Answer | None = None, user: User | None = None
) -> None:
    for f in files:
        photo = Photo(concern=concern, answer=answer, content_type=f.content_type, uploaded_by=user)
        assert f.name is not None  # file_intake names every file it returns
        photo.file.save(f.name, f, save=False)
        photo.save()


def _clean_text(text: str, field: str = "text", *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({field: _("Please write a few words.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(n)d characters, please.") % {"n": limit}})
    return text


def _schedule(concern: Concern) -> None:
    """Set the pending deadline and the next escalation check from the status and the clocks."""
    if concern.status not in WORKING_STATUSES:
        concern.due_at = concern.escalate_at = None
        return
    concern.due_at = concern.ack_due_at if concern.status == Status.OPEN else concern.answer_due_at
    if _next_level(concern) is None:
        # At the top already: told once when late, then the overdue list keeps showing it.
        concern.escalate_at = (
            None if concern.escalated_at and concern.escalated_at >= concern.due_at else concern.due_at
        )
    elif concern.escalated_at:
        concern.escalate_at = max(concern.due_at, concern.escalated_at + dt.timedelta(hours=escalation_hours()))
    else:
        concern.escalate_at = concern.due_at


def _next_level(concern: Concern) -> str | None:
    current = max(
        LEVEL_ORDER.index(concern.level), LEVEL_ORDER.index(concern.escalation_level) if concern.escalation_level else 0
    )
    return LEVEL_ORDER[current + 1] if current + 1 < len(LEVEL_ORDER) else None


# --- routing -------------------------------------------------------------------------------------
def _village_leader(village_code: str) -> User | None:
    """The village's Party secretary (else a cadre): named for village-level matters without a named person."""
    ra = (
        RoleAssignment.objects.filter(region_prefix=village_code, role__in=[Role.PARTY_SECRETARY, Role.CADRE])
        .select_related("user")
        .order_by("-role", "id")
        .first()
    )
    return ra.user if ra else None


def route(*, category: Category, village: Region) -> dict[str, Any]:
    """Who handles a concern of this category in this village: level, office and named person."""
    code = village.code
    rule = (
        RoutingRule.objects.filter(category=category, region_prefix__in=[code[:6], code[:9], code[:12]])
        .select_related("office", "responsible")
        .order_by("-region_prefix")
        .first()
    )
    if rule is not None:
        owner = rule.responsible
        if owner is None and rule.level == Level.VILLAGE:
            owner = _village_leader(code)
        return {"rule": rule, "level": rule.level, "office": rule.office, "owner": owner}
    if category.level == Level.VILLAGE:
        return {"rule": None, "level": Level.VILLAGE, "office": None, "owner": _village_leader(code)}
    # No rule for an office matter: it waits, unowned, for the first handler who takes it.
    return {"rule": None, "level": category.level, "office": None, "owner": None}


def _level_recipients(concern: Concern, level: str) -> list[int]:
    """Who is told when a concern escalates to `level`: the named person of that level's rule, else its leaders."""
    code = concern.region_code
    prefixes: dict[str, str] = {Level.TOWNSHIP: code[:9], Level.COUNTY: code[:6]}
    prefix = prefixes.get(level, code[:12])
    rule = (
        RoutingRule.objects.filter(
            category=concern.category_id,
            level=level,
            region_prefix__in=[code[:6], code[:9], code[:12]],
            responsible__isnull=False,
        )
        .order_by("-region_prefix")
        .first()
    )
    if rule is not None and rule.responsible_id is not None:  # always set: the filter asks for it
        return [rule.responsible_id]
    roles_of: dict[str, list[str]] = {
        Level.TOWNSHIP: [Role.OFFICE_STAFF],
        Level.COUNTY: [Role.COUNTY_ADMIN, Role.OFFICE_STAFF],
    }
    roles = roles_of.get(level, [Role.PARTY_SECRETARY, Role.CADRE])
    return list(
        RoleAssignment.objects.filter(region_prefix=prefix, role__in=roles)
        .order_by("role", "id")
        .values_list("user_id", flat=True)[:5]
    )


# --- raising a concern ---------------------------------------------------------------------------
def _resolve_inputs(
    errors: dict[str, str | list[str]],
    *,
    channel: str,
    category: Category | str | None,
    villager: Villager | str | None,
    villager_phone: str,
    village: Region | str | None,
    group: Region | str | None,
) -> tuple[Category | None, Villager | None, Region | None, Region | None]:
    """(category, villager, village, group) from codes and ids; what names nothing is an error in `errors`."""
    if isinstance(category, str):  # an unknown code is None: "Choose one of the listed categories."
        category = Category.objects.filter(code=category, active=True).first()
    if isinstance(village, str):
        code, village = village, None
        if code:
            village = Region.objects.filter(code=code, level=RegionLevel.VILLAGE).first()
            if village is None:
                errors["village"] = _("This village is outside the area you work for.")
    if isinstance(group, str):
        code, group = group, None
        if code:
            group = Region.objects.filter(code=code, level=RegionLevel.GROUP).first()
            if group is None:
                errors["group"] = _("This villager group is not in the chosen village.")
    if isinstance(villager, str):
        public_id, villager = villager, None
        if public_id:
            villager = Villager.objects.select_related("village").filter(public_id=public_id).first()
            if villager is None:  # the same answer as a villager one does not help: nothing is revealed
                errors["villager"] = _("You have no active delegation from this villager for concerns.")
    if villager is None and villager_phone and village is not None:
        # Staff and Open311 name the villager by mobile number, looked up in the chosen village. Staff
        # are told when nobody there has it; for Open311 it is only the caller's contact number.
        mobile = normalize_phone(villager_phone)
        if mobile:
            villager = Villager.objects.filter(phone=mobile, region_code__under=village.code).first()
        if villager is None and channel in STAFF_CHANNELS:
            errors["villager_phone"] = _(
                "No villager of this village has this mobile number. Leave it empty and write the name instead."
            )
    return category, villager, village, group


def concern_submit(
    *,
    actor: Actor,
    category: Category | str | None,
    kind: str,
    text: str,
    villager: Villager | str | None = None,
    villager_phone: str = "",
    village: Region | str | None = None,
    group: Region | str | None = None,
    place: str = "",
    lat: float | None = None,
    lon: float | None = None,
    is_public: bool = True,
    is_anonymous: bool = False,
    urgent: bool = False,
    photos: Iterable[Any] = (),
    channel: str = Channel.ONLINE,
    contact_name: str = "",
    contact_phone: str = "",
    clock: str = "",
    source: str = "",
    texted_by: Villager | None = None,
    number_shared: bool = False,
    now: dt.datetime | None = None,
) -> Concern:
    """Raise a concern: for oneself, for a villager under a delegation, or recorded by staff; routed and clocked.
    By text (channel sms): `texted_by` is the villager registered with the sending number (notify.sms);
    `number_shared` when that number is also another villager's or another account's (a helper's phone):
    the audit row says both, so that learning counts only a villager's own text as done alone.

    The page, the API and Open311 pass what they received: the category's code, the village's and
    group's area codes, the villager's public id (or, from staff and Open311, a mobile number); they
    are resolved here, once, with one set of messages. A caller already holding the objects (demo
    data, tests) may pass them instead.
    """
    now = now or timezone.now()
    errors: dict[str, str | list[str]] = {}
    category, villager, village, group = _resolve_inputs(
        errors,
        channel=channel,
        category=category,
        villager=villager,
        villager_phone=villager_phone,
        village=village,
        group=group,
    )
    if category is None or not category.active:
        errors["category"] = _("Choose one of the listed categories.")
    if kind not in Kind.values:
        errors["kind"] = _("Choose what kind of concern this is.")
    try:
        text = _clean_text(text)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    place = (place or "").strip()[:120]
    # A landline keeps its dashes (0572-5123456): only the width is folded, not the mobile rules.
    contact_phone = fold_width(contact_phone).strip()[:20]
    if (lat is None) != (lon is None) or (
        lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)
    ):
        errors["place"] = _("The point on the map is not valid.")
    on_behalf = None
    own: Villager | None = people_rules.own_villager(actor)
    if channel == Channel.ONLINE:
        if villager is None:
            villager = own
        if villager is None:
            errors["villager"] = _("Only villagers on the roster (or their helpers) can raise a concern online.")
        elif own is None or villager.pk != own.pk:
            if people_rules.active_delegation(actor, villager, DelegationScope.CONCERNS) is None:
                errors["villager"] = _("You have no active delegation from this villager for concerns.")
            else:
                on_behalf = villager
        if villager is not None and village is None:
            village = villager.village
        if villager is not None and village is not None and village.code != villager.region_code[:12]:
            errors["village"] = _("A concern is raised in your own village.")
    elif channel in STAFF_CHANNELS:
        if village is None or actor is None or not rules.can_record_in(actor, village.code):
            errors["village"] = _("This village is outside the area you work for.")
        elif villager is not None and villager.region_code[:12] != village.code:
            errors["villager"] = _("This villager does not live in the chosen village.")
        contact_name = (contact_name or "").strip()[:50]
        if villager is None and not contact_name and "villager_phone" not in errors:  # one thing to fix at a time
            errors["contact_name"] = _("Write the name of the person who raised it.")
    elif channel == Channel.OPEN311:
        if village is None:
            errors["village"] = _("Choose the village.")
    elif channel == Channel.SMS:
        # Only a text from a registered number (concerns/replies.py, which found the villager by the
        # number and passes them as `texted_by`): a page or the API cannot name a villager this way.
        if texted_by is None:
            errors["channel"] = _("Choose how the concern was received.")
        else:
            villager, village = texted_by, texted_by.village
    else:
        errors["channel"] = _("Choose how the concern was received.")
    if village is not None and village.level != RegionLevel.VILLAGE:
        errors["village"] = _("Choose a village.")
    if group is not None and (village is None or group.parent_id != village.pk):
        errors["group"] = _("This villager group is not in the chosen village.")
    if clock and clock not in Clock.values:
        errors["clock"] = _("Choose an answer time.")
    if errors:
        raise ValidationError(errors)
    files = _photos_intake(photos)  # before any write: a bad photo stores nothing
    assert category is not None and village is not None  # each is an error above when missing

    routed = route(category=category, village=village)
    clock = clock or (Clock.EMERGENCY if urgent else category.clock)
    concern = Concern(
        number=_new_number(now),
        kind=kind,
        category=category,
        text=text,
        clock=clock,
        village=village,
        group=group,
        place=place,
        lat=lat,
        lon=lon,
        is_public=is_public,
        is_anonymous=is_anonymous,
        villager=villager,
        contact_name=contact_name if villager is None else "",
        contact_phone=contact_phone if villager is None else "",
        public_name="" if is_anonymous else mask_name(villager.name if villager else contact_name),
        raised_by=actor if getattr(actor, "is_authenticated", False) else None,
        channel=channel,
        level=routed["level"],
        owner=routed["owner"],
        owner_office=routed["office"],
        dispatched_at=now,
        ack_due_at=ack_due(now, clock),
        answer_due_at=now + dt.timedelta(hours=answer_hours(clock)),
        photo_count=len(files),
    )
    if channel in STAFF_CHANNELS:
        # First contact: whoever received it owns it, and receiving it in person is acknowledging it.
        assert actor is not None  # staff channels are refused above without an account in scope
        concern.owner, concern.owner_office = actor, _office_of(actor, village.code)
        concern.level = _handler_level(actor, village.code)
        concern.status, concern.acknowledged_at = Status.ACKNOWLEDGED, now
    _schedule(concern)
    with transaction.atomic():
        concern.save()
        _photos_store(files, concern=concern, user=concern.raised_by)
        if on_behalf is not None:
            assert actor is not None  # on_behalf is set only when the actor holds a delegation
            delegation_use(
                helper=actor,
                villager=on_behalf,
                scope=DelegationScope.CONCERNS,
                purpose=gettext_noop("Raised a concern for the villager"),
            )
        _audit(
            concern,
            actor=actor,
            action=ConcernEvent.SUBMIT,
            on_behalf_of=on_behalf,
            after={
                "channel": channel,
                "kind": kind,
                "category": category.code,
                "clock": clock,
                "level": concern.level,
                "owner": _snapshot_name(concern.owner),
                "office": concern.owner_office.name if concern.owner_office else "",
                "rule": routed["rule"].public_id if routed["rule"] else "",
                "photos": len(files),
                **({"source": source[:100]} if source else {}),
                **({"texted_by": texted_by.public_id} if channel == Channel.SMS and texted_by is not None else {}),
                **({"number_shared": True} if channel == Channel.SMS and number_shared else {}),
            },
        )
        if concern.owner_id and concern.owner_id != getattr(actor, "pk", None):
            _tell([concern.owner_id], "new", concern, sender=actor, urgent=clock == Clock.EMERGENCY)
        # The villager is told the number, account or not (by text), unless they raised it themselves.
        if concern.villager is not None and concern.villager.user_id != getattr(actor, "pk", None):
            _tell((), "received", concern, villager_ids=[concern.villager.pk], sender=actor)
        board_touch(concern.region_code)
    return concern


# --- handling ------------------------------------------------------------------------------------
def concern_acknowledge(
    *, actor: User, concern: Concern, clock: str = "", note: str = "", now: dt.datetime | None = None
) -> Concern:
    """The owner (or the first handler to take an unowned concern) says it is being handled."""
    now = now or timezone.now()
    if not rules.can_handle(actor, concern) or concern.status != Status.OPEN:
        raise ValidationError(_("This concern cannot be acknowledged by you now."))
    if clock and clock not in Clock.values:
        raise ValidationError({"clock": _("Choose an answer time.")})
    note = _clean_text(note, "note", required=False, limit=300)
    before = {"status": concern.status, "owner": _snapshot_name(concern.owner), "clock": concern.clock}
    took = concern.owner_id is None
    if took:
        concern.owner, concern.owner_office = actor, _office_of(actor, concern.region_code)
        concern.level = _handler_level(actor, concern.region_code)
    if clock and clock != concern.clock:
        concern.clock = clock
        concern.answer_due_at = concern.dispatched_at + dt.timedelta(hours=answer_hours(clock))
    concern.status, concern.acknowledged_at = Status.ACKNOWLEDGED, now
    _schedule(concern)
    with transaction.atomic():
        concern.save()
        _audit(
            concern,
            actor=actor,
            action=ConcernEvent.ACKNOWLEDGE,
            before=before,
            after={
                "status": concern.status,
                "owner": _snapshot_name(actor),
                "clock": concern.clock,
                "took": took,
                "note": note,
                "answer_due_at": concern.answer_due_at.isoformat(),
            },
        )
        _tell(
            (),
            "acknowledged",
            concern,
            villager_ids=_villagers_told(concern),
            sender=actor,
            owner=_snapshot_name(actor),
            due=timezone.localtime(concern.answer_due_at).strftime("%Y-%m-%d %H:%M"),
        )
        board_touch(concern.region_code)
    return concern


def concern_answer(
    *, actor: User, concern: Concern, text: str, photos: Iterable[Any] = (), now: dt.datetime | None = None
) -> Answer:
    """The owner answers (text, photos); the villager is asked to confirm and rate."""
    if not rules.can_handle(actor, concern):
        raise ValidationError(_("Only the person responsible can answer this concern."))
    return _answer(actor=actor, concern=concern, text=text, photos=photos, now=now)


def _answer(
    *,
    actor: User,
    concern: Concern,
    text: str,
    photos: Iterable[Any],
    now: dt.datetime | None,
    organisation: str = "",
) -> Answer:
    now = now or timezone.now()
    text = _clean_text(text, "text")
    files = _photos_intake(photos)
    before = {"status": concern.status}
    if concern.owner_id is None:  # answering an unowned concern takes it (first contact)
        concern.owner, concern.owner_office = actor, _office_of(actor, concern.region_code)
        concern.level = _handler_level(actor, concern.region_code)
    if concern.acknowledged_at is None:
        concern.acknowledged_at = now
    if concern.answered_at is None:
        concern.answered_at = now
        concern.answered_in_time = now <= concern.answer_due_at
    concern.status, concern.answer_text = Status.ANSWERED, text
    concern.confirm_due_at = now + dt.timedelta(days=confirm_days())
    _schedule(concern)
    # An organisation's answer is signed with its name; the office responsible keeps the case (and its rates).
    office = organisation or (concern.owner_office.name if concern.owner_office else "")
    with transaction.atomic():
        answer = Answer.objects.create(
            concern=concern, author=actor, author_name=_snapshot_name(actor), office_name=office, text=text
        )
        _photos_store(files, concern=concern, answer=answer, user=actor)
        concern.save()
        _audit(
            concern,
            actor=actor,
            action=ConcernEvent.ANSWER,
            before=before,
            after={
                "status": concern.status,
                "answer": answer.pk,
                "in_time": concern.answered_in_time,
                "photos": len(files),
                "office": office,
                "organisation": organisation,
            },
        )
        _tell(
            (),
            "answered",
            concern,
            villager_ids=_villagers_told(concern, supporters=True),
            sender=actor,
            owner=organisation or _snapshot_name(actor),
            reply_handler="concerns.rate",  # "1" satisfied … "0" not resolved (concerns/replies.py)
        )
        board_touch(concern.region_code)
    return answer


def transfer_candidates(*, concern: Concern) -> list[User]:
    """Handlers whose role region holds the concern's village: the village, its township, the county."""
    code = concern.region_code
    return list(
        User.objects.filter(
            is_active=True,
            roles__role__in=rules.HANDLER_ROLES,
            roles__region_prefix__in=[code[:6], code[:9], code[:12]],
        )
        .distinct()
        .order_by("name")
    )


def concern_transfer(
    *, actor: User, concern: Concern, to_user: User | None, reason: str, now: dt.datetime | None = None
) -> Concern:
    """Hand the concern to another responsible person, on record with a reason; both sides are told."""
    now = now or timezone.now()
    if not rules.can_transfer(actor, concern):
        raise ValidationError(_("You cannot transfer this concern."))
    reason = _clean_text(reason, "reason", limit=300)
    if to_user is None or not people_rules.in_scope(to_user, concern.region_code, rules.HANDLER_ROLES):
        raise ValidationError({"to_user": _("Choose someone who handles concerns for this village.")})
    if to_user.pk == concern.owner_id:
        raise ValidationError({"to_user": _("This person is already responsible.")})
    before = {
        "owner": _snapshot_name(concern.owner),
        "office": concern.owner_office.name if concern.owner_office else "",
    }
    concern.owner, concern.owner_office = to_user, _office_of(to_user, concern.region_code)
    concern.level = _handler_level(to_user, concern.region_code)
    # The escalation that brought it up is history now: the new owner's level is where it lives.
    if concern.escalation_level and LEVEL_ORDER.index(concern.escalation_level) <= LEVEL_ORDER.index(concern.level):
        concern.escalation_level = ""
    _schedule(concern)
    after = {
        "owner": _snapshot_name(to_user),
        "office": concern.owner_office.name if concern.owner_office else "",
        "reason": reason,
        "level": concern.level,
    }
    with transaction.atomic():
        concern.save()
        _audit(concern, actor=actor, action=ConcernEvent.TRANSFER, before=before, after=after)
        _tell([to_user.pk], "assigned", concern, sender=actor, reason=reason, by=_snapshot_name(actor))
        _tell(
            (),
            "transferred",
            concern,
            villager_ids=_villagers_told(concern),
            sender=actor,
            owner=after["owner"],
            office=after["office"],
        )
        board_touch(concern.region_code)
    return concern


# --- co-handled by a village organisation -------------------------------------------------------
# The hook organisations calls (issue 16, "concerns co-handled"): staff hand a public concern to a village
# organisation (a mediation committee, a volunteer team); its leaders record their work and answer under the
# organisation's name. The person responsible stays responsible: the concern keeps its owner, its clock and its
# place in the three rates. Concerns knows the organisation only by a key and a name (the "features" contract:
# organisations calls these services, never the other way). The caller has checked that the actor leads the
# organisation; these check that the concern was handed to that organisation and is still being worked on.
def concern_hand_to_organisation(
    *, actor: User, concern: Concern, key: str, name: str, note: str = "", now: dt.datetime | None = None
) -> Concern:
    """Hand a public concern of the organisation's area to it; an unowned concern is taken (as acknowledging
    takes it), an open one is acknowledged. The villager is told who works on it and who stays responsible."""
    now = now or timezone.now()
    if not rules.can_handle(actor, concern) or concern.status not in WORKING_STATUSES:
        raise ValidationError(_("This concern cannot be handed on by you now."))
    if not concern.is_public:
        raise ValidationError(_("Only a concern about a public matter may be handed to an organisation."))
    if organisation_handed(concern=concern, key=key):
        raise ValidationError(_("This concern is already handed to that organisation."))
    note = _clean_text(note, "note", required=False, limit=300)
    if concern.owner_id is None:
        concern.owner, concern.owner_office = actor, _office_of(actor, concern.region_code)
        concern.level = _handler_level(actor, concern.region_code)
    if concern.status == Status.OPEN:
        concern.status, concern.acknowledged_at = Status.ACKNOWLEDGED, now
    _schedule(concern)
    owner = _snapshot_name(concern.owner)
    with transaction.atomic():
        concern.save()
        _audit(
            concern,
            actor=actor,
            action=ConcernEvent.HAND_TO_ORG,
            after={"organisation": name, "key": key, "note": note, "owner": owner},
        )
        _tell((), "handed", concern, villager_ids=_villagers_told(concern), sender=actor, org=name, owner=owner)
        board_touch(concern.region_code)
    return concern


def organisation_handed(*, concern: Concern, key: str) -> bool:
    return AuditEvent.objects.filter(
        object_type="concerns.concern",
        object_id=str(concern.pk),
        action=ConcernEvent.HAND_TO_ORG,
        after__key=key,
    ).exists()


def _org_may_act(concern: Concern, key: str) -> None:
    if concern.status not in WORKING_STATUSES or not organisation_handed(concern=concern, key=key):
        raise ValidationError(_("This concern is not being worked on by this organisation now."))


def concern_organisation_work(*, actor: User, concern: Concern, key: str, name: str, text: str) -> None:
    """The organisation records what it did (on the concern's timeline; the villager is told)."""
    _org_may_act(concern, key)
    text = _clean_text(text, "text", limit=1000)
    with transaction.atomic():
        _audit(concern, actor=actor, action=ConcernEvent.ORG_WORK, after={"organisation": name, "text": text})
        _tell((), "org_work", concern, villager_ids=_villagers_told(concern), sender=actor, org=name)


def concern_answer_by_organisation(
    *, actor: User, concern: Concern, key: str, name: str, text: str, now: dt.datetime | None = None
) -> Answer:
    """The organisation answers under its own name. The answer counts on the concern's clock for the person
    responsible (answered in time or late, then confirmed and rated as any answer), whose name it keeps."""
    _org_may_act(concern, key)
    return _answer(actor=actor, concern=concern, text=text, photos=(), now=now, organisation=name)


# --- closing the loop ----------------------------------------------------------------------------
def _closer(actor: Actor, concern: Concern, texted_by: Villager | None = None) -> Villager | None:
    """The villager themself or a helper acting for them; returns the villager acted for (or None).

    `texted_by`: the villager whose registered number sent a reply by text (notify.sms found the
    villagers by the number); it stands for the villager, who may have no account."""
    if texted_by is not None:
        if concern.status != Status.ANSWERED or texted_by.pk != concern.villager_id:
            raise ValidationError(_("Only the villager who raised this concern (or their helper) can do this now."))
        return None
    if actor is None or not rules.can_close_loop(actor, concern):
        raise ValidationError(_("Only the villager who raised this concern (or their helper) can do this now."))
    if rules.is_subject(actor, concern):
        return None
    assert concern.villager is not None  # a helper closes the loop only for a concern's villager
    delegation_use(
        helper=actor,
        villager=concern.villager,
        scope=DelegationScope.CONCERNS,
        purpose=gettext_noop("Rated an answer for the villager"),
    )
    return concern.villager


def _via(texted_by: Villager | None) -> dict[str, str]:
    """What the timeline shows of a reply by text: that it came by text, and from whom (the villager
    may have no account, so the audit row's actor is empty)."""
    return {"via": "sms", "villager": texted_by.name} if texted_by is not None else {}


def concern_confirm(
    *,
    actor: Actor,
    concern: Concern,
    rating: str,
    comment: str = "",
    texted_by: Villager | None = None,
    now: dt.datetime | None = None,
) -> Concern:
    """The villager confirms the answer resolved it and rates it: the concern is closed as resolved.
    By text (`texted_by`, see _closer) the actor is the villager's account, if any."""
    now = now or timezone.now()
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose how satisfied you are.")})
    comment = _clean_text(comment, "comment", required=False, limit=300)
    with transaction.atomic():
        on_behalf = _closer(actor, concern, texted_by)
        concern.status, concern.closed_at = Status.RESOLVED, now
        concern.rating, concern.rating_comment, concern.rated_at = rating, comment, now
        concern.confirm_due_at = None
        _schedule(concern)
        concern.save()
        _audit(
            concern,
            actor=actor,
            action=ConcernEvent.CONFIRM,
            on_behalf_of=on_behalf,
            before={"status": Status.ANSWERED},
            after={"status": concern.status, "rating": rating, "comment": comment, **_via(texted_by)},
        )
        _tell([concern.owner_id], "rated", concern, sender=actor, rating=rating)
        board_touch(concern.region_code)
    return concern


def concern_reopen(
    *,
    actor: Actor,
    concern: Concern,
    reason: str,
    rating: str = "",
    texted_by: Villager | None = None,
    now: dt.datetime | None = None,
) -> Concern:
    """The villager says the answer did not resolve it: back to the owner with a new answer clock."""
    now = now or timezone.now()
    reason = _clean_text(reason, "reason", limit=300)
    if rating and rating not in Rating.values:
        raise ValidationError({"rating": _("Choose how satisfied you are.")})
    with transaction.atomic():
        on_behalf = _closer(actor, concern, texted_by)
        concern.status, concern.confirm_due_at = Status.REOPENED, None
        concern.answer_due_at = now + dt.timedelta(hours=answer_hours(concern.clock))
        if rating:
            concern.rating, concern.rated_at = rating, now
        _schedule(concern)
        concern.save()
        _audit(
            concern,
            actor=actor,
            action=ConcernEvent.REOPEN,
            on_behalf_of=on_behalf,
            before={"status": Status.ANSWERED},
            after={"status": concern.status, "reason": reason, "rating": rating, **_via(texted_by)},
        )
        _tell([concern.owner_id], "reopened", concern, sender=actor, reason=reason)
        board_touch(concern.region_code)
    return concern


# --- me too and merging --------------------------------------------------------------------------
def concern_me_too(*, actor: User, concern: Concern) -> MeToo:
    """A villager of the same village says they have the same concern; they are told of its answer."""
    if not rules.can_me_too(actor, concern):
        raise ValidationError(_("You can add “me too” only to open public concerns of your own village."))
    villager = people_rules.own_villager(actor)
    with transaction.atomic():
        row, created = MeToo.objects.get_or_create(concern=concern, villager=villager)
        if not created:
            raise ValidationError(_("You have already said “me too” to this concern."))
        Concern.objects.filter(pk=concern.pk).update(me_too_count=F("me_too_count") + 1)
        concern.refresh_from_db(fields=["me_too_count"])
        _audit(concern, actor=actor, action=ConcernEvent.ME_TOO, after={"count": concern.me_too_count})
        board_touch(concern.region_code)
    return row


def concern_merge(*, actor: User, source: Concern, target: Concern, now: dt.datetime | None = None) -> Concern:
    """Close a duplicate into another concern; its villager and supporters follow the target and are told."""
    now = now or timezone.now()
    if source.pk == target.pk:
        raise ValidationError({"target": _("A concern cannot be merged into itself.")})
    if not (rules.can_merge(actor, source) and rules.can_merge(actor, target)):
        raise ValidationError({"target": _("Both concerns must be open and in the area you work for.")})
    if source.region_code[:9] != target.region_code[:9]:
        raise ValidationError({"target": _("Only duplicates in the same township can be merged.")})
    with transaction.atomic():
        told = _villagers_told(source, supporters=True)
        followers = set(MeToo.objects.filter(concern=source).values_list("villager_id", flat=True))
        if source.villager_id:
            followers.add(source.villager_id)
        followers.discard(target.villager_id)
        have = set(MeToo.objects.filter(concern=target).values_list("villager_id", flat=True))
        MeToo.objects.bulk_create(
            [MeToo(concern=target, villager_id=v, from_merge=True) for v in sorted(followers - have)]
        )
        target.me_too_count = MeToo.objects.filter(concern=target).count()
        target.save(update_fields=["me_too_count", "updated_at"])
        before = {"status": source.status}
        source.status, source.merged_into, source.closed_at, source.confirm_due_at = Status.MERGED, target, now, None
        _schedule(source)
        source.save()
        _audit(
            source,
            actor=actor,
            action=ConcernEvent.MERGE,
            before=before,
            after={"status": source.status, "into": target.number},
        )
        _audit(
            target,
            actor=actor,
            action=ConcernEvent.MERGED_IN,
            after={"from": source.number, "me_too": target.me_too_count},
        )
        _tell((), "merged", source, villager_ids=told, sender=actor, target=target.number, target_link=_link(target))
        board_touch(source.region_code)
        board_touch(target.region_code)
    return target


# --- the periodic job ----------------------------------------------------------------------------
def _escalate_one(concern: Concern, now: dt.datetime) -> None:
    level = _next_level(concern)
    owner_id = concern.owner_id
    if level is None:
        concern.escalated_at = now
        _schedule(concern)
        concern.save(update_fields=["escalated_at", "escalate_at", "due_at", "updated_at"])
        _audit(concern, actor=None, action=ConcernEvent.OVERDUE, after={"level": concern.level})
        _tell([owner_id], "overdue", concern, urgent=True)
        return
    before = {"escalation_level": concern.escalation_level or concern.level}
    concern.escalation_level, concern.escalated_at = level, now
    _schedule(concern)
    concern.save(update_fields=["escalation_level", "escalated_at", "escalate_at", "due_at", "updated_at"])
    above = _level_recipients(concern, level)
    names = list(User.objects.filter(pk__in=above).values_list("name", flat=True))
    _audit(
        concern,
        actor=None,
        action=ConcernEvent.ESCALATE,
        before=before,
        after={
            "escalation_level": level,
            "told": names,
            "late": "acknowledge" if concern.status == Status.OPEN else "answer",
        },
    )
    _tell([owner_id, *above], "escalated_staff", concern, urgent=True, level=level)
    _tell((), "escalated", concern, villager_ids=_villagers_told(concern), level=level)
    board_touch(concern.region_code)


def concerns_escalate_due(*, now: dt.datetime | None = None, limit: int = 500) -> str:
    """Escalate late concerns one level up and close answers left unrated too long. Idempotent."""
    now = now or timezone.now()
    escalated = closed = 0
    ids = list(
        Concern.objects.filter(escalate_at__lte=now, status__in=WORKING_STATUSES)
        .order_by("escalate_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            concern = (
                Concern.objects.select_for_update(of=("self",))
                .select_related("category", "villager")
                .filter(pk=pk, escalate_at__lte=now, status__in=WORKING_STATUSES)
                .first()
            )
            if concern is not None:  # another run may have taken it meanwhile
                _escalate_one(concern, now)
                escalated += 1
    ids = list(
        Concern.objects.filter(confirm_due_at__lte=now, status=Status.ANSWERED)
        .order_by("confirm_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            concern = (
                Concern.objects.select_for_update()
                .filter(pk=pk, confirm_due_at__lte=now, status=Status.ANSWERED)
                .first()
            )
            if concern is None:
                continue
            concern.status, concern.closed_at, concern.confirm_due_at = Status.CLOSED_UNRATED, now, None
            _schedule(concern)
            concern.save()
            _audit(
                concern,
                actor=None,
                action=ConcernEvent.CLOSE_UNRATED,
                before={"status": Status.ANSWERED},
                after={"status": concern.status},
            )
            board_touch(concern.region_code)
            closed += 1
    return f"{escalated} escalated, {closed} closed unrated"


# --- reading a concern's personal data -------------------------------------------------------------
def concern_read_record(*, actor: User, concern: Concern) -> None:
    """Staff opening a concern see the villager's name and phone: logged on "who viewed my data"."""
    if concern.villager_id and rules.is_staff_in_scope(actor, concern) and not rules.is_subject(actor, concern):
        assert concern.villager is not None  # villager_id is set
        access_record(
            actor=actor,
            villager=concern.villager,
            kind=AccessKind.STAFF_READ,
            purpose=gettext_noop("Handling an application or concern"),
        )


# --- configuration by the county administrator ---------------------------------------------------
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")


def category_save(
    *,
    actor: User,
    category: Category | None = None,
    code: str,
    name: str,
    name_en: str = "",
    description: str = "",
    clock: str = Clock.GENERAL,
    level: str = Level.VILLAGE,
    active: bool = True,
    position: int = 100,
) -> Category:
    """Create or change a category (its code is the Open311 service code and cannot change once used)."""
    if not rules.can_configure(actor):
        raise ValidationError(_("Only the county administrator configures concerns."))
    code = (code or "").strip().lower()
    errors: dict[str, str] = {}
    same_code = Category.objects.filter(code=code)
    if category is not None:
        same_code = same_code.exclude(pk=category.pk)
    if not CODE_RE.match(code):
        errors["code"] = _("2–40 lower-case letters, digits, - or _.")
    elif same_code.exists():
        errors["code"] = _("Another category has this code.")
    elif category is not None and category.code != code and category.concerns.exists():
        errors["code"] = _("The code of a category in use cannot change: other systems know it.")
    if not (name or "").strip():
        errors["name"] = _("Please write a few words.")
    if clock not in Clock.values:
        errors["clock"] = _("Choose an answer time.")
    if level not in Level.values:
        errors["level"] = _("Choose a level.")
    if errors:
        raise ValidationError(errors)
    before = None
    if category is None:
        category = Category()
    else:
        before = {"code": category.code, "name": category.name, "clock": category.clock, "active": category.active}
    category.code, category.name, category.name_en = code, name.strip()[:60], (name_en or "").strip()[:80]
    category.description, category.clock, category.level = (description or "").strip()[:300], clock, level
    category.active, category.position = active, position
    category.save()
    audit_record(
        actor=actor,
        action=ConcernEvent.CATEGORY_SAVE,
        obj=category,
        before=before,
        after={"code": code, "name": category.name, "clock": clock, "active": active},
    )
    return category


def rule_save(
    *,
    actor: User,
    rule: RoutingRule | None = None,
    category: Category,
    region: Region | None,
    level: str,
    office: Office | None = None,
    responsible: User | None = None,
) -> RoutingRule:
    """Create or change a routing rule: category x region -> level, office and named person."""
    if not rules.can_configure(actor) or (
        region is not None and not people_rules.in_scope(actor, region.code, rules.ADMIN_ROLES)
    ):
        raise ValidationError(_("Only the county administrator configures concerns."))
    errors: dict[str, str] = {}
    if region is None or region.level not in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        errors["region"] = _("Choose the county, a township or a village.")
    if level not in Level.values:
        errors["level"] = _("Choose a level.")
    elif level == Level.VILLAGE:
        office = None
    elif office is None:
        errors["office"] = _("A township or county matter needs an office.")
    elif region is not None and not (
        region.code.startswith(office.region.prefix) or office.region.code.startswith(region.prefix)
    ):
        errors["office"] = _("This office does not serve the chosen region.")
    elif _level_of_prefix(office.region.prefix) != level:
        errors["office"] = _("This office does not work at the chosen level.")
    if responsible is None and level != Level.VILLAGE:
        errors["responsible"] = _("Name the person responsible.")
    elif (
        responsible is not None
        and region is not None
        and not any(
            region.code.startswith(p) or p.startswith(region.prefix)
            for p in people_rules.prefixes(responsible, rules.HANDLER_ROLES)
        )
    ):
        errors["responsible"] = _("This person has no role that handles concerns in the chosen region.")
    same_place = RoutingRule.objects.filter(category=category, region=region)
    if rule is not None:
        same_place = same_place.exclude(pk=rule.pk)
    if region is not None and same_place.exists():
        errors["region"] = _("There is already a rule for this category and region; change that one.")
    if errors:
        raise ValidationError(errors)
    assert region is not None  # an error above when missing
    before = None
    if rule is None:
        rule = RoutingRule()
    else:
        before = {
            "category": rule.category.code,
            "region": rule.region.code,
            "level": rule.level,
            "office": rule.office_id,
            "responsible": rule.responsible_id,
        }
    rule.category, rule.region, rule.level, rule.office, rule.responsible = category, region, level, office, responsible
    rule.save()
    audit_record(
        actor=actor,
        action=ConcernEvent.RULE_SAVE,
        obj=rule,
        region_code=region.code,
        before=before,
        after={
            "category": category.code,
            "region": region.code,
            "level": level,
            "office": office.pk if office else None,
            "responsible": _snapshot_name(responsible),
        },
    )
    return rule


def rule_delete(*, actor: User, rule: RoutingRule) -> None:
    """Remove a routing rule; concerns already routed keep their owner."""
    if not rules.can_configure(actor):
        raise ValidationError(_("Only the county administrator configures concerns."))
    audit_record(
        actor=actor,
        action=ConcernEvent.RULE_DELETE,
        obj=rule,
        region_code=rule.region.code,
        before={"category": rule.category.code, "region": rule.region.code},
    )
    rule.delete()


def open311_key_issue(*, name: str, actor: Actor = None) -> tuple[str, Open311Key]:
    """A new Open311 API key: the plain key is returned once, only its hash is stored (core/apikeys.py)."""
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError({"name": _("Name the system that will use the key.")})
    key, key_hash, key_prefix = key_new()
    row = Open311Key.objects.create(
        name=name,
        key_hash=key_hash,
        key_prefix=key_prefix,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor, action=ConcernEvent.OPEN311_KEY_ISSUE, obj=row, after={"name": name, "prefix": row.key_prefix}
    )
    return key, row


def open311_key_revoke(*, actor: User, key: Open311Key) -> Open311Key:
    """End an Open311 key now; revoking twice changes nothing."""
    if key_end(key):
        audit_record(actor=actor, action=ConcernEvent.OPEN311_KEY_REVOKE, obj=key, after={"prefix": key.key_prefix})
    return key


def open311_key_check(*, key: str) -> Open311Key | None:
    """The live key with this value (its last use is written at most once a minute)."""
    return key_find(Open311Key.objects.filter(revoked_at__isnull=True), key)
