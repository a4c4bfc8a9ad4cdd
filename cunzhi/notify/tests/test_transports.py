"""Transports against real servers: SMTP (aiosmtpd) and an HTTP SMS gateway, both on 127.0.0.1."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from cunzhi.notify import services, transports
from cunzhi.notify.models import Channel, ChannelPreference, Delivery, DeliveryStatus, Urgency
from cunzhi.notify.tests.conftest import IMMEDIATE
from cunzhi.people.tests.factories import UserFactory

NOON = timezone.make_aware(dt.datetime(2026, 3, 2, 12, 0))


def people(n, *, sms=True, **kw):
    users = [UserFactory(email=f"p{i}@example.org", **kw) for i in range(n)]
    if not sms:
        ChannelPreference.objects.bulk_create([ChannelPreference(user=u, sms_on=False) for u in users])
    return users


def send(users, **kw):
    kw.setdefault("subject", {"en": "Village meeting on Sunday", "zh-hans": "周日召开村民会议"})
    kw.setdefault("body", {"en": "Come to the hall at 9.", "zh-hans": "上午9点到村委会礼堂。"})
    return services.notice_send(kind="direct", users=users, now=kw.pop("now", NOON), **kw)


def test_email_reaches_a_real_smtp_server(db, settings, smtp_server, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    settings.SMS_BACKEND = "file"
    users = people(7, sms=False)
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(users)
    assert len(smtp_server.messages) == 7
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(u.email for u in users)
    emails = Delivery.objects.filter(notice=notice, channel=Channel.EMAIL)
    assert emails.count() == 7 and set(emails.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert all(d.tries == 1 and d.sent_at for d in emails)
    content = smtp_server.messages[0].content.decode()
    assert "/notify/n/" + notice.public_id in content  # link to the full text
    # Plain text and HTML alternatives, the HTML with the text escaped and the link as a button.
    import email
    from email import policy

    mail = email.message_from_bytes(smtp_server.messages[0].content, policy=policy.default)
    assert mail.get_content_type() == "multipart/alternative"
    html = mail.get_body(("html",)).get_content()
    text = {"en": "Come to the hall at 9.", "zh-hans": "上午9点到村委会礼堂。"}[users[0].language]
    assert text in html and f'href="{services.notice_link(notice)}"' in html and f'lang="{users[0].language}"' in html
    assert text in mail.get_body(("plain",)).get_content()
    # The MIME message is built once per language; each copy still names its own recipient and id.
    parsed = [email.message_from_bytes(m.content, policy=policy.default) for m in smtp_server.messages]
    assert all(p["To"] == m.rcpt_tos[0] for p, m in zip(parsed, smtp_server.messages))
    assert len({p["Message-ID"] for p in parsed}) == 7 and "placeholder" not in smtp_server.messages[3].content.decode()


def test_html_email_escapes_the_text(db, settings, smtp_server, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    users = people(1, sms=False)
    with django_capture_on_commit_callbacks(execute=True):
        send(users, body={"en": "<script>alert(1)</script> & more", "zh-hans": "<script>alert(1)</script> & more"})
    import email
    from email import policy

    html = email.message_from_bytes(smtp_server.messages[0].content, policy=policy.default).get_body(("html",))
    assert "&lt;script&gt;" in html.get_content() and "<script>" not in html.get_content()


def test_channel_turned_off_after_sending_is_skipped_not_failed(db, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    on, off, gone = people(3, sms=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = send([on, off, gone])
    ChannelPreference.objects.filter(user=off).update(email_on=False)
    gone.is_active = False
    gone.save()
    for callback in callbacks:
        callback()
    rows = dict(Delivery.objects.filter(notice=notice, channel=Channel.EMAIL).values_list("recipient_id", "status"))
    assert rows == {on.pk: DeliveryStatus.SENT, off.pk: DeliveryStatus.SKIPPED, gone.pk: DeliveryStatus.SKIPPED}
    from django.core import mail

    assert [m.to for m in mail.outbox] == [[on.email]]


def test_smtp_server_down_is_recorded_and_retried(db, settings, django_capture_on_commit_callbacks):
    from cunzhi.notify.tests.conftest import free_port

    settings.TASKS = IMMEDIATE
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(people(2, sms=False))
    rows = Delivery.objects.filter(notice=notice, channel=Channel.EMAIL)
    assert set(rows.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    d = rows.first()
    assert "cannot connect to the mail server" in d.last_error and d.tries == 1 and d.next_try_at > timezone.now()


def test_sms_http_gateway(db, settings, sms_gateway, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    user = UserFactory(phone="13812345678", email="", language="zh-hans")
    long = "关于2026年春季村道硬化工程施工期间交通管制和村民出行安排的通知，请各户相互转告，注意安全，谢谢配合。" * 2
    with django_capture_on_commit_callbacks(execute=True):
        notice = send([user], subject={"zh-hans": long, "en": "Road works"}, urgency=Urgency.URGENT)
    assert len(sms_gateway.received) == 1
    payload = json.loads(sms_gateway.received[0]["body"])
    assert payload["phone"] == "13812345678"
    assert len(payload["text"]) <= 134 and payload["text"].endswith(f"/notify/n/{notice.public_id}/ 回TD退订")
    assert payload["text"].startswith("关于2026年")
    assert Delivery.objects.get(notice=notice, channel=Channel.SMS).status == DeliveryStatus.SENT


def test_sms_gateway_errors_are_kept(db, settings, sms_gateway, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    sms_gateway.status = 503
    user = UserFactory(phone="13812345679", email="")
    with django_capture_on_commit_callbacks(execute=True):
        notice = send([user], urgency=Urgency.URGENT)
    d = Delivery.objects.get(notice=notice, channel=Channel.SMS)
    assert d.status == DeliveryStatus.FAILED and "HTTP 503" in d.last_error and "gateway says no" in d.last_error
    sms_gateway.status = 400  # refused: retrying cannot help
    with django_capture_on_commit_callbacks(execute=True):
        notice = send([user], urgency=Urgency.URGENT)
    d = Delivery.objects.get(notice=notice, channel=Channel.SMS)
    assert d.status == DeliveryStatus.PERMANENT_FAILURE and "HTTP 400" in d.last_error


def test_sms_gateway_unreachable_raises_transport_error(settings):
    from cunzhi.notify.tests.conftest import free_port

    settings.SMS_HTTP_URL = f"http://127.0.0.1:{free_port()}/send"
    with pytest.raises(transports.TransportError, match="unreachable"):
        transports.HttpSmsGateway().send("13800000000", "hi")
    settings.SMS_HTTP_URL = ""
    with pytest.raises(transports.TransportError, match="SMS_HTTP_URL"):
        transports.HttpSmsGateway().send("13800000000", "hi")


def test_file_sms_backend_writes_the_text(tmp_path, settings):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", str(tmp_path)
    transports.SmsTransport().send(transports.Message(to="13800000001", subject="s", body="b", sms_text="你好"))
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and "你好" in files[0].read_text(encoding="utf-8")
    with pytest.raises(transports.PermanentTransportError):
        transports.SmsTransport().send(transports.Message(to="", subject="s", body="b"))


@pytest.mark.parametrize("text", ["短通知", "长" * 200, "word " * 80])
def test_sms_text_fits_two_segments_with_the_link_and_how_to_stop(text):
    link = "https://cunzhi.example.gov.cn/notify/n/AbCdEfGhIjKl/"
    sms = transports.sms_compose(text, link, footer="回TD退订")
    assert len(sms) <= 134 and sms.endswith(f" {link} 回TD退订") and sms.startswith(text.split()[0][:5])


def test_quiet_hours_wrap_past_midnight():
    q = (dt.time(22, 0), dt.time(7, 0))
    assert transports.in_quiet_hours(dt.time(23, 30), *q) and transports.in_quiet_hours(dt.time(6, 59), *q)
    assert not transports.in_quiet_hours(dt.time(7, 0), *q) and not transports.in_quiet_hours(dt.time(12), *q)
    late = timezone.make_aware(dt.datetime(2026, 3, 2, 23, 30))
    assert timezone.localtime(transports.quiet_hours_end(late, *q)) == timezone.make_aware(
        dt.datetime(2026, 3, 3, 7, 0)
    )
    early = timezone.make_aware(dt.datetime(2026, 3, 3, 5, 0))
    assert timezone.localtime(transports.quiet_hours_end(early, *q)) == timezone.make_aware(
        dt.datetime(2026, 3, 3, 7, 0)
    )
    assert transports.quiet_hours_end(timezone.make_aware(dt.datetime(2026, 3, 3, 9, 0)), *q) is None
    assert ChannelPreference().quiet_start == dt.time(22, 0) and ChannelPreference().quiet_end == dt.time(7, 0)


def test_quiet_hours_default_is_a_setting(settings):
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = "21:30", "06:00"
    pref = ChannelPreference()
    assert (pref.quiet_start, pref.quiet_end) == (dt.time(21, 30), dt.time(6, 0))
