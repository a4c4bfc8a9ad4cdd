"""Notices reach roster villagers, not only accounts: by text without an account (with consent, or
when the law requires the notice), the door-to-door list from the start for whoever no channel can
carry, and reach counted over everyone the notice was meant for."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunzhi.notify import services, transports
from cunzhi.notify.consent import consent_record
from cunzhi.notify.models import Channel, Delivery, DeliveryStatus, Urgency
from cunzhi.notify.selectors import figures_reach, not_reached, notice_report
from cunzhi.notify.tests.conftest import IMMEDIATE
from cunzhi.people.models import ConsentSource
from cunzhi.people.tests.factories import HouseholdFactory, VillagerFactory

pytestmark = pytest.mark.usefixtures("clock")  # the working day: no quiet hours


@pytest.fixture
def roster(world):
    """Village A beyond the fixed world: three adults without accounts — one whose number gave
    consent on the roster, one who never said, one without a phone."""
    v = world.village_a
    consenting = VillagerFactory(name="刘大爷", village=v, phone="13950000001")
    silent = VillagerFactory(name="陈阿姨", village=v, phone="13950000002")
    no_phone = VillagerFactory(name="王奶奶", village=v, phone="")
    consent_record(phone=consenting.phone, given=True, source=ConsentSource.ROSTER)
    return consenting, silent, no_phone


def channels(notice, villager):
    return set(Delivery.objects.filter(notice=notice, villager=villager).values_list("channel", flat=True))


def announce(world, **kw):
    return services.notice_send(
        kind="announcement", region_code=world.village_a.code, subject={"en": "Road works"}, body={"en": "."}, **kw
    )


def test_an_announcement_reaches_villagers_without_accounts_by_what_each_can_receive(world, roster):
    consenting, silent, no_phone = roster
    notice = announce(world)
    assert channels(notice, consenting) == {Channel.SMS}
    assert channels(notice, silent) == {Channel.DOOR}  # no consent: an announcement is not required by law
    assert channels(notice, no_phone) == {Channel.DOOR}
    assert channels(notice, world.villager_a.villager) >= {Channel.INBOX, Channel.SMS}  # an account
    sms = Delivery.objects.get(notice=notice, villager=consenting)
    assert (sms.recipient_id, sms.address, sms.language) == (None, "13950000001", "zh-hans")
    # Everyone counts: 张三 and 张小明 (accounts) and the three without one.
    assert notice.recipient_count == 5
    report = notice_report(notice=notice)
    assert report["recipients"] == 5 and report["channels"]["door"]["total"] == 2
    assert set(not_reached(notice=notice)) >= {silent, no_phone}


def test_a_notice_the_law_requires_goes_by_text_without_consent_but_not_to_a_number_without_a_phone(world, roster):
    consenting, silent, no_phone = roster
    consent_record(phone=silent.phone, given=False, source=ConsentSource.REPLY)  # replied TD
    notice = announce(world, mandatory=True)
    assert channels(notice, consenting) == channels(notice, silent) == {Channel.SMS}
    assert channels(notice, no_phone) == {Channel.DOOR}


def test_td_stops_an_account_holders_texts_except_those_the_law_requires(world):
    consent_record(phone=world.villager_a.phone, given=False, source=ConsentSource.REPLY)
    assert Channel.SMS not in channels(announce(world), world.villager_a.villager)
    assert Channel.SMS in channels(announce(world, mandatory=True), world.villager_a.villager)


def test_td_after_the_notice_was_planned_still_stops_the_waiting_text(
    world, roster, clock, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    consenting, _silent, _no_phone = roster
    clock.move_to(dt.datetime(2026, 6, 16, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    notice = announce(world)  # at night: the text waits for the morning
    sms = Delivery.objects.get(notice=notice, villager=consenting)
    assert sms.status == DeliveryStatus.PENDING and sms.next_try_at > dt.datetime.now(dt.UTC)
    consent_record(phone=consenting.phone, given=False, source=ConsentSource.REPLY)
    clock.move_to(dt.datetime(2026, 6, 17, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_enqueue_due()
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.SKIPPED and "TD" in sms.last_error


def test_texts_to_villagers_without_accounts_are_sent_and_say_how_to_stop(
    world, roster, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    consenting, _silent, _no_phone = roster
    sent: list[transports.Message] = []

    class Recording(transports.SmsTransport):
        def send(self, message):
            sent.append(message)

    monkeypatch.setitem(transports.TRANSPORTS, "sms", Recording)
    with django_capture_on_commit_callbacks(execute=True):
        notice = announce(world, urgency=Urgency.URGENT)
    texts = {m.to: m.sms_text for m in sent}
    assert texts["13950000001"].endswith("回TD退订")  # in the villager's language: Chinese
    assert Delivery.objects.get(notice=notice, villager=consenting).status == DeliveryStatus.SENT


def test_a_household_notice_goes_to_its_representative(world):
    house = HouseholdFactory(village=world.village_a, number="A0099")
    rep = VillagerFactory(name="户主", village=world.village_a, household=house, phone="13950000009")
    VillagerFactory(name="家人", village=world.village_a, household=house, phone="13950000010")
    house.representative = rep
    house.save()
    notice = services.notice_send(
        kind="direct", household_ids=[house.pk], mandatory=True, subject={"en": "x"}, body={"en": "."}
    )
    assert set(Delivery.objects.filter(notice=notice).values_list("villager", "address")) == {(rep.pk, "13950000009")}
    assert notice.recipient_count == 1


def test_planning_costs_the_same_queries_for_ten_or_a_hundred_villagers(world):
    def planned_queries(n):
        for _ in range(n):
            VillagerFactory(village=world.village_b, phone=f"1395{VillagerFactory._meta.model.objects.count():07d}")
        with CaptureQueriesContext(connection) as q:
            services.notice_send(kind="announcement", region_code=world.village_b.code, subject={"en": "x"})
        return len(q)

    assert planned_queries(10) == planned_queries(90)


def test_the_figures_count_everyone_a_notice_was_meant_for(world, roster):
    consenting, _silent, no_phone = roster
    notice = announce(world, mandatory=True)
    sms = Delivery.objects.get(notice=notice, villager=consenting)
    sms.status, sms.delivered_at = DeliveryStatus.SENT, notice.created_at
    sms.save()
    services.door_visit_record(notice=notice, villager=no_phone, outcome="told", actor=world.cadre_a)
    start, end = notice.created_at - dt.timedelta(days=1), notice.created_at + dt.timedelta(days=1)
    figures = figures_reach(prefix=world.county.prefix, length=len(world.village_a.prefix), start=start, end=end)
    # 5 people: 刘大爷 by text (delivery report), 王奶奶 told in person; nobody opened the inbox.
    assert figures[world.village_a.prefix] == (2, 5)
    report = notice_report(notice=notice)
    assert (report["reached"], report["recipients"], report["reached_percent"]) == (2, 5, 40)
