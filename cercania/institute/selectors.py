"""Reads of the institute's configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from cercania.lib.opening import HORIZON_DAYS, OpeningState, WeeklyWindow, opening_state

from .models import ClosedDay, EmergencyLine, Institute, PrivacyNotice, Service
from .public_profile import kept_public_profile, public_profile


def institute_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def institute_profile() -> Institute | None:
    return Institute.objects.first()


def emergency_lines() -> QuerySet[EmergencyLine]:
    return EmergencyLine.objects.all()


def public_services() -> list[Service]:
    """Active services, their opening hours prefetched (the per-process copy: read only)."""
    return list(public_profile().services)


def closed_dates_between(*, start: date, end: date) -> set[date]:
    return set(
        ClosedDay.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True)
    )


def service_opening_state(
    *, service: Service, at: datetime | None = None, closed_dates: set[date] | None = None
) -> OpeningState:
    """Is the service open at `at` (default: now), and when does it next open or close?

    Pass `closed_dates` when checking several services at once to read them once.
    """
    at = at or timezone.now()
    zone = institute_zone()
    if closed_dates is None:
        today = at.astimezone(zone).date()
        closed_dates = closed_dates_between(
            start=today - timedelta(days=1), end=today + timedelta(days=HORIZON_DAYS)
        )
    windows = [
        WeeklyWindow(weekday=row.weekday, opens=row.opens, closes=row.closes)
        for row in service.opening_hours.all()
    ]
    return opening_state(at=at, windows=windows, closed_dates=closed_dates, zone=zone)


@dataclass(frozen=True)
class ServiceStatus:
    service: Service
    state: OpeningState


def public_services_with_status(*, at: datetime | None = None) -> list[ServiceStatus]:
    at = at or timezone.now()
    today = at.astimezone(institute_zone()).date()
    profile = public_profile()
    closed = profile.closed_dates_between(
        start=today - timedelta(days=1), end=today + timedelta(days=HORIZON_DAYS)
    )
    return [
        ServiceStatus(service=s, state=service_opening_state(service=s, at=at, closed_dates=closed))
        for s in profile.services
    ]


def current_privacy_notice(*, kind: str) -> PrivacyNotice | None:
    return public_profile().privacy_notice(kind=kind, today=timezone.localdate())


def privacy_notice_version_exists(version: str) -> bool:
    """Whether a privacy notice of this version was published (a consent names one).

    The consent is recorded against the notice she was just shown, which this
    process's profile holds: asked there first. A version it does not hold (newer
    than the copy, or unknown) is asked of the database."""
    profile = kept_public_profile()
    if profile is not None and any(n.version == version for n in profile.privacy_notices):
        return True
    return PrivacyNotice.objects.filter(version=version).exists()
