"""What one request of each public page costs the machine, in one process.

    uv run python bench/pagecost.py                 # every page, 200 timed requests each
    uv run python bench/pagecost.py --runs 500
    uv run python bench/pagecost.py --profile dia   # cProfile of one page (name or path)

The app runs in this process on its own PostgreSQL database `cercania_load_pagecost`
(dropped first if left over, dropped at the end unless --keep), with the environment of
bench/load.py's server (DEBUG off, fresh keys, the bench URLconf with /bench/bare/),
loaded the same way: the IMM Chihuahua profile and --advisors legal advisers through
the services. Each page is requested through Django's WSGI handler, as gunicorn calls
it, by a visitor whose session stands at that step of the booking flow (as a locust
user's does). The pages are timed round robin, one request of each per round.

Per page it prints the median and mean CPU time of this process per request
(time.process_time: the app's own work, not time spent waiting for a core; a busy
machine still inflates it somewhat, so compare figures of one run), the CPU time of
the PostgreSQL backend serving this process (from /proc, at the kernel's tick
resolution: read it over many requests), the queries per request and the median wall
time. The app and PostgreSQL figures together are what a request takes from the cores,
before gunicorn's own work and the client's.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchdb import bench_database_url, postgres_admin
from load import prepare, process_cpu_seconds, server_environment

BENCH_DB = "cercania_load_pagecost"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--advisors", type=int, default=25)
    parser.add_argument("--profile", help="profile this page (its name or path) instead")
    parser.add_argument("--profile-lines", type=int, default=40)
    parser.add_argument("--queries", action="store_true", help="print each page's SQL")
    parser.add_argument(
        "--no-health-checks",
        action="store_true",
        help="turn CONN_HEALTH_CHECKS off, to weigh its SELECT 1 per request",
    )
    parser.add_argument("--database-url", help="server (default DATABASE_URL, else local)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    url = bench_database_url(args.database_url, name=BENCH_DB)
    tmp = Path(tempfile.mkdtemp(prefix="cercania-pagecost-"))
    postgres_admin(url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    postgres_admin(url, f'CREATE DATABASE "{BENCH_DB}"')
    try:
        env = server_environment(url, tmp)
        print(f"preparing {BENCH_DB}: profile and {args.advisors} advisers", flush=True)
        prepare(env, advisors=args.advisors, staff_sessions=1, tmp=tmp)
        return measure(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            postgres_admin(url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def visitors() -> dict[str, tuple[str, Any]]:
    """Clients whose sessions stand at each step, through the booking flow's own pages."""
    import re

    from django.test import Client

    def answer(client: Client, path: str, data: dict[str, str]) -> None:
        response = client.post(path, data)
        if response.status_code != 302:
            sys.exit(f"POST {path} answered {response.status_code} while preparing")

    def first(pattern: str, path: str, client: Client) -> str:
        found = re.search(pattern, client.get(path).content.decode())
        if not found:
            sys.exit(f"nothing to choose on {path} while preparing")
        return found.group(1)

    anonymous = Visitor()
    booker = Client()
    booker.get("/agendar/")
    at: dict[str, tuple[str, Any]] = {}
    at["modalidad"] = ("/agendar/modalidad/", _clone(booker))
    answer(booker, "/agendar/modalidad/", {"modality": "phone"})
    at["dia"] = ("/agendar/dia/", _clone(booker))
    day = first(r'name="day"[^>]*value="([^"]+)"', "/agendar/dia/", booker)
    answer(booker, "/agendar/dia/", {"day": day})
    at["hora"] = ("/agendar/hora/", _clone(booker))
    start = first(r'name="time"[^>]*value="([^"]+)"', "/agendar/hora/", booker)
    answer(booker, "/agendar/hora/", {"time": start})
    at["nombre"] = ("/agendar/nombre/", _clone(booker))
    answer(booker, "/agendar/nombre/", {"name": "Ana"})
    at["contacto"] = ("/agendar/contacto/", _clone(booker))
    answer(booker, "/agendar/contacto/", {"phone": "614 123 4567", "call": "on"})
    at["aviso"] = ("/agendar/aviso/", _clone(booker))
    answer(booker, "/agendar/aviso/", {"accept": "on"})
    at["revisar"] = ("/agendar/revisar/", _clone(booker))
    answer(booker, "/agendar/revisar/", {})
    at["confirmada"] = ("/agendar/confirmada/", _clone(booker))
    manage = first(r"https?://[^/\"]+(/cita/[A-Za-z0-9_-]+/)", "/agendar/confirmada/", booker)
    pages: dict[str, tuple[str, Any]] = {
        "bare": ("/bench/bare/", anonymous),
        "home": ("/", anonymous),
        "safety": ("/seguridad/", anonymous),
        "privacy": ("/privacidad/", anonymous),
        "start": ("/agendar/", _clone(booker)),
        **at,
        "manage": (manage, anonymous),
        "api-services": ("/api/v1/services", anonymous),
    }
    return pages


class Visitor:
    """A browser talking to Django's WSGI handler, as gunicorn calls it.

    Not the test client: that one leaves out the per-request connection check
    (CONN_HEALTH_CHECKS) and other request_started/finished work a real server does.
    """

    def __init__(self, cookies: dict[str, str] | None = None) -> None:
        from django.core.handlers.wsgi import WSGIHandler
        from django.test.client import RequestFactory

        self.cookies = dict(cookies or {})
        self.handler = WSGIHandler()
        self.environ = RequestFactory()._base_environ  # a test helper's environ

    def get(self, path: str) -> int:
        statuses: list[str] = []

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            statuses.append(status)
            for name, value in headers:
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]

        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        environ = self.environ(PATH_INFO=path, REQUEST_METHOD="GET", HTTP_COOKIE=cookie)
        response = self.handler(environ, start_response)
        try:
            for _chunk in response:
                pass
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()  # request_finished, as gunicorn does
        return int(statuses[0].split()[0])


def _clone(client: Any) -> Visitor:
    """A visitor holding a copy of this client's session (her answers so far)."""
    from importlib import import_module

    from django.conf import settings

    # The site's engine (sessions are sealed at rest: Django's own store cannot read them).
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is None:
        return Visitor()
    old = SessionStore(session_key=cookie.value)
    new = SessionStore()
    new.update(dict(old.items()))
    new.create()
    new.save()
    return Visitor({settings.SESSION_COOKIE_NAME: new.session_key})


def measure(args: argparse.Namespace) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pages = visitors()
    if args.no_health_checks:
        connection.settings_dict["CONN_HEALTH_CHECKS"] = False
        connection.close()  # read again when it connects
    if args.profile:
        name = next((n for n, (p, _c) in pages.items() if args.profile in (n, p)), None)
        if name is None:
            sys.exit(f"unknown page {args.profile!r}: one of {', '.join(pages)}")
        path, client = pages[name]
        for _ in range(args.warmup):
            client.get(path)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler)
        print(f"cProfile of {args.runs} requests of {path} (cumulative):")
        stats.sort_stats("cumulative").print_stats(args.profile_lines)
        print("by own time:")
        stats.sort_stats("tottime").print_stats(args.profile_lines)
        return 0

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    statuses: dict[str, int] = {}
    query_counts: dict[str, int] = {}
    for name, (path, client) in pages.items():
        statuses[name] = client.get(path)
        for _ in range(args.warmup):
            client.get(path)
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries = [q["sql"] for q in captured]
        query_counts[name] = len(queries)
        if args.queries:
            print(f"{name} {path}:")
            for sql in queries:
                print(f"    {sql[:160]}")
    # Round robin, one request of each page per round: a burst of load from other
    # processes weighs on every page alike.
    cpu_times: dict[str, list[float]] = {name: [] for name in pages}
    walls: dict[str, list[float]] = {name: [] for name in pages}
    db_seconds = dict.fromkeys(pages, 0.0)
    for _ in range(args.runs):
        for name, (path, client) in pages.items():
            db_before = process_cpu_seconds(backend)
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(path)
            cpu_times[name].append(time.process_time() - cpu)
            walls[name].append(time.perf_counter() - wall)
            db_seconds[name] += process_cpu_seconds(backend) - db_before
    rows = [
        (
            name,
            path,
            statuses[name],
            cpu_times[name],
            db_seconds[name] / args.runs,
            query_counts[name],
            walls[name],
        )
        for name, (path, _client) in pages.items()
    ]

    print()
    print(
        f"{args.runs} requests per page after {args.warmup} warm-up ones; "
        f"DEBUG off, PostgreSQL; load average {os.getloadavg()[0]:.1f}"
    )
    header = (
        f"{'page':<13} {'path':<22} {'st':>3} {'app CPU ms':>10} {'mean':>6} "
        f"{'db CPU ms':>9} {'queries':>7} {'wall ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, path, status, cpu_times, db, queries, walls in rows:
        shown = path if len(path) <= 22 else path[:19] + "…"
        print(
            f"{name:<13} {shown:<22} {status:>3} "
            f"{statistics.median(cpu_times) * 1000:>10.2f} "
            f"{statistics.mean(cpu_times) * 1000:>6.2f} "
            f"{db * 1000:>9.2f} {queries:>7} {statistics.median(walls) * 1000:>8.2f}"
        )
    if connection.settings_dict["CONN_HEALTH_CHECKS"]:
        print("(queries leave out CONN_HEALTH_CHECKS' SELECT 1, one per request that queries)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
