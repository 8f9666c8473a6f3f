"""Real protocols against local fakes: SMTP (aiosmtpd) and Twilio's HTTP API."""

from __future__ import annotations

import base64
import email
from email import policy

import icalendar
import pytest
from django.core import mail

from cercania.cases.services import ContactChoices
from cercania.conftest import local
from cercania.notifications.models import Delivery
from cercania.notifications.tests.fakes import FakeSMTP, FakeTwilio

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_smtp(settings):
    server = FakeSMTP().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    yield server
    server.stop()


@pytest.fixture
def fake_twilio(settings):
    twilio = FakeTwilio().start()
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = twilio.account_sid
    settings.TWILIO_AUTH_TOKEN = twilio.auth_token
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_WHATSAPP_FROM = "+14155238886"
    settings.TWILIO_API_BASE = twilio.base
    yield twilio
    twilio.stop()


def test_a_real_smtp_server_receives_the_confirmation_with_its_invite(
    clock, book_her, run_worker, fake_smtp
):
    appointment = book_her(contact=ContactChoices(email=True))
    run_worker()
    assert len(fake_smtp.messages) == 1
    received = fake_smtp.messages[0]
    assert received.mail_from == "citas@example.org"
    assert received.rcpt_tos == ["ana.sentinel@example.net"]
    message = email.message_from_bytes(received.data, policy=policy.default)
    assert str(message["From"]) == "Citas <citas@example.org>"
    assert str(message["Subject"]) == "Tu cita está confirmada"
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types and "text/calendar" in types
    (calendar_part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert calendar_part.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(calendar_part.get_content())
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{appointment.public_id}@cercania"
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="email")
    assert delivery.status == "sent"
    assert delivery.provider_id == str(message["Message-ID"])


def test_an_smtp_server_that_is_down_is_retried(clock, book_her, run_worker, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    from cercania.notifications.tests.fakes import free_port

    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    appointment = book_her(contact=ContactChoices(email=True))
    run_worker()
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="email")
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert "no se pudo entregar" in delivery.last_error


def test_a_fake_twilio_server_receives_the_sms_request(clock, book_her, run_worker, fake_twilio):
    appointment = book_her(contact=ContactChoices(sms=True))
    run_worker()
    assert len(fake_twilio.requests) == 1
    request = fake_twilio.requests[0]
    assert request.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    credentials = f"{fake_twilio.account_sid}:{fake_twilio.auth_token}".encode()
    assert request.authorization == "Basic " + base64.b64encode(credentials).decode()
    assert request.form["To"] == "+526141234567"
    assert request.form["From"] == "+15005550006"
    assert request.form["Body"].startswith("Cita confirmada: miércoles 2 de diciembre, 10:30")
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="sms")
    assert delivery.status == "sent" and delivery.provider_id.startswith("SM")
    assert delivery.recipient_masked == "•••• 4567"


def test_whatsapp_goes_through_twilio_with_whatsapp_addresses(
    clock, book_her, run_worker, fake_twilio
):
    book_her(contact=ContactChoices(whatsapp=True))
    run_worker()
    (request,) = fake_twilio.requests
    assert request.form["To"] == "whatsapp:+526141234567"
    assert request.form["From"] == "whatsapp:+14155238886"


def test_a_twilio_refusal_is_not_retried_and_flags_the_appointment(
    clock, book_her, run_worker, fake_twilio
):
    fake_twilio.fail_next(400, 21211, "The 'To' number +526141234567 is not a valid phone number.")
    appointment = book_her(contact=ContactChoices(call=True, sms=True))
    run_worker()
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="sms")
    assert (delivery.status, delivery.reason, delivery.attempts) == (
        "failed",
        "provider_refused",
        1,
    )
    assert "21211" in delivery.last_error and "4567" not in delivery.last_error
    appointment.refresh_from_db()
    assert "Llámale" in appointment.needs_staff_attention


def test_twilio_rate_limits_are_retried_later(clock, book_her, run_worker, fake_twilio):
    fake_twilio.fail_next(429, 20429, "Too Many Requests")
    appointment = book_her(contact=ContactChoices(sms=True))
    run_worker()
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="sms")
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    clock.move_to(local(2026, 11, 30, 10, 1))
    run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(fake_twilio.requests) == 2
    assert mail.outbox == []
