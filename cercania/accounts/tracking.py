"""Ties a request's Django session to its UserSession row (used by views and middleware)."""

from __future__ import annotations

import ipaddress
import re

from django.http import HttpRequest
from django.utils import timezone

from .models import UserSession
from .services import user_session_start, user_session_touch

# Session data key holding the public id of the UserSession row of this session.
SESSION_MARKER = "cercania_user_session"

BROWSERS = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


def user_agent_summary(raw: str) -> str:
    """'Firefox · Windows': enough for her to recognise a session, no fingerprint kept."""
    browser = next((name for token, name in BROWSERS if token in raw), "")
    system = next((name for token, name in SYSTEMS if token in raw), "")
    return " · ".join(part for part in (browser, system) if part)


def client_ip(request: HttpRequest) -> str | None:
    # The same source django-axes counts failures by (AXES_IPWARE_META_PRECEDENCE_ORDER).
    raw = re.sub(r"\s", "", request.META.get("REMOTE_ADDR", ""))
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def current_user_session(request: HttpRequest) -> UserSession | None:
    marker = request.session.get(SESSION_MARKER)
    if not marker:
        return None
    return UserSession.objects.filter(public_id=marker).select_related("user").first()


def record_login(request: HttpRequest, *, previous: UserSession | None) -> UserSession:
    """Record the session Django's login() just started for request.user."""
    user_session = user_session_start(
        user=request.user,  # type: ignore[arg-type]
        session_key=request.session.session_key or "",
        ip=client_ip(request),
        user_agent=user_agent_summary(request.META.get("HTTP_USER_AGENT", "")),
        replaces=previous,
    )
    request.session[SESSION_MARKER] = str(user_session.public_id)
    return user_session


def rotate_session_key(request: HttpRequest) -> None:
    """A new session key once she has proved the second factor (ASVS 7.2.4)."""
    request.session.cycle_key()
    current = current_user_session(request)
    if current is not None:
        user_session_touch(
            user_session=current,
            session_key=request.session.session_key or "",
            now=timezone.now(),
        )
