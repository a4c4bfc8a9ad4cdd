"""My profile: my own record with the full ID number, and the few things I change myself."""

from django.conf import settings
from django.urls import reverse

from cunzhi.core.models import AuditEvent
from cunzhi.people.models import DataAccess
from cunzhi.people.tests.factories import full_width

URL = reverse("people:profile")


def test_anonymous_is_sent_to_login(client, world):
    assert client.get(URL).status_code == 302
    assert client.post(URL, {"language": "en"}).status_code == 302


def test_villager_sees_their_full_id_number_without_a_log(login, world):
    villager = world.villager_a.villager
    body = login(world.villager_a).get(URL).content.decode()
    assert villager.id_number in body and "鹤鹿溪村" in body
    assert not DataAccess.objects.exists()


def test_villager_updates_contact_living_away_and_language(login, world):
    client = login(world.villager_a)
    response = client.post(
        URL, {"phone": "+86 137-0000-1234", "living_away": "on", "away_city": "杭州", "language": "en"}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    villager = world.villager_a.villager
    villager.refresh_from_db()
    world.villager_a.refresh_from_db()
    assert (villager.phone, villager.living_away, villager.away_city) == ("13700001234", True, "杭州")
    assert world.villager_a.language == "en"
    assert AuditEvent.objects.filter(action="villager.contact").exists()
    page = client.get(URL).content.decode()
    assert '<html lang="en"' in page and "Your details are saved." in page
    # Coming home clears the city.
    client.post(URL, {"phone": "13700001234", "away_city": "杭州", "language": "en"})
    villager.refresh_from_db()
    assert (villager.living_away, villager.away_city) == (False, "")


def test_a_full_width_contact_number_is_stored_in_ascii(login, world):
    response = login(world.villager_a).post(URL, {"phone": full_width("+86 137-0000-1234"), "language": "en"})
    assert response.status_code == 302
    villager = world.villager_a.villager
    villager.refresh_from_db()
    assert villager.phone == "13700001234"


def test_bad_input_changes_nothing(login, world):
    client = login(world.villager_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for data, message in [
        ({"phone": "12", "language": "en"}, "11 digits"),
        ({"phone": "", "living_away": "on", "away_city": "", "language": "en"}, "which city"),
        ({"phone": "", "language": "klingon"}, "valid choice"),
    ]:
        response = client.post(URL, data)
        assert response.status_code == 200 and message in response.content.decode()
    villager = world.villager_a.villager
    villager.refresh_from_db()
    world.villager_a.refresh_from_db()
    assert (villager.phone, villager.living_away, world.villager_a.language) == ("13900000001", False, "zh-hans")


def test_staff_without_a_villager_record_only_choose_a_language(login, world):
    client = login(world.township_staff)
    body = client.get(URL).content.decode()
    assert 'name="phone"' not in body and 'name="language"' in body and "递铺街道民政办" in body
    assert client.post(URL, {"language": "en"}).status_code == 302
    world.township_staff.refresh_from_db()
    assert world.township_staff.language == "en"
