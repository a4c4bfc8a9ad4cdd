"""Region services: code format rules and the import's ordering."""

import io

import pytest
from django.core.exceptions import ValidationError

from cunzhi.regions.models import Level, Region
from cunzhi.regions.services import region_code_problems, regions_import


def test_code_format_rules(world):
    assert region_code_problems(code="330523105000", level=Level.TOWNSHIP, parent=world.county) == []
    assert region_code_problems(code="330523105201", level=Level.VILLAGE, parent=world.township_t)
    assert region_code_problems(code="33052310520", level=Level.TOWNSHIP, parent=world.county)
    assert region_code_problems(code="330523100201", level=Level.TOWNSHIP, parent=world.county)
    assert region_code_problems(code="330523100201000", level=Level.GROUP, parent=world.village_a)
    # Format, not ranges: a code of a dissolved or unusual unit is fine.
    assert (
        region_code_problems(
            code="330523999999",
            level=Level.VILLAGE,
            parent=Region(code="330523999000", level=Level.TOWNSHIP, prefix="330523999"),
        )
        == []
    )


def test_import_creates_parents_first_whatever_the_order(world):
    data = ("code,name\n330523105201001,一组\n330523105201,新村\n330523105000,新镇\n").encode()
    created, errors = regions_import(
        actor=world.county_admin, fileobj=io.BytesIO(data), filename="r.csv", county=world.county
    )
    assert (created, errors) == (3, [])
    assert Region.objects.get(code="330523105201001").parent.parent.code == "330523105000"


def test_import_preview_writes_nothing(world):
    data = "code,name\n330523105000,新镇\n".encode()
    created, errors = regions_import(
        actor=world.county_admin, fileobj=io.BytesIO(data), filename="r.csv", county=world.county, commit=False
    )
    assert (created, errors) == (1, [])
    assert not Region.objects.filter(code="330523105000").exists()


def test_import_only_into_a_county(world):
    with pytest.raises(ValidationError):
        regions_import(
            actor=world.county_admin, fileobj=io.BytesIO(b"code,name\n"), filename="r.csv", county=world.township_t
        )


def test_import_caps_the_error_list(world):
    rows = "".join(f"bad{i},x\n" for i in range(700))
    created, errors = regions_import(
        actor=world.county_admin,
        fileobj=io.BytesIO(("code,name\n" + rows).encode()),
        filename="r.csv",
        county=world.county,
    )
    assert created == 0 and len(errors) == 501 and "200 more" in str(errors[-1]["message"])
