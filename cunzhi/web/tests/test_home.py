"""Home pages for villagers and staff, navigation by role, language and text-size switches."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cunzhi.people.models import AccessKind, DataAccess, Delegation, DelegationScope, Relation
from cunzhi.people.tests.factories import HouseholdFactory, VillagerFactory
from cunzhi.web.context_processors import nav_links


def access(world, n, name="赵干事"):
    v = world.villager_a.villager
    return DataAccess.objects.bulk_create(
        [
            DataAccess(
                subject=v,
                actor=world.township_staff,
                actor_name=f"{name}{i}",
                actor_office="递铺街道民政办",
                kind=AccessKind.STAFF_READ,
                purpose="Looked up the record",
                region_code=v.region_code,
            )
            for i in range(n)
        ]
    )


def delegate(world, **kw):
    return Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.MEETINGS],
        ends_at=timezone.now() + dt.timedelta(days=30),
        **kw,
    )


def test_anonymous_home(client, db):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Log in" in body and "Who viewed my data" not in body


def test_anonymous_home_leads_to_a_village_and_its_public_pages(client, world):
    home = client.get("/").content.decode()
    assert f'action="{reverse("villages")}"' in home and 'name="q"' in home  # the village finder
    assert f'href="{reverse("verify:form")}"' in home  # check a certificate
    found = client.get(reverse("villages"), {"q": "鹿溪"}).content.decode()
    a, b = world.village_a, world.village_b
    assert f'href="{reverse("village", args=[a.code])}"' in found and "余村" not in found
    everything = client.get(reverse("villages")).content.decode()
    assert "鹤鹿溪村" in everything and "余村" in everything and "递铺街道" in everything and "天荒坪镇" in everything
    page = client.get(reverse("village", args=[a.code])).content.decode()
    links = [
        reverse("disclosure:index") + f"?village={a.code}",
        reverse("concerns:board", args=[a.code]),
        reverse("ledger:village", args=[a.code]),
        reverse("ledger:verify") + f"?village={a.code}",
        reverse("disclosure:calendar") + f"?village={a.code}",
    ]
    for link in links:
        assert f'href="{link}"' in page, link
        assert client.get(link).status_code == 200, link  # each works without logging in
    assert b.code not in page


@pytest.mark.parametrize("code", ["330523100000", "330523100201001", "999999999999", "abc"])
def test_village_page_is_only_for_villages(client, world, code):
    assert client.get(f"/villages/{code}/").status_code == 404


def test_village_finder_takes_any_text(client, world):
    response = client.get(reverse("villages"), {"q": "村" * 5000})
    assert response.status_code == 200 and "No village has this name" in response.content.decode()


def test_villager_home_shows_what_exists(login, world, django_assert_max_num_queries):
    delegate(world)
    access(world, 7)
    client = login(world.villager_a)
    with django_assert_max_num_queries(
        24
    ):  # built once: session, user, roles, the page's own reads and the domains' cards, cache write
        response = client.get("/")
    with django_assert_max_num_queries(3):  # then served from the cache: session, user, cached page
        again = client.get("/")
    assert response.status_code == again.status_code == 200
    main = lambda r: r.content.decode().split("<main")[1]  # noqa: E731  (the header carries fresh CSRF tokens)
    assert main(again) == main(response)
    body = response.content.decode()
    assert "鹤鹿溪村" in body and "递铺街道" in body and "第一村民小组" in body  # my village
    assert "张小明" in body  # my household and my helper
    assert body.count("赵干事") == 5  # the last five reads of my data
    assert reverse("people:data_access") in body and reverse("people:delegation_new") in body
    assert "Villagers" not in body.split("<main")[0]  # no staff links in the navigation


def test_helper_home_lists_the_villagers_they_help(login, world):
    delegate(world)
    body = login(world.helper).get("/").content.decode()
    assert "Villagers I help" in body and "张三" in body


def test_revoked_and_expired_delegations_are_not_on_the_home_page(login, world):
    delegate(world, revoked_at=timezone.now())
    d = delegate(world)
    Delegation.objects.filter(pk=d.pk).update(ends_at=timezone.now() - dt.timedelta(days=1))
    body = login(world.helper).get("/").content.decode()
    assert "Villagers I help" not in body


def test_villager_b_sees_nothing_of_a(login, world):
    delegate(world)
    access(world, 2)
    body = login(world.villager_b).get("/").content.decode()
    assert "余村" in body and "鹤鹿溪村" not in body and "张三" not in body and "赵干事" not in body


@pytest.mark.parametrize(
    "persona, villagers",
    [
        ("cadre_a", 2),
        ("township_staff", 2),
        ("other_township_staff", 1),
        ("county_admin", 3),
    ],
)
def test_staff_home_counts_in_scope(login, world, persona, villagers, django_assert_max_num_queries):
    for _ in range(30):
        VillagerFactory(village=world.village_b, household=HouseholdFactory(village=world.village_b))
    if persona in ("other_township_staff", "county_admin"):
        villagers += 30
    client = login(getattr(world, persona))
    with django_assert_max_num_queries(26):  # built: +1 for the inbox count in the header, +9 for the domains' cards
        response = client.get("/")
    with django_assert_max_num_queries(3):
        assert client.get("/").status_code == 200
    assert response.status_code == 200
    counts = response.context["scope_counts"]
    assert counts["villagers"] == villagers
    body = response.content.decode()
    assert reverse("people:villager_list") in body and reverse("regions:tree") in body
    assert (reverse("regions:import") in body) is (persona == "county_admin")


def test_staff_who_are_also_villagers_see_both(login, world):
    from cunzhi.people.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=world.villager_a, role=Role.REPRESENTATIVE, region=world.village_a)
    RoleAssignment.objects.create(user=world.helper, role=Role.GRID_WORKER, region=world.village_a)
    body = login(world.helper).get("/").content.decode()
    assert "My own affairs" in body and "In my area" in body
    # A villager representative is a villager role: the villager home.
    assert "In my area" not in login(world.villager_a).get("/").content.decode()


def test_navigation_by_role_costs_at_most_the_one_roles_query(world, django_assert_num_queries):
    request = RequestFactory().get("/people/villagers/")
    request.user = world.cadre_a
    with django_assert_num_queries(1):
        links = nav_links(request)
    with django_assert_num_queries(0):
        nav_links(request)  # the roles are cached on the user for the rest of the request
    urls = [link["url"] for link in links]
    assert reverse("people:villager_list") in urls and reverse("regions:tree") in urls
    assert [link["url"] for link in links if link["current"]] == [reverse("people:villager_list")]
    request.user = world.villager_a
    urls = [link["url"] for link in nav_links(request)]
    assert reverse("people:villager_list") not in urls and reverse("people:delegation_list") in urls


def test_language_switch(login, world):
    client = login(world.villager_a)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    body = client.get("/").content.decode()
    assert '<html lang="zh-hans"' in body and "谁查看了我的信息" in body
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en"' in body
    assert "Who viewed my data" in body and "My household" in body and "Log out" in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans"' in client.get("/").content.decode()


def test_text_size_switch(login, world):
    client = login(world.villager_a)
    response = client.post("/text-size/", {"size": "large", "next": "/people/profile/"})
    assert response.headers["Location"] == "/people/profile/"
    assert 'class="text-large"' in client.get("/people/profile/").content.decode()
    client.post("/text-size/", {"size": "normal", "next": "/"})
    assert 'class="text-large"' not in client.get("/").content.decode()


@pytest.mark.parametrize("persona", ["villager_a", "cadre_a", "county_admin"])
def test_pages_carry_no_inline_script_or_style(login, world, persona):
    """The CSP allows scripts and styles from our own files only."""
    client = login(getattr(world, persona))
    for url in [
        "/",
        reverse("people:delegation_list"),
        reverse("people:delegation_new"),
        reverse("people:data_access"),
        reverse("people:profile"),
        reverse("regions:tree"),
        reverse("regions:detail", args=[world.village_a.code]),
        reverse("people:villager_list"),
        reverse("people:household_list"),
        reverse("people:office_list"),
        reverse("regions:import"),
    ]:
        body = client.get(url).content.decode()
        assert "<script" not in body and " style=" not in body and "<style" not in body, url


def test_cached_home_follows_changes_made_through_services(login, world, django_capture_on_commit_callbacks):
    """The home page is cached per user; services that change what it shows drop the copy (after commit)."""
    from cunzhi.people import services

    client = login(world.villager_a)
    assert "赵干事" not in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.access_record(
            actor=world.township_staff, villager=world.villager_a.villager, kind=AccessKind.STAFF_READ, purpose="check"
        )
    assert "赵干事" in client.get("/").content.decode()
    assert "Nobody is authorised to act for you" in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.delegation_grant(
            villager=world.villager_a.villager,
            actor=world.villager_a,
            helper=world.helper,
            relation=Relation.FAMILY,
            scopes=[DelegationScope.MEETINGS],
            ends_at=timezone.now() + dt.timedelta(days=30),
        )
    assert "Nobody is authorised to act for you" not in client.get("/").content.decode()


def test_cached_home_page_gets_a_fresh_csrf_token_each_time(login, world):
    """The whole home page is reused from the cache, but never a CSRF token: each response masks its own."""
    import re

    client = login(world.villager_a)
    client.get("/")
    first, second = (
        re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get("/").content.decode()) for _ in range(2)
    )
    assert first and second and first[0] != second[0] and "csrf-slot" not in "".join(first + second)
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.villager_a)
    strict.get("/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', strict.get("/").content.decode()).group(1)
    response = strict.post("/text-size/", {"size": "large", "next": "/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert 'class="text-large"' in strict.get("/").content.decode()  # the header changed: rendered again


def test_cached_home_page_shows_one_off_messages(login, world):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    client = login(world.villager_a)
    client.get("/")
    # A message waiting for the next page (as after a redirect) is shown, not hidden behind the cache.
    client.cookies["messages"] = CookieStorage(HttpRequest())._encode([Message(constants.SUCCESS, "Saved, thanks")])
    assert "Saved, thanks" in client.get("/").content.decode()
    assert "Saved, thanks" not in client.get("/").content.decode()


def test_domain_cards_show_and_refresh_when_a_service_says_so(
    login, world, monkeypatch, django_capture_on_commit_callbacks
):
    from cunzhi.core.pagecache import home_invalidate
    from cunzhi.web import cards

    state = {"text": "2 open concerns"}

    def card(*, user, villager, is_staff):
        if villager is None:
            return None
        return f'<section class="card"><h2>My concerns</h2><p>{state["text"]}</p></section>'

    monkeypatch.setattr(cards, "_providers", lambda: [card])
    client = login(world.villager_a)
    assert "2 open concerns" in client.get("/").content.decode()
    state["text"] = "1 open concern"
    assert "2 open concerns" in client.get("/").content.decode()  # cached
    with django_capture_on_commit_callbacks(execute=True):
        home_invalidate(world.villager_a.pk)  # what a domain service calls when the person's own card changes
    assert "1 open concern" in client.get("/").content.decode()
    # Cards never reach a person they have nothing for.
    assert "My concerns" not in login(world.county_admin).get("/").content.decode()


def test_direct_notice_refreshes_the_recipients_home(login, world, monkeypatch, django_capture_on_commit_callbacks):
    from cunzhi.notify.services import notice_send
    from cunzhi.web import cards

    state = {"text": "waiting for an answer"}
    monkeypatch.setattr(cards, "_providers", lambda: [lambda **kw: f'<section class="card">{state["text"]}</section>'])
    client = login(world.villager_a)
    assert "waiting for an answer" in client.get("/").content.decode()
    state["text"] = "answered"
    with django_capture_on_commit_callbacks(execute=True):
        notice_send(kind="direct", users=[world.villager_a], subject={"en": "Answered"}, body={"en": "See it."})
    assert "answered" in client.get("/").content.decode()


def test_the_domains_cards_on_the_demo_homes(db, demo_county, client, settings, django_capture_on_commit_callbacks):
    """The real cards: the demo villager sees their open concerns, meetings and open drafts; the township
    officer sees the overdue count; raising a concern shows on the villager's home at once."""
    from cunzhi.concerns import services as concern_services
    from cunzhi.concerns.models import Category
    from cunzhi.demo import county as demo
    from cunzhi.people.models import User

    villager = User.objects.get(phone=demo.LOGIN_PHONES["villager"])
    client.force_login(villager)
    page = client.get("/").content.decode()
    assert "All my concerns" in page
    text = "村委会门口的路灯坏了三天了，晚上看不见路。"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        concern_services.concern_submit(
            actor=villager,
            category=Category.objects.filter(active=True).first(),
            kind="help",
            text=text,
            villager=villager.villager,
        )
    assert text[:20] in client.get("/").content.decode()
    client.force_login(User.objects.get(phone=demo.LOGIN_PHONES["township_staff"]))
    assert "overdue" in client.get("/").content.decode()


# Issue 20: the villager home built uncached (a first visit) asks a fixed number of queries whatever the
# data: household size, delegations, reads of the record, concerns, applications, meetings, posts.
# Session, the account (with its four flags: rules.signed_in), the page cache's read; own record, household;
# one query for each of the five cards; the page cache's write (one statement: core/dbcache.py). Only what
# exists is then asked for, never one query per row: roles, helpers, reads of the record, delegations held
# (one query for every card's "for whom?").
HOME_BUILT_QUERIES = 11


def _built_home_queries(client, user):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cunzhi.core import pagecache

    client.force_login(user)
    client.get("/")  # what a running server has warm (session in the cache)
    cache.delete(pagecache.home_key(user.pk, "en"))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_villager_home_built_uncached_asks_a_fixed_number_of_queries(client, world):
    sparse = _built_home_queries(client, world.villager_b)  # a household of one, nothing else
    # A large household, helpers, a villager helped, many reads of the record.
    v = world.villager_a.villager
    for i in range(8):
        VillagerFactory(village=v.village, group=v.group, household=v.household, name=f"家人{i}")
    for _ in range(3):
        delegate(world)
    Delegation.objects.create(
        villager=world.villager_b.villager,
        helper=world.villager_a,
        relation=Relation.STATION,
        scopes=[DelegationScope.CONCERNS, DelegationScope.MEETINGS, DelegationScope.CONSULTATIONS],
        ends_at=timezone.now() + dt.timedelta(days=30),
    )
    access(world, 12)
    rich = _built_home_queries(client, world.villager_a)
    assert len(sparse) == HOME_BUILT_QUERIES, "\n".join(sparse)
    # villager_a is helped, helps someone and was read (no role): three more queries, however many of each.
    assert len(rich) == HOME_BUILT_QUERIES + 3, "\n".join(rich)
    for _ in range(5):
        delegate(world)
        access(world, 3)
    assert len(_built_home_queries(client, world.villager_a)) == len(rich)
