"""Foundation security: health check, headers and CSP, CSRF, login by phone, lockout, rate limits,
Argon2, private files, and a clean production deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client

from cunzhi.core.ratelimits import LOGIN_RATE
from cunzhi.people.services import user_create
from cunzhi.people.tests.factories import full_width

ROOT = Path(__file__).resolve().parents[3]


def test_healthz_reports_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["status"] == "ok"


def test_security_headers_and_csp(client, db):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_forms_require_csrf(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": world.villager_a.phone, "password": world.password})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_login_with_phone_number_forgives_formatting(client, world):
    response = client.post("/login/", {"username": "139 0000 0001", "password": world.password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.villager_a.pk)


def test_login_with_a_full_width_phone_number(client, world):
    response = client.post("/login/", {"username": full_width("+86 139 0000 0001"), "password": world.password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.villager_a.pk)


def test_wrong_password_gives_a_clear_message(client, world):
    response = client.post("/login/", {"username": world.villager_a.phone, "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert (
        "mobile number or password is wrong" in response.content.decode() or "手机号或密码" in response.content.decode()
    )


def test_lockout_after_repeated_failures(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": world.villager_a.phone, "password": "wrong"})
    # Even the right password is refused while locked.
    response = client.post("/login/", {"username": world.villager_a.phone, "password": world.password})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another villager on the same network is not locked out by someone else's failures.
    other = client.post("/login/", {"username": world.helper.phone, "password": world.password})
    assert other.status_code == 302


def test_login_is_rate_limited_per_address(client, world, clock):
    # Counted on the test's clock (see conftest.clock), so a slow machine cannot open the next window.
    limit = int(LOGIN_RATE.split("/")[0])
    statuses = [
        client.post("/login/", {"username": f"1380000{i:04d}", "password": "x"}).status_code for i in range(limit + 1)
    ]
    assert statuses[:limit] == [200] * limit  # the first attempts are answered normally
    assert statuses[limit] == 429
    clock.shift(61)
    assert client.post("/login/", {"username": "13800009999", "password": "x"}).status_code == 200


@pytest.mark.argon2
def test_passwords_are_hashed_with_argon2(db):
    user = user_create(phone="13700000001", name="测试", password="a-long-password-1")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("a-long-password-1")


def test_no_public_media_url(client, world):
    # Uploaded files live in private storage; nothing serves that folder directly.
    assert client.get("/media/rosters/anything.xlsx").status_code == 404
    assert client.get("/data/private/rosters/x.xlsx").status_code == 404


def test_language_and_text_size_switch(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Log in" in client.get("/").content.decode()
    response = client.post("/text-size/", {"size": "large", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"  # no open redirect
    assert 'class="text-large"' in client.get("/").content.decode()


def test_production_deploy_check_is_clean():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 60 + "production-secret-KEY-!@#",
            "ALLOWED_HOSTS": "cunzhi.example.gov.cn",
            "FIELD_ENCRYPTION_KEY": "another-long-random-value-for-id-numbers-0123456789",
            "LEDGER_WITNESS_KEY": "a-third-long-random-value-for-the-ledger-seals-0123456789",
            "REDIS_URL": "redis://127.0.0.1:6379/1",
            "CUNZHI_DATA_DIR": str(ROOT / "data" / "deploy-check"),
            # Whether the holiday calendar knows next year depends on today's date, not on the deployment;
            # cunzhi/core/tests/test_workdays.py checks that warning with a fixed date.
            "SILENCED_SYSTEM_CHECKS": "cunzhi.W004",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_warns_about_the_demo_ledger_witness_key(settings):
    from cunzhi.core.checks import production_secrets

    settings.LEDGER_WITNESS_KEY = "insecure-demo-witness-key-set-LEDGER_WITNESS_KEY-in-production"
    assert "cunzhi.W421" in [w.id for w in production_secrets(None)]
    settings.LEDGER_WITNESS_KEY = "a-long-random-value"
    assert "cunzhi.W421" not in [w.id for w in production_secrets(None)]
