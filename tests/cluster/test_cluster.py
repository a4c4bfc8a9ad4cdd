"""The cluster test (scripts/cluster.sh, tests/cluster/run.py): Cunzhi on seven hosts in network namespaces of
its own on this machine, and the checks of tests/cluster/drive.py. About 80 s (the first run after a change
to the migrations also migrates once, unless the PostgreSQL lane has already made this run's migrated database;
the schema is then kept in .test-cache/cluster-schema-*.sql)."""

import json
import subprocess
from pathlib import Path

import pytest

from tests import dbcache

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_app_servers_two_workers_postgresql_pgbouncer_and_redis():
    # The PostgreSQL lane's migrated database, when it has been made (scripts/test.sh runs both databases at
    # once): loading it spares the cluster's server a `migrate` of ~30 s of CPU.
    dump = dbcache.migrated_postgres_dump()
    out = subprocess.run(
        [str(ROOT / "scripts" / "cluster.sh"), "--timeout", "400", *(["--schema-dump", str(dump)] if dump else [])],
        capture_output=True,
        text=True,
        timeout=420,
    )
    lines = out.stdout.strip().splitlines()
    summary = json.loads(lines[-1]) if lines else {"stderr": out.stderr[-3000:]}
    failed = {k: v for k, v in summary.get("checks", {}).items() if isinstance(v, dict) and not v.get("ok")}
    assert out.returncode == 0 and summary.get("ok"), (
        failed,
        summary.get("error"),
        summary.get("logs"),
        out.stderr[-3000:],
    )
    assert len([v for v in summary["checks"].values() if isinstance(v, dict)]) == 8
