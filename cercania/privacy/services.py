"""Writing the audit trail and the access log, and purging it after its retention.

Every service that changes a person, case, contact or appointment calls `audit_record`
inside its own `transaction.atomic` block, so the row is written if and only if the
change is. Staff reads of a person, case or contact call `access_log_view`; every
export calls `audit_export`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from cercania.accounts.models import User
from cercania.accounts.roles import roles_of

from .append_only import append_only_suspended
from .middleware import current_request_ip
from .models import AuditAction, AuditEvent

Actor = AbstractBaseUser | AnonymousUser | None


def audit_retention_days() -> int:
    """How long audit rows are kept: settings.AUDIT_RETENTION_DAYS, ten years by default."""
    days = getattr(settings, "AUDIT_RETENTION_DAYS", 3650)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ImproperlyConfigured(f"AUDIT_RETENTION_DAYS must be a positive integer, got {days!r}")
    return days


def _client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR, as django-axes reads it: the proxy in front must set it to the client's.
    # Without a request (a service deep in a call), the request being served now.
    if request is not None:
        raw = request.META.get("REMOTE_ADDR") or ""
    else:
        raw = current_request_ip.get()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def audit_record(
    *,
    actor: Actor,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_public_id: str | None = None,
    request: HttpRequest | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one row: who (`actor`, her roles now), what, when (now, UTC), where (IP).

    Name the object by `obj` (its model label and `public_id`) or by `object_type` and
    `object_public_id`. `detail` carries metadata only (changed field names, counts,
    formats, ids) and is refused when a value looks like content. Call it inside the
    transaction of the change it records; it opens none of its own.
    """
    if obj is not None:
        if object_type is not None or object_public_id is not None:
            raise ValueError("Give either obj or object_type/object_public_id, not both.")
        object_type = obj._meta.label_lower
        # Public ids only; a model without one (configuration) is named by its key.
        object_public_id = str(getattr(obj, "public_id", None) or obj.pk)
    # request.user is a lazy wrapper; isinstance sees the User (or AnonymousUser) inside.
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    event = AuditEvent(
        actor=user,
        actor_label=user.email if user else "",
        actor_role=",".join(sorted(role.value for role in roles_of(user))) if user else "",
        action=action,
        object_type=object_type or "",
        object_public_id=object_public_id or "",
        ip=_client_ip(request),
        detail=dict(detail or {}),
    )
    # Field validation (choices, lengths, the detail rules) in Python; the named
    # constraints are checked by the database on insert, which spares this write –
    # made on every read of a case – the extra queries of validate_constraints.
    event.full_clean(exclude=["actor"], validate_unique=False, validate_constraints=False)
    event.save()
    return event


def access_log_view(
    *, request: HttpRequest, obj: models.Model, detail: Mapping[str, Any] | None = None
) -> AuditEvent:
    """Log that the signed-in user read `obj` (a person, case, contact…)."""
    return audit_record(
        actor=request.user, action=AuditEvent.Action.VIEW, obj=obj, request=request, detail=detail
    )


def audit_export(
    *,
    request: HttpRequest | None,
    export_format: str,
    rows: int,
    obj: models.Model | None = None,
    object_type: str | None = None,
    filters: Mapping[str, Any] | None = None,
    actor: Actor = None,
) -> AuditEvent:
    """Log an export: what (a record, or a report named like "reports.indicators"),
    its format and size, and the filters that chose its rows (ids, dates, codes).

    The actor is `request.user` unless given (a scheduled export passes none)."""
    if actor is None and request is not None:
        actor = request.user
    detail: dict[str, Any] = {"format": export_format, "rows": rows}
    if filters:
        detail["filters"] = {
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in filters.items()
        }
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=obj,
        object_type=object_type,
        request=request,
        detail=detail,
    )


def audit_purge_expired(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Delete the rows older than the retention period; return how many (or would be).

    The purge leaves its own row (action delete, type privacy.auditevent) with the
    count and the cut-off date, so a gap in the trail is always explained.
    """
    cutoff = (now or timezone.now()) - timedelta(days=audit_retention_days())
    expired = AuditEvent.objects.filter(occurred_at__lt=cutoff)
    if dry_run:
        return expired.count()
    with transaction.atomic():
        with append_only_suspended():
            deleted = expired._purge()
        if deleted:
            audit_record(
                actor=None,
                action=AuditEvent.Action.DELETE,
                object_type=AuditEvent._meta.label_lower,
                detail={"count": deleted, "before": cutoff.date().isoformat()},
            )
    return deleted
