"""Reads for consultations. Every list is filtered by the reader's scope and runs a fixed number of queries."""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from cunzhi.consultations import rules
from cunzhi.consultations.models import (
    PUBLIC_STATUSES,
    Adoption,
    Comment,
    Draft,
    Outcome,
    Paragraph,
    Stance,
    StanceKind,
    Status,
    Visibility,
)
from cunzhi.core.figures import as_counts, as_rates, grouped
from cunzhi.core.idnumbers import mask_name
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Office, Role, Villager
from cunzhi.people.rules import STAFF_ROLES, own_villager, prefixes, role_rows, scope_q
from cunzhi.regions.models import Level, Region


def _count(qs: QuerySet[Any], field: str) -> Coalesce:
    """A correlated COUNT subquery (one query for the whole page, no GROUP BY over joined rows)."""
    return Coalesce(
        Subquery(qs.values(field).annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0)
    )


def drafts_visible_q(user: AnyUser) -> Q:
    """Drafts a user may read: published ones whose scope holds them (or that they work in), and the ones they own."""
    scope_prefixes = set()
    own = own_villager(user)
    if own is not None:
        scope_prefixes.update(rules.ancestor_prefixes(own.region_code))
    for d in rules.delegated_villagers(user):
        scope_prefixes.update(rules.ancestor_prefixes(d.villager.region_code))
    q = Q(pk__in=[])
    staff = prefixes(user, STAFF_ROLES)
    for p in staff:
        scope_prefixes.update(a for a in rules.ancestor_prefixes(p) if len(a) <= len(p))
        q |= Q(region_code__under=p)  # drafts consulting a region inside theirs
    q = Q(status__in=PUBLIC_STATUSES) & (q | Q(scope_prefix__in=sorted(scope_prefixes)))
    # Their own drafts in preparation.
    managed = Q(pk__in=[])
    for role, prefix, office_id in role_rows(user):
        if role == Role.COUNTY_ADMIN:
            managed |= Q(region_code__under=prefix)
        elif role == Role.OFFICE_STAFF and office_id:
            managed |= Q(owner_office_id=office_id) | Q(owner_office__isnull=True, scope_prefix=prefix)
        elif role in rules.VILLAGE_OWNER_ROLES:
            managed |= Q(owner_office__isnull=True, scope_prefix=prefix)
    return q | managed


def drafts_visible(*, user: AnyUser, status: str = "", kind: str = "") -> QuerySet[Draft]:
    """Drafts the user may read, open ones first, with their comment counts (one query per page)."""
    qs = (
        Draft.objects.filter(drafts_visible_q(user))
        .select_related("scope", "owner_office")
        .annotate(comment_count=_count(Comment.objects.filter(draft=OuterRef("pk"), hidden_at__isnull=True), "draft"))
    )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-opens_at", "-id")


def drafts_open_brief(*, user: AnyUser, limit: int = 3) -> list[Draft]:
    """The open drafts the user may read, closing soonest first, with their comment counts: only what the
    home page's card shows. A join counted per draft builds far less SQL than drafts_visible's correlated
    subquery, and the drafts open in a reader's scope are a handful, so the GROUP BY stays small."""
    return list(
        Draft.objects.filter(drafts_visible_q(user), status=Status.OPEN)
        .only("public_id", "title", "closes_at")
        .annotate(comment_count=Count("comments", filter=Q(comments__hidden_at__isnull=True)))
        .order_by("closes_at")[:limit]
    )


def draft_readable(user: AnyUser, pk: int) -> bool:
    """Notices about a draft are read by whoever may open the draft (registered with notify). Notices
    about one person's comment (hidden, the report's answers) are not about the draft: theirs alone."""
    draft = Draft.objects.filter(pk=pk).first()
    return draft is not None and rules.can_view(user, draft)


def drafts_readable(user: AnyUser) -> QuerySet[Draft]:
    """Drafts whose notices a staff member's list of notices shows: the drafts they may read."""
    return Draft.objects.filter(drafts_visible_q(user))


def draft_by_public_id(*, public_id: str) -> Draft | None:
    return (
        Draft.objects.select_related("scope__parent", "owner_office", "previous", "created_by")
        .filter(public_id=public_id)
        .first()
    )


def paragraphs_with_counts(
    *, draft: Draft, user: AnyUser | None = None, leader: bool = False, own_ids: Iterable[int] = frozenset()
) -> list[Paragraph]:
    """The draft's paragraphs with the number of comments the reader can see, and support/oppose counts."""
    readable = Comment.objects.filter(paragraph=OuterRef("pk"), hidden_at__isnull=True)
    if not leader:
        readable = readable.filter(Q(visibility=Visibility.PUBLIC) | Q(villager_id__in=list(own_ids)))
    stances = Stance.objects.filter(paragraph=OuterRef("pk"))
    return list(
        draft.paragraphs.annotate(
            comment_count=_count(readable, "paragraph"),
            support=_count(stances.filter(stance=StanceKind.SUPPORT), "paragraph"),
            oppose=_count(stances.filter(stance=StanceKind.OPPOSE), "paragraph"),
        ).order_by("number")
    )


def _readable(qs: QuerySet[Comment], *, user: AnyUser, leader: bool, own_ids: Iterable[int]) -> QuerySet[Comment]:
    if leader:
        return qs
    q = Q(visibility=Visibility.PUBLIC) | Q(villager_id__in=list(own_ids))
    if getattr(user, "is_authenticated", False):
        q |= Q(written_by=user)
    return qs.filter(q)


def comments_thread(
    *,
    draft: Draft,
    user: AnyUser,
    leader: bool,
    own_ids: Iterable[int],
    paragraph: Paragraph | None = None,
    whole: bool = False,
) -> QuerySet[Comment]:
    """Top-level comments (a paragraph's, or on the whole draft) the reader can see, replies prefetched."""
    qs = draft.comments.filter(parent__isnull=True)
    if paragraph is not None:
        qs = qs.filter(paragraph=paragraph)
    elif whole:
        qs = qs.filter(paragraph__isnull=True)
    qs = _readable(qs, user=user, leader=leader, own_ids=own_ids)
    replies = _readable(Comment.objects.all(), user=user, leader=leader, own_ids=own_ids)
    return (
        qs.select_related("villager__village", "written_by", "paragraph")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=replies.select_related("villager__village", "written_by").order_by("created_at", "id"),
            )
        )
        .order_by("created_at", "id")
    )


def comments_for_report(*, draft: Draft, user: AnyUser, leader: bool, own_ids: Iterable[int]) -> QuerySet[Comment]:
    """Every visible comment with its outcome, in paragraph order (the published report)."""
    qs = _readable(draft.comments.filter(hidden_at__isnull=True), user=user, leader=leader, own_ids=own_ids)
    return qs.select_related("villager__village", "paragraph", "parent").order_by(
        "paragraph__number", "created_at", "id"
    )


def comments_to_answer(*, draft: Draft) -> QuerySet[Comment]:
    """The comments the owner answers in the report, unanswered first, then in paragraph order."""
    return (
        draft.comments.filter(hidden_at__isnull=True)
        .select_related("villager__village", "paragraph", "parent")
        .order_by("parent_id", "paragraph__number", "created_at", "id")
    )


def comment_by_public_id(*, public_id: str) -> Comment | None:
    return (
        Comment.objects.select_related("draft__scope__parent", "draft__owner_office", "villager", "paragraph", "parent")
        .filter(public_id=public_id)
        .first()
    )


def comments_mine(*, user: AnyUser) -> QuerySet[Comment]:
    """Comments the user made or wrote for a villager they help, newest first, with drafts and reports."""
    ids = rules.own_villager_ids(user)
    return (
        Comment.objects.filter(Q(villager_id__in=list(ids)) | Q(written_by=user))
        .select_related("draft__scope", "paragraph", "villager")
        .order_by("-created_at", "-id")
    )


def figures(*, draft: Draft) -> dict:
    """Participants, comments (per paragraph), share of commenters living away, adoption rate. Fixed queries."""
    comments = Comment.objects.filter(draft=draft)
    visible = comments.filter(hidden_at__isnull=True)
    commenters = dict(
        comments.values_list("villager_id")
        .annotate(away=Count("pk", filter=Q(author_away=True)))
        .values_list("villager_id", "away")
    )
    stance_people = set(Stance.objects.filter(draft=draft).values_list("villager_id", flat=True))
    per_paragraph: dict[int | None, Mapping[str, Any]] = {
        row["paragraph_id"]: row
        for row in visible.values("paragraph_id").annotate(
            n=Count("pk"), top=Count("pk", filter=Q(parent__isnull=True))
        )
    }
    stance_rows: dict[int | None, Mapping[str, Any]] = {
        row["paragraph_id"]: row
        for row in Stance.objects.filter(draft=draft)
        .values("paragraph_id")
        .annotate(
            support=Count("pk", filter=Q(stance=StanceKind.SUPPORT)),
            oppose=Count("pk", filter=Q(stance=StanceKind.OPPOSE)),
        )
    }
    outcomes = dict(visible.exclude(outcome="").values_list("outcome").annotate(n=Count("pk")))
    rows = []
    for p in draft.paragraphs.all().only("id", "number", "text"):
        c, s = per_paragraph.get(p.id, {}), stance_rows.get(p.id, {})
        rows.append(
            {
                "number": p.number,
                "excerpt": p.text[:40],
                "comments": c.get("n", 0),
                "support": s.get("support", 0),
                "oppose": s.get("oppose", 0),
            }
        )
    whole = per_paragraph.get(None, {}).get("n", 0)
    away = sum(1 for n in commenters.values() if n)
    answered = sum(outcomes.values())
    adopted, partly = outcomes.get(Outcome.ADOPTED, 0), outcomes.get(Outcome.PARTLY, 0)
    top = max((r["comments"] for r in rows), default=0)
    for r in rows:
        r["bar"] = round(100 * r["comments"] / top) if top else 0
    return {
        "participants": len(set(commenters) | stance_people),
        "commenters": len(commenters),
        "comments": sum(row["n"] for row in per_paragraph.values()),
        "hidden": comments.filter(hidden_at__isnull=False).count(),
        "whole_draft_comments": whole,
        "paragraphs": rows,
        "away_commenters": away,
        "away_share": round(100 * away / len(commenters), 1) if commenters else None,
        "answered": answered,
        "adopted": adopted,
        "partly": partly,
        "not_adopted": outcomes.get(Outcome.NOT_ADOPTED, 0),
        # Adopted in whole or in part, over the comments that got an answer.
        "adoption_rate": round(100 * (adopted + partly) / answered, 1) if answered else None,
    }


def filings_visible(*, user: AnyUser) -> QuerySet[Adoption]:
    """Adopted village rules filed to townships in the reader's scope (township staff see their villages')."""
    return (
        Adoption.objects.filter(scope_q(user, STAFF_ROLES, field="region_code"))
        .select_related("draft__scope", "filed_to", "recorded_by", "acknowledged_by")
        .order_by("acknowledged_at", "-filed_at", "-id")
    )


def version_chain(*, draft: Draft) -> list[Draft]:
    """Earlier versions of the draft (oldest first), following `previous` (a handful of rows)."""
    chain, node, seen = [], draft.previous, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append(node)
        node = node.previous
    return chain[::-1]


def status_counts(*, user: AnyUser) -> dict:
    return dict(Draft.objects.filter(drafts_visible_q(user)).values_list("status").annotate(n=Count("pk")))


def creatable_scopes(*, user: AnyUser) -> list[Region]:
    """Regions the user may consult: a cadre's village; an office's region and the regions just below it."""
    q = Q(pk__in=[])
    for role, prefix, _office in rules.creatable_prefixes(user):
        q |= Q(prefix=prefix)
        if role == Role.OFFICE_STAFF:
            q |= Q(parent__prefix=prefix)
        elif role == Role.COUNTY_ADMIN:
            q |= Q(parent__prefix=prefix) | Q(parent__parent__prefix=prefix)
    return list(Region.objects.filter(q).exclude(level=Level.GROUP).order_by("code"))


def creatable_owners(*, user: AnyUser) -> list[Office]:
    """Offices the user may start a draft for: their own; for a county administrator, those of the county."""
    q = Q(pk__in=[])
    for role, prefix, office_id in rules.creatable_prefixes(user):
        if role == Role.OFFICE_STAFF:
            q |= Q(pk=office_id)
        elif role == Role.COUNTY_ADMIN:
            q |= Q(region_code__under=prefix)
    return list(Office.objects.filter(q).order_by("region_code", "name"))


# ---------------------------------------------------------------- comments as one reader sees them


@dataclass(frozen=True)
class CommentReader:
    """Who reads the comments of one draft (computed once per request): pages and the API mask alike."""

    user_pk: int | None
    leader: bool
    own_ids: frozenset[int]


@dataclass(frozen=True)
class CommentShown:
    mine: bool  # written by or for the reader
    author: str  # in full for the leaders and the author; masked (张*) for other villagers
    helper_name: str  # the helper who wrote it for the villager, to the same readers; else ""
    show_body: bool  # a hidden comment's text: only the leaders and the author


def comment_reader(*, user: AnyUser, draft: Draft) -> CommentReader:
    return CommentReader(
        user_pk=user.pk if getattr(user, "is_authenticated", False) else None,
        leader=rules.is_leader(user, draft),
        own_ids=frozenset(rules.own_villager_ids(user)),
    )


def comment_shown(comment: Comment, *, reader: CommentReader) -> CommentShown:
    """The one place that decides what of a comment a reader sees (names masked, hidden text withheld)."""
    mine = comment.villager_id in reader.own_ids or (
        reader.user_pk is not None and comment.written_by_id == reader.user_pk
    )
    full = reader.leader or mine
    by_helper = comment.delegation_id is not None
    return CommentShown(
        mine=mine,
        author=comment.villager.name if full else mask_name(comment.villager.name),
        helper_name=comment.written_by.name if (by_helper and full and comment.written_by is not None) else "",
        show_body=not comment.is_hidden or full,
    )


# ---------------------------------------------------------------- figures (insights reads these; core/figures.py)


def figures_participants(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Villagers who commented on a draft in the period, each counted once in their own village."""
    qs = _comments_in(prefix, start, end)
    return as_counts(grouped(qs, "region_code", length, n=Count("villager", distinct=True)))


def _comments_in(prefix: str, start: dt.datetime, end: dt.datetime) -> QuerySet[Comment]:
    return Comment.objects.filter(region_code__under=prefix, created_at__gte=start, created_at__lt=end)


def figures_participants_events(
    *, prefix: str, start: dt.datetime, end: dt.datetime, period_end: dt.datetime
) -> QuerySet[Comment]:
    """The comments `figures_participants` counts a villager for, as rows of (who, code, at)."""
    return _comments_in(prefix, start, end).annotate(who=F("villager_id"), code=F("region_code"), at=F("created_at"))


def figures_participants_cases(*, prefix: str, start: dt.datetime, end: dt.datetime) -> QuerySet[Villager]:
    """The villagers `figures_participants` counts (who commented in the period): one definition for the
    figure and insights' drill-through, which lists them only to those who may see the roster."""
    return Villager.objects.filter(pk__in=_comments_in(prefix, start, end).values("villager"))


def figures_adoption(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """Comments adopted in full or in part, of the comments answered in the period's response reports."""
    qs, adopted = figures_adoption_cases(prefix=prefix, start=start, end=end)
    return as_rates(grouped(qs, "region_code", length, n=Count("id", filter=adopted), d=Count("id")))


def figures_adoption_cases(*, prefix: str, start: dt.datetime, end: dt.datetime) -> tuple[QuerySet[Comment], Q]:
    """The comments `figures_adoption` counts and the condition of being adopted: one definition for the
    figure and for insights' drill-through to its cases."""
    qs = Comment.objects.filter(region_code__under=prefix, outcome_at__gte=start, outcome_at__lt=end).exclude(
        outcome=""
    )
    return qs.select_related("draft"), Q(outcome__in=[Outcome.ADOPTED, Outcome.PARTLY])


def comments_of_readable_drafts(user: AnyUser) -> QuerySet[Comment]:
    """Comments on the drafts the user may read (the drill-through shows the draft, never the comment's author)."""
    return Comment.objects.filter(draft__in=drafts_readable(user))


def figures_silent_drafts(*, prefix: str, start: dt.datetime, end: dt.datetime) -> QuerySet[Draft]:
    """Drafts whose comment period closed in [start, end) without a single comment (insights' surface-use
    flag: a consultation nobody took part in is a question to ask, not a result)."""
    return (
        Draft.objects.filter(region_code__under=prefix, closed_at__gte=start, closed_at__lt=end)
        .annotate(n_comments=Count("comments"))
        .filter(n_comments=0)
        .order_by("closed_at", "id")
    )
