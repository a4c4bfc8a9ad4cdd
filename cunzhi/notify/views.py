"""Notification pages: my inbox, my preferences, a notice, and for staff the notice report,
the door-to-door list of people not reached, re-sending, and the periodic jobs (county admin).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cunzhi.core import jobs
from cunzhi.core.idnumbers import mask_phone
from cunzhi.core.pagination import CappedPaginator
from cunzhi.core.views import forbidden_saying
from cunzhi.notify import rules, selectors, services
from cunzhi.notify.forms import PreferenceForm
from cunzhi.notify.models import Channel, ChannelPreference, Delivery, Notice
from cunzhi.people import rules as people_rules

PAGE_SIZE = 20


# A refusal without its own words says who this page is for.
forbidden = forbidden_saying(gettext_lazy("This page is for village and township staff."))


@login_required
def inbox(request):
    page = Paginator(selectors.inbox_items(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    # On the site the page speaks the reader's current language; e-mail and SMS use the stored one.
    items = [(d, services.notice_render(d.notice, request.LANGUAGE_CODE)[0]) for d in page]
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "items": items,
            "staff": rules.can_list_notices(request.user),
            "county_admin": rules.can_view_jobs(request.user),
            "sms_queue": rules.can_view_sms_queue(request.user),
        },
    )


@login_required
@require_POST
def inbox_read_all(request):
    services.inbox_mark_read(user=request.user)
    messages.success(request, _("All notices are marked as read."))
    return redirect("notify:inbox")


@login_required
def notice(request, public_id):
    """The full text of a notice (the link in e-mails and text messages); opening it marks it read."""
    n = get_object_or_404(Notice, public_id=public_id)
    if not rules.can_read(request.user, n):
        raise Http404  # do not reveal notices sent to others
    mine = Delivery.objects.filter(notice=n, recipient=request.user, channel=Channel.INBOX).first()
    subject, body = services.notice_render(n, request.LANGUAGE_CODE)
    if mine and mine.read_at is None:
        services.inbox_mark_read(user=request.user, notice=n)
    return render(
        request,
        "notify/notice.html",
        {
            "notice": n,
            "subject": subject,
            "body": body,
            "mine": mine,
            "can_report": rules.can_view_report(request.user, n),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    pref = ChannelPreference.objects.filter(user=request.user).first() or ChannelPreference(user=request.user)
    form = PreferenceForm(request.POST or None, instance=pref)
    if request.method == "POST" and form.is_valid():
        services.preference_save(user=request.user, **{k: form.cleaned_data[k] for k in form.Meta.fields})
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notify:preferences")
    return render(request, "notify/preferences.html", {"form": form})


@login_required
def notice_list(request):
    if not rules.can_list_notices(request.user):
        return forbidden(request)
    # A county's staff may read a hundred thousand notices: counted up to the cap, newest first.
    page = CappedPaginator(selectors.notices_visible(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [(n, services.notice_render(n, request.LANGUAGE_CODE)[0]) for n in page]
    return render(request, "notify/notice_list.html", {"page": page, "items": items})


def _notice_for_staff(request, public_id):
    n = get_object_or_404(Notice.objects.select_related("sender"), public_id=public_id)
    if not rules.can_view_report(request.user, n):
        raise Http404
    return n


def _mask_phones(user, people):
    """Each villager's phone as the reader may see it: the villager record's rule (people.rules)."""
    for p in people:
        full = p.user_id == user.pk or people_rules.can_see_full_phone(user, p)
        p.phone_shown = p.phone if full else mask_phone(p.phone)
    return people


@login_required
def notice_report(request, public_id):
    if not rules.can_list_notices(request.user):
        return forbidden(request)
    n = _notice_for_staff(request, public_id)
    subject, _body = services.notice_render(n, request.LANGUAGE_CODE)
    people = Paginator(selectors.not_reached(notice=n), PAGE_SIZE).get_page(request.GET.get("page"))
    _mask_phones(request.user, people)
    return render(
        request,
        "notify/report.html",
        {
            "notice": n,
            "subject": subject,
            "report": selectors.notice_report(notice=n),
            "people": people,
            "failures": selectors.failures(notice=n)[:50],
        },
    )


@login_required
def door_list(request, public_id):
    """Printable list of everyone the notice did not reach, by household, for a door-to-door round."""
    if not rules.can_list_notices(request.user):
        return forbidden(request)
    n = _notice_for_staff(request, public_id)
    subject, body = services.notice_render(n, request.LANGUAGE_CODE)
    people = _mask_phones(request.user, list(selectors.not_reached(notice=n)[:5000]))
    return render(
        request,
        "notify/door_list.html",
        {
            "notice": n,
            "subject": subject,
            "body": body,
            "people": people,
            "can_tick": rules.can_record_door_visit(request.user, n),
        },
    )


@login_required
@require_POST
def notice_resend(request, public_id):
    if not rules.can_list_notices(request.user):
        return forbidden(request)
    n = _notice_for_staff(request, public_id)
    count = services.notice_resend(notice=n, actor=request.user)
    messages.success(request, _("%(count)d failed messages will be sent again.") % {"count": count})
    return redirect("notify:report", public_id=n.public_id)


@login_required
def job_list(request):
    if not rules.can_view_jobs(request.user):
        return forbidden(request, _("This page is for the county administrator."))
    return render(request, "notify/jobs.html", {"jobs": jobs.jobs_status()})
