"""Issue 17's second part: the villagers' quarterly survey (web, text reply, anonymous results with n and
"too few"), the problem of the month, three more surface-use flags with their cases, drill-through of
disclosure on time; who may see and do each."""

import datetime as dt
import io
import random

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cunzhi.api.services import token_issue
from cunzhi.concerns.models import Category, Concern, Status
from cunzhi.core.models import AuditEvent
from cunzhi.disclosure.models import DueItem
from cunzhi.insights import replies, selectors, services
from cunzhi.insights.models import MonthProblem, SurveyAnswer, SurveyInvite
from cunzhi.meetings.models import Attendance, Body, Meeting, MeetingMember, MeetingStatus, Motion
from cunzhi.notify import sms
from cunzhi.notify.models import InboundStatus
from cunzhi.people.models import ImportStatus, RosterImport, User
from cunzhi.people.services import villager_create
from cunzhi.people.tests.factories import VillagerFactory, next_id_number

SERVICE = "106900001"
QUARTER = "2026-Q2"  # the clock's quarter (2026-06-16)


@pytest.fixture
def tasks_off(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.KANNEL_SENDER = SERVICE


def _adults(village, n, start=0):
    return [
        VillagerFactory(village=village, name=f"村民{start + i}", phone=f"1370000{start + i:04d}") for i in range(n)
    ]


def _auth(user):
    key, _t = token_issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


# ------------------------------------------------------------------------------ the survey


def test_a_round_draws_by_lot_in_each_village_once_and_asks_by_text(world, clock, tasks_off):
    _adults(world.village_a, 6)
    asked = services.survey_round_start(
        quarter=QUARTER,
        villages=[world.village_a],
        size=5,
        rng=random.Random(1),
    )
    invites = list(SurveyInvite.objects.filter(quarter=QUARTER))
    assert asked == 5 and len(invites) == 5 and {i.region_code for i in invites} == {world.village_a.code}
    notice = invites[0].notice
    assert notice.reply_handler == replies.SURVEY and notice.reply_code and notice.recipient_count == 5
    # Again in the same quarter: nobody is asked twice.
    assert services.survey_round_start(quarter=QUARTER, villages=[world.village_a], size=5) == 0
    with pytest.raises(ValueError):
        services.survey_round_start(quarter="2026-06", villages=[world.village_a])


def _invite(world, villager, quarter=QUARTER):
    return SurveyInvite.objects.create(quarter=quarter, villager=villager, region_code=villager.region_code)


def test_web_answer_once_anonymous_and_bad_input_changes_nothing(world, login, clock):
    me = world.villager_a.villager
    invite = _invite(world, me)
    client = login(world.villager_a)
    page = client.get(reverse("insights:survey"))
    assert page.status_code == 200 and page.context["invite"] == invite
    assert "I know where the village money goes." in page.content.decode()
    bad = client.post(reverse("insights:survey"), {"q1": "9"}, follow=True)
    assert "a number from 1 to 5" in bad.content.decode() and not SurveyAnswer.objects.exists()
    empty = client.post(reverse("insights:survey"), {}, follow=True)
    assert "at least one question" in empty.content.decode() and not SurveyAnswer.objects.exists()
    client.post(reverse("insights:survey"), {"q1": "5", "q2": "4", "q3": "3", "q6": "4"})
    answer = SurveyAnswer.objects.get()
    assert answer.scores == [5, 4, 3, None, None, 4, None] and answer.region_code == world.village_a.code
    # The answer names nobody; the audit row says only that the invitation was answered.
    assert not {f.name for f in SurveyAnswer._meta.fields} & {"villager", "user", "created_at", "invite"}
    event = AuditEvent.objects.get(action="insights.survey_answer")
    assert event.after is None and event.before is None
    again = client.post(reverse("insights:survey"), {"q1": "1"}, follow=True)
    assert "no survey for you" in again.content.decode() and SurveyAnswer.objects.count() == 1


def test_who_may_answer(world, login, client, clock):
    _invite(world, world.villager_a.villager)
    url = reverse("insights:survey")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    # Not drawn (a villager of another village, staff): no form, and a POST changes nothing.
    for user in (world.villager_b, world.township_staff, world.helper):
        c = login(user)
        assert c.get(url).context["invite"] is None
        c.post(url, {"q1": "1"})
    assert not SurveyAnswer.objects.exists()


def test_a_text_reply_answers_through_notifys_reply_routing(world, clock, tasks_off):
    User.objects.update(language="en")
    services.survey_round_start(quarter=QUARTER, villages=[world.village_a], size=10)
    invite = SurveyInvite.objects.get(villager=world.villager_a.villager)
    code = invite.notice.reply_code

    def text(words, sender="13900000001", gid=None):
        return sms.inbound_receive(gateway_id=gid or words, sender=sender, receiver=SERVICE + code, text=words)

    bad = text("45")
    assert bad.handled_as == replies.SURVEY and "seven numbers" in bad.answer and not SurveyAnswer.objects.exists()
    ok = text("4 5 3 2 4 5 5")
    assert (ok.status, ok.handled_as) == (InboundStatus.HANDLED, replies.SURVEY) and "without your name" in ok.answer
    assert SurveyAnswer.objects.get().scores == [4, 5, 3, 2, 4, 5, 5]
    assert "already answered" in text("1111111").answer and SurveyAnswer.objects.count() == 1
    # A number not drawn for this notice (village B's villager) records nothing.
    assert "not asked" in text("5555555", sender="13900000002").answer and SurveyAnswer.objects.count() == 1


def test_results_share_agreeing_with_n_and_too_few_under_ten(world, clock):
    for _i in range(9):
        SurveyAnswer.objects.create(quarter=QUARTER, region_code=world.village_a.code, channel="web", scores=[5] * 7)
    results = selectors.survey_results(region=world.township_t, quarter=QUARTER)
    row = results["rows"][0]
    assert row["region"] == world.village_a and row["n"] == 9 and row["too_few"]
    assert all(i["value"] is None for i in row["items"])
    # The tenth answer: now shown. Question 1: 5,5,…(9×) and a 2 → 9 agreeing of 10; question 4 left out once.
    SurveyAnswer.objects.create(
        quarter=QUARTER, region_code=world.village_a.code, channel="sms", scores=[2, 3, 4, None, 1, 5, 5]
    )
    row = selectors.survey_results(region=world.township_t, quarter=QUARTER)["rows"][0]
    assert not row["too_few"] and row["n"] == 10
    assert (row["items"][0]["num"], row["items"][0]["den"], row["items"][0]["value"]) == (9, 10, 0.9)
    assert (row["items"][3]["num"], row["items"][3]["den"]) == (9, 9)
    assert (row["items"][2]["num"], row["items"][4]["num"]) == (10, 9)
    # Other quarters and other townships are not counted.
    SurveyAnswer.objects.create(quarter="2026-Q1", region_code=world.village_a.code, channel="web", scores=[1] * 7)
    SurveyAnswer.objects.create(quarter=QUARTER, region_code=world.village_b.code, channel="web", scores=[1] * 7)
    assert selectors.survey_results(region=world.township_t, quarter=QUARTER)["total"]["n"] == 10
    assert selectors.survey_quarter("2026-05") == QUARTER and selectors.survey_quarter("2026") == "2026-Q4"


def test_results_beside_the_figures_page_and_api(world, login, client, clock):
    for _i in range(10):
        SurveyAnswer.objects.create(quarter=QUARTER, region_code=world.village_a.code, channel="web", scores=[4] * 7)
    page = login(world.township_staff).get(reverse("insights:index"), {"period": QUARTER})
    assert page.context["survey"]["rows"][0]["display"][0] == "100.0 %"
    assert "The villagers&#x27; own verdict" in page.content.decode() or "own verdict" in page.content.decode()
    # The one table carries the same figures.
    xlsx = login(world.township_staff).get(reverse("insights:export"), {"period": QUARTER})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    head = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith("The villagers' own verdict"))
    assert rows[head + 1][:3] == (world.village_a.name, 10, "100.0 %")
    factors = login(world.township_staff).get(reverse("insights:factors"), {"period": QUARTER})
    assert factors.context["survey"]["total"]["n"] == 10
    url = "/api/v1/insights/survey"
    client.logout()
    assert client.get(url, {"region": world.township_t.code}).status_code == 401
    data = client.get(url, {"region": world.township_t.code, "period": QUARTER}, **_auth(world.township_staff)).json()
    row = data["rows"][0]
    assert (row["code"], row["answers"], row["too_few"], row["agree"][0]) == (world.village_a.code, 10, False, 1.0)
    for user in (world.villager_b, world.other_township_staff):
        assert client.get(url, {"region": world.township_t.code}, **_auth(user)).status_code == 404
    bad = client.get(url, {"region": world.township_t.code, "period": "2026-Q7"}, **_auth(world.township_staff))
    assert bad.status_code == 422


def test_api_answer(world, client, clock):
    _invite(world, world.villager_a.villager)
    url = "/api/v1/insights/survey/answer"
    assert client.post(url, {"scores": [5] * 7}, content_type="application/json").status_code == 401
    other = client.post(url, {"scores": [5] * 7}, content_type="application/json", **_auth(world.villager_b))
    assert other.status_code == 403
    auth = _auth(world.villager_a)
    assert client.get("/api/v1/insights/survey/mine", **auth).json()["open"] is True
    bad = client.post(url, {"scores": [6] * 7}, content_type="application/json", **auth)
    assert bad.status_code == 422 and not SurveyAnswer.objects.exists()
    assert (
        client.post(url, {"scores": [5, None, 4, 4, 4, 4, 4]}, content_type="application/json", **auth).status_code
        == 201
    )
    assert client.post(url, {"scores": [5] * 7}, content_type="application/json", **auth).status_code == 403
    assert SurveyAnswer.objects.count() == 1


# ------------------------------------------------------------------------------ flags


def _local(day, hour=10, minute=0):
    return timezone.make_aware(dt.datetime(2026, 5, day, hour, minute))


def test_late_or_stale_disclosures_are_flagged_with_their_cases(world, login, clock):
    a = world.village_a
    # Due 10 May: not published (stale); due 11 May: published 3 days late; due 12 May: on time.
    DueItem.objects.create(
        village=a, category="village", frequency="quarterly", period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31), due_date=dt.date(2026, 5, 10),
    )  # fmt: skip
    DueItem.objects.create(
        village=a, category="finance", frequency="quarterly", period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31), due_date=dt.date(2026, 5, 11), published_at=_local(14),
    )  # fmt: skip
    DueItem.objects.create(
        village=a, category="party", frequency="quarterly", period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31), due_date=dt.date(2026, 5, 12), published_at=_local(12),
    )  # fmt: skip
    services.rollup_range(dt.date(2026, 5, 1), dt.date(2026, 5, 31))  # the nightly job stores the flags' counts
    page = login(world.township_staff).get(reverse("insights:index"), {"period": "2026-05"})
    flags = {f["what"]: f for v in page.context["flags"] for f in v["flags"]}
    assert flags["flag_disclosure_late"]["n"] == 2
    cases = login(world.township_staff).get(flags["flag_disclosure_late"]["link"])
    assert cases.status_code == 200 and cases.context["total"] == 2
    assert {r["status"] for r in cases.context["rows"]} == {"not published"} | {"published 3 days late"}
    # Drill-through of the indicator "disclosed on time": 3 due, 1 on time.
    link = next(t for t in page.context["trends"] if t["ind"].key == "disclosure_on_time")["counted_link"]
    counted = login(world.township_staff).get(link)
    assert counted.context["total"] == 1
    # Another township's staff may not open the list.
    assert login(world.other_township_staff).get(flags["flag_disclosure_late"]["link"]).status_code == 404


def _meeting(world, *, early, late, members=10):
    """A villagers' meeting of village A with `members` members; `early` checked in half an hour before the
    first vote, `late` two minutes before it."""
    people = _adults(world.village_a, members, start=100 + Meeting.objects.count() * 20)
    vote_at = _local(20, 10)
    meeting = Meeting.objects.create(
        village=world.village_a, body=Body.VILLAGERS, title="修路", agenda="修路", place="礼堂",
        starts_at=vote_at - dt.timedelta(hours=1), ends_at=vote_at + dt.timedelta(hours=2),
        status=MeetingStatus.CLOSED, opened_at=vote_at - dt.timedelta(hours=1), member_count=members,
        household_count=members,
    )  # fmt: skip
    for i, v in enumerate(people[: early + late]):
        m = MeetingMember.objects.create(meeting=meeting, villager=v, name=v.name)
        at = vote_at - (dt.timedelta(minutes=30) if i < early else dt.timedelta(minutes=2))
        row = Attendance.objects.create(meeting=meeting, member=m, mode="present", method="desk")
        Attendance.objects.filter(pk=row.pk).update(created_at=at)
    Motion.objects.create(meeting=meeting, title="修路", status="closed", opened_at=vote_at)
    return meeting


def test_quorum_reached_only_by_last_minute_check_ins_is_flagged(world, login, clock):
    flagged = _meeting(world, early=3, late=4)  # 7 of 10: the quorum (6) only with the last four
    _meeting(world, early=6, late=1)  # the quorum was there half an hour before the vote
    services.rollup_range(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    page = login(world.county_admin).get(
        reverse("insights:index"), {"region": world.township_t.code, "period": "2026-05"}
    )
    flag = next(f for v in page.context["flags"] for f in v["flags"] if f["what"] == "flag_quorum_last_minute")
    assert flag["n"] == 1
    cases = login(world.cadre_a).get(flag["link"])
    assert [r["ref"] for r in cases.context["rows"]] == [flagged.public_id]


def test_villagers_typed_by_hand_where_the_roster_was_imported_are_flagged(world, login, clock):
    a = world.village_a
    clock.move_to(_local(5))
    RosterImport.objects.create(
        village=a, original_name="花名册.xlsx", status=ImportStatus.DONE, finished_at=timezone.now()
    )
    clock.move_to(_local(6))
    typed = villager_create(actor=world.cadre_a, name="王五", id_number=next_id_number(), village=a)
    villager_create(actor=world.cadre_a, name="赵六", id_number=next_id_number(), village=world.village_b)  # no import
    clock.move_to(timezone.make_aware(dt.datetime(2026, 6, 16, 9, 30)))
    services.rollup_range(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    page = login(world.township_staff).get(reverse("insights:index"), {"period": "2026-05"})
    flag = next(f for v in page.context["flags"] for f in v["flags"] if f["what"] == "flag_typed_twice")
    assert flag["n"] == 1
    cases = login(world.cadre_a).get(flag["link"])
    assert [r["ref"] for r in cases.context["rows"]] == [typed.public_id] and cases.context["rows"][0]["title"] == "王*"
    # Staff of another township may not list them; a villager may not list them either.
    assert login(world.other_township_staff).get(flag["link"]).status_code == 404
    assert login(world.villager_a).get(flag["link"]).status_code == 404


# ------------------------------------------------------------------------------ problem of the month


def _concerns(world, category, village, n, when):
    for _i in range(n):
        Concern.objects.create(
            number=f"{Concern.objects.count() + 1:08d}", kind="request", category=category, text="路灯坏了",
            clock="general", village=village, status=Status.RESOLVED, dispatched_at=when, ack_due_at=when,
            answer_due_at=when + dt.timedelta(days=7),
        )  # fmt: skip


def test_problem_of_the_month_candidates_pick_and_tracking(world, login, client, clock, other_office_staff):
    roads = Category.objects.create(code="roads-test", name="道路", name_en="Roads")
    _concerns(world, roads, world.village_a, 1, _local(10))
    clock.move_to(timezone.make_aware(dt.datetime(2026, 6, 3, 9, 0)))
    _concerns(world, roads, world.village_a, 4, timezone.now())
    clock.move_to(timezone.make_aware(dt.datetime(2026, 6, 16, 9, 30)))
    url = reverse("insights:problem")
    page = login(world.county_admin).get(url, {"month": "2026-06"})
    top = page.context["candidates"][0]
    assert (top["category"], top["place"], top["now"], top["before"], top["growth"]) == (
        "roads-test", world.village_a.code, 4, 1, 3
    )  # fmt: skip
    assert login(world.county_admin).get(top["link"]).context["total"] == 4
    choice = {"choice": top["key"], "note": "路灯"}
    # Township staff see the candidates but do not pick; a villager and the anonymous see nothing.
    assert login(world.township_staff).get(url, {"region": world.township_t.code}).status_code == 200
    assert login(world.township_staff).post(url + f"?region={world.township_t.code}", choice).status_code == 403
    assert login(other_office_staff).post(url + f"?region={world.township_t.code}", choice).status_code == 403
    assert login(world.other_township_staff).get(url, {"region": world.county.code}).status_code == 404
    assert login(world.villager_a).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    assert not MonthProblem.objects.exists()
    bad = login(world.county_admin).post(url + "?month=2026-06", {"choice": "nonsense@1"}, follow=True)
    assert "Choose one of the listed" in bad.content.decode() and not MonthProblem.objects.exists()
    login(world.county_admin).post(url + "?month=2026-06", choice)
    problem = MonthProblem.objects.get()
    assert (problem.category_code, problem.place_code, problem.note) == ("roads-test", world.village_a.code, "路灯")
    # The figures page, the township's too, follows it: 4 dispatched this month, all resolved (too few < 5).
    figures = login(world.township_staff).get(reverse("insights:index"), {"period": "2026-06"})
    assert figures.context["problem"]["resolution"]["num"] == 4 and figures.context["problem"]["text"] == "too few"
    # API: the same, and only the county picks.
    api = client.get(
        "/api/v1/insights/problem", {"region": world.county.code, "month": "2026-06"}, **_auth(world.county_admin)
    )
    assert api.json()["chosen_category"] == "roads-test" and api.json()["candidates"][0]["growth"] == 3
    pick = {
        "region": world.township_t.code,
        "month": "2026-06",
        "category": "roads-test",
        "place": world.village_a.code,
    }
    assert (
        client.post(
            "/api/v1/insights/problem", pick, content_type="application/json", **_auth(world.township_staff)
        ).status_code
        == 403
    )
    pick["region"] = world.county.code
    assert (
        client.post(
            "/api/v1/insights/problem", pick, content_type="application/json", **_auth(world.other_township_staff)
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/insights/problem",
            {**pick, "place": "x"},
            content_type="application/json",
            **_auth(world.county_admin),
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/insights/problem", pick, content_type="application/json", **_auth(world.county_admin)
        ).status_code
        == 201
    )
    bad_month = client.get(
        "/api/v1/insights/problem", {"region": world.county.code, "month": "1926-01"}, **_auth(world.county_admin)
    )
    assert bad_month.status_code == 422
