"""The shop-keeper (redeems at the counter, nothing else) and goods received (bought goods go to the village
ledger with their voucher; donated goods only add stock). Pages and API, with the refusals."""

import pytest
from django.urls import reverse

from cunzhi.concerns.tests.conftest import photo
from cunzhi.ledger.models import Direction
from cunzhi.ledger.models import Entry as LedgerEntry
from cunzhi.people.tests.factories import UserFactory
from cunzhi.points import rules, services
from cunzhi.points.models import Entry, EntryKind, Goods, GoodsReceipt, ShopKeeper
from cunzhi.points.tests.conftest import declare

API = "/api/v1/points"


@pytest.fixture
def shop(world, pw):
    services.base_grant_apply(village=world.village_a, actor=world.cadre_a)  # 10 points each
    return services.goods_set(village=world.village_a, name="肥皂", points=4, stock=5, actor=world.cadre_a)


@pytest.fixture
def keeper(world, pw, client):
    """A shop-keeper from outside the village's roles (a shop owner with an account), named on the counter."""
    user = UserFactory(phone="13950000055", name="周店主")
    client.force_login(world.cadre_a)
    url = reverse("points:counter", args=[world.village_a.code])
    assert client.post(url, {"action": "keeper", "phone": "139 5000 0055"}).status_code == 302
    assert client.post(url, {"action": "keeper", "phone": "13000000000"}).status_code == 200  # no such account
    client.logout()
    return user


def test_the_shopkeeper_redeems_and_does_nothing_else(world, pw, shop, keeper, client):
    assert ShopKeeper.objects.filter(user=keeper, village=world.village_a).exists()
    client.force_login(keeper)
    url = reverse("points:counter", args=[world.village_a.code])
    page = client.get(url + "?q=王五")
    assert page.status_code == 200 and "王五" in page.content.decode() and "receive-form" not in page.content.decode()
    done = client.post(url, {"household": pw.house2.public_id, "goods": shop.public_id, "quantity": "1"})
    assert done.status_code == 302 and Goods.objects.get(pk=shop.pk).stock == 4
    made = client.post(
        f"{API}/villages/{world.village_a.code}/counter",
        {"household": pw.house2.public_id, "goods": shop.public_id, "quantity": 1},
        content_type="application/json",
    )
    assert made.status_code == 201
    # No prices, no shop-keepers, no free-text redemptions, no reviewing, no awarding.
    assert client.post(url, {"action": "goods", "name": "毛巾", "points": "3", "stock": "10"}).status_code == 403
    assert client.post(url, {"action": "keeper", "phone": "13900000001"}).status_code == 403
    assert client.get(reverse("points:redeem", args=[world.village_a.code])).status_code in (403, 404)
    assert client.get(reverse("points:review", args=[world.village_a.code])).status_code in (403, 404)
    assert client.get(f"{API}/villages/{world.village_a.code}/shopkeepers").status_code in (403, 404)
    entry = declare(world, pw, household=pw.house2, actor=pw.neighbour)
    review = client.post(
        f"{API}/entries/{entry.public_id}/review", {"approve": True, "reason": "x"}, content_type="application/json"
    )
    assert review.status_code in (403, 404)
    assert not rules.can_propose(keeper, world.village_a.code)
    assert Goods.objects.filter(name="毛巾").count() == 0 and ShopKeeper.objects.count() == 1


def test_cadres_remove_a_shopkeeper_through_the_api(world, pw, shop, keeper, client):
    client.force_login(world.cadre_a)
    rows = client.get(f"{API}/villages/{world.village_a.code}/shopkeepers").json()
    assert [r["name"] for r in rows] == ["周店主"]
    gone = client.delete(f"{API}/villages/{world.village_a.code}/shopkeepers/{rows[0]['id']}")
    assert gone.status_code == 204 and not ShopKeeper.objects.exists()
    again = client.post(
        f"{API}/villages/{world.village_a.code}/shopkeepers", {"phone": "13950000055"}, content_type="application/json"
    )
    assert again.status_code == 201
    client.force_login(keeper)
    page = client.get(reverse("points:counter", args=[world.village_a.code]))
    assert page.status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "villager_a", "villager_b", "other_township_staff", "other_office_staff"])
def test_shopkeepers_and_receipts_are_for_cadres(world, pw, shop, client, who, request):
    if who == "other_office_staff":
        client.force_login(request.getfixturevalue("other_office_staff"))
    elif who != "anonymous":
        client.force_login(getattr(world, who))
    base = f"{API}/villages/{world.village_a.code}"
    assert client.get(f"{base}/shopkeepers").status_code in (401, 403, 404)
    assert client.post(
        f"{base}/shopkeepers", {"phone": "13900000001"}, content_type="application/json"
    ).status_code in (
        401,
        403,
        404,
    )
    r = client.post(f"{base}/goods/{shop.public_id}/receipts", {"quantity": 3, "supplier": "x", "donated": "true"})
    assert r.status_code in (401, 403, 404)
    url = reverse("points:counter", args=[world.village_a.code])
    client.post(
        url, {"action": "receive", "r-goods": shop.public_id, "r-quantity": "3", "r-donated": "on", "r-supplier": "x"}
    )
    assert not ShopKeeper.objects.exists() and not GoodsReceipt.objects.exists()
    assert Goods.objects.get(pk=shop.pk).stock == 5


def test_bought_goods_go_to_the_ledger_donated_do_not(world, pw, shop, client):
    client.force_login(world.cadre_a)
    url = reverse("points:counter", args=[world.village_a.code])
    form = {"action": "receive", "r-goods": shop.public_id, "r-quantity": "20", "r-supplier": "村口超市"}
    # Bought without a voucher, or with a bad cost: refused, nothing changed.
    assert client.post(url, form | {"r-cost": "80"}).status_code == 200
    assert client.post(url, form | {"r-cost": "-5", "r-voucher": photo()}).status_code == 200
    assert Goods.objects.get(pk=shop.pk).stock == 5 and not LedgerEntry.objects.exists()
    done = client.post(url, form | {"r-cost": "¥80.50", "r-voucher": photo()})
    assert done.status_code == 302
    receipt = GoodsReceipt.objects.get()
    ledger = LedgerEntry.objects.get()
    assert (ledger.direction, ledger.amount_fen, ledger.counterparty) == (Direction.EXPENDITURE, 8050, "村口超市")
    assert receipt.ledger_entry == ledger.public_id and ledger.vouchers.count() == 1 and "肥皂" in ledger.purpose
    assert Goods.objects.get(pk=shop.pk).stock == 25
    given = client.post(
        f"{API}/villages/{world.village_a.code}/goods/{shop.public_id}/receipts",
        {"quantity": 10, "supplier": "爱心企业", "donated": "true"},
    )
    assert given.status_code == 201 and given.json()["ledger_entry"] == "" and given.json()["stock"] == 35
    assert LedgerEntry.objects.count() == 1  # the ledger keeps money; a donation adds stock only
    bought = client.post(
        f"{API}/villages/{world.village_a.code}/goods/{shop.public_id}/receipts",
        {"quantity": 1, "supplier": "村口超市", "cost": "12"},
    )
    assert bought.status_code == 422  # no voucher
    assert Entry.objects.filter(kind=EntryKind.REDEMPTION).count() == 0
