"""The demo county's elections: 余村's archived election with a runoff and its term since (supervision
committee, appraisals, a recall with its signers, a leaving-office audit), and 大溪村's at the voter-list stage."""

import pytest
from django.urls import reverse

from cunzhi.elections import selectors
from cunzhi.elections.models import Election, RecallStatus, Stage
from cunzhi.people.models import User

pytestmark = [pytest.mark.slow]  # builds the whole demo county


def test_demo_elections(db, demo_county, client):
    past = Election.objects.get(village__name="余村")
    assert past.stage == Stage.ARCHIVED
    first = past.result["first"]
    assert first["valid"] and len(first["elected"]) == 4 and first["empty_seats"] == 1
    assert len(past.result["runoff"]["elected"]) == 1
    assert past.proxies.exists() and past.objections.exists()
    assert past.election_day.year < 2026
    upcoming = Election.objects.exclude(pk=past.pk).get()
    assert upcoming.stage == Stage.LIST_PUBLISHED and upcoming.voters.count() > 100
    villager = User.objects.get(phone="13800000001")
    client.force_login(villager)
    r = client.get(reverse("elections:result", args=[past.public_id]))
    assert r.status_code == 200

    # the term since: the supervision committee without conflicts (art. 32), yearly appraisals it chaired
    # (art. 33), a recall carried with its signers by name (art. 16), the leaving-office audit (art. 35)
    assert len(selectors.supervision_members(village_code=past.region_code)) == 3
    assert selectors.supervision_conflicts(village_code=past.region_code) == []
    assert past.appraisals.count() >= 1 and all(a.ratings.count() == 5 for a in past.appraisals.all())
    recall = past.recalls.get()
    assert recall.status == RecallStatus.RECALLED and recall.signer_rows.count() == recall.signers
    assert recall.signers * 5 >= recall.eligible
    audit = past.audits.get()
    assert audit.kind == "leaving" and audit.member == recall.member
    assert len(selectors.sitting_members(term=past)) == 4
    r = client.get(reverse("elections:term", args=[past.public_id]))
    assert r.status_code == 200 and audit.findings in r.content.decode()
