"""Reads for the ledger: entries with payees masked for the reader, totals, periods, my payments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse

from cunzhi.core.crypto import blind_index
from cunzhi.core.idnumbers import mask_name
from cunzhi.core.links import absolute_url
from cunzhi.core.masking import mask_text
from cunzhi.ledger import rules
from cunzhi.ledger.models import Chain, Direction, Entry, FinanceCategory, Period, WitnessedHead
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Villager
from cunzhi.people.rules import own_villager, prefixes
from cunzhi.regions.models import Level, Region

ENTRY_FIELDS = (
    "id",
    "public_id",
    "region_code",
    "seq",
    "date",
    "direction",
    "category",
    "amount_fen",
    "counterparty",
    "payee_id",
    "purpose",
    "reverses_id",
    "recorded_by_name",
    "recorded_at",
    "hash",
    "prev_hash",
    "vouchers_digest",
)


def villages_all() -> list[Region]:
    """Every village, for the public pickers (one query; a county has a few hundred)."""
    return list(Region.objects.filter(level=Level.VILLAGE).only("code", "name", "prefix", "level").order_by("code"))


def home_village(*, user: AnyUser) -> Region | None:
    """The village a reader most likely wants: their own as a villager, else the one village they keep books for."""
    villager = own_villager(user)
    if villager is not None:
        return villager.village
    codes = [p for p in prefixes(user, rules.RECORD_ROLES) if len(p) == 12]
    return Region.objects.filter(code=codes[0]).first() if len(codes) == 1 else None


def entries_of(
    *,
    village: Region,
    direction: str = "",
    category: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    payee: Villager | None = None,
) -> QuerySet[Entry]:
    """A village's entries, newest first, optionally filtered; reversals carry the number they reverse."""
    qs = (
        Entry.objects.filter(region_code=village.code)
        .select_related("reverses")
        .only(*ENTRY_FIELDS, "reverses__seq")
        .annotate(voucher_count=Count("vouchers"))
    )
    if direction:
        qs = qs.filter(direction=direction)
    if category:
        qs = qs.filter(category=category)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    if payee is not None:
        qs = qs.filter(payee=payee)
    return qs.order_by("-seq")


def entries_mask(entries: Iterable[Entry], *, user: AnyUser) -> list[Entry]:
    """Set `public_counterparty` and `public_purpose` on each entry as this reader may see them (no queries)."""
    entries = list(entries)
    own = own_villager(user)
    official_codes: dict[str, bool] = {}
    for e in entries:
        if e.region_code not in official_codes:
            official_codes[e.region_code] = rules.is_official(user, e.region_code)
        sees_all = official_codes[e.region_code] or (own is not None and e.payee_id == own.pk)
        e.public_counterparty = entry_counterparty_public(e) if not sees_all else e.counterparty
        e.public_purpose = e.purpose if sees_all else mask_text(e.purpose)[0]
        e.payee_visible = sees_all
    return entries


def entry_counterparty_public(entry: Entry) -> str:
    """The counterparty as the public sees it: a villager payee's name masked (张*), numbers masked."""
    text = mask_name(entry.counterparty) if entry.payee_id else entry.counterparty
    return mask_text(text)[0]


def totals_of(*, village: Region, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """Income, expenditure and balance (all in fen) over a date range, in one query."""
    q = Q(region_code=village.code)
    if start:
        q &= Q(date__gte=start)
    if end:
        q &= Q(date__lte=end)
    sums = Entry.objects.filter(q).aggregate(
        income=Sum("amount_fen", filter=Q(direction=Direction.INCOME)),
        expenditure=Sum("amount_fen", filter=Q(direction=Direction.EXPENDITURE)),
        count=Count("id"),
    )
    income, expenditure = sums["income"] or 0, sums["expenditure"] or 0
    return {"income": income, "expenditure": expenditure, "balance": income - expenditure, "count": sums["count"]}


def period_report(*, period: Period) -> dict:
    """Everything the period's disclosure shows: totals by category, every entry, opening and closing balance."""
    village = period.village
    by_category = {c: {"income": 0, "expenditure": 0} for c in FinanceCategory.values}
    for category, direction, total in (
        Entry.objects.filter(region_code=village.code, date__gte=period.start, date__lte=period.end)
        .values_list("category", "direction")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    ):
        by_category[category][direction] = total or 0
    by_category = {c: v for c, v in by_category.items() if v["income"] or v["expenditure"]}
    before = totals_of(village=village, end=period.start - dt.timedelta(days=1))
    within = totals_of(village=village, start=period.start, end=period.end)
    entries = list(
        Entry.objects.filter(region_code=village.code, date__gte=period.start, date__lte=period.end)
        .select_related("reverses")
        .only(*ENTRY_FIELDS, "reverses__seq")
        .order_by("date", "seq")
    )
    for e in entries:
        e.public_counterparty = entry_counterparty_public(e)
    return {
        "by_category": by_category,
        "income": within["income"],
        "expenditure": within["expenditure"],
        "opening_balance": before["balance"],
        "closing_balance": before["balance"] + within["balance"],
        "entries": entries,
    }


def periods_of(*, village: Region) -> QuerySet[Period]:
    return Period.objects.filter(village=village).order_by("-start")


def period_head(*, period: Period) -> tuple[int, str]:
    """The chain head of a sign-off as the county's witness log holds it (the village's copy if it has none)."""
    witnessed = (
        WitnessedHead.objects.filter(village_code=period.region_code, period_id=period.public_id)
        .values_list("head_seq", "head_hash")
        .first()
    )
    return witnessed or (period.head_seq, period.head_hash)


def period_verify_url(*, period: Period) -> str:
    """The verification page for the head signed off, in full: the address printed in the notice's QR code."""
    seq, head = period_head(period=period)
    query = urlencode({"village": period.region_code, "seq": seq, "head": head})
    return absolute_url(f"{reverse('ledger:verify')}?{query}")


def chain_of(*, village: Region) -> Chain | None:
    return Chain.objects.filter(village=village).first()


def entry_by_public_id(*, public_id: str) -> Entry | None:
    return Entry.objects.select_related("village", "reverses", "payee").filter(public_id=public_id).first()


def my_payments(*, villager: Villager) -> QuerySet[Entry]:
    """Subsidies and payments the village ledger recorded to this villager (and their reversals)."""
    return (
        Entry.objects.filter(payee=villager)
        .select_related("reverses", "village")
        .only(*ENTRY_FIELDS, "reverses__seq", "village__name")
        .order_by("-date", "-seq")
    )


def village_by_code(*, code: str) -> Region | None:
    return Region.objects.filter(code=code, level=Level.VILLAGE).first()


def villager_by_id_number(*, village: Region, id_number: str) -> Villager | None:
    """The villager of this village with this ID number (found by its keyed hash, never decrypting)."""
    return Villager.objects.filter(id_hash=blind_index(id_number), region_code=village.code).first()


def chain_heads(*, codes: list[str]) -> dict[str, Chain]:
    return {c.region_code: c for c in Chain.objects.filter(region_code__in=codes)}


def my_payments_total(*, villager: Villager) -> int:
    """Fen the ledger paid to this villager, net of reversals (one query)."""
    return (
        Entry.objects.filter(payee=villager, direction=Direction.EXPENDITURE).aggregate(total=Sum("amount_fen"))[
            "total"
        ]
        or 0
    )
