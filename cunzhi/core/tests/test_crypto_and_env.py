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
