"""The demo (issue 15's "done when"): in 余村 a cadre recorded a training session with three attendees, one
of them then raised a concern alone, and the figure "now does it alone" shows 1 of 3 — on the village's
page and in the county's figures table (insights)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cunzhi.insights import selectors as insights
from cunzhi.learning import selectors
from cunzhi.people.models import User
from cunzhi.regions.models import Level, Region


@pytest.fixture
def demo(db, demo_county):
    """The demo county, copied in (built once per process: see the root conftest)."""


def test_the_yucun_session_shows_one_of_three(demo, client):
    village = Region.objects.get(code="330523100201")
    figure = selectors.outcome(village=village, now=timezone.now())
    assert (figure["trained"], figure["alone"]) == (1 * 3, 1)
    cadre = User.objects.get(phone="13800000005")
    client.force_login(cadre)
    body = client.get(reverse("learning:village", args=[village.code]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "/ 3 人现在能自己办" in body.content.decode()
    county = Region.objects.get(level=Level.COUNTY)
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime(today.year - 1, 1, 1))
    table = insights.figures(region=county, start=start, end=start + dt.timedelta(days=1000))
    col = [i.key for i in table["columns"]].index("learning_alone")
    assert (table["total"][col]["num"], table["total"][col]["den"]) == (1, 3)
