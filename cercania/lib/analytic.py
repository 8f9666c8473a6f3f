"""Settings for a run of reporting queries (the dashboard, its exports, the monthly PDF).

The app's other queries are short lookups; a report scans a year of rows. On
PostgreSQL two of the server's defaults are wrong for those scans, and are changed
for the report's own transaction only (SET LOCAL), never for the connection:

- JIT compilation: a year's aggregate has a high estimated cost, so PostgreSQL
  compiles it, and compiling takes longer (100-300 ms a query) than the scan it speeds.
- work_mem: at the default 4 MB the set of women of a year (a hash of person ids) and
  the grouped rows spill to disk in batches.

On SQLite there is nothing to set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import connection, transaction

P = ParamSpec("P")
R = TypeVar("R")

REPORT_WORK_MEM = "64MB"


@contextmanager
def analytic_queries() -> Iterator[None]:
    """A read transaction tuned for aggregates over many rows."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        yield


def analytic(function: Callable[P, R]) -> Callable[P, R]:
    """Run a reporting function inside analytic_queries()."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with analytic_queries():
            return function(*args, **kwargs)

    return wrapper
