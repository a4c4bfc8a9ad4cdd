"""Existing ledgers move to the new hash (content and payee identity, no database ids) and get their
chain heads sealed and their sign-offs witnessed in the county's log.

Rewriting stored hashes is exactly what the ledger exists to prevent; it is acceptable here only
because no production installation exists yet (docs/ledger.md says so). Hashes are recomputed
from the stored content in sequence order, each village's sign-offs take the recomputed head at
their entry number, and the witness log is built from the sign-offs in the order they were made.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from cunzhi.ledger import chain as chainlib

    Entry = apps.get_model("ledger", "Entry")
    Chain = apps.get_model("ledger", "Chain")
    Period = apps.get_model("ledger", "Period")
    WitnessedHead = apps.get_model("ledger", "WitnessedHead")
    WitnessLog = apps.get_model("ledger", "WitnessLog")
    Villager = apps.get_model("people", "Villager")

    heads = {}  # village code -> {seq: recomputed hash}
    for code in Entry.objects.values_list("region_code", flat=True).distinct().order_by("region_code"):
        entries = list(Entry.objects.filter(region_code=code).order_by("seq"))
        seq_of = {e.pk: e.seq for e in entries}
        keys = dict(Villager.objects.filter(pk__in={e.payee_id for e in entries if e.payee_id})
                    .values_list("pk", "id_hash"))
        prev, hashes = chainlib.GENESIS, {0: chainlib.GENESIS}
        for e in entries:
            payee_key = keys.get(e.payee_id, "") if e.payee_id else ""
            h = chainlib.entry_hash(code, e.public_id, e.seq, e.date, e.direction, e.category, e.amount_fen,
                                    e.counterparty, payee_key, e.purpose, seq_of.get(e.reverses_id),
                                    e.vouchers_digest, e.recorded_by_name, e.recorded_at, prev)
            Entry.objects.filter(pk=e.pk).update(payee_key=payee_key, prev_hash=prev, hash=h)
            prev = hashes[e.seq] = h
        heads[code] = hashes
        Chain.objects.filter(region_code=code).update(head_hash=prev, head_seq=len(entries))
    for chain in Chain.objects.all():
        Chain.objects.filter(pk=chain.pk).update(
            head_seal=chainlib.head_seal(chain.region_code, chain.head_seq, chain.head_hash))

    logs = {}  # county -> (seq, mac)
    for p in Period.objects.order_by("signed_at", "id"):
        head_hash = heads.get(p.region_code, {0: chainlib.GENESIS}).get(p.head_seq, p.head_hash)
        Period.objects.filter(pk=p.pk).update(head_hash=head_hash)
        county = p.region_code[:6]
        seq, prev_mac = logs.get(county, (0, chainlib.GENESIS))
        fields = {"county_code": county, "seq": seq + 1, "village_code": p.region_code, "period_id": p.public_id,
                  "start": p.start, "end": p.end, "head_seq": p.head_seq, "head_hash": head_hash,
                  "signed_by_name": p.signed_by_name, "signed_at": p.signed_at, "prev_mac": prev_mac}
        mac = chainlib.witness_mac(**fields)
        WitnessedHead.objects.create(**fields, mac=mac)
        logs[county] = (seq + 1, mac)
    for county, (seq, mac) in logs.items():
        WitnessLog.objects.create(county_code=county, head_seq=seq, head_mac=mac,
                                  seal=chainlib.log_seal(county, seq, mac))


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0002_witness_log_and_content_hashes"),
        ("people", "0004_labels"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
