"""API: catalogue, my applications, work list, one application, decisions, public verification."""

import pytest

from cunzhi.applications import services
from cunzhi.applications.models import Certificate, Status

API = "/api/v1/services"


@pytest.fixture
def app(world, catalogue, flow):
    return flow.submit()


def test_anonymous_gets_401_except_verification(client, app):
    for path in ("/catalogue", "/applications", "/work", f"/applications/{app.public_id}"):
        response = client.get(API + path)
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    response = client.get(API + "/verify/ABCD-EFGH-JKMN-PQRS")
    assert response.status_code == 404 and response.json()["state"] == "invalid"


def test_catalogue_lists_published_items_with_checklists(world, catalogue, login, django_assert_max_num_queries):
    client = login(world.villager_a)
    client.get(API + "/catalogue")
    with django_assert_max_num_queries(8):
        response = client.get(API + "/catalogue")
    data = response.json()
    assert response.status_code == 200 and data["count"] == 2
    dibao = next(i for i in data["items"] if i["code"] == "dibao")
    assert [s["name"] for s in dibao["steps"]] == ["村级初审", "乡镇审核", "县级审批"]
    assert dibao["conditional_allowed"] and any(m["source"] == "household" for m in dibao["materials"])
    one = client.get(f"{API}/catalogue/{catalogue.dibao.public_id}")
    assert one.status_code == 200 and one.json()["promised_days"] == 30
    assert client.get(f"{API}/catalogue/nope").status_code == 404


def test_my_applications_and_detail_scope(world, app, login, django_assert_max_num_queries):
    client = login(world.villager_a)
    with django_assert_max_num_queries(10):
        mine = client.get(API + "/applications").json()
    assert mine["count"] == 1 and mine["items"][0]["number"] == app.number
    assert mine["items"][0]["status"] == Status.SUBMITTED
    detail = client.get(f"{API}/applications/{app.public_id}").json()
    assert {m["name"]: m["state"] for m in detail["materials"]}["户口簿"] == "reused"
    assert login(world.villager_b).get(API + "/applications").json()["count"] == 0
    for user in (world.villager_b, world.other_township_staff):
        response = login(user).get(f"{API}/applications/{app.public_id}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_work_list_and_decisions(world, catalogue, flow, login, county_staff, django_assert_max_num_queries):
    for _n in range(5):
        flow.submit()
    client = login(world.township_staff)
    client.get(API + "/work")
    with django_assert_max_num_queries(10):
        work = client.get(API + "/work?due=all").json()
    assert work["count"] == 5 and all(not row["overdue"] for row in work["items"])
    assert client.get(API + "/work?due=bogus").status_code == 422
    assert login(world.other_township_staff).get(API + "/work").json()["count"] == 0
    # Accept refused while materials are missing (message in the body), nothing changed.
    target = work["items"][0]["id"]
    response = login(world.township_staff).post(f"{API}/applications/{target}/accept")
    assert response.status_code == 422 and "Materials are missing" in response.json()["detail"]
    assert login(world.villager_a).post(f"{API}/applications/{target}/accept").status_code == 403
    # The whole path for the disability certificate through the API.
    cert_app = services.application_submit(
        actor=world.villager_a, item=catalogue.disability, villager=world.villager_a.villager
    )
    client = login(county_staff)
    assert client.post(f"{API}/applications/{cert_app.public_id}/accept").json()["status"] == "in_review"
    bad = client.post(
        f"{API}/applications/{cert_app.public_id}/step", {"decision": "maybe"}, content_type="application/json"
    )
    assert bad.status_code == 422
    done = client.post(
        f"{API}/applications/{cert_app.public_id}/step", {"decision": "approve"}, content_type="application/json"
    ).json()
    assert done["status"] == "approved" and done["certificate_code"]
    cert = Certificate.objects.get()
    from django.test import Client

    verified = Client().get(f"{API}/verify/{cert.code}").json()
    assert verified["state"] == "genuine" and verified["holder"] == "张*" and verified["item"] == "残疾人证办理"
