"""Practice mode: a villager (or their helper) tries a task on the real pages; nothing is kept, routed,
sent or counted — no rows, no queued deliveries, no texts or e-mails, no stored files — and staff cannot
practise. Request-level; runs on SQLite and PostgreSQL alike."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cunzhi.api.services import token_issue
from cunzhi.applications.tests.conftest import catalogue  # noqa: F401 (a fixture)
from cunzhi.concerns import services as concerns
from cunzhi.concerns.models import Concern, Kind, Status
from cunzhi.learning import practice
from cunzhi.meetings import services as meetings
from cunzhi.meetings.models import Ballot
from cunzhi.meetings.tests.conftest import add_villagers
from cunzhi.meetings.tests.helpers import in_session, member_of
from cunzhi.people.models import Delegation, DelegationScope, Relation, Role, RoleAssignment
from cunzhi.people.tests.factories import UserFactory

BANNER = "Practice — nothing is sent"


def photo(name="road.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 160, 90)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def fingerprint():
    """Rows in every table (the browser session's own row aside), and what left by text or e-mail."""
    counts = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and m._meta.label != "sessions.Session"
    }
    texts = (
        sorted(p.name for p in Path(settings.SMS_FILE_PATH).glob("**/*"))
        if Path(settings.SMS_FILE_PATH).exists()
        else []
    )
    files = sorted(
        str(p) for p in Path(settings.STORAGES["default"]["OPTIONS"]["location"]).glob("**/*") if p.is_file()
    )
    return counts, texts, files, len(mail.outbox)


def names(response):
    return [t.name for t in response.templates]


def start(client, lesson="concern"):
    response = client.post(reverse("learning:practice_start"), {"lesson": lesson})
    assert response.status_code == 302, response.content
    return response


@pytest.fixture
def answered(lw):
    """张三's concern, acknowledged and answered by the cadre: ready to be rated."""
    c = concerns.concern_submit(actor=lw.villager_a, category=lw.roads, kind=Kind.REPORT, text="村口路灯坏了三盏")
    concerns.concern_acknowledge(actor=lw.cadre_a, concern=c, note="马上去看")
    concerns.concern_answer(actor=lw.cadre_a, concern=c, text="已换新灯")
    c.refresh_from_db()
    assert c.status == Status.ANSWERED
    return c


def test_a_concern_a_rating_an_application_and_a_vote_in_practice_leave_nothing(
    lw,
    login,
    answered,
    catalogue,  # noqa: F811 (the applications' fixture, imported above)
    django_capture_on_commit_callbacks,
):
    add_villagers(lw.village_a, 2)
    meeting = in_session(lw)
    me = member_of(meeting, lw.villager_a.villager)
    meetings.attendance_check_in(actor=lw.villager_a, meeting=meeting, member=me)
    for m in meeting.members.exclude(pk=me.pk)[:2]:
        meetings.attendance_check_in(actor=lw.cadre_a, meeting=meeting, member=m, at_venue=True)
    motion = meetings.motion_add(actor=lw.cadre_a, meeting=meeting, title="路灯安装", text="安装路灯二十盏")
    meetings.motion_open(actor=lw.cadre_a, motion=motion)
    c = login(lw.villager_a)
    mail.outbox.clear()
    before = fingerprint()

    start(c)
    assert c.get(reverse("concerns:new")).content.decode().count(BANNER) == 1  # the banner on the real page
    with django_capture_on_commit_callbacks() as callbacks:
        # Raise a concern with a photo: the villager sees the real "received" page, with its number.
        raised = c.post(
            reverse("concerns:new"),
            {"kind": "report", "category": "roads", "text": "桥头护栏断了", "photos": [photo()], "action": "submit"},
        )
        assert raised.status_code == 200 and raised["X-Practice"] == "1"
        body = raised.content.decode()
        assert "concerns/detail.html" in names(raised) and "桥头护栏断了" in body and BANNER in body
        # Rate the answer.
        rated = c.post(reverse("concerns:confirm", args=[answered.public_id]), {"rating": "satisfied"})
        assert rated.status_code == 200 and "concerns/detail.html" in names(rated) and BANNER in rated.content.decode()
        # Apply for a service, with a material.
        applied = c.post(
            reverse("applications:apply", args=[catalogue.dibao.public_id]),
            {f"m{catalogue.specs['家庭收入声明'].pk}": photo("income.jpg"), "commitment": "on", "note": "练习"},
        )
        assert applied.status_code == 200 and "applications/detail.html" in names(applied)
        assert "Waiting for acceptance" in applied.content.decode()
        # Vote.
        voted = c.post(
            reverse("meetings:vote", args=[meeting.public_id, motion.public_id]), {"member": me.pk, "choice": "yes"}
        )
        assert voted.status_code == 200 and "meetings/detail.html" in names(voted)
        assert "The ballot of 张三 is recorded." in voted.content.decode()
    assert callbacks == []  # nothing enqueued: no delivery task, no text, no e-mail, no cache refresh
    assert fingerprint() == before
    answered.refresh_from_db()
    assert answered.status == Status.ANSWERED and not Ballot.objects.exists()
    assert not Concern.objects.exclude(pk=answered.pk).exists()

    # Stopping practice: the next write is real.
    stopped = c.post(reverse("learning:practice_stop"), {"next": reverse("concerns:new")})
    assert stopped.status_code == 302 and stopped["Location"] == reverse("concerns:new")
    assert BANNER not in c.get(reverse("concerns:new")).content.decode()
    real = c.post(
        reverse("concerns:new"), {"kind": "report", "category": "roads", "text": "桥头护栏断了", "action": "submit"}
    )
    assert real.status_code == 302 and Concern.objects.count() == 2


def test_a_helper_practises_for_the_villager(lw, login):
    helper = UserFactory(phone="13900000070", name="张大姐")  # a relative with no villager record here
    Delegation.objects.create(
        villager=lw.villager_a.villager,
        helper=helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.CONCERNS],
        ends_at=timezone.now() + dt.timedelta(days=30),
    )
    c = login(helper)
    before = fingerprint()
    start(c)
    r = c.post(
        reverse("concerns:new"),
        {
            "kind": "report",
            "category": "roads",
            "text": "替父亲反映：路灯坏了",
            "for_villager": lw.villager_a.villager.public_id,
            "action": "submit",
        },
    )
    assert r.status_code == 200 and BANNER in r.content.decode()
    assert fingerprint() == before  # no concern, no audit row, no record of the delegation's use


def test_staff_cannot_practise(lw, login, client, other_office_staff):
    lesson = reverse("learning:lesson", args=["concern"])
    staff = (lw.cadre_a, lw.grid_a, lw.township_staff, lw.other_township_staff, other_office_staff, lw.county_admin)
    for user in staff:
        c = login(user)
        assert "Try it in practice" not in c.get(lesson).content.decode()
        r = c.post(reverse("learning:practice_start"), {"lesson": "concern"})
        assert r.status_code == 403 and "Practice is for villagers and their helpers." in r.content.decode()
        assert practice.SESSION_KEY not in c.session
    client.logout()
    for name in ("learning:practice_start", "learning:practice_stop"):
        r = client.post(reverse(name))
        assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
        assert client.get(reverse(name)).status_code in (302, 405)  # never a page, never a change
    # Practice is per person, not per village: a villager of any village may.
    start(login(lw.villager_b))
    client.logout()
    # A villager who became a cadre while practising: practice ends, what they do is real again.
    c = login(lw.villager_a)
    assert "Try it in practice" in c.get(lesson).content.decode()
    start(c)
    RoleAssignment.objects.create(user=lw.villager_a, role=Role.CADRE, region=lw.village_a)
    r = c.post(reverse("concerns:new"), {"kind": "report", "category": "roads", "text": "路灯坏了", "action": "submit"})
    assert r.status_code == 302 and Concern.objects.count() == 1
    assert practice.SESSION_KEY not in c.session
    # Another account logging in on the same phone is not in practice.
    c = login(lw.helper)
    start(c)
    c.force_login(lw.wangwu)
    assert BANNER not in c.get(reverse("concerns:new")).content.decode()


def test_the_api_with_the_practice_header(lw, client):
    payload = {"kind": "report", "category": "roads", "text": "桥头护栏断了"}
    villager_key, _t = token_issue(user=lw.villager_a, name="phone")
    cadre_key, _t = token_issue(user=lw.cadre_a, name="desk")
    before = fingerprint()
    r = client.post(
        "/api/v1/concerns",
        payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {villager_key}",
        HTTP_X_PRACTICE="1",
    )
    assert r.status_code == 201 and r.json()["text"] == "桥头护栏断了" and r["X-Practice"] == "1"
    assert fingerprint() == before
    r = client.post(
        "/api/v1/concerns",
        {**payload, "village": lw.village_a.code, "channel": "phone", "contact_name": "老李"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cadre_key}",
        HTTP_X_PRACTICE="1",
    )
    assert r.status_code == 403 and r.json()["code"] == "practice_refused"
    assert fingerprint() == before
    # Without the header the same call is real.
    r = client.post(
        "/api/v1/concerns", payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {villager_key}"
    )
    assert r.status_code == 201 and Concern.objects.count() == 1


def test_stop_goes_only_to_this_site(lw, login):
    c = login(lw.villager_a)
    start(c, lesson="nope")  # an unknown lesson: practice starts at the lessons
    r = c.post(reverse("learning:practice_stop"), {"next": "https://evil.example/"})
    assert r["Location"] == reverse("learning:index")
    assert practice.SESSION_KEY not in c.session
