"""core.bulk writes exactly what save() would, on SQLite (executemany) and PostgreSQL (COPY).

Run with DATABASE_URL=postgres://... for the PostgreSQL pass; the module's own model (the audit
row: timestamps, a foreign key, text, JSON) covers each way a value is prepared.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from cunzhi.core import bulk
from cunzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_objects_insert_writes_what_save_writes():
    user = get_user_model().objects.create_user("13800000000")
    before = timezone.now()
    objs = [
        AuditEvent(
            actor=user if i % 2 else None,
            action="test.bulk",
            object_type="core.thing",
            object_id=str(i),
            region_code="330521" if i % 3 else "",
            before=None,
            after={"i": i, "名": "张三"},
        )
        for i in range(7)
    ]
    bulk.objects_insert(AuditEvent, objs)
    rows = list(AuditEvent.objects.filter(action="test.bulk").order_by("id"))
    assert [r.object_id for r in rows] == [str(i) for i in range(7)]
    assert [r.actor_id for r in rows] == [user.pk if i % 2 else None for i in range(7)]
    assert [r.region_code for r in rows] == ["330521" if i % 3 else "" for i in range(7)]
    assert [r.after for r in rows] == [{"i": i, "名": "张三"} for i in range(7)]  # JSON prepared by its field
    assert all(r.before is None for r in rows)
    # auto_now_add: one timestamp for the batch, now, in UTC.
    assert len({r.created_at for r in rows}) == 1 and before <= rows[0].created_at <= timezone.now()


def test_objects_insert_of_nothing_writes_nothing():
    bulk.objects_insert(AuditEvent, [])
    assert not AuditEvent.objects.exists()


def test_rows_insert_crosses_chunk_boundaries(monkeypatch):
    # Small chunks, so that several executemany calls (SQLite) or INSERT statements run.
    monkeypatch.setattr(bulk, "SQLITE_ROWS", 3)
    monkeypatch.setattr(bulk, "INSERT_ROWS", 3)
    when = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = ("created_at", "action", "object_type", "object_id", "region_code")
    bulk.rows_insert(
        table=AuditEvent._meta.db_table,
        columns=columns,
        rows=((when, "test.rows", "core.thing", str(i), "") for i in range(10)),  # a generator is enough
    )
    rows = AuditEvent.objects.filter(action="test.rows").order_by("id")
    assert [r.object_id for r in rows] == [str(i) for i in range(10)]
    assert all(r.actor_id is None and r.after is None for r in rows)
