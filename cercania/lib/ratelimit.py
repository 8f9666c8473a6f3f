"""Fixed-window rate limits on Django's cache (shared when the cache is shared).

The client key (an IP) is hashed before it becomes a cache key, so the cache never
holds addresses.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets


def hit(
    *, scope: str, client: str, limit: int, window_seconds: int, now: float | None = None
) -> Verdict:
    now = time.time() if now is None else now
    bucket = int(now // window_seconds)
    digest = hashlib.sha256(client.encode()).hexdigest()[:24]
    key = f"rl:{scope}:{digest}:{bucket}"
    retry_after = int((bucket + 1) * window_seconds - now) + 1
    keep_for = retry_after + 5  # the key dies with its window, never before
    cache.add(key, 0, timeout=keep_for)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=keep_for)
        count = 1
    # The database cache's incr is a get and a set with the default timeout (300 s):
    # without this a count of an hourly window was forgotten after five quiet minutes,
    # and bursts between pauses got many times the limit. (Redis keeps the expiry.)
    cache.touch(key, timeout=keep_for)
    return Verdict(allowed=count <= limit, retry_after=retry_after)


def client_address(request) -> str:  # type: ignore[no-untyped-def]
    # REMOTE_ADDR only: behind the proxy, nginx sets it from the trusted hop
    # (docs/deploy.md); X-Forwarded-For from the client is never trusted here.
    return str(request.META.get("REMOTE_ADDR", ""))
