"""In a real browser, on a phone: a village cadre reads the texts villagers sent that no automatic
reply took, in normal and larger text, and marks one as dealt with."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cunzhi.notify import sms

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def texts(transactional_db, world, settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", str(tmp_path)
    long_word = "https://example.org/" + "x" * 120
    sms.inbound_receive(
        gateway_id="1", sender="13900000001", receiver="106900001", text="村口的路灯坏了三天了，晚上很黑。"
    )
    sms.inbound_receive(gateway_id="2", sender="13900000001", receiver="106900001", text=long_word)
    return world


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
def test_cadre_reads_and_closes_texts_on_a_phone(texts, open_page, live_server, large):
    page = open_page(PHONE)
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    log_in(page, texts.cadre_a.phone, texts.password)
    page.goto(reverse("notify:sms_queue"))
    rows = page.locator("main li.card")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("村口的路灯坏了三天了")
    expect(rows.first).to_contain_text(texts.villager_a.name)  # who sent it, from the roster
    assert horizontal_overflow(page) <= 0
    shot(page, f"sms-queue-phone{'-large' if large else ''}")
    rows.first.locator("button[type=submit]").click()
    expect(page.locator("main li.card")).to_have_count(1)


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
def test_villager_logs_in_with_a_code_by_text_on_a_phone(texts, open_page, live_server, tmp_path, large):
    world = texts  # the test world, committed, with SMS written to tmp_path
    page = open_page(PHONE)
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    suffix = "-large" if large else ""
    page.goto(reverse("login"))
    page.locator(f"a[href='{reverse('code_login')}']").click()
    page.locator("#id_phone").fill(world.villager_a.phone)
    assert horizontal_overflow(page) <= 0
    shot(page, f"code-login-phone{suffix}")
    page.locator("main form button[type=submit]").click()
    (text,) = [p.read_text(encoding="utf-8") for p in tmp_path.glob("*.txt")]
    code = re.search(r"(?<!\d)\d{6}(?!\d)", text).group(0)
    page.locator("#id_code").fill(code)
    assert horizontal_overflow(page) <= 0
    shot(page, f"code-login-enter-phone{suffix}")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(world.villager_a.name)


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
def test_cadre_ticks_the_door_to_door_list_on_a_phone(texts, open_page, live_server, large):
    from cunzhi.notify import services

    notice = services.notice_send(
        kind="announcement", region_code=texts.village_a.code, sender=texts.cadre_a, subject={"zh-hans": "周日开会"}
    )
    page = open_page(PHONE)
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    log_in(page, texts.cadre_a.phone, texts.password)
    page.goto(reverse("notify:door_list", args=[notice.public_id]))
    row = page.locator("table.door tbody tr", has_text=texts.villager_a.name)
    row.locator("button[value=not_home]").click()
    expect(page.locator("table.door tbody tr", has_text=texts.villager_a.name)).to_contain_text("不在家")
    assert horizontal_overflow(page) <= 0
    shot(page, f"door-list-phone{'-large' if large else ''}")
    page.locator("table.door tbody tr", has_text=texts.villager_a.name).locator("button[value=told]").click()
    expect(page.locator("table.door tbody tr", has_text=texts.villager_a.name)).to_have_count(0)
