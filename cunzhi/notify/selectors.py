"""Reads for notifications: the inbox, the notice report, the people not reached."""

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from cunzhi.core.figures import as_rates, grouped
from cunzhi.notify import about
from cunzhi.notify.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    DoorOutcome,
    DoorVisit,
    InboundSms,
    InboundStatus,
    Notice,
)
from cunzhi.people import rules as people_rules
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Delegation, DelegationScope, User, Villager
from cunzhi.regions.models import PREFIX_LENGTH, Level


def inbox_items(*, user: User) -> QuerySet[Delivery]:
    """The user's inbox items, newest first, with their notice (one query per page)."""
    return (
        Delivery.objects.filter(recipient=user, channel=Channel.INBOX)
        .select_related("notice", "copy_for")
        .order_by("-created_at", "-id")
    )


def is_recipient(*, user: User, notice: Notice) -> bool:
    """The user was sent the notice (or a helper's copy of it), or is a villager it was meant for
    (told by text or in person before they had an account)."""
    return Delivery.objects.filter(Q(recipient=user) | Q(villager__user=user), notice=notice).exists()


def helps_a_recipient(*, user: User, notice: Notice) -> bool:
    """The user holds an active "notices" delegation from a villager the notice was sent to."""
    now = timezone.now()
    told = Delivery.objects.filter(notice=notice, copy_for__isnull=True, villager__isnull=False).values("villager")
    scopes = Delegation.objects.filter(
        helper=user, villager__in=told, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now
    ).values_list("scopes", flat=True)
    return any(DelegationScope.NOTICES in (s or []) for s in scopes)


def notices_visible(*, user: AnyUser) -> QuerySet[Notice]:
    """Notices a staff member may read for their work (notify.rules.reads_for_work), newest first:
    those they sent, announcements to their regions, and those about objects they may list."""
    if not getattr(user, "is_authenticated", False):
        return Notice.objects.none()
    q = Q(sender=user) | (Q(kind="announcement") & people_rules.scope_q(user))
    if connection.vendor == "sqlite":
        for label, reader in about.READERS.items():
            # A look-up of the one object a notice is about: SQLite builds `about_id IN (every readable object)`
            # in full, for a county's staff every concern and application of the county, for the page and again
            # for its count (126 → 19 ms of CPU on the generated county, docs/benchmarks.md).
            readable = reader.readable(user).order_by()
            q |= Q(Exists(readable.filter(pk=OuterRef("about_id"))), about_type=label)
    elif about.READERS and any(len(p) <= PREFIX_LENGTH[Level.COUNTY] for p in people_rules.prefixes(user)):
        # PostgreSQL, a county's staff (or wider): under one OR with the rest, each type's readable objects were
        # hashed whole before the first row (at ten times the county, 360,000 concerns and 540,000
        # applications: 12 s for a page, over a minute for its count). The notices about objects are few, so
        # they are found from the notice side, one type at a time, each a join through the object's key
        # (4 and 8 ms there, docs/benchmarks.md).
        mine = Notice.objects.order_by().values("pk")
        first, *rest = [
            mine.filter(about_type=label, about_id__in=reader.readable(user).order_by().values("pk"))
            for label, reader in about.READERS.items()
        ]
        # The type as well, so that the planner may still gather the candidates from the index of about_type.
        q |= Q(about_type__in=list(about.READERS), pk__in=first.union(*rest, all=True) if rest else first)
    else:
        # PostgreSQL, a township's or a village's staff: their readable objects are few, and hashing them once
        # is the quickest (the join above walked the county's concerns in key order for them: 8 → 146 ms).
        for label, reader in about.READERS.items():
            q |= Q(about_type=label, about_id__in=reader.readable(user).order_by().values("pk"))
    return Notice.objects.filter(q).select_related("sender")


def reached_q() -> Q:
    """A delivery that reached its person: an e-mail accepted, an inbox item opened, a text on the
    phone (the operator's delivery report, where the gateway gives reports: SMS_DELIVERY_REPORTS;
    else accepted by the gateway and not reported undeliverable)."""
    sms = (
        Q(channel=Channel.SMS, delivered_at__isnull=False)
        if settings.SMS_DELIVERY_REPORTS
        else Q(channel=Channel.SMS, status=DeliveryStatus.SENT, undelivered_at__isnull=True)
    )
    return (
        Q(channel=Channel.EMAIL, status=DeliveryStatus.SENT)
        | sms
        | Q(channel=Channel.INBOX, read_at__isnull=False)
        | Q(channel=Channel.LOUDSPEAKER, status=DeliveryStatus.SENT)
    )


def _persons(deliveries: QuerySet[Delivery]) -> int:
    """How many people the rows are for: villagers counted once whatever the channel, and accounts
    without a roster record (staff told of a case) counted by account."""
    villagers = deliveries.filter(villager__isnull=False).values("villager").distinct().count()
    accounts = deliveries.filter(villager__isnull=True).values("recipient").distinct().count()
    return villagers + accounts


def notice_report(*, notice: Notice) -> dict[str, Any]:
    """Counts per channel and status, and how many of everyone the notice was meant for (account or
    not) it reached by any channel, with each channel's part."""
    own = Delivery.objects.filter(notice=notice, copy_for__isnull=True)
    rows = own.values("channel", "status").annotate(
        n=Count("id"),
        read=Count("id", filter=Q(read_at__isnull=False)),
        twice=Count("id", filter=Q(interrupted__gt=0)),
        reached=Count("id", filter=reached_q()),
    )
    channels: dict[str, dict[str, Any]] = {
        c: {"label": label, "total": 0, "statuses": {}, "read": 0, "reached": 0} for c, label in Channel.choices
    }
    # Sent again after a worker stopped mid-send: the person may have had the message twice.
    sent_twice = 0
    for r in rows:
        sent_twice += r["twice"]
        ch = channels[r["channel"]]
        ch["total"] += r["n"]
        ch["statuses"][r["status"]] = r["n"]
        ch["read"] += r["read"]
        ch["reached"] += r["reached"]
    for ch in channels.values():
        ch["rows"] = [(label, ch["statuses"].get(s, 0)) for s, label in DeliveryStatus.choices if ch["statuses"].get(s)]
    by_channel = own.filter(reached_q())
    reached_by_channel = _persons(by_channel)
    # Told in person on a door-to-door round, and reached no other way: counted once, shown apart.
    told = (
        DoorVisit.objects.filter(notice=notice, outcome=DoorOutcome.TOLD)
        .exclude(villager__in=by_channel.filter(villager__isnull=False).values("villager"))
        .values("villager")
        .distinct()
        .count()
    )
    reached = reached_by_channel + told
    everyone = notice.recipient_count
    copies = Delivery.objects.filter(notice=notice, copy_for__isnull=False).values("recipient").distinct().count()
    return {
        "channels": channels,
        "reached": reached,
        # Over everyone the notice was meant for, account or not: never over account holders only.
        "reached_percent": round(100 * reached / everyone) if everyone else None,
        "reached_by_channel": reached_by_channel,
        "told_in_person": told,
        "recipients": everyone,
        "not_reached": max(everyone - reached, 0),
        "copies": copies,
        "sent_twice": sent_twice,
    }


def not_reached(*, notice: Notice) -> QuerySet[Villager]:
    """Villagers the notice reached on no channel and nobody has told in person yet, with the last
    door-to-door tick (`door_outcome`, `door_at`: "not at home" and when), by household.

    A villager counts as reached when a helper's copy reached the helper, too (the helper tells them).
    """
    own = Delivery.objects.filter(notice=notice, copy_for__isnull=True, villager__isnull=False)
    reached_self = own.filter(reached_q(), villager=OuterRef("pk"))
    reached_helper = Delivery.objects.filter(reached_q(), notice=notice, copy_for=OuterRef("pk"))
    visits = DoorVisit.objects.filter(notice=notice, villager=OuterRef("pk"))
    last_visit = visits.order_by("-visited_at", "-id")
    return (
        Villager.objects.filter(pk__in=own.values("villager"))
        .exclude(Exists(reached_self))
        .exclude(Exists(reached_helper))
        .exclude(Exists(visits.filter(outcome=DoorOutcome.TOLD)))
        .annotate(
            door_outcome=Subquery(last_visit.values("outcome")[:1]),
            door_at=Subquery(last_visit.values("visited_at")[:1]),
        )
        .select_related("household", "group", "village")
        .order_by("region_code", "household__number", "name_pinyin", "pk")
    )


def failures(*, notice: Notice) -> QuerySet[Delivery]:
    """Deliveries that failed (waiting for a retry or for good), with the error, for staff."""
    return (
        Delivery.objects.filter(notice=notice, status__in=[DeliveryStatus.FAILED, DeliveryStatus.PERMANENT_FAILURE])
        .select_related("recipient", "villager")
        .order_by("status", "address", "pk")
    )


def inbound_waiting(*, user: AnyUser, roles: Collection[str]) -> QuerySet[InboundSms]:
    """Texts from phones waiting for staff, in the regions where the user holds one of `roles`, oldest first."""
    return InboundSms.objects.filter(people_rules.scope_q(user, roles), status=InboundStatus.WAITING).order_by(
        "received_at", "id"
    )


def senders(*, phones: set[str]) -> dict[str, str]:
    """Who registered each number: "name (village)", several names for a number a household shares.
    One query for a page of texts."""
    names: dict[str, list[str]] = {}
    for phone, name, village in (
        Villager.objects.filter(phone__in=phones).order_by("pk").values_list("phone", "name", "village__name")
    ):
        names.setdefault(phone, []).append(f"{name}（{village}）")
    return {phone: "、".join(n) for phone, n in names.items()}


# ---------------------------------------------------------------- figures (insights reads these; core/figures.py)


def _reached_people() -> Coalesce:
    """Per notice (an outer Notice row): the people it reached by any channel or in person, each once."""
    own = Delivery.objects.filter(reached_q(), notice=OuterRef("pk"), copy_for__isnull=True).order_by()

    def count(qs: QuerySet[Any], field: str) -> Coalesce:
        return Coalesce(Subquery(qs.values("notice").annotate(c=Count(field, distinct=True)).values("c")), 0)

    told = DoorVisit.objects.filter(notice=OuterRef("pk"), outcome=DoorOutcome.TOLD).exclude(
        villager__in=Delivery.objects.filter(
            reached_q(), notice=OuterRef(OuterRef("pk")), copy_for__isnull=True, villager__isnull=False
        ).values("villager")
    )
    return Coalesce(
        count(own.filter(villager__isnull=False), "villager")
        + count(own.filter(villager__isnull=True), "recipient")
        + count(told.order_by(), "villager"),
        0,
    )


def figures_reach(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """People the notices of the period reached (notice_report's rule), of everyone they were meant for,
    account or not: the door-to-door list's people are in the denominator."""
    qs = figures_reach_cases(prefix=prefix, start=start, end=end)
    return as_rates(grouped(qs, "region_code", length, n=Sum("reached"), d=Sum("recipient_count")))


def figures_reach_cases(*, prefix: str, start: dt.datetime, end: dt.datetime) -> QuerySet[Notice]:
    """The notices the reach figure counts, each annotated with `reached` (people): insights' figure and
    its drill-through (and its surface-use flag on notices few received) share this definition."""
    return Notice.objects.filter(region_code__under=prefix, created_at__gte=start, created_at__lt=end).annotate(
        reached=_reached_people()
    )
