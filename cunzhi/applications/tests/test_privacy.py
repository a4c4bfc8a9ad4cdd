"""Privacy of applications: who reads the notices about an application (issue 12, item 11), and what
another office of the same township sees of them (item 13)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cunzhi.notify.models import Notice
from cunzhi.people.models import Delegation, DelegationScope, Relation


@pytest.fixture
def conditional_notice(world, catalogue, flow):
    """A villager's minimum-allowance application, accepted conditionally: the notice lists the missing
    disability certificate and bank card. Returns (application, the villager's notice)."""
    app = flow.submit()
    flow.conditional(app)
    notice = Notice.objects.get(template="applications_conditional")
    assert notice.deliveries.filter(recipient=world.villager_a).exists()
    return app, notice


PERSONAS = [
    "villager_a",
    "township_staff",
    "cadre_a",
    "county_admin",
    "supervisor_a",
    "other_office_staff",
    "other_township_staff",
    "villager_b",
    "cadre_b",
]


def persona(world, request, name):
    return getattr(world, name, None) or request.getfixturevalue(name)


@pytest.mark.parametrize("name", PERSONAS)
def test_notice_about_an_application_is_read_by_whoever_may_read_the_application(
    world, conditional_notice, login, request, name
):
    app, notice = conditional_notice
    client = login(persona(world, request, name))
    application = client.get(reverse("applications:detail", args=[app.public_id])).status_code
    page = client.get(reverse("notify:notice", args=[notice.public_id])).status_code
    # The notice is as private as the application: the same answer for every persona.
    assert page == application, (name, page, application)
    expected = 200 if name in ("villager_a", "township_staff", "cadre_a", "county_admin") else 404
    assert page == expected, name


def test_helpers_under_a_notices_delegation_read_the_notice(world, conditional_notice, login):
    _app, notice = conditional_notice
    target = reverse("notify:notice", args=[notice.public_id])
    assert login(world.helper).get(target).status_code == 404
    Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.NOTICES],
        ends_at=timezone.now() + dt.timedelta(days=9),
    )
    assert login(world.helper).get(target).status_code == 200


def test_anonymous_is_sent_to_log_in(client, conditional_notice):
    _app, notice = conditional_notice
    response = client.get(reverse("notify:notice", args=[notice.public_id]))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("name", ["supervisor_a", "other_office_staff"])
def test_staff_who_may_not_read_the_application_do_not_list_nor_report_its_notices(
    world, conditional_notice, login, request, name
):
    _app, notice = conditional_notice
    client = login(persona(world, request, name))
    assert notice.public_id not in client.get(reverse("notify:notice_list")).content.decode()
    for view in ("notify:report", "notify:door_list"):
        assert client.get(reverse(view, args=[notice.public_id])).status_code == 404
    assert client.post(reverse("notify:resend", args=[notice.public_id])).status_code == 404


def test_the_handling_office_lists_and_reports_the_notice(world, conditional_notice, login):
    _app, notice = conditional_notice
    client = login(world.township_staff)
    assert notice.public_id in client.get(reverse("notify:notice_list")).content.decode()
    assert client.get(reverse("notify:report", args=[notice.public_id])).status_code == 200


def test_every_notice_about_an_application_names_it(world, conditional_notice, county_staff):
    app, _notice = conditional_notice
    notices = Notice.objects.filter(template__startswith="applications_")
    assert notices.count() >= 3
    assert set(notices.values_list("about_type", "about_id")) == {("applications.application", app.pk)}


# --- another office of the same township (item 13) ------------------------------------------------


def test_another_office_of_the_township_sees_none_of_the_application(world, catalogue, flow, login, other_office_staff):
    app = flow.submit()
    client = login(other_office_staff)
    assert client.get(reverse("applications:detail", args=[app.public_id])).status_code == 404
    for name in ("applications:all", "applications:worklist"):
        assert app.number not in client.get(reverse(name)).content.decode()
    assert client.post(reverse("applications:accept", args=[app.public_id])).status_code == 404
    assert client.get(f"/api/v1/services/applications/{app.public_id}").status_code == 404
    for path in ("/api/v1/services/applications", "/api/v1/services/work"):
        assert app.number not in client.get(path).content.decode()


# --- "who looked at my data": one line per access (item 26) ---------------------------------------


def test_a_reuse_read_three_times_is_one_line_citing_its_basis_once(world, catalogue, flow, login):
    from .conftest import BASIS

    app = flow.submit()  # identity card and household register taken from records, on the same basis
    staff = login(world.township_staff)
    for _n in range(3):  # opened, then back on the page after each action
        assert staff.get(reverse("applications:detail", args=[app.public_id])).status_code == 200
    body = login(world.villager_a).get(reverse("people:data_access")).content.decode()
    main = body.split("<main")[1]
    assert main.count(app.number) == 1  # one line, not three
    assert main.count(BASIS) == 1  # the basis once, for both records
    assert "居民身份证" in main and "户口簿" in main
    assert "赵干事" in main and "递铺街道民政办" in main  # who, which office
    assert "3 times" in main


def test_the_accepting_office_and_the_offices_of_its_steps_have_the_villagers_case(
    world, flow, county_staff, other_office_staff
):
    """Applications tell people which villagers an office has a case with (people.rules.office_cases_register):
    the office that accepts the application, and each office that handles one of its steps (two finders, each
    found through its own index); not another office of the township."""
    from cunzhi.people import rules as people_rules
    from cunzhi.people.models import User

    app = flow.submit()
    flow.conditional(app)
    app.refresh_from_db()
    zhang = world.villager_a.villager
    assert app.accepting_office_id == world.office_t.pk
    assert app.steps.filter(office=world.office_county).exists()

    def cases(user):
        return people_rules.office_case_villager_ids(User.objects.get(pk=user.pk))  # a fresh user: nothing kept

    assert zhang.pk in cases(world.township_staff)  # accepts it
    assert zhang.pk in cases(county_staff)  # handles its last step only
    assert zhang.pk not in cases(other_office_staff)
