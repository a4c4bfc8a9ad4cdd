"""In a real browser on a phone, through the real gateway: a cadre sends a villagers' meeting notice,
every member's phone gets the text (members without an account too), the operator's delivery
reports come back, and the notice page shows who was reached of all members; a grid worker records
a villager's consent to texts. Normal and larger text, 360 px."""

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cunzhi.meetings import services as meetings
from cunzhi.meetings.models import Body
from cunzhi.notify.models import Channel, Delivery
from cunzhi.people.tests.factories import VillagerFactory

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]

ELDERS = {"刘大爷": "13950000061", "陈阿姨": "13950000062", "王奶奶": ""}  # no accounts; 王奶奶 has no phone


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
def test_a_meeting_notice_reaches_every_members_phone_through_kannel(
    transactional_db, world, live_kannel, clock, open_page, live_server, large
):
    # On the test clock's working day: at night the notice's texts would wait for the morning.
    for name, phone in ELDERS.items():
        VillagerFactory(name=name, village=world.village_a, group=world.group_a1, phone=phone)
    meeting = meetings.meeting_create(
        actor=world.cadre_a,
        village=world.village_a,
        body=Body.VILLAGERS,
        title="村道硬化工程表决",
        agenda="一、表决村道硬化工程",
        place="村委会",
        starts_at=timezone.now() + dt.timedelta(days=12),
    )
    page = open_page(PHONE)
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    suffix = "-large" if large else ""
    log_in(page, world.cadre_a.phone, world.password)
    page.goto(reverse("meetings:notice", args=[meeting.public_id]))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .stats")).to_be_visible()
    # Every member with a number got the text, in Chinese, as the operator received it.
    texts = Delivery.objects.filter(notice__about_id=meeting.pk, channel=Channel.SMS, copy_for__isnull=True)
    deadline = time.monotonic() + 30
    while texts.filter(delivered_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    got = {to: text for _from, to, text in live_kannel.received()}
    for phone in ("13950000061", "13950000062", world.villager_a.phone, world.helper.phone):
        assert "村道硬化工程表决" in got[phone] and got[phone].endswith("回TD退订")
    page.reload()
    meeting.refresh_from_db()
    stats = page.locator("main .stats")
    members = meeting.members.count()
    # Everyone but 王奶奶 (no phone, no account): reached by a text the operator reported on the phone.
    expect(stats).to_contain_text(f"{members - 1}")
    expect(stats).to_contain_text(f"{members}")
    assert horizontal_overflow(page) <= 0
    shot(page, f"meeting-notice-reach-phone{suffix}")
    page.goto(reverse("notify:door_list", args=[meeting.notice.public_id]))
    expect(page.locator("table.door tbody tr")).to_have_count(1)
    expect(page.locator("table.door tbody")).to_contain_text("王奶奶")


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
def test_a_cadre_records_consent_given_in_person_on_a_phone(transactional_db, world, open_page, live_server, large):
    VillagerFactory(name="刘大爷", village=world.village_a, phone="13950000061")
    page = open_page(PHONE)
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    log_in(page, world.cadre_a.phone, world.password)
    page.goto(reverse("notify:sms_consent"))
    page.locator("#id_phone").fill("13950000061")
    page.locator("input[name=given][value=yes]").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main table tbody")).to_contain_text("同意")
    expect(page.locator("main")).to_contain_text("刘大爷")
    assert horizontal_overflow(page) <= 0
    shot(page, f"sms-consent-phone{'-large' if large else ''}")
