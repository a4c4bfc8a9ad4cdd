"""Login throttling that tells villagers apart behind a proxy and slows guessing without locking the
owner out:

- the client address is read from the proxy's header only when the direct peer is a configured
  trusted proxy (TRUSTED_PROXIES); lockouts (django-axes) and rate limits (django-ratelimit) use it;
- per account, across all addresses, failures beyond LOGIN_ACCOUNT_FREE_FAILURES make the next try
  wait, twice as long after each further failure; a try made while waiting is refused without
  checking the password and is not counted, so waiting always opens the account again; a browser
  the owner logged in with before is not made to wait.

Every test runs on the injected clock (conftest.clock).
"""

import pytest
from django.test import Client, RequestFactory

from cunzhi.core.clientip import client_ip

TOKEN_URL = "/api/v1/auth/token"


def login(client, phone, password, address="127.0.0.1", **extra):
    return client.post("/login/", {"username": phone, "password": password}, REMOTE_ADDR=address, **extra)


def logged_in(client):
    return "_auth_user_id" in client.session


# --- the client address ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "peer, header, trusted, expected",
    [
        ("203.0.113.9", "198.51.100.7", [], "203.0.113.9"),  # no proxy configured: the header is ignored
        ("10.0.0.2", "198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),  # what the client wrote is not trusted
        ("10.0.0.2", "198.51.100.7, 10.0.0.5", ["10.0.0.0/8"], "198.51.100.7"),  # two proxies
        ("203.0.113.9", "198.51.100.7", ["10.0.0.0/8"], "203.0.113.9"),  # the peer is not our proxy: forged
        ("10.0.0.2", "not-an-address", ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", "", ["10.0.0.0/8"], "10.0.0.2"),
        ("::1", "2001:db8::7", ["::1"], "2001:db8::7"),
    ],
)
def test_client_address_comes_from_a_trusted_proxy_only(settings, peer, header, trusted, expected):
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=header)
    assert client_ip(request) == expected


def test_client_address_header_is_configurable(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert client_ip(request) == "198.51.100.7"


# --- behind a proxy ------------------------------------------------------------------------------


@pytest.fixture
def behind_proxy(settings):
    """The test client's requests come from 127.0.0.1: here that is the site's reverse proxy."""
    settings.TRUSTED_PROXIES = ["127.0.0.1"]


def test_behind_a_proxy_an_attacker_locks_out_only_himself(client, world, settings, behind_proxy, clock):
    statuses = [
        login(client, world.villager_a.phone, "guess", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1) and statuses[-1] == 429  # locked at the last
    assert login(client, world.villager_a.phone, world.password, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    # The villager, through the same proxy from home, logs in.
    villager = Client()
    r = login(villager, world.villager_a.phone, world.password, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert r.status_code == 302 and logged_in(villager)


def test_behind_a_proxy_the_rate_limit_counts_each_client(client, world, behind_proxy, clock):
    from cunzhi.core.ratelimits import LOGIN_RATE

    limit = int(LOGIN_RATE.split("/")[0])
    for i in range(limit):
        login(client, f"1380000{i:04d}", "x", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert login(client, "13800009999", "x", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    r = login(Client(), world.villager_a.phone, world.password, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert r.status_code == 302


# --- per account, from many addresses ------------------------------------------------------------


def test_guesses_from_many_addresses_are_slowed_per_account(world, settings, clock):
    free, first_wait = settings.LOGIN_ACCOUNT_FREE_FAILURES, settings.LOGIN_ACCOUNT_DELAY_SECONDS
    phone = world.villager_a.phone
    addresses = (f"198.51.100.{i}" for i in range(1, 200))
    for _ in range(free):
        assert login(Client(), phone, "guess", next(addresses)).status_code == 200
    # One guess from each of many addresses no longer gets through: the account waits.
    r = login(Client(), phone, "guess", next(addresses))
    assert r.status_code == 429 and f"{first_wait} seconds" in r.content.decode()
    # Even the right password is refused while waiting (not checked, not counted) ...
    for _ in range(5):
        owner = Client()
        assert login(owner, phone, world.password, next(addresses)).status_code == 429
        assert not logged_in(owner)
    # ... and tries during the wait do not make it longer.
    clock.shift(first_wait)
    assert login(Client(), phone, "guess", next(addresses)).status_code == 200  # one more guess, checked
    r = login(Client(), phone, world.password, next(addresses))
    assert r.status_code == 429 and f"{2 * first_wait} seconds" in r.content.decode()  # twice as long
    clock.shift(2 * first_wait)
    owner = Client()
    assert login(owner, phone, world.password, next(addresses)).status_code == 302 and logged_in(owner)
    # Logging in clears the account's count: the next mistake is checked at once.
    assert login(Client(), phone, "typo", next(addresses)).status_code == 200


def test_the_wait_is_capped(world, settings, clock):
    settings.LOGIN_ACCOUNT_FREE_FAILURES = 1
    settings.LOGIN_ACCOUNT_DELAY_SECONDS = 100
    settings.LOGIN_ACCOUNT_MAX_DELAY_SECONDS = 300
    for i, wait in enumerate([0, 100, 200, 300, 300]):
        clock.shift(wait)
        assert login(Client(), world.villager_a.phone, "guess", f"198.51.100.{i}").status_code == 200
    assert login(Client(), world.villager_a.phone, world.password, "198.51.100.99").status_code == 429
    clock.shift(300)
    assert login(Client(), world.villager_a.phone, world.password, "198.51.100.99").status_code == 302


def test_the_owners_own_browser_is_not_made_to_wait(world, settings, clock):
    phone = world.villager_a.phone
    own = Client()
    assert login(own, phone, world.password).status_code == 302
    own.post("/logout/")
    for i in range(settings.LOGIN_ACCOUNT_FREE_FAILURES):
        login(Client(), phone, "guess", f"198.51.100.{i}")
    assert login(Client(), phone, world.password, "198.51.100.200").status_code == 429
    r = login(own, phone, world.password, "198.51.100.201")  # at home, on another network: still known
    assert r.status_code == 302 and logged_in(own)
    # The browser is known for that account only.
    assert login(own, world.helper.phone, world.password).status_code == 302


def test_a_forged_device_cookie_is_ignored(world, settings, clock):
    phone = world.villager_a.phone
    for i in range(settings.LOGIN_ACCOUNT_FREE_FAILURES):
        login(Client(), phone, "guess", f"198.51.100.{i}")
    forger = Client()
    forger.cookies[settings.LOGIN_DEVICE_COOKIE] = "forged"
    assert login(forger, phone, world.password, "198.51.100.200").status_code == 429


def test_the_wait_is_told_in_the_users_language(world, settings, clock):
    for i in range(settings.LOGIN_ACCOUNT_FREE_FAILURES):
        login(Client(), world.villager_a.phone, "guess", f"198.51.100.{i}")
    r = login(Client(), world.villager_a.phone, world.password, "198.51.100.200", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 429
    assert f"{settings.LOGIN_ACCOUNT_DELAY_SECONDS} 秒" in r.content.decode()
    assert r["Retry-After"] == str(settings.LOGIN_ACCOUNT_DELAY_SECONDS)


def test_token_endpoint_is_slowed_per_account_too(client, world, settings, clock):
    def issue(password, address):
        return client.post(
            TOKEN_URL,
            {"phone": world.villager_a.phone, "password": password},
            content_type="application/json",
            REMOTE_ADDR=address,
        )

    for i in range(settings.LOGIN_ACCOUNT_FREE_FAILURES):
        assert issue("guess", f"198.51.100.{i}").status_code == 401
    r = issue(world.password, "198.51.100.200")
    assert r.status_code == 429 and r.json()["code"] == "login_delayed"
    assert r["Retry-After"] == str(settings.LOGIN_ACCOUNT_DELAY_SECONDS)
    assert r["Content-Type"].startswith("application/json")
    clock.shift(settings.LOGIN_ACCOUNT_DELAY_SECONDS)
    assert issue(world.password, "198.51.100.201").status_code == 200
