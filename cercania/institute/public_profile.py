"""The institute's public profile, read once per process and reused.

Every public page shows the institute's name and its emergency lines, and the home
page, the booking flow and the API show its services with their opening hours and
the closed days: a few dozen rows that staff change a few times a year, which were
read again on every request (four or five queries of the booking page's five).
Each process now keeps one copy.

How fresh it is:
- A save or delete of one of these rows (the services of this app, the admin and its
  inlines, the shell) drops the copy of the process that made it at once, and again
  when its transaction commits: that process shows the change on its next page.
- Every other process (the other gunicorn workers, the task worker) reloads its copy
  when it is older than MAX_AGE_SECONDS: a change shows on every page of every
  worker within 10 seconds. So does a write that sends no signal (QuerySet.update(),
  raw SQL, another server).
- A copy read inside a transaction is used but never kept: it could hold that
  transaction's own uncommitted writes, which a rollback would leave in the cache.

Gunicorn's sync workers serve one request at a time; threads (the test live server)
only ever swap the whole copy, and nothing changes a copy once it is made. The rows it
holds are shared by every request of the process: read them, never change or save them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from cercania.lib.cache_signals import drop_on_write

from .models import ClosedDay, EmergencyLine, Institute, OpeningHours, PrivacyNotice, Service

MAX_AGE_SECONDS = 10.0
_monotonic = time.monotonic  # a seam for the tests
CACHED_MODELS = (Institute, EmergencyLine, Service, OpeningHours, ClosedDay, PrivacyNotice)


@dataclass(frozen=True)
class PublicProfile:
    institute: Institute | None
    emergency_lines: tuple[EmergencyLine, ...]
    # Active services in display order, their opening hours prefetched.
    services: tuple[Service, ...]
    closed_dates: frozenset[date]
    # Newest first, as current_privacy_notice picks them.
    privacy_notices: tuple[PrivacyNotice, ...]
    loaded_at: float
    # The parts of every public page made of these rows alone, rendered once per
    # language (templatetags/profile_fragments.py): they live and die with this copy.
    fragments: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)

    @property
    def bookable_services(self) -> list[Service]:
        return [s for s in self.services if s.bookable_online]

    def closed_dates_between(self, *, start: date, end: date) -> set[date]:
        return {day for day in self.closed_dates if start <= day <= end}

    def privacy_notice(self, *, kind: str, today: date) -> PrivacyNotice | None:
        return next(
            (n for n in self.privacy_notices if n.kind == kind and n.published_on <= today), None
        )


_current: PublicProfile | None = None
# Bumped by every change: a copy loaded while a change happened is not kept.
_generation = 0


def public_profile() -> PublicProfile:
    return kept_public_profile() or _load()


def kept_public_profile() -> PublicProfile | None:
    """This process's copy if it is current, without loading one (None then): for a
    read that would rather ask the database one small question than load it all."""
    current = _current
    if current is not None and _monotonic() - current.loaded_at < MAX_AGE_SECONDS:
        return current
    return None


def _load() -> PublicProfile:
    global _current
    generation = _generation
    profile = PublicProfile(
        institute=Institute.objects.first(),
        emergency_lines=tuple(EmergencyLine.objects.all()),
        services=tuple(Service.objects.filter(active=True).prefetch_related("opening_hours")),
        closed_dates=frozenset(ClosedDay.objects.values_list("date", flat=True)),
        privacy_notices=tuple(PrivacyNotice.objects.order_by("-published_on", "-id")),
        loaded_at=_monotonic(),
    )
    if generation == _generation and not connection.in_atomic_block:
        _current = profile
    return profile


def profile_changed() -> None:
    """Drop this process's copy: the next read loads the profile again."""
    global _current, _generation
    _generation += 1
    _current = None


def connect_signals() -> None:
    drop_on_write(drop=profile_changed, senders=CACHED_MODELS, uid="public_profile")
