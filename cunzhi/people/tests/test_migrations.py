"""Data migrations of people: stored values rewritten as the code now writes them."""

import hashlib
import hmac
import importlib

from django.apps import apps
from django.utils import timezone

from cunzhi.core import crypto
from cunzhi.ledger.services import chain_verify, entry_append
from cunzhi.people.models import User, Villager
from cunzhi.people.tests.factories import UserFactory, VillagerFactory, full_width, next_id_number


def _store_as_before(villager: Villager, *, id_number: str, phone: str) -> None:
    """What the validator stored before it folded the width: the number as typed, hashed as typed."""
    old_hash = hmac.new(crypto._keys()[1], id_number.encode(), hashlib.sha256).hexdigest()
    Villager.objects.filter(pk=villager.pk).update(id_number=id_number, id_hash=old_hash, phone=phone)


def test_full_width_identifiers_already_stored_are_rewritten_in_ascii(world, capsys):
    migration = importlib.import_module("cunzhi.people.migrations.0006_fold_full_width_identifiers")
    number = next_id_number()
    fixed = VillagerFactory(village=world.village_a, name="赵六")
    _store_as_before(
        fixed,
        id_number=number[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + number[17],
        phone=full_width("139 1234 5678"),
    )
    # The same person was registered again in ASCII: the full-width record is left for a person to merge.
    twin_number = next_id_number()
    VillagerFactory(village=world.village_a, name="钱七", id_number=twin_number)
    duplicate = VillagerFactory(village=world.village_a, name="钱七")
    _store_as_before(duplicate, id_number=full_width(twin_number), phone="")
    # A ledger payee keeps the blind index its entries hashed: left, and named.
    payee = VillagerFactory(village=world.village_a, name="孙八")
    payee_number = next_id_number()
    _store_as_before(payee, id_number=full_width(payee_number), phone="")
    entry_append(
        village=world.village_a,
        actor=world.cadre_a,
        date=timezone.localdate(),
        direction="expenditure",
        category="expenditure",
        amount_fen=100,
        counterparty="",
        purpose="补贴",
        payee=Villager.objects.get(pk=payee.pk),
    )
    account = UserFactory(phone="13900009999")
    User.objects.filter(pk=account.pk).update(phone=full_width("139 0000 8888"))
    taken = UserFactory(phone="13900007777")
    clash = UserFactory(phone="13900006666")
    User.objects.filter(pk=clash.pk).update(phone=full_width(taken.phone))

    migration.fold_identifiers(apps, None)

    fixed = Villager.objects.get(pk=fixed.pk)
    assert (fixed.id_number, fixed.id_hash, fixed.phone) == (number, crypto.blind_index(number), "13912345678")
    assert Villager.objects.get(id_hash=crypto.blind_index(number)) == fixed  # found by the number again
    assert Villager.objects.get(pk=duplicate.pk).id_number == full_width(twin_number)
    assert Villager.objects.get(pk=payee.pk).id_number == full_width(payee_number)
    assert chain_verify(village=world.village_a).problem is None  # the ledger still verifies
    assert User.objects.get(pk=account.pk).phone == "13900008888"
    assert User.objects.get(pk=clash.pk).phone == full_width(taken.phone)
    err = capsys.readouterr().err
    assert duplicate.public_id in err and payee.public_id in err and f"account {clash.pk}" in err
