"""Disclosure API: published posts and village calendars for anyone; drafts, writing and review by role.

- GET lists and objects work without logging in for what is public (published posts, one village's
  calendar); a logged-in official also sees drafts and the calendars of every village in scope.
- A draft outside the caller's scope answers 404, like one that does not exist.
- Refusals are JSON {"detail", "code"}; a finance post published without approval answers 409
  with code "approval_required".
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from cunzhi.core.apikit.auth import PUBLIC
from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS, ApiError, ErrorOut, ValidationErrorOut
from cunzhi.core.apikit.pagination import Pages
from cunzhi.core.idnumbers import mask_name
from cunzhi.disclosure import rules, selectors, services
from cunzhi.disclosure.models import Category, DueItem, Post, PostStatus
from cunzhi.people.actors import UserRequest
from cunzhi.people.models import User

router = Router(tags=["disclosure"])

WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class TableIn(Schema):
    title: str = Field("", max_length=200)
    header: list[str] = Field(default_factory=list, max_length=50)
    rows: list[list[str]] = Field(default_factory=list, max_length=20000)


class PostIn(Schema):
    village: str = Field(..., description="12-digit area code of the village", pattern=r"^\d{12}$")
    category: Category
    title: str = Field(..., max_length=200)
    body: str = Field("", max_length=20000)
    tables: list[TableIn] = Field(default_factory=list, max_length=10)
    period_start: dt.date | None = None
    period_end: dt.date | None = None


class ReviewCommentIn(Schema):
    comment: str = Field("", max_length=2000)


class QuestionIn(Schema):
    text: str = Field(..., max_length=1000)


class MaskedOut(Schema):
    kind: str
    where: dict
    shown_as: str


class _PostFields(Schema):
    id: str = Field(alias="public_id")
    village_code: str = Field(alias="region_code")
    village_name: str
    category: str
    title: str
    status: str
    published_at: dt.datetime | None
    period_start: dt.date | None
    period_end: dt.date | None
    reach: int = Field(description="Distinct villagers who read the post.")
    question_count: int
    url: str = Field(description="The public page of the post (what the printed QR code encodes).")


class PostRowOut(_PostFields):
    @staticmethod
    def resolve_village_name(obj: Post) -> str:
        return obj.village.name

    @staticmethod
    def resolve_url(obj: Post) -> str:
        return services.post_absolute_url(obj)


class QuestionOut(Schema):
    id: str = Field(alias="public_id")
    asker: str = Field(description="Masked (张*) unless the caller oversees the village or asked it.")
    text: str
    created_at: dt.datetime
    answer: str
    answered_by: str = Field(alias="answered_by_name")
    answered_at: dt.datetime | None


class PostOut(_PostFields):
    body: str
    tables: list[dict]
    masked_items: list[MaskedOut] = Field(description="What the privacy guard masked; authors and officials only.")
    generated: bool
    source_url: str
    pdf_url: str
    questions: list[QuestionOut]


class CalendarItemOut(Schema):
    village_code: str = Field(alias="region_code")
    village_name: str
    category: str
    frequency: str
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    status: str = Field(description="due, overdue or published")
    post_id: str | None
    published_at: dt.datetime | None
    days_late: int = Field(
        description="Days between the deadline and publication (in China); 0 when published "
        "on time or not yet published."
    )

    @staticmethod
    def resolve_village_name(obj: DueItem) -> str:
        return obj.village.name

    @staticmethod
    def resolve_status(obj: DueItem) -> str:
        return selectors.item_status(obj)

    @staticmethod
    def resolve_post_id(obj: DueItem) -> str | None:
        return obj.post.public_id if obj.post else None


class PostFilters(Schema):
    village: str | None = Field(None, pattern=r"^\d{12}$")
    category: Category | None = None
    status: PostStatus | None = Field(None, description="Other than published: officials only, in their scope.")


class CalendarFilters(Schema):
    village: str | None = Field(
        None, pattern=r"^\d{12}$", description="One village (anyone); without it, every village in the caller's scope."
    )
    status: str | None = Field(None, pattern=r"^(due|overdue|published)$")
    category: Category | None = None


def _post_out(request: HttpRequest, post: Post) -> dict[str, Any]:
    """The full post as the caller may see it (askers masked, masked-number list for officials only)."""
    from django.urls import reverse

    user = request.user
    see_askers = rules.can_see_asker(user, post)
    questions = [
        {
            "public_id": q.public_id,
            "text": q.text,
            "created_at": q.created_at,
            "answer": q.answer,
            "answered_by_name": q.answered_by_name,
            "answered_at": q.answered_at,
            "asker": q.asker_name
            if (see_askers or q.asker_id == getattr(user, "pk", None))
            else mask_name(q.asker_name),
        }
        for q in selectors.post_questions(post=post)
    ]
    return {
        "public_id": post.public_id,
        "region_code": post.region_code,
        "village_name": post.village.name,
        "category": post.category,
        "title": post.title,
        "status": post.status,
        "published_at": post.published_at,
        "period_start": post.period_start,
        "period_end": post.period_end,
        "reach": post.reach,
        "question_count": post.question_count,
        "url": services.post_absolute_url(post),
        "body": post.body,
        "tables": post.tables,
        "masked_items": post.masked_items if rules.can_oversee(user, post.region_code) else [],
        "generated": post.generated,
        "source_url": post.source_url,
        "pdf_url": reverse("disclosure:post_pdf", args=[post.public_id]),
        "questions": questions,
    }


def _get_post(request: HttpRequest, public_id: str) -> Post:
    post = selectors.post_by_public_id(public_id=public_id)
    if post is None or not rules.can_view_post(request.user, post):
        raise Http404
    return post


@router.get("/disclosure/posts", auth=PUBLIC, response={200: list[PostRowOut], **LIST_ERRORS})
@paginate(Pages)
def post_list(request: HttpRequest, filters: PostFilters = Query(...)) -> QuerySet[Post] | list[Post]:
    """Published posts, newest first (anyone). With `status`, officials list drafts and reviews in their scope."""
    village = selectors.village_by_code(code=filters.village) if filters.village else None
    if filters.village and village is None:
        return []
    if filters.status and filters.status != PostStatus.PUBLISHED:
        qs = selectors.posts_in_work(user=request.user, status=filters.status)
        if village is not None:
            qs = qs.filter(region_code=village.code)
        if filters.category:
            qs = qs.filter(category=filters.category)
        return qs
    return selectors.posts_published(village=village, category=filters.category or "")


@router.get("/disclosure/posts/{public_id}", auth=PUBLIC, response={200: PostOut, **OBJECT_ERRORS})
def post_detail(request: HttpRequest, public_id: str = Path(..., max_length=16)) -> dict[str, Any]:
    """One post with its tables and public questions; a villager reading it counts toward its reach."""
    post = _get_post(request, public_id)
    if services.post_read_record(post=post, user=request.user):
        post.reach += 1
    return _post_out(request, post)


@router.post("/disclosure/posts", response={201: PostOut, **WRITE_ERRORS})
def post_create(request: UserRequest, payload: PostIn) -> Status:
    """Save a draft (authors of the village); the privacy guard masks ID and bank numbers first."""
    village = selectors.village_by_code(code=payload.village)
    if village is None or not rules.can_author(request.user, village.code):
        raise ApiError(403, _("Only the village's cadres write its disclosures."), "forbidden")
    post = services.post_create(
        village=village,
        category=payload.category,
        title=payload.title,
        body=payload.body,
        tables=[t.dict() for t in payload.tables],
        period_start=payload.period_start,
        period_end=payload.period_end,
        actor=request.user,
    )
    return Status(201, _post_out(request, post))


def _act(
    request: UserRequest, public_id: str, allowed: Callable[[User, Post], bool], do: Callable[[Post], object]
) -> dict[str, Any]:
    post = _get_post(request, public_id)
    if not allowed(request.user, post):
        raise ApiError(403, _("You may not do this with this disclosure."), "forbidden")
    try:
        do(post)
    except ValidationError as exc:
        code = "approval_required" if post.needs_approval and post.status != PostStatus.IN_REVIEW else "conflict"
        raise ApiError(409, exc.messages[0], code) from None
    fresh = selectors.post_by_public_id(public_id=public_id)  # as the action left it
    if fresh is None:
        raise Http404
    return _post_out(request, fresh)


@router.post("/disclosure/posts/{public_id}/publish", response={200: PostOut, **WRITE_ERRORS})
def post_publish(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, Any]:
    """Publish a party or village affairs draft. Finance posts answer 409 approval_required."""
    return _act(
        request,
        public_id,
        lambda u, p: rules.can_author(u, p.region_code),
        lambda p: services.post_publish(post=p, actor=request.user),
    )


@router.post("/disclosure/posts/{public_id}/submit", response={200: PostOut, **WRITE_ERRORS})
def post_submit(request: UserRequest, public_id: str = Path(..., max_length=16)) -> dict[str, Any]:
    """Send a finance draft to the supervision committee."""
    return _act(
        request,
        public_id,
        lambda u, p: rules.can_author(u, p.region_code),
        lambda p: services.post_submit(post=p, actor=request.user),
    )


@router.post("/disclosure/posts/{public_id}/approve", response={200: PostOut, **WRITE_ERRORS})
def post_approve(
    request: UserRequest, payload: ReviewCommentIn, public_id: str = Path(..., max_length=16)
) -> dict[str, Any]:
    """The supervision committee approves (recorded) and the post publishes."""
    return _act(
        request,
        public_id,
        lambda u, p: rules.can_review(u, p.region_code),
        lambda p: services.post_approve(post=p, actor=request.user, comment=payload.comment),
    )


@router.post("/disclosure/posts/{public_id}/return", response={200: PostOut, **WRITE_ERRORS})
def post_return(
    request: UserRequest, payload: ReviewCommentIn, public_id: str = Path(..., max_length=16)
) -> dict[str, Any]:
    """The supervision committee returns it with a comment (required)."""
    return _act(
        request,
        public_id,
        lambda u, p: rules.can_review(u, p.region_code),
        lambda p: services.post_return(post=p, actor=request.user, comment=payload.comment),
    )


@router.post("/disclosure/posts/{public_id}/questions", response={201: QuestionOut, **WRITE_ERRORS})
def question_ask(request: UserRequest, payload: QuestionIn, public_id: str = Path(..., max_length=16)) -> Status:
    """A villager of the village asks in public."""
    post = _get_post(request, public_id)
    if not rules.can_ask(request.user, post):
        raise ApiError(403, _("Villagers of this village can ask questions on its published disclosures."), "forbidden")
    q = services.question_ask(post=post, actor=request.user, text=payload.text)
    return Status(
        201,
        {
            "public_id": q.public_id,
            "asker": q.asker_name,
            "text": q.text,
            "created_at": q.created_at,
            "answer": "",
            "answered_by_name": "",
            "answered_at": None,
        },
    )


@router.get("/disclosure/calendar", auth=PUBLIC, response={200: list[CalendarItemOut], **LIST_ERRORS})
@paginate(Pages)
def calendar(request: HttpRequest, filters: CalendarFilters = Query(...)) -> QuerySet[DueItem] | list[DueItem]:
    """Due, overdue and published items, overdue first: one village for anyone, or the caller's whole scope."""
    village = selectors.village_by_code(code=filters.village) if filters.village else None
    if filters.village and village is None:
        return []
    if village is None and not rules.can_oversee_anywhere(request.user):
        raise ApiError(422, _("Give a village code, or log in as an official to see your whole area."), "invalid")
    return selectors.calendar_items(
        user=request.user, village=village, status=filters.status or "", category=filters.category or ""
    )
