"""Organisation pages: a region's organisations, an organisation's public page and messages to it, members,
activities with sign-up, the check-in desk (name, pinyin or QR) and the hours. Views parse input, ask
organisations.rules, call a service, render."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cunzhi.concerns import rules as concern_rules
from cunzhi.concerns import selectors as concern_selectors
from cunzhi.core.views import forbidden_saying, refusal_messages, service_action
from cunzhi.organisations import codes, rules, selectors, services
from cunzhi.organisations.forms import (
    ActivityForm,
    CancelForm,
    ContactForm,
    HandForm,
    HandoverAnswerForm,
    HandoverWorkForm,
    MemberForm,
    OrganisationForm,
)
from cunzhi.organisations.models import Activity, Handover, Organisation
from cunzhi.people.actors import UserRequest
from cunzhi.people.models import Role, Villager
from cunzhi.people.rules import own_villager, scope_q
from cunzhi.regions import selectors as region_selectors
from cunzhi.regions.models import Level, Region

forbidden = forbidden_saying(gettext_lazy("This page is for the organisation's leaders."))
STAFF = {Role.CADRE, Role.PARTY_SECRETARY, Role.OFFICE_STAFF, Role.COUNTY_ADMIN}


def _org(public_id: str) -> Organisation:
    org = selectors.organisation_by_public_id(public_id=public_id)
    if org is None:
        raise Http404
    return org


def _activity(public_id: str) -> Activity:
    activity = selectors.activity_by_public_id(public_id=public_id)
    if activity is None:
        raise Http404
    return activity


@login_required
def index(request: UserRequest) -> HttpResponse:
    """A villager goes to their village's organisations; staff choose a village or township."""
    own = own_villager(request.user)
    regions = list(
        Region.objects.filter(
            scope_q(request.user, STAFF, field="code"), level__in=(Level.VILLAGE, Level.TOWNSHIP)
        ).order_by("code")[:400]
    )
    if own is not None and not regions:
        return redirect("organisations:region", own.region_code[:12])
    # A county's staff choose a township first; the township's own organisations are beside its villages.
    villages, choose, chosen = region_selectors.villages_by_township(
        [r for r in regions if r.level == Level.VILLAGE], township=request.GET.get("township", "")
    )
    if choose:
        regions = []
    elif chosen is not None:
        regions = [chosen, *villages]
    return render(
        request,
        "organisations/index.html",
        {"regions": regions, "own": own, "choose_township": choose, "township": chosen},
    )


def region(request: HttpRequest, code: str) -> HttpResponse:
    """The organisations of a village (and its township's), public: they recruit."""
    place = selectors.region_by_code(code=code)
    if place is None:
        raise Http404
    orgs = list(selectors.organisations_of(region=place))
    return render(
        request,
        "organisations/region.html",
        {"place": place, "orgs": orgs, "can_register": rules.can_register(request.user, place)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def register(request: UserRequest, code: str) -> HttpResponse:
    place = selectors.region_by_code(code=code)
    if place is None:
        raise Http404
    if not rules.can_register(request.user, place):
        return forbidden(request, _("Organisations are registered by the village committee or the township."))
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_register(region=place, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            from cunzhi.core.views import add_errors

            add_errors(form, exc)
        else:
            messages.success(request, _("Organisation registered. Add its leaders and members."))
            return redirect("organisations:members", org.public_id)
    return render(request, "organisations/register.html", {"place": place, "form": form})


def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """The organisation's public page: what it does, its leaders, its activities; write to it."""
    org = _org(public_id)
    return render(
        request,
        "organisations/detail.html",
        {
            "org": org,
            "leaders": selectors.leaders(organisation=org),
            "member_count": org.memberships.count(),
            "activities": list(selectors.activities_of(organisation=org)[:20]),
            "can_manage": rules.can_manage(request.user, org),
            "can_contact": rules.can_contact(request.user, org),
            "contact_form": ContactForm(),
        },
    )


@login_required
@require_POST
def contact(request: UserRequest, public_id: str) -> HttpResponse:
    org = _org(public_id)
    if not rules.can_contact(request.user, org):
        return forbidden(request, _("Villagers of the organisation's village or township may write to it."))
    form = ContactForm(request.POST)
    return service_action(
        request,
        lambda: services.organisation_contact(
            organisation=org, message=form.cleaned_data["message"], actor=request.user
        ),
        done=_("Your message was sent to the organisation's leaders."),
        to=reverse("organisations:detail", args=[org.public_id]),
        form=form,
    ) or render(
        request,
        "organisations/detail.html",
        {
            "org": org,
            "leaders": selectors.leaders(organisation=org),
            "member_count": org.memberships.count(),
            "activities": list(selectors.activities_of(organisation=org)[:20]),
            "can_manage": rules.can_manage(request.user, org),
            "can_contact": True,
            "contact_form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def members(request: UserRequest, public_id: str) -> HttpResponse:
    """Leaders keep the members: find a villager of the area by name, pinyin or phone."""
    org = _org(public_id)
    if not rules.can_manage(request.user, org):
        return forbidden(request)
    form = MemberForm(request.POST or None)
    candidates = []
    if request.method == "POST" and form.is_valid():
        candidates = selectors.villager_candidates(organisation=org, term=form.cleaned_data["term"])
        chosen = request.POST.get("villager")
        if chosen:
            candidates = [c for c in candidates if c.public_id == chosen]
        if len(candidates) == 1:
            done = service_action(
                request,
                lambda: services.member_add(
                    organisation=org,
                    villager=candidates[0],
                    is_leader=form.cleaned_data["is_leader"],
                    actor=request.user,
                ),
                done=_("%(name)s is a member.") % {"name": candidates[0].name},
                to=request.path,
            )
            return done
        if not candidates:
            form.add_error("term", _("No villager of the organisation's area matches."))
    return render(
        request,
        "organisations/members.html",
        {"org": org, "form": form, "candidates": candidates, "members": selectors.members(organisation=org)},
    )


@login_required
@require_POST
def member_remove(request: UserRequest, public_id: str, pk: int) -> HttpResponse:
    org = _org(public_id)
    if not rules.can_manage(request.user, org):
        return forbidden(request)
    membership = selectors.membership_by_id(organisation=org, pk=pk)
    if membership is None:
        raise Http404
    return service_action(
        request,
        lambda: services.member_remove(membership=membership, actor=request.user),
        done=_("Member removed."),
        to=reverse("organisations:members", args=[org.public_id]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request: UserRequest, public_id: str) -> HttpResponse:
    org = _org(public_id)
    if not rules.can_manage(request.user, org):
        return forbidden(request)
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(organisation=org, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            from cunzhi.core.views import add_errors

            add_errors(form, exc)
        else:
            messages.success(request, _("Activity posted."))
            return redirect("organisations:activity", activity.public_id)
    return render(request, "organisations/activity_new.html", {"org": org, "form": form})


def activity(request: HttpRequest, public_id: str) -> HttpResponse:
    """The activity: time, place, places left; sign up yourself or a villager you help; organisers see who."""
    act = _activity(public_id)
    org = act.organisation
    mine = rules.sign_up_for(request.user, act)
    rows = {p.villager_id: p for p in selectors.participant_of(activity=act, villager_ids=[v.pk for v in mine])}
    people = [{"villager": v, "participant": rows.get(v.pk)} for v in mine]
    manage = rules.can_manage(request.user, act.organisation)
    return render(
        request,
        "organisations/activity.html",
        {
            "act": act,
            "org": org,
            "people": people,
            "left": max(act.places - act.taken, 0),  # type: ignore[attr-defined]  # annotated
            "open": rules.can_sign_up(act),
            "can_manage": manage,
            "participants": selectors.participants(activity=act) if manage else [],
            "cancel_form": CancelForm() if manage else None,
        },
    )


def _villager_choice(request: UserRequest, act: Activity) -> Villager | None:
    chosen = request.POST.get("villager", "")
    for v in rules.sign_up_for(request.user, act):
        if v.public_id == chosen:
            return v
    return None


@login_required
@require_POST
def sign_up(request: UserRequest, public_id: str) -> HttpResponse:
    act = _activity(public_id)
    villager = _villager_choice(request, act)
    to = reverse("organisations:activity", args=[act.public_id])
    if villager is None:
        return forbidden(
            request, _("Villagers of the organisation's area sign up, themselves or through their helper.")
        )
    return service_action(
        request,
        lambda: services.sign_up(activity=act, villager=villager, actor=request.user),
        done=_("%(name)s is signed up.") % {"name": villager.name},
        to=to,
    )


@login_required
@require_POST
def withdraw(request: UserRequest, public_id: str) -> HttpResponse:
    act = _activity(public_id)
    villager = _villager_choice(request, act)
    rows = selectors.participant_of(activity=act, villager_ids=[villager.pk]) if villager is not None else []
    if not rows:
        return forbidden(request, _("Only the villager or their helper takes back a sign-up."))
    return service_action(
        request,
        lambda: services.withdraw(participant=rows[0], actor=request.user),
        done=_("Sign-up taken back."),
        to=reverse("organisations:activity", args=[act.public_id]),
    )


@login_required
def my_code(request: UserRequest, public_id: str) -> HttpResponse:
    """The villager's QR code for the desk (their own, or of villagers they help)."""
    act = _activity(public_id)
    mine = rules.sign_up_for(request.user, act)
    rows = [
        p for p in selectors.participant_of(activity=act, villager_ids=[v.pk for v in mine]) if p.withdrawn_at is None
    ]
    if not rows:
        return forbidden(request, _("Sign up first: the code is for villagers signed up for this activity."))
    cards = [{"p": p, "qr": codes.participant_qr_data_uri(activity=act, participant=p)} for p in rows]
    return render(request, "organisations/code.html", {"act": act, "cards": cards})


@login_required
@require_http_methods(["GET", "POST"])
def desk(request: UserRequest, public_id: str) -> HttpResponse:
    """The check-in desk: find a signed-up villager by name or pinyin, or read their QR code."""
    act = _activity(public_id)
    if not rules.can_manage(request.user, act.organisation):
        return forbidden(request)
    term = request.GET.get("q", "")
    if request.method == "POST":
        target = reverse("organisations:desk", args=[act.public_id]) + "?q=" + request.POST.get("q", "")
        code = request.POST.get("code", "").strip()
        found = None
        by_qr = False
        if code:
            found, by_qr = codes.participant_from_code(activity=act, code=code), True
            if found is None:
                messages.error(request, _("This code is not for this activity."))
                return redirect(target)
        else:
            try:
                pk = int(request.POST.get("participant", ""))
            except ValueError:
                pk = 0
            found = selectors.participant_by_id(activity=act, pk=pk)
            if found is None:
                raise Http404
        participant = found
        return service_action(
            request,
            lambda: services.check_in(activity=act, participant=participant, actor=request.user, by_qr=by_qr),
            done=_("%(name)s is checked in.") % {"name": participant.name},
            to=target,
        )
    results = selectors.desk_search(activity=act, term=term)
    checked = sum(1 for p in selectors.participants(activity=act) if p.checked_in_at)
    return render(
        request,
        "organisations/desk.html",
        {"act": act, "term": term, "results": results, "checked": checked, "open": rules.can_check_in(act)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def scan(request: UserRequest, public_id: str, code: str) -> HttpResponse:
    """The address in a participant's QR code: the organiser who opens it confirms the check-in."""
    act = _activity(public_id)
    if not rules.can_manage(request.user, act.organisation):
        return forbidden(request, _("Show this code at the activity's desk."))
    participant = codes.participant_from_code(activity=act, code=code)
    if participant is None:
        messages.error(request, _("This code is not for this activity."))
        return redirect("organisations:desk", public_id=act.public_id)
    if request.method == "POST":
        return service_action(
            request,
            lambda: services.check_in(activity=act, participant=participant, actor=request.user, by_qr=True),
            done=_("%(name)s is checked in.") % {"name": participant.name},
            to=reverse("organisations:desk", args=[act.public_id]),
        )
    return render(request, "organisations/scan.html", {"act": act, "p": participant})


@login_required
@require_http_methods(["GET", "POST"])
def hours(request: UserRequest, public_id: str) -> HttpResponse:
    """The organiser confirms each checked-in villager's hours; then the activity is done."""
    act = _activity(public_id)
    if not rules.can_manage(request.user, act.organisation):
        return forbidden(request)
    present = [p for p in selectors.participants(activity=act) if p.checked_in_at]
    errors: list[str] = []
    if request.method == "POST":
        given: dict[int, Decimal] = {}
        for p in present:
            try:
                given[p.pk] = services.parse_hours(request.POST.get(f"hours_{p.pk}", "0"))
            except ValidationError as exc:
                errors.append(f"{p.name}: {exc.messages[0]}")
        if not errors:
            try:
                services.hours_confirm(activity=act, hours=given, actor=request.user)
            except ValidationError as exc:
                errors.extend(exc.messages)
            except PermissionDenied:
                return forbidden(request)
            else:
                messages.success(request, _("Hours confirmed."))
                return redirect("organisations:activity", act.public_id)
    default = Decimal((act.ends_at - act.starts_at).total_seconds() / 3600).quantize(Decimal("0.1"))
    return render(
        request,
        "organisations/hours.html",
        {"act": act, "present": present, "errors": errors, "default": default, "post": request.POST},
    )


@login_required
@require_POST
def cancel(request: UserRequest, public_id: str) -> HttpResponse:
    act = _activity(public_id)
    if not rules.can_manage(request.user, act.organisation):
        return forbidden(request)
    form = CancelForm(request.POST)
    to = reverse("organisations:activity", args=[act.public_id])
    if not form.is_valid():
        refusal_messages(request, ValidationError(_("Say why the activity is cancelled.")))
        return redirect(to)
    return service_action(
        request,
        lambda: services.activity_cancel(activity=act, reason=form.cleaned_data["reason"], actor=request.user),
        done=_("Activity cancelled."),
        to=to,
    )


# ---------------------------------------------------------------- concerns handed to an organisation


@login_required
@require_http_methods(["GET", "POST"])
def hand(request: UserRequest, concern_id: str) -> HttpResponse:
    """Staff handling a public concern choose an organisation of its area to work on it."""
    concern = concern_selectors.concern_by_public_id(public_id=concern_id)
    if concern is None:
        raise Http404
    if not concern_rules.can_handle(request.user, concern):
        return forbidden(request, _("Only those who handle this concern may hand it to an organisation."))
    orgs = {o.public_id: o for o in selectors.organisations_for_concern(region_code=concern.region_code)}
    form = HandForm(
        request.POST or None,
        choices=[(o.public_id, f"{o.name} · {o.get_kind_display()}") for o in orgs.values()],
    )
    if request.method == "POST":
        done = service_action(
            request,
            lambda: services.concern_hand(
                concern=concern,
                organisation=orgs[form.cleaned_data["organisation"]],
                note=form.cleaned_data["note"],
                actor=request.user,
            ),
            done=_("Handed on. The organisation's leaders and the villager have been told."),
            to=reverse("concerns:detail", args=[concern.public_id]),
            form=form,
        )
        if done is not None:
            return done
    status = 400 if form.errors else 200
    return render(request, "organisations/hand.html", {"concern": concern, "form": form, "orgs": orgs}, status=status)


@login_required
def handovers(request: UserRequest, public_id: str) -> HttpResponse:
    """The concerns handed to the organisation: for its leaders."""
    org = _org(public_id)
    if not rules.can_manage(request.user, org):
        return forbidden(request)
    rows = list(selectors.handovers_of(organisation=org)[:200])
    return render(request, "organisations/handovers.html", {"org": org, "rows": rows})


def _handover_page(request: UserRequest, handover: Handover, status: int = 200, **forms_: object) -> HttpResponse:
    return render(
        request,
        "organisations/handover.html",
        {
            "h": handover,
            "c": handover.concern,
            "work": selectors.handover_work(handover=handover),
            "work_form": forms_.get("work_form") or HandoverWorkForm(),
            "answer_form": forms_.get("answer_form") or HandoverAnswerForm(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def handover(request: UserRequest, public_id: str) -> HttpResponse:
    """A handed concern: what the villager raised (as the public sees it), the work so far, and the forms to
    record work or answer under the organisation's name."""
    h = selectors.handover_by_public_id(public_id=public_id)
    if h is None:
        raise Http404
    if not rules.can_work_on(request.user, h):
        return forbidden(request)
    if request.method == "GET":
        return _handover_page(request, h)
    answering = request.POST.get("action") == "answer"
    form = HandoverAnswerForm(request.POST) if answering else HandoverWorkForm(request.POST)
    done = service_action(
        request,
        lambda: (services.handover_answer if answering else services.handover_work)(
            handover=h, text=form.cleaned_data["text"], actor=request.user
        ),
        done=_("Answer sent under the organisation's name. The villager is asked to confirm it.")
        if answering
        else _("Work recorded. The villager has been told."),
        to=request.path,
        form=form,
    )
    if done is not None:
        return done
    return _handover_page(request, h, 400, **{"answer_form" if answering else "work_form": form})
