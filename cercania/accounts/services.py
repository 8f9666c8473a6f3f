"""Writes for staff accounts: users, their second factor and their sessions."""

from __future__ import annotations

import re
import secrets
from base64 import b32encode
from collections.abc import Iterable
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device

from .models import (
    RecoveryCode,
    RecoveryCodeDevice,
    StaffTOTPDevice,
    User,
    UserSession,
    recovery_code_hash,
)
from .roles import Role

# Roles whose work happens in the configuration admin.
ADMIN_ROLES = {Role.COORDINACION, Role.SISTEMAS}

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_BYTES = 15  # 120 bits: 24 base32 characters, shown in groups of four
TOTP_DEVICE_NAME = "Aplicación de autenticación"
RECOVERY_DEVICE_NAME = "Códigos de recuperación"
TOTP_CODE = re.compile(r"\d{6}")


class SecondFactorThrottled(Exception):
    """Too many wrong codes in a row: django-otp makes her wait before the next try."""


@transaction.atomic
def staff_user_create(
    *, email: str, display_name: str, roles: Iterable[Role], password: str | None = None
) -> User:
    roles = set(roles)
    user = User.objects.create_user(
        email=email,
        password=password,
        display_name=display_name,
        is_staff=bool(roles & ADMIN_ROLES),
    )
    user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
    return user


@transaction.atomic
def staff_user_disable(*, user: User) -> None:
    """Disable a staff account and end every session she has, at once."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sessions_end_all(user=user)


# Second factor ------------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    # Recovery codes are shown as "abcd-efgh"; authenticator apps show "123 456".
    return re.sub(r"[\s-]", "", raw).lower()


@transaction.atomic
def staff_totp_device_start(*, user: User) -> StaffTOTPDevice:
    """The authenticator she is enrolling: created once, unconfirmed until she proves it."""
    device = StaffTOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = StaffTOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def staff_totp_device_confirm(*, user: User, code: str) -> tuple[StaffTOTPDevice, list[str]] | None:
    """Confirm the enrolling authenticator with a code from it.

    On success it replaces any earlier authenticator and recovery codes, and returns
    the device and the new recovery codes (shown to her once, never again).
    """
    device = (
        StaffTOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None:
        return None
    if not device.verify_is_allowed()[0]:
        raise SecondFactorThrottled
    if not device.verify_token(normalise_code(code)):
        return None
    StaffTOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, staff_recovery_codes_generate(user=user)


@transaction.atomic
def staff_recovery_codes_generate(*, user: User) -> list[str]:
    """Replace her recovery codes with new single-use ones and return them."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().lower())
    # Only the keyed hashes are stored: she sees the codes once, here.
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=recovery_code_hash(code)) for code in codes
    )
    return sorted(codes)


def recovery_code_display(code: str) -> str:
    """ "abcd-efgh-…": easier to copy by hand; the dashes are ignored when typed back."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@transaction.atomic
def staff_second_factor_verify(*, user: User, code: str) -> Device | None:
    """The device that accepts `code` (a TOTP code or a recovery code), or None.

    The code's shape picks the one device to try: trying every device would count a
    failure against each that did not match and throttle them all. TOTPDevice only
    accepts a time step after the last one it accepted, so a code works once; a
    recovery code's hash is deleted when used. The row lock serialises two tries at once.
    """
    code = normalise_code(code)
    model: type[StaffTOTPDevice] | type[RecoveryCodeDevice] = (
        StaffTOTPDevice if TOTP_CODE.fullmatch(code) else RecoveryCodeDevice
    )
    device = (
        model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
    )
    if device is None:
        return None
    if not device.verify_is_allowed()[0]:
        raise SecondFactorThrottled
    return device if device.verify_token(code) else None


# Sessions -----------------------------------------------------------------------------


def _session_store_delete(session_key: str) -> None:
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore().delete(session_key)


@transaction.atomic
def user_session_start(
    *,
    user: User,
    session_key: str,
    ip: str | None,
    user_agent: str,
    replaces: UserSession | None = None,
) -> UserSession:
    """Record a new signed-in session (at login, or the first request of one)."""
    now = timezone.now()
    if replaces is not None:
        replaces.delete()
    # Sessions left to time out are forgotten the next time she signs in.
    for stale in UserSession.objects.filter(user=user).exclude(session_key=session_key):
        if stale.is_expired(now):
            user_session_end(user_session=stale)
    UserSession.objects.filter(session_key=session_key).delete()
    return UserSession.objects.create(
        user=user,
        session_key=session_key,
        created_at=now,
        last_seen_at=now,
        ip=ip,
        user_agent=user_agent[:64],
    )


@transaction.atomic
def user_session_touch(*, user_session: UserSession, session_key: str, now: datetime) -> None:
    """Note activity; follow the session key when Django rotated it (login, verification)."""
    # An update, not save(): another browser may have ended this session a moment ago,
    # and then there is simply nothing left to touch.
    UserSession.objects.filter(pk=user_session.pk).update(last_seen_at=now, session_key=session_key)
    user_session.last_seen_at = now
    user_session.session_key = session_key


@transaction.atomic
def user_session_end(*, user_session: UserSession) -> None:
    """End a session: gone from Django's session store, so its cookie opens nothing."""
    _session_store_delete(user_session.session_key)
    user_session.delete()


@transaction.atomic
def user_sessions_end_all(*, user: User, keep: UserSession | None = None) -> int:
    """End every session of `user` except `keep`; returns how many ended."""
    sessions = UserSession.objects.filter(user=user)
    if keep is not None:
        sessions = sessions.exclude(pk=keep.pk)
    ended = 0
    for user_session in sessions:
        user_session_end(user_session=user_session)
        ended += 1
    return ended
