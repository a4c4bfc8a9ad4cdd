"""Organisations API: a region's organisations and an organisation's activities (public, as the pages), sign-up
(the villager or their helper), and for organisers: posting activities, the participants, check-in and hours.

Refusals are JSON {"detail", "code"}: 403 for a role the caller lacks, 409 for a state that forbids the action
(sign-up closed, hours already confirmed), 422 for bad input (no place left, hours out of range).
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from cunzhi.core.apikit.auth import PUBLIC
from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS, ApiError, ErrorOut, ValidationErrorOut
from cunzhi.core.apikit.pagination import Pages
from cunzhi.organisations import rules, selectors, services
from cunzhi.organisations.models import ActivityStatus

router = Router(tags=["organisations"])

WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}
CODE = Path(..., pattern=r"^\d{12}$")
PUBLIC_ID = Path(..., max_length=16)


class OrgOut(Schema):
    id: str = Field(alias="public_id")
    name: str
    kind: str
    region_code: str
    description: str
    leaders: list[str]

    @staticmethod
    def resolve_leaders(obj):
        return [m.villager.name for m in obj.memberships.all() if m.is_leader]


class OrgActivityOut(Schema):
    id: str = Field(alias="public_id")
    organisation: str
    title: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    places: int
    taken: int
    status: str

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.public_id


class OrgParticipantOut(Schema):
    id: int
    name: str
    via: str
    checked_in_at: dt.datetime | None
    hours: Decimal
    confirmed: bool

    @staticmethod
    def resolve_confirmed(obj):
        return obj.confirmed_at is not None


class OrgActivityIn(Schema):
    title: str = Field(..., max_length=100)
    place: str = Field(..., max_length=100)
    starts_at: dt.datetime
    ends_at: dt.datetime
    places: int = Field(..., ge=1, le=1000)
    description: str = Field("", max_length=2000)
    tell_members: bool = True


class OrgSignUpIn(Schema):
    villager: str | None = Field(None, max_length=16, description="A villager you help; omit for yourself.")


class OrgCheckInIn(Schema):
    participant: int | None = None
    code: str | None = Field(None, max_length=500, description="The scanned QR code (token or address).")


class OrgHoursIn(Schema):
    hours: dict[int, Decimal] = Field(..., description="Participant id → hours, for checked-in participants.")


def _write(do):
    try:
        return do()
    except PermissionDenied:
        raise ApiError(403, _("You may not do this for this organisation."), "forbidden") from None
    except ValidationError as exc:
        raise ApiError(422, exc.messages[0], "invalid") from None


def _org(public_id):
    org = selectors.organisation_by_public_id(public_id=public_id)
    if org is None:
        raise Http404
    return org


def _activity(public_id):
    act = selectors.activity_by_public_id(public_id=public_id)
    if act is None:
        raise Http404
    return act


@router.get("/organisations/regions/{code}", auth=PUBLIC, response={200: list[OrgOut], **LIST_ERRORS})
@paginate(Pages)
def region_organisations(request, code: str = CODE):
    """A village's organisations (and its township's), public."""
    place = selectors.region_by_code(code=code)
    if place is None:
        raise Http404
    return selectors.organisations_of(region=place).prefetch_related("memberships__villager")


@router.get("/organisations/{public_id}", auth=PUBLIC, response={200: OrgOut, **OBJECT_ERRORS})
def organisation(request, public_id: str = PUBLIC_ID):
    return _org(public_id)


@router.get("/organisations/{public_id}/activities", auth=PUBLIC, response={200: list[OrgActivityOut], **LIST_ERRORS})
@paginate(Pages)
def activities(request, public_id: str = PUBLIC_ID):
    return selectors.activities_of(organisation=_org(public_id)).select_related("organisation")


@router.post("/organisations/{public_id}/activities", response={201: OrgActivityOut, **WRITE_ERRORS})
def activity_create(request, payload: OrgActivityIn, public_id: str = PUBLIC_ID):
    """The organisation's leaders post an activity (its members are told; they may reply 1 to sign up)."""
    org = _org(public_id)
    act = _write(lambda: services.activity_create(organisation=org, actor=request.user, **payload.dict()))
    return Status(201, selectors.activity_by_public_id(public_id=act.public_id))


@router.get("/organisations/activities/{public_id}", auth=PUBLIC, response={200: OrgActivityOut, **OBJECT_ERRORS})
def activity(request, public_id: str = PUBLIC_ID):
    return _activity(public_id)


@router.post("/organisations/activities/{public_id}/signups", response={201: OrgParticipantOut, **WRITE_ERRORS})
def sign_up(request, payload: OrgSignUpIn, public_id: str = PUBLIC_ID):
    """Sign up yourself, or a villager who gave you an "organisations" delegation."""
    act = _activity(public_id)
    people = rules.sign_up_for(request.user, act)
    own = people[0] if people and people[0].user_id == request.user.pk else None
    villager = next((v for v in people if v.public_id == payload.villager), None) if payload.villager else own
    if villager is None:
        raise ApiError(
            403, _("Villagers of the organisation's area sign up, themselves or through their helper."), "forbidden"
        )
    if not rules.can_sign_up(act):
        raise ApiError(409, _("This activity no longer takes sign-ups."), "conflict")
    participant, _created = _write(lambda: services.sign_up(activity=act, villager=villager, actor=request.user))
    return Status(201, participant)


@router.get(
    "/organisations/activities/{public_id}/participants", response={200: list[OrgParticipantOut], **LIST_ERRORS}
)
@paginate(Pages)
def participants(request, public_id: str = PUBLIC_ID):
    """Who signed up, checked in and their hours: the organisers only."""
    act = _activity(public_id)
    if not rules.can_see_participants(request.user, act):
        raise ApiError(403, _("The list of participants is for the organisers."), "forbidden")
    return selectors.participants(activity=act)


@router.post("/organisations/activities/{public_id}/checkins", response={200: OrgParticipantOut, **WRITE_ERRORS})
def check_in(request, payload: OrgCheckInIn, public_id: str = PUBLIC_ID):
    """The organiser's desk checks a participant in, by id (found by name) or by their QR code."""
    from cunzhi.organisations import codes

    act = _activity(public_id)
    if not rules.can_manage(request.user, act.organisation):
        raise ApiError(403, _("The check-in desk is for the organisers."), "forbidden")
    if payload.code:
        participant, by_qr = codes.participant_from_code(activity=act, code=payload.code), True
    else:
        participant, by_qr = selectors.participant_by_id(activity=act, pk=payload.participant or 0), False
    if participant is None:
        raise ApiError(422, _("Nobody signed up for this activity matches."), "invalid")
    if not rules.can_check_in(act):
        raise ApiError(
            409, _("Check-in opens on the day of the activity and closes when hours are confirmed."), "conflict"
        )
    done, _created = _write(
        lambda: services.check_in(activity=act, participant=participant, actor=request.user, by_qr=by_qr)
    )
    return done


@router.post("/organisations/activities/{public_id}/hours", response={200: OrgActivityOut, **WRITE_ERRORS})
def hours(request, payload: OrgHoursIn, public_id: str = PUBLIC_ID):
    """The organiser confirms each checked-in participant's hours; the activity is then done."""
    act = _activity(public_id)
    if not rules.can_manage(request.user, act.organisation):
        raise ApiError(403, _("Hours are confirmed by the organisers."), "forbidden")
    if act.status != ActivityStatus.OPEN:
        raise ApiError(409, _("The hours of this activity are already confirmed."), "conflict")
    given = {pk: _write(lambda h=h: services.parse_hours(h)) for pk, h in payload.hours.items()}
    _write(lambda: services.hours_confirm(activity=act, hours=given, actor=request.user))
    return selectors.activity_by_public_id(public_id=public_id)


# ---------------------------------------------------------------- concerns handed to an organisation


class OrgHandoverOut(Schema):
    id: str = Field(alias="public_id")
    organisation: str
    concern: str
    number: str
    text: str
    status: str
    note: str
    answer_due_at: dt.datetime
    created_at: dt.datetime

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.public_id

    @staticmethod
    def resolve_concern(obj):
        return obj.concern.public_id

    @staticmethod
    def resolve_number(obj):
        return obj.concern.number

    @staticmethod
    def resolve_text(obj):
        return obj.concern.text

    @staticmethod
    def resolve_answer_due_at(obj):
        return obj.concern.answer_due_at


class OrgHandIn(Schema):
    concern: str = Field(..., max_length=16, description="The concern's id.")
    note: str = Field("", max_length=300)


class OrgHandoverTextIn(Schema):
    text: str = Field(..., max_length=2000)


def _handover(public_id):
    h = selectors.handover_by_public_id(public_id=public_id)
    if h is None:
        raise Http404
    return h


@router.post("/organisations/{public_id}/concerns", response={201: OrgHandoverOut, **WRITE_ERRORS})
def hand(request, payload: OrgHandIn, public_id: str = PUBLIC_ID):
    """Staff handling a public concern hand it to an organisation of its area (they stay responsible)."""
    from cunzhi.concerns import rules as concern_rules
    from cunzhi.concerns import selectors as concern_selectors

    org = _org(public_id)
    concern = concern_selectors.concern_by_public_id(public_id=payload.concern)
    if concern is None or not concern_rules.can_view(request.user, concern):
        raise Http404
    h = _write(lambda: services.concern_hand(concern=concern, organisation=org, note=payload.note, actor=request.user))
    return Status(201, selectors.handover_by_public_id(public_id=h.public_id))


@router.get("/organisations/{public_id}/concerns", response={200: list[OrgHandoverOut], **LIST_ERRORS})
@paginate(Pages)
def handovers(request, public_id: str = PUBLIC_ID):
    """Concerns handed to the organisation: its leaders."""
    org = _org(public_id)
    if not rules.can_manage(request.user, org):
        raise ApiError(403, _("This page is for the organisation's leaders."), "forbidden")
    return selectors.handovers_of(organisation=org)


@router.post("/organisations/handovers/{public_id}/work", response={200: OrgHandoverOut, **WRITE_ERRORS})
def handover_work(request, payload: OrgHandoverTextIn, public_id: str = PUBLIC_ID):
    """A leader records the organisation's work (on the concern's timeline; the villager is told)."""
    h = _handover(public_id)
    if not rules.can_work_on(request.user, h):
        raise ApiError(403, _("This page is for the organisation's leaders."), "forbidden")
    _write(lambda: services.handover_work(handover=h, text=payload.text, actor=request.user))
    return _handover(public_id)


@router.post("/organisations/handovers/{public_id}/answer", response={200: OrgHandoverOut, **WRITE_ERRORS})
def handover_answer(request, payload: OrgHandoverTextIn, public_id: str = PUBLIC_ID):
    """A leader answers under the organisation's name (409 when already answered)."""
    h = _handover(public_id)
    if not rules.can_work_on(request.user, h):
        raise ApiError(403, _("This page is for the organisation's leaders."), "forbidden")
    if h.status != "working":
        raise ApiError(409, _("The organisation has already answered this concern."), "conflict")
    _write(lambda: services.handover_answer(handover=h, text=payload.text, actor=request.user))
    return _handover(public_id)
