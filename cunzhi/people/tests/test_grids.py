"""Grids (moved from regions with their grid workers): the service's rules."""

import pytest
from django.core.exceptions import ValidationError

from cunzhi.people.models import Grid, Role, RoleAssignment
from cunzhi.people.services import grid_create
from cunzhi.people.tests.factories import UserFactory


def test_grid_create_rules(world):
    worker = UserFactory()
    grid = grid_create(actor=world.cadre_a, village=world.village_a, name=" 上庄 ", worker=worker)
    assert grid.name == "上庄"
    assert RoleAssignment.objects.filter(user=worker, role=Role.GRID_WORKER, region=world.village_a).count() == 1
    grid_create(actor=world.cadre_a, village=world.village_a, name="下庄", worker=worker)  # role not doubled
    assert RoleAssignment.objects.filter(user=worker, role=Role.GRID_WORKER).count() == 1
    for kwargs in [
        {"village": world.township_t, "name": "x"},
        {"village": world.village_a, "name": "  "},
        {"village": world.village_a, "name": "上庄"},
        {"village": world.village_a, "name": "长" * 101},
    ]:
        with pytest.raises(ValidationError):
            grid_create(actor=world.cadre_a, worker=None, **kwargs)
    assert Grid.objects.count() == 2
