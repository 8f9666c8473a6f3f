"""Locust users for bench/load.py: the public site, booking (HTML and API), the manage
link and the staff agenda. Run it through `uv run python bench/load.py`, which prepares
the database, the staff sessions and the server; see bench/README.md.

Every user is a FastHttpUser (geventhttpclient): locust runs on the same 2 cores as
gunicorn and PostgreSQL, and python-requests' HttpUser cost it about 1.3 ms of CPU per
request of the bare view and 2 ms per booking page, that is as much as the server's
own work. Redirects are followed unless `allow_redirects=False`, cookies live in the
client's cookie jar, and `catch_response` works as with HttpUser.

Every request is named after its endpoint (no token or date in a name), so the
percentiles are per endpoint. A lost race for a slot is an expected answer (the HTML
flow asks again for the time, or for the day when its last time went; the API answers
409): it is counted in its own endpoint name, never as an error. Anything else
unexpected is a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from datetime import date, datetime, timedelta
from http.cookiejar import Cookie
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from locust import FastHttpUser, between, constant, events, task

SESSIONS_FILE = os.environ.get("CERCANIA_LOAD_SESSIONS", "")
GROUPS_FILE = os.environ.get("CERCANIA_LOAD_GROUPS", "")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DAYS = re.compile(r'name="day"[^>]*value="(\d{4}-\d\d-\d\d)"')
TIMES = re.compile(r'name="time"[^>]*value="([^"]+)"')
MANAGE = re.compile(r'https?://[^/"]+(/cita/[A-Za-z0-9_-]+/)')
# The institute's zone (the server's CERCANIA_TIME_ZONE default): "today" as it sees it.
ZONE = ZoneInfo("America/Chihuahua")
NAMES = ["Ana", "Lupita", "María José", "Rosa", "Itzel", "Fer", "Lucía 🌻", "Carmen"]

_staff_sessions: list[str] = []
_staff_cycle: itertools.cycle[str] | None = None


@events.init.add_listener
def _load_sessions(environment, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    global _staff_cycle
    if SESSIONS_FILE:
        with open(SESSIONS_FILE) as handle:
            _staff_sessions.extend(json.load(handle)["staff_sessions"])
    if _staff_sessions:
        _staff_cycle = itertools.cycle(_staff_sessions)


def group_of(method: str, name: str) -> str | None:
    """Which summary figure a request counts in: the writes that take a slot, or the
    HTML pages (every GET of a page; static files and API reads are in neither)."""
    if name.startswith(("booking: POST confirm", "api: POST /bookings")):
        return "booking"
    if method == "GET" and name.startswith(("page:", "booking:", "manage link", "staff:")):
        return "pages"
    return None


@events.quitting.add_listener
def _write_groups(environment, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    """Percentiles over each group as a whole (not the worst endpoint), for load.py."""
    if not GROUPS_FILE:
        return
    from locust.stats import StatsEntry

    merged: dict[str, StatsEntry] = {}
    for (name, method), entry in environment.stats.entries.items():
        group = group_of(method, name)
        if group is None:
            continue
        if group not in merged:
            merged[group] = StatsEntry(environment.stats, group, "")
        merged[group].extend(entry)
    summary = {
        group: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
        }
        for group, entry in merged.items()
    }
    with open(GROUPS_FILE, "w") as handle:
        json.dump(summary, handle)


def today() -> date:
    return datetime.now(ZONE).date()


def _phone() -> str:
    return f"614 {random.randint(100, 999)} {random.randint(1000, 9999)}"


def _cookie(name: str, value: str, *, host: str) -> Cookie:
    """A session cookie for the server's host, as its own Set-Cookie would make it."""
    return Cookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain=host,
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={"HttpOnly": ""},
    )


def _fail(response, why: str) -> None:  # type: ignore[no-untyped-def]
    # Only the reason, never the body: pages hold the names and tokens of the run.
    response.failure(why)


class PublicVisitor(FastHttpUser):
    """Reads the information pages and the free times, as most visitors do."""

    weight = 4
    wait_time = between(1, 4)

    @task(4)
    def home(self) -> None:
        self.client.get("/", name="page: home")

    @task(2)
    def safety(self) -> None:
        self.client.get("/seguridad/", name="page: safety")

    @task(1)
    def privacy(self) -> None:
        self.client.get("/privacidad/", name="page: privacy notice")

    @task(1)
    def stylesheet(self) -> None:
        self.client.get("/static/css/public.css", name="static: public.css")

    @task(3)
    def api_slots(self) -> None:
        first = today() + timedelta(days=random.randint(1, 20))
        self.client.get(
            "/api/v1/slots",
            params={"service": "juridico", "from": first.isoformat(), "to": first.isoformat()},
            name="api: GET /slots (1 day)",
        )

    @task(1)
    def api_services(self) -> None:
        self.client.get("/api/v1/services", name="api: GET /services")


class HtmlBooker(FastHttpUser):
    """A woman on her phone: the public booking flow, one question per page, then her
    manage link."""

    weight = 3
    wait_time = between(1, 3)

    def _post(self, path: str, page: str, data: dict[str, str], name: str):  # type: ignore[no-untyped-def]
        found = CSRF.search(page)
        data = {"csrfmiddlewaretoken": found.group(1) if found else "", **data}
        return self.client.post(path, data, name=name, allow_redirects=False, catch_response=True)

    def _answer(
        self,
        path: str,
        page: str,
        data: dict[str, str],
        name: str,
        *,
        lost_race: tuple[str, str] | None = None,
    ) -> bool:
        """Post her answer; True when the flow moves on. `lost_race`: the words with
        which the page asks again because another woman took what she chose between
        the listing and her answer, and the name that outcome is counted under."""
        with self._post(path, page, data, name) as response:
            if lost_race and response.status_code == 200 and lost_race[0] in response.text:
                response.request_meta["name"] = lost_race[1]
                response.success()  # a clear message and a new question: not an error
                return False
            if response.status_code != 302:
                _fail(response, f"expected a redirect, got {response.status_code}")
                return False
        self.wait()  # she reads the next question before answering it
        return True

    @task
    def book(self) -> None:
        self.client.cookiejar.clear()  # a new visit, a new session
        page = self.client.get("/agendar/", name="booking: start → modality").text
        if not self._answer(
            "/agendar/modalidad/", page, {"modality": "phone"}, "booking: POST modality"
        ):
            return
        with self.client.get(
            "/agendar/dia/", name="booking: day (slot listing)", catch_response=True
        ) as response:
            days = DAYS.findall(response.text)
            if not days:
                _fail(response, "no day offered")
                return
        page = response.text
        if not self._answer(
            "/agendar/dia/",
            page,
            {"day": random.choice(days)},
            "booking: POST day",
            lost_race=("ya no tiene horarios", "booking: POST day (day filled → day)"),
        ):
            return
        with self.client.get(
            "/agendar/hora/", name="booking: time", catch_response=True
        ) as response:
            times = TIMES.findall(response.text)
            if not times:
                # Her day filled up between two pages: a real outcome, not a server error.
                response.success()
                return
        page = response.text
        if not self._answer(
            "/agendar/hora/",
            page,
            {"time": random.choice(times)},
            "booking: POST time",
            lost_race=("ya no está disponible", "booking: POST time (slot taken → time)"),
        ):
            return
        page = self.client.get("/agendar/nombre/", name="booking: name").text
        if not self._answer(
            "/agendar/nombre/", page, {"name": random.choice(NAMES)}, "booking: POST name"
        ):
            return
        page = self.client.get("/agendar/contacto/", name="booking: contact").text
        contact = {"phone": _phone(), "call": "on", "sms": "on"}
        if not self._answer("/agendar/contacto/", page, contact, "booking: POST contact"):
            return
        page = self.client.get("/agendar/aviso/", name="booking: privacy notice").text
        if not self._answer("/agendar/aviso/", page, {"accept": "on"}, "booking: POST notice"):
            return
        page = self.client.get("/agendar/revisar/", name="booking: check answers").text
        with self._post("/agendar/revisar/", page, {}, "booking: POST confirm") as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or location not in (
                "/agendar/confirmada/",
                "/agendar/hora/",
            ):
                _fail(response, f"confirm answered {response.status_code} → {location!r}")
                return
            if location == "/agendar/hora/":
                response.request_meta["name"] = "booking: POST confirm (slot taken → time)"
        if location == "/agendar/hora/":
            # Somebody took the slot while she checked: the flow sends her back.
            self.client.get("/agendar/hora/", name="booking: time after a lost race")
            return
        with self.client.get(
            "/agendar/confirmada/", name="booking: confirmed", catch_response=True
        ) as response:
            found = MANAGE.search(response.text)
            if not found:
                _fail(response, "no manage link on the confirmation")
                return
        self.client.get(found.group(1), name="manage link: /cita/<token>/")


class ApiBooker(FastHttpUser):
    """A partner's assistant booking through the JSON API, then reading the booking."""

    weight = 2
    wait_time = between(2, 5)

    @task
    def book(self) -> None:
        first = today() + timedelta(days=random.randint(1, 25))
        last = first + timedelta(days=2)
        with self.client.get(
            "/api/v1/slots",
            params={"service": "juridico", "from": first.isoformat(), "to": last.isoformat()},
            name="api: GET /slots (3 days)",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                _fail(response, f"slots answered {response.status_code}")
                return
            slots = response.json()["slots"]
            if not slots:
                response.success()  # a weekend or a full stretch
                return
        # Prefer the earliest times, as people do: this is where races happen.
        slot = random.choice(slots[: max(3, len(slots) // 4)])
        body = {
            "service": "juridico",
            "start": slot["start"],
            "modality": "phone",
            "name": random.choice(NAMES),
            "phone": _phone(),
            "contact": {"call": True, "sms": True},
            "privacy_notice_accepted": True,
        }
        with self.client.post(
            "/api/v1/bookings",
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            name="api: POST /bookings",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                # Lost the race: a clean, expected answer, counted under its own name.
                response.request_meta["name"] = "api: POST /bookings (409 slot taken)"
                response.success()
                return
            if response.status_code != 201:
                _fail(response, f"booking answered {response.status_code}")
                return
            token = response.json()["token"]
        self.client.get(f"/api/v1/bookings/{token}", name="api: GET /bookings/<token>")
        if random.random() < 0.3:
            self.client.get(f"/cita/{token}/", name="manage link: /cita/<token>/")


class Staff(FastHttpUser):
    """An advisor with a verified second factor, reloading her agenda."""

    weight = 1
    wait_time = between(2, 5)

    def on_start(self) -> None:
        if _staff_cycle is None:
            raise RuntimeError("no staff sessions: run through bench/load.py")
        self.client.cookiejar.set_cookie(
            _cookie("sessionid", next(_staff_cycle), host=urlsplit(self.host).hostname or "")
        )

    @task(3)
    def agenda(self) -> None:
        with self.client.get(
            "/personal/agenda/", name="staff: agenda", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                _fail(response, f"agenda answered {response.status_code} (session lost?)")

    @task(1)
    def agenda_week(self) -> None:
        with self.client.get(
            f"/personal/agenda/?semana={(today() + timedelta(days=1)).isoformat()}",
            name="staff: agenda (week)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                _fail(response, f"agenda answered {response.status_code}")


# ---------------------------------------------------------------- the throughput ratio
# Two closed-loop runs of equal size, one after the other: the page she opens to book,
# and a bare Django view (bench/load_urls.py) through the same middleware and server.


class BookingPageOnly(FastHttpUser):
    wait_time = constant(0)

    @task
    def booking_page(self) -> None:
        self.client.get("/agendar/modalidad/", name="ratio: booking page")


class SlotPageOnly(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        page = self.client.get("/agendar/modalidad/", name="ratio: setup").text
        found = CSRF.search(page)
        self.client.post(
            "/agendar/modalidad/",
            {"csrfmiddlewaretoken": found.group(1) if found else "", "modality": "phone"},
            name="ratio: setup",
            allow_redirects=False,
        )

    @task
    def slot_page(self) -> None:
        self.client.get("/agendar/dia/", name="ratio: slot listing page")


class BareViewOnly(FastHttpUser):
    wait_time = constant(0)

    @task
    def bare(self) -> None:
        self.client.get("/bench/bare/", name="ratio: bare Django view")
