"""Writes for the ledger: append entries (and reversing entries), close periods, verify chains, generate disclosures."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import unicodedata
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cunzhi.core.audit import audit_record
from cunzhi.disclosure.periods import month_bounds, quarter_bounds
from cunzhi.ledger import chain as chainlib
from cunzhi.ledger import rules
from cunzhi.ledger.models import (
    AppendOnly, Chain, Direction, Entry, FinanceCategory, Period, PeriodKind, Voucher,
)
from cunzhi.regions.models import Level, Region

MAX_AMOUNT_FEN = 10_000_000_000_00  # ten billion yuan: far above any village's turnover, catches typos of units
MAX_VOUCHERS = 10
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# ---------------------------------------------------------------- input

def parse_amount(raw) -> int:
    """An amount typed in yuan ("1,234.5", "１２３元", "¥80") as integer fen; refuses anything else."""
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()
    text = text.replace(",", "").replace(" ", "").removeprefix("¥").removeprefix("￥").removesuffix("元")
    if not text:
        raise ValidationError({"amount": _("Enter the amount in yuan, for example 1250.50.")})
    if text.startswith("-"):
        raise ValidationError({"amount": _("The amount cannot be negative. To correct an entry, reverse it.")})
    if not re.fullmatch(r"\d+(\.\d{1,2})?", text):
        if re.fullmatch(r"\d+\.\d{3,}", text):
            raise ValidationError({"amount": _("An amount has at most two decimals (fen).")})
        raise ValidationError({"amount": _("The amount must be a number in yuan, for example 1250.50.")})
    try:
        fen = int((Decimal(text) * 100).to_integral_exact())
    except InvalidOperation:
        raise ValidationError({"amount": _("The amount must be a number in yuan, for example 1250.50.")})
    _check_amount(fen)
    return fen


def _check_amount(fen) -> None:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise ValidationError({"amount": _("The amount must be a whole number of fen.")})
    if fen < 0:
        raise ValidationError({"amount": _("The amount cannot be negative. To correct an entry, reverse it.")})
    if fen == 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    if fen > MAX_AMOUNT_FEN:
        raise ValidationError({"amount": _("The amount is too large; check the unit (yuan, not fen).")})


def _clean(value: str, limit: int) -> str:
    return _CONTROL.sub(" ", value or "").strip()[:limit]


def yuan(fen: int) -> str:
    """Fen shown as yuan with two decimals and thousands separators: 123456 -> 1,234.56."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{part:02d}"


# ---------------------------------------------------------------- periods

def period_bounds(kind: str, start: dt.date) -> tuple[dt.date, dt.date]:
    """The month or quarter that `start` opens; refuses a day that does not open one."""
    if kind not in PeriodKind.values:
        raise ValidationError({"kind": _("Choose a month or a quarter.")})
    first, last = month_bounds(start) if kind == PeriodKind.MONTH else quarter_bounds(start)
    if first != start:
        raise ValidationError({"start": _("A period starts on the first day of a month or quarter.")})
    return first, last


def _closed_through(village) -> dt.date | None:
    return Chain.objects.filter(village=village).values_list("closed_through", flat=True).first()


def date_check_open(*, village, date: dt.date) -> None:
    """Refuse a date inside a signed-off period (or after today)."""
    if not isinstance(date, dt.date):
        raise ValidationError({"date": _("Enter the date of the transaction.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("The date is in the future.")})
    closed = _closed_through(village)
    if closed and date <= closed:
        raise ValidationError({"date": _("The books are closed up to %(day)s (signed off by the supervision "
                                         "committee). Date the entry after that day; a correction of a closed "
                                         "period is a reversing entry dated today.") % {"day": closed.isoformat()}})


# ---------------------------------------------------------------- entries

def _lock_chain(village) -> Chain:
    """The village's chain head, locked until the transaction ends (created on the first entry)."""
    head = Chain.objects.select_for_update().filter(village=village).first()
    if head is None:
        Chain.objects.get_or_create(village=village, defaults={"region_code": village.code})
        head = Chain.objects.select_for_update().get(village=village)
    return head


def _append(*, village, actor, date, direction, category, amount_fen, counterparty, purpose, payee=None,
            reverses: Entry | None = None, files=(), audit: bool = True) -> Entry:
    files = list(files)
    sha = [hashlib.sha256(_read(f)).hexdigest() for f in files]
    with transaction.atomic():
        head = _lock_chain(village)
        # Checked again under the lock: a sign-off may have closed the date meanwhile.
        if head.closed_through and date <= head.closed_through:
            raise ValidationError({"date": _("The books are closed up to %(day)s.")
                                   % {"day": head.closed_through.isoformat()}})
        recorded_at = timezone.now()
        entry = Entry(village=village, region_code=village.code, seq=head.head_seq + 1, date=date, direction=direction,
                      category=category, amount_fen=amount_fen, counterparty=counterparty, payee=payee,
                      purpose=purpose, reverses=reverses, vouchers_digest=chainlib.vouchers_digest(sha),
                      recorded_by=actor if getattr(actor, "pk", None) else None,
                      recorded_by_name=getattr(actor, "name", "") or "", recorded_at=recorded_at,
                      prev_hash=head.head_hash)
        entry.hash = chainlib.entry_hash(village.code, entry.seq, date, direction, category, amount_fen, counterparty,
                                         payee.pk if payee else None, purpose, reverses.pk if reverses else None,
                                         entry.vouchers_digest, entry.recorded_by_id, entry.recorded_by_name,
                                         recorded_at, entry.prev_hash)
        entry.save()
        for f, digest in zip(files, sha):
            voucher = Voucher(entry=entry, content_type=getattr(f, "content_type", ""), sha256=digest,
                              original_name=(getattr(f, "original_name", "") or "")[:200])
            voucher.file.save(f.name, f, save=False)
            voucher.save()
        signed = amount_fen if direction == Direction.INCOME else -amount_fen
        Chain.objects.filter(pk=head.pk).update(head_seq=entry.seq, head_hash=entry.hash,
                                                balance_fen=head.balance_fen + signed, updated_at=recorded_at)
        if audit:
            audit_record(actor=actor, action="ledger.entry.reverse" if reverses else "ledger.entry.append", obj=entry,
                         after={"seq": entry.seq, "amount_fen": amount_fen, "direction": direction,
                                "category": category, "hash": entry.hash})
    return entry


def _read(f) -> bytes:
    f.seek(0)
    data = f.read()
    f.seek(0)
    return data


def entry_append(*, village, actor, date: dt.date, direction: str, category: str, amount_fen: int,
                 counterparty: str = "", purpose: str, payee=None, vouchers=(), audit: bool = True) -> Entry:
    """Record one income or expenditure at the end of the village's chain (vouchers: files from file_intake)."""
    if not isinstance(village, Region) or village.level != Level.VILLAGE:
        raise ValueError("village must be a regions.Region of level village")
    errors = {}
    if direction not in Direction.values:
        errors["direction"] = _("Choose income or expenditure.")
    if category not in FinanceCategory.values:
        errors["category"] = _("Choose one of the eight financial disclosure categories.")
    try:
        _check_amount(amount_fen)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        date_check_open(village=village, date=date)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if payee is not None and payee.region_code != village.code:
        errors["payee"] = _("The payee must be a villager of this village.")
    counterparty = _clean(counterparty, 100) or (payee.name if payee is not None else "")
    purpose = _clean(purpose, 300)
    if not counterparty:
        errors["counterparty"] = _("Name who paid or who was paid.")
    if not purpose:
        errors["purpose"] = _("Say what the money was for.")
    if len(list(vouchers)) > MAX_VOUCHERS:
        errors["vouchers"] = _("At most %(n)s voucher files per entry.") % {"n": MAX_VOUCHERS}
    if errors:
        raise ValidationError(errors)
    return _append(village=village, actor=actor, date=date, direction=direction, category=category,
                   amount_fen=amount_fen, counterparty=counterparty, purpose=purpose, payee=payee, files=vouchers,
                   audit=audit)


def entry_reverse(*, entry: Entry, actor, reason: str, date: dt.date | None = None) -> Entry:
    """Correct an entry the only way the ledger allows: a new entry with the negated amount."""
    reason = _clean(reason, 300)
    if not reason:
        raise ValidationError({"reason": _("Say why the entry is reversed.")})
    if entry.reverses_id:
        raise ValidationError(_("This entry is itself a reversal; record a new entry instead."))
    if Entry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This entry has already been reversed."))
    date = date or timezone.localdate()
    date_check_open(village=entry.village, date=date)
    return _append(village=entry.village, actor=actor, date=date, direction=entry.direction, category=entry.category,
                   amount_fen=-entry.amount_fen, counterparty=entry.counterparty, purpose=reason,
                   payee=entry.payee, reverses=entry)


def entry_edit(*, entry: Entry, actor, **changes) -> None:
    """Always refused: an entry is never edited, signed off or not. Kept so the refusal has one wording."""
    signed = _closed_through(entry.village)
    if signed and entry.date <= signed:
        raise ValidationError(_("Entry #%(seq)s lies in a period signed off by the supervision committee; it can "
                                "never be changed. Record a reversing entry instead.") % {"seq": entry.seq})
    raise ValidationError(_("Ledger entries are never edited. To correct entry #%(seq)s, reverse it and record "
                            "the right entry.") % {"seq": entry.seq})


# ---------------------------------------------------------------- periods

def period_close(*, village, kind: str, start: dt.date, actor, comment: str = "", today=None) -> Period:
    """The supervision committee signs off a month or quarter; the chain head at that moment is recorded."""
    if not rules.can_sign_off(actor, village.code):
        raise PermissionDenied
    first, last = period_bounds(kind, start)
    today = today or timezone.localdate()
    if last >= today:
        raise ValidationError({"start": _("This period has not ended yet; it can be signed off from %(day)s.")
                               % {"day": (last + dt.timedelta(days=1)).isoformat()}})
    with transaction.atomic():
        head = _lock_chain(village)
        if head.closed_through and first <= head.closed_through:
            raise ValidationError({"start": _("The books are already closed up to %(day)s.")
                                   % {"day": head.closed_through.isoformat()}})
        if head.closed_through and first != head.closed_through + dt.timedelta(days=1):
            raise ValidationError({"start": _("Periods are signed off in order: the next one starts on %(day)s.")
                                   % {"day": (head.closed_through + dt.timedelta(days=1)).isoformat()}})
        sums = Entry.objects.filter(village=village).aggregate(
            income=Sum("amount_fen", filter=Q(direction=Direction.INCOME, date__gte=first, date__lte=last)),
            expenditure=Sum("amount_fen", filter=Q(direction=Direction.EXPENDITURE, date__gte=first,
                                                   date__lte=last)),
            income_all=Sum("amount_fen", filter=Q(direction=Direction.INCOME, date__lte=last)),
            expenditure_all=Sum("amount_fen", filter=Q(direction=Direction.EXPENDITURE, date__lte=last)))
        period = Period.objects.create(village=village, kind=kind, start=first, end=last, signed_by=actor,
                                       signed_by_name=actor.name, signed_at=timezone.now(),
                                       comment=_clean(comment, 2000), head_seq=head.head_seq,
                                       head_hash=head.head_hash, income_fen=sums["income"] or 0,
                                       expenditure_fen=sums["expenditure"] or 0,
                                       closing_balance_fen=(sums["income_all"] or 0) - (sums["expenditure_all"] or 0))
        Chain.objects.filter(pk=head.pk).update(closed_through=last)
        audit_record(actor=actor, action="ledger.period.close", obj=period,
                     after={"start": first.isoformat(), "end": last.isoformat(), "head_seq": head.head_seq,
                            "head_hash": head.head_hash})
    return period


# ---------------------------------------------------------------- verification

def chain_verify(*, village, files: bool = False) -> chainlib.VerifyResult:
    """Recompute the village's chain from the stored rows; name the first entry that does not match."""
    started = time.perf_counter()
    code = village.code
    periods = list(Period.objects.filter(village=village).order_by("start")
                   .values_list("head_seq", "head_hash", "start", "end"))
    voucher_map: dict[int, list[str]] = {}
    for entry_id, sha in Voucher.objects.filter(entry__region_code=code).values_list("entry_id", "sha256"):
        voucher_map.setdefault(entry_id, []).append(sha)
    rows = _chain_rows(code)
    result = chainlib.chain_recompute(code, rows, vouchers=voucher_map,
                                      checkpoints=frozenset(p[0] for p in periods))
    if result.ok:
        head = Chain.objects.filter(village=village).values_list("head_seq", "head_hash").first()
        if head and head[0] > result.head_seq:
            # Entries at the end were deleted: the chain head remembers more than the table holds.
            result.problem = chainlib.Problem("truncated", result.head_seq + 1)
        elif head and head[0] == result.head_seq and head[1] != result.head_hash:
            result.problem = chainlib.Problem("changed", result.head_seq,
                                              Entry.objects.filter(region_code=code, seq=result.head_seq)
                                              .values_list("public_id", flat=True).first() or "")
    if result.ok:
        hashes = result.extra.get("hashes", {})
        for head_seq, head_hash, start, end in periods:
            result.periods_checked += 1
            if head_seq == 0:
                if head_hash != chainlib.GENESIS:
                    result.problem = chainlib.Problem("signoff_mismatch", 0, period=f"{start}–{end}")
                    break
                continue
            if head_seq > result.head_seq:
                result.problem = chainlib.Problem("truncated", result.head_seq + 1, period=f"{start}–{end}")
                break
            if hashes.get(head_seq) != head_hash:
                # The chain was recomputed after a change: it no longer matches what was signed off.
                public_id = (Entry.objects.filter(region_code=code, seq=head_seq)
                             .values_list("public_id", flat=True).first() or "")
                result.problem = chainlib.Problem("signoff_mismatch", head_seq, public_id, period=f"{start}–{end}")
                break
    if result.ok and files:
        bad = _voucher_files_problem(code)
        if bad:
            result.problem = bad
    result.extra.pop("hashes", None)
    result.seconds = time.perf_counter() - started
    return result


def _chain_rows(code: str):
    """(id, public_id, hash, *HASH_FIELDS) in sequence order, straight from the cursor.

    Django's per-row converters (dates and times parsed into objects) cost more than the hashing
    itself; chain.entry_hash takes the database's own text forms, so 100,000 rows stay well under
    the two-second target.
    """
    table = connection.ops.quote_name(Entry._meta.db_table)
    exprs = []
    for name in ("id", "public_id", "hash", *chainlib.HASH_FIELDS):
        column = connection.ops.quote_name(Entry._meta.get_field(name).column)
        if connection.vendor == "postgresql" and name == "date":
            column = f"{column}::text"  # ISO, like date.isoformat()
        elif connection.vendor == "postgresql" and name == "recorded_at":
            column = f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
        exprs.append(column)
    columns = ", ".join(exprs)
    region = connection.ops.quote_name(Entry._meta.get_field("region_code").column)
    seq = connection.ops.quote_name(Entry._meta.get_field("seq").column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE {region} = %s ORDER BY {seq}", [code])
        while batch := cursor.fetchmany(5000):
            yield from batch


def _voucher_files_problem(code: str) -> chainlib.Problem | None:
    """Re-hash every stored voucher file: a photo replaced on disk is found too."""
    for voucher in Voucher.objects.filter(entry__region_code=code).select_related("entry").order_by("entry__seq"):
        try:
            with voucher.file.open("rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
        except OSError:
            digest = ""
        if digest != voucher.sha256:
            return chainlib.Problem("vouchers_changed", voucher.entry.seq, voucher.entry.public_id)
    return None


def problem_text(problem: chainlib.Problem) -> str:
    """The first bad entry, in words for the reader."""
    texts = {
        "changed": _("Entry #%(seq)s was changed after it was recorded: its contents no longer match its hash."),
        "broken_link": _("Entry #%(seq)s does not link to the entry before it: the chain was altered there."),
        "missing": _("Entry #%(seq)s is missing: it was deleted or renumbered."),
        "truncated": _("Entries from #%(seq)s on are missing: they were deleted."),
        "signoff_mismatch": _("Entry #%(seq)s no longer matches the chain head the supervision committee signed off "
                              "for %(period)s: the chain was rewritten."),
        "vouchers_changed": _("The voucher files of entry #%(seq)s were changed or removed."),
    }
    return texts[problem.kind] % {"seq": problem.seq, "period": problem.period}


# ---------------------------------------------------------------- the finance disclosure from the ledger

def period_disclosure_generate(*, period: Period, actor):
    """Draft the finance disclosure of a signed-off period from the ledger (no retyping), then send it for review."""
    from cunzhi.ledger.selectors import period_report

    if not rules.can_record(actor, period.region_code):
        raise PermissionDenied
    if period.disclosures.exclude(status="returned").exists():
        raise ValidationError(_("A disclosure for this period already exists."))
    # The notice is for the village's board: written in the site's language, whatever the cadre's screen shows.
    with translation.override(settings.LANGUAGE_CODE):
        return _period_disclosure(period=period, actor=actor, report=period_report(period=period))


def _period_disclosure(*, period: Period, actor, report: dict):
    from cunzhi.disclosure.models import Category
    from cunzhi.disclosure.services import post_create, post_submit

    category_labels = dict(FinanceCategory.choices)
    totals = {"title": _("Totals by category"), "header": [_("Category"), _("Income (yuan)"),
                                                           _("Expenditure (yuan)")],
              "rows": [[str(category_labels[c]), yuan(v["income"]), yuan(v["expenditure"])]
                       for c, v in report["by_category"].items()]
              + [[_("Total"), yuan(report["income"]), yuan(report["expenditure"])]]}
    entries = {"title": _("Every entry"), "header": [_("No."), _("Date"), _("Category"), _("Income or expenditure"),
                                                      _("Amount (yuan)"), _("Counterparty"), _("Purpose")],
               "rows": [[str(e.seq), e.date.isoformat(), str(category_labels[e.category]), e.get_direction_display(),
                         yuan(e.amount_fen), e.public_counterparty, e.purpose] for e in report["entries"]]}
    body = _("Income and expenditure of %(village)s from %(start)s to %(end)s, generated from the village ledger.\n"
             "Income %(income)s yuan, expenditure %(expenditure)s yuan; balance at the start %(opening)s yuan, "
             "closing balance %(closing)s yuan.\n"
             "Signed off by %(signer)s (supervision committee) on %(signed)s. Ledger chain head at sign-off: "
             "entry #%(seq)s, hash %(hash)s. Anyone can check it on the ledger verification page.") % {
        "village": period.village.name, "start": period.start.isoformat(), "end": period.end.isoformat(),
        "income": yuan(report["income"]), "expenditure": yuan(report["expenditure"]),
        "opening": yuan(report["opening_balance"]), "closing": yuan(period.closing_balance_fen),
        "signer": period.signed_by_name, "signed": timezone.localtime(period.signed_at).date().isoformat(),
        "seq": period.head_seq, "hash": period.head_hash[:16]}
    title = _("%(village)s financial disclosure %(start)s to %(end)s") % {
        "village": period.village.name, "start": period.start.isoformat(), "end": period.end.isoformat()}
    with transaction.atomic():
        post = post_create(village=period.village, category=Category.FINANCE, title=title, body=body,
                           tables=[totals, entries], period_start=period.start, period_end=period.end, actor=actor,
                           generated=True, ledger_period=period)
        post_submit(post=post, actor=actor)
    return post


__all__ = ["AppendOnly", "chain_verify", "entry_append", "entry_edit", "entry_reverse", "parse_amount",
           "period_close", "period_disclosure_generate", "problem_text", "yuan"]
