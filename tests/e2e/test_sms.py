"""In a real browser, on a phone: a village cadre reads the texts villagers sent that no automatic
reply took, in normal and larger text, and marks one as dealt with."""

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
