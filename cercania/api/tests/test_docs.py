"""The OpenAPI schema and the interactive docs, served by the app under the site's CSP."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/services"): "list_services",
    ("get", "/api/v1/hours"): "get_hours",
    ("get", "/api/v1/slots"): "list_slots",
    ("post", "/api/v1/bookings"): "create_booking",
    ("get", "/api/v1/bookings/{token}"): "get_booking",
    ("post", "/api/v1/bookings/{token}/cancel"): "cancel_booking",
    ("post", "/api/v1/bookings/{token}/reschedule"): "reschedule_booking",
    ("get", "/api/v1/jornadas/{code}"): "get_jornada",
}


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_lists_every_operation_of_the_contract(schema):
    found = {
        (method, path): op["operationId"]
        for path, item in schema["paths"].items()
        for method, op in item.items()
    }
    assert found == OPERATIONS


def test_every_operation_documents_its_error_statuses(schema):
    responses = {
        op["operationId"]: set(op["responses"])
        for item in schema["paths"].values()
        for op in item.values()
    }
    assert responses["create_booking"] == {"201", "409", "422", "429"}
    assert responses["reschedule_booking"] == {"200", "404", "409", "422", "429"}
    assert responses["get_booking"] == {"200", "404", "429"}
    assert responses["list_slots"] == {"200", "404", "422", "429"}


def test_the_booking_body_is_described_with_its_constraints(schema):
    body = schema["components"]["schemas"]["BookingIn"]
    start = body["properties"]["start"]
    assert (start["type"], start["format"]) == ("string", "date-time")
    assert body["properties"]["name"]["maxLength"] == 100
    assert set(body["required"]) == {
        "service",
        "start",
        "modality",
        "name",
        "contact",
        "privacy_notice_accepted",
    }


def test_the_schema_links_create_to_get_reschedule_and_cancel(schema):
    created = schema["paths"]["/api/v1/bookings"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in created.values()} == {
        "get_booking",
        "reschedule_booking",
        "cancel_booking",
    }
    assert all(
        link["parameters"] == {"token": "$response.body#/token"} for link in created.values()
    )


def test_the_schema_says_nothing_of_advisors(client):
    assert "advisor" not in client.get("/api/v1/openapi.json").content.decode().lower()


def test_the_docs_page_loads_only_the_apps_own_assets_and_no_inline_code(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<style" not in page and "style=" not in page
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []  # no inline script
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(u.startswith(settings.STATIC_URL) for u in urls), urls
    for url in urls:
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url
    assert 'data-openapi-url="/api/v1/openapi.json"' in page
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_the_vendored_assets_reference_no_missing_source_map(client):
    # The production storage (CompressedManifestStaticFilesStorage) fails on a
    # sourceMappingURL whose file is missing.
    for name in ("api/swagger-ui.css", "api/swagger-ui-bundle.js", "api/docs.js"):
        path = finders.find(name)
        assert path, name
        assert "sourceMappingURL" not in Path(path).read_text(encoding="utf-8")
