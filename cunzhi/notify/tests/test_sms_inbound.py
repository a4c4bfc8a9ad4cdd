"""Texts phones send: kept once whatever the gateway repeats, stop words honoured at once, anything
else answered and queued for the village's staff; only the configured gateway may hand texts over."""

import time

import pytest
from django.urls import reverse

from cunzhi.notify import sms
from cunzhi.notify.models import InboundSms, InboundStatus
from cunzhi.notify.tests.conftest import IMMEDIATE
from cunzhi.people.models import ConsentSource, SmsConsent

SECRET = "s3cret"


@pytest.fixture
def gateway_settings(settings, tmp_path):
    settings.KANNEL_SECRET = SECRET
    settings.TASKS = IMMEDIATE
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", str(tmp_path / "sms")
    return tmp_path / "sms"


def hand_over(client, *, id="k-1", sender="13900000001", text="TD", secret=SECRET, to="106900001"):
    query = {"id": id, "from": sender, "to": to, "text": text, "secret": secret}
    return client.get(reverse("notify:sms_inbound"), query)


def answers(folder) -> list[str]:
    return sorted(p.read_text(encoding="utf-8") for p in folder.glob("*.txt")) if folder.exists() else []


def test_stop_word_withdraws_consent_once_however_often_the_gateway_repeats(
    world, client, gateway_settings, django_capture_on_commit_callbacks
):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            r = hand_over(client, text="退订")
        assert r.status_code == 200 and r.content == b""
    (row,) = InboundSms.objects.all()
    assert (row.status, row.handled_as, row.sender) == (InboundStatus.HANDLED, "notify.stop", "13900000001")
    assert row.region_code == world.village_a.code
    (consent,) = SmsConsent.objects.all()
    assert (consent.phone, consent.given, consent.source) == ("13900000001", False, ConsentSource.REPLY)
    assert sms.consent_given("13900000001") is False
    (answer,) = answers(gateway_settings)  # answered once
    assert answer.startswith("To: 13900000001") and "DY" in answer


@pytest.mark.parametrize("word", ["TD", "td", "Ｔ", "T。", " 退订 "])
def test_every_form_of_the_stop_word_stops(world, client, gateway_settings, word):
    hand_over(client, text=word)
    assert sms.consent_given("13900000001") is False


def test_start_word_gives_consent_again(world, client, gateway_settings):
    hand_over(client, id="1", text="TD")
    hand_over(client, id="2", text="订阅")
    assert sms.consent_given("13900000001") is True
    assert SmsConsent.objects.count() == 2  # the withdrawal stays on record


def test_unknown_number_waits_for_county_staff(world, client, gateway_settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hand_over(client, sender="+86 137 0000 9999", text="路灯坏了")
    row = InboundSms.objects.get()
    assert (row.status, row.sender, row.region_code) == (InboundStatus.WAITING, "13700009999", world.county.code)
    (answer,) = answers(gateway_settings)
    assert "not registered" in answer


@pytest.mark.parametrize("text", ["", "好" * 1000, "x" * 5000, "<script>alert(1)</script>", "1; DROP TABLE x"])
def test_odd_texts_are_kept_and_wait_for_staff(world, client, gateway_settings, text):
    assert hand_over(client, text=text).status_code == 200
    row = InboundSms.objects.get()
    assert row.status == InboundStatus.WAITING and row.text == text[: sms.MAX_TEXT]


def test_a_failing_handler_loses_nothing(world, client, gateway_settings, monkeypatch):
    def broken(incoming):
        raise RuntimeError("bug")

    monkeypatch.setattr(sms, "HANDLERS", [("broken", broken)])
    assert hand_over(client, text="1").status_code == 200
    assert InboundSms.objects.get().status == InboundStatus.WAITING


def test_only_the_gateway_may_hand_texts_over(world, client, gateway_settings, settings):
    assert hand_over(client, secret="").status_code == 403
    assert hand_over(client, secret="guess").status_code == 403
    assert client.post(reverse("notify:sms_inbound"), {"id": "x", "secret": SECRET}).status_code == 405
    assert hand_over(client, id="").status_code == 400
    assert hand_over(client, sender="").status_code == 400
    settings.KANNEL_SECRET = ""  # no secret configured: nobody may
    assert hand_over(client).status_code == 403
    assert not InboundSms.objects.exists()


def test_an_answer_that_fails_is_kept_and_sent_once_later(world, gateway_settings, settings):
    settings.SMS_BACKEND, settings.SMS_HTTP_URL = "http", "http://127.0.0.1:9/send"
    row = sms.inbound_receive(gateway_id="g1", sender="13900000001", receiver="", text="TD")
    assert sms.inbound_answer_send(inbound_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.answer_sent_at is None and "unreachable" in row.answer_error
    settings.SMS_BACKEND = "file"
    assert sms.inbound_answer_send(inbound_id=row.pk) == "sent"
    assert sms.inbound_answer_send(inbound_id=row.pk) == "nothing to send"
    assert len(answers(gateway_settings)) == 1


# --- the staff queue ----------------------------------------------------------------------------


@pytest.fixture
def waiting(world, gateway_settings):
    a = sms.inbound_receive(gateway_id="a", sender="13900000001", receiver="", text="村口路灯不亮")
    b = sms.inbound_receive(gateway_id="b", sender="13900000002", receiver="", text="余村的事")
    stranger = sms.inbound_receive(gateway_id="c", sender="13700009999", receiver="", text="谁来管管")
    return a, b, stranger


def test_queue_shows_each_staff_member_the_texts_of_their_villages(world, login, waiting, cadre_b):
    url = reverse("notify:sms_queue")
    page = login(world.cadre_a).get(url)
    assert page.status_code == 200
    assert "村口路灯不亮" in page.text and "余村的事" not in page.text and "谁来管管" not in page.text
    page = login(cadre_b).get(url)
    assert "余村的事" in page.text and "村口路灯不亮" not in page.text
    page = login(world.county_admin).get(url)
    assert all(t in page.text for t in ("村口路灯不亮", "余村的事", "谁来管管"))


def test_queue_refuses_who_has_no_business_there(world, client, login, waiting, other_office_staff):
    url = reverse("notify:sms_queue")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for persona in (world.villager_b, world.township_staff, world.other_township_staff, other_office_staff):
        assert login(persona).get(url).status_code == 403


def test_closing_a_text(world, login, waiting, cadre_b):
    a, _b, _ = waiting
    close = reverse("notify:sms_queue_close", args=[a.pk])
    assert login(cadre_b).post(close).status_code == 404  # another village's text
    assert login(world.township_staff).post(close).status_code == 403
    assert login(world.cadre_a).get(close).status_code == 405
    r = login(world.cadre_a).post(close)
    assert r.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.closed_by) == (InboundStatus.CLOSED, world.cadre_a)
    assert "村口路灯不亮" not in login(world.cadre_a).get(reverse("notify:sms_queue")).text


# --- through the real gateway ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_stop_text_from_a_phone_through_kannel(world, live_kannel):
    box = live_kannel
    box.inject("13900000001", "106900001", "TD")
    deadline = time.monotonic() + 20
    while not box.received() and time.monotonic() < deadline:
        time.sleep(0.1)
    row = InboundSms.objects.get()
    assert (row.sender, row.text, row.handled_as) == ("13900000001", "TD", "notify.stop")
    (answer,) = box.received()  # the answer reached the phone
    assert answer[1] == "13900000001" and "DY" in answer[2]


def test_the_inbox_links_the_queue_for_those_who_read_it(world, login):
    url = reverse("notify:sms_queue")
    assert url in login(world.cadre_a).get(reverse("notify:inbox")).text
    assert url not in login(world.township_staff).get(reverse("notify:inbox")).text


def test_queue_page_queries_do_not_grow_with_the_texts(world, login, gateway_settings, django_assert_max_num_queries):
    client = login(world.cadre_a)
    url = reverse("notify:sms_queue")
    sms.inbound_receive(gateway_id="first", sender="13900000001", receiver="", text="一")
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(30):
        sms.inbound_receive(gateway_id=f"g{n}", sender=f"139000000{n % 3 + 1:02d}", receiver="", text=f"第{n}条")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.text.count('<li class="card item">') == 21  # 1 + 20 of village A (the rest: village B)


# --- replies to a notice, found by its reply code -------------------------------------------------


@pytest.fixture
def echo_handler(monkeypatch):
    """A domain's handler: takes replies to notices that asked for it, says which notice and what."""
    seen = []

    def echo(incoming):
        if incoming.notice is None or incoming.notice.reply_handler != "test.echo":
            return None
        seen.append((incoming.notice.pk, incoming.words, [v.name for v in incoming.villagers]))
        return sms.Handled("test.echo", "ok")

    monkeypatch.setattr(sms, "HANDLERS", [*sms.HANDLERS, ("test.echo", echo)])
    return seen


def test_a_reply_finds_its_notice_by_the_number_it_was_sent_to_or_by_its_code(
    world, gateway_settings, settings, echo_handler
):
    from cunzhi.notify import services

    settings.KANNEL_SENDER = "106900001"
    notice = services.notice_send(
        kind="direct", users=[world.villager_a], subject={"en": "Meeting"}, body={"en": "?"}, reply_handler="test.echo"
    )
    assert notice.reply_code.isdigit() and len(notice.reply_code) >= 4
    # A plain reply: the phone answers the number the text came from.
    sms.inbound_receive(gateway_id="r1", sender="13900000001", receiver="106900001" + notice.reply_code, text="1")
    # A reply to the bare number, starting with the code.
    sms.inbound_receive(gateway_id="r2", sender="13900000001", receiver="106900001", text=f"{notice.reply_code} 2")
    # An unknown code: nobody's notice; it waits for staff.
    other = sms.inbound_receive(gateway_id="r3", sender="13900000001", receiver="1069000019999999", text="3")
    assert echo_handler == [(notice.pk, "1", ["张三"]), (notice.pk, "2", ["张三"])]
    assert other.status == InboundStatus.WAITING


def test_reply_codes_stay_unique_among_recent_notices(world, gateway_settings):
    from cunzhi.notify import services

    codes = {
        services.notice_send(
            kind="direct", users=[world.villager_a], subject={"en": "x"}, body={"en": "y"}, reply_handler="test.echo"
        ).reply_code
        for _ in range(40)
    }
    assert len(codes) == 40


@pytest.mark.django_db(transaction=True)
def test_a_reply_from_a_phone_reaches_its_notice_through_kannel(world, live_kannel, echo_handler):
    from cunzhi.notify import services

    box = live_kannel
    notice = services.notice_send(
        kind="direct",
        users=[world.villager_a],
        subject={"en": "Meeting on Sunday: reply 1 to come", "zh-hans": "周日开会，回复1参加"},
        body={"en": "?"},
        urgency="urgent",
        reply_handler="test.echo",
    )
    deadline = time.monotonic() + 20
    while not box.received() and time.monotonic() < deadline:
        time.sleep(0.1)
    ((sender, to, _text),) = box.received()
    assert (sender, to) == (box.sender + notice.reply_code, "13900000001")
    box.inject(to, sender, "1")  # the villager presses "reply" and sends 1
    while not echo_handler and time.monotonic() < deadline:
        time.sleep(0.1)
    assert echo_handler == [(notice.pk, "1", ["张三"])], list(InboundSms.objects.values())
