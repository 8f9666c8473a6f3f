"""Fixtures shared by every app's tests. Data is built through the service functions."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cercania.institute.services import closed_days_sync_federal, institute_configure, load_profile
from cercania.operations.demo import PROFILE
from cercania.partners.services import partners_configure


@pytest.fixture
def imm_profile() -> dict:
    return load_profile(PROFILE)


@pytest.fixture
def institute_config(db, imm_profile):
    """The IMM Chihuahua configuration with the federal closed days of 2026–2027."""
    institute_configure(profile=imm_profile)
    partners_configure(profile=imm_profile)
    closed_days_sync_federal(years=range(2026, 2028))
    return imm_profile


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, with the verified second factor the admin requires."""
    from cercania.accounts.testing import login_verified

    login_verified(client, admin_user)
    return client


@pytest.fixture(autouse=True)
def _isolated_var_dir(tmp_path, settings):
    # Commands that write to var/ (demo credentials) write to a per-test folder.
    settings.VAR_DIR = tmp_path


@pytest.fixture(autouse=True)
def _fresh_public_profile():
    # A transactional test ends by flushing every table, which sends no signal: the
    # next test must not start with the institute profile or the free times that test
    # cached.
    from cercania.institute.public_profile import profile_changed
    from cercania.scheduling.offered import listings_changed

    profile_changed()
    listings_changed()


@pytest.fixture
def migration_data():
    """Rows that data migrations create (role groups, catalogues: matters, risk
    instrument), loaded again the way the migrations do when they are missing.

    Transactional tests (the live-server ones) flush every table when they end, these
    rows included; a later transactional test that needs them asks for this fixture.
    """
    import importlib

    from django.apps import apps
    from django.db import connection

    for module, function, model in [
        ("cercania.accounts.migrations.0002_role_groups", "create_role_groups", "auth.Group"),
        ("cercania.cases.migrations.0003_catalogues", "load", "cases.RiskInstrument"),
    ]:
        if apps.get_model(model).objects.exists():
            continue
        with connection.schema_editor() as editor:
            getattr(importlib.import_module(module), function)(apps, editor)


@pytest.fixture
def audit_copy_to():
    """Configure the site's logging as with CERCANIA_AUDIT_COPY=`destination` (call it
    with one); the copy logger is left as the site's configuration has it afterwards."""
    import logging
    import logging.config
    import logging.handlers

    from django.conf import settings

    from cercania.lib.logformat import console_logging
    from cercania.privacy.audit_copy import LOGGER_NAME

    def configure(destination: str) -> None:
        logging.config.dictConfig(console_logging(log_format="text", audit_copy=destination))

    yield configure
    logging.config.dictConfig(settings.LOGGING)
    # The site's configuration names no copy logger: undo what `configure` set on it
    # (only its own handler: pytest's capture handlers stay).
    copy_logger = logging.getLogger(LOGGER_NAME)
    for handler in copy_logger.handlers[:]:
        if isinstance(handler, logging.FileHandler | logging.handlers.SysLogHandler):
            copy_logger.removeHandler(handler)
            handler.close()
    copy_logger.propagate = True
    copy_logger.setLevel(logging.NOTSET)


@pytest.fixture
def a_monday() -> date:
    return date(2026, 11, 30)


BROWSER_ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (no browser download)."""
    import os

    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make between page actions are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    # The checks wait for the page they look at; 5 s (Playwright's default) is short
    # for a first page on a busy 2-core CI machine.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that fails leaves a picture and the address of every page it had
    open (test-artifacts/failed-*.png), so a failure on CI can be seen, not guessed."""
    report = yield
    browser_instance = item.funcargs.get("browser") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and browser_instance is not None:
        BROWSER_ARTIFACTS.mkdir(exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_" else "-" for c in item.name)
        for number, page in enumerate(
            (page for context in browser_instance.contexts for page in context.pages), 1
        ):
            try:
                path = BROWSER_ARTIFACTS / f"failed-{name}-{number}.png"
                page.screenshot(path=str(path), full_page=True)
                report.sections.append(("open page", f"{page.url}: {path}"))
            except Exception as error:  # a closed page or a crashed browser: say so
                report.sections.append(("open page", f"{page.url}: no picture ({error})"))
        # The test did not reach its own context.close(): the next failure shows its pages only.
        for context in browser_instance.contexts:
            context.close()
    return report


@pytest.fixture
def screenshot():
    def take(page, name: str) -> Path:
        BROWSER_ARTIFACTS.mkdir(exist_ok=True)
        path = BROWSER_ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# ---------------------------------------------------------------- figures

# What the fault tests measured (how many reminders were at the receiver when the worker
# was killed, how many pages were 503 while PostgreSQL was down…): printed once at the
# end of the run, so CI's log carries them without anyone's logs around them.
_FIGURES: list[tuple[str, str]] = []


@pytest.fixture
def report_figures(request):
    def say(text: str) -> None:
        _FIGURES.append((request.node.name, text))

    return say


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("figures")
        for name, text in _FIGURES:
            terminalreporter.write_line(f"{name}: {text}")


# ---------------------------------------------------------------- scheduling

CHIHUAHUA = ZoneInfo("America/Chihuahua")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHIHUAHUA)


@pytest.fixture
def legal_service(institute_config):
    from cercania.institute.models import Service

    return Service.objects.prefetch_related("opening_hours").get(code="juridico")


@pytest.fixture
def make_advisor(institute_config):
    """An advisor of the legal service, available Monday–Friday 9–15 by default."""
    from cercania.accounts.roles import Role
    from cercania.accounts.services import staff_user_create
    from cercania.institute.models import Service
    from cercania.scheduling.services import advisor_create, availability_window_add

    counter = iter(range(1, 1000))

    def make(
        *,
        modalities=("video", "phone"),
        weekdays=range(1, 6),
        starts=time(9),
        ends=time(15),
        service="juridico",
    ):
        n = next(counter)
        user = staff_user_create(
            email=f"asesora{n}@example.org", display_name=f"Asesora {n}", roles=[Role.JURIDICO]
        )
        advisor = advisor_create(
            user=user,
            services=[Service.objects.get(code=service)],
            modalities=modalities,
            meeting_room_url=f"https://salas.example.org/sala-{n}",
        )
        for weekday in weekdays:
            availability_window_add(advisor=advisor, weekday=weekday, starts=starts, ends=ends)
        return advisor

    return make


@pytest.fixture
def make_jornada(institute_config):
    from cercania.institute.models import Service
    from cercania.partners.models import Agreement, Organization
    from cercania.scheduling.models import Jornada
    from cercania.scheduling.services import jornada_create, jornada_set_status

    def make(*, starts_on: date, ends_on: date, status=Jornada.Status.OPEN, daily_capacity=None):
        jornada = jornada_create(
            title="Jornada de asesorías",
            organization=Organization.objects.get(name="Emerson Termotec"),
            agreement=Agreement.objects.get(title="IMM en tu empresa"),
            starts_on=starts_on,
            ends_on=ends_on,
            services=[Service.objects.get(code="juridico")],
            modalities=["video", "phone"],
            daily_capacity=daily_capacity,
        )
        return jornada_set_status(jornada=jornada, status=status)

    return make


@pytest.fixture
def book():
    """Book through the service with sensible defaults."""
    from cercania.cases.models import CreatedVia
    from cercania.cases.services import ContactChoices
    from cercania.scheduling.services import appointment_book

    def do(service, start, *, modality="phone", jornada=None, now=None, **extra):
        return appointment_book(
            service=service,
            start=start,
            modality=modality,
            name=extra.pop("name", "Ana"),
            phone=extra.pop("phone", "614 123 4567"),
            email=extra.pop("email", ""),
            contact=extra.pop("contact", ContactChoices(call=True)),
            jornada=jornada,
            created_via=extra.pop("created_via", CreatedVia.WEB),
            now=now,
            **extra,
        )

    return do


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    # Each test starts with an empty cache in memory. (Rate limits count in the
    # database here, as in production without Redis: rolled back with the test.)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is slow on purpose (settings.py keeps it for real use, see
    # test_settings); tests that log in hundreds of times use a fast hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
