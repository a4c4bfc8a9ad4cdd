"""Reads for notifications: the inbox, the notice report, the people not reached."""

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
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


def inbox_items(*, user: User) -> QuerySet[Delivery]:
    """The user's inbox items, newest first, with their notice (one query per page)."""
    return (
        Delivery.objects.filter(recipient=user, channel=Channel.INBOX)
        .select_related("notice", "copy_for")
        .order_by("-created_at", "-id")
    )


def is_recipient(*, user: User, notice: Notice) -> bool:
    """The user was sent the notice (or a helper's copy of it)."""
    return Delivery.objects.filter(notice=notice, recipient=user).exists()


def helps_a_recipient(*, user: User, notice: Notice) -> bool:
    """The user holds an active "notices" delegation from a villager the notice was sent to."""
    now = timezone.now()
    recipients = Delivery.objects.filter(notice=notice, copy_for__isnull=True).values("recipient")
    scopes = Delegation.objects.filter(
        helper=user, villager__user__in=recipients, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now
    ).values_list("scopes", flat=True)
    return any(DelegationScope.NOTICES in (s or []) for s in scopes)


def notices_visible(*, user: AnyUser) -> QuerySet[Notice]:
    """Notices a staff member may read for their work (notify.rules.reads_for_work), newest first:
    those they sent, announcements to their regions, and those about objects they may list."""
    if not getattr(user, "is_authenticated", False):
        return Notice.objects.none()
    q = Q(sender=user) | (Q(kind="announcement") & people_rules.scope_q(user))
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
    return Q(channel=Channel.EMAIL, status=DeliveryStatus.SENT) | sms | Q(channel=Channel.INBOX, read_at__isnull=False)


def notice_report(*, notice: Notice) -> dict[str, Any]:
    """Counts per channel and status, and how many people were reached by any channel."""
    rows = (
        Delivery.objects.filter(notice=notice, copy_for__isnull=True)
        .values("channel", "status")
        .annotate(
            n=Count("id"),
            read=Count("id", filter=Q(read_at__isnull=False)),
            twice=Count("id", filter=Q(interrupted__gt=0)),
        )
    )
    channels: dict[str, dict[str, Any]] = {
        c: {"label": label, "total": 0, "statuses": {}, "read": 0} for c, label in Channel.choices
    }
    # Sent again after a worker stopped mid-send: the person may have had the message twice.
    sent_twice = 0
    for r in rows:
        sent_twice += r["twice"]
        ch = channels[r["channel"]]
        ch["total"] += r["n"]
        ch["statuses"][r["status"]] = r["n"]
        ch["read"] += r["read"]
    for ch in channels.values():
        ch["rows"] = [(label, ch["statuses"].get(s, 0)) for s, label in DeliveryStatus.choices if ch["statuses"].get(s)]
    by_channel = (
        Delivery.objects.filter(notice=notice, copy_for__isnull=True).filter(reached_q()).values("recipient").distinct()
    )
    reached_by_channel = by_channel.count()
    # Told in person on a door-to-door round, and reached no other way: counted once, shown apart.
    told = (
        DoorVisit.objects.filter(notice=notice, outcome=DoorOutcome.TOLD)
        .exclude(person__in=by_channel)
        .values("person")
        .distinct()
        .count()
    )
    reached = reached_by_channel + told
    copies = Delivery.objects.filter(notice=notice, copy_for__isnull=False).values("recipient").distinct().count()
    return {
        "channels": channels,
        "reached": reached,
        "reached_by_channel": reached_by_channel,
        "told_in_person": told,
        "recipients": notice.recipient_count,
        "not_reached": max(notice.recipient_count - reached, 0),
        "copies": copies,
        "sent_twice": sent_twice,
    }


def not_reached(*, notice: Notice) -> QuerySet[User]:
    """People the notice reached on no channel and nobody has told in person yet, with their villager
    record and the last door-to-door tick (`door_outcome`, `door_at`: "not at home" and when).

    A person counts as reached when a helper's copy reached the helper, too (the helper tells them).
    """
    own = Delivery.objects.filter(notice=notice, copy_for__isnull=True)
    reached_self = own.filter(reached_q(), recipient=OuterRef("pk"))
    reached_helper = Delivery.objects.filter(reached_q(), notice=notice, copy_for=OuterRef("pk"))
    visits = DoorVisit.objects.filter(notice=notice, person=OuterRef("pk"))
    last_visit = visits.order_by("-visited_at", "-id")
    return (
        User.objects.filter(pk__in=own.values("recipient"))
        .exclude(Exists(reached_self))
        .exclude(Exists(reached_helper))
        .exclude(Exists(visits.filter(outcome=DoorOutcome.TOLD)))
        .annotate(
            door_outcome=Subquery(last_visit.values("outcome")[:1]),
            door_at=Subquery(last_visit.values("visited_at")[:1]),
        )
        .select_related("villager__household", "villager__group", "villager__village")
        .order_by("villager__region_code", "villager__household__number", "villager__name_pinyin", "pk")
    )


def failures(*, notice: Notice) -> QuerySet[Delivery]:
    """Deliveries that failed (waiting for a retry or for good), with the error, for staff."""
    return (
        Delivery.objects.filter(notice=notice, status__in=[DeliveryStatus.FAILED, DeliveryStatus.PERMANENT_FAILURE])
        .select_related("recipient")
        .order_by("status", "recipient__phone")
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


def figures_reach(
    *, prefix: str, length: int, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, int | None]]:
    """People reached (e-mail or text accepted, or inbox item opened) of those a notice was meant for."""
    sent_elsewhere = Delivery.objects.filter(
        notice=OuterRef("notice"),
        recipient=OuterRef("recipient"),
        channel__in=[Channel.EMAIL, Channel.SMS],
        status=DeliveryStatus.SENT,
    )
    qs = Delivery.objects.filter(
        channel=Channel.INBOX,
        copy_for__isnull=True,
        notice__region_code__startswith=prefix,
        notice__created_at__gte=start,
        notice__created_at__lt=end,
    ).annotate(elsewhere=Exists(sent_elsewhere))
    reached = Q(read_at__isnull=False) | Q(elsewhere=True)
    return as_rates(grouped(qs, "notice__region_code", length, n=Count("id", filter=reached), d=Count("id")))
