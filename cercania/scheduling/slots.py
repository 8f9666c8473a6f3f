"""Slot computation: a pure function over prefetched rows.

    slots = (availability ∩ opening hours) − closed days − time off − active
            appointments − windows reserved for jornadas (general agenda)
    or      (a jornada's reserved windows ∩ opening hours) − the same   (jornada page)

then the minimum notice and the booking horizon. Starts follow a grid of the session
length from the start of each window (a 45-minute service in 9–15 starts at 9:00,
9:45, …, 14:15). A start is offered once, however many advisors are free at it; the
free advisors travel with the slot (never shown) so booking can choose among them.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class AdvisorRow:
    advisor_id: int
    modalities: frozenset[str]


@dataclass(frozen=True, slots=True)
class WeeklyRow:
    owner_id: int  # advisor id (availability) or 0 (the service's opening hours)
    weekday: int
    starts: time
    ends: time


@dataclass(frozen=True, slots=True)
class DatedRow:
    owner_id: int  # advisor id
    day: date
    starts: time
    ends: time
    jornada_id: int


@dataclass(frozen=True, slots=True)
class BusyRow:
    advisor_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class SlotRules:
    session_minutes: int
    service_modalities: frozenset[str]
    zone: ZoneInfo
    now: datetime
    min_notice: timedelta
    horizon: timedelta


@dataclass(slots=True)
class Slot:
    start: datetime
    end: datetime
    modalities: set[str] = field(default_factory=set)
    advisor_ids: list[int] = field(default_factory=list)


def _intersect(
    a: Sequence[tuple[time, time]], b: Sequence[tuple[time, time]]
) -> list[tuple[time, time]]:
    out = []
    for a_start, a_end in a:
        for b_start, b_end in b:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                out.append((start, end))
    return sorted(out)


def _merge(windows: list[tuple[time, time]]) -> list[tuple[time, time]]:
    """Union of windows: overlapping or touching rows make one window (one grid)."""
    merged: list[tuple[time, time]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(
    windows: list[tuple[time, time]], holes: Iterable[tuple[time, time]]
) -> list[tuple[time, time]]:
    for hole_start, hole_end in holes:
        remaining = []
        for start, end in windows:
            if hole_end <= start or hole_start >= end:
                remaining.append((start, end))
                continue
            if start < hole_start:
                remaining.append((start, hole_start))
            if hole_end < end:
                remaining.append((hole_end, end))
        windows = remaining
    return windows


class BusyIndex:
    """Per advisor, her busy time merged into sorted disjoint intervals of UTC seconds.

    Plain numbers, not datetimes: the rows arrive in UTC and the grid is local, and
    comparing datetimes of different zones computes offsets on every comparison (the
    month-wide agenda makes tens of thousands). Merged intervals are disjoint and
    sorted, so the increasing starts of a window walk them with one pointer, however
    long her longest time off.

    Build it from rows (`BusyRow`), or with `from_seconds` straight from a query that
    returns `(advisor_id, start, end)` as UTC seconds, so that no datetime is made.
    """

    def __init__(self, rows: Iterable[BusyRow] = ()) -> None:
        self._build(
            [(row.advisor_id, row.starts_at.timestamp(), row.ends_at.timestamp()) for row in rows]
        )

    @classmethod
    def from_seconds(cls, rows: Iterable[tuple[int, float, float]]) -> BusyIndex:
        """Rows of UTC seconds, equal to `datetime.timestamp()` of the same instants."""
        index = cls.__new__(cls)
        index._build(rows)
        return index

    def _build(self, rows: Iterable[tuple[int, float, float]]) -> None:
        self._starts: dict[int, list[float]] = {}
        self._ends: dict[int, list[float]] = {}
        ordered = sorted(rows)
        self.row_count = len(ordered)
        current = None
        starts: list[float] = []
        ends: list[float] = []
        for advisor_id, begin, finish in ordered:
            if advisor_id != current:
                current = advisor_id
                starts = self._starts[advisor_id] = []
                ends = self._ends[advisor_id] = []
            if ends and begin <= ends[-1]:  # overlaps or touches the previous one: merge
                if finish > ends[-1]:
                    ends[-1] = finish
            else:
                starts.append(begin)
                ends.append(finish)

    def intervals(self, advisor_id: int) -> tuple[list[float], list[float]]:
        """Her merged intervals: starts and ends, both increasing (disjoint, not touching)."""
        return self._starts.get(advisor_id, []), self._ends.get(advisor_id, [])


def compute_slots(
    *,
    first_day: date,
    last_day: date,
    rules: SlotRules,
    advisors: Sequence[AdvisorRow],
    availability: Iterable[WeeklyRow],
    opening_hours: Iterable[WeeklyRow],
    closed_dates: set[date],
    busy: Iterable[BusyRow] | BusyIndex,
    reserved: Iterable[DatedRow],
    jornada_id: int | None = None,
    modality: str | None = None,
    capacity_left: dict[date, int] | None = None,
) -> list[Slot]:
    """The bookable slots between two local dates (inclusive), sorted by start.

    `busy` holds active appointments and time off alike, as rows or as a `BusyIndex`.
    With `jornada_id`, only that jornada's reserved windows are offered; without it,
    every reserved window is removed from the general agenda. `capacity_left` (jornada)
    caps slots per day: a day with no capacity left offers nothing.
    """
    length = timedelta(minutes=rules.session_minutes)
    earliest = rules.now + rules.min_notice
    latest = rules.now + rules.horizon
    opening: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for row in opening_hours:
        opening[row.weekday].append((row.starts, row.ends))
    weekly: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
    for row in availability:
        weekly[(row.owner_id, row.weekday)].append((row.starts, row.ends))
    held: dict[tuple[int, date], list[tuple[time, time]]] = defaultdict(list)
    for held_row in reserved:
        if jornada_id is None or held_row.jornada_id == jornada_id:
            held[(held_row.owner_id, held_row.day)].append((held_row.starts, held_row.ends))
    busy_index = busy if isinstance(busy, BusyIndex) else BusyIndex(busy)
    wanted = {modality} if modality else None
    offered: list[tuple[int, frozenset[str]]] = []
    for advisor in advisors:
        modalities = advisor.modalities & rules.service_modalities
        if wanted is not None:
            modalities &= wanted
        if modalities:
            offered.append((advisor.advisor_id, modalities))
    # An advisor's windows on a weekday are the same every week, except on the days a
    # jornada holds some of them: computed once per weekday, then holes cut per day.
    weekly_windows: dict[tuple[int, int], list[tuple[time, time]]] = {}

    length_s = length.total_seconds()
    earliest_s, latest_s = earliest.timestamp(), latest.timestamp()
    by_start: dict[float, Slot] = {}
    day = first_day
    while day <= last_day:
        weekday = day.isoweekday()
        if day in closed_dates or not opening.get(weekday):
            day += timedelta(days=1)
            continue
        if capacity_left is not None and capacity_left.get(day, 1) <= 0:
            day += timedelta(days=1)
            continue
        open_windows = sorted(opening[weekday])
        for advisor_id, modalities in offered:
            held_today = held.get((advisor_id, day))
            if jornada_id is None:
                key = (advisor_id, weekday)
                windows = weekly_windows.get(key)
                if windows is None:
                    windows = weekly_windows[key] = _merge(
                        _intersect(_merge(weekly.get(key, [])), open_windows)
                    )
                if held_today:
                    windows = _merge(_subtract(windows, held_today))
            else:
                windows = _merge(_intersect(_merge(held_today or []), open_windows))
            busy_starts, busy_ends = busy_index.intervals(advisor_id)
            busy_count = len(busy_ends)
            for window_start, window_end in windows:
                # Step in UTC seconds: a window lies inside one day's opening hours, far
                # from any DST change, and numbers are much cheaper than aware datetimes.
                start = datetime.combine(day, window_start, tzinfo=rules.zone).timestamp()
                stop = datetime.combine(day, window_end, tzinfo=rules.zone).timestamp()
                # Starts increase, so one pointer walks her busy intervals: `i` is the
                # first one ending after `start`, the only one that can overlap it.
                i = bisect.bisect_right(busy_ends, start)
                while start + length_s <= stop:
                    end = start + length_s
                    while i < busy_count and busy_ends[i] <= start:
                        i += 1
                    if earliest_s <= start <= latest_s and (
                        i == busy_count or busy_starts[i] >= end
                    ):
                        slot = by_start.get(start)
                        if slot is None:
                            local_start = datetime.fromtimestamp(start, rules.zone)
                            slot = by_start[start] = Slot(
                                start=local_start, end=local_start + length
                            )
                        slot.modalities |= modalities
                        slot.advisor_ids.append(advisor_id)
                    start = end
        day += timedelta(days=1)
    return [by_start[k] for k in sorted(by_start)]
