"""Signing in through HTTP, step by step, as a staff member does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from cercania.accounts.models import StaffTOTPDevice, User
from cercania.accounts.testing import totp_code

PASSWORD = "una contraseña larga de prueba"
START = datetime(2026, 12, 1, 16, 0, 5, tzinfo=UTC)


def log_in(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> HttpResponse:
    data = {"username": email, "password": password}
    return client.post(reverse("accounts:login"), data, **extra)  # type: ignore[return-value]


def verify(client: Client, code: str, **data: str) -> HttpResponse:
    return client.post(reverse("accounts:verify"), {"code": code, **data})  # type: ignore[return-value]


def sign_in(client: Client, user: User, device: StaffTOTPDevice) -> None:
    """Both factors through HTTP."""
    response = log_in(client, user.email)
    assert response.status_code == 302, response.content
    assert response["Location"] == reverse("accounts:verify")
    response = verify(client, totp_code(device))
    assert response.status_code == 302, response.content
    assert response["Location"] == reverse("accounts:home")
