"""`field__under=prefix` (core/lookups.py): exactly the codes that start with the prefix, as a range."""

import pytest

from cunzhi.regions.models import Region

CODES = ["330523000000", "330523101000", "330523101201", "330529999999", "330530000000", "33052", "999999000000"]


@pytest.fixture
def codes(db):
    Region.objects.bulk_create(Region(code=c, name=c, level="county", prefix=c) for c in CODES)


@pytest.mark.parametrize("prefix", ["330523", "3305231", "330523101201", "330529", "33052", "3305", "9", "99", ""])
def test_under_is_startswith(codes, prefix):
    found = set(Region.objects.filter(code__under=prefix).values_list("code", flat=True))
    assert found == {c for c in CODES if c.startswith(prefix)}


def test_the_range_is_what_the_database_is_asked(codes):
    sql = str(Region.objects.filter(code__under="330529").query)
    assert "LIKE" not in sql and ">= 330529" in sql and "< 33053" in sql


@pytest.mark.parametrize("prefix", ["33%", "abc", "３３", None])
def test_only_digits(codes, prefix):
    with pytest.raises(ValueError):
        list(Region.objects.filter(code__under=prefix))
