"""Staff lists on a county the generator filled, in process: each list page of three personas (the county
administrator, a township's office staff, a village cadre), nothing cached, the median of 7 requests (wall
and the process's CPU) and the queries of one request.

    DATABASE_URL=sqlite:////tmp/scale/db.sqlite3 CUNZHI_DATA_DIR=/tmp/scale .venv/bin/python bench/staff_lists.py

The database is one `manage.py seed_scale` built (the demo first, so the county administrator is the demo's
13800000011); the personas are the last township's office staff and the last village's cadre. Prints a
Markdown table; with SQLite the database's own work is in the CPU column, with PostgreSQL it is not.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunzhi.settings")

PAGES = [
    "/concerns/",
    "/services/work/",
    "/meetings/",
    "/disclosure/",
    "/consultations/",
    "/people/villagers/",
    "/people/households/",
    "/points/",
    "/organisations/",
    "/ledger/",
    "/notify/notices/",
]


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cunzhi.people.models import Role, RoleAssignment, User

    def last(role: str) -> User:
        return RoleAssignment.objects.filter(role=role).order_by("-region__code").select_related("user").first().user

    personas = {
        "county administrator": User.objects.get(phone="13800000011"),
        "office staff (township)": last(Role.OFFICE_STAFF),
        "cadre (village)": last(Role.CADRE),
    }
    cells: dict[str, dict[str, str]] = {page: {} for page in PAGES}
    for who, user in personas.items():
        client = Client()
        client.force_login(user)
        for page in PAGES:
            if client.get(page).status_code != 200:  # a list this persona does not have
                cells[page][who] = "—"
                continue
            wall, cpu = [], []
            for _i in range(7):
                t, c = time.perf_counter(), time.process_time()
                client.get(page)
                wall.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            with CaptureQueriesContext(connection) as queries:
                client.get(page)
            cells[page][who] = (
                f"{statistics.median(wall):.0f} ms / {statistics.median(cpu):.0f} ms ({len(queries)} queries)"
            )
    print("| Page | " + " | ".join(personas) + " |")
    print("|---|" + "---:|" * len(personas))
    for page in PAGES:
        print(f"| `{page}` | " + " | ".join(cells[page][who] for who in personas) + " |")


if __name__ == "__main__":
    main()
