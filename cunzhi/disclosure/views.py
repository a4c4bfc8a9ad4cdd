"""Disclosure pages: published posts (public), drafts and review, the printed notice, questions, calendars.

Views parse input, ask disclosure.rules, call a service or a selector, and render. Published posts
and village calendars are public (they hang on the notice board too); drafts outside the reader's
scope answer 404.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from cunzhi.core.files import private_file_response
from cunzhi.core.idnumbers import mask_name
from cunzhi.core.ratelimits import limit_create
from cunzhi.core.tabular import xlsx_response_bytes
from cunzhi.core.views import add_errors, forbidden_saying, service_action
from cunzhi.disclosure import rules, selectors, services
from cunzhi.disclosure.forms import (
    AnswerForm,
    CalendarFilterForm,
    PostFilterForm,
    PostForm,
    QuestionForm,
    ReviewForm,
    ScheduleForm,
    period_value,
)
from cunzhi.disclosure.models import Category, DueItem, Post, PostStatus, Question
from cunzhi.disclosure.printing import post_pdf, tables_view
from cunzhi.disclosure.privacy import where_label
from cunzhi.ledger import selectors as ledger_selectors
from cunzhi.ledger.models import Period
from cunzhi.people import selectors as people_selectors
from cunzhi.people.actors import UserRequest
from cunzhi.people.models import User
from cunzhi.regions.models import Region

PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# A refusal without its own words says who this page is for.
forbidden = forbidden_saying(gettext_lazy("This page is for village cadres and their overseers."))


def _filters(form: forms.Form) -> dict[str, Any]:
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def _post_or_404(request: HttpRequest, public_id: str) -> Post:
    post = selectors.post_by_public_id(public_id=public_id)
    if post is None or not rules.can_view_post(request.user, post):
        raise Http404
    return post


# ---------------------------------------------------------------- lists


def index(request: HttpRequest) -> HttpResponse:
    """Published disclosures, newest first; a villager starts on their own village."""
    user = request.user
    villages = selectors.villages_all()
    data = dict(request.GET.items())
    if "village" not in data:
        home = selectors.home_village(user=user)
        if home is not None:
            data["village"] = home.code
    form = PostFilterForm(data, villages=villages)
    filters = _filters(form)
    village = next((v for v in villages if v.code == filters.get("village")), None)
    qs = selectors.posts_published(village=village, category=filters.get("category", ""), user=user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "disclosure/index.html",
        {
            "form": form,
            "page": page,
            "village": village,
            "can_author": rules.can_author_anywhere(user),
            "can_oversee": rules.can_oversee_anywhere(user),
        },
    )


@login_required
def work(request: UserRequest) -> HttpResponse:
    """Drafts, the supervision committee's review queue and returned posts, in the reader's scope."""
    user = request.user
    if not rules.can_oversee_anywhere(user):
        return forbidden(request)
    status = request.GET.get("status", "")
    if status not in ("", PostStatus.DRAFT, PostStatus.IN_REVIEW, PostStatus.RETURNED):
        status = ""
    page = Paginator(selectors.posts_in_work(user=user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "disclosure/work.html", {"page": page, "status": status, "can_author": rules.can_author_anywhere(user)}
    )


# ---------------------------------------------------------------- one post


def post_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """One post: text, tables, printed notice, questions and answers; the reader counts toward reach."""
    user = request.user
    post = _post_or_404(request, public_id)
    if post.is_published and services.post_read_record(post=post, user=user):
        post.reach += 1
    questions = selectors.post_questions(post=post)
    see_askers = rules.can_see_asker(user, post)
    for q in questions:
        q.asker_shown = (
            q.asker_name if (see_askers or q.asker_id == getattr(user, "pk", None)) else mask_name(q.asker_name)
        )
    can_author = rules.can_author(user, post.region_code)
    masked = (
        [{**m, "where_label": where_label(m["where"])} for m in post.masked_items]
        if (can_author or rules.can_oversee(user, post.region_code))
        else []
    )
    return render(
        request,
        "disclosure/post_detail.html",
        {
            "post": post,
            "tables": tables_view(post.tables),
            "questions": questions,
            "approvals": selectors.post_approvals(post=post) if post.needs_approval else [],
            "masked": masked,
            "can_edit": rules.can_edit_post(user, post),
            "can_review": rules.may_review(user, post),
            "can_submit": rules.can_edit_post(user, post) and rules.can_submit(post),
            "can_publish": rules.can_edit_post(user, post) and rules.can_publish(post),
            "can_ask": rules.can_ask(user, post),
            "can_answer": rules.can_answer(user, post),
            "question_form": QuestionForm(),
            "review_form": ReviewForm(),
            "online_url": services.post_absolute_url(post),
        },
    )


def post_pdf_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """The A4 notice for the board, with the QR code to this post online."""
    post = _post_or_404(request, public_id)
    approvals = [a for a in selectors.post_approvals(post=post) if a.decision == "approved"]
    data = post_pdf(post=post, url=services.post_absolute_url(post), approvals=approvals)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="disclosure-{post.public_id}.pdf"'
    if not post.is_published:
        response["Cache-Control"] = "private, no-store"
    return response


def post_attachment(request: HttpRequest, public_id: str) -> FileResponse:
    """A generated post's own PDF (minutes, adopted rules), as the source domain produced it."""
    post = _post_or_404(request, public_id)
    if not post.attachment:
        raise Http404
    return private_file_response(post.attachment, filename=f"{post.public_id}-attachment.pdf")


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def post_create(request: UserRequest) -> HttpResponse:
    """A cadre writes a disclosure; it is saved as a draft so they see what the privacy guard masked."""
    user = request.user
    if not rules.can_author_anywhere(user):
        return forbidden(request, _("Only village cadres write disclosures."))
    villages = [v for v in people_selectors.villages_in_scope(user=user) if rules.can_author(user, v.code)]
    initial = {"category": request.GET.get("category", Category.VILLAGE)}
    if request.GET.get("village"):
        initial["village"] = request.GET["village"]
    form = PostForm(request.POST or None, villages=villages, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        village = next(v for v in villages if v.code == d["village"])
        start, end = d["period"]
        try:
            post = services.post_create(
                village=village,
                category=d["category"],
                title=d["title"],
                body=d["body"],
                tables=services.parse_table(d["table"]),
                period_start=start,
                period_end=end,
                actor=user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            _masked_message(request, post)
            return redirect("disclosure:post", public_id=post.public_id)
    return render(request, "disclosure/post_form.html", {"form": form, "post": None})


def _masked_message(request: HttpRequest, post: Post) -> None:
    if post.masked_items:
        messages.warning(
            request,
            _("Saved as a draft. The privacy guard masked %(n)s number(s); check them below before you publish.")
            % {"n": len(post.masked_items)},
        )
    else:
        messages.success(request, _("Saved as a draft. Nothing needed masking. Check it, then publish."))


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: UserRequest, public_id: str) -> HttpResponse:
    user = request.user
    post = _post_or_404(request, public_id)
    if not rules.can_edit_post(user, post):
        return forbidden(request, _("Only drafts and returned posts can be changed, by the village's cadres."))
    villages = [post.village]
    initial = {
        "village": post.village.code,
        "category": post.category,
        "title": post.title,
        "body": post.body,
        "table": services.table_as_text(post.tables),
        "period": period_value(post.period_start, post.period_end),
    }
    form = PostForm(request.POST or None, villages=villages, initial=initial)
    form.fields["village"].disabled = True
    form.fields["category"].disabled = True
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        start, end = d["period"]
        try:
            services.post_update(
                post=post,
                actor=user,
                title=d["title"],
                body=d["body"],
                tables=services.parse_table(d["table"]),
                period_start=start,
                period_end=end,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            _masked_message(request, post)
            return redirect("disclosure:post", public_id=post.public_id)
    return render(request, "disclosure/post_form.html", {"form": form, "post": post})


def _action(
    request: UserRequest,
    public_id: str,
    allowed: Callable[[User, Post], bool],
    do: Callable[[Post], object],
    done_message: str,
) -> HttpResponse:
    """Run one POST action on a post with a clear refusal and nothing changed when it is not allowed."""
    post = _post_or_404(request, public_id)
    if not allowed(request.user, post):
        return forbidden(request)
    try:
        return service_action(
            request,
            lambda: do(post),
            done=done_message,
            to=reverse("disclosure:post", kwargs={"public_id": post.public_id}),
        )
    except PermissionDenied:
        return forbidden(request)


@login_required
@require_POST
def post_publish(request: UserRequest, public_id: str) -> HttpResponse:
    return _action(
        request,
        public_id,
        lambda u, p: rules.can_author(u, p.region_code),
        lambda p: services.post_publish(post=p, actor=request.user),
        _("Published. Print the notice for the board."),
    )


@login_required
@require_POST
def post_submit(request: UserRequest, public_id: str) -> HttpResponse:
    return _action(
        request,
        public_id,
        lambda u, p: rules.can_author(u, p.region_code),
        lambda p: services.post_submit(post=p, actor=request.user),
        _("Sent to the supervision committee for review."),
    )


@login_required
@require_POST
def post_review(request: UserRequest, public_id: str) -> HttpResponse:
    """The supervision committee approves (and so publishes) or returns a finance disclosure."""
    form = ReviewForm(request.POST)
    comment = form.cleaned_data.get("comment", "") if form.is_valid() else ""
    if request.POST.get("decision") == "approve":
        return _action(
            request,
            public_id,
            lambda u, p: rules.can_review(u, p.region_code),
            lambda p: services.post_approve(post=p, actor=request.user, comment=comment),
            _("Approved and published. Your approval is recorded."),
        )
    return _action(
        request,
        public_id,
        lambda u, p: rules.can_review(u, p.region_code),
        lambda p: services.post_return(post=p, actor=request.user, comment=comment),
        _("Returned to the author with your comment."),
    )


@login_required
@limit_create
@require_POST
def question_ask(request: UserRequest, public_id: str) -> HttpResponse:
    post = _post_or_404(request, public_id)
    if not rules.can_ask(request.user, post):
        return forbidden(request, _("Villagers of this village can ask questions on its published disclosures."))
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_ask(post=post, actor=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("Your question is posted. The village committee answers here in public."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect(f"{post_url(post)}#questions")


@login_required
@require_POST
def question_answer(request: UserRequest, public_id: str) -> HttpResponse:
    question = Question.objects.select_related("post__village").filter(public_id=public_id).first()
    if question is None or not rules.can_view_post(request.user, question.post):
        raise Http404
    if not rules.can_answer(request.user, question.post):
        return forbidden(request, _("The village's cadres answer questions."))
    form = AnswerForm(request.POST)
    if form.is_valid():
        services.question_answer(question=question, actor=request.user, answer=form.cleaned_data["answer"])
        messages.success(request, _("Your answer is public."))
    else:
        messages.error(request, _("Write the answer."))
    return redirect(f"{post_url(question.post)}#q-{question.public_id}")


def post_url(post: Post) -> str:
    return services.post_link(post)


# ---------------------------------------------------------------- the finance disclosure of a ledger period


@login_required
@require_POST
def finance_generate(request: UserRequest, code: str, public_id: str) -> HttpResponse:
    """Generate a signed-off ledger period's finance disclosure from the ledger and send it to the committee."""
    village = ledger_selectors.village_by_code(code=code)
    period = ledger_selectors.periods_of(village=village).filter(public_id=public_id).first() if village else None
    if village is None or period is None:
        raise Http404
    if not rules.can_author(request.user, village.code):
        return forbidden(request)
    try:
        post = services.finance_disclosure_generate(period=period, actor=request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("ledger:periods", code=village.code)
    messages.success(
        request, _("The disclosure was generated from the ledger and sent to the supervision committee for approval.")
    )
    return redirect("disclosure:post", public_id=post.public_id)


def ledger_period_cells(*, periods: Sequence[Period], request: HttpRequest, village: Region) -> dict[int, str]:
    """The ledger's periods page, column "Disclosure": the period's post, or the button that generates it."""
    posts = selectors.finance_posts_of(periods=periods)
    can_generate = rules.can_author(request.user, village.code)
    return {
        p.pk: render_to_string(
            "disclosure/_ledger_period.html",
            {"post": posts.get(p.pk), "period": p, "village": village, "can_generate": can_generate},
            request=request,
        )
        for p in periods
        if p.pk in posts or can_generate
    }


# ---------------------------------------------------------------- calendar and schedules


def _calendar_scope(request: HttpRequest) -> tuple[CalendarFilterForm, Region | None, dict[str, Any]]:
    """(form, village, filters, error): one village for anyone, or all in scope for officials."""
    user = request.user
    villages = selectors.villages_all()
    data = dict(request.GET.items())
    if "village" not in data and not rules.can_oversee_anywhere(user):
        home = selectors.home_village(user=user)
        if home is not None:
            data["village"] = home.code
    form = CalendarFilterForm(data, villages=villages)
    filters = _filters(form)
    village = next((v for v in villages if v.code == filters.get("village")), None)
    return form, village, filters


def calendar(request: HttpRequest) -> HttpResponse:
    """Due / published / overdue per village; officials see every village in scope, overdue first."""
    user = request.user
    form, village, filters = _calendar_scope(request)
    needs_village = village is None and not rules.can_oversee_anywhere(user)
    qs: QuerySet[DueItem] | list[DueItem]
    counts: dict[str, Any]
    if needs_village:
        qs, counts = [], {}
        page = None
    else:
        qs = selectors.calendar_items(
            user=user, village=village, status=filters.get("status", ""), category=filters.get("category", "")
        )
        counts = selectors.calendar_counts(user=user, village=village)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "disclosure/calendar.html",
        {
            "form": form,
            "page": page,
            "village": village,
            "counts": counts,
            "needs_village": needs_village,
            "today": timezone.localdate(),
            "can_schedule": village is not None and rules.can_set_schedule(user, village.code),
            "can_author": village is not None and rules.can_author(user, village.code),
        },
    )


def published_late(days: int) -> str:
    return ngettext("Published late (%(days)s day)", "Published late (%(days)s days)", days) % {"days": days}


def calendar_export(request: HttpRequest) -> HttpResponse:
    """The calendar as XLSX with the same filters (a village for anyone, the whole scope for officials)."""
    user = request.user
    _form, village, filters = _calendar_scope(request)
    if village is None and not rules.can_oversee_anywhere(user):
        raise Http404
    items = selectors.calendar_items(
        user=user, village=village, status=filters.get("status", ""), category=filters.get("category", "")
    )
    labels = {"due": pgettext("disclosure", "Due"), "overdue": _("Overdue"), "published": _("Published")}
    categories = dict(Category.choices)
    today = timezone.localdate()
    header = [
        _("Village"),
        _("Area code"),
        _("Category"),
        _("Period from"),
        _("Period to"),
        pgettext("disclosure", "Due by"),
        _("Status"),
        _("Published"),
        _("Post"),
    ]
    rows = (
        [
            i.village.name,
            i.region_code,
            str(categories[i.category]),
            i.period_start,
            i.period_end,
            i.due_date,
            published_late(i.days_late) if i.days_late else str(labels[selectors.item_status(i, today)]),
            timezone.localtime(i.published_at).strftime("%Y-%m-%d %H:%M") if i.published_at else "",
            i.post.title if i.post else "",
        ]
        for i in items.iterator(chunk_size=2000)
    )
    data = xlsx_response_bytes([str(h) for h in header], rows, sheet_title=str(_("Disclosure calendar")))
    response = HttpResponse(data, content_type=XLSX)
    name = village.code if village else "scope"
    response["Content-Disposition"] = f'attachment; filename="disclosure-calendar-{name}-{today:%Y%m%d}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request: UserRequest, code: str) -> HttpResponse:
    """A village's disclosure schedule per category (cadres of the village, township and county staff)."""
    user = request.user
    village = selectors.village_by_code(code=code)
    if village is None:
        raise Http404
    if not rules.can_set_schedule(user, village.code):
        return forbidden(request)
    rows = selectors.schedules_of(village=village)
    form = ScheduleForm(request.POST or None, initial_rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            for row in rows:
                c = row["category"]
                services.schedule_set(
                    village=village,
                    category=c,
                    frequency=form.cleaned_data[f"{c}_frequency"],
                    grace_days=form.cleaned_data[f"{c}_grace"],
                    actor=user,
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Schedule saved; the calendar follows it from the current period on."))
            return redirect(f"{_calendar_url()}?village={village.code}")
    pairs = [(form[f"{r['category']}_frequency"], form[f"{r['category']}_grace"]) for r in rows]
    return render(request, "disclosure/schedule.html", {"form": form, "village": village, "pairs": pairs})


def _calendar_url() -> str:
    from django.urls import reverse

    return reverse("disclosure:calendar")
