"""ID numbers and mobile numbers stored with full-width characters (３３０５２３…X, １３９…), as the
validator let them through before it folded the width (NFKC), are rewritten in ASCII with their
blind index recomputed: otherwise the person is never found by the number, and the same person
typed in ASCII is registered a second time.

A row whose ASCII form already belongs to another row (the second registration happened) is left
as it is and named on stderr: two records of one person are merged by a person, not by a migration.
So is a payee of the village ledger: its entries hash the blind index they were recorded with
(ledger.Entry.payee_key), and a new one would read as a changed payee.
"""

import re
import sys
import unicodedata

from django.db import migrations


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "")


def _id_number(value: str) -> str:
    return "".join(_fold(value).split()).upper()


def _phone(value: str) -> str:
    value = re.sub(r"[\s-]", "", _fold(value))
    return value[3:] if value.startswith("+86") else value


def fold_identifiers(apps, schema_editor):
    from cunzhi.core.crypto import blind_index  # the installation's key: the hash must match what the code computes

    Villager = apps.get_model("people", "Villager")
    User = apps.get_model("people", "User")
    payees = set(apps.get_model("ledger", "Entry").objects.exclude(payee=None).values_list("payee_id", flat=True))
    left = []
    # Every ID number is encrypted, so each is read (about 20 µs a row: seconds for a county).
    for villager in Villager.objects.only("pk", "public_id", "id_number", "id_hash", "phone").iterator(chunk_size=2000):
        changes = {}
        number = _id_number(villager.id_number)
        if number != villager.id_number:
            id_hash = blind_index(number)
            if Villager.objects.filter(id_hash=id_hash).exclude(pk=villager.pk).exists():
                left.append(f"villager {villager.public_id}: the same ID number is registered again in ASCII")
            elif villager.pk in payees:
                left.append(f"villager {villager.public_id}: a payee in the village ledger, whose entries hash "
                            "the stored blind index")
            else:
                changes.update(id_number=number, id_hash=id_hash)
        phone = _phone(villager.phone)
        if phone != villager.phone:
            changes["phone"] = phone
        if changes:
            for name, value in changes.items():
                setattr(villager, name, value)
            villager.save(update_fields=list(changes))
    for user in User.objects.only("pk", "phone").iterator(chunk_size=2000):
        phone = _phone(user.phone)
        if phone == user.phone:
            continue
        if User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
            left.append(f"account {user.pk}: another account has the mobile number {phone}")
        else:
            User.objects.filter(pk=user.pk).update(phone=phone)
    for line in left:
        sys.stderr.write(f"people.0006: left as stored, merge by hand: {line}\n")


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0005_data_access_times'),
        ('ledger', '0003_rehash_and_witness_existing'),  # after the ledger keyed its payees
    ]

    operations = [
        migrations.RunPython(fold_identifiers, migrations.RunPython.noop),
    ]
