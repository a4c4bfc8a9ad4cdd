"""A member answers the meeting notice on a 360 px phone (normal and elder mode): three buttons, the
answer shown back; the chair sees the counts over all members. Screenshots: meeting-rsvp-*."""

import pytest
from django.test import override_settings

from cunzhi.meetings import services
from cunzhi.meetings.models import Rsvp
from cunzhi.meetings.tests.helpers import convene, member_of

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def noticed(transactional_db, world):
    meeting = convene(world)
    services.meeting_notice_send(actor=world.cadre_a, meeting=meeting)
    return meeting


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "elder-mode"])
@override_settings(LANGUAGE_CODE="zh-hans")
def test_a_member_answers_the_notice_and_the_chair_sees_the_counts(world, noticed, open_page, live_server, large):
    page = open_page(PHONE)
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    log_in(page, world.villager_a.phone, world.password)
    page.goto(f"/meetings/{noticed.public_id}/")
    buttons = page.locator("form.rsvp button[name=answer]")
    assert buttons.count() == 3
    with page.expect_navigation():
        page.locator("form.rsvp button[value=remote]").click()
    assert page.locator("form.rsvp button[value=remote][aria-pressed=true]").count() == 1
    assert member_of(noticed, world.villager_a.villager).rsvp == Rsvp.REMOTE
    assert horizontal_overflow(page) == 0
    shot(page, f"meeting-rsvp-member-{'large' if large else 'normal'}")
    page.context.clear_cookies()
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    log_in(page, world.cadre_a.phone, world.password)
    page.goto(f"/meetings/{noticed.public_id}/")
    counts = page.locator("#rsvp-counts").inner_text()
    assert str(noticed.member_count) in counts
    assert horizontal_overflow(page) == 0
    shot(page, f"meeting-rsvp-chair-{'large' if large else 'normal'}")
