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
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS, ApiError, ErrorOut, ValidationErrorOut
from cunzhi.core.apikit.pagination import Pages
from cunzhi.elections import rules, selectors, services
from cunzhi.elections.models import Candidate, Election, Objection, Proxy, Round, Station, Voter
from cunzhi.people.actors import UserRequest
from cunzhi.people.models import Villager

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
    villager = Villager.objects.filter(public_id=payload.villager, village=election.village).first()
    if villager is None:
        raise ApiError(422, _("Choose a villager of the village."), "invalid")
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
