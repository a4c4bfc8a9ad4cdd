"""The office list: staff only, the offices serving their regions."""

import pytest
from django.urls import reverse

from cunzhi.people.models import Office, OfficeKind

LIST = reverse("people:office_list")


def test_anonymous_is_sent_to_login(client, world):
    assert client.get(LIST).status_code == 302


@pytest.mark.parametrize("persona", ["villager_a", "villager_b", "helper"])
def test_villagers_may_not_use_it(login, world, persona):
    assert login(getattr(world, persona)).get(LIST).status_code == 403


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("cadre_a", {"递铺街道民政办", "安吉县民政局"}),
        ("township_staff", {"递铺街道民政办", "安吉县民政局"}),
        ("other_township_staff", {"天荒坪镇民政办", "安吉县民政局"}),
        ("county_admin", {"递铺街道民政办", "天荒坪镇民政办", "安吉县民政局"}),
    ],
)
def test_offices_in_and_above_the_scope(login, world, persona, expected):
    body = login(getattr(world, persona)).get(LIST).content.decode()
    shown = {name for name in ("递铺街道民政办", "天荒坪镇民政办", "安吉县民政局") if name in body}
    assert shown == expected


def test_english_name_in_english(login, client, world):
    Office.objects.filter(pk=world.office_t.pk).update(name_en="Dipu Civil Affairs Office")
    client = login(world.cadre_a)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": LIST})
    assert "递铺街道民政办" in client.get(LIST).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": LIST})
    assert "Dipu Civil Affairs Office" in client.get(LIST).content.decode()


def test_query_count(login, world, django_assert_max_num_queries):
    for i in range(30):
        Office.objects.create(name=f"县局{i}", kind=OfficeKind.OTHER, region=world.county)
    client = login(world.county_admin)
    with django_assert_max_num_queries(6):
        response = client.get(LIST)
    assert response.status_code == 200 and "县局" in response.content.decode()
