"""Services: submission with once-only reuse, the acceptance decision, conditional acceptance and its
commitment, supplying, steps, termination, escalation, certificates."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunzhi.applications import certificates, jobs, services
from cunzhi.applications.models import (
    Application,
    Certificate,
    Channel,
    CommitmentState,
    DecisionNotice,
    Level,
    MaterialState,
    NoticeKind,
    ServiceItem,
    Stage,
    Status,
    StepState,
)
from cunzhi.core.models import AuditEvent
from cunzhi.notify.models import Notice
from cunzhi.people.models import AccessKind, DataAccess

from .conftest import exe_file, png


def test_working_days_skip_weekends():
    friday = timezone.make_aware(dt.datetime(2026, 11, 27, 10, 0))
    due = services.add_working_days(friday, 1)
    assert timezone.localtime(due).date() == dt.date(2026, 11, 30)  # Monday
    assert timezone.localtime(services.add_working_days(friday, 5)).date() == dt.date(2026, 12, 4)


def test_submit_reuses_records_and_stores_uploads(world, catalogue, flow):
    app = flow.submit()
    assert re.fullmatch(r"\d{8}-\d{6}", app.number)
    assert app.status == Status.SUBMITTED and app.stage == Stage.ACCEPTANCE
    assert app.accepting_office == world.office_t and app.handler_office == world.office_t
    assert app.channel == Channel.SELF and app.due_at > timezone.now()
    states = {m.spec.name: m for m in app.materials.all()}
    assert states["居民身份证"].state == MaterialState.REUSED
    assert states["居民身份证"].legal_basis.startswith("《国务院")
    assert states["居民身份证"].snapshot["id_number"] == world.villager_a.villager.id_number_masked
    assert states["户口簿"].state == MaterialState.REUSED and "张小明" in states["户口簿"].snapshot["members"]
    assert states["家庭收入声明"].state == MaterialState.PROVIDED
    stored = states["家庭收入声明"].files.get()
    assert stored.content_type in ("image/png", "image/jpeg") and stored.original_name == "income.jpg"
    assert states["残疾人证"].state == MaterialState.MISSING  # no earlier certificate on record
    assert states["银行卡"].state == MaterialState.MISSING
    assert AuditEvent.objects.filter(action="application.submit", object_id=str(app.pk)).exists()
    # The applicant is told; the accepting office's staff are told.
    assert Notice.objects.filter(template="applications_submitted").exists()
    assert Notice.objects.filter(template="applications_new").exists()


def test_sensitive_reuse_needs_consent_and_shows_on_who_viewed_my_data(world, catalogue, flow, county_staff):
    # An approved disability certificate exists for villager A.
    cert_app = services.application_submit(
        actor=world.villager_a, item=catalogue.disability, villager=world.villager_a.villager
    )
    county_staff_office = world.office_county
    assert cert_app.accepting_office == county_staff_office
    services.application_accept(actor=county_staff, application=cert_app)
    services.step_decide(actor=county_staff, application=cert_app, decision="approve")
    assert Certificate.objects.filter(application=cert_app).exists()
    without = flow.submit()
    assert without.materials.get(spec=catalogue.specs["残疾人证"]).state == MaterialState.MISSING
    spec = catalogue.specs["残疾人证"]
    app = flow.submit(consents={spec.pk})
    m = app.materials.get(spec=spec)
    assert m.state == MaterialState.REUSED and m.consent_at is not None and m.legal_basis == ""
    # A helper applying: the reuse is recorded at once, with its basis, for the villager to see.
    from cunzhi.people.models import Delegation, DelegationScope, Relation

    Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.APPLICATIONS],
        ends_at=timezone.now() + dt.timedelta(days=9),
    )
    flow.submit(actor=world.helper)
    rows = DataAccess.objects.filter(subject=world.villager_a.villager, kind=AccessKind.DATA_REUSE)
    assert rows.exists() and "国发〔2022〕5号" in rows.first().purpose


def test_only_applicant_side_may_submit(world, catalogue):
    for actor in (world.villager_b, world.other_township_staff, world.helper):  # helper has no delegation yet
        with pytest.raises(ValidationError):
            services.application_submit(actor=actor, item=catalogue.dibao, villager=world.villager_a.villager)
    assert not Application.objects.exists()


def test_station_staff_apply_on_behalf_recorded(world, catalogue):
    with pytest.raises(ValidationError):
        services.application_submit(actor=world.cadre_a, item=catalogue.dibao, villager=world.villager_a.villager)
    app = services.application_submit(
        actor=world.cadre_a, item=catalogue.dibao, villager=world.villager_a.villager, station_confirmed=True
    )
    assert app.channel == Channel.STATION and app.submitted_by == world.cadre_a
    event = AuditEvent.objects.get(action="application.submit")
    assert event.on_behalf_of == world.villager_a.villager and event.actor == world.cadre_a
    assert DataAccess.objects.filter(subject=world.villager_a.villager, actor=world.cadre_a).exists()


def test_bad_upload_refuses_whole_submission(world, catalogue):
    with pytest.raises(ValidationError) as exc:
        services.application_submit(
            actor=world.villager_a,
            item=catalogue.dibao,
            villager=world.villager_a.villager,
            uploads={catalogue.specs["家庭收入声明"].pk: [exe_file()]},
        )
    assert "not accepted" in str(exc.value)
    assert not Application.objects.exists()


def test_accept_refused_when_materials_missing_then_accepted_when_complete(world, catalogue, flow):
    app = flow.submit()
    with pytest.raises(ValidationError, match="Materials are missing"):
        services.application_accept(actor=world.township_staff, application=app)
    with pytest.raises(ValidationError):  # another township's staff
        services.application_accept(actor=world.other_township_staff, application=app)
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    complete = flow.submit(bank=True)
    m = complete.materials.get(spec=catalogue.specs["残疾人证"])
    services.material_supply(actor=world.villager_a, application=complete, material=m, files=[png()])
    services.application_accept(actor=world.township_staff, application=complete)
    complete.refresh_from_db()
    assert complete.status == Status.IN_REVIEW and complete.stage == Stage.STEP
    first = complete.steps.get(order=1)
    assert first.state == StepState.ACTIVE and first.office is None and first.level == Level.VILLAGE
    assert complete.handler_office is None and complete.due_at == first.due_at
    assert complete.promised_due_at > first.due_at


def test_conditional_acceptance_rules(world, catalogue, flow):
    core_missing = flow.submit(income=False)
    with pytest.raises(ValidationError, match="Core materials are missing"):
        flow.conditional(core_missing)
    no_commitment = flow.submit(commitment=False)
    with pytest.raises(ValidationError, match="not signed the commitment"):
        flow.conditional(no_commitment)
    app = flow.submit()
    limit = services.conditional_deadline_limit(app)
    too_late = timezone.localtime(limit).date() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="promised processing time"):
        services.application_accept_conditionally(actor=world.township_staff, application=app, deadline=too_late)
    with pytest.raises(ValidationError, match="after today"):
        services.application_accept_conditionally(
            actor=world.township_staff, application=app, deadline=timezone.localdate()
        )
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and not DecisionNotice.objects.exists()
    notice = flow.conditional(app)
    app.refresh_from_db()
    assert notice.kind == NoticeKind.CONDITIONAL
    assert [i["name"] for i in notice.items] == ["残疾人证", "银行卡"]
    assert all(i["form"] for i in notice.items) and notice.deadline == app.supply_due_at
    assert "terminated" in notice.message
    assert app.status == Status.IN_REVIEW and app.conditional
    commitment = app.commitment
    assert commitment.state == CommitmentState.OPEN and commitment.agreed_by == world.villager_a
    assert commitment.deadline == app.supply_due_at
    assert Notice.objects.filter(template="applications_conditional").exists()


def test_conditional_notice_links_its_pdf_at_the_site_address(world, catalogue, flow, settings):
    settings.SITE_URL = "https://cunzhi.example.gov.cn:8443"
    notice = flow.conditional(flow.submit())
    sent = Notice.objects.get(template="applications_conditional")
    assert sent.context["pdf"].startswith("https://cunzhi.example.gov.cn:8443/services/")
    assert sent.context["pdf"].endswith(f"/notices/{notice.public_id}.pdf")


def test_certificate_qr_and_link_use_the_site_address(settings):
    from cunzhi.applications import pdf

    settings.SITE_URL = "https://cunzhi.example.gov.cn:8443"
    assert pdf.verify_url("ABCD-1234") == "https://cunzhi.example.gov.cn:8443" + pdf.verify_path("ABCD-1234")


def test_supplying_the_last_material_keeps_the_commitment(world, catalogue, flow):
    app = flow.submit()
    flow.conditional(app)
    for name in ("残疾人证", "银行卡"):
        m = app.materials.get(spec=catalogue.specs[name])
        services.material_supply(actor=world.villager_a, application=app, material=m, files=[png()])
    app.refresh_from_db()
    assert app.supply_due_at is None
    assert app.commitment.state == CommitmentState.KEPT
    assert set(app.materials.values_list("state", flat=True)) <= {
        MaterialState.REUSED,
        MaterialState.PROVIDED,
        MaterialState.SUPPLIED,
    }
    # Nothing to terminate later.
    assert jobs.applications_terminate_overdue(now=timezone.now() + dt.timedelta(days=60)) == "0 terminated"


def test_deadline_passes_terminates_and_bars_conditional_acceptance_next_time(world, catalogue, flow):
    app = flow.submit()
    flow.conditional(app)
    assert jobs.applications_terminate_overdue() == "0 terminated"  # not yet due
    later = app.supply_due_at + dt.timedelta(minutes=1)
    assert jobs.applications_terminate_overdue(now=later) == "1 terminated"
    assert jobs.applications_terminate_overdue(now=later) == "0 terminated"  # idempotent
    app.refresh_from_db()
    assert app.status == Status.TERMINATED and app.stage == Stage.DONE
    assert app.commitment.state == CommitmentState.BROKEN
    assert app.notices.filter(kind=NoticeKind.TERMINATION).exists()
    assert Notice.objects.filter(template="applications_terminated").exists()
    assert not app.steps.filter(state=StepState.ACTIVE).exists()
    # Next time: no commitment can be offered, and the office cannot accept conditionally.
    with pytest.raises(ValidationError, match="earlier commitment"):
        flow.submit()
    again = flow.submit(commitment=False)
    with pytest.raises(ValidationError):
        flow.conditional(again)


def test_return_lists_every_correction_in_one_notice_then_resubmit(world, catalogue, flow):
    app = flow.submit()
    with pytest.raises(ValidationError, match="at least one correction"):
        services.application_return(actor=world.township_staff, application=app, corrections={})
    materials = {m.spec.name: m for m in app.materials.all()}
    notice = services.application_return(
        actor=world.township_staff,
        application=app,
        corrections={materials["家庭收入声明"].pk: "缺少签字", materials["银行卡"].pk: "请提供本人名下银行卡"},
        message="请一并补正",
    )
    app.refresh_from_db()
    assert app.status == Status.RETURNED and app.stage == Stage.APPLICANT and app.due_at is None
    assert DecisionNotice.objects.filter(application=app, kind=NoticeKind.RETURN).count() == 1
    assert {i["name"] for i in notice.items} == {"家庭收入声明", "银行卡"}
    with pytest.raises(ValidationError):
        services.application_resubmit(actor=world.villager_b, application=app)
    services.application_resubmit(
        actor=world.villager_a,
        application=app,
        uploads={
            catalogue.specs["家庭收入声明"].pk: [png("signed.jpg")],
            catalogue.specs["银行卡"].pk: [png("card.jpg")],
        },
    )
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.handler_office == world.office_t
    income = app.materials.get(spec=catalogue.specs["家庭收入声明"])
    assert income.correction == "" and [f.original_name for f in income.files.all()] == ["signed.jpg"]


def test_steps_run_through_offices_with_return_and_approval(world, catalogue, flow, cadre_party_a, county_staff):
    app = flow.submit(bank=True)
    flow.conditional(app)  # the disability certificate is still missing
    app.refresh_from_db()
    with pytest.raises(ValidationError):  # office staff cannot decide the village step
        services.step_decide(actor=world.township_staff, application=app, decision="approve")
    with pytest.raises(ValidationError, match="cannot be returned"):
        services.step_decide(actor=world.cadre_a, application=app, decision="return", reason="x")
    services.step_decide(actor=world.cadre_a, application=app, decision="approve")
    app.refresh_from_db()
    assert app.handler_office == world.office_t and app.steps.get(order=2).state == StepState.ACTIVE
    with pytest.raises(ValidationError, match="reasons"):
        services.step_decide(actor=world.township_staff, application=app, decision="return")
    services.step_decide(actor=world.township_staff, application=app, decision="return", reason="入户调查不完整")
    app.refresh_from_db()
    assert app.steps.get(order=1).state == StepState.ACTIVE and app.handler_office is None
    services.step_decide(actor=cadre_party_a, application=app, decision="approve")
    services.step_decide(actor=world.township_staff, application=app, decision="approve")
    app.refresh_from_db()
    assert app.handler_office == world.office_county
    with pytest.raises(ValidationError, match="final approval waits"):
        services.step_decide(actor=county_staff, application=app, decision="approve")
    m = app.materials.get(spec=catalogue.specs["残疾人证"])
    services.material_supply(actor=world.villager_a, application=app, material=m, files=[png()])
    services.step_decide(actor=county_staff, application=app, decision="approve")
    app.refresh_from_db()
    assert app.status == Status.APPROVED and app.stage == Stage.DONE and app.finished_at
    cert = Certificate.objects.get(application=app)
    assert cert.holder_name == "张*" and "*" in cert.holder_id and cert.item_name == "最低生活保障"
    assert Notice.objects.filter(template="applications_approved").exists()


def test_reject_needs_reasons_and_tells_the_applicant(world, catalogue, flow):
    app = flow.submit(bank=True)
    flow.conditional(app)
    app.refresh_from_db()
    with pytest.raises(ValidationError):
        services.step_decide(actor=world.cadre_a, application=app, decision="reject", reason="  ")
    services.step_decide(actor=world.cadre_a, application=app, decision="reject", reason="家庭收入超过标准")
    app.refresh_from_db()
    assert app.status == Status.REJECTED and app.result_note == "家庭收入超过标准"
    assert Notice.objects.filter(template="applications_rejected").exists()


def test_overdue_steps_escalate_once(world, catalogue, flow, county_staff):
    app = flow.submit(bank=True)
    flow.conditional(app)
    app.refresh_from_db()
    step = app.steps.get(order=1)
    late = step.due_at + dt.timedelta(hours=1)
    assert jobs.steps_escalate_overdue(now=late) == "1 overdue steps escalated"
    assert jobs.steps_escalate_overdue(now=late) == "0 overdue steps escalated"
    notice = Notice.objects.get(template="applications_overdue")
    recipients = set(notice.deliveries.values_list("recipient_id", flat=True))
    # The village committee and the township office above it are told.
    assert world.cadre_a.pk in recipients and world.township_staff.pk in recipients


def test_certificate_verification_fails_for_made_up_or_altered(world, catalogue, county_staff):
    app = services.application_submit(
        actor=world.villager_a, item=catalogue.disability, villager=world.villager_a.villager
    )
    services.application_accept(actor=county_staff, application=app)
    services.step_decide(actor=county_staff, application=app, decision="approve")
    cert = Certificate.objects.get()
    assert certificates.certificate_verify(code=cert.code) == ("genuine", cert)
    assert certificates.certificate_verify(code=cert.code.lower().replace("-", " "))[0] == "genuine"
    body = cert.code.replace("-", "")
    altered = ("1" if body[0] != "1" else "2") + body[1:]
    assert certificates.certificate_verify(code=altered) == ("invalid", None)
    assert certificates.certificate_verify(code="ABCD-EFGH-JKMN-PQRS") == ("invalid", None)
    assert certificates.certificate_verify(code="not a code") == ("invalid", None)
    # A row edited in the database (a different holder) no longer matches its signature.
    Certificate.objects.filter(pk=cert.pk).update(holder_name="李*")
    assert certificates.certificate_verify(code=cert.code) == ("invalid", None)
    Certificate.objects.filter(pk=cert.pk).update(holder_name=cert.holder_name, revoked_at=timezone.now())
    assert certificates.certificate_verify(code=cert.code)[0] == "revoked"


def test_certificates_outlive_a_rotated_secret_key_when_they_have_their_own(world, catalogue, county_staff, settings):
    settings.APPLICATIONS_CERTIFICATE_KEY, settings.SECRET_KEY = "certificates-only", "sessions-2026"
    app = services.application_submit(
        actor=world.villager_a, item=catalogue.disability, villager=world.villager_a.villager
    )
    services.application_accept(actor=county_staff, application=app)
    services.step_decide(actor=county_staff, application=app, decision="approve")
    cert = Certificate.objects.get()
    settings.SECRET_KEY = "sessions-2027"  # rotated: sessions end, certificates stay genuine
    assert certificates.certificate_verify(code=cert.code) == ("genuine", cert)
    settings.APPLICATIONS_CERTIFICATE_KEY = "another"  # the certificate key itself changed: they do not
    assert certificates.certificate_verify(code=cert.code) == ("invalid", None)


def test_item_configure_checks_its_input(world):
    item = ServiceItem(code="x", name="测试", promised_days=5, region_code=world.county.code)
    steps = [{"name": "审核", "level": Level.TOWNSHIP, "office_kind": "civil_affairs", "time_limit_days": 9}]
    materials = [{"name": "身份证", "core": True, "forms": "照片"}]
    with pytest.raises(ValidationError, match="more than the promised"):
        services.item_configure(actor=world.county_admin, item=item, steps=steps, materials=materials)
    with pytest.raises(ValidationError, match="core material"):
        services.item_configure(
            actor=world.county_admin,
            item=item,
            steps=[dict(steps[0], time_limit_days=3)],
            materials=[dict(materials[0], core=False)],
        )
    with pytest.raises(ValidationError, match="at least one step"):
        services.item_configure(actor=world.county_admin, item=item, steps=[], materials=materials)
    assert not ServiceItem.objects.exists()


def test_supply_reminder_once(world, catalogue, flow):
    app = flow.submit()
    flow.conditional(app, days=1)
    app.refresh_from_db()
    assert jobs.supply_reminders() == "1 reminders"
    assert jobs.supply_reminders() == "0 reminders"


def test_material_in_use_cannot_be_removed_but_can_be_edited(world, catalogue, flow):
    flow.submit()
    item = catalogue.dibao
    rows = [
        {
            "spec": m,
            "name": m.name,
            "core": m.core,
            "forms": m.forms,
            "example": m.example,
            "source": m.source,
            "source_item": m.source_item,
            "legal_basis": m.legal_basis,
        }
        for m in item.materials.all()
    ]
    steps = [
        {"name": s.name, "level": s.level, "office_kind": s.office_kind, "time_limit_days": s.time_limit_days}
        for s in item.steps.all()
    ]
    with pytest.raises(ValidationError, match="cannot be removed"):
        services.item_configure(actor=world.county_admin, item=item, steps=steps, materials=rows[:-1])
    assert item.materials.count() == 5
    rows[-1]["forms"] = "正面照片或开户证明"
    services.item_configure(actor=world.county_admin, item=item, steps=steps, materials=rows)
    assert item.materials.get(name="银行卡").forms == "正面照片或开户证明"
    assert list(item.materials.values_list("order", flat=True)) == [1, 2, 3, 4, 5]


def test_overdue_acceptance_decision_escalates_once(world, catalogue, flow, county_staff):
    app = flow.submit()
    late = app.due_at + dt.timedelta(hours=1)
    assert jobs.steps_escalate_overdue(now=late) == "1 overdue steps escalated"
    assert jobs.steps_escalate_overdue(now=late) == "0 overdue steps escalated"
    notice = Notice.objects.get(template="applications_overdue")
    recipients = set(notice.deliveries.values_list("recipient_id", flat=True))
    # The township office and the county office of the same kind above it.
    assert {world.township_staff.pk, county_staff.pk} <= recipients
