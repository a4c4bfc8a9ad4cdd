"""Consultation endpoints: drafts, paragraphs, comments, stances, moderation, the response report,
figures, changes between versions, adoption and filings.

Who sees what follows consultations.rules, as on the pages:
- A draft outside the caller's reach answers 404, like one that does not exist.
- Comments addressed to the leaders only are listed for the leaders (owner, moderators), their
  author and the helper who wrote them. Authors' names are in full for the leaders and the
  author; other villagers see them masked (张*).
- Outcomes ("what became of it") appear once the response report is published; to the owner
  while writing it.
- Refusals are JSON {"detail", "code"}: 403 for an action the caller's role may not take on a
  draft they can see, 422 with a message for bad input (closed consultation, empty or too long
  comment, and so on). Nothing is stored when a request is refused.
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja import Status as Reply
from ninja.pagination import paginate

from cunzhi.consultations import rules, selectors, services, texts
from cunzhi.consultations.models import (
    Adoption,
    Comment,
    Draft,
    DraftKind,
    Paragraph,
    ResponseReport,
    Status,
    Visibility,
)
from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS, ApiError, ErrorOut, ValidationErrorOut
from cunzhi.core.apikit.pagination import Pages
from cunzhi.people.actors import AnyUser, UserRequest
from cunzhi.people.models import Office, Villager
from cunzhi.regions.models import Region

router = Router(tags=["consultations"])
WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _user(context: dict[str, Any]) -> AnyUser:
    return context["request"].user


def _reader(request: HttpRequest, draft: Draft) -> dict[str, Any]:
    """The caller's standing on one draft, computed once per request for the schema resolvers."""
    cached = getattr(request, "_consult_reader", None)
    if cached is None or cached["draft"] != draft.pk:
        comments = selectors.comment_reader(user=request.user, draft=draft)
        cached = {
            "draft": draft.pk,
            "comments": comments,  # selectors.comment_shown masks with it, as the pages do
            "leader": comments.leader,
            "own_ids": set(comments.own_ids),
            "manage": rules.can_manage(request.user, draft),
            "published": rules.is_answered(draft),
        }
        request._consult_reader = cached  # type: ignore[attr-defined]  # our own mark on the request
    return cached


def _draft(request: HttpRequest, public_id: str) -> Draft:
    draft = selectors.draft_by_public_id(public_id=public_id)
    if draft is None or not rules.can_view(request.user, draft):
        raise Http404
    return draft


def _local_day(when: dt.datetime, end: bool = False) -> dt.date:
    from django.utils import timezone

    return timezone.localtime(when - dt.timedelta(seconds=1) if end else when).date()


# --- Schemas --------------------------------------------------------------------------------


class DraftScopeOut(Schema):
    code: str
    name: str
    level: str


class DraftRowOut(Schema):
    id: str = Field(alias="public_id")
    title: str
    kind: str
    version: int
    status: str
    status_label: str
    scope: DraftScopeOut
    owner: str
    opens_on: dt.date
    closes_on: dt.date = Field(description="The last day comments are accepted (local time).")
    comment_count: int = 0

    @staticmethod
    def resolve_status_label(obj: Draft) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_owner(obj: Draft) -> str:
        return obj.owner_name

    @staticmethod
    def resolve_opens_on(obj: Draft) -> dt.date:
        return _local_day(obj.opens_at)

    @staticmethod
    def resolve_closes_on(obj: Draft) -> dt.date:
        return _local_day(obj.closes_at, end=True)


class DraftOut(DraftRowOut):
    summary: str
    previous_id: str | None
    paragraph_count: int
    can_comment: bool
    can_manage: bool

    @staticmethod
    def resolve_previous_id(obj: Draft) -> str | None:
        return obj.previous.public_id if obj.previous else None

    @staticmethod
    def resolve_paragraph_count(obj: Draft) -> int:
        return obj.paragraphs.count()

    @staticmethod
    def resolve_can_comment(obj: Draft, context: dict[str, Any]) -> bool:
        return rules.can_comment(_user(context), obj)

    @staticmethod
    def resolve_can_manage(obj: Draft, context: dict[str, Any]) -> bool:
        return rules.can_manage(_user(context), obj)

    @staticmethod
    def resolve_comment_count(obj: Draft) -> int:
        return obj.comments.filter(hidden_at__isnull=True).count()


class DraftIn(Schema):
    title: str = Field(..., max_length=200)
    kind: str = Field(
        DraftKind.VILLAGE_RULES, description="village_rules, village_charter, township_policy, county_policy or other."
    )
    scope: str = Field(..., pattern=r"^\d{12}$", description="Code of the village, township or county consulted.")
    owner_office: str | None = Field(
        None, max_length=16, description="Id of the owner office; leave out for a committee."
    )
    owner_committee: str = Field("", max_length=100)
    opens_on: dt.date
    closes_on: dt.date
    summary: str = Field("", max_length=5000)
    text: str | None = Field(None, max_length=500_000, description="The text; paragraphs separated by blank lines.")
    paragraphs: list[str] | None = Field(None, description="Or the paragraphs, in order.")


class ParagraphOut(Schema):
    number: int
    text: str
    comment_count: int
    support: int
    oppose: int


class CommentOut(Schema):
    id: str = Field(alias="public_id")
    paragraph: int | None
    parent_id: str | None
    author: str = Field(description="In full for the leaders and the author; masked (张*) for other villagers.")
    village: str
    written_for_by_helper: bool
    visibility: str
    body: str | None = Field(description="None when hidden (except for the leaders and the author).")
    hidden: bool
    hidden_reason: str
    outcome: str | None = Field(description="adopted, partly or not_adopted, once the report is published.")
    outcome_label: str | None
    outcome_reason: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_paragraph(obj: Comment) -> int | None:
        return obj.paragraph.number if obj.paragraph else None

    @staticmethod
    def resolve_parent_id(obj: Comment) -> str | None:
        return obj.parent.public_id if obj.parent else None

    @staticmethod
    def _shown(obj: Comment, context: dict[str, Any]) -> selectors.CommentShown:
        return selectors.comment_shown(obj, reader=context["request"]._consult_reader["comments"])

    @staticmethod
    def resolve_author(obj: Comment, context: dict[str, Any]) -> str:
        return CommentOut._shown(obj, context).author

    @staticmethod
    def resolve_village(obj: Comment) -> str:
        return obj.villager.village.name

    @staticmethod
    def resolve_written_for_by_helper(obj: Comment) -> bool:
        return obj.delegation_id is not None

    @staticmethod
    def resolve_body(obj: Comment, context: dict[str, Any]) -> str | None:
        return obj.body if CommentOut._shown(obj, context).show_body else None

    @staticmethod
    def resolve_hidden(obj: Comment) -> bool:
        return obj.is_hidden

    @staticmethod
    def _outcome_shown(obj: Comment, context: dict[str, Any]) -> bool:
        r = context["request"]._consult_reader
        return bool(obj.outcome) and (r["published"] or r["manage"])

    @staticmethod
    def resolve_outcome(obj: Comment, context: dict[str, Any]) -> str | None:
        return obj.outcome if CommentOut._outcome_shown(obj, context) else None

    @staticmethod
    def resolve_outcome_label(obj: Comment, context: dict[str, Any]) -> str | None:
        return str(obj.get_outcome_display()) if CommentOut._outcome_shown(obj, context) else None

    @staticmethod
    def resolve_outcome_reason(obj: Comment, context: dict[str, Any]) -> str | None:
        return obj.outcome_reason if CommentOut._outcome_shown(obj, context) else None


class DraftCommentIn(Schema):
    body: str = Field(..., max_length=100_000, description="Plain text; at most 2,000 characters are accepted.")
    paragraph: int | None = Field(None, ge=1, description="Paragraph number; leave out for the whole draft.")
    parent: str | None = Field(None, max_length=16, description="Id of the comment replied to.")
    visibility: str = Field(Visibility.PUBLIC, description="public or leaders (only the leaders read it).")
    for_villager: str | None = Field(None, max_length=16, description="Id of the villager a helper writes for.")


class StanceIn(Schema):
    stance: str = Field(..., description="support, oppose or withdraw.")
    for_villager: str | None = Field(None, max_length=16)


class StanceOut(Schema):
    paragraph: int
    stance: str | None


class HideIn(Schema):
    reason: str = Field(..., max_length=1000)


class OutcomeIn(Schema):
    outcome: str = Field(..., description="adopted, partly or not_adopted.")
    reason: str = Field("", max_length=5000)


class ReportIn(Schema):
    summary: str = Field(..., max_length=50_000)


class DraftFiguresOut(Schema):
    participants: int
    commenters: int
    comments: int
    hidden: int
    whole_draft_comments: int
    paragraphs: list[dict]
    away_commenters: int
    away_share: float | None = Field(description="Percent of commenters living away when they commented.")
    answered: int
    adopted: int
    partly: int
    not_adopted: int
    adoption_rate: float | None = Field(description="Percent adopted in whole or in part, of answered comments.")


class ReportOut(Schema):
    draft_id: str
    summary: str
    published: bool
    published_at: dt.datetime | None
    notified: int
    figures: DraftFiguresOut


class DiffRowOut(Schema):
    kind: str = Field(description="same, changed, added or removed.")
    old: int | None = Field(description="Paragraph number in the previous version.")
    new: int | None = Field(description="Paragraph number in this version.")
    parts: list[tuple[str, str]] = Field(description="[op, text] with op same, del or ins.")


class ChangesOut(Schema):
    draft_id: str
    previous_id: str
    version: int
    previous_version: int
    counts: dict
    rows: list[DiffRowOut]


class AdoptionIn(Schema):
    adopted_on: dt.date
    meeting_reference: str = Field(..., max_length=300)
    resolution_url: str = Field("", max_length=300)


class AdoptionOut(Schema):
    id: str = Field(alias="public_id")
    draft_id: str
    title: str
    village: str
    adopted_on: dt.date
    meeting_reference: str
    resolution_url: str
    filed_to: str
    filed_at: dt.datetime
    acknowledged_at: dt.datetime | None
    published: bool
    disclosure_post_id: str

    @staticmethod
    def resolve_draft_id(obj: Adoption) -> str:
        return obj.draft.public_id

    @staticmethod
    def resolve_title(obj: Adoption) -> str:
        return obj.draft.title

    @staticmethod
    def resolve_village(obj: Adoption) -> str:
        return obj.draft.scope.name

    @staticmethod
    def resolve_filed_to(obj: Adoption) -> str:
        return obj.filed_to.name

    @staticmethod
    def resolve_published(obj: Adoption) -> bool:
        return bool(obj.disclosure_post_id)


class DraftFilters(Schema):
    status: str | None = Field(None, description="draft, scheduled, open, closed, responded or adopted.")
    kind: str | None = None


class CommentFilters(Schema):
    paragraph: int | None = Field(None, ge=1, description="Only this paragraph's comments.")
    whole: bool = Field(False, description="Only comments on the whole draft.")
    mine: bool = Field(False, description="Only the caller's comments (and those written for villagers they help).")


# --- Drafts ---------------------------------------------------------------------------------


@router.get("/consultations/drafts", response={200: list[DraftRowOut], **LIST_ERRORS})
@paginate(Pages)
def draft_list(request: UserRequest, filters: DraftFilters = Query(...)) -> QuerySet[Draft]:
    """Drafts the caller may read (published, in scope) or manage, newest opening first."""
    status = filters.status if filters.status in Status.values else ""
    kind = filters.kind if filters.kind in DraftKind.values else ""
    if (filters.status and not status) or (filters.kind and not kind):
        return selectors.drafts_visible(user=request.user).none()
    return selectors.drafts_visible(user=request.user, status=status, kind=kind)


@router.post("/consultations/drafts", response={201: DraftOut, **WRITE_ERRORS})
def draft_create(request: UserRequest, payload: DraftIn) -> Reply:
    """Start a draft in preparation (cadres for their village, office staff for their office)."""
    if not rules.can_create(request.user):
        raise ApiError(403, _("Village cadres and office staff start consultations."))
    scope = Region.objects.filter(code=payload.scope).first()
    owner = Office.objects.filter(public_id=payload.owner_office).first() if payload.owner_office else None
    if scope is None or (payload.owner_office and owner is None):
        raise ApiError(422, _("Unknown area or office."), "invalid")
    paragraphs = payload.paragraphs if payload.paragraphs is not None else texts.paragraphs_split(payload.text or "")
    draft = services.draft_create(
        actor=request.user,
        title=payload.title,
        kind=payload.kind,
        scope=scope,
        owner_office=owner,
        owner_committee=payload.owner_committee,
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
        paragraphs=paragraphs,
        summary=payload.summary,
    )
    return Reply(201, selectors.draft_by_public_id(public_id=draft.public_id))


@router.get("/consultations/drafts/{public_id}", response={200: DraftOut, **OBJECT_ERRORS})
def draft_detail(request: UserRequest, public_id: str = Path(..., max_length=16)) -> Draft:
    """One draft: scope, owner, dates, status, what the caller may do."""
    return _draft(request, public_id)


def _owner_only(request: HttpRequest, public_id: str) -> Draft:
    draft = _draft(request, public_id)
    if not rules.can_manage(request.user, draft):
        raise ApiError(403, _("This is for the draft's owner."))
    return draft


@router.post("/consultations/drafts/{public_id}/publish", response={200: DraftOut, **WRITE_ERRORS})
def draft_publish(request: UserRequest, public_id: str = Path(..., max_length=16)) -> Draft | None:
    """Publish a draft in preparation; it opens (and everyone in scope is told) on its opening day."""
    draft = _owner_only(request, public_id)
    services.draft_publish(actor=request.user, draft=draft)
    return selectors.draft_by_public_id(public_id=public_id)


@router.post("/consultations/drafts/{public_id}/close", response={200: DraftOut, **WRITE_ERRORS})
def draft_close(request: UserRequest, public_id: str = Path(..., max_length=16)) -> Draft | None:
    """Close an open consultation now (the owner); then the response report is written."""
    draft = _owner_only(request, public_id)
    if not services.draft_close(draft=draft, actor=request.user):
        raise ApiError(422, _("Only an open consultation can be closed."), "invalid")
    return selectors.draft_by_public_id(public_id=public_id)


# --- Paragraphs, stances --------------------------------------------------------------------


@router.get("/consultations/drafts/{public_id}/paragraphs", response={200: list[ParagraphOut], **OBJECT_ERRORS})
def paragraph_list(request: UserRequest, public_id: str = Path(..., max_length=16)) -> list[Paragraph]:
    """The numbered paragraphs with the comments the caller can see and support/oppose counts (at most 300)."""
    draft = _draft(request, public_id)
    r = _reader(request, draft)
    return selectors.paragraphs_with_counts(draft=draft, leader=r["leader"], own_ids=r["own_ids"])


def _for_villager(request: HttpRequest, draft: Draft, public_id: str | None) -> Villager | None:
    if not public_id:
        return None
    for villager, _d in rules.commenters(request.user, draft):
        if villager.public_id == public_id:
            return villager
    if not Villager.objects.filter(public_id=public_id).exists():
        raise ApiError(422, _("Unknown villager."), "invalid")
    raise ApiError(422, _("You have no active delegation from this villager for consultations."), "invalid")


@router.post("/consultations/drafts/{public_id}/paragraphs/{number}/stance", response={200: StanceOut, **WRITE_ERRORS})
def stance_set(
    request: UserRequest, payload: StanceIn, public_id: str = Path(..., max_length=16), number: int = Path(..., ge=1)
) -> dict[str, object]:
    """Support or oppose a paragraph (again to change it; "withdraw" removes it)."""
    draft = _draft(request, public_id)
    paragraph = draft.paragraphs.filter(number=number).first()
    if paragraph is None:
        raise Http404
    result = services.stance_set(
        actor=request.user,
        draft=draft,
        paragraph=paragraph,
        stance=payload.stance,
        for_villager=_for_villager(request, draft, payload.for_villager),
    )
    return {"paragraph": number, "stance": result.stance if result else None}


# --- Comments -------------------------------------------------------------------------------


@router.get("/consultations/drafts/{public_id}/comments", response={200: list[CommentOut], **OBJECT_ERRORS})
@paginate(Pages)
def comment_list(
    request: UserRequest, public_id: str = Path(..., max_length=16), filters: CommentFilters = Query(...)
) -> QuerySet[Comment]:
    """Comments and replies the caller can read, oldest first (replies carry parent_id)."""
    draft = _draft(request, public_id)
    r = _reader(request, draft)
    qs = selectors._readable(draft.comments.all(), user=request.user, leader=r["leader"], own_ids=r["own_ids"])
    if filters.paragraph:
        qs = qs.filter(paragraph__number=filters.paragraph)
    elif filters.whole:
        qs = qs.filter(paragraph__isnull=True)
    if filters.mine:
        qs = qs.filter(villager_id__in=list(r["own_ids"]))
    return qs.select_related("villager__village", "paragraph", "parent").order_by("created_at", "id")


@router.post("/consultations/drafts/{public_id}/comments", response={201: CommentOut, **WRITE_ERRORS})
def comment_create(request: UserRequest, payload: DraftCommentIn, public_id: str = Path(..., max_length=16)) -> Reply:
    """Comment on the whole draft, a paragraph, or reply to a comment (for oneself or a villager one helps)."""
    draft = _draft(request, public_id)
    paragraph = parent = None
    if payload.paragraph is not None:
        paragraph = draft.paragraphs.filter(number=payload.paragraph).first()
        if paragraph is None:
            raise ApiError(422, _("This paragraph is not part of the draft."), "invalid")
    if payload.parent:
        parent = (
            Comment.objects.select_related("paragraph", "parent").filter(public_id=payload.parent, draft=draft).first()
        )
        r = _reader(request, draft)
        if parent is None or not rules.can_read_comment(request.user, parent, leader=r["leader"], own_ids=r["own_ids"]):
            raise ApiError(422, _("The comment you reply to is not available."), "invalid")
    comment = services.comment_add(
        actor=request.user,
        draft=draft,
        body=payload.body,
        paragraph=paragraph,
        parent=parent,
        visibility=payload.visibility,
        for_villager=_for_villager(request, draft, payload.for_villager),
    )
    _reader(request, draft)
    return Reply(201, Comment.objects.select_related("villager__village", "paragraph", "parent").get(pk=comment.pk))


def _comment(request: HttpRequest, public_id: str) -> Comment:
    comment = selectors.comment_by_public_id(public_id=public_id)
    if comment is None or not rules.can_view(request.user, comment.draft):
        raise Http404
    r = _reader(request, comment.draft)
    if not rules.can_read_comment(request.user, comment, leader=r["leader"], own_ids=r["own_ids"]):
        raise Http404
    return comment


@router.post("/consultations/comments/{public_id}/hide", response={200: CommentOut, **WRITE_ERRORS})
def comment_hide(request: UserRequest, payload: HideIn, public_id: str = Path(..., max_length=16)) -> Comment:
    """Hide a comment with a reason (moderators); the author is told why."""
    comment = _comment(request, public_id)
    if not rules.can_moderate(request.user, comment.draft):
        raise ApiError(403, _("Only the draft's owner and the leaders of the area may hide comments."))
    services.comment_hide(actor=request.user, comment=comment, reason=payload.reason)
    return Comment.objects.select_related("villager__village", "paragraph", "parent").get(pk=comment.pk)


@router.put("/consultations/comments/{public_id}/outcome", response={200: CommentOut, **WRITE_ERRORS})
def comment_outcome(request: UserRequest, payload: OutcomeIn, public_id: str = Path(..., max_length=16)) -> Comment:
    """The owner records what became of a comment (after the consultation closes, before the report is published)."""
    comment = _comment(request, public_id)
    if not rules.can_manage(request.user, comment.draft):
        raise ApiError(403, _("Only the draft's owner writes the response report."))
    services.comment_set_outcome(actor=request.user, comment=comment, outcome=payload.outcome, reason=payload.reason)
    return Comment.objects.select_related("villager__village", "paragraph", "parent").get(pk=comment.pk)


# --- Response report, figures, changes ------------------------------------------------------


def _report_out(draft: Draft, report: ResponseReport | None) -> dict[str, Any]:
    return {
        "draft_id": draft.public_id,
        "summary": report.summary if report else "",
        "published": bool(report and report.published_at),
        "published_at": report.published_at if report else None,
        "notified": report.notified if report else 0,
        "figures": selectors.figures(draft=draft),
    }


@router.get("/consultations/drafts/{public_id}/report", response={200: ReportOut, **OBJECT_ERRORS})
def report_detail(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, Any]:
    """The response report: published for every reader; the owner also sees it while writing."""
    draft = _draft(request, public_id)
    report = ResponseReport.objects.filter(draft=draft).first()
    if not (report and report.published_at) and not rules.can_manage(request.user, draft):
        raise Http404
    return _report_out(draft, report)


@router.put("/consultations/drafts/{public_id}/report", response={200: ReportOut, **WRITE_ERRORS})
def report_save(request: UserRequest, payload: ReportIn, public_id: str = Path(..., max_length=16)) -> dict[str, Any]:
    """Write the report's summary (the owner, after the consultation closes)."""
    draft = _owner_only(request, public_id)
    report = services.report_save(actor=request.user, draft=draft, summary=payload.summary)
    return _report_out(draft, report)


@router.post("/consultations/drafts/{public_id}/report/publish", response={200: ReportOut, **WRITE_ERRORS})
def report_publish(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, Any]:
    """Publish the report once every comment has an outcome; each commenter is told what became of theirs."""
    draft = _owner_only(request, public_id)
    report = services.report_publish(actor=request.user, draft=draft)
    return _report_out(draft, report)


@router.get("/consultations/drafts/{public_id}/figures", response={200: DraftFiguresOut, **OBJECT_ERRORS})
def draft_figures(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, Any]:
    """Participants, comments per paragraph, share of commenters living away, adoption rate."""
    return selectors.figures(draft=_draft(request, public_id))


@router.get("/consultations/drafts/{public_id}/changes", response={200: ChangesOut, **OBJECT_ERRORS})
def draft_changes(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, object]:
    """What changed from the previous version, paragraph by paragraph and word by word (404 for a first version)."""
    draft = _draft(request, public_id)
    if draft.previous is None:
        raise Http404
    rows = texts.paragraphs_diff(
        list(draft.previous.paragraphs.values_list("text", flat=True)),
        list(draft.paragraphs.values_list("text", flat=True)),
    )
    return {
        "draft_id": draft.public_id,
        "previous_id": draft.previous.public_id,
        "version": draft.version,
        "previous_version": draft.previous.version,
        "counts": texts.diff_counts(rows),
        "rows": rows,
    }


# --- Adoption and filings -------------------------------------------------------------------


@router.post("/consultations/drafts/{public_id}/adoption", response={201: AdoptionOut, **WRITE_ERRORS})
def adoption_create(request: UserRequest, payload: AdoptionIn, public_id: str = Path(..., max_length=16)) -> Reply:
    """Record a village rule's adoption by the villagers' meeting: published and filed to the township."""
    draft = _draft(request, public_id)
    if not rules.can_adopt(request.user, draft):
        raise ApiError(403, _("Only the owner of a village's draft records its adoption."))
    adoption = services.adoption_record(
        actor=request.user,
        draft=draft,
        adopted_on=payload.adopted_on,
        meeting_reference=payload.meeting_reference,
        resolution_url=payload.resolution_url,
    )
    return Reply(201, adoption)


@router.get("/consultations/filings", response={200: list[AdoptionOut], **LIST_ERRORS})
@paginate(Pages)
def filing_list(request: UserRequest) -> QuerySet[Adoption]:
    """Adopted village rules filed to the townships in the caller's scope (staff); not acknowledged first."""
    if not rules.can_see_filings(request.user):
        return Adoption.objects.none()
    return selectors.filings_visible(user=request.user)
