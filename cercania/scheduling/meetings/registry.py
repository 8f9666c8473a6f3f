"""The configured meeting provider, one instance per configuration.

One instance matters for Zoom: it holds the cached access token. The cache is keyed
on the settings themselves, so a test that overrides them gets a fresh provider.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cercania.scheduling.meetings import MeetingProvider
from cercania.scheduling.meetings.jitsi import JitsiProvider
from cercania.scheduling.meetings.manual import ManualProvider
from cercania.scheduling.meetings.zoom import ZoomProvider

PROVIDERS = ("manual", "zoom", "jitsi")


def get_provider(name: str | None = None) -> MeetingProvider:
    name = name or getattr(settings, "MEETING_PROVIDER", "") or "manual"
    if name == "manual":
        return _build("manual", ())
    if name == "zoom":
        zoom = (
            getattr(settings, "ZOOM_ACCOUNT_ID", ""),
            getattr(settings, "ZOOM_CLIENT_ID", ""),
            getattr(settings, "ZOOM_CLIENT_SECRET", ""),
            getattr(settings, "ZOOM_API_BASE", "") or "https://api.zoom.us/v2",
            getattr(settings, "ZOOM_OAUTH_URL", "") or "https://zoom.us/oauth/token",
        )
        if not all(zoom[:3]):
            raise ImproperlyConfigured(
                "MEETING_PROVIDER=zoom needs ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET"
            )
        return _build("zoom", zoom)
    if name == "jitsi":
        jitsi = (
            getattr(settings, "JITSI_BASE_URL", ""),
            getattr(settings, "JITSI_APP_ID", "") or "",
            getattr(settings, "JITSI_SECRET", "") or "",
            getattr(settings, "JITSI_AUDIENCE", "") or "jitsi",
        )
        if not jitsi[0]:
            raise ImproperlyConfigured("MEETING_PROVIDER=jitsi needs JITSI_BASE_URL")
        return _build("jitsi", jitsi)
    raise ImproperlyConfigured(f"MEETING_PROVIDER must be one of {PROVIDERS}, got {name!r}")


@functools.cache
def _build(name: str, config: tuple[str, ...]) -> MeetingProvider:
    try:
        if name == "zoom":
            account_id, client_id, client_secret, api_base, oauth_url = config
            return ZoomProvider(account_id, client_id, client_secret, api_base, oauth_url)
        if name == "jitsi":
            base_url, app_id, secret, audience = config
            return JitsiProvider(base_url, app_id or None, secret or None, audience)
    except ValueError as error:  # a malformed URL or half a JWT configuration
        raise ImproperlyConfigured(str(error)) from error
    return ManualProvider()
