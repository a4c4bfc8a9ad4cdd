"""Writes for village organisations: registering, members, messages to the organisation, activities, sign-up,
check-in and the hours confirmed by the organiser. Each state change writes one audit row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhi.concerns import rules as concern_rules
from cunzhi.concerns import services as concern_services
from cunzhi.concerns.models import Concern
from cunzhi.core.audit import audit_record
from cunzhi.core.links import absolute_url
from cunzhi.notify.services import notice_send
from cunzhi.organisations import rules
from cunzhi.organisations.events import OrgEvent
from cunzhi.organisations.models import (
    Activity,
    ActivityStatus,
    CheckInMethod,
    Handover,
    HandoverStatus,
    HandoverWork,
    Membership,
    Organisation,
    OrgKind,
    Participant,
    SignUpVia,
)
from cunzhi.people.actors import User
from cunzhi.people.models import DelegationScope, Villager
from cunzhi.people.rules import own_villager
from cunzhi.people.services import delegation_use
from cunzhi.regions.models import Level, Region

SIGN_UP_REPLY = "organisations.signup"  # the SMS reply handler's name (organisations/replies.py)
MAX_HOURS = Decimal("24")


def _text(value: str, field: str, message: str, *, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return value


# ---------------------------------------------------------------- organisations and members


def organisation_register(*, region: Region, kind: str, name: str, description: str = "", actor: User) -> Organisation:
    """Register an organisation of a village or township (its cadres, or the township's civil affairs office)."""
    if region.level not in (Level.VILLAGE, Level.TOWNSHIP):
        raise ValidationError(_("An organisation belongs to a village or a township."))
    if not rules.can_register(actor, region):
        raise PermissionDenied
    if kind not in OrgKind.values:
        raise ValidationError({"kind": _("Choose the kind of organisation.")})
    name = _text(name, "name", _("Name the organisation."), limit=100)
    description = (description or "").strip()
    if len(description) > 2000:
        raise ValidationError({"description": _("At most %(n)s characters.") % {"n": 2000}})
    if Organisation.objects.filter(region=region, name=name).exists():
        raise ValidationError({"name": _("This village or township already has an organisation of that name.")})
    org = Organisation.objects.create(region=region, kind=kind, name=name, description=description, created_by=actor)
    audit_record(actor=actor, action=OrgEvent.ORG_CREATE, obj=org, after={"name": name, "kind": kind})
    return org


def member_add(*, organisation: Organisation, villager: Villager, is_leader: bool, actor: User) -> Membership:
    """Add a villager of the organisation's area as a member or leader (or change a member's leadership)."""
    if not rules.can_manage(actor, organisation):
        raise PermissionDenied
    if not rules.in_area(villager, organisation):
        raise ValidationError(_("Members are villagers of the organisation's village or township."))
    member, created = Membership.objects.update_or_create(
        organisation=organisation, villager=villager, defaults={"is_leader": is_leader}
    )
    audit_record(
        actor=actor,
        action=OrgEvent.MEMBER_ADD,
        obj=member,
        region_code=organisation.region_code,
        after={"villager": villager.public_id, "leader": is_leader, "new": created},
    )
    return member


def member_remove(*, membership: Membership, actor: User) -> None:
    """Remove a member; the last leader cannot be removed (someone must answer the organisation's messages)."""
    org = membership.organisation
    if not rules.can_manage(actor, org):
        raise PermissionDenied
    if membership.is_leader and not org.memberships.filter(is_leader=True).exclude(pk=membership.pk).exists():
        raise ValidationError(_("Name another leader before removing the last one."))
    audit_record(
        actor=actor,
        action=OrgEvent.MEMBER_REMOVE,
        obj=membership,
        region_code=org.region_code,
        before={"villager": membership.villager.public_id, "leader": membership.is_leader},
    )
    membership.delete()


def organisation_contact(*, organisation: Organisation, message: str, actor: User) -> int:
    """A villager writes to the organisation: the message goes to its leaders' inboxes (and texts), with the
    sender's name so they can answer. Returns how many leaders were told."""
    if not rules.can_contact(actor, organisation):
        raise PermissionDenied
    message = _text(message, "message", _("Write your message."), limit=500)
    leaders = list(organisation.memberships.filter(is_leader=True).values_list("villager_id", flat=True))
    if not leaders:
        raise ValidationError(_("This organisation has no leader to write to yet."))
    sender = own_villager(actor)
    who = sender.name if sender is not None else actor.name
    subject = {
        "zh-hans": f"{organisation.name}：{who}的留言",
        "en": f"{organisation.name}: a message from {who}",
    }
    body = {"zh-hans": f"{message}\n\n——{who}（{actor.phone}）", "en": f"{message}\n\n— {who} ({actor.phone})"}
    with transaction.atomic():
        notice_send(
            kind="direct",
            villager_ids=leaders,
            subject=subject,
            body=body,
            link=absolute_url(reverse("organisations:detail", args=[organisation.public_id])),
            sender=actor,
            region_code=organisation.region_code,
        )
        audit_record(
            actor=actor,
            action=OrgEvent.CONTACT,
            obj=organisation,
            after={"leaders": len(leaders), "chars": len(message)},
        )
    return len(leaders)


# ---------------------------------------------------------------- activities


def activity_create(
    *,
    organisation: Organisation,
    title: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    places: int,
    description: str = "",
    tell_members: bool = True,
    actor: User,
) -> Activity:
    """Post an activity; its members are told by text and inbox, and may reply 1 to sign up, 2 to withdraw."""
    if not rules.can_manage(actor, organisation):
        raise PermissionDenied
    if not organisation.active:
        raise ValidationError(_("This organisation is no longer active."))
    title = _text(title, "title", _("Name the activity."), limit=100)
    place = _text(place, "place", _("Say where the activity is."), limit=100)
    errors = {}
    if starts_at <= timezone.now():
        errors["starts_at"] = _("The activity must start in the future.")
    elif ends_at <= starts_at:
        errors["ends_at"] = _("The activity must end after it starts.")
    elif ends_at - starts_at > dt.timedelta(days=3):
        errors["ends_at"] = _("An activity lasts at most three days: post longer work as several activities.")
    if not 1 <= places <= 1000:
        errors["places"] = _("Places available are between 1 and 1000.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity = Activity.objects.create(
            organisation=organisation,
            title=title,
            place=place,
            starts_at=starts_at,
            ends_at=ends_at,
            places=places,
            description=(description or "").strip()[:2000],
            created_by=actor,
        )
        members = list(organisation.memberships.values_list("villager_id", flat=True))
        if tell_members and members:
            local = timezone.localtime(starts_at)
            activity.notice = notice_send(
                kind="direct",
                villager_ids=members,
                reply_handler=SIGN_UP_REPLY,
                template="organisations_activity",
                context={
                    "organisation": organisation.name,
                    "title": title,
                    "place": place,
                    "starts": local.strftime("%Y-%m-%d %H:%M"),
                    "places": places,
                },
                link=absolute_url(reverse("organisations:activity", args=[activity.public_id])),
                sender=actor,
                region_code=organisation.region_code,
            )
            activity.save(update_fields=["notice", "updated_at"])
        audit_record(
            actor=actor,
            action=OrgEvent.ACTIVITY_CREATE,
            obj=activity,
            after={"title": title, "starts_at": starts_at.isoformat(), "places": places, "told": len(members)},
        )
    return activity


def activity_cancel(*, activity: Activity, reason: str, actor: User) -> Activity:
    """Cancel an activity that has not had its hours confirmed."""
    if not rules.can_manage(actor, activity.organisation):
        raise PermissionDenied
    reason = _text(reason, "reason", _("Say why the activity is cancelled."), limit=300)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.status != ActivityStatus.OPEN:
            raise ValidationError(_("This activity is already closed."))
        activity.status = ActivityStatus.CANCELLED
        activity.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=OrgEvent.ACTIVITY_CANCEL, obj=activity, after={"reason": reason})
    return activity


def sign_up(
    *, activity: Activity, villager: Villager, actor: User | None, via: str = SignUpVia.WEB
) -> tuple[Participant, bool]:
    """Sign a villager up: themself, their helper (delegation), the organiser, or a text from their number
    (actor None, via SMS). Places are counted under the activity's row lock. Returns (participant, created)."""
    org = activity.organisation
    delegation = None
    if via == SignUpVia.SMS:
        if actor is not None:
            raise PermissionDenied
    elif actor is None:
        raise PermissionDenied
    elif villager.user_id == actor.pk:
        via = SignUpVia.WEB
    elif rules.can_manage(actor, org):
        via = SignUpVia.ORGANISER
    elif any(v.pk == villager.pk for v in rules.delegators(actor)):
        via = SignUpVia.HELPER
    else:
        raise PermissionDenied
    if not rules.in_area(villager, org):
        raise ValidationError(_("This activity is for villagers of %(area)s.") % {"area": org.region.name})
    with transaction.atomic():
        activity = Activity.objects.select_for_update().select_related("organisation__region").get(pk=activity.pk)
        if not rules.can_sign_up(activity):
            raise ValidationError(_("This activity no longer takes sign-ups."))
        existing = Participant.objects.filter(activity=activity, villager=villager).first()
        if existing is not None and existing.withdrawn_at is None:
            return existing, False
        taken = Participant.objects.filter(activity=activity, withdrawn_at__isnull=True).count()
        if taken >= activity.places:
            raise ValidationError(_("All %(n)s places are taken.") % {"n": activity.places})
        if via == SignUpVia.HELPER and actor is not None:
            delegation = delegation_use(
                helper=actor,
                villager=villager,
                scope=DelegationScope.ORGANISATIONS,
                purpose=_("Sign-up for %(title)s") % {"title": activity.title},
            )
        if existing is not None:
            existing.withdrawn_at = None
            existing.via, existing.signed_by, existing.delegation = via, actor, delegation
            existing.save(update_fields=["withdrawn_at", "via", "signed_by", "delegation", "updated_at"])
            participant = existing
        else:
            participant = Participant.objects.create(
                activity=activity,
                villager=villager,
                household_id=villager.household_id,
                name=villager.name,
                name_pinyin=villager.name_pinyin,
                via=via,
                signed_by=actor,
                delegation=delegation,
            )
        audit_record(
            actor=actor,
            action=OrgEvent.SIGN_UP,
            obj=participant,
            region_code=activity.region_code,
            on_behalf_of=villager if via in (SignUpVia.HELPER, SignUpVia.ORGANISER) else None,
            after={"activity": activity.public_id, "via": via},
        )
    return participant, True


def withdraw(*, participant: Participant, actor: User | None, by_sms: bool = False) -> Participant:
    """The villager (or their helper, or a text from their number) takes back a sign-up before check-in."""
    activity = participant.activity
    if not by_sms:
        if actor is None:
            raise PermissionDenied
        allowed = participant.villager.user_id == actor.pk or any(
            v.pk == participant.villager_id for v in rules.delegators(actor)
        )
        if not allowed and not rules.can_manage(actor, activity.organisation):
            raise PermissionDenied
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.checked_in_at is not None:
            raise ValidationError(_("Already checked in: the sign-up cannot be taken back."))
        if participant.withdrawn_at is not None:
            return participant
        participant.withdrawn_at = timezone.now()
        participant.save(update_fields=["withdrawn_at", "updated_at"])
        audit_record(
            actor=actor,
            action=OrgEvent.WITHDRAW,
            obj=participant,
            region_code=activity.region_code,
            after={"activity": activity.public_id},
        )
    return participant


def check_in(
    *, activity: Activity, participant: Participant, actor: User, by_qr: bool = False
) -> tuple[Participant, bool]:
    """The organiser's desk checks a signed-up villager in (found by name or pinyin, or their QR code)."""
    if participant.activity_id != activity.pk:
        raise PermissionDenied
    if not rules.can_manage(actor, activity.organisation):
        raise PermissionDenied
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if not rules.can_check_in(locked):
            raise ValidationError(_("Check-in opens on the day of the activity and closes when hours are confirmed."))
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.withdrawn_at is not None:
            raise ValidationError(_("%(name)s withdrew from this activity.") % {"name": participant.name})
        if participant.checked_in_at is not None:
            return participant, False
        participant.checked_in_at, participant.checked_in_by = timezone.now(), actor
        participant.check_in_method = CheckInMethod.QR if by_qr else CheckInMethod.DESK
        participant.save(update_fields=["checked_in_at", "checked_in_by", "check_in_method", "updated_at"])
        audit_record(
            actor=actor,
            action=OrgEvent.CHECK_IN,
            obj=participant,
            region_code=activity.region_code,
            on_behalf_of=participant.villager,
            after={"activity": activity.public_id, "method": participant.check_in_method},
        )
    return participant, True


def parse_hours(value: object) -> Decimal:
    """Hours as typed (2, 2.5); a clear message for anything else."""
    try:
        hours = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": _("Hours are a number such as 2 or 2.5.")}) from None
    if not Decimal("0") <= hours <= MAX_HOURS:
        raise ValidationError({"hours": _("Hours are between 0 and 24.")})
    return hours


def hours_confirm(*, activity: Activity, hours: dict[int, Decimal], actor: User) -> Activity:
    """The organiser confirms the hours of each checked-in participant (participant id → hours); the activity
    is then done. Only checked-in participants get hours: a sign-up alone is not participation."""
    if not rules.can_manage(actor, activity.organisation):
        raise PermissionDenied
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.status != ActivityStatus.OPEN:
            raise ValidationError(_("The hours of this activity are already confirmed."))
        if timezone.now() < activity.starts_at:
            raise ValidationError(_("Hours are confirmed after the activity has started."))
        present = {p.pk: p for p in Participant.objects.filter(activity=activity, checked_in_at__isnull=False)}
        if not present:
            raise ValidationError(_("Nobody was checked in: there are no hours to confirm."))
        unknown = set(hours) - set(present)
        if unknown:
            raise ValidationError(_("Hours can be confirmed only for villagers checked in at this activity."))
        longest = Decimal((activity.ends_at - activity.starts_at).total_seconds() / 3600).quantize(Decimal("0.1"))
        now = timezone.now()
        for pk, p in present.items():
            h = hours.get(pk, Decimal("0"))
            if h > max(longest, Decimal("0.1")):
                raise ValidationError(
                    _("%(name)s: at most %(n)s hours (the activity's length).") % {"name": p.name, "n": longest}
                )
            p.hours, p.confirmed_at, p.confirmed_by = h, now, actor
        Participant.objects.bulk_update(list(present.values()), ["hours", "confirmed_at", "confirmed_by"])
        activity.status, activity.confirmed_at = ActivityStatus.DONE, now
        activity.save(update_fields=["status", "confirmed_at", "updated_at"])
        audit_record(
            actor=actor,
            action=OrgEvent.HOURS_CONFIRM,
            obj=activity,
            after={"participants": len(present), "hours": str(sum((p.hours for p in present.values()), Decimal(0)))},
        )
    return activity


# ---------------------------------------------------------------- concerns handed to the organisation
# Concerns' own services write the concern (its timeline, the answer, telling the villager); these keep the
# organisation's side (what it was handed, its work) and check who may act for the organisation.


def _handover_key(organisation: Organisation) -> str:
    return f"organisations:{organisation.public_id}"


def concern_hand(*, concern: Concern, organisation: Organisation, note: str = "", actor: User) -> Handover:
    """Staff who handle the concern hand it to an organisation of its area; the leaders are told."""
    if not concern_rules.can_handle(actor, concern):
        raise PermissionDenied
    if not organisation.active or not rules.covers(organisation, concern.region_code):
        raise ValidationError({"organisation": _("Choose an organisation of the concern's village or township.")})
    leaders = list(organisation.memberships.filter(is_leader=True).values_list("villager_id", flat=True))
    if not leaders:
        raise ValidationError({"organisation": _("This organisation has no leader to work on it yet.")})
    with transaction.atomic():
        concern_services.concern_hand_to_organisation(
            actor=actor, concern=concern, key=_handover_key(organisation), name=organisation.name, note=note
        )
        handover = Handover.objects.create(
            organisation=organisation, concern=concern, note=(note or "").strip()[:300], handed_by=actor
        )
        audit_record(
            actor=actor,
            action=OrgEvent.HAND,
            obj=handover,
            region_code=concern.region_code,
            after={"concern": concern.number, "organisation": organisation.name},
        )
        link = absolute_url(reverse("organisations:handover", args=[handover.public_id]))
        notice_send(
            kind="direct",
            villager_ids=leaders,
            subject={
                "zh-hans": f"{organisation.name}：交办诉求{concern.number}",
                "en": f"{organisation.name}: concern {concern.number} handed to you",
            },
            body={
                "zh-hans": f"{actor.name}将诉求{concern.number}交给{organisation.name}办理。{note}",
                "en": f"{actor.name} handed concern {concern.number} to {organisation.name}. {note}",
            },
            link=link,
            sender=actor,
            region_code=concern.region_code,
        )
    return handover


def handover_work(*, handover: Handover, text: str, actor: User) -> HandoverWork:
    """A leader records what the organisation did; it goes on the concern's timeline and the villager is told."""
    if not rules.can_work_on(actor, handover):
        raise PermissionDenied
    if handover.status != HandoverStatus.WORKING:
        raise ValidationError(_("The organisation has already answered this concern."))
    text = _text(text, "text", _("Say what was done."), limit=1000)
    org = handover.organisation
    with transaction.atomic():
        concern_services.concern_organisation_work(
            actor=actor, concern=handover.concern, key=_handover_key(org), name=org.name, text=text
        )
        work = HandoverWork.objects.create(handover=handover, text=text, by=actor, by_name=actor.name or actor.phone)
        audit_record(
            actor=actor,
            action=OrgEvent.HAND_WORK,
            obj=handover,
            region_code=handover.concern.region_code,
            after={"chars": len(text)},
        )
    return work


def handover_answer(*, handover: Handover, text: str, actor: User) -> Handover:
    """A leader answers under the organisation's name: the concern's answer (on its clock, for the person
    responsible), which the villager confirms and rates as any answer."""
    if not rules.can_work_on(actor, handover):
        raise PermissionDenied
    if handover.status != HandoverStatus.WORKING:
        raise ValidationError(_("The organisation has already answered this concern."))
    text = _text(text, "text", _("Write the answer."), limit=2000)
    org = handover.organisation
    with transaction.atomic():
        concern_services.concern_answer_by_organisation(
            actor=actor, concern=handover.concern, key=_handover_key(org), name=org.name, text=text
        )
        handover.status, handover.answered_at = HandoverStatus.ANSWERED, timezone.now()
        handover.save(update_fields=["status", "answered_at", "updated_at"])
        audit_record(
            actor=actor,
            action=OrgEvent.HAND_ANSWER,
            obj=handover,
            region_code=handover.concern.region_code,
            after={"chars": len(text)},
        )
    return handover
