"""Consultation pages: the list, a draft with its paragraphs and comments, commenting and replying,
moderation, the owner's response page, the published report, figures, changes between versions,
adoption and filing.

Views parse input, ask consultations.rules, call a service or a selector, and render. A draft or
comment outside the reader's reach answers 404 (its existence is not revealed).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cunzhi.consultations import rules, selectors, services, texts
from cunzhi.consultations.forms import (
    COMMITTEE,
    OUTCOME_CHOICES,
    AdoptionForm,
    CommentForm,
    DraftForm,
    HideForm,
    StanceForm,
    SummaryForm,
    default_dates,
)
from cunzhi.consultations.models import (
    Adoption,
    Comment,
    Draft,
    DraftKind,
    Outcome,
    Paragraph,
    ResponseReport,
    Stance,
    Status,
)
from cunzhi.core.ratelimits import limit_create
from cunzhi.core.views import add_errors, forbidden_saying, service_action
from cunzhi.people.actors import AnyUser, UserRequest
from cunzhi.people.models import Delegation, Villager

PAGE_SIZE = 20


# A refusal without its own words says who this page is for.
forbidden = forbidden_saying(gettext_lazy("This page is for the draft's owner."))


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@dataclass
class Access:
    """What the reader may do with one draft; computed once per request."""

    manage: bool
    moderate: bool
    leader: bool
    options: list = field(default_factory=list)  # (villager, delegation) they may comment as
    own_ids: set = field(default_factory=set)

    @property
    def can_comment(self) -> bool:
        return bool(self.options)


def _access(user: AnyUser, draft: Draft) -> Access:
    manage = rules.can_manage(user, draft)
    return Access(
        manage=manage,
        moderate=rules.can_moderate(user, draft),
        leader=rules.is_leader(user, draft),
        options=rules.commenters(user, draft) if draft.is_open else [],
        own_ids=rules.own_villager_ids(user),
    )


def _draft_or_404(request: HttpRequest, public_id: str) -> Draft:
    draft = selectors.draft_by_public_id(public_id=public_id)
    if draft is None or not rules.can_view(request.user, draft):
        raise Http404
    return draft


def _decorate(
    comments: Iterable[Comment], *, access: Access, draft: Draft, user: AnyUser, replies: bool = False
) -> None:
    """What each reader sees (selectors.comment_shown: full names to leaders and the author, 张* to other
    villagers) and the allowed actions. With `replies`, the prefetched replies of each comment too."""
    # The reader's standing is already in `access`: no second look-up.
    reader = selectors.CommentReader(
        user_pk=user.pk if user.is_authenticated else None, leader=access.leader, own_ids=frozenset(access.own_ids)
    )
    moderate_now = access.moderate and rules.can_moderate_now(draft)
    for c in comments:
        for item in [c, *c.replies.all()] if replies else [c]:
            shown = selectors.comment_shown(item, reader=reader)
            item.shown_name, item.mine, item.helper_name = shown.author, shown.mine, shown.helper_name
            item.by_helper = item.delegation_id is not None
            item.show_body = shown.show_body
            item.can_hide = moderate_now and not item.is_hidden
            item.can_restore = moderate_now and item.is_hidden
            item.can_reply = access.can_comment and not item.is_hidden
            item.show_outcome = rules.is_answered(draft) and bool(item.outcome)


def _options_villager(options: list[tuple[Villager, Delegation | None]], public_id: str) -> Villager | None:
    """The villager picked in a "writing as" field, among those the user may write for (None: themself)."""
    if not public_id:
        return None
    for villager, _d in options:
        if villager.public_id == public_id:
            return villager
    raise ValidationError({"for_villager": _("You have no active delegation from this villager for consultations.")})


# --- List and creation ------------------------------------------------------------------------

STATUS_TABS = [
    ("", None),
    ("open", Status.OPEN),
    ("scheduled", Status.SCHEDULED),
    ("closed", Status.CLOSED),
    ("responded", Status.RESPONDED),
    ("adopted", Status.ADOPTED),
    ("draft", Status.DRAFT),
]


@login_required
def index(request: UserRequest) -> HttpResponse:
    """Drafts the reader may read or manage: open ones to comment on, then the rest, 20 a page."""
    user = request.user
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    kind = request.GET.get("kind", "")
    if kind not in DraftKind.values:
        kind = ""
    page = Paginator(selectors.drafts_visible(user=user, status=status, kind=kind), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    tabs = [
        {"value": value, "label": Status(value).label if value else _("All"), "current": value == status}
        for value, _s in STATUS_TABS
        if value != "draft" or rules.can_create(user)
    ]
    return render(
        request,
        "consultations/index.html",
        {
            "page": page,
            "tabs": tabs,
            "status": status,
            "can_create": rules.can_create(user),
            "can_see_filings": rules.can_see_filings(user),
        },
    )


def _draft_paragraphs(form: forms.Form) -> list[str]:
    upload = form.cleaned_data.get("file")
    if upload:
        return texts.paragraphs_from_upload(upload)
    return texts.paragraphs_split(form.cleaned_data.get("text") or "")


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def draft_new(request: UserRequest) -> HttpResponse:
    """Start a draft: title, scope, owner, dates, and the text pasted or uploaded."""
    user = request.user
    if not rules.can_create(user):
        return forbidden(request, _("Village cadres and office staff start consultations."))
    scopes = selectors.creatable_scopes(user=user)
    owners = selectors.creatable_owners(user=user)
    opens, closes = default_dates()
    initial = {
        "opens_on": opens,
        "closes_on": closes,
        "owner": f"office:{owners[0].pk}" if owners else COMMITTEE,
        "owner_committee": "" if owners else _("Villagers' committee"),
    }
    form = DraftForm(request.POST or None, request.FILES or None, scopes=scopes, owners=owners, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scope = next(r for r in scopes if r.code == data["scope"])
        owner = None if data["owner"] == COMMITTEE else next(o for o in owners if f"office:{o.pk}" == data["owner"])
        try:
            draft = services.draft_create(
                actor=user,
                title=data["title"],
                kind=data["kind"],
                scope=scope,
                owner_office=owner,
                owner_committee=data["owner_committee"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                paragraphs=_draft_paragraphs(form),
                summary=data["summary"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The draft is saved. Check the paragraphs, then publish it."))
            return redirect("consultations:detail", public_id=draft.public_id)
    return render(request, "consultations/draft_form.html", {"form": form, "draft": None})


@login_required
@require_http_methods(["GET", "POST"])
def draft_edit(request: UserRequest, public_id: str) -> HttpResponse:
    """Change a draft before it opens: title, dates, text."""
    draft = _draft_or_404(request, public_id)
    if not rules.can_manage(request.user, draft):
        return forbidden(request)
    if draft.status not in (Status.DRAFT, Status.SCHEDULED):
        messages.error(
            request,
            _(
                "Comments may already have been made: the text can no longer change. "
                "Start a new version after the response report."
            ),
        )
        return redirect("consultations:detail", public_id=draft.public_id)
    initial = {
        "title": draft.title,
        "kind": draft.kind,
        "owner_committee": draft.owner_committee,
        "opens_on": _local_day(draft.opens_at),
        "closes_on": _local_day(draft.closes_at, end=True),
        "summary": draft.summary,
        "text": "\n\n".join(draft.paragraphs.values_list("text", flat=True)),
    }
    form = DraftForm(request.POST or None, request.FILES or None, initial=initial, editing=True)
    if draft.owner_office_id:
        del form.fields["owner_committee"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.draft_update(
                actor=request.user,
                draft=draft,
                title=data["title"],
                kind=data["kind"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                paragraphs=_draft_paragraphs(form),
                summary=data["summary"],
                owner_committee=data.get("owner_committee"),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("consultations:detail", public_id=draft.public_id)
    return render(request, "consultations/draft_form.html", {"form": form, "draft": draft})


def _local_day(when: dt.datetime, end: bool = False) -> dt.date:
    """The local calendar day of a stored time; a closing time (midnight after the last day) gives the last day."""
    from django.utils import timezone

    if end:
        when = when - dt.timedelta(seconds=1)
    return timezone.localtime(when).date()


def _owner_action(
    request: HttpRequest,
    public_id: str,
    action: Callable[[Draft], object],
    done_message: str | Callable[[Draft], str],
) -> HttpResponse:
    draft = _draft_or_404(request, public_id)
    if not rules.can_manage(request.user, draft):
        return forbidden(request)
    return service_action(
        request,
        lambda: action(draft),
        done=(lambda: done_message(draft)) if callable(done_message) else done_message,
        to=reverse("consultations:detail", kwargs={"public_id": draft.public_id}),
    )


@login_required
@require_POST
def draft_publish(request: UserRequest, public_id: str) -> HttpResponse:
    def message(draft: Draft) -> str:
        if draft.status == Status.OPEN:
            return _("The consultation is open. Everyone consulted has been told.")
        return _("The draft is published. It opens, and everyone consulted is told, on %(day)s.") % {
            "day": _local_day(draft.opens_at).isoformat()
        }

    return _owner_action(request, public_id, lambda d: services.draft_publish(actor=request.user, draft=d), message)


@login_required
@require_POST
def draft_close(request: UserRequest, public_id: str) -> HttpResponse:
    def close(draft: Draft) -> None:
        if not services.draft_close(draft=draft, actor=request.user):
            raise ValidationError(_("Only an open consultation can be closed."))

    return _owner_action(
        request, public_id, close, _("The consultation is closed. Now answer each comment in the response report.")
    )


@login_required
@require_POST
def draft_new_version(request: UserRequest, public_id: str) -> HttpResponse:
    draft = _draft_or_404(request, public_id)
    if not rules.can_manage(request.user, draft):
        return forbidden(request)
    try:
        new = services.draft_new_version(actor=request.user, draft=draft)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("consultations:detail", public_id=draft.public_id)
    messages.success(
        request,
        _("Version %(n)s is started from the current text: revise it, then publish it or record its adoption.")
        % {"n": new.version},
    )
    return redirect("consultations:edit", public_id=new.public_id)


# --- A draft, its paragraphs and comments ------------------------------------------------------


def _comment_post(
    request: UserRequest,
    draft: Draft,
    access: Access,
    form: forms.Form,
    *,
    paragraph: Paragraph | None = None,
    parent: Comment | None = None,
) -> Comment | None:
    """Handle a posted comment form; returns the new comment or None (errors are on the form)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        villager = _options_villager(access.options, data.get("for_villager") or "")
        return services.comment_add(
            actor=request.user,
            draft=draft,
            body=data["body"],
            paragraph=paragraph,
            parent=parent,
            visibility=data["visibility"] or "public",
            for_villager=villager,
        )
    except ValidationError as exc:
        add_errors(form, exc)
    return None


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def detail(request: UserRequest, public_id: str) -> HttpResponse:
    """A draft: its numbered paragraphs with counts, comments on the whole draft, and the owner's actions."""
    user = request.user
    draft = _draft_or_404(request, public_id)
    access = _access(user, draft)
    form = (
        CommentForm(request.POST or None, options=access.options)
        if access.can_comment or request.method == "POST"
        else None
    )
    if request.method == "POST":
        if form is None or not access.can_comment:  # a POST always has its form
            messages.error(
                request,
                _("This consultation is closed: comments are no longer accepted.")
                if draft.is_public
                else _("This consultation is not open yet."),
            )
            return redirect("consultations:detail", public_id=draft.public_id)
        comment = _comment_post(request, draft, access, form)
        if comment is not None:
            messages.success(request, _("Thank you: your comment is recorded."))
            return redirect(reverse("consultations:detail", args=[draft.public_id]) + f"#c-{comment.public_id}")
    paragraphs = selectors.paragraphs_with_counts(draft=draft, leader=access.leader, own_ids=access.own_ids)
    page = Paginator(
        selectors.comments_thread(draft=draft, user=user, leader=access.leader, own_ids=access.own_ids, whole=True),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    _decorate(page, access=access, draft=draft, user=user, replies=True)
    report = ResponseReport.objects.filter(draft=draft).first() if draft.status != Status.DRAFT else None
    adoption = getattr(draft, "adoption", None) if draft.status == Status.ADOPTED else None
    next_version = draft.next_versions.first() if draft.status in (Status.RESPONDED, Status.ADOPTED) else None
    return render(
        request,
        "consultations/detail.html",
        {
            "draft": draft,
            "access": access,
            "actions": rules.draft_actions(user, draft),
            "paragraphs": paragraphs,
            "page": page,
            "form": form,
            "report": report,
            "adoption": adoption,
            "next_version": next_version,
            "can_adopt": rules.can_adopt(user, draft) and services._adoptable(draft) and adoption is None,
        },
    )


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def paragraph(request: UserRequest, public_id: str, number: int) -> HttpResponse:
    """One paragraph: support or oppose it, its comments and replies, and a comment form."""
    user = request.user
    draft = _draft_or_404(request, public_id)
    para = draft.paragraphs.filter(number=number).first()
    if para is None:
        raise Http404
    access = _access(user, draft)
    form = (
        CommentForm(request.POST or None, options=access.options)
        if access.can_comment or request.method == "POST"
        else None
    )
    if request.method == "POST":
        if form is None or not access.can_comment:  # a POST always has its form
            messages.error(request, _("This consultation is closed: comments are no longer accepted."))
            return redirect("consultations:paragraph", public_id=draft.public_id, number=number)
        comment = _comment_post(request, draft, access, form, paragraph=para)
        if comment is not None:
            messages.success(request, _("Thank you: your comment is recorded."))
            target = reverse("consultations:paragraph", args=[draft.public_id, number])
            return redirect(f"{target}#c-{comment.public_id}")
    counts = next(
        p
        for p in selectors.paragraphs_with_counts(draft=draft, leader=access.leader, own_ids=access.own_ids)
        if p.number == number
    )
    page = Paginator(
        selectors.comments_thread(draft=draft, user=user, leader=access.leader, own_ids=access.own_ids, paragraph=para),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    _decorate(page, access=access, draft=draft, user=user, replies=True)
    my_stances = {
        s.villager_id: s.stance for s in Stance.objects.filter(paragraph=para, villager_id__in=list(access.own_ids))
    }
    stance_rows = [
        {"villager": v, "delegated": d is not None, "stance": my_stances.get(v.pk, "")} for v, d in access.options
    ]
    last = draft.paragraphs.order_by("-number").values_list("number", flat=True).first()
    return render(
        request,
        "consultations/paragraph.html",
        {
            "draft": draft,
            "p": counts,
            "access": access,
            "page": page,
            "form": form,
            "stance_rows": stance_rows,
            "prev": number - 1 if number > 1 else None,
            "next": number + 1 if last and number < last else None,
        },
    )


@login_required
@limit_create
@require_POST
def stance(request: UserRequest, public_id: str, number: int) -> HttpResponse:
    """Support or oppose one paragraph (for oneself or a villager one helps)."""
    draft = _draft_or_404(request, public_id)
    para = draft.paragraphs.filter(number=number).first()
    if para is None:
        raise Http404
    form = StanceForm(request.POST)
    target = reverse("consultations:paragraph", args=[draft.public_id, number])
    if not form.is_valid():
        messages.error(request, _("Choose support or oppose."))
        return redirect(target)
    try:
        options = rules.commenters(request.user, draft)
        villager = _options_villager(options, form.cleaned_data["for_villager"])
        result = services.stance_set(
            actor=request.user, draft=draft, paragraph=para, stance=form.cleaned_data["stance"], for_villager=villager
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("Your view is withdrawn.")
            if result is None
            else _("Recorded: you support paragraph %(n)s.") % {"n": number}
            if result.stance == "support"
            else _("Recorded: you oppose paragraph %(n)s.") % {"n": number},
        )
    return redirect(target)


def _comment_or_404(request: HttpRequest, public_id: str) -> Comment:
    comment = selectors.comment_by_public_id(public_id=public_id)
    if comment is None or not rules.can_view(request.user, comment.draft):
        raise Http404
    leader = rules.is_leader(request.user, comment.draft)
    if not rules.can_read_comment(request.user, comment, leader=leader, own_ids=rules.own_villager_ids(request.user)):
        raise Http404
    return comment


def _comment_url(comment: Comment) -> str:
    if comment.paragraph:
        url = reverse("consultations:paragraph", args=[comment.draft.public_id, comment.paragraph.number])
    else:
        url = reverse("consultations:detail", args=[comment.draft.public_id])
    return f"{url}#c-{comment.public_id}"


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def reply(request: UserRequest, public_id: str) -> HttpResponse:
    """Reply to another villager's comment."""
    parent = _comment_or_404(request, public_id)
    draft = parent.draft
    access = _access(request.user, draft)
    if not access.can_comment or parent.is_hidden:
        messages.error(
            request,
            _("This consultation is closed: comments are no longer accepted.")
            if not draft.is_open
            else _("You cannot reply to this comment."),
        )
        return redirect(_comment_url(parent))
    form = CommentForm(request.POST or None, options=access.options, reply=True)
    if request.method == "POST":
        comment = _comment_post(request, draft, access, form, parent=parent)
        if comment is not None:
            messages.success(request, _("Your reply is recorded."))
            return redirect(_comment_url(comment))
    _decorate([parent], access=access, draft=draft, user=request.user)
    return render(
        request,
        "consultations/reply.html",
        {"draft": draft, "parent": parent, "form": form, "back": _comment_url(parent)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def hide(request: UserRequest, public_id: str) -> HttpResponse:
    """A moderator hides a comment with a reason; the author is told."""
    comment = _comment_or_404(request, public_id)
    if not rules.can_moderate(request.user, comment.draft):
        return forbidden(request, _("Only the draft's owner and the leaders of the area may hide comments."))
    form = HideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_hide(actor=request.user, comment=comment, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The comment is hidden and its author has been told why."))
            return redirect(_comment_url(comment))
    access = _access(request.user, comment.draft)
    _decorate([comment], access=access, draft=comment.draft, user=request.user)
    return render(
        request,
        "consultations/hide.html",
        {"comment": comment, "draft": comment.draft, "form": form, "back": _comment_url(comment)},
    )


@login_required
@require_POST
def restore(request: UserRequest, public_id: str) -> HttpResponse:
    comment = _comment_or_404(request, public_id)
    if not rules.can_moderate(request.user, comment.draft):
        return forbidden(request, _("Only the draft's owner and the leaders of the area may hide comments."))
    try:
        services.comment_restore(actor=request.user, comment=comment)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The comment is shown again."))
    return redirect(_comment_url(comment))


# --- Response report --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def response(request: UserRequest, public_id: str) -> HttpResponse:
    """The owner answers each comment (20 a page) and writes the summary, then publishes the report."""
    user = request.user
    draft = _draft_or_404(request, public_id)
    if not rules.can_manage(user, draft):
        return forbidden(request, _("Only the draft's owner writes the response report."))
    if draft.status in (Status.RESPONDED, Status.ADOPTED):
        return redirect("consultations:report", public_id=draft.public_id)
    report = ResponseReport.objects.filter(draft=draft).first()
    summary_form = SummaryForm(
        request.POST if request.POST.get("action") == "summary" else None,
        initial={"summary": report.summary if report else ""},
    )
    page = Paginator(selectors.comments_to_answer(draft=draft), PAGE_SIZE).get_page(request.GET.get("page"))
    errors = {}
    if request.method == "POST":
        if draft.status != Status.CLOSED:
            messages.error(request, _("The response report is written after the consultation closes."))
            return redirect("consultations:detail", public_id=draft.public_id)
        if request.POST.get("action") == "summary":
            if summary_form.is_valid():
                try:
                    services.report_save(actor=user, draft=draft, summary=summary_form.cleaned_data["summary"])
                except ValidationError as exc:
                    add_errors(summary_form, exc)
                else:
                    messages.success(request, _("The summary is saved."))
                    return redirect(request.get_full_path())
        else:
            for c in page:
                outcome = request.POST.get(f"outcome-{c.public_id}", "")
                reason = request.POST.get(f"reason-{c.public_id}", "")
                c.posted_outcome, c.posted_reason = outcome, reason
                if not outcome:
                    continue
                try:
                    services.comment_set_outcome(actor=user, comment=c, outcome=outcome, reason=reason)
                except ValidationError as exc:
                    errors[c.public_id] = _error_text(exc)
            if not errors:
                messages.success(request, _("The answers on this page are saved."))
                return redirect(request.get_full_path())
    for c in page:
        c.error = errors.get(c.public_id, "")
        if not hasattr(c, "posted_outcome"):
            c.posted_outcome, c.posted_reason = c.outcome, c.outcome_reason
    return render(
        request,
        "consultations/response.html",
        {
            "draft": draft,
            "page": page,
            "summary_form": summary_form,
            "report": report,
            "outcomes": OUTCOME_CHOICES,
            "missing": services.unanswered(draft).count(),
            "figures": selectors.figures(draft=draft),
        },
    )


@login_required
@require_POST
def report_publish(request: UserRequest, public_id: str) -> HttpResponse:
    draft = _draft_or_404(request, public_id)
    if not rules.can_manage(request.user, draft):
        return forbidden(request, _("Only the draft's owner writes the response report."))
    try:
        report = services.report_publish(actor=request.user, draft=draft)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("consultations:response", public_id=draft.public_id)
    messages.success(
        request,
        _("The response report is published; %(n)s commenter(s) have been told what became of their comments.")
        % {"n": report.notified},
    )
    return redirect("consultations:report", public_id=draft.public_id)


@login_required
def report(request: UserRequest, public_id: str) -> HttpResponse:
    """The published response report: the summary and what became of each comment."""
    user = request.user
    draft = _draft_or_404(request, public_id)
    access = _access(user, draft)
    rep = ResponseReport.objects.filter(draft=draft, published_at__isnull=False).select_related("published_by").first()
    if rep is None:
        if access.manage:
            return redirect("consultations:response", public_id=draft.public_id)
        return render(
            request,
            "web/message.html",
            {
                "title": _("Not published yet"),
                "message": _("The owner publishes the response report after the consultation closes."),
            },
        )
    mine_only = request.GET.get("mine") == "1"
    qs = selectors.comments_for_report(draft=draft, user=user, leader=access.leader, own_ids=access.own_ids)
    if mine_only:
        qs = qs.filter(villager_id__in=list(access.own_ids))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(page, access=access, draft=draft, user=user)
    return render(
        request,
        "consultations/report.html",
        {
            "draft": draft,
            "report": rep,
            "page": page,
            "figures": selectors.figures(draft=draft),
            "mine_only": mine_only,
            "has_own": bool(access.own_ids),
        },
    )


# --- Figures, versions ------------------------------------------------------------------------


@login_required
def figures(request: UserRequest, public_id: str) -> HttpResponse:
    """Participants, comments per paragraph, share of commenters living away, adoption rate."""
    draft = _draft_or_404(request, public_id)
    return render(request, "consultations/figures.html", {"draft": draft, "f": selectors.figures(draft=draft)})


@login_required
def changes(request: UserRequest, public_id: str) -> HttpResponse:
    """What changed from the previous version: paragraphs added, removed and changed, word by word."""
    draft = _draft_or_404(request, public_id)
    previous = draft.previous
    if previous is None:
        raise Http404
    old = list(previous.paragraphs.values_list("text", flat=True))
    new = list(draft.paragraphs.values_list("text", flat=True))
    rows = texts.paragraphs_diff(old, new)
    only_changes = request.GET.get("all") != "1"
    counts = texts.diff_counts(rows)
    return render(
        request,
        "consultations/changes.html",
        {
            "draft": draft,
            "previous": previous,
            "rows": [r for r in rows if r["kind"] != "same"] if only_changes else rows,
            "counts": counts,
            "only_changes": only_changes,
            "previous_visible": rules.can_view(request.user, previous),
        },
    )


# --- Adoption and filing ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def adopt(request: UserRequest, public_id: str) -> HttpResponse:
    """Record the villagers' meeting's adoption of a village rule: it is published and filed to the township."""
    draft = _draft_or_404(request, public_id)
    if not rules.can_adopt(request.user, draft):
        return forbidden(request, _("Only the owner of a village's draft records its adoption."))
    form = AdoptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            adoption = services.adoption_record(
                actor=request.user,
                draft=draft,
                adopted_on=data["adopted_on"],
                meeting_reference=data["meeting_reference"],
                resolution_url=data["resolution_url"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if adoption.disclosure_post_id:
                messages.success(
                    request,
                    _("The adoption is recorded, published on the disclosure board and filed to %(t)s.")
                    % {"t": adoption.filed_to.name},
                )
            else:
                messages.error(
                    request,
                    _(
                        "The adoption is recorded and filed to %(t)s, but publishing it on the "
                        "disclosure board failed. Try again from this page."
                    )
                    % {"t": adoption.filed_to.name},
                )
            return redirect("consultations:detail", public_id=draft.public_id)
    return render(request, "consultations/adopt.html", {"draft": draft, "form": form})


@login_required
@require_POST
def adoption_publish(request: UserRequest, public_id: str) -> HttpResponse:
    draft = _draft_or_404(request, public_id)
    adoption = getattr(draft, "adoption", None)
    if adoption is None or not rules.can_adopt(request.user, draft):
        return forbidden(request, _("Only the owner of a village's draft records its adoption."))
    if services.adoption_publish(actor=request.user, adoption=adoption):
        messages.success(request, _("The adopted rule is published on the disclosure board."))
    else:
        messages.error(
            request, _("Publishing on the disclosure board failed again: %(e)s") % {"e": adoption.publish_error}
        )
    return redirect("consultations:detail", public_id=draft.public_id)


@login_required
def filings(request: UserRequest) -> HttpResponse:
    """Village rules adopted and filed to the townships in the reader's scope; unacknowledged first."""
    if not rules.can_see_filings(request.user):
        return forbidden(request, _("This page is for township and village staff."))
    page = Paginator(selectors.filings_visible(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for a in page:
        a.can_ack = a.acknowledged_at is None and rules.can_acknowledge_filing(request.user, a)
    return render(request, "consultations/filings.html", {"page": page})


@login_required
@require_POST
def filing_acknowledge(request: UserRequest, public_id: str) -> HttpResponse:
    adoption = Adoption.objects.select_related("filed_to", "draft").filter(public_id=public_id).first()
    if adoption is None or not rules.in_scope(request.user, adoption.region_code):
        raise Http404
    try:
        services.adoption_acknowledge(actor=request.user, adoption=adoption)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The filing of “%(title)s” is acknowledged.") % {"title": adoption.draft.title})
    return redirect("consultations:filings")


# --- Mine -------------------------------------------------------------------------------------


@login_required
def mine(request: UserRequest) -> HttpResponse:
    """My comments (and those I wrote for villagers I help) and what became of them."""
    page = Paginator(selectors.comments_mine(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for c in page:
        c.show_outcome = c.draft.status in (Status.RESPONDED, Status.ADOPTED) and bool(c.outcome)
        c.url = _comment_url(c)
    return render(request, "consultations/mine.html", {"page": page, "Outcome": Outcome})
