"""In a real browser on a 360 px phone (issue 15's "done when"): a cadre records a training session and checks
three villagers in at the desk (by name, by pinyin); one of them then raises a concern alone on their own
phone; the village's figure "now does it alone" shows 1 of 3. A lesson page in normal and elder mode. Practice
mode in elder mode: the banner on every page, a concern "sent" and nothing kept.
Screenshots: test-artifacts/screenshots/learning-*."""

import re

import pytest
from playwright.sync_api import expect

from cunzhi.concerns.models import Category, Clock, Concern, Level, RoutingRule
from cunzhi.learning.models import TrainingAttendance
from cunzhi.people.models import Role, RoleAssignment
from cunzhi.people.tests.factories import UserFactory, VillagerFactory

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def lw(transactional_db, world):
    roads = Category.objects.create(
        code="roads", name="道路照明", name_en="Roads and lights", clock=Clock.UTILITIES, level=Level.VILLAGE
    )
    RoutingRule.objects.create(category=roads, region=world.county, level=Level.VILLAGE, responsible=world.cadre_a)
    user = UserFactory(phone="13900000005", name="王五")
    VillagerFactory(name="王五", village=world.village_a, group=world.group_a1, user=user, phone="13900000005")
    world.wangwu = user
    RoleAssignment.objects.filter(user=world.cadre_a).update(role=Role.CADRE)
    return world


def _both(page, live_server, name):
    """A screenshot in normal text and one in elder mode (large text), each without sideways scrolling."""
    shot(page, f"learning-{name}")
    assert horizontal_overflow(page) <= 1, name
    page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    page.reload()
    shot(page, f"learning-{name}-elder")
    assert horizontal_overflow(page) <= 1, name
    page.context.clear_cookies(name="text_size")


@pytest.mark.both_databases
def test_record_a_session_check_in_three_one_raises_a_concern_alone(lw, open_page, live_server):
    a = lw.village_a.code
    cadre = open_page(PHONE)
    log_in(cadre, lw.cadre_a.phone, lw.password)
    cadre.goto(f"/learning/v/{a}/new/")
    _both(cadre, live_server, "record")
    # From midnight: the concern raised below, on the wall clock, comes after the session began.
    cadre.locator("#id_start_time").fill("00:00")
    cadre.locator("#id_topic").select_option("concern")
    cadre.locator("#id_trainer_kind").select_option("cadre")
    cadre.locator("#id_trainer_name").fill("王书记")
    cadre.locator("#id_place").fill("村文化礼堂")
    cadre.locator("main form button[type=submit]").click()
    expect(cadre).to_have_url(re.compile(r"/learning/s/[\w-]+/$"))
    session_url = cadre.url
    # The desk: find each attendee by part of the name or the start of the pinyin, and check them in.
    for term, name in (("张三", "张三"), ("zhangxiao", "张小明"), ("wang", "王五")):
        cadre.locator("#id_q").fill(term)
        cadre.locator("form[role=search] button").click()
        cadre.locator(".desk-result", has_text=name).locator("button").click()
        expect(cadre.locator("main table")).to_contain_text(name)
    assert TrainingAttendance.objects.count() == 3
    cadre.goto(session_url)
    _both(cadre, live_server, "desk")

    # 王五 raises a concern on his own phone, with his own account: nobody helps.
    villager = open_page(PHONE)
    log_in(villager, lw.wangwu.phone, lw.password)
    villager.goto("/concerns/new/")
    villager.locator("input[name=kind][value=report]").check()
    villager.locator("#id_category").select_option("roads")
    villager.locator("#id_text").fill("培训后自己试一试：桥头的路灯坏了两盏")
    villager.locator("button[name=action][value=submit]").click()
    expect(villager).to_have_url(re.compile(r"/concerns/[\w-]+/$"))

    cadre.goto(f"/learning/v/{a}/")
    expect(cadre.locator("#outcome [data-alone]")).to_have_text("1")
    expect(cadre.locator("#outcome [data-trained]")).to_have_text("3")
    _both(cadre, live_server, "village")
    cadre.goto(session_url)
    expect(cadre.locator("main table")).to_contain_text("✓")


def test_a_lesson_page_in_normal_and_elder_mode(lw, open_page, live_server):
    page = open_page(PHONE)
    page.goto("/learning/lessons/concern/")
    expect(page.locator("main h1")).to_be_visible()
    # Every picture loads (they are real files, not broken links).
    for img in page.locator("img.step-picture").all():
        img.scroll_into_view_if_needed()
        assert page.evaluate("(el) => el.complete && el.naturalWidth > 0", img.element_handle())
    _both(page, live_server, "lesson")


@pytest.mark.both_databases
def test_practice_mode_in_elder_mode_shows_the_banner_and_keeps_nothing(lw, open_page, live_server):
    page = open_page(PHONE)
    log_in(page, lw.villager_a.phone, lw.password)
    page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    page.goto("/learning/lessons/concern/")
    page.locator("form[action='/learning/practice/']").scroll_into_view_if_needed()
    shot(page, "learning-practice-lesson-elder")
    page.locator("form[action='/learning/practice/'] button").click()  # 先练习一下：不会发送
    expect(page).to_have_url(re.compile(r"/concerns/new/"))
    banner = page.locator("#practice-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("练习 — 不会发送")
    assert horizontal_overflow(page) <= 1
    shot(page, "learning-practice-new-elder")
    page.locator("input[name=kind][value=report]").check()
    page.locator("#id_category").select_option("roads")
    page.locator("#id_text").fill("练习：桥头的路灯坏了两盏")
    page.locator("button[name=action][value=submit]").click()
    # The real result page, still under the banner; nothing was kept.
    expect(page.locator("main")).to_contain_text("练习：桥头的路灯坏了两盏")
    expect(banner).to_be_in_viewport()
    page.mouse.wheel(0, 600)
    expect(banner).to_be_in_viewport()  # it stays at the top while scrolling
    page.mouse.wheel(0, -600)
    assert horizontal_overflow(page) <= 1
    shot(page, "learning-practice-sent-elder")
    assert not Concern.objects.exists()
    banner.locator("button").click()  # 结束练习
    expect(page.locator("#practice-banner")).to_have_count(0)
    expect(page.locator(".messages")).to_contain_text("练习结束了")
