"""Ledger pages: permissions (allowed; refused: anonymous, villager of B, staff of the other township),
bad input changes nothing, payees masked, vouchers private, verification page, export, query counts."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from cunzhi.core.idnumbers import id_number_build
from cunzhi.core.tests.xlsx import HOSTILE, live_cells, texts
from cunzhi.disclosure.models import Post, PostStatus
from cunzhi.ledger.models import Entry, Period, Voucher
from cunzhi.ledger.services import period_close
from cunzhi.people.tests.factories import full_width

from .helpers import add, last_month_start


def jpeg() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buf, "JPEG")
    return SimpleUploadedFile("receipt.jpg", buf.getvalue(), content_type="image/jpeg")


def form(world, **over):
    data = {
        "date": timezone.localdate().isoformat(),
        "direction": "expenditure",
        "category": "expenditure",
        "amount": "1250.50",
        "counterparty": "安吉县鸿达建材",
        "payee_id_number": "",
        "purpose": "购买水泥",
    }
    data.update(over)
    return data


def test_village_page_public_with_masked_payees(world, client, login, django_assert_max_num_queries):
    for i in range(25):
        add(world, amount=1000 + i)
    add(world, payee=world.villager_a.villager, counterparty="", purpose="高龄补贴")
    url = reverse("ledger:village", args=[world.village_a.code])
    with django_assert_max_num_queries(8):
        r = client.get(url)
    body = r.content.decode()
    assert r.status_code == 200 and "张*" in body and "张三" not in body and "Next page" in body
    # The payee sees their own name; so does the cadre.
    assert "张三" in login(world.villager_a).get(url).content.decode()
    assert "张三" in login(world.township_staff).get(url).content.decode()
    assert "张三" not in login(world.villager_b).get(url).content.decode()
    assert "张三" not in login(world.other_township_staff).get(url).content.decode()


def test_record_entry_with_voucher(world, login):
    c = login(world.cadre_a)
    url = reverse("ledger:entry_create", args=[world.village_a.code])
    assert c.get(url).status_code == 200
    payee_id = world.villager_a.villager.id_number
    r = c.post(url, form(world, payee_id_number=payee_id, counterparty="", vouchers=[jpeg()]))
    assert r.status_code == 302
    e = Entry.objects.get()
    assert e.amount_fen == 125050 and e.payee == world.villager_a.villager and e.counterparty == "张三"
    assert Voucher.objects.get(entry=e).content_type == "image/jpeg"


def test_payee_found_by_a_full_width_id_number(world, login):
    url = reverse("ledger:entry_create", args=[world.village_a.code])
    payee_id = full_width(world.villager_a.villager.id_number)
    r = login(world.cadre_a).post(url, form(world, payee_id_number=payee_id, counterparty=""))
    assert r.status_code == 302 and Entry.objects.get().payee == world.villager_a.villager


@pytest.mark.parametrize(
    "over, error",
    [
        ({"amount": "-5"}, "cannot be negative"),
        ({"amount": "abc"}, "must be a number"),
        ({"amount": "1.234"}, "two decimals"),
        ({"amount": "0"}, "more than zero"),
        ({"date": "2099-01-01"}, "in the future"),
        ({"category": "gifts"}, "Select a valid choice"),
        ({"purpose": ""}, "This field is required"),
        ({"payee_id_number": "123"}, "18 characters"),
        ({"payee_id_number": id_number_build("330523", dt.date(1970, 1, 1), 777)}, "No villager of"),
    ],
)
def test_record_bad_input_changes_nothing(world, login, over, error):
    r = login(world.cadre_a).post(reverse("ledger:entry_create", args=[world.village_a.code]), form(world, **over))
    assert r.status_code == 200 and error in r.content.decode()
    assert not Entry.objects.exists()


def test_record_bad_voucher_changes_nothing(world, login):
    bad = SimpleUploadedFile("x.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    r = login(world.cadre_a).post(
        reverse("ledger:entry_create", args=[world.village_a.code]), form(world, vouchers=[bad])
    )
    assert r.status_code == 200 and "not accepted" in r.content.decode()
    assert not Entry.objects.exists()


def test_record_date_in_closed_period_refused(world, login, supervisor_a):
    period_close(village=world.village_a, kind="month", start=last_month_start(), actor=supervisor_a)
    r = login(world.cadre_a).post(
        reverse("ledger:entry_create", args=[world.village_a.code]), form(world, date=last_month_start().isoformat())
    )
    assert r.status_code == 200 and "closed up to" in r.content.decode()
    assert not Entry.objects.exists()


@pytest.mark.parametrize("who", ["villager_a", "villager_b", "township_staff", "other_township_staff"])
def test_record_refused(world, login, who):
    r = login(getattr(world, who)).post(reverse("ledger:entry_create", args=[world.village_a.code]), form(world))
    assert r.status_code == 403 and not Entry.objects.exists()


def test_record_anonymous_redirects(world, client):
    r = client.post(reverse("ledger:entry_create", args=[world.village_a.code]), form(world))
    assert r.status_code == 302 and not Entry.objects.exists()


def test_entry_page_and_vouchers_private(world, client, login):
    from django.core.files.base import ContentFile

    e = add(
        world, payee=world.villager_a.villager, counterparty="", vouchers=[ContentFile(b"%PDF-1.4 r", name="a.pdf")]
    )
    v = Voucher.objects.get()
    url = reverse("ledger:entry", args=[e.public_id])
    r = client.get(url)
    assert r.status_code == 200 and e.hash in r.content.decode() and "张*" in r.content.decode()
    vurl = reverse("ledger:voucher", args=[e.public_id, v.pk])
    assert client.get(vurl).status_code == 302  # login first
    assert login(world.villager_b).get(vurl).status_code == 404
    assert login(world.other_township_staff).get(vurl).status_code == 404
    assert login(world.villager_a).get(vurl).status_code == 200  # the payee
    r = login(world.township_staff).get(vurl)
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")


def test_reverse_from_the_page(world, login):
    e = add(world)
    url = reverse("ledger:entry_reverse", args=[e.public_id])
    assert login(world.villager_a).post(url, {"reason": "x"}).status_code == 403
    assert login(world.other_township_staff).post(url, {"reason": "x"}).status_code == 403
    c = login(world.cadre_a)
    c.post(url, {"reason": ""})
    assert Entry.objects.count() == 1
    r = c.post(url, {"reason": "金额录错"})
    rev = Entry.objects.get(seq=2)
    assert r.status_code == 302 and rev.reverses == e and rev.amount_fen == -e.amount_fen
    r = c.post(url, {"reason": "again"}, follow=True)
    assert "already been reversed" in r.content.decode() and Entry.objects.count() == 2


def test_periods_sign_off_and_generated_disclosure(world, client, login, supervisor_a):
    start = last_month_start()
    add(world, amount=500_000, direction="income", category="income", date=start, purpose="山林租金")
    add(
        world,
        amount=120_000,
        date=start + dt.timedelta(days=4),
        payee=world.villager_a.villager,
        counterparty="",
        purpose="误工补贴",
    )
    url = reverse("ledger:periods", args=[world.village_a.code])
    assert client.get(url).status_code == 200
    r = login(world.cadre_a).post(url, {"kind": "month", "start": start.isoformat()})
    assert r.status_code == 403 and not Period.objects.exists()
    c = login(supervisor_a)
    r = c.post(url, {"kind": "month", "start": (start + dt.timedelta(days=1)).isoformat()})
    assert "first day" in r.content.decode() and not Period.objects.exists()
    r = c.post(url, {"kind": "month", "start": start.isoformat(), "comment": "账实相符"})
    period = Period.objects.get()
    assert r.status_code == 302 and period.head_seq == 2
    # The cadre generates the finance disclosure from the ledger; it waits for the committee.
    c = login(world.cadre_a)
    r = c.post(reverse("disclosure:finance_generate", args=[world.village_a.code, period.public_id]))
    post = Post.objects.get()
    assert post.status == PostStatus.IN_REVIEW and post.ledger_period == period and post.category == "finance"
    assert post.tables[0]["rows"][-1][1:] == ["5,000.00", "1,200.00"]
    assert [row[0] for row in post.tables[1]["rows"]] == ["1", "2"] and post.tables[1]["rows"][1][5] == "张*"
    assert "1,200.00" in post.body or "3,800.00" in post.body
    r = c.post(reverse("disclosure:finance_generate", args=[world.village_a.code, period.public_id]), follow=True)
    assert "already exists" in r.content.decode() and Post.objects.count() == 1
    # Typed over? Never.
    r = c.post(reverse("disclosure:post_edit", args=[post.public_id]), {"title": "x", "body": "y"})
    assert r.status_code == 403


def test_verify_page_names_the_first_bad_entry(world, client):
    entries = [add(world, amount=1000 * (i + 1)) for i in range(4)]
    url = reverse("ledger:verify")
    r = client.get(url, {"village": world.village_a.code})
    assert r.status_code == 200 and "is intact" in r.content.decode() and entries[-1].hash in r.content.decode()
    Entry.objects.filter(pk=entries[1].pk).update(amount_fen=99)
    r = client.get(url, {"village": world.village_a.code})
    body = r.content.decode()
    assert "does not verify" in body and "Entry #2 was changed" in body
    r = client.get(url, {"village": "999999999999"})
    assert "no village with this code" in r.content.decode()


def test_my_payments(world, client, login):
    add(world, amount=30_000, payee=world.villager_a.villager, counterparty="", purpose="高龄补贴")
    add(world, amount=10_000, purpose="其他支出")
    assert client.get(reverse("ledger:mine")).status_code == 302
    r = login(world.villager_a).get(reverse("ledger:mine"))
    body = r.content.decode()
    assert "高龄补贴" in body and "其他支出" not in body and "300.00" in body
    r = login(world.villager_b).get(reverse("ledger:mine"))
    assert "高龄补贴" not in r.content.decode()


def test_export_xlsx_masked_for_the_public(world, client, login):
    add(world, amount=30_000, payee=world.villager_a.villager, counterparty="", purpose="补贴")
    add(world, amount=10_000, direction="income", category="income", purpose="租金")
    url = reverse("ledger:export", args=[world.village_a.code])
    rows = list(load_workbook(io.BytesIO(client.get(url).content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "No." and [r[0] for r in rows[1:]] == [1, 2] and rows[1][6] == "张*"
    rows = list(load_workbook(io.BytesIO(login(world.cadre_a).get(url).content)).active.iter_rows(values_only=True))
    assert rows[1][6] == "张三" and rows[1][5] == 30000


def test_export_xlsx_writes_entered_text_never_as_a_formula(world, login):
    add(world, counterparty=HOSTILE, purpose="-1+1")
    data = login(world.cadre_a).get(reverse("ledger:export", args=[world.village_a.code])).content
    assert {HOSTILE, "-1+1"} <= texts(data) and live_cells(data) == []


def test_index_redirects_villager_to_own_village(world, client, login):
    r = login(world.villager_a).get(reverse("ledger:index"))
    assert r.status_code == 302 and r["Location"] == reverse("ledger:village", args=[world.village_a.code])
    client.logout()
    r = client.get(reverse("ledger:index"))
    assert r.status_code == 200 and world.village_b.name in r.content.decode()


@pytest.mark.parametrize(
    "who, status",
    [("anonymous", 403), ("villager_a", 403), ("villager_b", 403), ("other_township_staff", 403), ("cadre_a", 403)],
)
def test_sign_off_refused(world, client, login, who, status):
    c = client if who == "anonymous" else login(getattr(world, who))
    r = c.post(
        reverse("ledger:periods", args=[world.village_a.code]),
        {"kind": "month", "start": last_month_start().isoformat()},
    )
    assert r.status_code == status and not Period.objects.exists()


@pytest.mark.parametrize("who", ["villager_a", "villager_b", "other_township_staff", "township_staff"])
def test_generate_disclosure_refused(world, login, supervisor_a, who):
    add(world, date=last_month_start())
    period = period_close(village=world.village_a, kind="month", start=last_month_start(), actor=supervisor_a)
    r = login(getattr(world, who)).post(
        reverse("disclosure:finance_generate", args=[world.village_a.code, period.public_id])
    )
    assert r.status_code == 403 and not Post.objects.exists()
