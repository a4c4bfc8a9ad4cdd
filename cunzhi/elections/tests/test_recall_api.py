"""Recall (art. 16) through the API, its signers by name; the election committee chosen by a meeting's
resolution (art. 12); withdrawing a declared near relative (art. 32). Request-level."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from cunzhi.core.models import AuditEvent
from cunzhi.elections import selectors, services
from cunzhi.elections.models import NearRelative, Recall
from cunzhi.elections.tests.conftest import person
from cunzhi.elections.tests.test_term import term  # noqa: F401  # the fixture: village A's committee in office
from cunzhi.meetings.models import Body, Meeting, MeetingStatus, Motion, MotionStatus
from cunzhi.people.models import Role, RoleAssignment
from cunzhi.people.tests.factories import UserFactory

BASE = "/api/v1/elections"
JSON = "application/json"


def _refused_outside(client, login, world, other_office_staff, method, url, body=None):
    """Anonymous 401; a villager of another village, staff of another township or of another office of the
    same township: 404 (the village is outside their reach)."""
    call = (lambda c: c.get(url)) if method == "get" else (lambda c: c.post(url, body or {}, content_type=JSON))
    client.logout()
    assert call(client).status_code == 401
    for user in (world.villager_b, world.other_township_staff, other_office_staff):
        assert call(login(user)).status_code == 404, user


def test_recall_by_api(world, el, term, client, login, other_office_staff):  # noqa: F811
    code = world.village_a.code
    member = term.members["赵强"]
    voters = [v.villager for v in term.voters.filter(active=True).order_by("id")]
    propose = f"{BASE}/{term.public_id}/recalls"
    body = {"member": member.public_id, "basis": "voters", "signers": [], "reasons": "长期不履职"}
    _refused_outside(client, login, world, other_office_staff, "post", propose, body)
    _refused_outside(client, login, world, other_office_staff, "get", f"{BASE}/recalls/{code}")
    for user in (world.villager_a, world.township_staff):  # see the village, do not manage its election
        assert login(user).post(propose, body, content_type=JSON).status_code == 403
    cadre = login(world.cadre_a)
    # too few: 1 signer is less than a fifth of the voters
    r = cadre.post(propose, {**body, "signers": [voters[0].public_id]}, content_type=JSON)
    assert r.status_code == 422 and "art. 16" in r.json()["detail"]
    r = cadre.post(propose, {**body, "signers": [voters[0].public_id] * 2}, content_type=JSON)
    assert r.status_code == 422 and voters[0].name in r.json()["detail"]  # signed twice
    r = cadre.post(propose, {**body, "signers": [voters[0].public_id, el.p.kid.public_id]}, content_type=JSON)
    assert r.status_code == 422 and "李小" in r.json()["detail"]  # not on the voter list
    r = cadre.post(propose, {**body, "signers": [voters[0].public_id, "nobody"]}, content_type=JSON)
    assert r.status_code == 422
    r = cadre.post(propose, {**body, "basis": "representatives", "signers": [voters[0].public_id]}, content_type=JSON)
    assert r.status_code == 422 and "art. 16" in r.json()["detail"]  # not a villager representative
    r = cadre.post(propose, {**body, "member": "x" * 12, "signers": []}, content_type=JSON)
    assert r.status_code == 422
    assert not Recall.objects.exists()  # nothing changed
    signers = voters[: -(-len(voters) // 5)]  # a fifth, rounded up
    r = cadre.post(propose, {**body, "signers": [v.public_id for v in signers]}, content_type=JSON)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["signer_names"] == [v.name for v in signers] and out["eligible"] == len(voters)
    assert out["status"] == "proposed" and "id_number" not in str(out)
    recall_id = out["id"]
    r = cadre.post(propose, {**body, "signers": [v.public_id for v in signers]}, content_type=JSON)
    assert r.status_code == 422  # one open recall per member

    answer = f"{BASE}/recalls/{recall_id}/answer"
    _refused_outside(client, login, world, other_office_staff, "post", answer, {"answer": "x"})
    assert login(world.villager_a).post(answer, {"answer": "x"}, content_type=JSON).status_code == 403
    cadre = login(world.cadre_a)
    assert cadre.post(answer, {"answer": "  "}, content_type=JSON).status_code == 422
    assert cadre.post(answer, {"answer": "因病住院"}, content_type=JSON).json()["answer"] == "因病住院"

    vote = f"{BASE}/recalls/{recall_id}/vote"
    _refused_outside(
        client, login, world, other_office_staff, "post", vote, {"registered": 8, "cast": 5, "in_favour": 3}
    )
    cadre = login(world.cadre_a)
    r = cadre.post(vote, {"registered": 8, "cast": 5, "in_favour": 6}, content_type=JSON)
    assert r.status_code == 422  # more in favour than voting
    r = cadre.post(vote, {"registered": 8, "cast": 4, "in_favour": 4}, content_type=JSON)
    assert r.json()["status"] == "not_recalled"  # 4 of 8 is not more than half voting
    member.refresh_from_db()
    assert member.ceased_on is None
    assert cadre.post(vote, {"registered": 8, "cast": 5, "in_favour": 5}, content_type=JSON).status_code == 422

    # the printable list of signers: names only, for the village
    printed = reverse("elections:recall_signers", args=[recall_id])
    client.logout()
    assert client.get(printed).status_code == 302  # to log in
    for user in (world.villager_b, world.other_township_staff, other_office_staff):
        assert login(user).get(printed).status_code == 404, user
    page = login(world.villager_a).get(printed).content.decode()
    assert all(v.name in page for v in signers) and signers[0].id_number not in page

    listed = login(world.villager_a).get(f"{BASE}/recalls/{code}").json()
    assert [(x["id"], x["member_name"], x["status"]) for x in listed] == [(recall_id, "赵强", "not_recalled")]
    assert login(world.township_staff).get(f"{BASE}/recalls/{code}").status_code == 200


def test_recall_by_representatives(world, el, term, login):  # noqa: F811
    """A third of the villager representatives: each signer must hold the representative role in the village."""
    reps = []
    for v in (el.p.qian, el.p.sun, el.p.zhou):
        v.user = UserFactory()
        v.save()
        RoleAssignment.objects.create(user=v.user, role=Role.REPRESENTATIVE, region=world.village_a)
        reps.append(v)
    propose = f"{BASE}/{term.public_id}/recalls"
    body = {"member": term.members["李明"].public_id, "basis": "representatives", "reasons": "侵占集体资金"}
    cadre = login(world.cadre_a)
    r = cadre.post(propose, {**body, "signers": [el.p.li.public_id]}, content_type=JSON)
    assert r.status_code == 422 and "李明" in r.json()["detail"]  # not a representative
    r = cadre.post(propose, {**body, "signers": [reps[0].public_id]}, content_type=JSON)
    assert r.status_code == 201 and r.json()["eligible"] == 3  # 1 of 3: a third
    r = cadre.post(
        f"{BASE}/recalls/{r.json()['id']}/vote", {"registered": 8, "cast": 6, "in_favour": 4}, content_type=JSON
    )
    assert r.json()["status"] == "recalled"
    assert [str(c) for c in selectors.sitting_members(term=term)] == ["王芳", "赵强"]


# -------------------------------- the election committee chosen by a meeting's resolution (art. 12)


def _motion(village, *, passed=True, body=Body.REPRESENTATIVES, title="推选村民选举委员会成员"):
    start = timezone.now() - dt.timedelta(days=3)
    meeting = Meeting.objects.create(
        village=village, body=body, title="2026年第二次村民代表会议", agenda="推选选举委员会", place="村委会",
        starts_at=start, ends_at=start + dt.timedelta(hours=2), status=MeetingStatus.CLOSED,
    )  # fmt: skip
    return Motion.objects.create(
        meeting=meeting, title=title, text="推选周杰、钱丽为村民选举委员会成员", status=MotionStatus.CLOSED,
        passed=passed, yes=20, no=2, abstain=1,
    )  # fmt: skip


def test_committee_chosen_by_a_resolution(world, el, client, login, other_office_staff):
    adopted = _motion(world.village_a)
    rejected = _motion(world.village_a, passed=False, title="另一方案")
    elsewhere = _motion(world.village_b)
    url = f"{BASE}/{el.election.public_id}/committee"
    body = {"villager": el.p.qian.public_id, "motion": adopted.public_id}
    _refused_outside(client, login, world, other_office_staff, "post", url, body)
    _refused_outside(client, login, world, other_office_staff, "get", url)
    assert login(world.villager_a).post(url, body, content_type=JSON).status_code == 403
    cadre = login(world.cadre_a)
    r = cadre.post(url, {**body, "motion": rejected.public_id}, content_type=JSON)
    assert r.status_code == 422 and "art. 12" in r.json()["detail"]
    r = cadre.post(url, {**body, "motion": elsewhere.public_id}, content_type=JSON)
    assert r.status_code == 422
    assert cadre.post(url, {"villager": el.p.qian.public_id}, content_type=JSON).status_code == 422  # no resolution
    assert el.election.committee.count() == 1  # nothing changed
    r = cadre.post(url, body, content_type=JSON)
    assert r.status_code == 201
    assert r.json()["motion"] == adopted.public_id and r.json()["meeting"] == adopted.meeting.public_id
    assert "推选村民选举委员会成员" in r.json()["resolution"]
    names = [m["name"] for m in login(world.villager_a).get(url).json()]
    assert names == ["周杰", "钱丽"]
    page = login(world.villager_a).get(reverse("elections:overview", args=[el.election.public_id]))
    assert reverse("meetings:detail", args=[adopted.meeting.public_id]) in page.content.decode()
    # the page's form offers the village's adopted resolutions only, and refuses another with the article
    cadre = login(world.cadre_a)
    form_page = cadre.get(reverse("elections:overview", args=[el.election.public_id])).content.decode()
    assert adopted.public_id in form_page and rejected.public_id not in form_page
    r = cadre.post(
        reverse("elections:overview", args=[el.election.public_id]),
        {"villager": el.p.wang.public_id, "motion": adopted.public_id},
    )
    assert r.status_code == 302 and el.election.committee.count() == 3


# -------------------------------- withdrawing a declared near relative (art. 32)


def test_withdrawn_relative_leaves_the_conflicts(world, el, term, client, login, other_office_staff):  # noqa: F811
    code = world.village_a.code
    stranger = person(world.village_a, "郑义")
    services.supervision_member_add(
        village=world.village_a, villager=stranger, resolution="村民会议决议", since=timezone.localdate(),
        actor=world.cadre_a,
    )  # fmt: skip
    declared = login(world.cadre_a).post(
        f"{BASE}/supervision/{code}/relatives",
        {"villager": stranger.public_id, "relative": el.p.li.public_id, "relation": "表兄弟", "evidence": "误报"},
        content_type=JSON,
    )
    row_id = declared.json()["id"]
    conflicts = f"{BASE}/supervision/{code}/conflicts"
    assert [c["name"] for c in login(world.villager_a).get(conflicts).json()] == ["郑义"]
    listing = f"{BASE}/supervision/{code}/relatives"
    _refused_outside(client, login, world, other_office_staff, "get", listing)
    assert login(world.villager_a).get(listing).status_code == 403
    assert [r["id"] for r in login(world.township_staff).get(listing).json()] == [row_id]
    url = f"{BASE}/supervision/{code}/relatives/{row_id}/withdraw"
    _refused_outside(client, login, world, other_office_staff, "post", url, {"reason": "x"})
    assert login(world.villager_a).post(url, {"reason": "x"}, content_type=JSON).status_code == 403
    cadre = login(world.cadre_a)
    assert cadre.post(url, {"reason": " "}, content_type=JSON).status_code == 422
    assert cadre.post(url, {"reason": "经核实并非亲属，系同名误报"}, content_type=JSON).status_code == 200
    assert login(world.villager_a).get(conflicts).json() == []
    row = NearRelative.objects.get(public_id=row_id)  # kept, marked withdrawn
    assert not row.active and row.withdrawn_reason.startswith("经核实") and row.withdrawn_by == world.cadre_a
    assert AuditEvent.objects.filter(action="elections.kin.withdraw").count() == 1
    assert login(world.cadre_a).post(url, {"reason": "again"}, content_type=JSON).status_code == 422
    assert login(world.cadre_a).get(listing).json() == []


def test_withdraw_on_the_supervision_page(world, el, term, login, other_office_staff):  # noqa: F811
    outsider = person(world.village_a, "吴刚")
    row = services.near_relative_declare(
        villager=outsider, relative=el.p.zhao, relation="兄弟", evidence="户口簿", actor=world.cadre_a
    )
    url = reverse("elections:supervision", args=[world.village_a.code])
    data = {"form": "withdraw", "row": row.public_id, "reason": "户口簿记载有误"}
    for user in (world.villager_b, world.other_township_staff, other_office_staff):
        assert login(user).post(url, data).status_code == 404, user
    assert login(world.villager_a).post(url, data).status_code == 403
    assert f'name="row" value="{row.public_id}"' in login(world.cadre_a).get(url).content.decode()
    r = login(world.cadre_a).post(url, {**data, "reason": ""}, follow=True)
    row.refresh_from_db()
    assert row.active and r.status_code == 200  # refused with a message, nothing changed
    assert login(world.cadre_a).post(url, data).status_code == 302
    row.refresh_from_db()
    assert not row.active
    # the supervision committee may now take him (the kinship check no longer sees the declaration)
    services.supervision_member_add(
        village=world.village_a, villager=outsider, resolution="决议", since=timezone.localdate(),
        actor=world.cadre_a,
    )  # fmt: skip
