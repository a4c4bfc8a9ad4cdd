"""Who reads a notice (issue 12, item 11) and how the reach report shows phone numbers (item 12).

notify knows no feature domain: these tests let a notice be about a household (people), with a
reader check registered the way domains register theirs.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cunzhi.notify import about, rules, selectors, services
from cunzhi.notify.models import Notice
from cunzhi.people.models import Delegation, DelegationScope, Household, Relation

SUBJECT = {"en": "Your household's subsidy", "zh-hans": "您家的补贴"}
BODY = {"en": "The medical receipts are missing.", "zh-hans": "缺少医疗票据。"}


@pytest.fixture
def household_readers(monkeypatch):
    """Notices may be about a household: read by its members (a stand-in for a domain's own rule)."""

    def can_read(user, pk):
        own = getattr(user, "villager", None) if user.is_authenticated else None
        return own is not None and own.household_id == pk

    monkeypatch.setitem(
        about.READERS,
        "people.household",
        about.Reader(can_read=can_read, readable=lambda user: Household.objects.filter(members__user=user)),
    )


def personal(world, **kw):
    return services.notice_send(
        kind="direct",
        users=[world.villager_a],
        subject=SUBJECT,
        body=BODY,
        region_code=world.village_a.code,
        sender=world.cadre_a,
        **kw,
    )


def test_a_personal_notice_about_nothing_is_for_its_recipients_and_sender_only(world, login, supervisor_a):
    notice = personal(world)
    target = reverse("notify:notice", args=[notice.public_id])
    assert login(world.villager_a).get(target).status_code == 200
    assert login(world.cadre_a).get(target).status_code == 200  # who sent it
    for user in (supervisor_a, world.township_staff, world.county_admin, world.villager_b, world.helper):
        assert login(user).get(target).status_code == 404, user
        assert not rules.can_read(user, notice)


def test_whoever_may_read_the_object_reads_the_notice(world, login, household_readers):
    notice = personal(world, about=world.household_b)  # about a household of village B
    assert (notice.about_type, notice.about_id) == ("people.household", world.household_b.pk)
    target = reverse("notify:notice", args=[notice.public_id])
    assert login(world.villager_b).get(target).status_code == 200  # a member of it, not a recipient
    assert login(world.villager_a).get(target).status_code == 200  # the recipient
    assert login(world.township_staff).get(target).status_code == 404


def test_a_notice_about_an_unregistered_kind_of_object_is_refused_at_sending(world):
    with pytest.raises(ValueError):
        personal(world, about=world.household_a)
    assert not Notice.objects.exists()


def test_helpers_under_a_notices_delegation_read_their_villagers_notices(world, login):
    notice = personal(world)
    target = reverse("notify:notice", args=[notice.public_id])
    delegation = Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.CONCERNS],
        ends_at=timezone.now() + dt.timedelta(days=9),
    )
    assert login(world.helper).get(target).status_code == 404  # another kind of delegation
    delegation.scopes = [DelegationScope.NOTICES]
    delegation.save()
    assert login(world.helper).get(target).status_code == 200
    delegation.revoked_at = timezone.now()
    delegation.save()
    assert login(world.helper).get(target).status_code == 404


def test_staff_list_shows_only_notices_they_may_read(world, household_readers, login, supervisor_a):
    announcement = services.notice_send(
        kind="announcement", region_code=world.village_a.code, sender=world.cadre_a, subject=SUBJECT, body=BODY
    )
    private = personal(world, about=world.household_b)
    own = {n.pk for n in selectors.notices_visible(user=supervisor_a)}
    assert own == {announcement.pk}
    assert {n.pk for n in selectors.notices_visible(user=world.cadre_a)} == {announcement.pk, private.pk}  # sender
    assert {n.pk for n in selectors.notices_visible(user=world.other_township_staff)} == set()
    body = login(supervisor_a).get(reverse("notify:notice_list")).content.decode()
    assert announcement.public_id in body and private.public_id not in body


def test_notices_about_objects_reach_the_staff_who_may_list_those_objects(world, monkeypatch, login):
    """A county's staff (their notices found from the notice side on PostgreSQL) and a township's (the readable
    objects hashed once) read the same notices a reader allows: about a household of their regions only."""
    from cunzhi.people import rules as people_rules

    monkeypatch.setitem(
        about.READERS,
        "people.household",
        about.Reader(
            can_read=lambda user, pk: people_rules.in_scope(user, Household.objects.get(pk=pk).region_code),
            readable=lambda user: Household.objects.filter(people_rules.scope_q(user)),
        ),
    )
    in_a, in_b = personal(world, about=world.household_a), personal(world, about=world.household_b)
    for user, expected in (
        (world.county_admin, {in_a.pk, in_b.pk}),
        (world.township_staff, {in_a.pk}),
        (world.other_township_staff, {in_b.pk}),
    ):
        assert {n.pk for n in selectors.notices_visible(user=user) if n.about_type} == expected, user
    body = login(world.county_admin).get(reverse("notify:notice_list")).content.decode()
    assert in_a.public_id in body and in_b.public_id in body
