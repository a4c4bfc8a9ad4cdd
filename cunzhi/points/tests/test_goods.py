"""The points supermarket's goods and counter: a household found by name, pinyin, phone or QR code; points and
stock deducted in one transaction; beyond the balance or the stock refused with nothing changed; two counters
selling the last item at once: exactly one succeeds (threads on PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse

from cunzhi.people.tests.factories import HouseholdFactory, VillagerFactory
from cunzhi.points import selectors, services
from cunzhi.points.models import Entry, EntryKind, Goods


@pytest.fixture
def shop(world, pw):
    services.base_grant_apply(village=world.village_a, actor=world.cadre_a)  # 10 points each
    soap = services.goods_set(village=world.village_a, name="肥皂", points=4, stock=5, actor=world.cadre_a)
    rice = services.goods_set(village=world.village_a, name="大米5公斤", points=8, stock=1, actor=world.cadre_a)
    return soap, rice


def test_the_counter_deducts_points_and_stock_together(world, pw, shop):
    soap, rice = shop
    entry = services.counter_redeem(household=world.household_a, goods=soap, quantity=2, actor=world.cadre_a)
    soap.refresh_from_db()
    assert (entry.points, entry.kind, entry.quantity, soap.stock) == (-8, EntryKind.REDEMPTION, 2, 3)
    assert selectors.balance(household=world.household_a) == 2
    with pytest.raises(ValidationError, match="Not enough points"):
        services.counter_redeem(household=world.household_a, goods=soap, quantity=1, actor=world.cadre_a)
    with pytest.raises(ValidationError, match="left in stock"):
        services.counter_redeem(household=pw.house2, goods=rice, quantity=2, actor=world.cadre_a)
    soap.refresh_from_db()
    rice.refresh_from_db()
    assert (soap.stock, rice.stock, selectors.balance(household=pw.house2)) == (3, 1, 10)  # nothing changed
    with pytest.raises(PermissionDenied):
        services.counter_redeem(household=pw.house2, goods=rice, quantity=1, actor=world.villager_a)
    with pytest.raises(PermissionDenied):
        services.goods_set(village=world.village_a, name="x", points=1, stock=1, actor=world.township_staff)
    with pytest.raises(ValidationError):
        services.goods_set(village=world.village_a, name="x", points=0, stock=1, actor=world.cadre_a)


def test_the_counter_finds_households(world, pw, shop):
    assert [h.pk for h in selectors.counter_search(villages=[world.village_a], term="王五")] == [pw.house2.pk]
    assert [h.pk for h in selectors.counter_search(villages=[world.village_a], term="wangwu")] == [pw.house2.pk]
    assert [h.pk for h in selectors.counter_search(villages=[world.village_a], term="0002")] == [pw.house2.pk]
    qr = "https://cunzhi.example/points/h/" + pw.house2.public_id + "/"
    found = selectors.counter_search(villages=[world.village_a], term=qr)
    assert [h.pk for h in found] == [pw.house2.pk] and found[0].balance == 10
    assert selectors.counter_search(villages=[world.village_a], term="李四") == []  # another village's villager


@pytest.mark.parametrize("who", ["anonymous", "villager_a", "villager_b", "other_township_staff", "township_staff"])
def test_the_counter_page_is_for_cadres(client, world, pw, shop, who):
    if who != "anonymous":
        client.force_login(getattr(world, who))
    url = reverse("points:counter", args=[world.village_a.code])
    response = client.get(url)
    assert response.status_code in (302, 403, 404)
    client.post(url, {"household": pw.house2.public_id, "goods": shop[0].public_id, "quantity": 1})
    assert Goods.objects.get(pk=shop[0].pk).stock == 5


def test_the_counter_page_redeems(client, world, pw, shop, django_assert_max_num_queries):
    client.force_login(world.cadre_a)
    url = reverse("points:counter", args=[world.village_a.code])
    client.get(url + "?q=王")
    for i in range(10):
        house = HouseholdFactory(village=world.village_a, group=world.group_a1, number=f"A01{i:02}")
        VillagerFactory(name=f"王{i}", village=world.village_a, household=house)
    with django_assert_max_num_queries(20):  # ten households or a hundred: no query per row
        page = client.get(url + "?q=王")
    assert page.status_code == 200 and "王五" in page.content.decode()  # the shop-keeper sees whom they serve
    done = client.post(url, {"household": pw.house2.public_id, "goods": shop[0].public_id, "quantity": "2"})
    assert done.status_code == 302
    assert Goods.objects.get(pk=shop[0].pk).stock == 3
    bad = client.post(url, {"household": pw.house2.public_id, "goods": shop[0].public_id, "quantity": "abc"})
    assert bad.status_code == 302 and Goods.objects.get(pk=shop[0].pk).stock == 3
    added = client.post(url, {"action": "goods", "name": "毛巾", "points": "3", "stock": "10", "active": "on"})
    assert added.status_code == 302 and Goods.objects.filter(name="毛巾", stock=10).exists()


def test_api_goods_and_counter(client, world, pw, shop):
    client.force_login(world.cadre_a)
    base = f"/api/v1/points/villages/{world.village_a.code}"
    assert [g["stock"] for g in client.get(f"{base}/goods").json()] == [5, 1]
    body = {"household": pw.house2.public_id, "goods": shop[1].public_id, "quantity": 1}
    made = client.post(f"{base}/counter", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["points"] == -8
    again = client.post(f"{base}/counter", body, content_type="application/json")
    assert again.status_code == 422
    client.force_login(world.villager_a)
    assert client.post(f"{base}/counter", body, content_type="application/json").status_code == 403
    client.force_login(world.villager_b)
    assert client.get(f"{base}/goods").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_last_item_sold_at_two_counters_at_once_goes_once(world, pw, clock):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (the in-memory SQLite test database takes one)")
    services.base_grant_apply(village=world.village_a, actor=world.cadre_a)
    rice = services.goods_set(village=world.village_a, name="大米5公斤", points=8, stock=1, actor=world.cadre_a)
    houses = [world.household_a, pw.house2] * 4  # eight counters; the same household twice at once, too
    barrier = threading.Barrier(len(houses))
    results: list[str] = []

    def sell(house):
        try:
            barrier.wait()
            services.counter_redeem(household=house, goods=rice, quantity=1, actor=world.cadre_a)
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sell, args=(h,)) for h in houses]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rice.refresh_from_db()
    assert sorted(results) == ["ok"] + ["refused"] * 7
    assert rice.stock == 0
    assert Entry.objects.filter(goods=rice).count() == 1
    total = sum(selectors.balance(household=h) for h in (world.household_a, pw.house2))
    assert total == 20 - 8  # balances equal the sum of entries: no double spend


def test_a_serious_violation_suspends_redemption_this_year_and_next(world, pw, shop, clock):
    import datetime as dt

    from django.utils import timezone

    with pytest.raises(ValidationError):  # only a deduction suspends
        services.adoption_set(
            village=world.village_a,
            item=pw.cleanup,
            points=6,
            yearly_cap=18,
            actor=world.cadre_a,
            suspends_redemption=True,
        )
    services.adoption_set(
        village=world.village_a, item=pw.litter, points=5, yearly_cap=0, actor=world.cadre_a, suspends_redemption=True
    )
    entry = services.entry_declare(
        adoption=pw.adopt_litter,
        household=pw.house2,
        occurred_on=timezone.localdate(),
        description="焚烧秸秆",
        actor=pw.representative,
    )
    services.entry_review(entry=entry, approve=True, reason="执法记录为证", actor=world.cadre_a)
    services.entries_count_due(now=timezone.now() + dt.timedelta(days=8))
    assert selectors.redemption_suspended_until(household=pw.house2) == timezone.localdate().year + 1
    with pytest.raises(ValidationError, match="suspended"):
        services.counter_redeem(household=pw.house2, goods=shop[0], quantity=1, actor=world.cadre_a)
    with pytest.raises(ValidationError, match="suspended"):
        services.redemption_record(household=pw.house2, goods="肥皂", points=1, actor=world.cadre_a)
    services.counter_redeem(household=world.household_a, goods=shop[0], quantity=1, actor=world.cadre_a)


@pytest.mark.parametrize("who", ["anonymous", "villager_b", "other_township_staff", "other_office_staff"])
def test_the_printable_board_is_the_villages(client, world, pw, who, request):
    from cunzhi.points.tests.conftest import posted

    posted(world, pw)
    user = request.getfixturevalue("other_office_staff") if who == "other_office_staff" else getattr(world, who, None)
    if user is not None:
        client.force_login(user)
    assert client.get(reverse("points:board_print", args=[world.village_a.code])).status_code in (302, 404)


def test_the_printable_board_shows_masked_names(client, world, pw):
    from cunzhi.points.tests.conftest import posted

    posted(world, pw)
    client.force_login(world.villager_a)
    page = client.get(reverse("points:board_print", args=[world.village_a.code]) + "?days=abc")
    body = page.content.decode()
    assert page.status_code == 200 and "张*" in body and "照片属实" in body and "张三" not in body.split("<main")[-1]


def test_yearly_close_resets_or_carries_per_rule_once(world, pw, shop, clock):
    import datetime as dt

    from cunzhi.points.models import VillageRule

    with pytest.raises(ValidationError):  # the current year is not over
        services.year_close(village=world.village_a, year=2026, actor=world.cadre_a)
    clock.move_to(dt.datetime(2027, 1, 3, 9, 0, tzinfo=dt.UTC))
    assert services.year_close(village=world.village_a, year=2026, actor=world.cadre_a) == 0  # carry: kept
    assert selectors.balance(household=world.household_a) == 10
    with pytest.raises(ValidationError):
        services.year_close(village=world.village_a, year=2026, actor=world.cadre_a)
    VillageRule.objects.filter(village=world.village_a).update(year_end="reset", closed_years=[])
    with pytest.raises(PermissionDenied):
        services.year_close(village=world.village_a, year=2026, actor=world.villager_a)
    assert services.year_close(village=world.village_a, year=2026, actor=world.cadre_a) >= 2
    assert selectors.balance(household=world.household_a) == 0
    assert Entry.objects.filter(kind=EntryKind.CLOSE, year=2026).count() >= 2
