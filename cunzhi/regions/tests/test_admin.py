"""The admin site checks a region's code as region_create does (the model itself calls no service)."""

from cunzhi.regions.admin import RegionAdminForm
from cunzhi.regions.models import Level


def test_admin_form_refuses_a_code_outside_its_parent(world):
    form = RegionAdminForm(
        data={"code": "330524100201", "name": "外村", "level": Level.VILLAGE, "parent": world.township_t.pk}
    )
    assert not form.is_valid() and "code" in form.errors
    form = RegionAdminForm(
        data={"code": "330523100209", "name": "新村", "level": Level.VILLAGE, "parent": world.township_t.pk}
    )
    assert form.is_valid(), form.errors
