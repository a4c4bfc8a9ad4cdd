"""What a notice is about, and who may read such an object: a registry the domains fill.

A notice about an application, a concern or a meeting is as private as that object: whoever may
open the object may read the notices about it (besides the notice's own recipients). notify knows
no feature domain (DESIGN.md layers), so each domain registers, per object type (the model's
`app_label.model_name`), a check for one object and the objects a staff member's lists may show.
Domains register in their AppConfig.ready(), as they register periodic jobs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Reader:
    # (user, object primary key) -> may the user open that object?
    can_read: Callable[[Any, int], bool]
    # user -> the objects of this type the user may list (a queryset; notify reads its primary keys)
    readable: Callable[[Any], QuerySet]


READERS: dict[str, Reader] = {}


def about_register(label: str, *, can_read: Callable[[Any, int], bool], readable: Callable[[Any], QuerySet]) -> None:
    """Let notices be about objects of the model `label` ("applications.application")."""
    READERS[label] = Reader(can_read=can_read, readable=readable)


def about_label(obj: Model) -> str:
    return obj._meta.label_lower


def about_reader(label: str) -> Reader | None:
    return READERS.get(label)
