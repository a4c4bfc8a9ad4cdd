"""Writing audit events. Services call `audit_record` for every state change they make."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from cunzhi.core import events
from cunzhi.core.models import AuditEvent


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: Any,
    region_code: str = "",
    on_behalf_of: Any = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Store one audit row for a state change of `obj`. `action` must be declared in its domain's
    `events.py` (core/events.py), so every row can be read back in words."""
    if not events.is_declared(action):
        raise ValueError(f"undeclared audit action {action!r}: declare it in the domain's events.py")
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,  # type: ignore[misc]  # AUTH_USER_MODEL
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        region_code=region_code or getattr(obj, "region_code", "") or "",
        before=before,
        after=after,
    )
