"""Consent to texts given in person: recorded by the village's cadres and grid workers for a number
of their own villagers, kept as history, and used when the next notice is planned."""

import pytest
from django.urls import reverse

from cunzhi.core.models import AuditEvent
from cunzhi.notify import services
from cunzhi.notify.consent import consent_given
from cunzhi.notify.models import Channel, Delivery
from cunzhi.people.models import ConsentSource, Role, RoleAssignment, SmsConsent
from cunzhi.people.tests.factories import UserFactory, VillagerFactory

pytestmark = pytest.mark.usefixtures("clock")

URL = reverse("notify:sms_consent")


@pytest.fixture
def elder(world):
    return VillagerFactory(name="刘大爷", village=world.village_a, phone="13950000031")


def test_a_grid_worker_records_consent_and_the_next_announcement_goes_by_text(world, login, elder):
    worker = UserFactory(name="网格员")
    RoleAssignment.objects.create(user=worker, role=Role.GRID_WORKER, region=world.village_a)
    client = login(worker)
    r = client.post(URL, {"phone": "139 5000 0031", "given": "yes"})
    assert r.status_code == 302 and r["Location"].endswith("?phone=13950000031")
    (row,) = SmsConsent.objects.all()
    assert (row.phone, row.given, row.source, row.recorded_by) == ("13950000031", True, ConsentSource.IN_PERSON, worker)
    assert AuditEvent.objects.filter(action="notify.sms_consent", region_code=world.village_a.code).exists()
    page = client.get(r["Location"]).content.decode()
    assert "刘大爷" in page and "网格员" in page
    notice = services.notice_send(kind="announcement", region_code=world.village_a.code, subject={"en": "x"})
    assert Delivery.objects.get(notice=notice, villager=elder).channel == Channel.SMS
    client.post(URL, {"phone": "13950000031", "given": "no"})
    assert consent_given("13950000031") is False and SmsConsent.objects.count() == 2  # history kept


def test_who_may_record_consent(world, client, login, elder, cadre_b, other_office_staff):
    data = {"phone": "13950000031", "given": "yes"}
    assert "/login/" in client.post(URL, data)["Location"]
    for user in (world.villager_a, world.township_staff, other_office_staff, world.other_township_staff):
        assert login(user).post(URL, data).status_code == 403
        assert login(user).get(URL).status_code == 403
    # A cadre of another village: the number is not one of their villagers'.
    r = login(cadre_b).post(URL, data)
    assert r.status_code == 200 and "No villager of your villages" in r.content.decode()
    assert login(cadre_b).get(URL, {"phone": "13950000031"}).content.decode().count("刘大爷") == 0
    assert not SmsConsent.objects.exists()
    assert login(world.cadre_a).post(URL, data).status_code == 302
    assert SmsConsent.objects.count() == 1


@pytest.mark.parametrize(
    "data", [{}, {"phone": "12345", "given": "yes"}, {"phone": "13950000031", "given": "maybe"}, {"phone": "x" * 500}]
)
def test_bad_input_changes_nothing(world, login, elder, data):
    r = login(world.cadre_a).post(URL, data)
    assert r.status_code == 200 and 'class="errorlist' in r.content.decode()
    assert not SmsConsent.objects.exists()
