"""Election pages: who may see and do what (the fixed personas), and the whole process through the pages."""

import datetime as dt

import pytest
from django.urls import reverse

from cunzhi.elections import services
from cunzhi.elections.models import Stage
from cunzhi.elections.tests.conftest import png, to_list_final, voter
from cunzhi.people.tests.factories import UserFactory

DAYS = dt.timedelta(days=1).total_seconds()

PAGES = ["overview", "voters", "voters_print", "objections", "proxies", "nominations", "candidates", "result"]


@pytest.mark.parametrize("page", PAGES)
def test_public_pages_for_the_village_only(world, el, client, login, other_office_staff, page):
    url = reverse(f"elections:{page}", args=[el.election.public_id])
    assert client.get(url).status_code == 302  # anonymous: to the log-in page
    for user in (world.villager_b, world.other_township_staff, other_office_staff):
        assert login(user).get(url).status_code == 404
    for user in (world.villager_a, world.cadre_a, world.township_staff, world.county_admin):
        assert login(user).get(url).status_code == 200, user


def test_manage_pages_and_actions_refused_to_villagers(world, el, login, other_office_staff):
    e = el.election
    client = login(world.villager_a)
    assert client.get(reverse("elections:stations", args=[e.public_id])).status_code == 403
    assert client.post(reverse("elections:step", args=[e.public_id, "roster"])).status_code == 403
    assert client.post(reverse("elections:voters", args=[e.public_id]), {"villager": "x"}).status_code == 403
    assert not e.voters.exists()
    # the guiding township office watches but does not run the election
    client = login(world.township_staff)
    assert client.post(reverse("elections:step", args=[e.public_id, "roster"])).status_code == 403
    for user in (world.villager_b, world.other_township_staff, other_office_staff):
        assert login(user).post(reverse("elections:step", args=[e.public_id, "roster"])).status_code == 404
    assert not e.voters.exists()


def test_create_page(world, client, login, clock):
    url = reverse("elections:create", args=[world.village_a.code])
    assert login(world.villager_a).get(url).status_code == 403
    client = login(world.cadre_a)
    r = client.post(url, {"title": "换届选举", "election_day": "2026-07-30", "seats": "9"})
    assert r.status_code == 200 and "3 to 7" in r.content.decode()
    r = client.post(url, {"title": "换届选举", "election_day": "2026-07-30", "seats": "5", "women_seat": "on"})
    assert r.status_code == 302


def test_process_through_the_pages(world, el, login, clock, settings):
    e = el.election
    cadre = login(world.cadre_a)
    step = lambda name: cadre.post(reverse("elections:step", args=[e.public_id, name]))  # noqa: E731
    assert step("roster").status_code == 302
    assert step("publish").status_code == 302
    e.refresh_from_db()
    assert e.stage == Stage.LIST_PUBLISHED
    # the villager objects on the page; the committee decides
    villager = login(world.villager_a)
    r = villager.post(
        reverse("elections:objections", args=[e.public_id]),
        {"kind": "wrongly_on", "villager": el.p.sun.public_id, "text": "常年在外不回村"},
    )
    assert r.status_code == 302
    objection = e.objections.get()
    cadre = login(world.cadre_a)
    r = cadre.post(
        reverse("elections:objection_decide", args=[objection.public_id]), {"decision": "reject", "reason": ""}
    )
    objection.refresh_from_db()
    assert objection.status == "open"  # no reason: nothing changed
    cadre.post(
        reverse("elections:objection_decide", args=[objection.public_id]),
        {"decision": "reject", "reason": "本人登记参选"},
    )
    objection.refresh_from_db()
    assert objection.status == "rejected"
    clock.shift(6 * DAYS)
    step("finalise")
    e.refresh_from_db()
    assert e.stage == Stage.LIST_FINAL
    # a proxy with the signed form's photo
    r = cadre.post(
        reverse("elections:proxies", args=[e.public_id]),
        {
            "grantor": voter(e, el.p.sun).public_id,
            "holder": voter(e, el.p.zhao).public_id,
            "relation": "兄弟",
            "form_photo": png(),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    proxy = e.proxies.get()
    assert cadre.get(reverse("elections:proxy_form", args=[proxy.public_id])).status_code == 200
    assert login(world.villager_a).get(reverse("elections:proxy_form", args=[proxy.public_id])).status_code == 403
    cadre = login(world.cadre_a)
    v = {k: voter(e, getattr(el.p, k)).public_id for k in ("li", "wang", "zhao", "zhou", "qian")}
    for nominator, nominees in (("li", ["wang", "zhao", "zhou"]), ("wang", ["li", "qian", "zhou"])):
        r = cadre.post(
            reverse("elections:nominations", args=[e.public_id]),
            {"nominator": v[nominator], "nominees": [v[n] for n in nominees]},
        )
        assert r.status_code == 302
    r = cadre.post(reverse("elections:candidates", args=[e.public_id]), {"voters": [v["li"], v["zhao"], v["zhou"]]})
    assert r.status_code == 200 and "差额" in r.content.decode()
    r = cadre.post(
        reverse("elections:candidates", args=[e.public_id]), {"voters": [v["li"], v["wang"], v["zhao"], v["zhou"]]}
    )
    assert r.status_code == 302
    r = cadre.post(reverse("elections:stations", args=[e.public_id]), {"name": "村委会", "ballots": "8"})
    assert r.status_code == 302
    station = e.stations.get()
    r = cadre.get(reverse("elections:ballots_pdf", args=[station.public_id]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content[:4] == b"%PDF"
    cands = {c.voter.villager.name: c.public_id for c in e.candidates.select_related("voter__villager")}
    numbers = {"returned": "6", "unused": "2", "invalid": "0"}
    votes = {f"c_{cands['李明']}": "6", f"c_{cands['王芳']}": "4", f"c_{cands['赵强']}": "5", f"c_{cands['周杰']}": "2"}
    url = reverse("elections:count", args=[station.public_id])
    r = cadre.post(url, {**numbers, **votes})
    assert r.status_code == 200 and "second teller" in r.content.decode()
    teller = UserFactory()
    el.p.qian.user = teller
    el.p.qian.save()
    services.committee_member_add(election=e, villager=el.p.qian, resolution="决议2", actor=world.cadre_a)
    second = login(teller)
    r = second.post(url, {**numbers, **votes, f"c_{cands['周杰']}": "3"})
    assert r.status_code == 200 and "周杰" in r.content.decode()  # says where they differ
    r = second.post(url, {**numbers, **votes})
    assert r.status_code == 302
    r = second.post(reverse("elections:step", args=[e.public_id, "result"]))
    e.refresh_from_db()
    assert e.stage == Stage.COUNTED and not e.runoff_needed
    second.post(reverse("elections:step", args=[e.public_id, "announce"]))
    r = login(world.villager_a).get(reverse("elections:result", args=[e.public_id]))
    body = r.content.decode()
    assert "李明" in body and "Announcement" in body
    r = login(world.villager_a).get(reverse("elections:announcement_pdf", args=[e.public_id]))
    assert r.content[:4] == b"%PDF"


def test_voter_list_queries_do_not_grow(world, el, login, django_assert_max_num_queries):
    services.voters_register_roster(election=el.election, actor=world.cadre_a)
    client = login(world.cadre_a)
    with django_assert_max_num_queries(25):
        r = client.get(reverse("elections:voters", args=[el.election.public_id]))
    assert r.status_code == 200


def test_bad_count_input_changes_nothing(world, el, login, clock):
    e = to_list_final(world, el, clock)
    v = [voter(e, x) for x in (el.p.li, el.p.wang, el.p.zhao, el.p.zhou)]
    services.nomination_record(election=e, nominator=v[0], nominees=v[1:], actor=world.cadre_a)
    services.nomination_record(election=e, nominator=v[1], nominees=[v[0]], actor=world.cadre_a)
    services.candidates_fix(election=e, voters=v, actor=world.cadre_a)
    station = services.station_set(election=e, name="站", ballots=5, actor=world.cadre_a)
    client = login(world.cadre_a)
    url = reverse("elections:count", args=[station.public_id])
    r = client.post(
        url, {"returned": "9", "unused": "0", "invalid": "0", **{f"c_{c.public_id}": "1" for c in e.candidates.all()}}
    )
    assert r.status_code == 200 and "add up" in r.content.decode()
    r = client.post(url, {"returned": "x"})
    assert r.status_code == 200
    assert not station.entries.exists()


def test_proxy_withdrawn_on_the_page_stays_on_record(world, el, login, clock):
    from cunzhi.elections.tests.conftest import png

    e = to_list_final(world, el, clock)
    p = services.proxy_register(
        election=e,
        grantor=voter(e, el.p.sun),
        holder=voter(e, el.p.zhao),
        relation="兄弟",
        form_photo=png(),
        actor=world.cadre_a,
    )
    url = reverse("elections:proxy_withdraw", args=[p.public_id])
    assert login(world.villager_a).post(url, {"reason": "x"}).status_code == 403
    client = login(world.cadre_a)
    client.post(url, {"reason": ""})
    p.refresh_from_db()
    assert p.active  # no reason: nothing changed
    client.post(url, {"reason": "本人回村亲自投票"})
    p.refresh_from_db()
    assert not p.active and p.withdrawn_reason == "本人回村亲自投票"


@pytest.mark.parametrize("page", ["proxies", "nominations", "candidates", "objections", "result", "voters_print"])
def test_list_pages_run_a_fixed_number_of_queries(world, el, login, clock, django_assert_max_num_queries, page):
    """The same number of queries with 8 voters as with 48 (no query per row)."""
    from cunzhi.elections.tests.conftest import person, png

    def build(extra):
        for i in range(extra):
            person(world.village_a, f"村民{i}", household=el.h2)
        return to_list_final(world, el, clock)

    e = build(40)
    voters = list(e.voters.filter(active=True))
    for grantor, holder in zip(voters[0:12:2], voters[1:12:2], strict=True):
        if grantor.villager.household_id == holder.villager.household_id:
            services.proxy_register(
                election=e, grantor=grantor, holder=holder, relation="亲属", form_photo=png(), actor=world.cadre_a
            )
    for i, nominator in enumerate(voters[:30]):
        services.nomination_record(
            election=e, nominator=nominator, nominees=voters[30 + i % 3 : 33 + i % 3], actor=world.cadre_a
        )
    client = login(world.cadre_a)
    with django_assert_max_num_queries(25):
        r = client.get(reverse(f"elections:{page}", args=[e.public_id]))
    assert r.status_code == 200


def test_recall_on_the_result_page(world, el, login, clock):
    """Art. 16 through the pages: proposed (a fifth of the voters), answered, voted; refused below the share."""
    from cunzhi.elections.models import Election, Recall

    e = to_list_final(world, el, clock)
    v = [voter(e, x) for x in (el.p.li, el.p.wang, el.p.zhao, el.p.zhou)]
    services.nomination_record(election=e, nominator=v[0], nominees=v[1:], actor=world.cadre_a)
    services.nomination_record(election=e, nominator=v[1], nominees=[v[0]], actor=world.cadre_a)
    cands = services.candidates_fix(election=e, voters=v, actor=world.cadre_a)
    # the demo's shortcut: a result stored as the count would have made it, then announced
    elected = [c.public_id for c in cands[:3]]
    Election.objects.filter(pk=e.pk).update(
        stage="counted",
        result={"registered": 8, "first": {"valid": True, "elected": elected, "empty_seats": 0, "cast": 6}},
    )
    e.refresh_from_db()
    services.announce(election=e, actor=world.cadre_a)
    url = reverse("elections:recall_propose", args=[e.public_id])
    data = {"member": elected[0], "basis": "voters", "signers": [el.p.qian.public_id], "reasons": "长期不履职"}
    assert login(world.villager_a).post(url, data).status_code == 403
    client = login(world.cadre_a)
    r = client.post(url, data, follow=True)
    assert not Recall.objects.exists() and "art. 16" in r.content.decode()  # 1 of 8 is less than a fifth
    client.post(url, {**data, "signers": [el.p.qian.public_id, el.p.kid.public_id]})  # 李小 is not a voter
    assert not Recall.objects.exists()
    client.post(url, {**data, "signers": [el.p.qian.public_id, el.p.sun.public_id]})
    recall = Recall.objects.get()
    assert recall.signers == 2 and recall.eligible == 8
    client.post(reverse("elections:recall_step", args=[recall.public_id, "answer"]), {"answer": "因病住院三个月"})
    client.post(
        reverse("elections:recall_step", args=[recall.public_id, "vote"]),
        {"registered": "8", "cast": "5", "in_favour": "3"},
    )
    recall.refresh_from_db()
    assert recall.answer and recall.status == "recalled"
    r = login(world.villager_a).get(reverse("elections:result", args=[e.public_id]))
    assert all(w in r.content.decode() for w in ("长期不履职", "钱丽", "孙伟"))  # the signers, by name
    printed = login(world.villager_a).get(reverse("elections:recall_signers", args=[recall.public_id]))
    assert printed.status_code == 200 and "孙伟" in printed.content.decode()
    assert el.p.sun.id_number not in printed.content.decode()
    assert login(world.villager_b).get(reverse("elections:recall_signers", args=[recall.public_id])).status_code == 404
