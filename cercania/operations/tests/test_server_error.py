"""The 500 handler: an unreachable database is a calm 503, any other error the 500 page.

The database is made unreachable by patching the cursor, as test_healthz does; the
real outage (PostgreSQL stopped under booking traffic) is test_database_outage.py.
"""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor():
    # Like a browser: the handler's page, not the exception, comes back.
    return Client(raise_request_exception=False)


def database_down():
    return mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection to server at 127.0.0.1 failed: secret SQL"),
    )


def test_a_page_answers_503_with_the_outage_page_when_the_database_is_unreachable(visitor):
    with database_down():
        response = visitor.get("/agendar/")
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Servicio no disponible por un momento" in body
    assert 'href="/salir/"' in body  # the exit button, even now
    assert "OperationalError" not in body and "secret SQL" not in body


def test_the_api_answers_a_json_503_when_the_database_is_unreachable(visitor):
    with database_down():
        response = visitor.get("/api/v1/services")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "detail": "service_unavailable",
        "message": (
            "El servicio no está disponible por un momento. Intenta de nuevo en unos minutos."
        ),
    }


def test_any_other_error_is_still_the_500_page(visitor):
    with mock.patch("cercania.institute.views.render", side_effect=RuntimeError("a bug")):
        response = visitor.get("/")
    assert response.status_code == 500
    assert "a bug" not in response.content.decode()
