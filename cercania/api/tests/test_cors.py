"""CORS: configured browser origins only, preflight answered, never a wildcard."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
SITE = "https://www.municipio.example"


@pytest.fixture(autouse=True)
def configured(settings):
    settings.API_CORS_ORIGINS = [SITE, "https://chat.example/"]


def preflight(client, origin: str, path: str = "/api/v1/bookings"):  # type: ignore[no-untyped-def]
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, idempotency-key",
        },
    )


def test_a_configured_origin_passes_the_preflight(client, institute_config):
    response = preflight(client, SITE)
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SITE
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Idempotency-Key" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    assert "Origin" in response["Vary"]


def test_a_configured_origin_with_a_trailing_slash_in_settings_still_matches(
    client, institute_config
):
    assert preflight(client, "https://chat.example").status_code == 204


def test_another_origin_is_refused_at_the_preflight(client, institute_config):
    for origin in ("https://abuser.example", "null", "*", SITE + ".abuser.example", SITE.upper()):
        response = preflight(client, origin)
        assert response.status_code == 403, origin
        assert "Access-Control-Allow-Origin" not in response
        assert response.json()["detail"] == "origin_not_allowed"


def test_answers_to_a_configured_origin_carry_its_name_and_expose_retry_after(
    client, institute_config
):
    response = client.get("/api/v1/services", headers={"Origin": SITE})
    assert response["Access-Control-Allow-Origin"] == SITE
    assert response["Access-Control-Expose-Headers"] == "Retry-After"
    assert "Origin" in response["Vary"]


def test_answers_to_another_origin_carry_no_cors_headers(client, institute_config):
    response = client.get("/api/v1/services", headers={"Origin": "https://abuser.example"})
    assert response.status_code == 200  # readable by a server, not by that page's script
    assert "Access-Control-Allow-Origin" not in response


def test_without_configured_origins_no_browser_origin_is_allowed(
    client, institute_config, settings
):
    settings.API_CORS_ORIGINS = []
    assert preflight(client, SITE).status_code == 403
    assert "Access-Control-Allow-Origin" not in client.get(
        "/api/v1/services", headers={"Origin": SITE}
    )


def test_errors_and_unknown_paths_carry_the_cors_headers_too(client, institute_config):
    for path in ("/api/v1/nothing", f"/api/v1/bookings/{'A' * 43}"):
        response = client.get(path, headers={"Origin": SITE})
        assert response.status_code == 404
        assert response["Access-Control-Allow-Origin"] == SITE


def test_an_options_request_that_is_no_preflight_is_a_405(client, institute_config):
    assert client.options("/api/v1/services").status_code == 405
