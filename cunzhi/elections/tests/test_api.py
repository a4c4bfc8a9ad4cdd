"""The elections API: the public lists for the village only, counts by two tellers, the result."""

import pytest

from cunzhi.elections import services
from cunzhi.elections.tests.conftest import to_list_final, voter
from cunzhi.people.tests.factories import UserFactory

BASE = "/api/v1/elections"


@pytest.mark.parametrize("tail", ["", "/voters", "/objections", "/proxies", "/nominations", "/candidates", "/result"])
def test_public_lists_for_the_village_only(world, el, client, login, other_office_staff, tail):
    url = f"{BASE}/{el.election.public_id}{tail}"
    assert client.get(url).status_code == 401
    for user in (world.villager_b, world.other_township_staff, other_office_staff):
        assert login(user).get(url).status_code == 404
    for user in (world.villager_a, world.cadre_a, world.township_staff):
        assert login(user).get(url).status_code == 200


def test_list_and_stations_for_managers(world, el, login):
    services.voters_register_roster(election=el.election, actor=world.cadre_a)
    r = login(world.villager_a).get(f"{BASE}/{el.election.public_id}/voters")
    names = [v["name"] for v in r.json()["items"]]
    assert "李明" in names and "李小" not in names
    assert "id_number" not in r.json()["items"][0]
    assert login(world.villager_a).get(f"{BASE}/{el.election.public_id}/stations").status_code == 403
    assert login(world.cadre_a).get(f"{BASE}/{el.election.public_id}/stations").status_code == 200
    assert [e["id"] for e in login(world.villager_a).get(BASE).json()] == [el.election.public_id]
    assert login(world.villager_b).get(BASE).json() == []


def test_objection_window_cites_the_article(world, el, login, clock):
    services.voters_register_roster(election=el.election, actor=world.cadre_a)
    client = login(world.villager_a)
    url = f"{BASE}/{el.election.public_id}/objections"
    r = client.post(
        url, {"kind": "wrongly_on", "villager": el.p.sun.public_id, "text": "在外"}, content_type="application/json"
    )
    assert r.status_code == 422  # not published yet
    services.list_publish(election=el.election, actor=world.cadre_a)
    r = client.post(
        url, {"kind": "wrongly_on", "villager": el.p.sun.public_id, "text": "在外"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["status"] == "open"
    clock.shift(6 * 86400)
    r = client.post(
        url, {"kind": "wrongly_on", "villager": el.p.li.public_id, "text": "x"}, content_type="application/json"
    )
    assert r.status_code == 422 and "art. 14" in r.json()["detail"]


def test_double_count_by_api(world, el, login, clock):
    e = to_list_final(world, el, clock)
    v = [voter(e, x) for x in (el.p.li, el.p.wang, el.p.zhao, el.p.zhou)]
    services.nomination_record(election=e, nominator=v[0], nominees=v[1:], actor=world.cadre_a)
    services.nomination_record(election=e, nominator=v[1], nominees=[v[0]], actor=world.cadre_a)
    cands = services.candidates_fix(election=e, voters=v, actor=world.cadre_a)
    station = services.station_set(election=e, name="站", ballots=8, actor=world.cadre_a)
    teller = UserFactory()
    el.p.qian.user = teller
    el.p.qian.save()
    services.committee_member_add(election=e, villager=el.p.qian, resolution="决议2", actor=world.cadre_a)
    body = {"returned": 6, "unused": 2, "invalid": 1, "votes": {c.public_id: 3 for c in cands}}
    url = f"{BASE}/stations/{station.public_id}/counts"
    assert login(world.villager_a).post(url, body, content_type="application/json").status_code == 403
    r = login(world.cadre_a).post(url, body, content_type="application/json")
    assert r.json() == {"accepted": False, "differences": []}
    other = {**body, "invalid": 0}
    r = login(teller).post(url, other, content_type="application/json")
    assert r.json() == {"accepted": False, "differences": ["invalid"]}
    r = login(teller).post(url, body, content_type="application/json")
    assert r.json()["accepted"] is True
    services.result_compute(election=e, actor=world.cadre_a)
    r = login(world.villager_a).get(f"{BASE}/{e.public_id}/result")
    data = r.json()
    assert data["registered"] == 8 and data["cast"] == 6 and data["valid"] is True
    # 3 of 6 is not more than half: no one is elected in the first round, the seats go to a runoff
    assert data["runoff_needed"] is True
