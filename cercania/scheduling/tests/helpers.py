"""Staff personas for the agenda tests: users signed in with a verified second factor."""

from __future__ import annotations

from itertools import count

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cercania.accounts.models import StaffTOTPDevice, User
from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create

_numbers = count(1)


def staff_user(*roles: Role) -> User:
    n = next(_numbers)
    return staff_user_create(
        email=f"personal{n}@example.org", display_name=f"Personal {n}", roles=list(roles)
    )


def verified_client(user: User) -> Client:
    """A client signed in as `user` after the second-factor step (what django_otp.login
    leaves in the session)."""
    client = Client()
    device = StaffTOTPDevice.objects.create(user=user, name="t", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def password_only_client(user: User) -> Client:
    """Signed in with the password but without the second factor."""
    client = Client()
    client.force_login(user)
    return client
