"""Reads of the figures and exports on a read replica, when one is configured (DATABASE_REPLICA_URL).

A replica lags the primary by a moment, so it suits only reads that may be a moment old and that write
nothing: the figures tables and the exports, which also are the heaviest reads. Those views run inside
`replica_reads()` (or are decorated with `@on_replica`); every other read, and every write, stays on the
primary, so a villager always sees what they have just done. Without a replica the router is not installed
(settings.py) and `replica_reads()` changes nothing.
"""

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from django.conf import settings

REPLICA = "replica"
_on_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("cunzhi_replica_reads", default=False)

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads go to the replica (when there is one)."""
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


def on_replica(view: Callable[P, R]) -> Callable[P, R]:
    """A view (or any function) whose reads may go to the replica: figures, exports."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        # The session and the account are read on the primary first: one just made may not be on the replica yet.
        user = getattr(args[0], "user", None) if args else None
        if user is not None:
            _ = user.is_authenticated
        with replica_reads():
            return view(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Reads inside `replica_reads()` go to the replica; all else, and every write and migration, to default."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _on_replica.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return "default"

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: object, obj2: object, **hints: Any) -> bool:
        return True  # the replica is a copy of the same database

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == "default"  # the replica follows the primary's WAL, migrations included
