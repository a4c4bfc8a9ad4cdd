"""In a real browser: a villager logs in with a mobile number, sees their home page, switches the
language and the text size, and the pages fit a small phone screen. Selectors use ids, names and
roles, not wording, so translations can change freely."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def people(transactional_db, world):
    """The test world, committed so the live server's thread sees it (transactional_db before world)."""
    return world


def test_villager_logs_in_with_mobile_number_and_sees_home(people, page):
    page.goto("/")
    shot(page, "anonymous-home-desktop")
    log_in(page, people.villager_a.phone, people.password)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_contain_text(people.villager_a.name)
    # Their own village and household are on the page; the logout button is there.
    main = page.locator("main")
    expect(main).to_contain_text(people.village_a.name)
    expect(main).to_contain_text(people.helper.name)  # a member of their household
    expect(page.locator("form[action='/logout/'] button")).to_be_visible()
    assert people.villager_b.name not in main.inner_text()
    shot(page, "villager-home-desktop")


def test_wrong_password_is_refused_with_a_message(people, page):
    log_in(page, people.villager_a.phone, "not-the-password")
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#id_username")).to_have_value(people.villager_a.phone)
    shot(page, "login-error-desktop")


def test_language_switches_to_english_and_back(people, page):
    log_in(page, people.villager_a.phone, people.password)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    page.locator("header button[name=language][value=en]").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/$"))  # back on the same page
    expect(page.locator("h1")).to_contain_text(people.villager_a.name)
    shot(page, "villager-home-english")
    page.locator("header button[name=language][value=zh-hans]").click()
    expect(html).to_have_attribute("lang", "zh-hans")


def test_larger_text_is_remembered_and_can_be_switched_off(people, page):
    page.goto("/login/")
    html = page.locator("html")
    normal = float(page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)"))
    page.locator("header button[name=size][value=large]").click()
    expect(html).to_have_class(re.compile(r"\btext-large\b"))
    expect(page).to_have_url(re.compile(r"/login/"))
    larger = float(page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)"))
    assert larger >= normal * 1.2
    # It works before logging in and stays on after.
    log_in(page, people.villager_a.phone, people.password)
    expect(html).to_have_class(re.compile(r"\btext-large\b"))
    shot(page, "villager-home-large-text")
    page.locator("header button[name=size][value=normal]").click()
    expect(html).not_to_have_class(re.compile(r"\btext-large\b"))


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
def test_phone_screen_has_no_horizontal_overflow(people, open_page, live_server, large):
    page = open_page(PHONE)
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    suffix = "-large" if large else ""
    page.goto("/")
    assert horizontal_overflow(page) <= 0
    shot(page, f"anonymous-home-phone{suffix}")
    page.goto("/login/")
    assert horizontal_overflow(page) <= 0
    shot(page, f"login-phone{suffix}")
    log_in(page, people.villager_a.phone, people.password)
    expect(page.locator("h1")).to_contain_text(people.villager_a.name)
    assert horizontal_overflow(page) <= 0
    # Tap targets in the header stay usable on a phone: the logout button is on screen.
    box = page.locator("form[action='/logout/'] button").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    shot(page, f"villager-home-phone{suffix}")


def _url(name: str, *args) -> str:
    return reverse(name, args=args)


def test_cadre_lists_the_villagers_of_their_own_village(people, open_page):
    url = _url("people:villager_list")
    for viewport, name in (({"width": 1280, "height": 860}, "desktop"), (PHONE, "phone")):
        page = open_page(viewport)
        log_in(page, people.cadre_a.phone, people.password)
        page.goto(url)
        table = page.get_by_role("table")
        expect(table).to_be_visible()
        expect(table).to_contain_text(people.villager_a.name)
        assert people.villager_b.name not in table.inner_text()  # village B is outside the cadre's scope
        assert horizontal_overflow(page) <= 0
        shot(page, f"cadre-villager-list-{name}")


def test_demo_county_pages_look_right(transactional_db, demo_county, open_page):
    """The demo as `make demo` shows it: the printed villager sees their family helper; the cadre lists 余村."""
    from cunzhi.demo import county as demo

    page = open_page(PHONE)
    log_in(page, demo.LOGIN_PHONES["villager"], demo.DEMO_PASSWORD)
    expect(page.locator("h1")).to_contain_text("陈国强")
    expect(page.locator("main")).to_contain_text("陈浩")  # the helper, in household and helpers
    assert horizontal_overflow(page) <= 0
    shot(page, "demo-villager-home-phone")

    url = _url("people:villager_list")
    page = open_page()
    log_in(page, demo.LOGIN_PHONES["cadre"], demo.DEMO_PASSWORD)
    page.goto(url)
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() <= 50  # a page of the village, not all of it
    shot(page, "demo-cadre-villager-list-desktop")
