"""Villager list and record pages: scope, masking, search and filters, and the access log they feed."""

import datetime as dt

import pytest
from django.urls import reverse

from cunzhi.core.idnumbers import id_number_build
from cunzhi.people.models import AccessKind, DataAccess, Delegation, DelegationScope, Relation, Role, RoleAssignment
from cunzhi.people.tests.factories import HouseholdFactory, VillagerFactory, full_width

LIST = reverse("people:villager_list")


def detail_url(villager, **params):
    url = reverse("people:villager_detail", args=[villager.public_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def populate(village, group, n=30, prefix="1380000"):
    """n villagers in n//2 households of the village (the list-page load for query counts)."""
    people = []
    for i in range(n):
        if i % 2 == 0:
            household = HouseholdFactory(village=village, group=group)
        people.append(
            VillagerFactory(
                village=village,
                group=group,
                household=household,
                phone=f"{prefix}{i:04d}",
                living_away=(i % 3 == 0),
                away_city="杭州" if i % 3 == 0 else "",
            )
        )
    return people


# --- who may open the list ---------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(LIST)
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("login"))
    response = client.get(detail_url(world.villager_a.villager))
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["villager_a", "villager_b", "helper"])
def test_villagers_may_not_use_the_staff_list(login, world, persona):
    response = login(getattr(world, persona)).get(LIST)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "persona, sees_a, sees_b",
    [
        ("cadre_a", True, False),
        ("township_staff", True, False),
        ("other_township_staff", False, True),
        ("county_admin", True, True),
    ],
)
def test_list_is_filtered_by_scope(login, world, persona, sees_a, sees_b):
    body = login(getattr(world, persona)).get(LIST).content.decode()
    assert ("张三" in body) is sees_a
    assert ("李四" in body) is sees_b


def test_list_masks_id_numbers_always_and_phones_for_roles_that_do_not_call(login, client, world):
    villager = world.villager_a.villager
    body = login(world.cadre_a).get(LIST).content.decode()
    assert villager.id_number_masked in body
    assert villager.id_number not in body
    assert "13900000001" in body  # cadres call villagers back
    client.logout()
    body = login(world.county_admin).get(LIST).content.decode()
    assert "139****0001" in body and "13900000001" not in body
    # Listing is not reading a record: nothing is logged.
    assert not DataAccess.objects.exists()


def test_search_by_name_pinyin_and_phone(login, world):
    client = login(world.cadre_a)
    for term in ["张三", "zhangsan", "ZhangSan", "13900000001", "0001"]:
        body = client.get(LIST, {"q": term}).content.decode()
        assert "张三" in body, term
    body = client.get(LIST, {"q": "nobody-at-all"}).content.decode()
    assert "张三" not in body and "No villager matches" in body


def test_search_with_full_width_digits_and_letters(login, world):
    client = login(world.cadre_a)
    for term in [full_width("139 0000 0001"), "ｚｈａｎｇｓａｎ"]:
        assert "张三" in client.get(LIST, {"q": term}).content.decode(), term


def test_no_phone_search_for_roles_that_may_not_see_phones(login, world):
    client = login(world.county_admin)
    assert "张三" in client.get(LIST, {"q": "zhangsan"}).content.decode()
    body = client.get(LIST, {"q": "139 0000 0001"}).content.decode()
    assert "张三" not in body and "cannot search by one" in body


def test_filters_living_away_adult_village_and_group(login, world):
    a, a1 = world.village_a, world.group_a1
    VillagerFactory(
        name="王小",
        village=a,
        group=a1,
        id_number=id_number_build("330523", dt.date.today() - dt.timedelta(days=365 * 10), 11),
    )
    VillagerFactory(name="外出工", village=a, living_away=True, away_city="上海")
    client = login(world.county_admin)
    body = client.get(LIST, {"adult": "no"}).content.decode()
    assert "王小" in body and "张三" not in body
    body = client.get(LIST, {"adult": "yes"}).content.decode()
    assert "王小" not in body and "张三" in body
    body = client.get(LIST, {"away": "yes"}).content.decode()
    assert "外出工" in body and "张三" not in body
    body = client.get(LIST, {"village": world.village_b.code}).content.decode()
    assert "李四" in body and "张三" not in body
    body = client.get(LIST, {"village": a.code, "group": a1.code}).content.decode()
    assert "张三" in body and "外出工" not in body and "李四" not in body


def test_unknown_filter_values_are_ignored_not_an_error(login, world):
    client = login(world.cadre_a)
    response = client.get(LIST, {"village": world.village_b.code, "group": "x", "away": "maybe", "page": "99"})
    assert response.status_code == 200
    assert "李四" not in response.content.decode()  # another township's village cannot be chosen


def test_list_is_paginated_with_a_fixed_number_of_queries(login, world, django_assert_max_num_queries):
    populate(world.village_a, world.group_a1, 30)
    client = login(world.cadre_a)
    with django_assert_max_num_queries(8):
        first = client.get(LIST)
    assert first.status_code == 200
    assert first.content.decode().count('?purpose=lookup"') == 20
    with django_assert_max_num_queries(8):
        second = client.get(LIST, {"page": 2})
    # 30 new ones + 张三 + 张小明 = 32 villagers: 12 on page 2
    assert second.content.decode().count('?purpose=lookup"') == 12


def test_a_list_longer_than_the_cap_is_not_counted_whole(login, world, monkeypatch):
    """A county's half a million villagers are not counted on every page (core.pagination): past the cap the
    page says "more than", the pager names no last page, and the pages up to the cap still open."""
    from cunzhi.core.pagination import CappedPaginator

    populate(world.village_a, world.group_a1, 30)  # 32 villagers in village A
    monkeypatch.setattr(CappedPaginator, "cap", 25)
    client = login(world.cadre_a)
    first = client.get(LIST).content.decode()
    assert "More than 25 villagers: choose a village or search to narrow the list." in first
    assert "Page 1</span>" in first and "Page 1 of" not in first
    assert client.get(LIST, {"page": 2}).content.decode().count('?purpose=lookup"') == 6  # rows 21-26
    # Within the cap the exact count and the last page, as before.
    narrowed = client.get(LIST, {"q": "张"}).content.decode()
    assert "2 villagers" in narrowed and "More than" not in narrowed
    zh = client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "超过 25 位村民" in zh


# --- the record page ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["cadre_a", "township_staff", "county_admin"])
def test_staff_in_scope_read_the_record_and_it_is_logged(login, world, persona):
    villager = world.villager_a.villager
    staff = getattr(world, persona)
    response = login(staff).get(detail_url(villager))
    assert response.status_code == 200
    body = response.content.decode()
    assert "张三" in body and villager.id_number_masked in body
    assert villager.id_number not in body  # full number only on request
    access = DataAccess.objects.get(subject=villager)
    assert access.actor == staff and access.kind == AccessKind.STAFF_READ
    assert access.purpose == "Looked up the record"
    assert access.region_code == world.village_a.code


def test_purpose_is_recorded(login, world):
    villager = world.villager_a.villager
    login(world.cadre_a).get(detail_url(villager, purpose="case"))
    assert DataAccess.objects.get(subject=villager).purpose == "Handling an application or concern"
    login(world.cadre_a).get(detail_url(villager, purpose="<script>"))
    assert DataAccess.objects.filter(subject=villager, purpose="Looked up the record").count() == 1


@pytest.mark.parametrize("persona", ["villager_b", "other_township_staff", "helper"])
def test_record_out_of_scope_is_not_found(login, world, persona):
    villager = world.villager_a.villager
    response = login(getattr(world, persona)).get(detail_url(villager))
    assert response.status_code == 404
    assert not DataAccess.objects.exists()


def test_unknown_record_is_not_found(login, world):
    assert login(world.county_admin).get("/people/villagers/does-not-exist/").status_code == 404


def test_full_id_number_for_roles_that_need_it_is_logged(login, world):
    villager = world.villager_a.villager
    body = login(world.cadre_a).get(detail_url(villager, full_id=1)).content.decode()
    assert villager.id_number in body
    assert list(DataAccess.objects.filter(subject=villager).values_list("purpose", flat=True).order_by("id")) == [
        "Looked up the record",
        "Showed the full ID number",
    ]


def test_grid_worker_never_sees_the_full_id_number_nor_the_birth_date(login, world):
    from cunzhi.people.tests.factories import UserFactory

    worker = UserFactory(name="网格员")
    RoleAssignment.objects.create(user=worker, role=Role.GRID_WORKER, region=world.village_a)
    villager = world.villager_a.villager
    body = login(worker).get(detail_url(villager, full_id=1)).content.decode()
    assert villager.id_number not in body and villager.id_number_masked in body
    assert villager.birth_date.isoformat() not in body
    assert "13900000001" in body  # grid workers call villagers back
    assert DataAccess.objects.filter(subject=villager).count() == 1


def test_the_villager_sees_their_own_record_in_full_without_a_log(login, world):
    villager = world.villager_a.villager
    body = login(world.villager_a).get(detail_url(villager)).content.decode()
    assert villager.id_number in body
    assert not DataAccess.objects.exists()


def _delegate(world, scopes, **kw):
    from django.utils import timezone

    return Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=scopes,
        ends_at=timezone.now() + dt.timedelta(days=30),
        **kw,
    )


def test_helper_with_a_records_delegation_reads_and_the_use_is_logged(login, world):
    villager = world.villager_a.villager
    _delegate(world, [DelegationScope.RECORDS])
    response = login(world.helper).get(detail_url(villager))
    assert response.status_code == 200
    assert villager.id_number not in response.content.decode()
    access = DataAccess.objects.get(subject=villager)
    assert access.kind == AccessKind.DELEGATION_USE and access.actor == world.helper


def test_helper_without_the_records_scope_or_after_revocation_is_refused(login, world):
    from django.utils import timezone

    villager = world.villager_a.villager
    d = _delegate(world, [DelegationScope.CONCERNS])
    assert login(world.helper).get(detail_url(villager)).status_code == 404
    d.scopes, d.revoked_at = [DelegationScope.RECORDS], timezone.now()
    d.save()
    assert login(world.helper).get(detail_url(villager)).status_code == 404


# --- who looked at my data --------------------------------------------------------------------

MY_DATA = reverse("people:data_access")


def test_villager_sees_who_read_their_record(login, client, world):
    villager = world.villager_a.villager
    login(world.township_staff).get(detail_url(villager, purpose="contact"))
    client.logout()
    body = login(world.villager_a).get(MY_DATA).content.decode()
    assert "赵干事" in body  # who
    assert "递铺街道民政办" in body  # office
    assert "Contacting the villager" in body or "联系" in body  # why
    client.logout()
    # Nobody else sees it.
    assert "赵干事" not in login(world.villager_b).get(MY_DATA).content.decode()


def test_my_data_needs_login_and_handles_accounts_without_a_record(client, login, world):
    assert client.get(MY_DATA).status_code == 302
    response = login(world.cadre_a).get(MY_DATA)
    assert response.status_code == 200 and "no villager record" in response.content.decode()


def test_my_data_is_paginated_with_fixed_queries(login, world, django_assert_max_num_queries):
    villager = world.villager_a.villager
    rows = [
        DataAccess(
            subject=villager,
            actor=world.cadre_a,
            actor_name="王书记",
            actor_office="鹤鹿溪村",
            kind=AccessKind.STAFF_READ,
            purpose="Looked up the record",
            region_code=villager.region_code,
        )
        for _ in range(30)
    ]
    DataAccess.objects.bulk_create(rows)
    client = login(world.villager_a)
    with django_assert_max_num_queries(7):
        response = client.get(MY_DATA)
    assert response.content.decode().count("王书记") == 20
    assert client.get(MY_DATA, {"page": 2}).content.decode().count("王书记") == 10
