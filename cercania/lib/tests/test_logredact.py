import io
import logging

import pytest

from cercania.lib.logredact import RedactSecretsFilter, redact

TOKEN = "dQlfdUHNh9TK9Qtak3ILHvOWI2Hh_bA-doAWi5EaAPo"


def test_it_redacts_manage_tokens_in_paths():
    assert redact(f"Not Found: /cita/{TOKEN}/cancelar/") == "Not Found: /cita/[redactado]/cancelar/"
    assert redact(f"GET /api/v1/bookings/{TOKEN}") == "GET /api/v1/bookings/[redactado]"
    assert redact("GET /agendar/hora/") == "GET /agendar/hora/"


@pytest.mark.django_db
def test_a_404_for_a_manage_link_reaches_the_log_handlers_without_the_token(client):
    # The handler configured in settings.LOGGING carries the filter; write through a
    # copy of it to a buffer, as the console would.
    configured = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactSecretsFilter) for f in h.filters)
    )
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.filters = list(configured.filters)
    logging.getLogger("django.request").addHandler(handler)
    try:
        assert client.get(f"/cita/{TOKEN}x/no-existe/").status_code == 404
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert "Not Found" in buffer.getvalue()
    assert TOKEN not in buffer.getvalue()
