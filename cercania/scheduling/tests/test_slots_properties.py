"""Property-based tests of compute_slots: pure, no database.

Hypothesis draws advisors, weekly availability, opening hours, closed dates, time off,
active appointments (aware, across midnight, in local time or UTC as the database
returns them), jornada windows, a 'now', the minimum notice and the horizon. Every
returned slot must obey every rule, and every start that a brute force over minutes
finds free must be returned, with exactly the advisors free at it.

A "window" is the union of stored rows: rows that overlap or touch make one window,
and starts follow the session length from the start of each window. Two generators:
realistic rows (one owner's rows of a day are separated by a gap) and any rows at all
(overlapping, touching, nested, repeated), which the model does not forbid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cercania.scheduling.slots import (
    AdvisorRow,
    BusyRow,
    DatedRow,
    Slot,
    SlotRules,
    WeeklyRow,
    compute_slots,
)

ZONE = ZoneInfo("America/Chihuahua")
MODALITIES = ("video", "phone")
# Window edges: a 15-minute grid from 6:00 to 20:00 (57 points).
EDGES = [time(6 + q // 4, 15 * (q % 4)) for q in range(14 * 4 + 1)]
MINUTES_PER_DAY = 24 * 60

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    # No example database: nothing is written into the checkout.
    database=None,
    # The autouse var-dir fixture of the root conftest is harmless here.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Scenario:
    first_day: date
    last_day: date
    rules: SlotRules
    advisors: list[AdvisorRow]
    availability: list[WeeklyRow]
    opening_hours: list[WeeklyRow]
    closed_dates: set[date]
    time_off: list[BusyRow]
    appointments: list[BusyRow]
    reserved: list[DatedRow]
    jornada_id: int | None
    modality: str | None
    capacity_left: dict[date, int] | None

    @property
    def days(self) -> list[date]:
        return [
            self.first_day + timedelta(days=i)
            for i in range((self.last_day - self.first_day).days + 1)
        ]

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.rules.session_minutes)

    def run(self) -> list[Slot]:
        return compute_slots(
            first_day=self.first_day,
            last_day=self.last_day,
            rules=self.rules,
            advisors=self.advisors,
            availability=self.availability,
            opening_hours=self.opening_hours,
            closed_dates=self.closed_dates,
            busy=[*self.appointments, *self.time_off],
            reserved=self.reserved,
            jornada_id=self.jornada_id,
            modality=self.modality,
            capacity_left=self.capacity_left,
        )

    def effective_modalities(self, advisor: AdvisorRow) -> frozenset[str]:
        modalities = advisor.modalities & self.rules.service_modalities
        return modalities & {self.modality} if self.modality else modalities


# ---------------------------------------------------------------- strategies

# Both, most often (and first: Hypothesis shrinks towards it); none stays rare.
BOTH = frozenset(MODALITIES)
modality_sets = st.sampled_from(
    [BOTH, BOTH, BOTH, frozenset({"video"}), frozenset({"phone"}), frozenset()]
)
service_modality_sets = st.sampled_from([BOTH, frozenset({"video"}), frozenset({"phone"})])
edge_indexes = st.integers(0, len(EDGES) - 1)


def _separated(edges: list[int]) -> list[tuple[time, time]]:
    edges = sorted(edges)[: len(edges) // 2 * 2]
    return [(EDGES[edges[i]], EDGES[edges[i + 1]]) for i in range(0, len(edges), 2)]


def _window(pair: tuple[int, int]) -> tuple[time, time]:
    low, high = sorted(pair)
    if low == high:
        low, high = (low, low + 1) if low < len(EDGES) - 1 else (low - 1, low)
    return EDGES[low], EDGES[high]


# 1–3 sorted windows with a gap between consecutive ones (distinct sorted edges).
separated_windows = st.lists(edge_indexes, min_size=2, max_size=6, unique=True).map(_separated)
# 1–3 windows that may overlap, touch, repeat or nest (whole hours often, so they touch).
_any_edge = st.one_of(st.integers(0, len(EDGES) // 4).map(lambda h: 4 * h), edge_indexes)
any_windows = st.lists(st.tuples(_any_edge, _any_edge).map(_window), min_size=1, max_size=3)
# Where sessions start: 9:00 often, any window edge otherwise.
_start_edges = st.one_of(st.just(EDGES.index(time(9))), edge_indexes)
# The institute's usual week comes often, so that windows meet.
weekday_sets = st.one_of(st.just({1, 2, 3, 4, 5}), st.sets(st.integers(1, 7), min_size=1))
session_minutes = st.one_of(st.sampled_from([45, 60, 30, 90, 120, 15]), st.integers(15, 120))


def minutes(low: int, high: int) -> st.SearchStrategy[int]:
    """Minutes, often on the 15-minute grid so that edges meet exactly."""
    return st.one_of(
        st.integers(-(-low // 15), high // 15).map(lambda q: 15 * q), st.integers(low, high)
    )


def aware(moment: datetime, in_utc: bool) -> datetime:
    return moment.astimezone(UTC) if in_utc else moment


# Strategies that depend only on small numbers (advisers, days) are built once and
# reused: building and validating fresh strategies for every example costs more than
# the checks themselves.
USUAL_HOURS = [(time(9), time(15))]
usual_or_windows = {
    True: st.one_of(st.just(USUAL_HOURS), separated_windows),
    False: st.one_of(st.just(USUAL_HOURS), any_windows),
}
# Each owner keeps the same hours on its weekdays, except perhaps on one day.
other_day = {
    True: st.none() | st.tuples(st.integers(1, 7), separated_windows),
    False: st.none() | st.tuples(st.integers(1, 7), any_windows),
}
# The defaults (2 h, 30 days) or anything else (the exact edges: assert_edges_are_exact).
notices = st.one_of(
    st.just(timedelta(hours=2)),
    minutes(0, 2 * MINUTES_PER_DAY).map(lambda m: timedelta(minutes=m)),
)
horizons = st.one_of(
    st.just(timedelta(days=30)),
    st.just(timedelta(days=30)),
    minutes(0, 16 * MINUTES_PER_DAY).map(lambda m: timedelta(minutes=m)),
)
jornada_ids = st.sampled_from([None, 1, None, 2, None, 3])  # 3 holds no window at all


@cache
def shaped(n_advisors: int, n_days: int) -> SimpleNamespace:
    """Strategies for a scenario of n advisers (ids 1..n) and n days (offsets 0..n-1)."""
    advisor = st.integers(1, n_advisors)
    day = st.integers(0, n_days - 1)
    span = (n_days + 2) * MINUTES_PER_DAY  # from the day before to the day after
    return SimpleNamespace(
        advisor_days=st.lists(st.tuples(advisor, day), min_size=1, max_size=4),
        closed=st.one_of(st.just([]), st.lists(day, min_size=1, max_size=3)),
        capacity=st.dictionaries(day, st.integers(-1, 2), min_size=1),
        time_off=st.lists(
            st.tuples(advisor, minutes(0, span), minutes(1, 3 * MINUTES_PER_DAY), st.booleans()),
            max_size=3,
        ),
        appointments=st.lists(
            st.tuples(advisor, minutes(0, span), minutes(1, 180), st.booleans()), max_size=12
        ),
        # Sessions already booked on a session grid (a start of a window plus whole
        # sessions): they touch the slots around them.
        booked=st.lists(
            st.tuples(advisor, day, _start_edges, st.integers(0, 8), st.booleans()), max_size=6
        ),
        now=minutes(-2 * MINUTES_PER_DAY, n_days * MINUTES_PER_DAY),
    )


@cache
def modality_filters(service_modalities: frozenset[str]) -> st.SearchStrategy[str | None]:
    # No filter most often; a filter the service does not offer sometimes.
    return st.sampled_from([None, None, *sorted(service_modalities), *MODALITIES])


@st.composite
def scenarios(draw, *, well_formed: bool) -> Scenario:
    windows = separated_windows if well_formed else any_windows
    first_day = draw(st.dates(date(2026, 1, 1), date(2027, 12, 17)))
    days = [first_day + timedelta(days=i) for i in range(draw(st.integers(1, 14)))]
    last_day = days[-1]
    length = timedelta(minutes=draw(session_minutes))
    advisors = [AdvisorRow(i, draw(modality_sets)) for i in range(1, draw(st.integers(1, 4)) + 1)]
    shape = shaped(len(advisors), len(days))

    def weekly(owner_id: int) -> list[WeeklyRow]:
        hours = draw(usual_or_windows[well_formed])
        by_weekday = dict.fromkeys(sorted(draw(weekday_sets)), hours)
        if exception := draw(other_day[well_formed]):
            by_weekday[exception[0]] = exception[1]
        return [
            WeeklyRow(owner_id, weekday, starts, ends)
            for weekday, rows in sorted(by_weekday.items())
            for starts, ends in rows
        ]

    availability = [row for advisor in advisors for row in weekly(advisor.advisor_id)]
    opening_hours = weekly(0)
    # Jornadas 1 and 2 hold windows of some advisors on some days; their windows may
    # overlap each other (nothing forbids it), each jornada's own follow `windows`.
    reserved = [
        DatedRow(advisor_id, days[offset], starts, ends, jornada)
        for jornada in (1, 2)
        for advisor_id, offset in sorted(set(draw(shape.advisor_days)))
        for starts, ends in draw(windows)
    ]
    closed_dates = {days[offset] for offset in draw(shape.closed)}

    origin = datetime.combine(first_day - timedelta(days=1), time.min, tzinfo=ZONE)

    def busy(rows: list[tuple[int, int, int, bool]]) -> list[BusyRow]:
        return [
            BusyRow(
                advisor_id,
                aware(origin + timedelta(minutes=offset), in_utc),
                aware(origin + timedelta(minutes=offset + duration), in_utc),
            )
            for advisor_id, offset, duration, in_utc in rows
        ]

    time_off = busy(draw(shape.time_off))
    appointments = busy(draw(shape.appointments))
    for advisor_id, offset, edge, k, in_utc in draw(shape.booked):
        start = datetime.combine(days[offset], EDGES[edge], tzinfo=ZONE) + k * length
        appointments.append(
            BusyRow(advisor_id, aware(start, in_utc), aware(start + length, in_utc))
        )

    now = datetime.combine(first_day, time.min, tzinfo=ZONE) + timedelta(minutes=draw(shape.now))
    rules = SlotRules(
        session_minutes=length // timedelta(minutes=1),
        service_modalities=draw(service_modality_sets),
        zone=ZONE,
        now=aware(now, draw(st.booleans())),
        min_notice=draw(notices),
        horizon=draw(horizons),
    )
    jornada_id = draw(jornada_ids)
    capacity_left = None
    if jornada_id is not None and draw(st.booleans()):
        capacity_left = {days[offset]: left for offset, left in draw(shape.capacity).items()}
    return Scenario(
        first_day=first_day,
        last_day=last_day,
        rules=rules,
        advisors=advisors,
        availability=availability,
        opening_hours=opening_hours,
        closed_dates=closed_dates,
        time_off=time_off,
        appointments=appointments,
        reserved=reserved,
        jornada_id=jornada_id,
        modality=draw(modality_filters(rules.service_modalities)),
        capacity_left=capacity_left,
    )


# ---------------------------------------------------------------- checks


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _cover(windows) -> set[int]:
    """The minutes of the day a set of (start, end) windows covers."""
    return {m for start, end in windows for m in range(_minutes(start), _minutes(end))}


def _inside(start: time, end: time, windows) -> bool:
    return set(range(_minutes(start), _minutes(end))) <= _cover(windows)


def assert_every_rule_holds(sc: Scenario, slots: list[Slot]) -> None:
    """What every returned slot must satisfy, whatever the windows look like."""
    starts = [slot.start for slot in slots]
    assert starts == sorted(set(starts)), "slots must be sorted and unique by start"
    earliest, latest = sc.rules.now + sc.rules.min_notice, sc.rules.now + sc.rules.horizon
    advisors = {a.advisor_id: a for a in sc.advisors}
    busy = [*sc.appointments, *sc.time_off]
    for slot in slots:
        local_start, local_end = slot.start.astimezone(ZONE), slot.end.astimezone(ZONE)
        day, weekday = local_start.date(), local_start.isoweekday()
        assert slot.end - slot.start == sc.length
        assert sc.first_day <= day <= sc.last_day
        assert local_end.date() == day
        assert day not in sc.closed_dates, f"{slot.start} is on a closed date"
        if sc.capacity_left is not None:
            assert sc.capacity_left.get(day, 1) > 0, f"{slot.start}: no capacity left that day"
        assert earliest <= slot.start <= latest, f"{slot.start} outside notice/horizon"
        opening = [(r.starts, r.ends) for r in sc.opening_hours if r.weekday == weekday]
        assert _inside(local_start.time(), local_end.time(), opening), (
            f"{slot.start} outside opening hours"
        )

        assert slot.advisor_ids, "a slot without an advisor"
        assert len(slot.advisor_ids) == len(set(slot.advisor_ids)), (
            f"{slot.start}: an advisor listed twice: {slot.advisor_ids}"
        )
        expected_modalities: set[str] = set()
        for advisor_id in slot.advisor_ids:
            modalities = sc.effective_modalities(advisors[advisor_id])
            assert modalities, f"{slot.start}: advisor {advisor_id} has no usable modality"
            expected_modalities |= modalities
            for row in busy:
                if row.advisor_id == advisor_id:
                    assert not _overlaps(slot.start, slot.end, row.starts_at, row.ends_at), (
                        f"{slot.start}–{slot.end} overlaps busy {row} of advisor {advisor_id}"
                    )
            held = [r for r in sc.reserved if r.owner_id == advisor_id and r.day == day]
            if sc.jornada_id is None:
                weekly = [
                    (r.starts, r.ends)
                    for r in sc.availability
                    if r.owner_id == advisor_id and r.weekday == weekday
                ]
                assert _inside(local_start.time(), local_end.time(), weekly), (
                    f"{slot.start} outside advisor {advisor_id}'s availability"
                )
                for r in held:
                    assert not (r.starts < local_end.time() and local_start.time() < r.ends), (
                        f"{slot.start} overlaps reserved window {r} on the general agenda"
                    )
            else:
                mine = [(r.starts, r.ends) for r in held if r.jornada_id == sc.jornada_id]
                assert _inside(local_start.time(), local_end.time(), mine), (
                    f"{slot.start} outside jornada {sc.jornada_id}'s window, advisor {advisor_id}"
                )
        assert slot.modalities <= sc.rules.service_modalities
        assert slot.modalities == expected_modalities


def _runs(minutes: set[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive minutes, as [start, end)."""
    runs: list[tuple[int, int]] = []
    for m in sorted(minutes):
        if runs and runs[-1][1] == m:
            runs[-1] = (runs[-1][0], m + 1)
        else:
            runs.append((m, m + 1))
    return runs


def brute_force(sc: Scenario) -> dict[datetime, tuple[set[int], set[str]]]:
    """Every (advisor, start) that satisfies every rule, minute by minute.

    Free time of an advisor on a day is a set of minutes; starts follow the session
    length from the start of each maximal free run.
    """
    earliest, latest = sc.rules.now + sc.rules.min_notice, sc.rules.now + sc.rules.horizon
    busy = [*sc.appointments, *sc.time_off]
    found: dict[datetime, tuple[set[int], set[str]]] = {}
    for day in sc.days:
        if day in sc.closed_dates:
            continue
        if sc.capacity_left is not None and sc.capacity_left.get(day, 1) <= 0:
            continue
        weekday = day.isoweekday()
        open_minutes = _cover((r.starts, r.ends) for r in sc.opening_hours if r.weekday == weekday)
        for advisor in sc.advisors:
            modalities = sc.effective_modalities(advisor)
            if not modalities:
                continue
            held = [r for r in sc.reserved if r.owner_id == advisor.advisor_id and r.day == day]
            if sc.jornada_id is None:
                weekly = _cover(
                    (r.starts, r.ends)
                    for r in sc.availability
                    if r.owner_id == advisor.advisor_id and r.weekday == weekday
                )
                free = (weekly & open_minutes) - _cover((r.starts, r.ends) for r in held)
            else:
                free = open_minutes & _cover(
                    (r.starts, r.ends) for r in held if r.jornada_id == sc.jornada_id
                )
            for run_start, run_end in _runs(free):
                for minute in range(
                    run_start, run_end - sc.rules.session_minutes + 1, sc.rules.session_minutes
                ):
                    start = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=ZONE)
                    end = start + sc.length
                    if not earliest <= start <= latest:
                        continue
                    if any(
                        row.advisor_id == advisor.advisor_id
                        and _overlaps(start, end, row.starts_at, row.ends_at)
                        for row in busy
                    ):
                        continue
                    ids, mods = found.setdefault(start, (set(), set()))
                    ids.add(advisor.advisor_id)
                    mods |= modalities
    return found


# ---------------------------------------------------------------- properties


def assert_exactly_the_free_starts(sc: Scenario, slots: list[Slot]) -> None:
    """Completeness and exactness against the brute force."""
    expected = brute_force(sc)
    returned = {slot.start: (set(slot.advisor_ids), slot.modalities) for slot in slots}
    missing = sorted(set(expected) - set(returned))
    extra = sorted(set(returned) - set(expected))
    assert not missing, f"free starts not offered: {missing[:5]}"
    assert not extra, f"starts offered that no rule allows: {extra[:5]}"
    for start, (ids, modalities) in expected.items():
        assert returned[start][0] == ids, f"{start}: advisors {returned[start][0]} != {ids}"
        assert returned[start][1] == modalities, f"{start}: modalities"


def _summary(slots: list[Slot]) -> list[tuple[datetime, list[int], list[str]]]:
    return [(s.start, sorted(s.advisor_ids), sorted(s.modalities)) for s in slots]


def _split(rows, at: time, applies) -> list:
    """Each row that `applies` and contains `at` becomes two rows touching at `at`."""
    out = []
    for row in rows:
        if applies(row) and row.starts < at < row.ends:
            out += [replace(row, ends=at), replace(row, starts=at)]
        else:
            out.append(row)
    return out


def assert_edges_are_exact(sc: Scenario, slots: list[Slot], data: st.DataObject) -> None:
    """Around one offered start, every rule's edge is where it should be.

    A notice and a horizon ending exactly at the start keep it. Busy time, or a
    reserved window, that only touches the slot does not block it; one minute of
    overlap does. A day with no capacity left offers nothing, one place left keeps it.
    Rows split in two touching rows act as the one row they were.
    """
    if not slots:
        return
    slot = data.draw(st.sampled_from(slots), label="slot")
    advisors = sorted(slot.advisor_ids)
    local_start = slot.start.astimezone(ZONE)
    day, weekday = local_start.date(), local_start.isoweekday()
    gap = slot.start - sc.rules.now
    exact = replace(sc, rules=replace(sc.rules, min_notice=gap, horizon=gap)).run()
    assert [(s.start, sorted(s.advisor_ids)) for s in exact] == [(slot.start, advisors)], (
        "a notice or a horizon ending exactly at a start must keep it"
    )

    around, minute = timedelta(minutes=30), timedelta(minutes=1)
    touching = [BusyRow(a, slot.start - around, slot.start) for a in advisors] + [
        BusyRow(a, slot.end, slot.end + around) for a in advisors
    ]
    after = {s.start: s for s in replace(sc, appointments=sc.appointments + touching).run()}
    assert slot.start in after and sorted(after[slot.start].advisor_ids) == advisors, (
        "busy time that only touches a slot must not block it"
    )

    busy_one = data.draw(st.sampled_from(advisors), label="advisor busy one minute")
    others = [a for a in advisors if a != busy_one]
    for overlap in (
        BusyRow(busy_one, slot.end - minute, slot.end + around),  # a session starting inside
        BusyRow(busy_one, slot.start - timedelta(days=2), slot.start + minute),  # long time off
    ):
        after = {s.start: s for s in replace(sc, time_off=[*sc.time_off, overlap]).run()}
        if others:
            assert sorted(after[slot.start].advisor_ids) == others, f"{overlap} must block"
        else:
            assert slot.start not in after, f"one minute of overlap ({overlap}) must block"

    if sc.jornada_id is None:
        # A window held for a jornada right before the slot: the agenda resumes at it.
        held = [
            DatedRow(a, day, (local_start - around).time(), local_start.time(), 99)
            for a in advisors
        ]
        after = {s.start: s for s in replace(sc, reserved=sc.reserved + held).run()}
        assert slot.start in after and sorted(after[slot.start].advisor_ids) == advisors, (
            "a reserved window that only touches a slot must not remove it"
        )
    else:
        left = dict(sc.capacity_left or {})
        none_left = replace(sc, capacity_left={**left, day: 0}).run()
        assert all(s.start.astimezone(ZONE).date() != day for s in none_left), (
            "a day with no capacity left must offer nothing"
        )
        one_left = replace(sc, capacity_left={**left, day: 1}).run()
        assert slot.start in {s.start for s in one_left}, "one place left must keep the day"

    inside = (local_start + minute).time()
    split = replace(
        sc,
        availability=_split(sc.availability, inside, lambda r: r.weekday == weekday),
        opening_hours=_split(sc.opening_hours, inside, lambda r: r.weekday == weekday),
        reserved=_split(sc.reserved, inside, lambda r: r.day == day),
    )
    assert _summary(split.run()) == _summary(slots), (
        f"rows split at {inside} into touching rows must act as one window"
    )


def check(sc: Scenario, data: st.DataObject) -> None:
    slots = sc.run()
    event("general agenda" if sc.jornada_id is None else "jornada page")
    event("no slot" if not slots else "1-9 slots" if len(slots) < 10 else "10+ slots")
    assert_every_rule_holds(sc, slots)
    assert_exactly_the_free_starts(sc, slots)
    assert_edges_are_exact(sc, slots, data)


@PROPERTY_SETTINGS
@given(sc=scenarios(well_formed=True), data=st.data())
def test_slots_are_exactly_the_free_grid_starts(sc: Scenario, data: st.DataObject) -> None:
    check(sc, data)


@PROPERTY_SETTINGS
@given(sc=scenarios(well_formed=False), data=st.data())
def test_overlapping_or_touching_rows_act_as_one_window(sc: Scenario, data: st.DataObject) -> None:
    check(sc, data)


def test_an_advisor_is_listed_once_per_slot_even_with_overlapping_rows() -> None:
    """Two stored availability rows that overlap (nothing in the model forbids it)."""
    monday = date(2026, 11, 30)
    sc = Scenario(
        first_day=monday,
        last_day=monday,
        rules=SlotRules(
            session_minutes=45,
            service_modalities=BOTH,
            zone=ZONE,
            now=datetime.combine(monday - timedelta(days=1), time(18), tzinfo=ZONE),
            min_notice=timedelta(hours=2),
            horizon=timedelta(days=30),
        ),
        advisors=[AdvisorRow(1, BOTH)],
        availability=[WeeklyRow(1, 1, time(9), time(15)), WeeklyRow(1, 1, time(9), time(12))],
        opening_hours=[WeeklyRow(0, 1, time(9), time(15))],
        closed_dates=set(),
        time_off=[],
        appointments=[],
        reserved=[],
        jornada_id=None,
        modality=None,
        capacity_left=None,
    )
    slots = sc.run()
    assert [s.advisor_ids for s in slots] == [[1]] * 8
    assert_every_rule_holds(sc, slots)
