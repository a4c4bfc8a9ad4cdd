"""Writes for meetings: convening, rosters, notice, opening, attendance, motions, ballots, minutes,
petitions and delegations by the villagers' meeting.

Integrity under load: a check-in locks the meeting row and a ballot locks the motion row for the
length of one short transaction (a no-op on SQLite, whose IMMEDIATE transactions already
serialise writers), so "already checked in / already voted" is decided without a race; the
database's unique constraints are the last guard, and a retry of the same request returns the
row that is already there instead of an error.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cunzhi.core.audit import audit_record
from cunzhi.core.links import absolute_url
from cunzhi.core.text import render_text
from cunzhi.disclosure import services as disclosure_services
from cunzhi.disclosure.models import Category as DisclosureCategory
from cunzhi.meetings import law, rules, selectors
from cunzhi.meetings.events import MeetingEvent
from cunzhi.meetings.models import (
    Attendance,
    AttendanceMode,
    Authorisation,
    Ballot,
    BallotKind,
    Body,
    CheckInMethod,
    Choice,
    Matter,
    Meeting,
    MeetingMember,
    MeetingStatus,
    Motion,
    MotionStatus,
    Petition,
    PetitionKind,
    PetitionSignature,
    PetitionStatus,
    QuorumMode,
    Rsvp,
    RsvpVia,
)
from cunzhi.notify.models import Urgency
from cunzhi.notify.services import notice_send
from cunzhi.people.actors import Actor
from cunzhi.people.models import DelegationScope, Role, RoleAssignment, User, Villager
from cunzhi.people.selectors import adult_cutoff
from cunzhi.people.services import delegation_use
from cunzhi.regions.models import Region

logger = logging.getLogger(__name__)

# Members of the representatives' meeting: committee members (cadres, the Party secretary) and representatives.
REPS_MEETING_ROLES = (Role.REPRESENTATIVE, Role.CADRE, Role.PARTY_SECRETARY)
DEFAULT_LENGTH = dt.timedelta(hours=2)
# Stored in English with the villager's access record and translated when they read it.
PURPOSE_CHECK_IN = gettext_noop("Checked in at a village meeting for the villager")
PURPOSE_RSVP = gettext_noop("Answered a meeting notice for the villager")
PURPOSE_VOTE = gettext_noop("Voted at a village meeting for the villager")


def _open_early() -> dt.timedelta:
    return dt.timedelta(minutes=settings.MEETINGS_OPEN_EARLY_MINUTES)


# --- Convening ------------------------------------------------------------------------------


def _clean_meeting(
    *,
    village: Region,
    body: str,
    group: Region | None,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    stream_url: str,
    now: dt.datetime,
) -> dict:
    errors = {}
    if body not in Body.values:
        errors["body"] = _("Choose which body meets.")
    if body == Body.GROUP:
        if group is None:
            errors["group"] = _("Choose the villager group that meets.")
        elif group.parent_id != village.pk:
            errors["group"] = _("This group does not belong to the village.")
    if starts_at is None:
        errors["starts_at"] = _("Give the date and time the meeting starts.")
    elif starts_at <= now:
        errors["starts_at"] = _("The meeting must start in the future.")
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("The meeting must end after it starts.")
    if stream_url and not stream_url.lower().startswith(("https://", "http://")):
        errors["stream_url"] = _("Give a web address starting with https://.")
    if errors:
        raise ValidationError(errors)
    return {}


def _invited_ids(*, village: Region, invited: Iterable[Villager]) -> list[int]:
    ids = sorted({v.pk for v in invited})
    if ids and Villager.objects.filter(pk__in=ids, village=village).count() != len(ids):
        raise ValidationError({"invited": _("Everyone invited must be a villager of this village.")})
    return ids


def meeting_create(
    *,
    actor: User,
    village: Region,
    body: str,
    title: str,
    agenda: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    basis: str = "persons",
    group: Region | None = None,
    stream_url: str = "",
    secretary: User | None = None,
    petition: Petition | None = None,
    invited: Iterable[Villager] = (),
    now: dt.datetime | None = None,
) -> Meeting:
    """Convene a meeting (as a draft until its notice is sent)."""
    if not rules.can_convene(actor, village):
        raise PermissionDenied
    now = now or timezone.now()
    ends_at = ends_at or (starts_at + DEFAULT_LENGTH if starts_at else None)
    _clean_meeting(
        village=village, body=body, group=group, starts_at=starts_at, ends_at=ends_at, stream_url=stream_url, now=now
    )
    assert ends_at is not None  # _clean_meeting refused a missing start, and the end defaults from the start
    if petition is not None:
        if petition.region_code != village.code or petition.status != PetitionStatus.REACHED:
            raise ValidationError({"petition": _("This petition has not reached its signatures in this village.")})
        if law.petition_body(petition.kind) != body:
            raise ValidationError({"petition": _("The petition asks for a different kind of meeting.")})
    meeting = Meeting.objects.create(
        village=village,
        group=group if body == Body.GROUP else None,
        body=body,
        basis=basis if body in (Body.VILLAGERS, Body.GROUP) else "persons",
        title=title.strip(),
        agenda=agenda.strip(),
        place=place.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        stream_url=stream_url,
        convened_by=actor,
        secretary=secretary or actor,
        petition=petition,
        invited=_invited_ids(village=village, invited=invited) if body == Body.COUNCIL else [],
    )
    if petition is not None:
        Petition.objects.filter(pk=petition.pk).update(status=PetitionStatus.CONVENED, updated_at=now)
        audit_record(
            actor=actor, action=MeetingEvent.PETITION_CONVENED, obj=petition, after={"meeting": meeting.public_id}
        )
    audit_record(
        actor=actor,
        action=MeetingEvent.MEETING_CREATE,
        obj=meeting,
        after={"body": body, "title": meeting.title, "starts_at": starts_at.isoformat()},
    )
    return meeting


def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    agenda: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None,
    stream_url: str,
    basis: str | None = None,
    secretary: User | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """Change a meeting before its notice goes out; the stream address may change until it closes."""
    if not rules.can_manage(actor, meeting):
        raise PermissionDenied
    now = now or timezone.now()
    if not rules.can_change(meeting):
        raise ValidationError(_("This meeting is over; it can no longer be changed."))
    before = {"starts_at": meeting.starts_at.isoformat(), "place": meeting.place, "stream_url": meeting.stream_url}
    if meeting.status != MeetingStatus.DRAFT:
        # After the notice only the stream address may change: the notice period ran against the date.
        if (
            starts_at != meeting.starts_at
            or place.strip() != meeting.place
            or title.strip() != meeting.title
            or agenda.strip() != meeting.agenda
        ):
            raise ValidationError(
                _(
                    "The notice has gone out: date, place, title and agenda are fixed. Cancel the "
                    "meeting and convene it again to change them."
                )
            )
        if stream_url and not stream_url.lower().startswith(("https://", "http://")):
            raise ValidationError({"stream_url": _("Give a web address starting with https://.")})
        meeting.stream_url = stream_url
    else:
        ends_at = ends_at or starts_at + DEFAULT_LENGTH
        _clean_meeting(
            village=meeting.village,
            body=meeting.body,
            group=meeting.group,
            starts_at=starts_at,
            ends_at=ends_at,
            stream_url=stream_url,
            now=now,
        )
        meeting.title, meeting.agenda, meeting.place = title.strip(), agenda.strip(), place.strip()
        meeting.starts_at, meeting.ends_at, meeting.stream_url = starts_at, ends_at, stream_url
        if basis and meeting.body in (Body.VILLAGERS, Body.GROUP):
            meeting.basis = basis
        if secretary is not None:
            meeting.secretary = secretary
    meeting.sequence += 1
    meeting.save()
    audit_record(
        actor=actor,
        action=MeetingEvent.MEETING_UPDATE,
        obj=meeting,
        before=before,
        after={"starts_at": meeting.starts_at.isoformat(), "place": meeting.place, "stream_url": meeting.stream_url},
    )
    return meeting


def _roster_rows(meeting: Meeting) -> QuerySet[Villager, tuple[Any, ...]]:
    """(villager id, user id, household id, household representative id, name, pinyin, away) of the body."""
    day = timezone.localtime(meeting.starts_at).date()
    qs = Villager.objects.filter(village_id=meeting.village_id)
    if meeting.body == Body.VILLAGERS:
        qs = qs.filter(birth_date__lte=adult_cutoff(day))
    elif meeting.body == Body.GROUP:
        qs = qs.filter(group_id=meeting.group_id, birth_date__lte=adult_cutoff(day))
    else:
        holders = RoleAssignment.objects.filter(role__in=REPS_MEETING_ROLES, region_id=meeting.village_id).values(
            "user_id"
        )
        q = Q(user_id__in=holders)
        if meeting.body == Body.COUNCIL and meeting.invited:
            q |= Q(pk__in=meeting.invited)
        qs = qs.filter(q)
    return qs.values_list(
        "pk", "user_id", "household_id", "household__representative_id", "name", "name_pinyin", "living_away"
    )


def _household_total(meeting: Meeting) -> int:
    """Households of the village (or group) with at least one registered member."""
    qs = Villager.objects.filter(village_id=meeting.village_id, household__isnull=False)
    if meeting.body == Body.GROUP:
        qs = qs.filter(group_id=meeting.group_id)
    return qs.values("household_id").distinct().count()


def roster_sync(*, meeting: Meeting) -> Meeting:
    """Bring the roster up to date with the village records; refused once anyone has checked in."""
    if meeting.attendances.exists():
        raise ValidationError(_("Members have checked in: the roster is fixed."))
    rows = list(_roster_rows(meeting))
    wanted = {r[0]: r for r in rows}
    existing = {m.villager_id: m for m in MeetingMember.objects.filter(meeting=meeting)}
    gone = [m.pk for vid, m in existing.items() if vid not in wanted]
    if gone:
        MeetingMember.objects.filter(pk__in=gone).delete()
    new, changed = [], []
    for vid, (pk, user_id, hh, rep, name, pinyin, away) in wanted.items():
        values = {
            "user_id": user_id,
            "household_id": hh,
            "is_household_rep": hh is not None and rep == pk,
            "name": name,
            "name_pinyin": pinyin,
            "living_away": away,
        }
        m = existing.get(vid)
        if m is None:
            new.append(MeetingMember(meeting=meeting, villager_id=vid, **values))
        elif any(getattr(m, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(m, k, v)
            changed.append(m)
    MeetingMember.objects.bulk_create(new, batch_size=1000)
    if changed:
        MeetingMember.objects.bulk_update(
            changed,
            ["user_id", "household_id", "is_household_rep", "name", "name_pinyin", "living_away"],
            batch_size=1000,
        )
    meeting.member_count = len(wanted)
    meeting.household_count = _household_total(meeting) if meeting.body in (Body.VILLAGERS, Body.GROUP) else 0
    Meeting.objects.filter(pk=meeting.pk).update(
        member_count=meeting.member_count, household_count=meeting.household_count
    )
    return meeting


def _notice_context(meeting: Meeting) -> dict:
    local = timezone.localtime(meeting.starts_at)
    return {
        "meeting": meeting.public_id,
        "title": meeting.title,
        "body": meeting.body,
        "starts": local.strftime("%Y-%m-%d %H:%M"),
        "starts_short": local.strftime("%m-%d %H:%M"),
        "place": meeting.place,
        "agenda": meeting.agenda,
        "page": absolute_url(reverse("meetings:detail", args=[meeting.public_id])),
        "ics": absolute_url(reverse("meetings:ics", args=[meeting.public_id])),
        "stream": meeting.stream_url,
        "urgent_reason": meeting.urgent_reason if meeting.urgent else "",
        "village": meeting.village.name,
    }


def meeting_notice_send(
    *, actor: User, meeting: Meeting, urgent: bool = False, urgent_reason: str = "", now: dt.datetime | None = None
) -> Meeting:
    """Tell every member (the law's notice period, or an urgent exception recorded with its reason)."""
    if not rules.can_manage(actor, meeting):
        raise PermissionDenied
    if not rules.can_send_notice(meeting):
        raise ValidationError(_("The notice of this meeting has already been sent."))
    now = now or timezone.now()
    days = law.notice_days(meeting.body)
    due_by = law.notice_deadline(meeting.starts_at, days)
    urgent_reason = (urgent_reason or "").strip()
    if now > due_by:
        if not urgent:
            raise ValidationError(
                {
                    "urgent": _(
                        "A %(body)s needs %(days)s days' notice: send it by %(due)s, move the meeting to "
                        "%(earliest)s or later, or record why it is urgent."
                    )
                    % {
                        "body": meeting.get_body_display(),
                        "days": days,
                        # Whole days when days are counted; the start time when there is no notice period.
                        "due": timezone.localtime(due_by).strftime("%Y-%m-%d" if days > 0 else "%Y-%m-%d %H:%M"),
                        "earliest": law.earliest_meeting_day(now, days).isoformat(),
                    }
                }
            )
        if len(urgent_reason) < 10:
            raise ValidationError(
                {
                    "urgent_reason": _(
                        "Say why the meeting cannot wait for the full notice period (at least 10 characters); the "
                        "reason is shown to every member."
                    )
                }
            )
    else:
        urgent, urgent_reason = False, ""
    with transaction.atomic():
        roster_sync(meeting=meeting)
        meeting.urgent, meeting.urgent_reason = urgent, urgent_reason
        meeting.notice_sent_at, meeting.notice_due_by = now, due_by
        meeting.status = MeetingStatus.NOTICED
        members = MeetingMember.objects.filter(meeting=meeting)
        user_ids = list(members.filter(user__isnull=False, user__is_active=True).values_list("user_id", flat=True))
        # Every member, account or not: by text to the roster's number (the law requires the notice,
        # so no consent to other texts is needed), and the door-to-door list for the rest.
        notice = notice_send(
            kind="direct",
            villager_ids=members.values_list("villager_id", flat=True),
            mandatory=True,
            reply_handler="meetings.rsvp",  # "1" will attend, "2" remotely, "3" cannot (meetings/replies.py)
            template="meetings_notice",
            context=_notice_context(meeting),
            link=absolute_url(reverse("meetings:detail", args=[meeting.public_id])),
            urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
            sender=actor,
            region_code=meeting.region_code,
            about=meeting,
            now=now,
        )
        meeting.notice = notice
        meeting.sequence += 1
        meeting.save()
        audit_record(
            actor=actor,
            action=MeetingEvent.MEETING_NOTICE,
            obj=meeting,
            after={
                "members": meeting.member_count,
                "with_account": len(user_ids),
                "urgent": urgent,
                "urgent_reason": urgent_reason,
                "notice": notice.public_id,
            },
        )
    return meeting


def member_rsvp(
    *,
    actor: Actor,
    meeting: Meeting,
    member: MeetingMember,
    answer: str,
    texted_by: Villager | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Record a member's answer to the notice (will attend, remotely, cannot): by the member or their
    helper on the meeting page, or by a text from the number registered to the member (`texted_by`,
    found by notify.sms; the villager may have no account). Not a vote, not attendance. Returns
    whether it changed (the same answer again changes nothing and writes nothing)."""
    if member.meeting_id != meeting.pk:
        raise PermissionDenied
    how = ""
    if texted_by is not None:
        if texted_by.pk != member.villager_id:
            raise PermissionDenied
        via = RsvpVia.SMS
    elif actor is not None and (how := rules.acts_for(actor, member)):
        via = RsvpVia.WEB
    else:
        raise PermissionDenied
    if answer not in Rsvp.values:
        raise ValidationError({"answer": _("Choose whether you will attend.")})
    now = now or timezone.now()
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().only("pk", "status").get(pk=meeting.pk)
        if locked.status != MeetingStatus.NOTICED:
            raise ValidationError(_("Answers to the notice are taken only until the meeting opens."))
        before = MeetingMember.objects.filter(pk=member.pk).values_list("rsvp", flat=True).get()
        if before == answer:
            return False
        helped = texted_by is None and how == "helper"
        if helped:
            assert isinstance(actor, User)  # acts_for is "" for anyone without an account
            delegation_use(helper=actor, villager=member.villager, scope=DelegationScope.MEETINGS, purpose=PURPOSE_RSVP)
        MeetingMember.objects.filter(pk=member.pk).update(rsvp=answer, rsvp_at=now, rsvp_via=via)
        member.rsvp, member.rsvp_at, member.rsvp_via = answer, now, via
        audit_record(
            actor=actor if isinstance(actor, User) else None,
            action=MeetingEvent.MEETING_RSVP,
            obj=meeting,
            on_behalf_of=member.villager if helped else None,
            after={"member": member.name, "rsvp": answer, "via": via},
            before={"rsvp": before},
        )
    return True


def meeting_open(*, actor: User, meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """Open the session: the roster is fixed and check-in starts."""
    if not rules.can_manage(actor, meeting):
        raise PermissionDenied
    now = now or timezone.now()
    if not rules.can_open(meeting):
        raise ValidationError(_("Only a meeting whose notice has been sent can be opened."))
    if now < meeting.starts_at - _open_early():
        raise ValidationError(
            _("The meeting can be opened from %(time)s.")
            % {"time": timezone.localtime(meeting.starts_at - _open_early()).strftime("%Y-%m-%d %H:%M")}
        )
    with transaction.atomic():
        roster_sync(meeting=meeting)
        meeting.status, meeting.opened_at = MeetingStatus.IN_SESSION, now
        meeting.save(update_fields=["status", "opened_at", "updated_at"])
        audit_record(
            actor=actor,
            action=MeetingEvent.MEETING_OPEN,
            obj=meeting,
            after={"members": meeting.member_count, "households": meeting.household_count},
        )
    return meeting


def meeting_close(*, actor: User, meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """End the session; motions still open must be closed first."""
    if not rules.can_manage(actor, meeting):
        raise PermissionDenied
    if not rules.can_close(meeting):
        raise ValidationError(_("This meeting is not in session."))
    if meeting.motions.filter(status=MotionStatus.OPEN).exists():
        raise ValidationError(_("Close the vote on the motion on the floor first."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        locked.status, locked.closed_at = MeetingStatus.CLOSED, now
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record(
            actor=actor, action=MeetingEvent.MEETING_CLOSE, obj=locked, after={"present": locked.attendances.count()}
        )
    meeting.status, meeting.closed_at = locked.status, locked.closed_at
    # The stream ends with the meeting; its recording is made once the transcoder has drained.
    from cunzhi.meetings.live.services import live_stop

    live_stop(actor=None, meeting=meeting, now=now)
    return meeting


def meeting_cancel(*, actor: User, meeting: Meeting, reason: str) -> Meeting:
    """Call a meeting off before it opens; members who were told are told again."""
    if not rules.can_manage(actor, meeting):
        raise PermissionDenied
    if not rules.can_cancel(meeting):
        raise ValidationError(_("Only a meeting that has not opened can be cancelled."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the meeting is cancelled.")})
    told = meeting.status == MeetingStatus.NOTICED
    with transaction.atomic():
        meeting.status, meeting.cancelled_reason = MeetingStatus.CANCELLED, reason
        meeting.sequence += 1
        meeting.save()
        if told:
            # Whoever the notice reached hears of the cancellation the same way (account or not).
            notice_send(
                kind="direct",
                villager_ids=MeetingMember.objects.filter(meeting=meeting).values_list("villager_id", flat=True),
                mandatory=True,
                template="meetings_cancelled",
                context={**_notice_context(meeting), "reason": reason},
                link=absolute_url(reverse("meetings:detail", args=[meeting.public_id])),
                sender=actor,
                region_code=meeting.region_code,
                about=meeting,
            )
        audit_record(actor=actor, action=MeetingEvent.MEETING_CANCEL, obj=meeting, after={"reason": reason})
    return meeting


# --- Attendance -----------------------------------------------------------------------------


def attendance_check_in(
    *, actor: User, meeting: Meeting, member: MeetingMember, at_venue: bool = False, by_qr: bool = False
) -> tuple[Attendance, bool]:
    """Count a member present, identified: themself, their helper (delegation) or desk staff at the venue.

    Returns (attendance, created); a duplicate or retried check-in returns the first one.
    """
    if member.meeting_id != meeting.pk:
        raise PermissionDenied
    how = rules.acts_for(actor, member)
    delegation = None
    if at_venue and rules.can_staff_desk(actor, meeting) and how != "self":
        method = CheckInMethod.STAFF_QR if by_qr else CheckInMethod.STAFF_SEARCH
        mode = AttendanceMode.VENUE
    elif how == "self":
        method, mode = CheckInMethod.SELF, AttendanceMode.VENUE if at_venue else AttendanceMode.REMOTE
    elif how == "helper":
        method, mode = CheckInMethod.HELPER, AttendanceMode.VENUE if at_venue else AttendanceMode.REMOTE
    else:
        raise PermissionDenied
    try:
        with transaction.atomic():
            locked = Meeting.objects.select_for_update().only("pk", "status").get(pk=meeting.pk)
            if not rules.can_check_in(locked):
                raise ValidationError(_("Check-in is open only while the meeting is in session."))
            existing = Attendance.objects.filter(meeting_id=meeting.pk, member_id=member.pk).first()
            if existing is not None:
                return existing, False
            if method == CheckInMethod.HELPER:
                delegation = delegation_use(
                    helper=actor, villager=member.villager, scope=DelegationScope.MEETINGS, purpose=PURPOSE_CHECK_IN
                )
            attendance = Attendance.objects.create(
                meeting_id=meeting.pk,
                member=member,
                household_rep=member.is_household_rep,
                mode=mode,
                method=method,
                recorded_by=actor,
                delegation=delegation,
            )
            audit_record(
                actor=actor,
                action=MeetingEvent.MEETING_CHECK_IN,
                obj=attendance,
                region_code=meeting.region_code,
                on_behalf_of=member.villager if how != "self" else None,
                after={"meeting": meeting.public_id, "member": member.pk, "mode": mode, "method": method},
            )
    except IntegrityError:
        # Another request for the same member won (possible only without the row lock): the first stands.
        return Attendance.objects.get(meeting_id=meeting.pk, member_id=member.pk), False
    return attendance, True


# --- Counting -------------------------------------------------------------------------------


# attendance_counts and quorum_status are reads: they live in selectors.py.


# --- Motions --------------------------------------------------------------------------------


def authorisation_in_force(*, village_id: int, matter: str, day: dt.date | None = None) -> Authorisation | None:
    """The villagers' meeting's delegation of this matter to the representatives, valid on `day`."""
    day = day or timezone.localdate()
    for a in Authorisation.objects.filter(village_id=village_id, revoked_at__isnull=True, granted_on__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    ):
        if matter in (a.matters or []):
            return a
    return None


def _decision_check(*, meeting: Meeting, matter: str, group_property: bool) -> Authorisation | None:
    authorisation = None
    if meeting.body == Body.REPRESENTATIVES and matter != Matter.GENERAL:
        authorisation = authorisation_in_force(
            village_id=meeting.village_id, matter=matter, day=timezone.localtime(meeting.starts_at).date()
        )
    refusal = law.decision_refusal(
        body=meeting.body, matter=matter, authorised=authorisation is not None, group_property=group_property
    )
    if refusal:
        raise ValidationError({"matter": refusal})
    return authorisation


def motion_add(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    text: str,
    matter: str = Matter.GENERAL,
    ballot: str = BallotKind.OPEN,
    group_property: bool = False,
) -> Motion:
    """Put a motion on the agenda; a reserved matter only before the body the law lets decide it."""
    if not rules.can_manage(actor, meeting):
        raise PermissionDenied
    if not rules.can_add_motion(meeting):
        raise ValidationError(_("This meeting is over; no more motions can be added."))
    if matter not in Matter.values:
        raise ValidationError({"matter": _("Choose what the motion decides.")})
    if ballot not in BallotKind.values:
        raise ValidationError({"ballot": _("Choose an open vote or a secret ballot.")})
    group_property = bool(group_property) and meeting.body == Body.GROUP
    authorisation = _decision_check(meeting=meeting, matter=matter, group_property=group_property)
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        number = (meeting.motions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        motion = Motion.objects.create(
            meeting=meeting,
            number=number,
            title=title.strip(),
            text=text.strip(),
            matter=matter,
            ballot=ballot,
            group_property=group_property,
            authorisation=authorisation,
        )
        audit_record(
            actor=actor,
            action=MeetingEvent.MOTION_ADD,
            obj=motion,
            region_code=meeting.region_code,
            after={
                "meeting": meeting.public_id,
                "title": motion.title,
                "matter": matter,
                "ballot": ballot,
                "authorisation": authorisation.public_id if authorisation else None,
            },
        )
    return motion


def motion_open(*, actor: User, motion: Motion, now: dt.datetime | None = None) -> Motion:
    """Put a motion to the vote: the meeting in session, its quorum present, nothing else on the floor."""
    meeting = motion.meeting
    if not rules.can_manage(actor, meeting):
        raise PermissionDenied
    if meeting.status != MeetingStatus.IN_SESSION:
        raise ValidationError(_("Votes are taken only while the meeting is in session."))
    if motion.status != MotionStatus.DRAFT:
        raise ValidationError(_("This motion has already been put to the vote."))
    motion.authorisation = _decision_check(meeting=meeting, matter=motion.matter, group_property=motion.group_property)
    status = selectors.quorum_status(meeting=meeting)
    if not status["met"]:
        raise ValidationError(_("The meeting does not have its quorum; a vote cannot be taken."))
    now = now or timezone.now()
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        if meeting.motions.filter(status=MotionStatus.OPEN).exists():
            raise ValidationError(_("Another motion is on the floor; close its vote first."))
        motion.status, motion.opened_at = MotionStatus.OPEN, now
        motion.save(update_fields=["status", "opened_at", "authorisation", "updated_at"])
        audit_record(
            actor=actor,
            action=MeetingEvent.MOTION_OPEN,
            obj=motion,
            region_code=meeting.region_code,
            after={"present": status["present"], "quorum_mode": status["mode"]},
        )
    return motion


def motion_withdraw(*, actor: User, motion: Motion) -> Motion:
    if not rules.can_manage(actor, motion.meeting):
        raise PermissionDenied
    if not rules.can_withdraw(motion):
        raise ValidationError(_("Only a motion not yet put to the vote can be withdrawn."))
    motion.status = MotionStatus.WITHDRAWN
    motion.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=MeetingEvent.MOTION_WITHDRAW, obj=motion, region_code=motion.meeting.region_code)
    return motion


def motion_close(*, actor: User, motion: Motion, now: dt.datetime | None = None) -> Motion:
    """Close the vote and fix the result: more than half of the attendees (households where it counts them)."""
    meeting = motion.meeting
    if not rules.can_manage(actor, meeting):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        locked = Motion.objects.select_for_update().get(pk=motion.pk)
        if not rules.can_close_vote(locked):
            raise ValidationError(_("The vote on this motion is not open."))
        status = selectors.quorum_status(meeting=meeting)
        counted = selectors.tally(motion=locked)
        if counted["yes"] + counted["no"] + counted["abstain"] != counted["ballots"]:
            # Counters and receipts are written in one transaction; a mismatch means tampering.
            raise RuntimeError(f"ballot count mismatch on motion {locked.pk}")
        locked.status, locked.closed_at = MotionStatus.CLOSED, now
        locked.attendees = status["attendees"]
        locked.quorum_mode = status["mode"]
        locked.yes, locked.no, locked.abstain = counted["yes"], counted["no"], counted["abstain"]
        locked.passed = status["met"] and law.passes(yes=counted["yes"], attendees=status["attendees"])
        if not locked.resolution_text:
            locked.resolution_text = resolution_default(motion=locked, meeting=meeting)
        locked.save()
        audit_record(
            actor=actor,
            action=MeetingEvent.MOTION_CLOSE,
            obj=locked,
            region_code=meeting.region_code,
            after={
                "attendees": locked.attendees,
                "quorum_mode": locked.quorum_mode,
                "yes": locked.yes,
                "no": locked.no,
                "abstain": locked.abstain,
                "passed": locked.passed,
            },
        )
    return locked


def resolution_default(*, motion: Motion, meeting: Meeting) -> str:
    """A first draft of the resolution sentence, in the official language; the secretary may rewrite it."""
    with translation.override(settings.LANGUAGE_CODE):
        if motion.quorum_mode == QuorumMode.NONE:
            return _("“%(title)s” was not decided: the meeting did not have its quorum.") % {"title": motion.title}
        args = {"title": motion.title, "yes": motion.yes, "attendees": motion.attendees}
        if meeting.body == Body.COUNCIL:
            return (
                _("The council advises in favour of “%(title)s” (%(yes)s of %(attendees)s present).")
                if motion.passed
                else _("The council does not support “%(title)s” (%(yes)s of %(attendees)s present).")
            ) % args
        if motion.passed:
            return _("“%(title)s” is adopted: %(yes)s in favour of %(attendees)s attending.") % args
        return _("“%(title)s” is not adopted: %(yes)s in favour of %(attendees)s attending, not more than half.") % args


# --- Ballots --------------------------------------------------------------------------------


def ballot_cast(*, actor: User, motion: Motion, member: MeetingMember, choice: str) -> tuple[Ballot, bool]:
    """One ballot per eligible member and motion, while the vote is open; (ballot, created).

    Cast by the member, by their helper under a "meetings" delegation, or — for a member at the
    venue — entered by the tellers at the desk.

    A repeated or retried ballot returns the first (a vote cannot be changed once cast). In a secret
    ballot the choice goes into the motion's counters in the same transaction and is not stored
    with the member.
    """
    if choice not in Choice.values:
        raise ValidationError({"choice": _("Choose for, against or abstain.")})
    if member.meeting_id != motion.meeting_id:
        raise PermissionDenied
    meeting = motion.meeting
    how = rules.acts_for(actor, member)
    if not how and rules.can_staff_desk(actor, meeting):
        how = "teller"  # a paper ballot or a raised hand at the venue, entered by the tellers at the desk
    if not how:
        raise PermissionDenied
    if law.counts_households(body=meeting.body, basis=meeting.basis) and not member.is_household_rep:
        raise ValidationError(_("This meeting votes by households: only the household's representative votes."))
    try:
        with transaction.atomic():
            locked = Motion.objects.select_for_update().only("pk", "status", "ballot", "meeting_id").get(pk=motion.pk)
            if locked.status != MotionStatus.OPEN:
                raise ValidationError(_("Voting on this motion is closed."))
            existing = Ballot.objects.filter(motion_id=motion.pk, member_id=member.pk).first()
            if existing is not None:
                return existing, False
            attendance = (
                Attendance.objects.filter(meeting_id=motion.meeting_id, member_id=member.pk).only("mode").first()
            )
            if attendance is None:
                raise ValidationError(_("Check in to the meeting first; then you can vote."))
            if how == "teller" and attendance.mode != AttendanceMode.VENUE:
                raise ValidationError(
                    _(
                        "Members attending remotely vote themselves (or through their helper); the "
                        "tellers enter only the ballots of members at the venue."
                    )
                )
            delegation = None
            if how == "helper":
                delegation = delegation_use(
                    helper=actor, villager=member.villager, scope=DelegationScope.MEETINGS, purpose=PURPOSE_VOTE
                )
            secret = locked.ballot == BallotKind.SECRET
            ballot = Ballot.objects.create(
                motion_id=motion.pk,
                member=member,
                choice="" if secret else choice,
                remote=attendance.mode == AttendanceMode.REMOTE,
                cast_by=actor,
                delegation=delegation,
            )
            if secret:
                field = {"yes": "secret_yes", "no": "secret_no", "abstain": "secret_abstain"}[choice]
                Motion.objects.filter(pk=motion.pk).update(**{field: F(field) + 1})
            audit_record(
                actor=actor,
                action=MeetingEvent.MOTION_BALLOT,
                obj=ballot,
                region_code=meeting.region_code,
                on_behalf_of=member.villager if how in ("helper", "teller") else None,
                after={
                    "motion": motion.public_id,
                    "member": member.pk,
                    "by": how,
                    **({} if secret else {"choice": choice}),
                },
            )
    except IntegrityError:
        return Ballot.objects.get(motion_id=motion.pk, member_id=member.pk), False
    return ballot, True


# --- Minutes --------------------------------------------------------------------------------


def minutes_save(*, actor: User, meeting: Meeting, minutes: str, resolutions: dict[int, str] | None = None) -> Meeting:
    """The secretary records the minutes and the wording of each resolution (until they are published)."""
    if not rules.can_write_minutes(actor, meeting):
        raise PermissionDenied
    if meeting.minutes_published_at:
        raise ValidationError(_("The minutes are published; they can no longer be changed."))
    if not rules.can_take_minutes(meeting):
        raise ValidationError(_("Minutes are written once the meeting has opened."))
    resolutions = resolutions or {}
    with transaction.atomic():
        meeting.minutes = (minutes or "").strip()
        meeting.save(update_fields=["minutes", "updated_at"])
        for motion in meeting.motions.filter(pk__in=list(resolutions)):
            text = (resolutions[motion.pk] or "").strip()
            if text and text != motion.resolution_text:
                motion.resolution_text = text
                motion.save(update_fields=["resolution_text", "updated_at"])
        audit_record(
            actor=actor, action=MeetingEvent.MEETING_MINUTES, obj=meeting, after={"length": len(meeting.minutes)}
        )
    return meeting


def minutes_pdf_bytes(*, meeting: Meeting) -> bytes:
    """The minutes and results as a PDF for the notice board (official language, Noto Sans CJK SC)."""
    from weasyprint import HTML

    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("meetings/minutes_pdf.html", selectors.result_context(meeting=meeting))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _disclosure_body(meeting: Meeting) -> str:
    context = selectors.result_context(meeting=meeting)
    stream = context["recording"]
    # The post links the live stream's recording (made, or being made from a stream just stopped); the
    # link stays behind the meeting's read check, so the post being public shows nobody the video.
    if (
        stream is not None
        and stream.recording_removed_at is None
        and (stream.recording or stream.recording_audio or stream.status == "ending")
    ):
        kind = "m4a" if stream.recording_audio and not stream.recording else "mp4"
        context["recording_url"] = absolute_url(reverse("meetings:live_recording", args=[meeting.public_id, kind]))
    with translation.override(settings.LANGUAGE_CODE):
        return render_text("meetings/disclosure_body.txt", context).strip()


def minutes_publish(*, actor: User, meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """Fix the minutes, make the PDF and post the result for the village (disclosure)."""
    if not rules.can_write_minutes(actor, meeting):
        raise PermissionDenied
    if meeting.status != MeetingStatus.CLOSED:
        raise ValidationError(_("Close the meeting before publishing its minutes."))
    if meeting.minutes_published_at:
        raise ValidationError(_("The minutes are already published."))
    if not meeting.minutes.strip():
        raise ValidationError({"minutes": _("Write the minutes before publishing them.")})
    now = now or timezone.now()
    pdf = minutes_pdf_bytes(meeting=meeting)
    with transaction.atomic():
        meeting.minutes_pdf.save(f"{meeting.public_id}.pdf", ContentFile(pdf), save=False)
        meeting.minutes_published_at = now
        meeting.save(update_fields=["minutes_pdf", "minutes_published_at", "updated_at"])
        audit_record(
            actor=actor, action=MeetingEvent.MEETING_MINUTES_PUBLISH, obj=meeting, after={"pdf_bytes": len(pdf)}
        )
    try:
        disclosure_post(meeting=meeting, actor=actor, pdf=pdf)
    except Exception:  # the minutes stand published; the post is retried by the meetings.disclosure_retry job
        logger.exception("disclosure post for meeting %s failed; retried later", meeting.pk)
    return meeting


def disclosure_post(*, meeting: Meeting, actor: Actor = None, pdf: bytes | None = None) -> bool:
    """Post the published result to the village's disclosure (one post about the meeting); True once it exists."""
    if meeting.disclosure_ref or not meeting.minutes_published_at:
        return bool(meeting.disclosure_ref)
    if pdf is None:
        with meeting.minutes_pdf.open("rb") as fh:
            pdf = fh.read()
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Result of the %(body)s: %(title)s") % {"body": meeting.get_body_display(), "title": meeting.title}
    post = disclosure_services.post_publish_about(
        about=meeting,
        village=meeting.village,
        category=DisclosureCategory.VILLAGE,
        title=title[:200],
        body=_disclosure_body(meeting),
        actor=actor or meeting.convened_by,
        source_url=reverse("meetings:detail", args=[meeting.public_id]),
        pdf=pdf,
    )
    # The post's public id, kept on the meeting so its page links the post and the retry job skips it.
    ref = post.public_id
    Meeting.objects.filter(pk=meeting.pk).update(disclosure_ref=ref)
    meeting.disclosure_ref = ref
    audit_record(actor=actor, action=MeetingEvent.MEETING_DISCLOSURE, obj=meeting, after={"post": ref})
    return True


def disclosure_retry() -> int:
    """Job: post published results whose disclosure could not be made yet (idempotent)."""
    done = 0
    for meeting in Meeting.objects.filter(minutes_published_at__isnull=False, disclosure_ref="").select_related(
        "village", "convened_by"
    )[:50]:
        try:
            done += disclosure_post(meeting=meeting)
        except Exception:  # one failing post must not stop the others; it is tried again next time  # noqa: BLE001, S112
            continue
    return done


# --- Petitions ------------------------------------------------------------------------------


def _representative_villagers(village_id: int) -> QuerySet[Villager]:
    holders = RoleAssignment.objects.filter(role=Role.REPRESENTATIVE, region_id=village_id).values("user_id")
    return Villager.objects.filter(village_id=village_id, user_id__in=holders)


def petition_eligible(*, kind: str, village: Region) -> QuerySet[Villager]:
    """The villagers who may sign a petition of this kind."""
    if kind == PetitionKind.VILLAGERS:
        return Villager.objects.filter(village=village, birth_date__lte=adult_cutoff())
    return _representative_villagers(village.pk)


def petition_start(*, actor: User, village: Region, kind: str, title: str, reason: str) -> Petition:
    """A villager (or a representative) starts a petition for a meeting, and signs it first."""
    if kind not in PetitionKind.values:
        raise ValidationError({"kind": _("Choose what kind of request this is.")})
    signer = _signer(actor=actor, village=village, kind=kind)
    if not (title or "").strip() or not (reason or "").strip():
        raise ValidationError(_("Say what the meeting should decide and why."))
    eligible = petition_eligible(kind=kind, village=village).count()
    with transaction.atomic():
        petition = Petition.objects.create(
            village=village,
            kind=kind,
            title=title.strip(),
            reason=reason.strip(),
            created_by=actor,
            eligible_count=eligible,
            needed=law.petition_needed(kind=kind, eligible=eligible),
        )
        audit_record(
            actor=actor,
            action=MeetingEvent.PETITION_START,
            obj=petition,
            after={"kind": kind, "eligible": eligible, "needed": petition.needed},
        )
        _sign(actor=actor, petition=petition, villager=signer)
    petition.refresh_from_db()
    return petition


def _signer(*, actor: User, village: Region, kind: str) -> Villager:
    villager = rules.own_villager(actor)
    if villager is None or villager.region_code != village.code:
        raise ValidationError(_("Only villagers of this village can sign."))
    if kind == PetitionKind.VILLAGERS:
        if not villager.is_adult:
            raise ValidationError(_("Only villagers aged 18 or more can sign."))
    elif not rules.is_representative(actor, village.code):
        raise ValidationError(_("Only villager representatives can sign this request."))
    return villager


def petition_sign(*, actor: User, petition: Petition) -> tuple[Petition, bool]:
    """Add the actor's signature once; when enough have signed, the committee is told it must convene."""
    if petition.status not in (PetitionStatus.OPEN, PetitionStatus.REACHED):
        raise ValidationError(_("This petition no longer takes signatures."))
    villager = _signer(actor=actor, village=petition.village, kind=petition.kind)
    with transaction.atomic():
        created = _sign(actor=actor, petition=petition, villager=villager)
    petition.refresh_from_db()
    return petition, created


def _sign(*, actor: User, petition: Petition, villager: Villager) -> bool:
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    if PetitionSignature.objects.filter(petition=locked, villager=villager).exists():
        return False
    try:
        with transaction.atomic():
            PetitionSignature.objects.create(petition=locked, villager=villager, signed_by=actor)
    except IntegrityError:
        return False
    locked.signature_count = PetitionSignature.objects.filter(petition=locked).count()
    just_reached = locked.status == PetitionStatus.OPEN and locked.signature_count >= locked.needed
    if just_reached:
        locked.status, locked.reached_at = PetitionStatus.REACHED, timezone.now()
    locked.save(update_fields=["signature_count", "status", "reached_at", "updated_at"])
    audit_record(
        actor=actor, action=MeetingEvent.PETITION_SIGN, obj=locked, after={"signatures": locked.signature_count}
    )
    if just_reached:
        cadres = RoleAssignment.objects.filter(role__in=rules.CONVENE_ROLES, region_id=locked.village_id).values_list(
            "user_id", flat=True
        )
        notice_send(
            kind="direct",
            user_ids=list(cadres),
            template="meetings_petition_reached",
            context={
                "title": locked.title,
                "signatures": locked.signature_count,
                "needed": locked.needed,
                "kind": locked.kind,
            },
            link=absolute_url(reverse("meetings:petition_detail", args=[locked.public_id])),
            sender=actor,
            region_code=locked.region_code,
        )
    return True


def petition_withdraw(*, actor: User, petition: Petition) -> Petition:
    if petition.created_by_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if petition.status != PetitionStatus.OPEN:
        raise ValidationError(_("Only a petition still collecting signatures can be withdrawn."))
    petition.status = PetitionStatus.WITHDRAWN
    petition.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=MeetingEvent.PETITION_WITHDRAW, obj=petition)
    return petition


# --- Delegations by the villagers' meeting --------------------------------------------------


def authorisation_record(
    *,
    actor: User,
    village: Region,
    matters: list[str],
    reference: str,
    granted_on: dt.date,
    valid_until: dt.date | None = None,
    source_motion: Motion | None = None,
) -> Authorisation:
    """Record that the villagers' meeting delegated reserved matters to the representatives' meeting."""
    if not rules.can_record_authorisation(actor, village):
        raise PermissionDenied
    matters = [m for m in dict.fromkeys(matters or []) if m in law.RESERVED_MATTERS]
    if not matters:
        raise ValidationError({"matters": _("Choose at least one reserved matter that was delegated.")})
    if not (reference or "").strip():
        raise ValidationError({"reference": _("Name the villagers' meeting resolution (date and number).")})
    if granted_on > timezone.localdate():
        raise ValidationError({"granted_on": _("The decision date cannot be in the future.")})
    if valid_until and valid_until < granted_on:
        raise ValidationError({"valid_until": _("The end date must come after the decision date.")})
    if source_motion is not None and not (
        source_motion.meeting.body == Body.VILLAGERS
        and source_motion.passed
        and source_motion.meeting.village_id == village.pk
    ):
        raise ValidationError(_("The resolution must be a motion the villagers' meeting of this village adopted."))
    a = Authorisation.objects.create(
        village=village,
        matters=matters,
        reference=reference.strip(),
        granted_on=granted_on,
        valid_until=valid_until,
        source_motion=source_motion,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=MeetingEvent.AUTHORISATION_RECORD,
        obj=a,
        after={"matters": matters, "reference": a.reference, "valid_until": str(valid_until or "")},
    )
    return a


def authorisation_revoke(*, actor: User, authorisation: Authorisation) -> Authorisation:
    if not rules.can_record_authorisation(actor, authorisation.village):
        raise PermissionDenied
    if authorisation.revoked_at is None:
        authorisation.revoked_at = timezone.now()
        authorisation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, action=MeetingEvent.AUTHORISATION_REVOKE, obj=authorisation)
    return authorisation
