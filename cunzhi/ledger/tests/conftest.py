"""Fixtures for ledger tests: a supervision committee member of village A, private files, English."""

import pytest
from django.utils import translation

from cunzhi.people.models import Role, RoleAssignment
from cunzhi.people.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "private")}}}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def supervisor_a(world):
    """A member of village A's supervision committee (村务监督委员会)."""
    user = UserFactory(phone="13900000040", name="周监督")
    RoleAssignment.objects.create(user=user, role=Role.SUPERVISOR, region=world.village_a)
    return user


@pytest.fixture
def cadre_b(world):
    user = UserFactory(phone="13900000011", name="吴主任")
    RoleAssignment.objects.create(user=user, role=Role.CADRE, region=world.village_b)
    return user
