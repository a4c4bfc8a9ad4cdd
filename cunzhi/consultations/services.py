"""Writes for consultations: drafts and their paragraphs, opening and closing, comments, stances,
moderation, the response report, versions, adoption and filing to the township.

Every state change writes one audit row. Taking part (a comment, a reply, a stance) writes an
audit row whose action is in PARTICIPATION_ACTIONS and whose `after` names the villager, so a
points app can count participation from the audit trail without reading this app's tables.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cunzhi.consultations import rules
from cunzhi.consultations.events import ConsultationEvent
from cunzhi.consultations.models import (
    Adoption,
    Comment,
    Draft,
    DraftKind,
    Outcome,
    Paragraph,
    ResponseReport,
    Stance,
    StanceKind,
    Status,
    Visibility,
)
from cunzhi.consultations.texts import clean_text, paragraphs_check
from cunzhi.core.audit import audit_record
from cunzhi.disclosure import services as disclosure_services
from cunzhi.disclosure.models import Category as DisclosureCategory
from cunzhi.notify.models import Urgency
from cunzhi.notify.services import notice_send
from cunzhi.people.actors import Actor
from cunzhi.people.models import Delegation, DelegationScope, Office, Role, User, Villager
from cunzhi.people.services import delegation_use
from cunzhi.regions.models import Level, Region

logger = logging.getLogger(__name__)

PARTICIPATION_ACTIONS = (
    ConsultationEvent.CONSULTATION_COMMENT,
    ConsultationEvent.CONSULTATION_REPLY,
    ConsultationEvent.CONSULTATION_STANCE,
)
PURPOSE_HELPER_COMMENT = gettext_noop("Commented on a draft for the villager")
PURPOSE_HELPER_STANCE = gettext_noop("Gave the villager's view on a draft paragraph")


def max_comment_chars() -> int:
    return settings.CONSULTATIONS_COMMENT_MAX_CHARS


def min_days() -> int:
    return settings.CONSULTATIONS_MIN_DAYS


def max_days() -> int:
    return settings.CONSULTATIONS_MAX_DAYS


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def draft_url(draft: Draft) -> str:
    return reverse("consultations:detail", args=[draft.public_id])


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# --- Drafts -----------------------------------------------------------------------------------


def _check_fields(
    *, title: str, owner_office: Office | None, owner_committee: str, opens_on: dt.date, closes_on: dt.date, kind: str
) -> tuple[str, str]:
    title = " ".join((title or "").split())
    owner_committee = " ".join((owner_committee or "").split())
    errors = {}
    if not title:
        errors["title"] = _("Give the draft a title.")
    elif len(title) > 200:
        errors["title"] = _("The title is too long: at most 200 characters.")
    if kind not in DraftKind.values:
        errors["kind"] = _("Choose what kind of text this is.")
    if owner_office is None and not owner_committee:
        errors["owner_committee"] = _("Name the office or committee that owns the draft.")
    if len(owner_committee) > 100:
        errors["owner_committee"] = _("The committee name is too long: at most 100 characters.")
    today = timezone.localdate()
    if closes_on < opens_on:
        errors["closes_on"] = _("The consultation must close after it opens.")
    elif (closes_on - opens_on).days + 1 < min_days():
        errors["closes_on"] = _("Villagers need at least %(n)s days to comment.") % {"n": min_days()}
    elif (closes_on - opens_on).days + 1 > max_days():
        errors["closes_on"] = _("A consultation may last at most %(n)s days.") % {"n": max_days()}
    elif closes_on < today:
        errors["closes_on"] = _("The closing date has already passed.")
    if errors:
        raise ValidationError(errors)
    return title, owner_committee


def _paragraphs_write(draft: Draft, paragraphs: list[str]) -> None:
    draft.paragraphs.all().delete()
    Paragraph.objects.bulk_create([Paragraph(draft=draft, number=i, text=t) for i, t in enumerate(paragraphs, 1)])


def draft_create(
    *,
    actor: User,
    title: str,
    kind: str,
    scope: Region,
    owner_office: Office | None = None,
    owner_committee: str = "",
    opens_on: dt.date,
    closes_on: dt.date,
    paragraphs: list[str],
    summary: str = "",
    previous: Draft | None = None,
) -> Draft:
    """Start a draft (in preparation): its scope, owner, dates and numbered paragraphs."""
    if not rules.can_create_for(actor, scope=scope, owner_office=owner_office):
        raise ValidationError({"scope": _("You may not start a consultation for this area and owner.")})
    if scope.level == Level.GROUP:
        raise ValidationError({"scope": _("Consult a village, a township or the county.")})
    title, owner_committee = _check_fields(
        title=title,
        owner_office=owner_office,
        owner_committee=owner_committee,
        opens_on=opens_on,
        closes_on=closes_on,
        kind=kind,
    )
    paragraphs = [clean_text(p) for p in paragraphs if clean_text(p)]
    paragraphs_check(paragraphs)
    with transaction.atomic():
        draft = Draft.objects.create(
            title=title,
            kind=kind,
            summary=clean_text(summary)[:5000],
            scope=scope,
            owner_office=owner_office,
            owner_committee="" if owner_office else owner_committee,
            opens_at=_local_midnight(opens_on),
            closes_at=_local_midnight(closes_on + dt.timedelta(days=1)),
            created_by=actor,
            previous=previous,
            version=(previous.version + 1) if previous else 1,
        )
        _paragraphs_write(draft, paragraphs)
        audit_record(
            actor=actor,
            action=ConsultationEvent.CONSULTATION_CREATE,
            obj=draft,
            after={"title": title, "scope": scope.code, "paragraphs": len(paragraphs), "version": draft.version},
        )
    return draft


def draft_update(
    *,
    actor: User,
    draft: Draft,
    title: str,
    kind: str,
    opens_on: dt.date,
    closes_on: dt.date,
    paragraphs: list[str] | None = None,
    summary: str = "",
    owner_committee: str | None = None,
) -> Draft:
    """Change a draft that nobody could comment on yet (in preparation, or published but not open)."""
    if not rules.can_change(draft):
        raise ValidationError(
            _(
                "Comments may already have been made: the text can no longer change. "
                "Start a new version after the response report."
            )
        )
    committee = draft.owner_committee if owner_committee is None else owner_committee
    title, committee = _check_fields(
        title=title,
        owner_office=draft.owner_office,
        owner_committee=committee,
        opens_on=opens_on,
        closes_on=closes_on,
        kind=kind,
    )
    if paragraphs is not None:
        paragraphs = [clean_text(p) for p in paragraphs if clean_text(p)]
        paragraphs_check(paragraphs)
    with transaction.atomic():
        before = {
            "title": draft.title,
            "opens_at": draft.opens_at.isoformat(),
            "closes_at": draft.closes_at.isoformat(),
        }
        draft.title, draft.kind, draft.summary = title, kind, clean_text(summary)[:5000]
        if not draft.owner_office_id:
            draft.owner_committee = committee
        draft.opens_at = _local_midnight(opens_on)
        draft.closes_at = _local_midnight(closes_on + dt.timedelta(days=1))
        draft.save()
        if paragraphs is not None:
            _paragraphs_write(draft, paragraphs)
        audit_record(
            actor=actor,
            action=ConsultationEvent.CONSULTATION_UPDATE,
            obj=draft,
            before=before,
            after={
                "title": title,
                "opens_at": draft.opens_at.isoformat(),
                "closes_at": draft.closes_at.isoformat(),
                "paragraphs": len(paragraphs) if paragraphs is not None else None,
            },
        )
    return draft


def draft_publish(*, actor: User, draft: Draft, now: dt.datetime | None = None) -> Draft:
    """Publish a draft in preparation: it opens (and everyone in scope is told) on its opening date."""
    now = now or timezone.now()
    if not rules.can_publish(draft):
        raise ValidationError(_("This draft has already been published."))
    if draft.closes_at <= now:
        raise ValidationError({"closes_on": _("The closing date has already passed.")})
    if not draft.paragraphs.exists():
        raise ValidationError({"text": _("The draft has no text. Paste the text or upload a file.")})
    with transaction.atomic():
        Draft.objects.filter(pk=draft.pk, status=Status.DRAFT).update(status=Status.SCHEDULED, updated_at=now)
        draft.status = Status.SCHEDULED
        audit_record(
            actor=actor,
            action=ConsultationEvent.CONSULTATION_PUBLISH,
            obj=draft,
            before={"status": Status.DRAFT},
            after={"status": Status.SCHEDULED},
        )
        if draft.opens_at <= now:
            draft_open(draft=draft, actor=actor, now=now)
    return draft


def draft_open(*, draft: Draft, actor: Actor = None, now: dt.datetime | None = None) -> bool:
    """Open a published draft for comments and tell everyone in scope; does nothing if it is open already."""
    now = now or timezone.now()
    with transaction.atomic():
        # The status test in the UPDATE makes this safe to run twice (job and owner at once): one wins.
        if not Draft.objects.filter(pk=draft.pk, status=Status.SCHEDULED).update(
            status=Status.OPEN, opened_at=now, updated_at=now
        ):
            return False
        draft.status, draft.opened_at = Status.OPEN, now
        audit_record(
            actor=actor,
            action=ConsultationEvent.CONSULTATION_OPEN,
            obj=draft,
            before={"status": Status.SCHEDULED},
            after={"status": Status.OPEN},
        )
        notice = notice_send(
            kind="announcement",
            region_code=draft.region_code,
            sender=actor,
            template="consultations_opened",
            context={
                "title": draft.title,
                "short_title": _short(draft.title),
                "owner": draft.owner_name,
                "scope": draft.scope.name,
                "closes": draft.last_day.isoformat(),
                "paragraphs": draft.paragraphs.count(),
            },
            link=draft_url(draft),
            about=draft,
            now=now,
        )
        Draft.objects.filter(pk=draft.pk).update(announcement=notice)
        draft.announcement = notice
    return True


def draft_close(*, draft: Draft, actor: Actor = None, now: dt.datetime | None = None) -> bool:
    """Stop taking comments; the owner is asked for the response report. Does nothing if closed already."""
    now = now or timezone.now()
    with transaction.atomic():
        if not Draft.objects.filter(pk=draft.pk, status=Status.OPEN).update(
            status=Status.CLOSED, closed_at=now, updated_at=now
        ):
            return False
        draft.status, draft.closed_at = Status.CLOSED, now
        audit_record(
            actor=actor,
            action=ConsultationEvent.CONSULTATION_CLOSE,
            obj=draft,
            before={"status": Status.OPEN},
            after={"status": Status.CLOSED, "early": now < draft.closes_at},
        )
        if draft.created_by_id and (actor is None or actor.pk != draft.created_by_id):
            notice_send(
                kind="direct",
                user_ids=[draft.created_by_id],
                sender=actor,
                template="consultations_closed",
                context={
                    "title": draft.title,
                    "short_title": _short(draft.title),
                    "comments": draft.comments.filter(hidden_at__isnull=True).count(),
                },
                link=reverse("consultations:response", args=[draft.public_id]),
                about=draft,
                now=now,
            )
    return True


def drafts_open_and_close_due(*, now: dt.datetime | None = None) -> str:
    """The periodic job: open published drafts whose day has come, close open drafts whose time is up."""
    now = now or timezone.now()
    opened = closed = 0
    for draft in Draft.objects.filter(status=Status.SCHEDULED, opens_at__lte=now).select_related("scope"):
        if draft.closes_at <= now:
            # Missed its whole window (the scheduler was down): closed without announcing it.
            Draft.objects.filter(pk=draft.pk, status=Status.SCHEDULED).update(status=Status.OPEN, opened_at=now)
            draft.status = Status.OPEN
        elif draft_open(draft=draft, now=now):
            opened += 1
    for draft in Draft.objects.filter(status=Status.OPEN, closes_at__lte=now):
        if draft_close(draft=draft, now=now):
            closed += 1
    return f"{opened} opened, {closed} closed"


def draft_new_version(*, actor: User, draft: Draft) -> Draft:
    """Start the next version from a consulted draft: same scope and owner, the text copied to revise."""
    if not rules.can_start_next_version(draft):
        raise ValidationError(_("A new version can be started once the response report is published."))
    existing = draft.next_versions.first()
    if existing is not None:
        raise ValidationError(_("Version %(n)s of this draft exists already.") % {"n": existing.version})
    today = timezone.localdate()
    return draft_create(
        actor=actor,
        title=draft.title,
        kind=draft.kind,
        scope=draft.scope,
        owner_office=draft.owner_office,
        owner_committee=draft.owner_committee,
        opens_on=today,
        closes_on=today + dt.timedelta(days=max(min_days(), 14) - 1),
        paragraphs=list(draft.paragraphs.values_list("text", flat=True)),
        summary=draft.summary,
        previous=draft,
    )


# --- Taking part ------------------------------------------------------------------------------


def _acting_as(actor: User, draft: Draft, for_villager: Villager | None) -> tuple[Villager, Delegation | None]:
    """(villager, delegation or None) the actor speaks for; refuses anyone not consulted."""
    options = rules.commenters(actor, draft)
    if not options:
        raise ValidationError(_("You are not among the villagers consulted on this draft."))
    if for_villager is None:
        own = [o for o in options if o[1] is None]
        if own:
            return own[0]
        if len(options) == 1:
            return options[0]
        raise ValidationError({"for_villager": _("Choose the villager you are writing for.")})
    for villager, delegation in options:
        if villager.pk == for_villager.pk:
            return villager, delegation
    raise ValidationError({"for_villager": _("You have no active delegation from this villager for consultations.")})


def _check_open(draft: Draft, now: dt.datetime) -> None:
    if draft.status == Status.OPEN and now < draft.closes_at:
        return
    if draft.status in (Status.DRAFT, Status.SCHEDULED):
        raise ValidationError(_("This consultation is not open yet."))
    raise ValidationError(_("This consultation is closed: comments are no longer accepted."))


def _record_helper(actor: User, villager: Villager, delegation: Delegation | None, purpose: str) -> None:
    if delegation is not None:
        delegation_use(helper=actor, villager=villager, scope=DelegationScope.CONSULTATIONS, purpose=purpose)


def comment_add(
    *,
    actor: User,
    draft: Draft,
    body: str,
    paragraph: Paragraph | None = None,
    parent: Comment | None = None,
    visibility: str = Visibility.PUBLIC,
    for_villager: Villager | None = None,
    now: dt.datetime | None = None,
) -> Comment:
    """A villager's comment (or a helper's for them) on the draft, a paragraph, or as a reply."""
    now = now or timezone.now()
    _check_open(draft, now)
    villager, delegation = _acting_as(actor, draft, for_villager)
    text = clean_text(body)
    if not text:
        raise ValidationError({"body": _("Write your comment first: it is empty.")})
    if len(text) > max_comment_chars():
        raise ValidationError(
            {
                "body": _("Your comment is too long: at most %(max)s characters (it has %(n)s).")
                % {"max": max_comment_chars(), "n": len(text)}
            }
        )
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Choose who can read your comment.")})
    if paragraph is not None and paragraph.draft_id != draft.pk:
        raise ValidationError({"paragraph": _("This paragraph is not part of the draft.")})
    if parent is not None:
        if parent.draft_id != draft.pk or parent.is_hidden:
            raise ValidationError({"parent": _("The comment you reply to is not available.")})
        parent = parent if parent.parent_id is None else parent.parent  # one level of replies
        assert parent is not None  # a reply's parent_id names its parent
        paragraph = parent.paragraph
        if parent.visibility == Visibility.LEADERS:
            visibility = Visibility.LEADERS  # a reply must not make a private comment's thread public
    # A double tap sends the form twice: the same words within a minute are one comment.
    same = Comment.objects.filter(
        draft=draft,
        villager=villager,
        paragraph=paragraph,
        parent=parent,
        body=text,
        created_at__gte=now - dt.timedelta(minutes=1),
    ).first()
    if same is not None:
        return same
    with transaction.atomic():
        _record_helper(actor, villager, delegation, PURPOSE_HELPER_COMMENT)
        comment = Comment.objects.create(
            draft=draft,
            paragraph=paragraph,
            parent=parent,
            villager=villager,
            written_by=actor,
            delegation=delegation,
            region_code=villager.region_code,
            author_away=villager.living_away,
            body=text,
            visibility=visibility,
        )
        audit_record(
            actor=actor,
            action=ConsultationEvent.CONSULTATION_REPLY if parent else ConsultationEvent.CONSULTATION_COMMENT,
            obj=comment,
            region_code=villager.region_code,
            on_behalf_of=villager if delegation else None,
            after={
                "villager": villager.public_id,
                "draft": draft.public_id,
                "paragraph": paragraph.number if paragraph else None,
                "visibility": visibility,
                "participation": True,
            },
        )
    return comment


def stance_set(
    *,
    actor: User,
    draft: Draft,
    paragraph: Paragraph,
    stance: str,
    for_villager: Villager | None = None,
    now: dt.datetime | None = None,
) -> Stance | None:
    """Support or oppose a paragraph (again to change it); "withdraw" removes the stance."""
    now = now or timezone.now()
    _check_open(draft, now)
    if paragraph.draft_id != draft.pk:
        raise ValidationError({"paragraph": _("This paragraph is not part of the draft.")})
    if stance not in (*StanceKind.values, "withdraw"):
        raise ValidationError({"stance": _("Choose support or oppose.")})
    villager, delegation = _acting_as(actor, draft, for_villager)
    with transaction.atomic():
        current = Stance.objects.filter(paragraph=paragraph, villager=villager).first()
        before = {"stance": current.stance} if current else None
        if stance == "withdraw":
            if current is None:
                return None
            current.delete()
            result = None
        elif current is not None:
            if current.stance == stance:
                return current
            current.stance, current.written_by, current.delegation = stance, actor, delegation
            current.save(update_fields=["stance", "written_by", "delegation", "updated_at"])
            result = current
        else:
            result = Stance.objects.create(
                draft=draft,
                paragraph=paragraph,
                villager=villager,
                written_by=actor,
                delegation=delegation,
                region_code=villager.region_code,
                author_away=villager.living_away,
                stance=stance,
            )
        _record_helper(actor, villager, delegation, PURPOSE_HELPER_STANCE)
        audit_record(
            actor=actor,
            action=ConsultationEvent.CONSULTATION_STANCE,
            obj=paragraph,
            region_code=villager.region_code,
            on_behalf_of=villager if delegation else None,
            before=before,
            after={
                "villager": villager.public_id,
                "draft": draft.public_id,
                "paragraph": paragraph.number,
                "stance": stance,
                "participation": current is None,
            },
        )
    return result


# --- Moderation -------------------------------------------------------------------------------


def _author_user_id(comment: Comment) -> int | None:
    """Who is told about a comment: the villager's account, else the helper who wrote it."""
    return comment.villager.user_id or comment.written_by_id


def comment_hide(*, actor: User, comment: Comment, reason: str) -> Comment:
    """Hide a comment from readers with a reason; the author is told why."""
    draft = comment.draft
    if not rules.can_moderate(actor, draft):
        raise ValidationError(_("Only the draft's owner and the leaders of the area may hide comments."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why the comment is hidden: the author is told.")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("The reason is too long: at most 300 characters.")})
    if comment.is_hidden:
        raise ValidationError(_("This comment is hidden already."))
    if not rules.can_moderate_now(draft):
        raise ValidationError(_("The response report is published: its comments can no longer be hidden."))
    now = timezone.now()
    with transaction.atomic():
        comment.hidden_at, comment.hidden_by, comment.hidden_reason = now, actor, reason
        comment.outcome, comment.outcome_reason = "", ""
        comment.save(
            update_fields=["hidden_at", "hidden_by", "hidden_reason", "outcome", "outcome_reason", "updated_at"]
        )
        audit_record(
            actor=actor,
            action=ConsultationEvent.CONSULTATION_COMMENT_HIDE,
            obj=comment,
            region_code=comment.region_code,
            after={"reason": reason},
        )
        user_id = _author_user_id(comment)
        if user_id:
            notice_send(
                kind="direct",
                user_ids=[user_id],
                sender=actor,
                template="consultations_hidden",
                context={
                    "title": draft.title,
                    "short_title": _short(draft.title),
                    "reason": reason,
                    "excerpt": _short(comment.body, 60),
                },
                link=draft_url(draft),
                urgency=Urgency.NORMAL,
            )
    return comment


def comment_restore(*, actor: User, comment: Comment) -> Comment:
    """Show a hidden comment again (a moderator's mistake)."""
    if not rules.can_moderate(actor, comment.draft):
        raise ValidationError(_("Only the draft's owner and the leaders of the area may hide comments."))
    if not comment.is_hidden:
        return comment
    if not rules.can_moderate_now(comment.draft):
        raise ValidationError(_("The response report is published: its comments can no longer change."))
    before = {"reason": comment.hidden_reason}
    comment.hidden_at, comment.hidden_by, comment.hidden_reason = None, None, ""
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=ConsultationEvent.CONSULTATION_COMMENT_RESTORE,
        obj=comment,
        region_code=comment.region_code,
        before=before,
    )
    return comment


# --- Response report --------------------------------------------------------------------------


def _check_reporting(actor: User, draft: Draft) -> None:
    if not rules.can_manage(actor, draft):
        raise ValidationError(_("Only the draft's owner writes the response report."))
    if rules.is_answered(draft):
        raise ValidationError(_("The response report is published and can no longer change."))
    if not rules.can_write_report(draft):
        raise ValidationError(_("The response report is written after the consultation closes."))


def comment_set_outcome(*, actor: User, comment: Comment, outcome: str, reason: str) -> Comment:
    """Record what became of one comment: adopted, partly adopted or not adopted, with a reason."""
    _check_reporting(actor, comment.draft)
    if comment.is_hidden:
        raise ValidationError(_("A hidden comment gets no answer in the report."))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose adopted, partly adopted or not adopted.")})
    reason = clean_text(reason)
    if outcome != Outcome.ADOPTED and not reason:
        raise ValidationError({"outcome_reason": _("Give the reason: the villager is told why.")})
    if len(reason) > 1000:
        raise ValidationError({"outcome_reason": _("The reason is too long: at most 1000 characters.")})
    if comment.outcome == outcome and comment.outcome_reason == reason:
        return comment
    before = {"outcome": comment.outcome}
    comment.outcome, comment.outcome_reason = outcome, reason
    comment.outcome_by, comment.outcome_at = actor, timezone.now()
    comment.save(update_fields=["outcome", "outcome_reason", "outcome_by", "outcome_at", "updated_at"])
    audit_record(
        actor=actor,
        action=ConsultationEvent.CONSULTATION_OUTCOME,
        obj=comment,
        region_code=comment.region_code,
        before=before,
        after={"outcome": outcome},
    )
    return comment


def report_save(*, actor: User, draft: Draft, summary: str) -> ResponseReport:
    """Write (or rewrite) the response report's summary before it is published."""
    _check_reporting(actor, draft)
    summary = clean_text(summary)
    if len(summary) > 10000:
        raise ValidationError({"summary": _("The summary is too long: at most 10,000 characters.")})
    report, _created = ResponseReport.objects.get_or_create(draft=draft, defaults={"written_by": actor})
    report.summary, report.written_by = summary, actor
    report.save(update_fields=["summary", "written_by", "updated_at"])
    return report


def unanswered(draft: Draft) -> QuerySet[Comment]:
    """Comments that still need an outcome: every visible comment that is not a reply."""
    return draft.comments.filter(hidden_at__isnull=True, parent__isnull=True, outcome="")


def report_publish(*, actor: User, draft: Draft, now: dt.datetime | None = None) -> ResponseReport:
    """Publish the response report: every comment has its outcome; each commenter is told what became of theirs."""
    now = now or timezone.now()
    _check_reporting(actor, draft)
    missing = unanswered(draft).count()
    if missing:
        raise ValidationError(
            _("%(n)s comment(s) have no answer yet: give each one an outcome first.") % {"n": missing}
        )
    report = ResponseReport.objects.filter(draft=draft).first()
    if report is None or not report.summary:
        raise ValidationError({"summary": _("Write a short summary of the response first.")})
    with transaction.atomic():
        if not Draft.objects.filter(pk=draft.pk, status=Status.CLOSED).update(status=Status.RESPONDED, updated_at=now):
            raise ValidationError(_("The response report is published and can no longer change."))
        draft.status = Status.RESPONDED
        # One notice per commenter, listing what became of each of their comments.
        by_user: dict[int, list] = {}
        for c in (
            draft.comments.filter(hidden_at__isnull=True)
            .select_related("villager", "paragraph")
            .order_by("created_at", "id")
        ):
            user_id = _author_user_id(c)
            if user_id:
                by_user.setdefault(user_id, []).append(
                    {
                        "paragraph": c.paragraph.number if c.paragraph is not None else None,
                        "outcome": c.outcome,
                        "reason": _short(c.outcome_reason, 200),
                        "excerpt": _short(c.body, 40),
                        "reply": c.is_reply,
                    }
                )
        link = reverse("consultations:report", args=[draft.public_id])
        for user_id, items in by_user.items():
            notice_send(
                kind="direct",
                user_ids=[user_id],
                sender=actor,
                template="consultations_report",
                context={
                    "title": draft.title,
                    "short_title": _short(draft.title),
                    "items": items[:20],
                    "more": max(0, len(items) - 20),
                },
                link=link,
                now=now,
            )
        report.published_at, report.published_by, report.notified = now, actor, len(by_user)
        report.save(update_fields=["published_at", "published_by", "notified", "updated_at"])
        audit_record(
            actor=actor,
            action=ConsultationEvent.CONSULTATION_REPORT_PUBLISH,
            obj=draft,
            before={"status": Status.CLOSED},
            after={"status": Status.RESPONDED, "notified": len(by_user)},
        )
    return report


# --- Adoption and filing ----------------------------------------------------------------------


def _adoptable(draft: Draft) -> bool:
    if draft.status == Status.RESPONDED:
        return True
    # A revised final text, put straight to the villagers' meeting after the consultation on the last version.
    return (
        draft.status in (Status.DRAFT, Status.SCHEDULED)
        and draft.previous is not None
        and draft.previous.status in (Status.RESPONDED, Status.ADOPTED)
    )


def adoption_record(
    *,
    actor: User,
    draft: Draft,
    adopted_on: dt.date,
    meeting_reference: str,
    resolution_url: str = "",
    now: dt.datetime | None = None,
) -> Adoption:
    """Record a villagers' meeting adoption, publish the rule with its resolution, file it to the township."""
    now = now or timezone.now()
    if not rules.can_adopt(actor, draft):
        raise ValidationError(_("Only the owner of a village's draft records its adoption."))
    if hasattr(draft, "adoption"):
        raise ValidationError(_("The adoption of this text is recorded already."))
    if not _adoptable(draft):
        raise ValidationError(_("A text is adopted after its consultation's response report is published."))
    meeting_reference = " ".join((meeting_reference or "").split())
    resolution_url = (resolution_url or "").strip()
    errors = {}
    if adopted_on > timezone.localdate(now):
        errors["adopted_on"] = _("The meeting date cannot be in the future.")
    if draft.opened_at and adopted_on < timezone.localdate(draft.opened_at):
        errors["adopted_on"] = _("The meeting date is before the consultation opened.")
    if not meeting_reference:
        errors["meeting_reference"] = _("Name the meeting and its resolution (date, number).")
    elif len(meeting_reference) > 300:
        errors["meeting_reference"] = _("At most 300 characters.")
    if resolution_url and not (
        resolution_url.startswith(("https://", "http://"))
        or (resolution_url.startswith("/") and not resolution_url.startswith("//"))
    ):
        errors["resolution_url"] = _("Give a web address (https://…) or a page of this site (/…).")
    if len(resolution_url) > 300:
        errors["resolution_url"] = _("At most 300 characters.")
    if errors:
        raise ValidationError(errors)
    township = draft.scope.parent
    assert township is not None  # can_adopt allows only a village's draft, and a village lies in a township
    with transaction.atomic():
        before = draft.status
        Draft.objects.filter(pk=draft.pk).update(status=Status.ADOPTED, updated_at=now)
        draft.status = Status.ADOPTED
        adoption = Adoption.objects.create(
            draft=draft,
            region_code=draft.region_code,
            adopted_on=adopted_on,
            meeting_reference=meeting_reference,
            resolution_url=resolution_url,
            recorded_by=actor,
            filed_to=township,
            filed_prefix=township.prefix,
            filed_at=now,
            filed_by=actor,
        )
        audit_record(
            actor=actor,
            action=ConsultationEvent.CONSULTATION_ADOPT,
            obj=draft,
            before={"status": before},
            after={
                "status": Status.ADOPTED,
                "adopted_on": adopted_on.isoformat(),
                "meeting_reference": meeting_reference,
            },
        )
        audit_record(
            actor=actor,
            action=ConsultationEvent.CONSULTATION_FILE,
            obj=adoption,
            region_code=draft.region_code,
            after={"filed_to": township.code, "draft": draft.public_id},
        )
        staff = list(
            User.objects.filter(roles__role=Role.OFFICE_STAFF, roles__region=township, is_active=True)
            .values_list("pk", flat=True)
            .distinct()
        )
        if staff:
            notice_send(
                kind="direct",
                user_ids=staff,
                sender=actor,
                template="consultations_filed",
                context={
                    "title": draft.title,
                    "short_title": _short(draft.title),
                    "village": draft.scope.name,
                    "adopted_on": adopted_on.isoformat(),
                    "meeting": meeting_reference,
                },
                link=reverse("consultations:filings"),
                about=draft,
                now=now,
            )
        adoption_publish(actor=actor, adoption=adoption)
    return adoption


def _publication_text(adoption: Adoption) -> tuple[str, str]:
    draft = adoption.draft
    with translation.override(settings.LANGUAGE_CODE):  # the notice board's language, not the clerk's
        title = _("%(title)s (adopted by the villagers' meeting)") % {"title": draft.title}
        lines = [
            _("Adopted on %(date)s by: %(meeting)s")
            % {"date": adoption.adopted_on.isoformat(), "meeting": adoption.meeting_reference}
        ]
        if adoption.resolution_url:
            lines.append(_("Resolution: %(url)s") % {"url": adoption.resolution_url})
        lines.append(
            _("Filed to %(township)s on %(date)s.")
            % {"township": adoption.filed_to.name, "date": timezone.localdate(adoption.filed_at).isoformat()}
        )
        lines.append("")
        lines += [p.text for p in draft.paragraphs.all()]
    return title, "\n\n".join(lines)


def adoption_publish(*, actor: User, adoption: Adoption) -> bool:
    """Publish the adopted rule on the village's disclosure board; a failure is recorded to retry, never lost."""
    if adoption.disclosure_post_id:
        return True
    title, body = _publication_text(adoption)
    try:
        with transaction.atomic():
            post = disclosure_services.post_publish_about(
                about=adoption,
                village=adoption.draft.scope,
                category=DisclosureCategory.VILLAGE,
                title=title,
                body=body,
                actor=actor,
                source_url=draft_url(adoption.draft),
            )
    except Exception as exc:  # recorded on the adoption and shown with a "publish again" button
        logger.exception("publishing adopted rule %s failed", adoption.pk)
        adoption.publish_error = (str(exc) or exc.__class__.__name__)[:300]
        adoption.save(update_fields=["publish_error", "updated_at"])
        return False
    adoption.disclosure_post_id = post.public_id
    adoption.published_at, adoption.publish_error = timezone.now(), ""
    adoption.save(update_fields=["disclosure_post_id", "published_at", "publish_error", "updated_at"])
    audit_record(
        actor=actor,
        action=ConsultationEvent.CONSULTATION_ADOPTION_PUBLISH,
        obj=adoption,
        after={"post": adoption.disclosure_post_id},
    )
    return True


def adoption_acknowledge(*, actor: User, adoption: Adoption) -> Adoption:
    """The township records that it received the filed rule (备案)."""
    if not rules.can_acknowledge_filing(actor, adoption):
        raise ValidationError(_("Only the township's office staff acknowledge a filed rule."))
    if adoption.acknowledged_at is None:
        adoption.acknowledged_at, adoption.acknowledged_by = timezone.now(), actor
        adoption.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
        audit_record(actor=actor, action=ConsultationEvent.CONSULTATION_FILING_ACKNOWLEDGE, obj=adoption)
    return adoption
