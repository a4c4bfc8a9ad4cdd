"""`field__under=prefix`: the area codes under a region (those that start with its prefix of digits), as a
range that an index on the column serves on every database.

Why not `__startswith`: Django writes it as `LIKE 'prefix%'`, and SQLite's LIKE ignores case, so it cannot
use the index of a case-sensitive column: every prefix filter read the whole table, or a worse index. At
county scale the adults of 500,000 villagers grouped by township took 700 ms that way and 140 ms as a range
over the (region_code, birth_date) index. PostgreSQL serves both forms from an index.

The range: codes >= prefix and < the next prefix (the prefix without its trailing 9s, its last digit plus
one: 330529 -> 33053). Digits sort the same in every collation, so the range holds on PostgreSQL too.
"""

from typing import Any

from django.db.models import CharField, Lookup


@CharField.register_lookup
class Under(Lookup[str]):
    lookup_name = "under"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        prefix = self.rhs
        if not isinstance(prefix, str) or not (prefix == "" or (prefix.isascii() and prefix.isdigit())):
            raise ValueError(f"__under takes a prefix of digits, not {prefix!r}")
        lhs, params = self.process_lhs(compiler, connection)
        stem = prefix.rstrip("9")
        if not stem:  # "" or all nines: no upper bound
            return f"{lhs} >= %s", [*params, prefix]
        return f"{lhs} >= %s AND {lhs} < %s", [*params, prefix, stem[:-1] + str(int(stem[-1]) + 1)]
