"""Forms keep working under Referrer-Policy: no-referrer, and CSRF stays enforced."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client():
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("home"))  # sets the CSRF cookie
    return client


def token_of(client):
    return client.cookies["csrftoken"].value


def post_language(client, **headers):
    return client.post(
        reverse("set_language"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": token_of(client)},
        **headers,
    )


def test_a_same_origin_post_with_a_null_origin_is_accepted(csrf_client):
    response = post_language(csrf_client, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 302


def test_a_cross_site_post_with_a_null_origin_is_refused(csrf_client):
    assert (
        post_language(csrf_client, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="cross-site").status_code
        == 403
    )
    assert post_language(csrf_client, HTTP_ORIGIN="null").status_code == 403


def test_a_post_from_another_origin_is_refused_whatever_it_claims(csrf_client):
    response = post_language(
        csrf_client, HTTP_ORIGIN="https://abuser.example", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert response.status_code == 403


def test_the_token_is_still_required(csrf_client):
    response = csrf_client.post(
        reverse("set_language"),
        {"language": "en"},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == 403


def test_over_https_a_same_origin_post_without_referer_is_accepted(csrf_client, settings):
    settings.SECURE_SSL_REDIRECT = False
    response = post_language(
        csrf_client, secure=True, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert response.status_code == 302


# ---------------------------------------------------------------- the cookie's lifetime


def test_the_csrf_cookie_lasts_only_until_the_browser_closes(client):
    cookie = client.get(reverse("home")).cookies["csrftoken"]
    assert cookie.value
    assert (cookie["max-age"], cookie["expires"]) == ("", "")


def test_a_page_does_not_send_again_the_cookie_her_browser_holds(csrf_client):
    before = token_of(csrf_client)
    page = csrf_client.get(reverse("safety"))
    assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in page.text
    assert "csrftoken" not in page.cookies
    # The form on that page still posts with the cookie she kept.
    assert token_of(csrf_client) == before
    assert (
        post_language(
            csrf_client, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin"
        ).status_code
        == 302
    )


def test_a_malformed_cookie_is_replaced(csrf_client):
    csrf_client.cookies["csrftoken"] = "no-es-un-token"
    page = csrf_client.get(reverse("home"))
    assert page.cookies["csrftoken"].value not in ("", "no-es-un-token")


def test_signing_in_still_gives_her_a_new_cookie(csrf_client):
    from cercania.accounts.roles import Role
    from cercania.accounts.services import staff_user_create

    password = "una contraseña larga de prueba"
    staff_user_create(
        email="ana@example.org", display_name="Ana", roles=[Role.JURIDICO], password=password
    )
    before = token_of(csrf_client)
    page = csrf_client.get(reverse("accounts:login"))
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    signed = csrf_client.post(
        reverse("accounts:login"),
        {"username": "ana@example.org", "password": password, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert signed.status_code == 302
    assert signed.cookies["csrftoken"].value not in ("", before)  # rotated at login


# ---------------------------------------------------------------- a form sent without it


def test_a_form_sent_after_the_cookie_is_gone_gets_a_calm_page_to_open_it_again(
    institute_config,
):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    page = client.get(reverse("safety"))
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    del client.cookies["csrftoken"]  # the browser closed with the page open
    response = client.post(
        reverse("set_language") + "?nombre=Zuleika",
        {"language": "en", "next": "/", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "Esta página caducó" in body and "Lo último que enviaste no llegó." in body
    assert f'href="{reverse("set_language")}"' in body
    assert "/salir/" in body  # the exit button, as on every public page
    assert "CSRF" not in body and "Referer" not in body and "cookie" not in body.lower()
    assert "Zuleika" not in body  # the query is not repeated
    assert "no-store" in response["Cache-Control"]
    # The page she gets has a fresh cookie and token: sending again works.
    again = client.get(reverse("safety"))
    token = again.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert (
        client.post(
            reverse("set_language"),
            {"language": "en", "next": "/", "csrfmiddlewaretoken": token},
            HTTP_ORIGIN="null",
            HTTP_SEC_FETCH_SITE="same-origin",
        ).status_code
        == 302
    )


def test_her_booking_answers_survive_a_refused_form(make_advisor):
    from cercania.conftest import local

    make_advisor()
    client = Client(enforce_csrf_checks=True)
    with time_machine.travel(local(2026, 11, 30, 8, 0), tick=False):
        modality_page = client.get(reverse("booking:start"), follow=True)
        token = modality_page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1]
        token = token.split('"', 1)[0]
        answered = client.post(
            reverse("booking:step", kwargs={"step": "modalidad"}),
            {"modality": "phone", "csrfmiddlewaretoken": token},
            HTTP_ORIGIN="null",
            HTTP_SEC_FETCH_SITE="same-origin",
        )
        assert answered["Location"] == reverse("booking:step", kwargs={"step": "dia"})
        del client.cookies["csrftoken"]
        refused = client.post(
            reverse("booking:step", kwargs={"step": "dia"}),
            {"day": "2026-11-30", "csrfmiddlewaretoken": token},
            HTTP_ORIGIN="null",
            HTTP_SEC_FETCH_SITE="same-origin",
        )
        assert refused.status_code == 403
        assert f'href="{reverse("booking:step", kwargs={"step": "dia"})}"' in refused.text
        # Opening it again shows the day question: the modality she chose is kept.
        day_page = client.get(reverse("booking:step", kwargs={"step": "dia"}))
        assert day_page.status_code == 200 and 'name="day"' in day_page.text
