"""Forms keep working under Referrer-Policy: no-referrer, and CSRF stays enforced."""

import pytest
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
