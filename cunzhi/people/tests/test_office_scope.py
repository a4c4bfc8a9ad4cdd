"""Least privilege inside a township (issue 12, item 13), on every people page and endpoint: an office
of the township reads records with ID numbers and phones masked unless its office handles the
villager's case (which a domain tells people through people.rules.office_cases_register)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cunzhi.people import rules
from cunzhi.people.models import Villager

PHONE = "13900000001"  # 张三's


@pytest.fixture
def zhang(world):
    return world.villager_a.villager


@pytest.fixture
def case_of_zhang(monkeypatch, world, zhang):
    """The civil affairs office of township T handles a case of 张三 (as applications and concerns report)."""

    def finder(office_ids):
        return Villager.objects.filter(pk=zhang.pk if world.office_t.pk in office_ids else -1).values_list(
            "pk", flat=True
        )

    monkeypatch.setattr(rules, "_CASE_FINDERS", [finder])


def test_an_office_reads_the_record_masked_and_the_read_is_logged(world, zhang, login, other_office_staff):
    from cunzhi.people.models import DataAccess

    client = login(other_office_staff)
    body = client.get(reverse("people:villager_detail", args=[zhang.public_id]), {"full_id": "1"}).content.decode()
    assert zhang.id_number_masked in body and zhang.id_number not in body and PHONE not in body
    assert zhang.birth_date.isoformat() not in body and "Show the full number" not in body
    assert DataAccess.objects.filter(subject=zhang, actor=other_office_staff).count() == 1
    data = client.get(f"/api/v1/villagers/{zhang.public_id}").json()
    assert (data["id_number"], data["id_number_masked"], data["birth_date"]) == (zhang.id_number_masked, True, None)
    assert data["phone"] != PHONE


def test_only_the_office_with_the_case_sees_id_and_phone(world, zhang, login, other_office_staff, case_of_zhang):
    assert rules.can_see_full_id(world.township_staff, zhang) and rules.can_see_full_phone(world.township_staff, zhang)
    assert not rules.can_see_full_id(other_office_staff, zhang)
    assert not rules.can_see_full_phone(other_office_staff, zhang)
    son = world.helper.villager
    assert not rules.can_see_full_id(world.township_staff, son)  # no case of his
    body = (
        login(world.township_staff)
        .get(reverse("people:villager_detail", args=[zhang.public_id]), {"full_id": "1"})
        .content.decode()
    )
    assert zhang.id_number in body and PHONE in body
    # An office of another township never, case or not.
    assert not rules.can_see_full_id(world.other_township_staff, zhang)


def test_lists_and_exports_mask_for_offices(world, zhang, login, other_office_staff, case_of_zhang):
    for user in (other_office_staff, world.township_staff):
        client = login(user)
        page = client.get(reverse("people:villager_list")).content.decode().split("<main")[1]
        assert "张三" in page and zhang.id_number not in page
        response = client.get(reverse("people:roster_export") + f"?village={world.village_a.code}")
        rows = {r[0]: r for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)}
        assert "*" in rows["张三"][1] and rows["张三"][2] != PHONE  # a whole village is nobody's case
    # In the list, the phone follows the record's rule: the office with the case sees it, the other not.
    assert PHONE in login(world.township_staff).get(reverse("people:villager_list")).content.decode()
    assert PHONE not in login(other_office_staff).get(reverse("people:villager_list")).content.decode()


def test_households_show_no_id_numbers_or_phones_to_offices(world, zhang, login, other_office_staff):
    client = login(other_office_staff)
    page = client.get(reverse("people:household_detail", args=[world.household_a.public_id])).content.decode()
    assert "张三" in page and zhang.id_number not in page and PHONE not in page
    data = client.get(f"/api/v1/households/{world.household_a.public_id}").json()
    assert "id_number" not in str(data) and PHONE not in str(data)


def test_offices_of_another_township_are_refused(world, zhang, login):
    client = login(world.other_township_staff)
    assert client.get(reverse("people:villager_detail", args=[zhang.public_id])).status_code == 404
    assert client.get(f"/api/v1/villagers/{zhang.public_id}").status_code == 404
    assert client.get(reverse("people:household_detail", args=[world.household_a.public_id])).status_code == 404
    assert "张三" not in client.get(reverse("people:villager_list")).content.decode()
