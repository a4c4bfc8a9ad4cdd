import pytest
from django.db import connection

from cunzhi.core import env
from cunzhi.core.crypto import blind_index, decrypt, encrypt
from cunzhi.people.models import Villager


def test_encrypt_round_trip_and_randomised():
    a, b = encrypt("11010519491231002X"), encrypt("11010519491231002X")
    assert a != b  # Fernet uses a random IV: equal numbers do not give equal ciphertexts
    assert decrypt(a) == decrypt(b) == "11010519491231002X"
    assert blind_index("x") == blind_index("x") != blind_index("y")


def test_id_number_is_encrypted_in_the_database(world):
    villager = world.villager_a.villager
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_villager WHERE id = %s", [villager.pk])
        stored = cursor.fetchone()[0]
    assert villager.id_number not in stored
    assert Villager.objects.get(pk=villager.pk).id_number == villager.id_number


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    monkeypatch.setenv("X_INT", "12")
    assert env.env_bool("X_BOOL") is True
    assert env.env_list("X_LIST") == ["a", "b", "c"]
    assert env.env_int("X_INT", 1) == 12
    assert env.env_int("X_MISSING", 7) == 7
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ValueError):
        env.env_bool("X_BOOL")


def test_env_maps(monkeypatch):
    from cunzhi.core.env import env_int_map, env_map

    monkeypatch.setenv("X_MAP", " emergency=4 , general=120 ")
    assert env_map("X_MAP") == {"emergency": "4", "general": "120"}
    assert env_int_map("X_MAP") == {"emergency": 4, "general": 120}
    monkeypatch.setenv("X_MAP", "")
    assert env_map("X_MAP") == {}
    for bad in ("emergency", "=4", "general=", "general=soon"):
        monkeypatch.setenv("X_MAP", bad)
        with pytest.raises(ValueError, match="X_MAP"):
            env_int_map("X_MAP")


def test_every_setting_a_domain_reads_is_declared_and_comes_from_the_environment():
    """The certificate key (and the other domain settings) can be set in production: the settings
    module reads them from the environment (before issue 13 they were read with getattr defaults and
    could never be set)."""
    import os
    import subprocess
    import sys

    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "APPLICATIONS_CERTIFICATE_KEY": "rotated-separately",
        "APPLICATIONS_MAIL_ADDRESS": "banshi@xiangzhen.example",
        "CONCERNS_ANSWER_HOURS": "emergency=4",
        "MEETINGS_NOTICE_DAYS": "representatives=5",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.APPLICATIONS_CERTIFICATE_KEY, s.APPLICATIONS_MAIL_ADDRESS, "
        "s.CONCERNS_ANSWER_HOURS, s.MEETINGS_NOTICE_DAYS)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "cunzhi.settings"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert out.split() == [
        "rotated-separately",
        "banshi@xiangzhen.example",
        "{'emergency':",
        "4}",
        "{'representatives':",
        "5}",
    ]
