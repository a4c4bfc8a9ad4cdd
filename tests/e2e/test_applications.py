"""In a real browser, the whole path of a service application: the villager applies on a phone, the
township office accepts conditionally, the missing material arrives by e-mail through the real SMTP
receiver, the village committee and the office approve, and anyone verifies the certificate."""

import datetime as dt
import io
import re
import smtplib
import socket
from email.message import EmailMessage

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from cunzhi.applications import services
from cunzhi.applications.models import Application, Certificate, InboundMail, Level, MailState, ServiceItem, Source
from cunzhi.people.models import OfficeKind

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]
BASIS = "《国务院关于加快推进“互联网+政务服务”工作的指导意见》（国发〔2016〕55号）"


def picture(path, colour=(200, 120, 40)):
    Image.new("RGB", (120, 90), colour).save(path, "PNG")
    return str(path)


@pytest.fixture
def setup(transactional_db, world, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.APPLICATIONS_MAIL_ADDRESS = "banshi@example.gov.cn"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    world.villager_a.email = "zhangsan@example.com"
    world.villager_a.save()
    item = ServiceItem(
        code="dibao",
        name="最低生活保障申请",
        office_level=Level.TOWNSHIP,
        office_kind=OfficeKind.CIVIL_AFFAIRS,
        promised_days=20,
        conditional_allowed=True,
        region_code=world.county.code,
    )
    services.item_configure(
        actor=world.county_admin,
        item=item,
        steps=[
            {"name": "村级入户调查及民主评议", "level": Level.VILLAGE, "office_kind": "", "time_limit_days": 7},
            {
                "name": "乡镇民政办审核审批",
                "level": Level.TOWNSHIP,
                "office_kind": OfficeKind.CIVIL_AFFAIRS,
                "time_limit_days": 10,
            },
        ],
        materials=[
            {
                "name": "居民身份证",
                "core": True,
                "forms": "原件正反面照片",
                "source": Source.IDENTITY,
                "legal_basis": BASIS,
            },
            {
                "name": "居民户口簿",
                "core": True,
                "forms": "户主页和本人页照片",
                "source": Source.HOUSEHOLD,
                "legal_basis": BASIS,
            },
            {"name": "家庭经济状况核对授权书", "core": True, "forms": "签字后拍照", "example": "全体家庭成员签字"},
            {"name": "银行卡", "core": False, "forms": "卡面正面照片", "example": "本人名下一类账户"},
        ],
    )
    return world, item


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_apply_accept_conditionally_supply_by_email_approve_verify(setup, open_page, tmp_path):
    world, item = setup
    # 1. The villager applies on a phone: identity and household come from records.
    phone = open_page(PHONE)
    log_in(phone, world.villager_a.phone, world.password)
    phone.goto("/services/")
    shot(phone, "applications-my-services-phone")
    phone.goto("/services/catalogue/")
    phone.locator(f"a[href='/services/catalogue/{item.public_id}/apply/']").click()
    expect(phone.locator("#material-1.reusable")).to_be_visible()
    expect(phone.locator("#material-2.reusable")).to_be_visible()
    consent_spec = item.materials.get(order=3)
    phone.locator(f"input[name=m{consent_spec.pk}]").set_input_files(picture(tmp_path / "auth.png"))
    phone.locator("#id_commitment").check()
    assert horizontal_overflow(phone) == 0
    shot(phone, "applications-apply-phone")
    phone.locator("#apply-form button[type=submit]").click()
    expect(phone.locator("#status")).to_be_visible()
    application = Application.objects.get()
    expect(phone.locator("#status")).to_contain_text(application.number)
    assert horizontal_overflow(phone) == 0
    shot(phone, "applications-submitted-phone")

    # 2. The township office accepts conditionally: the bank card may follow within the deadline.
    staff = open_page()
    log_in(staff, world.township_staff.phone, world.password)
    staff.goto("/services/work/")
    expect(staff.locator("main table")).to_contain_text(application.number)
    shot(staff, "applications-worklist")
    staff.locator(f"a[href='/services/a/{application.public_id}/']").first.click()
    deadline = timezone.localdate() + dt.timedelta(days=7)
    staff.locator("#conditional-form input[name=deadline]").fill(deadline.isoformat())
    shot(staff, "applications-acceptance-decision")
    staff.locator("#conditional-form button[type=submit]").click()
    expect(staff.locator(".notice")).to_contain_text("银行卡")
    pdf_href = staff.locator(".notice a").first.get_attribute("href")
    pdf = staff.request.get(pdf_href)
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    shot(staff, "applications-accepted-conditionally")
    application.refresh_from_db()
    assert application.conditional and application.supply_due_at

    # 3. The bank card arrives by e-mail at the real SMTP receiver, filed on the application.
    from cunzhi.applications.management.commands.applications_mail_receiver import controller

    port = free_port()
    receiver = controller(host="127.0.0.1", port=port, recipients={"banshi@example.gov.cn"})
    receiver.start()
    try:
        msg = EmailMessage()
        msg["From"], msg["To"] = "张三 <zhangsan@example.com>", "banshi@example.gov.cn"
        msg["Subject"] = f"补交材料 {application.number}"
        msg.set_content("银行卡照片见附件")
        buf = io.BytesIO()
        Image.new("RGB", (120, 80), (20, 90, 160)).save(buf, "PNG")
        msg.add_attachment(buf.getvalue(), maintype="image", subtype="png", filename="银行卡.png")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(msg)
    finally:
        receiver.stop()
    assert InboundMail.objects.get().state == MailState.ATTACHED
    phone.reload()
    expect(phone.locator("#material-4")).to_contain_text("银行卡.png")
    shot(phone, "applications-supplied-by-email-phone")

    # 4. The village committee approves its step, then the township office gives the final approval.
    cadre = open_page()
    log_in(cadre, world.cadre_a.phone, world.password)
    cadre.goto(f"/services/a/{application.public_id}/")
    cadre.locator("input[name=decision][value=approve]").check()
    cadre.locator("#step-decision button[type=submit]").click()
    expect(cadre.locator("ol.steps li").first).to_contain_text("村级入户调查及民主评议")
    staff.goto(f"/services/a/{application.public_id}/")
    staff.locator("input[name=decision][value=approve]").check()
    staff.locator("#step-decision button[type=submit]").click()
    expect(staff.locator("#certificate")).to_be_visible()
    cert = Certificate.objects.get()

    # 5. The villager sees the certificate; anyone checks it, and an altered code fails.
    phone.goto(f"/services/a/{application.public_id}/")
    expect(phone.locator("#certificate")).to_contain_text(cert.code)
    shot(phone, "applications-approved-phone")
    anyone = open_page(PHONE)
    anyone.goto(f"/verify/{cert.code}")  # the public address the QR code carries
    expect(anyone.locator("#verdict.ok-card")).to_contain_text("张*")
    assert horizontal_overflow(anyone) == 0
    shot(anyone, "applications-verify-genuine-phone")
    altered = ("2" if cert.code[0] != "2" else "3") + cert.code[1:]
    anyone.goto("/verify/")
    anyone.locator("#id_code").fill(altered)
    anyone.locator("main form button[type=submit]").click()
    expect(anyone.locator("#verdict.warn-card")).to_be_visible()
    assert re.search(r"/verify/", anyone.url)
    shot(anyone, "applications-verify-altered-phone")


def test_the_chinese_page_suggests_a_deadline_the_browser_accepts(setup, open_page):
    """On the Chinese page the suggested deadline once rendered as 2026/12/13: the date input showed
    nothing and the browser refused the form. Now the office accepts with the suggestion untouched."""
    world, item = setup
    application = services.application_submit(
        actor=world.villager_a,
        item=item,
        villager=world.villager_a.villager,
        commitment=True,
        uploads={item.materials.get(order=3).pk: [SimpleUploadedFile("auth.png", _png_bytes(), "image/png")]},
    )
    staff = open_page()  # the browser speaks Chinese (zh-CN)
    log_in(staff, world.township_staff.phone, world.password)
    staff.goto(f"/services/a/{application.public_id}/")
    assert staff.locator("html").get_attribute("lang") == "zh-hans"
    limit = timezone.localtime(services.conditional_deadline_limit(application)).date()
    suggested = min(timezone.localdate() + dt.timedelta(days=10), limit)
    field = staff.locator("#conditional-form input[name=deadline]")
    assert field.input_value() == suggested.isoformat()  # what the browser itself holds
    assert field.evaluate("el => el.validity.valid")
    staff.locator("#conditional-form button[type=submit]").click()
    expect(staff.locator(".notice")).to_contain_text("银行卡")
    application.refresh_from_db()
    assert application.conditional and timezone.localtime(application.supply_due_at).date() == suggested


def _png_bytes():
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 120, 40)).save(buf, "PNG")
    return buf.getvalue()
