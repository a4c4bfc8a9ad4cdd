"""The committee's term after the election: by-election for vacant seats (art. 19), the handover (art. 20),
the supervision committee's kinship check (art. 32), democratic appraisal (art. 33), the economic audits
(art. 35), and voters living away answering by web or text (art. 13)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cunzhi.elections import selectors, services
from cunzhi.elections.models import AwayAnswer, Election, Kind, Stage
from cunzhi.elections.tests.conftest import DAY, person, to_list_final, voter
from cunzhi.people.tests.factories import UserFactory

DAYS = dt.timedelta(days=1).total_seconds()


@pytest.fixture
def term(world, el, clock):
    """Village A's committee elected: 李明, 王芳 (a woman), 赵强; announced today (2026-06-22)."""
    e = to_list_final(world, el, clock)
    v = [voter(e, x) for x in (el.p.li, el.p.wang, el.p.zhao, el.p.zhou)]
    services.nomination_record(election=e, nominator=v[0], nominees=v[1:], actor=world.cadre_a)
    services.nomination_record(election=e, nominator=v[1], nominees=[v[0]], actor=world.cadre_a)
    cands = services.candidates_fix(election=e, voters=v, actor=world.cadre_a)
    by_name = {str(c): c for c in cands}
    elected = [by_name[n].public_id for n in ("李明", "王芳", "赵强")]
    # the result as the count would store it (the count itself is tested in test_services)
    Election.objects.filter(pk=e.pk).update(
        stage="counted",
        result={"registered": 6, "first": {"valid": True, "elected": elected, "empty_seats": 0, "cast": 5}},
    )
    e.refresh_from_db()
    services.announce(election=e, actor=world.cadre_a)
    e.refresh_from_db()
    e.members = by_name
    return e


def _recall(world, term, name):
    recall = services.recall_propose(
        election=term,
        member=term.members[name],
        basis="voters",
        signers=[v.villager for v in term.voters.filter(active=True).order_by("id")[:2]],  # 2 of 6: a fifth
        reasons="长期不履职",
        actor=world.cadre_a,
    )
    services.recall_vote(recall=recall, registered=6, cast=5, in_favour=4, actor=world.cadre_a)


# -------------------------------- by-election (art. 19)


def test_by_election_fills_the_vacant_seat_until_the_term_ends(world, el, term, clock):
    with pytest.raises(ValidationError, match=r"art\. 19"):  # no seat is vacant
        services.election_create(
            village=world.village_a, title="补选", election_day=DAY + dt.timedelta(days=60), seats=1, term=term,
            actor=world.cadre_a,
        )  # fmt: skip
    _recall(world, term, "赵强")
    assert [str(c) for c in selectors.sitting_members(term=term)] == ["李明", "王芳"]
    with pytest.raises(ValidationError, match=r"art\. 19"):  # one vacancy, not two
        services.election_create(
            village=world.village_a, title="补选", election_day=DAY + dt.timedelta(days=60), seats=2, term=term,
            actor=world.cadre_a,
        )  # fmt: skip
    by = services.election_create(
        village=world.village_a,
        title="补选",
        election_day=timezone.localdate() + dt.timedelta(days=40),
        seats=1,
        term=term,
        actor=world.cadre_a,
    )
    assert by.kind == Kind.BY_ELECTION and by.term_ends_on == dt.date(2031, 7, 20)
    assert not by.women_seat  # 王芳 still sits: no seat kept for a woman
    # the same process: roster, list, nominations, candidates (差额 still), count by two tellers, result
    to_list_final(world, type("X", (), {"election": by})(), clock)
    v = {n: voter(by, getattr(el.p, n)) for n in ("zhou", "qian", "li")}
    services.nomination_record(election=by, nominator=v["li"], nominees=[v["zhou"]], actor=world.cadre_a)
    with pytest.raises(ValidationError, match="差额"):
        services.candidates_fix(election=by, voters=[v["zhou"]], actor=world.cadre_a)
    services.nomination_record(election=by, nominator=v["zhou"], nominees=[v["qian"]], actor=world.cadre_a)
    cands = services.candidates_fix(election=by, voters=[v["zhou"], v["qian"]], actor=world.cadre_a)
    station = services.station_set(election=by, name="村委会", ballots=6, actor=world.cadre_a)
    teller = UserFactory()
    el.p.sun.user = teller
    el.p.sun.save()
    services.committee_member_add(election=by, villager=el.p.sun, resolution="决议", actor=world.cadre_a)
    numbers = {"returned": 5, "unused": 1, "invalid": 0, "votes": {cands[0].public_id: 4, cands[1].public_id: 1}}
    services.count_enter(station=station, actor=world.cadre_a, **numbers)
    assert services.count_enter(station=station, actor=teller, **numbers).accepted
    by = services.result_compute(election=by, actor=world.cadre_a)
    services.announce(election=by, actor=world.cadre_a)
    by.refresh_from_db()
    assert by.handover_due_on is None  # a by-election hands nothing over
    assert sorted(str(c) for c in selectors.sitting_members(term=term)) == sorted(["李明", "王芳", str(cands[0])])


# -------------------------------- handover (art. 20)


def test_handover_due_in_10_days_and_shown_overdue(world, term, login, clock):
    assert term.handover_due_on == timezone.localdate() + dt.timedelta(days=10)
    url = reverse("elections:term", args=[term.public_id])
    clock.shift(11 * DAYS)
    body = login(world.villager_a).get(url).content.decode()
    assert "Overdue" in body and "art. 20" in body
    assert (
        "Handover overdue"
        in login(world.cadre_a).get(reverse("elections:overview", args=[term.public_id])).content.decode()
    )
    data = {"form": "handover", "on": timezone.localdate().isoformat(), "note": "公章、账册、档案"}
    assert login(world.villager_a).post(url, data).status_code == 403
    client = login(world.cadre_a)
    r = client.post(url, {**data, "note": ""})
    assert r.status_code == 200
    term.refresh_from_db()
    assert term.handed_over_on is None  # nothing changed
    assert client.post(url, data).status_code == 302
    term.refresh_from_db()
    assert term.handed_over_on == timezone.localdate() and not selectors.handover_overdue(term, timezone.localdate())


# -------------------------------- supervision committee (art. 32)


def test_supervision_kinship_check(world, el, term, clock):
    today = timezone.localdate()
    add = lambda v: services.supervision_member_add(  # noqa: E731
        village=world.village_a, villager=v, resolution="村民会议决议", since=today, actor=world.cadre_a
    )
    with pytest.raises(ValidationError, match=r"art\. 32"):
        add(el.p.li)  # a committee member
    with pytest.raises(ValidationError, match="李明"):
        add(el.p.kid.__class__.objects.get(pk=el.p.kid.pk))  # same household as 李明
    outsider = person(world.village_a, "吴刚")
    services.near_relative_declare(
        villager=outsider, relative=el.p.zhao, relation="兄弟", evidence="户口簿", actor=world.cadre_a
    )
    with pytest.raises(ValidationError, match="兄弟"):
        add(outsider)  # a declared near relative of 赵强
    stranger = person(world.village_a, "郑义")
    assert add(stranger).villager == stranger
    assert selectors.supervision_conflicts(village_code=world.village_a.code) == []
    # A near relative declared after the member was chosen: the page and the API now name the conflict.
    services.near_relative_declare(
        villager=stranger, relative=el.p.li, relation="表兄弟", evidence="村民小组证明", actor=world.cadre_a
    )
    conflicts = selectors.supervision_conflicts(village_code=world.village_a.code)
    assert [(m.villager, str(why)) for m, why in conflicts] == [
        (stranger, "郑义 is a near relative (表兄弟) of the committee member 李明")
    ]
    with pytest.raises(PermissionDenied):
        services.supervision_member_add(
            village=world.village_a, villager=outsider, resolution="x", since=today, actor=world.villager_a
        )


def test_declared_relative_may_hold_a_proxy(world, el, clock):
    from cunzhi.elections.tests.conftest import png

    e = to_list_final(world, el, clock)
    with pytest.raises(ValidationError, match=r"art\. 15"):
        services.proxy_register(
            election=e, grantor=voter(e, el.p.li), holder=voter(e, el.p.zhao), relation="岳父",
            form_photo=png(), actor=world.cadre_a,
        )  # fmt: skip
    services.near_relative_declare(
        villager=el.p.li, relative=el.p.zhao, relation="岳父", evidence="结婚证", actor=world.cadre_a
    )
    p = services.proxy_register(
        election=e, grantor=voter(e, el.p.li), holder=voter(e, el.p.zhao), relation="岳父",
        form_photo=png(), actor=world.cadre_a,
    )  # fmt: skip
    assert p.active


# -------------------------------- democratic appraisal (art. 33), audits (art. 35)


def _appraise(world, term, chair, day, incompetent_for=()):
    ratings = {
        c.public_id: ((1, 1, 8) if str(c) in incompetent_for else (8, 1, 1))
        for c in selectors.sitting_members(term=term)
    }
    return services.appraisal_record(
        term=term, held_on=day, body="representatives", chair=chair, ratings=ratings, actor=world.cadre_a
    )


def test_incompetent_twice_in_a_row_leaves_office(world, el, term, clock):
    chair = services.supervision_member_add(
        village=world.village_a, villager=person(world.village_a, "郑义"), resolution="决议",
        since=timezone.localdate(), is_chair=True, actor=world.cadre_a,
    )  # fmt: skip
    d = timezone.localdate()
    _appraise(world, term, chair, d, {"赵强"})
    clock.shift(200 * DAYS)
    _appraise(world, term, chair, d + dt.timedelta(days=200), {"李明"})  # not twice in a row for anyone
    assert len(selectors.sitting_members(term=term)) == 3
    clock.shift(200 * DAYS)
    _appraise(world, term, chair, d + dt.timedelta(days=400), {"李明"})
    assert [str(c) for c in selectors.sitting_members(term=term)] == ["王芳", "赵强"]
    term.members["李明"].refresh_from_db()
    assert "art. 33" in term.members["李明"].ceased_reason
    with pytest.raises(ValidationError):  # not after the last one
        _appraise(world, term, chair, d + dt.timedelta(days=300))
    clock.shift(DAYS)
    with pytest.raises(ValidationError, match="every member"):
        services.appraisal_record(
            term=term, held_on=d + dt.timedelta(days=401), body="villagers", chair=chair,
            ratings={}, actor=world.cadre_a,
        )  # fmt: skip


def test_next_election_waits_for_the_audits(world, el, term, clock):
    services.archive(election=term, actor=world.cadre_a)
    clock.shift(30 * DAYS)
    nxt = services.election_create(
        village=world.village_a, title="下一届", election_day=timezone.localdate() + dt.timedelta(days=40), seats=3,
        actor=world.cadre_a,
    )  # fmt: skip
    services.voters_register_roster(election=nxt, actor=world.cadre_a)
    with pytest.raises(ValidationError, match=r"art\. 35"):
        services.list_publish(election=nxt, actor=world.cadre_a)
    for c in selectors.term_members(term=term):
        services.office_audit_record(
            term=term, member=c, kind="term", auditor="递铺街道审计组", findings="账目清楚",
            published_on=timezone.localdate(), actor=world.township_staff,
        )  # fmt: skip
    assert services.list_publish(election=nxt, actor=world.cadre_a).stage == Stage.LIST_PUBLISHED


# -------------------------------- voters living away (art. 13)


def test_away_voter_answers_by_text_and_web(world, el, settings, clock, login):
    from cunzhi.notify import sms

    settings.KANNEL_SENDER = "106900001"
    e = el.election
    el.p.sun.phone = "13955550001"
    el.p.sun.save()
    far = person(world.village_a, "冯远", living_away=True, phone="13955550002")
    services.voters_register_roster(election=e, actor=world.cadre_a)
    assert services.away_ask(election=e, actor=world.cadre_a) == 2
    e.refresh_from_db()
    code = e.away_notice.reply_code
    sms.inbound_receive(gateway_id="g1", sender="13955550001", receiver="106900001" + code, text="1")
    sms.inbound_receive(gateway_id="g2", sender="13955550002", receiver="106900001" + code, text="2")
    sun, fv = voter(e, el.p.sun), voter(e, far)
    assert (sun.away_answer, sun.away_answered_via, sun.active) == (AwayAnswer.YES, "sms", True)
    assert (fv.away_answer, fv.active) == (AwayAnswer.NO, False)  # off the list, with the reason
    assert "art. 13" in fv.changes.order_by("-id").first().reason
    # a number nobody registered: nothing recorded
    row = sms.inbound_receive(gateway_id="g3", sender="13955550009", receiver="106900001" + code, text="1")
    assert row.handled_as == "elections.away" and "not registered" in row.answer
    # the web: the voter's own page
    user = UserFactory()
    el.p.sun.user = user
    el.p.sun.save()
    url = reverse("elections:away_answer", args=[e.public_id])
    assert login(world.villager_a).post(url, {"wishes": "yes"}).status_code == 403  # not living away
    assert login(user).post(url, {"wishes": "no"}).status_code == 302
    assert voter(e, el.p.sun).away_answer == AwayAnswer.NO
