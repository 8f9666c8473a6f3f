from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from cercania.accounts.models import RecoveryCode, StaffTOTPDevice, User, UserSession
from cercania.accounts.roles import Role
from cercania.accounts.services import staff_recovery_codes_generate, staff_user_create
from cercania.accounts.testing import totp_code, totp_device_for

from .helpers import PASSWORD, log_in, sign_in, verify

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/personal/", "/personal/cuenta/sesiones/", "/admin/", "/admin/accounts/user/"]


class TestPasswordStep:
    def test_it_renders_the_login_form(self, client: Client) -> None:
        response = client.get(reverse("accounts:login"))
        assert response.status_code == 200
        assert 'name="username"' in response.text and 'name="password"' in response.text

    def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(
        self, client: Client, adviser: User
    ) -> None:
        wrong_password = log_in(client, adviser.email, "no es la contraseña")
        unknown_email = log_in(client, "nadie@example.mx")
        assert wrong_password.status_code == unknown_email.status_code == 200
        assert "El correo o la contraseña no son correctos." in wrong_password.text
        assert "El correo o la contraseña no son correctos." in unknown_email.text

    def test_it_accepts_the_email_in_any_case(
        self, client: Client, adviser: User, adviser_device: StaffTOTPDevice
    ) -> None:
        response = log_in(client, "ANA@Example.MX")
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:verify")

    def test_it_refuses_a_disabled_user(self, client: Client, adviser: User) -> None:
        adviser.is_active = False
        adviser.save()
        response = log_in(client, adviser.email)
        assert response.status_code == 200
        assert "El correo o la contraseña no son correctos." in response.text

    def test_it_records_the_session_at_login(
        self, client: Client, adviser: User, adviser_device: StaffTOTPDevice
    ) -> None:
        log_in(client, adviser.email, HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Firefox/140.0")
        recorded = UserSession.objects.get(user=adviser)
        assert recorded.session_key == client.session.session_key
        assert recorded.user_agent == "Firefox · Windows"
        assert recorded.ip == "127.0.0.1"


class TestPasswordAloneReachesNoStaffPage:
    @pytest.mark.parametrize("path", STAFF_PAGES)
    def test_it_sends_a_password_only_session_to_the_second_factor(
        self, client: Client, adviser: User, adviser_device: StaffTOTPDevice, path: str
    ) -> None:
        adviser.is_staff = True  # even with admin rights
        adviser.save()
        log_in(client, adviser.email)
        response = client.get(path, follow=True)
        assert response.request["PATH_INFO"] == reverse("accounts:verify")
        assert "Verificación en dos pasos" in response.text

    @pytest.mark.parametrize("path", STAFF_PAGES)
    def test_it_sends_an_anonymous_visitor_to_the_login(self, client: Client, path: str) -> None:
        response = client.get(path, follow=True)
        assert response.request["PATH_INFO"] == reverse("accounts:login")
        assert response.context["next"] == path

    def test_it_keeps_a_user_without_an_authenticator_at_enrolment(
        self, client: Client, adviser: User
    ) -> None:
        response = log_in(client, adviser.email)
        assert response["Location"] == reverse("accounts:enrol")
        assert client.get(reverse("accounts:home"))["Location"] == reverse("accounts:verify")
        assert client.get(reverse("accounts:verify"))["Location"] == reverse("accounts:enrol")


class TestSecondFactor:
    def test_it_lets_her_in_with_password_and_code(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        sign_in(client, adviser, adviser_device)
        response = client.get(reverse("accounts:home"))
        assert response.status_code == 200
        assert "Hola, Ana Jurídico" in response.text

    def test_it_gives_a_new_session_key_once_verified(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        log_in(client, adviser.email)
        after_password = client.session.session_key
        verify(client, totp_code(adviser_device))
        assert client.session.session_key != after_password
        assert UserSession.objects.get(user=adviser).session_key == client.session.session_key

    def test_it_refuses_a_wrong_code(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        log_in(client, adviser.email)
        right = totp_code(adviser_device)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        response = verify(client, wrong)
        assert response.status_code == 200
        assert "El código no es válido o ya se usó." in response.text
        assert client.get(reverse("accounts:home")).status_code == 302

    def test_it_refuses_a_code_used_before(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        code = totp_code(adviser_device)
        log_in(client, adviser.email)
        assert verify(client, code).status_code == 302

        other_browser = Client()
        log_in(other_browser, adviser.email)
        response = verify(other_browser, code)
        assert response.status_code == 200
        assert "El código no es válido o ya se usó." in response.text
        assert other_browser.get(reverse("accounts:home")).status_code == 302

        clock.shift(30)  # the next code of the app works
        assert verify(other_browser, totp_code(adviser_device)).status_code == 302

    def test_it_throttles_guessing_codes(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        log_in(client, adviser.email)
        verify(client, "000000" if totp_code(adviser_device) != "000000" else "111111")
        response = verify(client, totp_code(adviser_device))  # even the right one, too soon
        assert response.status_code == 200
        assert "Demasiados códigos incorrectos" in response.text
        clock.shift(2)
        assert verify(client, totp_code(adviser_device)).status_code == 302

    def test_it_accepts_a_recovery_code_once(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        codes = staff_recovery_codes_generate(user=adviser)
        assert len(codes) == 10
        log_in(client, adviser.email)
        response = verify(client, f"{codes[0][:4]}-{codes[0][4:].upper()}")
        assert response.status_code == 302
        assert client.get(reverse("accounts:home")).status_code == 200
        assert RecoveryCode.objects.filter(device__user=adviser).count() == 9

        other_browser = Client()
        log_in(other_browser, adviser.email)
        response = verify(other_browser, codes[0])
        assert response.status_code == 200
        assert "El código no es válido o ya se usó." in response.text

    def test_it_follows_the_page_she_asked_for(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        response = client.get(reverse("accounts:sessions"))
        login_url = response["Location"]
        response = client.post(login_url, {"username": adviser.email, "password": "x"})
        assert 'name="next" value="/personal/cuenta/sesiones/"' in response.text
        response = client.post(
            login_url,
            {"username": adviser.email, "password": PASSWORD, "next": "/personal/cuenta/sesiones/"},
        )
        assert (
            response["Location"] == "/personal/verificar/?next=%2Fpersonal%2Fcuenta%2Fsesiones%2F"
        )
        verified = verify(client, totp_code(adviser_device), next="/personal/cuenta/sesiones/")
        assert verified["Location"] == "/personal/cuenta/sesiones/"

    def test_it_ignores_a_next_page_on_another_site(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        log_in(client, adviser.email)
        response = verify(client, totp_code(adviser_device), next="https://example.com/")
        assert response["Location"] == reverse("accounts:home")


class TestEnrolment:
    def test_it_enrols_an_authenticator_and_shows_recovery_codes_once(
        self, client: Client, clock: time_machine.Traveller, adviser: User
    ) -> None:
        log_in(client, adviser.email)
        page = client.get(reverse("accounts:enrol"))
        assert page.status_code == 200
        assert 'src="data:image/svg+xml' in page.text
        device = StaffTOTPDevice.objects.get(user=adviser, confirmed=False)

        response = client.post(reverse("accounts:enrol"), {"code": totp_code(device)})
        assert response.status_code == 200
        codes = response.context["codes"]
        assert len(codes) == 10 and all(code in response.text for code in codes)
        device.refresh_from_db()
        assert device.confirmed
        assert client.get(reverse("accounts:home")).status_code == 200

        # Once confirmed, the enrolment page no longer shows them.
        again = client.get(reverse("accounts:enrol"))
        assert not any(code in again.text for code in codes)

    def test_it_refuses_a_wrong_enrolment_code(
        self, client: Client, clock: time_machine.Traveller, adviser: User
    ) -> None:
        log_in(client, adviser.email)
        client.get(reverse("accounts:enrol"))
        response = client.post(reverse("accounts:enrol"), {"code": "12345"})
        assert response.status_code == 200
        assert not StaffTOTPDevice.objects.filter(user=adviser, confirmed=True).exists()
        assert client.get(reverse("accounts:home")).status_code == 302

    def test_it_does_not_let_a_password_only_session_replace_the_authenticator(
        self, client: Client, adviser: User, adviser_device: StaffTOTPDevice
    ) -> None:
        log_in(client, adviser.email)
        response = client.get(reverse("accounts:enrol"))
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:verify")
        assert not StaffTOTPDevice.objects.filter(user=adviser, confirmed=False).exists()

    def test_it_lets_a_verified_user_move_to_a_new_phone(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        sign_in(client, adviser, adviser_device)
        client.get(reverse("accounts:enrol"))
        new_device = StaffTOTPDevice.objects.get(user=adviser, confirmed=False)
        response = client.post(reverse("accounts:enrol"), {"code": totp_code(new_device)})
        assert response.status_code == 200
        assert list(StaffTOTPDevice.objects.filter(user=adviser)) == [new_device]


class TestLogout:
    def test_it_only_logs_out_by_post(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        sign_in(client, adviser, adviser_device)
        assert client.get(reverse("accounts:logout")).status_code == 405
        assert client.get(reverse("accounts:home")).status_code == 200

    def test_it_ends_the_session_and_returns_to_the_login(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        sign_in(client, adviser, adviser_device)
        response = client.post(reverse("accounts:logout"))
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:login")
        assert not UserSession.objects.filter(user=adviser).exists()
        assert client.get(reverse("accounts:home")).status_code == 302


class TestHome:
    def test_it_greets_her_and_lists_her_roles(
        self,
        client: Client,
        clock: time_machine.Traveller,
        adviser: User,
        adviser_device: StaffTOTPDevice,
    ) -> None:
        sign_in(client, adviser, adviser_device)
        response = client.get(reverse("accounts:home"))
        assert "Hola, Ana Jurídico" in response.text
        assert "Jurídico" in response.text
        assert reverse("accounts:sessions") in response.text
        assert 'src="/static/js/idle.js"' in response.text

    @pytest.mark.parametrize(
        ("role", "shown", "hidden"),
        [
            (
                Role.JURIDICO,
                ["agenda:mine", "cases:my_work", "cases:list"],
                ["cases:console", "privacy:audit_log", "reports:partner"],
            ),
            (
                Role.LINEA,
                ["cases:my_work", "cases:console"],
                ["agenda:mine", "cases:list", "privacy:audit_log"],
            ),
            (
                Role.COORDINACION,
                ["agenda:mine", "cases:list", "cases:console", "privacy:audit_log", "arco:queue"],
                ["reports:partner"],
            ),
            (Role.ENLACE, ["reports:partner"], ["cases:my_work", "cases:list", "agenda:mine"]),
        ],
    )
    def test_it_links_to_where_her_work_starts_and_nowhere_else(
        self, client: Client, clock: time_machine.Traveller, role: Role, shown, hidden
    ) -> None:
        user = staff_user_create(
            email=f"{role.value}@example.mx", display_name="X", roles=[role], password=PASSWORD
        )
        sign_in(client, user, totp_device_for(user))
        page = client.get(reverse("accounts:home")).text
        for name in shown:
            assert f'href="{reverse(name)}"' in page, name
            # Her role opens it (a liaison with no organisation on file gets a 404).
            status = client.get(reverse(name)).status_code
            assert status == 200 or (role == Role.ENLACE and status == 404), name
        for name in hidden:
            assert f'href="{reverse(name)}"' not in page, name

    def test_it_is_forbidden_to_a_verified_user_without_a_role(
        self, client: Client, clock: time_machine.Traveller
    ) -> None:
        nobody = staff_user_create(
            email="sinrol@example.mx", display_name="Sin rol", roles=[], password=PASSWORD
        )
        sign_in(client, nobody, totp_device_for(nobody))
        assert client.get(reverse("accounts:home")).status_code == 403
