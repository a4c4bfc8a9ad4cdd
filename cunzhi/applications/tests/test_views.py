"""Pages: who may see and do what, bad input, printable documents, public verification, query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cunzhi.applications import services
from cunzhi.applications.models import Application, Certificate, MaterialState, ServiceItem, Status
from cunzhi.core.tests.xlsx import HOSTILE, live_cells, texts
from cunzhi.people.models import AccessKind, DataAccess, Villager
from cunzhi.people.tests.factories import full_width

from .conftest import exe_file, png


def url(name, *args):
    return reverse(f"applications:{name}", args=args)


@pytest.fixture
def app(world, catalogue, flow):
    return flow.submit()


# --- permissions ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_everywhere(client, app, catalogue):
    for target in (
        url("index"),
        url("catalogue"),
        url("item_detail", catalogue.dibao.public_id),
        url("apply", catalogue.dibao.public_id),
        url("detail", app.public_id),
        url("worklist"),
        url("all"),
        url("mail_list"),
        url("item_new"),
    ):
        response = client.get(target)
        assert response.status_code == 302 and "/login/" in response["Location"], target
    response = client.post(url("accept", app.public_id))
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED


def test_detail_visible_to_applicant_side_and_handling_office_only(world, app, login, delegation):
    target = url("detail", app.public_id)
    for user in (world.villager_a, world.helper, world.township_staff, world.cadre_a, world.county_admin):
        assert login(user).get(target).status_code == 200, user
    for user in (world.villager_b, world.other_township_staff):
        assert login(user).get(target).status_code == 404, user


def test_staff_reading_an_application_is_logged_with_the_reuse_basis(world, app, login):
    login(world.township_staff).get(url("detail", app.public_id))
    row = DataAccess.objects.get(subject=world.villager_a.villager, actor=world.township_staff)
    assert row.kind == AccessKind.DATA_REUSE and "国发〔2022〕5号" in row.purpose and app.number in row.purpose
    # The villager sees it on "who viewed my data".
    body = login(world.villager_a).get(reverse("people:data_access")).content.decode()
    assert "国发〔2022〕5号" in body


def test_only_accepting_office_decides(world, app, login):
    for user in (world.villager_a, world.cadre_a, world.county_admin):
        assert login(user).post(url("accept", app.public_id)).status_code == 403
    assert login(world.other_township_staff).post(url("accept", app.public_id)).status_code == 404
    assert (
        login(world.villager_b).post(url("conditional", app.public_id), {"deadline": "2030-01-01"}).status_code == 404
    )
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED


def test_worklist_shows_office_work_and_refuses_villagers(world, app, login, django_assert_max_num_queries):
    client = login(world.township_staff)
    response = client.get(url("worklist"))
    assert response.status_code == 200 and app.number in response.content.decode()
    assert app.number not in login(world.other_township_staff).get(url("worklist")).content.decode()
    assert login(world.villager_a).get(url("worklist")).status_code == 403
    assert login(world.villager_b).get(url("all")).status_code == 403
    xlsx = login(world.township_staff).get(url("worklist") + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_worklist_xlsx_writes_names_never_as_a_formula(world, app, login):
    Villager.objects.filter(pk=app.villager_id).update(name=HOSTILE)
    data = login(world.township_staff).get(url("worklist") + "?format=xlsx").content
    assert HOSTILE in texts(data) and live_cells(data) == []


def test_worklist_filters_overdue_and_due_soon(world, catalogue, flow, login):
    late = flow.submit()
    Application.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    soon = flow.submit()
    Application.objects.filter(pk=soon.pk).update(due_at=timezone.now() + dt.timedelta(hours=20))
    client = login(world.township_staff)
    overdue = client.get(url("worklist") + "?due=overdue").content.decode()
    assert late.number in overdue and soon.number not in overdue
    body = client.get(url("worklist") + "?due=soon").content.decode()
    assert soon.number in body and late.number not in body
    assert client.get(url("worklist") + "?due=nonsense").status_code == 200


def test_list_pages_run_a_fixed_number_of_queries(world, catalogue, flow, login, django_assert_max_num_queries):
    for _n in range(25):
        flow.submit()
    client = login(world.township_staff)
    client.get(url("worklist"))  # warm the session
    with django_assert_max_num_queries(14):
        assert client.get(url("worklist")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(url("all")).status_code == 200
    villager = login(world.villager_a)
    villager.get(url("index"))
    with django_assert_max_num_queries(16):
        assert villager.get(url("index")).status_code == 200
    client = login(world.township_staff)
    with django_assert_max_num_queries(14):
        assert client.get(url("mail_list")).status_code == 200


# --- applying ------------------------------------------------------------------------------------


def test_villager_applies_through_the_form(world, catalogue, login):
    client = login(world.villager_a)
    target = url("apply", catalogue.dibao.public_id)
    page = client.get(target).content.decode()
    assert "Not needed: taken from the" in page and "Household register" in page
    response = client.post(
        target, {f"m{catalogue.specs['家庭收入声明'].pk}": png(), "commitment": "on", "note": "老人独居"}
    )
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", app.public_id)
    assert app.commitment_offered and app.note == "老人独居"
    detail = client.get(response["Location"]).content.decode()
    assert app.number in detail and "Waiting for acceptance" in detail


@pytest.mark.parametrize(
    "upload, message",
    [
        (exe_file(), "not accepted"),
        (png("huge.png", size=(10, 10)), "too large"),
    ],
)
def test_bad_upload_gets_a_clear_message_and_nothing_is_stored(world, catalogue, login, settings, upload, message):
    settings.UPLOAD_MAX_BYTES = 50 if message == "too large" else 10 * 1024 * 1024
    client = login(world.villager_a)
    response = client.post(url("apply", catalogue.dibao.public_id), {f"m{catalogue.specs['家庭收入声明'].pk}": upload})
    assert response.status_code == 200 and message in response.content.decode()
    assert not Application.objects.exists()


def test_helper_chooses_the_villager_and_applies_for_them(world, catalogue, login, delegation):
    client = login(world.helper)
    target = url("apply", catalogue.dibao.public_id)
    chooser = client.get(target).content.decode()
    assert world.villager_a.villager.public_id in chooser
    client.post(f"{target}?for={world.villager_a.villager.public_id}", {})
    app = Application.objects.get()
    assert app.channel == "helper" and app.submitted_by == world.helper
    # Not for someone who gave no delegation.
    assert client.get(f"{target}?for={world.villager_b.villager.public_id}").status_code == 404


def test_station_finds_the_villager_by_id_number(world, catalogue, login):
    client = login(world.cadre_a)
    target = url("apply", catalogue.dibao.public_id)
    response = client.post(target, {"id_number": world.villager_b.villager.id_number})
    assert "No villager with this ID number" in response.content.decode()
    response = client.post(target, {"id_number": world.villager_a.villager.id_number.lower()})
    assert response.status_code == 302 and world.villager_a.villager.public_id in response["Location"]
    refused = client.post(response["Location"], {})
    assert refused.status_code == 200 and not Application.objects.exists()  # presence not confirmed
    client.post(response["Location"], {"station_confirmed": "on"})
    assert Application.objects.get().channel == "station"


# --- decisions -----------------------------------------------------------------------------------


def test_conditional_acceptance_bad_input_then_success_with_pdf(world, catalogue, flow, login):
    client = login(world.township_staff)
    core_missing = flow.submit(income=False)
    response = client.post(
        url("conditional", core_missing.public_id),
        {"deadline": (timezone.localdate() + dt.timedelta(days=5)).isoformat()},
    )
    assert response.status_code == 400 and "Core materials are missing" in response.content.decode()
    app = flow.submit()
    page = client.get(url("detail", app.public_id)).content.decode()
    assert "conditional-form" in page
    too_late = (timezone.localdate() + dt.timedelta(days=200)).isoformat()
    response = client.post(url("conditional", app.public_id), {"deadline": too_late})
    assert response.status_code == 400 and "promised processing time" in response.content.decode()
    response = client.post(url("conditional", app.public_id), {"deadline": "not a date"})
    assert response.status_code == 400 and "valid date" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    deadline = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(url("conditional", app.public_id), {"deadline": deadline})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW and app.conditional
    notice = app.notices.get()
    pdf = client.get(url("notice_pdf", app.public_id, notice.public_id))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The applicant reads the same notice; a stranger does not.
    assert login(world.villager_a).get(url("notice_pdf", app.public_id, notice.public_id)).status_code == 200
    assert login(world.villager_b).get(url("notice_pdf", app.public_id, notice.public_id)).status_code == 404


def test_the_suggested_deadline_reaches_the_date_input_in_chinese(world, app, login, settings):
    """The Chinese page once wrote 2026/12/13 into the date input: the browser showed it empty and
    refused the form. The value must be ISO in every language."""
    client = login(world.township_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(url("detail", app.public_id)).content.decode()
    assert "有条件受理" in page or "容缺受理" in page  # the Chinese page
    limit = services.conditional_deadline_limit(app)
    suggested = min(timezone.localdate() + dt.timedelta(days=10), timezone.localtime(limit).date())
    assert f'type="date" name="deadline" value="{suggested.isoformat()}"' in page


def test_station_finds_the_villager_by_a_full_width_id_number(world, catalogue, login):
    response = login(world.cadre_a).post(
        url("apply", catalogue.dibao.public_id), {"id_number": full_width(world.villager_a.villager.id_number)}
    )
    assert response.status_code == 302 and world.villager_a.villager.public_id in response["Location"]


def test_return_form_and_resubmit(world, catalogue, app, login):
    client = login(world.township_staff)
    response = client.post(url("return", app.public_id), {"message": ""})
    assert response.status_code == 400 and "at least one correction" in response.content.decode()
    income = app.materials.get(spec=catalogue.specs["家庭收入声明"])
    assert client.post(url("return", app.public_id), {f"c{income.pk}": "缺少签字"}).status_code == 302
    villager = login(world.villager_a)
    page = villager.get(url("detail", app.public_id)).content.decode()
    assert "缺少签字" in page and "resubmit" in page
    response = villager.post(url("resubmit", app.public_id), {f"m{catalogue.specs['家庭收入声明'].pk}": png()})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED


def test_supply_upload_by_applicant_and_refusals(world, catalogue, flow, login):
    app = flow.submit()
    flow.conditional(app)
    bank = app.materials.get(spec=catalogue.specs["银行卡"])
    target = url("supply", app.public_id, bank.pk)
    assert login(world.township_staff).post(target, {"file": png()}).status_code == 403
    assert login(world.villager_b).post(target, {"file": png()}).status_code == 404
    client = login(world.villager_a)
    response = client.post(target, {"file": exe_file()})
    assert response.status_code == 400 and "not accepted" in response.content.decode()
    response = client.post(target, {})
    assert response.status_code == 400
    bank.refresh_from_db()
    assert bank.state == MaterialState.MISSING
    assert client.post(target, {"file": png()}).status_code == 302
    bank.refresh_from_db()
    assert bank.state == MaterialState.SUPPLIED


def test_step_form_and_certificate(world, catalogue, login, county_staff):
    app = services.application_submit(
        actor=world.villager_a, item=catalogue.disability, villager=world.villager_a.villager
    )
    services.application_accept(actor=county_staff, application=app)
    client = login(county_staff)
    response = client.post(url("step", app.public_id), {"decision": "reject", "reason": ""})
    assert response.status_code == 400 and "reasons" in response.content.decode()
    assert login(world.township_staff).post(url("step", app.public_id), {"decision": "approve"}).status_code == 404
    assert login(county_staff).post(url("step", app.public_id), {"decision": "approve"}).status_code == 302
    cert = Certificate.objects.get()
    villager = login(world.villager_a)
    assert cert.code in villager.get(url("detail", app.public_id)).content.decode()
    pdf = villager.get(url("certificate_pdf", app.public_id))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_public_verification_pages(client, world, catalogue, county_staff):
    app = services.application_submit(
        actor=world.villager_a, item=catalogue.disability, villager=world.villager_a.villager
    )
    services.application_accept(actor=county_staff, application=app)
    services.step_decide(actor=county_staff, application=app, decision="approve")
    cert = Certificate.objects.get()
    response = client.get(url("verify_check", cert.code))
    body = response.content.decode()
    assert response.status_code == 200 and "Genuine certificate" in body and "张*" in body and "残疾人证办理" in body
    assert world.villager_a.villager.id_number not in body
    response = client.get(url("verify_check", "ABCD-EFGH-JKMN-PQRS"))
    assert response.status_code == 404 and "Not a valid certificate" in response.content.decode()
    response = client.get(url("verify_form") + "?code=" + cert.code.lower().replace("-", ""))
    assert response.status_code == 302 and response["Location"].endswith(cert.code)
    assert client.get(url("verify_form") + "?code=%3Cscript%3E").status_code == 404
    assert client.get(url("verify_form")).status_code == 200


# --- catalogue configuration ----------------------------------------------------------------------


def _item_post(**kw):
    data = {
        "name": "农村危房改造",
        "code": "weifang",
        "matter": "other",
        "description": "",
        "office_level": "township",
        "office_kind": "housing",
        "promised_days": "20",
        "valid_days": "",
        "published": "on",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "12",
        "steps-0-name": "村级评议",
        "steps-0-level": "village",
        "steps-0-office_kind": "",
        "steps-0-time_limit_days": "5",
        "materials-TOTAL_FORMS": "2",
        "materials-INITIAL_FORMS": "0",
        "materials-MIN_NUM_FORMS": "0",
        "materials-MAX_NUM_FORMS": "30",
        "materials-0-name": "身份证",
        "materials-0-core": "on",
        "materials-0-forms_text": "照片",
        "materials-0-source": "identity",
        "materials-0-legal_basis": "依法共享",
    }
    data.update(kw)
    return data


def test_county_admin_configures_the_catalogue(world, login):
    client = login(world.county_admin)
    assert client.get(url("item_new")).status_code == 200
    response = client.post(url("item_new"), _item_post())
    item = ServiceItem.objects.get(code="weifang")
    assert response.status_code == 302 and item.steps.count() == 1 and item.materials.get().source == "identity"
    response = client.post(url("item_edit", item.public_id), _item_post(**{"steps-0-time_limit_days": "50"}))
    assert response.status_code == 200 and "more than the promised" in response.content.decode()
    assert item.steps.get().time_limit_days == 5
    for user in (world.township_staff, world.villager_a, world.cadre_a):
        assert login(user).post(url("item_new"), _item_post(code="other")).status_code == 403
    assert not ServiceItem.objects.filter(code="other").exists()


def test_catalogue_pages(world, catalogue, login):
    client = login(world.villager_b)
    body = client.get(url("catalogue")).content.decode()
    assert "最低生活保障" in body
    detail = client.get(url("item_detail", catalogue.dibao.public_id)).content.decode()
    assert "家庭收入声明" in detail and "村级初审" in detail


def test_root_verify_address_when_mounted(client, world, catalogue, county_staff):
    from cunzhi.applications import pdf

    app = services.application_submit(
        actor=world.villager_a, item=catalogue.disability, villager=world.villager_a.villager
    )
    services.application_accept(actor=county_staff, application=app)
    services.step_decide(actor=county_staff, application=app, decision="approve")
    cert = Certificate.objects.get()
    assert pdf.verify_path(cert.code) == f"/verify/{cert.code}"
    assert pdf.verify_url(cert.code).endswith(f"/verify/{cert.code}")
    assert client.get(f"/verify/{cert.code}").status_code == 200
    assert client.get("/verify/").status_code == 200
