"""In a real browser, on a phone: a villager working away from home receives the meeting notice, opens
the meeting page, checks in remotely, sees the motion appear without reloading, votes, and sees the
result and the minutes. The chair's side runs through the services (as the cadre's own pages do)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def meeting_world(transactional_db, world):
    """World committed for the live server; 张三 works in Hangzhou; a villagers' meeting in session."""
    from cunzhi.meetings import services
    from cunzhi.meetings.tests.conftest import add_villagers

    v = world.villager_a.villager
    v.living_away, v.away_city = True, "杭州"
    v.save()
    others = add_villagers(world.village_a, 3)
    meeting = services.meeting_create(
        actor=world.cadre_a,
        village=world.village_a,
        body="villagers",
        title="村道硬化工程表决",
        agenda="一、村道硬化工程方案\n二、工程资金筹集",
        place="鹤鹿溪村村委会",
        starts_at=timezone.now() + dt.timedelta(minutes=15),
        stream_url="https://live.example.cn/hlx/index.m3u8",
    )
    services.meeting_notice_send(
        actor=world.cadre_a, meeting=meeting, urgent=True, urgent_reason="汛期将至，工程须在雨季前开工"
    )
    services.meeting_open(actor=world.cadre_a, meeting=meeting)
    for o in others[:2]:
        services.attendance_check_in(
            actor=world.cadre_a, meeting=meeting, member=meeting.members.get(villager=o), at_venue=True
        )
    world.meeting = meeting
    return world


def test_member_away_checks_in_votes_and_sees_result_and_minutes(meeting_world, open_page):
    from cunzhi.meetings import services
    from cunzhi.meetings.models import Attendance, Ballot

    w, meeting = meeting_world, meeting_world.meeting
    page = open_page(PHONE)
    log_in(page, w.villager_a.phone, w.password)

    # The notice is in the inbox, with the agenda and the remote-attendance link.
    page.goto("/notify/inbox/")
    page.locator("ul.inbox a").first.click()
    body = page.locator("main .card")
    expect(body).to_contain_text("村道硬化工程方案")
    expect(body).to_contain_text(f"/meetings/{meeting.public_id}/")
    expect(body).to_contain_text("invite.ics")
    shot(page, "meetings-notice-phone")

    # The meeting page: stream, check in remotely.
    page.goto(f"/meetings/{meeting.public_id}/")
    expect(page.locator("h1")).to_contain_text("村道硬化工程表决")
    expect(page.locator("#stream a.button")).to_have_attribute("href", re.compile("m3u8"))
    expect(page.locator("#live")).to_contain_text("2")
    page.locator("#mine button[name=check_in]").click()
    expect(page.locator("#mine")).to_contain_text("签到")
    assert Attendance.objects.filter(meeting=meeting, member__user=w.villager_a, mode="remote").exists()
    expect(page.locator("#live .quorum-verdict")).to_contain_text("已达到法定人数")
    shot(page, "meetings-checked-in-phone")
    assert horizontal_overflow(page) <= 0

    # The chair puts a motion to the vote: it appears on the phone within 3 seconds, no reload.
    marker = page.evaluate("() => { window.__notReloaded = true; return true; }")
    assert marker
    motion = services.motion_add(
        actor=w.cadre_a, meeting=meeting, title="村道硬化工程方案", text="硬化村道800米，预算32万元。"
    )
    services.motion_open(actor=w.cadre_a, motion=motion)
    expect(page.locator("#live .floor")).to_contain_text("村道硬化工程方案", timeout=3000)
    expect(page.locator("#mine form.vote")).to_be_visible(timeout=3000)
    assert page.evaluate("() => window.__notReloaded === true")
    shot(page, "meetings-motion-on-the-floor-phone")

    page.locator("#mine form.vote input[value=yes]").check()
    page.locator("#mine form.vote button[type=submit]").click()
    expect(page.locator("#mine")).to_contain_text("已记录")
    assert Ballot.objects.get(motion=motion).choice == "yes"

    # Others vote at the venue; the chair closes the vote: the result shows without reloading.
    page.evaluate("() => { window.__notReloaded = true; }")
    venue = meeting.members.exclude(user=w.villager_a).filter(attendances__isnull=False).first()
    services.ballot_cast(actor=w.cadre_a, motion=motion, member=venue, choice="yes")
    services.motion_close(actor=w.cadre_a, motion=motion)
    expect(page.locator("#live .results")).to_contain_text("通过", timeout=3000)
    expect(page.locator("#live .results")).to_contain_text("赞成2")
    assert page.evaluate("() => window.__notReloaded === true")
    shot(page, "meetings-result-phone")

    # Minutes published: on the page and as a PDF.
    services.meeting_close(actor=w.cadre_a, meeting=meeting)
    services.minutes_save(
        actor=w.cadre_a, meeting=meeting, minutes="会议由王书记主持，到会村民表决通过村道硬化工程方案。"
    )
    services.minutes_publish(actor=w.cadre_a, meeting=meeting)
    page.reload()
    expect(page.locator("#minutes")).to_contain_text("王书记主持")
    pdf = page.request.get(f"/meetings/{meeting.public_id}/minutes.pdf")
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
    shot(page, "meetings-minutes-phone")
    assert horizontal_overflow(page) <= 0


def test_chair_and_desk_pages_on_desktop(meeting_world, open_page):
    w, meeting = meeting_world, meeting_world.meeting
    page = open_page()
    log_in(page, w.cadre_a.phone, w.password)
    page.goto(f"/meetings/{meeting.public_id}/desk/?q=zhang")
    expect(page.locator("main")).to_contain_text("张三")
    page.locator(".desk-result form button").first.click()
    expect(page.locator(".messages")).to_contain_text("签到")
    shot(page, "meetings-desk-desktop")
    page.goto(f"/meetings/{meeting.public_id}/")
    expect(page.locator("#chair")).to_be_visible()
    shot(page, "meetings-chair-desktop")
    page.goto(f"/meetings/{meeting.public_id}/attendance/")
    expect(page.locator("table")).to_contain_text("签到台")
    shot(page, "meetings-who-counted-desktop")
    page.goto("/meetings/")
    shot(page, "meetings-index-desktop")
