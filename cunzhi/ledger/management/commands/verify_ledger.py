"""`manage.py verify_ledger [--village CODE] [--files]`: recompute every village's chain; exit 1 on the first bad entry.

Console output is for the operator (English, like the other commands).
"""

from django.core.management.base import BaseCommand, CommandError

from cunzhi.ledger.models import Chain
from cunzhi.ledger.services import chain_verify
from cunzhi.regions.models import Level, Region

DESCRIPTIONS = {
    "changed": "entry #{seq} ({public_id}) was changed after it was recorded (hash mismatch)",
    "broken_link": "entry #{seq} ({public_id}) does not link to the entry before it",
    "missing": "entry #{seq} is missing (deleted or renumbered)",
    "truncated": "entries from #{seq} on are missing (deleted)",
    "signoff_mismatch": "entry #{seq} ({public_id}) does not match the head signed off for {period}",
    "vouchers_changed": "voucher files of entry #{seq} ({public_id}) were changed or removed",
}


class Command(BaseCommand):
    help = "Recompute the ledger hash chains and compare them with the stored hashes and the signed-off heads."

    def add_arguments(self, parser):
        parser.add_argument("--village",
                            help="12-digit area code of one village (default: every village with a ledger)")
        parser.add_argument("--files", action="store_true", help="also re-hash every stored voucher file")

    def handle(self, *args, village=None, files=False, **options):
        if village:
            villages = list(Region.objects.filter(code=village, level=Level.VILLAGE))
            if not villages:
                raise CommandError(f"No village with code {village}.")
        else:
            codes = Chain.objects.values_list("region_code", flat=True)
            villages = list(Region.objects.filter(code__in=codes).order_by("code"))
        bad = 0
        for v in villages:
            result = chain_verify(village=v, files=files)
            if result.ok:
                self.stdout.write(f"OK   {v.code} {v.name}: {result.count} entries, head #{result.head_seq} "
                                  f"{result.head_hash[:16]}, {result.periods_checked} sign-offs checked "
                                  f"({result.seconds:.2f} s)")
            else:
                bad += 1
                p = result.problem
                what = DESCRIPTIONS[p.kind].format(seq=p.seq, public_id=p.public_id or "-", period=p.period)
                self.stderr.write(f"BAD  {v.code} {v.name}: first bad entry: {what}")
        if not villages:
            self.stdout.write("No ledgers to verify.")
        if bad:
            raise CommandError(f"{bad} of {len(villages)} ledger(s) failed verification.", returncode=1)
        self.stdout.write(f"All {len(villages)} ledger(s) verified.")
