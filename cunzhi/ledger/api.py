"""Ledger API: entries, periods and verification are public (payees masked); recording, reversing and sign-off
by role; entries are never edited (PATCH/PUT/DELETE answer 409 "append_only").

Amounts are integer fen. An entry's `amount_fen` is negative only for a reversing entry.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from cunzhi.core.apikit.auth import PUBLIC
from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS, ApiError, ErrorOut, ValidationErrorOut
from cunzhi.core.apikit.pagination import Pages
from cunzhi.ledger import rules, selectors, services
from cunzhi.ledger.models import Direction, Entry, FinanceCategory, Period, PeriodKind
from cunzhi.people.actors import UserRequest
from cunzhi.people.models import Villager
from cunzhi.people.rules import own_villager
from cunzhi.regions.models import Region

router = Router(tags=["ledger"])
CODE = Path(..., pattern=r"^\d{12}$", description="12-digit area code of the village")
ID = Path(..., max_length=16)
WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class EntryIn(Schema):
    date: dt.date
    direction: Direction
    category: FinanceCategory
    amount_fen: int = Field(..., description="Integer fen, more than zero.", strict=True)
    counterparty: str = Field("", max_length=100)
    purpose: str = Field(..., max_length=300)
    payee_id: str | None = Field(None, max_length=16, description="Public id of a villager of this village.")


class ReverseIn(Schema):
    reason: str = Field(..., max_length=300)
    date: dt.date | None = Field(None, description="Default today; must lie in an open period.")


class PeriodIn(Schema):
    kind: PeriodKind
    start: dt.date
    comment: str = Field("", max_length=2000)


class EntryOut(Schema):
    id: str = Field(alias="public_id")
    village_code: str = Field(alias="region_code")
    seq: int
    date: dt.date
    direction: str
    category: str
    amount_fen: int
    counterparty: str = Field(
        alias="public_counterparty",
        description="A villager payee is masked (张*) except for officials of the village and the payee.",
    )
    purpose: str = Field(alias="public_purpose")
    payee_visible: bool
    reverses_seq: int | None
    voucher_count: int
    recorded_by: str = Field(alias="recorded_by_name")
    recorded_at: dt.datetime
    hash: str
    prev_hash: str

    @staticmethod
    def resolve_reverses_seq(obj: Entry) -> int | None:
        return obj.reverses.seq if obj.reverses else None


class PeriodOut(Schema):
    id: str = Field(alias="public_id")
    kind: str
    start: dt.date
    end: dt.date
    signed_by: str = Field(alias="signed_by_name")
    signed_at: dt.datetime
    comment: str
    head_seq: int
    head_hash: str
    income_fen: int
    expenditure_fen: int
    closing_balance_fen: int


class LedgerVerifyOut(Schema):
    village_code: str
    ok: bool
    entries_checked: int
    head_seq: int
    head_hash: str
    sign_offs_checked: int = Field(description="Signed-off heads in the county's witness log the chain matched.")
    witnessed_seq: int = Field(description="The last witnessed head: later entries are not signed off yet.")
    unsigned_entries: int = Field(description="Entries after the last witnessed head (not yet signed off).")
    printed_head_matches: bool | None = Field(
        description="With ?seq=&head= (from a notice's QR code): whether the chain passes through that head."
    )
    first_bad_seq: int | None
    first_bad_id: str | None
    problem: str | None = Field(
        description="changed, broken_link, missing, truncated, vouchers_changed, "
        "payee_changed, appended, head_unsealed, signoff_mismatch, "
        "signoff_altered, witness_altered, printed_mismatch"
    )
    message: str | None
    seconds: float


class EntryFilters(Schema):
    direction: Direction | None = None
    category: FinanceCategory | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def _village(code: str) -> Region:
    village = selectors.village_by_code(code=code)
    if village is None:
        raise Http404
    return village


def _entry(public_id: str) -> Entry:
    entry = selectors.entry_by_public_id(public_id=public_id)
    if entry is None:
        raise Http404
    return entry


def _one(request: HttpRequest, entry: Entry) -> Entry:
    entry = selectors.entries_of(village=entry.village).get(pk=entry.pk)
    selectors.entries_mask([entry], user=request.user)
    return entry


class MaskedPages(Pages):
    """Pages whose rows are masked for the caller after the page is cut (no query per row)."""

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Pages.Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        out = super().paginate_queryset(queryset, pagination, request, **params)
        out["items"] = selectors.entries_mask(out["items"], user=request.user)
        return out


@router.get("/ledger/villages/{code}/entries", auth=PUBLIC, response={200: list[EntryOut], **OBJECT_ERRORS})
@paginate(MaskedPages)
def entry_list(request: HttpRequest, code: str = CODE, filters: EntryFilters = Query(...)) -> QuerySet[Entry]:
    """A village's entries, newest first (anyone; payees masked)."""
    village = _village(code)
    return selectors.entries_of(
        village=village,
        direction=filters.direction or "",
        category=filters.category or "",
        start=filters.start,
        end=filters.end,
    )


@router.post("/ledger/villages/{code}/entries", response={201: EntryOut, **WRITE_ERRORS})
def entry_create(request: UserRequest, payload: EntryIn, code: str = CODE) -> Status:
    """Record an entry at the end of the chain (the village's cadres). Vouchers are added on the web form."""
    village = _village(code)
    if not rules.can_record(request.user, village.code):
        raise ApiError(403, _("Only the village's cadres keep the ledger."), "forbidden")
    payee = None
    if payload.payee_id:
        payee = Villager.objects.filter(public_id=payload.payee_id, region_code=village.code).first()
        if payee is None:
            raise ApiError(422, _("The payee must be a villager of this village."), "invalid")
    entry = services.entry_append(
        village=village,
        actor=request.user,
        date=payload.date,
        direction=payload.direction,
        category=payload.category,
        amount_fen=payload.amount_fen,
        counterparty=payload.counterparty,
        purpose=payload.purpose,
        payee=payee,
    )
    return Status(201, _one(request, entry))


@router.get("/ledger/entries/{public_id}", auth=PUBLIC, response={200: EntryOut, **OBJECT_ERRORS})
def entry_detail(request: HttpRequest, public_id: str = ID) -> Entry:
    return _one(request, _entry(public_id))


@router.api_operation(
    ["PATCH", "PUT", "DELETE"], "/ledger/entries/{public_id}", response={409: ErrorOut, 403: ErrorOut, **OBJECT_ERRORS}
)
def entry_change(request: UserRequest, public_id: str = ID) -> None:
    """Always refused: entries are append-only. Reverse the entry instead."""
    entry = _entry(public_id)
    if not rules.can_record(request.user, entry.region_code):
        raise ApiError(403, _("Only the village's cadres keep the ledger."), "forbidden")
    try:
        services.entry_edit(entry=entry, actor=request.user)
    except ValidationError as exc:  # entry_edit always refuses, with the wording for the user
        raise ApiError(409, exc.messages[0], "append_only") from None


@router.post("/ledger/entries/{public_id}/reverse", response={201: EntryOut, **WRITE_ERRORS})
def entry_reverse(request: UserRequest, payload: ReverseIn, public_id: str = ID) -> Status:
    """Correct an entry with a reversing entry (negated amount, dated in an open period)."""
    entry = _entry(public_id)
    if not rules.can_record(request.user, entry.region_code):
        raise ApiError(403, _("Only the village's cadres keep the ledger."), "forbidden")
    rev = services.entry_reverse(entry=entry, actor=request.user, reason=payload.reason, date=payload.date)
    return Status(201, _one(request, rev))


@router.get("/ledger/villages/{code}/periods", auth=PUBLIC, response={200: list[PeriodOut], **OBJECT_ERRORS})
@paginate(Pages)
def period_list(request: HttpRequest, code: str = CODE) -> QuerySet[Period]:
    """Signed-off periods with the chain head recorded at each sign-off (anyone)."""
    return selectors.periods_of(village=_village(code))


@router.post("/ledger/villages/{code}/periods", response={201: PeriodOut, **WRITE_ERRORS})
def period_close(request: UserRequest, payload: PeriodIn, code: str = CODE) -> Status:
    """The supervision committee signs off a month or quarter."""
    village = _village(code)
    try:
        period = services.period_close(
            village=village, kind=payload.kind, start=payload.start, actor=request.user, comment=payload.comment
        )
    except PermissionDenied:
        raise ApiError(403, _("Only the supervision committee signs periods off."), "forbidden") from None
    return Status(201, period)


@router.get("/ledger/villages/{code}/verify", auth=PUBLIC, response={200: LedgerVerifyOut, **OBJECT_ERRORS})
def verify(
    request: HttpRequest, code: str = CODE, seq: str | None = None, head: str | None = None
) -> dict[str, object]:
    """Recompute the chain and check it against the county's witnessed heads (and a printed head: `seq`
    and `head`); `ok` false names the first bad entry."""
    village = _village(code)
    printed = None
    if seq is not None or head is not None:
        try:
            printed = services.parse_printed_head(seq, head)
        except ValidationError as exc:
            raise ApiError(422, exc.messages[0], "invalid") from None
    result = services.chain_verify(village=village, printed=printed)
    p = result.problem
    matches = None  # no printed head given, or another problem was found before it was compared
    if printed and (p is None or p.kind == "printed_mismatch"):
        matches = p is None
    return {
        "village_code": village.code,
        "ok": result.ok,
        "entries_checked": result.count,
        "head_seq": result.head_seq,
        "head_hash": result.head_hash,
        "sign_offs_checked": result.periods_checked,
        "witnessed_seq": result.witnessed_seq,
        "unsigned_entries": result.unsigned,
        "printed_head_matches": matches,
        "first_bad_seq": p.seq if p else None,
        "first_bad_id": (p.public_id or None) if p else None,
        "problem": p.kind if p else None,
        "message": services.problem_text(p) if p else None,
        "seconds": round(result.seconds, 3),
    }


@router.get("/ledger/my-payments", response={200: list[EntryOut], **LIST_ERRORS})
@paginate(MaskedPages)
def my_payments(request: UserRequest) -> QuerySet[Entry]:
    """What the village ledger recorded to the caller (empty without a villager record)."""
    villager = own_villager(request.user)
    if villager is None:
        return Entry.objects.none()
    return selectors.entries_of(village=villager.village, payee=villager)
