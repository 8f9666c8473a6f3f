"""Test helpers for staff pages: staff users who have passed both factors.

Staff pages answer only to a verified second factor (access.staff_required, the
admin), so Django's `client.force_login(user)` alone reaches none of them.
`login_verified(client, user)` is the shortcut for tests that are not about logging in;
tests about logging in go through the login and verify pages instead.
"""

from __future__ import annotations

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from .models import StaffTOTPDevice, User
from .selectors import totp_device_confirmed


def totp_device_for(user: User) -> StaffTOTPDevice:
    """Her confirmed authenticator, created if she has none (tests only: no enrolment)."""
    return totp_device_confirmed(user=user) or StaffTOTPDevice.objects.create(
        user=user, name="Test", confirmed=True
    )


def totp_code(device: StaffTOTPDevice, *, at: float | None = None) -> str:
    """The code her authenticator app shows at `at` (default: now, time_machine aware)."""
    totp = device.totp(time.time() if at is None else at)
    return f"{totp.token():0{device.digits}d}"


def login_verified(client: Client, user: User) -> StaffTOTPDevice:
    """Sign `user` in on `client` as if she had given her password and a TOTP code."""
    device = totp_device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
