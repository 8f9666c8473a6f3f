"""Slot computation benchmark (issue 4): one month of slots, on SQLite or PostgreSQL.

    uv run python bench/slots.py                  # SQLite, in a temporary file
    uv run python bench/slots.py --db postgres    # PostgreSQL, in a throwaway database

Builds November 2026 with the IMM Chihuahua configuration: 10 legal advisers
(Monday–Friday 9–15), 3 open jornadas with reserved windows, 2,000 appointments in
the month (1,400 active, 600 cancelled) and a little time off. Then times
`bookable_slots` for a 30-day range (general agenda and one jornada) with 'now' fixed
at the start of the month, counts its SQL queries, and compares it with one raw SQL
query fetching the month's active appointments. See bench/README.md.

PostgreSQL: the server and credentials come from --database-url, else DATABASE_URL,
else postgres://postgres@127.0.0.1:5432; the database itself is always a fresh
`cercania_bench` (dropped first if left over, dropped again at the end), so the
benchmark never touches a database you use.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from benchdb import bench_database_url, postgres_admin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "cercania_bench"

FIRST_DAY = date(2026, 11, 1)  # a Sunday; Monday 16 November is a federal rest day
DAYS = 30
ADVISORS = 10
APPOINTMENTS = 2_000
ACTIVE = 1_400  # the rest are cancelled: the month holds only 1,600 grid places
SEED = 20261101

TARGET_MS = 50.0
TARGET_QUERIES = 6
TARGET_RATIO = 5.0


# ---------------------------------------------------------------- database setup


def setup_django(db: str, var_dir: Path, url: str | None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "cercania.settings"
    os.environ["CERCANIA_VAR_DIR"] = str(var_dir)  # SQLite file and dev keys live here
    os.environ.pop("CERCANIA_TIME_ZONE", None)
    if db == "postgres":
        assert url is not None
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


# ---------------------------------------------------------------- data


def build_month() -> dict[str, Any]:
    """The configuration, advisers, jornadas, time off and 2,000 appointments."""
    from django.db import transaction
    from django.utils import timezone

    from cercania.cases.models import CreatedVia, Person
    from cercania.cases.services import phone_hash
    from cercania.institute.models import ClosedDay, Service
    from cercania.institute.selectors import institute_zone
    from cercania.operations.demo import legal_advisers_create, profile_configure
    from cercania.partners.models import Agreement, Organization
    from cercania.scheduling.models import Appointment, Jornada
    from cercania.scheduling.services import (
        jornada_create,
        jornada_set_status,
        reserved_window_add,
        time_off_add,
    )

    rng = random.Random(SEED)
    zone = institute_zone()
    profile_configure(years=range(2026, 2028))
    service = Service.objects.get(code="juridico")
    last_day = FIRST_DAY + timedelta(days=DAYS - 1)
    closed = set(
        ClosedDay.objects.filter(date__gte=FIRST_DAY, date__lte=last_day).values_list(
            "date", flat=True
        )
    )
    working_days = [
        FIRST_DAY + timedelta(days=i)
        for i in range(DAYS)
        if (FIRST_DAY + timedelta(days=i)).isoweekday() <= 5
        and FIRST_DAY + timedelta(days=i) not in closed
    ]

    with transaction.atomic():
        advisors = legal_advisers_create(count=ADVISORS, email_domain="bench.invalid")

        # Three jornadas of three days, each holding 9–12 of three advisers.
        organization = Organization.objects.get(name="Emerson Termotec")
        agreement = Agreement.objects.get(title="IMM en tu empresa")
        jornadas = []
        held: dict[tuple[int, date], Jornada] = {}
        for j, start in enumerate([date(2026, 11, 4), date(2026, 11, 11), date(2026, 11, 24)]):
            jornada = jornada_create(
                title=f"Jornada {j + 1}",
                organization=organization,
                agreement=agreement,
                starts_on=start,
                ends_on=start + timedelta(days=2),
                services=[service],
                modalities=["video", "phone"],
                daily_capacity=10,
            )
            jornada_set_status(jornada=jornada, status=Jornada.Status.OPEN)
            for day in (start + timedelta(days=d) for d in range(3)):
                for advisor in advisors[3 * j : 3 * j + 3]:
                    reserved_window_add(
                        jornada=jornada, advisor=advisor, day=day, starts=clock(9), ends=clock(12)
                    )
                    held[(advisor.pk, day)] = jornada
            jornadas.append(jornada)

        # Some time off: a week of holidays, a training morning, a medical afternoon.
        def local(day: date, hour: int) -> datetime:
            return datetime.combine(day, clock(hour), tzinfo=zone)

        time_off_add(
            advisor=advisors[9],
            starts_at=local(date(2026, 11, 23), 0),
            ends_at=local(date(2026, 11, 28), 0),
            reason="vacaciones",
        )
        time_off_add(
            advisor=advisors[4],
            starts_at=local(date(2026, 11, 10), 9),
            ends_at=local(date(2026, 11, 10), 12),
            reason="capacitación",
        )
        time_off_add(
            advisor=advisors[7],
            starts_at=local(date(2026, 11, 19), 12),
            ends_at=local(date(2026, 11, 19), 15),
            reason="cita médica",
        )

        # Every grid place of the month (45-minute sessions from 9:00), 1,600 in all.
        length = timedelta(minutes=service.session_minutes)
        places = [
            (advisor.pk, local(day, 9) + i * length, held.get((advisor.pk, day)))
            for advisor in advisors
            for day in working_days
            for i in range(6 * 60 // service.session_minutes)
        ]
        # Jornada places fill less than the general agenda (40 %): its page must have
        # something to offer; the general agenda takes the rest of the 1,400.
        jornada_places = [p for p in places if p[2] is not None]
        general_places = [p for p in places if p[2] is None]
        booked_in_jornadas = round(0.4 * len(jornada_places))
        active = rng.sample(jornada_places, booked_in_jornadas) + rng.sample(
            general_places, ACTIVE - booked_in_jornadas
        )
        cancelled = [rng.choice(places) for _ in range(APPOINTMENTS - ACTIVE)]

        now = timezone.now()
        people = Person.objects.bulk_create(
            [
                Person(
                    folio=f"BENCH-2026-{i:06d}",
                    name=f"Usuaria {i}",
                    phone=f"+52614{i:07d}",
                    phone_hash=phone_hash(f"+52614{i:07d}"),
                    may_call=True,
                    preferences_confirmed_at=now,
                    created_via=CreatedVia.WEB,
                )
                for i in range(APPOINTMENTS)
            ],
            batch_size=500,
        )
        statuses = [Appointment.Status.CONFIRMED] * ACTIVE + [
            rng.choice(
                [Appointment.Status.CANCELLED_BY_HER, Appointment.Status.CANCELLED_BY_INSTITUTE]
            )
            for _ in cancelled
        ]
        Appointment.objects.bulk_create(
            [
                Appointment(
                    reference=f"B{i:05d}",
                    manage_token_hash=hashlib.sha256(f"bench-token-{i}".encode()).hexdigest(),
                    service=service,
                    advisor_id=advisor_id,
                    person=people[i],
                    jornada=jornada,
                    starts_at=start,
                    ends_at=start + length,
                    modality=rng.choice(["video", "phone"]),
                    status=statuses[i],
                    created_via=CreatedVia.WEB,
                )
                for i, (advisor_id, start, jornada) in enumerate(active + cancelled)
            ],
            batch_size=500,
        )
    return {
        "service_code": service.code,
        "jornada_pk": jornadas[0].pk,
        "first_day": FIRST_DAY,
        "last_day": last_day,
        "now": datetime.combine(FIRST_DAY, clock.min, tzinfo=zone),
        "working_days": len(working_days),
        "places": len(places),
        "reserved_windows": len(held),
    }


# ---------------------------------------------------------------- measuring


def timed(
    fns: dict[str, Callable[[], Any]], runs: int, warmup: int = 3
) -> dict[str, tuple[list[float], list[float]]]:
    """Milliseconds of `runs` calls of each function: wall clock, and this process's CPU.

    Round robin (one call of each per round), so that a burst of load from elsewhere on
    the machine weighs on every figure alike instead of on whichever ran then. The CPU
    time leaves out waiting for the CPU, and the PostgreSQL server's own work.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    gc.collect()
    samples: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            samples[name][1].append((time.process_time() - cpu) * 1000)
            samples[name][0].append((time.perf_counter() - wall) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]  # nearest rank


def count_queries(fn: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def capture_compute_args(fn: Callable[[], Any]) -> dict[str, Any]:
    """The rows bookable_slots hands to compute_slots, to time the pure part alone."""
    from cercania.scheduling import slots as slot_math

    real = slot_math.compute_slots
    captured: dict[str, Any] = {}

    def spy(**kwargs: Any) -> Any:
        captured.update(kwargs)
        return real(**kwargs)

    slot_math.compute_slots = spy
    try:
        fn()
    finally:
        slot_math.compute_slots = real
    return captured


def measure(data: dict[str, Any], runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import override_settings

    from cercania.institute.models import Service
    from cercania.scheduling import slots as slot_math
    from cercania.scheduling.models import Appointment, Jornada
    from cercania.scheduling.selectors import bookable_slots

    first_day, last_day, now = data["first_day"], data["last_day"], data["now"]
    prefetched = Service.objects.prefetch_related("opening_hours").get(code=data["service_code"])
    plain = Service.objects.get(code=data["service_code"])  # opening hours: one query per call
    jornada = Jornada.objects.get(pk=data["jornada_pk"])

    def slots_of(service: Service, jornada: Jornada | None) -> Callable[[], list[slot_math.Slot]]:
        return lambda: bookable_slots(
            service=service, first_day=first_day, last_day=last_day, jornada=jornada, now=now
        )

    cases = {
        "general agenda, opening hours prefetched": slots_of(prefetched, None),
        "general agenda, not prefetched": slots_of(plain, None),
        "jornada, opening hours prefetched": slots_of(prefetched, jornada),
        "jornada, not prefetched": slots_of(plain, jornada),
    }
    zone = now.tzinfo
    range_start = datetime.combine(first_day, clock.min, tzinfo=zone)
    range_end = datetime.combine(last_day + timedelta(days=1), clock.min, tzinfo=zone)
    table = Appointment._meta.db_table
    raw_sql = (
        f"SELECT advisor_id, starts_at, ends_at FROM {table} "  # noqa: S608 (constants only)
        "WHERE status IN (%s, %s, %s) AND starts_at < %s AND ends_at > %s"
    )
    raw_params = [
        *[str(s) for s in Appointment.ACTIVE_STATUSES],
        connection.ops.adapt_datetimefield_value(range_end),
        connection.ops.adapt_datetimefield_value(range_start),
    ]

    def raw_query() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, raw_params)
            return cursor.fetchall()

    results: dict[str, Any] = {"cases": {}}
    for name, fn in cases.items():
        slots = fn()
        args = capture_compute_args(fn)
        results["cases"][name] = {
            "queries": count_queries(fn),
            "slots": len(slots),
            "places": sum(len(s.advisor_ids) for s in slots),
            "busy_rows": args["busy"].row_count
            if isinstance(args["busy"], slot_math.BusyIndex)
            else len(args["busy"]),
            "compute_args": args,
        }
    # Timings with DEBUG off, as in production (DEBUG wraps every cursor to log SQL).
    fns: dict[str, Callable[[], Any]] = {"raw": raw_query}
    for name, fn in cases.items():
        args = results["cases"][name].pop("compute_args")
        fns[name] = fn
        fns[f"pure {name}"] = lambda a=args: slot_math.compute_slots(**a)
    with override_settings(DEBUG=False):
        results["raw_rows"] = len(raw_query())
        samples = timed(fns, runs)
    results["raw"], results["raw_cpu"] = samples["raw"]
    for name in cases:
        results["cases"][name]["times"], results["cases"][name]["cpu"] = samples[name]
        results["cases"][name]["pure"] = samples[f"pure {name}"][0]
    return results


# ---------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def code_version() -> str:
    """The commit and whether the scheduling code differs from it (read-only git calls)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(ROOT), "diff", "--quiet", "HEAD", "--", "cercania/scheduling"],
            check=False,
        ).returncode
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}" + (" + uncommitted changes in cercania/scheduling" if changed else "")


def row(label: str, value: str, target: str = "—", ok: bool | None = None) -> None:
    result = "info" if ok is None else verdict(ok)
    print(f"  {label:<52} {value:>10}  {target:<8} {result}")


def report(db_label: str, data: dict[str, Any], results: dict[str, Any], runs: int) -> None:
    raw_median, raw_p95 = statistics.median(results["raw"]), p95(results["raw"])
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(f"Cercanía slot benchmark · {db_label} · Python {platform.python_version()}")
    print(f"Code: {code_version()}")
    print(
        f"Machine: {os.cpu_count()} CPUs, load average {load} (1/5/15 min) · "
        f"{runs} timed runs per figure, after 3 warm-up runs, DEBUG off"
    )
    print(
        f"Data: {ADVISORS} advisers (Mon–Fri 9–15, 45-minute sessions); 3 open jornadas "
        f"({data['reserved_windows']} adviser-days held 9–12); {APPOINTMENTS:,} appointments "
        f"({ACTIVE:,} active, {APPOINTMENTS - ACTIVE} cancelled) on {data['working_days']} "
        f"working days ({data['places']:,} grid places); 3 time-off ranges."
    )
    print(
        f"Range: {data['first_day']} – {data['last_day']} (30 days), now fixed at "
        f"{data['now']:%Y-%m-%d %H:%M} local. Jornada: Jornada 1 (3 days, daily capacity)."
    )
    print(
        f"Raw SQL reference: one query, the month's active appointments "
        f"({results['raw_rows']:,} rows): median {raw_median:.2f} ms, p95 {raw_p95:.2f} ms, "
        f"CPU of this process {statistics.median(results['raw_cpu']):.2f} ms."
    )
    print()
    print(f"  {'measure':<52} {'value':>10}  {'target':<8} result")
    print("  " + "-" * 80)
    for name, case in results["cases"].items():
        times, pure = case["times"], case["pure"]
        median = statistics.median(times)
        ratio = median / raw_median
        print(
            f"{name}: {case['slots']} slots ({case['places']} adviser places), "
            f"{case['busy_rows']} busy rows read"
        )
        row("median time", f"{median:.2f} ms", "≤ 50 ms", median <= TARGET_MS)
        row("p95 time", f"{p95(times):.2f} ms")
        row("median CPU time of this process", f"{statistics.median(case['cpu']):.2f} ms")
        row("SQL queries", str(case["queries"]), "≤ 6", case["queries"] <= TARGET_QUERIES)
        row("ratio: median / raw query median", f"{ratio:.1f}×", "≤ 5×", ratio <= TARGET_RATIO)
        row(
            "of which compute_slots alone (pure Python), median",
            f"{statistics.median(pure):.2f} ms",
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--database-url", help="PostgreSQL server and credentials (the database name is ignored)"
    )
    parser.add_argument("--runs", type=int, default=50, help="timed runs per figure (at least 30)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder / database")
    args = parser.parse_args()
    if args.runs < 30:
        parser.error("--runs must be at least 30")

    var_dir = Path(tempfile.mkdtemp(prefix="cercania-bench-"))
    url = bench_database_url(args.database_url, name=BENCH_DB) if args.db == "postgres" else None
    if url:
        postgres_admin(url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        postgres_admin(url, f"CREATE DATABASE {BENCH_DB}")
    try:
        setup_django(args.db, var_dir, url)
        from django.core.management import call_command
        from django.db import connection, connections

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        data = build_month()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # what autovacuum would have done after the inserts
                cursor.execute("SHOW server_version")
                db_label = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        else:
            import sqlite3

            db_label = f"SQLite {sqlite3.sqlite_version} (file, WAL)"
        print(
            f"Set-up (migrations and data): {time.perf_counter() - started:.1f} s", file=sys.stderr
        )
        results = measure(data, args.runs)
        report(db_label, data, results, args.runs)
        connections.close_all()
    finally:
        if url and not args.keep:
            postgres_admin(url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if args.keep:
            print(
                f"Kept: {var_dir}" + (f" and database {BENCH_DB}" if url else ""), file=sys.stderr
            )
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
