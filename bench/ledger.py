"""Benchmark: ledger append rate, and verifying a village chain of 100,000 entries.

Target (issue 7): `verify` of a village with 100,000 entries in under 2 s.

    .venv/bin/python bench/ledger.py [--entries 100000] [--appends 2000] [--database sqlite|postgres|both]
    .venv/bin/python bench/run.py --only ledger      # the same, written into docs/benchmarks.md

Each run uses a throwaway database (a SQLite file in a temporary directory, or the PostgreSQL
database cz_bench_ledger on 127.0.0.1, dropped afterwards) and `migrate`. Then, in one village:

1. append rate: `--appends` entries through `ledger.services.entry_append` one by one, each its
   own transaction (lock the chain head, insert, move the head, audit row), as the entry form does;
2. the chain is filled up to `--entries` with rows whose hashes are computed by the same
   `ledger.chain.entry_hash` (bulk insert, because 100,000 single appends would only repeat step 1);
3. `ledger.services.chain_verify` runs three times over the whole chain (best and median reported),
   and once more after one entry in the middle was changed directly in the database, which it
   must name.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
VILLAGE = "330523100201"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "cz_bench_ledger"
TARGET_VERIFY_S = 2.0


def child(args) -> dict:
    """Runs in a child process with the database environment set."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.utils import timezone

    from cunzhi.ledger import chain as chainlib
    from cunzhi.ledger.models import Chain, Entry
    from cunzhi.ledger.services import chain_verify, entry_append
    from cunzhi.people.models import User
    from cunzhi.regions.models import Level, Region

    county = Region.objects.create(code="330523000000", name="安吉县", level=Level.COUNTY)
    town = Region.objects.create(code="330523100000", name="天荒坪镇", level=Level.TOWNSHIP, parent=county)
    village = Region.objects.create(code=VILLAGE, name="余村", level=Level.VILLAGE, parent=town)
    cadre = User.objects.create(phone="13800000005", name="潘会计")
    start_day = timezone.localdate() - dt.timedelta(days=3650)

    # 1. Append rate through the service.
    t0 = time.perf_counter()
    for i in range(args.appends):
        entry_append(
            village=village,
            actor=cadre,
            date=start_day + dt.timedelta(days=i * 3650 // args.entries),
            direction="expenditure" if i % 3 else "income",
            category="expenditure" if i % 3 else "income",
            amount_fen=1000 + i,
            counterparty="安吉县某建材商店",
            purpose=f"购买材料第{i}批",
        )
    append_s = time.perf_counter() - t0

    # 2. Fill the chain with correctly hashed rows.
    head = Chain.objects.get(village=village)
    prev, seq = head.head_hash, head.head_seq
    batch, now = [], timezone.now()
    t0 = time.perf_counter()
    while seq < args.entries:
        seq += 1
        date = start_day + dt.timedelta(days=seq * 3650 // args.entries)
        direction = "expenditure" if seq % 3 else "income"
        amount = 1000 + seq
        recorded_at = now + dt.timedelta(microseconds=seq)
        entry = Entry(
            village=village,
            region_code=VILLAGE,
            seq=seq,
            date=date,
            direction=direction,
            category=direction,
            amount_fen=amount,
            counterparty="安吉县某建材商店",
            purpose=f"购买材料第{seq}批",
            recorded_by=cadre,
            recorded_by_name=cadre.name,
            recorded_at=recorded_at,
            prev_hash=prev,
        )
        entry.hash = h = chainlib.entry_hash(
            VILLAGE,
            entry.public_id,
            seq,
            date,
            direction,
            direction,
            amount,
            "安吉县某建材商店",
            "",
            f"购买材料第{seq}批",
            None,
            "",
            cadre.name,
            recorded_at,
            prev,
        )
        batch.append(entry)
        prev = h
        if len(batch) == 5000:
            Entry.objects.bulk_create(batch)
            batch = []
    if batch:
        Entry.objects.bulk_create(batch)
    Chain.objects.filter(pk=head.pk).update(
        head_seq=seq, head_hash=prev, head_seal=chainlib.head_seal(VILLAGE, seq, prev)
    )
    fill_s = time.perf_counter() - t0

    # 3. Verification.
    times, counts = [], []
    for _ in range(3):
        result = chain_verify(village=village)
        assert result.ok, result.problem
        times.append(result.seconds)
        counts.append(result.count)
    middle = Entry.objects.get(region_code=VILLAGE, seq=args.entries // 2)
    Entry.objects.filter(pk=middle.pk).update(amount_fen=middle.amount_fen + 100)
    tampered = chain_verify(village=village)
    return {
        "entries": counts[0],
        "appends": args.appends,
        "append_s": append_s,
        "append_rate": args.appends / append_s,
        "fill_s": fill_s,
        "verify_best": min(times),
        "verify_median": statistics.median(times),
        "verify_runs": times,
        "tamper_found": (tampered.problem.kind, tampered.problem.seq) if tampered.problem else None,
        "tamper_expected_seq": args.entries // 2,
        "tamper_s": tampered.seconds,
    }


def run_one(database: str, args) -> dict:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "cunzhi.settings")
    with tempfile.TemporaryDirectory(prefix="cz-bench-ledger-") as tmp:
        env["CUNZHI_DATA_DIR"] = tmp
        if database == "postgres":
            _pg(f"DROP DATABASE IF EXISTS {PG_DB}")
            _pg(f"CREATE DATABASE {PG_DB}")
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
        else:
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        out = Path(tmp) / "result.json"
        try:
            proc = subprocess.run(
                [PY, __file__, "--child", str(out), "--entries", str(args.entries), "--appends", str(args.appends)],
                cwd=ROOT,
                env=env,
                timeout=args.timeout,
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-2000:])
            result = json.loads(out.read_text())
        finally:
            if database == "postgres":
                _pg(f"DROP DATABASE IF EXISTS {PG_DB}")
    result["database"] = database
    return result


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _pg_available() -> bool:
    try:
        _pg("SELECT 1")
        return True
    except Exception:  # no server or no permission: PostgreSQL is skipped and the section says so
        return False


def render(results: list[dict], args, skipped: list[str]) -> str:
    lines = [
        "## Ledger: append rate and chain verification",
        "",
        f"Run {dt.date.today().isoformat()} with `.venv/bin/python bench/ledger.py --entries {args.entries} "
        f"--appends {args.appends}` (or `bench/run.py --only ledger`). One village; appends go through "
        "`entry_append` one transaction each (chain head locked, entry, head update, audit row); the chain is "
        "then filled to the full size with rows hashed by the same function; `chain_verify` recomputes every "
        "hash, checks every link, the chain head and the signed-off heads.",
        "",
        "| Database | Appends | Append rate | Entries verified | Verify (best of 3) | Verify (median) | "
        "Target < 2 s | Tampered entry named |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        met = "met" if r["verify_median"] < TARGET_VERIFY_S else "**missed**"
        found = r["tamper_found"]
        named = (
            f"#{found[1]} ({found[0]}) in {r['tamper_s']:.2f} s"
            if found and found[1] == r["tamper_expected_seq"]
            else f"**no** ({found})"
        )
        lines.append(
            f"| {r['database']} | {r['appends']:,} | {r['append_rate']:,.0f} /s | {r['entries']:,} | "
            f"{r['verify_best']:.2f} s | {r['verify_median']:.2f} s | {met} | {named} |"
        )
    for name in skipped:
        lines.append(f"| {name} | – | – | – | – | – | skipped (no server on 127.0.0.1) | – |")
    lines += [
        "",
        "The append rate includes the audit row and the chain-head lock; SQLite runs with "
        "synchronous=FULL (an acknowledged entry survives a power cut). The tampered entry sits in the middle of "
        "the chain; the walk stops at the first bad entry, so finding it costs about half a full verification.",
    ]
    return "\n".join(lines) + "\n"


def section(entries: int = 100_000, appends: int = 2000, database: str = "both", timeout: int = 900) -> str:
    """Run the benchmark and return its Markdown section (called by bench/run.py)."""
    args = argparse.Namespace(entries=entries, appends=appends, timeout=timeout)
    dbs = ["sqlite", "postgres"] if database == "both" else [database]
    results, skipped = [], []
    for db in dbs:
        if db == "postgres" and not _pg_available():
            skipped.append(db)
            continue
        results.append(run_one(db, args))
    return render(results, args, skipped)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        sys.path.insert(0, str(ROOT))
        result = child(args)
        Path(args.child).write_text(json.dumps(result))
        return 0
    print(section(entries=args.entries, appends=args.appends, database=args.database, timeout=args.timeout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
