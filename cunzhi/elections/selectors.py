"""Reads for village elections: the lists the law makes public and the pages' figures, in a fixed number of
queries whatever the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from cunzhi.core.crypto import blind_index
from cunzhi.core.idnumbers import normalize_id_number
from cunzhi.elections import law, rules
from cunzhi.elections.models import (
    Appraisal,
    Basis,
    Candidate,
    CountEntry,
    Election,
    Kind,
    NearRelative,
    Objection,
    OfficeAudit,
    Proxy,
    Recall,
    Round,
    Stage,
    Station,
    StationCount,
    SupervisionMember,
    Voter,
    VoterChange,
)
from cunzhi.meetings import selectors as meetings_selectors
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Role, RoleAssignment, Villager
from cunzhi.people.rules import own_villager, prefixes, scope_q
from cunzhi.regions.models import Level, Region


def village_by_code(*, code: str) -> Region | None:
    return Region.objects.filter(code=code, level=Level.VILLAGE).first()


def election_by_public_id(*, public_id: str) -> Election | None:
    return Election.objects.select_related("village").filter(public_id=public_id).first()


def elections_visible(*, user: AnyUser) -> list[Election]:
    """The elections the user may see: their own village's, and those in the regions of their village roles
    or guiding office (checked per village by rules, on at most a page of elections)."""
    own = own_villager(user)
    q = scope_q(user, rules.VILLAGE_ROLES | {"office_staff"})
    if own is not None:
        q |= Q(region_code=own.region_code)
    rows = list(Election.objects.select_related("village").filter(q)[:200])
    return [e for e in rows if rules.can_see_village(user, e.region_code)]


def voters(*, election: Election, active_only: bool = True) -> QuerySet[Voter]:
    qs = election.voters.select_related("villager", "villager__group")
    return qs.filter(active=True) if active_only else qs


def voter_by_public_id(*, election: Election, public_id: str) -> Voter | None:
    return election.voters.select_related("villager").filter(public_id=public_id).first()


def changes(*, election: Election) -> QuerySet[VoterChange]:
    return (
        VoterChange.objects.filter(voter__election=election)
        .select_related("voter__villager", "by")
        .order_by("-at", "-id")
    )


def counts(*, election: Election) -> dict[str, int]:
    """Figures of the overview: every denominator is the whole list."""
    row = election.voters.aggregate(
        n_active=Count("id", filter=Q(active=True)),
        n_away=Count("id", filter=Q(active=True, basis="away")),
        n_elsewhere=Count("id", filter=Q(active=True, basis="elsewhere")),
        n_away_answered=Count("id", filter=Q(active=True, basis="away") & ~Q(away_answer="")),
    )
    row = {k[2:]: v for k, v in row.items()}
    row["proxies"] = election.proxies.filter(active=True).count()
    row["objections_open"] = election.objections.filter(status="open").count()
    return row


def objections(*, election: Election) -> QuerySet[Objection]:
    return election.objections.select_related("villager", "raised_by", "decided_by")


def objection_by_public_id(*, public_id: str) -> Objection | None:
    return (
        Objection.objects.select_related("election", "election__village", "villager")
        .filter(public_id=public_id)
        .first()
    )


def proxies(*, election: Election) -> QuerySet[Proxy]:
    return election.proxies.select_related("grantor__villager", "holder__villager").filter(active=True)


def proxy_by_public_id(*, public_id: str) -> Proxy | None:
    return Proxy.objects.select_related("election").filter(public_id=public_id).first()


def nomination_counts(*, election: Election) -> QuerySet[Voter]:
    """Voters nominated at least once, with their count of nominations, most first."""
    return (
        election.voters.filter(active=True)
        .annotate(n=Count("nominations_received"))
        .filter(n__gt=0)
        .select_related("villager")
        .order_by("-n", "villager__name_pinyin")
    )


def slips(*, election: Election) -> int:
    return election.nominations.values("nominator").distinct().count()


def candidates(*, election: Election) -> list[Candidate]:
    return list(election.candidates.select_related("voter__villager"))


def stations(*, election: Election) -> list[Station]:
    rows = list(election.stations.all())
    accepted = set(StationCount.objects.filter(station__election=election).values_list("station_id", "round"))
    entries = set(CountEntry.objects.filter(station__election=election).values_list("station_id", "round"))
    for s in rows:
        s.accepted_rounds = {r for (sid, r) in accepted if sid == s.pk}  # type: ignore[attr-defined]
        s.entered_rounds = {r for (sid, r) in entries if sid == s.pk}  # type: ignore[attr-defined]
    return rows


def station_by_public_id(*, public_id: str) -> Station | None:
    return Station.objects.select_related("election", "election__village").filter(public_id=public_id).first()


def entries(*, station: Station, round_: int = Round.FIRST) -> list[CountEntry]:
    return list(station.entries.filter(round=round_).select_related("teller"))


def registrable(*, election: Election) -> QuerySet[Villager]:
    """Villagers of the village not on the list (the choices of the registration form)."""
    on = election.voters.filter(active=True).values("villager_id")
    return Villager.objects.filter(village=election.village).exclude(pk__in=on).order_by("name_pinyin")


def villager_by_id_number(*, election: Election, id_number: str) -> Villager | None:
    """A villager of the county found by the ID number's blind index (registered elsewhere, living here)."""
    try:
        number = normalize_id_number(id_number)
    except (ValueError, TypeError):
        return None
    return Villager.objects.filter(id_hash=blind_index(number), region_code__under=election.region_code[:6]).first()


def villages_to_create(*, user: AnyUser) -> list[Region]:
    """Villages where the user may set up an election (their cadre roles)."""
    q = scope_q(user, rules.CADRE_ROLES, field="code")
    return list(Region.objects.filter(q, level=Level.VILLAGE).order_by("code")[:200])


def result_rows(*, election: Election) -> list[dict[str, object]]:
    """The result per candidate: votes in each round and whether elected."""
    result = election.result or {}
    first = result.get("first", {})
    runoff = result.get("runoff", {})
    elected = set(first.get("elected", [])) | set(runoff.get("elected", []))
    rows = []
    for c in candidates(election=election):
        rows.append(
            {
                "candidate": c,
                "first": first.get("votes", {}).get(c.public_id),
                "runoff": runoff.get("votes", {}).get(c.public_id) if c.in_runoff else None,
                "elected": c.public_id in elected,
            }
        )
    rows.sort(key=lambda r: (not r["elected"], -(r["first"] or 0)))
    return rows


def is_open(election: Election) -> bool:
    return election.stage != Stage.ARCHIVED


# -------------------------------- the term: sitting members, kin, audits


def term_end(term: Election) -> dt.date:
    return term.term_ends_on or law.term_ends(term.election_day)


def current_term(*, village_code: str) -> Election | None:
    """The general election whose committee sits: the latest valid one announced (or archived)."""
    rows = Election.objects.filter(
        region_code=village_code, kind=Kind.GENERAL, stage__in=[Stage.ANNOUNCED, Stage.ARCHIVED]
    ).order_by("-election_day", "-id")
    for e in rows[:3]:
        if e.result.get("first", {}).get("valid"):
            return e
    return None


def _elected(election: Election) -> set[str]:
    result = election.result or {}
    return set(result.get("first", {}).get("elected", [])) | set(result.get("runoff", {}).get("elected", []))


def term_members(*, term: Election) -> list[Candidate]:
    """Everyone elected to the term's committee: in the election itself and its announced by-elections."""
    elections = [term, *term.by_elections.filter(stage__in=[Stage.ANNOUNCED, Stage.ARCHIVED])]
    ids = set().union(*(_elected(e) for e in elections))
    return list(
        Candidate.objects.filter(public_id__in=ids)
        .select_related("voter__villager", "election")
        .order_by("election__election_day", "id")
    )


def sitting_members(*, term: Election) -> list[Candidate]:
    """The members now in office: elected to the term and not ceased (recalled, art. 16; appraisal, art. 33)."""
    return [c for c in term_members(term=term) if c.ceased_on is None]


def near_relatives(a: Villager, b: Villager) -> str:
    """How two villagers are near relatives ("" if they are not): the same household in the roster, or a
    declared near relative (NearRelative, either way round)."""
    if a.pk == b.pk:
        return ""
    if a.household_id is not None and a.household_id == b.household_id:
        return _("same household")
    row = (
        NearRelative.objects.filter(active=True)
        .filter(Q(villager=a, relative=b) | Q(villager=b, relative=a))
        .values_list("relation", flat=True)
        .first()
    )
    return row or ""


def relatives_among(*, villager: Villager, others: list[Villager]) -> list[tuple[Villager, str]]:
    """Which of `others` are near relatives of `villager`, with how (two queries whatever their number)."""
    ids = [o.pk for o in others]
    declared: dict[int, str] = {}
    for a, b, rel in (
        NearRelative.objects.filter(active=True)
        .filter(Q(villager=villager, relative_id__in=ids) | Q(relative=villager, villager_id__in=ids))
        .values_list("villager_id", "relative_id", "relation")
    ):
        declared[b if a == villager.pk else a] = rel
    out = []
    for o in others:
        if o.pk == villager.pk:
            continue
        if villager.household_id is not None and o.household_id == villager.household_id:
            out.append((o, str(_("same household"))))
        elif o.pk in declared:
            out.append((o, declared[o.pk]))
    return out


def declared_relatives(*, village_code: str) -> QuerySet[NearRelative]:
    return NearRelative.objects.filter(region_code=village_code, active=True).select_related("villager", "relative")


def supervision_members(*, village_code: str) -> list[SupervisionMember]:
    return list(
        SupervisionMember.objects.filter(region_code=village_code, left_on__isnull=True).select_related("villager")
    )


def supervision_conflicts(*, village_code: str) -> list[tuple[SupervisionMember, str]]:
    """Sitting supervision members whom art. 32 now excludes: the check when a member is recorded cannot see a
    committee elected, or a near relative declared, after it. Each with why (three queries whatever the number)."""
    term = current_term(village_code=village_code)
    members = supervision_members(village_code=village_code)
    if term is None or not members:
        return []
    committee = [c.voter.villager for c in sitting_members(term=term)]
    mine, theirs = [m.villager_id for m in members], [c.pk for c in committee]
    declared: dict[tuple[int, int], str] = {}
    for a, b, rel in (
        NearRelative.objects.filter(active=True)
        .filter(Q(villager_id__in=mine, relative_id__in=theirs) | Q(relative_id__in=mine, villager_id__in=theirs))
        .values_list("villager_id", "relative_id", "relation")
    ):
        declared[(a, b)] = declared[(b, a)] = rel
    out = []
    for m in members:
        v = m.villager
        for c in committee:
            if c.pk == v.pk:
                out.append((m, _("%(name)s is a member of the village committee") % {"name": v.name}))
                continue
            same = v.household_id is not None and v.household_id == c.household_id
            how = str(_("same household")) if same else declared.get((v.pk, c.pk), "")
            if how:
                why = _("%(name)s is a near relative (%(how)s) of the committee member %(member)s")
                out.append((m, why % {"name": v.name, "how": how, "member": c.name}))
    return out


def unaudited_members(*, election: Election) -> list[str]:
    """Members of the outgoing term with no published economic audit (art. 35), by name. Only for a general
    election that follows a term."""
    if election.kind != Kind.GENERAL:
        return []
    term = current_term(village_code=election.region_code)
    if term is None or term.pk == election.pk:
        return []
    members = term_members(term=term)
    audited = set(OfficeAudit.objects.filter(member__in=members).values_list("member_id", flat=True))
    return [c.voter.villager.name for c in members if c.pk not in audited]


def appraisals(*, term: Election) -> list[Appraisal]:
    return list(
        term.appraisals.select_related("chaired_by__villager").prefetch_related("ratings__member__voter__villager")
    )


def appraisal_due_on(*, term: Election) -> dt.date:
    last = term.appraisals.order_by("-held_on").values_list("held_on", flat=True).first()
    start = term.announced_at.date() if term.announced_at else term.election_day
    return law.appraisal_due(last or start)


def audits(*, term: Election) -> list[OfficeAudit]:
    return list(term.audits.select_related("member__voter__villager"))


def handover_overdue(election: Election, today: dt.date) -> bool:
    """Art. 20: the handover's 10 days have passed and it is not recorded."""
    return election.handover_due_on is not None and election.handed_over_on is None and today > election.handover_due_on


def away_voter_of(*, election: Election, villager: Villager | None) -> Voter | None:
    """The villager's own registration as a voter living away, if any (the web confirmation)."""
    if villager is None:
        return None
    return election.voters.filter(villager=villager, basis=Basis.AWAY, active=True).first()


# -------------------------------- the county's live results


def county_live(*, prefixes: list[str], day: dt.date) -> list[dict[str, object]]:
    """Per village, the election held on `day` as the tellers' agreed counts arrive: stations counted of all,
    ballots cast so far against the registered voters, and the candidates' votes so far, most first.
    Five queries whatever the number of villages and stations."""
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(region_code__under=p)
    elections = list(
        Election.objects.filter(q, election_day=day)
        .exclude(stage__in=[Stage.PREPARING, Stage.LIST_PUBLISHED])
        .select_related("village")
        .annotate(n_registered=Count("voters", filter=Q(voters__active=True), distinct=True))
        .order_by("region_code")
    )
    ids = [e.pk for e in elections]
    n_stations = dict(
        Station.objects.filter(election_id__in=ids)
        .values("election_id")
        .annotate(n=Count("id"))
        .values_list("election_id", "n")
    )
    counted: dict[int, int] = {}
    cast: dict[int, int] = {}
    votes: dict[int, dict[str, int]] = {}
    for election_id, returned, vs in StationCount.objects.filter(
        station__election_id__in=ids, round=Round.FIRST
    ).values_list("station__election_id", "second__returned", "second__votes"):
        counted[election_id] = counted.get(election_id, 0) + 1
        cast[election_id] = cast.get(election_id, 0) + returned
        tally = votes.setdefault(election_id, {})
        for k, n in vs.items():
            tally[k] = tally.get(k, 0) + n
    names = dict(Candidate.objects.filter(election_id__in=ids).values_list("public_id", "voter__villager__name"))
    rows = []
    for e in elections:
        registered = e.n_registered  # annotated
        tally = votes.get(e.pk, {})
        rows.append(
            {
                "election": e,
                "village": e.village.name,
                "code": e.region_code,
                "stage": e.stage,
                "stations": n_stations.get(e.pk, 0),
                "counted": counted.get(e.pk, 0),
                "registered": registered,
                "cast": cast.get(e.pk, 0),
                "turnout_reached": law.turnout_valid(registered=registered, cast=cast.get(e.pk, 0)),
                "leaders": [
                    {"id": k, "name": names.get(k, "?"), "votes": n}
                    for k, n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))[: e.seats + 1]
                ],
            }
        )
    return rows


def counties_live(*, user: AnyUser) -> list[str]:
    """The counties (12-digit codes) whose live results page the user may open: county administrators,
    and the staff of a guiding office for their township."""
    counties = {p[:6] for p in prefixes(user, {"county_admin", "office_staff"}) if len(p) >= 6}
    return sorted(c + "000000" for c in counties if rules.live_prefixes(user, c + "000000"))


# -------------------------------- recall (art. 16)


def recalls(*, village_code: str = "", election: Election | None = None) -> list[Recall]:
    """Recalls of a village (all its elections) or of one election, newest first, with the member and the
    signers' names (three queries whatever the number)."""
    qs = Recall.objects.select_related("election", "member__voter__villager").prefetch_related("signer_rows__villager")
    qs = qs.filter(election=election) if election is not None else qs.filter(region_code=village_code)
    return list(qs.order_by("-created_at", "-id"))


def recall_by_public_id(*, public_id: str) -> Recall | None:
    return Recall.objects.select_related("election", "election__village").filter(public_id=public_id).first()


def representative_villagers(*, village_code: str) -> QuerySet[Villager]:
    """The village's villager representatives: its villagers whose account holds the representative role in
    the village (as the meetings app counts them for petitions)."""
    holders = RoleAssignment.objects.filter(role=Role.REPRESENTATIVE, region__code=village_code).values("user_id")
    return Villager.objects.filter(region_code=village_code, user_id__in=holders)


def recall_signer_choices(*, election: Election) -> list[Villager]:
    """Who may sign a recall of this election's members: its voters on the list and the representatives."""
    on_list = election.voters.filter(active=True).values("villager_id")
    reps = representative_villagers(village_code=election.region_code).values("id")
    return list(Villager.objects.filter(Q(id__in=on_list) | Q(id__in=reps)).order_by("name_pinyin", "id"))


# -------------------------------- the meeting resolution that chose the election committee (art. 12)


def committee_resolutions(*, village_code: str) -> list[dict[str, Any]]:
    """The village's adopted resolutions of its meetings (plain rows from the meetings app)."""
    return meetings_selectors.adopted_resolutions(village_code=village_code)


def resolution_row(*, motion_id: str) -> dict[str, Any] | None:
    return meetings_selectors.resolution_row(motion_id=motion_id)
