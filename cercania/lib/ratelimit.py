"""Fixed-window rate limits, shared by every process of the site.

Counted where RATE_LIMIT_STORE says: "cache" (Redis: INCR is atomic and keeps the
expiry) or "database" (without Redis: one upsert in operations.RateLimitWindow, which
is atomic too; Django's database cache needs five queries for add, incr and touch, and
two processes incrementing at once could both read the same count).

The client key (an IP) is hashed before it becomes a key, so no store holds addresses.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection


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
    if settings.RATE_LIMIT_STORE == "database":
        count = _count_in_database(key=key, expires=now + keep_for, now=now)
    else:
        count = _count_in_cache(key=key, keep_for=keep_for)
    return Verdict(allowed=count <= limit, retry_after=retry_after)


def _count_in_cache(*, key: str, keep_for: int) -> int:
    cache.add(key, 0, timeout=keep_for)
    try:
        count = int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=keep_for)
        count = 1
    # Some caches' incr is a get and a set with the default timeout (300 s): without
    # this a count of an hourly window would be forgotten after five quiet minutes.
    cache.touch(key, timeout=keep_for)
    return count


def _count_in_database(*, key: str, expires: float, now: float) -> int:
    from cercania.operations.models import RateLimitWindow  # an app's table, read here

    table = RateLimitWindow._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        # One statement, atomic on PostgreSQL and SQLite alike (ON CONFLICT … RETURNING).
        cursor.execute(
            f"INSERT INTO {table} (window_key, hits, expires_at) VALUES (%s, 1, %s) "  # noqa: S608 (no input in the text)
            f"ON CONFLICT (window_key) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [key, adapt(datetime.fromtimestamp(expires, UTC))],
        )
        count = int(cursor.fetchone()[0])
    if count == 1:  # a window opened: the ended ones of every client go
        RateLimitWindow.objects.filter(expires_at__lt=datetime.fromtimestamp(now, UTC)).delete()
    return count


def client_address(request) -> str:  # type: ignore[no-untyped-def]
    # REMOTE_ADDR only: behind the proxy, nginx sets it from the trusted hop
    # (docs/deploy.md); X-Forwarded-For from the client is never trusted here.
    return str(request.META.get("REMOTE_ADDR", ""))
