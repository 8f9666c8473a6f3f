"""The admin is for staff with a verified second factor, signed in through our login."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from cercania.accounts.models import User
from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.accounts.testing import login_verified, totp_device_for

from .helpers import PASSWORD, log_in, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator() -> User:
    return staff_user_create(
        email="coordinacion@example.mx",
        display_name="Coordinadora",
        roles=[Role.COORDINACION],
        password=PASSWORD,
    )


class TestAdminAccess:
    def test_it_opens_for_a_verified_staff_user(
        self, client: Client, clock: time_machine.Traveller, coordinator: User
    ) -> None:
        sign_in(client, coordinator, totp_device_for(coordinator))
        assert client.get("/admin/").status_code == 200
        assert client.get("/admin/accounts/user/").status_code == 200

    def test_it_sends_a_password_only_session_to_the_second_factor(
        self, client: Client, coordinator: User
    ) -> None:
        totp_device_for(coordinator)
        log_in(client, coordinator.email)
        response = client.get("/admin/accounts/user/", follow=True)
        assert response.request["PATH_INFO"] == reverse("accounts:verify")
        assert response.context["next"] == "/admin/accounts/user/"

    def test_it_refuses_a_password_only_superuser(self, client: Client) -> None:
        superuser = User.objects.create_superuser(email="root@example.mx", password=PASSWORD)
        totp_device_for(superuser)
        log_in(client, superuser.email)
        assert client.get("/admin/").status_code == 302
        assert client.get("/admin/accounts/user/").status_code == 302

    def test_its_login_page_is_our_login(self, client: Client) -> None:
        response = client.get("/admin/login/?next=/admin/accounts/user/")
        assert response.status_code == 302
        assert response["Location"] == "/personal/entrar/?next=/admin/accounts/user/"

    def test_its_login_page_does_not_accept_a_password(
        self, client: Client, coordinator: User
    ) -> None:
        client.post("/admin/login/", {"username": coordinator.email, "password": PASSWORD})
        assert "_auth_user_id" not in client.session

    def test_it_is_forbidden_to_a_verified_user_without_staff_rights(
        self, client: Client, adviser: User
    ) -> None:
        login_verified(client, adviser)
        response = client.get("/admin/", follow=True)
        assert response.status_code == 403

    def test_its_logout_ends_the_session(self, client: Client, coordinator: User) -> None:
        login_verified(client, coordinator)
        response = client.post("/admin/logout/")
        assert response["Location"] == reverse("accounts:login")
        assert client.get("/admin/").status_code == 302
