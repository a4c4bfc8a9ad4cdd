"""The loudspeaker: a village's announcements of the day as one file, for its cadres; "broadcast at 18:30"."""

import datetime as dt

import pytest
from django.urls import reverse

from cunzhi.core.models import AuditEvent
from cunzhi.notify import services as notify_services
from cunzhi.voice import services, speech
from cunzhi.voice.models import VoiceBroadcast

needs_speech = pytest.mark.skipif(not speech.available(), reason="espeak-ng or ffmpeg not installed (scripts/setup.sh)")
DAY = dt.date(2026, 6, 16)  # the clock fixture's day


def announce(region, subject, body="请各户准时参加。", sender=None):
    return notify_services.notice_send(
        kind="announcement",
        region_code=region.code,
        sender=sender,
        subject={"zh-hans": subject},
        body={"zh-hans": body},
    )


@pytest.fixture
def day_news(world, clock):
    """Village A's day: its own notice, the township's and the county's; plus what must never be aired."""
    announce(world.village_a, "村民代表会议通知", "定于2026-06-20 19:30在村委会召开。")
    announce(world.township_t, "街道防汛通知")
    announce(world.county, "县医保缴费提醒", "每人¥380.00。")
    announce(world.village_b, "余村的通知")  # another village
    notify_services.notice_send(kind="direct", users=[world.villager_a], subject={"zh-hans": "你的诉求已答复"})
    clock.shift(-86400)
    announce(world.village_a, "昨天的通知")  # another day
    clock.shift(86400)


def page(client, world, **query):
    return client.get(reverse("voice:broadcast", args=[world.village_a.code]), query)


def test_the_day_is_its_announcements_with_spoken_headings(world, day_news):
    text, items = services.broadcast_text(village=world.village_a, day=DAY)
    assert [i["subject"] for i in items] == ["村民代表会议通知", "街道防汛通知", "县医保缴费提醒"]
    assert text.startswith("鹤鹿溪村广播。6月16日，今天有三条通知。")
    assert "第一条，共三条。村民代表会议通知。" in text and "第三条，共三条。县医保缴费提醒" in text
    assert "余村" not in text and "诉求" not in text and "昨天" not in text


@needs_speech
def test_cadre_plays_downloads_and_marks(world, login, client, day_news, clock, django_assert_num_queries):
    login(world.cadre_a)
    body = page(client, world).content.decode()
    assert "村民代表会议通知" in body and "县医保缴费提醒" in body and "余村的通知" not in body
    file_url = reverse("voice:broadcast_file", args=[world.village_a.code, "2026-06-16"])
    assert f'src="{file_url}?play=1"' in body and 'preload="none"' in body
    download = client.get(file_url)
    assert download.status_code == 200 and download["Content-Type"] == "audio/mpeg"
    assert download["Content-Disposition"] == 'attachment; filename="broadcast-330523100201-2026-06-16.mp3"'
    assert len(b"".join(download.streaming_content)) > 1000
    clock.move_to(dt.datetime(2026, 6, 16, 18, 45, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    response = client.post(page_url(world), {"day": "2026-06-16", "at": "18:30"})
    assert response.status_code == 302
    row = VoiceBroadcast.objects.get()
    assert row.by == world.cadre_a and row.region_code == world.village_a.code and len(row.items) == 3
    assert row.broadcast_at == dt.datetime(2026, 6, 16, 10, 30, tzinfo=dt.UTC)
    assert row.file_hash == services.broadcast_register(village=world.village_a, day=DAY)[0].key
    assert AuditEvent.objects.filter(action="voice.broadcast").count() == 1
    assert "2026-06-16 18:30" in page(client, world).content.decode()


def page_url(world):
    return reverse("voice:broadcast", args=[world.village_a.code])


def test_bad_input_changes_nothing(world, login, client, day_news):
    login(world.cadre_a)
    response = client.post(page_url(world), {"day": "2026-06-16", "at": "25:99"})
    assert response.status_code == 200 and "Enter a valid time." in response.content.decode()
    # Not aired yet (the clock says 09:30): refused with a reason.
    response = client.post(page_url(world), {"day": "2026-06-16", "at": "18:30"})
    assert "only be marked once it has been aired" in response.content.decode()
    # A day with nothing to say.
    response = client.post(page_url(world), {"day": "2026-06-10", "at": "08:00"})
    assert "nothing to broadcast" in response.content.decode()
    assert not VoiceBroadcast.objects.exists()
    # A mistyped day in the address shows today's list; an unknown village is not found.
    assert page(client, world, day="June").status_code == 200
    assert client.get(reverse("voice:broadcast", args=["999999999999"])).status_code == 404
    assert client.get(reverse("voice:broadcast_file", args=[world.village_a.code, "2026-06-10"])).status_code == 404


def test_empty_day_says_so(world, login, client, clock):
    body = login(world.cadre_a).get(page_url(world)).content.decode()
    assert "there is nothing to broadcast" in body and "<audio" not in body


@pytest.mark.parametrize(
    "persona,status",
    [
        ("anonymous", 302),
        ("villager_a", 403),
        ("villager_b", 403),
        ("cadre_b", 403),
        ("township_staff", 403),
        ("other_township_staff", 403),
        ("other_office_staff", 403),
        ("county_admin", 403),
    ],
)
def test_only_the_villages_cadres(world, login, client, day_news, request, persona, status):
    if persona != "anonymous":
        user = getattr(world, persona, None) or request.getfixturevalue(persona)
        login(user)
    file_url = reverse("voice:broadcast_file", args=[world.village_a.code, "2026-06-16"])
    assert page(client, world).status_code == status
    assert client.get(file_url).status_code == status
    assert client.post(page_url(world), {"day": "2026-06-16", "at": "08:00"}).status_code == status
    assert not VoiceBroadcast.objects.exists()


def test_page_queries_do_not_grow_with_items(world, login, client, day_news, django_assert_max_num_queries):
    login(world.cadre_a)
    page(client, world)  # sessions and the like warmed
    with django_assert_max_num_queries(12) as few:
        page(client, world)
    for n in range(5):
        announce(world.village_a, f"更多通知{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client, world)


def test_the_staff_home_links_the_villages_cadres_to_it(world, login):
    link = reverse("voice:broadcast", args=[world.village_a.code])
    assert link in login(world.cadre_a).get("/").content.decode()
    assert "/voice/broadcast/" not in login(world.township_staff).get("/").content.decode()


def test_an_aired_broadcast_counts_as_reach_for_the_villages_members(world, day_news, clock):
    """Issue 15: "broadcast at 18:30" counts the loudspeaker as a reach channel of each notice aired, for
    every member of the village the notice concerns — not another village's, not twice when aired again."""
    from cunzhi.notify import selectors as notify_selectors
    from cunzhi.notify.models import Channel, Delivery

    county_notice = by_subject("县医保缴费提醒")
    members_a = set(
        Delivery.objects.filter(
            notice=county_notice, copy_for__isnull=True, villager__village=world.village_a
        ).values_list("villager", flat=True)
    )
    members_b = Delivery.objects.filter(notice=county_notice, villager__village=world.village_b).values("villager")
    assert members_a and members_b.exists()
    before = notify_selectors.notice_report(notice=county_notice)
    start = dt.datetime(2026, 6, 15, 16, tzinfo=dt.UTC)  # 2026-06-16 00:00 in Shanghai
    span = {"prefix": world.county.code, "length": 6, "start": start, "end": start + dt.timedelta(days=1)}
    figure_before = total(notify_selectors.figures_reach(**span))
    clock.move_to(dt.datetime(2026, 6, 16, 18, 45, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    services.broadcast_mark(village=world.village_a, day=DAY, at=dt.time(18, 30), actor=world.cadre_a)
    report = notify_selectors.notice_report(notice=county_notice)
    speaker = report["channels"][Channel.LOUDSPEAKER]
    assert speaker["total"] == speaker["reached"] == len(members_a)
    assert (
        set(
            Delivery.objects.filter(notice=county_notice, channel=Channel.LOUDSPEAKER).values_list(
                "villager", flat=True
            )
        )
        == members_a
    )
    assert report["reached"] == before["reached"] + len(members_a) - before_reached_of(county_notice, members_a)
    assert report["recipients"] == before["recipients"]  # the denominator stays everyone concerned
    # Village B's own notice was never aired in A: nobody there heard it.
    b_notice = by_subject("余村的通知")
    assert not Delivery.objects.filter(notice=b_notice, channel=Channel.LOUDSPEAKER).exists()
    # Aired again the same evening: nobody counted twice.
    services.broadcast_mark(village=world.village_a, day=DAY, at=dt.time(18, 40), actor=world.cadre_a)
    assert Delivery.objects.filter(notice=county_notice, channel=Channel.LOUDSPEAKER).count() == len(members_a)
    # The reach figure counts them the same way, over the same denominator (everyone concerned).
    figure_after = total(notify_selectors.figures_reach(**span))
    assert figure_after[1] == figure_before[1] and figure_after[0] > figure_before[0]


def before_reached_of(notice, villagers):
    """How many of `villagers` the notice had reached already on another channel (counted once)."""
    from cunzhi.notify.models import Delivery
    from cunzhi.notify.selectors import reached_q

    return (
        Delivery.objects.filter(reached_q(), notice=notice, copy_for__isnull=True, villager__in=villagers)
        .exclude(channel="loudspeaker")
        .values("villager")
        .distinct()
        .count()
    )


def test_the_report_page_shows_the_loudspeaker(world, login, client, day_news, clock):

    notice = by_subject("村民代表会议通知")
    clock.move_to(dt.datetime(2026, 6, 16, 18, 45, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    services.broadcast_mark(village=world.village_a, day=DAY, at=dt.time(18, 30), actor=world.cadre_a)
    body = login(world.cadre_a).get(reverse("notify:report", args=[notice.public_id])).content.decode()
    assert "Loudspeaker" in body


def by_subject(subject):
    from cunzhi.notify.models import Notice

    return next(n for n in Notice.objects.all() if n.subject.get("zh-hans") == subject)


def total(figure):
    """A figure's numerator and denominator added up over its regions (a rate is never an average)."""
    return sum(n for n, _d in figure.values()), sum(d or 0 for _n, d in figure.values())
