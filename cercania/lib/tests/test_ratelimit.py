import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection

from cercania.lib.ratelimit import hit
from cercania.operations.models import RateLimitWindow


@pytest.fixture(params=["database", "cache"])
def store(request, settings):
    """Each behaviour on both stores: the database table (no Redis) and a cache."""
    settings.RATE_LIMIT_STORE = request.param
    if request.param == "database":
        request.getfixturevalue("db")
    return request.param


def test_it_allows_up_to_the_limit_then_refuses_until_the_window_ends(store):
    verdicts = [
        hit(scope="t", client="10.0.0.1", limit=3, window_seconds=60, now=1000.0) for _ in range(4)
    ]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 21  # the window 960–1020 ends in 20 s (+1)
    assert hit(scope="t", client="10.0.0.1", limit=3, window_seconds=60, now=1021.0).allowed


def test_clients_and_scopes_are_counted_apart(store):
    for _ in range(3):
        hit(scope="t", client="10.0.0.1", limit=3, window_seconds=60, now=1000.0)
    assert hit(scope="t", client="10.0.0.2", limit=3, window_seconds=60, now=1000.0).allowed
    assert hit(scope="other", client="10.0.0.1", limit=3, window_seconds=60, now=1000.0).allowed


def test_no_store_holds_the_address(store):
    hit(scope="t", client="203.0.113.9", limit=3, window_seconds=60, now=1000.0)
    if store == "database":
        keys = list(RateLimitWindow.objects.values_list("window_key", flat=True))
    else:
        keys = list(cache._cache.keys())  # type: ignore[attr-defined]  # LocMemCache in tests
    assert keys and not any("203.0.113.9" in k for k in keys)


def test_an_hourly_count_outlives_five_quiet_minutes(store):
    # Django's database cache reset a key's expiry to its 300 s default on incr: the
    # count of an hourly window must still be there after a longer pause.
    start = 3600.0 * 1000  # the start of an hourly window
    for _ in range(3):
        assert hit(
            scope="hourly", client="10.0.0.2", limit=3, window_seconds=3600, now=start
        ).allowed
    late = hit(scope="hourly", client="10.0.0.2", limit=3, window_seconds=3600, now=start + 600)
    assert not late.allowed
    assert late.retry_after == 3000 + 1


@pytest.mark.django_db
def test_ended_windows_leave_the_table_when_a_new_one_opens(settings):
    settings.RATE_LIMIT_STORE = "database"
    hit(scope="t", client="10.0.0.1", limit=3, window_seconds=60, now=1000.0)
    hit(scope="t", client="10.0.0.2", limit=3, window_seconds=60, now=1010.0)
    assert RateLimitWindow.objects.count() == 2
    hit(scope="t", client="10.0.0.3", limit=3, window_seconds=60, now=1100.0)  # 960–1020 ended
    assert list(RateLimitWindow.objects.values_list("hits", flat=True)) == [1]


@pytest.mark.django_db(transaction=True)
def test_hits_at_the_same_moment_from_many_processes_are_all_counted(settings):
    settings.RATE_LIMIT_STORE = "database"
    threads, each = 8, 5
    barrier = threading.Barrier(threads)

    def burst(_i: int) -> list[int]:
        barrier.wait()
        try:
            return [
                int(
                    hit(
                        scope="t", client="10.0.0.9", limit=10, window_seconds=60, now=1000.0
                    ).allowed
                )
                for _ in range(each)
            ]
        finally:
            connection.close()  # each thread had its own connection

    with ThreadPoolExecutor(max_workers=threads) as pool:
        allowed = sum(sum(verdicts) for verdicts in pool.map(burst, range(threads)))
    assert allowed == 10  # exactly the limit: no count was lost to a race
    assert RateLimitWindow.objects.get().hits == threads * each
