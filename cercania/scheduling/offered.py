"""The free times the public listings show (booking flow, API), kept per process.

Listing a service's free times is the costliest read of the public site: three queries
of agendas and a month of busy rows, then the slot arithmetic for every adviser
(selectors.bookable_slots). On a campaign day many women ask for the same listing
within seconds, and most of those seconds nothing changed. This keeps each listing
per process, and knows when it went stale:

- Sessions (booked, cancelled, moved, by any process or server): every read first
  asks the database how many sessions start in the listed days, how many of them hold
  their time and when the latest of them changed (one indexed aggregate); if any
  differs, the listing is computed again. A time taken a moment ago is not offered
  again from here.
- Agendas (weekly availability, time off, jornadas and their held windows, advisers,
  services, opening hours, closed days): a save or delete drops this process's
  listings at once and again at commit; other processes recompute within
  MAX_AGE_SECONDS, as they reload the institute's profile (public_profile.py).
- A listing computed again because a session changed reuses the agenda it was cut
  from (selectors.Agenda: advisers, weekly and held windows, opening hours: one copy
  per service and jornada for the whole horizon), kept under the same rules as the
  listings: only the busy times are read again. Under booking traffic every booking
  makes the listings of its days stale, and reading the agenda through the ORM was
  about two thirds of computing one day's listing.
- The minimum notice moves with the clock: it is applied again to every read.
- A listing computed inside a transaction is returned but never kept (it could hold
  that transaction's uncommitted rows).

Only what she is offered comes from here. Booking recomputes the slot inside its
transaction (services.appointment_book), uncached, so a stale listing can at worst
offer a time that the booking then refuses cleanly; staff agendas read uncached too.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from cercania.institute.models import ClosedDay, OpeningHours, Service
from cercania.institute.selectors import institute_zone
from cercania.lib.cache_signals import drop_on_write

from .models import Advisor, Appointment, AvailabilityWindow, Jornada, ReservedWindow, TimeOff
from .selectors import Agenda, bookable_slots, service_agenda, utc_seconds_sql
from .slots import Slot

MAX_AGE_SECONDS = 10.0
MAX_LISTINGS = 256  # per process: services × jornadas × modalities × ranges asked
_monotonic = time.monotonic  # a seam for the tests
AGENDA_MODELS = (
    AvailabilityWindow,
    TimeOff,
    ReservedWindow,
    Jornada,
    Advisor,
    Service,
    OpeningHours,
    ClosedDay,
)

Key = tuple[Any, ...]
Sessions = tuple[int, int, float | None]  # sessions, active ones, latest change (UTC s)


@dataclass(frozen=True)
class _Listing:
    slots: tuple[Slot, ...]
    sessions: Sessions  # as they were when it was computed
    computed_at: float


_listings: OrderedDict[Key, _Listing] = OrderedDict()
_agendas: OrderedDict[Key, tuple[Agenda, float]] = OrderedDict()
# Bumped by every agenda change: a listing computed while one happened is not kept.
_generation = 0
_lock = threading.Lock()


def offered_slots(
    *,
    service: Service,
    first_day: date,
    last_day: date,
    jornada: Jornada | None = None,
    modality: str | None = None,
) -> list[Slot]:
    """bookable_slots(...) as of now, from this process's copy when still current.
    The slots are shared between requests: read them, never change them."""
    now = timezone.now()
    zone = institute_zone()
    today = now.astimezone(zone).date()
    key: Key = (service.pk, jornada.pk if jornada else None, modality, first_day, last_day, today)
    sessions = _sessions_overlapping(first_day=max(first_day, today), last_day=last_day)
    listing = _listings.get(key)
    if (
        listing is None
        or listing.sessions != sessions
        or _monotonic() - listing.computed_at >= MAX_AGE_SECONDS
    ):
        generation = _generation
        # A listing is as old as the agenda it was cut from.
        agenda_read_at: list[float] = []

        def agenda_reader(**where: Any) -> Agenda:
            agenda, read_at = _kept_agenda(today=today, **where)
            agenda_read_at.append(read_at)
            return agenda

        computed = bookable_slots(
            service=service,
            first_day=first_day,
            last_day=last_day,
            jornada=jornada,
            modality=modality,
            now=now,
            agenda_reader=agenda_reader,
        )
        listing = _Listing(tuple(computed), sessions, min(agenda_read_at, default=_monotonic()))
        _keep(_listings, key, listing, generation=generation)
        return computed
    earliest = now + timedelta(minutes=settings.BOOKING_MIN_NOTICE_MINUTES)
    return [slot for slot in listing.slots if slot.start >= earliest]


def _kept_agenda(
    *, service: Service, jornada: Jornada | None, first_day: date, last_day: date, today: date
) -> tuple[Agenda, float]:
    """selectors.service_agenda, from this process's copy when not older than
    MAX_AGE_SECONDS and no agenda change happened here since; and when it was read.

    One copy per service (and jornada) covers the whole booking horizon from `today`
    (the listing's): the listings ask for many ranges (a month, a day, the API's few
    days), which bookable_slots has cut to that horizon, and the held windows outside
    the asked days are simply not used (slots.compute_slots)."""
    horizon_end = today + timedelta(days=settings.BOOKING_HORIZON_DAYS + 1)
    assert today <= first_day <= last_day <= horizon_end  # as bookable_slots clamps them
    key: Key = (service.pk, jornada.pk if jornada else None, today)
    kept = _agendas.get(key)
    if kept is not None and _monotonic() - kept[1] < MAX_AGE_SECONDS:
        return kept
    generation = _generation
    read_at = _monotonic()
    agenda = service_agenda(service=service, jornada=jornada, first_day=today, last_day=horizon_end)
    _keep(_agendas, key, (agenda, read_at), generation=generation)
    return agenda, read_at


def _keep(store: OrderedDict[Key, Any], key: Key, value: Any, *, generation: int) -> None:
    """Keep a value computed at `generation`, unless an agenda change happened since or
    it was read inside a transaction (it could hold uncommitted rows); the oldest go
    beyond MAX_LISTINGS."""
    if connection.in_atomic_block:
        return
    with _lock:  # threads (the test live server) share the dictionaries
        if generation == _generation:
            store[key] = value
            store.move_to_end(key)
            while len(store) > MAX_LISTINGS:
                store.popitem(last=False)


def _sessions_overlapping(*, first_day: date, last_day: date) -> Sessions:
    """How many sessions start in the days (any adviser: her other services keep her
    busy too), how many of them hold their time, and when the latest one changed.

    A booking adds one; a cancellation changes the second count; a move changes the
    latest change. Only two moves committed in the opposite order of their clocks
    could leave all three as they were: then the listing is at most MAX_AGE_SECONDS old.
    """
    zone = institute_zone()
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=zone) - timedelta(days=1)
    until = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    # Plain SQL: every listing read asks this first, and building the aggregate through
    # the ORM cost several times running it. The latest change comes as UTC seconds
    # (distinct microseconds stay distinct in a float at today's epoch).
    statuses = ", ".join(["%s"] * len(Appointment.ACTIVE_STATUSES))
    sql = (
        "SELECT COUNT(*), "  # noqa: S608 (no input in the text)
        f"COALESCE(SUM(CASE WHEN status IN ({statuses}) THEN 1 ELSE 0 END), 0), "
        f"MAX({utc_seconds_sql('updated_at')}) FROM {Appointment._meta.db_table} "
        "WHERE starts_at >= %s AND starts_at < %s"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = [*map(str, Appointment.ACTIVE_STATUSES), adapt(since), adapt(until)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        n, active, latest = cursor.fetchone()
    return int(n), int(active), latest


def listings_changed() -> None:
    """Drop this process's listings: the next read computes them again."""
    global _generation
    with _lock:
        _generation += 1
        _listings.clear()
        _agendas.clear()


def connect_signals() -> None:
    drop_on_write(
        drop=listings_changed,
        senders=AGENDA_MODELS,
        # Which services an adviser gives, or a jornada offers.
        many_to_many=(Advisor.services, Jornada.services),
        uid="offered_slots",
    )
