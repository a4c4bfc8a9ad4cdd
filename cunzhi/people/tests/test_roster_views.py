"""Roster pages: who may use each one, the upload-preview-confirm flow, bad uploads, progress, export masking."""

import csv
import io

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from cunzhi.core.tests.xlsx import HOSTILE, live_cells, texts
from cunzhi.people import roster
from cunzhi.people.models import AccessKind, DataAccess, ImportStatus, Role, RoleAssignment, RosterImport, Villager
from cunzhi.people.tests.factories import UserFactory
from cunzhi.people.tests.test_roster import csv_bytes, people, person, upload, xlsx_bytes


@pytest.fixture
def as_user(client):
    def _as(user):
        client.logout()
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        if user is not None:
            client.force_login(user)
        return client

    return _as


@pytest.fixture
def imports(world):
    """A checked roster for village A (by its cadre) and one for village B (by the county)."""
    a = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(3)))
    b = roster.roster_upload(actor=world.county_admin, village=world.village_b, upload=upload(people(2, prefix="B")))
    return a, b


def _staff(role, region):
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=role, region=region)
    return user


def _requests(world, a):
    """(name, method, url, data) for every roster view, on village A's objects."""
    return [
        ("home", "get", reverse("people:roster_home"), None),
        ("upload form", "get", reverse("people:roster_upload"), None),
        (
            "upload",
            "post",
            reverse("people:roster_upload"),
            {"village": world.village_a.code, "file": upload(people(2, prefix="P"))},
        ),
        ("detail", "get", reverse("people:roster_detail", args=[a.public_id]), None),
        ("file", "get", reverse("people:roster_file", args=[a.public_id]), None),  # kept until imported
        ("confirm", "post", reverse("people:roster_confirm", args=[a.public_id]), {}),
        ("template xlsx", "get", reverse("people:roster_template", args=["xlsx"]), None),
        ("template csv", "get", reverse("people:roster_template", args=["csv"]), None),
        ("export", "get", reverse("people:roster_export") + f"?village={world.village_a.code}", None),
    ]


ALLOWED = {
    "home": 200,
    "upload form": 200,
    "upload": 302,
    "detail": 200,
    "confirm": 302,
    "file": 200,
    "template xlsx": 200,
    "template csv": 200,
    "export": 200,
}


@pytest.mark.parametrize("who", ["cadre_a", "county_admin"])
def test_every_view_is_open_to_the_village_cadre_and_the_county(world, imports, as_user, who):
    client = as_user(getattr(world, who))
    for name, method, url, data in _requests(world, imports[0]):
        response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
        assert response.status_code == ALLOWED[name], (name, response.status_code)


@pytest.mark.parametrize("who", ["anonymous", "villager_a", "villager_b", "other_township_staff"])
def test_every_view_is_closed_to_everyone_else(world, imports, as_user, who):
    a = imports[0]
    client = as_user(None if who == "anonymous" else getattr(world, who))
    for name, method, url, data in _requests(world, a):
        response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
        if who == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith(reverse("login")), name
        else:
            assert response.status_code == 403, (name, response.status_code)
    a.refresh_from_db()
    assert a.status == ImportStatus.PREVIEWED  # the refused confirm changed nothing
    assert RosterImport.objects.count() == 2


def test_cadre_of_a_cannot_reach_village_b(world, imports, as_user):
    b = imports[1]
    client = as_user(world.cadre_a)
    for url in (
        reverse("people:roster_detail", args=[b.public_id]),
        reverse("people:roster_file", args=[b.public_id]),
        reverse("people:roster_export") + f"?village={world.village_b.code}",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("people:roster_confirm", args=[b.public_id])).status_code == 403
    b.refresh_from_db()
    assert b.status == ImportStatus.PREVIEWED
    response = client.post(
        reverse("people:roster_upload"), {"village": world.village_b.code, "file": upload(people(1))}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert RosterImport.objects.count() == 2
    # Nor does the list or the village chooser show village B.
    home = client.get(reverse("people:roster_home")).content.decode()
    assert b.public_id not in home and imports[0].public_id in home
    assert world.village_b.code not in client.get(reverse("people:roster_upload")).content.decode()


def test_township_staff_may_export_but_not_import(world, imports, as_user):
    client = as_user(world.township_staff)
    assert client.get(reverse("people:roster_home")).status_code == 403
    assert client.get(reverse("people:roster_detail", args=[imports[0].public_id])).status_code == 403
    export = client.get(reverse("people:roster_export") + f"?village={world.village_a.code}")
    assert export.status_code == 200


# --- the flow -------------------------------------------------------------------------------


def test_upload_preview_confirm_done(world, as_user):
    client = as_user(world.cadre_a)
    response = client.post(
        reverse("people:roster_upload"), {"village": world.village_a.code, "file": upload(people(4), name="r.csv")}
    )
    ri = RosterImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("people:roster_detail", args=[ri.public_id])
    page = client.get(response["Location"]).content.decode()
    assert "Confirm and import" in page and ri.original_name in page
    response = client.post(reverse("people:roster_confirm", args=[ri.public_id]), follow=True)
    page = response.content.decode()
    ri.refresh_from_db()
    assert ri.status == ImportStatus.DONE
    assert "villagers added" in page and 'http-equiv="refresh"' not in page and "Refresh" not in response
    assert Villager.objects.filter(name__startswith="村民").count() == 4
    assert ri.public_id in client.get(reverse("people:roster_home")).content.decode()


def test_preview_lists_every_rejected_row_with_its_reason_and_no_confirm(world, as_user):
    rows = [*people(3), person(phone="12"), person(group="第九组"), *people(2, prefix="Z")]
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(rows))
    page = as_user(world.cadre_a).get(reverse("people:roster_detail", args=[ri.public_id])).content.decode()
    assert "Confirm and import" not in page and "Nothing has been imported" in page
    assert "<td>5</td><td>Mobile number</td><td>A mobile number has 11 digits" in page
    assert "<td>6</td><td>Villager group</td>" in page and "第九组" in page
    assert as_user(world.cadre_a).post(reverse("people:roster_confirm", args=[ri.public_id])).status_code == 302
    ri.refresh_from_db()
    assert ri.status == ImportStatus.REJECTED


def test_thousands_of_problems_are_paginated(world, as_user, django_assert_max_num_queries):
    rows = [person(phone="1") for _ in range(250)]
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(rows, name="r.csv"))
    client = as_user(world.cadre_a)
    url = reverse("people:roster_detail", args=[ri.public_id])
    client.get(url)  # warm the session
    with django_assert_max_num_queries(4):  # session, user, roles, the import
        first = client.get(url).content.decode()
    assert first.count("A mobile number has 11 digits") == 100 and "Page 1 of 3" in first
    last = client.get(url + "?page=3").content.decode()
    assert last.count("A mobile number has 11 digits") == 50 and "<td>251</td>" in last


def test_list_page_runs_a_fixed_number_of_queries(world, as_user, django_assert_max_num_queries):
    for _ in range(25):
        roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(1), name="r.csv"))
    client = as_user(world.county_admin)
    client.get(reverse("people:roster_home"))
    with django_assert_max_num_queries(6):  # session, user, roles, count, page, villages
        page = client.get(reverse("people:roster_home")).content.decode()
    assert page.count("r.csv") == 20 and "Page 1 of 2" in page


def test_progress_page_refreshes_itself_without_javascript(world, as_user):
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(8)))
    RosterImport.objects.filter(pk=ri.pk).update(status=ImportStatus.RUNNING, processed_rows=0)
    key = roster.progress._progress_key(ri.public_id)
    roster.progress._progress_cache().set(key, 3)
    try:
        response = as_user(world.cadre_a).get(reverse("people:roster_detail", args=[ri.public_id]))
    finally:
        roster.progress._progress_cache().delete(key)
    page = response.content.decode()
    assert response["Refresh"] == "2" and '<meta http-equiv="refresh" content="2">' in page
    assert '<progress class="progress" value="3" max="8" aria-label="Rows imported">37%' in page
    assert "3 of 8 rows" in page
    assert "<script" not in page and "style=" not in page  # strict CSP: no inline script or style


def test_checking_in_the_background_shows_an_open_ended_progress_bar(world, as_user, settings):
    settings.ROSTER_BACKGROUND_ROWS = 2
    client = as_user(world.cadre_a)
    client.post(reverse("people:roster_upload"), {"village": world.village_a.code, "file": upload(people(5))})
    ri = RosterImport.objects.get()
    assert ri.status == ImportStatus.QUEUED
    page = client.get(reverse("people:roster_detail", args=[ri.public_id])).content.decode()
    assert "Checking the roster" in page and '<progress class="progress" aria-label' in page


def test_failed_import_shows_why(world, as_user):
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(2)))
    RosterImport.objects.filter(pk=ri.pk).update(
        status=ImportStatus.FAILED, errors=[{"row": 0, "field": "", "message": "disk full"}]
    )
    page = as_user(world.cadre_a).get(reverse("people:roster_detail", args=[ri.public_id])).content.decode()
    assert "Nothing was imported." in page and "disk full" in page


# --- bad uploads ----------------------------------------------------------------------------

BAD_UPLOADS = {
    "wrong type": ("roster.xls", b"\xd0\xcf\x11\xe0 old excel", "Upload a .xlsx or .csv file"),
    "text file": ("roster.txt", "姓名,身份证号\n".encode(), "Upload a .xlsx or .csv file"),
    "empty file": ("roster.csv", b"", "empty"),
    "no header": ("roster.csv", "张三,11010519491231002X\n".encode(), "The first row must hold the column names"),
    "missing ID column": ("roster.csv", "姓名,手机号\n张三,13900000001\n".encode(), "no column for: 身份证号"),
    "header only": ("roster.csv", ",".join(["姓名", "身份证号"]).encode() + b"\n", "no rows of villagers"),
    "not a workbook": ("roster.xlsx", b"this is not a zip file", "not a valid XLSX workbook"),
    "broken workbook": ("roster.xlsx", b"PK\x03\x04" + b"\x00" * 200, "not a valid XLSX workbook"),
    "binary csv": ("roster.csv", b"\x00\x01\x02binary", "not text"),
    "not utf-8 or gbk": ("roster.csv", "姓名,身份证号\n".encode("utf-16"), "not text"),
}


@pytest.mark.parametrize("kind", list(BAD_UPLOADS))
def test_bad_uploads_give_a_clear_message_and_change_nothing(world, as_user, kind):
    name, data, words = BAD_UPLOADS[kind]
    response = as_user(world.cadre_a).post(
        reverse("people:roster_upload"), {"village": world.village_a.code, "file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert words in page, page[page.find('class="error"') - 200 : page.find('class="error"') + 400]
    assert not RosterImport.objects.exists()


def test_a_too_large_file_is_refused(world, as_user, settings):
    settings.ROSTER_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    data = xlsx_bytes(people(2)) + b"\0" * (2 * 1024 * 1024)
    response = as_user(world.cadre_a).post(
        reverse("people:roster_upload"), {"village": world.village_a.code, "file": SimpleUploadedFile("big.xlsx", data)}
    )
    assert response.status_code == 200 and "larger than 2 MB" in response.content.decode()
    assert not RosterImport.objects.exists()


# --- files: original, template, export -----------------------------------------------------


def test_original_file_is_served_privately(world, as_user):
    data = csv_bytes(people(2))
    ri = roster.roster_upload(
        actor=world.cadre_a, village=world.village_a, upload=SimpleUploadedFile("村名册.csv", data)
    )
    response = as_user(world.cadre_a).get(reverse("people:roster_file", args=[ri.public_id]))
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    assert ri.file.name.startswith("rosters/") and ri.public_id in ri.file.name  # never the user's file name


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_has_the_header_and_an_example_row_that_passes_the_check(world, as_user, fmt):
    client = as_user(world.cadre_a)
    response = client.get(reverse("people:roster_template", args=[fmt]))
    data = response.content
    if fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    else:
        assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "name",
        "id_number",
        "phone",
        "group",
        "household",
        "household_representative",
        "living_away",
        "away_city",
        "grid",
        "sms_consent",
    ]  # English page, English headers
    assert rows[1][0] == "张三" and len(rows) == 2
    check = roster.roster_check(fileobj=io.BytesIO(data), filename=f"t.{fmt}", village=world.village_a)
    assert check.errors == []  # the example itself is a valid row
    with translation.override("zh-hans"):
        assert roster.roster_headers()[:2] == ["姓名", "身份证号"]


def _export(client, village):
    response = client.get(reverse("people:roster_export") + f"?village={village.code}")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == roster.XLSX_TYPE and "no-store" in response["Cache-Control"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return {r[0]: r for r in rows[1:]}


def test_export_masks_id_numbers_and_phones_by_role(world, as_user):
    zhang = world.villager_a.villager
    full_id, full_phone = zhang.id_number, zhang.phone
    supervisor = _staff(Role.SUPERVISOR, world.village_a)
    grid_worker = _staff(Role.GRID_WORKER, world.village_a)

    by_cadre = _export(as_user(world.cadre_a), world.village_a)
    assert by_cadre["张三"][1] == full_id and by_cadre["张三"][2] == full_phone
    assert by_cadre["张三"][4] == "A0001" and by_cadre["张三"][5] == "是" and by_cadre["张小明"][5] == "否"
    assert set(by_cadre) == {"张三", "张小明"}  # village B's villager is not in A's roster
    assert _export(as_user(world.county_admin), world.village_a)["张三"][1] == full_id
    # An office of the township exports the roster masked: whole villages are not its cases (issue 12, item 13).
    by_office = _export(as_user(world.township_staff), world.village_a)
    assert by_office["张三"][1] != full_id and "*" in by_office["张三"][1] and by_office["张三"][2] != full_phone

    by_supervisor = _export(as_user(supervisor), world.village_a)
    assert by_supervisor["张三"][1] == full_id[:6] + "********" + full_id[-4:]
    assert by_supervisor["张三"][2] == full_phone[:3] + "****" + full_phone[-4:]
    by_grid = _export(as_user(grid_worker), world.village_a)
    assert by_grid["张三"][1] != full_id and "*" in by_grid["张三"][1]
    assert by_grid["张三"][2] == full_phone  # grid workers call people back


def test_export_writes_what_villagers_typed_as_text_never_as_a_formula(world, as_user):
    Villager.objects.filter(pk=world.villager_a.villager.pk).update(
        name=HOSTILE, living_away=True, away_city="@SUM(1+1)"
    )
    response = as_user(world.cadre_a).get(reverse("people:roster_export") + f"?village={world.village_a.code}")
    assert {HOSTILE, "@SUM(1+1)"} <= texts(response.content) and live_cells(response.content) == []


def test_export_is_logged_for_every_villager_in_it(world, as_user):
    _export(as_user(world.cadre_a), world.village_a)
    logged = DataAccess.objects.filter(kind=AccessKind.EXPORT, actor=world.cadre_a)
    assert sorted(logged.values_list("subject__name", flat=True)) == ["张三", "张小明"]
    assert all(a.region_code == world.village_a.code for a in logged)


def test_export_of_an_unknown_village_is_404(world, as_user):
    client = as_user(world.cadre_a)
    assert client.get(reverse("people:roster_export") + "?village=330523100999").status_code == 404
    assert client.get(reverse("people:roster_export")).status_code == 404
