from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cercania.accounts.models import User
from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create


@pytest.fixture
def coordinator(db) -> User:
    return staff_user_create(
        email="coordinacion@example.mx", display_name="Coordinadora", roles=[Role.COORDINACION]
    )


@pytest.fixture
def adviser(db) -> User:
    return staff_user_create(
        email="ana@example.mx", display_name="Ana Jurídico", roles=[Role.JURIDICO]
    )


@pytest.fixture
def verified_client(db) -> Callable[[User], Client]:
    """A test client signed in as `user` with a verified second factor, as after the
    login flow's TOTP step (what django_otp.login stores in the session)."""

    def sign_in(user: User) -> Client:
        client = Client(REMOTE_ADDR="203.0.113.7")
        client.force_login(user)
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return sign_in
