"""The county-scale generator (seed_scale) at a tiny size on top of the demo snapshot: counts in the
proportions asked, ID numbers valid and blind-indexed, every added village's ledger chain verifies,
and the main pages load for an added villager and an added township's staff."""

import io

import pytest
from django.core.management import CommandError, call_command

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


@pytest.mark.slow
def test_parts_draw_apart_so_several_generators_can_fill_one_database(demo_county):
    """seed_scale --part k/n: what must be unique comes from the part's own share (run one after the other
    here; side by side on PostgreSQL in bench runs)."""
    from cunzhi.meetings.models import MeetingMember
    from cunzhi.people.models import User

    before = set(Region.objects.values_list("code", flat=True))
    users_before = set(User.objects.values_list("pk", flat=True))
    call_command("seed_scale", villages=1, villagers=60, years=1, part="1/2", stdout=io.StringIO())
    call_command("seed_scale", villages=1, villagers=60, years=1, part="0/2", stdout=io.StringIO())
    townships = Region.objects.filter(level=Level.TOWNSHIP).exclude(code__in=before)
    assert sorted(int(t.code[6:9]) % 2 for t in townships) == [0, 1]
    phones = User.objects.exclude(pk__in=users_before).values_list("phone", flat=True)
    assert {p[:4] for p in phones} == {"1470", "1475"}  # part 0 from 147 0000 0000, part 1 from 147 5000 0000
    for t in townships:
        part = int(t.code[6:9]) % 2
        for v in Villager.objects.filter(region_code__startswith=t.code[:9]):
            assert int(v.id_number[14:17]) // 2 % 2 == part  # the sequence's share, the sex digit apart
    members = MeetingMember.objects.filter(meeting__region_code__startswith="330523").values_list("pk", flat=True)
    assert max(members) > scale.PART_IDS  # part 1 numbers its rows in its own range
    with pytest.raises(CommandError):
        call_command("seed_scale", villages=1, villagers=60, part="2/2", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("seed_scale", villages=1, villagers=60, part="half", stdout=io.StringIO())
