"""The outcome measure: a trained villager "now does it alone" when, within 90 days of the session, their
own account did the session's task — not a helper, not staff recording it for them."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunzhi.concerns import services as concerns
from cunzhi.concerns.models import Channel, Kind
from cunzhi.learning import selectors, services
from cunzhi.learning.models import TrainingAttendance
from cunzhi.people import services as people
from cunzhi.people.models import DelegationScope

from .conftest import DAY


def raise_concern(lw, actor, **kw):
    kw.setdefault("category", lw.roads)
    kw.setdefault("kind", Kind.REPORT)
    kw.setdefault("text", "村口路灯坏了三盏，晚上很黑")
    return concerns.concern_submit(actor=actor, **kw)


def alone_of(session):
    return {a.villager.name: a.alone for a in selectors.attendees(session=session)}


def test_three_trained_one_raises_a_concern_alone(lw, session_of, clock):
    s = session_of([lw.villager_a, lw.helper, lw.wangwu])
    figure = selectors.outcome(village=lw.village_a, now=timezone.now())
    assert (figure["trained"], figure["alone"], figure["waiting"]) == (3, 0, 3)
    clock.shift(3 * 86400)
    raise_concern(lw, lw.villager_a)
    assert alone_of(s) == {"张三": True, "张小明": False, "王五": False}
    figure = selectors.outcome(village=lw.village_a, now=timezone.now())
    assert (figure["trained"], figure["alone"], figure["percent"], figure["waiting"]) == (3, 1, 33, 2)
    # The figures table (insights): per village, of everyone trained in the period.
    start = timezone.make_aware(dt.datetime(2026, 6, 1))
    fig = selectors.figures_does_it_alone(
        prefix=lw.township_t.code[:9], length=12, start=start, end=start + dt.timedelta(days=30)
    )
    assert fig == {lw.village_a.code: (1, 3)}


def test_through_a_helper_or_staff_does_not_count(lw, session_of, clock):
    s = session_of([lw.villager_a, lw.wangwu])
    # 张三 authorises his son; the son raises the concern for him: that is not 张三 doing it alone.
    people.delegation_grant(
        villager=lw.villager_a.villager,
        actor=lw.villager_a,
        helper=lw.helper,
        relation="family",
        scopes=[DelegationScope.CONCERNS],
        ends_at=timezone.now() + dt.timedelta(days=30),
    )
    raise_concern(lw, lw.helper, villager=lw.villager_a.villager)
    # The cadre records 王五's concern taken by phone: staff did it.
    raise_concern(lw, lw.cadre_a, channel=Channel.PHONE, village=lw.village_a, villager=lw.wangwu.villager)
    assert alone_of(s) == {"张三": False, "王五": False}
    # The helper's own concern counts for nobody trained (he did not attend).
    assert selectors.outcome(village=lw.village_a, now=timezone.now())["alone"] == 0


def test_only_within_90_days_after_the_session_and_only_its_task(lw, session_of, clock):
    raise_concern(lw, lw.wangwu)  # the day before the session: not "later"
    clock.shift(86400)
    s = session_of([lw.villager_a, lw.wangwu], date=DAY + dt.timedelta(days=1))
    rate = session_of([lw.helper], topic="rate", date=DAY + dt.timedelta(days=1))
    raise_concern(lw, lw.helper)  # raising is not rating: the rating lesson is not done
    clock.shift(91 * 86400)
    raise_concern(lw, lw.villager_a)  # too late
    assert alone_of(s) == {"张三": False, "王五": False}
    assert alone_of(rate) == {"张小明": False}


def test_unmeasured_lessons_are_not_in_the_figure(lw, session_of):
    s = session_of([lw.villager_a], topic="read")
    assert alone_of(s) == {"张三": None}
    assert selectors.outcome(village=lw.village_a, now=timezone.now())["trained"] == 0


def test_check_in_rules(lw, session_of):
    s = session_of([lw.villager_a])
    _again, created = services.attendance_check_in(session=s, villager=lw.villager_a.villager, actor=lw.grid_a)
    assert not created and TrainingAttendance.objects.filter(session=s).count() == 1
    with pytest.raises(ValidationError):
        services.attendance_check_in(session=s, villager=lw.villager_b.villager, actor=lw.cadre_a)
    with pytest.raises(PermissionDenied):
        services.attendance_check_in(session=s, villager=lw.wangwu.villager, actor=lw.township_staff)


def test_record_refuses_bad_input_and_changes_nothing(lw):
    with pytest.raises(ValidationError) as exc:
        services.session_record(
            village=lw.village_a, date=DAY, topic="nope", trainer_kind="boss", trainer_name=" ", actor=lw.cadre_a
        )
    assert set(exc.value.message_dict) == {"topic", "trainer_kind", "trainer_name", "start_time"}
    with pytest.raises(PermissionDenied):
        services.session_record(
            village=lw.township_t, date=DAY, topic="concern", trainer_kind="cadre", trainer_name="王", actor=lw.cadre_a
        )
    assert not selectors.sessions_of(village=lw.village_a).exists()


def test_a_villager_without_an_account_texting_from_their_own_number_does_it_alone(lw, clock):
    from cunzhi.concerns.models import Category, Clock, Level
    from cunzhi.notify import sms
    from cunzhi.people.tests.factories import UserFactory, VillagerFactory

    Category.objects.create(code="other", name="其他", name_en="Other", clock=Clock.GENERAL, level=Level.VILLAGE)
    elder = VillagerFactory(name="王奶奶", village=lw.village_a, phone="13950000001")  # her own mobile
    # 李爷爷's roster line carries his son's mobile, which is the son's account: the son may have texted.
    grandpa = VillagerFactory(name="李爷爷", village=lw.village_a, phone="13950000002")
    UserFactory(phone="13950000002", name="李儿子")
    # Two neighbours registered with one household phone: which of them texted is not known.
    VillagerFactory(name="周奶奶", village=lw.village_a, phone="13950000003")
    zhou = VillagerFactory(name="周爷爷", village=lw.village_a, phone="13950000003")
    s = services.session_record(
        village=lw.village_a,
        date=DAY,
        start_time=dt.time(9, 0),
        topic="concern",
        trainer_kind="grid_worker",
        trainer_name="陈网格",
        actor=lw.cadre_a,
    )
    for v in (elder, grandpa, zhou):
        services.attendance_check_in(session=s, villager=v, actor=lw.cadre_a)
    clock.shift(3600)
    for n, phone in enumerate(("13950000001", "13950000002", "13950000003")):
        sms.inbound_receive(gateway_id=f"g{n}", sender=phone, receiver="106900001", text="自来水停了三天")
    assert alone_of(s) == {"王奶奶": True, "李爷爷": False, "周爷爷": False}
    assert selectors.outcome(village=lw.village_a, now=timezone.now())["alone"] == 1


def test_a_task_done_before_the_session_began_that_day_does_not_count(lw, session_of, clock):
    # The clock reads 09:30; the session starts at 14:00 the same day.
    s = session_of([lw.villager_a], start=dt.time(14, 0))
    raise_concern(lw, lw.villager_a)
    assert alone_of(s) == {"张三": False}
    clock.shift(5 * 3600)  # 14:30
    raise_concern(lw, lw.villager_a)
    assert alone_of(s) == {"张三": True}
