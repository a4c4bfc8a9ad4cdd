"""Organisations: registering, members, messages, activities, sign-up (web, helper, organiser, SMS reply),
check-in (desk, QR) and confirmed hours — and the refusals, which change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cunzhi.core.models import AuditEvent
from cunzhi.notify import sms
from cunzhi.notify.models import Notice
from cunzhi.organisations import codes, replies, selectors, services
from cunzhi.organisations.models import ActivityStatus, CheckInMethod, Participant, SignUpVia
from cunzhi.organisations.tests.conftest import SERVICE, to_activity_day
from cunzhi.people.models import Delegation, DelegationScope
from cunzhi.people.tests.factories import VillagerFactory


def test_village_cadres_and_the_township_civil_affairs_office_register(world, clock, other_office_staff, cadre_b):
    services.organisation_register(region=world.village_a, kind="elders", name="老年协会", actor=world.cadre_a)
    services.organisation_register(
        region=world.township_t, kind="mediation", name="递铺街道人民调解委员会", actor=world.township_staff
    )
    for actor, place in [
        (world.villager_a, world.village_a),
        (cadre_b, world.village_a),
        (other_office_staff, world.township_t),
        (world.other_township_staff, world.township_t),
        (world.cadre_a, world.township_t),
    ]:
        with pytest.raises(PermissionDenied):
            services.organisation_register(region=place, kind="elders", name="某协会", actor=actor)
    with pytest.raises(ValidationError):
        services.organisation_register(region=world.village_a, kind="club", name="x", actor=world.cadre_a)
    with pytest.raises(ValidationError):
        services.organisation_register(region=world.village_a, kind="elders", name="老年协会", actor=world.cadre_a)


def test_members_are_villagers_of_the_area_and_the_last_leader_stays(world, org):
    with pytest.raises(ValidationError):
        services.member_add(
            organisation=org.team, villager=world.villager_b.villager, is_leader=False, actor=org.leader
        )
    with pytest.raises(PermissionDenied):
        services.member_add(
            organisation=org.team, villager=world.helper.villager, is_leader=False, actor=world.villager_a
        )
    lead = org.team.memberships.get(is_leader=True)
    with pytest.raises(ValidationError):
        services.member_remove(membership=lead, actor=world.cadre_a)


def test_a_message_goes_to_the_leaders(world, org):
    assert services.organisation_contact(organisation=org.team, message="周六我能来帮忙", actor=world.villager_a) == 1
    with pytest.raises(PermissionDenied):
        services.organisation_contact(organisation=org.team, message="hi", actor=world.villager_b)
    with pytest.raises(ValidationError):
        services.organisation_contact(organisation=org.team, message="  ", actor=world.villager_a)


def test_posting_tells_the_members_with_a_reply_code(world, org):
    notice = org.activity.notice
    assert notice.reply_handler == replies.SIGN_UP and notice.reply_code
    assert notice.recipient_count == 2
    with pytest.raises(ValidationError):
        services.activity_create(
            organisation=org.team,
            title="x",
            place="y",
            starts_at=org.activity.starts_at - dt.timedelta(days=3),
            ends_at=org.activity.ends_at,
            places=1,
            actor=org.leader,
        )
    with pytest.raises(PermissionDenied):
        services.activity_create(
            organisation=org.team,
            title="x",
            place="y",
            starts_at=org.activity.starts_at,
            ends_at=org.activity.ends_at,
            places=1,
            actor=world.villager_a,
        )


def test_sign_up_counts_places_and_refuses_outsiders(world, org):
    act = org.activity
    p, created = services.sign_up(activity=act, villager=world.villager_a.villager, actor=world.villager_a)
    assert created and p.via == SignUpVia.WEB
    again, created = services.sign_up(activity=act, villager=world.villager_a.villager, actor=world.villager_a)
    assert (again.pk, created) == (p.pk, False)
    services.sign_up(activity=act, villager=org.leader_villager, actor=org.leader)
    services.sign_up(activity=act, villager=world.helper.villager, actor=world.helper)
    extra = VillagerFactory(name="赵六", village=world.village_a, household=org.house)
    with pytest.raises(ValidationError, match="places"):
        services.sign_up(activity=act, villager=extra, actor=org.leader)
    with pytest.raises(ValidationError):
        services.sign_up(activity=act, villager=world.villager_b.villager, actor=world.villager_b)
    with pytest.raises(PermissionDenied):
        services.sign_up(activity=act, villager=extra, actor=world.villager_a)  # not their helper
    services.withdraw(participant=again, actor=world.villager_a)
    p2, _ = services.sign_up(activity=act, villager=extra, actor=org.leader)
    assert p2.via == SignUpVia.ORGANISER
    assert Participant.objects.filter(activity=act, withdrawn_at__isnull=True).count() == 3


def test_a_helper_signs_up_under_a_delegation(world, org, clock):
    from django.utils import timezone

    elder = VillagerFactory(name="钱奶奶", village=world.village_a, household=org.house)
    with pytest.raises(PermissionDenied):
        services.sign_up(activity=org.activity, villager=elder, actor=world.helper)
    Delegation.objects.create(
        villager=elder,
        helper=world.helper,
        scopes=[DelegationScope.ORGANISATIONS],
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(days=30),
    )
    vars(world.helper).pop("_cunzhi_delegations", None)  # cached per request; this test reuses the account
    p, _ = services.sign_up(activity=org.activity, villager=elder, actor=world.helper)
    assert p.via == SignUpVia.HELPER and p.delegation is not None


def test_sms_reply_signs_up_and_withdraws(world, org):
    code = org.activity.notice.reply_code

    def reply(text, gid):
        return sms.inbound_receive(gateway_id=gid, sender="13900000001", receiver=SERVICE + code, text=text)

    row = reply("1", "g1")
    assert row.handled_as == replies.SIGN_UP
    p = Participant.objects.get(activity=org.activity, villager=world.villager_a.villager)
    assert p.via == SignUpVia.SMS and p.withdrawn_at is None
    reply("2", "g2")
    p.refresh_from_db()
    assert p.withdrawn_at is not None
    row = reply("9", "g3")
    assert "1" in row.answer
    outsider = sms.inbound_receive(gateway_id="g4", sender="13900000002", receiver=SERVICE + code, text="1")
    assert outsider.handled_as == replies.SIGN_UP
    assert not Participant.objects.filter(villager=world.villager_b.villager).exists()


def test_check_in_by_desk_and_qr_then_hours(world, org, clock):
    act = org.activity
    a, _ = services.sign_up(activity=act, villager=world.villager_a.villager, actor=world.villager_a)
    b, _ = services.sign_up(activity=act, villager=world.helper.villager, actor=world.helper)
    with pytest.raises(ValidationError):  # not the day yet
        services.check_in(activity=act, participant=a, actor=org.leader)
    to_activity_day(clock, org)
    with pytest.raises(PermissionDenied):
        services.check_in(activity=act, participant=a, actor=world.villager_a)
    assert {p.pk for p in selectors.desk_search(activity=act, term="zhang")} == {a.pk, b.pk}
    assert {p.pk for p in selectors.desk_search(activity=act, term="张小")} == {b.pk}
    services.check_in(activity=act, participant=a, actor=org.leader)
    token = codes.participant_code(activity=act, participant=b)
    found = codes.participant_from_code(activity=act, code="https://x/y/" + token)
    assert found == b
    assert codes.participant_from_code(activity=act, code=token + "x") is None
    services.check_in(activity=act, participant=b, actor=org.leader, by_qr=True)
    _, again = services.check_in(activity=act, participant=b, actor=org.leader, by_qr=True)
    assert again is False
    b.refresh_from_db()
    assert b.check_in_method == CheckInMethod.QR
    with pytest.raises(ValidationError):  # more than the activity's length
        services.hours_confirm(activity=act, hours={a.pk: Decimal("5")}, actor=org.leader)
    with pytest.raises(PermissionDenied):
        services.hours_confirm(activity=act, hours={a.pk: Decimal("2")}, actor=world.villager_a)
    services.hours_confirm(activity=act, hours={a.pk: Decimal("2.5"), b.pk: Decimal("0")}, actor=org.leader)
    act.refresh_from_db()
    assert act.status == ActivityStatus.DONE
    with pytest.raises(ValidationError):
        services.hours_confirm(activity=act, hours={a.pk: Decimal("2")}, actor=org.leader)
    rows = selectors.confirmed_participations(since=act.created_at)
    assert [(r.villager_id, r.hours) for r in rows] == [(world.villager_a.villager.pk, Decimal("2.5"))]
    figures = selectors.figures(region_code=world.village_a.code)
    assert (figures.activities, figures.hours, figures.volunteers) == (1, Decimal("2.5"), 1)
    assert AuditEvent.objects.filter(action="organisations.hours").count() == 1


def test_bad_hours_are_refused_with_a_message():
    for bad in ("abc", "-1", "25"):
        with pytest.raises(ValidationError):
            services.parse_hours(bad)
    assert services.parse_hours(" 2.46 ") == Decimal("2.5")


def test_a_cancelled_activity_takes_no_sign_up(world, org):
    services.activity_cancel(activity=org.activity, reason="台风预警", actor=org.leader)
    with pytest.raises(ValidationError):
        services.sign_up(activity=org.activity, villager=world.villager_a.villager, actor=world.villager_a)
    assert Notice.objects.count() == 1


def test_figures_for_insights(world, org, clock):
    import datetime as dt

    act = org.activity
    a, _ = services.sign_up(activity=act, villager=world.villager_a.villager, actor=world.villager_a)
    services.sign_up(activity=act, villager=world.helper.villager, actor=world.helper)  # never checked in
    to_activity_day(clock, org)
    services.check_in(activity=act, participant=a, actor=org.leader)
    services.hours_confirm(activity=act, hours={a.pk: Decimal("2.5")}, actor=org.leader)
    from django.utils import timezone

    start, end = timezone.now() - dt.timedelta(days=30), timezone.now() + dt.timedelta(minutes=1)
    code = world.village_a.code
    args = {"prefix": world.county.code[:6], "length": 12, "start": start, "end": end}
    assert selectors.figures_activities(**args)[code] == (1, None)
    assert selectors.figures_hours(**args)[code] == (2, None)
    volunteers = selectors.figures_volunteers(**args)[code]
    assert volunteers[0] == 1 and volunteers[1] >= 3  # 张三 of all adults of the village (the n)
    households = selectors.figures_households(**args)[code]
    assert households[0] == 1 and households[1] >= 2
