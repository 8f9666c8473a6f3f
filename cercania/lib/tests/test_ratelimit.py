import pytest
from django.core.cache import cache

from cercania.lib.ratelimit import hit


def test_it_allows_up_to_the_limit_then_refuses_until_the_window_ends():
    verdicts = [
        hit(scope="t", client="10.0.0.1", limit=3, window_seconds=60, now=1000.0) for _ in range(4)
    ]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 21  # the window 960–1020 ends in 20 s (+1)
    assert hit(scope="t", client="10.0.0.1", limit=3, window_seconds=60, now=1021.0).allowed


def test_clients_and_scopes_are_counted_apart():
    for _ in range(3):
        hit(scope="t", client="10.0.0.1", limit=3, window_seconds=60, now=1000.0)
    assert hit(scope="t", client="10.0.0.2", limit=3, window_seconds=60, now=1000.0).allowed
    assert hit(scope="other", client="10.0.0.1", limit=3, window_seconds=60, now=1000.0).allowed


def test_the_cache_never_holds_the_address():
    hit(scope="t", client="203.0.113.9", limit=3, window_seconds=60, now=1000.0)
    keys = list(cache._cache.keys())  # type: ignore[attr-defined]  # LocMemCache in tests
    assert keys and not any("203.0.113.9" in k for k in keys)


@pytest.mark.django_db
def test_it_counts_on_the_production_database_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cercania_cache",
        }
    }
    verdicts = [
        hit(scope="db", client="10.0.0.1", limit=2, window_seconds=60, now=1000.0) for _ in range(3)
    ]
    assert [v.allowed for v in verdicts] == [True, True, False]


@pytest.mark.django_db
def test_an_hourly_count_on_the_database_cache_outlives_five_quiet_minutes(settings):
    # Django's database cache resets a key's expiry to its 300 s default on incr; the
    # count of an hourly window must still be there after a pause longer than that.
    import time_machine

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cercania_cache",
        }
    }
    start = 3600.0 * 1000  # the start of an hourly window
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(3):
            assert hit(scope="hourly", client="10.0.0.2", limit=3, window_seconds=3600).allowed
        clock.shift(600)  # ten quiet minutes, same window
        late = hit(scope="hourly", client="10.0.0.2", limit=3, window_seconds=3600)
    assert not late.allowed
    assert late.retry_after == 3000 + 1
