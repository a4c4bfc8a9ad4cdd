"""Small builders for ledger tests."""

import datetime as dt

from django.utils import timezone

from cunzhi.ledger.services import entry_append


def last_month_start() -> dt.date:
    first = timezone.localdate().replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def add(world, *, amount=10_000, direction="expenditure", category="expenditure", date=None, actor=None, **kw):
    return entry_append(
        village=kw.pop("village", world.village_a),
        actor=actor or world.cadre_a,
        date=date or timezone.localdate(),
        direction=direction,
        category=category,
        amount_fen=amount,
        counterparty=kw.pop("counterparty", "安吉县某建材商店"),
        purpose=kw.pop("purpose", "购买水泥"),
        **kw,
    )


def rehash(entry, *, prev: str, **over) -> str:
    """The hash an attacker computes for an entry row (the format is public), with `over` replacing fields."""
    from cunzhi.ledger import chain as chainlib

    fields = {name: getattr(entry, name) for name in chainlib.HASH_FIELDS if name not in ("reverses_seq", "prev_hash")}
    fields["reverses_seq"] = entry.reverses.seq if entry.reverses_id else None
    fields.update(over, prev_hash=prev)
    return chainlib.entry_hash(entry.region_code, **fields)
