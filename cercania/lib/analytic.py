"""Settings for a run of reporting queries (the dashboard, its exports, the monthly PDF).

The app's other queries are short lookups; a report scans a year of rows. On
PostgreSQL two of the server's defaults are wrong for those scans, and are changed
for the report's own transaction only (SET LOCAL), never for the connection:

- JIT compilation: a year's aggregate has a high estimated cost, so PostgreSQL
  compiles it, and compiling takes longer (100-300 ms a query) than the scan it speeds.
- work_mem: at the default 4 MB the set of women of a year (a hash of person ids) and
  the grouped rows spill to disk in batches.

On SQLite there is nothing to set.

A report's queries are independent of each other, and PostgreSQL runs one query on one
core: `analytic_concurrently` runs them on REPORT_QUERY_CONNECTIONS connections at once
(the caller's and short-lived ones in threads), all reading one snapshot exported from
the caller's transaction, so the figures agree with each other exactly as if they were
read one after another in one transaction.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone, translation

P = ParamSpec("P")
R = TypeVar("R")

REPORT_WORK_MEM = "64MB"
logger = logging.getLogger(__name__)


@contextmanager
def analytic_queries(*, snapshot: str | None = None) -> Iterator[None]:
    """A read transaction tuned for aggregates over many rows; with `snapshot` (from
    pg_export_snapshot), one that sees exactly what that snapshot saw."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if snapshot is not None:
                    # Both must come before the transaction's first query.
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                cursor.execute("SET LOCAL jit = off")
                cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        yield


def analytic_concurrently(calls: Sequence[Callable[[], R]]) -> list[R]:
    """The results of `calls` (independent, read-only report queries), in their order.

    On PostgreSQL, outside any transaction of the caller's, they run on up to
    REPORT_QUERY_CONNECTIONS connections at once: this thread's, in a REPEATABLE READ
    transaction whose snapshot it exports, and helper threads', each importing that
    snapshot and closing its connection when the queue is empty. Put the longest call
    first: each connection takes the next call when it is free. Inside a transaction
    (a test's, or a caller that wrote something) other connections could not see its
    rows, so the calls run there one after another, as they do on SQLite.
    """
    helpers = min(settings.REPORT_QUERY_CONNECTIONS, len(calls)) - 1
    if connection.vendor != "postgresql" or connection.in_atomic_block or helpers < 1:
        with analytic_queries():
            return [call() for call in calls]
    pending: queue.SimpleQueue[tuple[int, Callable[[], R]]] = queue.SimpleQueue()
    for position, call in enumerate(calls):
        pending.put((position, call))
    results: dict[int, R] = {}
    failures: list[BaseException] = []

    def take_calls() -> None:
        while not failures:
            try:
                position, call = pending.get_nowait()
            except queue.Empty:
                return
            try:
                results[position] = call()
            except BaseException as error:  # re-raised in the caller's thread
                failures.append(error)

    # The language and time zone active here are per thread: the helpers take them,
    # so a table's titles and dates read the same whichever connection made it.
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def helper(snapshot: str) -> None:
        try:
            with (
                translation.override(language),
                timezone.override(zone),
                analytic_queries(snapshot=snapshot),
            ):
                take_calls()
        except Exception:
            # Its connection could not open or import the snapshot (the server's
            # connection limit, say): this thread's connection does the remaining calls.
            logger.warning("A report helper connection failed; reading on one.", exc_info=True)
        finally:
            connections.close_all()  # this thread's own: it ends here

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot: Any = cursor.fetchone()[0]  # type: ignore[index]
        with analytic_queries():  # a savepoint of this transaction, with its settings
            threads = [
                threading.Thread(target=helper, args=(snapshot,), daemon=True)
                for _ in range(helpers)
            ]
            for thread in threads:
                thread.start()
            take_calls()
            # The snapshot lives as long as this transaction: keep it open until every
            # helper has imported it and finished.
            for thread in threads:
                thread.join()
            if failures:
                raise failures[0]  # inside: the transaction is rolled back, not committed
    return [results[position] for position in range(len(calls))]


def analytic(function: Callable[P, R]) -> Callable[P, R]:
    """Run a reporting function inside analytic_queries()."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with analytic_queries():
            return function(*args, **kwargs)

    return wrapper
