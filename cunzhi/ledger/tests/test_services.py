"""Ledger services: append-only hash chain, reversing entries, periods, verification, refusals."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cunzhi.core.models import AuditEvent
from cunzhi.ledger import chain as chainlib
from cunzhi.ledger.models import AppendOnly, Chain, Entry, Period, Voucher
from cunzhi.ledger.selectors import period_report, totals_of
from cunzhi.ledger.services import (
    chain_verify,
    entry_append,
    entry_edit,
    entry_reverse,
    parse_amount,
    period_close,
    problem_text,
    yuan,
)

from .helpers import add, last_month_start, rehash


def test_append_links_each_entry_to_the_one_before(world):
    a = add(world, amount=120_000, direction="income", category="income", purpose="土地租金")
    b = add(world, amount=30_050)
    assert (a.seq, b.seq) == (1, 2)
    assert a.prev_hash == chainlib.GENESIS and b.prev_hash == a.hash
    head = Chain.objects.get(village=world.village_a)
    assert (head.head_seq, head.head_hash, head.balance_fen) == (2, b.hash, 120_000 - 30_050)
    assert AuditEvent.objects.filter(action="ledger.entry.append").count() == 2
    result = chain_verify(village=world.village_a)
    assert result.ok and result.count == 2 and result.head_hash == b.hash


def test_chains_are_per_village(world):
    add(world)
    b1 = add(world, village=world.village_b, actor=None)
    assert b1.seq == 1 and b1.prev_hash == chainlib.GENESIS


def test_entries_cannot_be_edited_or_deleted_through_the_orm(world):
    entry = add(world)
    entry.amount_fen = 1
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    entry.refresh_from_db()
    assert entry.amount_fen == 10_000


def test_edit_is_always_refused_with_a_clear_message(world, supervisor_a):
    entry = add(world, date=last_month_start())
    with pytest.raises(ValidationError, match="never edited"):
        entry_edit(entry=entry, actor=world.cadre_a, amount_fen=1)
    period_close(village=world.village_a, kind="month", start=last_month_start(), actor=supervisor_a)
    with pytest.raises(ValidationError, match="signed off"):
        entry_edit(entry=entry, actor=world.cadre_a, amount_fen=1)
    assert Entry.objects.get(pk=entry.pk).amount_fen == 10_000


def test_reversal_negates_and_totals_come_out_right(world):
    entry = add(world, amount=50_000, payee=world.villager_a.villager, counterparty="", purpose="养老补贴")
    assert entry.counterparty == "张三"
    rev = entry_reverse(entry=entry, actor=world.cadre_a, reason="重复发放，冲销")
    assert rev.amount_fen == -50_000 and rev.reverses_id == entry.pk and rev.seq == 2
    assert totals_of(village=world.village_a)["expenditure"] == 0
    with pytest.raises(ValidationError, match="already been reversed"):
        entry_reverse(entry=entry, actor=world.cadre_a, reason="again")
    with pytest.raises(ValidationError, match="itself a reversal"):
        entry_reverse(entry=rev, actor=world.cadre_a, reason="again")
    with pytest.raises(ValidationError):
        entry_reverse(entry=add(world), actor=world.cadre_a, reason="  ")
    assert chain_verify(village=world.village_a).ok


@pytest.mark.parametrize(
    "raw, fen", [("1250.5", 125050), ("１,２３４元", 123400), ("¥80", 8000), ("0.01", 1), (" 3 000.00 ", 300000)]
)
def test_parse_amount_accepts_what_people_type(raw, fen):
    assert parse_amount(raw) == fen


@pytest.mark.parametrize(
    "raw, message",
    [
        ("-5", "negative"),
        ("abc", "number"),
        ("12.345", "two decimals"),
        ("", "Enter the amount"),
        ("0", "more than zero"),
        ("1e5", "number"),
        ("99999999999999", "too large"),
        ("NaN", "number"),
    ],
)
def test_parse_amount_refuses(raw, message):
    with pytest.raises(ValidationError, match=message):
        parse_amount(raw)


@pytest.mark.parametrize("amount", [-1, 0, 1.5, "100", True])
def test_service_refuses_bad_amounts_and_changes_nothing(world, amount):
    with pytest.raises(ValidationError):
        add(world, amount=amount)
    assert not Entry.objects.exists() and not Chain.objects.filter(head_seq__gt=0).exists()


def test_service_refuses_bad_fields(world):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        entry_append(
            village=world.village_a,
            actor=world.cadre_a,
            date=today + dt.timedelta(days=1),
            direction="sideways",
            category="gifts",
            amount_fen=100,
            counterparty=" ",
            purpose="",
            payee=world.villager_b.villager,
        )
    # The counterparty would default to the payee's name, so it is not missing here.
    assert set(exc.value.message_dict) == {"date", "direction", "category", "purpose", "payee"}
    assert not Entry.objects.exists()


def test_period_close_records_head_and_locks_dates(world, supervisor_a):
    start = last_month_start()
    add(world, amount=200_000, direction="income", category="income", date=start, purpose="集体资产租金")
    add(world, amount=50_000, date=start + dt.timedelta(days=3))
    current = add(world, amount=7_000)  # dated today: after the period, before the sign-off
    period = period_close(village=world.village_a, kind="month", start=start, actor=supervisor_a, comment="账实相符")
    assert (period.head_seq, period.head_hash) == (3, current.hash)
    assert (period.income_fen, period.expenditure_fen, period.closing_balance_fen) == (200_000, 50_000, 150_000)
    assert AuditEvent.objects.filter(action="ledger.period.close").exists()
    # A date in the closed period is refused, nothing changed.
    with pytest.raises(ValidationError, match="closed up to"):
        add(world, date=start + dt.timedelta(days=5))
    assert Entry.objects.count() == 3
    # Closing it again, or out of order, is refused.
    with pytest.raises(ValidationError, match="already closed"):
        period_close(village=world.village_a, kind="month", start=start, actor=supervisor_a)


def test_period_close_refusals(world, supervisor_a):
    this_month = timezone.localdate().replace(day=1)
    with pytest.raises(PermissionDenied):
        period_close(village=world.village_a, kind="month", start=last_month_start(), actor=world.cadre_a)
    with pytest.raises(ValidationError, match="not ended"):
        period_close(village=world.village_a, kind="month", start=this_month, actor=supervisor_a)
    with pytest.raises(ValidationError, match="first day"):
        period_close(
            village=world.village_a, kind="month", start=last_month_start() + dt.timedelta(days=1), actor=supervisor_a
        )
    two_back = (last_month_start() - dt.timedelta(days=1)).replace(day=1)
    three_back = (two_back - dt.timedelta(days=1)).replace(day=1)
    period_close(village=world.village_a, kind="month", start=three_back, actor=supervisor_a)
    with pytest.raises(ValidationError, match="in order"):
        period_close(village=world.village_a, kind="month", start=last_month_start(), actor=supervisor_a)
    assert Period.objects.count() == 1


def test_reversal_of_a_closed_entry_is_dated_in_the_open_period(world, supervisor_a):
    entry = add(world, date=last_month_start())
    period_close(village=world.village_a, kind="month", start=last_month_start(), actor=supervisor_a)
    with pytest.raises(ValidationError, match="closed up to"):
        entry_reverse(entry=entry, actor=world.cadre_a, reason="错账", date=last_month_start())
    rev = entry_reverse(entry=entry, actor=world.cadre_a, reason="错账")
    assert rev.date == timezone.localdate()


def test_period_report_totals_and_balances(world, supervisor_a):
    start = last_month_start()
    add(world, amount=100_000, direction="income", category="income", date=start - dt.timedelta(days=1))
    add(world, amount=40_000, direction="income", category="resources", date=start)
    e = add(
        world,
        amount=15_000,
        category="expenditure",
        date=start + dt.timedelta(days=1),
        payee=world.villager_a.villager,
        counterparty="",
        purpose="误工补贴 卡号6222021234567890123",
    )
    period = period_close(village=world.village_a, kind="month", start=start, actor=supervisor_a)
    report = period_report(period=period)
    assert report["opening_balance"] == 100_000
    assert report["closing_balance"] == 100_000 + 40_000 - 15_000 == period.closing_balance_fen
    assert report["by_category"] == {
        "expenditure": {"income": 0, "expenditure": 15_000},
        "resources": {"income": 40_000, "expenditure": 0},
    }
    assert [x.seq for x in report["entries"]] == [2, 3]
    assert report["entries"][1].public_counterparty == "张*" and e.counterparty == "张三"


def test_yuan_formatting():
    assert yuan(123456) == "1,234.56" and yuan(-5) == "-0.05" and yuan(0) == "0.00"


# ---- tampering, detected


def _tamper(entry, **fields):
    """What an attacker with database access does: bypass the model's refusal with a queryset update."""
    Entry.objects.filter(pk=entry.pk).update(**fields)


def test_changed_amount_is_detected_and_named(world):
    entries = [add(world, amount=1000 * (i + 1)) for i in range(5)]
    _tamper(entries[2], amount_fen=1)
    result = chain_verify(village=world.village_a)
    assert not result.ok and result.problem.kind == "changed" and result.problem.seq == 3
    assert result.problem.public_id == entries[2].public_id
    assert "#3" in problem_text(result.problem)


def test_changed_and_rehashed_entry_breaks_the_next_link(world):
    entries = [add(world, amount=1000 * (i + 1)) for i in range(4)]
    e = Entry.objects.get(pk=entries[1].pk)
    _tamper(e, amount_fen=1, hash=rehash(e, prev=e.prev_hash, amount_fen=1))
    result = chain_verify(village=world.village_a)
    assert result.problem.kind == "broken_link" and result.problem.seq == 3


def test_rewritten_chain_is_caught_by_the_signed_off_head(world, supervisor_a):
    start = last_month_start()
    entries = [add(world, amount=1000 * (i + 1), date=start + dt.timedelta(days=i)) for i in range(3)]
    period_close(village=world.village_a, kind="month", start=start, actor=supervisor_a)
    # Rewrite everything from entry 2 on, hashes and head included.
    prev = entries[0].hash
    for e in Entry.objects.filter(seq__gte=2).order_by("seq"):
        amount = 1 if e.seq == 2 else e.amount_fen
        h = rehash(e, prev=prev, amount_fen=amount)
        _tamper(e, amount_fen=amount, hash=h, prev_hash=prev)
        prev = h
    Chain.objects.filter(village=world.village_a).update(head_hash=prev)
    result = chain_verify(village=world.village_a)
    assert result.problem.kind == "signoff_mismatch" and result.problem.seq == 3


def test_deleted_entries_are_detected(world):
    entries = [add(world) for _ in range(4)]
    Entry.objects.filter(pk=entries[1].pk)._raw_delete(Entry.objects.db)
    result = chain_verify(village=world.village_a)
    assert result.problem.kind == "missing" and result.problem.seq == 2
    # With #2 to #4 gone, only #1 is left while the chain head still says 4: the tail is missing.
    Entry.objects.filter(pk__in=[entries[2].pk, entries[3].pk])._raw_delete(Entry.objects.db)
    result = chain_verify(village=world.village_a)
    assert result.problem.kind == "truncated" and result.problem.seq == 2


def test_vouchers_are_part_of_the_chain(world):
    photo = ContentFile(b"%PDF-1.4 receipt", name="r.pdf")
    entry = add(world, vouchers=[photo])
    voucher = Voucher.objects.get(entry=entry)
    assert entry.vouchers_digest == chainlib.vouchers_digest([voucher.sha256])
    assert chain_verify(village=world.village_a, files=True).ok
    Voucher.objects.filter(pk=voucher.pk).update(sha256="0" * 64)
    assert chain_verify(village=world.village_a).problem.kind == "vouchers_changed"
    Voucher.objects.filter(pk=voucher.pk).update(sha256=voucher.sha256)
    # A file replaced on disk is found by --files.
    with voucher.file.storage.open(voucher.file.name, "wb") as fh:
        fh.write(b"%PDF-1.4 forged")
    assert chain_verify(village=world.village_a).ok
    assert chain_verify(village=world.village_a, files=True).problem.kind == "vouchers_changed"


def test_verify_ledger_command(world, capsys):
    entries = [add(world) for _ in range(3)]
    add(world, village=world.village_b, actor=None)
    call_command("verify_ledger")
    out = capsys.readouterr().out
    assert "OK   330523100201" in out and "OK   330523101201" in out and "All 2 ledger(s) verified" in out
    _tamper(entries[1], purpose="改过的用途")
    with pytest.raises(CommandError) as exc:
        call_command("verify_ledger", "--village", world.village_a.code)
    assert exc.value.returncode == 1
    assert "first bad entry: entry #2" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No village"):
        call_command("verify_ledger", "--village", "999999999999")


def test_verify_ledger_command_checks_witnessed_and_printed_heads(world, supervisor_a, capsys):
    from cunzhi.ledger.models import WitnessedHead

    start = last_month_start()
    entries = [add(world, date=start) for _ in range(2)] + [add(world)]
    period_close(village=world.village_a, kind="month", start=start, actor=supervisor_a)
    call_command("verify_ledger", "--village", world.village_a.code, "--printed-head", f"3:{entries[2].hash}")
    out = capsys.readouterr().out
    assert "OK   county 330523: witness log of 1 signed-off head(s) intact" in out
    assert "1 witnessed sign-offs checked, 0 entries not yet signed off, printed head #3 matches" in out
    with pytest.raises(CommandError) as exc:
        call_command("verify_ledger", "--village", world.village_a.code, "--printed-head", f"2:{entries[2].hash}")
    assert exc.value.returncode == 1 and "does not match the printed head at entry #2" in capsys.readouterr().err
    with pytest.raises(CommandError, match="SEQ:HASH"):
        call_command("verify_ledger", "--village", world.village_a.code, "--printed-head", "3")
    # The whole ledger of a village deleted (entries, chain head, sign-off): the county's log still names it.
    Entry.objects.all()._raw_delete(Entry.objects.db)
    Chain.objects.all().delete()
    Period.objects.all().delete()
    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert "BAD  330523100201 鹤鹿溪村: first bad entry: entries from #1 on are missing" in capsys.readouterr().err
    # A record of the county's log changed in the database: its seal no longer matches.
    WitnessedHead.objects.update(signed_by_name="某人")
    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert "BAD  county 330523: the county's witness log was altered at record #1" in capsys.readouterr().err


def test_sign_off_refused_over_an_altered_witness_log(world, supervisor_a):
    from cunzhi.ledger.models import WitnessLog

    two_back = (last_month_start() - dt.timedelta(days=1)).replace(day=1)
    period_close(village=world.village_a, kind="month", start=two_back, actor=supervisor_a)
    WitnessLog.objects.update(head_seq=5)
    with pytest.raises(ValidationError, match="witness log"):
        period_close(village=world.village_a, kind="month", start=last_month_start(), actor=supervisor_a)
    assert Period.objects.count() == 1


def test_hash_is_the_same_from_objects_and_from_stored_text():
    """chain_verify reads SQLite's stored text; appends hash Python objects: both must agree."""
    at = dt.datetime(2024, 5, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    whole = dt.datetime(2024, 5, 1, 2, 3, 4, tzinfo=dt.UTC)

    def h(date, recorded_at):
        return chainlib.entry_hash(
            "330523100201", "abc", 1, date, "income", "income", 100, "x", "", "y", None, "", "n", recorded_at, "0"
        )

    assert h(dt.date(2024, 5, 1), at) == h("2024-05-01", "2024-05-01 02:03:04.000005")
    assert h(dt.date(2024, 5, 1), whole) == h("2024-05-01", "2024-05-01 02:03:04")
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert h(dt.date(2024, 5, 1), at.astimezone(shanghai)) == h(dt.date(2024, 5, 1), at)


def test_the_hash_binds_content_not_database_ids(world):
    """The entry's public id, the payee's identity and the reversed entry's number are in the hash."""
    entry = add(world, amount=50_000, payee=world.villager_a.villager, counterparty="", purpose="养老补贴")
    rev = entry_reverse(entry=entry, actor=world.cadre_a, reason="冲销")
    assert entry.payee_key == world.villager_a.villager.id_hash
    assert rev.hash == rehash(rev, prev=entry.hash)
    for changed in ({"public_id": "other"}, {"payee_key": "0" * 64}, {"reverses_seq": 2}):
        assert rehash(rev, prev=entry.hash, **changed) != rev.hash
