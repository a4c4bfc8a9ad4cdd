"""Points pages: the township catalogue, a village's rules, declaring, reviewing, the board, objections, the
household file and the points supermarket. Views parse input, ask points.rules, call a service, render.

Pages of a village answer 404 outside it (its existence is not hidden, but its households are): villagers
of the village and staff whose region holds it see its board; actions need their role.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cunzhi.core import events
from cunzhi.core.files import private_file_response
from cunzhi.core.views import forbidden_saying, refusal_messages, service_action
from cunzhi.points import rules, selectors, services
from cunzhi.points.forms import (
    AdoptForm,
    DecideForm,
    DeclareForm,
    GoodsForm,
    GoodsReceiveForm,
    ItemForm,
    OptionalReasonForm,
    RedeemForm,
    RuleForm,
    ShopKeeperForm,
    TownshipShopForm,
)
from cunzhi.points.models import Holder, Outcome
from cunzhi.regions import selectors as region_selectors
from cunzhi.regions.models import Level, Region

PAGE_SIZE = 20

forbidden = forbidden_saying(gettext_lazy("This page is for the village's review group and cadres."))


def _village(request: HttpRequest, code: str) -> Region:
    village = selectors.village_by_code(code=code)
    if village is None or not rules.can_see_village(request.user, village.code):
        raise Http404
    return village


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """A villager goes to their village's board; staff choose a village or a township catalogue."""
    home = selectors.home_village(user=request.user)
    villages = [
        v for v in selectors.villages_in_scope(user=request.user)[:400] if rules.can_see_village(request.user, v.code)
    ]
    shops = selectors.shops_kept(user=request.user)  # a shop-keeper's counters (a township's, a village's)
    if home is not None and not villages and not shops:
        return redirect("points:board", home.code)
    townships = [
        t for t in selectors.townships_in_scope(user=request.user) if rules.catalogue_keeper(request.user, t.code)
    ]
    villages, choose, chosen = region_selectors.villages_by_township(villages, township=request.GET.get("township", ""))
    return render(
        request,
        "points/index.html",
        {
            "villages": villages,
            "townships": townships,
            "home": home,
            "shops": shops,
            "choose_township": choose,
            "township": chosen,
        },
    )


# ---------------------------------------------------------------- township catalogue


@login_required
@require_http_methods(["GET", "POST"])
def township(request: HttpRequest, code: str) -> HttpResponse:
    """The township's catalogue; its keepers add items and decide the villages' own items."""
    town = selectors.township_by_code(code=code)
    if town is None:
        raise Http404
    if not rules.catalogue_keeper(request.user, town.code):
        return forbidden(request, _("The township's points catalogue is kept by its civil affairs office."))
    form = ItemForm(request.POST or None)
    if request.method == "POST":
        done = service_action(
            request,
            lambda: services.item_create(township=town, actor=request.user, **form.cleaned_data),
            done=_("Item added to the catalogue."),
            to=request.path,
            form=form,
        )
        if done:
            return done
    items = list(selectors.catalogue(township=town))
    return render(
        request,
        "points/township.html",
        {"township": town, "items": items, "form": form, "decide": OptionalReasonForm()},
    )


@login_required
@require_POST
def item_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.item_by_public_id(public_id=public_id)
    if item is None:
        raise Http404
    if not rules.catalogue_keeper(request.user, item.township.code):
        return forbidden(request)
    form = OptionalReasonForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    return service_action(  # type: ignore[return-value]  # without a form it always redirects
        request,
        lambda: services.item_decide(
            item=item, approve=approve, reason=form.cleaned_data.get("reason", ""), actor=request.user
        ),
        done=_("Item approved.") if approve else _("Item refused."),
        to=reverse("points:township", args=[item.township.code]),
    )


# ---------------------------------------------------------------- village rules


@login_required
@require_http_methods(["GET", "POST"])
def village_rules(request: HttpRequest, code: str) -> HttpResponse:
    """The village's rule and adopted items (anyone of the village reads them; cadres change them)."""
    village = _village(request, code)
    can_set = rules.can_set_rules(request.user, village.code)
    rule = selectors.rule_for(village)
    initial = {
        "holder": Holder.HOUSEHOLD,
        "objection_days": 7,
        "review_roles": sorted(rules.review_roles(rule)),
        "red_list_size": 0,
        "commend_size": 10,
    }
    if rule is not None:
        initial |= {"holder": rule.holder, "base_grant": rule.base_grant, "exclude_away": rule.exclude_away}
        initial["objection_days"] = rule.objection_days
        initial["year_end"] = rule.year_end
        initial |= {"red_list_size": rule.red_list_size, "commend_size": rule.commend_size}
    action = request.POST.get("action", "")
    if request.method == "POST" and not can_set:
        return forbidden(request)
    rule_form = RuleForm(request.POST if action == "rule" else None, initial=initial)
    item_form = ItemForm(request.POST if action == "propose" else None, prefix="p")
    here = request.path
    if action == "rule":
        done = service_action(
            request,
            lambda: services.rule_set(village=village, actor=request.user, **rule_form.cleaned_data),
            done=_("Village rule saved."),
            to=here,
            form=rule_form,
        )
        if done:
            return done
    elif action == "adopt":
        form = AdoptForm(request.POST)
        item = selectors.item_by_public_id(public_id=request.POST.get("item", ""))
        if not form.is_valid() or item is None:
            messages.error(request, _("Give the points and the yearly cap as whole numbers."))
            return redirect(here)
        data = form.cleaned_data
        return service_action(  # type: ignore[return-value]  # without a form it always redirects
            request,
            lambda: services.adoption_set(
                village=village,
                item=item,
                points=data["points"],
                yearly_cap=data["yearly_cap"],
                active=data["active"],
                outcome=data["outcome"],
                suspends_redemption=data["suspends_redemption"],
                actor=request.user,
            ),
            done=_("Item adopted."),
            to=here,
        )
    elif action == "propose":
        done = service_action(
            request,
            lambda: services.item_create(
                township=village.parent, village=village, actor=request.user, **item_form.cleaned_data
            ),
            done=_("Item sent to the township for approval."),
            to=here,
            form=item_form,
        )
        if done:
            return done
    elif action == "close":
        last = timezone.localdate().year - 1
        return service_action(  # type: ignore[return-value]  # without a form it always redirects
            request,
            lambda: services.year_close(village=village, year=last, actor=request.user),
            done=_("%(year)s closed.") % {"year": last},
            to=here,
        )
    elif action == "base":
        return service_action(  # type: ignore[return-value]  # without a form it always redirects
            request,
            lambda: services.base_grant_apply(village=village, actor=request.user),
            done=_("Base points granted."),
            to=here,
        )
    items = selectors.adoptable_items(village=village) if can_set else []
    return render(
        request,
        "points/rules.html",
        {
            "village": village,
            "rule": rule,
            "adoptions": list(selectors.adoptions(village=village)),
            "items": items,
            "proposed": list(selectors.proposed_items(village=village)) if can_set else [],
            "can_set": can_set,
            "rule_form": rule_form,
            "item_form": item_form,
            "outcomes": Outcome.choices,
        },
    )


# ---------------------------------------------------------------- board, declaring, review


@login_required
def board(request: HttpRequest, code: str) -> HttpResponse:
    """The village's public board: posted decisions with reasons, totals and ranges (no list of the lowest)."""
    village = _village(request, code)
    page = Paginator(selectors.board(village=village), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.shown(list(page.object_list))
    own = rules.own_household_id(request.user)
    return render(
        request,
        "points/board.html",
        {
            "village": village,
            "page": page,
            "summary": selectors.board_summary(village=village),
            "own_household": selectors.household_by_pk(pk=own) if own else None,
            "can_review": rules.in_review_group(request.user, village.code, selectors.rule_for(village)),
            "can_redeem": rules.can_redeem(request.user, village.code),
            "can_declare": rules.is_member(request.user, village.code) or rules.can_propose(request.user, village.code),
            "can_see_figures": rules.can_see_figures(request.user, village.code),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest, code: str) -> HttpResponse:
    village = _village(request, code)
    households = selectors.households_named(rules.declarable_households(request.user, village))
    if not households:
        return forbidden(request, _("Villagers of the village declare for their own household."))
    rule = selectors.rule_for(village)
    persons = []
    if rule is not None and rule.holder == Holder.PERSON:
        persons = selectors.persons_of(village=village, household_ids=[h.pk for h in households])
    adoptions = list(selectors.adoptions(village=village))
    form = DeclareForm(
        request.POST or None, request.FILES or None, adoptions=adoptions, households=households, persons=persons
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = next(h for h in households if h.public_id == data["household"])
        adoption = next(a for a in adoptions if a.pk == data["adoption"])
        person = next((p for p in persons if p.public_id == data.get("person")), None)
        done = service_action(
            request,
            lambda: services.entry_declare(
                adoption=adoption,
                household=household,
                person=person,
                occurred_on=data["occurred_on"],
                description=data["description"],
                evidence=data.get("evidence"),
                actor=request.user,
            ),
            done=_("Declared. The review group will decide and give a reason."),
            to=reverse("points:household", args=[household.public_id]),
            form=form,
        )
        if done:
            return done
    return render(request, "points/declare.html", {"village": village, "form": form, "adoptions": adoptions})


@login_required
def review(request: HttpRequest, code: str) -> HttpResponse:
    """Declarations waiting for the review group, and open objections."""
    village = _village(request, code)
    rule = selectors.rule_for(village)
    if not rules.can_open_review(request.user, village.code, rule):
        return forbidden(request)
    entries = selectors.shown(list(selectors.review_queue(village=village)[:200]))
    objections = list(selectors.open_objections(village=village)[:200])
    selectors.shown([o.entry for o in objections])
    return render(request, "points/review.html", {"village": village, "entries": entries, "objections": objections})


def _entry(request: HttpRequest, public_id: str):  # type: ignore[no-untyped-def]
    entry = selectors.entry_by_public_id(public_id=public_id)
    if entry is None or not rules.can_see_entry(request.user, entry):
        raise Http404
    return entry


@login_required
def entry_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """One entry: item, points, reason, reviewer, posting, objections and every change (audit rows)."""
    entry = _entry(request, public_id)
    selectors.shown([entry])
    rule = selectors.rule_for(entry.village)
    objections = selectors.entry_objections(entry=entry)
    history = [
        {"when": e.created_at, "what": events.label(e.action), "who": e.actor.name if e.actor else _("the platform")}
        for e in selectors.entry_history(entry=entry, objections=objections)
    ]
    user = request.user
    return render(
        request,
        "points/entry.html",
        {
            "entry": entry,
            "objections": [{"o": o, "can_decide": rules.may_decide(user, o, rule)} for o in objections],
            "history": history,
            "can_review": rules.may_review(user, entry, rule),
            "can_object": rules.may_object(user, entry),
            "can_see_evidence": bool(entry.evidence) and rules.can_see_evidence(user, entry),
            "form": DecideForm(),
        },
    )


def _decide(request: HttpRequest, entry_public_id: str, do) -> HttpResponse:  # type: ignore[no-untyped-def]
    form = DecideForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "") if hasattr(form, "cleaned_data") else ""
    try:
        do(reason)
    except PermissionDenied:
        return forbidden(request)
    except ValidationError as exc:
        refusal_messages(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("points:entry", entry_public_id)


@login_required
@require_POST
def entry_review(request: HttpRequest, public_id: str) -> HttpResponse:
    entry = _entry(request, public_id)
    approve = request.POST.get("decision") == "approve"
    return _decide(
        request,
        public_id,
        lambda reason: services.entry_review(entry=entry, approve=approve, reason=reason, actor=request.user),
    )


@login_required
@require_POST
def entry_object(request: HttpRequest, public_id: str) -> HttpResponse:
    entry = _entry(request, public_id)
    return _decide(
        request, public_id, lambda reason: services.objection_raise(entry=entry, reason=reason, actor=request.user)
    )


@login_required
@require_POST
def objection_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    objection = selectors.objection_by_public_id(public_id=public_id)
    if objection is None or not rules.can_see_village(request.user, objection.region_code):
        raise Http404
    uphold = request.POST.get("decision") == "uphold"
    return _decide(
        request,
        objection.entry.public_id,
        lambda reason: services.objection_decide(objection=objection, uphold=uphold, reason=reason, actor=request.user),
    )


@login_required
def evidence(request: HttpRequest, public_id: str) -> HttpResponse:
    entry = _entry(request, public_id)
    if not entry.evidence or not rules.can_see_evidence(request.user, entry):
        raise Http404
    return private_file_response(entry.evidence)


# ---------------------------------------------------------------- household file and redemption


@login_required
def household(request: HttpRequest, public_id: str) -> HttpResponse:
    """A household's points file: every entry with its reason, reviewer and posting; the balance."""
    house = selectors.household_by_public_id(public_id=public_id)
    if house is None or not rules.can_see_household(request.user, house):
        raise Http404
    page = Paginator(selectors.household_entries(household=house), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "points/household.html",
        {"household": house, "page": page, "balance": selectors.balance(household=house)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def redeem(request: HttpRequest, code: str) -> HttpResponse:
    """The points supermarket's counter: a cadre records goods taken for points."""
    village = _village(request, code)
    if not rules.can_keep_shop(request.user, village.code):
        return forbidden(request, _("Village cadres record redemptions."))
    households = selectors.households_of(village=village)
    form = RedeemForm(request.POST or None, households=households)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        house = next(h for h in households if h.public_id == data["household"])
        made: dict[str, object] = {}
        done = service_action(
            request,
            lambda: made.setdefault(
                "entry",
                services.redemption_record(
                    household=house, goods=data["goods"], points=data["points"], actor=request.user
                ),
            ),
            done=_("Redemption recorded."),
            to=reverse("points:household", args=[house.public_id]),
            form=form,
        )
        if done:
            entry = made.get("entry")
            # Straight to the receipt, as at the counter; it links back to the household's file.
            if entry is not None:
                back = reverse("points:household", args=[house.public_id])
                url = reverse("points:receipt", args=[entry.public_id])  # type: ignore[attr-defined]  # an Entry
                return redirect(url + "?" + urlencode({"back": back}))
            return done
    return render(request, "points/redeem.html", {"village": village, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest, code: str) -> HttpResponse:
    """A village's points supermarket counter (see _counter)."""
    # The shop-keeper may come from outside the village's roles: the counter is theirs, the board is not.
    village = selectors.village_by_code(code=code)
    if village is None or not (rules.can_see_village(request.user, code) or rules.is_shopkeeper(request.user, code)):
        raise Http404
    if not rules.can_redeem(request.user, village.code):
        return forbidden(request, _("Village cadres and the shop-keeper keep the points supermarket."))
    return _counter(request, village)


@login_required
@require_http_methods(["GET", "POST"])
def township_counter(request: HttpRequest, code: str) -> HttpResponse:
    """A township's points supermarket serving several of its villages: its points office sets it up (which
    villages it serves), keeps its goods and names its shop-keepers; they redeem for households of those villages."""
    town = selectors.township_by_code(code=code)
    if town is None:
        raise Http404
    if not rules.can_redeem(request.user, town.code):
        return forbidden(request, _("The township's points office and its shop-keepers keep the township's shop."))
    if request.method == "POST" and request.POST.get("action") == "shop":
        if not rules.can_keep_shop(request.user, town.code):
            return forbidden(request, _("The township's points office sets up the township's shop."))
        villages = list(Region.objects.filter(parent=town).order_by("code"))
        form = TownshipShopForm(request.POST, villages=villages)
        return service_action(  # type: ignore[return-value]  # without a form it always redirects
            request,
            lambda: services.township_shop_set(
                township=town,
                serves=form.cleaned_data["serves"] if form.is_valid() else request.POST.getlist("serves"),
                actor=request.user,
            ),
            done=_("Township shop saved."),
            to=request.path,
        )
    return _counter(request, town)


def _counter(request: HttpRequest, shop: Region) -> HttpResponse:
    """The points supermarket's counter: find the household (name, pinyin, phone, number or its QR code) among
    the shop's villages, pick goods on the shelf; points and stock are deducted together, and the receipt opens.
    The shop's keepers also set goods, receive goods and name shop-keepers here."""
    keeps = rules.can_keep_shop(request.user, shop.code)
    township = shop.level == Level.TOWNSHIP
    town_shop = selectors.township_shop(township=shop) if township else None
    served = selectors.served_villages(shop=shop)
    term = request.GET.get("q", "")
    goods_form = GoodsForm(request.POST if request.POST.get("action") == "goods" else None)
    keeper_form = ShopKeeperForm(request.POST if request.POST.get("action") == "keeper" else None)
    shelf = list(selectors.goods_of(village=shop))
    receive_form = GoodsReceiveForm(
        request.POST if request.POST.get("action") == "receive" else None,
        request.FILES or None,
        goods=shelf,
        prefix="r",
    )
    if request.method == "POST":
        here = request.path + "?" + urlencode({"q": request.POST.get("q", "")})
        action = request.POST.get("action")
        if action in ("goods", "keeper", "keeper_remove", "receive") and not keeps:
            return forbidden(request, _("Village cadres set the goods and name the shop-keepers."))
        if action == "receive":

            def receive() -> object:
                d = receive_form.cleaned_data
                goods = next(g for g in shelf if g.public_id == d["goods"])
                return services.goods_receive(
                    goods=goods,
                    quantity=d["quantity"],
                    supplier=d["supplier"],
                    cost=d["cost"],
                    donated=d["donated"],
                    voucher=d["voucher"],
                    actor=request.user,
                )

            done = service_action(
                request,
                receive,
                done=_("Goods received: stock added; bought goods are recorded in the village accounts."),
                to=here,
                form=receive_form,
            )
            if done:
                return done
        elif action == "keeper":
            done = service_action(
                request,
                lambda: services.shopkeeper_add(
                    village=shop, phone=keeper_form.cleaned_data["phone"], actor=request.user
                ),
                done=_("Shop-keeper named."),
                to=here,
                form=keeper_form,
            )
            if done:
                return done
        elif action == "keeper_remove":
            keeper = selectors.shopkeeper_by_pk(village=shop, pk=request.POST.get("keeper", ""))
            if keeper is None:
                raise Http404
            services.shopkeeper_remove(keeper=keeper, actor=request.user)
            messages.success(request, _("Shop-keeper removed."))
            return redirect(here)
        elif action == "goods":
            done = service_action(
                request,
                lambda: services.goods_set(village=shop, actor=request.user, **goods_form.cleaned_data),
                done=_("Goods saved."),
                to=here,
                form=goods_form,
            )
            if done:
                return done
        else:
            house = selectors.household_by_public_id(public_id=request.POST.get("household", ""))
            goods = selectors.goods_by_public_id(village=shop, public_id=request.POST.get("goods", ""))
            try:
                quantity = int(request.POST.get("quantity", "1"))
            except ValueError:
                quantity = 0
            if house is None or goods is None or house.village not in served:
                messages.error(request, _("Choose a household the shop serves and goods on the shelf."))
                return redirect(here)
            try:
                entry = services.counter_redeem(household=house, goods=goods, quantity=quantity, actor=request.user)
            except PermissionDenied:
                return forbidden(request)
            except ValidationError as exc:
                refusal_messages(request, exc)
                return redirect(here)
            messages.success(request, _("Redeemed: points and stock deducted. The receipt was sent to the household."))
            # Straight to the receipt, to print or show; it links back to the counter.
            return redirect(reverse("points:receipt", args=[entry.public_id]) + "?" + urlencode({"back": here}))
    villages = list(Region.objects.filter(parent=shop).order_by("code")) if township and keeps else []
    return render(
        request,
        "points/counter.html",
        {
            "village": shop,
            "township": township,
            "town_shop": town_shop,
            "served": served,
            "shop_form": TownshipShopForm(initial={"serves": town_shop.serves if town_shop else []}, villages=villages)
            if villages
            else None,
            "term": term,
            "households": selectors.counter_search(villages=served, term=term),
            "goods": shelf,
            "goods_form": goods_form,
            "receive_form": receive_form,
            "keeps": keeps,
            "keeper_form": keeper_form,
            "keepers": selectors.shopkeepers(village=shop) if keeps else [],
        },
    )


@login_required
def receipt(request: HttpRequest, public_id: str) -> HttpResponse:
    """A redemption's receipt, printable: what, points, balance after, the counter person, the time and its
    number; the household by number and masked name, never an ID number."""
    entry = selectors.redemption_by_public_id(public_id=public_id)
    if entry is None or not rules.can_see_receipt(request.user, entry):
        raise Http404
    back = request.GET.get("back", "")
    # Only a path of this site: the link back to the counter must not lead elsewhere.
    back = back if back.startswith("/") and not back.startswith("//") else ""
    return render(request, "points/receipt.html", {"r": selectors.receipt(entry=entry), "back": back})


def board_print(request: HttpRequest, code: str) -> HttpResponse:
    """The board to print and post on the village notice board: what was reviewed in the last days, masked."""
    village = _village(request, code)
    try:
        days = min(max(int(request.GET.get("days", "31")), 1), 92)
    except ValueError:
        days = 31
    start = timezone.now() - dt.timedelta(days=days)
    entries = selectors.board_print_rows(village=village, since=start)
    return render(
        request,
        "points/board_print.html",
        {"village": village, "entries": entries, "days": days, "start": start, "today": timezone.now()},
    )


def _period(request: HttpRequest) -> tuple[int, int | None] | None:
    """(year, month or None) from ?year=&month=; None when they are not numbers of a sensible period."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        month = int(request.GET["month"]) if request.GET.get("month") else None
    except ValueError:
        return None
    if not 2000 <= year <= today.year or (month is not None and not 1 <= month <= 12):
        return None
    return year, month


@login_required
@require_http_methods(["GET", "POST"])
def commended(request: HttpRequest, code: str) -> HttpResponse:
    """The annual commendation list (?year=) or the village's monthly red list (?year=&month=, where the village
    keeps one): the households that earned most, from counted points; printable. Never a list of the lowest."""
    village = _village(request, code)
    rule = selectors.rule_for(village)
    period = _period(request)
    if period is None:
        messages.error(request, _("Choose a year up to this one and a month from 1 to 12."))
        return redirect("points:commended", village.code)
    year, month = period
    can_post = rules.can_set_rules(request.user, village.code)
    if request.method == "POST":
        # The year's list goes on the disclosure board (village affairs): the cadres post it once the year is over.
        if not can_post:
            return forbidden(request, _("Village cadres post the commendation list."))
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = 0
        here = reverse("points:commended", args=[village.code]) + (f"?year={year}" if year else "")
        return service_action(  # type: ignore[return-value]  # without a form it always redirects
            request,
            lambda: services.commendation_post(village=village, year=year, actor=request.user),
            done=_("Commendation list posted on the disclosure board."),
            to=here,
        )
    size = (rule.red_list_size if month else rule.commend_size) if rule is not None else (0 if month else 10)
    start, end = selectors.commendation_period(year, month)
    rows = selectors.commended(village=village, start=start, end=end, size=size) if size else []
    return render(
        request,
        "points/commended.html",
        {
            "village": village,
            "year": year,
            "month": month,
            "rows": rows,
            "keeps_red_list": bool(rule and rule.red_list_size),
            "no_red_list": bool(month) and not size,
            "postings": selectors.commendations(village=village, year=year) if not month else [],
            "can_post": can_post and not month and year < timezone.localdate().year,
            "today": timezone.now(),
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
            "months": range(1, 13),
        },
    )
