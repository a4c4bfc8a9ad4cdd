"""Inbound e-mail: attachments filed on the right application and material, receipts, and everything
that cannot be matched kept for staff; the real SMTP receiver on 127.0.0.1."""

import smtplib
import socket
from email.message import EmailMessage

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from cunzhi.applications import inbound, jobs
from cunzhi.applications.models import CommitmentState, InboundMail, MailState, MaterialState

from .conftest import png


def message(*, sender, subject, files=()):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "banshi@example.gov.cn"
    msg["Subject"] = subject
    msg.set_content("材料见附件")
    for name, data, (main, sub) in files:
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg


def photo(name):
    return (name, png(name).read(), ("image", "png"))


@pytest.fixture
def conditional_app(world, catalogue, flow):
    world.villager_a.email = "zhangsan@example.com"
    world.villager_a.save()
    app = flow.submit()
    flow.conditional(app)
    app.refresh_from_db()
    return app


def receive(msg):
    return inbound.mail_receive(raw=msg.as_bytes(), envelope_from=str(msg["From"]))


def test_attachments_are_filed_by_number_and_a_receipt_goes_back(world, catalogue, conditional_app):
    app = conditional_app
    bank, card = catalogue.specs["银行卡"], catalogue.specs["残疾人证"]
    kept = receive(
        message(
            sender="张三 <ZhangSan@example.com>",
            subject=f"补充材料 {app.number}",
            files=[photo(f"{bank.order}-银行卡.png"), photo("残疾人证.png")],
        )
    )
    assert kept.state == MailState.ATTACHED and kept.application == app and kept.reason == ""
    assert kept.raw.size > 0  # the whole message is stored
    states = {m.spec_id: m for m in app.materials.all()}
    assert states[bank.pk].state == MaterialState.SUPPLIED and states[card.pk].state == MaterialState.SUPPLIED
    assert states[bank.pk].files.get().via == "email"
    app.refresh_from_db()
    assert app.commitment.state == CommitmentState.KEPT and app.supply_due_at is None
    # The receipt (sent after commit; run it here directly, as on_commit would).
    from cunzhi.applications import inbound

    assert inbound.reply(kept.pk)
    sent = django_mail.outbox[-1]
    assert sent.to == ["zhangsan@example.com"] and app.number in sent.subject
    assert "银行卡" in sent.body


def test_receipt_is_plain_text_with_the_names_as_sent(world, catalogue, conditional_app):
    app = conditional_app
    name = '张三\'s "scan" <1>.png'
    kept = receive(message(sender="zhangsan@example.com", subject=app.number, files=[photo(name)]))
    from cunzhi.applications import inbound

    assert inbound.reply(kept.pk)
    body = django_mail.outbox[-1].body
    assert name in body and "&quot;" not in body and "&#x27;" not in body


def test_unknown_sender_is_kept_not_filed(world, catalogue, conditional_app):
    app = conditional_app
    kept = receive(message(sender="stranger@example.net", subject=f"{app.number}", files=[photo("银行卡.png")]))
    assert kept.state == MailState.UNMATCHED and kept.reason == "unknown_sender"
    assert not app.files.filter(via="email").exists()
    from cunzhi.applications import inbound

    inbound.reply(kept.pk)
    body = django_mail.outbox[-1].body
    assert "not the e-mail registered" in body and app.number not in body  # nothing revealed to a stranger


@pytest.mark.parametrize("subject, reason", [("材料", "no_number"), ("20200101-000001 材料", "unknown_number")])
def test_unknown_or_missing_number_is_kept(world, conditional_app, subject, reason):
    kept = receive(message(sender="zhangsan@example.com", subject=subject, files=[photo("a.png")]))
    assert kept.state == MailState.UNMATCHED and kept.reason == reason and kept.application is None


def test_bad_attachment_is_refused_with_its_reason(world, catalogue, conditional_app):
    app = conditional_app
    kept = receive(
        message(
            sender="zhangsan@example.com",
            subject=app.number,
            files=[("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100, ("application", "pdf"))],
        )
    )
    assert kept.state == MailState.UNMATCHED and kept.reason == "no_valid_files"
    assert kept.report[0]["ok"] is False and "not accepted" in kept.report[0]["message"]
    assert not app.files.filter(via="email").exists()


def test_ambiguous_attachment_waits_on_the_application_for_staff(world, catalogue, conditional_app, client):
    app = conditional_app
    kept = receive(message(sender="zhangsan@example.com", subject=app.number, files=[photo("IMG_0001.png")]))
    assert kept.state == MailState.ATTACHED
    unsorted = app.files.get(material__isnull=True)
    client.force_login(world.township_staff)
    bank = app.materials.get(spec=catalogue.specs["银行卡"])
    response = client.post(
        reverse("applications:assign", args=[app.public_id]), {"file": unsorted.public_id, "material": bank.pk}
    )
    assert response.status_code == 302
    bank.refresh_from_db()
    assert bank.state == MaterialState.SUPPLIED and bank.files.get() == unsorted


def test_staff_resolve_kept_mail(world, catalogue, conditional_app, login):
    app = conditional_app
    kept = receive(message(sender="son@example.com", subject="爸爸的材料", files=[photo("银行卡.png")]))
    client = login(world.township_staff)
    listing = client.get(reverse("applications:mail_list"))
    assert listing.status_code == 200 and "爸爸的材料" in listing.content.decode()
    url = reverse("applications:mail_detail", args=[kept.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"number": "20200101-000001", "note": ""})
    assert "No application with this number" in response.content.decode()
    response = client.post(url, {"number": app.number, "note": "电话核实为其子代发"})
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.state == MailState.RESOLVED and kept.application == app and kept.resolved_by == world.township_staff
    assert app.materials.get(spec=catalogue.specs["银行卡"]).state == MaterialState.SUPPLIED
    # Other townships' staff do not see mail naming this application; villagers see no mail page.
    assert login(world.other_township_staff).get(url).status_code == 404
    assert login(world.villager_a).get(reverse("applications:mail_list")).status_code == 403


def test_closed_application_mail_is_kept(world, catalogue, conditional_app):
    app = conditional_app
    jobs.applications_terminate_overdue(now=app.supply_due_at + __import__("datetime").timedelta(minutes=1))
    kept = receive(message(sender="zhangsan@example.com", subject=app.number, files=[photo("银行卡.png")]))
    assert kept.state == MailState.UNMATCHED and kept.reason == "closed"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_real_smtp_receiver_files_and_replies(world, catalogue, flow):
    from cunzhi.applications.management.commands.applications_mail_receiver import controller

    world.villager_a.email = "zhangsan@example.com"
    world.villager_a.save()
    app = flow.submit()
    flow.conditional(app)
    port = _free_port()
    server = controller(host="127.0.0.1", port=port, recipients={"banshi@example.gov.cn"})
    server.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.send_message(message(sender="zhangsan@example.com", subject=app.number), to_addrs=["x@y.z"])
            smtp.send_message(
                message(
                    sender="zhangsan@example.com",
                    subject=f"Re: {app.number}",
                    files=[photo("5-card.png"), photo("残疾人证.png")],
                )
            )
    finally:
        server.stop()
    kept = InboundMail.objects.get()
    assert kept.state == MailState.ATTACHED and kept.reply_sent
    app.refresh_from_db()
    assert app.commitment.state == CommitmentState.KEPT
    assert any(app.number in m.subject for m in django_mail.outbox)


def test_automatic_messages_are_kept_but_never_answered(world, conditional_app, django_capture_on_commit_callbacks):
    msg = message(sender="MAILER-DAEMON@example.com", subject=f"Undelivered: {conditional_app.number}")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        kept = receive(msg)
    assert kept.state == MailState.UNMATCHED and not callbacks and not django_mail.outbox
