"""Least privilege inside a township (issue 12, item 13): an office sees its own concerns whole, the
township's public concerns as the public does, and nothing of other offices' private concerns; and
notices about a concern are as private as the concern (item 11)."""

import pytest
from django.urls import reverse

from cunzhi.concerns import services
from cunzhi.concerns.models import Concern, Kind, Level
from cunzhi.notify.models import Notice

API = "/api/v1"
PHONE = "13900000001"  # 张三's


def url(name, *args):
    return reverse(f"concerns:{name}", args=args)


def make(cw, **kw):
    kw.setdefault("actor", cw.villager_a)
    kw.setdefault("category", cw.roads)
    kw.setdefault("kind", Kind.REPORT)
    kw.setdefault("text", "村口路灯坏了三盏，晚上很黑")
    return services.concern_submit(**kw)


@pytest.fixture
def subsidy(cw):
    """A private request for help routed to township T's civil affairs office (赵干事 responsible)."""
    return make(cw, category=cw.subsidy, kind=Kind.HELP, is_public=False, text="家里老人住院，申请临时救助")


def test_the_office_a_concern_is_routed_to_sees_it_whole(cw, subsidy, login):
    assert subsidy.owner_office == cw.office_t
    body = login(cw.township_staff).get(url("detail", subsidy.public_id)).content.decode()
    assert "张三" in body and PHONE in body and "Timeline" in body


def test_another_office_of_the_township_sees_nothing_of_a_private_concern(cw, subsidy, login, other_office_staff):
    client = login(other_office_staff)
    assert client.get(url("detail", subsidy.public_id)).status_code == 404
    assert client.get(f"{API}/concerns/{subsidy.public_id}").status_code == 404
    assert subsidy.number not in client.get(url("list")).content.decode()
    assert subsidy.number not in client.get(f"{API}/concerns").content.decode()
    assert subsidy.number not in client.get(f"{API}/concerns", {"view": "scope", "status": "open"}).content.decode()
    other = make(cw)
    for action, data in (
        ("acknowledge", {}),
        ("answer", {"text": "已处理"}),
        ("transfer", {"to_phone": other_office_staff.phone, "reason": "我来办"}),
        ("merge", {"into": other.number}),
    ):
        assert client.post(url(action, subsidy.public_id), data).status_code == 404, action
        assert (
            client.post(
                f"{API}/concerns/{subsidy.public_id}/{action}", data, content_type="application/json"
            ).status_code
            == 404
        ), action
    subsidy.refresh_from_db()
    assert subsidy.status == "open" and subsidy.owner == cw.township_staff


def test_another_office_sees_a_public_concern_as_the_public_does(cw, login, other_office_staff):
    c = make(cw)  # public, handled by the village
    client = login(other_office_staff)
    body = client.get(url("detail", c.public_id)).content.decode()
    assert "张*" in body and "张三" not in body and PHONE not in body and "Timeline" not in body
    data = client.get(f"{API}/concerns/{c.public_id}").json()
    assert data["raised_by_name"] is None and data["timeline"] is None and data["allowed"] == []
    assert c.number in client.get(url("list")).content.decode()  # public concerns of the township are listed
    assert client.post(url("acknowledge", c.public_id)).status_code == 400  # refused, the page again
    c.refresh_from_db()
    assert c.status == "open"
    from cunzhi.people.models import DataAccess

    assert not DataAccess.objects.filter(actor=other_office_staff).exists()  # nothing personal was read


def test_private_village_matters_are_not_for_township_offices_until_escalated(cw, login, other_office_staff):
    c = make(cw, is_public=False)  # a village matter, owned by the village's cadre
    for user in (cw.township_staff, other_office_staff):
        assert login(user).get(url("detail", c.public_id)).status_code == 404
    assert login(cw.cadre_a).get(url("detail", c.public_id)).status_code == 200
    # Late: escalated to the township, whose offices are told and must be able to read it.
    Concern.objects.filter(pk=c.pk).update(escalation_level=Level.TOWNSHIP)
    for user in (cw.township_staff, other_office_staff):
        assert login(user).get(url("detail", c.public_id)).status_code == 200
    assert login(cw.other_township_staff).get(url("detail", c.public_id)).status_code == 404


def test_counts_do_not_reveal_other_offices_private_concerns(cw, subsidy, login, other_office_staff):
    from cunzhi.concerns import selectors

    assert (
        selectors.due_counts(user=other_office_staff)["soon"] + selectors.due_counts(user=other_office_staff)["overdue"]
        == 0
    )
    assert selectors.concerns_in_scope(user=other_office_staff).count() == 0
    assert list(selectors.concerns_in_scope(user=cw.township_staff)) == [subsidy]


# --- the villager's record: full data only for the office that handles their case ---------------------


def record(client, villager, **params):
    return client.get(reverse("people:villager_detail", args=[villager.public_id]), params).content.decode()


def test_the_handling_office_sees_id_and_phone_other_offices_do_not(cw, subsidy, login, other_office_staff):
    villager = cw.villager_a.villager
    body = record(login(cw.township_staff), villager, full_id=1)
    assert villager.id_number in body and PHONE in body
    body = record(login(other_office_staff), villager, full_id=1)
    assert villager.id_number not in body and villager.id_number_masked in body and PHONE not in body
    data = login(other_office_staff).get(f"{API}/villagers/{villager.public_id}").json()
    assert data["id_number"] == villager.id_number_masked and data["phone"] != PHONE and data["birth_date"] is None
    # Another villager of the township, with no case at the civil affairs office: masked for it too.
    son = cw.helper.villager
    body = record(login(cw.township_staff), son, full_id=1)
    assert son.id_number not in body and "13900000003" not in body


def test_offices_cannot_confirm_a_phone_number_by_searching(cw, subsidy, login, other_office_staff):
    for user in (cw.township_staff, other_office_staff):
        client = login(user)
        assert "张三" not in client.get(reverse("people:villager_list"), {"q": PHONE}).content.decode()
        assert client.get(f"{API}/villagers", {"q": PHONE}).json()["count"] == 0
    rows = login(other_office_staff).get(f"{API}/villagers").json()["items"]
    assert {r["name"] for r in rows} == {"张三", "张小明"}  # listed, masked
    assert all("*" in r["phone"] for r in rows) and all("*" in r["id_number"] for r in rows)


# --- notices about a concern (item 11) -----------------------------------------------------------


def test_notices_about_a_concern_are_as_private_as_the_concern(cw, subsidy, login, other_office_staff, supervisor_a):
    received = Notice.objects.get(template="concerns_new")  # to the office: a new concern
    assert (received.about_type, received.about_id) == ("concerns.concern", subsidy.pk)
    target = reverse("notify:notice", args=[received.public_id])
    for user, code in (
        (cw.villager_a, 200),
        (cw.township_staff, 200),
        (cw.cadre_a, 200),
        (supervisor_a, 200),
        (other_office_staff, 404),
        (cw.other_township_staff, 404),
        (cw.villager_b, 404),
    ):
        client = login(user)
        assert client.get(target).status_code == code, user
        assert client.get(url("detail", subsidy.public_id)).status_code == code, user
