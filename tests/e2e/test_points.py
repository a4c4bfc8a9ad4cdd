"""In a real browser on a 360 px phone: a villager declares points with a photo, the cadre reviews them with a
reason, they are posted on the board (names masked), a neighbour objects, the representative decides, the
period ends and the points count; the cadre records a redemption at the points supermarket, then one at the
counter, whose receipt opens. Screenshots of
each page in normal and elder mode: test-artifacts/screenshots/points-*."""

import pytest
from PIL import Image

from cunzhi.points import services
from cunzhi.points.models import Entry, EntryStatus
from cunzhi.points.tests.conftest import pw  # noqa: F401  (the points fixture)

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]


def _both(page, live_server, name):
    """A screenshot in normal text and one in elder mode (large text), each without sideways scrolling."""
    shot(page, f"points-{name}")
    assert horizontal_overflow(page) <= 1, name
    page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    page.reload()
    shot(page, f"points-{name}-elder")
    assert horizontal_overflow(page) <= 1, name
    page.context.clear_cookies(name="text_size")


def test_declare_review_post_object_count_redeem(transactional_db, world, pw, open_page, live_server, tmp_path, clock):  # noqa: F811
    a = world.village_a.code
    services.base_grant_apply(village=world.village_a, actor=world.cadre_a)
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (64, 48), "green").save(photo, "JPEG")

    villager = open_page(PHONE)
    log_in(villager, world.villager_a.phone, world.password)
    villager.goto(f"/points/v/{a}/declare/")
    _both(villager, live_server, "declare")
    villager.locator("#id_adoption").select_option(str(pw.adopt_cleanup.pk))
    villager.locator("#id_description").fill("清理村口垃圾两车")
    villager.locator("#id_evidence").set_input_files(str(photo))
    with villager.expect_navigation():
        villager.locator("main form button[type=submit]").click()
    entry = Entry.objects.get(kind="earned")
    assert entry.evidence

    cadre = open_page(PHONE)
    log_in(cadre, world.cadre_a.phone, world.password)
    cadre.goto(f"/points/v/{a}/review/")
    _both(cadre, live_server, "review")
    cadre.goto(f"/points/e/{entry.public_id}/")
    _both(cadre, live_server, "entry-review")
    cadre.locator("#review textarea").fill("组长核实，照片属实")
    with cadre.expect_navigation():
        cadre.locator("#review button[value=approve]").click()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.POSTED

    neighbour = open_page(PHONE)
    log_in(neighbour, pw.neighbour.phone, world.password)
    neighbour.goto(f"/points/v/{a}/")
    body = neighbour.content()
    assert "张*" in body and "张三" not in body
    _both(neighbour, live_server, "board")
    neighbour.goto(f"/points/e/{entry.public_id}/")
    neighbour.locator("#object textarea").fill("那天我在现场，没见到他家的人。")
    with neighbour.expect_navigation():
        neighbour.locator("#object button").click()

    rep = open_page(PHONE)
    log_in(rep, pw.representative.phone, world.password)
    rep.goto(f"/points/e/{entry.public_id}/")
    _both(rep, live_server, "objection")
    rep.locator("form[action*='/points/o/'] textarea").fill("经网格员复核，他家两人都参加了。")
    with rep.expect_navigation():
        rep.locator("form[action*='/points/o/'] button[value=dismiss]").click()

    clock.shift(8 * 86400)
    services.entries_count_due()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.COUNTED

    cadre.goto(f"/points/v/{a}/redeem/")
    _both(cadre, live_server, "redeem")
    cadre.locator("#id_household").select_option(world.household_a.public_id)
    cadre.locator("#id_goods").fill("洗衣液一瓶")
    cadre.locator("#id_points").fill("12")
    with cadre.expect_navigation():
        cadre.locator("main form button[type=submit]").click()
    assert "洗衣液一瓶" in cadre.content()
    _both(cadre, live_server, "household")  # 10 base + 6 earned − 12 = 4

    # At the counter: find the household, take goods off the shelf; the receipt opens, to print or show.
    soap = services.goods_set(village=world.village_a, name="肥皂", points=3, stock=2, actor=world.cadre_a)
    cadre.goto(f"/points/v/{a}/counter/?q=张三")
    cadre.locator(f"#g-{world.household_a.public_id}").select_option(soap.public_id)
    cadre.locator("main section.card form button[type=submit]").first.click()
    cadre.wait_for_load_state()
    receipt = Entry.objects.get(goods=soap)
    assert f"/points/e/{receipt.public_id}/receipt/" in cadre.url
    assert receipt.public_id in cadre.locator("#receipt").inner_text() and receipt.balance_after == 1
    _both(cadre, live_server, "receipt")

    office = open_page(PHONE)
    log_in(office, world.township_staff.phone, world.password)
    office.goto(f"/points/t/{world.township_t.code}/")
    _both(office, live_server, "catalogue")
    cadre.goto(f"/points/v/{a}/rules/")
    _both(cadre, live_server, "rules")
