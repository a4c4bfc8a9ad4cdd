"""Writes for disclosure: posts (draft, review, publish), generated posts, schedules, calendar, questions, reach."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cunzhi.core import periods
from cunzhi.core.audit import audit_record
from cunzhi.core.links import absolute_url
from cunzhi.core.money import yuan
from cunzhi.disclosure import privacy, rules, selectors
from cunzhi.disclosure.events import DisclosureEvent
from cunzhi.disclosure.models import (
    Approval,
    Category,
    Decision,
    DueItem,
    Frequency,
    Post,
    PostRead,
    PostStatus,
    Question,
    Schedule,
)
from cunzhi.ledger import selectors as ledger_selectors
from cunzhi.ledger.models import FinanceCategory
from cunzhi.ledger.models import Period as LedgerPeriod
from cunzhi.notify.services import notice_send
from cunzhi.people.actors import Actor, AnyUser
from cunzhi.people.models import Role, RoleAssignment, User
from cunzhi.people.rules import own_villager
from cunzhi.regions.models import Level, Region

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_TABLE_ROWS = 2_000
MAX_QUESTION = 1_000


# ---------------------------------------------------------------- settings with defaults


def calendar_start(today: dt.date) -> dt.date:
    """The first day the calendar owes disclosures from (setting, else 1 January of this year)."""
    value = settings.DISCLOSURE_CALENDAR_START
    if value:
        return dt.date.fromisoformat(str(value))
    return dt.date(today.year, 1, 1)


# ---------------------------------------------------------------- helpers


def _village_prefixes(code: str) -> list[str]:
    """The prefixes whose roles reach a village: county, township and the village itself."""
    return [code[:6], code[:9], code[:12]]


def users_with_roles(*, village_code: str, roles: Iterable[str]) -> list[int]:
    """Ids of active accounts holding one of `roles` in a region that contains the village."""
    return list(
        RoleAssignment.objects.filter(
            role__in=list(roles), region_prefix__in=_village_prefixes(village_code), user__is_active=True
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


def _notify(
    *,
    template: str,
    user_ids: Iterable[int | None],
    context: dict[str, Any],
    link: str,
    sender: Actor = None,
    region_code: str = "",
    about: Model | None = None,
) -> None:
    ids = sorted({uid for uid in user_ids if uid and (sender is None or uid != getattr(sender, "pk", None))})
    if ids:
        notice_send(
            kind="direct",
            user_ids=ids,
            template=template,
            context=context,
            link=link,
            sender=sender,
            region_code=region_code,
            about=about,
        )


def post_link(post: Post) -> str:
    return reverse("disclosure:post", args=[post.public_id])


def post_absolute_url(post: Post) -> str:
    """The address printed in the QR code: the public page of the post."""
    return absolute_url(post_link(post))


def _check_village(village: Region) -> None:
    if not isinstance(village, Region) or village.level != Level.VILLAGE:
        raise ValueError("village must be a regions.Region of level village")


def _clean_text(
    *, title: str, body: str, tables: list[dict] | None, max_rows: int | None = MAX_TABLE_ROWS
) -> tuple[str, str, list[dict]]:
    title = (title or "").strip()
    body = (body or "").replace("\r\n", "\n").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the disclosure a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("The title is too long (at most %(n)s characters).") % {"n": MAX_TITLE}
    if len(body) > MAX_BODY:
        errors["body"] = _("The text is too long (at most %(n)s characters).") % {"n": MAX_BODY}
    tables = tables or []
    if max_rows is not None and sum(len(t.get("rows", [])) for t in tables) > max_rows:
        errors["table"] = _("The table is too long (at most %(n)s rows).") % {"n": MAX_TABLE_ROWS}
    if not body and not any(t.get("rows") for t in tables):
        errors["body"] = _("Write the text of the disclosure, or add a table.")
    if errors:
        raise ValidationError(errors)
    return title, body, tables


def _check_period(period_start: dt.date | None, period_end: dt.date | None) -> None:
    if bool(period_start) != bool(period_end):
        raise ValidationError({"period": _("Give both the first and the last day of the period, or neither.")})
    if period_start and period_end and period_end < period_start:
        raise ValidationError({"period": _("The period ends before it starts.")})


def parse_table(text: str) -> list[dict]:
    """A table pasted from a spreadsheet (tab-separated) or typed with commas: the first line is the heading."""
    lines = [line for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]
    if not lines:
        return []
    sep = "\t" if any("\t" in line for line in lines) else ("，" if any("，" in line for line in lines) else ",")
    rows = [[cell.strip() for cell in line.split(sep)] for line in lines]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    return [{"title": "", "header": rows[0], "rows": rows[1:]}]


def table_as_text(tables: list[dict]) -> str:
    """The first table back as tab-separated text, for the edit form."""
    if not tables:
        return ""
    t = tables[0]
    return "\n".join("\t".join(str(c) for c in row) for row in [t.get("header", []), *t.get("rows", [])])


def guard_preview(*, title: str, body: str, tables: list[dict] | None = None) -> list[dict]:
    """What the privacy guard would mask in this text, without saving anything."""
    return [m.as_dict() for m in privacy.guard(title=title, body=body, tables=tables)[3]]


# ---------------------------------------------------------------- posts


def post_create(
    *,
    village: Region,
    category: str,
    title: str,
    body: str,
    actor: Actor,
    tables: list[dict] | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    source_url: str = "",
    generated: bool = False,
    ledger_period: LedgerPeriod | None = None,
    about: Model | None = None,
) -> Post:
    """Save a draft disclosure; the privacy guard masks personal numbers before anything is stored."""
    _check_village(village)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose party, village or financial affairs.")})
    # Generated tables (every ledger entry of a period) are not typed, so they have no row limit.
    title, body, tables = _clean_text(
        title=title, body=body, tables=tables, max_rows=None if generated else MAX_TABLE_ROWS
    )
    _check_period(period_start, period_end)
    title, body, tables, masked = privacy.guard(title=title, body=body, tables=tables)
    post = Post.objects.create(
        village=village,
        category=category,
        title=title,
        body=body,
        tables=tables,
        masked_items=[m.as_dict() for m in masked],
        period_start=period_start,
        period_end=period_end,
        author=actor if getattr(actor, "pk", None) else None,
        source_url=source_url[:300],
        generated=generated,
        ledger_period=ledger_period,
        about_type=about._meta.label_lower if about is not None else "",
        about_id=about.pk if about is not None else None,
    )
    audit_record(
        actor=actor,
        action=DisclosureEvent.DISCLOSURE_POST_CREATE,
        obj=post,
        after={"category": category, "title": title, "masked": len(masked)},
    )
    return post


def post_update(
    *,
    post: Post,
    actor: User,
    title: str,
    body: str,
    tables: list[dict] | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> Post:
    """Change a draft (or a post returned by the reviewers); published posts are never rewritten."""
    if not rules.can_change(post):
        raise ValidationError(
            _("Only drafts and returned posts can be changed; this one is %(status)s.")
            % {"status": post.get_status_display()}
        )
    if post.generated and post.ledger_period_id:
        raise ValidationError(_("This disclosure is generated from the ledger; it cannot be typed over."))
    title, body, tables = _clean_text(title=title, body=body, tables=tables)
    _check_period(period_start, period_end)
    title, body, tables, masked = privacy.guard(title=title, body=body, tables=tables)
    before = {"title": post.title, "body_chars": len(post.body)}
    post.title, post.body, post.tables = title, body, tables
    post.masked_items = [m.as_dict() for m in masked]
    post.period_start, post.period_end = period_start, period_end
    post.save()
    audit_record(
        actor=actor,
        action=DisclosureEvent.DISCLOSURE_POST_UPDATE,
        obj=post,
        before=before,
        after={"title": title, "body_chars": len(body), "masked": len(masked)},
    )
    return post


def post_submit(*, post: Post, actor: User) -> Post:
    """Send a finance disclosure to the supervision committee for review."""
    if not post.needs_approval:
        raise ValidationError(_("Only financial disclosures go to the supervision committee; publish this one."))
    if not rules.can_submit(post):
        raise ValidationError(_("This disclosure is not a draft; it cannot be sent for review."))
    reviewers = users_with_roles(village_code=post.region_code, roles=rules.REVIEW_ROLES)
    if not reviewers:
        raise ValidationError(
            _(
                "This village has no supervision committee member on the platform to review it. "
                "Ask the township to add one."
            )
        )
    before = post.status
    post.status = PostStatus.IN_REVIEW
    post.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=DisclosureEvent.DISCLOSURE_POST_SUBMIT,
        obj=post,
        before={"status": before},
        after={"status": post.status},
    )
    _notify(
        template="disclosure_review",
        user_ids=reviewers,
        context={"title": post.title, "village": post.village.name},
        link=post_link(post),
        sender=actor,
        region_code=post.region_code,
        about=post,
    )
    return post


def post_approve(*, post: Post, actor: User, comment: str = "") -> Post:
    """The supervision committee approves a finance disclosure: the approval is recorded and the post publishes."""
    if not rules.can_review(actor, post.region_code):
        raise PermissionDenied
    if not rules.is_in_review(post):
        raise ValidationError(_("This disclosure is not waiting for review."))
    if post.author_id and post.author_id == actor.pk:
        raise ValidationError(_("The author of a disclosure cannot approve it."))
    with transaction.atomic():
        Approval.objects.create(
            post=post,
            reviewer=actor,
            reviewer_name=actor.name,
            decision=Decision.APPROVED,
            comment=(comment or "").strip()[:2000],
        )
        audit_record(
            actor=actor, action=DisclosureEvent.DISCLOSURE_POST_APPROVE, obj=post, after={"comment": comment[:200]}
        )
        _publish(post=post, actor=actor)
    _notify(
        template="disclosure_approved",
        user_ids=[post.author_id],
        context={"title": post.title},
        link=post_link(post),
        sender=actor,
        region_code=post.region_code,
        about=post,
    )
    return post


def post_return(*, post: Post, actor: User, comment: str) -> Post:
    """The supervision committee sends a finance disclosure back with a reason (recorded)."""
    if not rules.can_review(actor, post.region_code):
        raise PermissionDenied
    if not rules.is_in_review(post):
        raise ValidationError(_("This disclosure is not waiting for review."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what must change before it can be published.")})
    with transaction.atomic():
        Approval.objects.create(
            post=post, reviewer=actor, reviewer_name=actor.name, decision=Decision.RETURNED, comment=comment[:2000]
        )
        post.status = PostStatus.RETURNED
        post.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=DisclosureEvent.DISCLOSURE_POST_RETURN,
            obj=post,
            before={"status": PostStatus.IN_REVIEW},
            after={"status": post.status, "comment": comment[:200]},
        )
    _notify(
        template="disclosure_returned",
        user_ids=[post.author_id],
        context={"title": post.title, "comment": comment[:200]},
        link=post_link(post),
        sender=actor,
        region_code=post.region_code,
        about=post,
    )
    return post


def post_publish(*, post: Post, actor: Actor) -> Post:
    """Publish a draft; financial disclosures publish only through the supervision committee's approval."""
    if post.needs_approval:
        raise ValidationError(
            _(
                "A financial disclosure needs the supervision committee's approval before it is "
                "published. Send it for review."
            )
        )
    if not rules.can_publish(post):
        raise ValidationError(
            _("This disclosure cannot be published from its present state (%(status)s).")
            % {"status": post.get_status_display()}
        )
    with transaction.atomic():
        _publish(post=post, actor=actor)
    return post


def _publish(*, post: Post, actor: Actor) -> None:
    before = post.status
    now = timezone.now()
    post.status = PostStatus.PUBLISHED
    post.published_at = now
    post.published_by = actor if getattr(actor, "pk", None) else None
    post.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    _fulfil_due_items(post)
    audit_record(
        actor=actor,
        action=DisclosureEvent.DISCLOSURE_POST_PUBLISH,
        obj=post,
        before={"status": before},
        after={"status": post.status, "masked": len(post.masked_items)},
    )
    if settings.DISCLOSURE_ANNOUNCE:
        notice_send(
            kind="announcement",
            region_code=post.region_code,
            template="disclosure_published",
            context={"title": post.title, "village": post.village.name, "category": post.get_category_display()},
            link=post_link(post),
            sender=post.published_by,
            about=post,
        )


def _fulfil_due_items(post: Post) -> int:
    """Mark every open due item of this category that the post's period covers as published."""
    if not (post.period_start and post.period_end):
        return 0
    return DueItem.objects.filter(
        village_id=post.village_id,
        category=post.category,
        post__isnull=True,
        period_start__gte=post.period_start,
        period_end__lte=post.period_end,
    ).update(post=post, published_at=post.published_at, updated_at=timezone.now())


def post_publish_about(
    *,
    about: Model,
    village: Region,
    category: str,
    title: str,
    body: str,
    actor: Actor,
    source_url: str = "",
    pdf: bytes | None = None,
) -> Post:
    """Publish at once a post about another domain's object (a meeting's result, an adopted village rule).

    The one path by which meetings and consultations publish: the post records the object it is about
    (about_type, about_id), so the object has one post and a second call returns it unchanged. The privacy
    guard still runs. Financial disclosures need the supervision committee's approval, so they are
    refused here with ValueError (a programming error of the caller, not user input).
    """
    existing = selectors.post_about(about)
    if existing is not None:
        return existing
    _check_village(village)
    if category not in Category.values:
        raise ValueError(f"unknown disclosure category {category!r}: use party, village or finance")
    if category == Category.FINANCE:
        raise ValueError(
            "financial disclosures need the supervision committee's approval: use post_create and post_submit"
        )
    if pdf is not None and not bytes(pdf[:5]).startswith(b"%PDF-"):
        raise ValueError("pdf must be the bytes of a PDF file")
    with transaction.atomic():
        post = post_create(
            village=village,
            category=category,
            title=title,
            body=body,
            actor=actor,
            source_url=source_url,
            generated=True,
            about=about,
        )
        if pdf is not None:
            post.attachment.save(f"{post.public_id}.pdf", ContentFile(bytes(pdf)), save=False)
            post.save(update_fields=["attachment", "updated_at"])
        _publish(post=post, actor=actor)
    return post


# ---------------------------------------------------------------- questions and reach


def question_ask(*, post: Post, actor: User, text: str) -> Question:
    """A villager asks in public on a published post; the village's cadres are told."""
    if not rules.can_ask(actor, post):
        raise PermissionDenied
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write your question.")})
    if len(text) > MAX_QUESTION:
        raise ValidationError({"text": _("The question is too long (at most %(n)s characters).") % {"n": MAX_QUESTION}})
    with transaction.atomic():
        question = Question.objects.create(post=post, asker=actor, asker_name=actor.name, text=text)
        Post.objects.filter(pk=post.pk).update(question_count=F("question_count") + 1)
        audit_record(
            actor=actor, action=DisclosureEvent.DISCLOSURE_QUESTION_ASK, obj=question, after={"post": post.public_id}
        )
    _notify(
        template="disclosure_question",
        user_ids=users_with_roles(village_code=post.region_code, roles=rules.AUTHOR_ROLES),
        context={"title": post.title, "question": text[:60]},
        link=post_link(post) + f"#q-{question.public_id}",
        sender=actor,
        region_code=post.region_code,
        about=post,
    )
    return question


def question_answer(*, question: Question, actor: User, answer: str) -> Question:
    """A cadre answers in public; the asker is told. A later answer replaces the earlier one (audited)."""
    if not rules.can_answer(actor, question.post):
        raise PermissionDenied
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    if len(answer) > MAX_BODY:
        raise ValidationError({"answer": _("The answer is too long.")})
    before = {"answer": question.answer[:200]} if question.answer else None
    question.answer = answer
    question.answered_by = actor
    question.answered_by_name = actor.name
    question.answered_at = timezone.now()
    question.save()
    audit_record(
        actor=actor,
        action=DisclosureEvent.DISCLOSURE_QUESTION_ANSWER,
        obj=question,
        before=before,
        after={"answer": answer[:200]},
    )
    _notify(
        template="disclosure_answer",
        user_ids=[question.asker_id],
        context={"title": question.post.title},
        link=post_link(question.post) + f"#q-{question.public_id}",
        sender=actor,
        region_code=question.region_code,
        about=question.post,
    )
    return question


def post_read_record(*, post: Post, user: AnyUser) -> bool:
    """Count a villager's first reading of a published post (reach = distinct villagers); True if new."""
    if not post.is_published:
        return False
    villager = own_villager(user)
    if villager is None:
        return False
    try:
        with transaction.atomic():
            PostRead.objects.create(post=post, villager=villager)
    except IntegrityError:
        return False
    Post.objects.filter(pk=post.pk).update(reach=F("reach") + 1)
    return True


# ---------------------------------------------------------------- schedules and the calendar


def schedule_set(
    *, village: Region, category: str, frequency: str, grace_days: int, actor: User, today: dt.date | None = None
) -> Schedule:
    """Set how often a village discloses a category; unpublished due items of current and later periods follow."""
    _check_village(village)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose party, village or financial affairs.")})
    if frequency not in Frequency.values:
        raise ValidationError({"frequency": _("Choose monthly, quarterly or immediately.")})
    if category != Category.PARTY and frequency == Frequency.IMMEDIATELY:
        # domain.md: general village affairs at least quarterly, finances at least quarterly.
        raise ValidationError(
            {
                "frequency": _(
                    "Village and financial affairs are disclosed at least quarterly; choose monthly or quarterly."
                )
            }
        )
    if not isinstance(grace_days, int) or not 0 <= grace_days <= 31:
        raise ValidationError({"grace_days": _("Allow between 0 and 31 days after the period ends.")})
    today = today or timezone.localdate()
    with transaction.atomic():
        row, _created = Schedule.objects.get_or_create(
            village=village, category=category, defaults={"frequency": frequency, "grace_days": grace_days}
        )
        before = None if _created else {"frequency": row.frequency, "grace_days": row.grace_days}
        row.frequency, row.grace_days = frequency, grace_days
        row.save()
        # Periods still running or to come follow the new schedule; what was owed before stays owed.
        DueItem.objects.filter(village=village, category=category, post__isnull=True, period_end__gte=today).delete()
        audit_record(
            actor=actor,
            action=DisclosureEvent.DISCLOSURE_SCHEDULE_SET,
            obj=row,
            before=before,
            after={"frequency": frequency, "grace_days": grace_days},
        )
        due_items_ensure(today=today, villages=[village])
    return row


def due_items_ensure(*, today: dt.date | None = None, villages: Iterable[Region] | None = None) -> int:
    """Create the due items every village owes, from the calendar start to the current period (idempotent)."""
    today = today or timezone.localdate()
    start = calendar_start(today)
    if villages is None:
        villages = Region.objects.filter(level=Level.VILLAGE).only("id", "code")
    villages = list(villages)
    schedules = {(s.village_id, s.category): s for s in Schedule.objects.filter(village__in=villages)}
    existing = set(
        DueItem.objects.filter(village__in=villages, period_end__gte=start).values_list(
            "village_id", "category", "period_start", "period_end"
        )
    )
    new = []
    for village in villages:
        for category in Category.values:
            s = schedules.get((village.pk, category))
            frequency = s.frequency if s else selectors.default_frequency(category)
            grace = s.grace_days if s else selectors.default_grace_days()
            if frequency == Frequency.IMMEDIATELY:
                continue
            for p_start, p_end in periods.periods_between(frequency, start, today):
                if (village.pk, category, p_start, p_end) in existing:
                    continue
                new.append(
                    DueItem(
                        village=village,
                        region_code=village.code,
                        category=category,
                        frequency=frequency,
                        period_start=p_start,
                        period_end=p_end,
                        due_date=p_end + dt.timedelta(days=grace),
                    )
                )
    DueItem.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    # A post published before its due item existed (schedule changed later) still counts.
    if new:
        for post in Post.objects.filter(
            village__in=villages, status=PostStatus.PUBLISHED, period_start__isnull=False, period_end__gte=start
        ):
            _fulfil_due_items(post)
    return len(new)


def reminders_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic job: owe items for every village, remind cadres of what falls due, township staff of what is late.

    Idempotent: each due item is reminded once before its deadline and once when it is overdue.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    created = due_items_ensure(today=today)
    soon_days = int(settings.DISCLOSURE_REMIND_DAYS_BEFORE)
    counts = {"created": created, "due_soon": 0, "overdue": 0}

    # Due within a few days, not yet published: the village's cadres.
    soon = list(
        DueItem.objects.filter(
            post__isnull=True,
            reminded_due_at__isnull=True,
            due_date__gte=today,
            due_date__lte=today + dt.timedelta(days=soon_days),
            period_end__lt=today,
        ).select_related("village")
    )
    by_village: dict[str, list[DueItem]] = {}
    for item in soon:
        by_village.setdefault(item.region_code, []).append(item)
    for code, items in by_village.items():
        with transaction.atomic():
            _notify(
                template="disclosure_due",
                user_ids=users_with_roles(village_code=code, roles=rules.AUTHOR_ROLES),
                context={
                    "village": items[0].village.name,
                    "count": len(items),
                    "due": min(i.due_date for i in items).isoformat(),
                    "categories": sorted({i.category for i in items}),
                },
                link=reverse("disclosure:calendar") + f"?village={code}",
                region_code=code,
            )
            DueItem.objects.filter(pk__in=[i.pk for i in items]).update(reminded_due_at=now)
        counts["due_soon"] += len(items)

    # Overdue: the village's cadres and the township's staff, one digest per township.
    late = list(
        DueItem.objects.filter(post__isnull=True, reminded_overdue_at__isnull=True, due_date__lt=today).select_related(
            "village"
        )
    )
    by_township: dict[str, list[DueItem]] = {}
    for item in late:
        by_township.setdefault(item.region_code[:9], []).append(item)
    for township_prefix, items in by_township.items():
        with transaction.atomic():
            villages = sorted({i.village.name for i in items})
            staff = list(
                RoleAssignment.objects.filter(
                    role=Role.OFFICE_STAFF, region_prefix=township_prefix, user__is_active=True
                )
                .values_list("user_id", flat=True)
                .distinct()
            )
            _notify(
                template="disclosure_overdue_township",
                user_ids=staff,
                context={"count": len(items), "villages": villages[:10], "more": max(0, len(villages) - 10)},
                link=reverse("disclosure:calendar") + "?status=overdue",
                region_code=township_prefix + "000",
            )
            for code in sorted({i.region_code for i in items}):
                mine = [i for i in items if i.region_code == code]
                _notify(
                    template="disclosure_overdue",
                    user_ids=users_with_roles(village_code=code, roles=rules.AUTHOR_ROLES),
                    context={"village": mine[0].village.name, "count": len(mine)},
                    link=reverse("disclosure:calendar") + f"?village={code}",
                    region_code=code,
                )
            DueItem.objects.filter(pk__in=[i.pk for i in items]).update(reminded_overdue_at=now)
        counts["overdue"] += len(items)
    return counts


# ---------------------------------------------------------------- the finance disclosure from the ledger


def finance_disclosure_generate(*, period: LedgerPeriod, actor: User) -> Post:
    """Draft the finance disclosure of a signed-off ledger period from the ledger (no retyping), then send it for
    review. Disclosure reads the ledger through its selectors; the ledger knows nothing of disclosure."""
    if not rules.can_author(actor, period.region_code):
        raise PermissionDenied
    if Post.objects.filter(ledger_period=period).exclude(status=PostStatus.RETURNED).exists():
        raise ValidationError(_("A disclosure for this period already exists."))
    # The notice is for the village's board: written in the site's language, whatever the cadre's screen shows.
    with translation.override(settings.LANGUAGE_CODE):
        return _period_disclosure(period=period, actor=actor, report=ledger_selectors.period_report(period=period))


def _period_disclosure(*, period: LedgerPeriod, actor: User, report: dict[str, Any]) -> Post:
    category_labels = dict(FinanceCategory.choices)
    totals = {
        "title": _("Totals by category"),
        "header": [_("Category"), _("Income (yuan)"), _("Expenditure (yuan)")],
        "rows": [
            [str(category_labels[c]), yuan(v["income"]), yuan(v["expenditure"])]
            for c, v in report["by_category"].items()
        ]
        + [[_("Total"), yuan(report["income"]), yuan(report["expenditure"])]],
    }
    entries = {
        "title": _("Every entry"),
        "header": [
            _("No."),
            _("Date"),
            _("Category"),
            _("Income or expenditure"),
            _("Amount (yuan)"),
            _("Counterparty"),
            _("Purpose"),
        ],
        "rows": [
            [
                str(e.seq),
                e.date.isoformat(),
                str(category_labels[e.category]),
                e.get_direction_display(),
                yuan(e.amount_fen),
                e.public_counterparty,
                e.purpose,
            ]
            for e in report["entries"]
        ],
    }
    body = _(
        "Income and expenditure of %(village)s from %(start)s to %(end)s, generated from the village ledger.\n"
        "Income %(income)s yuan, expenditure %(expenditure)s yuan; balance at the start %(opening)s yuan, "
        "closing balance %(closing)s yuan.\n"
        "Signed off by %(signer)s (supervision committee) on %(signed)s. Ledger chain head at sign-off: "
        "entry #%(seq)s, hash %(hash)s, also recorded in the county's witness log. Scan the QR code at the "
        "foot of this notice to check the ledger against it."
    ) % {
        "village": period.village.name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "income": yuan(report["income"]),
        "expenditure": yuan(report["expenditure"]),
        "opening": yuan(report["opening_balance"]),
        "closing": yuan(period.closing_balance_fen),
        "signer": period.signed_by_name,
        "signed": timezone.localtime(period.signed_at).date().isoformat(),
        "seq": period.head_seq,
        "hash": period.head_hash,
    }
    title = _("%(village)s financial disclosure %(start)s to %(end)s") % {
        "village": period.village.name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }
    with transaction.atomic():
        post = post_create(
            village=period.village,
            category=Category.FINANCE,
            title=title,
            body=body,
            tables=[totals, entries],
            period_start=period.start,
            period_end=period.end,
            actor=actor,
            generated=True,
            ledger_period=period,
        )
        post_submit(post=post, actor=actor)
    return post
