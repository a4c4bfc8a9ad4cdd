"""Benchmark: import a 100,000-row roster exactly as `manage.py import_roster` does.

Target (issue): under 60 seconds and under 500 MB peak memory for 100,000 rows.

    .venv/bin/python bench/roster_import.py [ROWS] [--database-url postgres://...]

A throwaway SQLite database in a temporary directory is migrated, one village with ten villager
groups is created, a checksum-valid synthetic roster is written as XLSX, and the import command
runs in a child process whose own peak memory (max RSS) is read back with os.wait4.
"""

import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VILLAGE = "330523100201"
GROUPS = 10
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉文斌宇浩凯鹏辉婷雪梅琳晨阳"
CITIES = ["杭州", "上海", "宁波", "苏州", "深圳", "广州", "北京", "南京"]

SETUP = f"""
from cunzhi.regions.models import Level, Region
county = Region.objects.create(code="330523000000", name="安吉县", level=Level.COUNTY)
town = Region.objects.create(code="330523100000", name="递铺街道", level=Level.TOWNSHIP, parent=county)
village = Region.objects.create(code="{VILLAGE}", name="鹤鹿溪村", level=Level.VILLAGE, parent=town)
for n in range(1, {GROUPS} + 1):
    Region.objects.create(code=f"{VILLAGE}{{n:03d}}", name=f"第{{n}}村民小组", level=Level.GROUP, parent=village)
"""


def roster_write(path: Path, rows: int, seed: int = 11643) -> None:
    """A realistic roster: households of one to five people, one representative each, a fifth working away."""
    from openpyxl import Workbook

    from cunzhi.core.idnumbers import id_number_build

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["姓名", "身份证号", "手机号", "村民小组", "户号", "户代表", "外出务工", "务工城市", "网格"])
    base = dt.date(1940, 1, 1)
    household, left = 0, 0
    for i in range(rows):
        if left == 0:
            household, left, first = household + 1, rng.randint(1, 5), True
        else:
            first = False
        left -= 1
        # (birth day, sequence) pairs are distinct for every i, so every ID number is unique.
        birth = base + dt.timedelta(days=(i * 7919) % 29000)
        away = rng.random() < 0.2
        ws.append(
            [
                rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
                id_number_build("330523", birth, (i // 29000) * 200 + rng.randint(0, 199)),
                f"13{i:09d}" if rng.random() < 0.7 else "",
                f"第{household % GROUPS + 1}村民小组",
                f"{household:05d}",
                "是" if first else "否",
                "是" if away else "否",
                rng.choice(CITIES) if away else "",
                "",
            ]
        )
    wb.save(path)


def _database(url: str | None, tmp: Path) -> tuple[str, Callable[[], None]]:
    """A throwaway database URL and a function that removes it afterwards."""
    if not url:
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    import psycopg

    name = f"bench_roster_{uuid.uuid4().hex[:8]}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.rsplit("/", 1)[0] + "/" + name, drop


def _manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )


def run(rows: int = 100_000, database_url: str | None = None, keep: bool = False) -> dict:
    """Generate, migrate, import; returns rows, seconds, rows_per_s and the import process's peak_rss_mb."""
    tmp = Path(tempfile.mkdtemp(prefix="cunzhi-bench-roster-"))
    url, drop = _database(database_url, tmp)
    try:
        env = {
            **os.environ,
            "CUNZHI_DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "cunzhi.settings",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("REDIS_URL", None)
        path = tmp / "roster.xlsx"
        started = time.perf_counter()
        roster_write(path, rows)
        generate_s = time.perf_counter() - started
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "createcachetable")
        _manage(env, "shell", "-c", SETUP)

        log = tmp / "import.log"
        with open(log, "wb") as out:
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), "import_roster", str(path), "--village", VILLAGE, "-v", "0"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=out,
            )
            # wait4 reaps this one child and returns its own resource usage (peak RSS), not the parent's.
            _pid, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"import_roster failed:\n{log.read_text(errors='replace')[-3000:]}")
        imported = _count(env)
        if imported != rows:
            raise RuntimeError(f"expected {rows} villagers, found {imported}")
        # ru_maxrss is in kilobytes on Linux (bytes on macOS).
        peak_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return {
            "rows": rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds),
            "peak_rss_mb": round(peak_mb, 1),
            "database": url.split(":", 1)[0],
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "generate_s": round(generate_s, 1),
            "target_seconds": 60,
            "target_peak_mb": 500,
            "ok": seconds < 60 and peak_mb < 500,
        }
    finally:
        drop()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _count(env: dict) -> int:
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "shell",
            "-c",
            "from cunzhi.people.models import Villager; print(Villager.objects.count())",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(out.strip().splitlines()[-1])


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL URL; a throwaway database is made beside it")
    args = parser.parse_args()
    print(run(args.rows, args.database_url))
