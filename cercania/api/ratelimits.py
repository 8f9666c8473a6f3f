"""Rate limits of the API: per client IP, on the shared cache (cercania.lib.ratelimit)."""

from __future__ import annotations

import threading

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from cercania.lib import ratelimit

_retry_after = threading.local()


class PerAddress(BaseThrottle):
    """A fixed-window limit per client IP on the shared cache (cercania.lib.ratelimit).

    The limit is read from settings on every request, so it can be changed per
    deployment (and per test) without rebuilding the API.
    """

    def __init__(self, *, scope: str, setting: str, window_seconds: int) -> None:
        self.scope, self.setting, self.window_seconds = scope, setting, window_seconds

    def allow_request(self, request: HttpRequest) -> bool:
        verdict = ratelimit.hit(
            scope=self.scope,
            client=ratelimit.client_address(request),
            limit=getattr(settings, self.setting),
            window_seconds=self.window_seconds,
        )
        # wait() is asked right after, in the same thread; the throttle object is shared.
        _retry_after.seconds = verdict.retry_after
        return verdict.allowed

    def wait(self) -> float | None:
        return getattr(_retry_after, "seconds", None)


BOOKING_CREATION = PerAddress(
    scope="api-bookings", setting="API_RATE_BOOKINGS_PER_HOUR", window_seconds=3600
)
TOKEN_LOOKUPS = PerAddress(
    scope="api-token", setting="API_RATE_TOKEN_LOOKUPS_PER_HOUR", window_seconds=3600
)
SLOT_READS = PerAddress(scope="api-slots", setting="API_RATE_SLOTS_PER_MINUTE", window_seconds=60)
