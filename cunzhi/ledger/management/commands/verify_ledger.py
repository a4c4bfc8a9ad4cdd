"""`manage.py verify_ledger [--village CODE] [--files] [--printed-head SEQ:HASH]`: recompute every village's
chain, check it against the county's witnessed heads; exit 1 on the first bad entry.

Console output is for the operator (English, like the other commands).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cunzhi.ledger.models import Chain, WitnessedHead, WitnessLog
from cunzhi.ledger.services import chain_verify, parse_printed_head, witness_log_verify
from cunzhi.regions.models import Level, Region

DESCRIPTIONS = {
    "changed": "entry #{seq} ({public_id}) was changed after it was recorded (hash mismatch)",
    "broken_link": "entry #{seq} ({public_id}) does not link to the entry before it",
    "missing": "entry #{seq} is missing (deleted or renumbered)",
    "truncated": "entries from #{seq} on are missing (deleted)",
    "signoff_mismatch": "entry #{seq} ({public_id}) does not match the head witnessed for the sign-off of {period}",
    "vouchers_changed": "voucher files of entry #{seq} ({public_id}) were changed or removed",
    "payee_changed": "the payee of entry #{seq} ({public_id}) is not the person recorded (people table changed)",
    "appended": "entry #{seq} ({public_id}) was added outside the ledger (the chain head does not record it)",
    "head_unsealed": "the chain head row (entry #{seq}) was changed outside the ledger (its seal does not match)",
    "signoff_altered": "the village's sign-off record for {period} differs from the county's witness log",
    "witness_altered": "the county's witness log was altered at record #{seq} (seal or link does not match)",
    "printed_mismatch": "the chain does not match the printed head at entry #{seq}",
}


class Command(BaseCommand):
    help = (
        "Recompute the ledger hash chains and compare them with the stored hashes, the county's witnessed "
        "sign-off heads and the sealed chain heads."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--village", help="12-digit area code of one village (default: every village with a ledger)"
        )
        parser.add_argument("--files", action="store_true", help="also re-hash every stored voucher file")
        parser.add_argument(
            "--printed-head",
            metavar="SEQ:HASH",
            help="with --village: also compare the chain with a head printed on a notice",
        )

    def handle(self, *args, village=None, files=False, printed_head=None, **options):
        printed = None
        if printed_head:
            if not village:
                raise CommandError("--printed-head needs --village.")
            seq, _sep, head = printed_head.partition(":")
            try:
                printed = parse_printed_head(seq, head)
            except ValidationError:
                raise CommandError(
                    "--printed-head must be SEQ:HASH, an entry number and a 64-character hash."
                ) from None
        if village:
            villages = list(Region.objects.filter(code=village, level=Level.VILLAGE))
            if not villages:
                raise CommandError(f"No village with code {village}.")
        else:
            # Every village with a chain, and every village the county witnessed (its whole ledger may be gone).
            codes = set(Chain.objects.values_list("region_code", flat=True))
            codes |= set(WitnessedHead.objects.values_list("village_code", flat=True))
            villages = list(Region.objects.filter(code__in=codes).order_by("code"))
        bad = 0
        counties = sorted(
            {v.code[:6] for v in villages}
            | (set() if village else set(WitnessLog.objects.values_list("county_code", flat=True)))
        )
        for county in counties:
            problem = witness_log_verify(county_code=county)
            if problem:
                bad += 1
                self.stderr.write(f"BAD  county {county}: {DESCRIPTIONS[problem.kind].format(seq=problem.seq)}")
            else:
                count = WitnessedHead.objects.filter(county_code=county).count()
                self.stdout.write(f"OK   county {county}: witness log of {count} signed-off head(s) intact")
        for v in villages:
            result = chain_verify(village=v, files=files, printed=printed)
            if result.ok:
                printed_text = f", printed head #{printed[0]} matches" if printed else ""
                self.stdout.write(
                    f"OK   {v.code} {v.name}: {result.count} entries, head #{result.head_seq} "
                    f"{result.head_hash[:16]}, {result.periods_checked} witnessed sign-offs checked, "
                    f"{result.unsigned} entries not yet signed off{printed_text} "
                    f"({result.seconds:.2f} s)"
                )
            else:
                bad += 1
                p = result.problem
                what = DESCRIPTIONS[p.kind].format(seq=p.seq, public_id=p.public_id or "-", period=p.period)
                self.stderr.write(f"BAD  {v.code} {v.name}: first bad entry: {what}")
        if not villages:
            self.stdout.write("No ledgers to verify.")
        if bad:
            raise CommandError(f"{bad} check(s) of {len(villages)} ledger(s) failed verification.", returncode=1)
        self.stdout.write(f"All {len(villages)} ledger(s) verified.")
