"""The election's process and its refusals: registration (art. 13), the list's dates (art. 14), proxies and
the result (art. 15), composition (art. 6), the committee (art. 12), the double count."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cunzhi.elections import services
from cunzhi.elections.models import ChangeKind, ObjectionStatus, Stage, Voter
from cunzhi.elections.tests.conftest import DAY, person, png, to_list_final, voter

DAYS = dt.timedelta(days=1).total_seconds()


def test_create_refuses_seats_outside_3_to_7(world, clock):
    with pytest.raises(ValidationError, match=r"art\. 6"):
        services.election_create(village=world.village_a, title="x", election_day=DAY, seats=8, actor=world.cadre_a)
    with pytest.raises(PermissionDenied):
        services.election_create(
            village=world.village_a, title="x", election_day=DAY, seats=5, actor=world.township_staff
        )


def test_proxy_limit_defaults_to_setting(world, clock, settings):
    settings.ELECTIONS_PROXY_LIMIT = 2
    e = services.election_create(village=world.village_b, title="x", election_day=DAY, seats=5, actor=_cadre_b(world))
    assert e.proxy_limit == 2


def _cadre_b(world):
    from cunzhi.people.models import Role, RoleAssignment
    from cunzhi.people.tests.factories import UserFactory

    u = UserFactory()
    RoleAssignment.objects.create(user=u, role=Role.CADRE, region=world.village_b)
    return u


def test_roster_registration_age_and_history(world, el):
    out = services.voters_register_roster(election=el.election, actor=world.cadre_a)
    names = set(el.election.voters.values_list("villager__name", flat=True))
    assert "李小" not in names and "李明" in names and out.too_young >= 1
    sun = voter(el.election, el.p.sun)
    assert sun.basis == "away"
    assert sun.changes.get().kind == ChangeKind.ADD


def test_minor_refused_and_elsewhere_needs_year_and_approval(world, el):
    with pytest.raises(ValidationError, match=r"art\. 13"):
        services.voter_register(
            election=el.election, villager=el.p.kid, basis="resident", reason="r", actor=world.cadre_a
        )
    incomer = person(world.village_b, "外来人")
    with pytest.raises(ValidationError, match=r"art\. 13"):
        services.voter_register(
            election=el.election, villager=incomer, basis="resident", reason="r", actor=world.cadre_a
        )
    with pytest.raises(ValidationError, match=r"art\. 13"):
        services.voter_register(
            election=el.election,
            villager=incomer,
            basis="elsewhere",
            reason="r",
            living_here_since=dt.date(2026, 1, 1),
            approval="决议",
            actor=world.cadre_a,
        )
    v = services.voter_register(
        election=el.election,
        villager=incomer,
        basis="elsewhere",
        reason="居住三年",
        living_here_since=dt.date(2023, 1, 1),
        approval="村民会议决议第3号",
        actor=world.cadre_a,
    )
    assert v.active


def test_one_village_across_the_county(world, el):
    incomer = person(world.village_b, "两地人")
    services.voter_register(
        election=el.election,
        villager=incomer,
        basis="elsewhere",
        reason="居住",
        living_here_since=dt.date(2020, 1, 1),
        approval="决议",
        actor=world.cadre_a,
    )
    cadre_b = _cadre_b(world)
    e_b = services.election_create(village=world.village_b, title="余村选举", election_day=DAY, seats=3, actor=cadre_b)
    with pytest.raises(ValidationError, match="one village only"):
        services.voter_register(election=e_b, villager=incomer, basis="resident", reason="r", actor=cadre_b)
    out = services.voters_register_roster(election=e_b, actor=cadre_b)
    assert out.elsewhere == ["两地人"]


def test_removal_is_a_new_record(world, el):
    services.voters_register_roster(election=el.election, actor=world.cadre_a)
    v = voter(el.election, el.p.li)
    services.voter_remove(voter=v, reason="已迁出", actor=world.cadre_a)
    v.refresh_from_db()
    assert not v.active and Voter.objects.filter(pk=v.pk).exists()
    assert [c.kind for c in v.changes.all()] == ["add", "remove"]


def test_list_published_20_days_before(world, el, clock):
    services.voters_register_roster(election=el.election, actor=world.cadre_a)
    clock.shift(15 * DAYS)  # 1 July: 19 days before
    with pytest.raises(ValidationError, match=r"art\. 14"):
        services.list_publish(election=el.election, actor=world.cadre_a)
    el.election.refresh_from_db()
    assert el.election.stage == Stage.PREPARING


def test_objection_window_and_decision(world, el, clock):
    services.voters_register_roster(election=el.election, actor=world.cadre_a)
    services.voter_remove(voter=voter(el.election, el.p.qian), reason="误以为外出", actor=world.cadre_a)
    services.list_publish(election=el.election, actor=world.cadre_a)
    o = services.objection_raise(
        election=el.election, kind="left_off", villager=el.p.qian, text="钱丽在村", actor=world.villager_a
    )
    assert o.decide_by == dt.date(2026, 6, 19)
    with pytest.raises(ValidationError):
        services.list_finalise(election=el.election, actor=world.cadre_a)
    with pytest.raises(PermissionDenied):
        services.objection_decide(objection=o, uphold=True, reason="x", actor=world.villager_a)
    services.objection_decide(objection=o, uphold=True, reason="核实在村居住", actor=world.cadre_a)
    q = voter(el.election, el.p.qian)
    assert q.active and [c.kind for c in q.changes.all()] == ["add", "remove", "restore"]
    clock.shift(6 * DAYS)
    with pytest.raises(ValidationError, match=r"art\. 14"):
        services.objection_raise(
            election=el.election, kind="wrongly_on", villager=el.p.li, text="x", actor=world.villager_a
        )
    services.list_finalise(election=el.election, actor=world.cadre_a)


def test_late_decision_is_marked(world, el, clock):
    services.voters_register_roster(election=el.election, actor=world.cadre_a)
    services.list_publish(election=el.election, actor=world.cadre_a)
    o = services.objection_raise(
        election=el.election, kind="wrongly_on", villager=el.p.sun, text="常年在外", actor=world.villager_a
    )
    clock.shift(4 * DAYS)
    o = services.objection_decide(objection=o, uphold=False, reason="本人要求参选", actor=world.cadre_a)
    assert o.status == ObjectionStatus.REJECTED and o.late


def test_proxies(world, el, clock):
    e = to_list_final(world, el, clock)
    li, wang, zhao, sun = (voter(e, x) for x in (el.p.li, el.p.wang, el.p.zhao, el.p.sun))
    with pytest.raises(ValidationError, match="near relative"):
        services.proxy_register(
            election=e, grantor=li, holder=zhao, relation="邻居", form_photo=png(), actor=world.cadre_a
        )
    p = services.proxy_register(
        election=e, grantor=sun, holder=zhao, relation="兄弟", form_photo=png(), actor=world.cadre_a
    )
    assert p.form_photo.name
    e.proxy_limit = 1
    e.save()
    qian = voter(e, el.p.qian)
    with pytest.raises(ValidationError, match="most allowed"):
        services.proxy_register(
            election=e, grantor=qian, holder=zhao, relation="配偶", form_photo=png(), actor=world.cadre_a
        )
    with pytest.raises(ValidationError):
        services.proxy_register(
            election=e, grantor=zhao, holder=qian, relation="配偶", form_photo=png(), actor=world.cadre_a
        )
    services.proxy_register(election=e, grantor=li, holder=wang, relation="配偶", form_photo=png(), actor=world.cadre_a)


def _nominate_and_fix(world, el, e, *, chosen=None):
    v = {k: voter(e, getattr(el.p, k)) for k in ("li", "wang", "zhao", "qian", "sun", "zhou")}
    services.nomination_record(
        election=e, nominator=v["li"], nominees=[v["wang"], v["zhao"], v["zhou"]], actor=world.cadre_a
    )
    services.nomination_record(
        election=e, nominator=v["wang"], nominees=[v["li"], v["qian"], v["zhou"]], actor=world.cadre_a
    )
    services.nomination_record(election=e, nominator=v["zhao"], nominees=[v["li"], v["wang"]], actor=world.cadre_a)
    return v


def test_nominations_and_candidates(world, el, clock):
    e = to_list_final(world, el, clock)
    v = _nominate_and_fix(world, el, e)
    with pytest.raises(ValidationError, match="at most 3"):
        services.nomination_record(
            election=e, nominator=v["qian"], nominees=[v["li"], v["wang"], v["zhao"], v["zhou"]], actor=world.cadre_a
        )
    with pytest.raises(ValidationError, match="already recorded"):
        services.nomination_record(election=e, nominator=v["li"], nominees=[v["qian"]], actor=world.cadre_a)
    with pytest.raises(ValidationError, match="差额"):
        services.candidates_fix(election=e, voters=[v["li"], v["wang"], v["zhao"]], actor=world.cadre_a)
    with pytest.raises(ValidationError, match="woman"):
        services.candidates_fix(election=e, voters=[v["li"], v["zhao"], v["zhou"], v["sun"]], actor=world.cadre_a)
    with pytest.raises(ValidationError, match="Not nominated"):
        services.candidates_fix(election=e, voters=[v["li"], v["wang"], v["zhao"], v["sun"]], actor=world.cadre_a)
    cands = services.candidates_fix(
        election=e, voters=[v["li"], v["wang"], v["zhao"], v["zhou"], v["qian"]], actor=world.cadre_a
    )
    assert cands[0].nominations == 2
    el.member.refresh_from_db()
    assert el.member.left_on is not None and "art. 12" in el.member.left_reason
    with pytest.raises(ValidationError):
        services.committee_member_add(election=e, villager=el.p.li, resolution="决议", actor=world.cadre_a)


def test_multi_ethnic_needs_minority(world, el, clock):
    e = to_list_final(world, el, clock)
    e.multi_ethnic = True
    e.save()
    v = _nominate_and_fix(world, el, e)
    with pytest.raises(ValidationError, match="minority"):
        services.candidates_fix(election=e, voters=[v["li"], v["wang"], v["zhao"], v["zhou"]], actor=world.cadre_a)
    services.candidates_fix(
        election=e, voters=[v["li"], v["wang"], v["zhao"], v["zhou"]], minority=[v["zhao"]], actor=world.cadre_a
    )


def test_double_count_result_runoff(world, el, clock, supervisor_a):
    from cunzhi.people.tests.factories import UserFactory

    e = to_list_final(world, el, clock)
    # more voters: 6 adults on the roster + 4 more
    v = _nominate_and_fix(world, el, e)
    cands = services.candidates_fix(election=e, voters=[v["li"], v["wang"], v["zhao"], v["zhou"]], actor=world.cadre_a)
    ids = {c.voter.villager.name: c.public_id for c in cands}
    registered = e.voters.filter(active=True).count()  # 8: with 张三 and 张小明 of the test world
    st = services.station_set(election=e, name="村委会投票站", ballots=8, actor=world.cadre_a)
    mobile = services.station_set(election=e, name="流动票箱", ballots=2, mobile=True, actor=world.cadre_a)
    assert mobile.first_number == 9
    # the second teller: a committee member (a voter with an account) chosen by a further resolution
    u = UserFactory()
    el.p.sun.user = u
    el.p.sun.save()
    services.committee_member_add(election=e, villager=el.p.sun, resolution="决议2", actor=world.cadre_a)
    votes = {ids["李明"]: 5, ids["王芳"]: 1, ids["赵强"]: 5, ids["周杰"]: 4}
    with pytest.raises(ValidationError, match="add up"):
        services.count_enter(station=st, returned=5, unused=2, invalid=0, votes=votes, actor=world.cadre_a)
    first = services.count_enter(station=st, returned=5, unused=3, invalid=0, votes=votes, actor=world.cadre_a)
    assert not first.accepted
    again = services.count_enter(station=st, returned=5, unused=3, invalid=0, votes=votes, actor=world.cadre_a)
    assert not again.accepted  # the same teller twice is not two people
    wrong = services.count_enter(station=st, returned=5, unused=3, invalid=0, votes={**votes, ids["周杰"]: 2}, actor=u)
    assert not wrong.accepted and wrong.differences == [ids["周杰"]]
    ok = services.count_enter(station=st, returned=5, unused=3, invalid=0, votes=votes, actor=u)
    assert ok.accepted
    zero = dict.fromkeys(votes, 0)
    services.count_enter(station=mobile, returned=0, unused=2, invalid=0, votes=zero, actor=world.cadre_a)
    services.count_enter(station=mobile, returned=0, unused=2, invalid=0, votes=zero, actor=u)
    e = services.result_compute(election=e, actor=world.cadre_a)
    # 5 of 8 voted (> half); a majority is 3: 李明 5, 赵强 5 elected; 周杰 4 has one too, but the province
    # reserves a seat for a woman and 王芳 (1) has no majority: that seat goes to a runoff
    first_round = e.result["first"]
    assert registered == 8 and first_round["valid"]
    assert set(first_round["elected"]) == {ids["李明"], ids["赵强"]}
    assert first_round["women_seat_open"] and e.runoff_needed
    with pytest.raises(ValidationError, match="runoff"):
        services.announce(election=e, actor=world.cadre_a)
    runoff_ids = list(e.candidates.filter(in_runoff=True).values_list("public_id", flat=True))
    assert ids["王芳"] in runoff_ids
    rv = {k: (3 if k == ids["王芳"] else 1) for k in runoff_ids}
    services.count_enter(station=st, round_=2, returned=5, unused=3, invalid=0, votes=rv, actor=world.cadre_a)
    services.count_enter(station=st, round_=2, returned=5, unused=3, invalid=0, votes=rv, actor=u)
    services.count_enter(
        station=mobile, round_=2, returned=0, unused=2, invalid=0, votes=dict.fromkeys(rv, 0), actor=world.cadre_a
    )
    services.count_enter(station=mobile, round_=2, returned=0, unused=2, invalid=0, votes=dict.fromkeys(rv, 0), actor=u)
    e = services.result_compute(election=e, actor=world.cadre_a)
    assert e.result["runoff"]["elected"] == [ids["王芳"]]
    e = services.announce(election=e, actor=world.cadre_a)
    assert "王芳" in e.announcement and e.stage == Stage.ANNOUNCED
    services.archive(election=e, actor=world.cadre_a)


def test_a_stations_ballots_are_printed_once_and_again_when_they_change(world, el, clock, monkeypatch):
    from cunzhi.elections import pdf

    e = to_list_final(world, el, clock)
    v = _nominate_and_fix(world, el, e)
    services.candidates_fix(election=e, voters=[v["li"], v["wang"], v["zhao"], v["zhou"]], actor=world.cadre_a)
    station = services.station_set(election=e, name="村委会投票站", ballots=3, actor=world.cadre_a)
    rendered = []
    real = pdf._render
    monkeypatch.setattr(pdf, "_render", lambda html: rendered.append(html) or real(html))
    first = pdf.ballots(station=station)
    assert first[:4] == b"%PDF" and pdf.ballots(station=station) == first and len(rendered) == 1
    # Another paper (here the station renamed) is printed afresh; the old file is never served for it.
    type(station).objects.filter(pk=station.pk).update(name="流动票箱")
    station.refresh_from_db()
    assert pdf.ballots(station=station) != first and len(rendered) == 2 and "流动票箱" in rendered[1]
