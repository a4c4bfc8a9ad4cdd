"""Election endpoints: the elections a caller may see, the public lists (voters, objections, proxies,
nominations, candidates), the stations, the double count entry and the result.

Who sees what follows elections.rules, as on the pages: an election outside the caller's reach answers 404;
the villagers of the village and the staff in scope read the public lists; the cadres and the election
committee read the stations and enter counts. Refusals are JSON {"detail", "code"}: 403 for a role the caller
lacks, 422 for bad input or a date or threshold of the law (the message cites the article).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS, ApiError, ErrorOut, ValidationErrorOut
from cunzhi.core.apikit.pagination import Pages
from cunzhi.elections import rules, selectors, services
from cunzhi.elections.models import (
    Candidate,
    CommitteeMember,
    Election,
    Kind,
    NearRelative,
    Objection,
    Proxy,
    Recall,
    Round,
    Stage,
    Station,
    SupervisionMember,
    Voter,
)
from cunzhi.people.actors import UserRequest
from cunzhi.people.models import Villager
from cunzhi.people.rules import own_villager
from cunzhi.regions.models import Region

router = Router(tags=["elections"])
WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
PUBLIC_ID = Path(..., max_length=16)
T = TypeVar("T")


class ElectionOut(Schema):
    id: str = Field(alias="public_id")
    village_code: str = Field(alias="region_code")
    village: str
    title: str
    election_day: dt.date
    seats: int
    women_seat: bool
    multi_ethnic: bool
    proxy_limit: int
    stage: str
    list_published_on: dt.date | None
    list_final_on: dt.date | None
    runoff_needed: bool

    @staticmethod
    def resolve_village(obj: Election) -> str:
        return obj.village.name


class ElectionVoterOut(Schema):
    id: str = Field(alias="public_id")
    name: str
    group: str | None
    basis: str

    @staticmethod
    def resolve_name(obj: Voter) -> str:
        return obj.villager.name

    @staticmethod
    def resolve_group(obj: Voter) -> str | None:
        return obj.villager.group.name if obj.villager.group is not None else None


class ElectionObjectionOut(Schema):
    id: str = Field(alias="public_id")
    kind: str
    about: str
    text: str
    raised_on: dt.date
    decide_by: dt.date
    status: str
    decision_reason: str
    decided_on: dt.date | None
    late: bool

    @staticmethod
    def resolve_about(obj: Objection) -> str:
        return obj.villager.name


class ElectionObjectionIn(Schema):
    kind: str = Field(..., max_length=12, description="left_off or wrongly_on")
    villager: str = Field(..., max_length=16, description="The villager's id (people API).")
    text: str = Field(..., max_length=500)


class ElectionProxyOut(Schema):
    id: str = Field(alias="public_id")
    voter: str
    holder: str
    relation: str

    @staticmethod
    def resolve_voter(obj: Proxy) -> str:
        return obj.grantor.villager.name

    @staticmethod
    def resolve_holder(obj: Proxy) -> str:
        return obj.holder.villager.name


class ElectionNominationOut(Schema):
    voter: str
    name: str
    nominations: int


class ElectionCandidateOut(Schema):
    id: str = Field(alias="public_id")
    name: str
    sex: str
    nominations: int
    minority: bool
    in_runoff: bool

    @staticmethod
    def resolve_name(obj: Candidate) -> str:
        return obj.voter.villager.name

    @staticmethod
    def resolve_sex(obj: Candidate) -> str:
        return obj.voter.villager.sex


class ElectionStationOut(Schema):
    id: str = Field(alias="public_id")
    name: str
    mobile: bool
    staff: str
    ballots: int
    first_number: int
    accepted_rounds: list[int]

    @staticmethod
    def resolve_accepted_rounds(obj: Station) -> list[int]:
        return sorted(getattr(obj, "accepted_rounds", set()))


class ElectionCountIn(Schema):
    round: int = Field(1, ge=1, le=2)
    returned: int = Field(..., ge=0, le=100_000)
    unused: int = Field(..., ge=0, le=100_000)
    invalid: int = Field(..., ge=0, le=100_000)
    votes: dict[str, int] = Field(..., description="Candidate id → votes, for every candidate of the round.")


class ElectionCountOut(Schema):
    accepted: bool
    differences: list[str] = Field(description="Fields where another teller's latest entry differs.")


class ElectionResultRowOut(Schema):
    candidate: str
    name: str
    first_round: int | None
    runoff: int | None
    elected: bool


class ElectionResultOut(Schema):
    stage: str
    registered: int | None
    cast: int | None
    valid: bool | None
    runoff_needed: bool
    runoff_cast: int | None
    announcement: str
    rows: list[ElectionResultRowOut]


def _villager_of(village: Region, public_id: str) -> Villager:
    """A villager of the village named in a payload; 422 for anyone else (no hint whether they exist)."""
    villager = Villager.objects.filter(public_id=public_id, village=village).first()
    if villager is None:
        raise ApiError(422, _("Choose a villager of the village."), "invalid")
    return villager


def _election(request: UserRequest, public_id: str) -> Election:
    election = selectors.election_by_public_id(public_id=public_id)
    if election is None or not rules.can_see_village(request.user, election.region_code):
        raise Http404
    return election


def _write(do: Callable[[], T]) -> T:
    try:
        return do()
    except PermissionDenied:
        raise ApiError(403, _("This is for the village's cadres and its election committee."), "forbidden") from None
    except ValidationError as exc:
        raise ApiError(422, exc.messages[0], "invalid") from None


@router.get("/elections", response={200: list[ElectionOut], **LIST_ERRORS})
def election_list(request: UserRequest) -> list[Election]:
    """The elections the caller may see: their village's, and those in the regions they serve."""
    return selectors.elections_visible(user=request.user)


@router.get("/elections/{public_id}", response={200: ElectionOut, **OBJECT_ERRORS})
def election_detail(request: UserRequest, public_id: str = PUBLIC_ID) -> Election:
    return _election(request, public_id)


@router.get("/elections/{public_id}/voters", response={200: list[ElectionVoterOut], **LIST_ERRORS})
@paginate(Pages)
def election_voters(request: UserRequest, public_id: str = PUBLIC_ID) -> QuerySet[Voter]:
    """The voter list as published (art. 14): names, villager group and basis; no ID numbers."""
    return selectors.voters(election=_election(request, public_id))


@router.get("/elections/{public_id}/objections", response={200: list[ElectionObjectionOut], **LIST_ERRORS})
def election_objections(request: UserRequest, public_id: str = PUBLIC_ID) -> list[Objection]:
    return list(selectors.objections(election=_election(request, public_id)))


@router.post("/elections/{public_id}/objections", response={201: ElectionObjectionOut, **WRITE_ERRORS})
def election_object(request: UserRequest, payload: ElectionObjectionIn, public_id: str = PUBLIC_ID) -> Status:
    """Object to the published list, within 5 days of publication (art. 14)."""
    election = _election(request, public_id)
    villager = _villager_of(election.village, payload.villager)
    objection = _write(
        lambda: services.objection_raise(
            election=election, kind=payload.kind, villager=villager, text=payload.text, actor=request.user
        )
    )
    return Status(201, objection)


@router.get("/elections/{public_id}/proxies", response={200: list[ElectionProxyOut], **LIST_ERRORS})
def election_proxies(request: UserRequest, public_id: str = PUBLIC_ID) -> list[Proxy]:
    """The public list of proxies (art. 15)."""
    return list(selectors.proxies(election=_election(request, public_id)))


@router.get("/elections/{public_id}/nominations", response={200: list[ElectionNominationOut], **LIST_ERRORS})
def election_nominations(request: UserRequest, public_id: str = PUBLIC_ID) -> list[dict[str, object]]:
    """The count of nominations per person (海选), most first."""
    rows = selectors.nomination_counts(election=_election(request, public_id))
    return [{"voter": v.public_id, "name": v.villager.name, "nominations": v.n} for v in rows]  # type: ignore[attr-defined]


@router.get("/elections/{public_id}/candidates", response={200: list[ElectionCandidateOut], **LIST_ERRORS})
def election_candidates(request: UserRequest, public_id: str = PUBLIC_ID) -> list[Candidate]:
    return selectors.candidates(election=_election(request, public_id))


@router.get("/elections/{public_id}/stations", response={200: list[ElectionStationOut], **LIST_ERRORS})
def election_stations(request: UserRequest, public_id: str = PUBLIC_ID) -> list[Station]:
    """Polling stations and mobile boxes with their ballots (the cadres and the election committee)."""
    election = _election(request, public_id)
    if not rules.can_manage(request.user, election):
        raise ApiError(403, _("This is for the village's cadres and its election committee."), "forbidden")
    return selectors.stations(election=election)


@router.post("/elections/stations/{public_id}/counts", response={200: ElectionCountOut, **WRITE_ERRORS})
def election_count(request: UserRequest, payload: ElectionCountIn, public_id: str = PUBLIC_ID) -> dict[str, object]:
    """One teller's count of a station: accepted when another teller's latest entry agrees on every number."""
    station = selectors.station_by_public_id(public_id=public_id)
    if station is None or not rules.can_see_village(request.user, station.election.region_code):
        raise Http404
    outcome = _write(
        lambda: services.count_enter(
            station=station,
            round_=Round.RUNOFF if payload.round == 2 else Round.FIRST,
            returned=payload.returned,
            unused=payload.unused,
            invalid=payload.invalid,
            votes=payload.votes,
            actor=request.user,
        )
    )
    return {"accepted": outcome.accepted, "differences": outcome.differences}


@router.get("/elections/{public_id}/result", response={200: ElectionResultOut, **OBJECT_ERRORS})
def election_result(request: UserRequest, public_id: str = PUBLIC_ID) -> dict[str, object]:
    """The result of art. 15: turnout, votes per candidate in each round, who is elected, the announcement."""
    election = _election(request, public_id)
    result = election.result or {}
    first = result.get("first", {})
    runoff = result.get("runoff", {})
    return {
        "stage": election.stage,
        "registered": result.get("registered"),
        "cast": first.get("cast"),
        "valid": first.get("valid"),
        "runoff_needed": election.runoff_needed,
        "runoff_cast": runoff.get("cast"),
        "announcement": election.announcement,
        "rows": [
            {
                "candidate": r["candidate"].public_id,  # type: ignore[attr-defined]
                "name": str(r["candidate"]),
                "first_round": r["first"],
                "runoff": r["runoff"],
                "elected": r["elected"],
            }
            for r in selectors.result_rows(election=election)
        ],
    }


# -------------------------------- the county's live results, the term, the supervision committee


class ElectionLiveCandidateOut(Schema):
    id: str
    name: str
    votes: int


class ElectionLiveOut(Schema):
    election: str
    village: str
    village_code: str
    stage: str
    stations: int
    counted: int
    registered: int
    cast: int
    turnout_reached: bool
    leaders: list[ElectionLiveCandidateOut]


@router.get("/elections/live/{code}", response={200: list[ElectionLiveOut], **LIST_ERRORS})
def election_live(
    request: UserRequest, code: str = Path(..., max_length=12), day: dt.date | None = None
) -> list[dict[str, object]]:
    """Election day across the county (or the caller's township): each village's count so far, from the
    stations whose two tellers agree. County administrators; staff of a guiding township office."""
    prefixes = rules.live_prefixes(request.user, code)
    if not prefixes:
        raise Http404
    rows = selectors.county_live(prefixes=prefixes, day=day or timezone.localdate())
    return [{**r, "election": r["election"].public_id, "village_code": r["code"]} for r in rows]  # type: ignore[attr-defined]


class ElectionMemberOut(Schema):
    id: str
    name: str
    election: str
    ceased_on: dt.date | None
    ceased_reason: str


class ElectionRatingOut(Schema):
    member: str
    competent: int
    basically: int
    incompetent: int
    judged_incompetent: bool


class ElectionAppraisalOut(Schema):
    id: str
    held_on: dt.date
    body: str
    chaired_by: str
    ratings: list[ElectionRatingOut]


class ElectionAuditOut(Schema):
    id: str
    member: str
    kind: str
    auditor: str
    findings: str
    published_on: dt.date


class ElectionTermOut(Schema):
    election: str
    term_ends_on: dt.date
    seats: int
    vacant: int
    handover_due_on: dt.date | None
    handed_over_on: dt.date | None
    handover_overdue: bool
    appraisal_due_on: dt.date
    members: list[ElectionMemberOut]
    appraisals: list[ElectionAppraisalOut]
    audits: list[ElectionAuditOut]
    by_elections: list[str]


def _term_of(request: UserRequest, public_id: str) -> Election:
    term = _election(request, public_id)
    if term.kind != Kind.GENERAL or not term.stage_at_least(Stage.ANNOUNCED):
        raise Http404
    return term


def _term_out(term: Election) -> dict[str, object]:
    members = selectors.term_members(term=term)
    sitting = [m for m in members if m.ceased_on is None]
    return {
        "election": term.public_id,
        "term_ends_on": selectors.term_end(term),
        "seats": term.seats,
        "vacant": max(term.seats - len(sitting), 0),
        "handover_due_on": term.handover_due_on,
        "handed_over_on": term.handed_over_on,
        "handover_overdue": selectors.handover_overdue(term, timezone.localdate()),
        "appraisal_due_on": selectors.appraisal_due_on(term=term),
        "members": [
            {
                "id": m.public_id,
                "name": str(m),
                "election": m.election.public_id,
                "ceased_on": m.ceased_on,
                "ceased_reason": m.ceased_reason,
            }
            for m in members
        ],
        "appraisals": [
            {
                "id": a.public_id,
                "held_on": a.held_on,
                "body": a.body,
                "chaired_by": a.chaired_by.villager.name,
                "ratings": [
                    {
                        "member": r.member.public_id,
                        "competent": r.competent,
                        "basically": r.basically,
                        "incompetent": r.incompetent,
                        "judged_incompetent": r.judged_incompetent,
                    }
                    for r in a.ratings.all()
                ],
            }
            for a in selectors.appraisals(term=term)
        ],
        "audits": [
            {
                "id": a.public_id,
                "member": a.member.public_id,
                "kind": a.kind,
                "auditor": a.auditor,
                "findings": a.findings,
                "published_on": a.published_on,
            }
            for a in selectors.audits(term=term)
        ],
        "by_elections": list(term.by_elections.values_list("public_id", flat=True)),
    }


@router.get("/elections/{public_id}/term", response={200: ElectionTermOut, **OBJECT_ERRORS})
def election_term(request: UserRequest, public_id: str = PUBLIC_ID) -> dict[str, object]:
    """The elected committee's term: members (and who left, why), handover (art. 20), appraisals (art. 33),
    audits (art. 35), by-elections (art. 19)."""
    return _term_out(_term_of(request, public_id))


class ElectionHandoverIn(Schema):
    on: dt.date
    note: str = Field(..., max_length=500)


@router.post("/elections/{public_id}/handover", response={200: ElectionTermOut, **WRITE_ERRORS})
def election_handover(
    request: UserRequest, payload: ElectionHandoverIn, public_id: str = PUBLIC_ID
) -> dict[str, object]:
    term = _term_of(request, public_id)
    _write(lambda: services.handover_record(election=term, on=payload.on, note=payload.note, actor=request.user))
    term.refresh_from_db()
    return _term_out(term)


class ElectionRatingIn(Schema):
    competent: int = Field(..., ge=0, le=100_000)
    basically: int = Field(..., ge=0, le=100_000)
    incompetent: int = Field(..., ge=0, le=100_000)


class ElectionAppraisalIn(Schema):
    held_on: dt.date
    body: str = Field(..., max_length=16, description="villagers or representatives")
    chair: str = Field(..., max_length=16, description="The supervision committee member who chairs.")
    ratings: dict[str, ElectionRatingIn] = Field(..., description="Member id → the ballots.")


def _keep(request: UserRequest, code: str) -> None:
    if not rules.can_keep_term(request.user, code):
        raise ApiError(403, _("This is for the village's cadres and the township's guiding office."), "forbidden")


@router.post("/elections/{public_id}/appraisals", response={201: ElectionTermOut, **WRITE_ERRORS})
def election_appraisal(request: UserRequest, payload: ElectionAppraisalIn, public_id: str = PUBLIC_ID) -> Status:
    """A democratic appraisal (art. 33): a member judged incompetent twice in a row leaves office."""
    term = _term_of(request, public_id)
    _keep(request, term.region_code)
    chair = SupervisionMember.objects.filter(public_id=payload.chair, region_code=term.region_code).first()
    if chair is None:
        raise ApiError(422, _("Choose the chair."), "invalid")
    _write(
        lambda: services.appraisal_record(
            term=term,
            held_on=payload.held_on,
            body=payload.body,
            chair=chair,
            ratings={k: (r.competent, r.basically, r.incompetent) for k, r in payload.ratings.items()},
            actor=request.user,
        )
    )
    return Status(201, _term_out(term))


class ElectionAuditIn(Schema):
    member: str = Field(..., max_length=16)
    kind: str = Field(..., max_length=10, description="term or leaving")
    auditor: str = Field(..., max_length=200)
    findings: str = Field(..., max_length=5000)
    published_on: dt.date


@router.post("/elections/{public_id}/audits", response={201: ElectionTermOut, **WRITE_ERRORS})
def election_audit(request: UserRequest, payload: ElectionAuditIn, public_id: str = PUBLIC_ID) -> Status:
    """The economic audit of a member at the end of the term or on leaving office (art. 35)."""
    term = _term_of(request, public_id)
    _keep(request, term.region_code)
    member = next((c for c in selectors.term_members(term=term) if c.public_id == payload.member), None)
    if member is None:
        raise ApiError(422, _("Choose a member."), "invalid")
    _write(
        lambda: services.office_audit_record(
            term=term,
            member=member,
            kind=payload.kind,
            auditor=payload.auditor,
            findings=payload.findings,
            published_on=payload.published_on,
            actor=request.user,
        )
    )
    return Status(201, _term_out(term))


class ElectionByElectionIn(Schema):
    title: str = Field(..., max_length=100)
    election_day: dt.date
    seats: int = Field(..., ge=1, le=7)


@router.post("/elections/{public_id}/by-elections", response={201: ElectionOut, **WRITE_ERRORS})
def election_by_election(request: UserRequest, payload: ElectionByElectionIn, public_id: str = PUBLIC_ID) -> Status:
    """Set up a by-election for the term's vacant seats (art. 19): the same process, the term's end."""
    term = _term_of(request, public_id)
    made = _write(
        lambda: services.election_create(
            village=term.village,
            title=payload.title,
            election_day=payload.election_day,
            seats=payload.seats,
            term=term,
            actor=request.user,
        )
    )
    return Status(201, made)


class ElectionAwayIn(Schema):
    wishes: bool


@router.post("/elections/{public_id}/away", response={200: ElectionVoterOut, **WRITE_ERRORS})
def election_away(request: UserRequest, payload: ElectionAwayIn, public_id: str = PUBLIC_ID) -> Voter:
    """The caller, a voter living away, says whether they wish to vote (art. 13)."""
    election = _election(request, public_id)
    voter = selectors.away_voter_of(election=election, villager=own_villager(request.user))
    if voter is None:
        raise ApiError(403, _("This is for the voters of the village who live away."), "forbidden")
    return _write(lambda: services.away_answer(voter=voter, wishes=payload.wishes, via="web", actor=request.user))


class ElectionSupervisorOut(Schema):
    id: str = Field(alias="public_id")
    name: str
    is_chair: bool
    resolution: str
    since: dt.date

    @staticmethod
    def resolve_name(obj: SupervisionMember) -> str:
        return obj.villager.name


class ElectionSupervisorIn(Schema):
    villager: str = Field(..., max_length=16)
    resolution: str = Field(..., max_length=200)
    since: dt.date
    is_chair: bool = False


def _village(request: UserRequest, code: str) -> Region:
    village = selectors.village_by_code(code=code)
    if village is None or not rules.can_see_village(request.user, village.code):
        raise Http404
    return village


@router.get("/elections/supervision/{code}", response={200: list[ElectionSupervisorOut], **LIST_ERRORS})
def election_supervisors(request: UserRequest, code: str = Path(..., max_length=12)) -> list[SupervisionMember]:
    """The village affairs supervision committee (art. 32)."""
    return selectors.supervision_members(village_code=_village(request, code).code)


class ElectionSupervisionConflictOut(Schema):
    member: str
    name: str
    why: str


@router.get(
    "/elections/supervision/{code}/conflicts", response={200: list[ElectionSupervisionConflictOut], **LIST_ERRORS}
)
def election_supervision_conflicts(request: UserRequest, code: str = Path(..., max_length=12)) -> list[dict]:
    """Sitting supervision members whom art. 32 now excludes (a committee elected or a relative declared since)."""
    rows = selectors.supervision_conflicts(village_code=_village(request, code).code)
    return [{"member": m.public_id, "name": m.villager.name, "why": str(why)} for m, why in rows]


@router.post("/elections/supervision/{code}", response={201: ElectionSupervisorOut, **WRITE_ERRORS})
def election_supervisor_add(
    request: UserRequest, payload: ElectionSupervisorIn, code: str = Path(..., max_length=12)
) -> Status:
    """Record a member: refused for a villagers' committee member or a near relative of one (art. 32)."""
    village = _village(request, code)
    _keep(request, village.code)
    villager = _villager_of(village, payload.villager)
    member = _write(
        lambda: services.supervision_member_add(
            village=village,
            villager=villager,
            resolution=payload.resolution,
            since=payload.since,
            is_chair=payload.is_chair,
            actor=request.user,
        )
    )
    return Status(201, member)


class ElectionKinIn(Schema):
    villager: str = Field(..., max_length=16)
    relative: str = Field(..., max_length=16)
    relation: str = Field(..., max_length=30)
    evidence: str = Field(..., max_length=200)


class ElectionKinOut(Schema):
    id: str
    villager: str
    relative: str
    relation: str


@router.post("/elections/supervision/{code}/relatives", response={201: ElectionKinOut, **WRITE_ERRORS})
def election_kin(request: UserRequest, payload: ElectionKinIn, code: str = Path(..., max_length=12)) -> Status:
    """Declare two villagers near relatives (the kinship check of art. 32 and the proxy rule of art. 15)."""
    village = _village(request, code)
    _keep(request, village.code)
    found = {
        v.public_id: v
        for v in Villager.objects.filter(
            public_id__in=[payload.villager, payload.relative], region_code__under=village.code[:6]
        )
    }
    if payload.villager not in found or payload.relative not in found:
        raise ApiError(422, _("Choose two villagers."), "invalid")
    row = _write(
        lambda: services.near_relative_declare(
            villager=found[payload.villager],
            relative=found[payload.relative],
            relation=payload.relation,
            evidence=payload.evidence,
            actor=request.user,
        )
    )
    return Status(
        201,
        {
            "id": row.public_id,
            "villager": row.villager.public_id,
            "relative": row.relative.public_id,
            "relation": row.relation,
        },
    )


# -------------------------------- the election committee and the resolution that chose it (art. 12)


class ElectionCommitteeMemberOut(Schema):
    name: str
    is_chair: bool
    resolution: str
    motion: str = Field(description="The meetings app's motion (adopted resolution) that chose the member, if any.")
    meeting: str = Field(description="That motion's meeting (meetings API), if any.")
    left_on: dt.date | None

    @staticmethod
    def resolve_name(obj: CommitteeMember) -> str:
        return obj.villager.name

    @staticmethod
    def resolve_motion(obj: CommitteeMember) -> str:
        return obj.motion_ref

    @staticmethod
    def resolve_meeting(obj: CommitteeMember) -> str:
        return obj.meeting_ref


class ElectionCommitteeMemberIn(Schema):
    villager: str = Field(..., max_length=16)
    motion: str = Field("", max_length=16, description="An adopted motion of the village's meetings (meetings API).")
    resolution: str = Field(
        "", max_length=200, description="The resolution as text, for a meeting held off the platform."
    )
    is_chair: bool = False


@router.get("/elections/{public_id}/committee", response={200: list[ElectionCommitteeMemberOut], **LIST_ERRORS})
def election_committee(request: UserRequest, public_id: str = PUBLIC_ID) -> list[CommitteeMember]:
    """The election committee (村民选举委员会) and the meeting resolution that chose each member (art. 12)."""
    return list(_election(request, public_id).committee.select_related("villager"))


@router.post("/elections/{public_id}/committee", response={201: ElectionCommitteeMemberOut, **WRITE_ERRORS})
def election_committee_add(
    request: UserRequest, payload: ElectionCommitteeMemberIn, public_id: str = PUBLIC_ID
) -> Status:
    """Record a member chosen by a resolution: refused if the motion is not the village's or was not adopted."""
    election = _election(request, public_id)
    villager = _villager_of(election.village, payload.villager)
    member = _write(
        lambda: services.committee_member_add(
            election=election,
            villager=villager,
            resolution=payload.resolution,
            motion=payload.motion,
            is_chair=payload.is_chair,
            actor=request.user,
        )
    )
    return Status(201, member)


# -------------------------------- recall (art. 16)


class ElectionRecallOut(Schema):
    id: str = Field(alias="public_id")
    election: str
    member: str
    member_name: str
    basis: str
    signers: int
    eligible: int
    signer_names: list[str] = Field(description="Who signed, by name only (older proposals: empty).")
    reasons: str
    answer: str
    registered: int | None
    cast: int | None
    in_favour: int | None
    status: str
    proposed_on: dt.date

    @staticmethod
    def resolve_election(obj: Recall) -> str:
        return obj.election.public_id

    @staticmethod
    def resolve_member(obj: Recall) -> str:
        return obj.member.public_id

    @staticmethod
    def resolve_member_name(obj: Recall) -> str:
        return obj.member.voter.villager.name

    @staticmethod
    def resolve_signer_names(obj: Recall) -> list[str]:
        return [s.villager.name for s in obj.signer_rows.all()]

    @staticmethod
    def resolve_proposed_on(obj: Recall) -> dt.date:
        return timezone.localdate(obj.created_at)


class ElectionRecallIn(Schema):
    member: str = Field(..., max_length=16, description="The elected member's candidate id.")
    basis: str = Field(..., max_length=20, description="voters or representatives")
    signers: list[str] = Field(..., max_length=20_000, description="The signers' villager ids.")
    reasons: str = Field(..., max_length=2000)


class ElectionRecallAnswerIn(Schema):
    answer: str = Field(..., max_length=2000)


class ElectionRecallVoteIn(Schema):
    registered: int = Field(..., ge=1, le=100_000)
    cast: int = Field(..., ge=0, le=100_000)
    in_favour: int = Field(..., ge=0, le=100_000)


def _recall(request: UserRequest, public_id: str) -> Recall:
    recall = selectors.recall_by_public_id(public_id=public_id)
    if recall is None or not rules.can_see_village(request.user, recall.region_code):
        raise Http404
    return recall


def _recall_out(recall: Recall) -> Recall:
    return next(r for r in selectors.recalls(election=recall.election) if r.pk == recall.pk)


@router.get("/elections/recalls/{code}", response={200: list[ElectionRecallOut], **LIST_ERRORS})
def election_recalls(request: UserRequest, code: str = Path(..., max_length=12)) -> list[Recall]:
    """The village's recalls (all its elections), newest first: reasons, signers by name, answer, vote."""
    return selectors.recalls(village_code=_village(request, code).code)


@router.post("/elections/{public_id}/recalls", response={201: ElectionRecallOut, **WRITE_ERRORS})
def election_recall_propose(request: UserRequest, payload: ElectionRecallIn, public_id: str = PUBLIC_ID) -> Status:
    """Record a recall proposal with its reasons and signers: voters on the list (at least a fifth) or villager
    representatives (at least a third) (art. 16)."""
    election = _election(request, public_id)
    if not rules.can_manage(request.user, election):
        raise ApiError(403, _("This is for the village's cadres and its election committee."), "forbidden")
    member = election.candidates.filter(public_id=payload.member).first()
    if member is None:
        raise ApiError(422, _("Choose a member."), "invalid")
    # looked up in the village only: an id from elsewhere is "unknown", never a name from another village
    found = {v.public_id: v for v in Villager.objects.filter(public_id__in=payload.signers, village=election.village)}
    unknown = [p for p in payload.signers if p not in found]
    if unknown:
        raise ApiError(422, _("Unknown signers: %(ids)s.") % {"ids": ", ".join(unknown[:10])}, "invalid")
    recall = _write(
        lambda: services.recall_propose(
            election=election,
            member=member,
            basis=payload.basis,
            signers=[found[p] for p in payload.signers],
            reasons=payload.reasons,
            actor=request.user,
        )
    )
    return Status(201, _recall_out(recall))


@router.post("/elections/recalls/{public_id}/answer", response={200: ElectionRecallOut, **WRITE_ERRORS})
def election_recall_answer(request: UserRequest, payload: ElectionRecallAnswerIn, public_id: str = PUBLIC_ID) -> Recall:
    """The member's answer to the reasons, recorded before the vote (art. 16)."""
    recall = _recall(request, public_id)
    _write(lambda: services.recall_answer(recall=recall, answer=payload.answer, actor=request.user))
    return _recall_out(recall)


@router.post("/elections/recalls/{public_id}/vote", response={200: ElectionRecallOut, **WRITE_ERRORS})
def election_recall_vote(request: UserRequest, payload: ElectionRecallVoteIn, public_id: str = PUBLIC_ID) -> Recall:
    """The villagers' vote: recalled when more than half of the registered voters vote and more than half of
    those voting are in favour (art. 16); the member then leaves office."""
    recall = _recall(request, public_id)
    _write(
        lambda: services.recall_vote(
            recall=recall,
            registered=payload.registered,
            cast=payload.cast,
            in_favour=payload.in_favour,
            actor=request.user,
        )
    )
    return _recall_out(recall)


# -------------------------------- declared near relatives: the list and withdrawing one (arts. 15, 32)


class ElectionKinRowOut(Schema):
    id: str = Field(alias="public_id")
    villager: str
    villager_name: str
    relative: str
    relative_name: str
    relation: str
    evidence: str

    @staticmethod
    def resolve_villager(obj: NearRelative) -> str:
        return obj.villager.public_id

    @staticmethod
    def resolve_villager_name(obj: NearRelative) -> str:
        return obj.villager.name

    @staticmethod
    def resolve_relative(obj: NearRelative) -> str:
        return obj.relative.public_id

    @staticmethod
    def resolve_relative_name(obj: NearRelative) -> str:
        return obj.relative.name


class ElectionKinWithdrawIn(Schema):
    reason: str = Field(..., max_length=300)


@router.get("/elections/supervision/{code}/relatives", response={200: list[ElectionKinRowOut], **LIST_ERRORS})
def election_kin_list(request: UserRequest, code: str = Path(..., max_length=12)) -> list[NearRelative]:
    """The village's declared near relatives in force (the cadres and the guiding township office)."""
    village = _village(request, code)
    _keep(request, village.code)
    return list(selectors.declared_relatives(village_code=village.code))


@router.post(
    "/elections/supervision/{code}/relatives/{public_id}/withdraw", response={200: ElectionKinRowOut, **WRITE_ERRORS}
)
def election_kin_withdraw(
    request: UserRequest,
    payload: ElectionKinWithdrawIn,
    code: str = Path(..., max_length=12),
    public_id: str = PUBLIC_ID,
) -> NearRelative:
    """Withdraw a declaration found wrong, with the reason: kept on record, no longer used by the checks."""
    village = _village(request, code)
    _keep(request, village.code)
    row = (
        NearRelative.objects.select_related("villager", "relative")
        .filter(public_id=public_id, region_code=village.code)
        .first()
    )
    if row is None:
        raise Http404
    return _write(lambda: services.near_relative_withdraw(row=row, reason=payload.reason, actor=request.user))
