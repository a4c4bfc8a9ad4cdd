"""Region pages: the tree within scope with counts, one region, and drawing grids."""

import pytest
from django.urls import reverse

from cunzhi.people.models import Grid, Role, RoleAssignment
from cunzhi.people.tests.factories import HouseholdFactory, UserFactory, VillagerFactory, full_width
from cunzhi.regions.models import Level, Region

TREE = reverse("regions:tree")


def detail(region):
    return reverse("regions:detail", args=[region.code])


def grid_new(region):
    return reverse("regions:grid_new", args=[region.code])


def test_anonymous_is_sent_to_login(client, world):
    for url in (TREE, detail(world.village_a), grid_new(world.village_a)):
        assert client.get(url).status_code == 302
    assert client.post(grid_new(world.village_a), {"name": "x", "worker_phone": "13900000010"}).status_code == 302
    assert not Grid.objects.exists()


@pytest.mark.parametrize(
    "persona, sees_a, sees_b",
    [
        ("villager_a", True, False),
        ("villager_b", False, True),
        ("cadre_a", True, False),
        ("township_staff", True, False),
        ("other_township_staff", False, True),
        ("county_admin", True, True),
    ],
)
def test_tree_shows_the_scope_only(login, world, persona, sees_a, sees_b):
    body = login(getattr(world, persona)).get(TREE).content.decode()
    assert ("鹤鹿溪村" in body) is sees_a
    assert ("余村" in body) is sees_b


def test_tree_counts_per_village_for_staff_only(login, client, world):
    body = login(world.township_staff).get(TREE).content.decode()
    assert "2 villagers" in body and "1 household" in body  # 张三 and 张小明 in household A0001
    client.logout()
    body = login(world.villager_a).get(TREE).content.decode()
    assert "villagers" not in body and "鹤鹿溪村" in body
    assert f'href="{detail(world.township_t)}"' in body  # their own line opens
    assert "天荒坪镇" not in body  # another township is not listed


def test_tree_is_one_query_for_many_villages(login, world, django_assert_max_num_queries):
    for i in range(30):
        v = Region.objects.create(
            code=f"330523100{300 + i}", name=f"新村{i}", level=Level.VILLAGE, parent=world.township_t
        )
        h = HouseholdFactory(village=v)
        VillagerFactory(village=v, household=h, living_away=True)
    client = login(world.county_admin)
    with django_assert_max_num_queries(6):
        response = client.get(TREE)
    body = response.content.decode()
    assert "新村29" in body
    assert "31 villages" in body and "32 villages" in body  # township T: A + 30; the county adds B
    assert "32 villagers" in body  # T: 2 in A + 30 new


@pytest.mark.parametrize("persona", ["villager_b", "other_township_staff"])
def test_other_places_are_not_found(login, world, persona):
    client = login(getattr(world, persona))
    for region in (world.village_a, world.group_a1, world.township_t):
        assert client.get(detail(region)).status_code == 404


def test_unknown_or_malformed_codes_are_not_found(login, world):
    client = login(world.county_admin)
    assert client.get("/regions/330523999999/").status_code == 404
    assert client.get("/regions/12345/").status_code == 404


@pytest.mark.parametrize("persona", ["cadre_a", "township_staff", "county_admin"])
def test_village_page_for_staff(login, world, persona, django_assert_max_num_queries):
    worker = UserFactory(name="网格员老周")
    Grid.objects.create(village=world.village_a, name="上庄", worker=worker)
    client = login(getattr(world, persona))
    with django_assert_max_num_queries(10):
        response = client.get(detail(world.village_a))
    body = response.content.decode()
    assert response.status_code == 200
    assert "第一村民小组" in body and "上庄" in body and "网格员老周" in body
    assert "递铺街道" in body  # the line up the tree


def test_villager_sees_their_own_village_without_counts(login, world):
    Grid.objects.create(village=world.village_a, name="上庄", worker=UserFactory(name="网格员老周"))
    client = login(world.villager_a)
    body = client.get(detail(world.village_a)).content.decode()
    assert "上庄" in body and "网格员老周" in body
    assert "Villagers of this village" not in body and "Add a grid" not in body
    # Their own line up the tree opens (names are public); another township does not.
    assert client.get(detail(world.township_t)).status_code == 200
    assert client.get(detail(world.township_u)).status_code == 404


def test_county_and_township_pages(login, world):
    client = login(world.county_admin)
    body = client.get(detail(world.county)).content.decode()
    assert "递铺街道" in body and "天荒坪镇" in body
    response = client.get(detail(world.township_t))
    assert "鹤鹿溪村" in response.content.decode()
    assert response.context["totals"] == {"villager_count": 2, "household_count": 1, "away_count": 0}
    body = client.get(detail(world.group_a1)).content.decode()
    assert "Villagers of this group" in body


# --- drawing grids -----------------------------------------------------------------------------


def test_cadre_creates_a_grid_and_the_worker_gets_the_role(login, world):
    worker = UserFactory(phone="13700000005", name="网格员小李")
    client = login(world.cadre_a)
    assert "Add a grid" in client.get(detail(world.village_a)).content.decode()
    assert client.get(grid_new(world.village_a)).status_code == 200
    response = client.post(grid_new(world.village_a), {"name": "下庄", "worker_phone": "137 0000 0005"})
    assert response.status_code == 302 and response.headers["Location"] == detail(world.village_a)
    grid = Grid.objects.get()
    assert (grid.name, grid.worker, grid.region_code) == ("下庄", worker, world.village_a.code)
    assert RoleAssignment.objects.filter(user=worker, role=Role.GRID_WORKER, region=world.village_a).exists()


def test_grid_worker_found_by_a_full_width_mobile_number(login, world):
    worker = UserFactory(phone="13700000005", name="网格员小李")
    response = login(world.cadre_a).post(
        grid_new(world.village_a), {"name": "下庄", "worker_phone": full_width("137 0000 0005")}
    )
    assert response.status_code == 302 and Grid.objects.get().worker == worker


def test_county_admin_creates_a_grid(login, world):
    UserFactory(phone="13700000006")
    response = login(world.county_admin).post(
        grid_new(world.village_b), {"name": "一网格", "worker_phone": "13700000006"}
    )
    assert response.status_code == 302
    assert Grid.objects.filter(village=world.village_b).exists()


def test_grid_bad_input(login, world, settings):
    UserFactory(phone="13700000007")
    Grid.objects.create(village=world.village_a, name="上庄")
    client = login(world.cadre_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for data, message in [
        ({"name": "新网格", "worker_phone": "13812340000"}, "Nobody has an account"),
        ({"name": "新网格", "worker_phone": "abc"}, "11 digits"),
        ({"name": "上庄", "worker_phone": "13700000007"}, "already has a grid"),
        ({"name": "", "worker_phone": "13700000007"}, "required"),
    ]:
        response = client.post(grid_new(world.village_a), data)
        assert response.status_code == 200 and message in response.content.decode(), message
    assert Grid.objects.count() == 1


@pytest.mark.parametrize(
    "persona, status",
    [
        ("villager_a", 403),
        ("township_staff", 403),
        ("villager_b", 404),
        ("other_township_staff", 404),
    ],
)
def test_others_may_not_create_grids(login, world, persona, status):
    UserFactory(phone="13700000008")
    client = login(getattr(world, persona))
    assert client.get(grid_new(world.village_a)).status_code == status
    assert client.post(grid_new(world.village_a), {"name": "x", "worker_phone": "13700000008"}).status_code == status
    assert not Grid.objects.exists()


def test_grids_belong_to_villages(login, world):
    assert login(world.county_admin).get(grid_new(world.township_t)).status_code == 403
