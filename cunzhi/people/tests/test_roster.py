"""Roster import: checks, all-or-nothing writes, file formats, the command, background runs, progress."""

import csv
import datetime as dt
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.urls import reverse
from openpyxl import Workbook

from cunzhi.core.crypto import blind_index
from cunzhi.core.models import AuditEvent
from cunzhi.people import roster
from cunzhi.people.models import Grid, Household, ImportStatus, RosterImport, User, Villager
from cunzhi.people.tests.factories import VillagerFactory, next_id_number

HEADER = ["姓名", "身份证号", "手机号", "村民小组", "户号", "户代表", "外出务工", "务工城市", "网格", "同意接收短信"]
HEADER_EN = [
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
]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def person(
    name="王五",
    *,
    id_number=None,
    phone="13911112222",
    group="第一村民小组",
    household="",
    rep="否",
    away="否",
    city="",
    grid="",
    consent="",
):
    return [name, id_number or next_id_number(), phone, group, household, rep, away, city, grid, consent]


def people(n, *, household_size=3, prefix="H"):
    """n good rows in households of `household_size`, the first member of each the representative."""
    return [
        person(
            f"村民{i}",
            household=f"{prefix}{i // household_size:04d}",
            rep="是" if i % household_size == 0 else "否",
            phone=f"137{i:08d}",
        )
        for i in range(n)
    ]


def xlsx_bytes(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(rows=None, *, name="roster.xlsx", data=None, header=HEADER):
    if data is None:
        data = csv_bytes(rows, header) if name.endswith(".csv") else xlsx_bytes(rows, header)
    return SimpleUploadedFile(name, data)


def counts():
    return Villager.objects.count(), Household.objects.count()


def import_now(world, rows, *, actor=None, name="roster.xlsx"):
    """Upload, check and confirm as a cadre of village A would; returns the refreshed import."""
    actor = actor or world.cadre_a
    ri = roster.roster_upload(actor=actor, village=world.village_a, upload=upload(rows, name=name))
    assert ri.status == ImportStatus.PREVIEWED, ri.errors
    roster.roster_confirm(actor=actor, roster_import=ri)
    ri.refresh_from_db()
    return ri


# --- good imports ---------------------------------------------------------------------------


def test_good_import_creates_villagers_households_and_representatives(world):
    grid = Grid.objects.create(village=world.village_a, name="东片")
    numbers = [next_id_number() for _ in range(5)]
    rows = [
        person("赵一", id_number=numbers[0], household="A0100", rep="是", grid="东片"),
        person("赵二", id_number=numbers[1].lower(), household="A0100", phone="139 1111 3333", away="是", city="杭州"),
        person("钱三", id_number=numbers[2], household="A0101", rep="yes", group=world.group_a1.code),
        person("孙四", id_number=numbers[3], household="A0001", group=""),  # joins an existing household
        person("李五", id_number=numbers[4], household="", phone="", group=""),
    ]
    before = counts()
    ri = import_now(world, rows)
    assert ri.status == ImportStatus.DONE
    assert (ri.total_rows, ri.created_villagers, ri.created_households) == (5, 5, 2)
    assert counts() == (before[0] + 5, before[1] + 2)

    zhao1 = Villager.objects.get(id_hash=blind_index(numbers[0]))
    assert zhao1.id_number == numbers[0]  # stored encrypted, read back plain
    assert zhao1.name_pinyin == "zhaoyi" and zhao1.region_code == world.village_a.code
    assert zhao1.sex == ("M" if int(numbers[0][16]) % 2 else "F") and zhao1.birth_date.year == 1980
    assert zhao1.grid == grid and zhao1.group == world.group_a1
    h100 = Household.objects.get(village=world.village_a, number="A0100")
    assert h100.representative == zhao1 and h100.group == world.group_a1
    assert h100.region_code == world.village_a.code and h100.public_id
    zhao2 = Villager.objects.get(name="赵二")
    assert zhao2.id_number == numbers[1].upper() and zhao2.phone == "13911113333"
    assert zhao2.living_away and zhao2.away_city == "杭州" and zhao2.household == h100
    assert Household.objects.get(number="A0101").representative.name == "钱三"
    sun = Villager.objects.get(name="孙四")
    # The existing household keeps its representative; the new member takes the household's group.
    assert sun.household == world.household_a and sun.group == world.group_a1
    world.household_a.refresh_from_db()
    assert world.household_a.representative == world.villager_a.villager
    li = Villager.objects.get(name="李五")
    assert li.household is None and li.group is None and li.phone == ""
    event = AuditEvent.objects.get(action="roster.import", object_id=str(ri.pk))
    assert event.actor == world.cadre_a and event.after["villagers"] == 5


def test_the_consent_column_becomes_each_numbers_consent_on_record(world):
    from cunzhi.people.models import ConsentSource, SmsConsent
    from cunzhi.people.roster.export import roster_export_rows

    rows = [
        person("甲", phone="13950000041", consent="是"),
        person("乙", phone="13950000042", consent="否"),
        person("丙", phone="13950000043"),  # not asked: nothing recorded
    ]
    import_now(world, rows)
    assert set(SmsConsent.objects.values_list("phone", "given", "source")) == {
        ("13950000041", True, ConsentSource.ROSTER),
        ("13950000042", False, ConsentSource.ROSTER),
    }
    _header, exported, villagers = roster_export_rows(viewer=world.cadre_a, village=world.village_a)
    said = {v.name: row[-1] for v, row in zip(villagers, exported)}
    assert (said["甲"], said["乙"], said["丙"]) == ("是", "否", "")


def test_english_headers_and_aliases_are_accepted(world):
    rows = [person("周六", household="E1", rep="1", away="0")]
    ri = import_now(world, list(rows), name="roster.csv")
    assert ri.status == ImportStatus.DONE
    data = csv_bytes(
        [person("吴七")],
        header=["Name", "ID number", "手机", "小组", "户编号", "是否户代表", "外出", "务工地", "网格名称"],
    )
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(name="x.csv", data=data))
    assert ri.status == ImportStatus.PREVIEWED and ri.errors == []


@pytest.mark.parametrize(
    "name, encoding", [("r.csv", "utf-8"), ("r.csv", "utf-8-sig"), ("r.csv", "gbk"), ("r.xlsx", None)]
)
def test_csv_in_gbk_and_utf8_and_xlsx(world, name, encoding):
    rows = [person("欧阳修", household="G1", rep="是"), person("诸葛亮", household="G1")]
    data = csv_bytes(rows, encoding=encoding) if encoding else xlsx_bytes(rows)
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(name=name, data=data))
    assert ri.status == ImportStatus.PREVIEWED, ri.errors
    roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    assert set(Villager.objects.filter(household__number="G1").values_list("name", flat=True)) == {"欧阳修", "诸葛亮"}
    assert Household.objects.get(number="G1").representative.name == "欧阳修"


def _read(data: bytes, *, fast: bool, monkeypatch):
    """core.tabular.read_rows through its fast XLSX reader, or through openpyxl."""
    from cunzhi.core import tabular

    with monkeypatch.context() as m:
        if not fast:
            m.setattr(tabular, "_xlsx_fast", lambda fileobj: None)
        keys, rows = tabular.read_rows(io.BytesIO(data), "x.xlsx", roster.ALIASES)
        return keys, list(rows)


def test_fast_xlsx_reader_matches_openpyxl(tmp_path, monkeypatch):
    """The fast XLSX reader gives what openpyxl gives, also for numbers and odd cells."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER[:9])
    ws.append(["张三", "11010519491231002X", 13900000001, "第一村民小组", 12, True, None, " 杭州 ", ""])
    ws.append([None, None, None])  # an empty row is skipped, numbering continues
    ws["A5"] = "李四"  # a sparse row further down
    ws["I5"] = "网格1"
    ws.append(["王五", 1.5, "", "", "", "", "", "", ""])
    data = io.BytesIO()
    wb.save(data)
    from cunzhi.core import tabular

    assert tabular._xlsx_fast(io.BytesIO(data.getvalue())) is not None
    assert _read(data.getvalue(), fast=True, monkeypatch=monkeypatch) == _read(
        data.getvalue(), fast=False, monkeypatch=monkeypatch
    )


def _handmade_xlsx(sheet_xml: str, shared_xml: str | None = None) -> bytes:
    """A minimal workbook as other programs write it: first sheet not named sheet1.xml, shared strings
    with rich text and phonetic guides, inline strings, booleans, formula results, cells without refs."""
    import zipfile

    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            (
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                'spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/roster.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.worksheet+xml"/>'
                + (
                    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.sharedStrings+xml"/>'
                    if shared_xml
                    else ""
                )
                + "</Types>"
            ),
        )
        z.writestr(
            "_rels/.rels",
            (
                '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook {ns} {rel_ns}><sheets>'
            '<sheet name="花名册" sheetId="1" r:id="rId7"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            (
                '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/worksheet" Target="/xl/worksheets/roster.xml"/>'
                + (
                    '<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    'sharedStrings" Target="sharedStrings.xml"/>'
                    if shared_xml
                    else ""
                )
                + "</Relationships>"
            ),
        )
        z.writestr(
            "xl/worksheets/roster.xml",
            f'<?xml version="1.0"?><worksheet {ns}><sheetData>{sheet_xml}</sheetData></worksheet>',
        )
        if shared_xml:
            z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst {ns}>{shared_xml}</sst>')
    return out.getvalue()


def test_fast_xlsx_reader_handles_what_excel_and_wps_write(monkeypatch):
    shared = (
        "<si><t>姓名</t></si><si><t>身份证号</t></si><si><t>外出务工</t></si>"
        '<si><r><t>张</t></r><r><rPr><b/></rPr><t>三</t></r><rPh sb="0" eb="1"><t>zhang</t></rPh></si>'
    )
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
        '<row r="3"><c t="s"><v>3</v></c><c t="inlineStr"><is><t> 11010519491231002X </t></is></c>'
        '<c t="b"><v>1</v></c></row>'
        '<row r="4"><c r="A4" t="str"><f>A3</f><v>张三</v></c><c r="C4"><v>0</v></c></row>'
    )
    data = _handmade_xlsx(sheet, shared)
    keys, fast = _read(data, fast=True, monkeypatch=monkeypatch)
    assert keys == ["name", "id_number", "living_away"]
    assert fast == [
        {"name": "张三", "id_number": "11010519491231002X", "living_away": "True", "_row": 3, "_numbers": set()},
        {"name": "张三", "id_number": "", "living_away": "0", "_row": 4, "_numbers": {"living_away"}},
    ]
    _keys, slow_rows = _read(data, fast=False, monkeypatch=monkeypatch)
    assert [r["name"] for r in slow_rows] == ["张三", "张三"]  # openpyxl agrees on the rich text


def test_damaged_or_oversized_files_are_refused_as_a_whole(world, monkeypatch):
    rows = "".join(f'<row r="{i}"><c t="inlineStr"><is><t>名{i}</t></is></c></row>' for i in range(2, 400))
    data = _handmade_xlsx(
        '<row r="1"><c t="inlineStr"><is><t>姓名</t></is></c><c t="inlineStr"><is><t>身份证号</t></is></c></row>' + rows
    )
    import zipfile

    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            dst.writestr(
                item.filename, content[: len(content) // 2] if item.filename.endswith("roster.xml") else content
            )
    with pytest.raises(ValidationError) as exc:
        roster.roster_check(fileobj=io.BytesIO(damaged.getvalue()), filename="x.xlsx", village=world.village_a)
    assert "could not be read after row" in exc.value.messages[0]
    monkeypatch.setattr(roster.check, "MAX_ROWS", 3)
    with pytest.raises(ValidationError) as exc:
        roster.roster_check(fileobj=io.BytesIO(xlsx_bytes(people(4))), filename="x.xlsx", village=world.village_a)
    assert "more than 3 rows" in exc.value.messages[0]


# --- bad rows: reported with reasons, nothing written --------------------------------------


def _bad_rows(world):
    registered = world.villager_a.villager.id_number
    dup = next_id_number()
    good = next_id_number()
    return {
        "checksum": ([person(id_number=good[:17] + ("0" if good[17] != "0" else "1"))], "id_number", "check character"),
        "format": ([person(id_number="12345")], "id_number", "18 characters"),
        "missing id": ([person(id_number=" ")], "id_number", "missing"),
        "excel number": ([person(id_number="3.30523E+17")], "id_number", "Excel"),
        "duplicate in file": ([person(id_number=dup), person(id_number=dup)], "id_number", "row 3"),
        "registered": ([person(id_number=registered)], "id_number", "already registered"),
        "unknown group": ([person(group="第九组")], "group", "第九组"),
        "other village's group": ([person(group=world.group_b1.code)], "group", world.group_b1.code),
        "unknown grid": ([person(grid="西片")], "grid", "西片"),
        "bad phone": ([person(phone="12345")], "phone", "11 digits"),
        "missing name": ([person(name="")], "name", "missing"),
        "long name": ([person(name="长" * 51)], "name", "50"),
        "two representatives": (
            [person(household="T1", rep="是"), person(household="T1", rep="是")],
            "household_representative",
            "row 3",
        ),
        "existing household has one": (
            [person(household="A0001", rep="是")],
            "household_representative",
            "already has a representative",
        ),
        "representative without household": ([person(rep="是")], "household_representative", "household number"),
        "city without living away": ([person(city="上海")], "away_city", "not marked as working away"),
        "bad yes/no": ([person(away="也许")], "living_away", "也许"),
        "bad consent": ([person(consent="看情况")], "sms_consent", "看情况"),
        "consent without phone": ([person(phone="", consent="是")], "sms_consent", "no mobile number"),
    }


BAD_KINDS = [
    "checksum",
    "format",
    "missing id",
    "excel number",
    "duplicate in file",
    "registered",
    "unknown group",
    "other village's group",
    "unknown grid",
    "bad phone",
    "missing name",
    "long name",
    "two representatives",
    "existing household has one",
    "representative without household",
    "city without living away",
    "bad yes/no",
    "bad consent",
    "consent without phone",
]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(world, kind):
    bad, field, words = _bad_rows(world)[kind]
    rows = [person("好人", household="OK1", rep="是"), *bad]
    before = counts()
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(rows))
    assert ri.status == ImportStatus.REJECTED
    assert ri.total_rows == len(rows)
    problem = ri.errors[-1]
    assert problem["field"] == field and problem["row"] == len(rows) + 1  # spreadsheet row, header is row 1
    assert words in problem["message"]
    assert all(e["row"] != 2 for e in ri.errors)  # the good first row is not blamed
    with pytest.raises(ValidationError):
        roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    assert counts() == before


EXCEL_NUMBER = "Excel turned this ID number into a number"


@pytest.mark.parametrize("reader", ["fast", "openpyxl"])
@pytest.mark.parametrize(
    "cell", [330523196808118278, 3.30523196808118e17, 11010519491231002], ids=["int", "float", "short int"]
)
def test_an_id_number_cell_holding_a_number_is_refused_never_converted(world, monkeypatch, reader, cell):
    # 330523196808118278 typed into a cell formatted as a number reads back as 330523196808118016,
    # which passes the checksum: only the cell's type tells that Excel dropped the last digits.
    from cunzhi.core import tabular

    if reader == "openpyxl":
        monkeypatch.setattr(tabular, "_xlsx_fast", lambda fileobj: None)
    good = person("好人", phone=13911112222)  # a mobile number stored as a number loses nothing: accepted
    rows = [good, person("赵六", id_number=cell)]
    before = counts()
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(rows))
    assert ri.status == ImportStatus.REJECTED
    assert [(e["row"], e["field"]) for e in ri.errors] == [(3, "id_number")]
    assert EXCEL_NUMBER in ri.errors[0]["message"]
    assert counts() == before


def test_readers_say_which_cells_held_numbers(monkeypatch):
    rows = [person("赵六", id_number=330523196808118278, phone=13911112222, household=12, rep=True)]
    for fast in (True, False):
        _keys, [row] = _read(xlsx_bytes(rows), fast=fast, monkeypatch=monkeypatch)
        assert row["_numbers"] == {"id_number", "phone", "household"}  # a boolean is not a number
    _keys, [row] = tabular_csv_rows(csv_bytes(rows))
    assert row["_numbers"] == set()  # CSV has no types: its "3.3E+17" is caught by its text


def tabular_csv_rows(data: bytes):
    from cunzhi.core import tabular

    keys, rows = tabular.read_rows(io.BytesIO(data), "x.csv", roster.ALIASES)
    return keys, list(rows)


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _id_ending_in_x() -> str:
    while not (number := next_id_number()).endswith("X"):
        pass
    return number


def test_full_width_id_numbers_and_phones_are_stored_in_ascii_and_are_the_same_person(world):
    number = _id_ending_in_x()
    # Full-width digits with an ASCII X passed the checksum and were stored as typed.
    ri = import_now(
        world, [person("赵六", id_number=number[:17].translate(FULL_WIDTH) + "X", phone="１３９１１１１２２２２")]
    )
    assert ri.status == ImportStatus.DONE
    zhao = Villager.objects.get(name="赵六")
    assert (zhao.id_number, zhao.phone) == (number, "13911112222")
    assert zhao.id_hash == blind_index(number)
    # The same person typed in ASCII is found as already registered, not imported a second time.
    ri = roster.roster_upload(
        actor=world.cadre_a, village=world.village_a, upload=upload([person("赵六", id_number=number)])
    )
    assert ri.status == ImportStatus.REJECTED and "already registered" in ri.errors[0]["message"]
    # ...and within one file, the two spellings are one ID number twice.
    other = _id_ending_in_x()
    ri = roster.roster_upload(
        actor=world.cadre_a,
        village=world.village_a,
        upload=upload([person("钱七", id_number=other), person("钱七", id_number=other.translate(FULL_WIDTH))]),
    )
    assert ri.status == ImportStatus.REJECTED and "already on row 2" in ri.errors[0]["message"]


def test_household_members_in_two_groups_are_refused(world):
    from cunzhi.regions.models import Level, Region

    Region.objects.create(
        code=world.village_a.code + "002", name="第二村民小组", level=Level.GROUP, parent=world.village_a
    )
    rows = [person(household="T2"), person(household="T2", group="第二村民小组")]
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(rows))
    assert ri.status == ImportStatus.REJECTED
    assert ri.errors == [{"row": 3, "field": "group", "message": ri.errors[0]["message"]}]
    assert "row 2" in ri.errors[0]["message"]


def test_every_problem_of_a_row_is_listed(world):
    rows = [person(name="", id_number="x", phone="1", group="无", grid="无", away="?")]
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(rows))
    assert [e["field"] for e in ri.errors] == ["name", "id_number", "phone", "group", "living_away", "grid"]


def test_register_changed_after_preview_rejects_at_import_and_writes_nothing(world):
    rows = people(6)
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(rows))
    assert ri.status == ImportStatus.PREVIEWED
    VillagerFactory(village=world.village_a, id_number=rows[4][1])  # registered meanwhile, another way
    before = counts()
    roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    ri.refresh_from_db()
    assert ri.status == ImportStatus.REJECTED
    assert ri.errors[0]["row"] == 6 and "already registered" in ri.errors[0]["message"]
    assert counts() == before


def test_database_error_half_way_rolls_everything_back(world, monkeypatch):
    monkeypatch.setattr(roster.check, "BATCH_ROWS", 4)
    real = roster.check.objects_insert
    calls = []

    def failing(model, objs):
        calls.append(model)
        if calls.count(Villager) == 3:  # the third batch of villagers, after two were written
            raise DatabaseError("disk full")
        return real(model, objs)

    monkeypatch.setattr(roster.check, "objects_insert", failing)
    before = counts()
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(12)))
    roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    ri.refresh_from_db()
    assert calls.count(Villager) == 3
    assert ri.status == ImportStatus.FAILED and "DatabaseError" in ri.errors[0]["message"]
    assert ri.created_villagers == 0
    assert counts() == before
    assert AuditEvent.objects.filter(action="roster.import", object_id=str(ri.pk)).get().after["status"] == "failed"


def test_a_lost_file_fails_the_background_check_visibly(world, settings):
    settings.ROSTER_BACKGROUND_ROWS = 2
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(4)))
    ri.file.storage.delete(ri.file.name)
    roster.roster_check_run(roster_import=ri)
    ri.refresh_from_db()
    assert ri.status == ImportStatus.FAILED and "system error" in ri.errors[0]["message"]


def test_a_confirmed_import_cannot_run_twice(world):
    ri = import_now(world, people(3))
    assert ri.status == ImportStatus.DONE
    with pytest.raises(ValidationError):
        roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    assert roster.roster_import_run(roster_import=ri).status == ImportStatus.DONE  # not QUEUED: nothing to do
    assert Villager.objects.filter(name__startswith="村民").count() == 3


def test_many_problems_are_capped_with_a_note(world, monkeypatch):
    monkeypatch.setattr(roster.check, "MAX_ERRORS", 5)
    rows = [person(phone="1") for _ in range(8)]
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(rows))
    assert len(ri.errors) == 6 and ri.errors[-1]["row"] == 0 and "3 more" in ri.errors[-1]["message"]


def test_no_query_per_row_when_checking(world, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr(roster.check, "BATCH_ROWS", 1000)
    data = xlsx_bytes(people(300))
    # groups, grids, households, then one look-up of ID numbers per 900: a handful whatever the rows.
    with django_assert_max_num_queries(5):
        result = roster.roster_check(fileobj=io.BytesIO(data), filename="r.xlsx", village=world.village_a)
    assert result.rows == 300 and result.errors == []


# --- the command ----------------------------------------------------------------------------


def test_command_imports_a_file_with_a_progress_bar(world, tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx_bytes(people(7)))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_roster", str(path), "--village", world.village_a.code, stdout=out, stderr=err)
    assert "7" in out.getvalue()
    assert "rows" in err.getvalue()  # tqdm drew its bar on stderr
    ri = RosterImport.objects.get()
    assert ri.status == ImportStatus.DONE and ri.original_name == "花名册.xlsx" and ri.uploaded_by is None
    assert Villager.objects.filter(name__startswith="村民").count() == 7


def test_command_prints_rejected_rows_and_exits_non_zero(world, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes([*people(3), person(phone="123")], encoding="gbk"))
    err = io.StringIO()
    before = counts()
    with pytest.raises(CommandError) as exc:
        call_command("import_roster", str(path), "--village", world.village_a.code, stderr=err, stdout=io.StringIO())
    assert exc.value.returncode == 1 and "1 of 4 rows have problems" in str(exc.value)
    assert "row 5\t手机号\tA mobile number has 11 digits" in err.getvalue()
    assert counts() == before and not RosterImport.objects.exists()


def test_command_dry_run_and_bad_arguments(world, tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx_bytes(people(2)))
    out = io.StringIO()
    call_command(
        "import_roster", str(path), "--village", world.village_a.code, "--dry-run", stdout=out, stderr=io.StringIO()
    )
    assert "2" in out.getvalue() and not RosterImport.objects.exists()
    assert Villager.objects.filter(name__startswith="村民").count() == 0
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--village", "999999999999", stderr=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import_roster", str(tmp_path / "missing.xlsx"), "--village", world.village_a.code)
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_roster", str(tmp_path / "bad.xlsx"), "--village", world.village_a.code, stderr=io.StringIO()
        )
    assert exc.value.returncode == 2


# --- background runs ------------------------------------------------------------------------


def test_large_files_are_checked_and_imported_by_the_task(world, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    settings.ROSTER_BACKGROUND_ROWS = 5
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(12)))
    assert ri.status == ImportStatus.QUEUED and ri.total_rows == 0
    assert roster.roster_phase(roster_import=ri) == "check"
    for callback in callbacks:  # the worker picks it up after the upload commits
        callback()
    ri.refresh_from_db()
    assert ri.status == ImportStatus.PREVIEWED and ri.total_rows == 12

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    ri.refresh_from_db()
    assert ri.status == ImportStatus.QUEUED and roster.roster_phase(roster_import=ri) == "import"
    assert Villager.objects.filter(name__startswith="村民").count() == 0  # nothing before the worker runs
    for callback in callbacks:
        callback()
    ri.refresh_from_db()
    assert ri.status == ImportStatus.DONE and ri.created_villagers == 12
    assert AuditEvent.objects.get(action="roster.import", object_id=str(ri.pk)).actor == world.cadre_a


def test_background_check_reports_problems_in_the_uploaders_language(
    world, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    settings.ROSTER_BACKGROUND_ROWS = 2
    world.cadre_a.language = "en"
    world.cadre_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        ri = roster.roster_upload(
            actor=world.cadre_a, village=world.village_a, upload=upload([*people(4), person(phone="1")])
        )
    ri.refresh_from_db()
    assert ri.status == ImportStatus.REJECTED
    assert ri.errors[0]["row"] == 6 and "11 digits" in ri.errors[0]["message"]


@pytest.mark.django_db(transaction=True)
def test_database_task_backend_and_db_worker_run_the_import(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ROSTER_BACKGROUND_ROWS = 5
    from django_tasks_db.models import DBTaskResult

    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(9)))
    assert ri.status == ImportStatus.QUEUED and DBTaskResult.objects.count() == 1
    worker = ["db_worker", "--batch", "--no-startup-delay", "--interval", "0", "--no-reload", "-v", "0"]
    call_command(*worker)
    ri.refresh_from_db()
    assert ri.status == ImportStatus.PREVIEWED and ri.total_rows == 9
    roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    ri.refresh_from_db()
    assert ri.status == ImportStatus.QUEUED
    call_command(*worker)
    ri.refresh_from_db()
    assert ri.status == ImportStatus.DONE and ri.created_villagers == 9
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


# --- progress -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_other_connections_during_the_import(world, monkeypatch):
    """Inside the import's transaction its rows are invisible to others; the progress must not be."""
    monkeypatch.setattr(roster.check, "BATCH_ROWS", 5)
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(20)))
    RosterImport.objects.filter(pk=ri.pk).update(status=ImportStatus.QUEUED)
    seen = []

    def look(done):
        # Another thread has its own database connection, like the web server showing the page.
        def read():
            try:
                other = RosterImport.objects.get(pk=ri.pk)
                # (The in-memory SQLite test database locks written tables for readers; a real
                # SQLite file in WAL mode, like PostgreSQL, shows them the last committed state.)
                invisible = (
                    Villager.objects.filter(name__startswith="村民").count() if connection.vendor == "postgresql" else 0
                )
                seen.append(
                    (done, roster.roster_progress(roster_import=other), other.status, invisible, other.processed_rows)
                )
            finally:
                connection.close()

        thread = threading.Thread(target=read)
        thread.start()
        thread.join()

    roster.roster_import_run(roster_import=ri, actor=world.cadre_a, on_progress=look)
    assert [s[0] for s in seen] == [5, 10, 15, 20, 20]
    middle = next(s for s in seen if s[0] == 10)
    assert middle[1] == 10 and middle[2] == ImportStatus.RUNNING
    assert middle[3] == 0  # the rows themselves stay invisible until the end
    ri.refresh_from_db()
    assert ri.status == ImportStatus.DONE and roster.roster_progress(roster_import=ri) == 20
    if connection.vendor == "postgresql":  # there the row itself is updated through a second connection
        assert middle[4] == 10
    else:  # SQLite: the import holds the only write lock, so progress goes through the file cache
        assert middle[4] == 0


def test_progress_comes_from_the_cache_while_running(world, settings):
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(3)))
    RosterImport.objects.filter(pk=ri.pk).update(status=ImportStatus.RUNNING, processed_rows=0)
    ri.refresh_from_db()
    roster.progress._progress_cache().set(roster.progress._progress_key(ri.public_id), 2)
    try:
        assert roster.roster_progress(roster_import=ri) == 2
    finally:
        roster.progress._progress_cache().delete(roster.progress._progress_key(ri.public_id))
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import caches

    assert roster.progress._progress_cache() is caches["default"]  # Redis or any shared cache is used as it is


# --- the uploaded file: full ID numbers, kept only while it may still be imported -------------


def stored_rosters(settings) -> list:
    """Roster files in private storage (the test's own directory)."""
    from pathlib import Path

    folder = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "rosters"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_the_uploaded_file_is_deleted_once_imported(world, settings, client, django_capture_on_commit_callbacks):
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(3)))
    assert ri.status == ImportStatus.PREVIEWED and len(stored_rosters(settings)) == 1  # kept until confirmed
    with django_capture_on_commit_callbacks(execute=True):
        roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    ri.refresh_from_db()
    assert ri.status == ImportStatus.DONE and not ri.file
    assert stored_rosters(settings) == []
    client.force_login(world.cadre_a)
    assert client.get(reverse("people:roster_file", args=[ri.public_id])).status_code == 404
    page = client.get(reverse("people:roster_detail", args=[ri.public_id])).content.decode()
    assert reverse("people:roster_file", args=[ri.public_id]) not in page
    assert "The uploaded file was deleted" in page


def test_a_large_file_imported_by_the_task_worker_is_deleted(world, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    settings.ROSTER_BACKGROUND_ROWS = 5
    with django_capture_on_commit_callbacks(execute=True):
        ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(12)))
    ri.refresh_from_db()
    assert ri.status == ImportStatus.PREVIEWED and len(stored_rosters(settings)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    ri.refresh_from_db()
    assert ri.status == ImportStatus.DONE and ri.created_villagers == 12
    assert stored_rosters(settings) == [] and not ri.file


def test_a_file_that_will_never_be_imported_is_not_kept(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    # Problems found during the upload: never stored.
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload([person(phone="1")]))
    assert ri.status == ImportStatus.REJECTED and not ri.file and stored_rosters(settings) == []
    # Problems found by the background check: deleted.
    settings.ROSTER_BACKGROUND_ROWS = 2
    ri = roster.roster_upload(
        actor=world.cadre_a, village=world.village_a, upload=upload([*people(3), person(phone="1")])
    )
    assert ri.status == ImportStatus.QUEUED and len(stored_rosters(settings)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        roster.roster_check_run(roster_import=ri)
    ri.refresh_from_db()
    assert ri.status == ImportStatus.REJECTED and not ri.file and stored_rosters(settings) == []
    # Rejected at import (the register changed since the preview), or failed: deleted.
    settings.ROSTER_BACKGROUND_ROWS = 500
    rows = people(3, prefix="R")
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(rows))
    VillagerFactory(village=world.village_a, id_number=rows[1][1])
    with django_capture_on_commit_callbacks(execute=True):
        roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    ri.refresh_from_db()
    assert ri.status == ImportStatus.REJECTED and not ri.file and stored_rosters(settings) == []
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(3, prefix="F")))
    monkeypatch.setattr(
        roster.check, "objects_insert", lambda model, objs: (_ for _ in ()).throw(DatabaseError("disk full"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    ri.refresh_from_db()
    assert ri.status == ImportStatus.FAILED and not ri.file and stored_rosters(settings) == []


def test_an_upload_left_unconfirmed_is_deleted_after_the_keeping_time(
    world, settings, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from cunzhi.core.jobs import JOBS

    settings.ROSTER_FILE_KEEP_DAYS = 3
    User.objects.filter(pk=world.cadre_a.pk).update(language="zh-hans")
    ri = roster.roster_upload(actor=world.cadre_a, village=world.village_a, upload=upload(people(3)))
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert roster.roster_files_expire(now=now + dt.timedelta(days=3) - dt.timedelta(minutes=1)) == 0
    ri.refresh_from_db()
    assert ri.status == ImportStatus.PREVIEWED and ri.file and len(stored_rosters(settings)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert roster.roster_files_expire(now=now + dt.timedelta(days=3, minutes=1)) == 1
    ri.refresh_from_db()
    assert ri.status == ImportStatus.REJECTED and not ri.file and stored_rosters(settings) == []
    # Written by the job, in the language of the cadre who will read it.
    assert ri.errors[0]["message"] == "文件在3天内未导入，因含完整身份证号，已被删除。如需导入，请重新上传。"
    with pytest.raises(ValidationError):
        roster.roster_confirm(actor=world.cadre_a, roster_import=ri)
    assert AuditEvent.objects.filter(action="roster.expire", object_id=str(ri.pk)).exists()
    assert JOBS["people.roster_files_expire"].func is not None  # run by the scheduler, every hour
    # A file an import left behind (stored before files were deleted, or a crash before the deletion)
    # goes at the next run, whatever its age.
    with django_capture_on_commit_callbacks(execute=True):
        done = import_now(world, people(2, prefix="D"))
    done.file.save("left.csv", io.BytesIO(b"x"), save=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert roster.roster_files_expire(now=now) == 1
    done.refresh_from_db()
    assert done.status == ImportStatus.DONE and not done.file and stored_rosters(settings) == []


def test_the_command_leaves_no_copy_of_the_file(world, tmp_path, settings, django_capture_on_commit_callbacks):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx_bytes(people(4)))
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_roster", str(path), "--village", world.village_a.code, stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert RosterImport.objects.get().status == ImportStatus.DONE and stored_rosters(settings) == []
