"""The demo county's elections: 余村's archived election with a runoff, and 大溪村's at the voter-list stage."""

import pytest
from django.urls import reverse

from cunzhi.elections.models import Election, Stage
from cunzhi.people.models import User

pytestmark = [pytest.mark.slow]  # builds the whole demo county


def test_demo_elections(db, demo_county, client):
    past = Election.objects.get(village__name="余村")
    assert past.stage == Stage.ARCHIVED
    first = past.result["first"]
    assert first["valid"] and len(first["elected"]) == 4 and first["empty_seats"] == 1
    assert len(past.result["runoff"]["elected"]) == 1
    assert past.proxies.exists() and past.objections.exists()
    assert past.election_day.year < 2026
    upcoming = Election.objects.exclude(pk=past.pk).get()
    assert upcoming.stage == Stage.LIST_PUBLISHED and upcoming.voters.count() > 100
    villager = User.objects.get(phone="13800000001")
    client.force_login(villager)
    r = client.get(reverse("elections:result", args=[past.public_id]))
    assert r.status_code == 200
