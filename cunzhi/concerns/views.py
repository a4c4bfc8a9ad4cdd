"""Concern pages: my concerns, raise one, a concern with its timeline and actions, staff lists with
deadlines, public boards, the three rates, and the county administrator's configuration.

Views parse input, ask concerns.rules, call a service or a selector, and render. A concern the
reader may not see answers 404; pages a role may never use answer 403 with a reason.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunzhi.concerns.events import ConcernEvent
from cunzhi.core.events import label as event_label
from cunzhi.core.files import private_file_response
from cunzhi.core.idnumbers import mask_phone, normalize_phone
from cunzhi.core.links import absolute_url
from cunzhi.core.ratelimits import limit_create
from cunzhi.core.text import join_list
from cunzhi.core.views import add_errors, forbidden_saying, service_action
from cunzhi.people import rules as people_rules
from cunzhi.people import selectors as people_selectors
from cunzhi.people.models import DelegationScope, Office, User
from cunzhi.regions.models import Level as RegionLevel
from cunzhi.regions.models import Region

from . import forms, rules, selectors, services
from .models import (
    WORKING_STATUSES,
    Category,
    Channel,
    Clock,
    Concern,
    Level,
    Open311Key,
    Photo,
    Rating,
    RoutingRule,
    Status,
)

PAGE_SIZE = 20


# A refusal without its own words says who this page is for.
forbidden = forbidden_saying(gettext_lazy("This page is for village and township staff."))


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _categories():
    return list(selectors.categories_active())


# --- my concerns and the staff summary -------------------------------------------------------------
@login_required
def index(request):
    """Villagers: my concerns and those I follow. Staff: deadlines in my scope and what I own."""
    user = request.user
    own = people_rules.own_villager(user)
    helped = selectors.helped_villagers(user=user)
    ctx = {
        "own": own,
        "helped": helped,
        "can_record": rules.can_raise_as_staff(user),
        "mine": _page(request, selectors.concerns_mine(user=user)),
        "supported": list(selectors.concerns_supported(user=user)[:10]),
    }
    if rules.can_list(user):
        ctx["due"] = selectors.due_counts(user=user)
        ctx["owned"] = list(selectors.concerns_in_scope(user=user, owner=user).order_by("due_at")[:10])
        ctx["is_staff"] = True
    ctx["can_rates"] = rules.can_see_rates(user)
    ctx["can_configure"] = rules.can_configure(user)
    return render(request, "concerns/index.html", ctx)


# --- raising a concern ---------------------------------------------------------------------------
def _mode(request, own, helped, chosen) -> str | None:
    if chosen is not None:
        return "self" if chosen == own else "helper"
    wanted = request.POST.get("mode") or request.GET.get("mode") or ""
    if wanted == "staff" and rules.can_raise_as_staff(request.user):
        return "staff"
    if wanted == "helper" and helped:
        return "helper"
    if own is not None:
        return "self"
    if helped:
        return "helper"
    if rules.can_raise_as_staff(request.user):
        return "staff"
    return None


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def new(request):
    """Raise a concern: for myself, for a villager I help, or (staff) one received by phone, window or paper."""
    user = request.user
    own = people_rules.own_villager(user)
    helped = selectors.helped_villagers(user=user)
    # "For whom?" as on the services pages: ?for= names myself or a villager I help; anybody else is hidden.
    chosen = None
    if request.GET.get("for"):
        chosen = people_selectors.for_whom(user=user, key=request.GET["for"], scope=DelegationScope.CONCERNS)
        if chosen is None:
            raise Http404
    elif own is not None and helped and request.method == "GET" and not request.GET.get("mode"):
        return render(request, "concerns/choose.html", {"own": own, "helping": helped})
    mode = _mode(request, own, helped, chosen)
    if mode is None:
        return forbidden(request, _("Only villagers on the roster, their helpers and staff can raise a concern."))
    categories = _categories()
    villages = people_selectors.villages_in_scope(user=user) if mode == "staff" else []
    if mode == "staff":
        villages = [v for v in villages if rules.can_record_in(user, v.code)]
    home_villages = {own.village_id} if mode == "self" else {v.village_id for v in helped}
    groups = (
        list(Region.objects.filter(parent_id__in=home_villages, level=RegionLevel.GROUP).order_by("code"))
        if mode != "staff"
        else []
    )
    form = forms.ConcernForm(
        request.POST or None,
        request.FILES or None,
        mode=mode,
        categories=categories,
        villagers=helped,
        villages=villages,
        groups=groups,
        initial={"category": request.GET.get("category", ""), "for_villager": chosen.public_id if chosen else ""},
    )
    similar = []
    about = chosen or own or (helped[0] if helped else None)
    similar_village = about.region_code[:12] if about else ""
    if request.method == "POST" and request.POST.get("action") == "similar":
        # Without JavaScript: show similar concerns and keep what was typed; nothing is checked or stored.
        initial = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "action")}
        for flag in ("urgent", "is_public", "is_anonymous"):
            initial[flag] = flag in request.POST
        form = forms.ConcernForm(
            mode=mode, categories=categories, villagers=helped, villages=villages, groups=groups, initial=initial
        )
        similar = selectors.similar_open(village_code=similar_village, text=request.POST.get("text", ""))
        return render(
            request,
            "concerns/new.html",
            {
                "form": form,
                "mode": mode,
                "similar": similar,
                "similar_checked": True,
                "village_code": similar_village,
                "own": own,
                "helped": helped,
            },
        )
    if request.method == "POST" and form.is_valid():
        # The codes and public ids the form received go to the service, which resolves them.
        data = form.cleaned_data
        kwargs = {
            "actor": user,
            "category": data["category"],
            "kind": data["kind"],
            "text": data["text"],
            "group": data.get("group", ""),
            "place": data["place"],
            "lat": data["lat"],
            "lon": data["lon"],
            "is_public": data["is_public"],
            "is_anonymous": data["is_anonymous"],
            "urgent": data["urgent"],
            "photos": data["photos"],
        }
        if mode == "helper":
            kwargs["villager"] = data["for_villager"]
        elif mode == "staff":
            kwargs.update(
                channel=data["channel"],
                village=data["village"],
                villager_phone=data["villager_phone"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
            )
        if not form.errors:
            try:
                concern = services.concern_submit(**kwargs)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Concern %(number)s is raised. %(owner)s is responsible; you will be told of every step.")
                    % {"number": concern.number, "owner": concern.owner.name if concern.owner else _("The township")},
                )
                return redirect("concerns:detail", public_id=concern.public_id)
    return render(
        request,
        "concerns/new.html",
        {"form": form, "mode": mode, "similar": similar, "village_code": similar_village, "own": own, "helped": helped},
    )


@login_required
@require_GET
def similar(request):
    """Similar open public concerns of a village, as an HTML fragment for the raise form's script."""
    code = request.GET.get("village", "")[:12]
    found = (
        selectors.similar_open(village_code=code, text=request.GET.get("text", "")[:2000])
        if code.isdigit() and len(code) == 12
        else []
    )
    return render(request, "concerns/_similar.html", {"similar": found, "fragment": True})


# --- one concern ---------------------------------------------------------------------------------
def _concern_or_404(request, public_id) -> Concern:
    concern = selectors.concern_by_public_id(public_id=public_id)
    if concern is None or not rules.can_view(request.user, concern):
        raise Http404
    return concern


def _display(user, concern, full: bool) -> dict:
    """Who raised it, as this reader may see it."""
    if not full:
        return {"name": concern.public_name or _("A villager"), "phone": ""}
    name = concern.villager.name if concern.villager_id else concern.contact_name
    phone = concern.villager.phone if concern.villager_id else concern.contact_phone
    if phone and not rules.can_see_phone(user, concern):
        phone = mask_phone(phone)
    return {"name": name, "phone": phone}


def _timeline_rows(events) -> list[dict]:
    """Each audit row of the concern as a line a villager can read: when, who (for whom), what."""
    level_names = dict(Level.choices)
    rating_names = dict(Rating.choices)
    clock_names = dict(Clock.choices)
    rows = []
    for e in events:
        a = e.after or {}
        b = e.before or {}
        detail = ""
        if e.action == ConcernEvent.SUBMIT:
            what = _("Raised (%(channel)s)") % {"channel": dict(Channel.choices).get(a.get("channel"), "")}
            if a.get("owner"):
                detail = _("Responsible: %(owner)s") % {"owner": a["owner"]} + (
                    f" · {a['office']}" if a.get("office") else ""
                )
        elif e.action == ConcernEvent.ACKNOWLEDGE:
            what = _("Acknowledged")
            detail = _("Answer time: %(clock)s") % {"clock": clock_names.get(a.get("clock"), "")}
            if a.get("note"):
                detail += " · " + a["note"]
        elif e.action == ConcernEvent.ANSWER:
            what = _("Answered") if a.get("in_time") is not False else _("Answered late")
            if a.get("organisation"):
                detail = _("By %(org)s") % {"org": a["organisation"]}
        elif e.action == ConcernEvent.TRANSFER:
            what = _("Transferred from %(before)s to %(after)s") % {
                "before": b.get("owner") or "—",
                "after": a.get("owner"),
            }
            detail = _("Reason: %(reason)s") % {"reason": a.get("reason", "")}
        elif e.action == ConcernEvent.HAND_TO_ORG:
            what = _("Handed to %(org)s") % {"org": a.get("organisation", "")}
            detail = _("Still responsible: %(owner)s") % {"owner": a.get("owner", "")}
            if a.get("note"):
                detail += " · " + a["note"]
        elif e.action == ConcernEvent.ORG_WORK:
            what = _("Work recorded by %(org)s") % {"org": a.get("organisation", "")}
            detail = a.get("text", "")
        elif e.action == ConcernEvent.CONFIRM:
            what = _("Confirmed resolved and rated: %(rating)s") % {"rating": rating_names.get(a.get("rating"), "")}
            detail = a.get("comment", "")
        elif e.action == ConcernEvent.REOPEN:
            what = _("Reopened: not resolved")
            detail = a.get("reason", "")
            if a.get("rating"):
                detail += " · " + str(rating_names.get(a["rating"], ""))
        elif e.action == ConcernEvent.ESCALATE:
            what = _("Late: escalated to the %(level)s") % {
                "level": str(level_names.get(a.get("escalation_level"), "")).lower()
            }
            if a.get("told"):
                detail = _("Told: %(names)s") % {"names": join_list(a["told"])}
        elif e.action == ConcernEvent.OVERDUE:
            what = _("Late: the person responsible was reminded")
        elif e.action == ConcernEvent.ME_TOO:
            what = _("Another villager said “me too”")
        elif e.action == ConcernEvent.MERGE:
            what = _("Merged into concern %(number)s") % {"number": a.get("into", "")}
        elif e.action == ConcernEvent.MERGED_IN:
            what = _("Concern %(number)s was merged into this one") % {"number": a.get("from", "")}
        elif e.action == ConcernEvent.CLOSE_UNRATED:
            what = _("Closed without rating: no answer from the villager in time")
        else:
            what = event_label(e.action)
        actor = e.actor.name if e.actor_id else _("The platform")
        if a.get("via") == "sms":  # a reply by text from the villager's registered number
            what += " " + _("(by text message)")
            actor = a.get("villager") or actor
        if e.action == ConcernEvent.ME_TOO:
            actor = ""  # a neighbour's name is theirs to keep
        rows.append(
            {
                "when": e.created_at,
                "actor": actor,
                "for": e.on_behalf_of.name if e.on_behalf_of_id else "",
                "what": what,
                "detail": detail,
                "answer": e.answer,
                "action": e.action,
            }
        )
    return rows


def _detail(request, concern, status=200, **bound):
    user = request.user
    full = rules.can_view_full(user, concern)
    ctx = {
        "c": concern,
        "full": full,
        "who": _display(user, concern, full),
        "photos": selectors.concern_photos(concern=concern),
        "now": timezone.now(),
    }
    ctx["answers"] = list(concern.answers.prefetch_related("photos"))
    if full:
        ctx["events"] = _timeline_rows(selectors.timeline(concern=concern))
    if rules.can_handle(user, concern):
        if concern.status == Status.OPEN:
            ctx["ack_form"] = bound.get("ack_form") or forms.AcknowledgeForm()
        ctx["answer_form"] = bound.get("answer_form") or forms.AnswerForm()
    if rules.can_transfer(user, concern):
        ctx["transfer_form"] = bound.get("transfer_form") or forms.TransferForm(
            candidates=services.transfer_candidates(concern=concern)
        )
    # Handing to a village organisation is a page of organisations (it lists them); the concern only links to it.
    ctx["can_hand"] = concern.is_public and concern.status in WORKING_STATUSES and rules.can_handle(user, concern)
    if rules.can_close_loop(user, concern):
        ctx["confirm_form"] = bound.get("confirm_form") or forms.ConfirmForm()
        ctx["reopen_form"] = bound.get("reopen_form") or forms.ReopenForm()
    if rules.can_me_too(user, concern):
        ctx["can_me_too"] = not selectors.is_supporter(user=user, concern=concern)
    if rules.can_merge(user, concern):
        ctx["merge_form"] = bound.get("merge_form") or forms.MergeForm()
    if full and rules.is_staff_in_scope(user, concern) and concern.status in (Status.OPEN, Status.ACKNOWLEDGED):
        routed = services.route(category=concern.category, village=concern.village)
        if routed["owner"] is not None and routed["owner"].pk != concern.owner_id:
            ctx["suggested"] = routed
    ctx["late"] = concern.due_at is not None and concern.due_at < ctx["now"]
    return render(request, "concerns/detail.html", ctx, status=status)


def detail(request, public_id):
    """A concern: what, where, who answers for it, its clocks, answers, timeline and the actions allowed."""
    concern = _concern_or_404(request, public_id)
    if request.user.is_authenticated:
        services.concern_read_record(actor=request.user, concern=concern)
    return _detail(request, concern)


def _act(request, public_id, form_class, name, do, done_message, **form_kwargs):
    """A POST action on a concern: check, call the service, or show the page again with the errors."""
    concern = _concern_or_404(request, public_id)
    if callable(form_kwargs.get("candidates")):
        form_kwargs["candidates"] = form_kwargs["candidates"](concern)
    form = form_class(request.POST, request.FILES or None, **form_kwargs) if form_class is not None else None
    done = service_action(
        request,
        lambda: do(concern, form.cleaned_data if form is not None else {}),
        done=done_message,
        to=reverse("concerns:detail", kwargs={"public_id": concern.public_id}),
        form=form,
    )
    if done is not None:
        return done
    concern = selectors.concern_by_public_id(public_id=public_id)  # unchanged: show it as stored
    return _detail(request, concern, status=400, **{name: form})


@login_required
@require_POST
def acknowledge(request, public_id):
    return _act(
        request,
        public_id,
        forms.AcknowledgeForm,
        "ack_form",
        lambda c, d: services.concern_acknowledge(actor=request.user, concern=c, clock=d["clock"], note=d["note"]),
        _("Acknowledged. The villager has been told."),
    )


@login_required
@require_POST
def answer(request, public_id):
    return _act(
        request,
        public_id,
        forms.AnswerForm,
        "answer_form",
        lambda c, d: services.concern_answer(actor=request.user, concern=c, text=d["text"], photos=d["photos"]),
        _("Answer sent. The villager is asked to confirm and rate it."),
    )


@login_required
@require_POST
def transfer(request, public_id):
    def do(c, d):
        to = User.objects.filter(pk=d["to_user"]).first() if d["to_user"].isdigit() else None
        services.concern_transfer(actor=request.user, concern=c, to_user=to, reason=d["reason"])

    return _act(
        request,
        public_id,
        forms.TransferForm,
        "transfer_form",
        do,
        _("Transferred on record."),
        candidates=lambda c: services.transfer_candidates(concern=c),
    )


@login_required
@require_POST
def confirm(request, public_id):
    return _act(
        request,
        public_id,
        forms.ConfirmForm,
        "confirm_form",
        lambda c, d: services.concern_confirm(actor=request.user, concern=c, rating=d["rating"], comment=d["comment"]),
        _("Thank you. The concern is closed as resolved."),
    )


@login_required
@require_POST
def reopen(request, public_id):
    return _act(
        request,
        public_id,
        forms.ReopenForm,
        "reopen_form",
        lambda c, d: services.concern_reopen(actor=request.user, concern=c, reason=d["reason"], rating=d["rating"]),
        _("The concern is reopened; the person responsible must answer again."),
    )


@login_required
@require_POST
def me_too(request, public_id):
    return _act(
        request,
        public_id,
        None,
        "",
        lambda c, d: services.concern_me_too(actor=request.user, concern=c),
        _("Added: you will be told of the answer too."),
    )


@login_required
@require_POST
def merge(request, public_id):
    def do(c, d):
        target = Concern.objects.select_related("category", "villager").filter(number=d["target"].strip()).first()
        if target is None or not rules.can_view_full(request.user, target):
            raise ValidationError({"target": _("No concern with this number in the area you work for.")})
        services.concern_merge(actor=request.user, source=c, target=target)

    return _act(
        request,
        public_id,
        forms.MergeForm,
        "merge_form",
        do,
        _("Merged. Everyone who raised or followed it has been told."),
    )


def photo(request, public_id):
    """A photo of a concern or answer, for whoever may see the concern."""
    p = Photo.objects.select_related("concern__villager").filter(public_id=public_id).first()
    if p is None or not rules.can_view(request.user, p.concern):
        raise Http404
    return private_file_response(p.file, filename=p.file.name.rsplit("/", 1)[-1])


# --- staff lists ---------------------------------------------------------------------------------
@login_required
def staff_list(request):
    """Concerns in the reader's scope with filters: overdue, due soon, escalated, mine."""
    user = request.user
    if not rules.can_list(user):
        return forbidden(request)
    villages = list(
        Region.objects.filter(
            selectors.prefix_q(people_rules.prefixes(user, rules.LIST_ROLES), "code"), level=RegionLevel.VILLAGE
        ).only("code", "name")
    )
    categories = _categories()
    form = forms.ListFilterForm(request.GET or None, villages=villages, categories=categories)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = selectors.concerns_in_scope(
        user=user,
        status=data.get("status", ""),
        village=data.get("village", ""),
        category=data.get("category", ""),
        due=data.get("due", ""),
        owner=user if data.get("mine") else None,
        search=data.get("q", ""),
    )
    return render(
        request,
        "concerns/list.html",
        {
            "form": form,
            "page": _page(request, qs),
            "due": data.get("due", ""),
            "now": timezone.now(),
            "counts": selectors.due_counts(user=user),
            "filtered": any(data.get(k) for k in ("q", "status", "village", "category", "due", "mine")),
        },
    )


# --- public boards -------------------------------------------------------------------------------
def board(request, code):
    """Public concerns of a village or township: status, answers, "me too" counts, names masked.

    The list part is cached per region, page and language; every write to the region's concerns
    changes its version key (services.board_touch), so a cached board is never stale.
    """
    page_no = (request.GET.get("page") or "1")[:6]
    version = cache.get(f"concerns:board:{code[:12]}") or 0
    key = f"concerns:boardhtml:{code[:12]}:{page_no}:{translation.get_language()}:{version}"
    part = cache.get(key)
    if part is None:
        region = Region.objects.filter(code=code, level__in=[RegionLevel.VILLAGE, RegionLevel.TOWNSHIP]).first()
        if region is None:
            raise Http404
        page = _page(request, selectors.board(region=region))
        villages = (
            list(Region.objects.filter(parent=region, level=RegionLevel.VILLAGE).only("code", "name"))
            if region.level == RegionLevel.TOWNSHIP
            else []
        )
        township = region.parent if region.level == RegionLevel.VILLAGE else None
        body = render_to_string(
            "concerns/_board_body.html",
            {"region": region, "page": page, "villages": villages, "township": township},
            request=request,
        )
        part = {"name": region.name, "body": body}
        cache.set(key, part, 600)
    return render(request, "concerns/board.html", {"region_name": part["name"], "body": mark_safe(part["body"])})


# --- the three rates -----------------------------------------------------------------------------
@login_required
def rates(request):
    """Response, resolution and satisfaction rates per office, village or township for a period."""
    user = request.user
    if not rules.can_see_rates(user):
        return forbidden(request)
    form = forms.RatesForm(request.GET or {})
    rows, total = [], None
    if form.is_valid():
        d = form.cleaned_data
        rows = selectors.rates(prefixes=people_rules.prefixes(user), group=d["group"], start=d["start"], end=d["end"])
        total = selectors.rates_total(rows)
    return render(
        request,
        "concerns/rates.html",
        {"form": form, "rows": rows, "total": total, "data": form.cleaned_data if form.is_valid() else {}},
    )


# --- configuration by the county administrator ---------------------------------------------------
def _configure_guard(request):
    if not rules.can_configure(request.user):
        return forbidden(request, _("Only the county administrator configures concerns."))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def category_list(request, pk=None):
    """Categories (Open311 services): list, add, change."""
    if (refused := _configure_guard(request)) is not None:
        return refused
    category = None
    if pk is not None:
        category = Category.objects.filter(pk=pk).first()
        if category is None:
            raise Http404
    initial = {"position": 100, "active": True}
    if category is not None:
        initial = {
            f: getattr(category, f)
            for f in ("code", "name", "name_en", "description", "clock", "level", "position", "active")
        }
    form = forms.CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_save(actor=request.user, category=category, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The category is saved."))
            return redirect("concerns:categories")
    return render(
        request,
        "concerns/config_categories.html",
        {"form": form, "category": category, "categories": list(Category.objects.all())},
    )


def _rule_form(request, rule=None):
    user = request.user
    initial = {}
    if rule is not None:
        initial = {
            "category": rule.category.code,
            "region": rule.region.code,
            "level": rule.level,
            "office": str(rule.office_id or ""),
            "responsible": rule.responsible.phone if rule.responsible else "",
        }
    return forms.RuleForm(
        request.POST or None,
        initial=initial,
        categories=list(Category.objects.all()),
        regions=selectors.regions_for_rules(user=user),
        offices=selectors.offices_for_rules(user=user),
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_list(request, public_id=None):
    """Routing rules: category x region -> village, township or county office and a named person."""
    if (refused := _configure_guard(request)) is not None:
        return refused
    rule = None
    if public_id is not None:
        rule = (
            RoutingRule.objects.select_related("category", "region", "office", "responsible")
            .filter(public_id=public_id)
            .first()
        )
        if rule is None or not people_rules.in_scope(request.user, rule.region.code, rules.ADMIN_ROLES):
            raise Http404
    form = _rule_form(request, rule)
    if request.method == "POST" and request.POST.get("delete") and rule is not None:
        services.rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("The rule is removed."))
        return redirect("concerns:rules")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        responsible = None
        if d["responsible"].strip():
            responsible = User.objects.filter(phone=normalize_phone(d["responsible"])).first()
            if responsible is None:
                form.add_error("responsible", _("Nobody has an account with this mobile number."))
        if not form.errors:
            try:
                services.rule_save(
                    actor=request.user,
                    rule=rule,
                    category=Category.objects.get(code=d["category"]),
                    region=Region.objects.get(code=d["region"]),
                    level=d["level"],
                    office=Office.objects.filter(pk=d["office"]).select_related("region").first()
                    if d["office"]
                    else None,
                    responsible=responsible,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The rule is saved."))
                return redirect("concerns:rules")
    page = _page(request, selectors.rules_visible(user=request.user))
    return render(request, "concerns/config_rules.html", {"form": form, "rule": rule, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def key_list(request):
    """Open311 API keys: issue one (shown once), revoke."""
    if (refused := _configure_guard(request)) is not None:
        return refused
    form = forms.KeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and request.POST.get("revoke"):
        key = Open311Key.objects.filter(pk=request.POST["revoke"]).first() if request.POST["revoke"].isdigit() else None
        if key is not None:
            services.open311_key_revoke(actor=request.user, key=key)
            messages.success(request, _("The key is revoked."))
        return redirect("concerns:keys")
    if request.method == "POST" and form.is_valid():
        try:
            new_key, _row = services.open311_key_issue(name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            form = forms.KeyForm()
    return render(
        request,
        "concerns/config_keys.html",
        {
            "form": form,
            "new_key": new_key,
            "keys": list(Open311Key.objects.select_related("created_by")[:200]),
            "endpoint": absolute_url(reverse("open311:discovery", args=["json"]).rsplit("/", 1)[0] + "/"),
        },
    )
