"""Report queries run with their own PostgreSQL settings, for their transaction only."""

from __future__ import annotations

import threading
from functools import partial

import pytest
from django.db import DataError, OperationalError, connection, connections, transaction

from cercania.lib.analytic import REPORT_WORK_MEM, analytic_concurrently, analytic_queries

# Autocommit outside the block, as in a request: SET LOCAL ends with the transaction
# (inside a test's own transaction it would last until the test's rollback).
pytestmark = pytest.mark.django_db(transaction=True)


def _show(setting: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        return str(cursor.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings")
def test_reports_run_without_jit_and_with_more_work_mem_only_inside():
    before = (_show("jit"), _show("work_mem"))
    with analytic_queries():
        assert _show("jit") == "off"
        assert _show("work_mem") == REPORT_WORK_MEM
    assert (_show("jit"), _show("work_mem")) == before


def test_it_is_a_transaction_on_every_database():
    assert not connection.in_atomic_block
    with analytic_queries():
        assert connection.in_atomic_block


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="several connections in one snapshot"
)


def _where_and_when() -> tuple[int, str]:
    """The connection a call ran on (its server process) and the snapshot it read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), pg_current_snapshot()::text")
        pid, snapshot = cursor.fetchone()
        return int(pid), str(snapshot)


def _connections_open() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def _slow_where_and_when() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.2)")  # long enough for a helper to take a call
    return _where_and_when()


@postgres_only
def test_calls_run_on_several_connections_that_all_read_one_snapshot(settings):
    settings.REPORT_QUERY_CONNECTIONS = 2
    open_before = _connections_open()
    committed = threading.Event()

    def commit_elsewhere() -> tuple[int, str]:
        """Another session commits a transaction once the run has begun; nothing of
        the run may read a snapshot that sees it."""
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT txid_current()")  # autocommit: it ends here
        finally:
            other.close()
        committed.set()
        return _slow_where_and_when()

    def after_that_commit() -> tuple[int, str]:
        assert committed.wait(timeout=10)
        return _where_and_when()

    results = analytic_concurrently([commit_elsewhere] + [after_that_commit] * 5)
    assert len({pid for pid, _snapshot in results}) == 2
    assert len({snapshot for _pid, snapshot in results}) == 1
    assert _connections_open() == open_before  # the helper closed its connection


@postgres_only
def test_a_helper_reads_in_the_language_and_zone_of_the_caller(settings):
    from django.utils import timezone, translation

    settings.REPORT_QUERY_CONNECTIONS = 2

    def language_and_zone(*, slow: bool = False) -> tuple[int, str, str]:
        pid = (_slow_where_and_when if slow else _where_and_when)()[0]
        return pid, str(translation.get_language()), str(timezone.get_current_timezone())

    with translation.override("en"), timezone.override("America/Mexico_City"):
        results = analytic_concurrently(
            [lambda: language_and_zone(slow=True)] + [language_and_zone] * 4
        )
    assert len({pid for pid, _language, _zone in results}) == 2
    assert {(language, zone) for _pid, language, zone in results} == {("en", "America/Mexico_City")}


@postgres_only
def test_a_failing_call_fails_the_whole_run_and_every_connection_closes(settings):
    settings.REPORT_QUERY_CONNECTIONS = 2
    open_before = _connections_open()

    def broken() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    with pytest.raises(DataError):
        analytic_concurrently([_slow_where_and_when, broken, _where_and_when])
    assert not connection.in_atomic_block
    assert _connections_open() == open_before


def test_one_connection_or_a_caller_transaction_runs_the_calls_in_order_on_this_one(settings):
    settings.REPORT_QUERY_CONNECTIONS = 2
    seen: list[int] = []

    def call(n: int) -> int:
        seen.append(n)
        return n * 10

    # Inside a transaction of the caller's: other connections could not see its rows.
    with transaction.atomic():
        assert analytic_concurrently([partial(call, n) for n in range(4)]) == [0, 10, 20, 30]
    assert seen == [0, 1, 2, 3]
    settings.REPORT_QUERY_CONNECTIONS = 1
    assert analytic_concurrently([lambda: call(9)]) == [90]


@postgres_only
def test_a_helper_that_cannot_connect_leaves_every_call_to_this_connection(
    settings, monkeypatch, caplog
):
    from cercania.lib import analytic

    settings.REPORT_QUERY_CONNECTIONS = 2
    plain = analytic.analytic_queries

    def refusing(*, snapshot=None):
        if snapshot is not None:  # only the helpers import a snapshot
            raise OperationalError("too many connections")
        return plain()

    monkeypatch.setattr(analytic, "analytic_queries", refusing)
    results = analytic_concurrently([_where_and_when] * 4)
    assert len({pid for pid, _snapshot in results}) == 1  # all on the caller's
    assert "helper connection failed" in caplog.text
