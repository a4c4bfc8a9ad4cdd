# ruff: noqa: F811  (fixtures imported from the domains' conftest files are parameters here)
"""In a real browser on a 360 px phone: a villager signs up for the volunteer team's clean-up, the team leader
checks them in at the desk (found by pinyin) on the day and confirms their hours; the outcomes job proposes the
village's volunteer points from it, and the representative reviews them with a reason: posted on the board.
Screenshots of each page in normal and elder mode: test-artifacts/screenshots/organisations-*."""

import pytest

from cunzhi.organisations.models import Participant
from cunzhi.organisations.tests.conftest import org, to_activity_day  # noqa: F401  (fixtures)
from cunzhi.points import outcomes, services
from cunzhi.points.models import Entry, EntryStatus
from cunzhi.points.tests.conftest import pw  # noqa: F401  (the points fixture)

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]


def _both(page, live_server, name):
    """A screenshot in normal text and one in elder mode (large text), each without sideways scrolling."""
    shot(page, f"organisations-{name}")
    assert horizontal_overflow(page) <= 1, name
    page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    page.reload()
    shot(page, f"organisations-{name}-elder")
    assert horizontal_overflow(page) <= 1, name
    page.context.clear_cookies(name="text_size")


def test_sign_up_check_in_hours_points_proposed_and_reviewed(
    transactional_db, world, pw, org, open_page, live_server, clock
):
    services.adoption_set(
        village=world.village_a, item=pw.cleanup, points=6, yearly_cap=18, actor=world.cadre_a, outcome="activity"
    )
    act = org.activity

    villager = open_page(PHONE)
    log_in(villager, world.villager_a.phone, world.password)
    villager.goto(f"/organisations/o/{org.team.public_id}/")
    _both(villager, live_server, "team")
    villager.goto(f"/organisations/a/{act.public_id}/")
    _both(villager, live_server, "activity")
    with villager.expect_navigation():
        villager.locator("main form[action$='/signup/'] button").first.click()
    assert Participant.objects.filter(activity=act, villager=world.villager_a.villager).exists()
    villager.goto(f"/organisations/a/{act.public_id}/code/")
    _both(villager, live_server, "code")

    to_activity_day(clock, org)
    leader = open_page(PHONE)
    log_in(leader, org.leader.phone, world.password)
    leader.goto(f"/organisations/a/{act.public_id}/desk/?q=zhang")
    _both(leader, live_server, "desk")
    with leader.expect_navigation():
        leader.locator("main li form button").first.click()
    assert Participant.objects.get(activity=act, villager=world.villager_a.villager).checked_in_at is not None
    leader.goto(f"/organisations/a/{act.public_id}/hours/")
    _both(leader, live_server, "hours")
    leader.locator("main form input[name^=hours_]").first.fill("2.5")
    with leader.expect_navigation():
        leader.locator("main form button[type=submit]").click()
    _both(leader, live_server, "done")

    assert outcomes.propose_from_outcomes() == 1  # the hourly job
    entry = Entry.objects.get(source__startswith="activity:")
    assert entry.status == EntryStatus.DECLARED

    rep = open_page(PHONE)
    log_in(rep, pw.representative.phone, world.password)
    rep.goto(f"/points/v/{world.village_a.code}/review/")
    assert "鹤鹿溪村志愿服务队" in rep.content()
    _both(rep, live_server, "points-review")
    rep.goto(f"/points/e/{entry.public_id}/")
    rep.locator("#review textarea").fill("签到和工时属实")
    with rep.expect_navigation():
        rep.locator("#review button[value=approve]").click()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.POSTED
