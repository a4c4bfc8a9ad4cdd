"""zh-Hans is the product's default; English is one switch away; both are complete."""

from django.conf import settings as live_settings
from django.test import override_settings

import cunzhi.settings as project_settings


def test_the_product_default_is_simplified_chinese():
    assert project_settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in live_settings.LANGUAGES] == ["zh-hans", "en"]


@override_settings(LANGUAGE_CODE="zh-hans")
def test_a_visitor_without_preference_reads_chinese(client, db):
    body = client.get("/").content.decode()
    assert "登录" in body and "Log in" not in body.replace('lang="en">English', "")


def test_browser_language_and_switch(client, db):
    assert "登录" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Log in" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "登录" in client.get("/").content.decode()


def test_login_restores_the_account_language(client, world):
    world.villager_a.language = "zh-hans"
    world.villager_a.save()
    client.post("/login/", {"username": world.villager_a.phone, "password": world.password})
    assert "我的村" in client.get("/").content.decode()
