"""The door-to-door list as a checklist: ticks by the village's cadres and grid workers; a person told
in person counts as reached and leaves the list; "not at home" keeps them on it, with the time."""

import pytest
from django.urls import reverse

from cunzhi.notify import services
from cunzhi.notify.models import DoorVisit
from cunzhi.notify.selectors import not_reached, notice_report
from cunzhi.people.models import Role, RoleAssignment
from cunzhi.people.tests.factories import UserFactory


@pytest.fixture
def notice(world):
    # An announcement to village A: nobody opened it, no e-mail, no text (no phone gateway reports).
    return services.notice_send(
        kind="announcement", region_code=world.village_a.code, sender=world.cadre_a, subject={"en": "Meeting"}
    )


@pytest.fixture
def grid_worker(world):
    user = UserFactory(name="网格员")
    RoleAssignment.objects.create(user=user, role=Role.GRID_WORKER, region=world.village_a)
    return user


def tick(client, notice, person, outcome):
    """`person`: an account of a villager, or a villager record."""
    villager = getattr(person, "villager", person)
    return client.post(reverse("notify:door_visit", args=[notice.public_id, villager.public_id]), {"outcome": outcome})


def test_told_in_person_counts_as_reached_and_leaves_the_list(world, login, notice, grid_worker, settings):
    settings.SMS_DELIVERY_REPORTS = True
    before = notice_report(notice=notice)
    assert before["reached"] == 0 and world.villager_a.villager in not_reached(notice=notice)
    client = login(grid_worker)
    assert tick(client, notice, world.villager_a, "not_home").status_code == 302
    (row,) = [p for p in not_reached(notice=notice) if p == world.villager_a.villager]
    assert row.door_outcome == "not_home" and row.door_at is not None
    page = client.get(reverse("notify:door_list", args=[notice.public_id]))
    assert "not at home" in page.text
    tick(client, notice, world.villager_a, "told")
    assert world.villager_a.villager not in not_reached(notice=notice)
    after = notice_report(notice=notice)
    assert (after["reached"], after["told_in_person"]) == (1, 1)
    assert DoorVisit.objects.count() == 2  # every tick kept


def test_who_may_tick(world, client, login, notice, cadre_b, other_office_staff):
    assert tick(client, notice, world.villager_a, "told").status_code == 302  # anonymous: to log in
    assert "/login/" in tick(client, notice, world.villager_a, "told")["Location"]
    assert tick(login(world.villager_b), notice, world.villager_a, "told").status_code == 404
    assert tick(login(world.other_township_staff), notice, world.villager_a, "told").status_code == 404
    assert tick(login(cadre_b), notice, world.villager_a, "told").status_code == 404
    # Office staff of the same township read the report but do not go door to door.
    assert tick(login(world.township_staff), notice, world.villager_a, "told").status_code == 403
    assert tick(login(other_office_staff), notice, world.villager_a, "told").status_code == 403
    assert not DoorVisit.objects.exists()
    assert tick(login(world.cadre_a), notice, world.villager_a, "told").status_code == 302
    assert DoorVisit.objects.count() == 1


def test_bad_ticks_change_nothing(world, login, notice):
    client = login(world.cadre_a)
    for outcome in ("", "maybe", "x" * 500):
        r = tick(client, notice, world.villager_a, outcome)
        assert r.status_code == 302
    assert tick(client, notice, world.villager_b, "told").status_code == 302  # not a recipient
    messages = [m.message for m in r.wsgi_request._messages]
    assert messages
    assert not DoorVisit.objects.exists()
    door = reverse("notify:door_visit", args=[notice.public_id, world.villager_a.villager.public_id])
    assert client.get(door).status_code == 405
    assert tick(client, notice, type("P", (), {"public_id": "nobody"})(), "told").status_code == 404
