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
