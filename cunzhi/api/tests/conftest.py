"""Fixtures for API tests: bearer tokens, extra personas, and villages with many rows for query counts."""

import pytest

from cunzhi.api.services import token_issue
from cunzhi.people.models import Grid, Role, RoleAssignment
from cunzhi.people.tests.factories import HouseholdFactory, UserFactory, VillagerFactory

ROWS = 30  # rows per list in the query-count tests


@pytest.fixture
def bearer():
    """bearer(user) -> headers for the test client carrying a fresh token of that user."""

    def _bearer(user):
        key, _token = token_issue(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    return _bearer


@pytest.fixture
def grid_worker_a(world):
    user = UserFactory(phone="13900000041", name="吴网格")
    RoleAssignment.objects.create(user=user, role=Role.GRID_WORKER, region=world.village_a)
    Grid.objects.create(village=world.village_a, name="东片", worker=user)
    return user


@pytest.fixture
def crowded(world):
    """ROWS more households and villagers in each of villages A and B (for query counts and scope)."""
    for village, group, tag in ((world.village_a, world.group_a1, "A"), (world.village_b, world.group_b1, "B")):
        for i in range(ROWS):
            house = HouseholdFactory(village=village, group=group, number=f"{tag}9{i:03d}")
            v = VillagerFactory(
                village=village,
                group=group,
                household=house,
                phone=f"1370000{tag == 'B':d}{i:03d}",
                living_away=i % 3 == 0,
            )
            house.representative = v
            house.save()
    return world
