"""factory_boy factories for people and regions (tests only)."""

import datetime as dt
import itertools

import factory

from cunzhi.core.idnumbers import id_number_build
from cunzhi.people.models import Household, User, Villager
from cunzhi.people.services import villager_derive_fields
from cunzhi.regions.models import Level, Region

_seq = itertools.count(1)
TEST_PASSWORD = "pass-word-123"


_FULL_WIDTH = str.maketrans("0123456789Xx +-", "０１２３４５６７８９Ｘｘ　＋－")


def full_width(text: str) -> str:
    """The text as a Chinese keyboard in full-width mode types it: １３９　００００, Ｘ, ＋８６."""
    return text.translate(_FULL_WIDTH)


def next_id_number(area6: str = "330523", birth: dt.date = dt.date(1980, 5, 17)) -> str:
    n = next(_seq)
    return id_number_build(area6, birth + dt.timedelta(days=n // 1000), n)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    # Far from the fixed personas of the test world (13900000001…), whatever the order tests run in.
    phone = factory.Sequence(lambda n: f"1395{n:07d}")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    level = Level.VILLAGE
    name = factory.Sequence(lambda n: f"村{n}")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"H{n:05d}")


class VillagerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Villager

    name = factory.Sequence(lambda n: f"村民{n}")
    id_number = factory.LazyFunction(next_id_number)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # As the services do: the derived fields are filled before the row is written.
        villager = model_class(*args, **kwargs)
        villager_derive_fields(villager)
        villager.save()
        return villager
