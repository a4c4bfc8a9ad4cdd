"""Pages: lessons (public), a village's sessions with the figure, recording a session, the desk, the
villager's code. Permissions for every page: the allowed roles, and refused: anonymous, a villager of
another village, staff of another township, staff of another office of the same township."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from cunzhi.learning import codes, lessons
from cunzhi.learning.models import TrainingAttendance, TrainingSession

from .conftest import DAY

REFUSED = ["villager_a", "villager_b", "cadre_b", "township_staff", "other_township_staff", "other_office_staff"]


def as_persona(request, world, login, client, persona):
    if persona == "anonymous":
        return client
    user = getattr(world, persona, None) or request.getfixturevalue(persona)
    return login(user)


@pytest.mark.parametrize("key", [lesson.key for lesson in lessons.LESSONS])
@pytest.mark.parametrize("mode", ["normal", "large"])
def test_lessons_are_public_small_and_work_without_javascript(client, db, key, mode):
    client.cookies["text_size"] = mode
    response = client.get(reverse("learning:lesson", args=[key]))
    assert response.status_code == 200
    body = response.content.decode()
    lesson = lessons.lesson(key)
    for step in lesson.steps:
        assert str(step.text).replace("“", "&ldquo;")[:6] in body or str(step.text)[:6] in body
    assert "<script" not in body.split("<main", 1)[1]  # the lesson needs no script
    # Page and its pictures within 100 KB (issue 15's target).
    from django.contrib.staticfiles import finders

    pictures = re.findall(r'src="/static/(learning/lessons/[^"]+)"', body)
    weight = len(response.content) + sum(Path(finders.find(p)).stat().st_size for p in pictures)
    assert weight <= 100 * 1024, weight


def test_lesson_in_chinese_and_unknown_lesson(client, db):
    body = client.get(reverse("learning:lesson", args=["concern"]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "提出诉求并跟进" in body
    assert client.get(reverse("learning:lesson", args=["nope"])).status_code == 404
    assert client.get(reverse("learning:index")).status_code == 200


@pytest.mark.parametrize("persona", ["cadre_a", "grid_a", "supervisor_a", "county_admin"])
def test_village_page_for_its_roles(request, lw, login, client, session_of, persona, django_assert_max_num_queries):
    session_of([lw.villager_a, lw.helper, lw.wangwu])
    c = as_persona(request, lw, login, client, persona)
    url = reverse("learning:village", args=[lw.village_a.code])
    c.get(url)
    with django_assert_max_num_queries(12) as few:
        body = c.get(url).content.decode()
    assert "of 3 now do it alone" in body
    for _ in range(3):
        session_of([lw.villager_a, lw.wangwu])
    with django_assert_max_num_queries(len(few.captured_queries)):
        c.get(url)


@pytest.mark.parametrize("persona", ["anonymous", *REFUSED])
def test_village_pages_refused(request, lw, login, client, session_of, persona):
    s = session_of([lw.villager_a])
    c = as_persona(request, lw, login, client, persona)
    expected = 302 if persona == "anonymous" else 403
    a = lw.village_a.code
    assert c.get(reverse("learning:village", args=[a])).status_code == expected
    assert c.get(reverse("learning:session_new", args=[a])).status_code == expected
    assert c.post(reverse("learning:session_new", args=[a]), {"date": "2026-06-16"}).status_code == expected
    assert c.get(reverse("learning:session", args=[s.public_id])).status_code == expected
    post = c.post(reverse("learning:session", args=[s.public_id]), {"villager": lw.wangwu.villager.public_id})
    assert post.status_code == expected
    assert TrainingSession.objects.count() == 1 and TrainingAttendance.objects.count() == 1


def test_supervisor_sees_but_does_not_record(lw, login, supervisor_a, session_of):
    s = session_of()
    c = login(supervisor_a)
    assert c.get(reverse("learning:session", args=[s.public_id])).status_code == 200
    assert c.get(reverse("learning:session_new", args=[lw.village_a.code])).status_code == 403
    assert c.post(reverse("learning:session", args=[s.public_id]), {"villager": "x"}).status_code == 403


def test_record_a_session_then_check_in_at_the_desk(lw, login, client):
    c = login(lw.cadre_a)
    response = c.post(
        reverse("learning:session_new", args=[lw.village_a.code]),
        {
            "date": "2026-06-16",
            "start_time": "14:00",
            "end_time": "15:30",
            "topic": "concern",
            "trainer_kind": "volunteer",
            "trainer_name": "志愿者小周",
        },
    )
    s = TrainingSession.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("learning:session", args=[s.public_id])
    assert (s.trainer_kind, s.trainer_name, s.recorded_by) == ("volunteer", "志愿者小周", lw.cadre_a)
    # The outcome window starts at the session's hour (local time), not at the start of its day.
    assert timezone.localtime(s.starts_at).isoformat() == "2026-06-16T14:00:00+08:00"
    url = reverse("learning:session", args=[s.public_id])
    assert "2026-06-16 14:00–15:30" in c.get(url).content.decode()  # the desk
    assert "2026-06-16 14:00–15:30" in c.get(reverse("learning:village", args=[lw.village_a.code])).content.decode()
    # By name, by the start of the pinyin.
    body = c.get(url, {"q": "张"}).content.decode()
    assert "张三" in body and "张小明" in body and "李四" not in body
    body = c.get(url, {"q": "wang"}).content.decode()
    assert "王五" in body
    c.post(url, {"villager": lw.wangwu.villager.public_id, "q": "wang"})
    # By the villager's QR code (the whole address or the token), typed in or opened with a phone camera.
    token = codes.attendee_code(session=s, villager=lw.villager_a.villager)
    body = c.get(url, {"code": token}).content.decode()
    assert "Check in 张三?" in body
    c.post(url, {"code": codes.attendee_url(session=s, villager=lw.villager_a.villager)})
    c.post(url, {"villager": lw.helper.villager.public_id})
    assert set(TrainingAttendance.objects.values_list("villager__name", flat=True)) == {"王五", "张三", "张小明"}
    assert TrainingAttendance.objects.get(villager__name="张三").by_code
    body = c.get(url).content.decode()
    assert "3 attendees" in body and "not yet" in body


def test_desk_bad_input_changes_nothing(lw, login, client, session_of):
    s = session_of()
    c = login(lw.cadre_a)
    url = reverse("learning:session", args=[s.public_id])
    other = session_of()
    for data in (
        {"villager": lw.villager_b.villager.public_id},  # another village's villager
        {"villager": "nobody"},
        {"code": "garbage"},
        {"code": codes.attendee_code(session=other, villager=lw.villager_a.villager)},  # another session's code
    ):
        response = c.post(url, data, follow=True)
        assert response.status_code == 200
        assert "Choose a villager of the village." in response.content.decode() or "does not belong" in (
            response.content.decode()
        )
    assert not TrainingAttendance.objects.exists()
    assert "does not belong" in c.get(url, {"code": "garbage"}).content.decode()
    response = c.post(
        reverse("learning:session_new", args=[lw.village_a.code]),
        {"date": "someday", "topic": "nope", "trainer_kind": "boss", "trainer_name": ""},
    )
    assert response.status_code == 200 and "Enter a valid date." in response.content.decode()
    assert TrainingSession.objects.count() == 2
    assert c.get(reverse("learning:village", args=["999999999999"])).status_code == 404
    assert c.get(reverse("learning:session", args=["nope"])).status_code == 404


def test_my_code_is_the_villagers_own(lw, login, client, session_of, request):
    s = session_of()
    url = reverse("learning:my_code", args=[s.public_id])
    body = login(lw.villager_a).get(url).content.decode()
    assert "data:image/svg+xml" in body and "张三" in body
    assert client.get(url).status_code == 200  # still logged in as 张三
    for persona in ("villager_b", "cadre_a", "township_staff", "other_township_staff", "other_office_staff"):
        user = getattr(lw, persona, None) or request.getfixturevalue(persona)
        assert login(user).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_index_lists_lessons_villages_and_own_sessions(lw, login, session_of):
    s = session_of()
    body = login(lw.cadre_a).get(reverse("learning:index")).content.decode()
    assert reverse("learning:village", args=[lw.village_a.code]) in body
    body = login(lw.villager_a).get(reverse("learning:index")).content.decode()
    assert reverse("learning:my_code", args=[s.public_id]) in body
    assert reverse("learning:village", args=[lw.village_a.code]) not in body
    assert str(DAY) in body


def test_session_page_queries_do_not_grow_with_attendees(lw, login, session_of, django_assert_max_num_queries):
    s = session_of([lw.villager_a])
    c = login(lw.cadre_a)
    url = reverse("learning:session", args=[s.public_id])
    c.get(url, {"q": "张"})
    with django_assert_max_num_queries(14) as few:
        c.get(url, {"q": "张"})
    from cunzhi.learning import services

    for user in (lw.helper, lw.wangwu):
        services.attendance_check_in(session=s, villager=user.villager, actor=lw.cadre_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = c.get(url, {"q": "张"}).content.decode()
    assert "3 attendees" in body
