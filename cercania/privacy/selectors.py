from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from cercania.accounts.models import User

from .models import AuditEvent


def _local_midnight(day: date) -> datetime:
    # Dates on the page are the institute's (settings.TIME_ZONE); rows are in UTC.
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def audit_events_search(
    *,
    actor: User | None = None,
    action: str = "",
    object_type: str = "",
    object_public_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit rows matching every given filter, newest first; dates are local and inclusive."""
    events = AuditEvent.objects.all()
    if actor is not None:
        events = events.filter(actor=actor)
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_public_id:
        events = events.filter(object_public_id=object_public_id)
    if date_from is not None:
        events = events.filter(occurred_at__gte=_local_midnight(date_from))
    if date_to is not None:
        events = events.filter(occurred_at__lt=_local_midnight(date_to + timedelta(days=1)))
    return events.order_by("-occurred_at", "-id")
