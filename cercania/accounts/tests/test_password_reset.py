from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from cercania.accounts.models import StaffTOTPDevice, User, UserSession
from cercania.accounts.testing import totp_code

from .helpers import log_in, sign_in, verify

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "otra contraseña nueva y larga"


def request_reset(client: Client, email: str) -> str:
    """Ask for the email and return the link it carries."""
    response = client.post(reverse("accounts:password_reset"), {"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    body = str(mail.outbox[0].body)
    match = re.search(r"https?://testserver(/personal/contrasena/nueva/\S+/)", body)
    assert match, body
    return match.group(1)


def choose_password(client: Client, link: str) -> None:
    form_page = client.get(link, follow=True)  # Django swaps the token out of the URL
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    response = client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")


class TestPasswordReset:
    def test_it_sends_a_neutral_email_with_a_link(self, client: Client, adviser: User) -> None:
        request_reset(client, "ANA@example.mx")
        message = mail.outbox[0]
        assert message.to == [adviser.email]
        assert message.subject == "Cambio de contraseña"
        assert adviser.display_name not in message.body

    def test_it_answers_the_same_for_an_unknown_email(self, client: Client) -> None:
        response = client.post(reverse("accounts:password_reset"), {"email": "nadie@example.mx"})
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_reset_done")
        assert mail.outbox == []

    def test_it_never_signs_her_in(self, client: Client, adviser: User) -> None:
        choose_password(client, request_reset(client, adviser.email))
        assert "_auth_user_id" not in client.session
        assert client.get(reverse("accounts:home")).status_code == 302

    def test_she_still_needs_her_code_after_a_reset(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        choose_password(client, request_reset(client, adviser.email))

        response = log_in(client, adviser.email, NEW_PASSWORD)
        assert response["Location"] == reverse("accounts:verify")
        assert client.get(reverse("accounts:home")).status_code == 302
        assert (
            verify(client, "000000" if totp_code(adviser_device) != "000000" else "1").status_code
            == 200
        )
        clock.shift(2)  # past django-otp's throttle for the wrong try
        assert verify(client, totp_code(adviser_device)).status_code == 302
        assert client.get(reverse("accounts:home")).status_code == 200

    def test_the_old_password_stops_working(
        self, client: Client, adviser: User, adviser_device: StaffTOTPDevice
    ) -> None:
        choose_password(client, request_reset(client, adviser.email))
        assert log_in(Client(), adviser.email).status_code == 200

    def test_it_ends_her_open_sessions(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        elsewhere = Client()
        sign_in(elsewhere, adviser, adviser_device)
        choose_password(client, request_reset(client, adviser.email))
        assert not UserSession.objects.filter(user=adviser).exists()
        assert elsewhere.get(reverse("accounts:home")).status_code == 302

    def test_a_link_works_once(self, client: Client, adviser: User) -> None:
        link = request_reset(client, adviser.email)
        choose_password(client, link)
        again = Client().get(link, follow=True)
        assert not again.context["validlink"]
        assert "El enlace ya no sirve" in again.text
