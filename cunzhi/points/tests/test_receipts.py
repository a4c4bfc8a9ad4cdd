"""Issue 16's last parts: the receipt of a redemption (printable page, one notice to the household, in the API),
a township shop serving several villages, and the annual commendation list posted through disclosure."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from cunzhi.disclosure.models import Post
from cunzhi.notify.models import Notice
from cunzhi.people.tests.factories import HouseholdFactory, UserFactory, VillagerFactory
from cunzhi.points import selectors, services
from cunzhi.points.models import Commendation, Entry, EntryKind, EntryStatus, Goods, ShopKeeper, TownshipShop
from cunzhi.regions.models import Level, Region

API = "/api/v1/points"
REFUSED = ["anonymous", "villager_b", "other_township_staff", "other_office_staff"]


def receipts():
    """The receipts sent (notices whose subject is a receipt's)."""
    return [n for n in Notice.objects.order_by("pk") if n.subject.get("zh-hans", "").startswith("积分兑换凭条")]


def _login(client, world, who, request):
    if who == "other_office_staff":
        client.force_login(request.getfixturevalue("other_office_staff"))
    elif who != "anonymous":
        client.force_login(getattr(world, who))


@pytest.fixture
def shop(world, pw):
    services.base_grant_apply(village=world.village_a, actor=world.cadre_a)  # 10 points each
    return services.goods_set(village=world.village_a, name="肥皂", points=4, stock=5, actor=world.cadre_a)


# ---------------------------------------------------------------- the receipt


def test_a_redemption_opens_its_receipt_and_tells_the_household_once(world, pw, shop, client):
    client.force_login(world.cadre_a)
    url = reverse("points:counter", args=[world.village_a.code])
    done = client.post(url, {"household": pw.house2.public_id, "goods": shop.public_id, "quantity": "2", "q": "王五"})
    entry = Entry.objects.get(kind=EntryKind.REDEMPTION)
    assert done.status_code == 302 and done["Location"].startswith(reverse("points:receipt", args=[entry.public_id]))
    page = client.get(done["Location"]).content.decode()
    for shown in (entry.public_id, "肥皂 × 2", "王*", "王书记", "2026-06-16", ">8<", ">2<"):
        assert shown in page, shown
    assert "?q=" in page  # back to the counter, on the same search
    assert entry.balance_after == 2
    notices = receipts()
    assert len(notices) == 1 and notices[0].recipient_count == 1
    assert entry.public_id in notices[0].body["zh-hans"] and "余2分" in notices[0].body["zh-hans"]
    # The household's representative reads it in the page too; a neighbour of the village does not.
    client.force_login(pw.neighbour)
    assert client.get(reverse("points:receipt", args=[entry.public_id])).status_code == 200
    client.force_login(world.villager_a)
    assert client.get(reverse("points:receipt", args=[entry.public_id])).status_code == 404


def test_a_refused_redemption_sends_no_receipt(world, pw, shop, client):
    client.force_login(world.cadre_a)
    url = reverse("points:counter", args=[world.village_a.code])
    over = client.post(url, {"household": pw.house2.public_id, "goods": shop.public_id, "quantity": "3"})
    assert over.status_code == 302 and "receipt" not in over["Location"]
    bad = client.post(url, {"household": pw.house2.public_id, "goods": shop.public_id, "quantity": "x"})
    assert bad.status_code == 302 and "receipt" not in bad["Location"]
    assert not Entry.objects.filter(kind=EntryKind.REDEMPTION).exists()
    assert not receipts()
    assert Goods.objects.get(pk=shop.pk).stock == 5


def test_the_api_gives_the_receipt(world, pw, shop, client):
    client.force_login(world.cadre_a)
    made = client.post(
        f"{API}/villages/{world.village_a.code}/counter",
        {"household": pw.house2.public_id, "goods": shop.public_id, "quantity": 1},
        content_type="application/json",
    )
    assert made.status_code == 201
    receipt = made.json()["receipt"]
    assert (receipt["points"], receipt["balance_after"], receipt["counter"]) == (4, 6, "王书记")
    assert receipt["number"] == made.json()["id"] and receipt["household"] == "王*"
    again = client.get(f"{API}/entries/{receipt['number']}/receipt")
    assert again.status_code == 200 and again.json() == receipt
    free = client.post(
        f"{API}/villages/{world.village_a.code}/redemptions",
        {"household": pw.house2.public_id, "goods": "毛巾", "points": 3},
        content_type="application/json",
    )
    assert free.status_code == 201 and free.json()["receipt"]["balance_after"] == 3
    assert len(receipts()) == 2
    # An entry that is no redemption has no receipt.
    base = Entry.objects.filter(kind=EntryKind.BASE).first()
    assert client.get(f"{API}/entries/{base.public_id}/receipt").status_code == 404


@pytest.mark.parametrize("who", [*REFUSED, "villager_a"])
def test_the_receipt_is_the_household_s_and_the_counter_s(world, pw, shop, client, who, request):
    entry = services.counter_redeem(household=pw.house2, goods=shop, quantity=1, actor=world.cadre_a)
    _login(client, world, who, request)
    assert client.get(reverse("points:receipt", args=[entry.public_id])).status_code in (302, 404)
    assert client.get(f"{API}/entries/{entry.public_id}/receipt").status_code in (401, 404)


def test_the_receipt_link_back_stays_on_the_site(world, pw, shop, client):
    entry = services.counter_redeem(household=pw.house2, goods=shop, quantity=1, actor=world.cadre_a)
    client.force_login(world.cadre_a)
    page = client.get(reverse("points:receipt", args=[entry.public_id]) + "?back=//evil.example/x").content.decode()
    assert 'href="//evil.example' not in page and 'class="crumbs"' not in page


# ---------------------------------------------------------------- a township shop serving several villages


@pytest.fixture
def town(world, pw):
    """A second village of township T (with a household and no points rule of its own) and a third, not served."""
    a2 = Region.objects.create(code="330523100202", name="大竹园村", level=Level.VILLAGE, parent=world.township_t)
    Region.objects.create(code="330523100203", name="南北庄村", level=Level.VILLAGE, parent=world.township_t)
    house = HouseholdFactory(village=a2, number="C0001")
    head = VillagerFactory(name="刘六", village=a2, household=house, phone="13950000066")
    house.representative = head
    house.save()
    services.base_grant_apply(village=world.village_a, actor=world.cadre_a)
    Entry.objects.create(
        village=a2,
        household=house,
        kind=EntryKind.BASE,
        points=30,
        year=2026,
        occurred_on=dt.date(2026, 6, 1),
        status=EntryStatus.COUNTED,
        counted_at=timezone.now(),
    )
    return a2, house


def test_a_township_shop_serves_the_villages_it_lists(world, pw, town, client):
    a2, house = town
    t = world.township_t.code
    counter = reverse("points:township_counter", args=[t])
    client.force_login(world.township_staff)
    assert "330523100203" in client.get(counter).content.decode()  # the villages to choose from
    # Set up, serving A and 大竹园村 (not 南北庄村); a village of another township is refused.
    bad = client.post(counter, {"action": "shop", "serves": [world.village_b.code]})
    assert bad.status_code == 302 and not TownshipShop.objects.exists()
    done = client.post(counter, {"action": "shop", "serves": [world.village_a.code, a2.code]})
    assert done.status_code == 302 and TownshipShop.objects.get().serves == [world.village_a.code, a2.code]
    client.post(counter, {"action": "goods", "name": "大米", "points": "8", "stock": "3", "active": "on"})
    rice = Goods.objects.get(name="大米")
    assert rice.region_code == t
    client.post(counter, {"action": "keeper", "phone": "13950000077"})  # no account: refused
    keeper = UserFactory(phone="13950000077", name="镇店主")
    client.post(counter, {"action": "keeper", "phone": "13950000077"})
    assert ShopKeeper.objects.get().village == world.township_t
    # The shop-keeper finds households of both villages, and redeems for each under its village's balance.
    client.force_login(keeper)
    assert counter in client.get(reverse("points:index")).content.decode()
    found = client.get(counter + "?q=刘六").content.decode()
    assert "大竹园村" in found and house.public_id in found
    assert pw.house2.public_id in client.get(counter + "?q=王五").content.decode()
    done = client.post(counter, {"household": house.public_id, "goods": rice.public_id, "quantity": "2"})
    assert done.status_code == 302 and "/receipt/" in done["Location"]
    entry = Entry.objects.get(kind=EntryKind.REDEMPTION, household=house)
    assert (entry.village, entry.points, entry.balance_after) == (a2, -16, 14)
    assert "镇店主" in client.get(done["Location"]).content.decode()
    over = client.post(counter, {"household": pw.house2.public_id, "goods": rice.public_id, "quantity": "2"})
    assert "receipt" not in over["Location"]  # village A's household has 10 points: 16 is refused
    # The shop-keeper does nothing else: no goods, no keepers, no shop settings.
    assert client.post(counter, {"action": "goods", "name": "油", "points": "5", "stock": "1"}).status_code == 403
    assert client.post(counter, {"action": "shop", "serves": []}).status_code == 403
    assert Goods.objects.get(pk=rice.pk).stock == 1 and not Goods.objects.filter(name="油").exists()


def test_a_township_shop_refuses_households_it_does_not_serve(world, pw, town, client):
    a2, house = town
    services.township_shop_set(township=world.township_t, serves=[a2.code], actor=world.township_staff)
    rice = services.goods_set(village=world.township_t, name="大米", points=8, stock=3, actor=world.township_staff)
    client.force_login(world.township_staff)
    base = f"{API}/townships/{world.township_t.code}"
    refused = client.post(
        f"{base}/counter", {"household": pw.house2.public_id, "goods": rice.public_id}, content_type="application/json"
    )
    assert refused.status_code == 422  # village A is not served
    made = client.post(
        f"{base}/counter", {"household": house.public_id, "goods": rice.public_id}, content_type="application/json"
    )
    assert made.status_code == 201 and made.json()["receipt"]["shop"] == "递铺街道"
    assert made.json()["receipt"]["village"] == "大竹园村"
    page = client.get(reverse("points:township_counter", args=[world.township_t.code]) + "?q=王五")
    assert pw.house2.public_id not in page.content.decode()
    # Serving all (none listed): village A's households too.
    shop = client.put(f"{base}/shop", {"serves": []}, content_type="application/json")
    assert shop.status_code == 200 and world.village_a.code in shop.json()["serves"]
    assert client.get(f"{base}/goods").json()[0]["stock"] == 2
    # A township shop records donations only; a village cadre cannot use the township's goods at the village counter.
    donated = services.goods_receive(
        goods=rice, quantity=2, supplier="爱心企业", donated=True, actor=world.township_staff
    )
    assert donated.ledger_entry == "" and Goods.objects.get(pk=rice.pk).stock == 4
    with pytest.raises(Exception, match="township"):
        services.goods_receive(goods=rice, quantity=2, supplier="超市", cost="10", actor=world.township_staff)
    client.force_login(world.cadre_a)
    village_counter = f"{API}/villages/{world.village_a.code}/counter"
    wrong = client.post(
        village_counter, {"household": pw.house2.public_id, "goods": rice.public_id}, content_type="application/json"
    )
    assert wrong.status_code == 422 and Goods.objects.get(pk=rice.pk).stock == 4


def test_the_township_counter_lists_households_without_a_query_per_row(
    world, pw, town, client, django_assert_max_num_queries
):
    a2, _house = town
    services.township_shop_set(township=world.township_t, serves=[], actor=world.township_staff)
    for i in range(10):
        village = a2 if i % 2 else world.village_a
        house = HouseholdFactory(village=village, number=f"X01{i:02}")
        VillagerFactory(name=f"刘{i}", village=village, household=house)
    client.force_login(world.township_staff)
    url = reverse("points:township_counter", args=[world.township_t.code]) + "?q=刘"
    with django_assert_max_num_queries(22):  # ten households of two villages, or a hundred: the same queries
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count("大竹园村 · ") == 6


@pytest.mark.django_db(transaction=True)
def test_the_township_shop_s_last_item_goes_once(world, pw, town, clock):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (the in-memory SQLite test database takes one)")
    _a2, house = town
    services.township_shop_set(township=world.township_t, serves=[], actor=world.township_staff)
    rice = services.goods_set(village=world.township_t, name="大米", points=8, stock=1, actor=world.township_staff)
    houses = [house, pw.house2] * 4  # eight counters, households of two villages
    barrier = threading.Barrier(len(houses))
    results: list[str] = []

    def sell(h):
        try:
            barrier.wait()
            services.counter_redeem(household=h, goods=rice, quantity=1, actor=world.township_staff)
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
    assert sorted(results) == ["ok"] + ["refused"] * 7 and rice.stock == 0
    assert Entry.objects.filter(goods=rice).count() == 1
    assert selectors.balance(household=house) + selectors.balance(household=pw.house2) == 30 + 10 - 8


def test_without_a_township_shop_there_are_no_township_goods(world, pw, client):
    client.force_login(world.township_staff)
    base = f"{API}/townships/{world.township_t.code}"
    assert client.get(f"{base}/shop").status_code == 404
    made = client.post(f"{base}/goods", {"name": "大米", "points": 8, "stock": 3}, content_type="application/json")
    assert made.status_code == 422 and not Goods.objects.exists()


@pytest.mark.parametrize("who", [*REFUSED, "cadre_a"])
def test_a_township_shop_is_the_township_s(world, pw, town, client, who, request):
    a2, house = town
    services.township_shop_set(township=world.township_t, serves=[], actor=world.township_staff)
    rice = services.goods_set(village=world.township_t, name="大米", points=8, stock=3, actor=world.township_staff)
    _login(client, world, who, request)
    counter = reverse("points:township_counter", args=[world.township_t.code])
    assert client.get(counter).status_code in (302, 403)
    client.post(counter, {"household": house.public_id, "goods": rice.public_id, "quantity": "1"})
    client.post(counter, {"action": "goods", "name": "油", "points": "5", "stock": "1"})
    client.post(counter, {"action": "shop", "serves": [a2.code]})
    base = f"{API}/townships/{world.township_t.code}"
    assert client.get(f"{base}/goods").status_code in (401, 403)
    assert client.put(f"{base}/shop", {"serves": []}, content_type="application/json").status_code in (401, 403)
    counted = client.post(
        f"{base}/counter", {"household": house.public_id, "goods": rice.public_id}, content_type="application/json"
    )
    assert counted.status_code in (401, 403)
    keeper = client.post(f"{base}/shopkeepers", {"phone": "13900000001"}, content_type="application/json")
    assert keeper.status_code in (401, 403)
    assert Goods.objects.get(pk=rice.pk).stock == 3 and Goods.objects.count() == 1
    assert TownshipShop.objects.get().serves == [] and not ShopKeeper.objects.exists()
    assert not Entry.objects.filter(kind=EntryKind.REDEMPTION).exists()


# ---------------------------------------------------------------- the commendation list, posted


def _last_year_points(world, pw):
    """Counted points earned last year (2025) by both households of village A: 王五's more."""
    for house, points in ((world.household_a, 6), (pw.house2, 12)):
        Entry.objects.create(
            village=world.village_a,
            household=house,
            adoption=pw.adopt_cleanup,
            points=points,
            year=2025,
            occurred_on=dt.date(2025, 5, 1),
            status=EntryStatus.COUNTED,
            counted_at=timezone.now(),
        )


def test_the_commendation_list_is_posted_through_disclosure(world, pw, client):
    _last_year_points(world, pw)
    client.force_login(world.cadre_a)
    url = reverse("points:commended", args=[world.village_a.code])
    assert "Post on the disclosure board" in client.get(url + "?year=2025").content.decode()
    assert "Post on the disclosure board" not in client.get(url + "?year=2026").content.decode()
    done = client.post(url, {"year": "2025"})
    assert done.status_code == 302
    post = Post.objects.get()
    assert post.status == "published" and post.category == "village" and "2025年度积分表彰名单" in post.title
    assert "第1名　王*　12分" in post.body and "第2名　张*　6分" in post.body
    assert "王五" not in post.body and "张三" not in post.body
    assert Commendation.objects.get().post_id == post.public_id
    # Again, unchanged: the same posting. Changed (a late count): a corrected list, as a new post.
    client.post(url, {"year": "2025"})
    assert Post.objects.count() == 1
    Entry.objects.create(
        village=world.village_a,
        household=world.household_a,
        adoption=pw.adopt_cleanup,
        points=12,
        year=2025,
        occurred_on=dt.date(2025, 9, 1),
        status=EntryStatus.COUNTED,
        counted_at=timezone.now(),
    )
    made = client.post(f"{API}/villages/{world.village_a.code}/commended/2025/post")
    assert made.status_code == 201 and made.json()["revision"] == 2
    assert made.json()["households"][0] == {"rank": 1, "name": "张*", "points": 18, "items": 2}
    second = Post.objects.get(public_id=made.json()["post"])
    assert "（更正）" in second.title and Post.objects.count() == 2
    page = client.get(url + "?year=2025").content.decode()
    assert reverse("disclosure:post", args=[second.public_id]) in page


def test_bad_commendation_postings_are_refused(world, pw, client):
    client.force_login(world.cadre_a)
    base = f"{API}/villages/{world.village_a.code}/commended"
    assert client.post(f"{base}/2026/post").status_code == 422  # the year is not over
    assert client.post(f"{base}/1999/post").status_code == 422
    assert client.post(f"{base}/2025/post").status_code == 422  # nobody earned counted points
    url = reverse("points:commended", args=[world.village_a.code])
    assert client.post(url, {"year": "abc"}).status_code == 302
    assert not Post.objects.exists() and not Commendation.objects.exists()


@pytest.mark.parametrize("who", [*REFUSED, "villager_a", "township_staff"])
def test_only_village_cadres_post_the_commendation_list(world, pw, client, who, request):
    _last_year_points(world, pw)
    _login(client, world, who, request)
    client.post(reverse("points:commended", args=[world.village_a.code]), {"year": "2025"})
    made = client.post(f"{API}/villages/{world.village_a.code}/commended/2025/post")
    assert made.status_code in (401, 403, 404)
    assert not Post.objects.exists()
