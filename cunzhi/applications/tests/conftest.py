"""Fixtures for service applications: private files in a temporary folder, English messages, a small
catalogue (minimum living allowance with a village, township and county step; disability
certificate), uploads, and helpers that drive an application to a given state."""

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cunzhi.applications import services
from cunzhi.applications.models import Level, Matter, ServiceItem, Source
from cunzhi.people.models import Delegation, DelegationScope, OfficeKind, Relation, Role, RoleAssignment
from cunzhi.people.tests.factories import UserFactory

BASIS = "《国务院关于加快推进政务服务标准化规范化便利化的指导意见》（国发〔2022〕5号）"


@pytest.fixture(autouse=True)
def _mail_settings(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.APPLICATIONS_MAIL_ADDRESS = "banshi@example.gov.cn"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")


def png(name="photo.jpg", size=(40, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def pdf_file(name="scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


def exe_file(name="virus.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, content_type="application/pdf")


@pytest.fixture
def catalogue(world):
    """Two items: the disability certificate, and the minimum living allowance (容缺 allowed) whose
    disability material is taken from an earlier certificate with consent."""
    admin = world.county_admin
    disability = ServiceItem(
        code="disability-cert",
        name="残疾人证办理",
        matter=Matter.DISABILITY,
        office_level=Level.COUNTY,
        office_kind=OfficeKind.CIVIL_AFFAIRS,
        promised_days=20,
        region_code=world.county.code,
    )
    services.item_configure(
        actor=admin,
        item=disability,
        steps=[
            {"name": "县级审核", "level": Level.COUNTY, "office_kind": OfficeKind.CIVIL_AFFAIRS, "time_limit_days": 10}
        ],
        materials=[
            {"name": "居民身份证", "core": True, "forms": "原件照片", "source": Source.IDENTITY, "legal_basis": BASIS}
        ],
    )
    dibao = ServiceItem(
        code="dibao",
        name="最低生活保障",
        matter=Matter.ASSISTANCE,
        office_level=Level.TOWNSHIP,
        office_kind=OfficeKind.CIVIL_AFFAIRS,
        promised_days=30,
        conditional_allowed=True,
        region_code=world.county.code,
    )
    services.item_configure(
        actor=admin,
        item=dibao,
        steps=[
            {"name": "村级初审", "level": Level.VILLAGE, "office_kind": "", "time_limit_days": 5},
            {
                "name": "乡镇审核",
                "level": Level.TOWNSHIP,
                "office_kind": OfficeKind.CIVIL_AFFAIRS,
                "time_limit_days": 10,
            },
            {"name": "县级审批", "level": Level.COUNTY, "office_kind": OfficeKind.CIVIL_AFFAIRS, "time_limit_days": 10},
        ],
        materials=[
            {"name": "居民身份证", "core": True, "forms": "原件照片", "source": Source.IDENTITY, "legal_basis": BASIS},
            {
                "name": "户口簿",
                "core": True,
                "forms": "户主页和本人页照片",
                "source": Source.HOUSEHOLD,
                "legal_basis": BASIS,
            },
            {"name": "家庭收入声明", "core": True, "forms": "签字后拍照或PDF", "example": "全家近12个月收入"},
            {
                "name": "残疾人证",
                "core": False,
                "forms": "证件照片",
                "source": Source.CERTIFICATE,
                "source_item": disability,
                "conditional": True,
                "condition": "家庭成员有残疾的",
            },
            {"name": "银行卡", "core": False, "forms": "正面照片", "example": "本人名下的一类账户"},
        ],
    )
    specs = {m.name: m for m in dibao.materials.all()}
    return SimpleNamespace(dibao=dibao, disability=disability, specs=specs)


@pytest.fixture
def cadre_party_a(world):
    """The village committee of A (cadre already in world; a Party secretary too)."""
    user = UserFactory(phone="13900000011", name="陈支书")
    RoleAssignment.objects.create(user=user, role=Role.PARTY_SECRETARY, region=world.village_a)
    return user


@pytest.fixture
def county_staff(world):
    """Staff of the county civil affairs bureau (the last step of the minimum living allowance)."""
    user = UserFactory(phone="13900000031", name="冯科长")
    RoleAssignment.objects.create(user=user, role=Role.OFFICE_STAFF, region=world.county, office=world.office_county)
    return user


@pytest.fixture
def delegation(world):
    import datetime as dt

    from django.utils import timezone

    return Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.APPLICATIONS, DelegationScope.CONCERNS],
        ends_at=timezone.now() + dt.timedelta(days=30),
    )


@pytest.fixture
def flow(world, catalogue):
    """Helpers: submit the allowance for villager A with the income statement (bank card missing)."""

    def submit(*, commitment=True, income=True, bank=False, actor=None, **kw):
        uploads = {}
        if income:
            uploads[catalogue.specs["家庭收入声明"].pk] = [png("income.jpg")]
        if bank:
            uploads[catalogue.specs["银行卡"].pk] = [png("bank.jpg")]
        return services.application_submit(
            actor=actor or world.villager_a,
            item=catalogue.dibao,
            villager=world.villager_a.villager,
            uploads=uploads,
            commitment=commitment,
            **kw,
        )

    def conditional(app, days=10):
        import datetime as dt

        from django.utils import timezone

        return services.application_accept_conditionally(
            actor=world.township_staff, application=app, deadline=timezone.localdate() + dt.timedelta(days=days)
        )

    return SimpleNamespace(submit=submit, conditional=conditional)
