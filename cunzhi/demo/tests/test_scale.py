"""The county-scale generator (seed_scale) at a tiny size on top of the demo snapshot: counts in the
proportions asked, ID numbers valid and blind-indexed, every added village's ledger chain verifies,
and the main pages load for an added villager and an added township's staff."""

import io

import pytest
from django.core.management import call_command

from cunzhi.applications.models import Application
from cunzhi.concerns.models import Concern
from cunzhi.core.crypto import blind_index
from cunzhi.core.idnumbers import validate_id_number
from cunzhi.demo import scale
from cunzhi.ledger.services import chain_verify
from cunzhi.meetings.models import Ballot, Meeting
from cunzhi.notify.models import Delivery
from cunzhi.people.models import Household, Role, RoleAssignment, Villager
from cunzhi.regions.models import Level, Region


@pytest.mark.slow
def test_seed_scale_adds_villages_with_years_of_activity(demo_county, client, clock):
    before = Villager.objects.count()
    call_command("seed_scale", villages=2, villagers=200, years=1, stdout=io.StringIO())
    added = Region.objects.filter(level=Level.VILLAGE).order_by("-code")[:2]
    codes = [v.code for v in added]
    villagers = Villager.objects.filter(region_code__in=codes)
    assert villagers.count() == 200 == Villager.objects.count() - before
    households = Household.objects.filter(region_code__in=codes).count()
    assert 60 <= households <= 100  # ~390 households per 1,000 residents
    for v in villagers.order_by("pk")[:20]:  # stored encrypted, read back valid, indexed by its blind index
        assert validate_id_number(v.id_number) == v.id_number and v.id_hash == blind_index(v.id_number)
    assert Concern.objects.filter(region_code__in=codes).count() == 2 * scale.RATES["concerns"]
    assert Application.objects.filter(region_code__in=codes).count() == 2 * scale.RATES["applications"]
    meetings = Meeting.objects.filter(region_code__in=codes)
    assert meetings.count() == 2 * (scale.RATES["villagers_meetings"] + scale.RATES["representatives_meetings"])
    assert Ballot.objects.filter(motion__meeting__in=meetings).exists()
    assert Delivery.objects.filter(notice__region_code__in=codes).exists()
    for village in added:
        result = chain_verify(village=village)
        assert result.ok and result.count == scale.RATES["ledger_entries"], result.problem

    villager = villagers.filter(user__isnull=False, user__roles__isnull=True).first()
    client.force_login(villager.user)
    for url in (
        "/",
        "/concerns/",
        "/services/",
        "/meetings/",
        "/disclosure/",
        "/ledger/",
        "/points/",
        "/organisations/",
        "/consultations/",
    ):
        assert client.get(url, follow=True).status_code == 200, url
    staff = RoleAssignment.objects.filter(role=Role.OFFICE_STAFF, region__children__code__in=codes).first()
    client.force_login(staff.user)
    for url in ("/", "/services/work/", "/concerns/", "/figures/"):
        assert client.get(url, follow=True).status_code == 200, url
