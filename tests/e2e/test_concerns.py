"""In a real browser: a villager raises a concern with a photo (similar concerns show while typing), the
responsible leader answers, the villager rates it; then the clock runs past a deadline and the
escalation shows. Selectors use ids and names, not wording."""

import datetime as dt
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from cunzhi.concerns import services
from cunzhi.concerns.models import Category, Clock, Concern, Kind, Level, RoutingRule, Status

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def people(transactional_db, world, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    roads = Category.objects.create(
        code="roads", name="道路照明", name_en="Roads and lights", clock=Clock.UTILITIES, level=Level.VILLAGE
    )
    RoutingRule.objects.create(category=roads, region=world.county, level=Level.VILLAGE, responsible=world.cadre_a)
    world.roads = roads
    return world


def _photo(tmp_path):
    path = tmp_path / "lamp.jpg"
    Image.new("RGB", (320, 240), (90, 120, 160)).save(path, "JPEG")
    return str(path)


def test_whole_loop_raise_answer_rate(people, open_page, tmp_path):
    # Someone in the village already reported a broken street light.
    services.concern_submit(
        actor=people.helper, category=people.roads, kind=Kind.REPORT, text="村口的路灯坏了，晚上很黑"
    )
    villager = open_page(PHONE)
    log_in(villager, people.villager_a.phone, people.password)
    villager.goto("/concerns/new/")
    villager.locator("input[name=kind][value=report]").check()
    villager.locator("#id_category").select_option("roads")
    villager.locator("#id_text").fill("桥头的路灯坏了两盏")
    # Similar open concerns of the village appear while typing (script), without sending anything.
    expect(villager.locator("#similar-box")).to_contain_text("村口的路灯坏了")
    villager.locator("#id_photos").set_input_files(_photo(tmp_path))
    shot(villager, "concerns-raise-phone")
    assert horizontal_overflow(villager) == 0
    villager.locator("button[name=action][value=submit]").click()
    expect(villager).to_have_url(re.compile(r"/concerns/[\w-]+/$"))
    expect(villager.locator(".photos img")).to_have_count(1)
    concern = Concern.objects.get(villager=people.villager_a.villager)
    assert concern.owner == people.cadre_a and concern.photo_count == 1
    shot(villager, "concerns-detail-villager-phone")

    leader = open_page()
    log_in(leader, people.cadre_a.phone, people.password)
    leader.goto("/concerns/")
    leader.locator(f"a[href='/concerns/{concern.public_id}/']").first.click()
    leader.locator("#ack-form button[type=submit]").click()
    leader.locator("#id_text").fill("已安排电工，今天下午更换灯泡。")
    leader.locator("#answer-form button[type=submit]").click()
    expect(leader.locator(".answer")).to_contain_text("已安排电工")
    shot(leader, "concerns-detail-leader-desktop")

    villager.reload()
    villager.locator("#confirm-form input[name=rating][value=satisfied]").check()
    villager.locator("#id_comment").fill("修得很快，谢谢")
    villager.locator("#confirm-form button[type=submit]").click()
    expect(villager.locator(".timeline")).to_contain_text("修得很快")
    concern.refresh_from_db()
    assert concern.status == Status.RESOLVED and concern.rating == "satisfied"
    shot(villager, "concerns-resolved-phone")
    assert horizontal_overflow(villager) == 0


def test_clock_runs_past_deadline_and_escalation_shows(people, open_page):
    concern = services.concern_submit(
        actor=people.villager_a, category=people.roads, kind=Kind.REPORT, text="水渠堵了，田里的水排不出去"
    )
    # Its acknowledge deadline (working hours) passes with nobody acknowledging it: the periodic job
    # escalates it to the township.
    services.concerns_escalate_due(now=concern.due_at + dt.timedelta(minutes=1))
    page = open_page()
    log_in(page, people.township_staff.phone, people.password)
    page.goto("/concerns/list/?due=escalated")
    expect(page.locator("main table")).to_contain_text(concern.number)
    shot(page, "concerns-escalated-list-desktop")
    page.goto(f"/concerns/{concern.public_id}/")
    expect(page.locator(".timeline")).to_contain_text("赵干事")  # told at the township
    shot(page, "concerns-escalated-detail-desktop")
    villager = open_page(PHONE)
    log_in(villager, people.villager_a.phone, people.password)
    villager.goto(f"/concerns/{concern.public_id}/")
    expect(villager.locator(".badge.warn").first).to_be_visible()
    villager.goto(f"/concerns/board/{people.village_a.code}/")
    expect(villager.locator("main")).to_contain_text("水渠堵了")
    shot(villager, "concerns-board-phone")
    assert horizontal_overflow(villager) == 0
