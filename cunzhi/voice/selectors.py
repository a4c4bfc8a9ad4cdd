"""Reads: what a village's loudspeaker has to say on a day, and what it has aired."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db.models import QuerySet

from cunzhi.notify.models import Notice
from cunzhi.notify.rules import ANNOUNCEMENT
from cunzhi.regions.models import Region
from cunzhi.regions.selectors import region_ancestors
from cunzhi.voice.models import VoiceBroadcast


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day (settings.TIME_ZONE, Asia/Shanghai) as an interval of aware datetimes."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def broadcast_items(*, village: Region, day: dt.date) -> list[Notice]:
    """The day's announcements that reach the village (its own, its township's, its county's), oldest first.

    Only announcements: they went to every villager of the region, so reading them aloud tells no one
    anything private. Direct notices (an answer to one person, a meeting notice to its members) never
    reach the loudspeaker. Disclosure posts and opened consultations arrive here as the announcements
    their domains send when they publish.
    """
    codes = [village.code, *(r.code for r in region_ancestors(village))]
    start, end = day_bounds(day)
    return list(
        Notice.objects.filter(kind=ANNOUNCEMENT, region_code__in=codes, created_at__gte=start, created_at__lt=end)
        .only("public_id", "subject", "body", "template", "context", "created_at")
        .order_by("created_at", "id")
    )


def broadcasts_of(*, village: Region, limit: int = 20) -> QuerySet[VoiceBroadcast]:
    """The village's last broadcasts, newest first, with who marked them (one query)."""
    return VoiceBroadcast.objects.filter(region_code=village.code).select_related("by")[:limit]
