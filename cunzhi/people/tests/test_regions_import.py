"""Importing townships, villages and groups: county administrator only, checked first, all-or-nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from cunzhi.core.models import AuditEvent
from cunzhi.regions.models import Level, Region

URL = reverse("regions:import")

GOOD_CSV = (
    "代码,名称,层级\n"
    "330523102000,孝丰镇,镇\n"
    "330523102201,横溪坞村,村\n"
    "330523102201001,第一组,组\n"
    "330523100202,大竹园村,\n"  # under the existing township T; level worked out from the code
)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Uploads waiting for confirmation go to a throw-away folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def csv_file(text, name="regions.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="regions.xlsx"):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def upload(client, world, f):
    return client.post(URL, {"county": world.county.code, "file": f})


def confirm(client, response, action="confirm"):
    return client.post(URL, {"token": response.context["token"], "action": action})


def test_anonymous_is_sent_to_login(client, world):
    assert client.get(URL).status_code == 302
    assert upload(client, world, csv_file(GOOD_CSV)).status_code == 302
    assert not Region.objects.filter(code="330523102000").exists()


@pytest.mark.parametrize("persona", ["villager_a", "villager_b", "cadre_a", "township_staff", "other_township_staff"])
def test_only_the_county_administrator_imports(login, world, persona):
    client = login(getattr(world, persona))
    assert client.get(URL).status_code == 403
    assert upload(client, world, csv_file(GOOD_CSV)).status_code == 403
    assert not Region.objects.filter(code="330523102000").exists()


def test_check_then_confirm(login, world, private_storage):
    client = login(world.county_admin)
    assert client.get(URL).status_code == 200
    response = upload(client, world, csv_file(GOOD_CSV))
    assert response.status_code == 200
    assert response.context["created"] == 4 and not response.context["errors"]
    assert not Region.objects.filter(code="330523102000").exists()  # checking writes nothing
    response = confirm(client, response)
    assert response.status_code == 302 and response.headers["Location"] == reverse("regions:tree")
    town = Region.objects.get(code="330523102000")
    village = Region.objects.get(code="330523102201")
    group = Region.objects.get(code="330523102201001")
    assert (town.level, town.parent) == (Level.TOWNSHIP, world.county)
    assert (village.level, village.parent) == (Level.VILLAGE, town)
    assert (group.level, group.parent, group.name) == (Level.GROUP, village, "第一组")
    assert Region.objects.get(code="330523100202").parent == world.township_t
    assert AuditEvent.objects.filter(action="regions.import").count() == 1
    assert not list(private_storage.rglob("*.csv"))  # the waiting upload is gone
    assert "横溪坞村" in client.get(reverse("regions:tree")).content.decode()


def test_xlsx_and_gbk_csv(login, world):
    client = login(world.county_admin)
    response = upload(
        client, world, xlsx_file([["code", "name"], [330523102000, "孝丰镇"], ["330523102201", "横溪坞村"]])
    )
    assert response.context["created"] == 2
    confirm(client, response)
    assert Region.objects.filter(code__in=["330523102000", "330523102201"]).count() == 2
    response = upload(client, world, csv_file("代码,名称\n330523103000,报福镇\n", encoding="gbk"))
    assert response.context["created"] == 1


def test_errors_are_listed_and_nothing_is_written(login, world, settings):
    client = login(world.county_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bad = (
        "code,name,parent\n"
        "330523102000,孝丰镇,\n"  # fine on its own
        "33052310220,短码村,\n"  # 11 digits
        "330524100201,外县村,\n"  # another county
        "330523100201,鹤鹿溪村,\n"  # already registered
        "330523102000,孝丰镇二,\n"  # twice in the file
        "330523102202,,\n"  # no name
        "330523102203,孤村,330523109000\n"  # parent neither registered nor in the file
        "330523102204," + "长" * 120 + ",\n"  # name too long
    )
    response = upload(client, world, csv_file(bad))
    assert response.status_code == 200
    errors = response.context["errors"]
    assert [e["row"] for e in errors] == [3, 4, 5, 6, 7, 8, 9]
    body = response.content.decode()
    for text in [
        "exactly 12 digits",
        "not in this county",
        "already registered",
        "twice in the file",
        "name is required",
        "neither registered nor in the file",
        "too long",
        "Nothing was imported",
    ]:
        assert text in body, text
    assert "token" not in response.context or not response.context["token"]
    assert not Region.objects.filter(code="330523102000").exists()


def test_shape_errors_found_while_placing_rows(login, world):
    client = login(world.county_admin)
    # A village code under a township that is not in the tree; a group whose village failed.
    response = upload(
        client,
        world,
        csv_file(
            "code,name,level\n330523100000,重复镇,township\n330523104201,无镇村,village\n330523104201001,一组,group\n"
        ),
    )
    rows = sorted(e["row"] for e in response.context["errors"])
    assert rows == [2, 3]  # the group's error is its village's
    assert Region.objects.count() == 7


def test_unreadable_files_get_a_message(login, world, settings):
    client = login(world.county_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for f, message in [
        (SimpleUploadedFile("regions.pdf", b"%PDF-1.4"), "Upload a .xlsx or .csv file"),
        (SimpleUploadedFile("regions.xlsx", b"not a zip"), "not a valid XLSX"),
        (csv_file(""), "empty"),
        (csv_file("foo,bar\n1,2\n"), "missing: code, name"),
    ]:
        response = upload(client, world, f)
        assert response.status_code == 200
        assert message in response.content.decode(), message
    response = upload(client, world, csv_file("code,name\n"))
    assert "no rows to import" in response.content.decode()
    assert Region.objects.count() == 7


def test_confirm_refuses_a_forged_or_foreign_token(login, client, world):
    client = login(world.county_admin)
    response = upload(client, world, csv_file(GOOD_CSV))
    token = response.context["token"]
    response = client.post(URL, {"token": token + "x"})
    assert response.status_code == 302
    assert not Region.objects.filter(code="330523102000").exists()
    # Another county administrator cannot confirm someone else's upload.
    from cunzhi.people.models import Role, RoleAssignment
    from cunzhi.people.tests.factories import UserFactory

    other = UserFactory()
    RoleAssignment.objects.create(user=other, role=Role.COUNTY_ADMIN, region=world.county)
    client.force_login(other)
    client.post(URL, {"token": token})
    assert not Region.objects.filter(code="330523102000").exists()


def test_cancel_and_changes_between_check_and_confirm(login, world):
    client = login(world.county_admin)
    response = upload(client, world, csv_file(GOOD_CSV))
    confirm(client, response, action="cancel")
    assert not Region.objects.filter(code="330523102000").exists()
    # Someone registers one of the codes after the check: the confirmation refuses everything.
    response = upload(client, world, csv_file(GOOD_CSV))
    Region.objects.create(code="330523100202", name="抢先村", level=Level.VILLAGE, parent=world.township_t)
    response = confirm(client, response)
    assert response.status_code == 200 and response.context["errors"]
    assert not Region.objects.filter(code="330523102000").exists()
