from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cercania.accounts.models import StaffTOTPDevice, User
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
        device = StaffTOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return sign_in


NOTICE_VERSION = "2026.1"  # the IMM profile's privacy notices


@pytest.fixture
def make_person(institute_config):
    """A woman registered through the service (the IMM configuration loaded)."""
    from cercania.cases.models import CreatedVia
    from cercania.cases.services import ContactChoices, person_create

    def make(
        *,
        name: str = "Ana",
        phone: str = "614 123 4567",
        email: str = "",
        contact: ContactChoices | None = None,
    ):
        return person_create(
            name=name,
            phone=phone,
            email=email,
            contact=contact or ContactChoices(call=True, voicemail=True, sms=True, email=True),
            created_via=CreatedVia.STAFF,
        )

    return make


@pytest.fixture
def coordinator_client(verified_client, coordinator: User) -> Client:
    return verified_client(coordinator)


@pytest.fixture
def her_records(time_machine, book, legal_service, make_advisor, coordinator):
    """Build every kind of record about one woman (see records.py) with `texts`."""
    from .records import PLAIN_TEXTS, build_her_records

    def build(texts: dict[str, str] | None = None, **extra):
        return build_her_records(
            time_machine=time_machine,
            book=book,
            service=legal_service,
            advisor=make_advisor(),
            coordinator=coordinator,
            texts=texts or PLAIN_TEXTS,
            **extra,
        )

    return build
