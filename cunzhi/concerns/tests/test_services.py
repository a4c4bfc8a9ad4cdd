"""Raising, routing, clocks, the closed loop, escalation, me too, merging, rates and similar concerns."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cunzhi.concerns import selectors, services
from cunzhi.concerns.models import (
    Channel,
    Clock,
    Concern,
    Kind,
    Level,
    MeToo,
    Photo,
    Rating,
    RoutingRule,
    Status,
)
from cunzhi.concerns.tests.conftest import NOW, photo
from cunzhi.core.models import AuditEvent
from cunzhi.notify.models import Notice
from cunzhi.people.models import AccessKind, DataAccess, Delegation, DelegationScope, Relation

H = dt.timedelta(hours=1)


def notices(template):
    return list(Notice.objects.filter(template=f"concerns_{template}"))


def recipients(template):
    return {d.recipient_id for n in notices(template) for d in n.deliveries.filter(channel="inbox")}


def delegate(world, scopes=(DelegationScope.CONCERNS,)):
    return Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=list(scopes),
        starts_at=NOW - dt.timedelta(days=1),
        ends_at=NOW + dt.timedelta(days=300),
    )


# --- raising and routing -------------------------------------------------------------------------


def test_villager_raises_a_village_matter_routed_to_the_village_leader(raise_concern, cw):
    c = raise_concern(photos=[photo(gps=True)], place="村口", group=cw.group_a1)
    assert c.owner == cw.cadre_a and c.level == Level.VILLAGE and c.owner_office is None
    assert c.villager == cw.villager_a.villager and c.raised_by == cw.villager_a
    assert c.status == Status.OPEN and c.channel == Channel.ONLINE and c.region_code == cw.village_a.code
    # Clocks: acknowledge in 2 h, utilities answered in 24 h; the pending deadline is the acknowledgement.
    assert c.ack_due_at == NOW + 2 * H and c.answer_due_at == NOW + 24 * H and c.due_at == NOW + 2 * H
    assert c.escalate_at == c.due_at and c.public_name == "张*" and len(c.number) == 11
    # The photo was re-encoded: no EXIF (so no GPS) left.
    p = Photo.objects.get(concern=c)
    with Image.open(p.file.open("rb")) as img:
        assert not img.getexif()
    assert recipients("new") == {cw.cadre_a.pk}
    ev = AuditEvent.objects.get(object_type="concerns.concern", object_id=str(c.pk))
    assert ev.action == "concern.submit" and ev.actor == cw.villager_a and ev.after["owner"] == "王书记"


def test_township_matter_goes_to_the_rule_office_and_person(raise_concern, cw):
    c = raise_concern(category=cw.subsidy, kind=Kind.HELP, text="申请低保需要什么材料")
    assert (c.owner, c.owner_office, c.level) == (cw.township_staff, cw.office_t, Level.TOWNSHIP)
    assert c.answer_due_at == NOW + 7 * 24 * H
    # The most specific rule wins: a village rule beats the township rule.
    RoutingRule.objects.create(category=cw.subsidy, region=cw.village_a, level=Level.VILLAGE, responsible=cw.cadre_a)
    c2 = raise_concern(category=cw.subsidy, kind=Kind.HELP, text="低保")
    assert c2.owner == cw.cadre_a and c2.level == Level.VILLAGE


def test_urgent_concern_gets_the_emergency_clock(raise_concern):
    c = raise_concern(urgent=True)
    assert c.clock == Clock.EMERGENCY and c.answer_due_at == NOW + 2 * H


def test_helper_raises_for_the_villager_under_a_delegation(raise_concern, cw):
    with pytest.raises(ValidationError) as exc:
        raise_concern(actor=cw.helper, villager=cw.villager_a.villager)
    assert "delegation" in str(exc.value)
    delegate(cw)
    c = raise_concern(actor=cw.helper, villager=cw.villager_a.villager)
    assert c.villager == cw.villager_a.villager and c.raised_by == cw.helper
    ev = AuditEvent.objects.get(object_type="concerns.concern", object_id=str(c.pk))
    assert ev.on_behalf_of == cw.villager_a.villager
    # The villager sees the use of the delegation on "who viewed my data", and is told.
    assert DataAccess.objects.filter(subject=cw.villager_a.villager, kind=AccessKind.DELEGATION_USE).exists()
    assert recipients("received") == {cw.villager_a.pk}


def test_staff_records_a_phone_call_and_owns_it(raise_concern, cw):
    c = raise_concern(
        actor=cw.township_staff,
        channel=Channel.PHONE,
        village=cw.village_a,
        villager=None,
        contact_name="王大妈",
        contact_phone="13911112222",
    )
    assert c.channel == Channel.PHONE and c.owner == cw.township_staff and c.owner_office == cw.office_t
    assert c.status == Status.ACKNOWLEDGED and c.level == Level.TOWNSHIP and c.due_at == c.answer_due_at
    assert c.public_name == "王**" and c.contact_phone == "13911112222"


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"text": "   "}, "text"),
        ({"category": None}, "category"),
        ({"kind": "gossip"}, "kind"),
        ({"actor": "township_staff", "channel": Channel.PHONE, "village": "village_b", "contact_name": "x"}, "village"),
        ({"actor": "villager_a", "village": "village_b"}, "village"),
        ({"group": "group_b1"}, "group"),
        ({"actor": "township_staff", "channel": Channel.PHONE, "village": "village_a"}, "contact_name"),
        (
            {"photos": [SimpleUploadedFile("x.jpg", b"MZ this is not a picture at all", content_type="image/jpeg")]},
            "photos",
        ),
        ({"photos": [photo()] * 5}, "photos"),
        ({"text": "字" * 2001}, "text"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(raise_concern, cw, kw, field):
    kw = {k: getattr(cw, v) if isinstance(v, str) and hasattr(cw, v) else v for k, v in kw.items()}
    with pytest.raises(ValidationError) as exc:
        raise_concern(**kw)
    assert field in exc.value.message_dict
    assert not Concern.objects.exists() and not Photo.objects.exists() and not Notice.objects.exists()


def test_oversized_photo_is_refused(raise_concern, settings):
    settings.CONCERNS_PHOTO_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (1024 * 1024 + 10), content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        raise_concern(photos=[big])
    assert "too large" in str(exc.value)
    assert not Concern.objects.exists()


def test_villager_without_roster_record_cannot_raise_online(raise_concern, cw):
    with pytest.raises(ValidationError):
        raise_concern(actor=cw.township_staff)


# --- the closed loop -----------------------------------------------------------------------------


def test_acknowledge_answer_confirm_and_rate(raise_concern, cw):
    c = raise_concern()
    with pytest.raises(ValidationError):
        services.concern_acknowledge(actor=cw.township_staff, concern=c, now=NOW)  # not the owner
    services.concern_acknowledge(actor=cw.cadre_a, concern=c, now=NOW + H)
    assert c.status == Status.ACKNOWLEDGED and c.due_at == c.answer_due_at
    assert recipients("acknowledged") == {cw.villager_a.pk}
    # Another villager says "me too": they are told of the answer as well.
    services.concern_me_too(actor=cw.helper, concern=c)
    services.concern_answer(actor=cw.cadre_a, concern=c, text="已联系电工，明天修好", photos=[photo()], now=NOW + 5 * H)
    c.refresh_from_db()
    assert c.status == Status.ANSWERED and c.answered_in_time is True and c.due_at is None
    assert c.answer_text == "已联系电工，明天修好" and c.confirm_due_at == NOW + 5 * H + dt.timedelta(days=7)
    assert recipients("answered") == {cw.villager_a.pk, cw.helper.pk}
    # Staff cannot close it as resolved: only the villager (or their helper).
    with pytest.raises(ValidationError):
        services.concern_confirm(actor=cw.cadre_a, concern=c, rating=Rating.SATISFIED)
    with pytest.raises(ValidationError):
        services.concern_confirm(actor=cw.villager_a, concern=c, rating="great")
    services.concern_confirm(actor=cw.villager_a, concern=c, rating=Rating.BASICALLY, comment="修得快")
    c.refresh_from_db()
    assert c.status == Status.RESOLVED and c.rating == Rating.BASICALLY and c.closed_at
    actions = [e.action for e in selectors.timeline(concern=c)]
    assert actions == ["concern.submit", "concern.acknowledge", "concern.me_too", "concern.answer", "concern.confirm"]


def test_villager_reopens_and_owner_answers_again(raise_concern, cw):
    c = raise_concern()
    services.concern_answer(actor=cw.cadre_a, concern=c, text="已修", now=NOW + H)
    with pytest.raises(ValidationError):
        services.concern_reopen(actor=cw.villager_a, concern=c, reason="  ")
    services.concern_reopen(
        actor=cw.villager_a, concern=c, reason="还是不亮", rating=Rating.UNSATISFIED, now=NOW + 30 * H
    )
    assert c.status == Status.REOPENED and c.due_at == NOW + 54 * H and c.confirm_due_at is None
    assert recipients("reopened") == {cw.cadre_a.pk}
    services.concern_answer(actor=cw.cadre_a, concern=c, text="换了新灯", now=NOW + 40 * H)
    assert c.status == Status.ANSWERED and c.answered_in_time is True  # the first answer counts


def test_helper_confirms_for_the_villager(raise_concern, cw):
    c = raise_concern()
    services.concern_answer(actor=cw.cadre_a, concern=c, text="已修", now=NOW + H)
    with pytest.raises(ValidationError):
        services.concern_confirm(actor=cw.helper, concern=c, rating=Rating.SATISFIED)
    delegate(cw)
    services.concern_confirm(actor=cw.helper, concern=c, rating=Rating.SATISFIED)
    ev = AuditEvent.objects.filter(action="concern.confirm").get()
    assert ev.actor == cw.helper and ev.on_behalf_of == cw.villager_a.villager


def test_unowned_concern_is_taken_by_first_handler(raise_concern, cw):
    cw.roads.rules.all().delete()
    cw.roads.level = Level.TOWNSHIP
    cw.roads.save()
    c = raise_concern()
    assert c.owner is None and c.level == Level.TOWNSHIP
    with pytest.raises(ValidationError):
        services.concern_acknowledge(actor=cw.other_township_staff, concern=c)  # outside their scope
    services.concern_acknowledge(actor=cw.township_staff, concern=c, clock=Clock.COMPLEX, now=NOW + H)
    assert c.owner == cw.township_staff and c.owner_office == cw.office_t
    assert c.answer_due_at == NOW + 15 * 24 * H


def test_transfer_needs_a_reason_and_tells_both(raise_concern, cw):
    c = raise_concern()
    with pytest.raises(ValidationError) as exc:
        services.concern_transfer(actor=cw.cadre_a, concern=c, to_user=cw.township_staff, reason="")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.concern_transfer(actor=cw.cadre_a, concern=c, to_user=cw.other_township_staff, reason="x")
    assert "to_user" in exc.value.message_dict
    with pytest.raises(ValidationError):  # not the owner, not above the village
        services.concern_transfer(actor=cw.villager_a, concern=c, to_user=cw.township_staff, reason="x")
    services.concern_transfer(actor=cw.cadre_a, concern=c, to_user=cw.township_staff, reason="需要街道协调")
    c.refresh_from_db()
    assert c.owner == cw.township_staff and c.owner_office == cw.office_t and c.level == Level.TOWNSHIP
    assert recipients("assigned") == {cw.township_staff.pk} and recipients("transferred") == {cw.villager_a.pk}
    ev = AuditEvent.objects.get(action="concern.transfer")
    assert ev.after["reason"] == "需要街道协调" and ev.before["owner"] == "王书记"
    assert {u.pk for u in services.transfer_candidates(concern=c)} == {
        cw.cadre_a.pk,
        cw.township_staff.pk,
        cw.county_admin.pk,
    }


# --- escalation and closing unrated ----------------------------------------------------------------


def test_overdue_escalates_village_township_county_and_is_idempotent(raise_concern, cw):
    c = raise_concern()
    assert services.concerns_escalate_due(now=NOW + H) == "0 escalated, 0 closed unrated"
    out = services.concerns_escalate_due(now=NOW + 3 * H)  # acknowledgement late
    assert out.startswith("1 escalated")
    c.refresh_from_db()
    assert c.escalation_level == Level.TOWNSHIP and c.owner == cw.cadre_a  # the owner keeps it
    assert recipients("escalated_staff") == {cw.cadre_a.pk, cw.township_staff.pk}
    assert recipients("escalated") == {cw.villager_a.pk}
    # Running again at the same time changes nothing.
    assert services.concerns_escalate_due(now=NOW + 3 * H).startswith("0 escalated")
    # Still not handled 24 h after the escalation: the county.
    assert services.concerns_escalate_due(now=NOW + 26 * H).startswith("0 escalated")
    assert services.concerns_escalate_due(now=NOW + 28 * H).startswith("1 escalated")
    c.refresh_from_db()
    assert c.escalation_level == Level.COUNTY and c.escalate_at is None
    assert cw.county_admin.pk in recipients("escalated_staff")
    assert services.concerns_escalate_due(now=NOW + 100 * H).startswith("0 escalated")
    actions = [e.action for e in selectors.timeline(concern=c)]
    assert actions.count("concern.escalate") == 2
    events = [e for e in selectors.timeline(concern=c) if e.action == "concern.escalate"]
    assert events[0].actor is None and events[0].after["escalation_level"] == "township"


def test_answer_in_time_stops_the_clock(raise_concern):
    c = raise_concern()
    services.concern_acknowledge(actor=c.owner, concern=c, now=NOW + H)
    services.concern_answer(actor=c.owner, concern=c, text="好", now=NOW + 10 * H)
    assert services.concerns_escalate_due(now=NOW + 100 * H) == "0 escalated, 0 closed unrated"


def test_late_answer_counts_as_not_in_time(raise_concern):
    c = raise_concern()
    services.concern_answer(actor=c.owner, concern=c, text="好", now=NOW + 30 * H)
    assert c.answered_in_time is False


def test_unrated_answer_closes_after_the_configured_period(raise_concern, settings):
    settings.CONCERNS_CONFIRM_DAYS = 3
    c = raise_concern()
    services.concern_answer(actor=c.owner, concern=c, text="好", now=NOW + H)
    assert services.concerns_escalate_due(now=NOW + 2 * 24 * H).endswith("0 closed unrated")
    assert services.concerns_escalate_due(now=NOW + 4 * 24 * H).endswith("1 closed unrated")
    c.refresh_from_db()
    assert c.status == Status.CLOSED_UNRATED and c.rating == ""


def test_configured_clocks(raise_concern, settings):
    settings.CONCERNS_ACK_HOURS = 4
    settings.CONCERNS_ANSWER_HOURS = {"utilities": 12}
    c = raise_concern()  # Monday 09:00: three hours to noon, one more after the lunch break
    assert c.ack_due_at == NOW + 6 * H and c.answer_due_at == NOW + 12 * H


def local(y, m, d, hh, mm=0):
    from django.utils import timezone

    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@pytest.mark.parametrize(
    "raised, due",
    [
        (local(2026, 3, 6, 17), local(2026, 3, 9, 10)),  # Friday 17:00: half an hour, then Monday from 08:30
        (local(2026, 3, 2, 22), local(2026, 3, 3, 10, 30)),  # at night: the clock waits for the morning
        (local(2026, 6, 18, 17), local(2026, 6, 22, 10)),  # before the Dragon Boat holidays (19–21 June)
    ],
)
def test_acknowledge_clock_counts_working_hours_only(raise_concern, cw, raised, due):
    c = raise_concern(category=cw.subsidy, now=raised)
    assert c.ack_due_at == due and c.due_at == due
    # The answer clock is not a working-hours clock: general matters are answered within 7 plain days.
    assert c.answer_due_at == raised + 7 * 24 * H
    assert services.concerns_escalate_due(now=due - dt.timedelta(minutes=1)).startswith("0 escalated")
    assert services.concerns_escalate_due(now=due + dt.timedelta(minutes=1)).startswith("1 escalated")


def test_acknowledge_is_never_due_after_the_answer(raise_concern):
    # Utilities are answered within 24 plain hours: raised on Friday 17:00, the answer is due on
    # Saturday 17:00, so acknowledging cannot wait for Monday's working hours.
    c = raise_concern(now=local(2026, 3, 6, 17))
    assert c.ack_due_at == c.answer_due_at == local(2026, 3, 7, 17)


def test_emergencies_run_on_plain_hours(raise_concern, cw):
    c = raise_concern(now=local(2026, 3, 6, 22), urgent=True)
    assert c.clock == Clock.EMERGENCY and c.ack_due_at == local(2026, 3, 7, 0)


# --- me too, merging -----------------------------------------------------------------------------


def test_me_too_only_in_own_village_once(raise_concern, cw):
    c = raise_concern()
    with pytest.raises(ValidationError):
        services.concern_me_too(actor=cw.villager_b, concern=c)
    with pytest.raises(ValidationError):
        services.concern_me_too(actor=cw.villager_a, concern=c)  # their own
    services.concern_me_too(actor=cw.helper, concern=c)
    with pytest.raises(ValidationError):
        services.concern_me_too(actor=cw.helper, concern=c)
    c.refresh_from_db()
    assert c.me_too_count == 1


def test_merge_tells_every_merged_villager(raise_concern, cw):
    target = raise_concern(text="村口路灯不亮")
    # The helper (a villager of A too) raises the same matter for themself.
    source = raise_concern(actor=cw.helper)
    with pytest.raises(ValidationError):
        services.concern_merge(actor=cw.other_township_staff, source=source, target=target)
    with pytest.raises(ValidationError):
        services.concern_merge(actor=cw.cadre_a, source=source, target=source)
    services.concern_merge(actor=cw.cadre_a, source=source, target=target, now=NOW + H)
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == Status.MERGED and source.merged_into == target and source.due_at is None
    assert target.me_too_count == 1 and MeToo.objects.filter(concern=target, from_merge=True).count() == 1
    assert recipients("merged") == {cw.helper.pk}
    services.concern_answer(actor=cw.cadre_a, concern=target, text="修好了", now=NOW + 2 * H)
    assert cw.helper.pk in recipients("answered")


# --- reads ---------------------------------------------------------------------------------------


def test_similar_open_concerns_share_bigrams(raise_concern, cw):
    lamp = raise_concern(text="村口的路灯坏了，晚上走路很危险")
    raise_concern(text="低保申请材料怎么准备", category=cw.subsidy, kind=Kind.CONSULTATION)
    private = raise_concern(text="村口路灯坏了好几天", is_public=False)
    found = selectors.similar_open(village_code=cw.village_a.code, text="路灯坏了")
    assert [c.pk for c in found] == [lamp.pk]
    assert private.pk not in [c.pk for c in found]
    assert selectors.similar_open(village_code=cw.village_b.code, text="路灯坏了") == []
    assert selectors.similar_open(village_code=cw.village_a.code, text="x") == []


def test_three_rates(raise_concern, cw):
    a = raise_concern()
    services.concern_answer(actor=cw.cadre_a, concern=a, text="好", now=NOW + H)  # in time
    services.concern_confirm(actor=cw.villager_a, concern=a, rating=Rating.SATISFIED, now=NOW + 2 * H)
    b = raise_concern()
    services.concern_answer(actor=cw.cadre_a, concern=b, text="好", now=NOW + 48 * H)  # late
    services.concern_confirm(actor=cw.villager_a, concern=b, rating=Rating.UNSATISFIED, now=NOW + 50 * H)
    raise_concern()  # open
    d = raise_concern(category=cw.subsidy, kind=Kind.HELP, text="低保")
    services.concern_answer(actor=cw.township_staff, concern=d, text="可以申请", now=NOW + H)
    day = NOW.date()
    rows = selectors.rates(prefixes=[cw.county.prefix], group="village", start=day, end=day)
    assert len(rows) == 1
    r = rows[0]
    assert (r["name"], r["dispatched"], r["answered_in_time"], r["resolved"], r["rated"], r["satisfied"]) == (
        "鹤鹿溪村",
        4,
        2,
        2,
        2,
        1,
    )
    assert r["response_rate"] == 0.5 and r["resolution_rate"] == 0.5 and r["satisfaction_rate"] == 0.5
    offices = {r["name"]: r for r in selectors.rates(prefixes=[cw.county.prefix], group="office", start=day, end=day)}
    assert offices["递铺街道民政办"]["dispatched"] == 1 and offices[""]["dispatched"] == 3
    towns = selectors.rates(prefixes=[cw.county.prefix], group="township", start=day, end=day)
    assert towns[0]["name"] == "递铺街道" and towns[0]["dispatched"] == 4
    # Another period: nothing.
    assert (
        selectors.rates(
            prefixes=[cw.county.prefix],
            group="village",
            start=day + dt.timedelta(days=1),
            end=day + dt.timedelta(days=2),
        )
        == []
    )


def test_prefix_q_ranges(cw, raise_concern):
    c = raise_concern()
    assert list(Concern.objects.filter(selectors.prefix_q(["330523100"]))) == [c]
    assert list(Concern.objects.filter(selectors.prefix_q(["330523101"]))) == []
    assert list(Concern.objects.filter(selectors.prefix_q(["330523", "330523100201"]))) == [c]
