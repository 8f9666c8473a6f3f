"""Reads the API needs beyond the scheduling selectors. No slot logic lives here."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from cercania.institute.models import ClosedDay, Service
from cercania.institute.selectors import institute_zone
from cercania.lib import codes
from cercania.scheduling.models import Appointment, Jornada

# Codes are checked before any query: a NUL byte or a 10 kB string never reaches SQL.
SERVICE_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}", re.ASCII)
JORNADA_CODE = re.compile(r"[A-Za-z0-9]{1,16}", re.ASCII)


def appointment_by_token(token: str) -> Appointment | None:
    if not codes.looks_like_token(token):
        return None
    return (
        Appointment.objects.select_related("service")
        .filter(manage_token_hash=codes.token_hash(token))
        .first()
    )


def public_jornada(code: str) -> Jornada | None:
    """An open or closed jornada by its poster code; drafts are not public yet."""
    if not JORNADA_CODE.fullmatch(code):
        return None
    return (
        Jornada.objects.filter(
            code=code.upper(), status__in=[Jornada.Status.OPEN, Jornada.Status.CLOSED]
        )
        .select_related("organization")
        .prefetch_related("services")
        .first()
    )


def slot_is_taken(*, service: Service, start: datetime, jornada: Jornada | None) -> bool:
    """After a refused booking: was the time taken (409), or never a slot at all (422)?

    Taken means an active appointment of one of the service's advisors overlaps it,
    or the jornada's places for that day are gone. A lost race always lands here as
    taken: the winner's row is committed by the time the loser's transaction ends.
    """
    end = start + timedelta(minutes=service.session_minutes)
    overlapping = Appointment.objects.filter(
        advisor__services=service,
        status__in=Appointment.ACTIVE_STATUSES,
        starts_at__lt=end,
        ends_at__gt=start,
    )
    if overlapping.exists():
        return True
    if jornada is not None and jornada.daily_capacity is not None:
        day = start.astimezone(institute_zone()).date()
        taken = Appointment.objects.filter(
            jornada=jornada, status__in=Appointment.ACTIVE_STATUSES, starts_at__date=day
        ).count()
        return taken >= jornada.daily_capacity
    return False


def closed_days_between(*, start: date, end: date) -> list[tuple[date, str]]:
    """One row per closed date (a federal and a local closure on one day are joined)."""
    reasons: dict[date, list[str]] = {}
    for day, reason in (
        ClosedDay.objects.filter(date__gte=start, date__lte=end)
        .order_by("date", "origin")
        .values_list("date", "reason")
    ):
        if reason not in reasons.setdefault(day, []):
            reasons[day].append(reason)
    return [(day, " / ".join(texts)) for day, texts in reasons.items()]
