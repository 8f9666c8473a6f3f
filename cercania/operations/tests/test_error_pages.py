"""Errors answer with the generic pages: no traceback, no request data, the exit button
and the security headers, whatever went wrong."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

import cercania.urls

pytestmark = pytest.mark.django_db
SENTINEL = "Centinela Zuleika 614 777 0199"


def crashing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"the database said: {SENTINEL}")


# The project's URLs plus one view that fails, to see what a real failure returns.
urlpatterns = [path("falla/", crashing_view), path("", include(cercania.urls))]


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_an_unexpected_failure_shows_the_generic_page_and_nothing_of_the_request(
    institute_config,
):
    client = Client(raise_request_exception=False)
    response = client.get("/falla/", {"nombre": SENTINEL})
    assert response.status_code == 500
    body = response.content.decode()
    assert "Algo salió mal" in body and "/salir/" in body
    assert "Centinela" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert "no-store" in response["Cache-Control"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


@override_settings(DEBUG=False)
def test_a_form_post_over_the_upload_limit_is_a_400_page_not_a_crash(institute_config, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = Client(raise_request_exception=False)
    response = client.post(
        "/personal/entrar/", {"username": "ana@example.org", "password": SENTINEL * 100}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Centinela" not in body and "Traceback" not in body
    assert "/salir/" in body
