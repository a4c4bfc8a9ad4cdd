"""Reads for village elections: the lists the law makes public and the pages' figures, in a fixed number of
queries whatever the rows."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from cunzhi.core.crypto import blind_index
from cunzhi.core.idnumbers import normalize_id_number
from cunzhi.elections import rules
from cunzhi.elections.models import (
    Candidate,
    CountEntry,
    Election,
    Objection,
    Proxy,
    Round,
    Stage,
    Station,
    StationCount,
    Voter,
    VoterChange,
)
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Villager
from cunzhi.people.rules import own_villager, scope_q
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
    return Villager.objects.filter(
        id_hash=blind_index(number), region_code__startswith=election.region_code[:6]
    ).first()


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
