"""Forms keep working under Referrer-Policy: no-referrer, and CSRF stays enforced."""

from typing import Any

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

# What a browser sends with a form of this site under Referrer-Policy: no-referrer.
SAME_ORIGIN: dict[str, Any] = {"HTTP_ORIGIN": "null", "HTTP_SEC_FETCH_SITE": "same-origin"}


def form_token(response):
    """The CSRF token in the page's first form."""
    return response.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"')[0]


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
    assert post_language(csrf_client, **SAME_ORIGIN).status_code == 302


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
    token = form_token(csrf_client.get(reverse("accounts:login")))
    signed = csrf_client.post(
        reverse("accounts:login"),
        {"username": "ana@example.org", "password": password, "csrfmiddlewaretoken": token},
        **SAME_ORIGIN,
    )
    assert signed.status_code == 302
    assert signed.cookies["csrftoken"].value not in ("", before)  # rotated at login


# ---------------------------------------------------------------- a form sent without it


def test_a_form_sent_after_the_cookie_is_gone_gets_a_calm_page_to_open_it_again(
    institute_config,
):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    token = form_token(client.get(reverse("safety")))
    del client.cookies["csrftoken"]  # the browser closed with the page open
    language = {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
    response = client.post(reverse("set_language") + "?nombre=Zuleika", language, **SAME_ORIGIN)
    assert response.status_code == 403
    body = response.content.decode()
    assert "Esta página caducó" in body and "Lo último que enviaste no llegó." in body
    assert "Abrir la página de nuevo" in body
    assert "/salir/" in body  # the exit button, as on every public page
    assert "CSRF" not in body and "Referer" not in body and "cookie" not in body.lower()
    assert "Zuleika" not in body  # the query is not repeated
    assert "no-store" in response["Cache-Control"]
    # The page she gets has a fresh cookie and token: sending again works.
    language["csrfmiddlewaretoken"] = form_token(client.get(reverse("safety")))
    assert client.post(reverse("set_language"), language, **SAME_ORIGIN).status_code == 302


@pytest.mark.parametrize(
    ("next_page", "link"),
    [
        ("/seguridad/", "/seguridad/"),
        ("/seguridad/?nombre=Zuleika", "/seguridad/"),  # the path only
        ("https://otro.example/seguridad/", "/seguridad/"),  # never another site
        ("/\\otro.example", "/"),
        ("", "/"),
    ],
)
def test_a_refused_language_switch_offers_the_page_she_was_reading(
    institute_config, next_page, link
):
    client = Client(enforce_csrf_checks=True)
    token = form_token(client.get(reverse("safety")))
    del client.cookies["csrftoken"]
    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": next_page, "csrfmiddlewaretoken": token},
        **SAME_ORIGIN,
    )
    assert response.status_code == 403
    assert f'href="{link}">Abrir la página de nuevo' in response.text
    assert "Zuleika" not in response.text and "otro.example" not in response.text


def test_her_booking_answers_survive_a_refused_form(make_advisor):
    from cercania.conftest import local

    make_advisor()
    client = Client(enforce_csrf_checks=True)
    day_question = reverse("booking:step", kwargs={"step": "dia"})
    with time_machine.travel(local(2026, 11, 30, 8, 0), tick=False):
        token = form_token(client.get(reverse("booking:start"), follow=True))
        answered = client.post(
            reverse("booking:step", kwargs={"step": "modalidad"}),
            {"modality": "phone", "csrfmiddlewaretoken": token},
            **SAME_ORIGIN,
        )
        assert answered["Location"] == day_question
        del client.cookies["csrftoken"]
        refused = client.post(
            day_question, {"day": "2026-11-30", "csrfmiddlewaretoken": token}, **SAME_ORIGIN
        )
        assert refused.status_code == 403
        assert f'href="{day_question}"' in refused.text  # the same question again
        # Opening it again shows the day question: the modality she chose is kept.
        day_page = client.get(day_question)
        assert day_page.status_code == 200 and 'name="day"' in day_page.text
