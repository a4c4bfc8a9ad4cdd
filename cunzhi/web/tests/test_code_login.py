"""Logging in with a code sent by text: the code really travels as a text (file gateway here, Kannel
in the browser test of notify), works once for 5 minutes, survives no guessing, and tells nobody
which numbers have accounts."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from cunzhi.notify import login_codes
from cunzhi.notify.models import LoginCode


@pytest.fixture
def texts(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", str(tmp_path)
    settings.RATELIMIT_ENABLE = False

    def codes() -> list[tuple[str, str]]:
        out = []
        for p in sorted(tmp_path.glob("*.txt")):
            text = p.read_text(encoding="utf-8")
            out.append((text.splitlines()[0].removeprefix("To: "), re.search(r"\b(\d{6})\b", text).group(1)))
        return out

    return codes


def ask(client, phone, **extra):
    return client.post(reverse("code_login"), {"phone": phone, **extra})


def enter(client, phone, code, **extra):
    return client.post(reverse("code_login_enter"), {"phone": phone, "code": code, **extra})


def test_a_villager_logs_in_with_the_code_from_the_text(world, client, texts):
    r = ask(client, "139 0000 0001", next="/notify/inbox/")
    assert r.status_code == 302 and r["Location"].startswith(reverse("code_login_enter"))
    ((to, code),) = texts()
    assert to == "13900000001"
    r = enter(client, "13900000001", code, next="/notify/inbox/")
    assert r.status_code == 302 and r["Location"] == "/notify/inbox/"
    assert client.get("/").context["user"] == world.villager_a
    # Once only.
    client.logout()
    assert enter(client, "13900000001", code).status_code == 200
    assert "_auth_user_id" not in client.session


def test_full_width_digits_are_read(world, client, texts):
    ask(client, "１３９００００００01")
    ((_, code),) = texts()
    wide = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert enter(client, "13900000001", wide).status_code == 302


def test_a_number_without_an_account_gets_the_same_answer_and_no_text(world, client, texts):
    known, unknown = ask(client, "13900000001"), ask(client, "13711112222")
    assert known.status_code == unknown.status_code == 302
    assert [to for to, _ in texts()] == ["13900000001"]
    assert LoginCode.objects.filter(phone="13711112222", sent=False).exists()  # counted for the limits


def test_expired_wrong_and_guessed_codes_fail(world, client, texts, clock):
    clock.move_to("2026-03-02 10:00:00+08:00")
    ask(client, "13900000001")
    ((_, code),) = texts()
    clock.shift(dt.timedelta(minutes=5, seconds=1))
    r = enter(client, "13900000001", code)
    assert r.status_code == 200 and "5 minutes" in r.text
    clock.shift(dt.timedelta(minutes=1))
    ask(client, "13900000001")
    code = texts()[-1][1]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(login_codes.MAX_ATTEMPTS):
        assert enter(client, "13900000001", wrong).status_code == 200
    assert enter(client, "13900000001", code).status_code == 200  # five wrong guesses ended it
    assert "_auth_user_id" not in client.session


def test_a_number_asks_at_most_once_a_minute_and_five_times_an_hour(world, client, texts, clock):
    clock.move_to("2026-03-02 10:00:00+08:00")
    assert ask(client, "13900000001").status_code == 302
    r = ask(client, "13900000001")
    assert r.status_code == 200 and "less than a minute" in r.text
    for _ in range(4):
        clock.shift(dt.timedelta(minutes=2))
        assert ask(client, "13900000001").status_code == 302
    clock.shift(dt.timedelta(minutes=2))
    r = ask(client, "13900000001")
    assert r.status_code == 200 and "Too many codes" in r.text
    assert len(texts()) == 5


@pytest.mark.parametrize("phone", ["", "12345", "abc", "1390000000１x", "1" * 200])
def test_bad_numbers_get_a_message_and_send_nothing(world, client, texts, phone):
    r = ask(client, phone)
    assert r.status_code == 200 and 'class="error" role="alert"' in r.text
    assert texts() == [] and not LoginCode.objects.exists()


@pytest.mark.parametrize("code", ["", "12", "abcdef", "1234567", "' OR 1=1"])
def test_malformed_codes_are_refused(world, client, texts, code):
    ask(client, "13900000001")
    r = enter(client, "13900000001", code)
    assert r.status_code == 200 and "_auth_user_id" not in client.session


def test_gateway_down_says_so_and_stores_no_usable_code(world, client, settings, texts):
    settings.SMS_BACKEND, settings.SMS_HTTP_URL = "http", "http://127.0.0.1:9/"
    r = ask(client, "13900000001")
    assert r.status_code == 200 and "could not be sent" in r.text
    assert not LoginCode.objects.exists()


def test_the_next_address_stays_on_the_site(world, client, texts):
    ask(client, "13900000001")
    ((_, code),) = texts()
    r = enter(client, "13900000001", code, next="https://evil.example/")
    assert r["Location"] == "/"


def test_the_login_page_offers_the_code(client):
    assert reverse("code_login") in client.get(reverse("login")).text
