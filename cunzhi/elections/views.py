"""Election pages: the overview, the voter list (notice board and printable), objections, proxies,
nominations, candidates, stations with their numbered ballots (PDF), the double count entry, the result and
its announcement. Views parse input, ask elections.rules, call a service, render.

An election outside the reader's reach answers 404; actions need the cadres' or the election committee's role.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cunzhi.core.files import private_file_response
from cunzhi.core.views import add_errors, forbidden_saying, service_action
from cunzhi.elections import pdf, rules, selectors, services
from cunzhi.elections.forms import (
    AnswerForm,
    AppraisalForm,
    AuditForm,
    CandidatesForm,
    CommitteeForm,
    CountForm,
    ElectionForm,
    HandoverForm,
    KinForm,
    KinWithdrawForm,
    ObjectionForm,
    ProxyForm,
    ReasonForm,
    RecallForm,
    RecallVoteForm,
    RegisterForm,
    SlipForm,
    StationForm,
    SupervisionForm,
)
from cunzhi.elections.models import Candidate, Election, Kind, Recall, Round, Stage, SupervisionMember
from cunzhi.people.actors import UserRequest
from cunzhi.people.models import Villager
from cunzhi.people.rules import own_villager

PAGE_SIZE = 50  # a notice-board list: names only, one column of short rows

forbidden = forbidden_saying(gettext_lazy("This is for the village's cadres and its election committee."))


def _election(request: UserRequest, public_id: str) -> Election:
    election = selectors.election_by_public_id(public_id=public_id)
    if election is None or not rules.can_see_village(request.user, election.region_code):
        raise Http404
    return election


def _choices(rows: object) -> list[tuple[str, str]]:
    """Villagers or voters as choices: name and year of birth tell namesakes apart."""
    out = []
    for row in rows:  # type: ignore[attr-defined]
        v: Villager = getattr(row, "villager", row)
        out.append((row.public_id, f"{v.name}（{v.birth_date:%Y}）"))
    return out


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _ctx(request: UserRequest, election: Election, **more: object) -> dict[str, object]:
    return {"election": election, "can_manage": rules.can_manage(request.user, election), **more}


@login_required
def index(request: UserRequest) -> HttpResponse:
    """The elections the reader may see; cadres start one for their village."""
    elections = selectors.elections_visible(user=request.user)
    villages = selectors.villages_to_create(user=request.user)
    live_codes = selectors.counties_live(user=request.user)
    return render(
        request, "elections/index.html", {"elections": elections, "villages": villages, "live_codes": live_codes}
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request: UserRequest, code: str) -> HttpResponse:
    village = selectors.village_by_code(code=code)
    if village is None:
        raise Http404
    if not rules.can_create(request.user, village.code):
        return forbidden(request)
    # ?term=<id>: a by-election for the seats of that term left vacant (art. 19)
    term = None
    if request.GET.get("term"):
        term = selectors.election_by_public_id(public_id=request.GET["term"])
        if term is None or term.village_id != village.pk or term.kind != Kind.GENERAL:
            raise Http404
    initial: dict[str, object] = {"women_seat": True}
    if term is not None:
        vacant = len(selectors.term_members(term=term)) - len(selectors.sitting_members(term=term))
        initial = {"seats": max(min(vacant, term.seats), 1), "title": _("By-election")}
    form = ElectionForm(request.POST or None, initial=initial)
    if term is not None:
        # a by-election's seats are the vacancies (1 to the committee's size): the service checks them
        seats = form.fields["seats"]
        assert isinstance(seats, forms.IntegerField)
        seats.min_value, seats.validators = 1, []
        seats.widget.attrs["min"] = 1
    if request.method == "POST":
        made: list[Election] = []
        done = service_action(
            request,
            lambda: made.append(
                services.election_create(village=village, actor=request.user, term=term, **form.cleaned_data)
            ),
            done=_("Election set up."),
            to=reverse("elections:index"),
            form=form,
        )
        if done:
            return redirect("elections:overview", made[0].public_id)
    return render(request, "elections/create.html", {"village": village, "form": form, "term": term})


@login_required
@require_http_methods(["GET", "POST"])
def overview(request: UserRequest, public_id: str) -> HttpResponse:
    """Where the election stands, its dates under the law, its committee and the next step."""
    election = _election(request, public_id)
    can_manage = rules.can_manage(request.user, election)
    form = CommitteeForm(request.POST or None)
    _set_choices(
        form, "villager", _choices(Villager.objects.filter(village=election.village).order_by("name_pinyin")[:500])
    )
    may_add = can_manage or rules.can_create(request.user, election.region_code)
    resolutions = selectors.committee_resolutions(village_code=election.region_code) if may_add else []
    _set_choices(
        form,
        "motion",
        [("", "—")]
        + [
            (r["motion"], f"{r['day']:%Y-%m-%d} {r['meeting_title']} · {r['number']}. {r['title']}")
            for r in resolutions
        ],
    )
    if request.method == "POST":
        if not may_add:
            return forbidden(request)
        done = service_action(
            request,
            lambda: services.committee_member_add(
                election=election,
                villager=Villager.objects.get(public_id=form.cleaned_data["villager"]),
                motion=form.cleaned_data["motion"],
                resolution=form.cleaned_data["resolution"],
                is_chair=form.cleaned_data["is_chair"],
                actor=request.user,
            ),
            done=_("Committee member recorded."),
            to=request.path,
            form=form,
        )
        if done:
            return done
    return render(
        request,
        "elections/overview.html",
        _ctx(
            request,
            election,
            counts=selectors.counts(election=election),
            committee=list(election.committee.select_related("villager")),
            form=form,
            last_publication=services.latest_publication_day(election),
            objections_until=services.objection_deadline(election),
            stages=Stage,
            away=selectors.away_voter_of(election=election, villager=own_villager(request.user)),
            handover_overdue=selectors.handover_overdue(election, timezone.localdate()),
        ),
    )


_STEPS = {
    "roster": (
        lambda e, u: services.voters_register_roster(election=e, actor=u),
        gettext_lazy("Voters registered from the roster."),
    ),
    "publish": (lambda e, u: services.list_publish(election=e, actor=u), gettext_lazy("Voter list published.")),
    "finalise": (lambda e, u: services.list_finalise(election=e, actor=u), gettext_lazy("The voter list is final.")),
    "result": (lambda e, u: services.result_compute(election=e, actor=u), gettext_lazy("Result computed.")),
    "announce": (lambda e, u: services.announce(election=e, actor=u), gettext_lazy("Result announced.")),
    "away": (
        lambda e, u: services.away_ask(election=e, actor=u),
        gettext_lazy("Voters living away asked by text whether they wish to vote."),
    ),
    "archive": (lambda e, u: services.archive(election=e, actor=u), gettext_lazy("Election archived.")),
}


@login_required
@require_POST
def step(request: UserRequest, public_id: str, name: str) -> HttpResponse:
    """The stage buttons of the overview: each is one service; a refusal comes back as a message."""
    election = _election(request, public_id)
    if name not in _STEPS:
        raise Http404
    if not rules.can_manage(request.user, election):
        return forbidden(request)
    do, done = _STEPS[name]
    to = request.POST.get("next") or reverse("elections:overview", args=[election.public_id])
    if not to.startswith("/"):
        to = reverse("elections:overview", args=[election.public_id])
    return service_action(request, lambda: do(election, request.user), done=str(done), to=to)


# -------------------------------- the voter list


@login_required
@require_http_methods(["GET", "POST"])
def voters(request: UserRequest, public_id: str) -> HttpResponse:
    """The voter list as the notice board shows it; the committee registers and removes with reasons."""
    election = _election(request, public_id)
    can_manage = rules.can_manage(request.user, election)
    form = RegisterForm(request.POST or None)
    if can_manage:
        _set_choices(form, "villager", _choices(selectors.registrable(election=election)[:500]))
    if request.method == "POST":
        if not can_manage:
            return forbidden(request)
        done = service_action(
            request,
            lambda: services.voter_register(
                election=election,
                villager=_registrant(election, form.cleaned_data),
                basis=form.cleaned_data["basis"],
                reason=form.cleaned_data["reason"],
                living_here_since=form.cleaned_data["living_here_since"],
                approval=form.cleaned_data["approval"],
                actor=request.user,
            ),
            done=_("Voter registered."),
            to=request.path,
            form=form,
        )
        if done:
            return done
    page = Paginator(selectors.voters(election=election), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "elections/voters.html",
        _ctx(
            request,
            election,
            page=page,
            form=form,
            remove=ReasonForm(),
            changes=list(selectors.changes(election=election)[:20]) if can_manage else [],
        ),
    )


def _registrant(election: Election, data: dict[str, str]) -> Villager:
    if data.get("id_number"):
        found = selectors.villager_by_id_number(election=election, id_number=data["id_number"])
        if found is None:
            raise ValidationError({"id_number": _("No villager of the county has this ID number.")})
        return found
    found = selectors.registrable(election=election).filter(public_id=data.get("villager") or "").first()
    if found is None:
        raise ValidationError({"villager": _("Choose a villager.")})
    return found


@login_required
@require_POST
def voter_remove(request: UserRequest, public_id: str, voter_id: str) -> HttpResponse:
    election = _election(request, public_id)
    if not rules.can_manage(request.user, election):
        return forbidden(request)
    voter = selectors.voter_by_public_id(election=election, public_id=voter_id)
    if voter is None:
        raise Http404
    form = ReasonForm(request.POST)
    form.is_valid()
    return service_action(
        request,
        lambda: services.voter_remove(voter=voter, reason=form.cleaned_data.get("reason", ""), actor=request.user),
        done=_("Voter taken off the list."),
        to=reverse("elections:voters", args=[election.public_id]),
    )


@login_required
def voters_print(request: UserRequest, public_id: str) -> HttpResponse:
    """The voter list to post on the paper notice board (A4, printed from the browser)."""
    election = _election(request, public_id)
    return render(
        request,
        "elections/voters_print.html",
        {"election": election, "voters": selectors.voters(election=election), "printed_on": timezone.localdate()},
    )


# -------------------------------- objections


@login_required
@require_http_methods(["GET", "POST"])
def objections(request: UserRequest, public_id: str) -> HttpResponse:
    """Objections to the published list and the committee's decisions, with the law's dates."""
    election = _election(request, public_id)
    form = ObjectionForm(request.POST or None)
    _set_choices(
        form, "villager", _choices(Villager.objects.filter(village=election.village).order_by("name_pinyin")[:500])
    )
    if request.method == "POST":
        if not rules.can_object(request.user, election):
            return forbidden(request)
        done = service_action(
            request,
            lambda: services.objection_raise(
                election=election,
                kind=form.cleaned_data["kind"],
                villager=Villager.objects.get(public_id=form.cleaned_data["villager"], village=election.village),
                text=form.cleaned_data["text"],
                actor=request.user,
            ),
            done=_("Objection raised: the committee decides within 3 days."),
            to=request.path,
            form=form,
        )
        if done:
            return done
    return render(
        request,
        "elections/objections.html",
        _ctx(
            request,
            election,
            objections=list(selectors.objections(election=election)),
            form=form,
            decide=ReasonForm(),
            can_object=rules.can_object(request.user, election),
            until=services.objection_deadline(election),
        ),
    )


@login_required
@require_POST
def objection_decide(request: UserRequest, public_id: str) -> HttpResponse:
    objection = selectors.objection_by_public_id(public_id=public_id)
    if objection is None or not rules.can_see_village(request.user, objection.region_code):
        raise Http404
    if not rules.can_manage(request.user, objection.election):
        return forbidden(request)
    form = ReasonForm(request.POST)
    form.is_valid()
    uphold = request.POST.get("decision") == "uphold"
    since = None
    if request.POST.get("living_here_since"):
        try:
            since = dt.date.fromisoformat(request.POST["living_here_since"])
        except ValueError:
            since = None
    return service_action(
        request,
        lambda: services.objection_decide(
            objection=objection,
            uphold=uphold,
            reason=form.cleaned_data.get("reason", ""),
            living_here_since=since,
            actor=request.user,
        ),
        done=_("Objection upheld: the list is corrected.") if uphold else _("Objection rejected."),
        to=reverse("elections:objections", args=[objection.election.public_id]),
    )


# -------------------------------- proxies


@login_required
@require_http_methods(["GET", "POST"])
def proxies(request: UserRequest, public_id: str) -> HttpResponse:
    """The public list of proxies (art. 15); the committee registers them with the signed form's photo."""
    election = _election(request, public_id)
    can_manage = rules.can_manage(request.user, election)
    form = ProxyForm(request.POST or None, request.FILES or None)
    if can_manage:
        choices = _choices(selectors.voters(election=election)[:1000])
        _set_choices(form, "grantor", choices)
        _set_choices(form, "holder", choices)
    if request.method == "POST":
        if not can_manage:
            return forbidden(request)
        done = service_action(
            request,
            lambda: services.proxy_register(
                election=election,
                grantor=selectors.voters(election=election).get(public_id=form.cleaned_data["grantor"]),
                holder=selectors.voters(election=election).get(public_id=form.cleaned_data["holder"]),
                relation=form.cleaned_data["relation"],
                form_photo=form.cleaned_data["form_photo"],
                actor=request.user,
            ),
            done=_("Proxy registered."),
            to=request.path,
            form=form,
        )
        if done:
            return done
    return render(
        request,
        "elections/proxies.html",
        _ctx(request, election, proxies=list(selectors.proxies(election=election)), form=form, withdraw=ReasonForm()),
    )


@login_required
@require_POST
def proxy_withdraw(request: UserRequest, public_id: str) -> HttpResponse:
    """The voter takes the proxy back (it stays on record, marked withdrawn), with the reason."""
    proxy = selectors.proxy_by_public_id(public_id=public_id)
    if proxy is None or not rules.can_see_village(request.user, proxy.region_code):
        raise Http404
    if not rules.can_manage(request.user, proxy.election):
        return forbidden(request)
    form = ReasonForm(request.POST)
    form.is_valid()
    return service_action(
        request,
        lambda: services.proxy_withdraw(proxy=proxy, reason=form.cleaned_data.get("reason", ""), actor=request.user),
        done=_("Proxy withdrawn."),
        to=reverse("elections:proxies", args=[proxy.election.public_id]),
    )


@login_required
def proxy_form(request: UserRequest, public_id: str) -> HttpResponse | FileResponse:
    """The signed form's photo: the committee's evidence, not for the notice board."""
    proxy = selectors.proxy_by_public_id(public_id=public_id)
    if proxy is None or not rules.can_see_village(request.user, proxy.region_code):
        raise Http404
    if not rules.can_manage(request.user, proxy.election):
        return forbidden(request)
    return private_file_response(proxy.form_photo)


# -------------------------------- nominations and candidates


@login_required
@require_http_methods(["GET", "POST"])
def nominations(request: UserRequest, public_id: str) -> HttpResponse:
    """Direct nomination (海选): the slips the committee records and the count per person."""
    election = _election(request, public_id)
    can_manage = rules.can_manage(request.user, election)
    form = SlipForm(request.POST or None)
    if can_manage:
        choices = _choices(selectors.voters(election=election)[:1000])
        _set_choices(form, "nominator", choices)
        _set_choices(form, "nominees", choices)
    if request.method == "POST":
        if not can_manage:
            return forbidden(request)
        vs = selectors.voters(election=election)
        done = service_action(
            request,
            lambda: services.nomination_record(
                election=election,
                nominator=vs.get(public_id=form.cleaned_data["nominator"]),
                nominees=list(vs.filter(public_id__in=form.cleaned_data["nominees"])),
                actor=request.user,
            ),
            done=_("Nomination slip recorded."),
            to=request.path,
            form=form,
        )
        if done:
            return done
    return render(
        request,
        "elections/nominations.html",
        _ctx(
            request,
            election,
            counts=list(selectors.nomination_counts(election=election)),
            slips=selectors.slips(election=election),
            form=form,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidates(request: UserRequest, public_id: str) -> HttpResponse:
    """The formal candidates, chosen from the nominations (差额, a woman, the minority where multi-ethnic)."""
    election = _election(request, public_id)
    can_manage = rules.can_manage(request.user, election)
    nominated = list(selectors.nomination_counts(election=election))
    form = CandidatesForm(request.POST or None)
    choices = [(v.public_id, f"{v.villager.name}（{v.n}）") for v in nominated]  # type: ignore[attr-defined]  # annotated
    _set_choices(form, "voters", choices)
    _set_choices(form, "minority", choices)
    if request.method == "POST":
        if not can_manage:
            return forbidden(request)
        vs = selectors.voters(election=election)
        done = service_action(
            request,
            lambda: services.candidates_fix(
                election=election,
                voters=list(vs.filter(public_id__in=form.cleaned_data["voters"])),
                minority=list(vs.filter(public_id__in=form.cleaned_data["minority"])),
                actor=request.user,
            ),
            done=_("Formal candidates published."),
            to=request.path,
            form=form,
        )
        if done:
            return done
    return render(
        request,
        "elections/candidates.html",
        _ctx(request, election, candidates=selectors.candidates(election=election), form=form),
    )


# -------------------------------- stations, ballots and the count


@login_required
@require_http_methods(["GET", "POST"])
def stations(request: UserRequest, public_id: str) -> HttpResponse:
    election = _election(request, public_id)
    if not rules.can_manage(request.user, election):
        return forbidden(request)
    form = StationForm(request.POST or None)
    if request.method == "POST":
        done = service_action(
            request,
            lambda: services.station_set(election=election, actor=request.user, **form.cleaned_data),
            done=_("Polling station set up."),
            to=request.path,
            form=form,
        )
        if done:
            return done
    return render(
        request,
        "elections/stations.html",
        _ctx(request, election, stations=selectors.stations(election=election), form=form),
    )


@login_required
def ballots_pdf(request: UserRequest, public_id: str) -> HttpResponse:
    """The station's numbered ballots, as PDF to print (Chinese; one ballot per third of an A4 page)."""
    station = selectors.station_by_public_id(public_id=public_id)
    if station is None or not rules.can_see_village(request.user, station.election.region_code):
        raise Http404
    if not rules.can_manage(request.user, station.election):
        return forbidden(request)
    round_ = Round.RUNOFF if request.GET.get("round") == "2" else Round.FIRST
    data = pdf.ballots(station=station, round_=round_)
    return pdf.response(data, f"ballots-{station.public_id}-{round_}.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def count(request: UserRequest, public_id: str) -> HttpResponse:
    """One teller enters the station's count; it is accepted when a second teller's entry agrees."""
    station = selectors.station_by_public_id(public_id=public_id)
    if station is None or not rules.can_see_village(request.user, station.election.region_code):
        raise Http404
    election = station.election
    if not rules.can_manage(request.user, election):
        return forbidden(request)
    round_ = Round.RUNOFF if (request.POST.get("round") or request.GET.get("round")) == "2" else Round.FIRST
    cands = services.round_candidates(election, round_)
    form = CountForm(request.POST or None, candidates=cands)
    outcome = None
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.count_enter(
                station=station,
                round_=round_,
                returned=form.cleaned_data["returned"],
                unused=form.cleaned_data["unused"],
                invalid=form.cleaned_data["invalid"],
                votes=form.votes(),
                actor=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if outcome.accepted:
                messages.success(request, _("Both counts agree: the station's count is accepted."))
                return redirect("elections:stations", election.public_id)
    labels = {"returned": _("Ballots returned"), "unused": _("Ballots unused"), "invalid": _("Invalid ballots")}
    labels |= {c.public_id: str(c) for c in cands}
    differences = [labels.get(d, d) for d in outcome.differences] if outcome else []
    return render(
        request,
        "elections/count.html",
        _ctx(
            request,
            election,
            station=station,
            form=form,
            round=round_,
            outcome=outcome,
            differences=differences,
            entries=selectors.entries(station=station, round_=round_),
        ),
    )


# -------------------------------- the result


@login_required
def result(request: UserRequest, public_id: str) -> HttpResponse:
    """The result per candidate, the law's tests (turnout, majority, a third in the runoff) and the announcement."""
    election = _election(request, public_id)
    first = (election.result or {}).get("first", {})
    runoff = (election.result or {}).get("runoff", {})
    return render(
        request,
        "elections/result.html",
        _ctx(
            request,
            election,
            rows=selectors.result_rows(election=election),
            first=first,
            runoff=runoff,
            registered=(election.result or {}).get("registered"),
            recalls=selectors.recalls(election=election),
            recall_form=_recall_form(election) if rules.can_manage(request.user, election) else None,
            answer_form=AnswerForm(),
            vote_form=RecallVoteForm(),
        ),
    )


def _recall_form(election: Election, data: object = None) -> RecallForm:
    form = RecallForm(data)  # type: ignore[arg-type]
    elected = set(services.elected_ids(election))
    _set_choices(
        form,
        "member",
        [
            (c.public_id, str(c))
            for c in selectors.candidates(election=election)
            if c.public_id in elected and c.ceased_on is None
        ],
    )
    _set_choices(form, "signers", _choices(selectors.recall_signer_choices(election=election)))
    return form


@login_required
@require_POST
def recall_propose(request: UserRequest, public_id: str) -> HttpResponse:
    """Record a recall proposal (art. 16) from the result page."""
    election = _election(request, public_id)
    if not rules.can_manage(request.user, election):
        return forbidden(request)
    form = _recall_form(election, request.POST)
    to = reverse("elections:result", args=[election.public_id]) + "#recalls"
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect(to)
    return service_action(
        request,
        lambda: services.recall_propose(
            election=election,
            member=election.candidates.get(public_id=form.cleaned_data["member"]),
            basis=form.cleaned_data["basis"],
            signers=list(Villager.objects.filter(public_id__in=form.cleaned_data["signers"])),
            reasons=form.cleaned_data["reasons"],
            actor=request.user,
        ),
        done=_("Recall recorded: the member may answer before the vote."),
        to=to,
    )


@login_required
@require_POST
def recall_step(request: UserRequest, public_id: str, name: str) -> HttpResponse:
    """The member's answer, or the villagers' vote, on a recall."""
    recall = Recall.objects.select_related("election", "election__village").filter(public_id=public_id).first()
    if recall is None or name not in ("answer", "vote") or not rules.can_see_village(request.user, recall.region_code):
        raise Http404
    if not rules.can_manage(request.user, recall.election):
        return forbidden(request)
    to = reverse("elections:result", args=[recall.election.public_id]) + "#recalls"
    if name == "answer":
        answer = AnswerForm(request.POST)
        answer.is_valid()
        return service_action(
            request,
            lambda: services.recall_answer(
                recall=recall, answer=answer.cleaned_data.get("answer", ""), actor=request.user
            ),
            done=_("Answer recorded."),
            to=to,
        )
    vote = RecallVoteForm(request.POST)
    if not vote.is_valid():
        messages.error(request, _("Enter the three numbers of the vote."))
        return redirect(to)
    return service_action(
        request,
        lambda: services.recall_vote(recall=recall, actor=request.user, **vote.cleaned_data),
        done=_("Vote recorded."),
        to=to,
    )


@login_required
def recall_signers(request: UserRequest, public_id: str) -> HttpResponse:
    """The printable list of a recall proposal's signers: names only (never an ID number), for the notice
    board and the meeting that votes."""
    found = selectors.recall_by_public_id(public_id=public_id)
    if found is None or not rules.can_see_village(request.user, found.region_code):
        raise Http404
    recall = next(r for r in selectors.recalls(election=found.election) if r.pk == found.pk)
    return render(
        request,
        "elections/recall_signers_print.html",
        {"recall": recall, "election": found.election, "printed_on": timezone.localdate()},
    )


@login_required
def announcement_pdf(request: UserRequest, public_id: str) -> HttpResponse:
    election = _election(request, public_id)
    if election.announced_at is None:
        raise Http404
    data = pdf.announcement(election=election, rows=selectors.result_rows(election=election))
    return pdf.response(data, f"result-{election.public_id}.pdf")


# -------------------------------- voters living away (art. 13)


@login_required
@require_POST
def away_answer(request: UserRequest, public_id: str) -> HttpResponse:
    """The voter living away, logged in, says whether they wish to vote."""
    election = _election(request, public_id)
    voter = selectors.away_voter_of(election=election, villager=own_villager(request.user))
    if voter is None:
        return forbidden_saying(gettext_lazy("This is for the voters of the village who live away."))(request)
    wishes = request.POST.get("wishes") == "yes"
    return service_action(
        request,
        lambda: services.away_answer(voter=voter, wishes=wishes, via="web", actor=request.user),
        done=_("Thank you: your answer is recorded.") if wishes else _("Recorded: you will not be on the list."),
        to=reverse("elections:overview", args=[election.public_id]),
    )


# -------------------------------- the term: handover, appraisal, audits, by-election


def _term(request: UserRequest, public_id: str) -> Election:
    term = _election(request, public_id)
    if term.kind != Kind.GENERAL or not term.stage_at_least(Stage.ANNOUNCED):
        raise Http404
    return term


def _appraisal_form(term: Election, data: object = None) -> AppraisalForm:
    form = AppraisalForm(data, members=selectors.sitting_members(term=term))
    _set_choices(
        form,
        "chair",
        [(m.public_id, m.villager.name) for m in selectors.supervision_members(village_code=term.region_code)],
    )
    return form


def _audit_form(term: Election, data: object = None) -> AuditForm:
    form = AuditForm(data)  # type: ignore[arg-type]
    _set_choices(form, "member", [(c.public_id, str(c)) for c in selectors.term_members(term=term)])
    return form


@login_required
@require_http_methods(["GET", "POST"])
def term(request: UserRequest, public_id: str) -> HttpResponse:
    """The elected committee's term: members in office and those who left, the handover (art. 20), the
    democratic appraisals (art. 33), the economic audits (art. 35) and the by-election for vacant seats (art. 19)."""
    term = _term(request, public_id)
    keep = rules.can_keep_term(request.user, term.region_code)
    manage = rules.can_manage(request.user, term)
    handover = HandoverForm(request.POST if request.POST.get("form") == "handover" else None)
    appraisal = _appraisal_form(term, request.POST if request.POST.get("form") == "appraisal" else None)
    audit = _audit_form(term, request.POST if request.POST.get("form") == "audit" else None)
    if request.method == "POST":
        which = request.POST.get("form")
        done: HttpResponse | None = None
        if which == "handover":
            if not manage:
                return forbidden(request)
            done = service_action(
                request,
                lambda: services.handover_record(election=term, actor=request.user, **handover.cleaned_data),
                done=_("Handover recorded."),
                to=request.path,
                form=handover,
            )
        elif which == "appraisal":
            if not keep:
                return forbidden(request)

            def do_appraisal() -> object:
                chair = SupervisionMember.objects.filter(
                    public_id=appraisal.cleaned_data["chair"], region_code=term.region_code
                ).first()
                if chair is None:
                    raise ValidationError({"chair": _("Choose the chair.")})
                return services.appraisal_record(
                    term=term,
                    held_on=appraisal.cleaned_data["held_on"],
                    body=appraisal.cleaned_data["body"],
                    chair=chair,
                    ratings=appraisal.ratings(),
                    actor=request.user,
                )

            done = service_action(request, do_appraisal, done=_("Appraisal recorded."), to=request.path, form=appraisal)
        elif which == "audit":
            if not keep:
                return forbidden(request)
            done = service_action(
                request,
                lambda: services.office_audit_record(
                    term=term,
                    member=term_member(term, audit.cleaned_data["member"]),
                    kind=audit.cleaned_data["kind"],
                    auditor=audit.cleaned_data["auditor"],
                    findings=audit.cleaned_data["findings"],
                    published_on=audit.cleaned_data["published_on"],
                    actor=request.user,
                ),
                done=_("Audit recorded."),
                to=request.path,
                form=audit,
            )
        else:
            raise Http404
        if done:
            return done
    today = timezone.localdate()
    members = selectors.term_members(term=term)
    sitting = [m for m in members if m.ceased_on is None]
    current = selectors.current_term(village_code=term.region_code)
    return render(
        request,
        "elections/term.html",
        _ctx(
            request,
            term,
            members=members,
            vacant=max(term.seats - len(sitting), 0),
            is_current=current is not None and current.pk == term.pk,
            term_ends=selectors.term_end(term),
            handover_overdue=selectors.handover_overdue(term, today),
            handover=handover,
            appraisals=selectors.appraisals(term=term),
            appraisal_due=selectors.appraisal_due_on(term=term),
            appraisal_overdue=selectors.appraisal_due_on(term=term) < today,
            appraisal=appraisal,
            audits=selectors.audits(term=term),
            audit=audit,
            by_elections=list(term.by_elections.all()),
            can_keep=keep,
            can_create=rules.can_create(request.user, term.region_code),
            supervisors=selectors.supervision_members(village_code=term.region_code),
        ),
    )


def term_member(term: Election, public_id: str) -> Candidate:
    found = next((c for c in selectors.term_members(term=term) if c.public_id == public_id), None)
    if found is None:
        raise ValidationError({"member": _("Choose a member.")})
    return found


# -------------------------------- the supervision committee and near relatives (art. 32)


@login_required
@require_http_methods(["GET", "POST"])
def supervision(request: UserRequest, code: str) -> HttpResponse:
    """The village affairs supervision committee, its kinship check against the village committee, and the
    declared near relatives the check (and the proxy rule) use."""
    village = selectors.village_by_code(code=code)
    if village is None or not rules.can_see_village(request.user, village.code):
        raise Http404
    keep = rules.can_keep_term(request.user, village.code)
    which = request.POST.get("form")
    member_form = SupervisionForm(request.POST if which == "member" else None)
    kin_form = KinForm(request.POST if which == "kin" else None, prefix="kin")  # two forms, one page: unique ids
    if keep:
        people = _choices(Villager.objects.filter(village=village).order_by("name_pinyin")[:500])
        _set_choices(member_form, "villager", people)
        _set_choices(kin_form, "villager", people)
        _set_choices(kin_form, "relative", people)
    if request.method == "POST":
        if not keep:
            return forbidden(request)
        villagers = Villager.objects.filter(village=village)
        if which == "member":
            done = service_action(
                request,
                lambda: services.supervision_member_add(
                    village=village,
                    villager=villagers.get(public_id=member_form.cleaned_data["villager"]),
                    resolution=member_form.cleaned_data["resolution"],
                    since=member_form.cleaned_data["since"],
                    is_chair=member_form.cleaned_data["is_chair"],
                    actor=request.user,
                ),
                done=_("Supervision committee member recorded."),
                to=request.path,
                form=member_form,
            )
        elif which == "kin":
            done = service_action(
                request,
                lambda: services.near_relative_declare(
                    villager=villagers.get(public_id=kin_form.cleaned_data["villager"]),
                    relative=villagers.get(public_id=kin_form.cleaned_data["relative"]),
                    relation=kin_form.cleaned_data["relation"],
                    evidence=kin_form.cleaned_data["evidence"],
                    actor=request.user,
                ),
                done=_("Near relatives recorded."),
                to=request.path,
                form=kin_form,
            )
        elif which == "withdraw":
            withdraw = KinWithdrawForm(request.POST)
            withdraw.is_valid()
            row = (
                selectors.declared_relatives(village_code=village.code)
                .filter(public_id=withdraw.cleaned_data.get("row", ""))
                .first()
            )
            if row is None:
                raise Http404
            done = service_action(
                request,
                lambda: services.near_relative_withdraw(
                    row=row, reason=withdraw.cleaned_data.get("reason", ""), actor=request.user
                ),
                done=_("Declaration withdrawn: the checks no longer use it."),
                to=request.path + "#relatives",
            )
        else:
            raise Http404
        if done:
            return done
    term = selectors.current_term(village_code=village.code)
    return render(
        request,
        "elections/supervision.html",
        {
            "village": village,
            "members": selectors.supervision_members(village_code=village.code),
            "conflicts": selectors.supervision_conflicts(village_code=village.code),
            "committee": selectors.sitting_members(term=term) if term else [],
            "term": term,
            "relatives": list(selectors.declared_relatives(village_code=village.code)) if keep else [],
            "member_form": member_form,
            "kin_form": kin_form,
            "can_keep": keep,
        },
    )


# -------------------------------- the county's live results


@login_required
def live(request: UserRequest, code: str) -> HttpResponse:
    """Election day across the county: each village's count as the tellers' agreed counts arrive. The page
    reloads itself every 30 s (?day=YYYY-MM-DD for another day)."""
    prefixes = rules.live_prefixes(request.user, code)
    if not prefixes or len(code) != 12:
        raise Http404
    day = timezone.localdate()
    if request.GET.get("day"):
        try:
            day = dt.date.fromisoformat(request.GET["day"])
        except ValueError:
            messages.error(request, _("Give the day as YYYY-MM-DD."))
    # The table is the same for everyone who sees these townships: built once per few seconds and language.
    key = f"elections:live:{get_language()}:{day.isoformat()}:{','.join(prefixes)}"
    seconds = int(settings.ELECTIONS_LIVE_CACHE_SECONDS)
    table = cache.get(key) if seconds else None
    if table is None:
        rows = selectors.county_live(prefixes=prefixes, day=day)
        table = render_to_string(
            "elections/_live_table.html",
            {
                "rows": rows,
                "villages_done": sum(1 for r in rows if r["stations"] and r["counted"] == r["stations"]),
                "refreshed_at": timezone.localtime(),
            },
        )
        if seconds:
            cache.set(key, table, seconds)
    return render(request, "elections/live.html", {"table": table, "day": day, "code": code})
