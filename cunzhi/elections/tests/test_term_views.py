"""The new pages and endpoints of the term, the supervision committee and election day: who may see and do
what (the fixed personas), bad input, and the county's live results as the agreed counts arrive."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cunzhi.elections import selectors, services
from cunzhi.elections.models import Appraisal, NearRelative, OfficeAudit, SupervisionMember
from cunzhi.elections.tests.conftest import DAY, person, to_list_final, voter
from cunzhi.elections.tests.test_term import term  # noqa: F401  (the fixture)
from cunzhi.people.tests.factories import UserFactory

API = "/api/v1/elections"  # the router's paths start with /elections


def _refused_outside(client, login, world, other_office_staff, url, *, anon=302):
    client.logout()  # `login` logs this same client in
    assert client.get(url).status_code == anon
    for user in (world.villager_b, world.other_township_staff, other_office_staff):
        assert login(user).get(url).status_code == 404, user


def test_term_page_and_api_for_the_village(world, term, client, login, other_office_staff):  # noqa: F811
    for url, anon in (
        (reverse("elections:term", args=[term.public_id]), 302),
        (f"{API}/{term.public_id}/term", 401),
    ):
        _refused_outside(client, login, world, other_office_staff, url, anon=anon)
        for user in (world.villager_a, world.cadre_a, world.township_staff, world.county_admin):
            assert login(user).get(url).status_code == 200, user
    data = login(world.villager_a).get(f"{API}/{term.public_id}/term").json()
    assert [m["name"] for m in data["members"]] == ["李明", "王芳", "赵强"] and data["vacant"] == 0


def test_term_actions_refused_and_bad_input(world, term, login, other_office_staff):  # noqa: F811
    url = reverse("elections:term", args=[term.public_id])
    chair = services.supervision_member_add(
        village=world.village_a, villager=person(world.village_a, "郑义"), resolution="决议",
        since=timezone.localdate(), actor=world.cadre_a,
    )  # fmt: skip
    members = selectors.sitting_members(term=term)
    appraisal = {
        "form": "appraisal",
        "held_on": timezone.localdate().isoformat(),
        "body": "villagers",
        "chair": chair.public_id,
    }
    for m in members:
        appraisal |= {
            f"competent_{m.public_id}": "5",
            f"basically_{m.public_id}": "1",
            f"incompetent_{m.public_id}": "0",
        }
    audit = {"form": "audit", "member": members[0].public_id, "kind": "term", "auditor": "审计组", "findings": "清楚",
             "published_on": timezone.localdate().isoformat()}  # fmt: skip
    for data in (appraisal, audit):
        assert login(world.villager_a).post(url, data).status_code == 403
        for user in (world.villager_b, world.other_township_staff, other_office_staff):
            assert login(user).post(url, data).status_code == 404
    client = login(world.cadre_a)
    r = client.post(url, {**appraisal, "held_on": "2030-01-01"})  # in the future
    assert r.status_code == 200 and not Appraisal.objects.exists()
    r = client.post(url, {**audit, "kind": "leaving"})  # still in office
    assert r.status_code == 200 and "still in office" in r.content.decode() and not OfficeAudit.objects.exists()
    assert client.post(url, appraisal).status_code == 302 and Appraisal.objects.count() == 1
    # the township's guiding office records the audits (it organises them)
    assert login(world.township_staff).post(url, audit).status_code == 302 and OfficeAudit.objects.count() == 1
    body = login(world.villager_a).get(url).content.decode()
    assert "审计组" in body and "郑义" in body


def test_term_api_writes(world, term, login):  # noqa: F811
    chair = services.supervision_member_add(
        village=world.village_a, villager=person(world.village_a, "郑义"), resolution="决议",
        since=timezone.localdate(), actor=world.cadre_a,
    )  # fmt: skip
    members = selectors.sitting_members(term=term)
    payload = {
        "held_on": timezone.localdate().isoformat(), "body": "representatives", "chair": chair.public_id,
        "ratings": {m.public_id: {"competent": 1, "basically": 0, "incompetent": 3} for m in members},
    }  # fmt: skip
    url = f"{API}/{term.public_id}/appraisals"
    assert login(world.villager_a).post(url, payload, content_type="application/json").status_code == 403
    assert login(world.villager_b).post(url, payload, content_type="application/json").status_code == 404
    r = login(world.cadre_a).post(url, {**payload, "ratings": {}}, content_type="application/json")
    assert r.status_code == 422 and not Appraisal.objects.exists()
    r = login(world.cadre_a).post(url, payload, content_type="application/json")
    assert r.status_code == 201 and all(x["judged_incompetent"] for x in r.json()["appraisals"][0]["ratings"])
    url = f"{API}/{term.public_id}/handover"
    day = timezone.localdate().isoformat()
    assert (
        login(world.villager_a).post(url, {"on": day, "note": "x"}, content_type="application/json").status_code == 403
    )
    r = login(world.cadre_a).post(url, {"on": day, "note": "公章账册"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["handed_over_on"] == day
    url = f"{API}/{term.public_id}/audits"
    data = {
        "member": members[0].public_id,
        "kind": "term",
        "auditor": "审计组",
        "findings": "清楚",
        "published_on": day,
    }
    assert login(world.villager_a).post(url, data, content_type="application/json").status_code == 403
    assert login(world.cadre_a).post(url, data, content_type="application/json").status_code == 201
    url = f"{API}/{term.public_id}/by-elections"
    data = {"title": "补选", "election_day": "2026-09-30", "seats": 1}
    assert login(world.villager_a).post(url, data, content_type="application/json").status_code == 403
    r = login(world.cadre_a).post(url, data, content_type="application/json")
    assert r.status_code == 422 and "art. 19" in r.json()["detail"]  # no seat is vacant


def test_supervision_page_and_api(world, el, term, client, login, other_office_staff):  # noqa: F811
    url = reverse("elections:supervision", args=[world.village_a.code])
    api = f"{API}/supervision/{world.village_a.code}"
    for u, anon in ((url, 302), (api, 401)):
        _refused_outside(client, login, world, other_office_staff, u, anon=anon)
        for user in (world.villager_a, world.cadre_a, world.township_staff):
            assert login(user).get(u).status_code == 200
    data = {
        "form": "member",
        "villager": el.p.kid.public_id,
        "resolution": "村民会议决议",
        "since": timezone.localdate().isoformat(),
    }
    assert login(world.villager_a).post(url, data).status_code == 403
    r = login(world.cadre_a).post(url, data)
    assert r.status_code == 200 and "32" in r.content.decode() and not SupervisionMember.objects.exists()
    kin = {
        "form": "kin",
        "kin-villager": el.p.zhou.public_id,
        "kin-relative": el.p.li.public_id,
        "kin-relation": "表兄弟",
        "kin-evidence": "村民代表证明",
    }
    assert login(world.villager_a).post(url, kin).status_code == 403
    assert login(world.cadre_a).post(url, kin).status_code == 302 and NearRelative.objects.count() == 1
    payload = {"villager": el.p.zhou.public_id, "resolution": "决议", "since": timezone.localdate().isoformat()}
    assert login(world.villager_a).post(api, payload, content_type="application/json").status_code == 403
    r = login(world.cadre_a).post(api, payload, content_type="application/json")
    assert r.status_code == 422 and "表兄弟" in r.json()["detail"]  # the declared relative of 李明
    outsider = person(world.village_a, "郑义")
    r = login(world.cadre_a).post(api, {**payload, "villager": outsider.public_id}, content_type="application/json")
    assert r.status_code == 201
    kin_api = f"{api}/relatives"
    k = {"villager": outsider.public_id, "relative": el.p.qian.public_id, "relation": "夫妻", "evidence": "结婚证"}
    assert login(world.villager_a).post(kin_api, k, content_type="application/json").status_code == 403
    assert login(world.cadre_a).post(kin_api, k, content_type="application/json").status_code == 201
    # Art. 32 after the fact: 郑义, already a member, declared a near relative of the committee member 李明.
    k = {"villager": outsider.public_id, "relative": el.p.li.public_id, "relation": "表兄弟", "evidence": "证明"}
    assert login(world.cadre_a).post(kin_api, k, content_type="application/json").status_code == 201
    conflicts_api = f"{api}/conflicts"
    _refused_outside(client, login, world, other_office_staff, conflicts_api, anon=401)
    rows = login(world.villager_a).get(conflicts_api).json()
    assert [(r["name"], "李明" in r["why"]) for r in rows] == [("郑义", True)]
    assert "Members no longer eligible" in login(world.villager_a).get(url).content.decode()


def test_away_endpoint_refused(world, el, client, login):
    url = reverse("elections:away_answer", args=[el.election.public_id])
    assert client.post(url, {"wishes": "yes"}).status_code == 302
    assert login(world.villager_b).post(url, {"wishes": "yes"}).status_code == 404
    api = f"{API}/{el.election.public_id}/away"
    client.logout()
    assert client.post(api, {"wishes": True}, content_type="application/json").status_code == 401
    assert login(world.villager_b).post(api, {"wishes": True}, content_type="application/json").status_code == 404
    assert login(world.villager_a).post(api, {"wishes": True}, content_type="application/json").status_code == 403
    services.voters_register_roster(election=el.election, actor=world.cadre_a)
    user = UserFactory()
    el.p.sun.user = user
    el.p.sun.save()
    r = login(user).post(api, {"wishes": True}, content_type="application/json")
    assert r.status_code == 200
    assert voter(el.election, el.p.sun).away_answer == "yes"


@pytest.fixture
def counting(world, el, clock):
    """Village A on election day with two stations, one counted by two agreeing tellers."""
    e = to_list_final(world, el, clock)
    v = [voter(e, x) for x in (el.p.li, el.p.wang, el.p.zhao, el.p.zhou)]
    services.nomination_record(election=e, nominator=v[0], nominees=v[1:], actor=world.cadre_a)
    services.nomination_record(election=e, nominator=v[1], nominees=[v[0]], actor=world.cadre_a)
    cands = services.candidates_fix(election=e, voters=v, actor=world.cadre_a)
    s1 = services.station_set(election=e, name="村委会", ballots=5, actor=world.cadre_a)
    services.station_set(election=e, name="流动票箱", ballots=3, mobile=True, actor=world.cadre_a)
    teller = UserFactory()
    el.p.qian.user = teller
    el.p.qian.save()
    services.committee_member_add(election=e, villager=el.p.qian, resolution="决议", actor=world.cadre_a)
    numbers = {"returned": 4, "unused": 1, "invalid": 0, "votes": {c.public_id: 3 - i % 3 for i, c in enumerate(cands)}}
    services.count_enter(station=s1, actor=world.cadre_a, **numbers)
    services.count_enter(station=s1, actor=teller, **numbers)
    return e


def test_live_results_by_role(
    world, counting, client, login, other_office_staff, django_assert_max_num_queries, settings
):
    settings.ELECTIONS_LIVE_CACHE_SECONDS = 0
    code = world.county.code
    url = reverse("elections:live", args=[code]) + f"?day={DAY.isoformat()}"
    api = f"{API}/live/{code}?day={DAY.isoformat()}"
    assert client.get(url).status_code == 302 and client.get(api).status_code == 401
    for user in (world.villager_a, world.cadre_a, other_office_staff):
        assert login(user).get(url).status_code == 404, user
        assert login(user).get(api).status_code == 404, user
    admin = login(world.county_admin)
    with django_assert_max_num_queries(20):
        body = admin.get(url).content.decode()
    assert "鹤鹿溪村" in body and "1 / 2" in body and "4 / 8" in body
    row = admin.get(api).json()[0]
    assert (row["counted"], row["stations"], row["cast"], row["registered"]) == (1, 2, 4, 8)
    assert {c["name"] for c in row["leaders"] if c["votes"] == 3} == {"李明", "周杰"}
    # the guiding office of the village's township sees it; that of another township does not
    assert login(world.township_staff).get(api).json()[0]["village"] == "鹤鹿溪村"
    assert login(world.other_township_staff).get(api).json() == []
    # bad input: a clear message, the day's (empty) page
    r = admin.get(reverse("elections:live", args=[code]) + "?day=nonsense")
    assert r.status_code == 200
    assert admin.get(f"{API}/live/{code}?day=nonsense").status_code == 422


def test_live_table_is_built_once_per_few_seconds(world, counting, login, settings):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.ELECTIONS_LIVE_CACHE_SECONDS = 5
    cache.clear()
    admin = login(world.county_admin)
    url = reverse("elections:live", args=[world.county.code]) + f"?day={DAY.isoformat()}"
    with CaptureQueriesContext(connection) as first:
        a = admin.get(url).content.decode()
    with CaptureQueriesContext(connection) as second:
        b = admin.get(url).content.decode()
    table = lambda page: page[page.index('<p class="hint">') : page.index("</main>")]  # noqa: E731
    assert "鹤鹿溪村" in a and table(a) == table(b)
    assert len(second) < len(first) - 3  # the five queries of the table are not run again


def test_by_election_page(world, el, term, client, login, other_office_staff):  # noqa: F811
    """The create page with ?term= sets up a by-election: cadres of the village only; the seats are the vacancies."""
    from cunzhi.elections.models import Election
    from cunzhi.elections.tests.test_term import _recall

    url = reverse("elections:create", args=[world.village_a.code]) + f"?term={term.public_id}"
    client.logout()
    assert client.get(url).status_code == 302
    for user in (world.villager_a, world.township_staff, world.other_township_staff, other_office_staff):
        assert login(user).get(url).status_code == 403, user
    cadre = login(world.cadre_a)
    data = {"title": "补选", "election_day": "2026-09-30", "seats": "1"}
    r = cadre.post(url, data)
    assert r.status_code == 200 and "art. 19" in r.content.decode()  # nothing vacant yet
    _recall(world, term, "赵强")
    assert cadre.post(url, data).status_code == 302
    by = Election.objects.get(kind="by_election")
    assert by.term == term and by.seats == 1
    body = login(world.villager_a).get(reverse("elections:term", args=[term.public_id])).content.decode()
    assert "补选" in body and "art. 16" in body  # the by-election listed; the recalled member's reason
