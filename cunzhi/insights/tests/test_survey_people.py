"""Issue 17's third part: one reminder to those drawn who have not answered (job and staff action), the
response rate over everyone asked, the survey's trend by quarter, and the lists of people behind the figures
that count people (roster keepers only, names masked, record reads logged); who may see and do each."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cunzhi.api.services import token_issue
from cunzhi.core.models import AuditEvent
from cunzhi.insights import replies, selectors, services
from cunzhi.insights.models import SurveyAnswer, SurveyInvite
from cunzhi.notify import sms
from cunzhi.notify.consent import consent_record
from cunzhi.notify.models import Channel, Delivery
from cunzhi.people.models import ConsentSource, DataAccess, Household
from cunzhi.people.tests.factories import HouseholdFactory, VillagerFactory

SERVICE = "106900001"
QUARTER = "2026-Q2"  # the clock's quarter (2026-06-16)


@pytest.fixture
def tasks_off(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.KANNEL_SENDER = SERVICE


def _auth(user):
    key, _t = token_issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _invite(villager, quarter=QUARTER, answered=False):
    return SurveyInvite.objects.create(
        quarter=quarter, villager=villager, region_code=villager.region_code, answered=answered
    )


def _roster_only(village, n, start=0, consent=True):
    """Villagers without an account, with a phone on the roster (and its consent to texts)."""
    out = []
    for i in range(n):
        phone = f"1371111{start + i:04d}"
        out.append(VillagerFactory(village=village, name=f"王{start + i}宝", phone=phone))
        if consent:
            consent_record(phone=phone, given=True, source=ConsentSource.ROSTER)
    return out


# ------------------------------------------------------------------------------ reminders


def test_the_job_reminds_once_after_the_wait_by_inbox_and_by_text_to_those_without_an_account(
    world, clock, tasks_off, settings
):
    settings.INSIGHTS_SURVEY_REMIND_DAYS = 7
    me = _invite(world.villager_a.villager)
    texted = [_invite(v) for v in _roster_only(world.village_a, 2)]
    silent = _invite(_roster_only(world.village_a, 1, start=10, consent=False)[0])
    done = _invite(_roster_only(world.village_a, 1, start=20)[0], answered=True)
    # Not yet: they were asked today.
    assert services.survey_remind_nightly() == "0 reminded"
    clock.shift(dt.timedelta(days=8).total_seconds())
    assert services.survey_remind_nightly() == "4 reminded"
    for invite in (me, *texted, silent):
        invite.refresh_from_db()
        assert invite.reminder is not None and invite.reminded_at is not None
    done.refresh_from_db()
    assert done.reminder is None  # who answered is not reminded
    notice = me.reminder
    assert notice.reply_code and notice.recipient_count == 4 and notice.template == "insights_survey_reminder"
    channels = {(d.villager_id, d.channel) for d in Delivery.objects.filter(notice=notice)}
    assert (world.villager_a.villager.pk, Channel.INBOX) in channels
    assert {(i.villager_id, Channel.SMS) for i in texted} <= channels
    # Without consent to texts, notify's rule puts the person on the door-to-door list, not a text.
    assert (silent.villager_id, Channel.DOOR) in channels and (silent.villager_id, Channel.SMS) not in channels
    # Never twice: the job and a staff member again remind nobody.
    clock.shift(dt.timedelta(days=5).total_seconds())
    assert services.survey_remind_nightly() == "0 reminded"
    assert services.survey_remind(quarter=QUARTER, region=world.village_a, actor=world.cadre_a) == 0
    assert AuditEvent.objects.filter(action="insights.survey_remind").count() == 1
    with pytest.raises(ValueError):
        services.survey_remind(quarter="2026-13")


@pytest.mark.django_db(transaction=True)
def test_runs_at_once_remind_each_person_once(world, clock, tasks_off):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (the in-memory SQLite test database takes one)")
    for v in _roster_only(world.village_a, 5):
        _invite(v)
    runs = 4  # the job and three staff members pressing the button at the same moment
    barrier = threading.Barrier(runs)
    results: list[int] = []

    def remind():
        try:
            barrier.wait()
            results.append(services.survey_remind(quarter=QUARTER, region=world.village_a))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=remind) for _i in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 0, 0, 5]
    assert SurveyInvite.objects.filter(reminder__isnull=False).values("reminder").distinct().count() == 1
    assert Delivery.objects.filter(notice__template="insights_survey_reminder").count() == 5


def test_a_reply_to_the_reminder_answers_the_survey(world, clock, tasks_off):
    villager = _roster_only(world.village_a, 1)[0]
    invite = _invite(villager)
    services.survey_remind(quarter=QUARTER)
    invite.refresh_from_db()
    code = invite.reminder.reply_code
    got = sms.inbound_receive(gateway_id="r1", sender=villager.phone, receiver=SERVICE + code, text="4532455")
    assert got.handled_as == replies.SURVEY and SurveyAnswer.objects.get().scores == [4, 5, 3, 2, 4, 5, 5]


def test_staff_action_reminds_and_who_may(world, login, client, clock, tasks_off, other_office_staff):
    for v in _roster_only(world.village_a, 3):
        _invite(v)
    _invite(world.villager_b.villager)
    url = reverse("insights:survey_remind")
    assert client.post(url, {"region": world.village_a.code}).status_code == 302  # anonymous: to log in
    assert not SurveyInvite.objects.filter(reminded_at__isnull=False).exists()
    # Outside their scope: not found; office staff of the township (either office): the figures, not a reminder.
    for user in (world.villager_b, world.other_township_staff):
        assert login(user).post(url, {"region": world.village_a.code}).status_code == 404
    for user in (world.township_staff, other_office_staff):
        assert login(user).post(url, {"region": world.village_a.code}).status_code == 403
    assert not SurveyInvite.objects.filter(reminded_at__isnull=False).exists()
    done = login(world.cadre_a).post(url, {"region": world.village_a.code}, follow=True)
    assert "3 people who had not answered were reminded, once." in done.content.decode()
    # Village A only: village B's villager is not the cadre's to remind.
    assert SurveyInvite.objects.filter(reminded_at__isnull=False).count() == 3
    again = login(world.cadre_a).post(url, {"region": world.village_a.code}, follow=True)
    assert "Nobody to remind" in again.content.decode()
    assert login(world.cadre_a).post(url, {"region": "nonsense"}).status_code == 404
    assert login(world.cadre_a).get(url).status_code == 405


def test_api_remind_and_who_may(world, client, clock, tasks_off, other_office_staff):
    for v in _roster_only(world.village_a, 2):
        _invite(v)
    url = "/api/v1/insights/survey/remind"
    body = {"region": world.township_t.code}
    assert client.post(url, body, content_type="application/json").status_code == 401
    for user in (world.villager_b, world.other_township_staff):
        assert client.post(url, body, content_type="application/json", **_auth(user)).status_code == 404
    for user in (world.township_staff, other_office_staff):
        assert client.post(url, body, content_type="application/json", **_auth(user)).status_code == 403
    ok = client.post(url, body, content_type="application/json", **_auth(world.county_admin))
    assert ok.status_code == 201 and ok.json() == {"quarter": QUARTER, "reminded": 2}
    again = client.post(url, body, content_type="application/json", **_auth(world.county_admin))
    assert again.json()["reminded"] == 0


# ------------------------------------------------------------------------------ response rate and trend


def test_response_rate_is_over_everyone_asked_with_n(world, clock):
    # 8 asked in village A: 1 with an account, 7 without; 6 answered.
    invites = [_invite(world.villager_a.villager)] + [_invite(v) for v in _roster_only(world.village_a, 7)]
    for invite in invites[:6]:
        services.survey_answer(invite=invite, scores=[4] * 7)
    row = selectors.survey_results(region=world.township_t, quarter=QUARTER)["rows"][0]
    assert (row["n"], row["invited"], row["response"]["value"]) == (6, 8, 0.75)
    assert row["too_few"]  # fewer than 10 answers: no shares, but the response rate stands with its n
    # Fewer than 5 asked: the response rate too is "too few".
    assert selectors.cell_rate(2, 3) == {"value": None, "num": 2, "den": 3, "too_few": True}


def _answers(region_code, quarter, n, scores):
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(quarter=quarter, region_code=region_code, channel="web", scores=scores) for _i in range(n)
    )


def test_trend_by_quarter_with_n_and_too_few(world, clock):
    a = world.village_a.code
    _answers(a, "2025-Q3", 12, [5, 5, 1, None, 5, 5, 5])
    _answers(a, "2025-Q4", 4, [5] * 7)  # too few answers: nothing shown
    _answers(a, QUARTER, 10, [4, 2, 4, 4, 4, 4, 4])
    _answers(a, QUARTER, 1, [1, 1, 1, 1, 1, 1, 1])
    _answers(world.village_b.code, QUARTER, 30, [1] * 7)  # another township: not counted
    trend = selectors.survey_trend(region=world.township_t, quarter=QUARTER)
    assert [q["quarter"] for q in trend] == ["2025-Q3", "2025-Q4", "2026-Q1", QUARTER]
    q3, q4, q1, q2 = trend
    assert (q3["n"], q3["too_few"], q3["items"][0]["value"], q3["items"][2]["value"]) == (12, False, 1.0, 0.0)
    assert q3["items"][3] == {"num": 0, "den": 0, "value": None, "too_few": False}  # nobody answered it
    assert q4["n"] == 4 and q4["too_few"] and all(i["value"] is None for i in q4["items"])
    assert q1["n"] == 0 and q1["too_few"]
    assert (q2["n"], q2["items"][0]["num"], q2["items"][0]["den"], q2["items"][1]["value"]) == (11, 10, 11, 0.0)
    # Year boundaries: 2026-Q1 back one is 2025-Q4.
    assert selectors.quarter_shift("2026-Q1", -1) == "2025-Q4" and selectors.quarter_shift("2025-Q4", 1) == "2026-Q1"


def test_results_page_and_api_show_the_trend_and_refuse_bad_periods(world, login, client, clock):
    _answers(world.village_a.code, "2026-Q1", 10, [4] * 7)
    c = login(world.township_staff)
    page = c.get(reverse("insights:survey_results"), {"region": world.township_t.code, "period": QUARTER})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Quarter by quarter" in html and "2026-Q1" in html and "100.0 %" in html
    # Office staff see the figures, not the names, and may not remind.
    assert not page.context["people_link"] and not page.context["can_remind"]
    bad = c.get(reverse("insights:survey_results"), {"region": world.township_t.code, "period": "2026-Q9"})
    assert bad.status_code == 200 and "A period is a year" in bad.content.decode()
    data = client.get(
        "/api/v1/insights/survey", {"region": world.township_t.code, "period": QUARTER}, **_auth(world.township_staff)
    ).json()
    assert [q["quarter"] for q in data["trend"]] == ["2025-Q3", "2025-Q4", "2026-Q1", QUARTER]
    assert data["trend"][2]["answers"] == 10 and data["trend"][2]["agree"][0] == 1.0
    assert data["trend"][3]["too_few"] and data["trend"][3]["agree"][0] is None
    assert "response_rate" in data["total"]
    for user in (world.villager_b, world.other_township_staff):
        url = reverse("insights:survey_results")
        assert login(user).get(url, {"region": world.township_t.code}).status_code == 404
    client.logout()
    assert client.get(reverse("insights:survey_results")).status_code == 302


# ------------------------------------------------------------------------------ lists of people


def test_people_behind_the_survey_roster_keepers_only_masked_and_one_query_set(
    world, login, client, clock, other_office_staff
):
    a = world.village_a
    invites = [_invite(v) for v in _roster_only(a, 3)]
    services.survey_answer(invite=invites[0], scores=[5] * 7)
    url = reverse("insights:cases")
    query = {"what": "survey_asked", "region": a.code, "period": QUARTER}
    page = login(world.cadre_a).get(url, query)
    assert page.status_code == 200 and page.context["people"] and page.context["total"] == 3
    html = page.content.decode()
    # Names masked (王0宝 → 王**); the answered person is marked, never what they answered.
    assert "王**" in html and "王0宝" not in html
    assert [r["status"] for r in page.context["rows"]].count("answered") == 1
    counted = login(world.cadre_a).get(url, {**query, "counted": "1"})
    assert counted.context["total"] == 1
    # One query set per page: more people, the same number of queries.
    with CaptureQueriesContext(connection) as few:
        login(world.cadre_a).get(url, query)
    for v in _roster_only(a, 7, start=50):
        _invite(v)
    with CaptureQueriesContext(connection) as many:
        assert login(world.cadre_a).get(url, query).context["total"] == 10
    assert len(many) == len(few)
    # Opening a record from the list is a read the villager sees.
    login(world.cadre_a).get(page.context["rows"][0]["url"])
    assert DataAccess.objects.filter(actor=world.cadre_a, kind="staff_read").count() == 1
    # Refused: anonymous; a villager of another village; staff of another township (not found); office staff
    # of the same township, of either office (the figures, not the names).
    client.logout()
    assert client.get(url, query).status_code == 302
    for user in (world.villager_b, world.other_township_staff, world.villager_a):
        assert login(user).get(url, query).status_code == 404
    for user in (world.township_staff, other_office_staff):
        assert login(user).get(url, {**query, "region": world.township_t.code}).status_code == 403


def test_households_behind_a_figure_and_the_links_only_for_roster_keepers(world, login, client, clock):
    HouseholdFactory(village=world.village_a, number="A0002")
    url = reverse("insights:cases")
    query = {"what": "points_taking_part", "region": world.county.code, "period": QUARTER}
    page = login(world.county_admin).get(url, query)
    assert page.status_code == 200 and page.context["total"] == Household.objects.count() == 3
    assert page.context["hidden"] == 0 and any(r["title"].startswith("A0001 · 张*") for r in page.context["rows"])
    # The county's figures link to the lists; township office staff see the numbers without the links.
    index = login(world.county_admin).get(reverse("insights:index"), {"region": world.county.code})
    assert "what=points_taking_part" in index.content.decode()
    index = login(world.township_staff).get(reverse("insights:index"), {"region": world.township_t.code})
    assert index.status_code == 200 and "what=points_taking_part" not in index.content.decode()
    # Bad input: an unknown figure is not found; a bad period says so and shows this quarter.
    assert login(world.county_admin).get(url, {**query, "what": "nope"}).status_code == 404
    bad = login(world.county_admin).get(url, {**query, "period": "2026-13"}, follow=True)
    assert bad.status_code == 200 and "A period is a year" in bad.content.decode()
    # The same list through the API; refused where the page refuses.
    api = "/api/v1/insights/cases"
    data = client.get(api, query, **_auth(world.county_admin)).json()
    assert data["total"] == 3 and data["rows"][0]["url"].startswith("/")
    t_query = {**query, "region": world.township_t.code}
    assert client.get(api, t_query, **_auth(world.township_staff)).status_code == 403
    assert client.get(api, t_query, **_auth(world.other_township_staff)).status_code == 404
    assert client.get(api, {**query, "what": "nope"}, **_auth(world.county_admin)).status_code == 422
    assert client.get(api, {**query, "period": "2026-Q9"}, **_auth(world.county_admin)).status_code == 422
    client.logout()
    assert client.get(api, query).status_code == 401
