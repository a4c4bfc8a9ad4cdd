"""Demo data for elections: 余村's last committee election, held and archived (registration from the roster,
the list published, an objection decided, proxies, 海选 nominations, formal candidates, a polling station and a
mobile ballot box counted twice by two tellers, a runoff for an empty seat, the announcement), the term since
(its supervision committee, a democratic appraisal each year, a recall proposed by a fifth of the voters and
voted, the recalled member's leaving-office audit published), and the coming election of 大溪村 at the
voter-list stage (the list published, objections open).

Everything goes through the services (audit rows, the law's checks). The services refuse dates in the past,
so the archived election is run with dates around today and its stored dates are then moved back to the
day it was held: the one step the services cannot take for a demo.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cunzhi.elections import law, services
from cunzhi.elections.models import Candidate, Election, Voter
from cunzhi.people.models import Role, RoleAssignment, Sex, User
from cunzhi.regions.models import Region

MAIN_VILLAGE = "330523100201"  # 余村
NEXT_VILLAGE = "330523100202"  # 大溪村
SEATS = 5
# Shares of valid ballots per candidate in the first round (the 4th is the woman who takes the women's seat),
# then the runoff between the 5th and 6th for the one seat left empty.
FIRST_SHARES = [0.86, 0.79, 0.71, 0.64, 0.46, 0.41, 0.18]
RUNOFF_SHARES = [0.57, 0.38]


def _photo() -> SimpleUploadedFile:
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (60, 40), "white").save(buf, "PNG")
    return SimpleUploadedFile("proxy.png", buf.getvalue(), content_type="image/png")


def _cadre(village: Region) -> User:
    return RoleAssignment.objects.filter(role=Role.CADRE, region=village).select_related("user").first().user  # type: ignore[union-attr]


def _count(station, cands, shares, *, round_, seats, tellers, rng) -> None:  # type: ignore[no-untyped-def]
    unused = max(1, station.ballots // 12)
    returned = station.ballots - unused
    invalid = min(returned, rng.randint(0, 3))
    valid = returned - invalid
    votes = {c.public_id: min(valid, int(valid * s)) for c, s in zip(cands, shares, strict=True)}
    for teller in tellers:
        services.count_enter(
            station=station,
            round_=round_,
            returned=returned,
            unused=unused,
            invalid=invalid,
            votes=votes,
            actor=teller,
        )


def _past(village: Region, today: dt.date, cadre: User, secretary: User, rng: random.Random) -> Election:
    e = services.election_create(
        village=village,
        title="第十二届村民委员会换届选举",
        election_day=today + dt.timedelta(days=25),
        seats=SEATS,
        actor=cadre,
    )
    roster = services.voters_register_roster(election=e, actor=cadre)
    voters = list(Voter.objects.filter(election=e).select_related("villager").order_by("id"))
    women = [v for v in voters if v.villager.sex == Sex.FEMALE and v.villager.age_on(e.election_day) < 60]
    men = [v for v in voters if v.villager.sex == Sex.MALE and v.villager.age_on(e.election_day) < 60]
    pool = [men[3], men[7], men[11], women[2], men[15], women[9], men[19]]  # in order of the votes to come
    committee = [men[25], women[20], men[30]]
    for i, v in enumerate(committee):
        services.committee_member_add(
            election=e, villager=v.villager, resolution="村民代表会议决议（2021年第2号）", is_chair=i == 0, actor=cadre
        )
    services.list_publish(election=e, actor=cadre)
    services.objection_raise(
        election=e, kind="wrongly_on", villager=voters[-1].villager, text="此人已迁出户口。", actor=cadre
    )
    objection = e.objections.get()
    services.objection_decide(objection=objection, uphold=False, reason="经核实户籍仍在本村，予以保留。", actor=cadre)
    # The demo's one shortcut: the objection period is over (publication moved 6 days back).
    Election.objects.filter(pk=e.pk).update(list_published_on=today - dt.timedelta(days=6))
    e.refresh_from_db()
    services.list_finalise(election=e, actor=cadre)
    for grantor in [v for v in voters if v.villager.living_away][:4]:
        holder = next(
            (
                h
                for h in voters
                if h.villager.household_id == grantor.villager.household_id
                and h.pk != grantor.pk
                and not h.villager.living_away
            ),
            None,
        )
        if holder is not None and e.proxies.filter(holder=holder, active=True).count() < e.proxy_limit:
            services.proxy_register(
                election=e, grantor=grantor, holder=holder, relation="近亲属", form_photo=_photo(), actor=cadre
            )
    for i, nominator in enumerate(voters[40:100]):
        picks = pool[: 3 + i % 3] if i % 4 else [pool[j] for j in (0, 2, 3, 5, 6)]
        services.nomination_record(election=e, nominator=nominator, nominees=picks, actor=cadre)
    cands = {c.voter_id: c for c in services.candidates_fix(election=e, voters=pool, actor=cadre)}
    ordered = [cands[v.pk] for v in pool]
    n = roster.added
    main = services.station_set(
        election=e, name="村委会中心投票站", ballots=int(n * 0.72), staff="陈、沈、王", actor=cadre
    )
    mobile = services.station_set(
        election=e,
        name="流动票箱（敬老院及行动不便户）",
        ballots=int(n * 0.08) + 2,
        mobile=True,
        staff="俞、姚",
        actor=cadre,
    )
    tellers = [cadre, secretary]
    for station in (main, mobile):
        _count(station, ordered, FIRST_SHARES, round_=1, seats=SEATS, tellers=tellers, rng=rng)
    e = services.result_compute(election=e, actor=cadre)
    runoff = list(e.candidates.filter(in_runoff=True).order_by("-nominations", "id"))
    runoff.sort(key=lambda c: -e.result["first"]["votes"][c.public_id])
    for station in (main, mobile):
        _count(station, runoff, RUNOFF_SHARES[: len(runoff)], round_=2, seats=1, tellers=tellers, rng=rng)
    e = services.result_compute(election=e, actor=cadre)
    e = services.announce(election=e, actor=cadre)
    # the outgoing committee handed over within the 10 days (art. 20)
    services.handover_record(election=e, on=today, note="公章、财务账册、档案资料、集体资产清单", actor=cadre)
    services.archive(election=e, actor=cadre)
    # Back to the day it was held, five years into the term (art. 11): the shortcut of this module's docstring.
    held = (
        today.replace(year=today.year - 2, month=3, day=20)
        if today.month > 3
        else today.replace(year=today.year - 3, month=3, day=20)
    )
    shift = e.election_day - held
    Election.objects.filter(pk=e.pk).update(
        election_day=held,
        list_published_on=e.list_published_on - shift,  # type: ignore[operator]
        list_final_on=e.list_final_on - shift,  # type: ignore[operator]
        # announced that evening, handed over within the 10 days (art. 20), archived a month on
        announced_at=timezone.make_aware(dt.datetime.combine(held, dt.time(18))),
        handover_due_on=law.handover_due(held),
        handed_over_on=held + dt.timedelta(days=7),
        archived_at=timezone.make_aware(dt.datetime.combine(held + dt.timedelta(days=30), dt.time(10))),
    )
    e.refresh_from_db()
    return e


# Ballots of the yearly appraisal by the representatives' meeting: competent, basically competent, incompetent.
APPRAISAL_BALLOTS = [(31, 6, 1), (28, 8, 2), (26, 9, 3), (29, 7, 2), (17, 12, 9)]


def _term(e: Election, today: dt.date, cadre: User, supervisor: User) -> None:
    """The term since the election: the supervision committee chosen a month after it (none of the committee's
    households: art. 32), an appraisal each year it chaired (art. 33), then a recall of the member rated lowest,
    proposed by a fifth of the voters with their names (art. 16), answered and carried, and that member's
    leaving-office audit published (art. 35)."""
    elected = set(services.elected_ids(e))
    members = [c for c in e.candidates.select_related("voter__villager").order_by("id") if c.public_id in elected]
    households = {c.voter.villager.household_id for c in members}
    voters = list(Voter.objects.filter(election=e, active=True).select_related("villager").order_by("id"))
    free = [
        v.villager for v in voters if v.villager.household_id not in households and 35 <= v.villager.age_on(today) <= 65
    ]
    own = getattr(supervisor, "villager", None)
    chair = own if own is not None and own.household_id not in households else free[0]
    others = [v for v in free if v.pk != chair.pk and v.household_id != chair.household_id]
    chosen = [chair, *others[3:5]]
    since = e.election_day + dt.timedelta(days=30)
    supervisors = [
        services.supervision_member_add(
            village=e.village,
            villager=v,
            resolution="村民代表会议决议（推选村务监督委员会）",
            since=since,
            is_chair=i == 0,
            actor=cadre,
        )
        for i, v in enumerate(chosen)
    ]
    years = 1
    while e.election_day.replace(year=e.election_day.year + years) <= today and years <= 2:
        held = e.election_day.replace(year=e.election_day.year + years)
        services.appraisal_record(
            term=e,
            held_on=held,
            body="representatives",
            chair=supervisors[0],
            ratings={c.public_id: APPRAISAL_BALLOTS[i % len(APPRAISAL_BALLOTS)] for i, c in enumerate(members)},
            actor=cadre,
        )
        years += 1
    member: Candidate = members[-1]
    signers = [v.villager for v in voters[200:] if v.villager_id != member.voter.villager_id]
    signers = signers[: -(-len(voters) // 5) + 3]  # a fifth of the voters and a few more
    recall = services.recall_propose(
        election=e,
        member=member,
        basis="voters",
        signers=signers,
        reasons="长期外出务工，一年多未参加村委会工作，分管的河道保洁无人负责。",
        actor=cadre,
    )
    services.recall_answer(recall=recall, answer="本人在外务工属实，已多次请假，愿意接受村民表决。", actor=cadre)
    services.recall_vote(
        recall=recall,
        registered=len(voters),
        cast=len(voters) * 7 // 10,
        in_favour=len(voters) * 7 // 10 * 2 // 3,
        actor=cadre,
    )
    member.refresh_from_db()
    services.office_audit_record(
        term=e,
        member=member,
        kind="leaving",
        auditor="递铺街道农村集体“三资”管理服务中心、村民主理财小组",
        findings="任职期间经手的河道保洁经费收支有据，账实相符，未发现违规问题。",
        published_on=today,
        actor=cadre,
    )


def _upcoming(village: Region, today: dt.date) -> Election:
    cadre = _cadre(village)
    e = services.election_create(
        village=village, title="村民委员会换届选举", election_day=today + dt.timedelta(days=24), seats=5, actor=cadre
    )
    services.voters_register_roster(election=e, actor=cadre)
    services.list_publish(election=e, actor=cadre)
    return e


def seed(*, rng: random.Random, today: dt.date, logins: dict) -> dict:  # type: ignore[type-arg]
    """Both elections; returns counts for the summary."""
    main = Region.objects.get(code=MAIN_VILLAGE)
    past = _past(main, today, logins["cadre"], logins["party_secretary"], rng)
    _term(past, today, logins["cadre"], logins["supervisor"])
    upcoming = _upcoming(Region.objects.get(code=NEXT_VILLAGE), today)
    return {
        "elections": 2,
        "election_voters": Voter.objects.filter(election__in=[past, upcoming], active=True).count(),
    }
