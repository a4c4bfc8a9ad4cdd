"""Pages: inbox and unread count, preferences, the notice report with the door-to-door list, jobs."""

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from cunzhi.core import jobs
from cunzhi.core.idnumbers import mask_phone
from cunzhi.core.models import JobRun
from cunzhi.notify import services
from cunzhi.notify.models import Channel, ChannelPreference, Delivery, DeliveryStatus

SUBJECT = {"en": "Village meeting on Sunday", "zh-hans": "周日召开村民会议"}
BODY = {"en": "Come to the hall at 9.", "zh-hans": "上午9点到村委会礼堂。"}


@pytest.fixture(autouse=True)
def _fresh_header_memo():
    caches["memo"].clear()
    yield
    caches["memo"].clear()


def announce(world, **kw):
    return services.notice_send(
        kind="announcement", region_code=world.village_a.code, sender=world.cadre_a, subject=SUBJECT, body=BODY, **kw
    )


def test_inbox_unread_count_and_reading(world, login):
    notice = announce(world)
    client = login(world.villager_a)
    page = client.get(reverse("people:profile")).content.decode()
    header = page.split("<main")[0]
    assert reverse("notify:inbox") in header and 'aria-label="unread">1<' in header
    body = client.get(reverse("notify:inbox")).content.decode()
    assert "Village meeting on Sunday" in body and "New" in body
    full = client.get(reverse("notify:notice", args=[notice.public_id])).content.decode()
    assert "Come to the hall at 9." in full
    assert Delivery.objects.get(notice=notice, recipient=world.villager_a, channel=Channel.INBOX).read_at
    header = client.get(reverse("people:profile")).content.decode().split("<main")[0]
    assert 'aria-label="unread"' not in header


def test_mark_all_read(world, login):
    announce(world)
    announce(world)
    client = login(world.villager_a)
    assert client.post(reverse("notify:inbox_read_all")).status_code == 302
    assert not Delivery.objects.filter(recipient=world.villager_a, channel="inbox", read_at__isnull=True).exists()


def test_notice_page_is_only_for_its_recipients_and_staff(world, login, client):
    notice = announce(world)
    assert login(world.villager_b).get(reverse("notify:notice", args=[notice.public_id])).status_code == 404
    assert login(world.other_township_staff).get(reverse("notify:notice", args=[notice.public_id])).status_code == 404
    assert login(world.cadre_a).get(reverse("notify:notice", args=[notice.public_id])).status_code == 200
    client.logout()
    assert client.get(reverse("notify:notice", args=[notice.public_id])).status_code == 302  # log in first


def test_preferences(world, login):
    client = login(world.villager_a)
    assert client.get(reverse("notify:preferences")).status_code == 200
    response = client.post(
        reverse("notify:preferences"), {"email_on": "on", "quiet_start": "21:00", "quiet_end": "08:00"}
    )
    assert response.status_code == 302
    pref = ChannelPreference.objects.get(user=world.villager_a)
    assert pref.email_on and not pref.sms_on and pref.quiet_start == dt.time(21, 0)
    bad = client.post(reverse("notify:preferences"), {"quiet_start": "25:99", "quiet_end": "08:00"})
    assert bad.status_code == 200 and ChannelPreference.objects.get(user=world.villager_a).quiet_start == dt.time(21)


@pytest.mark.parametrize(
    "persona,status",
    [
        ("cadre_a", 200),
        ("township_staff", 200),
        ("county_admin", 200),
        ("other_township_staff", 404),
        ("villager_a", 403),
    ],
)
def test_report_permissions(world, login, persona, status):
    notice = announce(world)
    client = login(getattr(world, persona))
    for name in ("notify:report", "notify:door_list"):
        assert client.get(reverse(name, args=[notice.public_id])).status_code == status
    # Allowed: the resend is done and the reader goes back to the report (302); refused as the pages are.
    assert client.post(reverse("notify:resend", args=[notice.public_id])).status_code == {200: 302}.get(status, status)


def test_report_counts_and_door_to_door_list(world, login, settings):
    notice = announce(world)
    # 张三 opened it; 张小明's text was accepted; nobody else in village A is reached.
    services.inbox_mark_read(user=world.villager_a, notice=notice)
    Delivery.objects.filter(notice=notice, recipient=world.helper, channel=Channel.SMS).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now()
    )
    Delivery.objects.filter(notice=notice, recipient=world.villager_a, channel=Channel.SMS).update(
        status=DeliveryStatus.PERMANENT_FAILURE, last_error="number does not exist", tries=5
    )
    assert notice.recipient_count == 2
    client = login(world.cadre_a)
    page = client.get(reverse("notify:report", args=[notice.public_id])).content.decode()
    assert "number does not exist" in page and "Failed for good" in page
    assert "Everyone was reached." in page and "may have arrived twice" not in page
    # A text sent again after its worker was killed mid-send is counted on the report.
    Delivery.objects.filter(notice=notice, recipient=world.helper, channel=Channel.SMS).update(tries=2, interrupted=1)
    page = client.get(reverse("notify:report", args=[notice.public_id])).content.decode()
    assert "1 message may have arrived twice" in page
    # A third villager in village A who is reached by nothing appears on the door-to-door list.
    from cunzhi.people.tests.factories import UserFactory, VillagerFactory

    user = UserFactory(phone="13900000077", name="刘大爷")
    VillagerFactory(name="刘大爷", village=world.village_a, household=world.household_a, user=user)
    notice2 = announce(world)
    services.inbox_mark_read(user=world.villager_a, notice=notice2)
    page = client.get(reverse("notify:report", args=[notice2.public_id])).content.decode()
    main = page.split("<main")[1]
    assert "刘大爷" in main and "张小明" in main and "张三" not in main.split("Not reached by any channel")[1]
    door = client.get(reverse("notify:door_list", args=[notice2.public_id])).content.decode()
    assert "刘大爷" in door and "A0001" in door and "notify/print.css" in door
    assert "Come to the hall at 9." in door


def test_helper_copy_counts_as_reaching_the_villager(world):
    from cunzhi.notify import selectors
    from cunzhi.people.models import Delegation, DelegationScope, Relation

    Delegation.objects.create(
        villager=world.villager_b.villager,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.NOTICES],
        ends_at=timezone.now() + dt.timedelta(days=9),
    )
    notice = services.notice_send(kind="direct", users=[world.villager_b], subject=SUBJECT, body=BODY)
    assert list(selectors.not_reached(notice=notice)) == [world.villager_b.villager]
    services.inbox_mark_read(user=world.helper, notice=notice)
    assert list(selectors.not_reached(notice=notice)) == []


def test_resend_from_the_report(world, login, settings, clock, django_capture_on_commit_callbacks):
    # `clock`: the working day, so the texts are not held for quiet hours whenever the suite runs.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SMS_BACKEND = "file"
    notice = announce(world)
    Delivery.objects.filter(notice=notice, channel=Channel.SMS).update(
        status=DeliveryStatus.PERMANENT_FAILURE, tries=5, claimed_by="", next_try_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.cadre_a).post(reverse("notify:resend", args=[notice.public_id]))
    assert response.status_code == 302
    assert set(Delivery.objects.filter(notice=notice, channel=Channel.SMS).values_list("status", flat=True)) == {
        DeliveryStatus.SENT
    }


def test_notice_list_for_staff(world, login):
    announce(world)
    assert "Village meeting on Sunday" in login(world.cadre_a).get(reverse("notify:notice_list")).content.decode()
    assert (
        "Village meeting on Sunday"
        not in login(world.other_township_staff).get(reverse("notify:notice_list")).content.decode()
    )
    assert login(world.villager_a).get(reverse("notify:notice_list")).status_code == 403


def test_a_notice_list_longer_than_the_cap_lists_the_newest(world, login, monkeypatch):
    from cunzhi.core.pagination import CappedPaginator
    from cunzhi.notify.models import Notice

    first = announce(world)
    Notice.objects.bulk_create(
        [Notice(kind="announcement", region_code=world.village_a.code, sender=world.cadre_a) for _ in range(30)]
    )
    client = login(world.cadre_a)
    whole = client.get(reverse("notify:notice_list")).content.decode()
    assert "Page 1 of" in whole and "More than" not in whole
    monkeypatch.setattr(CappedPaginator, "cap", 25)
    capped = client.get(reverse("notify:notice_list")).content.decode()
    assert "More than 25 notices: the newest 25 are listed" in capped and "Page 1<" in capped
    assert first.public_id not in capped  # the oldest is past the first page


def test_jobs_page_and_late_warning_on_staff_home(world, login):
    assert login(world.cadre_a).get(reverse("notify:jobs")).status_code == 403
    client = login(world.county_admin)
    page = client.get(reverse("notify:jobs")).content.decode()
    assert "notify.retry_due" in page and "never" in page and "Late" in page
    home = client.get(reverse("home")).content.decode()
    assert "have not run on time" in home.split("<main")[0]
    # Villagers never see it.
    caches["memo"].clear()
    assert "not run on time" not in login(world.villager_a).get(reverse("home")).content.decode()
    # Once the jobs ran, the warning is gone.
    now = timezone.now()
    for name in jobs.JOBS:  # every registered job, the other domains' too
        JobRun.objects.create(name=name, slot=now, started_at=now, finished_at=now, ok=True)
    caches["memo"].clear()
    client = login(world.county_admin)
    assert "not run on time" not in client.get(reverse("home")).content.decode()
    page = client.get(reverse("notify:jobs")).content.decode()
    assert "On time" in page


# --- the door-to-door list masks phones as the villager record does (issue 12, item 12) --------------


@pytest.mark.parametrize("persona, full", [("cadre_a", True), ("supervisor_a", False), ("county_admin", False)])
def test_reach_report_and_door_list_mask_phones_like_the_villager_record(world, login, request, persona, full):
    notice = services.notice_send(
        kind="announcement", region_code=world.village_a.code, sender=world.cadre_a, subject=SUBJECT, body=BODY
    )
    user = getattr(world, persona, None) or request.getfixturevalue(persona)
    client = login(user)
    phone = world.villager_a.villager.phone
    for view in ("notify:report", "notify:door_list"):
        main = client.get(reverse(view, args=[notice.public_id])).content.decode().split("<main")[1]
        assert "张三" in main
        assert (phone in main) is full, view
        assert (mask_phone(phone) in main) is not full, view


@pytest.mark.parametrize(
    "language, every, description",
    [
        ("zh-hans", ["1分钟", "1天", "5分钟", "1小时"], "删除30天前的任务运行记录。"),
        ("en", ["1 minute", "1 day", "5 minutes", "1 hour"], "Remove job-run records older than 30 days."),
    ],
)
def test_jobs_page_speaks_the_readers_language(world, login, language, every, description):
    client = login(world.county_admin)
    client.cookies["django_language"] = language
    page = client.get(reverse("notify:jobs")).content.decode()
    cells = re.findall(r"<td>([^<]*)</td>", page)
    for text in every:
        assert text in cells, text
    assert description in page and "0:00:00" not in page and "day," not in page
