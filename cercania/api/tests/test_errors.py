"""No input produces a 5xx: broken bodies, odd encodings, unknown paths and methods."""

import json

import pytest

from cercania.scheduling.models import Appointment

from .helpers import booking_body, error_codes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def post_raw(client, body: bytes, content_type: str = "application/json"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/bookings", data=body, content_type=content_type)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{", {"body": "invalid_json"}),
        (b'{"name": "Ana"', {"body": "invalid_json"}),
        (b"\xff\xfe\x00{}", {"body": "invalid_json"}),  # not UTF-8
        (b"[" * 100_000, {"body": "invalid_json"}),  # nested past the recursion limit
        (b"[]", {"body": "not_an_object"}),
        (b'"booking"', {"body": "not_an_object"}),
        (b"null", {"body": "not_an_object"}),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_422(client, advisor, body, expected):
    response = post_raw(client, body)
    assert response.status_code == 422
    assert error_codes(response) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Ana \\ud800",  # a lone surrogate, escaped: valid JSON text, no valid string
        "Ana \udcff",  # as raw bytes (ED B3 BF): Python's json decodes them the same way
    ],
)
def test_a_name_with_a_lone_surrogate_is_a_422(client, advisor, name):
    body = json.dumps(booking_body(name="@@")).replace("@@", name)
    response = post_raw(client, body.encode("utf-8", "surrogatepass"))
    assert error_codes(response) == {"name": "invalid_characters"}


def test_an_empty_body_is_refused_as_missing(client, advisor):
    response = post_raw(client, b"")
    assert error_codes(response) == {"body": "required"}


def test_an_object_where_the_contact_choices_go_must_be_an_object(client, advisor):
    response = post_raw(client, json.dumps(booking_body(contact="call")).encode())
    assert error_codes(response) == {"contact": "not_an_object"}


def test_a_body_over_the_upload_limit_is_a_422_not_a_crash(client, advisor, settings):
    body = json.dumps(booking_body(name="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)))
    response = post_raw(client, body.encode())
    assert response.status_code == 422
    assert error_codes(response) == {"body": "body_too_large"}


def test_a_ten_kilobyte_name_is_refused_as_too_long(client, advisor):
    response = post_raw(client, json.dumps(booking_body(name="ñ" * 10_000)).encode())
    assert error_codes(response) == {"name": "too_long"}
    assert not Appointment.objects.exists()


def test_unknown_fields_are_ignored(client, advisor):
    response = post_raw(client, json.dumps(booking_body(favourite_colour="violeta")).encode())
    assert response.status_code == 201


def test_an_unknown_path_under_the_api_is_a_json_404(client, institute_config):
    for path in ("/api/v1/", "/api/v1/nothing", "/api/v1/services/", "/api/v1/bookings/x/y/z"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.json()["detail"] == "not_found"


def test_an_unknown_path_is_a_json_404_for_posts_too(client, institute_config):
    response = client.post("/api/v1/nothing", data="{}", content_type="application/json")
    assert response.status_code == 404


def test_a_method_the_operation_does_not_take_is_a_405(client, institute_config):
    assert client.delete("/api/v1/services").status_code == 405
    assert client.get("/api/v1/bookings").status_code == 405
    assert client.put("/api/v1/bookings", data="{}").status_code == 405


def test_every_api_response_keeps_the_security_headers(client, institute_config):
    for response in (client.get("/api/v1/services"), client.get("/api/v1/nothing")):
        assert "no-store" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in response["Content-Security-Policy"]


def test_a_token_in_the_path_is_never_written_to_the_log(api, advisor, caplog):
    token = api.book().json()["token"]
    api.get(f"/bookings/{token[:-1]}X")  # an unknown token: logged as "Not Found"
    assert caplog.records
    assert token[:20] not in caplog.text
