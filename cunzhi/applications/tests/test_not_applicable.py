"""Conditional materials ("disability certificate, if a household member is disabled"): marked not
applicable by the office, or by the applicant's side with a reason, they are never missing: not in
the conditional notice, not behind its deadline, never a reason to terminate or break a commitment."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cunzhi.applications import jobs, services
from cunzhi.applications.models import CommitmentState, MaterialState, ServiceItem, Source, Status
from cunzhi.core.models import AuditEvent
from cunzhi.people.models import Office, OfficeKind, Role, RoleAssignment
from cunzhi.people.tests.factories import UserFactory

from .conftest import png

API = "/api/v1/services/applications"


def material(app, catalogue, name):
    return app.materials.select_related("spec").get(spec=catalogue.specs[name])


def test_the_disability_certificate_no_longer_terminates_an_application(world, catalogue, flow):
    """The issue as reported: nobody in the household is disabled, the bank card arrives in time."""
    app = flow.submit()  # bank card and disability certificate missing
    services.material_not_applicable(
        actor=world.township_staff, application=app, material=material(app, catalogue, "残疾人证")
    )
    notice = flow.conditional(app)
    assert [i["name"] for i in notice.items] == ["银行卡"]
    app.refresh_from_db()
    assert app.commitment.items == ["银行卡"]
    services.material_supply(
        actor=world.villager_a, application=app, material=material(app, catalogue, "银行卡"), files=[png()]
    )
    app.refresh_from_db()
    assert app.supply_due_at is None and app.commitment.state == CommitmentState.KEPT
    assert jobs.applications_terminate_overdue(now=timezone.now() + dt.timedelta(days=60)) == "0 terminated"
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW and not services.has_broken_commitment(world.villager_a.villager)


def test_the_applicant_says_it_does_not_apply_after_acceptance_and_the_commitment_is_kept(world, catalogue, flow):
    app = flow.submit(bank=True)
    flow.conditional(app)  # only the disability certificate is missing
    disability = material(app, catalogue, "残疾人证")
    with pytest.raises(ValidationError) as exc:  # the applicant's side must say why
        services.material_not_applicable(actor=world.villager_a, application=app, material=disability)
    assert "reason" in exc.value.message_dict
    services.material_not_applicable(
        actor=world.villager_a, application=app, material=disability, reason="家中无残疾人"
    )
    app.refresh_from_db()
    disability.refresh_from_db()
    assert disability.state == MaterialState.NOT_APPLICABLE and disability.not_applicable_by == world.villager_a
    assert app.supply_due_at is None and app.commitment.state == CommitmentState.KEPT
    event = AuditEvent.objects.get(action="application.material_not_applicable")
    assert event.after == {"state": "not_applicable", "reason": "家中无残疾人", "by": "applicant"}
    assert event.before == {"material": "残疾人证", "state": "missing"}
    # The final approval does not wait for it either.
    assert not services._missing(app)


def test_a_helper_marks_it_for_the_villager_on_record(world, catalogue, flow, delegation):
    app = flow.submit()
    services.material_not_applicable(
        actor=world.helper, application=app, material=material(app, catalogue, "残疾人证"), reason="家里没有残疾人"
    )
    event = AuditEvent.objects.get(action="application.material_not_applicable")
    assert event.actor == world.helper and event.on_behalf_of_id == world.villager_a.villager.pk


def test_only_conditional_and_missing_materials_and_only_staff_undo_before_acceptance(world, catalogue, flow):
    app = flow.submit()
    with pytest.raises(ValidationError, match="needed in every case"):
        services.material_not_applicable(
            actor=world.township_staff, application=app, material=material(app, catalogue, "银行卡")
        )
    disability = material(app, catalogue, "残疾人证")
    services.material_not_applicable(actor=world.villager_a, application=app, material=disability, reason="无残疾人")
    with pytest.raises(ValidationError, match="Only a missing material"):
        services.material_not_applicable(actor=world.township_staff, application=app, material=disability)
    with pytest.raises(ValidationError, match="Only the accepting office"):
        services.material_not_applicable(actor=world.villager_a, application=app, material=disability, applicable=True)
    services.material_not_applicable(actor=world.township_staff, application=app, material=disability, applicable=True)
    disability.refresh_from_db()
    assert disability.state == MaterialState.MISSING and disability.not_applicable_reason == ""
    assert AuditEvent.objects.filter(action="application.material_applicable").count() == 1
    # Staff of an office that does not accept the application cannot mark anything.
    with pytest.raises(ValidationError):
        services.material_not_applicable(actor=world.other_township_staff, application=app, material=disability)


def test_a_file_sent_after_all_makes_it_provided(world, catalogue, flow):
    app = flow.submit()
    disability = material(app, catalogue, "残疾人证")
    services.material_not_applicable(actor=world.villager_a, application=app, material=disability, reason="无")
    services.material_supply(actor=world.villager_a, application=app, material=disability, files=[png()])
    disability.refresh_from_db()
    assert disability.state == MaterialState.PROVIDED and disability.not_applicable_reason == ""


def test_a_condition_is_required_for_a_conditional_material(world):
    item = ServiceItem(code="x", name="测试事项", promised_days=5, region_code=world.county.code)
    with pytest.raises(ValidationError, match="say when it is needed"):
        services.item_configure(
            actor=world.county_admin,
            item=item,
            steps=[
                {"name": "乡镇审核", "level": "township", "office_kind": OfficeKind.CIVIL_AFFAIRS, "time_limit_days": 5}
            ],
            materials=[
                {"name": "居民身份证", "core": True, "forms": "照片", "source": Source.IDENTITY, "legal_basis": "依法"},
                {"name": "残疾人证", "core": False, "forms": "照片", "conditional": True, "condition": " "},
            ],
        )


# --- pages ------------------------------------------------------------------------------------------


def test_applying_the_applicant_says_it_does_not_apply(world, catalogue, login):
    client = login(world.villager_a)
    specs = catalogue.specs
    page = client.get(reverse("applications:apply", args=[catalogue.dibao.public_id])).content.decode()
    assert f'name="na{specs["残疾人证"].pk}"' in page and f'name="na{specs["银行卡"].pk}"' not in page
    assert "Needed only: 家庭成员有残疾的" in page
    response = client.post(
        reverse("applications:apply", args=[catalogue.dibao.public_id]),
        {
            f"m{specs['家庭收入声明'].pk}": png("income.jpg"),
            f"na{specs['残疾人证'].pk}": "家中没有残疾人",
            "commitment": "on",
        },
    )
    assert response.status_code == 302
    app = world.villager_a.villager.applications.get()
    assert material(app, catalogue, "残疾人证").state == MaterialState.NOT_APPLICABLE
    assert AuditEvent.objects.get(action="application.submit").after["not_applicable"] == {"残疾人证": "家中没有残疾人"}
    page = client.get(reverse("applications:detail", args=[app.public_id])).content.decode()
    assert "Does not apply (marked by 张三" in page and "家中没有残疾人" in page


@pytest.fixture
def nature_staff(world):
    """Staff of another office of the same township (natural resources): not the accepting office."""
    office = Office.objects.create(
        name="递铺街道自然资源所", kind=OfficeKind.NATURAL_RESOURCES, region=world.township_t
    )
    user = UserFactory(phone="13900000025", name="孙所长")
    RoleAssignment.objects.create(user=user, role=Role.OFFICE_STAFF, region=world.township_t, office=office)
    return user


def test_the_page_action_allowed_and_refused(world, catalogue, flow, login, client, delegation, nature_staff):
    app = flow.submit()
    disability = material(app, catalogue, "残疾人证")
    target = reverse("applications:not_applicable", args=[app.public_id, disability.pk])
    response = client.post(target, {"reason": "无"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    for who in (world.villager_b, world.other_township_staff, nature_staff):
        assert login(who).post(target, {"reason": "无"}).status_code == 404
    # The county administrator reads every application of the county but does not accept this one.
    assert login(world.county_admin).post(target, {"reason": "无"}).status_code == 403
    disability.refresh_from_db()
    assert (
        disability.state == MaterialState.MISSING
        and not AuditEvent.objects.filter(action="application.material_not_applicable").exists()
    )
    # Bad input: the applicant without a reason gets the message, nothing changes.
    response = login(world.villager_a).post(target, {"reason": ""})
    assert response.status_code == 400 and "Say why it does not apply" in response.content.decode()
    disability.refresh_from_db()
    assert disability.state == MaterialState.MISSING
    # Allowed: the helper with a delegation, with a reason; then the office undoes and marks it itself.
    assert login(world.helper).post(target, {"reason": "家里没有残疾人"}).status_code == 302
    staff = login(world.township_staff)
    page = staff.get(reverse("applications:detail", args=[app.public_id])).content.decode()
    assert "It applies after all" in page
    assert staff.post(target, {"applicable": "1"}).status_code == 302
    assert staff.post(target, {"reason": ""}).status_code == 302
    disability.refresh_from_db()
    assert disability.state == MaterialState.NOT_APPLICABLE and disability.not_applicable_by == world.township_staff


def test_the_api_action_allowed_and_refused(world, catalogue, flow, login, client):
    app = flow.submit()
    target = f"{API}/{app.public_id}/materials/{catalogue.specs['残疾人证'].order}/not-applicable"
    assert client.post(target, {"reason": "无"}, content_type="application/json").status_code == 401
    assert login(world.villager_b).post(target, {"reason": "无"}, content_type="application/json").status_code == 404
    assert login(world.county_admin).post(target, {}, content_type="application/json").status_code == 403
    response = login(world.villager_a).post(target, {}, content_type="application/json")
    assert response.status_code == 422 and "Say why" in response.content.decode()
    bank = f"{API}/{app.public_id}/materials/{catalogue.specs['银行卡'].order}/not-applicable"
    assert login(world.villager_a).post(bank, {"reason": "无"}, content_type="application/json").status_code == 422
    response = login(world.villager_a).post(target, {"reason": "家中无残疾人"}, content_type="application/json")
    assert response.status_code == 200
    row = next(m for m in response.json()["materials"] if m["name"] == "残疾人证")
    assert row["state"] == "not_applicable" and row["conditional"] and row["not_applicable_reason"] == "家中无残疾人"
    item = login(world.villager_a).get(f"/api/v1/services/catalogue/{catalogue.dibao.public_id}").json()
    spec = next(m for m in item["materials"] if m["name"] == "残疾人证")
    assert spec["conditional"] and spec["condition"] == "家庭成员有残疾的"
