"""The database half of the audit trail's append-only rule.

The ORM refuses updates and deletes (see `AuditEventQuerySet`); a migration also puts
triggers on the table so raw SQL, the admin shell or a bug elsewhere cannot rewrite
history either. Two operations legitimately delete rows, and both go through
`append_only_suspended`: the retention purge, and `flush`, which empties every table
(tests and development).

- PostgreSQL: the trigger lets a DELETE through only when the transaction-local
  setting `cercania.audit_purge` is 'on' (`set_config(…, true)` is `SET LOCAL`), so the
  permission ends with the transaction, or earlier on a savepoint rollback. UPDATE is
  refused always.
- SQLite: triggers cannot read a session setting, so the purge drops the DELETE trigger
  and re-creates it from its own stored definition inside the same transaction.
  SQLite's DDL is transactional and it has one writer at a time: no other connection
  can write while the trigger is gone, and a failure rolls the DROP back.

These triggers guard against mistakes, not against the database owner, who can drop
them; production should run the application as a role that does not own the tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

TABLE = "privacy_auditevent"
PURGE_SETTING = "cercania.audit_purge"
SQLITE_DELETE_TRIGGER = "privacy_auditevent_no_delete"


@contextmanager
def append_only_suspended(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let the enclosed statements delete audit rows, in one transaction (or savepoint)."""
    connection = connections[using]
    with transaction.atomic(using=using):
        trigger_sql = None
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
            elif connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                    [SQLITE_DELETE_TRIGGER],
                )
                row = cursor.fetchone()
                if row is not None:
                    trigger_sql = row[0]
                    cursor.execute(f"DROP TRIGGER {SQLITE_DELETE_TRIGGER}")
        yield
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, 'off', true)", [PURGE_SETTING])
            elif trigger_sql is not None:
                cursor.execute(trigger_sql)
