"""Reads for disclosure: published posts, work queues, calendars (overdue first), questions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from cunzhi.core.figures import as_rates, grouped
from cunzhi.disclosure import rules
from cunzhi.disclosure.models import (
    Approval,
    Category,
    DueItem,
    Frequency,
    Post,
    PostRead,
    PostStatus,
    Question,
    Schedule,
)
from cunzhi.ledger.models import Period
from cunzhi.people.actors import AnyUser
from cunzhi.people.rules import own_villager, prefixes, scope_q
from cunzhi.regions.models import Level, Region

POST_LIST_FIELDS = (
    "id",
    "public_id",
    "village__name",
    "region_code",
    "category",
    "title",
    "status",
    "published_at",
    "created_at",
    "period_start",
    "period_end",
    "reach",
    "question_count",
    "generated",
)


class CalendarStatus:
    DUE = "due"
    PUBLISHED = "published"
    OVERDUE = "overdue"


def villages_all() -> list[Region]:
    """Every village, for the public pickers (one query; a county has a few hundred)."""
    return list(Region.objects.filter(level=Level.VILLAGE).only("code", "name", "prefix", "level").order_by("code"))


def village_by_code(*, code: str) -> Region | None:
    if not code:
        return None
    return Region.objects.filter(code=code, level=Level.VILLAGE).first()


def home_village(*, user: AnyUser) -> Region | None:
    """The village a reader most likely wants: their own as a villager, else the one they work in."""
    villager = own_villager(user)
    if villager is not None:
        return villager.village
    return village_for_user(user=user)


def finance_posts_of(*, periods: Iterable[Period]) -> dict[int, Post]:
    """The finance disclosure of each ledger period that has one (a returned post no longer counts), one query."""
    posts = (
        Post.objects.filter(ledger_period__in=periods)
        .exclude(status=PostStatus.RETURNED)
        .only("public_id", "status", "ledger_period_id")
    )
    return {p.ledger_period_id: p for p in posts if p.ledger_period_id is not None}


def posts_published(
    *, village: Region | None = None, category: str = "", user: AnyUser | None = None
) -> QuerySet[Post]:
    """Published posts, newest first; optionally one village and one category."""
    qs = Post.objects.filter(status=PostStatus.PUBLISHED).select_related("village").only(*POST_LIST_FIELDS)
    if village is not None:
        qs = qs.filter(region_code=village.code)
    if category:
        qs = qs.filter(category=category)
    if user is not None and getattr(user, "is_authenticated", False):
        villager = own_villager(user)
        if villager is not None:
            qs = qs.annotate(was_read=Exists(PostRead.objects.filter(post=OuterRef("pk"), villager=villager)))
    return qs.order_by("-published_at", "-id")


def posts_in_work(*, user: AnyUser, status: str = "") -> QuerySet[Post]:
    """Drafts, posts in review and returned posts the user may see (authors, reviewers, oversight)."""
    qs = (
        Post.objects.filter(scope_q(user, rules.OVERSIGHT_ROLES))
        .exclude(status=PostStatus.PUBLISHED)
        .select_related("village", "author")
        .only(*POST_LIST_FIELDS, "author__name")
    )
    if status:
        qs = qs.filter(status=status)
    # What waits for this reader first: review for the committee, returned posts for authors.
    return qs.order_by(
        Case(
            When(status=PostStatus.IN_REVIEW, then=Value(0)),
            When(status=PostStatus.RETURNED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        "-updated_at",
    )


def post_readable(user: AnyUser, pk: int) -> bool:
    """Notices about a post are read by whoever may open the post (registered with notify)."""
    post = Post.objects.filter(pk=pk).first()
    return post is not None and rules.can_view_post(user, post)


def posts_readable(user: AnyUser) -> QuerySet[Post]:
    """Posts whose notices a staff member's list of notices shows: published ones of their regions and
    the ones they oversee."""
    return Post.objects.filter((Q(status=PostStatus.PUBLISHED) & scope_q(user)) | scope_q(user, rules.OVERSIGHT_ROLES))


def post_by_public_id(*, public_id: str) -> Post | None:
    return (
        Post.objects.select_related("village", "author", "published_by", "ledger_period")
        .filter(public_id=public_id)
        .first()
    )


def post_approvals(*, post: Post) -> list[Approval]:
    return list(post.approvals.all())


def post_questions(*, post: Post) -> list[Question]:
    return list(Question.objects.filter(post=post).order_by("created_at", "id"))


def calendar_items(
    *,
    user: AnyUser | None = None,
    village: Region | None = None,
    status: str = "",
    category: str = "",
    today: dt.date | None = None,
) -> QuerySet[DueItem]:
    """Due items with their status, overdue first, then by deadline.

    One village (public: anyone may see what their village owes and when), or every village in the
    reader's oversight scope.
    """
    today = today or timezone.localdate()
    qs = DueItem.objects.select_related("village", "post").only(
        "id",
        "region_code",
        "category",
        "frequency",
        "period_start",
        "period_end",
        "due_date",
        "published_at",
        "village__name",
        "village__code",
        "post__public_id",
        "post__title",
    )
    if village is not None:
        qs = qs.filter(region_code=village.code)
    else:
        qs = qs.filter(scope_q(user, rules.OVERSIGHT_ROLES))
    overdue_q = Q(post__isnull=True, due_date__lt=today)
    qs = qs.annotate(
        is_overdue=Case(When(overdue_q, then=Value(True)), default=Value(False), output_field=BooleanField())
    )
    if status == CalendarStatus.OVERDUE:
        qs = qs.filter(overdue_q)
    elif status == CalendarStatus.PUBLISHED:
        qs = qs.filter(post__isnull=False)
    elif status == CalendarStatus.DUE:
        qs = qs.filter(post__isnull=True, due_date__gte=today)
    if category:
        qs = qs.filter(category=category)
    # Overdue first (oldest deadline first), then open items by deadline, then what was published, newest first.
    return qs.order_by(
        Case(
            When(overdue_q, then=Value(0)),
            When(post__isnull=True, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        "due_date",
        "region_code",
        "category",
    )


def item_status(item: DueItem, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if item.post_id:
        return CalendarStatus.PUBLISHED
    return CalendarStatus.OVERDUE if item.due_date < today else CalendarStatus.DUE


def calendar_counts(
    *, user: AnyUser | None = None, village: Region | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """How many items are due, overdue and published, in one query."""
    today = today or timezone.localdate()
    qs = DueItem.objects.all()
    qs = qs.filter(region_code=village.code) if village is not None else qs.filter(scope_q(user, rules.OVERSIGHT_ROLES))
    return qs.aggregate(
        overdue=Count("id", filter=Q(post__isnull=True, due_date__lt=today)),
        due=Count("id", filter=Q(post__isnull=True, due_date__gte=today)),
        published=Count("id", filter=Q(post__isnull=False)),
    )


def open_due_items(*, village: Region, category: str = "") -> list[DueItem]:
    """Unpublished due items of a village: the periods a new post can cover."""
    qs = DueItem.objects.filter(region_code=village.code, post__isnull=True)
    if category:
        qs = qs.filter(category=category)
    return list(qs.order_by("due_date", "category"))


def schedules_of(*, village: Region) -> list[dict]:
    """The village's schedule per category, defaults filled in."""
    out = []
    for value, label in Category.choices:
        frequency, grace = schedule_of(village=village, category=value)
        out.append({"category": value, "label": label, "frequency": frequency, "grace_days": grace})
    return out


def village_for_user(*, user: AnyUser) -> Region | None:
    """The single village an author works in, when there is exactly one (forms preselect it)."""
    codes = [p for p in prefixes(user, rules.AUTHOR_ROLES) if len(p) == 12]
    if len(codes) == 1:
        return Region.objects.filter(code=codes[0]).first()
    return None


def post_about(about: Model) -> Post | None:
    """The post published about this object, if there is one."""
    return Post.objects.filter(about_type=about._meta.label_lower, about_id=about.pk).first()


def default_frequency(category: str) -> str:
    """domain.md: general affairs at least quarterly; finances monthly where transactions are many, else quarterly."""
    defaults: dict[str, str] = {
        Category.PARTY: Frequency.QUARTERLY,
        Category.VILLAGE: Frequency.QUARTERLY,
        Category.FINANCE: Frequency.QUARTERLY,
    }
    defaults.update(settings.DISCLOSURE_DEFAULT_FREQUENCY)
    return defaults[category]


def default_grace_days() -> int:
    return int(settings.DISCLOSURE_GRACE_DAYS)


def schedule_of(*, village: Region, category: str) -> tuple[str, int]:
    """(frequency, grace days) the village follows for a category."""
    row = Schedule.objects.filter(village=village, category=category).first()
    if row:
        return row.frequency, row.grace_days
    return default_frequency(category), default_grace_days()


# ---------------------------------------------------------------- figures (insights reads these; core/figures.py)


def figures_on_time(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Disclosures due in the period (deadline reached) published by their deadline, of all those due."""
    qs, on_time = figures_due_cases(prefix=prefix, start=start, end=end)
    return as_rates(grouped(qs, "region_code", length, n=Count("id", filter=on_time), d=Count("id")))


def figures_due_cases(*, prefix: str, start: dt.datetime, end: dt.datetime) -> tuple[QuerySet[DueItem], Q]:
    """The due items `figures_on_time` counts (its denominator) and the condition of its numerator: one
    definition for the figure and for insights' drill-through to its cases."""
    last = min(timezone.localtime(end).date(), timezone.localdate() + dt.timedelta(days=1))
    qs = DueItem.objects.filter(
        region_code__under=prefix, due_date__gte=timezone.localtime(start).date(), due_date__lt=last
    )
    return qs, Q(published_at__date__lte=F("due_date"))


def figures_late_or_stale(*, prefix: str, start: dt.datetime, end: dt.datetime) -> QuerySet[DueItem]:
    """Disclosures whose deadline passed in [start, end) and that were published after it (late) or not at
    all (stale: the schedule required a post for the period and there is none): insights' surface-use flag."""
    last = min(timezone.localtime(end).date(), timezone.localdate())  # a deadline of today has not passed
    return DueItem.objects.filter(
        region_code__under=prefix, due_date__gte=timezone.localtime(start).date(), due_date__lt=last
    ).filter(Q(published_at__isnull=True) | Q(published_at__date__gt=F("due_date")))


def due_items_readable(user: AnyUser) -> QuerySet[DueItem]:
    """Due items anyone may list: what a village owes and when is public (the calendar page)."""
    return DueItem.objects.all()
