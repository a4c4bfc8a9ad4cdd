"""Inserting many rows at once, for the few writes that are too big for bulk_create.

bulk_create compiles the SQL value by value through the expression machinery: for a 100,000-row
roster, or a notice to 100,000 people (300,000 delivery rows), that costs more than the insert
itself (measured). Here SQLite gets one prepared statement run for every row (executemany, in
process: the fastest path), PostgreSQL a COPY (an order of magnitude faster than INSERTs, and
faster than psycopg's executemany or long multi-row INSERTs); any other database multi-row INSERTs.

Primary keys are not read back: callers find rows again by a unique key. Used by the roster import
(people) and notice fan-out (notify).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from django.db import connection, models
from django.utils import timezone

# Rows per executemany on SQLite (bounds the memory of one prepared list).
SQLITE_ROWS = 5000
# Rows per multi-row INSERT elsewhere (bounds the statement's size and parameter count).
INSERT_ROWS = 1000
# Values a plain field hands to the driver unchanged.
_PLAIN = (str, int, bool, type(None))


def _chunks(rows: Iterable[Sequence], size: int) -> Iterator[list[Sequence]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def rows_insert(*, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT rows whose values are ready for the database driver into `columns` of `table`."""
    qn = connection.ops.quote_name
    target = f"{qn(table)} ({', '.join(qn(c) for c in columns)})"
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        elif connection.vendor == "sqlite":
            for chunk in _chunks(rows, SQLITE_ROWS):
                cursor.executemany(f"INSERT INTO {target} VALUES {marks}", chunk)  # noqa: S608
        else:
            for chunk in _chunks(rows, INSERT_ROWS):
                cursor.execute(
                    f"INSERT INTO {target} VALUES {', '.join([marks] * len(chunk))}",  # noqa: S608
                    [value for row in chunk for value in row],
                )


def objects_insert(model: type[models.Model], objs: Iterable[models.Model]) -> None:
    """INSERT unsaved instances of `model`, each value prepared by its field as Django's save would."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    plan: list[
        tuple[str | None, models.Field | None, object]
    ] = []  # (attname, field, constant): how each value is found
    for f in fields:
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            plan.append((None, None, f.get_db_prep_save(now, connection)))  # one timestamp for the batch
        elif type(f) in (models.CharField, models.BooleanField) or isinstance(f, models.ForeignKey):
            # For plain str/int/bool/None these fields hand the value to the driver unchanged.
            plan.append((f.attname, f, None))
        else:
            plan.append((None, f, None))

    def values(obj: models.Model) -> list:
        row = []
        for attname, f, constant in plan:
            if f is None:
                row.append(constant)
                continue
            if attname is not None:
                value = getattr(obj, attname)
                if value.__class__ in _PLAIN:
                    row.append(value)
                    continue
            row.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
        return row

    # Prepared before the insert starts: a field's preparation must not run inside a COPY.
    rows = [values(o) for o in objs]
    rows_insert(table=model._meta.db_table, columns=[column for f in fields if (column := f.column)], rows=rows)
