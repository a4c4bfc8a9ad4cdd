"""Writes for village elections. Every state change writes one audit row; nothing is deleted (a wrong
registration is taken off the list by a new change with its reason, a proxy is withdrawn, a count is
entered again).

Dates are days in Asia/Shanghai (timezone.localdate). Each refusal of a date or threshold says the
article it comes from (Organic Law of the Villagers' Committees, 2018 text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhi.core.audit import audit_record
from cunzhi.core.files import file_intake
from cunzhi.elections import law, rules, selectors
from cunzhi.elections.events import ElectionEvent
from cunzhi.elections.models import (
    Appraisal,
    AppraisalBody,
    AppraisalRating,
    AuditKind,
    AwayAnswer,
    Basis,
    Candidate,
    ChangeKind,
    CommitteeMember,
    CountEntry,
    Election,
    Kind,
    NearRelative,
    Nomination,
    Objection,
    ObjectionKind,
    ObjectionStatus,
    OfficeAudit,
    Proxy,
    Recall,
    RecallSigner,
    RecallStatus,
    Round,
    Stage,
    Station,
    StationCount,
    SupervisionMember,
    Voter,
    VoterChange,
)
from cunzhi.people.actors import User
from cunzhi.people.models import Sex, Villager
from cunzhi.regions.models import Level, Region

VOTING_AGE = 18  # art. 13
LIST_DAYS_BEFORE = 20  # art. 14: the list is published at least 20 days before election day
OBJECTION_DAYS = 5  # art. 14: objections within 5 days of publication
DECISION_DAYS = 3  # art. 14: the committee decides within 3 days
RESIDENCE_YEARS = 1  # art. 13: registered elsewhere, living here a year or more
MAX_BALLOTS = 100_000
# An election announced is over for its voters: they may be voters again (a by-election, the next election).
FINISHED = (Stage.ANNOUNCED, Stage.ARCHIVED)


def _text(value: str, field: str, message: str, *, limit: int = 300) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return value


def _manage(actor: User, election: Election) -> None:
    if not rules.can_manage(actor, election):
        raise PermissionDenied


def _stage(election: Election, *stages: str) -> None:
    if election.stage not in stages:
        raise ValidationError(
            _("Not at this stage of the election (now: %(stage)s).") % {"stage": election.get_stage_display()}
        )


def _today() -> dt.date:
    return timezone.localdate()


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - RESIDENCE_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year - RESIDENCE_YEARS, day=28)


# -------------------------------- the election and its committee


@transaction.atomic
def election_create(
    *,
    village: Region,
    title: str,
    election_day: dt.date,
    seats: int,
    women_seat: bool | None = None,
    multi_ethnic: bool = False,
    proxy_limit: int | None = None,
    term: Election | None = None,
    actor: User,
) -> Election:
    """Set up an election of the village committee (art. 6: 3–7 seats), or with `term`, a by-election for
    the seats of that term left vacant (art. 19): the same rules, the seats at most the vacancies, and the
    members elected serve until the term ends."""
    if village.level != Level.VILLAGE:
        raise ValueError("a village is needed")
    if not rules.can_create(actor, village.code):
        raise PermissionDenied
    title = _text(title, "title", _("Name the election."), limit=100)
    if term is None and not law.MIN_SEATS <= seats <= law.MAX_SEATS:
        raise ValidationError({"seats": _("The committee has 3 to 7 members (art. 6).")})
    if term is not None:
        if term.village_id != village.pk or term.kind != Kind.GENERAL:
            raise ValueError("a by-election belongs to a general election of the same village")
        if not term.stage_at_least(Stage.ANNOUNCED) or not term.result.get("first", {}).get("valid"):
            raise ValidationError(_("A by-election fills seats of a committee already elected (art. 19)."))
        vacant = law.vacancies(seats=term.seats, sitting=len(selectors.sitting_members(term=term)))
        if not 1 <= seats <= vacant:
            raise ValidationError(
                {"seats": _("A by-election fills the vacant seats: %(n)s now (art. 19).") % {"n": vacant}}
            )
        if election_day >= selectors.term_end(term):
            raise ValidationError(
                {
                    "election_day": _("The term ends on %(day)s: no by-election after it (art. 19).")
                    % {"day": selectors.term_end(term)}
                }
            )
    if election_day <= _today():
        raise ValidationError({"election_day": _("Election day must be in the future.")})
    if proxy_limit is not None and not 1 <= proxy_limit <= 10:
        raise ValidationError({"proxy_limit": _("A voter may hold between 1 and 10 proxies.")})
    under_way = Election.objects.filter(village=village).exclude(stage=Stage.ARCHIVED)
    if term is not None:
        under_way = under_way.exclude(pk=term.pk).exclude(stage=Stage.ANNOUNCED)
    if under_way.exists():
        raise ValidationError(_("The village already has an election under way."))
    election = Election(
        village=village,
        title=title,
        election_day=election_day,
        seats=seats,
        multi_ethnic=multi_ethnic,
        created_by=actor,
    )
    if term is not None:
        election.kind = Kind.BY_ELECTION
        election.term = term
        election.term_ends_on = selectors.term_end(term)
        # The women's seat is kept open only when no woman sits on the committee any more (art. 6).
        women_seat = not any(c.voter.villager.sex == Sex.FEMALE for c in selectors.sitting_members(term=term))
    if women_seat is not None:
        election.women_seat = women_seat
    if proxy_limit is not None:
        election.proxy_limit = proxy_limit
    election.save()
    audit_record(
        actor=actor,
        action=ElectionEvent.CREATE,
        obj=election,
        after={"day": election_day.isoformat(), "seats": seats, "women_seat": election.women_seat},
    )
    return election


@transaction.atomic
def committee_member_add(
    *,
    election: Election,
    villager: Villager,
    resolution: str = "",
    motion: str = "",
    is_chair: bool = False,
    actor: User,
) -> CommitteeMember:
    """Record a member of the election committee with the meeting resolution that chose them (art. 12):
    `motion`, an adopted resolution of the village's meeting held on the platform (meetings app), or the
    resolution as text for a meeting held off it."""
    if not rules.can_create(actor, election.region_code) and not rules.can_manage(actor, election):
        raise PermissionDenied
    _stage(election, Stage.PREPARING, Stage.LIST_PUBLISHED, Stage.LIST_FINAL, Stage.CANDIDATES, Stage.COUNTED)
    row = None
    if motion:
        row = selectors.resolution_row(motion_id=motion)
        if row is None or row["village_code"] != election.region_code:
            raise ValidationError(
                {"motion": _("Choose a resolution of this village's villagers', representatives' or group meeting.")}
            )
        if not row["adopted"]:
            raise ValidationError(
                {
                    "motion": _(
                        "This motion was not adopted: the election committee is chosen by a resolution (art. 12)."
                    )
                }
            )
        resolution = resolution or f"{row['day']} {row['meeting_title']}：{row['title']}"[:200]
    resolution = _text(resolution, "resolution", _("Give the meeting's resolution that chose the member."), limit=200)
    if villager.region_code != election.region_code:
        raise ValidationError({"villager": _("Committee members are villagers of the village.")})
    if Candidate.objects.filter(election=election, voter__villager=villager).exists():
        raise ValidationError(
            {
                "villager": _("%(name)s is a candidate and may not sit on the election committee (art. 12).")
                % {"name": villager.name}
            }
        )
    if election.committee.filter(villager=villager, left_on__isnull=True).exists():
        raise ValidationError({"villager": _("%(name)s already sits on the committee.") % {"name": villager.name}})
    member = CommitteeMember.objects.create(
        election=election,
        villager=villager,
        resolution=resolution,
        is_chair=is_chair,
        motion_ref=row["motion"] if row else "",
        meeting_ref=row["meeting"] if row else "",
    )
    audit_record(
        actor=actor,
        action=ElectionEvent.COMMITTEE_ADD,
        obj=member,
        region_code=election.region_code,
        after={"villager": villager.public_id, "chair": is_chair, "resolution": resolution, "motion": motion},
    )
    return member


def _committee_leave(member: CommitteeMember, reason: str, actor: User) -> None:
    member.left_on = _today()
    member.left_reason = reason
    member.save(update_fields=["left_on", "left_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=ElectionEvent.COMMITTEE_LEAVE,
        obj=member,
        region_code=member.election.region_code,
        after={"reason": reason},
    )


@transaction.atomic
def committee_member_leave(*, member: CommitteeMember, reason: str, actor: User) -> CommitteeMember:
    """A member leaves the election committee, with the reason."""
    _manage(actor, member.election)
    reason = _text(reason, "reason", _("Say why the member leaves."))
    if member.left_on is not None:
        raise ValidationError(_("This member has already left the committee."))
    _committee_leave(member, reason, actor)
    return member


# -------------------------------- voter registration (art. 13)


def _one_village(election: Election, villager: Villager) -> None:
    """One village per person across the county, by the ID number's blind index (art. 13)."""
    elsewhere = (
        Voter.objects.filter(id_hash=villager.id_hash, active=True, region_code__under=election.region_code[:6])
        .exclude(election=election)
        .exclude(election__stage__in=FINISHED)
        .select_related("election__village")
        .first()
    )
    if elsewhere is not None:
        raise ValidationError(
            {
                "villager": _("%(name)s is already a voter in %(village)s: one village only (art. 13).")
                % {"name": villager.name, "village": elsewhere.election.village.name}
            }
        )


def _eligible(
    election: Election, villager: Villager, basis: str, living_here_since: dt.date | None, approval: str
) -> None:
    if villager.age_on(election.election_day) < VOTING_AGE:
        raise ValidationError(
            {"villager": _("%(name)s is not 18 on election day (art. 13).") % {"name": villager.name}}
        )
    here = villager.region_code == election.region_code
    if basis in (Basis.RESIDENT, Basis.AWAY) and not here:
        raise ValidationError(
            {
                "basis": _("%(name)s's household registration is not in this village (art. 13).")
                % {"name": villager.name}
            }
        )
    if basis == Basis.ELSEWHERE:
        if here:
            raise ValidationError({"basis": _("This villager is registered here: choose that basis.")})
        if living_here_since is None or living_here_since > _year_before(election.election_day):
            raise ValidationError(
                {"living_here_since": _("Registered elsewhere: living here a year or more by election day (art. 13).")}
            )
        if not (approval or "").strip():
            raise ValidationError(
                {"approval": _("Registered elsewhere: give the villagers' meeting approval (art. 13).")}
            )
    if basis not in Basis.values:
        raise ValidationError({"basis": _("Choose the basis of the registration.")})
    _one_village(election, villager)


def _change(voter: Voter, kind: str, reason: str, actor: User) -> None:
    VoterChange.objects.create(voter=voter, kind=kind, reason=reason, by=actor)
    action = {
        ChangeKind.ADD: ElectionEvent.VOTER_ADD,
        ChangeKind.REMOVE: ElectionEvent.VOTER_REMOVE,
        ChangeKind.RESTORE: ElectionEvent.VOTER_RESTORE,
    }[ChangeKind(kind)]
    audit_record(actor=actor, action=action, obj=voter, after={"reason": reason, "basis": voter.basis})


def _register(
    election: Election,
    villager: Villager,
    basis: str,
    reason: str,
    actor: User,
    living_here_since: dt.date | None = None,
    approval: str = "",
) -> Voter:
    _eligible(election, villager, basis, living_here_since, approval)
    voter = Voter.objects.filter(election=election, villager=villager).first()
    if voter is not None and voter.active:
        raise ValidationError({"villager": _("%(name)s is already on the list.") % {"name": villager.name}})
    if voter is not None:
        voter.active = True
        voter.basis = basis
        voter.save(update_fields=["active", "basis", "updated_at"])
        _change(voter, ChangeKind.RESTORE, reason, actor)
        return voter
    voter = Voter.objects.create(
        election=election,
        villager=villager,
        id_hash=villager.id_hash,
        basis=basis,
        living_here_since=living_here_since,
        approval=(approval or "").strip()[:200],
    )
    _change(voter, ChangeKind.ADD, reason, actor)
    return voter


@transaction.atomic
def voter_register(
    *,
    election: Election,
    villager: Villager,
    basis: str,
    reason: str,
    living_here_since: dt.date | None = None,
    approval: str = "",
    actor: User,
) -> Voter:
    """Register one voter (art. 13), before the list is published; afterwards only an objection changes it."""
    _manage(actor, election)
    _stage(election, Stage.PREPARING)
    reason = _text(reason, "reason", _("Say why the voter is registered."))
    return _register(election, villager, basis, reason, actor, living_here_since, approval)


@dataclass
class RosterOutcome:
    added: int
    too_young: int
    elsewhere: list[str]


@transaction.atomic
def voters_register_roster(*, election: Election, actor: User) -> RosterOutcome:
    """Register from the roster every villager of the village who is 18 on election day (art. 13): those
    living here and those away (who vote by coming back or by proxy). Those already a voter in another
    village of the county are left off and named."""
    _manage(actor, election)
    _stage(election, Stage.PREPARING)
    day = election.election_day
    born_by = (
        day.replace(year=day.year - VOTING_AGE)
        if not (day.month == 2 and day.day == 29)
        else day.replace(year=day.year - VOTING_AGE, day=28)
    )
    roster = Villager.objects.filter(village=election.village)
    too_young = roster.filter(birth_date__gt=born_by).count()
    candidates = list(
        roster.filter(birth_date__lte=born_by)
        .exclude(pk__in=Voter.objects.filter(election=election).values("villager_id"))
        .only("id", "id_hash", "living_away", "region_code", "name")
    )
    taken = dict(
        Voter.objects.filter(
            id_hash__in=[v.id_hash for v in candidates],
            active=True,
            region_code__under=election.region_code[:6],
        )
        .exclude(election=election)
        .exclude(election__stage__in=FINISHED)
        .values_list("id_hash", "election__village__name")
    )
    new = [
        Voter(
            election=election,
            villager=v,
            id_hash=v.id_hash,
            basis=Basis.AWAY if v.living_away else Basis.RESIDENT,
            region_code=election.region_code,
        )
        for v in candidates
        if v.id_hash not in taken
    ]
    Voter.objects.bulk_create(new, batch_size=500)
    reason = _("Registered from the roster: 18 or over on election day, household registration here.")
    made = list(Voter.objects.filter(election=election, villager_id__in=[v.villager_id for v in new]))
    VoterChange.objects.bulk_create(
        [VoterChange(voter=v, kind=ChangeKind.ADD, reason=reason, by=actor) for v in made], batch_size=500
    )
    audit_record(
        actor=actor,
        action=ElectionEvent.VOTER_ADD,
        obj=election,
        after={"roster": len(made), "left_off_elsewhere": len(candidates) - len(new)},
    )
    names = [v.name for v in candidates if v.id_hash in taken]
    return RosterOutcome(added=len(made), too_young=too_young, elsewhere=names)


def _remove(voter: Voter, reason: str, actor: User) -> Voter:
    if not voter.active:
        raise ValidationError(_("This voter is already off the list."))
    voter.active = False
    voter.save(update_fields=["active", "updated_at"])
    _change(voter, ChangeKind.REMOVE, reason, actor)
    return voter


@transaction.atomic
def voter_remove(*, voter: Voter, reason: str, actor: User) -> Voter:
    """Take a voter off the list before it is published, with the reason (the row and its history stay)."""
    _manage(actor, voter.election)
    _stage(voter.election, Stage.PREPARING)
    reason = _text(reason, "reason", _("Say why the voter is taken off the list."))
    return _remove(voter, reason, actor)


# -------------------------------- the list: publication and objections (art. 14)


def objection_deadline(election: Election) -> dt.date | None:
    """The last day for objections: 5 days from publication (the day of publication not counted)."""
    if election.list_published_on is None:
        return None
    return election.list_published_on + dt.timedelta(days=OBJECTION_DAYS)


def latest_publication_day(election: Election) -> dt.date:
    return election.election_day - dt.timedelta(days=LIST_DAYS_BEFORE)


@transaction.atomic
def list_publish(*, election: Election, actor: User) -> Election:
    """Publish the voter list, at least 20 days before election day (art. 14)."""
    _manage(actor, election)
    _stage(election, Stage.PREPARING)
    today = _today()
    if today > latest_publication_day(election):
        raise ValidationError(
            _(
                "The voter list must be published at least 20 days before election day: the last day was %(day)s "
                "(art. 14). Move election day."
            )
            % {"day": latest_publication_day(election).isoformat()}
        )
    if not election.voters.filter(active=True).exists():
        raise ValidationError(_("Register the voters before publishing the list."))
    missing = selectors.unaudited_members(election=election)
    if missing:
        raise ValidationError(
            _(
                "The economic audit of the outgoing members is published before the next election (art. 35): "
                "none yet for %(names)s."
            )
            % {"names": "、".join(missing)}
        )
    election.stage = Stage.LIST_PUBLISHED
    election.list_published_on = today
    election.save(update_fields=["stage", "list_published_on", "updated_at"])
    audit_record(
        actor=actor,
        action=ElectionEvent.LIST_PUBLISH,
        obj=election,
        after={"on": today.isoformat(), "voters": election.voters.filter(active=True).count()},
    )
    return election


@transaction.atomic
def objection_raise(*, election: Election, kind: str, villager: Villager, text: str, actor: User) -> Objection:
    """Object to the published list, within 5 days of its publication (art. 14)."""
    if not rules.can_object(actor, election):
        raise PermissionDenied
    _stage(election, Stage.LIST_PUBLISHED)
    today = _today()
    last = objection_deadline(election)
    assert last is not None
    if today > last:
        raise ValidationError(
            _(
                "Objections to the voter list are taken within 5 days of its publication: the last day was %(day)s "
                "(art. 14)."
            )
            % {"day": last.isoformat()}
        )
    if kind not in ObjectionKind.values:
        raise ValidationError({"kind": _("Say whether someone is missing or should not be on the list.")})
    text = _text(text, "text", _("Say what is wrong with the list."), limit=500)
    on_list = election.voters.filter(villager=villager, active=True).exists()
    if kind == ObjectionKind.LEFT_OFF and on_list:
        raise ValidationError({"villager": _("%(name)s is on the list.") % {"name": villager.name}})
    if kind == ObjectionKind.WRONGLY_ON and not on_list:
        raise ValidationError({"villager": _("%(name)s is not on the list.") % {"name": villager.name}})
    objection = Objection.objects.create(
        election=election,
        kind=kind,
        villager=villager,
        text=text,
        raised_by=actor,
        raised_on=today,
        decide_by=today + dt.timedelta(days=DECISION_DAYS),
    )
    audit_record(actor=actor, action=ElectionEvent.OBJECTION_RAISE, obj=objection, after={"kind": kind})
    return objection


@transaction.atomic
def objection_decide(
    *,
    objection: Objection,
    uphold: bool,
    reason: str,
    basis: str = "",
    living_here_since: dt.date | None = None,
    actor: User,
) -> Objection:
    """The committee decides an objection with its reason (art. 14: within 3 days; a later decision is
    taken, so no objection is left without an answer, and is marked late for all to see). Upheld, the list
    is corrected by a new change carrying the decision as its reason."""
    election = objection.election
    _manage(actor, election)
    _stage(election, Stage.LIST_PUBLISHED)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != ObjectionStatus.OPEN:
        raise ValidationError(_("This objection to the list has already been decided."))
    reason = _text(reason, "reason", _("Give the committee's reason."), limit=500)
    if uphold:
        change = _("Objection upheld: %(reason)s") % {"reason": reason}
        if objection.kind == ObjectionKind.LEFT_OFF:
            villager = objection.villager
            here = villager.region_code == election.region_code
            if here:
                chosen = basis or (Basis.AWAY if villager.living_away else Basis.RESIDENT)
            else:
                chosen = Basis.ELSEWHERE  # the committee's decision stands for the meeting's approval
            approval = "" if here else reason[:200]
            _register(election, villager, chosen, change[:300], actor, living_here_since, approval)
        else:
            _remove(election.voters.get(villager=objection.villager), change[:300], actor)
    objection.status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.REJECTED
    objection.decision_reason = reason
    objection.decided_by = actor
    objection.decided_on = _today()
    objection.save(update_fields=["status", "decision_reason", "decided_by", "decided_on", "updated_at"])
    audit_record(
        actor=actor,
        action=ElectionEvent.OBJECTION_DECIDE,
        obj=objection,
        before={"status": ObjectionStatus.OPEN},
        after={"status": objection.status, "reason": reason, "late": objection.late},
    )
    return objection


@transaction.atomic
def list_finalise(*, election: Election, actor: User) -> Election:
    """The list becomes final once the objection period is over and every objection is decided (art. 14)."""
    _manage(actor, election)
    _stage(election, Stage.LIST_PUBLISHED)
    last = objection_deadline(election)
    assert last is not None
    if _today() <= last:
        raise ValidationError(
            _("Objections may be raised until %(day)s (art. 14): the list is final only after that.")
            % {"day": last.isoformat()}
        )
    if election.objections.filter(status=ObjectionStatus.OPEN).exists():
        raise ValidationError(_("Decide every objection first (art. 14)."))
    election.stage = Stage.LIST_FINAL
    election.list_final_on = _today()
    election.save(update_fields=["stage", "list_final_on", "updated_at"])
    audit_record(
        actor=actor,
        action=ElectionEvent.LIST_FINAL,
        obj=election,
        after={"voters": election.voters.filter(active=True).count()},
    )
    return election


# -------------------------------- proxies (art. 15)


@transaction.atomic
def proxy_register(
    *, election: Election, grantor: Voter, holder: Voter, relation: str, form_photo: File, actor: User
) -> Proxy:
    """Register a written proxy to a near relative who has a vote (art. 15), with the signed form's photo.

    Near relatives are found in the roster's household records (the holder lives in the grantor's household)
    or in the declared near relatives (NearRelative).
    """
    _manage(actor, election)
    _stage(election, Stage.LIST_FINAL, Stage.CANDIDATES)
    if _today() > election.election_day:
        raise ValidationError(_("Proxies are registered before election day (art. 15)."))
    relation = _text(relation, "relation", _("Say how the holder is related to the voter."), limit=30)
    voters = Voter.objects.select_for_update().filter(pk__in=[grantor.pk, holder.pk], election=election, active=True)
    if voters.count() != 2:
        raise ValidationError(_("Both the voter and the holder must be voters of this election (art. 15)."))
    grantor_v = Villager.objects.get(pk=grantor.villager_id)
    holder_v = Villager.objects.get(pk=holder.villager_id)
    if not selectors.near_relatives(grantor_v, holder_v):
        raise ValidationError(
            {
                "holder": _(
                    "%(holder)s is not a near relative of %(voter)s in the household records: a proxy goes "
                    "only to a near relative who has a vote (art. 15)."
                )
                % {"holder": holder_v.name, "voter": grantor_v.name}
            }
        )
    active = Proxy.objects.filter(election=election, active=True)
    if active.filter(grantor=grantor).exists():
        raise ValidationError(_("%(name)s has already given a proxy.") % {"name": grantor_v.name})
    if active.filter(holder=grantor).exists():
        raise ValidationError(_("%(name)s holds proxies and so votes in person.") % {"name": grantor_v.name})
    if active.filter(grantor=holder).exists():
        raise ValidationError(_("%(name)s has given a proxy and cannot hold one.") % {"name": holder_v.name})
    held = active.filter(holder=holder).count()
    if held >= election.proxy_limit:
        raise ValidationError(
            {
                "holder": _("%(name)s already holds %(n)s proxies, the most allowed (art. 15).")
                % {"name": holder_v.name, "n": held}
            }
        )
    photo = file_intake(form_photo, kinds=("image", "pdf"))
    proxy = Proxy.objects.create(
        election=election, grantor=grantor, holder=holder, relation=relation, registered_by=actor
    )
    proxy.form_photo.save(photo.name or "proxy", photo, save=True)
    audit_record(
        actor=actor,
        action=ElectionEvent.PROXY_REGISTER,
        obj=proxy,
        after={"grantor": grantor.public_id, "holder": holder.public_id, "relation": relation},
    )
    return proxy


@transaction.atomic
def proxy_withdraw(*, proxy: Proxy, reason: str, actor: User) -> Proxy:
    """The voter takes the proxy back (it stays on record, marked withdrawn)."""
    _manage(actor, proxy.election)
    _stage(proxy.election, Stage.LIST_FINAL, Stage.CANDIDATES)
    reason = _text(reason, "reason", _("Say why the proxy is withdrawn."))
    if not proxy.active:
        raise ValidationError(_("This proxy is already withdrawn."))
    proxy.active = False
    proxy.withdrawn_reason = reason
    proxy.save(update_fields=["active", "withdrawn_reason", "updated_at"])
    audit_record(actor=actor, action=ElectionEvent.PROXY_WITHDRAW, obj=proxy, after={"reason": reason})
    return proxy


# -------------------------------- nominations and candidates (arts. 6, 12, 15)


@transaction.atomic
def nomination_record(*, election: Election, nominator: Voter, nominees: Iterable[Voter], actor: User) -> int:
    """Record one voter's nomination slip (海选): up to as many names as there are seats, each a voter."""
    _manage(actor, election)
    _stage(election, Stage.LIST_FINAL)
    chosen = {v.pk: v for v in nominees}
    if not chosen:
        raise ValidationError({"nominees": _("Name at least one person.")})
    if len(chosen) > election.seats:
        raise ValidationError(
            {"nominees": _("A slip names at most %(n)s people, the number of seats.") % {"n": election.seats}}
        )
    ids = [nominator.pk, *chosen]
    if election.voters.filter(pk__in=ids, active=True).count() != len(set(ids)):
        raise ValidationError(_("The nominator and every nominee must be voters of this election (art. 15)."))
    if Nomination.objects.filter(election=election, nominator=nominator).exists():
        raise ValidationError({"nominator": _("This voter's slip is already recorded.")})
    Nomination.objects.bulk_create(
        [Nomination(election=election, nominator=nominator, nominee=v, recorded_by=actor) for v in chosen.values()]
    )
    audit_record(
        actor=actor,
        action=ElectionEvent.NOMINATION_RECORD,
        obj=election,
        after={"nominator": nominator.public_id, "nominees": [v.public_id for v in chosen.values()]},
    )
    return len(chosen)


@transaction.atomic
def candidates_fix(
    *, election: Election, voters: Iterable[Voter], minority: Iterable[Voter] = (), actor: User
) -> list[Candidate]:
    """Publish the formal candidates: more than the seats (差额, art. 15), from the nominations, with a
    woman (art. 6) and, in a multi-ethnic village, a member of the minority group. A member of the
    election committee who becomes a candidate leaves the committee (art. 12)."""
    _manage(actor, election)
    _stage(election, Stage.LIST_FINAL)
    chosen = {v.pk: v for v in voters}
    minority_ids = {v.pk for v in minority} & set(chosen)
    if len(chosen) <= election.seats:
        raise ValidationError(
            {
                "voters": _("There must be more formal candidates than seats (%(n)s) (差额, art. 15).")
                % {"n": election.seats}
            }
        )
    if len(chosen) > 2 * election.seats:
        raise ValidationError(
            {"voters": _("At most twice as many candidates as seats (%(n)s).") % {"n": 2 * election.seats}}
        )
    rows = list(
        election.voters.filter(pk__in=chosen, active=True)
        .select_related("villager")
        .annotate(n=Count("nominations_received"))
    )
    if len(rows) != len(chosen):
        raise ValidationError({"voters": _("Every candidate must be a voter of this election (art. 15).")})
    woman_needed = election.term is None or election.women_seat  # a by-election: only if no woman sits
    if woman_needed and not any(v.villager.sex == Sex.FEMALE for v in rows):
        raise ValidationError({"voters": _("The candidates must include a woman (art. 6).")})
    unnamed = [v.villager.name for v in rows if v.n == 0]
    if unnamed:
        raise ValidationError(
            {"voters": _("Not nominated by any voter: %(names)s (art. 15).") % {"names": "、".join(unnamed)}}
        )
    if election.multi_ethnic and not minority_ids:
        raise ValidationError(
            {"minority": _("In a multi-ethnic village the candidates include a member of the minority group (art. 6).")}
        )
    for member in election.committee.filter(villager_id__in=[v.villager_id for v in rows], left_on__isnull=True):
        _committee_leave(member, _("Became a formal candidate (art. 12)."), actor)
    made = [
        Candidate.objects.create(election=election, voter=v, nominations=v.n, minority=v.pk in minority_ids)
        for v in sorted(rows, key=lambda r: (-r.n, r.pk))
    ]
    election.stage = Stage.CANDIDATES
    election.save(update_fields=["stage", "updated_at"])
    audit_record(
        actor=actor,
        action=ElectionEvent.CANDIDATES_FIX,
        obj=election,
        after={"candidates": [c.public_id for c in made]},
    )
    return made


# -------------------------------- polling stations and the count


@transaction.atomic
def station_set(
    *, election: Election, name: str, ballots: int, mobile: bool = False, staff: str = "", actor: User
) -> Station:
    """A polling station or a mobile ballot box, with the ballots it is issued (numbered on from the last)."""
    _manage(actor, election)
    _stage(election, Stage.LIST_FINAL, Stage.CANDIDATES)
    name = _text(name, "name", _("Name the polling station."), limit=100)
    if not 1 <= ballots <= MAX_BALLOTS:
        raise ValidationError({"ballots": _("Issue between 1 and %(n)s ballots.") % {"n": MAX_BALLOTS}})
    last = election.stations.order_by("-first_number").first()
    first = (last.first_number + last.ballots) if last else 1
    station = Station.objects.create(
        election=election,
        name=name,
        ballots=ballots,
        mobile=mobile,
        staff=(staff or "").strip()[:200],
        first_number=first,
    )
    audit_record(
        actor=actor,
        action=ElectionEvent.STATION_SET,
        obj=station,
        region_code=election.region_code,
        after={"name": name, "ballots": ballots, "first": first, "mobile": mobile},
    )
    return station


def round_candidates(election: Election, round_: int) -> list[Candidate]:
    qs = election.candidates.select_related("voter__villager")
    if round_ == Round.RUNOFF:
        qs = qs.filter(in_runoff=True)
    return list(qs)


@dataclass
class CountOutcome:
    entry: CountEntry
    accepted: bool
    differences: list[str]  # the fields where this entry and another teller's differ


def _check_count(
    election: Election,
    station: Station,
    round_: int,
    returned: int,
    unused: int,
    invalid: int,
    votes: Mapping[str, int],
) -> None:
    if min(returned, unused, invalid, *votes.values(), 0) < 0:
        raise ValidationError(_("Counts cannot be negative."))
    if returned + unused != station.ballots:
        raise ValidationError(
            {
                "returned": _("Ballots returned (%(r)s) and unused (%(u)s) must add up to the ballots issued (%(i)s).")
                % {"r": returned, "u": unused, "i": station.ballots}
            }
        )
    if invalid > returned:
        raise ValidationError({"invalid": _("More invalid ballots than ballots returned.")})
    valid = returned - invalid
    seats = election.seats if round_ == Round.FIRST else int(election.result.get("first", {}).get("empty_seats", 0))
    over = [k for k, n in votes.items() if n > valid]
    if over:
        raise ValidationError(_("A candidate has more votes than valid ballots."))
    if sum(votes.values()) > valid * seats:
        raise ValidationError(_("More votes than valid ballots times the seats to fill."))


@transaction.atomic
def count_enter(
    *,
    station: Station,
    round_: int = Round.FIRST,
    returned: int,
    unused: int,
    invalid: int,
    votes: Mapping[str, int],
    actor: User,
) -> CountOutcome:
    """One teller's count of a station. It is accepted when another teller's latest entry agrees on every
    number; otherwise both stay unaccepted and the differences are named."""
    election = Election.objects.get(pk=station.election_id)  # its stage now, not as the caller loaded it
    _manage(actor, election)
    if round_ == Round.FIRST:
        _stage(election, Stage.CANDIDATES)
    else:
        _stage(election, Stage.COUNTED)
        if not election.runoff_needed:
            raise ValidationError(_("No runoff is needed."))
    station = Station.objects.select_for_update().get(pk=station.pk)
    if StationCount.objects.filter(station=station, round=round_).exists():
        raise ValidationError(_("This station's count is already accepted."))
    ids = {c.public_id for c in round_candidates(election, round_)}
    if set(votes) != ids:
        raise ValidationError(_("Enter a number for every candidate of this round."))
    _check_count(election, station, round_, returned, unused, invalid, votes)
    entry = CountEntry.objects.create(
        station=station,
        round=round_,
        teller=actor,
        returned=returned,
        unused=unused,
        invalid=invalid,
        votes=dict(votes),
    )
    audit_record(
        actor=actor,
        action=ElectionEvent.COUNT_ENTER,
        obj=entry,
        region_code=election.region_code,
        after=entry.numbers(),
    )
    others: dict[int, CountEntry] = {}
    for other in CountEntry.objects.filter(station=station, round=round_).exclude(teller=actor).order_by("at", "id"):
        others[other.teller_id] = other  # each other teller's latest entry
    differences: list[str] = []
    mine = entry.numbers()
    for other in others.values():
        theirs = other.numbers()
        diff = sorted(k for k in mine if mine[k] != theirs.get(k))
        if not diff:
            StationCount.objects.create(station=station, round=round_, first=other, second=entry)
            audit_record(
                actor=actor,
                action=ElectionEvent.COUNT_ACCEPT,
                obj=station,
                region_code=election.region_code,
                after={"round": round_, **mine},
            )
            return CountOutcome(entry=entry, accepted=True, differences=[])
        differences = diff
    return CountOutcome(entry=entry, accepted=False, differences=differences)


def _plain(outcome: law.Outcome) -> dict[str, object]:
    """The outcome as stored in JSON (lists, not tuples), the same before and after a reload."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(outcome).items()}


def _totals(election: Election, round_: int) -> tuple[int, dict[str, int]]:
    counts = list(StationCount.objects.filter(station__election=election, round=round_).select_related("second"))
    if len(counts) != election.stations.count() or not counts:
        raise ValidationError(_("Every station's count must be accepted first."))
    cast = sum(c.second.returned for c in counts)
    votes: dict[str, int] = {}
    for c in counts:
        for k, n in c.second.votes.items():
            votes[k] = votes.get(k, 0) + n
    return cast, votes


@transaction.atomic
def result_compute(*, election: Election, actor: User) -> Election:
    """Compute the result of the round whose counts are all accepted (art. 15), and mark the runoff's candidates."""
    _manage(actor, election)
    election = Election.objects.select_for_update().get(pk=election.pk)
    registered = election.voters.filter(active=True).count()
    candidates = round_candidates(election, Round.FIRST)
    women = [c.public_id for c in candidates if c.voter.villager.sex == Sex.FEMALE]
    if election.stage == Stage.CANDIDATES:
        cast, votes = _totals(election, Round.FIRST)
        outcome = law.first_round(
            registered=registered,
            cast=cast,
            votes=votes,
            seats=election.seats,
            women=women,
            women_seat=election.women_seat,
        )
        election.result = {"registered": registered, "first": {"cast": cast, "votes": votes, **_plain(outcome)}}
        election.runoff_needed = outcome.valid and outcome.empty_seats > 0 and bool(outcome.runoff)
        election.candidates.filter(public_id__in=outcome.runoff).update(in_runoff=True)
        election.stage = Stage.COUNTED
    elif election.stage == Stage.COUNTED and election.runoff_needed and "runoff" not in election.result:
        first = election.result["first"]
        cast, votes = _totals(election, Round.RUNOFF)
        outcome = law.runoff(
            registered=registered,
            cast=cast,
            votes=votes,
            empty_seats=first["empty_seats"],
            women=women,
            women_seat_open=first["women_seat_open"],
        )
        election.result = {**election.result, "runoff": {"cast": cast, "votes": votes, **_plain(outcome)}}
    else:
        raise ValidationError(_("There is no round waiting for its result."))
    election.save(update_fields=["result", "runoff_needed", "stage", "updated_at"])
    audit_record(actor=actor, action=ElectionEvent.RESULT, obj=election, after=election.result)
    return election


def elected_ids(election: Election) -> list[str]:
    result = election.result
    ids = list(result.get("first", {}).get("elected", []))
    ids += result.get("runoff", {}).get("elected", [])
    return ids


@transaction.atomic
def announce(*, election: Election, actor: User) -> Election:
    """Announce the result on the notice board (the committee takes office; handover within 10 days)."""
    _manage(actor, election)
    _stage(election, Stage.COUNTED)
    if election.runoff_needed and "runoff" not in election.result:
        raise ValidationError(_("Hold the runoff for the empty seats first (art. 15)."))
    names = dict(election.candidates.values_list("public_id", "voter__villager__name"))
    elected = [names[i] for i in elected_ids(election)]
    first = election.result.get("first", {})
    if not first.get("valid"):
        text = _("The election was not valid: fewer than half of the registered voters voted (art. 15).")
    else:
        text = _("Elected to the villagers' committee: %(names)s.") % {"names": "、".join(elected) or "—"}
    election.stage = Stage.ANNOUNCED
    election.announced_at = timezone.now()
    election.announcement = text
    if first.get("valid") and election.kind == Kind.GENERAL:
        # Art. 20: the outgoing committee hands over within 10 days of the new one's election.
        election.handover_due_on = law.handover_due(_today())
    election.save(update_fields=["stage", "announced_at", "announcement", "handover_due_on", "updated_at"])
    audit_record(actor=actor, action=ElectionEvent.ANNOUNCE, obj=election, after={"elected": elected})
    return election


@transaction.atomic
def archive(*, election: Election, actor: User) -> Election:
    """Archive an announced election: everything stays readable, nothing changes any more."""
    _manage(actor, election)
    _stage(election, Stage.ANNOUNCED)
    election.stage = Stage.ARCHIVED
    election.archived_at = timezone.now()
    election.save(update_fields=["stage", "archived_at", "updated_at"])
    audit_record(actor=actor, action=ElectionEvent.ARCHIVE, obj=election)
    return election


# -------------------------------- recall (art. 16)


def _recall_signers(election: Election, basis: str, signers: Sequence[Villager]) -> int:
    """Check each signer against the proposal's basis and return how many could sign (the denominator of
    art. 16): the voters on the election's list, or the village's villager representatives."""
    if basis == law.RECALL_BY_VOTERS:
        eligible_ids = set(election.voters.filter(active=True).values_list("villager_id", flat=True))
        not_one = _("%(names)s: not on the voter list, so cannot sign (art. 16).")
    elif basis == law.RECALL_BY_REPRESENTATIVES:
        eligible_ids = set(
            selectors.representative_villagers(village_code=election.region_code).values_list("id", flat=True)
        )
        not_one = _("%(names)s: not a villager representative, so cannot sign (art. 16).")
    else:
        raise ValidationError({"basis": _("Say who proposes the recall: voters or villager representatives.")})
    seen: set[int] = set()
    twice = []
    for v in signers:
        if v.pk in seen:
            twice.append(v.name)
        seen.add(v.pk)
    if twice:
        raise ValidationError({"signers": _("%(names)s signed more than once.") % {"names": "、".join(twice)}})
    outside = [v.name for v in signers if v.pk not in eligible_ids]
    if outside:
        raise ValidationError({"signers": not_one % {"names": "、".join(outside)}})
    return len(eligible_ids)


@transaction.atomic
def recall_propose(
    *, election: Election, member: Candidate, basis: str, signers: Sequence[Villager], reasons: str, actor: User
) -> Recall:
    """Record a proposal to recall an elected member, with its reasons and who signed it (art. 16): each signer
    a voter on the election's list (a fifth of them at least) or a villager representative (a third)."""
    _manage(actor, election)
    _stage(election, Stage.ANNOUNCED, Stage.ARCHIVED)
    if member.election_id != election.pk or member.public_id not in elected_ids(election):
        raise ValidationError({"member": _("Only a member elected in this election can be recalled.")})
    if member.ceased_on is not None:
        raise ValidationError({"member": _("This member has already left office.")})
    reasons = _text(reasons, "reasons", _("A recall states its reasons (art. 16)."), limit=2000)
    eligible = _recall_signers(election, basis, signers)
    if not law.recall_proposal_valid(basis=basis, signers=len(signers), eligible=eligible):
        raise ValidationError(
            {
                "signers": _(
                    "%(n)s of %(of)s signed: a recall is proposed by at least a fifth of the voters or a third "
                    "of the villager representatives (art. 16)."
                )
                % {"n": len(signers), "of": eligible}
            }
        )
    if election.recalls.filter(member=member, status=RecallStatus.PROPOSED).exists():
        raise ValidationError({"member": _("A recall of this member is already open.")})
    recall = Recall.objects.create(
        election=election,
        member=member,
        basis=basis,
        signers=len(signers),
        eligible=eligible,
        reasons=reasons,
        proposed_by=actor,
    )
    RecallSigner.objects.bulk_create([RecallSigner(recall=recall, villager=v) for v in signers])
    audit_record(
        actor=actor,
        action=ElectionEvent.RECALL_PROPOSE,
        obj=recall,
        after={
            "member": member.public_id,
            "basis": basis,
            "signers": [v.public_id for v in signers],
            "eligible": eligible,
        },
    )
    return recall


@transaction.atomic
def recall_answer(*, recall: Recall, answer: str, actor: User) -> Recall:
    """The member's answer to the recall's reasons (art. 16), recorded by the committee."""
    _manage(actor, recall.election)
    if recall.status != RecallStatus.PROPOSED:
        raise ValidationError(_("This recall has been voted on."))
    recall.answer = _text(answer, "answer", _("Write the member's answer."), limit=2000)
    recall.save(update_fields=["answer", "updated_at"])
    audit_record(actor=actor, action=ElectionEvent.RECALL_ANSWER, obj=recall)
    return recall


@transaction.atomic
def recall_vote(*, recall: Recall, registered: int, cast: int, in_favour: int, actor: User) -> Recall:
    """The villagers' meeting votes: recalled when more than half of the registered voters vote and more
    than half of those voting are in favour (art. 16)."""
    _manage(actor, recall.election)
    recall = Recall.objects.select_for_update().get(pk=recall.pk)
    if recall.status != RecallStatus.PROPOSED:
        raise ValidationError(_("This recall has been voted on."))
    if not 0 <= in_favour <= cast <= registered or registered <= 0:
        raise ValidationError(_("The votes must hold: in favour ≤ voting ≤ registered voters."))
    passed = law.recall_passes(registered=registered, cast=cast, in_favour=in_favour)
    recall.registered, recall.cast, recall.in_favour = registered, cast, in_favour
    recall.status = RecallStatus.RECALLED if passed else RecallStatus.NOT_RECALLED
    recall.save(update_fields=["registered", "cast", "in_favour", "status", "updated_at"])
    if passed:
        _cease(recall.member, _("Recalled by the villagers' vote (art. 16)."))
    audit_record(
        actor=actor,
        action=ElectionEvent.RECALL_VOTE,
        obj=recall,
        after={"registered": registered, "cast": cast, "in_favour": in_favour, "status": recall.status},
    )
    return recall


# -------------------------------- the term: leaving office, by-elections (arts. 16, 19, 33)


def _cease(member: Candidate, reason: str) -> None:
    """The member leaves office; the seat is vacant for a by-election (art. 19)."""
    member.ceased_on = _today()
    member.ceased_reason = reason[:300]
    member.save(update_fields=["ceased_on", "ceased_reason", "updated_at"])


def _keep_term(actor: User, village_code: str) -> None:
    if not rules.can_keep_term(actor, village_code):
        raise PermissionDenied


# -------------------------------- the handover (art. 20)


@transaction.atomic
def handover_record(*, election: Election, on: dt.date, note: str, actor: User) -> Election:
    """The outgoing committee handed over seals, accounts, files and property: the day and what was handed."""
    _manage(actor, election)
    _stage(election, Stage.ANNOUNCED, Stage.ARCHIVED)
    if election.handover_due_on is None:
        raise ValidationError(_("No handover is due for this election."))
    if election.handed_over_on is not None:
        raise ValidationError(_("The handover is already recorded."))
    note = _text(note, "note", _("Say what was handed over (seals, accounts, files, property)."), limit=500)
    announced = election.announced_at.date() if election.announced_at else election.election_day
    if on > _today() or on < announced:
        raise ValidationError({"on": _("The handover day lies between the announcement and today.")})
    election.handed_over_on = on
    election.handover_note = note
    election.save(update_fields=["handed_over_on", "handover_note", "updated_at"])
    audit_record(
        actor=actor,
        action=ElectionEvent.HANDOVER,
        obj=election,
        after={"on": on.isoformat(), "due": election.handover_due_on.isoformat(), "note": note},
    )
    return election


# -------------------------------- near relatives and the supervision committee (art. 32)


@transaction.atomic
def near_relative_declare(
    *, villager: Villager, relative: Villager, relation: str, evidence: str, actor: User
) -> NearRelative:
    """Declare two villagers near relatives (spouse, parent, child, sibling, grandparent, grandchild…) where
    the roster's households do not show it; the declaration says how it is known."""
    _keep_term(actor, villager.region_code)
    relation = _text(relation, "relation", _("Say how they are related."), limit=30)
    evidence = _text(evidence, "evidence", _("Say how it is known (e.g. the household booklet)."), limit=200)
    if villager.pk == relative.pk:
        raise ValidationError({"relative": _("Choose two different people.")})
    if relative.region_code[:6] != villager.region_code[:6]:
        raise ValidationError({"relative": _("The relative is a villager of the county.")})
    if selectors.near_relatives(villager, relative):
        raise ValidationError(
            {
                "relative": _("%(a)s and %(b)s are already known as near relatives.")
                % {"a": villager.name, "b": relative.name}
            }
        )
    row = NearRelative.objects.create(
        region_code=villager.region_code,
        villager=villager,
        relative=relative,
        relation=relation,
        evidence=evidence,
        declared_by=actor,
    )
    audit_record(
        actor=actor,
        action=ElectionEvent.KIN_DECLARE,
        obj=row,
        region_code=villager.region_code,
        after={"villager": villager.public_id, "relative": relative.public_id, "relation": relation},
    )
    return row


@transaction.atomic
def near_relative_withdraw(*, row: NearRelative, reason: str, actor: User) -> NearRelative:
    """Withdraw a declared near relative found wrong: the row stays, marked withdrawn with the reason, who and
    when, and an audit row records it; the proxy rule and the kinship check of art. 32 no longer see it."""
    _keep_term(actor, row.region_code)
    reason = _text(reason, "reason", _("Say why the declaration is withdrawn."))
    row = NearRelative.objects.select_for_update().get(pk=row.pk)
    if not row.active:
        raise ValidationError(_("This declaration has already been withdrawn."))
    row.active = False
    row.withdrawn_reason = reason
    row.withdrawn_at = timezone.now()
    row.withdrawn_by = actor
    row.save(update_fields=["active", "withdrawn_reason", "withdrawn_at", "withdrawn_by"])
    audit_record(
        actor=actor,
        action=ElectionEvent.KIN_WITHDRAW,
        obj=row,
        region_code=row.region_code,
        before={"villager": row.villager.public_id, "relative": row.relative.public_id, "relation": row.relation},
        after={"reason": reason},
    )
    return row


def _kinship_conflicts(village_code: str, villager: Villager) -> list[str]:
    """Art. 32: a committee member, or a near relative of one, may not sit on the supervision committee."""
    term = selectors.current_term(village_code=village_code)
    if term is None:
        return []
    members = [c.voter.villager for c in selectors.sitting_members(term=term)]
    if any(m.pk == villager.pk for m in members):
        return [_("%(name)s is a member of the village committee") % {"name": villager.name}]
    return [
        _("%(name)s is a near relative (%(how)s) of the committee member %(member)s")
        % {"name": villager.name, "how": how, "member": m.name}
        for m, how in selectors.relatives_among(villager=villager, others=members)
    ]


@transaction.atomic
def supervision_member_add(
    *, village: Region, villager: Villager, resolution: str, since: dt.date, is_chair: bool = False, actor: User
) -> SupervisionMember:
    """Record a member of the village affairs supervision committee, chosen by the villagers' meeting or
    the representatives' meeting; refused for a village committee member or a near relative of one (art. 32)."""
    _keep_term(actor, village.code)
    resolution = _text(resolution, "resolution", _("Give the meeting's resolution that chose the member."), limit=200)
    if villager.region_code != village.code:
        raise ValidationError({"villager": _("Members of the supervision committee are villagers of the village.")})
    if since > _today():
        raise ValidationError({"since": _("The day the member was chosen cannot be in the future.")})
    if SupervisionMember.objects.filter(village=village, villager=villager, left_on__isnull=True).exists():
        raise ValidationError({"villager": _("%(name)s already sits on the committee.") % {"name": villager.name}})
    conflicts = _kinship_conflicts(village.code, villager)
    if conflicts:
        raise ValidationError(
            {
                "villager": _("%(why)s: not eligible for the supervision committee (art. 32).")
                % {"why": "；".join(conflicts) if translation_is_zh() else "; ".join(conflicts)}
            }
        )
    member = SupervisionMember.objects.create(
        village=village, villager=villager, resolution=resolution, since=since, is_chair=is_chair, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=ElectionEvent.SUPERVISION_ADD,
        obj=member,
        after={"villager": villager.public_id, "chair": is_chair, "resolution": resolution},
    )
    return member


def translation_is_zh() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").lower().startswith("zh")


@transaction.atomic
def supervision_member_leave(*, member: SupervisionMember, reason: str, actor: User) -> SupervisionMember:
    _keep_term(actor, member.region_code)
    reason = _text(reason, "reason", _("Say why the member leaves."))
    if member.left_on is not None:
        raise ValidationError(_("This member has already left the committee."))
    member.left_on = _today()
    member.left_reason = reason
    member.save(update_fields=["left_on", "left_reason", "updated_at"])
    audit_record(actor=actor, action=ElectionEvent.SUPERVISION_LEAVE, obj=member, after={"reason": reason})
    return member


# -------------------------------- democratic appraisal (art. 33) and audits (art. 35)


@transaction.atomic
def appraisal_record(
    *,
    term: Election,
    held_on: dt.date,
    body: str,
    chair: SupervisionMember,
    ratings: Mapping[str, tuple[int, int, int]],
    actor: User,
) -> Appraisal:
    """Record a democratic appraisal of the sitting members (art. 33), chaired by the supervision committee:
    for each member the ballots competent / basically competent / incompetent. A member judged incompetent
    (more than half of the ballots) in this and the previous appraisal leaves office."""
    _keep_term(actor, term.region_code)
    if term.kind != Kind.GENERAL or selectors.current_term(village_code=term.region_code) != term:
        raise ValidationError(_("Appraise the committee now in office."))
    if body not in AppraisalBody.values:
        raise ValidationError({"body": _("Choose the meeting that appraises.")})
    if chair.region_code != term.region_code or chair.left_on is not None:
        raise ValidationError(
            {"chair": _("The appraisal is chaired by the village's supervision committee (art. 33).")}
        )
    last = term.appraisals.order_by("-held_on").values_list("held_on", flat=True).first()
    announced = term.announced_at.date() if term.announced_at else term.election_day
    if held_on > _today() or held_on < announced or (last is not None and held_on <= last):
        raise ValidationError(
            {"held_on": _("The appraisal's day lies after the last one (or the election) and not after today.")}
        )
    members = {c.public_id: c for c in selectors.sitting_members(term=term)}
    if set(ratings) != set(members):
        raise ValidationError(_("Enter the ballots for every member in office."))
    for numbers in ratings.values():
        if min(numbers) < 0 or sum(numbers) == 0 or sum(numbers) > MAX_BALLOTS:
            raise ValidationError(_("Each member's ballots are numbers, not all zero."))
    appraisal = Appraisal.objects.create(term=term, held_on=held_on, body=body, chaired_by=chair, recorded_by=actor)
    history: dict[int, list[bool]] = {}
    for member_id, judged in (
        AppraisalRating.objects.filter(appraisal__term=term, member__in=members.values())
        .order_by("appraisal__held_on")
        .values_list("member_id", "judged_incompetent")
    ):
        history.setdefault(member_id, []).append(judged)
    ended = []
    for pid, (competent, basically, incompetent) in ratings.items():
        judged = law.judged_incompetent(competent=competent, basically=basically, incompetent=incompetent)
        member = members[pid]
        AppraisalRating.objects.create(
            appraisal=appraisal,
            member=member,
            competent=competent,
            basically=basically,
            incompetent=incompetent,
            judged_incompetent=judged,
        )
        if law.office_ends([*history.get(member.pk, [])[-1:], judged]):
            _cease(member, _("Judged incompetent in two democratic appraisals in a row (art. 33)."))
            ended.append(pid)
    audit_record(
        actor=actor,
        action=ElectionEvent.APPRAISAL,
        obj=appraisal,
        after={"held_on": held_on.isoformat(), "ratings": {k: list(v) for k, v in ratings.items()}, "ended": ended},
    )
    return appraisal


@transaction.atomic
def office_audit_record(
    *, term: Election, member: Candidate, kind: str, auditor: str, findings: str, published_on: dt.date, actor: User
) -> OfficeAudit:
    """The economic responsibility audit of a member, at the end of the term or on leaving office (art. 35),
    with its findings as published to the villagers."""
    _keep_term(actor, term.region_code)
    if member.pk not in {c.pk for c in selectors.term_members(term=term)}:
        raise ValidationError({"member": _("Only a member elected to this committee is audited here.")})
    if kind not in AuditKind.values:
        raise ValidationError({"kind": _("Choose the kind of audit.")})
    if kind == AuditKind.LEAVING and member.ceased_on is None:
        raise ValidationError({"kind": _("This member is still in office: use the end-of-term audit.")})
    auditor = _text(auditor, "auditor", _("Say who audited (the township's office, the financial group)."), limit=200)
    findings = _text(findings, "findings", _("Give the audit's findings as published."), limit=5000)
    if published_on > _today():
        raise ValidationError({"published_on": _("Record the audit once its result is published.")})
    audit = OfficeAudit.objects.create(
        term=term,
        member=member,
        kind=kind,
        auditor=auditor,
        findings=findings,
        published_on=published_on,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=ElectionEvent.AUDIT,
        obj=audit,
        after={"member": member.public_id, "kind": kind, "published_on": published_on.isoformat()},
    )
    return audit


# -------------------------------- voters living away confirm (art. 13)

AWAY_REPLY = "elections.away"


def away_ask(*, election: Election, actor: User) -> int:
    """Text every voter living away: reply 1 to vote, 2 not to (replies.py), or answer on the web. The law
    makes their wish the condition of the vote (art. 13), so the text is a required notice."""
    from cunzhi.notify.services import notice_send

    _manage(actor, election)
    _stage(election, Stage.PREPARING, Stage.LIST_PUBLISHED)
    ids = list(
        election.voters.filter(active=True, basis=Basis.AWAY, away_answer="").values_list("villager_id", flat=True)
    )
    if not ids:
        raise ValidationError(_("No voter living away is waiting to answer."))
    notice = notice_send(
        kind="direct",
        villager_ids=ids,
        mandatory=True,
        reply_handler=AWAY_REPLY,
        template="elections_away",
        context={"village": election.village.name, "title": election.title, "day": election.election_day.isoformat()},
        sender=actor,
        region_code=election.region_code,
    )
    election.away_notice = notice
    election.save(update_fields=["away_notice", "updated_at"])
    audit_record(actor=actor, action=ElectionEvent.AWAY_ASK, obj=election, after={"voters": len(ids)})
    return len(ids)


@transaction.atomic
def away_answer(*, voter: Voter, wishes: bool, via: str, actor: User | None) -> Voter:
    """A voter living away says whether they wish to vote (art. 13): by the web (themselves), by replying to
    the text (from their registered number), or through the committee. Before the list is published, "no"
    takes them off the list with that reason; afterwards the answer is recorded and the list changes only
    through an objection (art. 14)."""
    election = voter.election
    if via == "committee":
        assert actor is not None
        _manage(actor, election)
    _stage(election, Stage.PREPARING, Stage.LIST_PUBLISHED, Stage.LIST_FINAL)
    voter = Voter.objects.select_for_update().get(pk=voter.pk)
    if voter.basis != Basis.AWAY or not voter.active:
        raise ValidationError(_("Only a voter registered as living away answers this."))
    voter.away_answer = AwayAnswer.YES if wishes else AwayAnswer.NO
    voter.away_answered_via = via
    voter.away_answered_at = timezone.now()
    voter.save(update_fields=["away_answer", "away_answered_via", "away_answered_at", "updated_at"])
    audit_record(
        actor=actor,
        action=ElectionEvent.AWAY_ANSWER,
        obj=voter,
        after={"wishes": wishes, "via": via},
    )
    if not wishes and election.stage == Stage.PREPARING:
        _remove(voter, _("Living away and does not wish to vote (art. 13), answered by %(via)s.") % {"via": via}, actor)  # type: ignore[arg-type]
    return voter
