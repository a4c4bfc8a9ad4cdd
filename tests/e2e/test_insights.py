"""In a real browser on a 360 px phone: the township's figures for a month show trends with a server-drawn
sparkline, a number opens the cases behind it, a flag opens its cases, and the one table downloads with the
page's numbers. Screenshots in normal and elder mode: test-artifacts/screenshots/insights-*."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cunzhi.insights import services
from cunzhi.insights.tests.test_rollups import DAY1, DAY2, notices  # noqa: F401  (the fixture)

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]


def _both(page, live_server, name):
    shot(page, f"insights-{name}")
    assert horizontal_overflow(page) <= 1, name
    page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    page.reload()
    shot(page, f"insights-{name}-elder")
    assert horizontal_overflow(page) <= 1, name
    page.context.clear_cookies(name="text_size")


def test_figures_sparkline_drill_through_and_one_table(transactional_db, world, notices, open_page, live_server):  # noqa: F811
    services.rollup_range(DAY1, DAY2)
    page = open_page(PHONE)
    log_in(page, world.township_staff.phone, world.password)
    page.goto(f"/figures/?region={world.township_t.code}&period=2026-05")
    assert page.locator("svg.sparkline").count() >= 5, page.content()[:3000]
    row = page.locator("li.trend", has=page.locator("h3", has_text="通知送达率"))
    assert "41.7 %" in row.inner_text() and "5/12" in row.inner_text()
    _both(page, live_server, "figures")

    with page.expect_navigation():
        row.locator("strong a").first.click()
    assert "/figures/cases/" in page.url and "共 2 件。" in page.content()
    _both(page, live_server, "cases")

    page.go_back()
    with page.expect_navigation():
        page.locator("ul.flags a").first.click()
    assert "共 1 件。" in page.content()

    page.goto(f"/figures/?region={world.township_t.code}&period=2026-05")
    with page.expect_download() as info:
        page.locator("a[href*='export.xlsx']").click()
    rows = list(load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active.values)
    col = rows[0].index("通知送达率 (%)")
    village_a = next(r for r in rows if r[1] == world.village_a.code)
    assert village_a[col : col + 3] == (41.7, 5, 12)  # the page's 41.7 % and 5/12


def test_survey_results_trend_reminder_and_who_was_asked(transactional_db, world, open_page, live_server):
    """The village cadre reads the survey quarter by quarter, reminds those who have not answered (once), and
    opens the list of those asked: names shortened, who answered marked."""
    from cunzhi.core.periods import current_quarter
    from cunzhi.insights.models import SurveyAnswer, SurveyInvite
    from cunzhi.insights.selectors import quarter_shift
    from cunzhi.people.tests.factories import VillagerFactory

    a = world.village_a
    now, before = current_quarter(), quarter_shift(current_quarter(), -1)  # reminders are for the running quarter
    asked = [VillagerFactory(village=a, name=f"王{i}宝", phone=f"1371111{i:04d}") for i in range(6)]
    for i, v in enumerate(asked):
        SurveyInvite.objects.create(quarter=now, villager=v, region_code=a.code, answered=i < 2)
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(quarter=before, region_code=a.code, channel="web", scores=[4] * 7) for _i in range(12)
    )
    page = open_page(PHONE)
    log_in(page, world.cadre_a.phone, world.password)
    page.goto(f"/figures/survey/results/?region={a.code}&period={now}")
    trend = page.locator("table.verdict-trend")
    assert before in trend.inner_text() and "100.0 %" in trend.inner_text()
    _both(page, live_server, "survey")

    with page.expect_navigation():  # the POST, then its redirect back to the results
        page.get_by_role("button", name="提醒未作答的人").click()
    assert "已向 4 位未作答的人提醒一次。" in page.content()
    assert page.get_by_role("button", name="提醒未作答的人").count() == 0  # nobody left to remind

    with page.expect_navigation():
        page.locator("a[href*='what=survey_asked']").first.click()
    text = page.content()
    assert "王**" in text and "王0宝" not in text and text.count("已作答") >= 2
    _both(page, live_server, "survey-asked")
