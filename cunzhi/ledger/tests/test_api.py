"""Ledger API: public reads (masked), role-bound writes, append-only refusals, verification."""

import pytest
from django.utils import timezone

from cunzhi.ledger.models import Entry, Period

from .helpers import add, last_month_start

API = "/api/v1/ledger"


def test_entries_public_masked_and_query_count(world, client, login, django_assert_max_num_queries):
    for i in range(30):
        add(world, amount=100 + i)
    add(world, payee=world.villager_a.villager, counterparty="", purpose="补贴 6222021234567890123")
    with django_assert_max_num_queries(4):
        r = client.get(f"{API}/villages/{world.village_a.code}/entries")
    data = r.json()
    assert r.status_code == 200 and data["count"] == 31 and len(data["items"]) == 20
    first = data["items"][0]
    assert first["seq"] == 31 and first["counterparty"] == "张*" and "6222021234567890123" not in first["purpose"]
    r = login(world.villager_a).get(f"{API}/villages/{world.village_a.code}/entries")
    assert r.json()["items"][0]["counterparty"] == "张三"
    assert client.get(f"{API}/villages/999999999999/entries").status_code == 404


def test_create_by_cadre_only(world, client, login):
    url = f"{API}/villages/{world.village_a.code}/entries"
    payload = {
        "date": timezone.localdate().isoformat(),
        "direction": "income",
        "category": "income",
        "amount_fen": 500000,
        "counterparty": "竹林合作社",
        "purpose": "山林租金",
    }
    client.logout()
    assert client.post(url, payload, content_type="application/json").status_code == 401
    for who in ("villager_a", "villager_b", "township_staff", "other_township_staff"):
        r = login(getattr(world, who)).post(url, payload, content_type="application/json")
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert not Entry.objects.exists()
    r = login(world.cadre_a).post(
        url, {**payload, "payee_id": world.villager_a.villager.public_id}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["seq"] == 1 and r.json()["amount_fen"] == 500000


@pytest.mark.parametrize(
    "over",
    [
        {"amount_fen": -5},
        {"amount_fen": "abc"},
        {"amount_fen": 12.5},
        {"amount_fen": "100"},
        {"amount_fen": 0},
        {"date": "2099-01-01"},
        {"category": "gifts"},
        {"purpose": ""},
        {"payee_id": "nobody"},
    ],
)
def test_create_bad_input(world, login, over):
    payload = {
        "date": timezone.localdate().isoformat(),
        "direction": "expenditure",
        "category": "expenditure",
        "amount_fen": 100,
        "counterparty": "商店",
        "purpose": "材料",
        **over,
    }
    r = login(world.cadre_a).post(
        f"{API}/villages/{world.village_a.code}/entries", payload, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["detail"] and r.json()["code"] == "invalid"
    assert not Entry.objects.exists()


def test_closed_period_and_edit_refused(world, login, supervisor_a):
    start = last_month_start()
    e = add(world, date=start)
    c = login(supervisor_a)
    r = c.post(
        f"{API}/villages/{world.village_a.code}/periods",
        {"kind": "month", "start": start.isoformat()},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["head_seq"] == 1
    c = login(world.cadre_a)
    r = c.post(
        f"{API}/villages/{world.village_a.code}/entries",
        {
            "date": start.isoformat(),
            "direction": "expenditure",
            "category": "expenditure",
            "amount_fen": 1,
            "counterparty": "x",
            "purpose": "y",
        },
        content_type="application/json",
    )
    assert r.status_code == 422 and "closed up to" in r.json()["detail"]
    for method in ("patch", "put", "delete"):
        r = getattr(c, method)(f"{API}/entries/{e.public_id}", {"amount_fen": 1}, content_type="application/json")
        assert r.status_code == 409 and r.json()["code"] == "append_only" and "signed off" in r.json()["detail"]
    assert Entry.objects.get().amount_fen == e.amount_fen
    r = c.post(f"{API}/entries/{e.public_id}/reverse", {"reason": "错账"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["amount_fen"] == -e.amount_fen and r.json()["reverses_seq"] == 1
    r = login(world.cadre_a).post(
        f"{API}/villages/{world.village_a.code}/periods",
        {"kind": "month", "start": start.isoformat()},
        content_type="application/json",
    )
    assert r.status_code == 403 and Period.objects.count() == 1


def test_periods_and_verify_public(world, client, supervisor_a):
    from cunzhi.ledger.services import period_close

    entries = [add(world, date=last_month_start()) for _ in range(3)]
    period_close(village=world.village_a, kind="month", start=last_month_start(), actor=supervisor_a)
    assert client.get(f"{API}/villages/{world.village_a.code}/periods").json()["count"] == 1
    r = client.get(f"{API}/villages/{world.village_a.code}/verify")
    assert r.json()["ok"] is True and r.json()["entries_checked"] == 3 and r.json()["sign_offs_checked"] == 1
    assert (r.json()["witnessed_seq"], r.json()["unsigned_entries"], r.json()["printed_head_matches"]) == (3, 0, None)
    # The head printed on the notice (from its QR code) is compared too; a malformed one is refused.
    head = {"seq": 3, "head": entries[2].hash}
    assert client.get(f"{API}/villages/{world.village_a.code}/verify", head).json()["printed_head_matches"] is True
    r = client.get(f"{API}/villages/{world.village_a.code}/verify", {"seq": 3, "head": "f" * 64}).json()
    assert r["printed_head_matches"] is False and r["problem"] == "printed_mismatch"
    r = client.get(f"{API}/villages/{world.village_a.code}/verify", {"seq": "x", "head": "short"})
    assert r.status_code == 422 and "64-character" in r.json()["detail"]
    Entry.objects.filter(pk=entries[0].pk).update(purpose="改")
    r = client.get(f"{API}/villages/{world.village_a.code}/verify").json()
    assert r["ok"] is False and r["first_bad_seq"] == 1 and r["first_bad_id"] == entries[0].public_id
    assert r["problem"] == "changed" and "#1" in r["message"]


def test_my_payments(world, client, login):
    add(world, payee=world.villager_a.villager, counterparty="", purpose="补贴")
    add(world, purpose="别的")
    assert client.get(f"{API}/my-payments").status_code == 401
    r = login(world.villager_a).get(f"{API}/my-payments")
    assert [i["purpose"] for i in r.json()["items"]] == ["补贴"] and r.json()["items"][0]["counterparty"] == "张三"
    assert login(world.township_staff).get(f"{API}/my-payments").json()["count"] == 0
