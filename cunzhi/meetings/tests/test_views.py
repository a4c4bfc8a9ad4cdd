"""Meeting pages: who may open each, what they show, bad input, fixed query counts, the live fragment."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from cunzhi.meetings import services
from cunzhi.meetings.models import Attendance, Ballot, Body, Matter, MeetingStatus, Motion, Petition
from cunzhi.meetings.views import live_token

from .conftest import add_villagers
from .helpers import convene, in_session, member_of


def url(name, meeting, *args):
    return reverse(f"meetings:{name}", args=[meeting.public_id, *args])


# --- Who may open what ------------------------------------------------------------------------

READ_PAGES = ["detail", "attendance", "ics", "my_code", "mine"]


@pytest.mark.parametrize("name", READ_PAGES)
def test_read_pages_for_villagers_and_staff_of_the_village_only(world, client, login, name):
    meeting = in_session(world)
    target = url(name, meeting)
    assert client.get(target).status_code == 302  # anonymous: to the login page
    for allowed in (world.villager_a, world.cadre_a, world.township_staff, world.county_admin):
        assert login(allowed).get(target).status_code == 200, allowed
    for refused in (world.villager_b, world.other_township_staff):
        assert login(refused).get(target).status_code == 404, refused


@pytest.mark.parametrize(
    "name,method",
    [("notice", "get"), ("edit", "get"), ("cancel", "get"), ("motion_new", "get"), ("open", "post"), ("close", "post")],
)
def test_chair_pages_for_the_village_committee_only(world, client, login, name, method):
    meeting = convene(world)
    target = url(name, meeting)
    assert getattr(client, method)(target).status_code == 302
    # The chair's pages show a form; the chair's actions (POST) do it and go back to the meeting.
    assert getattr(login(world.cadre_a), method)(target).status_code == {"get": 200, "post": 302}[method]
    for refused in (world.villager_a, world.township_staff):
        assert getattr(login(refused), method)(target).status_code == 403
    for hidden in (world.villager_b, world.other_township_staff):
        assert getattr(login(hidden), method)(target).status_code == 404


def test_desk_for_cadres_and_grid_workers(world, login):
    meeting = in_session(world)
    assert login(world.cadre_a).get(url("desk", meeting)).status_code == 200
    assert login(world.villager_a).get(url("desk", meeting)).status_code == 403
    assert login(world.township_staff).get(url("desk", meeting)).status_code == 403
    assert login(world.other_township_staff).get(url("desk", meeting)).status_code == 404


def test_index_lists_own_village_with_fixed_queries(world, login, django_assert_max_num_queries):
    for i in range(3):
        convene(world, title=f"会议{i}")
    services.meeting_create(
        actor=world.cadre_a,
        village=world.village_a,
        body=Body.REPRESENTATIVES,
        title="代表会",
        agenda="x",
        place="x",
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    c = login(world.villager_a)
    with django_assert_max_num_queries(12):
        r = c.get(reverse("meetings:index"))
    assert r.status_code == 200 and r.content.decode().count('class="card item"') == 4
    assert "会议0" not in login(world.villager_b).get(reverse("meetings:index")).content.decode()
    assert "会议0" not in login(world.other_township_staff).get(reverse("meetings:index")).content.decode()
    assert "会议0" in login(world.township_staff).get(reverse("meetings:index")).content.decode()
    assert login(world.villager_a).get(reverse("meetings:index") + "?status=nonsense&page=abc").status_code == 200


def test_anonymous_index_goes_to_login(client):
    assert client.get(reverse("meetings:index")).status_code == 302


# --- Convening through the pages --------------------------------------------------------------


def form_data(**kw):
    start = timezone.localtime() + dt.timedelta(days=12)
    data = {
        "body": "villagers",
        "basis": "persons",
        "title": "村道硬化方案",
        "agenda": "一、村道硬化",
        "place": "村委会",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "stream_url": "",
        "group": "",
        "invited": "",
    }
    data.update(kw)
    return data


def test_cadre_convenes_and_sends_the_notice_through_the_pages(world, login):
    c = login(world.cadre_a)
    assert c.get(reverse("meetings:new")).status_code == 200
    r = c.post(reverse("meetings:new"), form_data())
    from cunzhi.meetings.models import Meeting

    meeting = Meeting.objects.get()
    assert r.status_code == 302 and r.url == url("detail", meeting)
    r = c.post(url("notice", meeting), {"urgent_reason": ""})
    assert r.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.NOTICED
    page = c.get(url("notice", meeting)).content.decode()
    assert reverse("notify:door_list", args=[meeting.notice.public_id]) in page


def test_convene_bad_input_shows_messages_and_saves_nothing(world, login):
    c = login(world.cadre_a)
    r = c.post(reverse("meetings:new"), form_data(title="", starts_at="not a date", stream_url="javascript:x"))
    assert r.status_code == 200 and "This field is required." in r.content.decode()
    past = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = c.post(reverse("meetings:new"), form_data(starts_at=past))
    assert "must start in the future" in r.content.decode()
    r = c.post(reverse("meetings:new"), form_data(body="council", invited="不存在的人"))
    assert "不存在的人" in r.content.decode()
    from cunzhi.meetings.models import Meeting

    assert not Meeting.objects.exists()


def test_short_notice_without_reason_is_refused_on_the_page(world, login):
    meeting = convene(world, days=3)
    c = login(world.cadre_a)
    r = c.post(url("notice", meeting), {"urgent_reason": ""})
    assert r.status_code == 200 and "10 days" in r.content.decode()
    r = c.post(url("notice", meeting), {"urgent": "on", "urgent_reason": "短"})
    assert "at least 10 characters" in r.content.decode()
    r = c.post(url("notice", meeting), {"urgent": "on", "urgent_reason": "山洪预警，须立即决定群众转移安置方案"})
    assert r.status_code == 302
    assert "山洪预警" in c.get(url("detail", meeting)).content.decode()


# --- The meeting page, check-in and voting ----------------------------------------------------


def test_member_checks_in_and_votes_from_the_page(world, login):
    add_villagers(world.village_a, 2)
    meeting = in_session(world)
    c = login(world.villager_a)
    page = c.get(url("detail", meeting)).content.decode()
    assert "Check in: I am attending remotely" in page and "index.m3u8" in page
    me = member_of(meeting, world.villager_a.villager)
    r = c.post(url("check_in", meeting), {"member": me.pk})
    assert r.status_code == 302
    c.post(url("check_in", meeting), {"member": me.pk})  # double click
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    login(world.cadre_a)
    for m in meeting.members.exclude(pk=me.pk).select_related("villager")[:2]:
        services.attendance_check_in(actor=world.cadre_a, meeting=meeting, member=m, at_venue=True)
    motion = services.motion_add(actor=world.cadre_a, meeting=meeting, title="路灯安装", text="安装路灯二十盏")
    services.motion_open(actor=world.cadre_a, motion=motion)
    c = login(world.villager_a)
    page = c.get(url("detail", meeting)).content.decode()
    assert "Cast my vote" in page and "路灯安装" in page
    r = c.post(url("vote", meeting, motion.public_id), {"member": me.pk, "choice": "yes"})
    assert r.status_code == 302
    c.post(url("vote", meeting, motion.public_id), {"member": me.pk, "choice": "no"})  # retry: first stays
    assert list(Ballot.objects.values_list("choice", flat=True)) == ["yes"]
    r = c.post(url("vote", meeting, motion.public_id), {"member": me.pk, "choice": "maybe"}, follow=True)
    assert "Choose for, against or abstain" in r.content.decode()
    r = c.post(url("vote", meeting, motion.public_id), {"member": "x", "choice": "yes"})
    assert r.status_code == 302  # the form is invalid: a message, nothing changed
    other = member_of(meeting, world.helper.villager)
    assert c.post(url("vote", meeting, motion.public_id), {"member": other.pk, "choice": "yes"}).status_code == 403
    assert (
        login(world.villager_b)
        .post(url("vote", meeting, motion.public_id), {"member": me.pk, "choice": "yes"})
        .status_code
        == 404
    )
    assert Ballot.objects.count() == 1


def test_secret_tally_hidden_on_the_page_until_close(world, login):
    add_villagers(world.village_a, 2)
    meeting = in_session(world)
    for m in meeting.members.select_related("villager"):
        services.attendance_check_in(actor=world.cadre_a, meeting=meeting, member=m, at_venue=True)
    motion = services.motion_add(
        actor=world.cadre_a,
        meeting=meeting,
        title="资产处置",
        text="…",
        matter=Matter.PROPERTY_DISPOSAL,
        ballot="secret",
    )
    services.motion_open(actor=world.cadre_a, motion=motion)
    services.ballot_cast(
        actor=world.villager_a, motion=motion, member=member_of(meeting, world.villager_a.villager), choice="no"
    )
    page = login(world.cadre_a).get(url("detail", meeting)).content.decode()
    assert "1 ballot cast so far" in page and "against 1" not in page
    services.motion_close(actor=world.cadre_a, motion=motion)
    page = login(world.cadre_a).get(url("detail", meeting)).content.decode()
    assert "against 1" in page


def test_live_fragment_by_signed_token_with_etag(world, client, login):
    meeting = in_session(world)
    token = live_token(meeting, world.villager_a)
    target = url("live", meeting, token)
    r = client.get(target)  # no session needed: the token stands for the permission check
    assert r.status_code == 200 and "Attendance" in r.content.decode()
    etag = r["ETag"]
    assert client.get(target, HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.attendance_check_in(
        actor=world.villager_a, meeting=meeting, member=member_of(meeting, world.villager_a.villager)
    )
    r = client.get(target, HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 200 and "张三" in r.content.decode()
    assert client.get(url("live", meeting, token[:-2] + "xx")).status_code == 404
    other = in_session(world, title="另一个会")
    assert client.get(url("live", other, token)).status_code == 404  # the token names another meeting


def test_live_fragment_is_cheap(world, client, django_assert_max_num_queries, settings):
    settings.MEETINGS_LIVE_CACHE_SECONDS = 5
    meeting = in_session(world)
    target = url("live", meeting, live_token(meeting, world.villager_a))
    client.get(target)
    with django_assert_max_num_queries(0):
        assert client.get(target).status_code == 200


def test_detail_and_attendance_pages_fixed_queries(world, login, django_assert_max_num_queries):
    add_villagers(world.village_a, 30)
    meeting = in_session(world)
    for m in meeting.members.select_related("villager")[:25]:
        services.attendance_check_in(actor=world.cadre_a, meeting=meeting, member=m, at_venue=True)
    c = login(world.cadre_a)
    with django_assert_max_num_queries(25):
        assert c.get(url("detail", meeting)).status_code == 200
    with django_assert_max_num_queries(14):
        r = c.get(url("attendance", meeting))
    assert r.status_code == 200 and "Checked in at the desk by name" in r.content.decode()


def test_desk_search_by_pinyin_and_check_in_by_qr_code(world, login):
    meeting = in_session(world)
    c = login(world.cadre_a)
    r = c.get(url("desk", meeting) + "?q=zhangs")
    assert "张三" in r.content.decode() and "张小明" not in r.content.decode()
    from cunzhi.meetings import codes

    me = member_of(meeting, world.villager_a.villager)
    code = codes.member_code(meeting=meeting, member=me)
    r = c.post(url("desk", meeting), {"code": codes.member_url(meeting=meeting, member=me)})
    assert r.status_code == 302
    a = Attendance.objects.get()
    assert a.method == "staff_qr" and a.mode == "venue"
    r = c.post(url("desk", meeting), {"code": "garbage"}, follow=True)
    assert "does not belong" in r.content.decode()
    helper = member_of(meeting, world.helper.villager)
    assert c.get(url("scan", meeting, codes.member_code(meeting=meeting, member=helper))).status_code == 200
    c.post(url("scan", meeting, codes.member_code(meeting=meeting, member=helper)))
    assert Attendance.objects.count() == 2
    other = in_session(world, title="别的会")
    assert c.get(url("scan", other, code)).status_code == 404  # a code is valid for its own meeting only
    assert login(world.villager_a).get(url("scan", meeting, code)).status_code == 403


def test_my_code_page_shows_a_qr_image(world, login):
    meeting = in_session(world)
    page = login(world.villager_a).get(url("my_code", meeting)).content.decode()
    assert 'src="data:image/svg+xml' in page


def test_ics_invitation(world, login):
    meeting = convene(world, stream_url="https://meeting.tencent.com/dm/abc")
    r = login(world.villager_a).get(url("ics", meeting))
    assert r["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    event = next(iter(cal.walk("VEVENT")))
    assert str(event["summary"]).endswith(meeting.title)
    assert event.decoded("dtstart") == meeting.starts_at.replace(microsecond=0)
    assert "meeting.tencent.com" in str(event["description"]) and "村委会" in str(event["location"])
    assert str(event["uid"]) == f"meeting-{meeting.public_id}@cunzhi"


def test_ics_and_check_in_codes_link_to_the_site_address(world, login, settings):
    from cunzhi.meetings import codes

    settings.SITE_URL = "https://cunzhi.example.gov.cn:8443"
    meeting = in_session(world)
    event = next(iter(Calendar.from_ical(login(world.villager_a).get(url("ics", meeting)).content).walk("VEVENT")))
    page = f"https://cunzhi.example.gov.cn:8443/meetings/{meeting.public_id}/"
    assert str(event["url"]) == page and page in str(event["description"])
    member = member_of(meeting, world.villager_a.villager)
    assert codes.member_url(meeting=meeting, member=member).startswith(page)


def test_chair_runs_motions_from_the_page(world, login):
    add_villagers(world.village_a, 2)
    meeting = in_session(world)
    c = login(world.cadre_a)
    r = c.post(url("motion_new", meeting), {"title": "", "text": "", "matter": "homestead", "ballot": "open"})
    assert r.status_code == 200 and "This field is required." in r.content.decode()
    c.post(
        url("motion_new", meeting), {"title": "宅基地使用方案", "text": "…", "matter": "homestead", "ballot": "open"}
    )
    motion = Motion.objects.get()
    r = c.post(url("motion_open", meeting, motion.public_id), follow=True)
    assert "does not have its quorum" in r.content.decode()
    for m in meeting.members.select_related("villager"):
        services.attendance_check_in(actor=world.cadre_a, meeting=meeting, member=m, at_venue=True)
    c.post(url("motion_open", meeting, motion.public_id))
    motion.refresh_from_db()
    assert motion.status == "open"
    assert login(world.villager_a).post(url("motion_close", meeting, motion.public_id)).status_code == 403
    login(world.cadre_a).post(url("motion_close", meeting, motion.public_id))
    motion.refresh_from_db()
    assert motion.status == "closed" and motion.passed is False


def test_reserved_matter_refused_on_the_representatives_page(world, login):
    meeting = convene(world, body=Body.REPRESENTATIVES, days=2)
    r = login(world.cadre_a).post(
        url("motion_new", meeting), {"title": "宅基地使用方案", "text": "…", "matter": "homestead", "ballot": "open"}
    )
    assert r.status_code == 200 and "art. 24" in r.content.decode()
    assert not Motion.objects.exists()


def test_minutes_page_publishes_a_pdf_members_can_download(world, login):
    meeting = in_session(world)
    services.meeting_close(actor=world.cadre_a, meeting=meeting)
    c = login(world.cadre_a)
    assert c.get(url("minutes", meeting)).status_code == 200
    assert login(world.villager_a).get(url("minutes", meeting)).status_code == 403
    c = login(world.cadre_a)
    r = c.post(url("minutes", meeting), {"minutes": "", "publish": "1"})
    assert r.status_code == 200 and "Write the minutes" in r.content.decode()
    r = c.post(url("minutes", meeting), {"minutes": "会议纪要：讨论了道路硬化。", "publish": "1"})
    assert r.status_code == 302
    r = login(world.villager_a).get(url("minutes_pdf", meeting))
    assert r.status_code == 200 and b"".join(r.streaming_content)[:5] == b"%PDF-"
    assert login(world.villager_b).get(url("minutes_pdf", meeting)).status_code == 404
    assert "会议纪要" in login(world.villager_a).get(url("detail", meeting)).content.decode()


# --- Petitions and delegations ----------------------------------------------------------------


def test_petition_pages(world, login):
    c = login(world.villager_a)
    assert c.get(reverse("meetings:petition_new")).status_code == 200
    r = c.post(reverse("meetings:petition_new"), {"kind": "villagers", "title": "", "reason": ""})
    assert r.status_code == 200 and not Petition.objects.exists()
    r = c.post(reverse("meetings:petition_new"), {"kind": "villagers", "title": "讨论垃圾清运", "reason": "无人清运"})
    petition = Petition.objects.get()
    assert r.status_code == 302 and petition.signature_count == 1
    target = reverse("meetings:petition_detail", args=[petition.public_id])
    assert "1 of the 1 signatures" in c.get(target).content.decode()
    login(world.helper).post(target)
    petition.refresh_from_db()
    assert petition.signature_count == 2
    assert login(world.villager_b).get(target).status_code == 404
    assert login(world.other_township_staff).get(target).status_code == 404
    assert login(world.township_staff).get(target).status_code == 200
    assert (
        login(world.villager_b)
        .post(reverse("meetings:petition_new"), {"kind": "reps_reps", "title": "x", "reason": "y"})
        .status_code
        == 200
    )
    assert login(world.cadre_a).get(reverse("meetings:petition_new")).status_code == 403  # no villager record
    assert login(world.villager_a).get(reverse("meetings:petition_list")).status_code == 200


def test_delegation_records_page(world, login):
    target = reverse("meetings:authorisations")
    c = login(world.cadre_a)
    r = c.post(target, {"matters": ["homestead"], "reference": "", "granted_on": "2024-03-01"})
    assert r.status_code == 200 and "This field is required." in r.content.decode()
    r = c.post(target, {"matters": ["homestead"], "reference": "2024年第1次村民会议", "granted_on": "2024-03-01"})
    assert r.status_code == 302
    page = login(world.villager_a).get(target).content.decode()
    assert "2024年第1次村民会议" in page and "Record a delegation" not in page
    assert (
        login(world.villager_a)
        .post(target, {"matters": ["homestead"], "reference": "x", "granted_on": "2024-03-01"})
        .status_code
        == 403
    )
    assert "2024年第1次" not in login(world.villager_b).get(target).content.decode()
