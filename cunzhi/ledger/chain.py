"""The hash chain: how an entry's hash is computed, and recomputing a village's whole chain.

The hash covers every field a reader relies on, in a fixed text form, plus the previous entry's
hash. Verification reads the rows as plain tuples (no model objects) so 100,000 entries check in
well under two seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

GENESIS = "0" * 64
SEP = "\x1f"  # unit separator: cannot appear in form input (control characters are stripped)

# The columns read to recompute a hash, in order.
HASH_FIELDS = ("seq", "date", "direction", "category", "amount_fen", "counterparty", "payee_id", "purpose",
               "reverses_id", "vouchers_digest", "recorded_by_id", "recorded_by_name", "recorded_at", "prev_hash")


def _utc_text(value) -> str:
    """A UTC timestamp as 2024-05-01T02:03:04.000005Z; also from SQLite's stored text (naive UTC)."""
    if isinstance(value, str):
        # Read raw from SQLite: "2024-05-01 02:03:04.000005", or without the fraction when it is zero.
        return value.replace(" ", "T")[:19] + "." + (value[20:26] if len(value) > 19 else "").ljust(6, "0") + "Z"
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _date_text(value) -> str:
    return value if isinstance(value, str) else value.isoformat()


def entry_hash(village_code: str, seq: int, date: dt.date | str, direction: str, category: str, amount_fen: int,
               counterparty: str, payee_id: int | None, purpose: str, reverses_id: int | None,
               vouchers_digest: str, recorded_by_id: int | None, recorded_by_name: str,
               recorded_at: dt.datetime | str, prev_hash: str) -> str:
    """SHA-256 over the entry's fields and the previous hash."""
    text = SEP.join((village_code, str(seq), _date_text(date), direction, category, str(amount_fen), counterparty,
                     "" if payee_id is None else str(payee_id), purpose,
                     "" if reverses_id is None else str(reverses_id), vouchers_digest,
                     "" if recorded_by_id is None else str(recorded_by_id), recorded_by_name,
                     _utc_text(recorded_at), prev_hash))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def vouchers_digest(sha256s: list[str]) -> str:
    """One digest over an entry's voucher files (order-independent); empty when there are none."""
    if not sha256s:
        return ""
    return hashlib.sha256("".join(sorted(sha256s)).encode("ascii")).hexdigest()


@dataclass
class Problem:
    kind: str  # changed | broken_link | missing | truncated | signoff_mismatch | vouchers_changed
    seq: int
    public_id: str = ""
    period: str = ""  # for signoff_mismatch: the period's dates


@dataclass
class VerifyResult:
    village_code: str
    count: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    periods_checked: int = 0
    problem: Problem | None = None
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None


def chain_recompute(village_code: str, rows, *, vouchers: dict[int, list[str]] | None = None,
                    checkpoints: frozenset[int] = frozenset()) -> VerifyResult:
    """Walk rows (id, public_id, hash, *HASH_FIELDS) in seq order; stop at the first bad entry.

    The recomputed hashes at the `checkpoints` (sequence numbers of signed-off heads) are kept in
    result.extra["hashes"] for comparison with the sign-offs.
    """
    result = VerifyResult(village_code=village_code)
    head, expected_seq = GENESIS, 1
    hashes: dict[int, str] = {}
    for row in rows:
        pk, public_id, stored, seq = row[0], row[1], row[2], row[3]
        if seq != expected_seq:
            # A gap: the entry numbered expected_seq was deleted (or renumbered).
            result.problem = Problem("missing", expected_seq)
            return result
        (_seq, date, direction, category, amount, counterparty, payee_id, purpose, reverses_id, v_digest,
         recorded_by_id, recorded_by_name, recorded_at, prev_hash) = row[3:]
        if prev_hash != head:
            result.problem = Problem("broken_link", seq, public_id)
            return result
        if vouchers is not None and vouchers_digest(vouchers.get(pk, [])) != v_digest:
            result.problem = Problem("vouchers_changed", seq, public_id)
            return result
        computed = entry_hash(village_code, seq, date, direction, category, amount, counterparty, payee_id, purpose,
                              reverses_id, v_digest, recorded_by_id, recorded_by_name, recorded_at, prev_hash)
        if computed != stored:
            result.problem = Problem("changed", seq, public_id)
            return result
        head = computed
        if seq in checkpoints:
            hashes[seq] = computed
        result.count += 1
        expected_seq += 1
    result.head_seq, result.head_hash = expected_seq - 1, head
    result.extra["hashes"] = hashes
    return result
