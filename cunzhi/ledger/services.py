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
    AppendOnly,
    Chain,
    Direction,
    Entry,
    FinanceCategory,
    Period,
    PeriodKind,
    Voucher,
    WitnessedHead,
    WitnessLog,
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
        raise ValidationError({"amount": _("The amount must be a number in yuan, for example 1250.50.")}) from None
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
        raise ValidationError(
            {
                "date": _(
                    "The books are closed up to %(day)s (signed off by the supervision "
                    "committee). Date the entry after that day; a correction of a closed "
                    "period is a reversing entry dated today."
                )
                % {"day": closed.isoformat()}
            }
        )


# ---------------------------------------------------------------- entries


def _lock_chain(village) -> Chain:
    """The village's chain head, locked until the transaction ends (created on the first entry)."""
    head = Chain.objects.select_for_update().filter(village=village).first()
    if head is None:
        Chain.objects.get_or_create(
            village=village,
            defaults={"region_code": village.code, "head_seal": chainlib.head_seal(village.code, 0, chainlib.GENESIS)},
        )
        head = Chain.objects.select_for_update().get(village=village)
    return head


def _append(
    *,
    village,
    actor,
    date,
    direction,
    category,
    amount_fen,
    counterparty,
    purpose,
    payee=None,
    reverses: Entry | None = None,
    files=(),
    audit: bool = True,
) -> Entry:
    files = list(files)
    sha = [hashlib.sha256(_read(f)).hexdigest() for f in files]
    with transaction.atomic():
        head = _lock_chain(village)
        # Checked again under the lock: a sign-off may have closed the date meanwhile.
        if head.closed_through and date <= head.closed_through:
            raise ValidationError(
                {"date": _("The books are closed up to %(day)s.") % {"day": head.closed_through.isoformat()}}
            )
        recorded_at = timezone.now()
        entry = Entry(
            village=village,
            region_code=village.code,
            seq=head.head_seq + 1,
            date=date,
            direction=direction,
            category=category,
            amount_fen=amount_fen,
            counterparty=counterparty,
            payee=payee,
            payee_key=payee.id_hash if payee else "",
            purpose=purpose,
            reverses=reverses,
            vouchers_digest=chainlib.vouchers_digest(sha),
            recorded_by=actor if getattr(actor, "pk", None) else None,
            recorded_by_name=getattr(actor, "name", "") or "",
            recorded_at=recorded_at,
            prev_hash=head.head_hash,
        )
        entry.hash = chainlib.entry_hash(
            village.code,
            entry.public_id,
            entry.seq,
            date,
            direction,
            category,
            amount_fen,
            counterparty,
            entry.payee_key,
            purpose,
            reverses.seq if reverses else None,
            entry.vouchers_digest,
            entry.recorded_by_name,
            recorded_at,
            entry.prev_hash,
        )
        entry.save()
        for f, digest in zip(files, sha):
            voucher = Voucher(
                entry=entry,
                content_type=getattr(f, "content_type", ""),
                sha256=digest,
                original_name=(getattr(f, "original_name", "") or "")[:200],
            )
            voucher.file.save(f.name, f, save=False)
            voucher.save()
        signed = amount_fen if direction == Direction.INCOME else -amount_fen
        Chain.objects.filter(pk=head.pk).update(
            head_seq=entry.seq,
            head_hash=entry.hash,
            head_seal=chainlib.head_seal(village.code, entry.seq, entry.hash),
            balance_fen=head.balance_fen + signed,
            updated_at=recorded_at,
        )
        if audit:
            audit_record(
                actor=actor,
                action="ledger.entry.reverse" if reverses else "ledger.entry.append",
                obj=entry,
                after={
                    "seq": entry.seq,
                    "amount_fen": amount_fen,
                    "direction": direction,
                    "category": category,
                    "hash": entry.hash,
                },
            )
    return entry


def _read(f) -> bytes:
    f.seek(0)
    data = f.read()
    f.seek(0)
    return data


def entry_append(
    *,
    village,
    actor,
    date: dt.date,
    direction: str,
    category: str,
    amount_fen: int,
    counterparty: str = "",
    purpose: str,
    payee=None,
    vouchers=(),
    audit: bool = True,
) -> Entry:
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
    return _append(
        village=village,
        actor=actor,
        date=date,
        direction=direction,
        category=category,
        amount_fen=amount_fen,
        counterparty=counterparty,
        purpose=purpose,
        payee=payee,
        files=vouchers,
        audit=audit,
    )


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
    return _append(
        village=entry.village,
        actor=actor,
        date=date,
        direction=entry.direction,
        category=entry.category,
        amount_fen=-entry.amount_fen,
        counterparty=entry.counterparty,
        purpose=reason,
        payee=entry.payee,
        reverses=entry,
    )


def entry_edit(*, entry: Entry, actor, **changes) -> None:
    """Always refused: an entry is never edited, signed off or not. Kept so the refusal has one wording."""
    signed = _closed_through(entry.village)
    if signed and entry.date <= signed:
        raise ValidationError(
            _(
                "Entry #%(seq)s lies in a period signed off by the supervision committee; it can "
                "never be changed. Record a reversing entry instead."
            )
            % {"seq": entry.seq}
        )
    raise ValidationError(
        _("Ledger entries are never edited. To correct entry #%(seq)s, reverse it and record the right entry.")
        % {"seq": entry.seq}
    )


# ---------------------------------------------------------------- periods


def period_close(*, village, kind: str, start: dt.date, actor, comment: str = "", today=None) -> Period:
    """The supervision committee signs off a month or quarter; the chain head at that moment is recorded."""
    if not rules.can_sign_off(actor, village.code):
        raise PermissionDenied
    first, last = period_bounds(kind, start)
    today = today or timezone.localdate()
    if last >= today:
        raise ValidationError(
            {
                "start": _("This period has not ended yet; it can be signed off from %(day)s.")
                % {"day": (last + dt.timedelta(days=1)).isoformat()}
            }
        )
    with transaction.atomic():
        head = _lock_chain(village)
        if head.closed_through and first <= head.closed_through:
            raise ValidationError(
                {"start": _("The books are already closed up to %(day)s.") % {"day": head.closed_through.isoformat()}}
            )
        if head.closed_through and first != head.closed_through + dt.timedelta(days=1):
            raise ValidationError(
                {
                    "start": _("Periods are signed off in order: the next one starts on %(day)s.")
                    % {"day": (head.closed_through + dt.timedelta(days=1)).isoformat()}
                }
            )
        sums = Entry.objects.filter(village=village).aggregate(
            income=Sum("amount_fen", filter=Q(direction=Direction.INCOME, date__gte=first, date__lte=last)),
            expenditure=Sum("amount_fen", filter=Q(direction=Direction.EXPENDITURE, date__gte=first, date__lte=last)),
            income_all=Sum("amount_fen", filter=Q(direction=Direction.INCOME, date__lte=last)),
            expenditure_all=Sum("amount_fen", filter=Q(direction=Direction.EXPENDITURE, date__lte=last)),
        )
        period = Period.objects.create(
            village=village,
            kind=kind,
            start=first,
            end=last,
            signed_by=actor,
            signed_by_name=actor.name,
            signed_at=timezone.now(),
            comment=_clean(comment, 2000),
            head_seq=head.head_seq,
            head_hash=head.head_hash,
            income_fen=sums["income"] or 0,
            expenditure_fen=sums["expenditure"] or 0,
            closing_balance_fen=(sums["income_all"] or 0) - (sums["expenditure_all"] or 0),
        )
        Chain.objects.filter(pk=head.pk).update(closed_through=last)
        witness = _witness_append(period)
        audit_record(
            actor=actor,
            action="ledger.period.close",
            obj=period,
            after={
                "start": first.isoformat(),
                "end": last.isoformat(),
                "head_seq": head.head_seq,
                "head_hash": head.head_hash,
                "witness": f"{witness.county_code}#{witness.seq}",
            },
        )
    return period


def _witness_append(period: Period) -> WitnessedHead:
    """Record a sign-off's chain head in the county's witness log (in the sign-off's transaction)."""
    county = period.region_code[:6]
    log = WitnessLog.objects.select_for_update().filter(county_code=county).first()
    if log is None:
        if WitnessedHead.objects.filter(county_code=county).exists():
            raise ValidationError(_witness_refusal())  # the log's head row was deleted
        WitnessLog.objects.get_or_create(
            county_code=county, defaults={"seal": chainlib.log_seal(county, 0, chainlib.GENESIS)}
        )
        log = WitnessLog.objects.select_for_update().get(county_code=county)
    if not chainlib.seal_ok(log.seal, chainlib.log_seal(county, log.head_seq, log.head_mac)):
        # Never seal over a log someone altered: the evidence stays as it was found.
        raise ValidationError(_witness_refusal())
    fields = {
        "county_code": county,
        "seq": log.head_seq + 1,
        "village_code": period.region_code,
        "period_id": period.public_id,
        "start": period.start,
        "end": period.end,
        "head_seq": period.head_seq,
        "head_hash": period.head_hash,
        "signed_by_name": period.signed_by_name,
        "signed_at": period.signed_at,
        "prev_mac": log.head_mac,
    }
    witness = WitnessedHead.objects.create(**fields, mac=chainlib.witness_mac(**fields))
    WitnessLog.objects.filter(pk=log.pk).update(
        head_seq=witness.seq, head_mac=witness.mac, seal=chainlib.log_seal(county, witness.seq, witness.mac)
    )
    return witness


def _witness_refusal() -> str:
    return _(
        "The county's witness log of signed-off ledgers was altered outside the platform, so no sign-off "
        "can be recorded. Report it to the county; verify_ledger shows where."
    )


# ---------------------------------------------------------------- verification


def witness_log_verify(*, county_code: str) -> chainlib.Problem | None:
    """Check one county's witness log: every record's keyed MAC and link, and the sealed head row."""
    prev, seq = chainlib.GENESIS, 0
    for w in WitnessedHead.objects.filter(county_code=county_code).order_by("seq"):
        seq += 1
        fields = {
            "county_code": w.county_code,
            "seq": w.seq,
            "village_code": w.village_code,
            "period_id": w.period_id,
            "start": w.start,
            "end": w.end,
            "head_seq": w.head_seq,
            "head_hash": w.head_hash,
            "signed_by_name": w.signed_by_name,
            "signed_at": w.signed_at,
            "prev_mac": w.prev_mac,
        }
        if w.seq != seq or w.prev_mac != prev or not chainlib.seal_ok(w.mac, chainlib.witness_mac(**fields)):
            return chainlib.Problem("witness_altered", seq, period=f"{w.start}–{w.end}")
        prev = w.mac
    log = WitnessLog.objects.filter(county_code=county_code).first()
    if log is None:
        return chainlib.Problem("witness_altered", seq + 1) if seq else None
    if not chainlib.seal_ok(log.seal, chainlib.log_seal(county_code, log.head_seq, log.head_mac)) or (
        log.head_seq,
        log.head_mac,
    ) != (seq, prev):
        # Records deleted from the end (or a head row copied back from an older backup).
        return chainlib.Problem("witness_altered", min(seq, log.head_seq) + 1)
    return None


def parse_printed_head(seq, head) -> tuple[int, str]:
    """The chain head printed on a finance notice (entry number and full hash), or a clear refusal."""
    text = str(head or "").strip().lower()
    try:
        number = int(str(seq).strip())
    except (TypeError, ValueError):
        number = -1
    if number < 0 or not re.fullmatch(r"[0-9a-f]{64}", text):
        raise ValidationError(
            _(
                "The printed head is an entry number and a 64-character hash (scan the QR code "
                "on the financial notice to fill them in)."
            )
        )
    return number, text


def chain_verify(*, village, files: bool = False, printed: tuple[int, str] | None = None) -> chainlib.VerifyResult:
    """Recompute the village's chain from the stored rows and compare it with the county's witnessed heads
    (and a head printed on a notice); name the first bad entry."""
    started = time.perf_counter()
    code = village.code
    witnessed = list(WitnessedHead.objects.filter(village_code=code).order_by("seq"))
    voucher_map: dict[int, list[str]] = {}
    for entry_id, sha in Voucher.objects.filter(entry__region_code=code).values_list("entry_id", "sha256"):
        voucher_map.setdefault(entry_id, []).append(sha)
    checkpoints = {w.head_seq for w in witnessed} | ({printed[0]} if printed else set())
    result = chainlib.chain_recompute(code, _chain_rows(code), vouchers=voucher_map, checkpoints=frozenset(checkpoints))
    result.witnessed = witnessed
    hashes = result.extra.pop("hashes", {})
    for check in (
        lambda: witness_log_verify(county_code=code[:6]),
        lambda: _witnessed_problem(result, witnessed, hashes),
        lambda: _head_problem(village, result),
        lambda: _signoff_records_problem(village, witnessed),
        lambda: _printed_problem(result, printed, hashes),
        lambda: _voucher_files_problem(code) if files else None,
    ):
        if result.problem is None:
            result.problem = check()
    if result.ok:
        result.witnessed_seq = max((w.head_seq for w in witnessed), default=0)
        result.periods_checked = len(witnessed)
        result.printed_checked = printed is not None
    result.seconds = time.perf_counter() - started
    return result


def _public_id(code: str, seq: int) -> str:
    return Entry.objects.filter(region_code=code, seq=seq).values_list("public_id", flat=True).first() or ""


def _witnessed_problem(result, witnessed, hashes) -> chainlib.Problem | None:
    """The chain must pass through every head the county witnessed."""
    for w in witnessed:
        period = f"{w.start}–{w.end}"
        if w.head_seq > result.head_seq:
            return chainlib.Problem("truncated", result.head_seq + 1, period=period)
        expected = chainlib.GENESIS if w.head_seq == 0 else hashes.get(w.head_seq)
        if expected != w.head_hash:
            # The chain was recomputed after a change: it no longer matches what was signed off.
            return chainlib.Problem(
                "signoff_mismatch", w.head_seq, _public_id(result.village_code, w.head_seq), period=period
            )
    return None


def _head_problem(village, result) -> chainlib.Problem | None:
    """The chain head row must be sealed, and must end where the entries end."""
    head = Chain.objects.filter(village=village).values_list("head_seq", "head_hash", "head_seal").first()
    if head is None:
        return chainlib.Problem("head_unsealed", result.head_seq) if result.count else None
    head_seq, head_hash, seal = head
    if not chainlib.seal_ok(seal, chainlib.head_seal(village.code, head_seq, head_hash)):
        return chainlib.Problem("head_unsealed", head_seq)
    if head_seq > result.head_seq:
        # Entries at the end were deleted: the chain head remembers more than the table holds.
        return chainlib.Problem("truncated", result.head_seq + 1)
    if head_seq < result.head_seq:
        # Entries the ledger never appended: written into the table behind its back.
        return chainlib.Problem("appended", head_seq + 1, _public_id(village.code, head_seq + 1))
    if head_hash != result.head_hash:
        return chainlib.Problem("changed", head_seq, _public_id(village.code, head_seq))
    return None


def _signoff_records_problem(village, witnessed) -> chainlib.Problem | None:
    """The village's own record of its sign-offs must be what the county witnessed."""
    periods = {
        p[0]: p[1:]
        for p in Period.objects.filter(village=village).values_list(
            "public_id", "start", "end", "head_seq", "head_hash"
        )
    }
    seen = set()
    for w in witnessed:
        seen.add(w.period_id)
        if periods.get(w.period_id) != (w.start, w.end, w.head_seq, w.head_hash):
            return chainlib.Problem("signoff_altered", w.head_seq, period=f"{w.start}–{w.end}")
    for public_id, (start, end, head_seq, _hash) in sorted(periods.items(), key=lambda p: p[1][0]):
        if public_id not in seen:
            return chainlib.Problem("signoff_altered", head_seq, period=f"{start}–{end}")
    return None


def _printed_problem(result, printed, hashes) -> chainlib.Problem | None:
    if printed is None:
        return None
    seq, head = printed
    if seq > result.head_seq or (hashes.get(seq) if seq else chainlib.GENESIS) != head:
        return chainlib.Problem("printed_mismatch", seq, _public_id(result.village_code, seq))
    return None


def _chain_rows(code: str):
    """(id, hash, *HASH_FIELDS, payee_id, the payee's current key) in sequence order, straight from the cursor.

    Django's per-row converters (dates and times parsed into objects) cost more than the hashing
    itself; chain.entry_hash takes the database's own text forms, so 100,000 rows stay well under
    the two-second target. The reversed entry's number and the payee's identity are joined in:
    the hash binds them, not the database ids that point at them.
    """
    from cunzhi.people.models import Villager

    q = connection.ops.quote_name

    def col(alias, model, name):
        return f"{alias}.{q(model._meta.get_field(name).column)}"

    exprs = []
    for name in ("id", "hash", *chainlib.HASH_FIELDS, "payee_id"):
        if name == "reverses_seq":
            exprs.append(col("r", Entry, "seq"))
            continue
        column = col("e", Entry, name)
        if connection.vendor == "postgresql" and name == "date":
            column = f"{column}::text"  # ISO, like date.isoformat()
        elif connection.vendor == "postgresql" and name == "recorded_at":
            column = f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
        elif connection.vendor == "sqlite" and name in ("date", "recorded_at"):
            # An expression has no declared type, so the driver hands over the stored text instead of
            # parsing it into objects that entry_hash would only format back into text.
            column = f"{column} || ''"
        exprs.append(column)
    exprs.append(col("p", Villager, "id_hash"))
    entries, people = q(Entry._meta.db_table), q(Villager._meta.db_table)
    sql = (
        f"SELECT {', '.join(exprs)} FROM {entries} e "  # noqa: S608
        # Only an entry of the same village can be the one reversed.
        f"LEFT JOIN {entries} r ON {col('r', Entry, 'id')} = {col('e', Entry, 'reverses')} "
        f"AND {col('r', Entry, 'region_code')} = {col('e', Entry, 'region_code')} "
        f"LEFT JOIN {people} p ON {col('p', Villager, 'id')} = {col('e', Entry, 'payee')} "
        f"WHERE {col('e', Entry, 'region_code')} = %s ORDER BY {col('e', Entry, 'seq')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [code])
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
        "signoff_mismatch": _(
            "Entry #%(seq)s no longer matches the chain head the supervision committee signed off "
            "for %(period)s, as the county's witness log holds it: the chain was rewritten."
        ),
        "vouchers_changed": _("The voucher files of entry #%(seq)s were changed or removed."),
        "payee_changed": _(
            "The villager paid by entry #%(seq)s is no longer the person it recorded: the payee's "
            "identity was changed in the people records."
        ),
        "appended": _("Entry #%(seq)s was added behind the ledger's back: the chain head does not record it."),
        "head_unsealed": _(
            "The chain head (entry #%(seq)s) was moved outside the ledger: it does not carry the "
            "ledger's seal, so the entries after the last sign-off cannot be trusted."
        ),
        "signoff_altered": _(
            "The village's record of the sign-off for %(period)s differs from the county's witness "
            "log: it was changed, added or deleted outside the ledger."
        ),
        "witness_altered": _(
            "The county's witness log of signed-off heads was altered at record #%(seq)s: its "
            "seal does not match. Report it to the county."
        ),
        "printed_mismatch": _(
            "The chain does not match the head printed on the notice (entry #%(seq)s): the ledger "
            "was rewritten after the notice was printed."
        ),
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
    totals = {
        "title": _("Totals by category"),
        "header": [_("Category"), _("Income (yuan)"), _("Expenditure (yuan)")],
        "rows": [
            [str(category_labels[c]), yuan(v["income"]), yuan(v["expenditure"])]
            for c, v in report["by_category"].items()
        ]
        + [[_("Total"), yuan(report["income"]), yuan(report["expenditure"])]],
    }
    entries = {
        "title": _("Every entry"),
        "header": [
            _("No."),
            _("Date"),
            _("Category"),
            _("Income or expenditure"),
            _("Amount (yuan)"),
            _("Counterparty"),
            _("Purpose"),
        ],
        "rows": [
            [
                str(e.seq),
                e.date.isoformat(),
                str(category_labels[e.category]),
                e.get_direction_display(),
                yuan(e.amount_fen),
                e.public_counterparty,
                e.purpose,
            ]
            for e in report["entries"]
        ],
    }
    body = _(
        "Income and expenditure of %(village)s from %(start)s to %(end)s, generated from the village ledger.\n"
        "Income %(income)s yuan, expenditure %(expenditure)s yuan; balance at the start %(opening)s yuan, "
        "closing balance %(closing)s yuan.\n"
        "Signed off by %(signer)s (supervision committee) on %(signed)s. Ledger chain head at sign-off: "
        "entry #%(seq)s, hash %(hash)s, also recorded in the county's witness log. Scan the QR code at the "
        "foot of this notice to check the ledger against it."
    ) % {
        "village": period.village.name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "income": yuan(report["income"]),
        "expenditure": yuan(report["expenditure"]),
        "opening": yuan(report["opening_balance"]),
        "closing": yuan(period.closing_balance_fen),
        "signer": period.signed_by_name,
        "signed": timezone.localtime(period.signed_at).date().isoformat(),
        "seq": period.head_seq,
        "hash": period.head_hash,
    }
    title = _("%(village)s financial disclosure %(start)s to %(end)s") % {
        "village": period.village.name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }
    with transaction.atomic():
        post = post_create(
            village=period.village,
            category=Category.FINANCE,
            title=title,
            body=body,
            tables=[totals, entries],
            period_start=period.start,
            period_end=period.end,
            actor=actor,
            generated=True,
            ledger_period=period,
        )
        post_submit(post=post, actor=actor)
    return post


__all__ = [
    "AppendOnly",
    "chain_verify",
    "entry_append",
    "entry_edit",
    "entry_reverse",
    "parse_amount",
    "parse_printed_head",
    "period_close",
    "period_disclosure_generate",
    "problem_text",
    "witness_log_verify",
    "yuan",
]
