"""PostgreSQL plumbing the benchmarks share (slots.py, reports.py, load.py).

Each benchmark works in a database of its own on the server the developer names: the
database name in her URL is ignored, so a database she uses is never touched.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


def bench_database_url(base: str | None, *, name: str) -> str:
    """`base` (else DATABASE_URL, else the local server) with its database set to `name`."""
    parts = urlsplit(base or os.environ.get("DATABASE_URL") or DEFAULT_SERVER)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit(f"this benchmark needs a postgres:// URL, got {parts.scheme}://")
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def postgres_admin(url: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE from the server's maintenance database."""
    import psycopg

    parts = urlsplit(url)
    maintenance = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(statement)
