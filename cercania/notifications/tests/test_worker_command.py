"""`cercania worker` runs django-tasks-db's worker over our tasks."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from cercania.cases.services import ContactChoices
from cercania.notifications.channels import text
from cercania.notifications.models import Delivery
from cercania.notifications.tasks import plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_command_in_batch_mode_sends_what_is_due(
    clock, book, legal_service, make_advisor
):
    from cercania.conftest import local

    make_advisor()
    booking = book(
        legal_service,
        local(2026, 12, 2, 10, 30),
        email="ana@example.net",
        contact=ContactChoices(email=True, sms=True),
    )  # a real commit: the hook runs and hands the planning to the worker
    assert not Delivery.objects.exists()
    assert DBTaskResult.objects.get().task_path == plan.module_path
    call_command("worker", "--batch", verbosity=0)
    # One batch plans her six messages and sends the two that are due.
    assert Delivery.objects.filter(appointment=booking.appointment).count() == 6
    assert [m.subject for m in mail.outbox] == ["Tu cita está confirmada"]
    assert len(text.outbox) == 1
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 3  # planning + 2
    assert DBTaskResult.objects.filter(status="READY").count() == 4  # the reminders
    call_command("worker", "--batch", verbosity=0)
    assert len(mail.outbox) == 1


@pytest.fixture
def demo_command(settings):
    settings.DEBUG = True  # the demo runs in development mode only
    from cercania.operations.management.commands import demo

    return demo


# The demo needs the rows data migrations create (roles, catalogues): a transactional
# test would flush them, so these run in an ordinary rolled-back test.
@pytest.mark.django_db
def test_the_demo_runs_the_worker_beside_the_server_and_stops_it(
    demo_command, monkeypatch, settings
):
    from io import StringIO

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    from unittest import mock

    real_call_command = demo_command.call_command
    served = []

    def call_command_but_serve(name, *args, **kwargs):
        if name == "runserver":
            served.append(args)
            return None
        return real_call_command(name, *args, **kwargs)

    monkeypatch.setattr(demo_command, "call_command", call_command_but_serve)
    popen = mock.MagicMock()
    monkeypatch.setattr(demo_command.subprocess, "Popen", popen)
    monkeypatch.setattr(demo_command.signal, "signal", mock.MagicMock())
    output = StringIO()
    call_command("demo", "--port", "8123", stdout=output)
    (worker_args,), worker_kwargs = popen.call_args
    assert worker_args[-4:] == ["cercania.cli", "worker", "--interval", "2"]
    assert worker_kwargs["env"]["CERCANIA_PUBLIC_BASE_URL"] in (
        "http://127.0.0.1:8123",
        __import__("os").environ.get("CERCANIA_PUBLIC_BASE_URL"),
    )
    assert served == [("127.0.0.1:8123",)]
    popen.return_value.terminate.assert_called_once()  # stopped with the server
    assert "los correos se imprimen en esta terminal" in output.getvalue()


# The demo needs the rows data migrations create (roles, catalogues): a transactional
# test would flush them, so these run in an ordinary rolled-back test.
@pytest.mark.django_db
def test_the_demo_without_a_server_starts_no_worker(demo_command, monkeypatch):
    from io import StringIO
    from unittest import mock

    popen = mock.MagicMock()
    monkeypatch.setattr(demo_command.subprocess, "Popen", popen)
    call_command("demo", "--no-serve", stdout=StringIO())
    popen.assert_not_called()


# The demo needs the rows data migrations create (roles, catalogues): a transactional
# test would flush them, so these run in an ordinary rolled-back test.
@pytest.mark.django_db
def test_the_demo_says_where_messages_go(demo_command, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1025
    settings.SMS_BACKEND = "file"
    said = demo_command.messages_destination()
    assert "servidor SMTP 127.0.0.1:1025" in said
    assert "var" in said or "messages" in said
