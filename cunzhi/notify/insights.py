"""Notification figures for the figures table (cunzhi.insights)."""

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cunzhi.insights.registry import Indicator, group_key
from cunzhi.notify.models import Channel, Delivery, DeliveryStatus


def reach(*, prefix: str, length: int, start, end) -> dict:
    """People reached (e-mail or text accepted, or inbox item opened) of those a notice was meant for."""
    sent_elsewhere = Delivery.objects.filter(
        notice=OuterRef("notice"),
        recipient=OuterRef("recipient"),
        channel__in=[Channel.EMAIL, Channel.SMS],
        status=DeliveryStatus.SENT,
    )
    rows = (
        Delivery.objects.filter(
            channel=Channel.INBOX,
            copy_for__isnull=True,
            notice__region_code__startswith=prefix,
            notice__created_at__gte=start,
            notice__created_at__lt=end,
        )
        .annotate(elsewhere=Exists(sent_elsewhere))
        .values(k=group_key("notice__region_code", length))
        .annotate(n=Count("id", filter=Q(read_at__isnull=False) | Q(elsewhere=True)), d=Count("id"))
    )
    return {r["k"]: (r["n"], r["d"]) for r in rows}


INDICATORS = [
    Indicator(
        key="notice_reach",
        label=_("Notices reached"),
        compute=reach,
        help=_(
            "People a notice of the period reached by any channel (e-mail or text accepted, or read "
            "in the inbox), out of everyone it was meant for. The rest are on door-to-door lists."
        ),
    ),
]
