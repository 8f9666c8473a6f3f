from __future__ import annotations

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from cercania.accounts.models import StaffTOTPDevice, User, UserSession
from cercania.accounts.services import staff_user_disable
from cercania.accounts.testing import totp_code, totp_device_for

from .helpers import sign_in

pytestmark = pytest.mark.django_db

HOME = "/personal/"
MINUTE = 60


@pytest.fixture
def signed_in(
    client: Client, clock: time_machine.Traveller, adviser: User, adviser_device: StaffTOTPDevice
) -> Client:
    sign_in(client, adviser, adviser_device)
    return client


def is_signed_in(client: Client) -> bool:
    return client.get(HOME).status_code == 200


class TestIdleTimeout:
    def test_it_ends_the_session_after_thirty_minutes_without_activity(
        self, signed_in: Client, clock: time_machine.Traveller, adviser: User
    ) -> None:
        clock.shift(30 * MINUTE + 1)
        response = signed_in.get(HOME, follow=True)
        assert response.request["PATH_INFO"] == reverse("accounts:login")
        assert "Tu sesión se cerró por inactividad" in response.text
        assert not UserSession.objects.filter(user=adviser).exists()
        # Signing in again asks for both factors again.
        assert signed_in.get(reverse("accounts:sessions")).status_code == 302

    def test_it_keeps_the_session_while_she_is_active(
        self, signed_in: Client, clock: time_machine.Traveller
    ) -> None:
        for _ in range(6):
            clock.shift(25 * MINUTE)
            assert is_signed_in(signed_in)

    def test_the_keep_alive_button_counts_as_activity(
        self, signed_in: Client, clock: time_machine.Traveller
    ) -> None:
        clock.shift(26 * MINUTE)
        assert signed_in.post(reverse("accounts:keep_alive")).status_code == 204
        clock.shift(26 * MINUTE)
        assert is_signed_in(signed_in)

    def test_the_keep_alive_is_post_only_and_needs_a_session(
        self, client: Client, signed_in: Client
    ) -> None:
        assert signed_in.get(reverse("accounts:keep_alive")).status_code == 405
        assert Client().post(reverse("accounts:keep_alive")).status_code == 302

    def test_it_honours_the_idle_setting(
        self, signed_in: Client, clock: time_machine.Traveller, settings
    ) -> None:
        settings.SESSION_IDLE_TIMEOUT_MINUTES = 10
        clock.shift(11 * MINUTE)
        assert not is_signed_in(signed_in)

    def test_it_puts_the_timeout_on_the_page_for_the_warning(self, signed_in: Client) -> None:
        response = signed_in.get(HOME)
        assert 'data-idle-seconds="1800"' in response.text
        assert 'data-warn-seconds="300"' in response.text
        assert "Tu sesión se cerrará pronto" in response.text
        assert '<meta name="csrf-token"' in response.text


class TestAbsoluteLifetime:
    def test_it_ends_the_session_after_ten_hours_even_with_activity(
        self, signed_in: Client, clock: time_machine.Traveller
    ) -> None:
        for _ in range(29):  # 9 h 40 min of steady work
            clock.shift(20 * MINUTE)
            assert is_signed_in(signed_in)
        clock.shift(19 * MINUTE)
        assert is_signed_in(signed_in)
        clock.shift(2 * MINUTE)
        assert not is_signed_in(signed_in)

    def test_it_enforces_the_lifetime_setting_on_the_server(
        self, signed_in: Client, clock: time_machine.Traveller, settings
    ) -> None:
        # Shorter than the session cookie's own age: the middleware ends it, not Django.
        settings.SESSION_ABSOLUTE_HOURS = 2
        for _ in range(5):
            clock.shift(20 * MINUTE)
            assert is_signed_in(signed_in)
        clock.shift(20 * MINUTE)
        response = signed_in.get(HOME, follow=True)
        assert response.request["PATH_INFO"] == reverse("accounts:login")
        assert "Tu sesión llegó a su duración máxima" in response.text


class TestDisabledUser:
    def test_disabling_her_ends_all_her_sessions_at_once(
        self, signed_in: Client, clock: time_machine.Traveller, adviser: User
    ) -> None:
        other_browser = Client()
        sign_in_again = totp_device_for(adviser)
        clock.shift(30)
        sign_in(other_browser, adviser, sign_in_again)
        keys = list(UserSession.objects.filter(user=adviser).values_list("session_key", flat=True))
        assert len(keys) == 2

        staff_user_disable(user=adviser)

        assert not UserSession.objects.filter(user=adviser).exists()
        assert not Session.objects.filter(session_key__in=keys).exists()
        assert not is_signed_in(signed_in)
        assert not is_signed_in(other_browser)

    def test_a_user_disabled_elsewhere_is_signed_out_on_her_next_request(
        self, signed_in: Client, adviser: User
    ) -> None:
        User.objects.filter(pk=adviser.pk).update(is_active=False)  # e.g. in the admin
        assert not is_signed_in(signed_in)
        assert "_auth_user_id" not in signed_in.session
        assert not UserSession.objects.filter(user=adviser).exists()


class TestSessionsPage:
    @pytest.fixture
    def second_browser(
        self, signed_in: Client, clock: time_machine.Traveller, adviser: User
    ) -> Client:
        other = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile")
        clock.shift(30)  # a fresh TOTP code
        sign_in(other, adviser, totp_device_for(adviser))
        return other

    def test_it_lists_her_sessions_and_marks_this_one(
        self, signed_in: Client, second_browser: Client
    ) -> None:
        response = signed_in.get(reverse("accounts:sessions"))
        assert response.status_code == 200
        assert len(response.context["sessions"]) == 2
        assert "Esta sesión" in response.text
        assert "Chrome · Android" in response.text
        assert response.text.count(">Cerrar</button>") == 1

    def test_it_ends_another_of_her_sessions(
        self, signed_in: Client, second_browser: Client, adviser: User
    ) -> None:
        other = UserSession.objects.get(user=adviser, user_agent="Chrome · Android")
        response = signed_in.post(reverse("accounts:session_end", args=[other.public_id]))
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:sessions")
        assert not is_signed_in(second_browser)
        assert is_signed_in(signed_in)

    def test_it_ends_all_her_other_sessions(
        self,
        signed_in: Client,
        second_browser: Client,
        clock: time_machine.Traveller,
        adviser: User,
    ) -> None:
        third = Client()
        clock.shift(30)
        sign_in(third, adviser, totp_device_for(adviser))
        response = signed_in.post(reverse("accounts:sessions_end_others"))
        assert response.status_code == 302
        assert not is_signed_in(second_browser)
        assert not is_signed_in(third)
        assert is_signed_in(signed_in)
        assert UserSession.objects.filter(user=adviser).count() == 1

    def test_it_does_not_let_her_end_another_users_session(
        self, signed_in: Client, clock: time_machine.Traveller, other_adviser: User
    ) -> None:
        theirs = Client()
        sign_in(theirs, other_adviser, totp_device_for(other_adviser))
        session = UserSession.objects.get(user=other_adviser)
        response = signed_in.post(reverse("accounts:session_end", args=[session.public_id]))
        assert response.status_code == 404
        assert is_signed_in(theirs)

    def test_it_only_ends_sessions_by_post(
        self, signed_in: Client, second_browser: Client, adviser: User
    ) -> None:
        other = UserSession.objects.get(user=adviser, user_agent="Chrome · Android")
        url = reverse("accounts:session_end", args=[other.public_id])
        assert signed_in.get(url).status_code == 405
        assert is_signed_in(second_browser)

    def test_ending_this_session_from_the_list_signs_her_out(
        self, signed_in: Client, adviser: User
    ) -> None:
        mine = UserSession.objects.get(user=adviser)
        response = signed_in.post(reverse("accounts:session_end", args=[mine.public_id]))
        assert response["Location"] == reverse("accounts:login")
        assert not is_signed_in(signed_in)

    def test_it_leaves_out_sessions_that_have_timed_out(
        self, signed_in: Client, clock: time_machine.Traveller, adviser: User
    ) -> None:
        abandoned = Client()
        clock.shift(30)
        sign_in(abandoned, adviser, totp_device_for(adviser))
        for _ in range(2):
            clock.shift(20 * MINUTE)
            assert is_signed_in(signed_in)
        response = signed_in.get(reverse("accounts:sessions"))
        assert len(response.context["sessions"]) == 1


class TestAfterAFactorChange:
    def test_it_offers_to_end_her_other_sessions_and_does_it(
        self, signed_in: Client, clock: time_machine.Traveller, adviser: User
    ) -> None:
        other = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile")
        clock.shift(30)
        sign_in(other, adviser, totp_device_for(adviser))

        # A new phone: she sets up the authenticator again from this browser.
        signed_in.get(reverse("accounts:enrol"))
        new_device = StaffTOTPDevice.objects.get(user=adviser, confirmed=False)
        clock.shift(30)
        page = signed_in.post(reverse("accounts:enrol"), {"code": totp_code(new_device)})
        assert page.status_code == 200 and page.context["codes"]
        assert "Tienes 1 sesión abierta en otro navegador" in page.text
        assert reverse("accounts:sessions_end_others") in page.text

        signed_in.post(reverse("accounts:sessions_end_others"))
        assert not is_signed_in(other)
        assert is_signed_in(signed_in)

    def test_it_offers_nothing_when_there_is_no_other_session(
        self, signed_in: Client, clock: time_machine.Traveller, adviser: User
    ) -> None:
        signed_in.get(reverse("accounts:enrol"))
        new_device = StaffTOTPDevice.objects.get(user=adviser, confirmed=False)
        clock.shift(30)
        page = signed_in.post(reverse("accounts:enrol"), {"code": totp_code(new_device)})
        assert page.context["codes"] and page.context["other_sessions"] == 0
        assert reverse("accounts:sessions_end_others") not in page.text
