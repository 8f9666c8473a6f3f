"""Load test of the whole site under gunicorn and PostgreSQL, in one command.

    uv run python bench/load.py                          # 200 users for 3 minutes
    uv run python bench/load.py --users 25 --seconds 30  # a short run

1. Creates a throwaway PostgreSQL database `cercania_load_bench` (dropped first if left
   over, dropped again at the end), migrates it and loads the IMM Chihuahua profile and
   --advisors legal advisers (Monday–Friday 9–15) through the services.
2. Creates verified staff sessions (password and second factor) directly with Django,
   for the agenda users, and collects the static files.
3. Starts gunicorn on 127.0.0.1 (DEBUG off, as in production) with the bench-only
   settings `bench/load_settings.py`, whose URLconf adds a bare view for comparison.
4. Runs locust headless (bench/locustfile.py): public pages, slot listing, booking by
   the HTML flow and by the API, her manage link, the staff agenda.
5. Runs short closed-loop runs for the throughput ratio: the booking page and the bare
   view in rounds (which goes first swaps each round), then the slot listing page.
6. Counts double bookings with SQL, prints the figures and writes them to
   bench/results/load-<date>.txt. Then stops gunicorn and drops the database, whatever
   happened (every child process has a time limit).

The rate limits (manage-link lookups, API bookings, token lookups, slot reads) count per
client IP, and every locust user comes from 127.0.0.1: the runner raises them for the
benchmark server only, and says so in its output.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from benchdb import bench_database_url, postgres_admin

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

BENCH_DB = "cercania_load_bench"
MAIN_USERS = ["PublicVisitor", "HtmlBooker", "ApiBooker", "Staff"]
RATE_LIMITS = {
    "CERCANIA_MANAGE_LINK_LOOKUPS_PER_HOUR": "1000000",
    "CERCANIA_API_RATE_BOOKINGS_PER_HOUR": "1000000",
    "CERCANIA_API_RATE_TOKEN_LOOKUPS_PER_HOUR": "1000000",
    "CERCANIA_API_RATE_SLOTS_PER_MINUTE": "1000000",
}
TARGETS = {"booking_p95_ms": 1000, "pages_p95_ms": 300, "ratio": 0.5}
RATIO_CLASSES = {"booking": "BookingPageOnly", "bare": "BareViewOnly", "slots": "SlotPageOnly"}


def ratio_order(rounds: int) -> list[str]:
    """The ratio runs, in order: the booking page and the bare view in rounds that swap
    which goes first, then the slot listing page once (information only).

    Swapping cancels what the order alone would weigh on one side: the first run after
    the main one shares the cores with what that left behind (PostgreSQL's autovacuum
    of the rows just written, its checkpoint), and the machine's speed drifts within
    minutes (bench/README.md).
    """
    order: list[str] = []
    for n in range(rounds):
        order += ["booking", "bare"] if n % 2 == 0 else ["bare", "booking"]
    return [*order, "slots"]


def log(message: str) -> None:
    print(f"[load {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def server_environment(url: str, tmp: Path) -> dict[str, str]:
    from cercania.lib.crypto import generate_hash_key, generate_key_entry

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
        "DATABASE_URL": url,
        "CERCANIA_VAR_DIR": str(tmp / "var"),
        "CERCANIA_STATIC_ROOT": str(tmp / "static"),
        "CERCANIA_DEBUG": "false",
        "CERCANIA_HTTPS": "false",  # plain HTTP on the loopback: no TLS proxy in front
        "CERCANIA_SECRET_KEY": secrets.token_urlsafe(64),
        "CERCANIA_FIELD_KEYS": generate_key_entry("bench1"),
        "CERCANIA_FIELD_HASH_KEY": generate_hash_key(),
        "CERCANIA_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "CERCANIA_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CERCANIA_SMS_BACKEND": "console",
        "CERCANIA_LOG_LEVEL": "WARNING",
        **RATE_LIMITS,
    }
    env.pop("CERCANIA_REDIS_URL", None)
    return env


# ---------------------------------------------------------------- data, through the services


def prepare(env: dict[str, str], *, advisors: int, staff_sessions: int, tmp: Path) -> Path:
    """Migrate, load the profile and the advisers, make staff sessions; in this process."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from cercania.accounts.testing import login_verified
    from cercania.operations.demo import legal_advisers_create, profile_configure

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    year = datetime.now(UTC).year
    profile_configure(years=range(year, year + 2))
    users = [
        adviser.user
        for adviser in legal_advisers_create(count=advisors, email_domain="bench.example.org")
    ]
    cookies = []
    for n in range(staff_sessions):
        client = Client()
        login_verified(client, users[n % len(users)])
        # One request through the middleware records the session as a staff login.
        response = client.get("/personal/agenda/")
        if response.status_code != 200:
            sys.exit(f"the staff agenda answered {response.status_code} while preparing")
        cookies.append(client.cookies["sessionid"].value)
    from django.db import connections

    connections.close_all()
    sessions = tmp / "sessions.json"
    sessions.write_text(json.dumps({"staff_sessions": cookies}))
    return sessions


# ---------------------------------------------------------------- processes


def start_gunicorn(env: dict[str, str], *, port: int, workers: int, tmp: Path) -> subprocess.Popen:
    errors = (tmp / "gunicorn.log").open("w")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--pythonpath",
        f"{BENCH},{ROOT}",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "30",
        "--graceful-timeout",
        "5",
        # Import the app once, then fork: the workers start in a second even on a busy
        # machine (nothing touches the database at import time).
        "--preload",
        # No access log: paths carry her manage token.
        "cercania.wsgi:application",
    ]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=errors, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}; see {tmp / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare/", timeout=10):
                break
        except OSError:
            time.sleep(0.5)
    else:
        stop(process)
        sys.exit("gunicorn did not answer within 180 s")
    # Warm up every worker (first requests import views and compile templates), so the
    # measured run does not start with cold workers.
    for _round in range(workers * 3):
        for path in ("/", "/seguridad/", "/agendar/", "/api/v1/services", "/bench/bare/"):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30):
                    pass
            except OSError as error:
                log(f"warm-up {path}: {error}")
    return process


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(path: Path) -> list[str] | None:
    """The fields of a /proc/PID/stat after the command name (state, ppid, …), or None
    for a process that has ended."""
    try:
        return path.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of one process (fields 14 and 15 of /proc/PID/stat); NaN if gone."""
    fields = _stat_fields(Path(f"/proc/{pid}/stat"))
    return float("nan") if fields is None else (int(fields[11]) + int(fields[12])) / TICK


def server_cpu_seconds(pid: int) -> float:
    """utime + stime of gunicorn's master and its live workers."""
    workers = [
        int(stat.parent.name)
        for stat in Path("/proc").glob("[0-9]*/stat")
        if (fields := _stat_fields(stat)) is not None and int(fields[1]) == pid
    ]
    return sum(process_cpu_seconds(p) for p in [pid, *workers])


def client_cpu_seconds() -> float:
    """CPU of this runner's finished children: the locust runs, once each has exited."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_locust(
    *,
    env: dict[str, str],
    host: str,
    users: int,
    spawn_rate: float,
    seconds: int,
    classes: list[str],
    prefix: Path,
) -> dict[str, dict[str, Any]]:
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(BENCH / "locustfile.py"),
        "--headless",
        "--host",
        host,
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    locust_env = {
        **env,
        "CERCANIA_LOAD_GROUPS": f"{prefix}_groups.json",
        "PYTHONPATH": str(BENCH),
    }
    with (prefix.parent / f"{prefix.name}.log").open("w") as output:
        try:
            subprocess.run(
                command,
                env=locust_env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=seconds + 90,
                check=False,  # locust exits 1 when any request failed: the figures say so
            )
        except subprocess.TimeoutExpired:
            log(f"locust did not stop in time; see {prefix}.log")
    stats: dict[str, dict[str, Any]] = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            stats[row["Name"]] = row
    groups_file = Path(f"{prefix}_groups.json")
    stats["__groups__"] = json.loads(groups_file.read_text()) if groups_file.exists() else {}
    failures_file = Path(f"{prefix}_failures.csv")
    stats["__failures__"] = {
        "rows": list(csv.DictReader(failures_file.open())) if failures_file.exists() else []
    }
    return stats


# ---------------------------------------------------------------- checks afterwards


def database_counts(url: str) -> dict[str, int]:
    import psycopg

    active = ("confirmed", "attended", "no_show")
    with psycopg.connect(urlunsplit(("postgresql", *urlsplit(url)[1:]))) as conn:

        def one(sql: str, *params: Any) -> int:
            return int(conn.execute(sql, params).fetchone()[0])  # type: ignore[index]

        return {
            # Two active appointments of one advisor that overlap in time.
            "double_bookings": one(
                """SELECT count(*) FROM scheduling_appointment a
                   JOIN scheduling_appointment b
                     ON a.advisor_id = b.advisor_id AND a.id < b.id
                    AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
                  WHERE a.status = ANY(%s) AND b.status = ANY(%s)""",
                list(active),
                list(active),
            ),
            "appointments": one("SELECT count(*) FROM scheduling_appointment"),
            "people": one("SELECT count(*) FROM cases_person"),
            # A person written by a booking that did not keep its appointment.
            "people_without_appointment": one(
                """SELECT count(*) FROM cases_person p WHERE NOT EXISTS
                   (SELECT 1 FROM scheduling_appointment a WHERE a.person_id = p.id)"""
            ),
        }


# ---------------------------------------------------------------- report


def _rps(run: dict[str, dict[str, Any]]) -> float:
    return float(run.get("Aggregated", {}).get("Requests/s", 0) or 0)


def ms(row: dict[str, Any], column: str) -> str:
    value = row.get(column, "")
    return "—" if value in ("", "N/A") else f"{float(value):.0f}"


def report(
    *,
    args: argparse.Namespace,
    main: dict[str, dict[str, Any]],
    ratio_runs: dict[str, list[dict[str, dict[str, Any]]]],
    counts: dict[str, int],
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
    workers: int,
) -> tuple[str, bool]:
    lines: list[str] = []
    add = lines.append
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    import psycopg

    with psycopg.connect(urlunsplit(("postgresql", *urlsplit(args.url)[1:4], ""))) as conn:
        server_version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    add(f"Cercanía load test — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}")
    add(
        f"machine: {os.cpu_count()} CPUs, {platform.python_implementation()} "
        f"{platform.python_version()}, PostgreSQL {server_version}; gunicorn {workers} sync "
        f"workers on 127.0.0.1; locust on the same machine"
    )
    add(
        f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
    )
    add(
        f"run: {args.users} users (spawn {args.spawn_rate}/s) for {args.seconds} s; "
        f"{args.advisors} legal advisers Mon–Fri 9–15; ratio runs {args.ratio_users} users × "
        f"{args.ratio_seconds} s each, {args.ratio_rounds} rounds"
    )
    add(
        "rate limits raised for this server only (every user is 127.0.0.1): "
        + ", ".join(f"{k}={v}" for k, v in RATE_LIMITS.items())
    )
    add("")
    header = (
        f"{'endpoint':<46} {'requests':>8} {'fail':>5} {'req/s':>7} "
        f"{'p50':>6} {'p95':>6} {'p99':>6}"
    )
    add(header + "   (ms)")
    add("-" * len(header))
    rows = [r for name, r in main.items() if not name.startswith("__") and name != "Aggregated"]
    for row in sorted(rows, key=lambda r: r["Name"]):
        add(
            f"{row['Name'][:46]:<46} {row['Request Count']:>8} {row['Failure Count']:>5} "
            f"{float(row['Requests/s']):>7.1f} {ms(row, '50%'):>6} {ms(row, '95%'):>6} "
            f"{ms(row, '99%'):>6}"
        )
    total = main.get("Aggregated", {})
    add("-" * len(header))
    add(
        f"{'all':<46} {total.get('Request Count', 0):>8} {total.get('Failure Count', 0):>5} "
        f"{float(total.get('Requests/s', 0)):>7.1f} {ms(total, '50%'):>6} {ms(total, '95%'):>6} "
        f"{ms(total, '99%'):>6}"
    )
    add("")
    groups = main["__groups__"]
    booking, pages = groups.get("booking", {}), groups.get("pages", {})
    errors = int(total.get("Failure Count", 0))
    booking_p95 = float(groups.get("booking", {}).get("p95") or 0)
    pages_p95 = float(groups.get("pages", {}).get("p95") or 0)
    # Each page's rate over all its rounds (the runs last equally long), and each round's
    # own ratio, which shows how far the runs spread.
    ratio_rps = {
        name: statistics.mean(_rps(run) for run in runs) for name, runs in ratio_runs.items()
    }
    ratio_errors = sum(
        int(run.get("Aggregated", {}).get("Failure Count", 0))
        for runs in ratio_runs.values()
        for run in runs
    )
    bare = ratio_rps.get("bare", 0) or float("nan")
    ratio = ratio_rps.get("booking", 0) / bare
    slot_ratio = ratio_rps.get("slots", 0) / bare
    round_ratios = [
        _rps(booking_run) / (_rps(bare_run) or float("nan"))
        for booking_run, bare_run in zip(
            ratio_runs.get("booking", []), ratio_runs.get("bare", []), strict=True
        )
    ]
    checks = [
        (
            "errors (main run + ratio runs)",
            f"{errors + ratio_errors}",
            errors + ratio_errors == 0,
            "0",
        ),
        (
            "double bookings (SQL, afterwards)",
            f"{counts['double_bookings']}",
            counts["double_bookings"] == 0,
            "0",
        ),
        (
            "booking p95 (HTML confirm + API POST)",
            f"{booking_p95:.0f} ms",
            booking_p95 < TARGETS["booking_p95_ms"],
            "< 1000 ms",
        ),
        (
            "pages p95 (every HTML page GET)",
            f"{pages_p95:.0f} ms",
            pages_p95 < TARGETS["pages_p95_ms"],
            "< 300 ms",
        ),
        (
            "throughput ratio booking page / bare view",
            f"{ratio:.2f} ({ratio_rps.get('booking', 0):.0f} / "
            f"{ratio_rps.get('bare', 0):.0f} req/s)",
            ratio >= TARGETS["ratio"],
            "≥ 0.5",
        ),
    ]
    for label, value, passed, target in checks:
        add(f"{label:<44} {value:<28} target {target:<10} {'PASS' if passed else 'MISS'}")
    add(
        f"{'(info) slot listing page / bare view':<44} "
        f"{slot_ratio:.2f} ({ratio_rps.get('slots', 0):.0f} / {ratio_rps.get('bare', 0):.0f} req/s)"
    )
    add(
        f"{'(info) ratio of each round':<44} "
        + ", ".join(f"{value:.2f}" for value in round_ratios)
        + f" ({len(round_ratios)} rounds of {args.ratio_seconds} s per page, first page swapped)"
    )
    per_request = []
    for name, runs in ratio_runs.items():
        count = sum(int(run.get("Aggregated", {}).get("Request Count", 0) or 0) for run in runs)
        server = sum(run["__cpu__"]["server"] for run in runs if "__cpu__" in run)
        client = sum(run["__cpu__"]["client"] for run in runs if "__cpu__" in run)
        if count:
            per_request.append(f"{name} {server / count * 1000:.2f} + {client / count * 1000:.2f}")
    add(f"{'(info) CPU ms per request, server + locust':<44} {'; '.join(per_request)}")
    add(
        f"{'(info) booking p50 / p99; pages p50 / p99':<44} "
        f"{booking.get('p50', '—')} / {booking.get('p99', '—')} ms; "
        f"{pages.get('p50', '—')} / {pages.get('p99', '—')} ms"
    )
    add(
        f"{'(info) rows afterwards':<44} {counts['appointments']} appointments, "
        f"{counts['people']} people, {counts['people_without_appointment']} people without one"
    )
    failures = main["__failures__"]["rows"]
    if failures:
        add("")
        add("failures (locust):")
        for row in failures[:20]:
            add(
                f"  {row.get('Occurrences')} × {row.get('Method')} {row.get('Name')}: "
                f"{row.get('Error')}"
            )
    return "\n".join(lines) + "\n", all(passed for _label, _value, passed, _target in checks)


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--seconds", type=int, help="run time in seconds (overrides --minutes)")
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=0.0,
        help="users started per second (default: users / 10)",
    )
    parser.add_argument("--advisors", type=int, default=25)
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default: 2 × CPUs + 1)"
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--ratio-users", type=int, default=10)
    parser.add_argument("--ratio-seconds", type=int, default=15)
    parser.add_argument(
        "--ratio-rounds",
        type=int,
        default=3,
        help="booking page and bare view runs each, the first of each round swapped",
    )
    parser.add_argument(
        "--database-url", help="server and credentials (default DATABASE_URL, else local)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the temporary folder"
    )
    args = parser.parse_args()
    args.seconds = args.seconds or int(args.minutes * 60)
    args.spawn_rate = args.spawn_rate or max(1.0, args.users / 10)
    args.url = bench_database_url(args.database_url, name=BENCH_DB)
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    if not args.port:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    host = f"http://127.0.0.1:{args.port}"

    tmp = Path(tempfile.mkdtemp(prefix="cercania-load-"))
    gunicorn = None
    # SIGTERM / Ctrl+C: the finally below still stops gunicorn and drops the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    try:
        log(f"database {BENCH_DB}: dropping any leftover and creating it")
        postgres_admin(args.url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        postgres_admin(args.url, f'CREATE DATABASE "{BENCH_DB}"')
        env = server_environment(args.url, tmp)
        log(
            "rate limits raised for this benchmark server (every locust user is 127.0.0.1): "
            + ", ".join(f"{k}={v}" for k, v in RATE_LIMITS.items())
        )
        log(f"migrating and loading the profile and {args.advisors} advisers (services)")
        sessions = prepare(
            env, advisors=args.advisors, staff_sessions=min(max(args.users // 10, 2), 40), tmp=tmp
        )
        env["CERCANIA_LOAD_SESSIONS"] = str(sessions)
        log(f"starting gunicorn: {workers} workers on {host}")
        gunicorn = start_gunicorn(env, port=args.port, workers=workers, tmp=tmp)
        load_before = os.getloadavg()
        log(f"locust: {args.users} users for {args.seconds} s (load average {load_before[0]:.2f})")
        main_stats = run_locust(
            env=env,
            host=host,
            users=args.users,
            spawn_rate=args.spawn_rate,
            seconds=args.seconds,
            classes=MAIN_USERS,
            prefix=tmp / "main",
        )
        ratio_runs: dict[str, list[dict[str, dict[str, Any]]]] = {}
        for n, key in enumerate(ratio_order(args.ratio_rounds)):
            user_class = RATIO_CLASSES[key]
            log(f"ratio run: {user_class}, {args.ratio_users} users for {args.ratio_seconds} s")
            cpu_before = server_cpu_seconds(gunicorn.pid), client_cpu_seconds()
            run = run_locust(
                env=env,
                host=host,
                users=args.ratio_users,
                spawn_rate=args.ratio_users,
                seconds=args.ratio_seconds,
                classes=[user_class],
                prefix=tmp / f"ratio-{n}-{key}",
            )
            # Where each request's time goes: the server's work and the load generator's,
            # which share the two cores (bench/README.md).
            run["__cpu__"] = {
                "server": server_cpu_seconds(gunicorn.pid) - cpu_before[0],
                "client": client_cpu_seconds() - cpu_before[1],
            }
            ratio_runs.setdefault(key, []).append(run)
        load_after = os.getloadavg()
        stop(gunicorn)
        counts = database_counts(args.url)
        text, passed = report(
            args=args,
            main=main_stats,
            ratio_runs=ratio_runs,
            counts=counts,
            load_before=load_before,
            load_after=load_after,
            workers=workers,
        )
        print()
        print(text, end="")
        results = BENCH / "results"
        results.mkdir(exist_ok=True)
        out = results / f"load-{datetime.now(UTC):%Y-%m-%d-%H%M}.txt"
        out.write_text(text)
        log(f"written to {out.relative_to(ROOT)}")
        return 0 if passed else 1
    finally:
        stop(gunicorn)
        if args.keep:
            log(f"kept {tmp} and database {BENCH_DB}")
        else:
            try:
                postgres_admin(args.url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            except Exception as error:  # the report matters more than the cleanup message
                log(f"could not drop {BENCH_DB}: {error}")
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
