"""Reads for staff accounts, always scoped to the user asking."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from .models import RecoveryCode, StaffTOTPDevice, User, UserSession


def totp_device_confirmed(*, user: User) -> StaffTOTPDevice | None:
    return StaffTOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count()


def user_sessions_live(*, user: User) -> QuerySet[UserSession]:
    """Her sessions the server would still accept, most recently used first."""
    now = timezone.now()
    return UserSession.objects.filter(
        user=user,
        last_seen_at__gt=now - timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES),
        created_at__gt=now - timedelta(hours=settings.SESSION_ABSOLUTE_HOURS),
    ).order_by("-last_seen_at")


def user_session_of(*, user: User, public_id: uuid.UUID) -> UserSession:
    """One of her own sessions; another user's is a 404, like one that does not exist."""
    found = UserSession.objects.filter(user=user, public_id=public_id).first()
    if found is None:
        raise Http404
    return found
