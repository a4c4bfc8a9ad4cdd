"""Points services: bounds, caps, review with reasons, objections, counting, the ledger-like balance,
redemption, and refusals that change nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cunzhi.core.models import AuditEvent
from cunzhi.people.models import Role
from cunzhi.points import selectors, services
from cunzhi.points.models import Entry, EntryStatus, ItemStatus, ObjectionStatus

from .conftest import TODAY, declare, posted


def test_only_the_points_office_of_the_township_keeps_the_catalogue(world, other_office_staff, clock):
    args = {
        "township": world.township_t,
        "title": "x",
        "sign": "positive",
        "points": 1,
        "min_points": 1,
        "max_points": 2,
    }
    for who in (other_office_staff, world.other_township_staff, world.cadre_a, world.villager_a):
        with pytest.raises(PermissionDenied):
            services.item_create(actor=who, **args)
    assert services.item_create(actor=world.county_admin, **args).status == ItemStatus.APPROVED


def test_item_bounds_must_hold_the_points(world, clock):
    with pytest.raises(ValidationError) as exc:
        services.item_create(
            township=world.township_t,
            title="x",
            sign="positive",
            points=5,
            min_points=6,
            max_points=8,
            actor=world.township_staff,
        )
    assert "fewest" in str(exc.value)


def test_village_adopts_within_bounds_only(world, pw):
    with pytest.raises(ValidationError) as exc:
        services.adoption_set(village=world.village_a, item=pw.cleanup, points=9, yearly_cap=18, actor=world.cadre_a)
    assert "3 to 8" in str(exc.value)
    with pytest.raises(ValidationError):  # a cap above the township's
        services.adoption_set(village=world.village_a, item=pw.cleanup, points=5, yearly_cap=30, actor=world.cadre_a)
    # Another township's village cannot adopt T's items.
    with pytest.raises(PermissionDenied):
        services.adoption_set(village=world.village_b, item=pw.cleanup, points=5, yearly_cap=10, actor=world.cadre_a)


def test_village_item_needs_the_townships_approval(world, pw, other_office_staff):
    item = services.item_create(
        township=world.township_t,
        village=world.village_a,
        title="照顾孤寡老人",
        sign="positive",
        points=4,
        min_points=2,
        max_points=6,
        actor=world.cadre_a,
    )
    assert item.status == ItemStatus.PROPOSED
    with pytest.raises(ValidationError):
        services.adoption_set(village=world.village_a, item=item, points=4, yearly_cap=0, actor=world.cadre_a)
    with pytest.raises(PermissionDenied):
        services.item_decide(item=item, approve=True, reason="", actor=other_office_staff)
    with pytest.raises(ValidationError):  # a refusal needs its reason
        services.item_decide(item=item, approve=False, reason="", actor=world.township_staff)
    item = services.item_decide(item=item, approve=True, reason="", actor=world.township_staff)
    assert services.adoption_set(village=world.village_a, item=item, points=4, yearly_cap=0, actor=world.cadre_a)


def test_declare_review_post_count(world, pw, clock):
    entry = declare(world, pw)
    assert entry.status == EntryStatus.DECLARED and entry.points == 6
    assert selectors.balance(household=world.household_a) == 0
    entry = services.entry_review(entry=entry, approve=True, reason="照片属实", actor=world.cadre_a)
    assert entry.status == EntryStatus.POSTED
    assert entry.objection_until == entry.reviewed_at + dt.timedelta(days=7)
    assert services.entries_count_due() == 0  # the period runs
    assert selectors.balance(household=world.household_a) == 0
    clock.shift(7 * 86400)
    assert services.entries_count_due() == 1
    entry.refresh_from_db()
    assert entry.status == EntryStatus.COUNTED
    assert selectors.balance(household=world.household_a) == 6
    actions = list(
        AuditEvent.objects.filter(object_type="points.entry", object_id=str(entry.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["points.entry.declare", "points.entry.approve", "points.entry.count"]


def test_review_needs_a_reason_and_the_review_group(world, pw, supervisor_a):
    entry = declare(world, pw)
    with pytest.raises(ValidationError):
        services.entry_review(entry=entry, approve=True, reason=" ", actor=world.cadre_a)
    for who in (world.villager_a, world.township_staff, supervisor_a):
        with pytest.raises(PermissionDenied):
            services.entry_review(entry=entry, approve=True, reason="好", actor=who)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DECLARED
    services.entry_review(entry=entry, approve=False, reason="当天没有活动", actor=pw.representative)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REJECTED and entry.review_reason == "当天没有活动"


def test_no_review_of_ones_own_household_nor_ones_own_proposal(world, pw):
    # The representative of A is a villager of household A0002: he may not review its points.
    from cunzhi.people.tests.factories import VillagerFactory

    VillagerFactory(
        name="陈代表", village=world.village_a, household=pw.house2, user=pw.representative, phone="13950000009"
    )
    entry = declare(world, pw, actor=pw.neighbour, household=pw.house2)
    with pytest.raises(PermissionDenied):
        services.entry_review(entry=entry, approve=True, reason="好", actor=pw.representative)
    proposed = declare(world, pw, actor=world.cadre_a, household=pw.house2)
    with pytest.raises(PermissionDenied):
        services.entry_review(entry=proposed, approve=True, reason="好", actor=world.cadre_a)


def test_declaring_for_another_household_or_village_is_refused(world, pw):
    with pytest.raises(PermissionDenied):
        declare(world, pw, actor=world.villager_a, household=pw.house2)
    with pytest.raises(ValidationError):
        declare(world, pw, actor=world.cadre_a, household=world.household_b)
    with pytest.raises(ValidationError):
        declare(world, pw, day=TODAY + dt.timedelta(days=1))
    assert not Entry.objects.exists()


def test_cadre_and_representative_propose_for_others(world, pw):
    assert declare(world, pw, actor=world.cadre_a, household=pw.house2).declared_by_name == "王书记"
    assert declare(world, pw, actor=pw.representative, household=pw.house2).status == EntryStatus.DECLARED


def test_yearly_cap(world, pw):
    for _i in range(3):
        declare(world, pw)  # 3 × 6 = 18, the village's cap
    with pytest.raises(ValidationError) as exc:
        declare(world, pw)
    assert "capped at 18" in str(exc.value)
    assert Entry.objects.count() == 3


def test_objection_upheld_never_counts_and_dismissed_counts(world, pw, clock):
    a = posted(world, pw)
    b = posted(world, pw, text="清理河道")
    o1 = services.objection_raise(entry=a, reason="那天他不在村里", actor=pw.neighbour)
    o2 = services.objection_raise(entry=b, reason="照片是别人的", actor=pw.neighbour)
    a.refresh_from_db()
    assert a.status == EntryStatus.OBJECTED
    with pytest.raises(ValidationError):
        services.objection_decide(objection=o1, uphold=True, reason="", actor=world.cadre_a)
    services.objection_decide(objection=o1, uphold=True, reason="核实属实", actor=world.cadre_a)
    services.objection_decide(objection=o2, uphold=False, reason="核实照片属实", actor=pw.representative)
    clock.shift(8 * 86400)
    services.entries_count_due()
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == EntryStatus.OVERTURNED and b.status == EntryStatus.COUNTED
    assert selectors.balance(household=world.household_a) == 6
    o1.refresh_from_db()
    assert o1.status == ObjectionStatus.UPHELD and o1.decision_reason == "核实属实"


def test_objection_after_the_period_or_from_another_village_is_refused(world, pw, clock):
    entry = posted(world, pw)
    with pytest.raises(PermissionDenied):
        services.objection_raise(entry=entry, reason="不对", actor=world.villager_b)
    with pytest.raises(ValidationError):
        services.objection_raise(entry=entry, reason=" ", actor=pw.neighbour)
    clock.shift(7 * 86400 + 1)
    with pytest.raises(ValidationError) as exc:
        services.objection_raise(entry=entry, reason="不对", actor=pw.neighbour)
    assert "ended" in str(exc.value)


def test_base_grant_leaves_out_households_living_away(world, pw):
    from cunzhi.people.models import Villager

    Villager.objects.filter(household=pw.house2).update(living_away=True)
    assert services.base_grant_apply(village=world.village_a, actor=world.cadre_a) == 1
    assert services.base_grant_apply(village=world.village_a, actor=world.cadre_a) == 0  # once only
    assert selectors.balance(household=world.household_a) == 10
    assert selectors.balance(household=pw.house2) == 0


def test_redemption_never_below_zero(world, pw):
    services.base_grant_apply(village=world.village_a, actor=world.cadre_a)
    with pytest.raises(ValidationError) as exc:
        services.redemption_record(household=world.household_a, goods="洗衣粉", points=11, actor=world.cadre_a)
    assert "balance is 10" in str(exc.value)
    services.redemption_record(household=world.household_a, goods="洗衣粉", points=8, actor=world.cadre_a)
    assert selectors.balance(household=world.household_a) == 2
    with pytest.raises(PermissionDenied):
        services.redemption_record(household=world.household_a, goods="盐", points=1, actor=world.villager_a)
    # The ledger holds: the balance is the sum of counted entries.
    assert (
        sum(Entry.objects.filter(status="counted", household=world.household_a).values_list("points", flat=True)) == 2
    )


def test_points_per_person_rule(world, pw):
    services.rule_set(
        village=world.village_a,
        holder="person",
        base_grant=3,
        exclude_away=False,
        objection_days=3,
        review_roles=[Role.CADRE],
        actor=world.cadre_a,
    )
    with pytest.raises(ValidationError):
        declare(world, pw)  # no person named
    entry = services.entry_declare(
        adoption=pw.adopt_cleanup,
        household=world.household_a,
        person=world.helper.villager,
        occurred_on=TODAY,
        description="义务巡河",
        actor=world.helper,
    )
    assert entry.person == world.helper.villager
    assert services.base_grant_apply(village=world.village_a, actor=world.cadre_a) == 3  # 张三, 张小明, 王五


def test_evidence_photo_goes_through_file_intake(world, pw):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(buf, "PNG")
    entry = services.entry_declare(
        adoption=pw.adopt_cleanup,
        household=world.household_a,
        occurred_on=TODAY,
        description="清理",
        evidence=SimpleUploadedFile("x.png", buf.getvalue()),
        actor=world.villager_a,
    )
    assert entry.evidence.name.endswith(".jpg")
    with pytest.raises(ValidationError):
        services.entry_declare(
            adoption=pw.adopt_cleanup,
            household=world.household_a,
            occurred_on=TODAY,
            description="清理",
            evidence=SimpleUploadedFile("x.png", b"not a picture"),
            actor=world.villager_a,
        )
    assert Entry.objects.count() == 1


def test_board_summary_has_ranges_not_a_bottom_list(world, pw, clock):
    posted(world, pw)
    clock.shift(8 * 86400)
    services.entries_count_due()
    summary = selectors.board_summary(village=world.village_a)
    assert summary["households"] == 2 and summary["taking_part"] == 1
    assert [r["households"] for r in summary["ranges"]] == [1, 1, 0, 0, 0]
    assert selectors.figures_participation(village=world.village_a) == (1, 2)


def test_figures_for_insights_count_outcomes_per_village(world, pw, clock):
    import datetime as dt

    from django.utils import timezone

    start = timezone.now() - dt.timedelta(days=1)
    posted(world, pw)
    services.base_grant_apply(village=world.village_a, actor=world.cadre_a)  # not a contribution
    clock.shift(8 * 86400)
    services.entries_count_due()
    end = timezone.now() + dt.timedelta(days=1)
    rows = selectors.figures_taking_part(prefix=world.county.prefix, length=12, start=start, end=end)
    assert rows[world.village_a.code] == (1, 2)
    assert rows[world.village_b.code] == (0, 1)


def test_a_helper_with_a_points_delegation_declares_for_the_household(world, pw):
    from django.utils import timezone

    from cunzhi.people.models import Delegation, DelegationScope, Relation

    with pytest.raises(PermissionDenied):
        services.entry_declare(
            adoption=pw.adopt_cleanup, household=pw.house2, occurred_on=TODAY, description="x", actor=world.helper
        )
    neighbour = pw.house2.representative
    Delegation.objects.create(
        villager=neighbour,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.POINTS],
        ends_at=timezone.now() + dt.timedelta(days=30),
    )
    world.helper.__dict__.pop("_cunzhi_delegations", None)
    entry = services.entry_declare(
        adoption=pw.adopt_cleanup, household=pw.house2, occurred_on=TODAY, description="帮邻居申报", actor=world.helper
    )
    row = AuditEvent.objects.get(object_type="points.entry", object_id=str(entry.pk))
    assert row.actor == world.helper and row.on_behalf_of == neighbour


def test_the_household_hears_when_its_points_are_reviewed(world, pw):
    from cunzhi.notify.models import Notice
    from cunzhi.points.tests.conftest import declare

    entry = declare(world, pw)
    services.entry_review(entry=entry, approve=True, reason="照片属实", actor=world.cadre_a)
    other = declare(world, pw, household=pw.house2, actor=pw.neighbour, text="清理河道")
    services.entry_review(entry=other, approve=False, reason="没有照片", actor=world.cadre_a)
    notices = list(Notice.objects.order_by("pk"))
    assert [n.subject["zh-hans"][:6] for n in notices] == ["积分已通过评", "积分申报未通"]
    assert "没有照片" in notices[1].body["zh-hans"] and notices[0].recipient_count == 1
