"""SMS through a real Kannel (bearerbox + smsbox) with fakesmsc as the operator: the text a phone
would show is checked, not only a status code; delivery reports and incoming texts come back over HTTP."""

import http.server
import threading
import time
import urllib.parse

import pytest
from django.urls import reverse

from cunzhi.notify import services
from cunzhi.notify.kannel import KannelBox, parse_operator_log
from cunzhi.notify.models import Channel, Delivery, DeliveryStatus, Urgency
from cunzhi.notify.transports import KannelSmsGateway, PermanentTransportError, TransportError
from cunzhi.people.tests.factories import UserFactory, VillagerFactory

NOTICE = "村民大会通知：12月10日（周四）上午9时在村委会召开，议题：修路 + 路灯。回复1参加，2远程，3不能参加。"


class Recorder(http.server.ThreadingHTTPServer):
    """Plays Cunzhi's endpoints for the gateway: records every request Kannel makes."""

    def __init__(self):
        self.hits: list[tuple[str, dict]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                recorder.hits.append((url.path, dict(urllib.parse.parse_qsl(url.query))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def wait_for(self, path: str, n: int = 1, timeout: float = 20) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [q for p, q in self.hits if p == path]
            if len(found) >= n:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{path}: {len([1 for p, _ in self.hits if p == path])} of {n} requests arrived")


@pytest.fixture(scope="module")
def recorder():
    server = Recorder()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def kannel(tmp_path_factory, recorder):
    box = KannelBox(
        folder=tmp_path_factory.mktemp("kannel"),
        get_url=recorder.url("/mo") + "?from=%p&to=%P&text=%a&id=%I",
    ).start()
    yield box
    box.stop()


@pytest.fixture
def gateway(kannel, recorder, settings):
    settings.KANNEL_SENDSMS_URL = kannel.sendsms_url
    settings.KANNEL_USERNAME, settings.KANNEL_PASSWORD = kannel.username, kannel.password
    settings.KANNEL_SENDER = "106900001"
    settings.KANNEL_DLR_URL, settings.KANNEL_SECRET = recorder.url("/dlr"), "s3cret"
    return KannelSmsGateway()


def test_chinese_text_reaches_the_phone_as_ucs2_and_the_delivery_is_reported(gateway, kannel, recorder):
    gateway.send("13800000001", NOTICE, ref="d-41")
    (report,) = recorder.wait_for("/dlr")
    assert (report["ref"], report["status"], report["secret"]) == ("d-41", "1", "s3cret")  # 1: delivered
    got = [m for m in kannel.received() if m[1] == "13800000001"]
    assert got == [("106900001", "13800000001", NOTICE)]
    assert "ucs-2" in kannel.received_log.read_text()  # coding=2 on the air, not a lossy 7-bit text


def test_a_text_a_phone_sends_reaches_the_inbound_url_in_utf8(kannel, recorder):
    kannel.inject("13900000002", "106900001", "1 参加，谢谢")
    (mo,) = recorder.wait_for("/mo")
    assert mo["from"] == "13900000002" and mo["to"] == "106900001"
    assert mo["text"] == "1 参加，谢谢"
    assert len(mo["id"]) >= 16  # Kannel's own message id: what makes a retried callback recognisable


def test_kannel_down_is_a_failure_to_retry(gateway, settings):
    settings.KANNEL_SENDSMS_URL = "http://127.0.0.1:9/cgi-bin/sendsms"
    with pytest.raises(TransportError) as caught:
        gateway.send("13800000001", "测试")
    assert not isinstance(caught.value, PermanentTransportError)


def test_a_wrong_password_is_retried_after_the_setting_is_fixed(gateway, settings):
    settings.KANNEL_PASSWORD = "wrong"
    with pytest.raises(TransportError, match="403") as caught:
        gateway.send("13800000001", "测试")
    assert not isinstance(caught.value, PermanentTransportError)


def test_a_request_kannel_can_never_take_fails_for_good(gateway):
    with pytest.raises(PermanentTransportError, match="400"):
        gateway.send("", "测试")


def test_operator_log_is_decoded():
    log = "x DEBUG: Got message 1: <106 138 ucs-2 %67%51%6C%11>\nnoise\nGot message 2: <1 2 text hello>\n"
    assert parse_operator_log(log) == [("106", "138", "村民"), ("1", "2", "hello")]


# --- a notice through Kannel, with the delivery report back to Cunzhi's endpoint --------------------


@pytest.mark.django_db(transaction=True)
def test_a_notice_reaches_phones_through_kannel_and_counts_on_the_delivery_report(live_kannel):
    from cunzhi.notify.selectors import notice_report

    users = [UserFactory(phone=f"1380000100{i}", email="", language="zh-hans") for i in range(3)]
    notice = services.notice_send(
        kind="direct",
        users=users,
        subject={"zh-hans": "周日召开村民会议", "en": "Village meeting on Sunday"},
        body={"zh-hans": "上午9点到村委会礼堂。", "en": "Come to the hall at 9."},
        urgency=Urgency.URGENT,
    )
    sms = Delivery.objects.filter(notice=notice, channel=Channel.SMS)
    deadline = time.monotonic() + 20
    while sms.filter(delivered_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sms.filter(delivered_at__isnull=False, status=DeliveryStatus.SENT).count() == 3, [d.last_error for d in sms]
    texts = {to: text for _, to, text in live_kannel.received()}
    assert set(texts) == {u.phone for u in users}
    assert all(t.startswith("周日召开村民会议 ") and notice.public_id in t for t in texts.values()), texts
    assert notice_report(notice=notice)["reached"] == 3  # on the phones: counted as reached


@pytest.mark.django_db
def test_delivery_report_endpoint_records_once_and_refuses_strangers(client, settings):
    settings.KANNEL_SECRET = "s3cret"
    user = UserFactory(phone="13800001000")
    notice = services.notice_send(kind="direct", users=[user], subject={"en": "x"}, body={"en": "y"})
    d = Delivery.objects.get(notice=notice, channel=Channel.SMS)
    url = reverse("notify:sms_delivery_report")
    assert client.get(url, {"ref": d.pk, "status": 1}).status_code == 403  # no secret: not our gateway
    assert client.get(url, {"ref": d.pk, "status": 1, "secret": "guess"}).status_code == 403
    assert client.post(url, {"ref": d.pk, "status": 1, "secret": "s3cret"}).status_code == 405
    d.refresh_from_db()
    assert d.delivered_at is None
    for _ in range(3):  # the gateway repeats a report it is not sure we got
        r = client.get(url, {"ref": d.pk, "status": 1, "secret": "s3cret"})
        assert r.status_code == 200
    d.refresh_from_db()
    first = d.delivered_at
    assert first is not None
    assert client.get(url, {"ref": d.pk, "status": 1, "secret": "s3cret"}).content == b"repeated\n"
    d.refresh_from_db()
    assert d.delivered_at == first
    # A later "undeliverable" cannot undo a delivery; an unknown or malformed report changes nothing.
    assert client.get(url, {"ref": d.pk, "status": 2, "secret": "s3cret"}).content == b"repeated\n"
    assert client.get(url, {"ref": "999999", "status": 1, "secret": "s3cret"}).content == b"unknown\n"
    assert client.get(url, {"ref": "x'--", "status": 1, "secret": "s3cret"}).content == b"unknown\n"
    r = client.get(url, {"ref": d.pk, "status": "delivered", "secret": "s3cret"})
    assert r.status_code == 400
    d.refresh_from_db()
    assert (d.delivered_at, d.undelivered_at) == (first, None)


@pytest.mark.django_db
def test_an_undeliverable_text_is_not_counted_as_reached(world, client, settings):
    from cunzhi.notify.selectors import not_reached, notice_report

    settings.KANNEL_SECRET, settings.SMS_DELIVERY_REPORTS = "s3cret", False
    villager = VillagerFactory(village=world.village_a, phone="13950001001")
    notice = services.notice_send(
        kind="direct", villager_ids=[villager.pk], mandatory=True, subject={"en": "x"}, body={"en": "y"}
    )
    assert notice_report(notice=notice)["reached"] == 0
    Delivery.objects.filter(notice=notice, channel=Channel.SMS).update(status=DeliveryStatus.SENT)
    assert notice_report(notice=notice)["reached"] == 1  # a gateway without reports: accepted counts
    d = Delivery.objects.get(notice=notice, channel=Channel.SMS)
    client.get(reverse("notify:sms_delivery_report"), {"ref": d.pk, "status": 16, "secret": "s3cret"})
    assert notice_report(notice=notice)["reached"] == 0
    assert list(not_reached(notice=notice)) == [villager]  # on the door-to-door list
