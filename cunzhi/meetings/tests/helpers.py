"""Shortcuts for meeting tests: convene, notify and open a meeting through the services."""

import datetime as dt

from django.utils import timezone

from cunzhi.meetings import services
from cunzhi.meetings.models import Body


def convene(world, *, body=Body.VILLAGERS, days=12, basis="persons", group=None, stream_url="", **kw):
    return services.meeting_create(
        actor=world.cadre_a,
        village=world.village_a,
        body=body,
        basis=basis,
        group=group,
        title=kw.pop("title", "宅基地使用方案表决"),
        agenda=kw.pop("agenda", "一、宅基地使用方案\n二、道路硬化"),
        place=kw.pop("place", "村委会大会议室"),
        starts_at=timezone.now() + dt.timedelta(days=days),
        stream_url=stream_url,
        **kw,
    )


def in_session(world, **kw):
    """A meeting convened, noticed (urgent, so it can open now) and opened."""
    meeting = services.meeting_create(
        actor=world.cadre_a,
        village=world.village_a,
        body=kw.pop("body", Body.VILLAGERS),
        basis=kw.pop("basis", "persons"),
        group=kw.pop("group", None),
        title=kw.pop("title", "村民会议"),
        agenda="议程",
        place="村委会",
        starts_at=timezone.now() + dt.timedelta(minutes=30),
        stream_url=kw.pop("stream_url", "https://live.example.cn/yucun/index.m3u8"),
        **kw,
    )
    services.meeting_notice_send(
        actor=world.cadre_a, meeting=meeting, urgent=True, urgent_reason="台风预警，须紧急决定转移安置方案"
    )
    services.meeting_open(actor=world.cadre_a, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def member_of(meeting, villager):
    return meeting.members.select_related("villager").get(villager=villager)
