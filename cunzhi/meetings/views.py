"""Meeting pages: list, convene, notice, the meeting page with live attendance and voting, the check-in
desk, motions, minutes, petitions, and the villagers' meeting's delegations.

Views parse input, ask meetings.rules, call a service or a selector, and render. A meeting outside
the reader's reach answers 404; an action their role never allows answers 403.
"""

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunzhi.core.files import private_file_response
from cunzhi.core.ratelimits import limit_create
from cunzhi.core.text import join_list
from cunzhi.core.views import add_errors, forbidden_saying, refusal_messages, service_action
from cunzhi.meetings import calendar, codes, rules, selectors, services
from cunzhi.meetings.forms import (
    AuthorisationForm,
    CancelForm,
    DeskSearchForm,
    MeetingForm,
    MinutesForm,
    MotionForm,
    NoticeForm,
    PetitionForm,
    VoteForm,
)
from cunzhi.meetings.law import notice_days
from cunzhi.meetings.live import views as live_views
from cunzhi.meetings.models import (
    Authorisation,
    Body,
    Meeting,
    MeetingMember,
    MeetingStatus,
    Motion,
    MotionStatus,
    Petition,
    PetitionKind,
    PetitionStatus,
    Rsvp,
)
from cunzhi.notify.selectors import notice_report
from cunzhi.people import selectors as people_selectors
from cunzhi.people.models import Villager
from cunzhi.regions import selectors as region_selectors
from cunzhi.regions.models import Region

PAGE_SIZE = 20


# A refusal without its own words says who this page is for.
forbidden = forbidden_saying(gettext_lazy("Only the village committee can do this."))


def _meeting(request, public_id):
    """The meeting if the user may see it; 404 otherwise (existence is not revealed)."""
    try:
        meeting = selectors.meeting_get(public_id=public_id)
    except Meeting.DoesNotExist:
        raise Http404 from None
    if not rules.can_view(request.user, meeting):
        raise Http404
    return meeting


def _motion(meeting, public_id) -> Motion:
    motion = Motion.objects.filter(meeting=meeting, public_id=public_id).select_related("meeting__village").first()
    if motion is None:
        raise Http404
    motion.meeting = meeting
    return motion


def _convene_villages(user) -> list[Region]:
    return [v for v in people_selectors.villages_in_scope(user=user) if rules.can_convene(user, v)]


# --- List and convening ----------------------------------------------------------------------


@login_required
def index(request):
    """Meetings of the user's village (villagers) or scope (staff), newest first, 20 a page."""
    user = request.user
    status = request.GET.get("status", "")
    status = status if status in MeetingStatus.values else ""
    page = Paginator(selectors.meetings_visible(user=user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    petitions = list(
        selectors.petitions_visible(user=user)
        .filter(status__in=[PetitionStatus.OPEN, PetitionStatus.REACHED])
        .select_related(None)[:5]
    )
    return render(
        request,
        "meetings/index.html",
        {
            "page": page,
            "status": status,
            "statuses": MeetingStatus.choices,
            "petitions": petitions,
            "can_convene": bool(_convene_villages(user)),
            "can_petition": rules.own_villager(user) is not None,
        },
    )


def _invited_villagers(village, text: str) -> list[Villager]:
    names = [n.strip() for n in re.split(r"[,，、;\n]+", text or "") if n.strip()]
    found, problems = [], []
    for name in dict.fromkeys(names):
        rows = list(Villager.objects.filter(village=village, name=name)[:2])
        if len(rows) != 1:
            problems.append(name)
        else:
            found.append(rows[0])
    if problems:
        raise ValidationError(
            {
                "invited": _(
                    "Not found, or more than one villager has this name: %(names)s. "
                    "Ask the committee to add them another way."
                )
                % {"names": join_list(problems)}
            }
        )
    return found


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def meeting_new(request):
    """Convene a meeting: body, agenda, date, place, stream; optionally on a petition that reached its count."""
    user = request.user
    villages = _convene_villages(user)
    if not villages:
        return forbidden(request)
    village = next((v for v in villages if v.code == request.GET.get("village")), villages[0])
    petition = None
    if request.GET.get("petition"):
        petition = Petition.objects.filter(public_id=request.GET["petition"], region_code=village.code).first()
    groups = region_selectors.groups_of(village=village)
    fixed_body = (
        {PetitionKind.REPS_FOR_REPS: Body.REPRESENTATIVES}.get(petition.kind, Body.VILLAGERS) if petition else None
    )
    initial = {"title": petition.title, "agenda": petition.title} if petition else {}
    form = MeetingForm(request.POST or None, groups=groups, fixed_body=fixed_body, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        group = next((g for g in groups if g.code == data.get("group")), None)
        try:
            invited = _invited_villagers(village, data.get("invited", "")) if data["body"] == Body.COUNCIL else []
            meeting = services.meeting_create(
                actor=user,
                village=village,
                body=data["body"],
                basis=data["basis"],
                group=group,
                title=data["title"],
                agenda=data["agenda"],
                place=data["place"],
                starts_at=data["starts_at"],
                ends_at=data.get("ends_at"),
                stream_url=data.get("stream_url") or "",
                petition=petition,
                invited=invited,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The meeting is prepared. Check it, then send the notice."))
            return redirect("meetings:detail", public_id=meeting.public_id)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "village": village, "villages": villages, "petition": petition},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, public_id):
    meeting = _meeting(request, public_id)
    if not rules.can_manage(request.user, meeting):
        return forbidden(request)
    initial = {
        "title": meeting.title,
        "agenda": meeting.agenda,
        "place": meeting.place,
        "basis": meeting.basis,
        "starts_at": timezone.localtime(meeting.starts_at),
        "ends_at": timezone.localtime(meeting.ends_at),
        "stream_url": meeting.stream_url,
    }
    form = MeetingForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                actor=request.user,
                meeting=meeting,
                title=data["title"],
                agenda=data["agenda"],
                place=data["place"],
                starts_at=data["starts_at"],
                ends_at=data.get("ends_at"),
                stream_url=data.get("stream_url") or "",
                basis=data["basis"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The meeting is saved."))
            return redirect("meetings:detail", public_id=meeting.public_id)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting, "village": meeting.village})


# --- The meeting page -----------------------------------------------------------------------


def live_token(meeting, user) -> str:
    return signing.dumps([meeting.pk, user.pk], salt="meetings.live", compress=False)


def _page_context(request, meeting) -> dict:
    user = request.user
    live = selectors.live_state(meeting_id=meeting.pk)
    return {
        "meeting": meeting,
        "live": live,
        "mine": selectors.personal_state(meeting=meeting, user=user),
        "motions": _with_actions(selectors.motions_of(meeting=meeting), meeting)
        if rules.can_manage(user, meeting)
        else None,
        "actions": rules.meeting_actions(user, meeting),
        "can_manage": rules.can_manage(user, meeting),
        "can_desk": rules.can_staff_desk(user, meeting),
        "can_minutes": rules.can_write_minutes(user, meeting),
        "is_staff": rules.has_staff_role(user),
        "live_url": reverse("meetings:live", args=[meeting.public_id, live_token(meeting, user)]),
        "mine_url": reverse("meetings:mine", args=[meeting.public_id]),
        "vote_choices": VoteForm.base_fields["choice"].choices,
        "disclosure_url": _disclosure_url(meeting),
        # The members' answers to the notice, for the chair and the secretary (over all members).
        "rsvp": selectors.rsvp_counts(meeting=meeting)
        if meeting.notice_sent_at and rules.can_write_minutes(user, meeting)
        else None,
        "rsvp_choices": Rsvp.choices,
        # The meeting's own live stream, its questions and recording (meetings/live).
        "live_stream": live_views.stream_context(request, meeting),
    }


def _with_actions(motions, meeting) -> list:
    """Each motion with what the chair may do with it now (rules.motion_actions), for the template."""
    motions = list(motions)
    for m in motions:
        m.actions = rules.motion_actions(m, meeting)
    return motions


def _disclosure_url(meeting) -> str:
    """The disclosure post of the meeting's result, once it is posted."""
    return reverse("disclosure:post", args=[meeting.disclosure_ref]) if meeting.disclosure_ref else ""


@login_required
@require_GET
def detail(request, public_id):
    """The meeting: notice facts, stream, my check-in and ballot, live attendance, quorum and results."""
    meeting = _meeting(request, public_id)
    return render(request, "meetings/detail.html", _page_context(request, meeting))


@login_required
@require_GET
def mine(request, public_id):
    """Fragment: the user's own check-in and ballot forms (fetched by the page script when the floor changes)."""
    meeting = _meeting(request, public_id)
    response = render(request, "meetings/_mine.html", _page_context(request, meeting))
    response["Cache-Control"] = "private, no-store"
    return response


# Per process on purpose: a rendering of the state under its version (the ETag), so it can never be stale,
# whichever server changed the state; another server renders the same version once for itself.
_fragments: dict[tuple[str, str], tuple[str, str]] = {}


@require_GET
def live(request, public_id, token):
    """Fragment polled every 2 s by remote attendees: attendance, quorum, the motion on the floor, results.

    The signed token (given on the meeting page after the permission check) stands for the session,
    so 1,000 pollers cost no session or database read beyond one shared computation per half second.
    """
    try:
        meeting_pk, _user = signing.loads(token, salt="meetings.live", max_age=2 * 24 * 3600)
    except signing.BadSignature:
        raise Http404 from None
    try:
        state = selectors.live_state(meeting_id=int(meeting_pk))
    except (Meeting.DoesNotExist, TypeError, ValueError):  # deleted since the token was signed, or a bad pk
        raise Http404 from None
    if state["meeting"] != public_id:
        raise Http404
    language = translation.get_language()
    etag = f'"{state["version"]}-{language}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        # The fragment is the same for every poller: render it once per state and language.
        key = (state["meeting"], language)
        hit = _fragments.get(key)
        if hit is None or hit[0] != etag:
            if len(_fragments) > 2000:
                _fragments.clear()
            hit = _fragments[key] = (etag, render_to_string("meetings/_live.html", {"live": state}))
        response = HttpResponse(hit[1])
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Accept-Language, Cookie"
    return response


@login_required
@require_GET
def ics(request, public_id):
    """The meeting as an iCalendar invitation, for phone calendars."""
    meeting = _meeting(request, public_id)
    response = HttpResponse(calendar.meeting_ics(meeting=meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.public_id}.ics"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def notice(request, public_id):
    """Send the notice (law's period, or a recorded urgent exception); who cannot be reached online."""
    meeting = _meeting(request, public_id)
    if not rules.can_manage(request.user, meeting):
        return forbidden(request)
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_notice_send(
                actor=request.user,
                meeting=meeting,
                urgent=form.cleaned_data["urgent"],
                urgent_reason=form.cleaned_data["urgent_reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The notice is on its way to every member: by text to those without an account. Those "
                    "no channel can reach are on the door-to-door list."
                ),
            )
            return redirect("meetings:notice", public_id=meeting.public_id)
    reach = notice_report(notice=meeting.notice) if meeting.notice else None
    return render(
        request,
        "meetings/notice.html",
        {"meeting": meeting, "form": form, "reach": reach, "days": notice_days(meeting.body)},
    )


def _state_change(request, public_id, service, done_message):
    """Open or close a meeting: the committee only; a refusal is shown, the live state is recomputed."""
    meeting = _meeting(request, public_id)
    if not rules.can_manage(request.user, meeting):
        return forbidden(request)

    def act():
        service(actor=request.user, meeting=meeting)
        selectors.live_forget(meeting.pk)

    return service_action(
        request, act, done=done_message, to=reverse("meetings:detail", kwargs={"public_id": meeting.public_id})
    )


@login_required
@require_POST
def meeting_open(request, public_id):
    return _state_change(
        request, public_id, services.meeting_open, _("The meeting is in session: members can check in.")
    )


@login_required
@require_POST
def meeting_close(request, public_id):
    return _state_change(
        request,
        public_id,
        services.meeting_close,
        _("The meeting is closed. The secretary can now finish the minutes."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_cancel(request, public_id):
    meeting = _meeting(request, public_id)
    if not rules.can_manage(request.user, meeting):
        return forbidden(request)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The meeting is cancelled; members who were told have been told again."))
            return redirect("meetings:detail", public_id=meeting.public_id)
    return render(request, "meetings/cancel.html", {"meeting": meeting, "form": form})


# --- Attendance -----------------------------------------------------------------------------


def _member(meeting, raw) -> MeetingMember:
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise Http404 from None
    member = MeetingMember.objects.filter(meeting=meeting, pk=pk).select_related("villager").first()
    if member is None:
        raise Http404
    return member


@login_required
@require_POST
def check_in(request, public_id):
    """A member (or their helper) checks in remotely from the meeting page."""
    meeting = _meeting(request, public_id)
    member = _member(meeting, request.POST.get("member"))
    try:
        _a, created = services.attendance_check_in(actor=request.user, meeting=meeting, member=member)
    except PermissionDenied:
        return forbidden(
            request, _("You can check in only yourself, or someone who gave you a delegation for meetings.")
        )
    except ValidationError as exc:
        refusal_messages(request, exc)
    else:
        selectors.live_forget(meeting.pk)
        messages.success(
            request,
            _("%(name)s is checked in and counts toward the quorum.") % {"name": member.name}
            if created
            else _("%(name)s was already checked in.") % {"name": member.name},
        )
    return redirect(reverse("meetings:detail", args=[meeting.public_id]) + "#mine")


@login_required
@require_POST
def rsvp(request, public_id):
    """A member (or their helper) answers the notice on the meeting page: will attend, remotely, or cannot."""
    meeting = _meeting(request, public_id)
    member = _member(meeting, request.POST.get("member"))
    answer = request.POST.get("answer", "")
    try:
        services.member_rsvp(actor=request.user, meeting=meeting, member=member, answer=answer)
    except PermissionDenied:
        return forbidden(
            request, _("You can answer only for yourself, or for someone who gave you a delegation for meetings.")
        )
    except ValidationError as exc:
        refusal_messages(request, exc)
    else:
        messages.success(
            request,
            _("Answer recorded for %(name)s: %(answer)s.") % {"name": member.name, "answer": Rsvp(answer).label},
        )
    return redirect(reverse("meetings:detail", args=[meeting.public_id]) + "#mine")


@login_required
@require_GET
def my_code(request, public_id):
    """The member's QR code: shown at the venue desk (or printed) to be checked in quickly."""
    meeting = _meeting(request, public_id)
    members = selectors.members_acted_for(meeting=meeting, user=request.user)
    cards = [
        {
            "member": m,
            "svg": codes.member_qr_data_uri(meeting=meeting, member=m),
            "code": codes.member_code(meeting=meeting, member=m),
        }
        for m in members
    ]
    return render(request, "meetings/my_code.html", {"meeting": meeting, "cards": cards})


@login_required
@require_http_methods(["GET", "POST"])
def desk(request, public_id):
    """Check-in desk at the venue: find a member by name or pinyin, or read their QR code."""
    meeting = _meeting(request, public_id)
    if not rules.can_staff_desk(request.user, meeting):
        return forbidden(request, _("The check-in desk is for the village committee and grid workers."))
    if request.method == "POST":
        by_qr = False
        if request.POST.get("code"):
            member = codes.member_from_code(meeting=meeting, code=request.POST["code"])
            by_qr = True
            if member is None:
                messages.error(request, _("This code does not belong to a member of this meeting."))
                return redirect("meetings:desk", public_id=meeting.public_id)
        else:
            member = _member(meeting, request.POST.get("member"))
        try:
            _a, created = services.attendance_check_in(
                actor=request.user, meeting=meeting, member=member, at_venue=True, by_qr=by_qr
            )
        except ValidationError as exc:
            refusal_messages(request, exc)
        else:
            selectors.live_forget(meeting.pk)
            messages.success(
                request,
                _("%(name)s is checked in.") % {"name": member.name}
                if created
                else _("%(name)s was already checked in.") % {"name": member.name},
            )
        return redirect(
            reverse("meetings:desk", args=[meeting.public_id])
            + (f"?q={request.POST.get('q', '')}" if request.POST.get("q") else "")
        )
    form = DeskSearchForm(request.GET or None)
    term = form.cleaned_data.get("q", "") if form.is_valid() else ""
    return render(
        request,
        "meetings/desk.html",
        {
            "meeting": meeting,
            "form": form,
            "term": term,
            "results": selectors.desk_search(meeting=meeting, term=term),
            "live": selectors.live_state(meeting_id=meeting.pk),
            "vote_choices": VoteForm.base_fields["choice"].choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def scan(request, public_id, code):
    """The address in a member's QR code: desk staff who open it confirm the check-in."""
    meeting = _meeting(request, public_id)
    if not rules.can_staff_desk(request.user, meeting):
        return forbidden(request, _("Show this code at the check-in desk of the meeting."))
    member = codes.member_from_code(meeting=meeting, code=code)
    if member is None:
        raise Http404
    if request.method == "POST":
        try:
            _a, created = services.attendance_check_in(
                actor=request.user, meeting=meeting, member=member, at_venue=True, by_qr=True
            )
        except ValidationError as exc:
            refusal_messages(request, exc)
        else:
            selectors.live_forget(meeting.pk)
            messages.success(
                request,
                _("%(name)s is checked in.") % {"name": member.name}
                if created
                else _("%(name)s was already checked in.") % {"name": member.name},
            )
        return redirect("meetings:desk", public_id=meeting.public_id)
    return render(request, "meetings/scan.html", {"meeting": meeting, "member": member})


@login_required
@require_GET
def attendance(request, public_id):
    """Who counted: each attendee, at the venue or remote, and who recorded it (self, helper, desk)."""
    meeting = _meeting(request, public_id)
    q = (request.GET.get("q") or "")[:50]
    page = Paginator(selectors.attendance_list(meeting=meeting, search=q), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/attendance.html",
        {"meeting": meeting, "page": page, "q": q, "live": selectors.live_state(meeting_id=meeting.pk)},
    )


# --- Motions and votes ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def motion_new(request, public_id):
    meeting = _meeting(request, public_id)
    if not rules.can_manage(request.user, meeting):
        return forbidden(request)
    form = MotionForm(request.POST or None)
    if meeting.body != Body.GROUP:
        del form.fields["group_property"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.motion_add(
                actor=request.user,
                meeting=meeting,
                title=data["title"],
                text=data["text"],
                matter=data["matter"],
                ballot=data["ballot"],
                group_property=data.get("group_property", False),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            selectors.live_forget(meeting.pk)
            messages.success(request, _("The motion is on the agenda."))
            return redirect(reverse("meetings:detail", args=[meeting.public_id]) + "#chair")
    return render(request, "meetings/motion_form.html", {"meeting": meeting, "form": form})


def _motion_action(request, public_id, motion_id, action, done: str):
    meeting = _meeting(request, public_id)
    if not rules.can_manage(request.user, meeting):
        return forbidden(request)
    motion = _motion(meeting, motion_id)

    def act():
        action(actor=request.user, motion=motion)
        selectors.live_forget(meeting.pk)

    return service_action(request, act, done=done, to=reverse("meetings:detail", args=[meeting.public_id]) + "#chair")


@login_required
@require_POST
def motion_open(request, public_id, motion_id):
    return _motion_action(request, public_id, motion_id, services.motion_open, _("The vote is open."))


@login_required
@require_POST
def motion_close(request, public_id, motion_id):
    return _motion_action(
        request, public_id, motion_id, services.motion_close, _("The vote is closed and the result is fixed.")
    )


@login_required
@require_POST
def motion_withdraw(request, public_id, motion_id):
    return _motion_action(request, public_id, motion_id, services.motion_withdraw, _("The motion is withdrawn."))


@login_required
@require_POST
def vote(request, public_id, motion_id):
    """Cast one ballot for yourself or a member you help; a repeated ballot changes nothing."""
    meeting = _meeting(request, public_id)
    motion = _motion(meeting, motion_id)
    form = VoteForm(request.POST)
    target = reverse("meetings:detail", args=[meeting.public_id]) + "#mine"
    if request.POST.get("next") == "desk":  # a teller entering a venue ballot goes back to the desk
        target = reverse("meetings:desk", args=[meeting.public_id]) + "?" + urlencode({"q": request.POST.get("q", "")})
    if not form.is_valid():
        messages.error(request, _("Choose for, against or abstain, then send your vote."))
        return redirect(target)
    member = _member(meeting, form.cleaned_data["member"])
    try:
        _b, created = services.ballot_cast(
            actor=request.user, motion=motion, member=member, choice=form.cleaned_data["choice"]
        )
    except PermissionDenied:
        return forbidden(
            request,
            _(
                "You can vote only for yourself, or for someone who gave you a delegation "
                "for meetings; tellers enter the ballots of members at the venue."
            ),
        )
    except ValidationError as exc:
        refusal_messages(request, exc)
    else:
        selectors.live_forget(meeting.pk)
        messages.success(
            request,
            _("The ballot of %(name)s is recorded.") % {"name": member.name}
            if created
            else _("A ballot of %(name)s was already recorded; it stays as it was.") % {"name": member.name},
        )
    return redirect(target)


# --- Minutes --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def minutes(request, public_id):
    """The secretary writes the minutes and the wording of each resolution, then publishes them."""
    meeting = _meeting(request, public_id)
    if not rules.can_write_minutes(request.user, meeting):
        return forbidden(request, _("Only the meeting's secretary or the village committee writes the minutes."))
    motions = [m for m in selectors.motions_of(meeting=meeting) if m.status == MotionStatus.CLOSED]
    form = MinutesForm(request.POST or None, motions=motions, initial={"minutes": meeting.minutes})
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_save(
                actor=request.user,
                meeting=meeting,
                minutes=form.cleaned_data["minutes"],
                resolutions=form.resolutions(),
            )
            if request.POST.get("publish"):
                services.minutes_publish(actor=request.user, meeting=meeting)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            selectors.live_forget(meeting.pk)
            if request.POST.get("publish"):
                messages.success(
                    request,
                    _("The minutes are published as a PDF and posted for the village.")
                    if meeting.disclosure_ref
                    else _(
                        "The minutes are published as a PDF. The disclosure post will follow as soon as "
                        "the disclosure service takes it."
                    ),
                )
                return redirect("meetings:detail", public_id=meeting.public_id)
            messages.success(request, _("The minutes are saved."))
            return redirect("meetings:minutes", public_id=meeting.public_id)
    return render(
        request, "meetings/minutes.html", {"meeting": meeting, "form": form, **live_views.minutes_context(meeting)}
    )


@login_required
@require_GET
def minutes_pdf(request, public_id):
    meeting = _meeting(request, public_id)
    if not meeting.minutes_pdf:
        raise Http404
    return private_file_response(meeting.minutes_pdf, filename=f"minutes-{meeting.public_id}.pdf")


# --- Petitions ------------------------------------------------------------------------------


@login_required
def petition_list(request):
    page = Paginator(selectors.petitions_visible(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/petition_list.html",
        {"page": page, "can_petition": rules.own_villager(request.user) is not None},
    )


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def petition_new(request):
    user = request.user
    villager = rules.own_villager(user)
    if villager is None:
        return forbidden(request, _("Only a villager registered on the platform can start a petition."))
    village = villager.village
    form = PetitionForm(request.POST or None, representative=rules.is_representative(user, village.code))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            petition = services.petition_start(
                actor=user, village=village, kind=data["kind"], title=data["title"], reason=data["reason"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your petition is open and carries your signature. Tell your neighbours."))
            return redirect("meetings:petition_detail", public_id=petition.public_id)
    return render(request, "meetings/petition_form.html", {"form": form, "village": village})


def _petition(request, public_id) -> Petition:
    petition = Petition.objects.select_related("village", "created_by").filter(public_id=public_id).first()
    if petition is None or not rules.can_view_village(request.user, petition.region_code):
        raise Http404
    return petition


@login_required
@require_http_methods(["GET", "POST"])
def petition_detail(request, public_id):
    petition = _petition(request, public_id)
    user = request.user
    if request.method == "POST":
        try:
            if request.POST.get("withdraw"):
                services.petition_withdraw(actor=user, petition=petition)
                messages.success(request, _("The petition is withdrawn."))
            else:
                petition, created = services.petition_sign(actor=user, petition=petition)
                messages.success(request, _("Your signature is added.") if created else _("You had already signed."))
        except PermissionDenied:
            return forbidden(request, _("Only the person who started the petition can withdraw it."))
        except ValidationError as exc:
            refusal_messages(request, exc)
        return redirect("meetings:petition_detail", public_id=petition.public_id)
    return render(
        request,
        "meetings/petition_detail.html",
        {
            "petition": petition,
            "signed": selectors.petition_signed(petition=petition, user=user),
            "can_convene": rules.can_convene(user, petition.village),
            "meetings": list(petition.meetings.all()[:5]),
        },
    )


# --- Delegations by the villagers' meeting --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def authorisations(request):
    """Reserved matters the villagers' meeting delegated to the representatives' meeting, on record."""
    user = request.user
    villages = list(people_selectors.villages_in_scope(user=user))
    own = rules.own_villager(user)
    if own is not None and all(v.code != own.region_code for v in villages):
        villages.append(own.village)
    if not villages:
        raise Http404
    village = next((v for v in villages if v.code == request.GET.get("village")), villages[0])
    can_record = rules.can_record_authorisation(user, village)
    form = AuthorisationForm(request.POST or None) if can_record else None
    if request.method == "POST":
        if not can_record:
            return forbidden(request)
        if request.POST.get("revoke"):
            a = Authorisation.objects.filter(public_id=request.POST["revoke"], region_code=village.code).first()
            if a is None:
                raise Http404
            services.authorisation_revoke(actor=user, authorisation=a)
            messages.success(request, _("The delegation is ended."))
            return redirect(reverse("meetings:authorisations") + f"?village={village.code}")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.authorisation_record(
                    actor=user,
                    village=village,
                    matters=data["matters"],
                    reference=data["reference"],
                    granted_on=data["granted_on"],
                    valid_until=data.get("valid_until"),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The delegation is recorded."))
                return redirect(reverse("meetings:authorisations") + f"?village={village.code}")
    page = Paginator(selectors.authorisations_of(village_code=village.code), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "meetings/authorisations.html",
        {"village": village, "villages": villages, "page": page, "form": form, "today": timezone.localdate()},
    )
