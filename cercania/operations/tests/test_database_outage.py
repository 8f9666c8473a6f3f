"""PostgreSQL stopped during booking traffic: calm 503 pages, no half-written booking,
and recovery when it returns.

Everything is real and private to the test: a PostgreSQL cluster of its own (initdb in
a temporary folder, another port; the shared server on 5432 is never touched), the site
under gunicorn with DEBUG off, and women booking through the HTML flow in threads.
"""

from __future__ import annotations

import contextlib
import glob
import http.cookiejar
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cercania.lib.crypto import generate_hash_key, generate_key_entry

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[3]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DAYS = re.compile(r'name="day"[^>]*value="(\d{4}-\d\d-\d\d)"')
TIMES = re.compile(r'name="time"[^>]*value="([^"]+)"')
# What must never reach her screen, whatever failed.
LEAKS = ("Traceback", "OperationalError", "InterfaceError", "psycopg", "SELECT ", "INSERT ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateCluster:
    """initdb + pg_ctl in a temporary folder, as the postgres OS user when we are root."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) not installed")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="cercania-outage-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")

    def run(self, *command: str, timeout: float = 120) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run(
            [*prefix, *command], check=True, timeout=timeout, capture_output=True, text=True
        )

    def init(self) -> None:
        self.run(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off"
        )
        self.run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        # "fast": the open connections are cut at once, as in a crash or a failover.
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Seen:
    status: int
    body: str


@dataclass
class Traffic:
    seen: list[Seen] = field(default_factory=list)
    confirmed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Woman:
    """One visitor's browser: cookies, and no exception on a 4xx/5xx."""

    def __init__(self, base: str, traffic: Traffic) -> None:
        self.base, self.traffic = base, traffic
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> Seen:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                seen = Seen(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            seen = Seen(error.code, error.read().decode())
        except OSError as error:  # the server itself did not answer: a failure too
            seen = Seen(0, repr(error))
        with self.traffic.lock:
            self.traffic.seen.append(seen)
        return seen

    def answer(self, path: str, page: Seen, data: dict[str, str]) -> bool:
        found = CSRF.search(page.body)
        if not found:
            return False
        return self.request(path, {"csrfmiddlewaretoken": found.group(1), **data}).status == 302

    def book(self) -> bool:
        """The whole flow; False as soon as a step does not go through."""
        page = self.request("/agendar/modalidad/")
        if not self.answer("/agendar/modalidad/", page, {"modality": "phone"}):
            return False
        page = self.request("/agendar/dia/")
        days = DAYS.findall(page.body)
        if not days or not self.answer("/agendar/dia/", page, {"day": random.choice(days)}):
            return False
        page = self.request("/agendar/hora/")
        times = TIMES.findall(page.body)
        if not times or not self.answer("/agendar/hora/", page, {"time": random.choice(times)}):
            return False
        for path, data in [
            ("/agendar/nombre/", {"name": "Ana"}),
            ("/agendar/contacto/", {"phone": "614 123 4567", "call": "on", "sms": "on"}),
            ("/agendar/aviso/", {"accept": "on"}),
        ]:
            if not self.answer(path, self.request(path), data):
                return False
        done = self.request("/agendar/revisar/")
        if not self.answer("/agendar/revisar/", done, {}):
            return False
        if self.request("/agendar/confirmada/").status != 200:
            return False
        with self.traffic.lock:
            self.traffic.confirmed += 1
        return True


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # a 302 is an answer to look at, not to follow


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def site(cluster: PrivateCluster, tmp_path: Path) -> Iterator[str]:
    """The site under gunicorn (DEBUG off) on the private cluster's database."""
    subprocess.run(
        [
            str(Path(cluster.bin) / "createdb"), "-h", "127.0.0.1", "-p", str(cluster.port),
            "-U", "postgres", "cercania_load_outage",
        ],
        check=True, timeout=60,
    )  # fmt: skip
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cercania.settings",
        "DATABASE_URL": cluster.url("cercania_load_outage"),
        "CERCANIA_DEBUG": "false",
        "CERCANIA_HTTPS": "false",
        "CERCANIA_SECRET_KEY": "outage-" + "k" * 30 + "abcdefghijklmnopqrstuvwxyz0123456789",
        "CERCANIA_FIELD_KEYS": generate_key_entry("outage1"),
        "CERCANIA_FIELD_HASH_KEY": generate_hash_key(),
        "CERCANIA_ALLOWED_HOSTS": "127.0.0.1",
        "CERCANIA_VAR_DIR": str(tmp_path / "var"),
        "CERCANIA_STATIC_ROOT": str(tmp_path / "static"),
        "CERCANIA_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CERCANIA_BOOKING_MIN_NOTICE_MINUTES": "0",
    }
    env.pop("CERCANIA_REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-m", "cercania.operations.tests.outage_site", "3"],
        env=env, cwd=ROOT, check=True, timeout=300,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "cercania.cli", "collectstatic", "--noinput", "-v0"],
        env=env, cwd=ROOT, check=True, timeout=120,
    )  # fmt: skip
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
            "--timeout", "30", "cercania.wsgi:application",
        ],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: status_of(base + "/healthz") == 200, seconds=120)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
        log.close()


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (http://127.0.0.1)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def wait_for(condition, *, seconds: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {seconds} s")
        time.sleep(0.3)


def book_until(base: str, traffic: Traffic, stop: threading.Event) -> None:
    woman = Woman(base, traffic)
    while not stop.is_set():
        if not woman.book():
            time.sleep(0.2)
        woman = Woman(base, traffic)  # a new visit each time


def sql(cluster: PrivateCluster, query: str) -> list[tuple]:  # type: ignore[type-arg]
    import psycopg

    with psycopg.connect(
        f"postgresql://postgres@127.0.0.1:{cluster.port}/cercania_load_outage"
    ) as conn:
        return conn.execute(query).fetchall()


def test_a_database_outage_shows_the_calm_503_page_loses_nothing_and_recovers(
    cluster, site, report_figures
):
    traffic = Traffic()
    stop = threading.Event()
    women = [threading.Thread(target=book_until, args=(site, traffic, stop)) for _ in range(3)]
    for woman in women:
        woman.start()
    try:
        wait_for(lambda: traffic.confirmed >= 2, seconds=120)  # bookings are going through
        confirmed_at_stop = traffic.confirmed
        cluster.stop()
        stopped = time.monotonic()
        outage_started = len(traffic.seen)
        wait_for(lambda: sum(s.status == 503 for s in traffic.seen) >= 10, seconds=60)
        time.sleep(1)
        during = traffic.seen[outage_started:]
        cluster.start()
        restarted = time.monotonic()
        wait_for(lambda: status_of(site + "/healthz") == 200, seconds=60)
        healthy_after = time.monotonic() - restarted
        confirmed_before = traffic.confirmed
        wait_for(lambda: traffic.confirmed >= confirmed_before + 3, seconds=120)
    finally:
        stop.set()
        for woman in women:
            woman.join(timeout=60)

    # During the outage: the outage page, never a 500, a trace or a piece of SQL.
    assert {s.status for s in during} <= {200, 302, 503}
    outage_pages = [s for s in traffic.seen if s.status == 503]
    assert outage_pages
    for page in outage_pages:
        assert "Servicio no disponible por un momento" in page.body
        assert 'href="/salir/"' in page.body
        assert not any(leak in page.body for leak in LEAKS)
    assert not [s for s in traffic.seen if s.status >= 500 and s.status != 503]
    assert not [s for s in traffic.seen if s.status == 0]  # the server always answered

    # Recovered: a whole booking goes through again, and the rows are consistent.
    assert Woman(site, Traffic()).book()
    appointments, people = sql(
        cluster,
        "SELECT (SELECT count(*) FROM scheduling_appointment), (SELECT count(*) FROM cases_person)",
    )[0]
    assert appointments >= traffic.confirmed + 1
    assert appointments == people  # each booking wrote exactly one person and one appointment
    assert sql(
        cluster,
        """SELECT count(*) FROM scheduling_appointment
            WHERE reference = '' OR manage_token_hash = '' OR status <> 'confirmed'""",
    ) == [(0,)]
    assert sql(
        cluster,
        """SELECT count(*) FROM cases_person p
            WHERE NOT EXISTS (SELECT 1 FROM scheduling_appointment a WHERE a.person_id = p.id)""",
    ) == [(0,)]
    # Her consents are all there, and only there: the service, a call, SMS.
    assert sql(
        cluster,
        """SELECT count(*) FROM cases_person p WHERE
             (SELECT array_agg(purpose ORDER BY purpose) FROM privacy_consent c
               WHERE c.person_id = p.id) IS DISTINCT FROM
             ARRAY['contact_call', 'contact_sms', 'services']::varchar[]""",
    ) == [(0,)]
    assert sql(
        cluster,
        """SELECT count(*) FROM scheduling_appointment a JOIN scheduling_appointment b
             ON a.advisor_id = b.advisor_id AND a.id < b.id
            AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at""",
    ) == [(0,)]
    report_figures(
        f"PostgreSQL down {restarted - stopped:.1f} s under 3 women booking: "
        f"{len(during)} answers then ({dict(Counter(s.status for s in during))}), "
        f"{len(outage_pages)} calm 503 pages in all, no 500, no trace; healthy "
        f"{healthy_after * 1000:.0f} ms after it returned; {confirmed_at_stop} bookings confirmed "
        f"before, {traffic.confirmed} in all; {appointments} appointments = {people} people, "
        f"none half-written, no overlap"
    )
