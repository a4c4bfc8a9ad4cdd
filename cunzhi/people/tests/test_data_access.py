""" "Who looked at my data" (issue 12, item 26): one line per access, with who, which office, what,
why and when; the same person reading again for the same reason soon after is the same access."""

import datetime as dt

from django.urls import reverse

from cunzhi.people import services
from cunzhi.people.models import AccessKind, DataAccess

MY_DATA = reverse("people:data_access")


def read(world, actor=None, purpose="Looked up the record", kind=AccessKind.STAFF_READ):
    return services.access_record(
        actor=actor or world.township_staff, villager=world.villager_a.villager, kind=kind, purpose=purpose
    )


def test_reading_again_soon_for_the_same_reason_is_the_same_access(world):
    first = read(world)
    assert read(world) is None  # counted on the first row
    row = DataAccess.objects.get()
    assert row.pk == first.pk and row.times == 2 and row.last_at >= row.created_at
    # Another reason, another kind, another person: other accesses.
    read(world, purpose="Contacting the villager")
    read(world, kind=AccessKind.DATA_REUSE)
    read(world, actor=world.cadre_a)
    assert DataAccess.objects.count() == 4
    # An hour later it is a new access (the clock is the row's own: moved back, no waiting).
    DataAccess.objects.filter(pk=first.pk).update(created_at=first.created_at - dt.timedelta(minutes=61))
    assert read(world) is not None
    assert DataAccess.objects.get(pk=first.pk).times == 2


def test_the_page_shows_who_which_office_what_why_and_when_for_each_access(world, login):
    read(world, purpose="Contacting the villager")
    read(world, purpose="Contacting the villager")
    read(world, actor=world.cadre_a)
    body = login(world.villager_a).get(MY_DATA).content.decode()
    main = body.split("<main")[1]
    assert main.count('class="access"') == 2  # one entry per access
    entry = main.split('class="access"')[2]  # newest first: 赵干事's
    assert "赵干事" in entry and "递铺街道民政办" in entry  # who, which office (never hidden on phones)
    assert "Staff read the record" in entry and "Contacting the villager" in entry  # what, why
    assert "<time" in entry and "2 times" in entry  # when
    assert 'class="opt"' not in main


def test_the_api_tells_how_many_times_and_when_last(world, login):
    read(world)
    read(world)
    row = login(world.villager_a).get("/api/v1/me/data-access").json()["items"][0]
    assert row["times"] == 2 and row["last_at"]
