"""Fixtures for meeting tests: private files in a temporary folder, English messages, no live cache,
and a helper that fills a village with adult villagers in households."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from cunzhi.core.idnumbers import id_number_build
from cunzhi.people.models import Household, Villager

_seq = itertools.count(5000)


@pytest.fixture(autouse=True)
def _no_live_cache(settings):
    """Every read of the live state is fresh in tests (production shares it for half a second)."""
    settings.MEETINGS_LIVE_CACHE_SECONDS = 0
    from django.core.cache import caches

    caches["memo"].clear()


def add_villagers(
    village, n: int, *, group=None, per_household: int = 2, age: int = 40, users: bool = False, prefix: str = "村民"
):
    """n villagers of `age` in households of `per_household`, the first of each its representative (bulk)."""
    from cunzhi.people.services import villager_derive_fields
    from cunzhi.people.tests.factories import UserFactory

    today = timezone.localdate()
    birth = today.replace(year=today.year - age) - dt.timedelta(days=10)
    households = Household.objects.bulk_create(
        [
            Household(village=village, group=group, region_code=village.code, number=f"T{next(_seq):06d}")
            for _ in range((n + per_household - 1) // per_household)
        ]
    )
    rows = []
    for i in range(n):
        k = next(_seq)
        # Birth dates spread over less than a year, so everyone has the age asked for; (day, sequence) is unique.
        v = Villager(
            name=f"{prefix}{k}",
            id_number=id_number_build("330523", birth - dt.timedelta(days=k % 300), k % 997 + 1),
            village=village,
            group=group,
            household=households[i // per_household],
        )
        if users:
            v.user = UserFactory(name=v.name)
        villager_derive_fields(v)
        rows.append(v)
    Villager.objects.bulk_create(rows)
    for h, first in zip(households, rows[::per_household]):
        h.representative = first
    Household.objects.bulk_update(households, ["representative"])
    return rows
