"""People pages: villagers, households, offices, delegations, "who looked at my data", my profile.

Views parse input, ask people.rules, call a service or a selector, and render. Objects outside the
reader's scope answer 404 (their existence is not revealed); pages a role may never use answer 403.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cunzhi.core.idnumbers import mask_phone
from cunzhi.core.pagination import CappedPaginator
from cunzhi.core.ratelimits import limit_create
from cunzhi.core.views import add_errors, forbidden_saying
from cunzhi.people import rules, selectors, services
from cunzhi.people.actors import UserRequest
from cunzhi.people.forms import (
    DEFAULT_PURPOSE,
    PURPOSE_FULL_ID,
    PURPOSE_HELPER,
    PURPOSE_HOUSEHOLD,
    PURPOSES,
    DelegationForm,
    HouseholdFilterForm,
    ProfileForm,
    RepresentativeForm,
    VillagerFilterForm,
    yes_no,
)
from cunzhi.people.models import AccessKind, DelegationScope, Household, Villager
from cunzhi.regions import selectors as region_selectors
from cunzhi.regions.models import Region

PAGE_SIZE = 20


# A refusal without its own words says who this page is for.
forbidden = forbidden_saying(gettext_lazy("This page is for village and township staff."))


def _filters(form: forms.Form) -> dict[str, Any]:
    """The filter values that are valid; an unknown value in the address is ignored, not an error page."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def _looks_like_phone(term: str) -> bool:
    compact = term.replace(" ", "").replace("-", "").removeprefix("+86")
    return bool(compact) and compact.isdigit()


def _pick(regions: Iterable[Region], code: str) -> Region | None:
    return next((r for r in regions if r.code == code), None) if code else None


@login_required
def villager_list(request: UserRequest) -> HttpResponse:
    """Villagers in the staff member's scope: search, filters, 20 a page, ID numbers masked."""
    user = request.user
    if not rules.has_role(user):
        return forbidden(request)
    villages = selectors.villages_in_scope(user=user)
    village = _pick(villages, request.GET.get("village", ""))
    groups = region_selectors.groups_of(village=village) if village else []
    form = VillagerFilterForm(request.GET or None, villages=villages, groups=groups)
    data = _filters(form)
    search = (data.get("q") or "").strip()
    # Names hold no digits: a digit search by someone who may not see phone numbers could only
    # confirm a number they are not allowed to see (people.rules.PHONE_ROLES).
    phone_search_refused = _looks_like_phone(search) and not rules.has_role(user, rules.PHONE_ROLES)
    qs = selectors.villagers_visible(
        user=user,
        search=search,
        region=village,
        group=_pick(groups, data.get("group", "")),
        living_away=yes_no(data.get("away", "")),
        adult=yes_no(data.get("adult", "")),
    )
    if phone_search_refused:
        qs = qs.none()
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for v in page:
        v.phone_shown = v.phone if rules.can_see_full_phone(user, v) else mask_phone(v.phone)
    purpose = data.get("purpose") or DEFAULT_PURPOSE
    return render(
        request,
        "people/villager_list.html",
        {
            "form": form,
            "page": page,
            "purpose": purpose,
            "village": village,
            "phone_search_refused": phone_search_refused,
            "filtered": any(data.get(k) for k in ("q", "village", "group", "away", "adult")),
            "more_open": any(data.get(k) for k in ("away", "adult")) or purpose != DEFAULT_PURPOSE,
        },
    )


@login_required
def villager_detail(request: UserRequest, public_id: str) -> HttpResponse:
    """One villager's record. Every read by someone else is logged for the villager to see."""
    user = request.user
    try:
        villager = selectors.villager_with_relations(public_id=public_id)
    except Villager.DoesNotExist:
        raise Http404 from None
    if not rules.can_view_villager(user, villager):
        raise Http404
    is_self = rules.is_self(user, villager)
    as_staff = rules.in_scope(user, villager.region_code)
    may_see_full = rules.can_see_full_id(user, villager)
    show_full = is_self or (may_see_full and request.GET.get("full_id") == "1")
    purpose_key = request.GET.get("purpose", DEFAULT_PURPOSE)
    if purpose_key not in PURPOSES:
        purpose_key = DEFAULT_PURPOSE
    if not is_self:
        if as_staff:
            services.access_record(
                actor=user, villager=villager, kind=AccessKind.STAFF_READ, purpose=PURPOSES[purpose_key]
            )
            if show_full:
                services.access_record(
                    actor=user, villager=villager, kind=AccessKind.STAFF_READ, purpose=PURPOSE_FULL_ID
                )
        else:
            # Allowed only through an active delegation covering the record: recorded as its use.
            services.delegation_use(
                helper=user, villager=villager, scope=DelegationScope.RECORDS, purpose=PURPOSE_HELPER
            )
    delegations = (
        list(selectors.delegations_granted(villager=villager).filter(revoked_at__isnull=True)[:20])
        if (is_self or as_staff)
        else []
    )
    return render(
        request,
        "people/villager_detail.html",
        {
            "v": villager,
            "is_self": is_self,
            "as_staff": as_staff,
            "show_full": show_full,
            "show_birth_date": is_self or may_see_full,  # the ID number contains the birth date
            "phone": villager.phone if rules.can_see_full_phone(user, villager) else mask_phone(villager.phone),
            "may_see_full": may_see_full and not show_full,
            "purpose_key": purpose_key,
            "delegations": delegations,
        },
    )


@login_required
def household_list(request: UserRequest) -> HttpResponse:
    """Households in the staff member's scope with member counts and representatives."""
    user = request.user
    if not rules.has_role(user):
        return forbidden(request)
    villages = selectors.villages_in_scope(user=user)
    form = HouseholdFilterForm(request.GET or None, villages=villages)
    data = _filters(form)
    qs = selectors.households_visible(
        user=user, region=_pick(villages, data.get("village", "")), search=data.get("q", "")
    )
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/household_list.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def household_detail(request: UserRequest, public_id: str) -> HttpResponse:
    """A household: members and representative; a cadre of the village may name the representative."""
    user = request.user
    try:
        household = selectors.household_with_relations(public_id=public_id)
    except Household.DoesNotExist:
        raise Http404 from None
    if not rules.can_view_household(user, household):
        raise Http404
    as_staff = rules.in_scope(user, household.region_code)
    can_edit = rules.can_manage_roster(user, household.village)
    members = selectors.household_members(household=household)
    if as_staff and request.method == "GET":
        # The page shows each member's name, sex and age: a staff read of every member's record.
        services.access_record_many(
            actor=user, villagers=members, kind=AccessKind.STAFF_READ, purpose=PURPOSE_HOUSEHOLD
        )
    form = None
    if can_edit and members:
        current = household.representative.public_id if household.representative else None
        form = RepresentativeForm(request.POST or None, members=members, initial={"member": current})
    if request.method == "POST":
        if form is None:
            return forbidden(request, _("Only the village committee can change the household representative."))
        if form.is_valid():
            chosen = next(m for m in members if m.public_id == form.cleaned_data["member"])
            try:
                services.household_set_representative(actor=user, household=household, villager=chosen)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("%(name)s now represents the household.") % {"name": chosen.name})
                return redirect("people:household_detail", public_id=household.public_id)
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "members": members,
            "form": form,
            "as_staff": as_staff,
        },
    )


@login_required
def office_list(request: UserRequest) -> HttpResponse:
    """Township and county offices that serve the staff member's regions."""
    user = request.user
    if not rules.has_role(user):
        return forbidden(request)
    page = Paginator(selectors.offices_visible(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/office_list.html", {"page": page, "english": translation.get_language() == "en"})


@login_required
def delegation_list(request: UserRequest) -> HttpResponse:
    """Delegations I granted (as a villager) and those I hold (as a helper)."""
    user = request.user
    villager = rules.own_villager(user)
    granted = list(selectors.delegations_granted(villager=villager)[:50]) if villager else []
    held = Paginator(selectors.delegations_held(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/delegation_list.html",
        {
            "villager": villager,
            "granted": granted,
            "held": held,
            "now": timezone.now(),
        },
    )


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def delegation_new(request: UserRequest) -> HttpResponse:
    """A villager lets a helper act for them: who (by mobile number), what, and until when."""
    user = request.user
    villager = rules.own_villager(user)
    if villager is None or not rules.can_grant_delegation(user, villager):
        return forbidden(request, _("Only a villager registered on the platform can grant a delegation."))
    form = DelegationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        helper = selectors.user_by_phone(phone=form.cleaned_data["helper_phone"])
        if helper is None:
            form.add_error(
                "helper_phone",
                _(
                    "Nobody has an account with this mobile number. The helper must "
                    "have an account first; the village committee can set one up."
                ),
            )
        else:
            try:
                services.delegation_grant(
                    villager=villager,
                    actor=user,
                    helper=helper,
                    relation=form.cleaned_data["relation"],
                    scopes=form.cleaned_data["scopes"],
                    ends_at=form.ends_at(),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s can now help you. You can end this at any time.")
                    % {"name": helper.name or helper.phone},
                )
                return redirect("people:delegation_list")
    return render(request, "people/delegation_form.html", {"form": form, "villager": villager})


@login_required
@require_POST
def delegation_revoke(request: UserRequest, public_id: str) -> HttpResponse:
    """End a delegation now: the villager who granted it, or the helper giving it up."""
    user = request.user
    delegation = selectors.delegation_by_public_id(public_id=public_id)
    if delegation is None or not rules.can_revoke_delegation(user, delegation):
        raise Http404
    if delegation.revoked_at is None:
        services.delegation_revoke(delegation=delegation, actor=user)
        messages.success(request, _("The delegation has ended."))
    return redirect("people:delegation_list")


@login_required
def data_access(request: UserRequest) -> HttpResponse:
    """Who looked at my data: every read by staff and every use of a delegation, newest first."""
    villager = rules.own_villager(request.user)
    page = None
    if villager is not None:
        page = Paginator(selectors.data_accesses(villager=villager, limit=None), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        for row in page:
            # Purposes are stored as English source text and shown in the reader's language.
            row.purpose_display = _(row.purpose) if row.purpose else ""
    return render(request, "people/data_access.html", {"villager": villager, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: UserRequest) -> HttpResponse:
    """My own record (full ID number for myself) and the few things I may change myself."""
    user = request.user
    villager = selectors.own_villager_with_relations(user=user)
    initial: dict[str, object] = {"language": user.language}
    if villager is not None:
        initial.update(phone=villager.phone, living_away=villager.living_away, away_city=villager.away_city)
    form = ProfileForm(request.POST or None, initial=initial, with_villager=villager is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if villager is not None:
                    services.villager_update_contact(
                        actor=user,
                        villager=villager,
                        phone=data["phone"],
                        living_away=data["living_away"],
                        away_city=data["away_city"],
                    )
                services.user_set_language(user=user, language=data["language"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            translation.activate(data["language"])
            messages.success(request, _("Your details are saved."))
            response = redirect("people:profile")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                data["language"],
                max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
    return render(
        request,
        "people/profile.html",
        {
            "villager": villager,
            "form": form,
            "roles": list(selectors.roles_of(user=user)),
        },
    )
