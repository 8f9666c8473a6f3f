"""Reads for scheduling: bookable slots (one query per source), agendas."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cercania.institute.models import ClosedDay, Service
from cercania.institute.selectors import institute_zone

from . import slots as slot_math
from .models import Appointment, AvailabilityWindow, Jornada, ReservedWindow, TimeOff


def booking_rules(*, service: Service, now: datetime | None = None) -> slot_math.SlotRules:
    return slot_math.SlotRules(
        session_minutes=service.session_minutes,
        service_modalities=frozenset(service.modalities),
        zone=institute_zone(),
        now=now or timezone.now(),
        min_notice=timedelta(minutes=settings.BOOKING_MIN_NOTICE_MINUTES),
        horizon=timedelta(days=settings.BOOKING_HORIZON_DAYS),
    )


def bookable_slots(
    *,
    service: Service,
    first_day: date,
    last_day: date,
    jornada: Jornada | None = None,
    modality: str | None = None,
    now: datetime | None = None,
    exclude_appointment_id: int | None = None,
) -> list[slot_math.Slot]:
    """Slots of a service between two local dates. Five queries (six for a jornada)."""
    rules = booking_rules(service=service, now=now)
    zone = rules.zone
    today = rules.now.astimezone(zone).date()
    first_day = max(first_day, today)
    last_day = min(last_day, (rules.now + rules.horizon).astimezone(zone).date())
    if jornada is not None:
        first_day, last_day = max(first_day, jornada.starts_on), min(last_day, jornada.ends_on)
    if first_day > last_day:
        return []
    range_start = datetime.combine(first_day, time.min, tzinfo=zone)
    range_end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)

    advisors: dict[int, slot_math.AdvisorRow] = {}
    availability: list[slot_math.WeeklyRow] = []
    # Windows of draft and open jornadas are held; a closed jornada frees its hours.
    reserved_rows = ReservedWindow.objects.filter(
        date__gte=first_day, date__lte=last_day, advisor__active=True, advisor__services=service
    ).exclude(jornada__status=Jornada.Status.CLOSED)
    if jornada is None:
        # Query 1: advisors of the service with their weekly windows.
        for advisor_id, modalities, weekday, starts, ends in AvailabilityWindow.objects.filter(
            advisor__active=True, advisor__services=service
        ).values_list("advisor_id", "advisor__modalities", "weekday", "starts", "ends"):
            advisors.setdefault(advisor_id, slot_math.AdvisorRow(advisor_id, frozenset(modalities)))
            availability.append(slot_math.WeeklyRow(advisor_id, weekday, starts, ends))
        # Query 2: every held window of these advisors (removed from the general agenda).
        reserved = (
            [
                slot_math.DatedRow(a, d, s, e, j)
                for a, d, s, e, j in reserved_rows.filter(
                    advisor_id__in=list(advisors)
                ).values_list("advisor_id", "date", "starts", "ends", "jornada_id")
            ]
            if advisors
            else []
        )
    else:
        # Query 1: this jornada's windows, which also name its advisors.
        reserved = []
        for advisor_id, modalities, day, starts, ends in reserved_rows.filter(
            jornada=jornada
        ).values_list("advisor_id", "advisor__modalities", "date", "starts", "ends"):
            advisors.setdefault(advisor_id, slot_math.AdvisorRow(advisor_id, frozenset(modalities)))
            reserved.append(slot_math.DatedRow(advisor_id, day, starts, ends, jornada.pk))
    if not advisors:
        return []

    # Query 3: the service's opening hours (none when prefetched by the caller).
    opening = [
        slot_math.WeeklyRow(0, r.weekday, r.opens, r.closes) for r in service.opening_hours.all()
    ]
    # Query 4: closed days.
    closed = set(
        ClosedDay.objects.filter(date__gte=first_day, date__lte=last_day).values_list(
            "date", flat=True
        )
    )
    # Query 5: what keeps each advisor busy: active appointments and time off, in one round trip.
    advisor_ids = list(advisors)
    appointments = (
        Appointment.objects.filter(
            advisor_id__in=advisor_ids,
            status__in=Appointment.ACTIVE_STATUSES,
            starts_at__lt=range_end,
            ends_at__gt=range_start,
        )
        .exclude(pk=exclude_appointment_id or 0)  # 0: no row has it
        .order_by()
        .values_list("advisor_id", "starts_at", "ends_at")
    )
    time_off = (
        TimeOff.objects.filter(
            advisor_id__in=advisor_ids, starts_at__lt=range_end, ends_at__gt=range_start
        )
        .order_by()
        .values_list("advisor_id", "starts_at", "ends_at")
    )
    busy = _busy_rows(appointments.union(time_off, all=True))

    capacity_left = None
    if jornada is not None and jornada.daily_capacity is not None:
        # Query 6: how many of the jornada's places each day already holds.
        taken = dict(
            Appointment.objects.filter(jornada=jornada, status__in=Appointment.ACTIVE_STATUSES)
            .values_list("starts_at__date")
            .annotate(n=Count("id"))
            .values_list("starts_at__date", "n")
        )
        capacity_left = {
            first_day + timedelta(days=i): jornada.daily_capacity
            - taken.get(first_day + timedelta(days=i), 0)
            for i in range((last_day - first_day).days + 1)
        }

    return slot_math.compute_slots(
        first_day=first_day,
        last_day=last_day,
        rules=rules,
        advisors=list(advisors.values()),
        availability=availability,
        opening_hours=opening,
        closed_dates=closed,
        busy=busy,
        reserved=reserved,
        jornada_id=jornada.pk if jornada else None,
        modality=modality,
        capacity_left=capacity_left,
    )


def _busy_rows(query: QuerySet[Any]) -> list[slot_math.BusyRow]:
    """Run the busy-time query through a plain cursor.

    Django converts every datetime value it reads (parse, then make aware); for a month
    of appointments that costs several times the query itself. The values are UTC
    timestamps either way, so they are read as such: SQLite gives ISO text (parsed by
    the C-speed fromisoformat) or naive UTC; PostgreSQL gives aware datetimes already.
    """
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return [slot_math.BusyRow(a, _utc(s), _utc(e)) for a, s, e in rows]
    return [slot_math.BusyRow(a, s, e) for a, s, e in rows]


def _utc(value: str | datetime) -> datetime:
    # SQLite stores UTC without an offset: text, or a naive datetime when the driver's
    # converter recognised the column.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC)


def open_jornada_by_code(code: str) -> Jornada | None:
    return (
        Jornada.objects.filter(code=code.strip().upper(), status=Jornada.Status.OPEN)
        .select_related("organization")
        .first()
    )


def bookable_services(*, jornada: Jornada | None = None) -> list[Service]:
    services = Service.objects.filter(active=True, bookable_online=True).prefetch_related(
        "opening_hours"
    )
    if jornada is not None:
        services = services.filter(Q(jornadas=jornada))
    return list(services)
