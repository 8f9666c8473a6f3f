"""Reads for scheduling: bookable slots (one query per source), agendas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from cercania.institute.models import Service
from cercania.institute.public_profile import public_profile
from cercania.institute.selectors import institute_zone

from . import slots as slot_math
from .models import Advisor, Appointment, AvailabilityWindow, Jornada, ReservedWindow, TimeOff


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
    agenda_reader: AgendaReader | None = None,
) -> list[slot_math.Slot]:
    """Slots of a service between two local dates.

    Four queries, or three when the caller prefetched the service's opening hours (the
    closed days come from the institute's per-process profile). `agenda_reader` reads
    the agenda instead of `service_agenda` (the public listings keep it per process:
    offered.py); the busy times are always read afresh.
    """
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

    agenda = (agenda_reader or service_agenda)(
        service=service, jornada=jornada, first_day=first_day, last_day=last_day
    )
    if not agenda.advisors:
        return []
    closed = public_profile().closed_dates_between(start=first_day, end=last_day)
    # Query 4: what keeps each advisor busy: active appointments and time off, in one round trip.
    busy = _busy_index(
        advisor_ids=[advisor.advisor_id for advisor in agenda.advisors],
        range_start=range_start,
        range_end=range_end,
        exclude_appointment_id=exclude_appointment_id,
    )

    capacity_left = None
    if jornada is not None and jornada.daily_capacity is not None:
        # Query 5: how many of the jornada's places each day already holds.
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
        advisors=agenda.advisors,
        availability=agenda.availability,
        opening_hours=agenda.opening,
        closed_dates=closed,
        busy=busy,
        reserved=agenda.reserved,
        jornada_id=jornada.pk if jornada else None,
        modality=modality,
        capacity_left=capacity_left,
    )


@dataclass(frozen=True)
class Agenda:
    """What a service's free times are cut from, but for what keeps each adviser busy:
    its active advisers, their weekly windows, the held windows of the days and the
    service's opening hours. Staff change these a few times a week; sessions, which
    change all day, are read apart (`_busy_index`)."""

    advisors: tuple[slot_math.AdvisorRow, ...]
    availability: tuple[slot_math.WeeklyRow, ...]
    reserved: tuple[slot_math.DatedRow, ...]
    opening: tuple[slot_math.WeeklyRow, ...]


class AgendaReader(Protocol):
    def __call__(
        self, *, service: Service, jornada: Jornada | None, first_day: date, last_day: date
    ) -> Agenda: ...


def service_agenda(
    *, service: Service, jornada: Jornada | None, first_day: date, last_day: date
) -> Agenda:
    """The agenda of a service (or of a jornada's) between two local dates: two queries,
    three when the service's opening hours were not prefetched."""
    advisors: dict[int, slot_math.AdvisorRow] = {}
    availability: list[slot_math.WeeklyRow] = []
    # Windows of draft and open jornadas are held; a closed jornada frees its hours.
    if jornada is None:
        # The general agenda, read by every booking and listing: plain SQL (below).
        for advisor_id, modalities, weekday, starts, ends in _weekly_windows(service=service):
            advisors.setdefault(advisor_id, slot_math.AdvisorRow(advisor_id, frozenset(modalities)))
            availability.append(slot_math.WeeklyRow(advisor_id, weekday, starts, ends))
        reserved = (
            _held_windows(advisor_ids=list(advisors), first_day=first_day, last_day=last_day)
            if advisors
            else []
        )
    else:
        # Query 1: this jornada's windows, which also name its advisors.
        reserved = []
        for advisor_id, modalities, day, starts, ends in (
            ReservedWindow.objects.filter(date__gte=first_day, date__lte=last_day)
            .exclude(jornada__status=Jornada.Status.CLOSED)
            .filter(jornada=jornada, advisor__active=True, advisor__services=service)
            .values_list("advisor_id", "advisor__modalities", "date", "starts", "ends")
        ):
            advisors.setdefault(advisor_id, slot_math.AdvisorRow(advisor_id, frozenset(modalities)))
            reserved.append(slot_math.DatedRow(advisor_id, day, starts, ends, jornada.pk))
    if not advisors:
        return Agenda(advisors=(), availability=(), reserved=(), opening=())
    # Query 3: the service's opening hours (none when prefetched by the caller).
    opening = [
        slot_math.WeeklyRow(0, r.weekday, r.opens, r.closes) for r in service.opening_hours.all()
    ]
    return Agenda(
        advisors=tuple(advisors.values()),
        availability=tuple(availability),
        reserved=tuple(reserved),
        opening=tuple(opening),
    )


# The general agenda's two queries, in plain SQL: each booking and each listing computed
# again reads them. Through the ORM they cost 1.9 ms of CPU each (building the query more
# than running it), in plain SQL 0.6 ms (the weekly windows: 125 rows for 25 advisers)
# and 0.3 ms (the held windows), in one process on the load machine. The same joins,
# filters and order as the ORM's (AvailabilityWindow.objects.filter(advisor__active=True,
# advisor__services=service), and ReservedWindow's of the days, not of a closed
# jornada); the values come back as the ORM gives them.


def _weekly_windows(*, service: Service) -> list[tuple[int, list[str], int, time, time]]:
    """Query 1: the weekly windows of the service's active advisers, with their
    modalities, by adviser, weekday and start."""
    window, advisor = AvailabilityWindow._meta.db_table, Advisor._meta.db_table
    services = Advisor.services.field
    through = services.m2m_db_table()
    sql = (
        f"SELECT w.advisor_id, a.modalities, w.weekday, w.starts, w.ends FROM {window} w "  # noqa: S608 (no input in the text)
        f"INNER JOIN {advisor} a ON w.advisor_id = a.id "
        f"INNER JOIN {through} s ON a.id = s.{services.m2m_column_name()} "
        f"WHERE a.active AND s.{services.m2m_reverse_name()} = %s "
        "ORDER BY w.advisor_id, w.weekday, w.starts"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [service.pk])
        return [
            (advisor_id, _json_list(modalities), weekday, _time(starts), _time(ends))
            for advisor_id, modalities, weekday, starts, ends in cursor.fetchall()
        ]


def _held_windows(
    *, advisor_ids: list[int], first_day: date, last_day: date
) -> list[slot_math.DatedRow]:
    """Query 2: the windows of these advisers held for a jornada that is not closed,
    between two dates (removed from the general agenda)."""
    held, jornada = ReservedWindow._meta.db_table, Jornada._meta.db_table
    ids = ", ".join(["%s"] * len(advisor_ids))
    sql = (
        f"SELECT r.advisor_id, r.date, r.starts, r.ends, r.jornada_id FROM {held} r "  # noqa: S608 (no input in the text)
        f"INNER JOIN {jornada} j ON r.jornada_id = j.id "
        f"WHERE r.date >= %s AND r.date <= %s AND NOT (j.status = %s) AND r.advisor_id IN ({ids}) "
        "ORDER BY r.date, r.starts"
    )
    adapt = connection.ops.adapt_datefield_value
    params = [adapt(first_day), adapt(last_day), str(Jornada.Status.CLOSED), *advisor_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            slot_math.DatedRow(advisor_id, _date(day), _time(starts), _time(ends), jornada_id)
            for advisor_id, day, starts, ends, jornada_id in cursor.fetchall()
        ]


def _time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)  # SQLite: text


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)  # SQLite: text


def _json_list(value: list[str] | str) -> list[str]:
    # Django reads jsonb (PostgreSQL) and JSON (SQLite) as text and decodes it itself.
    return json.loads(value) if isinstance(value, str) else value


def utc_seconds_sql(column: str) -> str:
    """SQL for a datetime column as UTC seconds since 1970, the float `.timestamp()` gives.

    SQLite keeps UTC as text 'YYYY-MM-DD HH:MM:SS[.ffffff]' (Django writes six digits
    of microseconds, or none). Whole seconds come out as integers, others as
    (seconds · 10⁶ + microseconds) / 10⁶, rounded once, as Python rounds; the seconds
    are read without the fraction, which SQLite's date functions round to milliseconds
    (59.9999 would become the next second). PostgreSQL's EXTRACT gives the exact
    numeric, and float8 rounds it the same way.
    """
    if connection.vendor == "sqlite":
        return (
            f"CASE WHEN length({column}) = 19 THEN CAST(strftime('%%s', {column}) AS INTEGER) "
            f"ELSE (CAST(strftime('%%s', substr({column}, 1, 19)) AS INTEGER) * 1000000 "
            f"+ CAST(substr({column}, 21) AS INTEGER)) / 1000000.0 END"
        )
    return f"EXTRACT(EPOCH FROM {column})::float8"


def _busy_index(
    *,
    advisor_ids: list[int],
    range_start: datetime,
    range_end: datetime,
    exclude_appointment_id: int | None,
) -> slot_math.BusyIndex:
    """The advisors' active appointments and time off overlapping the range, as UTC seconds.

    Hand-written SQL through a plain cursor, because this is the hot query of the public
    booking page (a month of rows for every advisor of the service). Through the ORM,
    Django parses every datetime, makes it aware and hands it over for `.timestamp()`;
    with `values_list` of database-side seconds it would still run a float converter on
    every value, and building the union costs about as much as running it. Here the
    database computes the seconds and the rows go straight into the index.
    """
    ids = ", ".join(["%s"] * len(advisor_ids))
    starts, ends = utc_seconds_sql("starts_at"), utc_seconds_sql("ends_at")
    adapt = connection.ops.adapt_datetimefield_value
    before, after = adapt(range_end), adapt(range_start)
    statuses = ", ".join(["%s"] * len(Appointment.ACTIVE_STATUSES))
    sql = (
        f"SELECT advisor_id, {starts}, {ends} FROM {Appointment._meta.db_table} "  # noqa: S608 (no input in the text)
        f"WHERE advisor_id IN ({ids}) AND status IN ({statuses}) "
        "AND starts_at < %s AND ends_at > %s"
    )
    params: list[Any] = [*advisor_ids, *map(str, Appointment.ACTIVE_STATUSES), before, after]
    if exclude_appointment_id is not None:
        sql += " AND id <> %s"
        params.append(exclude_appointment_id)
    sql += (
        f" UNION ALL SELECT advisor_id, {starts}, {ends} FROM {TimeOff._meta.db_table} "  # noqa: S608
        f"WHERE advisor_id IN ({ids}) AND starts_at < %s AND ends_at > %s"
    )
    params += [*advisor_ids, before, after]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return slot_math.BusyIndex.from_seconds(cursor.fetchall())


def open_jornada_by_code(code: str) -> Jornada | None:
    return (
        Jornada.objects.filter(code=code.strip().upper(), status=Jornada.Status.OPEN)
        .select_related("organization")
        .first()
    )


def bookable_services(*, jornada: Jornada | None = None) -> list[Service]:
    """Services she can book online, their opening hours prefetched.

    The general agenda's come from the institute's per-process profile (shared: read
    only); a jornada's are the ones it offers, read with it.
    """
    if jornada is None:
        return public_profile().bookable_services
    return list(
        Service.objects.filter(
            active=True, bookable_online=True, jornadas=jornada
        ).prefetch_related("opening_hours")
    )
