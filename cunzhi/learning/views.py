"""Learning pages: the lessons (public), a village's training sessions with the check-in desk, the
"now does it alone" figure, and a villager's check-in code. Views parse input, ask learning.rules, call a
service, render.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunzhi.core.views import forbidden_saying, refusal_messages
from cunzhi.learning import codes, lessons, practice, rules, selectors, services
from cunzhi.learning.forms import CodeForm, DeskSearchForm, SessionForm
from cunzhi.learning.models import TrainingSession
from cunzhi.people.models import User
from cunzhi.people.rules import own_villager
from cunzhi.regions.models import Region

forbidden = forbidden_saying(gettext_lazy("Training sessions are for the village's cadres and grid workers."))


def _village(code: str) -> Region:
    village = selectors.village_by_code(code=code)
    if village is None:
        raise Http404
    return village


def _session(public_id: str) -> TrainingSession:
    session = selectors.session_by_public_id(public_id=public_id)
    if session is None:
        raise Http404
    return session


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The lessons (anyone); the villages whose sessions the reader keeps; a villager's own sessions."""
    villages = list(selectors.villages_for(user=request.user)[:400])
    own = own_villager(request.user)
    return render(
        request,
        "learning/index.html",
        {
            "lessons": lessons.LESSONS,
            "villages": villages,
            "my_sessions": selectors.sessions_for_villager(villager=own) if own is not None else [],
        },
    )


@require_GET
def lesson(request: HttpRequest, key: str) -> HttpResponse:
    """One lesson: its steps with pictures of the real pages, the listen control, and where to try it."""
    found = lessons.lesson(key)
    if found is None:
        raise Http404
    return render(
        request,
        "learning/lesson.html",
        {"lesson": found, "try_url": reverse(found.try_url), "can_practise": rules.can_practise(request.user)},
    )


@login_required
@require_POST
def practice_start(request: HttpRequest) -> HttpResponse:
    """Start practice mode (villagers and helpers only) and open the lesson's real page."""
    if not rules.can_practise(request.user):
        return forbidden(request, _("Practice is for villagers and their helpers."))
    found = lessons.lesson(request.POST.get("lesson", "")[:20])
    practice.practice_start(request)
    messages.info(request, _("Practice has started: try the task. Nothing you do is sent, kept or counted."))
    return redirect(found.try_url if found is not None else "learning:index")


@login_required
@require_POST
def practice_stop(request: HttpRequest) -> HttpResponse:
    """End practice mode: from now on what the villager does is real."""
    practice.practice_stop(request)
    messages.success(request, _("Practice has ended. What you do now is real."))
    target = request.POST.get("next", "")[:500]
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("learning:index")
    return redirect(target)


@login_required
@require_GET
def village(request: HttpRequest, code: str) -> HttpResponse:
    """The village's sessions and its figure: trained, and now does it alone, with n."""
    place = _village(code)
    if not rules.can_see_village(request.user, place.code):
        return forbidden(request)
    return render(
        request,
        "learning/village.html",
        {
            "village": place,
            "sessions": selectors.sessions_of(village=place)[:50],
            "outcome": selectors.outcome(village=place, now=timezone.now()),
            "can_record": rules.can_record(request.user, place.code),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest, code: str) -> HttpResponse:
    """Record a session: date, lesson, trainer (a cadre, grid worker or volunteer) and place."""
    place = _village(code)
    if not rules.can_record(request.user, place.code):
        return forbidden(request)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assert isinstance(request.user, User)
        try:
            session = services.session_record(village=place, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The session is recorded. Check its attendees in below."))
            return redirect("learning:session", public_id=session.public_id)
    return render(request, "learning/session_new.html", {"village": place, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def session(request: HttpRequest, public_id: str) -> HttpResponse:
    """The session, its attendees (each: now does it alone?) and the desk: find by name or pinyin, or a code."""
    found = _session(public_id)
    if not rules.can_see_village(request.user, found.region_code):
        return forbidden(request)
    here = reverse("learning:session", args=[found.public_id])
    if request.method == "POST":
        if not rules.can_record(request.user, found.region_code):
            return forbidden(request)
        assert isinstance(request.user, User)
        user = request.user
        by_code = bool(request.POST.get("code"))
        person = (
            codes.villager_from_code(session=found, code=request.POST.get("code", ""))
            if by_code
            else selectors.villager_by_public_id(
                village_code=found.region_code, public_id=request.POST.get("villager", "")[:16]
            )
        )
        back = here + ("?" + urlencode({"q": request.POST["q"][:50]}) if request.POST.get("q") else "")
        if person is None:
            messages.error(
                request,
                _("This code does not belong to a villager of this session's village.")
                if by_code
                else _("Choose a villager of the village."),
            )
            return redirect(back)

        try:
            _row, created = services.attendance_check_in(session=found, villager=person, actor=user, by_code=by_code)
        except ValidationError as exc:
            refusal_messages(request, exc)
        else:
            messages.success(
                request,
                (_("%(name)s is checked in.") if created else _("%(name)s was already checked in."))
                % {"name": person.name},
            )
        return redirect(back)
    form = DeskSearchForm(request.GET or None)
    term = form.cleaned_data.get("q", "") if form.is_valid() else ""
    scanned = request.GET.get("code", "")[:500]
    scanned_person = codes.villager_from_code(session=found, code=scanned) if scanned else None
    if scanned and scanned_person is None:
        messages.error(request, _("This code does not belong to a villager of this session's village."))
    return render(
        request,
        "learning/session.html",
        {
            "session": found,
            "attendees": selectors.attendees(session=found),
            "can_record": rules.can_record(request.user, found.region_code),
            "form": form,
            "term": term,
            "results": selectors.desk_search(session=found, term=term),
            "code_form": CodeForm(initial={"code": scanned} if scanned_person else None),
            "scanned": scanned_person,
        },
    )


@login_required
@require_GET
def my_code(request: HttpRequest, public_id: str) -> HttpResponse:
    """The villager's code for the session: shown at the desk (or printed) to be checked in quickly."""
    found = _session(public_id)
    own = own_villager(request.user)
    if own is None or not rules.can_show_code(request.user, found):
        return forbidden(request, _("Check-in codes are for villagers of the session's village."))
    return render(
        request,
        "learning/my_code.html",
        {"session": found, "villager": own, "svg": codes.qr_data_uri(session=found, villager=own)},
    )
