"""Enqueueing a notice to a whole county: `notice_send` to 100,000 roster villagers with mobile numbers
(no accounts), on a fresh SQLite database, without the gateway (bench/sms.py sends them through
Kannel). Target (issue 14): < 10 s. Run alone: `.venv/bin/python bench/sms_enqueue.py`, or
`.venv/bin/python bench/run.py --only sms_enqueue` to write the section of docs/benchmarks.md."""

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VILLAGERS = 100_000


def child() -> dict:
    """In a fresh process on a fresh database: seed the county, then time the two kinds of notice."""
    import django

    django.setup()
    from django.core.management import call_command

    from bench.sms import COUNTY, _seed
    from cunzhi.notify import services

    call_command("migrate", verbosity=0)
    _seed(VILLAGERS)
    out = {}
    for mandatory in (True, False):  # a meeting notice needs no consent look-up; an announcement does
        wall, cpu = time.perf_counter(), time.process_time()
        notice = services.notice_send(
            kind="announcement", region_code=COUNTY, subject={"zh-hans": "通知"}, urgency="urgent", mandatory=mandatory
        )
        out["mandatory" if mandatory else "consent"] = {
            "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
            "people": notice.recipient_count,
        }
    return out


def section() -> str:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", PYTHONPATH=str(ROOT))
        env.setdefault("DJANGO_SETTINGS_MODULE", "cunzhi.settings")
        done = subprocess.run(
            [sys.executable, __file__, "--child"], env=env, capture_output=True, text=True, timeout=900, check=True
        )
    r = json.loads(done.stdout.strip().splitlines()[-1])
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Enqueueing a county's notice (SMS)",
        "",
        f"{when}; load average at the start {load}. `notice_send` to {VILLAGERS:,} roster villagers with a",
        "mobile number and no account, SQLite, fresh database: planning (who, which channel, consent) and",
        "inserting one delivery row each; the texts are then sent by the task workers (section above).",
        "",
        "| Notice | People | Wall | CPU | Target |",
        "|---|---:|---:|---:|---|",
    ]
    for key, label in (("mandatory", "required by law (no consent look-up)"), ("consent", "announcement (consent)")):
        x = r[key]
        met = "met" if x["wall"] < 10 else "**missed**"
        lines.append(f"| {label} | {x['people']:,} | {x['wall']:.1f} s | {x['cpu']:.1f} s | < 10 s: {met} |")
    lines += ["", "Command: `.venv/bin/python bench/run.py --only sms_enqueue`."]
    return "\n".join(lines)


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(child()), flush=True)
    else:
        print(section())
