"""Opening hours: "open now?", "next opening", "next closing" at any instant.

Pure functions over prefetched rows, so the same logic serves the public site, the
API and slot computation. Windows are local wall-clock times in the institute's zone;
instants are aware datetimes and results are aware datetimes in that zone.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Far enough to skip any run of holidays and a year of weekly gaps.
HORIZON_DAYS = 400


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    weekday: int  # ISO: 1 = Monday … 7 = Sunday
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class OpeningState:
    open_now: bool
    next_open: datetime | None  # the next time it opens (after the current window, if open)
    next_close: datetime | None  # when the current (or next) window closes


def local_intervals(
    *,
    start_day: date,
    windows: Iterable[WeeklyWindow],
    closed_dates: Container[date],
    zone: ZoneInfo,
    days: int = HORIZON_DAYS,
) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals from start_day on, in order, merging windows that touch."""
    by_weekday: dict[int, list[WeeklyWindow]] = {}
    for window in windows:
        by_weekday.setdefault(window.weekday, []).append(window)
    for day_windows in by_weekday.values():
        day_windows.sort(key=lambda w: w.opens)
    if not by_weekday:
        return

    pending: tuple[datetime, datetime] | None = None
    for offset in range(days):
        day = start_day + timedelta(days=offset)
        if day in closed_dates:
            continue
        for window in by_weekday.get(day.isoweekday(), []):
            start = datetime.combine(day, window.opens, tzinfo=zone)
            end = datetime.combine(day, window.closes, tzinfo=zone)
            if pending and start <= pending[1]:
                pending = (pending[0], max(pending[1], end))
                continue
            if pending:
                yield pending
            pending = (start, end)
    if pending:
        yield pending


def opening_state(
    *,
    at: datetime,
    windows: Iterable[WeeklyWindow],
    closed_dates: Container[date],
    zone: ZoneInfo,
) -> OpeningState:
    if at.tzinfo is None:
        raise ValueError("opening_state needs an aware datetime")
    local_now = at.astimezone(zone)
    open_now = False
    next_close: datetime | None = None
    # Start a day early: a window that began yesterday may still be running.
    for start, end in local_intervals(
        start_day=local_now.date() - timedelta(days=1),
        windows=windows,
        closed_dates=closed_dates,
        zone=zone,
    ):
        if end <= local_now:
            continue
        if start <= local_now:
            open_now, next_close = True, end
            continue
        # The first interval that starts after now.
        return OpeningState(
            open_now=open_now, next_open=start, next_close=next_close if open_now else end
        )
    return OpeningState(open_now=open_now, next_open=None, next_close=next_close)


def add_business_days(*, start: date, days: int, closed_dates: Container[date]) -> date:
    """The date `days` business days after `start` (weekends and closed days skipped)."""
    if days < 0:
        raise ValueError("days must be zero or more")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if current.isoweekday() <= 5 and current not in closed_dates:
            remaining -= 1
    return current
