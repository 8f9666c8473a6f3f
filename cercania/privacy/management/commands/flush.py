"""Django's `flush`, able to empty the append-only audit table too.

`flush` empties every table; it is what the test runner uses between transactional
tests, and a development tool. The audit table's triggers refuse deletes (on SQLite,
where flush is `DELETE FROM`; PostgreSQL's `TRUNCATE` fires no row triggers), so the
deletion runs inside `append_only_suspended`. This app is listed before Django's own
apps in INSTALLED_APPS, so this command takes the place of Django's.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from cercania.privacy.append_only import append_only_suspended


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with append_only_suspended(using=options["database"]):
            super().handle(**options)
