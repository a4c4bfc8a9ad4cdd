""" "Who viewed my data" on a phone (issue 12, item 26): each access reads as one entry, the viewer's
name on one line and their office shown, in normal and larger text."""

import pytest
from django.urls import reverse

from cunzhi.people.models import AccessKind, DataAccess

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]

LONG_PURPOSE = (
    "Application 20261203-123456 “最低生活保障” reused records: 居民身份证、户口簿"
    "（《国务院关于加快推进政务服务标准化规范化便利化的指导意见》（国发〔2022〕5号））"
)


@pytest.fixture
def accesses(transactional_db, world):
    villager = world.villager_a.villager
    DataAccess.objects.create(
        subject=villager,
        actor=world.township_staff,
        actor_name="赵干事",
        actor_office="递铺街道民政办 · 工作人员",
        kind=AccessKind.DATA_REUSE,
        purpose=LONG_PURPOSE,
        region_code=villager.region_code,
        times=3,
    )
    DataAccess.objects.create(
        subject=villager,
        actor=world.cadre_a,
        actor_name="王书记",
        actor_office="鹤鹿溪村 · 村两委成员",
        kind=AccessKind.STAFF_READ,
        purpose="Looked up the record",
        region_code=villager.region_code,
    )
    return world


@pytest.mark.parametrize("large", [False, True])
def test_each_access_is_one_readable_entry_on_a_phone(accesses, open_page, live_server, large):
    page = open_page(PHONE)
    if large:
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    log_in(page, accesses.villager_a.phone, accesses.password)
    page.goto(reverse("people:data_access"))
    main = page.locator("main")
    assert horizontal_overflow(page) <= 0
    assert main.get_by_text("国发〔2022〕5号", exact=False).count() == 1  # the reuse: one entry
    for name, office in (("赵干事", "递铺街道民政办"), ("王书记", "鹤鹿溪村")):
        who = main.get_by_text(name, exact=True)
        box = who.bounding_box()
        line = who.evaluate(
            "e => parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.6"
        )
        assert box["height"] < 1.5 * line, f"{name} wraps: {box['height']}px for a {line}px line"
        assert main.get_by_text(office).is_visible(), f"{office} is not shown"
    shot(page, f"data-access-phone{'-large' if large else ''}")
