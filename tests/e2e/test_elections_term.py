"""On a 360 px phone, in normal and elder mode: the committee's term page (members, handover overdue, an
appraisal, an audit), the supervision committee with its kinship refusal, and the county's live results.
Screenshots: test-artifacts/screenshots/elections-term-*, -supervision-*, -live-*."""

import datetime as dt

import pytest
from django.utils import timezone

from cunzhi.elections import selectors, services
from cunzhi.elections.tests.conftest import DAY, el, person  # noqa: F401  (the election fixture)
from cunzhi.elections.tests.test_term import term  # noqa: F401  (the elected committee)
from cunzhi.elections.tests.test_term_views import counting  # noqa: F401

from .helpers import PHONE, horizontal_overflow, log_in, shot
from .test_elections import _both

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_term_supervision_and_live_pages(transactional_db, world, el, term, open_page, live_server, clock, settings):  # noqa: F811
    settings.ELECTIONS_LIVE_CACHE_SECONDS = 0
    chair = services.supervision_member_add(
        village=world.village_a, villager=person(world.village_a, "郑义"), resolution="2026年6月村民会议决议",
        since=timezone.localdate(), is_chair=True, actor=world.cadre_a,
    )  # fmt: skip
    ratings = {c.public_id: (30, 5, 2) for c in selectors.sitting_members(term=term)}
    services.appraisal_record(
        term=term, held_on=timezone.localdate(), body="representatives", chair=chair, ratings=ratings,
        actor=world.cadre_a,
    )  # fmt: skip
    clock.shift(dt.timedelta(days=11).total_seconds())
    page = open_page(PHONE)
    log_in(page, world.cadre_a.phone, world.password)
    page.goto(f"/elections/e/{term.public_id}/term/")
    assert "第二十条" in page.content()
    _both(page, live_server, "term")
    page.goto(f"/elections/v/{world.village_a.code}/supervision/")
    page.locator("#members details summary").click()
    page.locator("#id_villager").select_option(el.p.li.public_id)
    page.locator("#id_resolution").fill("村民会议决议")
    page.locator("#id_since").fill(timezone.localdate().isoformat())
    with page.expect_navigation():
        page.locator("#members form.form button[type=submit]").click()
    assert "第三十二条" in page.content()
    _both(page, live_server, "supervision")
    assert horizontal_overflow(page) <= 1


def test_live_page(transactional_db, world, counting, open_page, live_server, settings):  # noqa: F811
    settings.ELECTIONS_LIVE_CACHE_SECONDS = 0
    page = open_page(PHONE)
    log_in(page, world.county_admin.phone, world.password)
    page.goto(f"/elections/live/{world.county.code}/?day={DAY.isoformat()}")
    assert "鹤鹿溪村" in page.content()
    _both(page, live_server, "live")
    shot(page, "elections-live-last")
