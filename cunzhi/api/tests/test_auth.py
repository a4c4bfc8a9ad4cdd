"""Bearer tokens: issue, use, expiry, revocation, lockout, rate limit; /me; error format and language."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from cunzhi.api.models import ApiToken
from cunzhi.core.models import AuditEvent
from cunzhi.core.ratelimits import LOGIN_RATE
from cunzhi.people.tests.factories import full_width

TOKEN_URL = "/api/v1/auth/token"


def issue(client, phone, password, **extra):
    return client.post(TOKEN_URL, {"phone": phone, "password": password}, content_type="application/json", **extra)


def test_right_password_gives_a_working_token(client, world):
    response = issue(client, world.villager_a.phone, world.password)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and len(body["token"]) > 30
    assert dt.datetime.fromisoformat(body["expires_at"]) > timezone.now() + dt.timedelta(days=29)
    # Only a hash is stored; the plain token appears nowhere in the database.
    row = ApiToken.objects.get(user=world.villager_a)
    assert body["token"] not in (row.key_hash, row.key_prefix) and body["token"].startswith(row.key_prefix)
    assert AuditEvent.objects.filter(action="api_token.issue", object_id=str(row.pk)).exists()

    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200
    assert me.json()["phone"] == world.villager_a.phone
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None


def test_a_full_width_phone_number_gets_a_token(client, world):
    response = issue(client, full_width("139-0000-0001"), world.password)
    assert response.status_code == 200 and ApiToken.objects.get().user == world.villager_a


def test_phone_formatting_is_forgiven(client, world):
    assert issue(client, "+86 139-0000-0001", world.password).status_code == 200


def test_wrong_password_is_refused_in_json(client, world):
    response = issue(client, world.villager_a.phone, "wrong-password")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert "mobile number or password is wrong" in body["detail"]
    assert not ApiToken.objects.exists()


def test_unknown_phone_and_inactive_account_are_refused(client, world):
    assert issue(client, "13811112222", world.password).status_code == 401
    world.helper.is_active = False
    world.helper.save()
    assert issue(client, world.helper.phone, world.password).status_code == 401


def test_lockout_after_repeated_failures(client, world, settings):
    statuses = [issue(client, world.villager_a.phone, "wrong").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[0] == 401
    # Even the right password is refused while locked, with a JSON lockout message (not the HTML page).
    response = issue(client, world.villager_a.phone, world.password)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "locked_out"
    assert "locked" in response.json()["detail"]
    assert not ApiToken.objects.exists()
    # Another villager on the same network is not locked out by someone else's failures.
    assert issue(client, world.helper.phone, world.password).status_code == 200


def test_successful_token_clears_earlier_failures(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        issue(client, world.villager_a.phone, "wrong")
    assert issue(client, world.villager_a.phone, world.password).status_code == 200
    # The count started again: one more failure does not lock the account.
    assert issue(client, world.villager_a.phone, "wrong").status_code == 401
    assert issue(client, world.villager_a.phone, world.password).status_code == 200


def test_token_endpoint_is_rate_limited_per_address(client, world, clock):
    # Counted on the test's clock (see conftest.clock), so a slow machine cannot open the next window.
    limit = int(LOGIN_RATE.split("/")[0])
    statuses = [issue(client, f"1380000{i:04d}", "x").status_code for i in range(limit)]
    assert statuses == [401] * limit
    limited = issue(client, world.villager_a.phone, world.password)
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    # Another address is not limited.
    assert issue(client, world.villager_a.phone, world.password, REMOTE_ADDR="10.0.0.9").status_code == 200
    clock.shift(61)  # the next window
    assert issue(client, world.villager_a.phone, world.password).status_code == 200


def test_bad_input_is_422_without_echo_or_traceback(client, world):
    response = client.post(TOKEN_URL, {"phone": world.villager_a.phone}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["detail"]
    assert any(e["loc"][-1] == "password" for e in body["errors"])
    response = client.post(
        TOKEN_URL, {"phone": world.villager_a.phone, "password": ["secret-value"]}, content_type="application/json"
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "secret-value" not in text and "Traceback" not in text
    broken = client.post(TOKEN_URL, "{not json", content_type="application/json")
    assert broken.status_code == 400 and "Traceback" not in broken.content.decode()
    assert broken.json()["code"] == "bad_request"


def test_expired_token_is_refused(client, world, bearer):
    headers = bearer(world.villager_a)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/me", **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_refused(client, world, bearer):
    headers = bearer(world.villager_a)
    other = bearer(world.villager_a)
    response = client.delete(TOKEN_URL, **headers)
    assert response.status_code == 204
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1
    assert client.get("/api/v1/me", **headers).status_code == 401
    # Revoking again with the dead token is a 401, not a CSRF puzzle.
    assert client.delete(TOKEN_URL, **headers).status_code == 401
    # Only that token ended; the account's other token still works.
    assert client.get("/api/v1/me", **other).status_code == 200


def test_revoke_needs_a_bearer_token(world, login):
    client = login(world.villager_a)
    response = client.delete(TOKEN_URL)
    assert response.status_code == 400 and response.json()["code"] == "no_token"
    assert Client().delete(TOKEN_URL).status_code == 401


def test_token_of_a_disabled_account_is_refused(client, world, bearer):
    headers = bearer(world.villager_a)
    world.villager_a.is_active = False
    world.villager_a.save()
    assert client.get("/api/v1/me", **headers).status_code == 401


def test_garbage_and_other_schemes_are_refused(client, world):
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz").status_code == 401


def test_session_writes_still_need_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.villager_a)
    response = client.delete(TOKEN_URL)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


# --- /me ------------------------------------------------------------------------------------


def test_me_anonymous_is_401(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}


def test_me_villager(world, login):
    body = login(world.villager_a).get("/api/v1/me").json()
    assert body["villager_id"] == world.villager_a.villager.public_id
    assert body["village_code"] == world.village_a.code
    assert body["household_id"] == world.household_a.public_id
    assert body["roles"] == [] and body["is_staff_role"] is False


def test_me_staff(world, login):
    body = login(world.township_staff).get("/api/v1/me").json()
    assert body["villager_id"] is None and body["is_staff_role"] is True
    assert [(r["role"], r["region_code"], r["region_name"], r["office"]) for r in body["roles"]] == [
        ("office_staff", world.township_t.code, world.township_t.name, world.office_t.name)
    ]


# --- Errors and language --------------------------------------------------------------------


def test_errors_follow_accept_language(client, db):
    english = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"
    assert english.json()["detail"].startswith("Log in")
    chinese = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert chinese["Content-Language"] == "zh-hans"
    assert chinese.json()["code"] == "not_authenticated"


def test_bearer_requests_use_the_account_language(client, world, bearer):
    world.villager_a.language = "en"
    world.villager_a.save()
    response = client.get("/api/v1/villagers/nonexistent", **bearer(world.villager_a))
    assert response.status_code == 404
    assert response["Content-Language"] == "en"
    assert response.json() == {"detail": "Not found, or you may not see it.", "code": "not_found"}


def test_unknown_api_address_is_json_404(client, db):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_openapi_schema_lists_every_endpoint(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/households",
        "/api/v1/households/{public_id}",
        "/api/v1/villagers",
        "/api/v1/villagers/{public_id}",
        "/api/v1/me/delegations",
        "/api/v1/me/data-access",
    ):
        assert path in paths, path
    assert "delete" in paths["/api/v1/auth/token"] and "post" in paths["/api/v1/auth/token"]
    assert not any("rest" in p for p in paths)  # the JSON 404 catch-all stays out of the schema
    assert {"BearerAuth", "BrowserSessionAuth"} <= set(schema["components"]["securitySchemes"])


def test_unexpected_errors_are_json_500_without_traceback(world, login, monkeypatch, caplog):
    from cunzhi.people import selectors

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "villagers_visible", broken)
    response = login(world.cadre_a).get("/api/v1/villagers")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "secret internals" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert "secret internals" in caplog.text  # operators still see it in the log


def test_service_refusals_are_422_with_field_messages(world, login, monkeypatch):
    from django.core.exceptions import ValidationError

    from cunzhi.people import selectors

    def refuse(**kwargs):
        raise ValidationError({"village": ["This village is closed."]})

    monkeypatch.setattr(selectors, "households_visible", refuse)
    body = login(world.cadre_a).get("/api/v1/households").json()
    assert body == {
        "detail": "This village is closed.",
        "code": "invalid",
        "errors": [{"loc": ["body", "village"], "msg": "This village is closed.", "type": "value_error"}],
    }


@pytest.mark.parametrize(
    "language, missing, whole, at_most, choose",
    [
        (
            "zh-Hans",
            "此项必须填写。",
            "请填写整数。",
            "不能大于100。",
            "请从以下选项中选择：county、township、village、group。",
        ),
        (
            "en",
            "This field is required.",
            "Enter a whole number.",
            "Enter a value of at most 100.",
            "Choose one of: county, township, village, group.",
        ),
    ],
)
def test_field_errors_speak_the_request_language(client, world, login, language, missing, whole, at_most, choose):
    """Each field's message is in the caller's language too, not pydantic's English under a Chinese headline."""

    def errors(response):
        assert response.status_code == 422
        return [e["msg"] for e in response.json()["errors"]]

    assert errors(
        client.post(
            TOKEN_URL, {"phone": world.villager_a.phone}, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
        )
    ) == [missing]
    admin = login(world.county_admin)
    assert errors(admin.get("/api/v1/regions", {"page": "x"}, HTTP_ACCEPT_LANGUAGE=language)) == [whole]
    assert errors(admin.get("/api/v1/regions", {"page_size": 1000}, HTTP_ACCEPT_LANGUAGE=language)) == [at_most]
    assert errors(admin.get("/api/v1/regions", {"level": "planet"}, HTTP_ACCEPT_LANGUAGE=language)) == [choose]
