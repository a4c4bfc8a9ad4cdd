"""Concerns in the API: list (scope or mine), one concern with answers and timeline, raise one, and every
step of the loop (acknowledge, answer, transfer, confirm, reopen, me too, merge), categories, the
three rates, and the public board.

Who sees what follows concerns.rules: lists show masked names only; a concern outside the caller's
reach answers 404. Photos are added on the pages (multipart); the API lists their addresses.
"""

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja import Status as HttpStatus
from ninja.pagination import paginate

from cunzhi.concerns.models import Category
from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS, ApiError
from cunzhi.core.apikit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Pages
from cunzhi.core.idnumbers import normalize_phone
from cunzhi.people import rules as people_rules
from cunzhi.people.actors import AnyUser, UserRequest
from cunzhi.people.models import User
from cunzhi.regions.models import Level as RegionLevel
from cunzhi.regions.models import Region

from . import rules, selectors, services
from .models import OPEN_STATUSES, Channel, Clock, Concern, Kind, Rating, Status

router = Router(tags=["concerns"])
ID = Path(..., max_length=16)


# --- schemas ---------------------------------------------------------------------------------------
class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    description: str
    clock: str
    level: str


class ConcernRowOut(Schema):
    id: str = Field(alias="public_id")
    number: str
    kind: str
    category: str
    category_name: str
    text: str
    status: str
    status_label: str
    village_code: str
    village_name: str
    public_name: str = Field(description="Masked name shown on public pages; empty when anonymous.")
    is_public: bool
    level: str
    escalation_level: str
    owner_name: str | None
    office_name: str | None
    dispatched_at: dt.datetime
    ack_due_at: dt.datetime
    answer_due_at: dt.datetime
    due_at: dt.datetime | None = Field(description="The pending deadline (acknowledge, then answer); null when none.")
    overdue: bool
    answered_at: dt.datetime | None
    answer: str = Field(description="The latest answer.")
    me_too_count: int
    rating: str

    @staticmethod
    def resolve_category(obj: Concern) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: Concern) -> str:
        return obj.category.label_text

    @staticmethod
    def resolve_status_label(obj: Concern) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_village_code(obj: Concern) -> str:
        return obj.region_code[:12]

    @staticmethod
    def resolve_village_name(obj: Concern) -> str:
        return obj.village.name

    @staticmethod
    def resolve_owner_name(obj: Concern) -> str | None:
        return obj.owner.name if obj.owner else None

    @staticmethod
    def resolve_office_name(obj: Concern) -> str | None:
        return obj.owner_office.name if obj.owner_office else None

    @staticmethod
    def resolve_overdue(obj: Concern) -> bool:
        return obj.due_at is not None and obj.due_at < timezone.now()

    @staticmethod
    def resolve_answer(obj: Concern) -> str:
        return obj.answer_text


class AnswerOut(Schema):
    author_name: str
    office_name: str
    text: str
    at: dt.datetime = Field(alias="created_at")
    photos: list[str]


class EventOut(Schema):
    at: dt.datetime
    action: str
    actor: str | None
    acting_for: str | None
    data: dict


class ConcernOut(ConcernRowOut):
    raised_by_name: str | None = Field(description="The villager or caller; only for those who see it whole.")
    channel: str
    clock: str
    place: str
    group_code: str | None
    lat: float | None
    lon: float | None
    photos: list[str]
    answers: list[AnswerOut]
    timeline: list[EventOut] | None = Field(description="Only for the villager, their helper and staff in scope.")
    merged_into: str | None
    rating_comment: str
    allowed: list[str] = Field(description="Actions the caller may take now.")


class ConcernIn(Schema):
    kind: Kind
    category: str = Field(..., max_length=40, description="A category code (GET /concern-categories).")
    text: str = Field(..., max_length=2000)
    villager: str | None = Field(None, max_length=16, description="Helpers: the villager acted for (public id).")
    village: str | None = Field(None, pattern=r"^\d{12}$", description="Staff recording one: the village code.")
    channel: Channel = Field(
        Channel.ONLINE,
        description="online for villagers and helpers; phone, window or paper when staff record one received.",
    )
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)
    group: str | None = Field(None, pattern=r"^\d{15}$")
    place: str = Field("", max_length=120)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    is_public: bool = True
    is_anonymous: bool = False
    urgent: bool = False


class AcknowledgeIn(Schema):
    clock: Clock | None = None
    note: str = Field("", max_length=300)


class AnswerIn(Schema):
    text: str = Field(..., max_length=2000)


class TransferIn(Schema):
    to_phone: str = Field(..., max_length=20, description="Mobile number of the new responsible person.")
    reason: str = Field(..., max_length=300)


class ConfirmIn(Schema):
    rating: Rating
    comment: str = Field("", max_length=300)


class ReopenIn(Schema):
    reason: str = Field(..., max_length=300)
    rating: Rating | None = None


class MergeIn(Schema):
    into: str = Field(..., max_length=16, description="Number of the concern to merge this one into.")


class RateRowOut(Schema):
    key: str
    name: str
    dispatched: int
    answered_in_time: int
    resolved: int
    rated: int
    satisfied: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None


class RatesOut(Schema):
    group: str
    start: dt.date
    end: dt.date
    total: RateRowOut
    rows: list[RateRowOut]


class ListFilters(Schema):
    view: str = Field(
        "",
        pattern=r"^(|scope|mine)$",
        description="scope: concerns in the caller's regions "
        "(staff and representatives); mine: raised by "
        "or for the caller. Default: scope when the "
        "caller holds a role, else mine.",
    )
    status: str | None = Field(None, max_length=20, description="open, closed, or one status.")
    village: str | None = Field(None, pattern=r"^\d{12}$")
    category: str | None = Field(None, max_length=40)
    due: str | None = Field(None, pattern=r"^(overdue|soon|escalated)$")
    owned: bool = Field(False, description="Only open concerns the caller is responsible for.")


# --- helpers ---------------------------------------------------------------------------------------
def _get(request: HttpRequest, public_id: str) -> Concern:
    concern = selectors.concern_by_public_id(public_id=public_id)
    if concern is None or not rules.can_view(request.user, concern):
        raise Http404
    return concern


def _allowed(user: AnyUser, c: Concern) -> list[str]:
    out: list[str] = []
    if rules.can_handle(user, c):
        out += (["acknowledge"] if c.status == Status.OPEN else []) + ["answer"]
    if rules.can_transfer(user, c):
        out.append("transfer")
    if rules.can_close_loop(user, c):
        out += ["confirm", "reopen"]
    if rules.can_me_too(user, c):
        out.append("me_too")
    if rules.can_merge(user, c):
        out.append("merge")
    return out


def _out(request: HttpRequest, c: Concern) -> "_Out":
    """A concern for this caller: whole, or the public view with the name masked."""
    user = request.user
    full = rules.can_view_full(user, c)
    answers = [
        {
            "author_name": a.author_name,
            "office_name": a.office_name,
            "text": a.text,
            "created_at": a.created_at,
            "photos": [reverse("concerns:photo", args=[p.public_id]) for p in a.photos.all()],
        }
        for a in c.answers.prefetch_related("photos")
    ]
    events = None
    if full:
        events = [
            {
                "at": e.created_at,
                "action": e.action,
                "actor": e.actor.name if e.actor else None,
                "acting_for": e.on_behalf_of.name if e.on_behalf_of else None,
                "data": {k: v for k, v in (e.after or {}).items() if k != "answer"},
            }
            for e in selectors.timeline(concern=c)
        ]
    return _Out(
        c,
        {
            "raised_by_name": (c.villager.name if c.villager else c.contact_name) if full else None,
            "channel": c.channel,
            "clock": c.clock,
            "place": c.place,
            "group_code": c.group.code if c.group else None,
            "lat": float(c.lat) if c.lat is not None else None,
            "lon": float(c.lon) if c.lon is not None else None,
            "photos": [reverse("concerns:photo", args=[p.public_id]) for p in selectors.concern_photos(concern=c)],
            "answers": answers,
            "timeline": events,
            "merged_into": c.merged_into.number if c.merged_into else None,
            "rating_comment": c.rating_comment,
            "allowed": _allowed(user, c),
        },
    )


class _Out:
    """The concern with the computed fields of ConcernOut laid over it (the row resolvers still apply)."""

    def __init__(self, concern: Concern, extra: dict[str, Any]) -> None:
        self._concern, self._extra = concern, extra

    def __getattr__(self, name: str) -> Any:
        extra = self.__dict__.get("_extra", {})
        if name in extra:
            return extra[name]
        return getattr(self.__dict__["_concern"], name)


# --- endpoints -------------------------------------------------------------------------------------
@router.get("/concern-categories", response={200: list[CategoryOut]}, auth=None)
def category_list(request: HttpRequest) -> list[Category]:
    """The categories a concern can be about (also the Open311 services)."""
    return list(selectors.categories_active())


class ConcernPageOut(Schema):
    items: list[ConcernRowOut]
    count: int
    page: int
    page_size: int


ROW_VALUES = (
    "public_id",
    "number",
    "kind",
    "category__code",
    "category__name",
    "category__name_en",
    "text",
    "status",
    "region_code",
    "village__name",
    "public_name",
    "is_public",
    "level",
    "escalation_level",
    "owner__name",
    "owner_office__name",
    "dispatched_at",
    "ack_due_at",
    "answer_due_at",
    "due_at",
    "answered_at",
    "answer_text",
    "me_too_count",
    "rating",
)


LIST_CACHE_SECONDS = 30


def _rows_json(qs: QuerySet[Concern], *, page: int, size: int) -> HttpResponse:
    """A list page serialised straight from `.values()`: the same fields as ConcernRowOut, without building
    model instances and schema objects per row (the list is the API's most read address)."""
    english = translation.get_language() == "en"
    labels = {k: str(v) for k, v in Status.choices}
    now = timezone.now()
    count = qs.count()
    items = []
    for r in qs.values(*ROW_VALUES)[(page - 1) * size : page * size]:
        items.append(
            {
                "id": r["public_id"],
                "number": r["number"],
                "kind": r["kind"],
                "category": r["category__code"],
                "category_name": (
                    r["category__name_en"] if english and r["category__name_en"] else r["category__name"]
                ),
                "text": r["text"],
                "status": r["status"],
                "status_label": labels.get(r["status"], r["status"]),
                "village_code": r["region_code"][:12],
                "village_name": r["village__name"],
                "public_name": r["public_name"],
                "is_public": r["is_public"],
                "level": r["level"],
                "escalation_level": r["escalation_level"],
                "owner_name": r["owner__name"],
                "office_name": r["owner_office__name"],
                "dispatched_at": r["dispatched_at"],
                "ack_due_at": r["ack_due_at"],
                "answer_due_at": r["answer_due_at"],
                "due_at": r["due_at"],
                "overdue": r["due_at"] is not None and r["due_at"] < now,
                "answered_at": r["answered_at"],
                "answer": r["answer_text"],
                "me_too_count": r["me_too_count"],
                "rating": r["rating"],
            }
        )
    body = json.dumps(
        {"items": items, "count": count, "page": page, "page_size": size}, cls=DjangoJSONEncoder, ensure_ascii=False
    )
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get("/concerns", response={200: ConcernPageOut, **LIST_ERRORS})
def concern_list(
    request: UserRequest,
    filters: ListFilters = Query(...),
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> HttpResponse:
    """Concerns in the caller's scope (or the caller's own), newest first; overdue and due-soon lists by `due`."""
    user = request.user
    can_list = rules.can_list(user)
    view = filters.view or ("scope" if can_list else "mine")
    if view == "mine":
        qs = selectors.concerns_mine(user=user)
        if filters.status == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif filters.status == "closed":
            qs = qs.exclude(status__in=OPEN_STATUSES)
        elif filters.status in Status.values:
            qs = qs.filter(status=filters.status)
    elif not can_list:
        qs = Concern.objects.none()
    else:
        # The staff list is the API's most read address: a page is kept until a concern in the caller's
        # area changes (services.board_touch stamps), or LIST_CACHE_SECONDS pass (the "overdue" flags age).
        # One cache read fetches the kept page with the stamps it was built under and the current stamps.
        stamp_keys = [f"concerns:board:{p[:12].ljust(12, '0')}" for p in people_rules.prefixes(user, rules.LIST_ROLES)]
        key = (
            "concerns:api:"
            + hashlib.sha256(
                f"{user.pk}:{translation.get_language()}:{sorted(request.GET.items())}".encode()
            ).hexdigest()
        )
        found = cache.get_many([key, *stamp_keys])
        stamps = [found.get(k) for k in stamp_keys]
        kept = found.get(key)
        if kept is not None and kept[0] == stamps:
            body = kept[1]
        else:
            qs = selectors.concerns_in_scope(
                user=user,
                status=filters.status or "",
                village=filters.village or "",
                category=filters.category or "",
                due=filters.due or "",
                owner=user if filters.owned else None,
            )
            body = _rows_json(qs, page=page, size=page_size).content
            cache.set(key, (stamps, body), LIST_CACHE_SECONDS)
        return HttpResponse(body, content_type="application/json; charset=utf-8")
    return _rows_json(qs, page=page, size=page_size)


@router.post("/concerns", response={201: ConcernOut, **OBJECT_ERRORS})
def concern_create(request: UserRequest, payload: ConcernIn) -> HttpStatus:
    """Raise a concern: for yourself, for a villager you help (`villager`), or as staff (`channel`, `village`)."""
    # Only an Open311 client files through that channel, and only a text from a phone through "sms".
    if payload.channel in (Channel.OPEN311, Channel.SMS):
        raise ApiError(422, _("Choose how the concern was received."), "invalid")
    # The codes and public id as received: the service resolves them (and says what names nothing).
    concern = services.concern_submit(
        actor=request.user,
        category=payload.category,
        kind=payload.kind,
        text=payload.text,
        villager=payload.villager or "",
        village=payload.village or "",
        group=payload.group or "",
        place=payload.place,
        lat=payload.lat,
        lon=payload.lon,
        is_public=payload.is_public,
        is_anonymous=payload.is_anonymous,
        urgent=payload.urgent,
        channel=payload.channel,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
    )
    return HttpStatus(201, _out(request, _reread(concern)))


@router.get("/concerns/rates", response={200: RatesOut, **LIST_ERRORS})
def concern_rates(
    request: UserRequest,
    group: str = Query("office", pattern=r"^(office|village|township)$"),
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, object]:
    """The three rates (response, resolution, satisfaction) per office, village or township for a period."""
    if not rules.can_see_rates(request.user):
        raise ApiError(403, _("The rates are for village, township and county staff."), "forbidden")
    end = end or timezone.localdate()
    start = start or end.replace(day=1)
    if end < start:
        raise ApiError(422, _("The end is before the start."), "invalid")
    rows = selectors.rates(prefixes=people_rules.prefixes(request.user), group=group, start=start, end=end)
    total = selectors.rates_total(rows)
    return {"group": group, "start": start, "end": end, "rows": rows, "total": {"key": "", "name": "", **total}}


@router.get("/concerns/board/{code}", response={200: list[ConcernRowOut], **OBJECT_ERRORS}, auth=None)
@paginate(Pages)
def concern_board(request: HttpRequest, code: str = Path(..., pattern=r"^\d{12}$")) -> QuerySet[Concern]:
    """The public board of a village or township (anyone): public concerns, names masked."""
    region = Region.objects.filter(code=code, level__in=[RegionLevel.VILLAGE, RegionLevel.TOWNSHIP]).first()
    if region is None:
        raise Http404
    return selectors.board(region=region).select_related("owner", "owner_office").defer(None)


@router.get("/concerns/{public_id}", response={200: ConcernOut, **OBJECT_ERRORS})
def concern_detail(request: UserRequest, public_id: str = ID) -> _Out:
    """One concern: public view for anyone logged in, whole with timeline for those involved and staff in scope."""
    concern = _get(request, public_id)
    services.concern_read_record(actor=request.user, concern=concern)
    return _out(request, concern)


def _reread(concern: Concern) -> Concern:
    """The concern as the action left it, with everything its answer shows."""
    fresh = selectors.concern_by_public_id(public_id=concern.public_id)
    if fresh is None:  # concerns are never deleted; merged ones stay readable
        raise Http404
    return fresh


def _then(request: HttpRequest, concern: Concern) -> _Out:
    return _out(request, _reread(concern))


@router.post("/concerns/{public_id}/acknowledge", response={200: ConcernOut, **OBJECT_ERRORS})
def concern_acknowledge(request: UserRequest, payload: AcknowledgeIn, public_id: str = ID) -> _Out:
    """The owner (or first handler, for an unowned concern) acknowledges; may set the answer time."""
    c = _get(request, public_id)
    services.concern_acknowledge(actor=request.user, concern=c, clock=payload.clock or "", note=payload.note)
    return _then(request, c)


@router.post("/concerns/{public_id}/answer", response={200: ConcernOut, **OBJECT_ERRORS})
def concern_answer(request: UserRequest, payload: AnswerIn, public_id: str = ID) -> _Out:
    """The person responsible answers; the villager is asked to confirm and rate."""
    c = _get(request, public_id)
    services.concern_answer(actor=request.user, concern=c, text=payload.text)
    return _then(request, c)


@router.post("/concerns/{public_id}/transfer", response={200: ConcernOut, **OBJECT_ERRORS})
def concern_transfer(request: UserRequest, payload: TransferIn, public_id: str = ID) -> _Out:
    """Hand it to another responsible person, with a reason, on record."""
    c = _get(request, public_id)
    to = User.objects.filter(phone=normalize_phone(payload.to_phone)).first()
    services.concern_transfer(actor=request.user, concern=c, to_user=to, reason=payload.reason)
    return _then(request, c)


@router.post("/concerns/{public_id}/confirm", response={200: ConcernOut, **OBJECT_ERRORS})
def concern_confirm(request: UserRequest, payload: ConfirmIn, public_id: str = ID) -> _Out:
    """The villager (or helper) confirms it resolved and rates the answer."""
    c = _get(request, public_id)
    services.concern_confirm(actor=request.user, concern=c, rating=payload.rating, comment=payload.comment)
    return _then(request, c)


@router.post("/concerns/{public_id}/reopen", response={200: ConcernOut, **OBJECT_ERRORS})
def concern_reopen(request: UserRequest, payload: ReopenIn, public_id: str = ID) -> _Out:
    """The villager (or helper) says it is not resolved: back to the person responsible."""
    c = _get(request, public_id)
    services.concern_reopen(actor=request.user, concern=c, reason=payload.reason, rating=payload.rating or "")
    return _then(request, c)


@router.post("/concerns/{public_id}/me-too", response={200: ConcernOut, **OBJECT_ERRORS})
def concern_me_too(request: UserRequest, public_id: str = ID) -> _Out:
    """A villager of the same village has the same concern."""
    c = _get(request, public_id)
    services.concern_me_too(actor=request.user, concern=c)
    return _then(request, c)


@router.post("/concerns/{public_id}/merge", response={200: ConcernOut, **OBJECT_ERRORS})
def concern_merge(request: UserRequest, payload: MergeIn, public_id: str = ID) -> _Out:
    """Staff merge this duplicate into another concern; everyone who followed it is told."""
    c = _get(request, public_id)
    target = Concern.objects.select_related("category", "villager").filter(number=payload.into.strip()).first()
    if target is None or not rules.can_view_full(request.user, target):
        raise ValidationError({"into": _("No concern with this number in the area you work for.")})
    services.concern_merge(actor=request.user, source=c, target=target)
    return _then(request, c)
