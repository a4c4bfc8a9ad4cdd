"""Someone with database access tries to rewrite the ledger (issue 12, item 21): each way is found.

The attacker knows the hash format (it is public: anyone may recompute the chain) and may change
any row of any table, but does not hold LEDGER_WITNESS_KEY, which lives in the server's settings,
not in the database. Tried cases: a changed amount, a deleted entry, a reordered entry, a forged
entry appended with a correct hash, a full recomputation of the chain after the last sign-off,
two entries' ids swapped, a payee's identity swapped in the people table.
"""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.urls import reverse

from cunzhi.ledger.models import Chain, Entry, Period
from cunzhi.ledger.services import chain_verify, entry_reverse, period_close
from cunzhi.people.models import Villager

from .helpers import add, last_month_start, rehash


@pytest.fixture
def signed(world, supervisor_a):
    """Five entries last month, signed off; two more this month, not signed off yet."""
    start = last_month_start()
    entries = [add(world, amount=1000 * (i + 1), date=start + dt.timedelta(days=i)) for i in range(5)]
    period = period_close(village=world.village_a, kind="month", start=start, actor=supervisor_a)
    entries += [add(world, amount=7_000), add(world, amount=8_000)]
    return entries, period


def verify(world):
    return chain_verify(village=world.village_a)


def _update(entry, **fields):
    """What an attacker with database access does: bypass the model's refusal with a queryset update."""
    Entry.objects.filter(pk=entry.pk).update(**fields)


def test_an_intact_ledger_reports_what_is_not_signed_off_yet(world, signed):
    result = verify(world)
    assert result.ok and result.count == 7 and result.periods_checked == 1
    assert (result.witnessed_seq, result.unsigned) == (5, 2)


def test_a_changed_amount_is_found(world, signed):
    entries, _ = signed
    _update(entries[2], amount_fen=1)
    result = verify(world)
    assert (result.problem.kind, result.problem.seq) == ("changed", 3)


def test_a_deleted_entry_is_found_also_with_the_chain_head_rewound(world, signed):
    entries, _ = signed
    Entry.objects.filter(pk=entries[3].pk)._raw_delete(Entry.objects.db)
    assert (verify(world).problem.kind, verify(world).problem.seq) == ("missing", 4)
    # Deleting the tail and setting the chain head back to what is left: the witnessed head at #5 is gone.
    Entry.objects.filter(seq__gte=4)._raw_delete(Entry.objects.db)
    Chain.objects.filter(village=world.village_a).update(head_seq=3, head_hash=entries[2].hash)
    result = verify(world)
    assert (result.problem.kind, result.problem.seq) == ("truncated", 4)


def test_a_reordered_entry_is_found(world, signed):
    entries, _ = signed
    with transaction.atomic():
        _update(entries[1], seq=99)
        _update(entries[2], seq=2)
        _update(entries[1], seq=3)
    result = verify(world)
    assert not result.ok and result.problem.seq == 2 and result.problem.kind in ("changed", "broken_link")


def _forge_after(world, last: Entry, *, seq: int) -> Entry:
    """An entry appended with a hash computed exactly as the ledger would (the format is public)."""
    forged = Entry(
        village=world.village_a,
        region_code=world.village_a.code,
        seq=seq,
        date=last.date,
        direction="expenditure",
        category="expenditure",
        amount_fen=500_000,
        counterparty="某公司",
        purpose="虚构的工程款",
        recorded_by=world.cadre_a,
        recorded_by_name=world.cadre_a.name,
        recorded_at=last.recorded_at + dt.timedelta(minutes=1),
        prev_hash=last.hash,
    )
    forged.hash = rehash(forged, prev=last.hash)
    Entry.objects.bulk_create([forged])
    return forged


def test_a_forged_entry_appended_with_a_correct_hash_is_found(world, signed):
    entries, _ = signed
    forged = _forge_after(world, entries[-1], seq=8)
    # The chain head row left unchanged: the forged entry is not in it.
    result = verify(world)
    assert (result.problem.kind, result.problem.seq) == ("appended", 8)
    # The chain head row moved on to the forged entry: without the key it carries no valid seal.
    Chain.objects.filter(village=world.village_a).update(head_seq=8, head_hash=forged.hash)
    result = verify(world)
    assert (result.problem.kind, result.problem.seq) == ("head_unsealed", 8)


def test_a_full_recomputation_after_the_last_sign_off_is_found(world, signed):
    entries, period = signed
    # Change entry #2 (signed off), recompute every hash after it, and make every copy in the
    # database agree: the chain head row and the village's record of the sign-off.
    prev = entries[0].hash
    for e in Entry.objects.filter(region_code=world.village_a.code, seq__gte=2).order_by("seq"):
        amount = 1 if e.seq == 2 else e.amount_fen
        e.amount_fen = amount
        h = rehash(e, prev=prev)
        _update(e, amount_fen=amount, hash=h, prev_hash=prev)
        prev = h
        if e.seq == 5:
            Period.objects.filter(pk=period.pk).update(head_hash=h)
    Chain.objects.filter(village=world.village_a).update(head_hash=prev)
    result = verify(world)
    # The county's witness log still holds the head as signed off.
    assert (result.problem.kind, result.problem.seq) == ("signoff_mismatch", 5)
    # Rewriting the witness log too needs the key: its seal no longer matches.
    from cunzhi.ledger.models import WitnessedHead

    WitnessedHead.objects.filter(village_code=world.village_a.code).update(head_hash=Period.objects.get().head_hash)
    assert verify(world).problem.kind == "witness_altered"


def _swap_ids(a: Entry, b: Entry) -> None:
    """Exchange two entries' primary keys (foreign keys are checked at commit: the test never commits)."""
    table = connection.ops.quote_name(Entry._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for old, new in ((a.pk, -1), (b.pk, a.pk), (-1, b.pk)):
            cursor.execute(f"UPDATE {table} SET id = %s WHERE id = %s", [new, old])


def test_two_entries_ids_swapped_are_found(world, signed):
    entries, _ = signed
    # Entry #8 reverses #6 (by the database id of #6); then the ids of #6 and #7 are exchanged, so
    # the reversal now points at #7 while every row's own columns are untouched.
    reversal = entry_reverse(entry=Entry.objects.get(pk=entries[5].pk), actor=world.cadre_a, reason="重复入账")
    assert verify(world).ok
    _swap_ids(entries[5], entries[6])
    result = verify(world)
    assert (result.problem.kind, result.problem.seq) == ("changed", reversal.seq)


def test_two_entries_public_ids_swapped_are_found(world, signed):
    entries, _ = signed
    a, b = entries[5], entries[6]
    _update(a, public_id="tmp-swap")
    _update(b, public_id=a.public_id)
    _update(a, public_id=b.public_id)
    result = verify(world)
    assert (result.problem.kind, result.problem.seq) == ("changed", 6)


def test_a_payee_identity_swapped_in_the_people_table_is_found(world, signed):
    paid = add(world, amount=30_000, payee=world.villager_a.villager, counterparty="", purpose="高龄补贴")
    assert verify(world).ok
    # The people table is rewritten so that the row paid now holds someone else's identity.
    a, b = world.villager_a.villager, world.helper.villager
    columns = ("name", "id_number", "id_hash")
    rows = {v.pk: Villager.objects.filter(pk=v.pk).values_list(*columns).get() for v in (a, b)}
    Villager.objects.filter(pk=b.pk).update(id_hash="x" * 64)
    Villager.objects.filter(pk=a.pk).update(**dict(zip(columns, rows[b.pk])))
    Villager.objects.filter(pk=b.pk).update(**dict(zip(columns, rows[a.pk])))
    result = verify(world)
    assert (result.problem.kind, result.problem.seq) == ("payee_changed", paid.seq)
    # Pointing the entry at another villager instead is found the same way.
    Villager.objects.filter(pk=b.pk).update(id_hash="x" * 64)
    Villager.objects.filter(pk=a.pk).update(**dict(zip(columns, rows[a.pk])))
    Villager.objects.filter(pk=b.pk).update(**dict(zip(columns, rows[b.pk])))
    assert verify(world).ok
    _update(paid, payee=b)
    assert (verify(world).problem.kind, verify(world).problem.seq) == ("payee_changed", paid.seq)


# ---- the printed head and the public page


def test_the_printed_head_is_checked_on_the_public_page(world, signed, client):
    from cunzhi.ledger.selectors import period_verify_url

    entries, period = signed
    url = period_verify_url(period=period)
    assert f"head={entries[4].hash}" in url and "seq=5" in url  # the full head, not 16 digits
    page = client.get("/" + url.split("://", 1)[1].split("/", 1)[1]).content.decode()  # as a phone scanning it
    assert "matches the head printed on the notice" in page
    assert "2 entries after the last sign-off are not yet signed off" in page
    # A head that is not the chain's: the ledger was rewritten after the notice was printed.
    bad = client.get(
        reverse("ledger:verify"), {"village": world.village_a.code, "seq": 5, "head": "0" * 64}
    ).content.decode()
    assert "does not verify" in bad and "printed on the notice" in bad
    # Bad input: a clear message, no comparison, no server error.
    r = client.get(reverse("ledger:verify"), {"village": world.village_a.code, "seq": "five", "head": "xyz"})
    assert r.status_code == 200 and "64-character" in r.content.decode()


def test_the_printed_finance_notice_carries_the_full_witnessed_head(world, signed, login, settings, monkeypatch):
    import subprocess

    from cunzhi.disclosure import printing
    from cunzhi.disclosure.models import Post
    from cunzhi.disclosure.services import finance_disclosure_generate

    settings.SITE_URL = "https://cunzhi.example.gov.cn"
    entries, period = signed
    post = finance_disclosure_generate(period=period, actor=world.cadre_a)
    head = entries[4].hash
    assert f"entry #5, hash {head}" in Post.objects.get(pk=post.pk).body  # all 64 digits, not 16
    rendered = {}
    real = printing.render_to_string
    monkeypatch.setattr(printing, "render_to_string", lambda name, ctx: rendered.update(ctx) or real(name, ctx))
    pdf = login(world.cadre_a).get(reverse("disclosure:post_pdf", args=[post.public_id])).content
    text = "".join(
        subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode().split()
    )
    url = f"https://cunzhi.example.gov.cn/ledger/verify/?village={world.village_a.code}&seq=5&head={head}"
    assert url in text  # printed under the second QR code, which encodes the same address
    assert rendered["ledger_qr"] == printing.qr_data_uri(url)
