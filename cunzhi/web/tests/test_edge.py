"""What reaches the site from outside is checked once, at the edge, for pages and APIs alike:

- a NUL character (U+0000) anywhere in submitted text (address, query, form, JSON body, cookies) is
  refused with a clear 400 in the caller's language, and nothing is stored — PostgreSQL cannot store
  it (a server error before), SQLite stored it and every Open311 XML consumer then broke;
- a body over the upload limit answers 413 in the caller's language (before: a 500 on the API and
  Django's bare English 400 on forms), in the shape each surface speaks: a page, the API's JSON,
  or Open311's error list in JSON or XML.

Run on SQLite and PostgreSQL.
"""

import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cunzhi.api.models import ApiToken
from cunzhi.concerns.models import Concern
from cunzhi.concerns.tests.conftest import cw, photo  # noqa: F401  (fixture)
from cunzhi.disclosure.models import Post

NUL = "\x00"
OPEN311 = "/open311/v2"


@pytest.fixture
def client():
    """Server errors come back as responses (500), as a real caller would see them."""
    return Client(raise_request_exception=False)


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


@pytest.fixture
def open311_key(cw, capsys):  # noqa: F811
    call_command("open311_key", "--name", "县12345热线")
    return capsys.readouterr().out.split()[-1]


def open311_form(cw, key, **kw):  # noqa: F811
    return {
        "service_code": "roads",
        "attribute[village]": cw.village_a.code,
        "description": "桥头护栏断了",
        "api_key": key,
        **kw,
    }


def assert_nul_refused_json(response):
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "nul_character"
    assert "NUL" in body["detail"]


def assert_nul_refused_page(response):
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    assert "invisible control character (NUL)" in response.content.decode()


# --- NUL characters ------------------------------------------------------------------------------


def test_token_endpoint_refuses_nul(client, world):
    for payload in (
        {"phone": world.villager_a.phone + NUL, "password": world.password},
        {"phone": world.villager_a.phone, "password": world.password, "name": "脚本" + NUL},
    ):
        response = client.post("/api/v1/auth/token", payload, content_type="application/json")
        assert_nul_refused_json(response)
    assert not ApiToken.objects.exists()


def test_concerns_refuse_nul_in_form_api_and_query(as_user, cw):  # noqa: F811
    c = as_user(cw.villager_a)
    r = c.post(
        reverse("concerns:new"), {"category": "roads", "kind": "report", "text": "路灯坏了" + NUL, "is_public": "on"}
    )
    assert_nul_refused_page(r)
    r = c.post(reverse("concerns:new"), {"action": "similar", "category": "roads", "text": "路灯" + NUL})
    assert_nul_refused_page(r)
    r = c.post(
        "/api/v1/concerns",
        {"kind": "report", "category": "roads", "text": "路灯坏了" + NUL},
        content_type="application/json",
    )
    assert_nul_refused_json(r)
    assert_nul_refused_json(c.get("/api/v1/concerns", {"q": "路灯" + NUL}))
    assert_nul_refused_page(c.get(reverse("concerns:similar"), {"village": cw.village_a.code, "text": NUL}))
    assert_nul_refused_page(c.get("/concerns/abc%00def/"))
    assert not Concern.objects.exists()


def test_disclosure_posts_refuse_nul_in_form_and_api(as_user, world):
    c = as_user(world.cadre_a)
    r = c.post(
        reverse("disclosure:post_create"),
        {
            "village": world.village_a.code,
            "category": "village",
            "period": "",
            "title": "低保公示" + NUL,
            "body": "内容",
        },
    )
    assert_nul_refused_page(r)
    r = c.post(
        "/api/v1/disclosure/posts",
        {
            "village": world.village_a.code,
            "category": "village",
            "title": "低保公示",
            "body": "内容" + NUL,
            "tables": [{"rows": [["张三" + NUL]]}],
        },
        content_type="application/json",
    )
    assert_nul_refused_json(r)
    # A NUL hidden in a key of the JSON body, written as an escape, is found too.
    r = c.post(
        "/api/v1/disclosure/posts",
        f'{{"village": "{world.village_a.code}", "category": "village", "title": "t", "x\\u0000": 1}}',
        content_type="application/json",
    )
    assert_nul_refused_json(r)
    assert not Post.objects.exists()


def test_open311_refuses_nul_in_its_own_error_format(client, cw, open311_key):  # noqa: F811
    r = client.post(f"{OPEN311}/requests.json", open311_form(cw, open311_key, description="护栏断了" + NUL))
    assert r.status_code == 400
    assert r.json()[0]["code"] == 400 and "NUL" in r.json()[0]["description"]
    r = client.post(f"{OPEN311}/requests.xml", open311_form(cw, open311_key, address_string="东桥" + NUL))
    assert r.status_code == 400
    assert "NUL" in ET.fromstring(r.content).findtext("error/description")
    assert not Concern.objects.exists()
    assert client.get(f"{OPEN311}/requests.xml", {"service_code": "roads" + NUL}).status_code == 400
    # What is stored stays readable by every XML consumer.
    assert client.post(f"{OPEN311}/requests.xml", open311_form(cw, open311_key)).status_code == 201
    ET.fromstring(client.get(f"{OPEN311}/requests.xml").content)


def test_nul_refusal_speaks_the_callers_language(client, world):
    r = client.post(
        "/api/v1/auth/token",
        {"phone": NUL, "password": "x"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert r.status_code == 400 and "不可见的控制字符" in r.json()["detail"]
    r = client.get("/", {"q": NUL}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400 and "不可见的控制字符" in r.content.decode()


def test_nul_in_a_cookie_is_refused_not_looked_up(client, world):
    client.cookies["sessionid"] = "abcdefgh" + NUL + "ijkl"
    assert_nul_refused_page(client.get("/"))


def test_files_may_hold_nul_bytes(as_user, cw):  # noqa: F811
    # Only text is checked: a photo is binary and is full of zero bytes.
    c = as_user(cw.villager_a)
    picture = photo()
    assert b"\x00" in picture.read()
    picture.seek(0)
    r = c.post(
        reverse("concerns:new"),
        {"category": "roads", "kind": "report", "text": "路灯坏了三盏", "is_public": "on", "photos": picture},
    )
    assert r.status_code == 302
    assert Concern.objects.get().photos.count() == 1


# --- Oversized bodies ------------------------------------------------------------------------------


@pytest.fixture
def small_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_oversized_api_body_is_413_json(client, world, small_limit):
    r = client.post(
        "/api/v1/auth/token", json.dumps({"phone": "1" * small_limit, "password": "x"}), content_type="application/json"
    )
    assert r.status_code == 413
    assert r.json()["code"] == "too_large" and "too large" in r.json()["detail"]
    r = client.post(
        "/api/v1/auth/token",
        json.dumps({"phone": "1" * small_limit, "password": "x"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert r.status_code == 413 and "过大" in r.json()["detail"]


def test_oversized_form_is_413_page(as_user, world, small_limit):
    c = as_user(world.cadre_a)
    data = {
        "village": world.village_a.code,
        "category": "village",
        "period": "",
        "title": "t",
        "body": "长" * small_limit,
    }
    r = c.post(reverse("disclosure:post_create"), urlencode(data), content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413 and "too large" in r.content.decode()
    # Sent as multipart (a form with a file field), the text fields count against the limit too.
    r = c.post(reverse("disclosure:post_create"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 413 and "过大" in r.content.decode()
    assert not Post.objects.exists()


def test_oversized_open311_body_is_413_in_its_format(client, cw, open311_key, small_limit):  # noqa: F811
    body = urlencode(open311_form(cw, open311_key, description="长" * small_limit))
    r = client.post(f"{OPEN311}/requests.xml", body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413 and ET.fromstring(r.content).findtext("error/code") == "413"
    r = client.post(f"{OPEN311}/requests.json", body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413 and r.json()[0]["code"] == 413
    assert not Concern.objects.exists()


def test_a_broken_form_body_is_a_clear_400(client, world):
    broken = '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nt'
    r = client.post("/login/", broken, content_type="multipart/form-data; boundary=")
    assert r.status_code == 400 and "could not be read" in r.content.decode()
    r = client.post(
        "/api/v1/auth/token", broken, content_type="multipart/form-data; boundary=", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert r.status_code == 400 and r.json()["code"] == "bad_request" and "无法读取" in r.json()["detail"]


def test_other_bad_requests_get_a_page_in_both_languages(client, db):
    # What Django itself still refuses (here a host name not in ALLOWED_HOSTS) is not a bare "Bad Request".
    r = client.get("/", HTTP_HOST="evil.example")
    assert r.status_code == 400
    assert "无法处理的请求" in r.content.decode() and "could not be read" in r.content.decode()


def test_nul_in_a_header_is_refused(client, world):
    # django-axes stores the user agent of a failed login; PostgreSQL cannot store a NUL.
    r = client.post(
        "/login/", {"username": world.villager_a.phone, "password": "wrong"}, HTTP_USER_AGENT="Mozilla" + NUL
    )
    assert_nul_refused_page(r)
