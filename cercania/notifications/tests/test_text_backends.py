"""The development backends for SMS and WhatsApp never print or store a whole number."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ImproperlyConfigured

from cercania.notifications.channels import mask_address, scrub
from cercania.notifications.channels.text import (
    ConsoleBackend,
    FileBackend,
    TwilioBackend,
    get_backend,
)


def test_the_console_backend_prints_the_text_and_a_masked_number():
    stream = io.StringIO()
    ident = ConsoleBackend(stream).send(channel="sms", to="+526141234567", body="Cita confirmada")
    output = stream.getvalue()
    assert "Cita confirmada" in output and "•••• 4567" in output and ident in output
    assert "6141234567" not in output


def test_the_file_backend_writes_one_file_per_message(tmp_path):
    backend = FileBackend(tmp_path)
    backend.send(channel="whatsapp", to="+526141234567", body="Hola")
    (written,) = tmp_path.iterdir()
    content = written.read_text()
    assert "Hola" in content and "•••• 4567" in content and "6141234567" not in content


def test_twilio_refuses_plain_http_to_another_host():
    with pytest.raises(ImproperlyConfigured):
        TwilioBackend(
            account_sid="AC1",
            auth_token="t",
            sms_from="+1",
            whatsapp_from="",
            api_base="http://api.twilio.com",
        )


def test_an_unknown_backend_is_a_configuration_error(settings):
    with pytest.raises(ImproperlyConfigured):
        get_backend("carrier-pigeon")


def test_addresses_are_masked_and_errors_scrubbed():
    assert mask_address("ana.lopez@gmail.com") == "a•••@•••.com"
    assert mask_address("+526141234567") == "•••• 4567"
    assert scrub("550 ana@x.org unknown; +52 614 123 4567 invalid") == (
        "550 [correo] unknown; [número] invalid"
    )
