"""Fixtures for concerns tests: categories and routing rules on top of the `world` personas, photos,
private files in a temporary folder, English messages."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cunzhi.concerns import services
from cunzhi.concerns.models import Category, Clock, Kind, Level, RoutingRule

NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


def photo(name="road.jpg", size=(40, 30), fmt="JPEG", gps=False) -> SimpleUploadedFile:
    """A small real picture; with `gps`, EXIF carrying a location that intake must strip."""
    buf = io.BytesIO()
    img = Image.new("RGB", size, (120, 160, 90))
    if gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (30.0, 38.0, 0.0), 3: "E", 4: (119.0, 40.0, 0.0)}
        img.save(buf, fmt, exif=exif)
    else:
        img.save(buf, fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.fixture
def cw(world):
    """The world plus concern categories and routing rules:
    roads (village level, the village's Party secretary or cadre named), subsidy (township T's civil
    affairs office, 赵干事 named; township U's office for U)."""
    roads = Category.objects.create(
        code="roads", name="道路", name_en="Roads", clock=Clock.UTILITIES, level=Level.VILLAGE
    )
    subsidy = Category.objects.create(
        code="subsidy", name="低保救助", name_en="Subsidies", clock=Clock.GENERAL, level=Level.TOWNSHIP
    )
    RoutingRule.objects.create(category=roads, region=world.county, level=Level.VILLAGE)
    RoutingRule.objects.create(
        category=subsidy,
        region=world.township_t,
        level=Level.TOWNSHIP,
        office=world.office_t,
        responsible=world.township_staff,
    )
    RoutingRule.objects.create(
        category=subsidy,
        region=world.township_u,
        level=Level.TOWNSHIP,
        office=world.office_u,
        responsible=world.other_township_staff,
    )
    world.roads, world.subsidy = roads, subsidy
    return world


@pytest.fixture
def raise_concern(cw):
    """raise_concern(**overrides): a villager of A raises a public roads concern online."""

    def _raise(**kw):
        kw.setdefault("actor", cw.villager_a)
        kw.setdefault("category", cw.roads)
        kw.setdefault("kind", Kind.REPORT)
        kw.setdefault("text", "村口路灯坏了三盏，晚上很黑")
        kw.setdefault("now", NOW)
        return services.concern_submit(**kw)

    return _raise
