from __future__ import annotations

from datetime import datetime
from importlib import import_module
from typing import Any

import pytest
import time_machine

from cercania.cases.services import ContactChoices
from cercania.conftest import local
from cercania.notifications import gate
from cercania.notifications.channels import text
from cercania.notifications.tasks import plan
from cercania.notifications.worker import run_ready_tasks

# Monday 30 November 2026, 10:00 in Chihuahua (16:00 UTC): a weekday, inside the
# default safe hours, two days before the session most tests book.
NOW = local(2026, 11, 30, 10, 0)
# Wednesday 2 December 2026, 10:30 local = 16:30 UTC (the legal service's 45-minute grid).
SESSION = local(2026, 12, 2, 10, 30)


@pytest.fixture(autouse=True)
def _default_templates(request):
    """The shipped templates, even after a transactional test elsewhere emptied the table
    (a TransactionTestCase flushes every table, rows of data migrations included)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    request.getfixturevalue("transactional_db" if transactional else "db")
    from cercania.notifications.models import MessageTemplate

    shipped = import_module("cercania.notifications.migrations.0002_default_templates")
    for (kind, fmt), (subject, body) in shipped.TEMPLATES.items():
        MessageTemplate.objects.get_or_create(
            kind=kind, format=fmt, defaults={"subject": subject, "body": body}
        )


@pytest.fixture(autouse=True)
def _message_settings(settings):
    settings.SMS_BACKEND = "memory"
    settings.PUBLIC_BASE_URL = "https://citas.example.org"
    settings.DEFAULT_FROM_EMAIL = "Citas <citas@example.org>"
    settings.REMINDER_HOURS_BEFORE = [24, 1]
    settings.STAFF_AGENDA_EMAIL_HOUR = 18
    text.outbox.clear()
    gate._issued.clear()
    yield
    text.outbox.clear()
    gate._issued.clear()


@pytest.fixture
def clock():
    """Time frozen at NOW; move it with clock.move_to(…)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def run_worker():
    """Run every task due now, as one batch of the worker would."""
    return run_ready_tasks


@pytest.fixture
def book_her(book, legal_service, make_advisor, django_capture_on_commit_callbacks):
    """Book the SESSION (by default) as a woman who allowed email and SMS, running the
    after-commit hooks as a real request would, and then the worker's planning of her
    messages (not their sending)."""
    advisors: list[Any] = []

    def do(
        start: datetime = SESSION,
        *,
        email: str = "ana.sentinel@example.net",
        phone: str = "614 123 4567",
        contact: ContactChoices | None = None,
        modality: str = "phone",
        **extra,
    ):
        if not advisors:
            advisor = make_advisor()
            # A neutral room: the shared fixture's "asesora-1" would be refused.
            advisor.meeting_room_url = f"https://salas.example.org/sala-{advisor.pk}"
            advisor.save(update_fields=["meeting_room_url"])
            advisors.append(advisor)
        with django_capture_on_commit_callbacks(execute=True):
            booking = book(
                legal_service,
                start,
                email=email,
                phone=phone,
                contact=contact or ContactChoices(call=True, sms=True, email=True),
                modality=modality,
                **extra,
            )
        run_ready_tasks(only=plan)
        return booking.appointment

    return do


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run a service call with its after-commit hooks, then the worker's planning of the
    messages they asked for: committing(fn, **kwargs)."""

    def do(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = fn(**kwargs)
        run_ready_tasks(only=plan)
        return result

    return do
